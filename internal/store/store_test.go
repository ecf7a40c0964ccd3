package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/audit"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// exact compares times with ==, so that a location or a sub-microsecond
// remainder that survived a round trip is a difference (cmp would otherwise
// use time.Time.Equal).
var exact = cmp.Comparer(func(a, b time.Time) bool { return a == b })

var paris = time.FixedZone("CEST", 2*3600)

// consent returns a consent with every field set. Its times carry
// nanoseconds and a zone, which the store must normalise.
func consent(id, site, subject string, issued time.Time) *custos.Consent {
	return &custos.Consent{
		ID:                  id,
		Site:                site,
		Subject:             subject,
		Choices:             map[string]bool{"analytics": true, "marketing": false},
		Method:              custos.MethodCustom,
		ManifestFingerprint: "sha256:abc",
		Locale:              "fr-FR",
		Region:              "FR",
		Jurisdiction:        "eu",
		Mode:                "opt_in",
		NoticeVersion:       "2026-01",
		GPC:                 true,
		IPPrefix:            "192.0.2.0",
		IssuedAt:            issued,
		ExpiresAt:           issued.AddDate(1, 0, 0),
		Receipt:             "eyJhbGciOiJFZERTQSJ9.eyJpZCI6IiJ9.c2ln-" + id,
	}
}

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, paris)

func record(t *testing.T, db *store.DB, c *custos.Consent) *custos.Consent {
	t.Helper()
	stored, replay, err := db.RecordConsent(context.Background(), c, nil)
	if err != nil {
		t.Fatalf("RecordConsent(%s): %v", c.ID, err)
	}
	if replay {
		t.Fatalf("RecordConsent(%s): replay = true, want false", c.ID)
	}
	return stored
}

func verify(t *testing.T, db *store.DB, want int64) {
	t.Helper()
	n, err := audit.Verify(context.Background(), db)
	if err != nil {
		t.Fatalf("audit.Verify: %v", err)
	}
	if n != want {
		t.Errorf("audit.Verify checked %d entries, want %d", n, want)
	}
}

