package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/custos-privacy/custos/internal/browsertest"
	"github.com/custos-privacy/custos/internal/connector/conntest"
	"github.com/custos-privacy/custos/internal/connector/webhook"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/jobs"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/staff"
)

// TestBrowserRequestSystems walks in Chromium an access request that
// reaches into the three kinds of systems a site can have: a SQLite shop
// the steps query, a CRM (a processor) reached by webhook, and a paper
// archive that staff search by hand. The officer reads the plan on the
// open request, approves it, and, once the runner has run the steps, sees
// the shop and the CRM done and the archive waiting with its
// instructions; they mark it done with a note and a file the archive gave
// (uploaded through the step's file input) and complete the request,
// whose package then holds the shop's and the CRM's data, the archive's
// note, and the file under systems/archive/. It saves the screenshots
// console-request-plan and console-request-steps.
func TestBrowserRequestSystems(t *testing.T) {
	// The CRM: it checks the delivery's signature and answers at once.
	var mu sync.Mutex
	var deliveries []*webhook.Delivery
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := webhook.ParseDelivery(r, systemsCRMSecret, nil, time.Now())
		if err != nil {
			http.Error(w, "bad signature", webhook.HTTPStatus(err))
			return
		}
		mu.Lock()
		deliveries = append(deliveries, d)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"done","data":{"contacts":[{"email":"ada@example.com","stage":"lead"}]}}`))
	}))
	t.Cleanup(crm.Close)

	clk := &clock{now: time.Now()}
	var svc *staff.Service
	be := newBrowserEnv(t, withRequests, withConsole(clk, &svc))
	be.setManifest(t, systemsYAML(t, crm.URL))
	// Before any request: the request service reaches into the systems.
	be.requests.Jobs, be.requests.Engines, be.requests.Secrets = be.db, conntest.ShopEngines{DB: conntest.TinyShop(t)}, systemsSecrets{}
	runner := &jobs.Runner{Store: be.db, Handlers: map[string]jobs.Handler{custos.JobRequestStep: be.requests.RunStep}, Now: be.reqClock.Now}
	const officerEmail, email = "officer@example.com", "ada@example.com"
	secret := newOfficer(t, svc, clk, officerEmail)

	// Ada asks for a copy of her data and confirms with the e-mailed code.
	challenge := be.file(fileBody("access", email))
	s, _, b := be.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": challenge, "code": be.codeFor(email, "verify")})
	if s != http.StatusOK {
		t.Fatalf("verifying: %d %s", s, b)
	}
	id := decode[struct{ Request struct{ ID string } }](t, b).Request.ID

	// The officer signs in and opens the request: the plan.
	ot := systemsSignIn(t, be, clk, officerEmail, secret)
	page := be.srv.URL + "/console/requests/" + id
	ot.do(chromedp.Navigate(page))
	ot.wait(`document.querySelector("section.plan li.system") && document.querySelector("form[action$='/approve']")`)
	systems := eval[[]string](ot, `[...document.querySelectorAll("section.plan li.system h3")].map(h => h.textContent.trim())`)
	if strings.Join(systems, ", ") != "Shop database, CRM, Paper archive" {
		t.Errorf("the plan's systems: %q", systems)
	}
	rows := eval[map[string]string](ot, `Object.fromEntries([...document.querySelectorAll("section.plan tbody tr")].map(r => [r.querySelector("th").textContent.trim(), r.querySelector("td").textContent.trim()]))`)
	if rows["customers"] != "1" || rows["orders"] != "2" {
		t.Errorf("the plan's rows of the shop: %v, want 1 customer and 2 orders", rows)
	}
	if got := eval[string](ot, `document.querySelector("section.plan").textContent`); !strings.Contains(got, "Look in the archive cabinet for letters from the person.") {
		t.Errorf("the plan does not show the archive's instructions: %q", got)
	}
	ot.noViolations()
	browsertest.Screenshot(t, ot.ctx, "console-request-plan", true)

	// Approve: the steps are queued; the runner runs them.
	ot.click(`document.querySelector("form[action$='/approve'] button")`)
	ot.wait(`location.search == "?done=approved" && document.querySelector("section.steps")`)
	drainSystems(t, runner)
	mu.Lock()
	if len(deliveries) != 1 || deliveries[0].Identities["email"] != email || deliveries[0].Type != custos.RequestAccess {
		t.Errorf("the CRM's deliveries: %+v", deliveries)
	}
	mu.Unlock()

	// The page again: the shop and the CRM are done, the archive waits
	// with its instructions.
	ot.do(chromedp.Navigate(page))
	ot.wait(`document.querySelectorAll("section.steps li.step").length == 3`)
	states := eval[map[string]string](ot, `Object.fromEntries([...document.querySelectorAll("section.steps li.step")].map(li => [li.querySelector("h3").firstChild.textContent.trim(), li.className]))`)
	if states["Shop database"] != "step st-done" || states["CRM"] != "step st-done" || states["Paper archive"] != "step st-waiting" {
		t.Fatalf("the steps after the runner: %v", states)
	}
	archive := `[...document.querySelectorAll("section.steps li.step")].find(li => li.querySelector("h3").textContent.startsWith("Paper archive"))`
	if got := eval[string](ot, archive+`.querySelector(".instructions").textContent`); !strings.Contains(got, "archive cabinet") {
		t.Errorf("the archive's step shows the instructions %q", got)
	}

	// Mark the archive done with a note and the letters it gave, a file
	// chosen in the step's file input.
	const note = "Two letters from Ada in the cabinet, listed in letters.csv."
	letters := []byte("date,subject\n2024-02-01,Parcel\n2024-03-12,Refund\n")
	lettersPath := filepath.Join(t.TempDir(), "letters.csv")
	if err := os.WriteFile(lettersPath, letters, 0o644); err != nil {
		t.Fatal(err)
	}
	fileInput := archive + `.querySelector("form[action$='/done'][enctype='multipart/form-data'] input[type=file][name=file][multiple]")`
	ot.wait(fileInput)
	ot.do(chromedp.SendKeys(chromedp.JSPath(archive+`.querySelector("textarea[name=note]")`), note),
		chromedp.SetUploadFiles(chromedp.JSPath(fileInput), []string{lettersPath}))
	if got := eval[[]string](ot, `[...`+fileInput+`.files].map(f => f.name + " " + f.size)`); strings.Join(got, ", ") != "letters.csv "+strconv.Itoa(len(letters)) {
		t.Fatalf("the archive's file input holds %q", got)
	}
	ot.click(archive + `.querySelector("form[action$='/done'] button")`)
	ot.wait(`location.search == "?done=step_done" && document.querySelectorAll("section.steps li.step.st-done").length == 3`)
	if got := eval[string](ot, archive+`.textContent`); !strings.Contains(got, note) || !strings.Contains(got, officerEmail) {
		t.Errorf("the archive's step does not show the note and who did it: %q", got)
	}
	if got := eval[string](ot, archive+`.querySelector("dl.facts").textContent`); !strings.Contains(got, "letters.csv ("+strconv.Itoa(len(letters))+" B)") {
		t.Errorf("the archive's done step does not list the file: %q", got)
	}
	ot.noViolations()
	browsertest.Screenshot(t, ot.ctx, "console-request-steps", true)

	// Complete: the package holds the shop's rows and the CRM's.
	ot.click(`document.querySelector("form[action$='/complete'] button")`)
	ot.wait(`location.search == "?done=completed" && document.querySelector("p.ok")`)
	ot.noViolations()
	if r := be.request(id); r.State != custos.StateCompleted {
		t.Fatalf("after completing: %s", r.State)
	}
	a, err := be.db.Answer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	data := systemsZipFile(t, a.Data, "data.json")
	var pkg struct {
		Systems []struct {
			ID   string          `json:"id"`
			Data json.RawMessage `json:"data"`
		} `json:"systems"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range pkg.Systems {
		got[s.ID] = string(s.Data)
	}
	var shop struct {
		Tables []struct {
			Table string           `json:"table"`
			Rows  []map[string]any `json:"rows"`
		} `json:"tables"`
	}
	if err := json.Unmarshal([]byte(got["shop"]), &shop); err != nil {
		t.Fatalf("the shop's data in the package: %v\n%s", err, data)
	}
	n := map[string]int{}
	for _, tb := range shop.Tables {
		n[tb.Table] = len(tb.Rows)
	}
	if n["customers"] != 1 || n["orders"] != 2 || strings.Contains(string(data), "bob@example.com") {
		t.Errorf("the shop's rows in the package: %v", n)
	}
	if !strings.Contains(got["crm"], `"stage":"lead"`) {
		t.Errorf("the CRM's data in the package: %s", got["crm"])
	}
	if !strings.Contains(got["archive"], note) {
		t.Errorf("the archive's entry in the package does not hold the officer's note: %s", got["archive"])
	}
	if f := systemsZipFile(t, a.Data, "systems/archive/letters.csv"); !bytes.Equal(f, letters) {
		t.Errorf("the package's systems/archive/letters.csv: %q, want %q", f, letters)
	}
}

