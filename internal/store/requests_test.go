package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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

// dsrRequest returns a request with every field set. Its times carry
// nanoseconds and a zone, which the store must normalise.
func dsrRequest(id, site, email string, typ custos.RequestType, state custos.RequestState, received time.Time) *custos.Request {
	return &custos.Request{
		ID:              id,
		Site:            site,
		Type:            typ,
		State:           state,
		Email:           email,
		EmailHash:       "h:" + email,
		ConsentSubject:  "cs-" + id,
		Locale:          "de-DE",
		Region:          "DE-BY",
		Jurisdiction:    "eu",
		Law:             "gdpr",
		Details:         "details of " + id,
		Objection:       custos.ObjectDirectMarketing,
		ReceivedAt:      received,
		AcknowledgeBy:   received.Add(24 * time.Hour),
		DueAt:           received.AddDate(0, 1, 0),
		ExtendMax:       received.AddDate(0, 3, 0),
		TellExtensionBy: received.AddDate(0, 1, 0).Add(-time.Hour),
		ActBy:           received.AddDate(0, 2, 0),
		WithoutDelay:    true,
		Extended:        true,
		ExtensionReason: "complex",
		VerifiedAt:      received.Add(time.Minute),
		ExpiresAt:       received.Add(24 * time.Hour),
		AssignedTo:      "st_alice",
		DenyReason:      custos.DenyOther,
		DenyNote:        "note to " + email,
		Result:          `{"consents":2}`,
		ClosedAt:        received.Add(48 * time.Hour),
		UpdatedAt:       received.Add(time.Second),
	}
}

// normalRequest is r as stored: times in UTC to the microsecond.
func normalRequest(r *custos.Request, version int64) *custos.Request {
	n := *r
	for _, p := range []*time.Time{&n.ReceivedAt, &n.AcknowledgeBy, &n.DueAt, &n.ExtendMax, &n.TellExtensionBy, &n.ActBy,
		&n.VerifiedAt, &n.ExpiresAt, &n.ClosedAt, &n.UpdatedAt} {
		*p = p.UTC().Truncate(time.Microsecond)
	}
	n.Version = version
	return &n
}

func applyChange(t *testing.T, db *store.DB, ch *custos.RequestChange) {
	t.Helper()
	if err := db.ApplyRequestChange(context.Background(), ch); err != nil {
		t.Fatalf("ApplyRequestChange: %v", err)
	}
}

// insertRequest stores r (Version 0) and returns it as stored.
func insertRequest(t *testing.T, db *store.DB, r *custos.Request) *custos.Request {
	t.Helper()
	applyChange(t, db, &custos.RequestChange{Request: r})
	return r
}

func requestIDs(list []*custos.Request) []string {
	out := []string{}
	for _, r := range list {
		out = append(out, r.ID)
	}
	return out
}