func count(t *testing.T, db *store.DB) int64 {
	t.Helper()
	n, err := db.CountConsents(context.Background())
	if err != nil {
		t.Fatalf("CountConsents: %v", err)
	}
	return n
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := custos.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestRecordAndRead(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		in := consent("c1", "demo", "subj-1", t0)
		before := *in
		stored := record(t, db, in)

		want := before
		want.IssuedAt = t0.UTC().Truncate(time.Microsecond)
		want.ExpiresAt = t0.AddDate(1, 0, 0).UTC().Truncate(time.Microsecond)
		if diff := cmp.Diff(&want, stored, exact); diff != "" {
			t.Errorf("stored consent (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(&before, in, exact); diff != "" {
			t.Errorf("RecordConsent changed its input (-before +after):\n%s", diff)
		}

		got, err := db.Consent(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(stored, got, exact); diff != "" {
			t.Errorf("Consent (-stored +read):\n%s", diff)
		}
		state, err := db.ConsentState(ctx, "demo", "subj-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(stored, state, exact); diff != "" {
			t.Errorf("ConsentState (-stored +read):\n%s", diff)
		}
		if n := count(t, db); n != 1 {
			t.Errorf("CountConsents = %d, want 1", n)
		}

		// The audit entry names the consent and hashes its receipt.
		var entries []*custos.AuditEntry
		if err := db.AuditEntries(ctx, func(e *custos.AuditEntry) error { entries = append(entries, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("%d audit entries, want 1", len(entries))
		}
		e := entries[0]
		if e.Seq != 1 || e.Actor != "api" || e.Action != custos.AuditConsentRecorded || e.ObjectType != "consent" ||
			e.ObjectID != "c1" || e.DetailsHash != audit.DetailsHash([]byte(in.Receipt)) || e.PrevHash != audit.ZeroHash {
			t.Errorf("audit entry = %+v", e)
		}
		verify(t, db, 1)
	})
}

func TestRecordMinimalConsent(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		// No choices, no expiry, no issue time: nil and zero values survive
		// the round trip, and IssuedAt becomes the time of recording.
		before := time.Now().UTC().Truncate(time.Microsecond)
		stored := record(t, db, &custos.Consent{ID: "m1", Site: "demo", Subject: "s", Method: custos.MethodRejectAll})
		if stored.IssuedAt.Before(before) || stored.IssuedAt.After(time.Now()) {
			t.Errorf("IssuedAt = %v, want the time of recording", stored.IssuedAt)
		}
		got, err := db.Consent(context.Background(), "m1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(stored, got, exact); diff != "" {
			t.Errorf("Consent (-stored +read):\n%s", diff)
		}
		if got.Choices != nil || !got.ExpiresAt.IsZero() {
			t.Errorf("got Choices %v, ExpiresAt %v; want nil and zero", got.Choices, got.ExpiresAt)
		}
	})
}

func TestRecordConsentInvalid(t *testing.T) {
	db := storetest.Open(t)
	_, _, err := db.RecordConsent(context.Background(), &custos.Consent{Site: "demo"}, nil)
	wantCode(t, err, custos.EINVALID)
	var fields []string
	for _, f := range custos.ErrorFields(err) {
		fields = append(fields, f.Field)
	}
	if diff := cmp.Diff([]string{"id", "subject"}, fields); diff != "" {
		t.Errorf("invalid fields (-want +got):\n%s", diff)
	}
	if n := count(t, db); n != 0 {
		t.Errorf("CountConsents = %d after an invalid consent, want 0", n)
	}
}

func TestNotFound(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, err := db.Consent(ctx, "nope")
		wantCode(t, err, custos.ENOTFOUND)
		if c != nil {
			t.Errorf("Consent returned %v with ENOTFOUND", c)
		}
		_, err = db.ConsentState(ctx, "demo", "secret-subject")
		wantCode(t, err, custos.ENOTFOUND)
		if strings.Contains(err.Error(), "secret-subject") {
			t.Errorf("error %q repeats the subject", err)
		}
		h, err := db.ConsentHistory(ctx, "demo", "nobody")
		if err != nil || h == nil || len(h) != 0 {
			t.Errorf("ConsentHistory = %v, %v; want an empty slice", h, err)
		}
		m, err := db.ManifestVersions(ctx, "demo")
		if err != nil || m == nil || len(m) != 0 {
			t.Errorf("ManifestVersions = %v, %v; want an empty slice", m, err)
		}
	})
}

func TestStateAndHistory(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c1 := record(t, db, consent("h1", "demo", "alice", t0))
		c2 := record(t, db, consent("h2", "demo", "alice", t0.Add(time.Second)))
		other := record(t, db, consent("o1", "demo", "bob", t0.Add(2*time.Second)))
		otherSite := record(t, db, consent("s1", "shop", "alice", t0.Add(3*time.Second)))
		c3 := record(t, db, consent("h3", "demo", "alice", t0.Add(2*time.Second)))

		state := func(site, subject string) *custos.Consent {
			t.Helper()
			c, err := db.ConsentState(ctx, site, subject)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if diff := cmp.Diff(c3, state("demo", "alice"), exact); diff != "" {
			t.Errorf("state follows the latest (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(other, state("demo", "bob"), exact); diff != "" {
			t.Errorf("other subject (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(otherSite, state("shop", "alice"), exact); diff != "" {
			t.Errorf("other site (-want +got):\n%s", diff)
		}

		// A consent that arrives late (issued before the current one) joins
		// the history but does not become the state.
		late := record(t, db, consent("h0", "demo", "alice", t0.Add(-time.Hour)))
		if diff := cmp.Diff(c3, state("demo", "alice"), exact); diff != "" {
			t.Errorf("state after a late consent (-want +got):\n%s", diff)
		}
		// Of two issued in the same microsecond, the one recorded last wins.
		tie := record(t, db, consent("h4", "demo", "alice", t0.Add(2*time.Second)))
		if diff := cmp.Diff(tie, state("demo", "alice"), exact); diff != "" {
			t.Errorf("state after a tie (-want +got):\n%s", diff)
		}

		h, err := db.ConsentHistory(ctx, "demo", "alice")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*custos.Consent{late, c1, c2, c3, tie}, h, exact); diff != "" {
			t.Errorf("history, oldest first (-want +got):\n%s", diff)
		}
		if n := count(t, db); n != 7 {
			t.Errorf("CountConsents = %d, want 7", n)
		}
		verify(t, db, 7)
	})
}

