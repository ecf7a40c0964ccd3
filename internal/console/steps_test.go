package console_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/custos-privacy/custos/internal/connector/conntest"
	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/jobs"
	"github.com/custos-privacy/custos/internal/manifest"
)

// shopEngines opens the test's SQLite shop for every SQL system, or fails
// with err when one is set.
type shopEngines struct {
	db  *sql.DB
	mu  sync.Mutex
	err error
}

func (s *shopEngines) Engine(ctx context.Context, site *manifest.Site, sys *manifest.System) (*sqlds.Engine, error) {
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return conntest.ShopEngines{DB: s.db}.Engine(ctx, site, sys)
}

func (s *shopEngines) fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// shopSystems adds to the demo site a SQLite shop and a manual archive
// that comes after it, both taking part in access and erasure (as in
// package dsr's tests).
const shopSystems = `    systems:
      - id: shop
        name: Shop database
        kind: sqlite
        role: controller
        requests: [access, erasure]
        connection: {env: SHOP_DSN}
        dataset:
          tables:
            - name: customers
              primary_key: [id]
              identities: {email: email}
              columns:
                - {name: email, category: user.contact.email}
                - {name: name, category: user.name}
            - name: orders
              primary_key: [id]
              references:
                - {columns: [customer_id], table: customers, to: [id]}
              columns:
                - {name: customer_id, category: user.unique_id}
                - {name: note, category: user.content.private}
      - id: archive
        name: Paper archive
        kind: manual
        role: controller
        requests: [access, erasure]
        after: [shop]
        instructions:
          en: Look in the archive cabinet for letters from the person.
          fr: Cherchez les lettres de la personne dans l'armoire.
          de: Suchen Sie die Briefe der Person im Archivschrank.
`