func TestRequestRoundTrip(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := dsrRequest("rq_1", "demo", "ann@example.org", custos.RequestAccess, custos.StateOpen, t0)
		ch := &custos.RequestChange{
			Request: r,
			Challenge: &custos.Challenge{
				ID:          "ch_1",
				CodeHash:    "code-1",
				LinkHash:    "link-1",
				CodeExpires: t0.Add(10 * time.Minute),
				LinkExpires: t0.Add(24 * time.Hour),
				Attempts:    2,
				UsedAt:      t0.Add(time.Minute),
				CreatedAt:   t0,
			},
			Events: []*custos.RequestEvent{
				{Time: t0, Actor: "subject", Kind: custos.EventReceived},
				{Actor: "st_alice", Kind: custos.EventNote, Note: "called back"},
			},
			Mails: []*custos.Mail{
				{Template: "verify", To: "ann@example.org", Subject: "Confirm", Text: "code 123456", HTML: "<p>code</p>",
					CreatedAt: t0, Attempts: 1, NextAt: t0.Add(time.Minute), LastError: "451 try later"},
				{RequestID: "rq_other", Template: "received", To: "ann@example.org", Subject: "Got it", Text: "text"},
			},
			Answer: &custos.Answer{ContentType: "application/zip", FileName: "answer.zip", Data: []byte{0, 1, 2, 0xff},
				CreatedAt: t0, ExpiresAt: t0.Add(7 * 24 * time.Hour)},
			Links: []string{"cs-b", "cs-a", "cs-b"},
			Marks: []*custos.SubjectMark{{Kind: custos.MarkObjected, Detail: custos.ObjectDirectMarketing, Since: t0}},
			Audit: entry(custos.AuditRequestReceived, "request", "rq_1"),
		}
		applyChange(t, db, ch)

		wantReq := normalRequest(dsrRequest("rq_1", "demo", "ann@example.org", custos.RequestAccess, custos.StateOpen, t0), 1)
		if diff := cmp.Diff(wantReq, r, exact); diff != "" {
			t.Errorf("ApplyRequestChange set the request (-want +got):\n%s", diff)
		}
		got, err := db.Request(ctx, "rq_1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantReq, got, exact); diff != "" {
			t.Errorf("Request (-want +got):\n%s", diff)
		}
		if ch.Audit.Seq != 1 || ch.Audit.Hash == "" {
			t.Errorf("the audit entry was not sealed: %+v", ch.Audit)
		}

		u := utcMicro
		wantCh := &custos.Challenge{ID: "ch_1", RequestID: "rq_1", CodeHash: "code-1", LinkHash: "link-1",
			CodeExpires: u(t0.Add(10 * time.Minute)), LinkExpires: u(t0.Add(24 * time.Hour)), Attempts: 2,
			UsedAt: u(t0.Add(time.Minute)), CreatedAt: u(t0), Version: 1}
		if diff := cmp.Diff(wantCh, ch.Challenge, exact); diff != "" {
			t.Errorf("ApplyRequestChange set the challenge (-want +got):\n%s", diff)
		}
		for name, get := range map[string]func() (*custos.Challenge, error){
			"Challenge":       func() (*custos.Challenge, error) { return db.Challenge(ctx, "ch_1") },
			"ChallengeByLink": func() (*custos.Challenge, error) { return db.ChallengeByLink(ctx, "link-1") },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if diff := cmp.Diff(wantCh, got, exact); diff != "" {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
		}

		// Events and mails get ids; their request and creation time default
		// to the request's id and UpdatedAt.
		if ch.Events[0].ID == 0 || ch.Events[1].ID <= ch.Events[0].ID {
			t.Errorf("event ids %d, %d", ch.Events[0].ID, ch.Events[1].ID)
		}
		wantEvents := []*custos.RequestEvent{
			{ID: ch.Events[0].ID, RequestID: "rq_1", Time: u(t0), Actor: "subject", Kind: custos.EventReceived},
			{ID: ch.Events[1].ID, RequestID: "rq_1", Time: wantReq.UpdatedAt, Actor: "st_alice", Kind: custos.EventNote, Note: "called back"},
		}
		if diff := cmp.Diff(wantEvents, ch.Events, exact); diff != "" {
			t.Errorf("ApplyRequestChange set the events (-want +got):\n%s", diff)
		}
		events, err := db.RequestEvents(ctx, "rq_1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantEvents, events, exact); diff != "" {
			t.Errorf("RequestEvents (-want +got):\n%s", diff)
		}

		wantMails := []*custos.Mail{
			{ID: ch.Mails[0].ID, RequestID: "rq_1", Template: "verify", To: "ann@example.org", Subject: "Confirm", Text: "code 123456",
				HTML: "<p>code</p>", CreatedAt: u(t0), Attempts: 1, NextAt: u(t0.Add(time.Minute)), LastError: "451 try later"},
			{ID: ch.Mails[1].ID, RequestID: "rq_other", Template: "received", To: "ann@example.org", Subject: "Got it", Text: "text",
				CreatedAt: wantReq.UpdatedAt},
		}
		if diff := cmp.Diff(wantMails, ch.Mails, exact); diff != "" {
			t.Errorf("ApplyRequestChange set the mails (-want +got):\n%s", diff)
		}
		for _, m := range wantMails {
			got, err := db.Mail(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(m, got, exact); diff != "" {
				t.Errorf("Mail(%d) (-want +got):\n%s", m.ID, diff)
			}
		}

		wantAnswer := &custos.Answer{RequestID: "rq_1", ContentType: "application/zip", FileName: "answer.zip",
			Data: []byte{0, 1, 2, 0xff}, CreatedAt: u(t0), ExpiresAt: u(t0.Add(7 * 24 * time.Hour))}
		answer, err := db.Answer(ctx, "rq_1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantAnswer, answer, exact); diff != "" {
			t.Errorf("Answer (-want +got):\n%s", diff)
		}

		links, err := db.SubjectLinks(ctx, "demo", "h:ann@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"cs-a", "cs-b"}, links); diff != "" {
			t.Errorf("SubjectLinks (-want +got):\n%s", diff)
		}
		wantMarks := []*custos.SubjectMark{{ID: ch.Marks[0].ID, Site: "demo", EmailHash: "h:ann@example.org", Kind: custos.MarkObjected,
			Detail: custos.ObjectDirectMarketing, RequestID: "rq_1", Since: u(t0)}}
		marks, err := db.SubjectMarks(ctx, "demo", "h:ann@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantMarks, marks, exact); diff != "" {
			t.Errorf("SubjectMarks (-want +got):\n%s", diff)
		}

		// An update: the answer is replaced, the mark lifted, the request
		// moves on a version.
		r.State, r.ExpiresAt, r.UpdatedAt = custos.StateCompleted, time.Time{}, t0.Add(time.Hour)
		lift := &custos.SubjectMark{ID: ch.Marks[0].ID}
		applyChange(t, db, &custos.RequestChange{
			Request: r,
			Answer:  &custos.Answer{ContentType: "text/html", FileName: "info.html", Data: []byte("<html>"), ExpiresAt: t0.Add(time.Hour)},
			Marks:   []*custos.SubjectMark{lift},
			Audit:   entry(custos.AuditRequestCompleted, "request", "rq_1"),
		})
		if r.Version != 2 {
			t.Errorf("Version after an update = %d, want 2", r.Version)
		}
		got, err = db.Request(ctx, "rq_1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(r, got, exact); diff != "" {
			t.Errorf("Request after an update (-set +read):\n%s", diff)
		}
		if !got.ExpiresAt.IsZero() {
			t.Errorf("a zero ExpiresAt read back as %v", got.ExpiresAt)
		}
		answer, err = db.Answer(ctx, "rq_1")
		if err != nil || answer.FileName != "info.html" || string(answer.Data) != "<html>" || answer.CreatedAt != u(t0.Add(time.Hour)) {
			t.Errorf("replaced answer = %+v, %v", answer, err)
		}
		marks, err = db.SubjectMarks(ctx, "demo", "h:ann@example.org")
		if err != nil || len(marks) != 1 || marks[0].LiftedAt != u(t0.Add(time.Hour)) || lift.LiftedAt != marks[0].LiftedAt {
			t.Errorf("lifted mark = %+v, %v (set %v)", marks, err, lift.LiftedAt)
		}
		wantCode(t, db.ApplyRequestChange(ctx, &custos.RequestChange{Marks: []*custos.SubjectMark{{ID: 999}}}), custos.ENOTFOUND)
		// An empty answer is stored (and read back with nil Data).
		applyChange(t, db, &custos.RequestChange{Answer: &custos.Answer{RequestID: "rq_empty", ExpiresAt: t0}})
		if a, err := db.Answer(ctx, "rq_empty"); err != nil || a.Data != nil {
			t.Errorf("empty answer = %+v, %v", a, err)
		}

		// Absent things are ENOTFOUND, never (nil, nil).
		_, err = db.Request(ctx, "rq_none")
		wantCode(t, err, custos.ENOTFOUND)
		_, err = db.Challenge(ctx, "ch_none")
		wantCode(t, err, custos.ENOTFOUND)
		_, err = db.ChallengeByLink(ctx, "link-none")
		wantCode(t, err, custos.ENOTFOUND)
		_, err = db.Answer(ctx, "rq_none")
		wantCode(t, err, custos.ENOTFOUND)
		_, err = db.Mail(ctx, 999)
		wantCode(t, err, custos.ENOTFOUND)
		empty, err := db.RequestEvents(ctx, "rq_none")
		if err != nil || empty == nil || len(empty) != 0 {
			t.Errorf("RequestEvents of no request = %#v, %v; want an empty slice", empty, err)
		}
		noLinks, err := db.SubjectLinks(ctx, "demo", "h:nobody")
		if err != nil || noLinks == nil || len(noLinks) != 0 {
			t.Errorf("SubjectLinks of nobody = %#v, %v; want an empty slice", noLinks, err)
		}

		// Invalid input writes nothing.
		wantCode(t, db.ApplyRequestChange(ctx, nil), custos.EINVALID)
		wantCode(t, db.ApplyRequestChange(ctx, &custos.RequestChange{Request: &custos.Request{ID: "rq_x", Site: "demo", Type: "bogus", State: custos.StateOpen}}), custos.EINVALID)
		wantCode(t, db.ApplyRequestChange(ctx, &custos.RequestChange{Links: []string{"cs"}}), custos.EINVALID)
		wantCode(t, db.ApplyRequestChange(ctx, &custos.RequestChange{Erasure: &custos.Erasure{Site: "demo", EmailHash: "h"}}), custos.EINVALID)
		verify(t, db, 2)
	})
}