func TestIdempotencyReplay(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		idem := &custos.Idempotency{Key: "k1", Scope: "consents:demo", RequestHash: "h1"}
		first, replay, err := db.RecordConsent(ctx, consent("r1", "demo", "alice", t0), idem)
		if err != nil || replay {
			t.Fatalf("first RecordConsent = replay %v, %v", replay, err)
		}
		// The retry carries the same body; whatever consent it would have
		// created, the first one is the answer and nothing is written.
		again, replay, err := db.RecordConsent(ctx, consent("r2", "demo", "alice", t0.Add(time.Second)), idem)
		if err != nil {
			t.Fatal(err)
		}
		if !replay {
			t.Error("replay = false, want true")
		}
		if diff := cmp.Diff(first, again, exact); diff != "" {
			t.Errorf("replay returned (-first +replayed):\n%s", diff)
		}
		if _, err := db.Consent(ctx, "r2"); custos.ErrorCode(err) != custos.ENOTFOUND {
			t.Errorf("the replayed request's own consent was written: %v", err)
		}
		if n := count(t, db); n != 1 {
			t.Errorf("CountConsents = %d, want 1", n)
		}
		verify(t, db, 1)

		// The same key in another scope is another key.
		_, replay, err = db.RecordConsent(ctx, consent("r3", "shop", "alice", t0), &custos.Idempotency{Key: "k1", Scope: "consents:shop", RequestHash: "h1"})
		if err != nil || replay {
			t.Fatalf("other scope: replay %v, %v; want a new consent", replay, err)
		}
		verify(t, db, 2)
	})
}

func TestIdempotencyConflict(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, _, err := db.RecordConsent(ctx, consent("r1", "demo", "alice", t0), &custos.Idempotency{Key: "k1", Scope: "consents:demo", RequestHash: "h1"}); err != nil {
			t.Fatal(err)
		}
		stored, replay, err := db.RecordConsent(ctx, consent("r2", "demo", "alice", t0), &custos.Idempotency{Key: "k1", Scope: "consents:demo", RequestHash: "other"})
		wantCode(t, err, custos.ECONFLICT)
		if stored != nil || replay {
			t.Errorf("conflict returned %v, replay %v", stored, replay)
		}
		if strings.Contains(err.Error(), "alice") {
			t.Errorf("error %q repeats the subject", err)
		}
		if n := count(t, db); n != 1 {
			t.Errorf("CountConsents = %d, want 1", n)
		}
		verify(t, db, 1)
	})
}

// result is what one queued call returned.
type result struct {
	stored *custos.Consent
	replay bool
	err    error
}