// TestBrowserRequestCorrection walks in Chromium a rectification of a row
// in a SQLite shop: Ada asks for her surname to be corrected; the officer
// approves the request, and once the runner has reached the shop, sees
// its step waiting with a form of the columns the dataset lets a
// correction change and Ada's values now; they tick customers.name, type
// the new value, and approve the correction, which the runner then writes
// to Ada's row only. It saves the screenshot console-request-correction,
// of the form filled in.
func TestBrowserRequestCorrection(t *testing.T) {
	clk := &clock{now: time.Now()}
	var svc *staff.Service
	be := newBrowserEnv(t, withRequests, withConsole(clk, &svc))
	be.setManifest(t, correctionYAML(t))
	shopDB := conntest.TinyShop(t)
	be.requests.Jobs, be.requests.Engines, be.requests.Secrets = be.db, conntest.ShopEngines{DB: shopDB}, systemsSecrets{}
	runner := &jobs.Runner{Store: be.db, Handlers: map[string]jobs.Handler{custos.JobRequestStep: be.requests.RunStep}, Now: be.reqClock.Now}
	const officerEmail, email, details = "officer@example.com", "ada@example.com", "My surname is now King."
	secret := newOfficer(t, svc, clk, officerEmail)

	// Ada asks for a correction and confirms with the e-mailed code.
	body := fileBody("rectification", email)
	body["details"] = details
	challenge := be.file(body)
	s, _, b := be.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": challenge, "code": be.codeFor(email, "verify")})
	if s != http.StatusOK {
		t.Fatalf("verifying: %d %s", s, b)
	}
	id := decode[struct{ Request struct{ ID string } }](t, b).Request.ID

	// The officer signs in, reads the request, and approves it; the runner
	// reaches the shop, whose step waits for the officer.
	ot := systemsSignIn(t, be, clk, officerEmail, secret)
	page := be.srv.URL + "/console/requests/" + id
	ot.do(chromedp.Navigate(page))
	ot.wait(`document.querySelector("form[action$='/approve']")`)
	if got := eval[string](ot, `document.querySelector("main").textContent`); !strings.Contains(got, details) {
		t.Errorf("the request's page does not show the correction asked for")
	}
	ot.click(`document.querySelector("form[action$='/approve'] button")`)
	ot.wait(`location.search == "?done=approved" && document.querySelector("section.steps")`)
	drainSystems(t, runner)

	// The page again: the shop's step waits with the correction form,
	// which shows Ada's values, not Bob's.
	ot.do(chromedp.Navigate(page))
	shop := `[...document.querySelectorAll("section.steps li.step")].find(li => li.querySelector("h3").textContent.startsWith("Shop database"))`
	form := shop + `.querySelector("form[action$='/correct']")`
	ot.wait(`document.querySelector("section.steps li.step") && ` + form)
	if got := eval[string](ot, shop+`.className`); got != "step st-waiting" {
		t.Fatalf("the shop's step: %q, want waiting", got)
	}
	current := eval[map[string]string](ot, `Object.fromEntries([...`+form+`.querySelectorAll("tbody tr")].map(r => [r.querySelector("th code").textContent.trim(), r.querySelectorAll("td")[1].textContent.trim()]))`)
	if current["customers.name"] != "Ada" {
		t.Errorf("the form's current values: %q, want Ada's name", current)
	}
	if got := eval[string](ot, form+`.textContent`); strings.Contains(got, "Bob") || strings.Contains(got, "bob@example.com") {
		t.Errorf("the form shows another person's values: %q", got)
	}
	// Every control of the form has a name a screen reader can say.
	if unnamed := eval[[]string](ot, `[...`+form+`.querySelectorAll("input, button")].filter(e => !(e.getAttribute("aria-label") || [...e.labels].map(l => l.textContent).join("") || (e.type == "submit" && e.textContent)).trim()).map(e => e.outerHTML)`); len(unnamed) > 0 {
		t.Errorf("the correction form's controls without a name: %q", unnamed)
	}

	// Tick customers.name, type the new value.
	check := form + `.querySelector("input[type=checkbox][name=correct][value='customers.name']")`
	value := form + `.querySelector("input[type=text][name='v:customers.name']")`
	ot.click(check)
	ot.wait(check + `.checked`)
	if got := eval[string](ot, value+`.value`); got != "" {
		t.Fatalf("the new value's input starts with %q", got)
	}
	ot.do(chromedp.SendKeys(chromedp.JSPath(value), "Ada King"))
	ot.wait(value + `.value == "Ada King"`)
	ot.noViolations()
	browsertest.Screenshot(t, ot.ctx, "console-request-correction", true)

	// Approve the correction: the runner writes it to Ada's row.
	ot.click(form + `.querySelector("button[type=submit]")`)
	ot.wait(`location.search == "?done=corrected" && document.querySelector("section.steps")`)
	ot.noViolations()
	drainSystems(t, runner)
	ot.do(chromedp.Navigate(page))
	ot.wait(`document.querySelector("section.steps li.step")`)
	if got := eval[string](ot, shop+`.className`); got != "step st-done" {
		t.Fatalf("the shop's step after the correction: %q, want done", got)
	}
	if got := eval[string](ot, shop+`.querySelector("dl.facts").textContent`); !strings.Contains(got, "1 row, 1 changed") {
		t.Errorf("the shop's done step: %q, want customers 1 row, 1 changed", got)
	}
	if got := eval[bool](ot, `!!`+form); got {
		t.Error("the done step still offers the correction form")
	}
	names := map[int]string{}
	rows, err := shopDB.Query(`SELECT id, name FROM customers ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		names[id] = name
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if names[1] != "Ada King" || names[2] != "Bob" || len(names) != 2 {
		t.Errorf("the shop's customers after the correction: %v, want Ada King and Bob", names)
	}
}

// systemsSignIn opens a tab on the console's sign-in page and signs the
// officer in.
func systemsSignIn(t *testing.T, be *browserEnv, clk *clock, email string, secret []byte) *tab {
	t.Helper()
	ot := be.open(t, visit{lang: "en", url: be.srv.URL + "/console/sign-in"})
	ot.do(chromedp.EmulateViewport(1280, 900))
	ot.wait(`document.querySelector("#email")`)
	ot.do(chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), officerPassword),
		chromedp.SendKeys(chromedp.ID("code"), staff.TOTPCode(secret, clk.Now())))
	ot.do(chromedp.Submit(chromedp.ID("email")))
	ot.wait(`location.pathname == "/console/"`)
	return ot
}

var systemsCRMSecret = []byte("the CRM's shared secret, 32 byte")

type systemsSecrets struct{}

func (systemsSecrets) Secret(*manifest.Secret) ([]byte, error) { return systemsCRMSecret, nil }

// systemsYAML is the demo manifest with a SQLite shop, a CRM by webhook at
// crmURL, and a manual archive that comes after the shop.
func systemsYAML(t *testing.T, crmURL string) []byte {
	t.Helper()
	return manifest.DemoYAMLWithSystems("    systems:\n"+systemsShopYAML+`      - id: crm
        name: CRM
        kind: webhook
        role: processor
        requests: [access, erasure]
        webhook:
          url: `+crmURL+`
          secret: {env: CRM_SECRET}
`+systemsArchiveYAML, "user.unique_id")
}

// correctionYAML is the demo manifest with the SQLite shop taking part in
// rectifications too, customers.name the column they may change, and the
// manual archive, which takes no part in them.
func correctionYAML(t *testing.T) []byte {
	t.Helper()
	shop := strings.Replace(systemsShopYAML, "requests: [access, erasure]", "requests: [access, erasure, rectification]", 1)
	shop = strings.Replace(shop, "{name: name, category: user.name}", "{name: name, category: user.name, rectify: true}", 1)
	if shop == systemsShopYAML || !strings.Contains(shop, "rectification") || !strings.Contains(shop, "rectify: true") {
		t.Fatal("correctionYAML: the shop's system changed; update the replacements")
	}
	return manifest.DemoYAMLWithSystems("    systems:\n"+shop+systemsArchiveYAML, "user.unique_id")
}

// systemsShopYAML is the SQLite shop's system, taking part in access and
// erasure.
const systemsShopYAML = `      - id: shop
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
`

// systemsArchiveYAML is the manual archive, after the shop, taking part in
// access and erasure.
const systemsArchiveYAML = `      - id: archive
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

// drainSystems runs the runner until no job is due.
func drainSystems(t *testing.T, r *jobs.Runner) {
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

func systemsZipFile(t *testing.T, b []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			data, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
	t.Fatalf("no %s in the package", name)
	return nil
}