// utcMicro is the store's normalisation of a time.
func utcMicro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func TestRequestVersionConflict(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insertRequest(t, db, dsrRequest("rq_1", "demo", "ann@example.org", custos.RequestErasure, custos.StateOpen, s0))
		// The same id again is a conflict, not an overwrite.
		wantCode(t, db.ApplyRequestChange(ctx, &custos.RequestChange{
			Request: dsrRequest("rq_1", "shop", "eve@example.org", custos.RequestAccess, custos.StateOpen, s0),
		}), custos.ECONFLICT)

		a, err := db.Request(ctx, "rq_1")
		if err != nil {
			t.Fatal(err)
		}
		b := *a
		a.AssignedTo = "st_a"
		applyChange(t, db, &custos.RequestChange{Request: a})
		// b was read before a's update: nothing of its change is written,
		// neither the request nor the rest, nor its audit entry.
		b.AssignedTo = "st_b"
		stale := &custos.RequestChange{
			Request: &b,
			Events:  []*custos.RequestEvent{{Actor: "st_b", Kind: custos.EventAssigned}},
			Mails:   []*custos.Mail{{Template: "x", To: "ann@example.org"}},
			Audit:   entry(custos.AuditRequestAssigned, "request", "rq_1"),
		}
		wantCode(t, db.ApplyRequestChange(ctx, stale), custos.ECONFLICT)
		if b.Version != 1 || stale.Events[0].ID != 0 || stale.Audit.Seq != 0 {
			t.Errorf("a refused change changed its input: version %d, event id %d, audit seq %d", b.Version, stale.Events[0].ID, stale.Audit.Seq)
		}
		got, err := db.Request(ctx, "rq_1")
		if err != nil || got.AssignedTo != "st_a" || got.Version != 2 {
			t.Errorf("after the stale update: %+v, %v", got, err)
		}
		if events, _ := db.RequestEvents(ctx, "rq_1"); len(events) != 0 {
			t.Errorf("the refused change wrote events: %+v", events)
		}
		if mails, _ := db.Mails(ctx, 0); len(mails) != 0 {
			t.Errorf("the refused change queued mails: %+v", mails)
		}

		// A challenge conflict after the request's update undoes that too.
		ch := &custos.Challenge{ID: "ch_1", RequestID: "rq_1", LinkHash: "l1", CreatedAt: s0}
		applyChange(t, db, &custos.RequestChange{Challenge: ch})
		staleCh := *ch
		ch.Attempts = 1
		applyChange(t, db, &custos.RequestChange{Challenge: ch})
		got.State = custos.StateInProgress
		staleCh.UsedAt = s0
		wantCode(t, db.ApplyRequestChange(ctx, &custos.RequestChange{Request: got, Challenge: &staleCh,
			Events: []*custos.RequestEvent{{Actor: "subject", Kind: custos.EventVerified}}}), custos.ECONFLICT)
		if after, _ := db.Request(ctx, "rq_1"); after.State != custos.StateOpen || after.Version != 2 {
			t.Errorf("a change refused for its challenge updated the request: %+v", after)
		}
		if c, _ := db.Challenge(ctx, "ch_1"); c.Attempts != 1 || !c.UsedAt.IsZero() || c.Version != 2 {
			t.Errorf("challenge after the refused change: %+v", c)
		}
		// A challenge whose link hash is taken is a conflict too.
		wantCode(t, db.ApplyRequestChange(ctx, &custos.RequestChange{Challenge: &custos.Challenge{ID: "ch_2", RequestID: "rq_1", LinkHash: "l1"}}), custos.ECONFLICT)
		// Updating what is not there is ENOTFOUND.
		gone := dsrRequest("rq_gone", "demo", "x@example.org", custos.RequestAccess, custos.StateOpen, s0)
		gone.Version = 3
		wantCode(t, db.ApplyRequestChange(ctx, &custos.RequestChange{Request: gone}), custos.ENOTFOUND)

		// Two updates from the same read, in one batch of the writer: one
		// wins, the other is refused without failing the batch.
		cur, err := db.Request(ctx, "rq_1")
		if err != nil {
			t.Fatal(err)
		}
		release := db.HoldWriter()
		var (
			wg   sync.WaitGroup
			errs [2]error
		)
		for i := range errs {
			c := *cur
			c.AssignedTo = fmt.Sprintf("st_%d", i)
			queue(t, db, &wg, func() {
				errs[i] = db.ApplyRequestChange(ctx, &custos.RequestChange{Request: &c,
					Events: []*custos.RequestEvent{{Actor: c.AssignedTo, Kind: custos.EventAssigned}},
					Audit:  entry(custos.AuditRequestAssigned, "request", "rq_1")})
			})
		}
		release()
		wg.Wait()
		if errs[0] != nil || custos.ErrorCode(errs[1]) != custos.ECONFLICT {
			t.Fatalf("concurrent updates: %v, %v; want nil, ECONFLICT", errs[0], errs[1])
		}
		got, err = db.Request(ctx, "rq_1")
		if err != nil || got.AssignedTo != "st_0" || got.Version != 3 {
			t.Errorf("after concurrent updates: %+v, %v", got, err)
		}
		if events, _ := db.RequestEvents(ctx, "rq_1"); len(events) != 1 || events[0].Actor != "st_0" {
			t.Errorf("events after concurrent updates: %+v", events)
		}
		if diff := cmp.Diff([]string{"request.assigned rq_1"}, actions(t, db)); diff != "" {
			t.Errorf("audit trail (-want +got):\n%s", diff)
		}
		verify(t, db, 1)
	})
}