// queue starts fn in a goroutine and waits until its write is queued, so
// that writes queue in a known order behind a held writer.
func queue(t *testing.T, db *store.DB, wg *sync.WaitGroup, fn func()) {
	t.Helper()
	n := db.Queued()
	wg.Go(fn)
	for deadline := time.Now().Add(10 * time.Second); db.Queued() == n; {
		if time.Now().After(deadline) {
			t.Fatal("the write was never queued")
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func TestBatchIsolation(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		pre := &custos.Idempotency{Key: "k0", Scope: "consents:demo", RequestHash: "h0"}
		first, _, err := db.RecordConsent(ctx, consent("pre", "demo", "alice", t0), pre)
		if err != nil {
			t.Fatal(err)
		}

		// One batch: good writes mixed with replays and idempotency
		// conflicts, against the database and within the batch, plus an
		// audit entry and a manifest. The conflicts fail alone.
		release := db.HoldWriter()
		var wg sync.WaitGroup
		results := map[string]*result{}
		rc := func(name string, c *custos.Consent, idem *custos.Idempotency) {
			r := &result{}
			results[name] = r
			queue(t, db, &wg, func() { r.stored, r.replay, r.err = db.RecordConsent(ctx, c, idem) })
		}
		for i := range 10 {
			rc(fmt.Sprintf("good%d", i), consent(fmt.Sprintf("g%d", i), "demo", fmt.Sprintf("s%d", i%3), t0.Add(time.Duration(i)*time.Second)), nil)
		}
		rc("replay-db", consent("x1", "demo", "alice", t0), pre)
		rc("conflict-db", consent("x2", "demo", "alice", t0), &custos.Idempotency{Key: "k0", Scope: "consents:demo", RequestHash: "zz"})
		k1 := &custos.Idempotency{Key: "k1", Scope: "consents:demo", RequestHash: "h1"}
		rc("k1-first", consent("k1a", "demo", "bob", t0), k1)
		rc("k1-replay", consent("k1b", "demo", "bob", t0), k1)
		rc("k1-conflict", consent("k1c", "demo", "bob", t0), &custos.Idempotency{Key: "k1", Scope: "consents:demo", RequestHash: "zz"})
		entry := &custos.AuditEntry{Actor: "staff-1", Action: "test.action", ObjectType: "test", ObjectID: "1"}
		var auditErr, manifestErr error
		queue(t, db, &wg, func() { auditErr = db.AppendAudit(ctx, entry) })
		mv := &custos.ManifestVersion{Site: "demo", Fingerprint: "f1", ContentHash: audit.DetailsHash([]byte("sites: {}")), Source: "demo", Content: []byte("sites: {}")}
		queue(t, db, &wg, func() { _, manifestErr = db.RecordManifest(ctx, mv) })
		release()
		wg.Wait()

		for i := range 10 {
			r := results[fmt.Sprintf("good%d", i)]
			if r.err != nil || r.replay || r.stored == nil || r.stored.ID != fmt.Sprintf("g%d", i) {
				t.Errorf("good%d: %+v", i, r)
			}
		}
		if r := results["replay-db"]; r.err != nil || !r.replay || !cmp.Equal(r.stored, first, exact) {
			t.Errorf("replay of a stored key: %+v", r)
		}
		if r := results["k1-first"]; r.err != nil || r.replay || r.stored.ID != "k1a" {
			t.Errorf("first use of a key: %+v", r)
		}
		if r := results["k1-replay"]; r.err != nil || !r.replay || !cmp.Equal(r.stored, results["k1-first"].stored, exact) {
			t.Errorf("replay within the batch: %+v", r)
		}
		for _, name := range []string{"conflict-db", "k1-conflict"} {
			if r := results[name]; custos.ErrorCode(r.err) != custos.ECONFLICT || r.stored != nil {
				t.Errorf("%s: %+v, want ECONFLICT", name, r)
			}
		}
		if auditErr != nil || manifestErr != nil {
			t.Fatalf("AppendAudit: %v, RecordManifest: %v", auditErr, manifestErr)
		}
		if n := count(t, db); n != 12 {
			t.Errorf("CountConsents = %d, want 12", n)
		}
		verify(t, db, 14)

		// All of it went into one transaction: its entries share one time.
		times := map[time.Time]int{}
		if err := db.AuditEntries(ctx, func(e *custos.AuditEntry) error {
			if e.Seq > 1 && e.Action != "test.action" {
				times[e.Time]++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(times) != 1 {
			t.Errorf("the batch was split: entry times %v", times)
		}
		if entry.Seq < 2 || entry.Hash == "" {
			t.Errorf("AppendAudit left the entry unsealed: %+v", entry)
		}

		// A write that fails a statement (an id recorded twice) is retried
		// alone and fails alone.
		release = db.HoldWriter()
		var dupErr error
		queue(t, db, &wg, func() { _, _, dupErr = db.RecordConsent(ctx, consent("g0", "demo", "carol", t0), nil) })
		var goodErr [5]error
		for i := range goodErr {
			queue(t, db, &wg, func() {
				_, _, goodErr[i] = db.RecordConsent(ctx, consent(fmt.Sprintf("n%d", i), "demo", "dave", t0), nil)
			})
		}
		release()
		wg.Wait()
		wantCode(t, dupErr, custos.ECONFLICT)
		for i, err := range goodErr {
			if err != nil {
				t.Errorf("good write %d next to a bad one: %v", i, err)
			}
		}
		if n := count(t, db); n != 17 {
			t.Errorf("CountConsents = %d, want 17", n)
		}
		verify(t, db, 19)
	})
}

func TestConcurrentRecord(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const goroutines, each = 50, 20
		var wg sync.WaitGroup
		errs := make(chan error, goroutines*each)
		for g := range goroutines {
			wg.Go(func() {
				for i := range each {
					c := consent(fmt.Sprintf("c-%d-%d", g, i), "demo", fmt.Sprintf("subj-%d", g), t0.Add(time.Duration(i)*time.Millisecond))
					if _, _, err := db.RecordConsent(ctx, c, &custos.Idempotency{Key: c.ID, Scope: "consents:demo", RequestHash: "h"}); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := count(t, db); n != goroutines*each {
			t.Errorf("CountConsents = %d, want %d", n, goroutines*each)
		}
		for g := range goroutines {
			for i := range each {
				if _, err := db.Consent(ctx, fmt.Sprintf("c-%d-%d", g, i)); err != nil {
					t.Fatalf("consent %d-%d: %v", g, i, err)
				}
			}
			s, err := db.ConsentState(ctx, "demo", fmt.Sprintf("subj-%d", g))
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("c-%d-%d", g, each-1); s.ID != want {
				t.Errorf("state of subject %d = %s, want %s", g, s.ID, want)
			}
		}
		verify(t, db, goroutines*each)
	})
}

// TestTwoNodes runs two stores on one database, as two nodes (or two
// processes on one SQLite file) would, and checks the chain stays linear.
func TestTwoNodes(t *testing.T) {
	storetest.Configs(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		open := func() *store.DB {
			db, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			return db
		}
		nodes := []*store.DB{open(), open()}
		var wg sync.WaitGroup
		errs := make(chan error, 400)
		for g := range 20 {
			wg.Go(func() {
				for i := range 10 {
					c := consent(fmt.Sprintf("n-%d-%d", g, i), "demo", fmt.Sprintf("s%d", g), t0)
					if _, _, err := nodes[g%2].RecordConsent(ctx, c, nil); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		verify(t, nodes[0], 200)
		verify(t, nodes[1], 200)
	})
}

func TestAppendAudit(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := &custos.AuditEntry{Time: t0, Actor: "staff-7", Action: "consent.viewed", ObjectType: "consent", ObjectID: "c1", DetailsHash: audit.DetailsHash(nil)}
		if err := db.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.Seq != 1 || e.PrevHash != audit.ZeroHash || e.Hash != audit.Hash(e) || e.Time != t0.UTC().Truncate(time.Microsecond) {
			t.Errorf("AppendAudit set %+v", e)
		}
		e2 := &custos.AuditEntry{Actor: "system", Action: "retention.swept", ObjectType: "job", ObjectID: "j1"}
		if err := db.AppendAudit(ctx, e2); err != nil {
			t.Fatal(err)
		}
		if e2.Seq != 2 || e2.PrevHash != e.Hash || e2.Time.IsZero() {
			t.Errorf("second entry %+v", e2)
		}
		var got []*custos.AuditEntry
		if err := db.AuditEntries(ctx, func(e *custos.AuditEntry) error { got = append(got, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*custos.AuditEntry{e, e2}, got, exact); diff != "" {
			t.Errorf("AuditEntries (-appended +read):\n%s", diff)
		}
		seq, hash, err := db.AuditHead(ctx)
		if err != nil || seq != 2 || hash != e2.Hash {
			t.Errorf("AuditHead = %d, %s, %v; want 2, %s", seq, hash, err, e2.Hash)
		}

		// fn's error stops the walk.
		stop := errors.New("stop")
		calls := 0
		err = db.AuditEntries(ctx, func(*custos.AuditEntry) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("AuditEntries with a failing fn: %v after %d calls", err, calls)
		}
		wantCode(t, db.AppendAudit(ctx, &custos.AuditEntry{Action: "x"}), custos.EINVALID)
	})
}

func TestManifest(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// rec records a version whose content hash is derived from content,
		// as manifest.Site.ContentHash derives it from the definition.
		rec := func(site, fp, content string) (*custos.ManifestVersion, bool) {
			t.Helper()
			v := &custos.ManifestVersion{Site: site, Fingerprint: fp, ContentHash: audit.DetailsHash([]byte(content)),
				Source: "custos.yaml", Content: []byte(content), LoadedAt: t0}
			changed, err := db.RecordManifest(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			return v, changed
		}
		v1, changed := rec("demo", "f1", "a: 1")
		if !changed || v1.ID == 0 || v1.LoadedAt != t0.UTC().Truncate(time.Microsecond) {
			t.Errorf("first manifest: changed %v, %+v", changed, v1)
		}
		if _, changed := rec("demo", "f1", "a: 1"); changed {
			t.Error("the same content again was recorded")
		}
		// A change that leaves the consent fingerprint alone (a processor,
		// a retention period) is a new version all the same.
		v2, changed := rec("demo", "f1", "a: 1\nb: 2")
		if !changed {
			t.Error("changed content with the same fingerprint was not recorded")
		}
		v3, changed := rec("demo", "f2", "a: 2")
		if !changed {
			t.Error("a new fingerprint was not recorded")
		}
		if _, changed := rec("shop", "f2", "a: 2"); !changed {
			t.Error("another site's first manifest was not recorded")
		}
		v4, changed := rec("demo", "f1", "a: 1")
		if !changed {
			t.Error("going back to an earlier version was not recorded")
		}
		if _, changed := rec("demo", "f1", "a: 1"); changed {
			t.Error("the latest content again was recorded")
		}

		got, err := db.ManifestVersions(ctx, "demo")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*custos.ManifestVersion{v1, v2, v3, v4}, got, exact); diff != "" {
			t.Errorf("ManifestVersions (-recorded +read):\n%s", diff)
		}

		var entries []string
		if err := db.AuditEntries(ctx, func(e *custos.AuditEntry) error {
			entries = append(entries, e.Action+" "+e.ObjectType+" "+e.ObjectID+" "+e.DetailsHash)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		h := func(content string) string { return audit.DetailsHash([]byte(content)) }
		want := []string{
			"manifest.loaded manifest demo@f1 " + h("a: 1"),
			"manifest.changed manifest demo@f1 " + h("a: 1\nb: 2"),
			"manifest.changed manifest demo@f2 " + h("a: 2"),
			"manifest.loaded manifest shop@f2 " + h("a: 2"),
			"manifest.changed manifest demo@f1 " + h("a: 1"),
		}
		if diff := cmp.Diff(want, entries); diff != "" {
			t.Errorf("audit entries (-want +got):\n%s", diff)
		}
		verify(t, db, 5)
	})
}

// TestManifestBatch records versions of one site in one batch: the writer
// must compare each with the one before it in the batch, not with the
// database only.
func TestManifestBatch(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		release := db.HoldWriter()
		var wg sync.WaitGroup
		changed := make([]bool, 4)
		for i, content := range []string{"a", "a", "b", "b"} {
			queue(t, db, &wg, func() {
				v := &custos.ManifestVersion{Site: "demo", Fingerprint: "f1", ContentHash: audit.DetailsHash([]byte(content)), Content: []byte(content)}
				var err error
				if changed[i], err = db.RecordManifest(ctx, v); err != nil {
					t.Error(err)
				}
			})
		}
		release()
		wg.Wait()
		if diff := cmp.Diff([]bool{true, false, true, false}, changed); diff != "" {
			t.Errorf("changed (-want +got):\n%s", diff)
		}
		var actions []string
		if err := db.AuditEntries(ctx, func(e *custos.AuditEntry) error { actions = append(actions, e.Action); return nil }); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{custos.AuditManifestLoaded, custos.AuditManifestChanged}, actions); diff != "" {
			t.Errorf("audit actions (-want +got):\n%s", diff)
		}
	})
}

func TestManifestInvalid(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	_, err := db.RecordManifest(ctx, &custos.ManifestVersion{})
	wantCode(t, err, custos.EINVALID)
	var fields []string
	for _, f := range custos.ErrorFields(err) {
		fields = append(fields, f.Field)
	}
	if diff := cmp.Diff([]string{"site", "fingerprint", "content_hash"}, fields); diff != "" {
		t.Errorf("invalid fields (-want +got):\n%s", diff)
	}
	_, err = db.RecordManifest(ctx, &custos.ManifestVersion{Site: "demo", Fingerprint: "f1"})
	wantCode(t, err, custos.EINVALID)
	if got, _ := db.ManifestVersions(ctx, "demo"); len(got) != 0 {
		t.Errorf("%d versions recorded from invalid input", len(got))
	}
}

// TestTamper changes the audit trail behind the store's back and checks
// that audit.Verify names the entry where the chain breaks.
func TestTamper(t *testing.T) {
	cases := []struct {
		name    string
		sql     []string
		wantSeq int64
	}{
		{"changed", []string{`UPDATE audit_log SET object_id = 'other' WHERE seq = 3`}, 3},
		{"removed from the middle", []string{`DELETE FROM audit_log WHERE seq = 3`}, 3},
		{"last removed", []string{`DELETE FROM audit_log WHERE seq = 5`}, 5},
		{"first removed", []string{`DELETE FROM audit_log WHERE seq = 1`}, 1},
		{"reordered", []string{
			`UPDATE audit_log SET seq = -1 WHERE seq = 2`,
			`UPDATE audit_log SET seq = 2 WHERE seq = 3`,
			`UPDATE audit_log SET seq = 3 WHERE seq = -1`,
		}, 2},
		{"head moved back", []string{`UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4)`}, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Engines(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				for i := range 5 {
					record(t, db, consent(fmt.Sprintf("t%d", i), "demo", "alice", t0))
				}
				verify(t, db, 5)
				for _, q := range tc.sql {
					if _, err := db.RawSQL().ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				_, err := audit.Verify(ctx, db)
				var be *audit.BreakError
				if !errors.As(err, &be) {
					t.Fatalf("audit.Verify = %v, want a *audit.BreakError", err)
				}
				if be.Seq != tc.wantSeq {
					t.Errorf("break at %d (%s), want %d", be.Seq, be.Reason, tc.wantSeq)
				}
			})
		})
	}
}

// allMigrations names every migration, in order.
var allMigrations = []string{"0001_init", "0002_staff", "0003_requests", "0004_restrictions", "0005_data_labels", "0006_jobs", "0007_webhook_replays", "0008_job_redacted"}

func TestMigrate(t *testing.T) {
	storetest.Configs(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		db, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		applied, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(allMigrations, applied); diff != "" {
			t.Errorf("first Migrate applied (-want +got):\n%s", diff)
		}
		again, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != 0 {
			t.Errorf("second Migrate applied %v, want nothing", again)
		}
		record(t, db, consent("c1", "demo", "alice", t0))
		verify(t, db, 1)
	})
}

// TestConcurrentMigrate starts two stores on one empty database and
// migrates both at once: both succeed and each step is applied once.
func TestConcurrentMigrate(t *testing.T) {
	storetest.Configs(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		var dbs [2]*store.DB
		for i := range dbs {
			db, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			dbs[i] = db
		}
		var (
			wg      sync.WaitGroup
			applied [2][]string
			errs    [2]error
		)
		for i, db := range dbs {
			wg.Go(func() { applied[i], errs[i] = db.Migrate(ctx) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		// On SQLite, with no lock around the whole run, the two may take
		// turns: each step is applied once, by either.
		all := append(applied[0], applied[1]...)
		slices.Sort(all)
		if !cmp.Equal(allMigrations, all) {
			t.Errorf("applied %v and %v, want each step once", applied[0], applied[1])
		}
		var n int
		if err := dbs[0].RawSQL().QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(allMigrations) {
			t.Errorf("schema_migrations has %d rows (%v), want %d", n, err, len(allMigrations))
		}
		seq, _, err := dbs[1].AuditHead(ctx)
		if err != nil || seq != 0 {
			t.Errorf("AuditHead = %d, %v", seq, err)
		}
	})
}

// TestCloseFlushes queues writes behind a held writer, closes the store,
// and checks that every queued write was committed and answered.
func TestCloseFlushes(t *testing.T) {
	storetest.Configs(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		db, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		release := db.HoldWriter()
		const n = 100
		var wg sync.WaitGroup
		var errs [n]error
		for i := range n {
			wg.Go(func() {
				_, _, errs[i] = db.RecordConsent(ctx, consent(fmt.Sprintf("f%d", i), "demo", fmt.Sprintf("s%d", i), t0), nil)
			})
		}
		for db.Queued() < n {
			time.Sleep(100 * time.Microsecond)
		}
		closed := make(chan error)
		go func() { closed <- db.Close() }()
		for !db.Closing() {
			time.Sleep(100 * time.Microsecond)
		}
		_, _, err = db.RecordConsent(ctx, consent("late", "demo", "s", t0), nil)
		wantCode(t, err, custos.EUNAVAILABLE)
		release()
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("write %d: %v", i, err)
			}
		}

		db, err = store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got := count(t, db); got != n {
			t.Errorf("after reopening, CountConsents = %d, want %d", got, n)
		}
		verify(t, db, n)
	})
}

func TestCancelledWaiter(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		release := db.HoldWriter()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var err error
		queue(t, db, &wg, func() { _, _, err = db.RecordConsent(ctx, consent("gone", "demo", "alice", t0), nil) })
		var okErr error
		queue(t, db, &wg, func() { _, _, okErr = db.RecordConsent(context.Background(), consent("kept", "demo", "bob", t0), nil) })
		cancel()
		release()
		wg.Wait()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled RecordConsent = %v, want context.Canceled", err)
		}
		if okErr != nil {
			t.Errorf("the write next to a cancelled one: %v", okErr)
		}
		// A write whose caller left before its batch started is dropped; the
		// rest of the batch is intact either way.
		n := count(t, db)
		if n != 1 {
			t.Errorf("CountConsents = %d, want 1", n)
		}
		verify(t, db, n)
	})
}