// shopManifest is the demo manifest with the shop and the archive.
func shopManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("shop.yaml", manifest.DemoYAMLWithSystems(shopSystems, "user.unique_id"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// withShop gives h's requests the shop's steps: a job table, the shop's
// engines, and a runner the test drives.
func (h *harness) withShop() (*shopEngines, *jobs.Runner) {
	eng := &shopEngines{db: conntest.TinyShop(h.t)}
	h.dsr.Jobs, h.dsr.Engines = h.db, eng
	return eng, &jobs.Runner{Store: h.db, Handlers: map[string]jobs.Handler{custos.JobRequestStep: h.dsr.RunStep}, Now: h.clock}
}

// drain runs the runner until no job is due.
func drain(t *testing.T, r *jobs.Runner) {
	t.Helper()
	for range 20 {
		n, err := r.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the runner never ran out of jobs")
}

// stepsOf returns request id's steps by system.
func (h *harness) stepsOf(id string) map[string]*custos.Job {
	h.t.Helper()
	steps, err := h.dsr.Steps(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]*custos.Job{}
	for _, st := range steps {
		out[st.System.ID] = st.Job
	}
	return out
}

// stepItem returns the <li> of the step of system name in the page's
// Steps box.
func stepItem(t *testing.T, body, name string) string {
	t.Helper()
	for _, li := range regexp.MustCompile(`(?s)<li class="step [^"]*">.*?</li>`).FindAllString(body, -1) {
		if strings.Contains(li, "<h3>"+name+" ") {
			return li
		}
	}
	t.Fatalf("no step of %s on the page", name)
	return ""
}

// tableRow returns the cells after the row header of table in the plan.
func tableRow(body, table string) string {
	m := regexp.MustCompile(`<th scope="row"><code>` + table + `</code></th>((?:<td>[^<]*</td>)+)</tr>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func stepPath(id string, job int64, action string) string {
	return "/console/requests/" + id + "/steps/" + strconv.FormatInt(job, 10) + "/" + action
}

// TestRequestSteps walks a request across a SQLite shop and a manual
// archive: the open request's plan with its counts, the steps after
// approval, Complete refused while the archive waits, the archive marked
// done with a note, then Complete. The auditor sees the steps and can do
// nothing to them.
func TestRequestSteps(t *testing.T) {
	h := newHarness(t, shopManifest(t))
	_, runner := h.withShop()
	officer, token := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	_, auditor := h.staffUser(custos.RoleAuditor, "auditor@example.com")
	access := h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR", Email: "ada@example.com"})
	erasure := h.newRequest(dsr.Submission{Type: custos.RequestErasure, Region: "FR", Email: "ada@example.com"})

	// The open request: its plan, what each step would touch.
	status, _, body := h.request("GET", "/console/requests/"+access.ID, token, nil)
	if status != http.StatusOK {
		t.Fatalf("request page: %d", status)
	}
	containsAll(t, "the plan", body, `id="plan-title">Plan<`, "Approving runs these steps", "Shop database", "SQLite database", "Paper archive", "Manual task",
		"Controller", "Runs after</dt><dd>Shop database", "Look in the archive cabinet for letters from the person.", "Approving also runs the steps of the plan above")
	if got := tableRow(body, "customers"); got != "<td>1</td>" {
		t.Errorf("the plan's customers: %q, want 1 row", got)
	}
	if got := tableRow(body, "orders"); got != "<td>2</td>" {
		t.Errorf("the plan's orders: %q, want 2 rows", got)
	}
	if strings.Contains(body, "steps-title") || strings.Contains(body, "Delete</th>") {
		t.Error("an open access request shows steps, or what an erasure would do")
	}
	// An erasure says what happens to the rows, and that it is for good.
	_, _, body = h.request("GET", "/console/requests/"+erasure.ID, token, nil)
	containsAll(t, "the erasure's plan", body, "cannot be undone", "Delete</th>", "Mask</th>", "Leave</th>")
	if got := tableRow(body, "customers"); got != "<td>1</td><td>1</td><td>0</td><td>0</td>" {
		t.Errorf("the erasure's plan of customers: %q, want 1 row, deleted", got)
	}
	if got := tableRow(body, "orders"); got != "<td>2</td><td>2</td><td>0</td><td>0</td>" {
		t.Errorf("the erasure's plan of orders: %q, want 2 rows, deleted", got)
	}
	// The auditor sees the plan too.
	if _, _, body = h.request("GET", "/console/requests/"+access.ID, auditor, nil); !strings.Contains(body, "Shop database") {
		t.Error("the auditor does not see the plan")
	}

	// Approved: the steps, queued in order.
	_, _, body = h.request("GET", "/console/requests/"+access.ID, token, nil)
	body = h.post(token, access.ID, "approve", url.Values{"version": {h.version(body)}}, "approved")
	containsAll(t, "the page after approving", body, `id="steps-title"`, "0 of 2 steps done.", "The request can be completed only once every step is done.",
		"Some steps are not done yet")
	if strings.Contains(body, `id="plan-title"`) {
		t.Error("an approved request still shows the plan")
	}
	containsAll(t, "the archive's step", stepItem(t, body, "Paper archive"), "Queued: runs after Shop database")

	// A round of the runner: the shop is done, the archive waits for staff
	// with its instructions.
	drain(t, runner)
	jobsOf := h.stepsOf(access.ID)
	shop, archive := jobsOf["shop"], jobsOf["archive"]
	if shop.State != custos.JobDone || archive.State != custos.JobWaiting {
		t.Fatalf("after the runner: shop %s, archive %s", shop.State, archive.State)
	}
	_, _, body = h.request("GET", "/console/requests/"+access.ID, token, nil)
	containsAll(t, "the steps box", body, "1 of 2 steps done.")
	li := stepItem(t, body, "Shop database")
	containsAll(t, "the shop's step", li, `class="step st-done"`, `aria-hidden="true">✓</span> Done`, "<code>customers</code></dt><dd>1 row", "<code>orders</code></dt><dd>2 rows")
	if strings.Contains(li, "<form") || strings.Contains(li, "gift") {
		t.Error("the done shop step offers an action, or shows a row's value")
	}
	li = stepItem(t, body, "Paper archive")
	containsAll(t, "the archive's step", li, `class="step st-waiting"`, "Waiting for staff", "Look in the archive cabinet for letters from the person.",
		`class="text instructions"`, `action="`+stepPath(access.ID, archive.ID, "done")+`"`, `name="note"`, "required", "Mark done")
	if strings.Contains(li, "/retry") {
		t.Error("a manual step waiting for staff offers Retry")
	}

	// Complete is refused while the archive waits.
	v := h.version(body)
	status, _, body = h.request("POST", "/console/requests/"+access.ID+"/complete", token, url.Values{"version": {v}})
	if status != http.StatusConflict || !strings.Contains(body, "1 of the 2 steps in other systems are not done yet") {
		t.Errorf("completing with the archive waiting: %d", status)
	}
	if r := h.stored(access.ID); r.State != custos.StateInProgress {
		t.Fatalf("a refused completion changed the state to %s", r.State)
	}

	// Marking the archive done needs a note; a step of another request,
	// or none, is refused with a message.
	status, _, body = h.request("POST", stepPath(access.ID, archive.ID, "done"), token, url.Values{"note": {"  "}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Note: required") {
		t.Errorf("marking done without a note: %d", status)
	}
	for _, p := range []string{stepPath(erasure.ID, archive.ID, "done"), "/console/requests/" + access.ID + "/steps/abc/done", stepPath(access.ID, 999999, "retry")} {
		status, _, body = h.request("POST", p, token, url.Values{"note": {"x"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Step: no such step") {
			t.Errorf("POST %s: %d, want 422 saying there is no such step", p, status)
		}
	}
	if got := h.stepsOf(access.ID)["archive"]; got.State != custos.JobWaiting {
		t.Fatalf("refused posts changed the archive's step to %s", got.State)
	}
	body = h.post(token, access.ID, "steps/"+strconv.FormatInt(archive.ID, 10)+"/done", url.Values{"note": {"Nothing in the cabinet.\nChecked twice."}}, "step_done")
	containsAll(t, "the page after marking done", body, "The step is marked done; your note is on the timeline.", "2 of 2 steps done.", "Every step is done: the request can be completed.")
	containsAll(t, "the archive's done step", stepItem(t, body, "Paper archive"), "✓</span> Done", "Done by</dt><dd>officer@example.com", "Nothing in the cabinet.\nChecked twice.")
	timeline := body[strings.Index(body, `id="timeline-title"`):]
	containsAll(t, "the timeline", timeline, "Nothing in the cabinet.\nChecked twice.", officer.Email)
	// Done twice, or a done step retried: refused, with dsr's words.
	status, _, body = h.request("POST", stepPath(access.ID, archive.ID, "done"), token, url.Values{"note": {"again"}})
	if status != http.StatusConflict || !strings.Contains(body, "not waiting for staff") {
		t.Errorf("marking a done step done: %d", status)
	}
	status, _, body = h.request("POST", stepPath(access.ID, shop.ID, "retry"), token, url.Values{})
	if status != http.StatusConflict || !strings.Contains(body, "can be retried") {
		t.Errorf("retrying a done step: %d", status)
	}

	// The auditor sees the steps, no buttons, and may not act.
	status, _, body = h.request("GET", "/console/requests/"+access.ID, auditor, nil)
	if status != http.StatusOK || !strings.Contains(body, "2 of 2 steps done.") || strings.Contains(body, `method="post" action="/console/requests/`) {
		t.Errorf("auditor's page: %d, without the steps or with actions", status)
	}

	// Now Complete goes through.
	_, _, body = h.request("GET", "/console/requests/"+access.ID, token, nil)
	h.post(token, access.ID, "complete", url.Values{"version": {h.version(body)}}, "completed")
	if r := h.stored(access.ID); r.State != custos.StateCompleted {
		t.Fatalf("after completing: %s", r.State)
	}
}

// TestRequestStepFailures: a step whose database cannot be reached shows
// as failed with its error and when it is tried again; Retry queues it at
// once; a permanent failure shows as given up, and Retry brings it back
// too. The auditor sees the failure and cannot retry.
func TestRequestStepFailures(t *testing.T) {
	h := newHarness(t, shopManifest(t))
	eng, runner := h.withShop()
	_, token := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	_, auditor := h.staffUser(custos.RoleAuditor, "auditor@example.com")
	rq := h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR", Email: "ada@example.com"})

	eng.fail(errors.New("dial tcp 192.0.2.9:5432: connection refused"))
	status, _, body := h.request("GET", "/console/requests/"+rq.ID, token, nil)
	if status != http.StatusOK {
		t.Fatalf("request page: %d", status)
	}
	containsAll(t, "the plan of a database out of reach", body, "The system could not be reached:", "dial tcp 192.0.2.9:5432: connection refused", "Paper archive")

	body = h.post(token, rq.ID, "approve", url.Values{"version": {h.version(body)}}, "approved")
	drain(t, runner)
	shop := h.stepsOf(rq.ID)["shop"]
	if shop.State != custos.JobFailed {
		t.Fatalf("the shop's step: %s, want failed", shop.State)
	}
	_, _, body = h.request("GET", "/console/requests/"+rq.ID, token, nil)
	li := stepItem(t, body, "Shop database")
	containsAll(t, "the failed step", li, `class="step st-failed"`, `aria-hidden="true">⚠</span> Failed: tried again at `,
		"Last error</dt><dd><div class=\"text errtext\">dial tcp 192.0.2.9:5432: connection refused", "Attempts</dt><dd>1<",
		`action="`+stepPath(rq.ID, shop.ID, "retry")+`"`, "Retry")
	containsAll(t, "the archive's step", stepItem(t, body, "Paper archive"), "Queued: runs after Shop database")

	// The auditor sees it, and may not retry.
	status, _, abody := h.request("GET", "/console/requests/"+rq.ID, auditor, nil)
	if status != http.StatusOK || !strings.Contains(abody, "connection refused") || strings.Contains(abody, "/retry") {
		t.Errorf("auditor's page: %d, without the failure or with Retry", status)
	}
	for _, action := range []string{"retry", "done"} {
		if status, _, _ = h.request("POST", stepPath(rq.ID, shop.ID, action), auditor, url.Values{"note": {"x"}}); status != http.StatusForbidden {
			t.Errorf("auditor POST %s: %d, want 403", action, status)
		}
	}
	if got := h.stepsOf(rq.ID)["shop"]; got.State != custos.JobFailed {
		t.Fatalf("the auditor's posts changed the step to %s", got.State)
	}

	// Retry: pending, due at once.
	body = h.post(token, rq.ID, "steps/"+strconv.FormatInt(shop.ID, 10)+"/retry", url.Values{}, "retried")
	if got := h.stepsOf(rq.ID)["shop"]; got.State != custos.JobPending {
		t.Fatalf("after Retry the step is %s, want pending", got.State)
	}
	containsAll(t, "the page after Retry", body, "The step is queued again", "○</span> Queued")

	// A permanent failure: given up after one attempt; Retry again, once
	// mended, and the plan runs through.
	eng.fail(jobs.Permanent(errors.New("table customers: permission denied")))
	drain(t, runner)
	if got := h.stepsOf(rq.ID)["shop"]; got.State != custos.JobDead {
		t.Fatalf("the shop's step: %s, want dead", got.State)
	}
	_, _, body = h.request("GET", "/console/requests/"+rq.ID, token, nil)
	containsAll(t, "the dead step", stepItem(t, body, "Shop database"), `class="step st-dead"`, "✗</span> Gave up after 1 attempt", "table customers: permission denied", "/retry")
	eng.fail(nil)
	h.post(token, rq.ID, "steps/"+strconv.FormatInt(shop.ID, 10)+"/retry", url.Values{}, "retried")
	drain(t, runner)
	steps := h.stepsOf(rq.ID)
	if steps["shop"].State != custos.JobDone || steps["archive"].State != custos.JobWaiting {
		t.Errorf("after retrying the mended step: shop %s, archive %s", steps["shop"].State, steps["archive"].State)
	}
}

// TestRequestStepsInFrench: the plan and the steps speak the staff
// member's language, the manual task's instructions the request's.
func TestRequestStepsInFrench(t *testing.T) {
	h := newHarness(t, shopManifest(t))
	_, runner := h.withShop()
	_, token := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	rq := h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR", Email: "ada@example.com", Locale: "fr"})
	_, _, body := h.request("GET", "/console/requests/"+rq.ID+"?lang=fr", token, nil)
	containsAll(t, "the French plan", body, "Approuver exécute ces étapes", "Base SQLite", "Tâche manuelle", "Cherchez les lettres")
	h.post(token, rq.ID, "approve", url.Values{"version": {h.version(body)}}, "approved")
	drain(t, runner)
	_, _, body = h.request("GET", "/console/requests/"+rq.ID+"?lang=fr", token, nil)
	containsAll(t, "the French steps", body, "1 étapes faites sur 2.", "En attente de l’équipe", "Marquer comme faite", "Cherchez les lettres")
}

// crmSystem is a processor reached by webhook, between the shop and the
// archive.
const crmSystem = `      - id: crm
        name: CRM
        kind: webhook
        role: processor
        requests: [access, erasure]
        after: [shop]
        webhook:
          url: https://crm.example.com/custos
          secret: {env: CRM_SECRET}
`

// TestRequestStepsThreeKinds: a request reaching into a SQL database, a
// processor by webhook and a manual task, through to its completion. The
// processor is played by the runner's handler, which leaves its step
// waiting for the processor's answer as the webhook connector does; the
// console offers Retry for it, not "Mark done".
func TestRequestStepsThreeKinds(t *testing.T) {
	systems := strings.Replace(shopSystems, "      - id: archive\n", crmSystem+"      - id: archive\n", 1)
	m, err := manifest.Parse("shop.yaml", manifest.DemoYAMLWithSystems(systems, "user.unique_id"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, m)
	_, runner := h.withShop()
	runner.Handlers[custos.JobRequestStep] = func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
		var p dsr.StepPayload
		json.Unmarshal(j.Payload, &p)
		if p.System == "crm" {
			return json.RawMessage(`{"waiting":"the processor's answer"}`), jobs.ErrWait
		}
		return h.dsr.RunStep(ctx, j, cp)
	}
	_, token := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	rq := h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR", Email: "ada@example.com"})

	_, _, body := h.request("GET", "/console/requests/"+rq.ID, token, nil)
	containsAll(t, "the plan", body, "<h3>CRM</h3>", "Processor, by webhook", "<dd>Processor</dd>", "waits for its answer", "Runs after</dt><dd>Shop database")
	h.post(token, rq.ID, "approve", url.Values{"version": {h.version(body)}}, "approved")
	drain(t, runner)
	steps := h.stepsOf(rq.ID)
	if steps["shop"].State != custos.JobDone || steps["crm"].State != custos.JobWaiting || steps["archive"].State != custos.JobWaiting {
		t.Fatalf("after the runner: shop %s, crm %s, archive %s", steps["shop"].State, steps["crm"].State, steps["archive"].State)
	}
	_, _, body = h.request("GET", "/console/requests/"+rq.ID, token, nil)
	li := stepItem(t, body, "CRM")
	containsAll(t, "the processor's step", li, `class="step st-waiting"`, "Waiting for the processor", `action="`+stepPath(rq.ID, steps["crm"].ID, "retry")+`"`)
	if strings.Contains(li, "/done") {
		t.Error("a step waiting for a processor offers Mark done")
	}
	containsAll(t, "the steps box", body, "1 of 3 steps done.")

	// Retry sends it again: pending; the processor answers this time (as
	// its callback would), staff do the archive, and the request completes.
	h.post(token, rq.ID, "steps/"+strconv.FormatInt(steps["crm"].ID, 10)+"/retry", url.Values{}, "retried")
	if got := h.stepsOf(rq.ID)["crm"]; got.State != custos.JobPending {
		t.Fatalf("after Retry: %s", got.State)
	}
	drain(t, runner)
	if _, err := h.db.CompleteWaiting(context.Background(), steps["crm"].ID, json.RawMessage(`{"records":1}`), nil); err != nil {
		t.Fatal(err)
	}
	body = h.post(token, rq.ID, "steps/"+strconv.FormatInt(steps["archive"].ID, 10)+"/done", url.Values{"note": {"No letters."}}, "step_done")
	containsAll(t, "the steps box", body, "3 of 3 steps done.")
	h.post(token, rq.ID, "complete", url.Values{"version": {h.version(body)}}, "completed")
	if r := h.stored(rq.ID); r.State != custos.StateCompleted {
		t.Fatalf("after completing: %s", r.State)
	}
}

// upload posts a multipart form with fields and files (name → content)
// to path, as a browser sends a form with a file input.
func (h *harness) upload(path, token string, fields url.Values, files map[string][]byte) (int, string, string) {
	h.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	names := slices.Sorted(maps.Keys(files))
	for _, name := range names {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			h.t.Fatal(err)
		}
		fw.Write(files[name])
	}
	w.Close()
	req, err := http.NewRequest("POST", h.srv.URL+path, &buf)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: "custos_session", Value: token})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// TestRequestStepUpload: the manual step of an access request is marked
// done with a note and files; files too large are refused with nothing
// recorded; the files reach the answer's package; an erasure's manual
// step offers no file input.
func TestRequestStepUpload(t *testing.T) {
	h := newHarness(t, shopManifest(t))
	_, runner := h.withShop()
	_, token := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	rq := h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR", Email: "ada@example.com"})
	_, _, body := h.request("GET", "/console/requests/"+rq.ID, token, nil)
	h.post(token, rq.ID, "approve", url.Values{"version": {h.version(body)}}, "approved")
	drain(t, runner)
	archive := h.stepsOf(rq.ID)["archive"]
	_, _, body = h.request("GET", "/console/requests/"+rq.ID, token, nil)
	containsAll(t, "the archive's step", stepItem(t, body, "Paper archive"), `enctype="multipart/form-data"`, `type="file"`, `name="file"`, "multiple",
		"Files the system gave, for the answer", "(optional; up to 5 files, 10 MB in all)")

	// Too large: refused before anything is read into the store.
	status, _, body := h.upload(stepPath(rq.ID, archive.ID, "done"), token, url.Values{"note": {"Scans."}},
		map[string][]byte{"scan.pdf": bytes.Repeat([]byte("x"), dsr.MaxStepFileBytes+2<<20)})
	if status != http.StatusBadRequest || !strings.Contains(body, "The files are too large: 10 MB in all at most.") {
		t.Errorf("too large: %d %s", status, body)
	}
	// An empty file: refused, naming the files.
	status, _, body = h.upload(stepPath(rq.ID, archive.ID, "done"), token, url.Values{"note": {"Scans."}}, map[string][]byte{"empty.pdf": {}, "a.csv": []byte("a")})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Files: file 2 is empty") {
		t.Errorf("an empty file: %d %s", status, body[strings.Index(body, "<main"):][:400])
	}
	if got := h.stepsOf(rq.ID)["archive"]; got.State != custos.JobWaiting {
		t.Fatalf("refused uploads changed the step to %s", got.State)
	}

	letters := []byte("date,subject\n2024-02-01,Parcel\n")
	status, loc, _ := h.upload(stepPath(rq.ID, archive.ID, "done"), token, url.Values{"note": {"Two letters found."}},
		map[string][]byte{"letters.csv": letters, "C:\\scans\\letter 2.pdf": []byte("%PDF-1.4")})
	if status != http.StatusSeeOther || !strings.HasSuffix(loc, "?done=step_done") {
		t.Fatalf("upload: %d %s", status, loc)
	}
	_, _, body = h.request("GET", loc, token, nil)
	containsAll(t, "the done step", stepItem(t, body, "Paper archive"), "✓</span> Done", "Files</dt><dd>letter 2.pdf (8 B)<br>letters.csv (31 B)</dd>")
	h.post(token, rq.ID, "complete", url.Values{"version": {h.version(body)}}, "completed")
	a, err := h.db.Answer(context.Background(), rq.ID)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Data), int64(len(a.Data)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "systems/") {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			got[f.Name] = string(b)
		}
	}
	want := map[string]string{"systems/archive/letters.csv": string(letters), "systems/archive/letter 2.pdf": "%PDF-1.4"}
	if !maps.Equal(got, want) {
		t.Errorf("the package's system files: %q, want %q", got, want)
	}

	// An erasure's manual step takes a note only.
	er := h.newRequest(dsr.Submission{Type: custos.RequestErasure, Region: "FR", Email: "bob@example.com"})
	_, _, body = h.request("GET", "/console/requests/"+er.ID, token, nil)
	h.post(token, er.ID, "approve", url.Values{"version": {h.version(body)}}, "approved")
	drain(t, runner)
	_, _, body = h.request("GET", "/console/requests/"+er.ID, token, nil)
	if li := stepItem(t, body, "Paper archive"); strings.Contains(li, `type="file"`) || strings.Contains(li, "multipart") {
		t.Error("an erasure's manual step offers a file input")
	}
}