func TestRequestsQuery(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day := 24 * time.Hour
		for _, r := range []struct {
			id, site, email string
			typ             custos.RequestType
			state           custos.RequestState
			received        time.Time
			jurisdiction    string
		}{
			{"rq_a", "demo", "a@x", custos.RequestAccess, custos.StateOpen, s0.Add(3 * day), "eu"},
			{"rq_b", "demo", "b@x", custos.RequestErasure, custos.StateInProgress, s0.Add(1 * day), "eu"},
			{"rq_c", "demo", "a@x", custos.RequestErasure, custos.StateUnverified, s0, "eu"},
			{"rq_d", "shop", "a@x", custos.RequestAccess, custos.StateCompleted, s0.Add(2 * day), "us-ca"},
			{"rq_e", "shop", "c@x", custos.RequestObjection, custos.StateOpen, s0.Add(1 * day), "us-ca"},
		} {
			req := dsrRequest(r.id, r.site, r.email, r.typ, r.state, r.received)
			req.Jurisdiction = r.jurisdiction
			insertRequest(t, db, req)
		}
		for _, tc := range []struct {
			name string
			q    custos.RequestQuery
			want []string
		}{
			// Earliest due first; rq_b and rq_e are due at the same time,
			// ordered by id.
			{"all", custos.RequestQuery{}, []string{"rq_c", "rq_b", "rq_e", "rq_d", "rq_a"}},
			{"site", custos.RequestQuery{Site: "shop"}, []string{"rq_e", "rq_d"}},
			{"type", custos.RequestQuery{Type: custos.RequestErasure}, []string{"rq_c", "rq_b"}},
			{"state", custos.RequestQuery{State: custos.StateOpen}, []string{"rq_e", "rq_a"}},
			{"jurisdiction", custos.RequestQuery{Jurisdiction: "us-ca"}, []string{"rq_e", "rq_d"}},
			{"open", custos.RequestQuery{Open: true}, []string{"rq_b", "rq_e", "rq_a"}},
			{"open due before", custos.RequestQuery{Open: true, DueBefore: s0.AddDate(0, 1, 0).Add(2 * day)}, []string{"rq_b", "rq_e"}},
			{"address", custos.RequestQuery{EmailHash: "h:a@x"}, []string{"rq_c", "rq_d", "rq_a"}},
			{"address and site", custos.RequestQuery{EmailHash: "h:a@x", Site: "demo", Type: custos.RequestAccess}, []string{"rq_a"}},
			{"limit", custos.RequestQuery{Limit: 2}, []string{"rq_c", "rq_b"}},
			{"none", custos.RequestQuery{Site: "nowhere"}, []string{}},
		} {
			got, err := db.Requests(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if diff := cmp.Diff(tc.want, requestIDs(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}

		// OpenRequest: not closed, unverified included, the newest.
		open, err := db.OpenRequest(ctx, "demo", custos.RequestErasure, "h:a@x")
		if err != nil || open.ID != "rq_c" {
			t.Errorf("OpenRequest(unverified) = %v, %v", open, err)
		}
		newer := dsrRequest("rq_f", "demo", "a@x", custos.RequestErasure, custos.StateOpen, s0.Add(5*day))
		insertRequest(t, db, newer)
		if open, err := db.OpenRequest(ctx, "demo", custos.RequestErasure, "h:a@x"); err != nil || open.ID != "rq_f" {
			t.Errorf("OpenRequest = %v, %v; want rq_f", open, err)
		}
		_, err = db.OpenRequest(ctx, "shop", custos.RequestAccess, "h:a@x") // rq_d is completed
		wantCode(t, err, custos.ENOTFOUND)
		_, err = db.OpenRequest(ctx, "demo", custos.RequestPortability, "h:a@x")
		wantCode(t, err, custos.ENOTFOUND)

		// The rate limit counts every site's requests of the address.
		for _, tc := range []struct {
			since time.Time
			want  int
		}{{s0, 4}, {s0.Add(2 * day), 3}, {s0.Add(2*day + time.Microsecond), 2}, {s0.Add(6 * day), 0}} {
			if n, err := db.CountRequestsSince(ctx, "h:a@x", tc.since); err != nil || n != tc.want {
				t.Errorf("CountRequestsSince(%v) = %d, %v; want %d", tc.since, n, err, tc.want)
			}
		}
	})
}

func TestErasure(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const who = "h:ann@example.org"
		// Ann's consents (subjects s1, s2) on demo, someone else's (s3) on
		// demo, and a consent of subject s1 on another site.
		var all []string
		for i, c := range []struct{ site, subject string }{
			{"demo", "s1"}, {"demo", "s1"}, {"demo", "s2"}, {"demo", "s3"}, {"shop", "s1"}, {"demo", "s3"},
		} {
			id := fmt.Sprintf("c%d", i)
			all = append(all, id)
			var idem *custos.Idempotency
			if i < 2 || i == 3 {
				idem = &custos.Idempotency{Key: "k" + id, Scope: "consents:" + c.site, RequestHash: "h"}
			}
			if _, _, err := db.RecordConsent(ctx, consent(id, c.site, c.subject, t0.Add(time.Duration(i)*time.Second)), idem); err != nil {
				t.Fatal(err)
			}
		}
		erased := []string{"c0", "c1", "c2"}
		before := ledgerIDs(t, db)
		if diff := cmp.Diff(all, before); diff != "" {
			t.Fatalf("ledger before (-want +got):\n%s", diff)
		}

		// Ann's earlier, closed request with all its traces; her open one;
		// someone else's closed request.
		old := dsrRequest("rq_old", "demo", "ann@example.org", custos.RequestAccess, custos.StateCompleted, s0)
		oldSent := &custos.Mail{Template: "completed", To: "ann@example.org", Text: "done", SentAt: s0.Add(time.Hour)}
		oldUnsent := &custos.Mail{Template: "reminder", To: "ann@example.org", Text: "later"}
		applyChange(t, db, &custos.RequestChange{
			Request: old,
			Events:  []*custos.RequestEvent{{Actor: "st_a", Kind: custos.EventNote, Note: "Ann called"}, {Actor: "subject", Kind: custos.EventReceived}},
			Mails:   []*custos.Mail{oldSent, oldUnsent},
			Answer:  &custos.Answer{ContentType: "application/zip", Data: []byte("zip"), ExpiresAt: s0.AddDate(1, 0, 0)},
			Links:   []string{"s1", "s2"},
		})
		openOther := insertRequest(t, db, dsrRequest("rq_open", "demo", "ann@example.org", custos.RequestRectification, custos.StateOpen, s0))
		otherPerson := dsrRequest("rq_bob", "demo", "bob@example.org", custos.RequestAccess, custos.StateDenied, s0)
		applyChange(t, db, &custos.RequestChange{Request: otherPerson, Links: []string{"s3"},
			Events: []*custos.RequestEvent{{Actor: "st_a", Kind: custos.EventNote, Note: "Bob"}},
			Answer: &custos.Answer{Data: []byte("bob"), ExpiresAt: s0.AddDate(1, 0, 0)}})
		otherSite := insertRequest(t, db, dsrRequest("rq_shop", "shop", "ann@example.org", custos.RequestAccess, custos.StateCompleted, s0))

		// A step of each closed request, with the rows it read.
		stepJobs := map[string]*custos.Job{}
		for _, id := range []string{"rq_old", "rq_bob"} {
			j := &custos.Job{Kind: custos.JobRequestStep, RequestID: id, Key: id + "/shop"}
			if err := db.EnqueueJobs(ctx, []*custos.Job{j}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CompleteWaiting(ctx, j.ID, json.RawMessage(`{"tables":[{"table":"customers","rows":[{"email":"x@example.org"}]}]}`), nil); err != nil {
				t.Fatal(err)
			}
			stepJobs[id] = j
		}

		// The erasure request itself, completed with the erasure.
		er := dsrRequest("rq_er", "demo", "ann@example.org", custos.RequestErasure, custos.StateOpen, s0.Add(time.Hour))
		insertRequest(t, db, er)
		er.State = custos.StateCompleted
		erasure := &custos.Erasure{Subjects: []string{"s2", "s1", "s1"}, Consents: true, Suppression: "sup-ann"}
		done := entry(custos.AuditRequestCompleted, "request", "rq_er")
		applyChange(t, db, &custos.RequestChange{Request: er, Erasure: erasure, Audit: done,
			Events: []*custos.RequestEvent{{Actor: "st_a", Kind: custos.EventCompleted, Note: "erased"}}})

		wantCounts := map[string]int64{"consents": 3, "links": 2, "requests": 1, "answers": 1, "mails": 1}
		if diff := cmp.Diff(wantCounts, erasure.Counts); diff != "" {
			t.Errorf("Erasure.Counts (-want +got):\n%s", diff)
		}
		if erasure.Site != "demo" || erasure.EmailHash != who {
			t.Errorf("Erasure's site and address were not defaulted from the request: %+v", erasure)
		}
		if want := audit.DetailsHash([]byte(strings.Join(erased, "\n"))); done.DetailsHash != want {
			t.Errorf("audit DetailsHash = %q, want %q", done.DetailsHash, want)
		}

		// Exactly Ann's consents on demo are gone; the others are as they were.
		after := ledgerIDs(t, db)
		want := slices.DeleteFunc(slices.Clone(before), func(id string) bool { return slices.Contains(erased, id) })
		if diff := cmp.Diff(want, after); diff != "" {
			t.Errorf("ledger after the erasure (-want +got):\n%s", diff)
		}
		for _, id := range want {
			if _, err := db.Consent(ctx, id); err != nil {
				t.Errorf("Consent(%s) after the erasure: %v", id, err)
			}
		}
		if n, err := db.CountErasedConsents(ctx); err != nil || n != 3 {
			t.Errorf("CountErasedConsents = %d, %v; want 3", n, err)
		}
		var recorded []string
		rows, err := db.ReadSQL().QueryContext(ctx, `SELECT consent_id FROM consents_erased WHERE request_id = $1 ORDER BY consent_id`, "rq_er")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			recorded = append(recorded, id)
		}
		rows.Close()
		if diff := cmp.Diff(erased, recorded); diff != "" {
			t.Errorf("consents_erased (-want +got):\n%s", diff)
		}
		// The idempotency keys of erased consents went with them; others stay.
		for key, want := range map[string]string{"kc0": "ENOTFOUND", "kc1": "ENOTFOUND", "kc3": ""} {
			_, _, err := db.Idempotent(ctx, "consents:demo", key)
			if (want == "") != (err == nil) {
				t.Errorf("Idempotent(%s) = %v", key, err)
			}
		}
		var keys int
		if err := db.ReadSQL().QueryRowContext(ctx, `SELECT count(*) FROM idempotency_keys`).Scan(&keys); err != nil || keys != 1 {
			t.Errorf("%d idempotency keys left (%v), want 1", keys, err)
		}

		if ok, err := db.Suppressed(ctx, "demo", "sup-ann"); err != nil || !ok {
			t.Errorf("Suppressed(demo) = %v, %v; want true", ok, err)
		}
		if ok, err := db.Suppressed(ctx, "shop", "sup-ann"); err != nil || ok {
			t.Errorf("Suppressed(shop) = %v, %v; want false", ok, err)
		}
		if links, err := db.SubjectLinks(ctx, "demo", who); err != nil || len(links) != 0 {
			t.Errorf("Ann's links after the erasure: %v, %v", links, err)
		}
		if links, err := db.SubjectLinks(ctx, "demo", "h:bob@example.org"); err != nil || !slices.Equal(links, []string{"s3"}) {
			t.Errorf("Bob's links after Ann's erasure: %v, %v", links, err)
		}

		// Ann's closed request is cleared, its note, answer and sent mail gone.
		gotOld, err := db.Request(ctx, "rq_old")
		if err != nil {
			t.Fatal(err)
		}
		wantOld := normalRequest(old, old.Version+1)
		wantOld.Email, wantOld.Details, wantOld.ConsentSubject, wantOld.DenyNote = "", "", "", ""
		if diff := cmp.Diff(wantOld, gotOld, exact); diff != "" {
			t.Errorf("the closed request after the erasure (-want +got):\n%s", diff)
		}
		events, err := db.RequestEvents(ctx, "rq_old")
		if err != nil || len(events) != 2 || events[0].Note != "" || events[0].Kind != custos.EventNote {
			t.Errorf("the closed request's events: %+v, %v", events, err)
		}
		_, err = db.Answer(ctx, "rq_old")
		wantCode(t, err, custos.ENOTFOUND)
		if j, err := db.Job(ctx, stepJobs["rq_old"].ID); err != nil || len(j.Result) != 0 || j.State != custos.JobDone {
			t.Errorf("the closed request's step after the erasure: %+v, %v", j, err)
		}
		if j, err := db.Job(ctx, stepJobs["rq_bob"].ID); err != nil || !strings.Contains(string(j.Result), "x@example.org") {
			t.Errorf("Bob's step after Ann's erasure: %+v, %v", j, err)
		}
		// The sweep does not list the cleared step, and a redaction made
		// from it before the erasure (a sweep under way) does not put a
		// result back.
		if ids, err := db.UnredactedJobs(ctx, 10); err != nil || slices.Contains(ids, stepJobs["rq_old"].ID) {
			t.Errorf("unredacted after the erasure: %v, %v", ids, err)
		}
		if err := db.RedactJob(ctx, stepJobs["rq_old"].ID, json.RawMessage(`{"tables":[{"table":"customers","rows":1}]}`)); err != nil {
			t.Errorf("redacting the cleared step: %v", err)
		}
		if j, _ := db.Job(ctx, stepJobs["rq_old"].ID); len(j.Result) != 0 {
			t.Errorf("a late redaction wrote the cleared step's result back: %s", j.Result)
		}
		_, err = db.Mail(ctx, oldSent.ID)
		wantCode(t, err, custos.ENOTFOUND)
		if _, err := db.Mail(ctx, oldUnsent.ID); err != nil {
			t.Errorf("the unsent mail of the closed request: %v", err)
		}

		// Untouched: Ann's open request, her request on the other site,
		// Bob's request, and the erasure request itself.
		for _, r := range []*custos.Request{openOther, otherSite, otherPerson, er} {
			got, err := db.Request(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(r, got, exact); diff != "" {
				t.Errorf("%s after the erasure (-want +got):\n%s", r.ID, diff)
			}
		}
		if a, err := db.Answer(ctx, "rq_bob"); err != nil || string(a.Data) != "bob" {
			t.Errorf("Bob's answer: %v, %v", a, err)
		}
		if ev, err := db.RequestEvents(ctx, "rq_bob"); err != nil || len(ev) != 1 || ev[0].Note != "Bob" {
			t.Errorf("Bob's events: %+v, %v", ev, err)
		}
		if ev, err := db.RequestEvents(ctx, "rq_er"); err != nil || len(ev) != 1 || ev[0].Note != "erased" {
			t.Errorf("the erasure request's events: %+v, %v", ev, err)
		}
		verify(t, db, int64(len(all)+1))

		// Erasing again removes nothing more, and leaves DetailsHash as the
		// caller set it.
		again := &custos.Erasure{Subjects: []string{"s1", "s2"}, Consents: true, Suppression: "sup-ann"}
		e2 := entry(custos.AuditRequestCompleted, "request", "rq_er")
		e2.DetailsHash = "caller"
		applyChange(t, db, &custos.RequestChange{Request: er, Erasure: again, Audit: e2})
		if diff := cmp.Diff(map[string]int64{"consents": 0, "links": 0, "requests": 0, "answers": 0, "mails": 0}, again.Counts); diff != "" {
			t.Errorf("second erasure's counts (-want +got):\n%s", diff)
		}
		if e2.DetailsHash != "caller" {
			t.Errorf("an erasure that removed no consent set DetailsHash %q", e2.DetailsHash)
		}
		// Without Consents the ledger is kept (a legal obligation).
		keep := &custos.Erasure{Site: "demo", EmailHash: "h:bob@example.org", Subjects: []string{"s3"}}
		bobEr := insertRequest(t, db, dsrRequest("rq_bob2", "demo", "bob@example.org", custos.RequestErasure, custos.StateOpen, s0))
		applyChange(t, db, &custos.RequestChange{Request: bobEr, Erasure: keep})
		if keep.Counts["consents"] != 0 || keep.Counts["links"] != 1 || keep.Counts["requests"] != 1 || keep.Counts["answers"] != 1 {
			t.Errorf("erasure keeping consents: counts %v", keep.Counts)
		}
		if diff := cmp.Diff(want, ledgerIDs(t, db)); diff != "" {
			t.Errorf("ledger after an erasure keeping consents (-want +got):\n%s", diff)
		}
	})
}