func TestSQLiteSettings(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Engine() != store.EngineSQLite {
		t.Errorf("Engine = %q", db.Engine())
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, want 0700", fi.Mode().Perm())
	}
	for _, h := range []struct {
		name   string
		pragma string
		want   string
	}{
		{"write", "journal_mode", "wal"},
		{"write", "synchronous", "2"}, // FULL
		{"write", "foreign_keys", "1"},
		{"write", "busy_timeout", "10000"},
		{"read", "synchronous", "2"},
		{"read", "foreign_keys", "1"},
		{"read", "query_only", "1"},
	} {
		handle := db.RawSQL()
		if h.name == "read" {
			handle = db.ReadSQL()
		}
		var got string
		if err := handle.QueryRowContext(ctx, "PRAGMA "+h.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != h.want {
			t.Errorf("%s handle: PRAGMA %s = %s, want %s", h.name, h.pragma, got, h.want)
		}
	}
	if _, err := db.ReadSQL().ExecContext(ctx, `CREATE TABLE x (a INTEGER)`); err == nil {
		t.Error("the read pool accepted a write")
	}
}

func TestPostgresEngine(t *testing.T) {
	db := storetest.OpenPostgres(t)
	if db.Engine() != store.EnginePostgres {
		t.Errorf("Engine = %q", db.Engine())
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejectsUnknownDSN(t *testing.T) {
	_, err := store.Open(context.Background(), store.Config{DSN: "mysql://user:hunter2@db/custos"})
	wantCode(t, err, custos.EINVALID)
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q repeats the DSN", err)
	}
}

// TestMaxWait runs the writer with a fill window and a small batch cap, the
// settings an operator may tune, and checks that nothing is lost.
func TestMaxWait(t *testing.T) {
	storetest.Configs(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		cfg.MaxWait = 5 * time.Millisecond
		cfg.MaxBatch = 4
		db, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 30)
		for i := range 30 {
			wg.Go(func() {
				if _, _, err := db.RecordConsent(ctx, consent(fmt.Sprintf("w%d", i), "demo", "s", t0), nil); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		verify(t, db, 30)
	})
}

// TestVerifyWhileWriting runs audit.Verify again and again while consents
// are being appended: a live trail must never be reported broken.
func TestVerifyWhileWriting(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		done := make(chan struct{})
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-done:
						return
					default:
					}
					c := consent(fmt.Sprintf("live-%d-%d", g, i), "demo", fmt.Sprintf("subject-%d", g), time.Now())
					if _, _, err := db.RecordConsent(ctx, c, nil); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		// Start verifying once writes are flowing, so the two overlap.
		for {
			if n, err := db.CountConsents(ctx); err != nil || n >= 50 {
				break
			}
			runtime.Gosched()
		}
		var last int64
		for range 30 {
			n, err := audit.Verify(ctx, db)
			if err != nil {
				t.Errorf("live trail reported broken: %v", err)
				break
			}
			last = n
		}
		close(done)
		wg.Wait()
		if last == 0 {
			t.Error("verified no entries while writing")
		}
		n, _ := db.CountConsents(ctx)
		verify(t, db, n)
	})
}
