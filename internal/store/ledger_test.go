package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/audit"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

func TestIdempotent(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, c, err := db.Idempotent(ctx, "consents:demo", "k1")
		wantCode(t, err, custos.ENOTFOUND)
		if c != nil {
			t.Errorf("Idempotent returned %v with ENOTFOUND", c)
		}

		record(t, db, consent("before", "demo", "alice", t0))
		first, _, err := db.RecordConsent(ctx, consent("r1", "demo", "alice", t0.Add(time.Second)),
			&custos.Idempotency{Key: "k1", Scope: "consents:demo", RequestHash: "h1"})
		if err != nil {
			t.Fatal(err)
		}
		record(t, db, consent("after", "demo", "alice", t0.Add(2*time.Second)))

		hash, c, err := db.Idempotent(ctx, "consents:demo", "k1")
		if err != nil {
			t.Fatal(err)
		}
		if hash != "h1" {
			t.Errorf("request hash = %q, want h1", hash)
		}
		if diff := cmp.Diff(first, c, exact); diff != "" {
			t.Errorf("Idempotent consent (-recorded +read):\n%s", diff)
		}

		// Scope and key are both part of the key.
		for _, k := range [][2]string{{"consents:shop", "k1"}, {"consents:demo", "k2"}, {"", ""}} {
			_, _, err := db.Idempotent(ctx, k[0], k[1])
			wantCode(t, err, custos.ENOTFOUND)
		}
	})
}

// ledgerRow is what WalkLedger passed for one consent.
type ledgerRow struct {
	c *custos.Consent
	e *custos.AuditEntry
}

func walk(t *testing.T, db *store.DB) []ledgerRow {
	t.Helper()
	var rows []ledgerRow
	if err := db.WalkLedger(context.Background(), func(c *custos.Consent, e *custos.AuditEntry) error {
		rows = append(rows, ledgerRow{c, e})
		return nil
	}); err != nil {
		t.Fatalf("WalkLedger: %v", err)
	}
	return rows
}

func TestWalkLedger(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if rows := walk(t, db); len(rows) != 0 {
			t.Fatalf("empty ledger: %d rows", len(rows))
		}

		// Recorded order is not id order nor issue order, and other entries
		// sit between the consents in the chain.
		var want []*custos.Consent
		for i, id := range []string{"c", "a", "d", "b"} {
			want = append(want, record(t, db, consent(id, "demo", "alice", t0.Add(-time.Duration(i)*time.Hour))))
			if err := db.AppendAudit(ctx, &custos.AuditEntry{Actor: "staff-1", Action: "test.action", ObjectType: "test", ObjectID: id}); err != nil {
				t.Fatal(err)
			}
		}
		var entries []*custos.AuditEntry
		if err := db.AuditEntries(ctx, func(e *custos.AuditEntry) error {
			if e.Action == custos.AuditConsentRecorded {
				entries = append(entries, e)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		rows := walk(t, db)
		if len(rows) != len(want) {
			t.Fatalf("WalkLedger gave %d rows, want %d", len(rows), len(want))
		}
		for i, r := range rows {
			if diff := cmp.Diff(want[i], r.c, exact); diff != "" {
				t.Errorf("row %d consent (-recorded +walked):\n%s", i, diff)
			}
			if diff := cmp.Diff(entries[i], r.e, exact); diff != "" {
				t.Errorf("row %d audit entry (-trail +walked):\n%s", i, diff)
			}
			if r.e.ObjectID != r.c.ID || r.e.DetailsHash != audit.DetailsHash([]byte(r.c.Receipt)) {
				t.Errorf("row %d: consent %s joined with the entry of %s", i, r.c.ID, r.e.ObjectID)
			}
		}

		// An entry removed behind the store's back leaves its consent
		// without one; the others keep theirs.
		if _, err := db.RawSQL().ExecContext(ctx, `DELETE FROM audit_log WHERE seq = $1`, entries[2].Seq); err != nil {
			t.Fatal(err)
		}
		rows = walk(t, db)
		if len(rows) != len(want) {
			t.Fatalf("after the delete WalkLedger gave %d rows, want %d", len(rows), len(want))
		}
		for i, r := range rows {
			if r.c.ID != want[i].ID {
				t.Errorf("row %d is %s, want %s", i, r.c.ID, want[i].ID)
			}
			switch {
			case i == 2 && r.e != nil:
				t.Errorf("row %d: entry %+v, want nil (deleted)", i, r.e)
			case i != 2 && (r.e == nil || r.e.Seq != entries[i].Seq):
				t.Errorf("row %d: entry %+v, want seq %d", i, r.e, entries[i].Seq)
			}
		}

		// An error from fn stops the walk and is returned as it is.
		stop := errors.New("stop")
		calls := 0
		err := db.WalkLedger(ctx, func(*custos.Consent, *custos.AuditEntry) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("WalkLedger with a failing fn: %v after %d calls", err, calls)
		}
	})
}

// TestWalkLedgerStreams walks a ledger bigger than a batch and records
// consents while fn is running: the walk holds one snapshot, and fn may use
// the store.
func TestWalkLedgerStreams(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 600
		for i := range n {
			c := consent(fmt.Sprintf("w%04d", i), "demo", fmt.Sprintf("s%d", i%7), t0)
			if _, _, err := db.RecordConsent(ctx, c, nil); err != nil {
				t.Fatal(err)
			}
		}
		seen, prev := 0, int64(0)
		err := db.WalkLedger(ctx, func(c *custos.Consent, e *custos.AuditEntry) error {
			if e == nil || e.Seq <= prev || e.ObjectID != c.ID {
				return fmt.Errorf("row %d: consent %s, entry %+v after seq %d", seen, c.ID, e, prev)
			}
			prev = e.Seq
			if seen == 10 {
				record(t, db, consent("during", "demo", "alice", t0))
				if _, err := db.Consent(ctx, "w0000"); err != nil {
					return err
				}
			}
			seen++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if seen != n {
			t.Errorf("walked %d consents, want %d: the one recorded during the walk is not in its snapshot", seen, n)
		}
		if got := count(t, db); got != n+1 {
			t.Errorf("CountConsents = %d, want %d", got, n+1)
		}
	})
}
