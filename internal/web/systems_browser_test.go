package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/custos-privacy/custos/internal/browsertest"
	"github.com/custos-privacy/custos/internal/connector/sqlds"
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
// instructions; they mark it done with a note and complete the request,
// whose package then holds the shop's and the CRM's data and the
// archive's note. It saves the screenshots console-request-plan and
// console-request-steps.
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
	be.requests.Jobs, be.requests.Engines, be.requests.Secrets = be.db, systemsShopEngines{openSystemsShop(t)}, systemsSecrets{}
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
	ot := be.open(t, visit{lang: "en", url: be.srv.URL + "/console/sign-in"})
	ot.do(chromedp.EmulateViewport(1280, 900))
	ot.wait(`document.querySelector("#email")`)
	ot.do(chromedp.SendKeys(chromedp.ID("email"), officerEmail), chromedp.SendKeys(chromedp.ID("password"), officerPassword),
		chromedp.SendKeys(chromedp.ID("code"), staff.TOTPCode(secret, clk.Now())))
	ot.do(chromedp.Submit(chromedp.ID("email")))
	ot.wait(`location.pathname == "/console/"`)
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

	// Mark the archive done with a note.
	const note = "No letters from Ada in the cabinet."
	ot.do(chromedp.SendKeys(chromedp.JSPath(archive+`.querySelector("textarea[name=note]")`), note))
	ot.click(archive + `.querySelector("form[action$='/done'] button")`)
	ot.wait(`location.search == "?done=step_done" && document.querySelectorAll("section.steps li.step.st-done").length == 3`)
	if got := eval[string](ot, archive+`.textContent`); !strings.Contains(got, note) || !strings.Contains(got, officerEmail) {
		t.Errorf("the archive's step does not show the note and who did it: %q", got)
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
}

var systemsCRMSecret = []byte("the CRM's shared secret, 32 byte")

type systemsSecrets struct{}

func (systemsSecrets) Secret(*manifest.Secret) ([]byte, error) { return systemsCRMSecret, nil }

// systemsShopEngines opens the test's SQLite shop for every SQL system.
type systemsShopEngines struct{ db *sql.DB }

func (s systemsShopEngines) Engine(ctx context.Context, site *manifest.Site, sys *manifest.System) (*sqlds.Engine, error) {
	return sqlds.New(sys.Kind, s.db, sys.Dataset, sqlds.SiteHold(site), bytes.Repeat([]byte{9}, 32))
}

// systemsYAML is the demo manifest with a SQLite shop, a CRM by webhook at
// crmURL, and a manual archive that comes after the shop.
func systemsYAML(t *testing.T, crmURL string) []byte {
	t.Helper()
	return manifest.DemoYAMLWithSystems(`    systems:
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
      - id: crm
        name: CRM
        kind: webhook
        role: processor
        requests: [access, erasure]
        webhook:
          url: `+crmURL+`
          secret: {env: CRM_SECRET}
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
`, "user.unique_id")
}

// openSystemsShop creates the shop: Ada (ada@example.com) with two orders,
// Bob with one.
func openSystemsShop(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sqlds.Open(context.Background(), "sqlite", filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
		CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), note TEXT);
		INSERT INTO customers VALUES (1, 'ada@example.com', 'Ada'), (2, 'bob@example.com', 'Bob');
		INSERT INTO orders VALUES (10, 1, 'gift'), (11, 1, NULL), (20, 2, 'for Bob')`); err != nil {
		t.Fatal(err)
	}
	return db
}

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