// ledgerIDs returns the ids of the ledger, sorted.
func ledgerIDs(t *testing.T, db *store.DB) []string {
	t.Helper()
	var list []string
	if err := db.WalkLedger(context.Background(), func(c *custos.Consent, _ *custos.AuditEntry) error {
		list = append(list, c.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(list)
	return list
}

func TestExpireRequests(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := s0.Add(48 * time.Hour)
		mk := func(id string, state custos.RequestState, expires time.Time, sent time.Time) {
			r := dsrRequest(id, "demo", id+"@example.org", custos.RequestAccess, state, s0)
			r.ExpiresAt = expires
			applyChange(t, db, &custos.RequestChange{
				Request:   r,
				Challenge: &custos.Challenge{ID: "ch_" + id, LinkHash: "link-" + id, CodeExpires: now.Add(time.Hour), LinkExpires: now.Add(time.Hour)},
				Events:    []*custos.RequestEvent{{Actor: "subject", Kind: custos.EventReceived}},
				Mails:     []*custos.Mail{{Template: "verify", To: r.Email, SentAt: sent}, {Template: "other", To: r.Email}},
			})
		}
		mk("rq_expired", custos.StateUnverified, now.Add(-time.Second), s0)
		mk("rq_later", custos.StateUnverified, now.Add(time.Second), s0)
		mk("rq_now", custos.StateUnverified, now, time.Time{}) // expires at now: kept
		mk("rq_verified", custos.StateOpen, now.Add(-time.Hour), s0)
		mk("rq_noexpiry", custos.StateUnverified, time.Time{}, time.Time{})
		applyChange(t, db, &custos.RequestChange{Answer: &custos.Answer{RequestID: "rq_verified", Data: []byte("a"), ExpiresAt: now.Add(-time.Minute)}})
		applyChange(t, db, &custos.RequestChange{Answer: &custos.Answer{RequestID: "rq_later", Data: []byte("b"), ExpiresAt: now.Add(time.Minute)}})
		// A challenge past its code and link goes, whatever its request.
		applyChange(t, db, &custos.RequestChange{Challenge: &custos.Challenge{ID: "ch_stale", RequestID: "rq_verified", LinkHash: "link-stale",
			CodeExpires: now.Add(-time.Hour), LinkExpires: now.Add(-time.Second)}})
		// Mails sent 30 days ago and more are deleted, younger ones kept;
		// sent codes and links at once.
		old := &custos.Mail{Template: "old", To: "x@example.org", SentAt: now.Add(-30*24*time.Hour - time.Second)}
		recent := &custos.Mail{Template: "recent", To: "x@example.org", SentAt: now.Add(-29 * 24 * time.Hour)}
		applyChange(t, db, &custos.RequestChange{Mails: []*custos.Mail{old, recent}})

		requests, answers, err := db.ExpireRequests(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if requests != 1 || answers != 1 {
			t.Errorf("ExpireRequests = %d requests, %d answers; want 1, 1", requests, answers)
		}
		_, err = db.Request(ctx, "rq_expired")
		wantCode(t, err, custos.ENOTFOUND)
		_, err = db.Challenge(ctx, "ch_rq_expired")
		wantCode(t, err, custos.ENOTFOUND)
		if ev, err := db.RequestEvents(ctx, "rq_expired"); err != nil || len(ev) != 0 {
			t.Errorf("events of the expired request: %v, %v", ev, err)
		}
		for _, id := range []string{"rq_later", "rq_now", "rq_verified", "rq_noexpiry"} {
			if _, err := db.Request(ctx, id); err != nil {
				t.Errorf("Request(%s): %v", id, err)
			}
			if _, err := db.Challenge(ctx, "ch_"+id); err != nil {
				t.Errorf("Challenge(ch_%s): %v", id, err)
			}
		}
		_, err = db.Challenge(ctx, "ch_stale")
		wantCode(t, err, custos.ENOTFOUND)
		_, err = db.Answer(ctx, "rq_verified")
		wantCode(t, err, custos.ENOTFOUND)
		if _, err := db.Answer(ctx, "rq_later"); err != nil {
			t.Errorf("the answer not expired yet: %v", err)
		}
		mails, err := db.Mails(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		for _, m := range mails {
			left = append(left, m.RequestID+"/"+m.Template)
		}
		wantLeft := []string{"/recent", "rq_noexpiry/other", "rq_noexpiry/verify", "rq_verified/other",
			"rq_now/other", "rq_now/verify", "rq_later/other"}
		if diff := cmp.Diff(wantLeft, left); diff != "" {
			t.Errorf("mails left, newest first (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"request.expired rq_expired"}, actions(t, db)); diff != "" {
			t.Errorf("audit trail (-want +got):\n%s", diff)
		}
		var e *custos.AuditEntry
		db.AuditEntries(ctx, func(x *custos.AuditEntry) error { e = x; return nil })
		if e == nil || e.Actor != "system" || e.ObjectType != "request" {
			t.Errorf("expiry audit entry %+v", e)
		}
		// Nothing left to expire.
		if r, a, err := db.ExpireRequests(ctx, now); err != nil || r != 0 || a != 0 {
			t.Errorf("second ExpireRequests = %d, %d, %v", r, a, err)
		}
		verify(t, db, 1)
	})
}

func TestMails(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := s0
		ms := []*custos.Mail{
			{Template: "a", To: "a@example.org", Subject: "A", Text: "a"},
			{Template: "b", To: "b@example.org", Subject: "B", Text: "b", NextAt: now.Add(time.Minute)},
			{Template: "c", To: "c@example.org", Subject: "C", Text: "c", NextAt: now},
			{Template: "d", To: "d@example.org", Subject: "D", Text: "d", SentAt: now.Add(-time.Hour)},
		}
		applyChange(t, db, &custos.RequestChange{Mails: ms})
		pending := func(at time.Time, limit int) []string {
			t.Helper()
			list, err := db.PendingMails(ctx, at, limit)
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, m := range list {
				out = append(out, m.Template)
			}
			return out
		}
		if diff := cmp.Diff([]string{"a", "c"}, pending(now, 10)); diff != "" {
			t.Errorf("PendingMails(now) (-want +got):\n%s", diff)
		}
		// Those are claimed for five minutes: another deliverer (another
		// node) asking at once gets nothing of them.
		if diff := cmp.Diff([]string{}, pending(now, 10)); diff != "" {
			t.Errorf("PendingMails(now) again (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"b"}, pending(now.Add(time.Minute), 10)); diff != "" {
			t.Errorf("PendingMails(now+1m) (-want +got):\n%s", diff)
		}
		// A deliverer that died with them: after the lease, they are due.
		if diff := cmp.Diff([]string{"a"}, pending(now.Add(6*time.Minute), 1)); diff != "" {
			t.Errorf("PendingMails after the lease, with a limit (-want +got):\n%s", diff)
		}
		now = now.Add(20 * time.Minute)
		// A failure: one more attempt, the error kept (cut), tried again later.
		long := strings.Repeat("é", 300) // 600 bytes
		if err := db.MailFailed(ctx, ms[0].ID, long, now.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		m, err := db.Mail(ctx, ms[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Attempts != 1 || m.LastError != strings.Repeat("é", 250) || m.NextAt != now.Add(5*time.Minute) || !m.SentAt.IsZero() {
			t.Errorf("after MailFailed: attempts %d, error %d bytes, next %v, sent %v", m.Attempts, len(m.LastError), m.NextAt, m.SentAt)
		}
		if diff := cmp.Diff([]string{"b", "c"}, pending(now, 10)); diff != "" {
			t.Errorf("PendingMails after a failure (-want +got):\n%s", diff)
		}
		if err := db.MailFailed(ctx, ms[0].ID, "again", time.Time{}); err != nil {
			t.Fatal(err)
		}
		if m, _ := db.Mail(ctx, ms[0].ID); m.Attempts != 2 || m.LastError != "again" || !m.NextAt.IsZero() {
			t.Errorf("after a second failure: %+v", m)
		}

		// Sent: no longer pending.
		if err := db.MailSent(ctx, ms[2].ID, t0); err != nil {
			t.Fatal(err)
		}
		if m, _ := db.Mail(ctx, ms[2].ID); m.SentAt != utcMicro(t0) || !m.NextAt.IsZero() {
			t.Errorf("after MailSent: %+v", m)
		}
		if diff := cmp.Diff([]string{"a", "b"}, pending(now.Add(time.Hour), 10)); diff != "" {
			t.Errorf("PendingMails after a send (-want +got):\n%s", diff)
		}

		// The outbox, newest first.
		list, err := db.Mails(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range list {
			got = append(got, m.Template)
		}
		if diff := cmp.Diff([]string{"d", "c", "b"}, got); diff != "" {
			t.Errorf("Mails (-want +got):\n%s", diff)
		}

		wantCode(t, db.MailSent(ctx, 999, now), custos.ENOTFOUND)
		wantCode(t, db.MailFailed(ctx, 999, "x", now), custos.ENOTFOUND)
		wantCode(t, db.ApplyRequestChange(ctx, &custos.RequestChange{Mails: []*custos.Mail{{Template: "x"}}}), custos.EINVALID)
		verify(t, db, 0)
	})
}

func TestClaimDaily(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var (
			wg  sync.WaitGroup
			got [4]bool
		)
		for i := range got {
			wg.Go(func() {
				var err error
				if got[i], err = db.ClaimDaily(ctx, "reminders", "2026-03-01"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := len(slices.DeleteFunc(got[:], func(b bool) bool { return !b })); n != 1 {
			t.Errorf("%d of 4 claims of one job and day succeeded, want 1", n)
		}
		if ok, err := db.ClaimDaily(ctx, "reminders", "2026-03-01"); err != nil || ok {
			t.Errorf("a later claim = %v, %v; want false", ok, err)
		}
		for _, tc := range []struct{ name, day string }{{"reminders", "2026-03-02"}, {"expiry", "2026-03-01"}} {
			if ok, err := db.ClaimDaily(ctx, tc.name, tc.day); err != nil || !ok {
				t.Errorf("ClaimDaily(%s, %s) = %v, %v; want true", tc.name, tc.day, ok, err)
			}
		}
	})
}

// TestCountAttempt: an attempt is counted only while the code may be
// tried, and concurrent attempts never count past the limit.
func TestCountAttempt(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := s0
		c := &custos.Challenge{ID: "ch_count", RequestID: "rq_x", LinkHash: "link-count", CodeExpires: now.Add(10 * time.Minute), LinkExpires: now.Add(time.Hour)}
		applyChange(t, db, &custos.RequestChange{Challenge: c})
		var wg sync.WaitGroup
		var mu sync.Mutex
		counted := 0
		for range 20 {
			wg.Go(func() {
				_, ok, err := db.CountAttempt(ctx, "ch_count", 3, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					counted++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		got, err := db.Challenge(ctx, "ch_count")
		if err != nil {
			t.Fatal(err)
		}
		if counted != 3 || got.Attempts != 3 {
			t.Errorf("20 concurrent attempts: %d counted, %d recorded; want 3", counted, got.Attempts)
		}
		e := &custos.Challenge{ID: "ch_old", RequestID: "rq_x", LinkHash: "link-old", CodeExpires: now.Add(-time.Second), LinkExpires: now.Add(time.Hour)}
		applyChange(t, db, &custos.RequestChange{Challenge: e})
		if c, ok, err := db.CountAttempt(ctx, "ch_old", 3, now); err != nil || ok || c.Attempts != 0 {
			t.Errorf("an expired code: %v %v %v", c, ok, err)
		}
		_, _, err = db.CountAttempt(ctx, "ch_none", 3, now)
		wantCode(t, err, custos.ENOTFOUND)
	})
}

// TestPersonalDataLabelled: every table of requests that holds personal
// data says, per row, what it is and why (DESIGN §4); a reminder to staff
// is labelled as such.
func TestPersonalDataLabelled(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, table := range []string{"requests", "mails", "request_answers", "request_events", "subject_marks", "subject_links", "suppressions", "jobs"} {
			var category, purpose any
			err := db.ReadSQL().QueryRowContext(ctx, `SELECT data_category, purpose FROM `+table+` WHERE 1 = 0`).Scan(&category, &purpose)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				t.Errorf("%s: %v", table, err)
			}
		}
		applyChange(t, db, &custos.RequestChange{Mails: []*custos.Mail{{Template: "reminder", To: "dpo@example.org", Subject: "Due"}}})
		var purpose string
		if err := db.ReadSQL().QueryRowContext(ctx, `SELECT purpose FROM mails WHERE template = 'reminder'`).Scan(&purpose); err != nil || purpose != "staff_notification" {
			t.Errorf("a reminder's purpose: %q, %v", purpose, err)
		}
	})
}
