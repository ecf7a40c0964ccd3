package dsr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/connector/webhook"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/jobs"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

var crmSecret = []byte("the CRM's shared secret, 32 byte")

type fixedSecrets struct{}

func (fixedSecrets) Secret(*manifest.Secret) ([]byte, error) { return crmSecret, nil }

// crmManifest is the demo manifest with a CRM reached by webhook at url.
func crmManifest(t *testing.T, url string) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("crm.yaml", manifest.DemoYAMLWithSystems(`    systems:
      - id: crm
        name: CRM
        kind: webhook
        role: processor
        requests: [access, erasure]
        webhook:
          url: `+url+`
          secret: {env: CRM_SECRET}
`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestWebhookSteps: a processor that answers at once finishes its step
// with its result; one that answers 202 leaves the step waiting until its
// signed callback, which is refused when forged or replayed.
func TestWebhookSteps(t *testing.T) {
	db := storetest.Open(t)
	var late bool
	var got []*webhook.Delivery
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := webhook.ParseDelivery(r, crmSecret, nil, time.Now())
		if err != nil {
			http.Error(w, "bad signature", webhook.HTTPStatus(err))
			return
		}
		got = append(got, d)
		if late {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"done","data":{"contacts":[{"email":"ada@example.com","stage":"lead"}]}}`))
	}))
	defer crm.Close()
	e := newEnv(t, db, crmManifest(t, "http://"+strings.TrimPrefix(crm.URL, "http://")))
	e.svc.Jobs, e.svc.Secrets = db, fixedSecrets{}
	runner := &jobs.Runner{Store: db, Handlers: map[string]jobs.Handler{custos.JobRequestStep: e.svc.RunStep}}
	ctx := context.Background()

	r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "ada@example.com"})
	if err := e.svc.Approve(ctx, "st_officer", r.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	steps, _ := e.svc.Steps(ctx, r.ID)
	if len(got) != 1 || got[0].Identities["email"] != "ada@example.com" || got[0].Type != custos.RequestAccess {
		t.Fatalf("deliveries: %+v", got)
	}
	if len(steps) != 1 || steps[0].Job.State != custos.JobDone || !strings.Contains(string(steps[0].Job.Result), `"stage":"lead"`) {
		t.Fatalf("step: %+v", steps[0].Job)
	}
	if err := e.svc.Complete(ctx, "st_officer", r.ID, 0); err != nil {
		t.Fatal(err)
	}

	// Later: 202, then the callback.
	late = true
	er := e.file(dsr.Submission{Site: "demo", Type: custos.RequestErasure, Email: "ada@example.com"})
	if err := e.svc.Approve(ctx, "st_officer", er.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	steps, _ = e.svc.Steps(ctx, er.ID)
	if steps[0].Job.State != custos.JobWaiting {
		t.Fatalf("after 202: %s", steps[0].Job.State)
	}
	callback := func(secret []byte, at time.Time) *http.Request {
		body, _ := json.Marshal(map[string]any{"id": "cb-1", "delivery_id": steps[0].Job.Key, "status": "done", "counts": map[string]int{"contacts_deleted": 1}})
		req := httptest.NewRequest("POST", dsr.CallbackPath("demo", "crm"), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, at, body))
		return req
	}
	now := e.clock()
	if err := e.svc.Callback(ctx, "demo", "crm", callback([]byte("not the CRM's secret at all, no"), now)); dsr.CallbackStatus(err) != http.StatusUnauthorized {
		t.Errorf("a forged callback: %v (%d)", err, dsr.CallbackStatus(err))
	}
	if err := e.svc.Callback(ctx, "demo", "crm", callback(crmSecret, now)); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Callback(ctx, "demo", "crm", callback(crmSecret, now)); dsr.CallbackStatus(err) != http.StatusConflict {
		t.Errorf("a replayed callback: %v (%d)", err, dsr.CallbackStatus(err))
	}
	steps, _ = e.svc.Steps(ctx, er.ID)
	if steps[0].Job.State != custos.JobDone || !strings.Contains(string(steps[0].Job.Result), "contacts_deleted") {
		t.Fatalf("after the callback: %s %s", steps[0].Job.State, steps[0].Job.Result)
	}
	if err := e.svc.Callback(ctx, "demo", "nope", callback(crmSecret, now.Add(time.Second))); dsr.CallbackStatus(err) != http.StatusNotFound {
		t.Errorf("a callback for an unknown system: %v", err)
	}
}

// TestWebhookRetryAfterAndScope: a processor that answers 503 with
// Retry-After is not tried again sooner; two processors that choose the
// same callback id in the same second are not taken for a replay of each
// other, while a true replay is refused.
func TestWebhookRetryAfterAndScope(t *testing.T) {
	db := storetest.Open(t)
	busy := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := webhook.ParseDelivery(r, crmSecret, nil, time.Now()); err != nil {
			http.Error(w, "bad signature", webhook.HTTPStatus(err))
			return
		}
		if busy {
			w.Header().Set("Retry-After", "7200")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	m, err := manifest.Parse("crm.yaml", manifest.DemoYAMLWithSystems(`    systems:
      - id: crm
        name: CRM
        kind: webhook
        role: processor
        requests: [erasure]
        webhook: {url: `+srv.URL+`/crm, secret: {env: CRM_SECRET}}
      - id: chat
        name: Chat
        kind: webhook
        role: processor
        requests: [erasure]
        webhook: {url: `+srv.URL+`/chat, secret: {env: CHAT_SECRET}}
`))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, m)
	e.svc.Jobs, e.svc.Secrets = db, fixedSecrets{}
	runner := &jobs.Runner{Store: db, Now: e.clock, Handlers: map[string]jobs.Handler{custos.JobRequestStep: e.svc.RunStep}}
	ctx := context.Background()
	r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestErasure, Email: "ada@example.com"})
	if err := e.svc.Approve(ctx, "st_officer", r.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	steps, _ := e.svc.Steps(ctx, r.ID)
	for _, st := range steps {
		if st.Job.State != custos.JobFailed || st.Job.NextAt.Sub(e.clock()) < 2*time.Hour {
			t.Errorf("%s after 503 with Retry-After 7200: %s, next in %v", st.System.ID, st.Job.State, st.Job.NextAt.Sub(e.clock()))
		}
	}

	busy = false
	for _, st := range steps {
		if err := e.svc.RetryStep(ctx, "st_officer", r.ID, st.Job.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := runner.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	steps, _ = e.svc.Steps(ctx, r.ID)
	now := e.clock()
	callback := func(system, delivery string) *http.Request {
		body, _ := json.Marshal(map[string]any{"id": "cb-1", "delivery_id": delivery, "status": "done"})
		req := httptest.NewRequest("POST", dsr.CallbackPath("demo", system), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhook.SignatureHeader, webhook.Sign(crmSecret, now, body))
		return req
	}
	for _, st := range steps {
		if st.Job.State != custos.JobWaiting {
			t.Fatalf("%s after 202: %s", st.System.ID, st.Job.State)
		}
		if err := e.svc.Callback(ctx, "demo", st.System.ID, callback(st.System.ID, st.Job.Key)); err != nil {
			t.Errorf("%s's callback cb-1: %v", st.System.ID, err)
		}
	}
	if err := e.svc.Callback(ctx, "demo", "chat", callback("chat", steps[1].Job.Key)); dsr.CallbackStatus(err) != http.StatusConflict {
		t.Errorf("chat's callback replayed: %v", err)
	}
}
