package dsr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/connector/webhook"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/jobs"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

var _ dsr.ReplayStore = (*store.DB)(nil)

// TestCallbackReplayOtherNode: two nodes share one database; a callback
// accepted by one is refused (409) when replayed to the other, and the
// sweep deletes the keys once they no longer matter.
func TestCallbackReplayOtherNode(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := webhook.ParseDelivery(r, crmSecret, nil, time.Now()); err != nil {
				http.Error(w, "bad signature", webhook.HTTPStatus(err))
				return
			}
			w.WriteHeader(http.StatusAccepted)
		}))
		defer crm.Close()
		e := newEnv(t, db, crmManifest(t, crm.URL))
		a := e.svc
		a.Jobs, a.Secrets, a.Replays = db, fixedSecrets{}, db
		sweep := &sweptReplays{DB: db}
		b := &dsr.Service{Store: db, Consents: db, Audit: db, Jobs: db, Secrets: fixedSecrets{}, Replays: sweep,
			Manifest: a.Manifest, Key: a.Key, PublicURL: a.PublicURL, Now: e.clock}
		runner := &jobs.Runner{Store: db, Handlers: map[string]jobs.Handler{custos.JobRequestStep: a.RunStep}}
		ctx := context.Background()

		r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestErasure, Email: "ada@example.com"})
		if err := a.Approve(ctx, "st_officer", r.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := runner.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		steps, err := a.Steps(ctx, r.ID)
		if err != nil || len(steps) != 1 || steps[0].Job.State != custos.JobWaiting {
			t.Fatalf("after 202: %+v, %v", steps, err)
		}
		now := e.clock()
		body, _ := json.Marshal(map[string]any{"id": "cb-1", "delivery_id": steps[0].Job.Key, "status": "done",
			"counts": map[string]int{"contacts_deleted": 1}})
		sig := webhook.Sign(crmSecret, now, body)
		callback := func() *http.Request { // the same bytes each time, as a replay sends them
			req := httptest.NewRequest("POST", dsr.CallbackPath("demo", "crm"), bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(webhook.SignatureHeader, sig)
			return req
		}

		if err := a.Callback(ctx, "demo", "crm", callback()); err != nil {
			t.Fatalf("the callback, on node a: %v", err)
		}
		if err := b.Callback(ctx, "demo", "crm", callback()); dsr.CallbackStatus(err) != http.StatusConflict {
			t.Errorf("the callback replayed to node b: %v (%d), want %d", err, dsr.CallbackStatus(err), http.StatusConflict)
		}
		if err := a.Callback(ctx, "demo", "crm", callback()); dsr.CallbackStatus(err) != http.StatusConflict {
			t.Errorf("the callback replayed to node a: %v (%d), want %d", err, dsr.CallbackStatus(err), http.StatusConflict)
		}
		steps, _ = a.Steps(ctx, r.ID)
		if steps[0].Job.State != custos.JobDone {
			t.Errorf("after the callback: %s", steps[0].Job.State)
		}

		// Once the signature is out of tolerance (and the sweep's margin),
		// either node's sweep deletes the key.
		b.Sweep(ctx)
		if sweep.deleted != 0 {
			t.Errorf("replay keys deleted by a sweep within tolerance: %d, want 0", sweep.deleted)
		}
		e.advance(2*webhook.DefaultTolerance + time.Second)
		b.Sweep(ctx)
		if sweep.deleted != 1 {
			t.Errorf("replay keys deleted by a sweep past tolerance: %d, want 1", sweep.deleted)
		}
	})
}

// sweptReplays counts the replay keys its sweeps delete.
type sweptReplays struct {
	*store.DB
	deleted int64
}

func (s *sweptReplays) DeleteReplays(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.DB.DeleteReplays(ctx, now)
	s.deleted += n
	return n, err
}