// TestRequestCorrection: a rectification's step in the shop waits for the
// officer, whose form shows each column the dataset lets a correction
// change with the person's values now; a refused correction shows the
// form again as typed, with the column named; the approved one is
// written to the person's row only. The auditor sees no values and no
// form.
func TestRequestCorrection(t *testing.T) {
	systems := strings.Replace(shopSystems, "        requests: [access, erasure]\n        connection", "        requests: [access, erasure, rectification]\n        connection", 1)
	systems = strings.Replace(systems, "{name: name, category: user.name}", "{name: name, category: user.name, rectify: true}", 1)
	systems = strings.Replace(systems, "{name: email, category: user.contact.email}", "{name: email, category: user.contact.email, rectify: true}", 1)
	m, err := manifest.Parse("shop.yaml", manifest.DemoYAMLWithSystems(systems, "user.unique_id"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, m)
	eng, runner := h.withShop()
	_, token := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	_, auditor := h.staffUser(custos.RoleAuditor, "auditor@example.com")
	rq := h.newRequest(dsr.Submission{Type: custos.RequestRectification, Region: "FR", Email: "ada@example.com", Details: "My name is Ada King."})

	_, _, body := h.request("GET", "/console/requests/"+rq.ID, token, nil)
	containsAll(t, "the plan", body, "approve the correction column by column")
	h.post(token, rq.ID, "approve", url.Values{"version": {h.version(body)}}, "approved")
	drain(t, runner)
	shop := h.stepsOf(rq.ID)["shop"]
	if shop.State != custos.JobWaiting {
		t.Fatalf("the shop's step: %s, want waiting", shop.State)
	}
	_, _, body = h.request("GET", "/console/requests/"+rq.ID, token, nil)
	li := stepItem(t, body, "Shop database")
	containsAll(t, "the correction form", li, "Waiting for staff", "tick each column to correct", `action="`+stepPath(rq.ID, shop.ID, "correct")+`"`,
		`<code>customers.email</code>`, `<code>customers.name</code>`, "ada@example.com", "<div class=\"text\">Ada</div>", `name="v:customers.name"`,
		`name="correct" value="customers.name"`, `name="clear" value="customers.name"`, "Approve the correction", "Mark done")
	if strings.Contains(li, "Bob") || strings.Contains(li, "bob@example.com") {
		t.Error("the form shows another person's values")
	}
	// The auditor sees the step, not the values, and no form.
	_, _, abody := h.request("GET", "/console/requests/"+rq.ID, auditor, nil)
	if li := stepItem(t, abody, "Shop database"); strings.Contains(li, "<form") || strings.Contains(li, "<div class=\"text\">Ada</div>") {
		t.Error("the auditor sees the correction form or the person's values")
	}
	if status, _, _ := h.request("POST", stepPath(rq.ID, shop.ID, "correct"), auditor, url.Values{"correct": {"customers.name"}, "v:customers.name": {"X"}}); status != http.StatusForbidden {
		t.Errorf("the auditor's correction: %d, want 403", status)
	}

	// Refused: nothing ticked; a column the dataset does not let change;
	// an empty NOT NULL column. The form comes back as typed.
	for _, tc := range []struct {
		form url.Values
		say  string
	}{
		{url.Values{"v:customers.name": {"Ada King"}}, "Correct: choose at least one column to correct"},
		{url.Values{"correct": {"orders.note"}, "v:orders.note": {"x"}}, "orders.note: the column may not be rectified"},
		{url.Values{"correct": {"customers.name", "customers.email"}, "v:customers.name": {"Ada King"}, "clear": {"customers.email"}}, "customers.email: the column cannot be empty (NOT NULL)"},
	} {
		status, _, body := h.request("POST", stepPath(rq.ID, shop.ID, "correct"), token, tc.form)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.say) {
			t.Errorf("%v: %d, want 422 saying %q", tc.form, status, tc.say)
		}
		if tc.form.Get("v:customers.name") != "" && !strings.Contains(body, `name="v:customers.name" value="Ada King"`) {
			t.Errorf("%v: the form lost what was typed", tc.form)
		}
	}
	if got := h.stepsOf(rq.ID)["shop"]; got.State != custos.JobWaiting || len(got.Checkpoint) != 0 {
		t.Fatalf("refused corrections changed the step: %s %s", got.State, got.Checkpoint)
	}

	body = h.post(token, rq.ID, "steps/"+strconv.FormatInt(shop.ID, 10)+"/correct", url.Values{"correct": {"customers.name"}, "v:customers.name": {"Ada King"}, "v:customers.email": {"ignored@example.com"}}, "corrected")
	containsAll(t, "the page after approving", body, "The correction is approved; the step writes it shortly.", "Correction approved for Shop database: customers.name")
	drain(t, runner)
	_, _, body = h.request("GET", "/console/requests/"+rq.ID, token, nil)
	containsAll(t, "the done step", stepItem(t, body, "Shop database"), "✓</span> Done", "<code>customers</code></dt><dd>1 row, 1 changed")
	var name, email, bob string
	eng.db.QueryRow(`SELECT name, email FROM customers WHERE id = 1`).Scan(&name, &email)
	eng.db.QueryRow(`SELECT name FROM customers WHERE id = 2`).Scan(&bob)
	if name != "Ada King" || email != "ada@example.com" || bob != "Bob" {
		t.Errorf("after the correction: %q %q, Bob %q", name, email, bob)
	}
	h.post(token, rq.ID, "complete", url.Values{"version": {h.version(body)}}, "completed")
}
