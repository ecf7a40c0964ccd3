package web_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/custos-privacy/custos/internal/browsertest"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/staff"
)

// TestBrowserRequestWalk walks a request for a copy of one's data from
// start to end in Chromium, as the README tells a newcomer to try it: a
// visitor files it through the privacy centre's form, with their banner
// consent id; a privacy officer signs in to the console with a TOTP code
// and reads the e-mailed code in the outbox (the demo sends no e-mail);
// the visitor confirms with it; the officer finds the request in the
// queue, opens it, approves and completes it; the visitor downloads the
// answer from the status page after a second code. It saves the
// screenshots console-outbox, console-requests, console-request and
// request-completed.
func TestBrowserRequestWalk(t *testing.T) {
	clk := &clock{now: time.Now()}
	var svc *staff.Service
	be := newBrowserEnv(t, withRequests, withConsole(clk, &svc))
	const officerEmail, email = "officer@example.com", "ada@example.com"
	secret := newOfficer(t, svc, clk, officerEmail)

	// Other people's requests, so that the queue and the outbox look as
	// they would: three laws, three deadlines.
	w := &walker{env: be.env}
	for i, c := range []walkCase{
		{typ: custos.RequestErasure, region: "US-CA"},
		{typ: custos.RequestInformation, region: "BR"},
		{typ: custos.RequestObjection, objection: custos.ObjectDirectMarketing, region: "DE"},
	} {
		w.file(c, be.newPerson([]string{"grace@example.org", "linus@example.net", "barbara@example.com"}[i], c.region))
	}

	// The visitor accepts the banner on the privacy centre, then asks for a
	// copy of their data with this browser's consent id.
	vt := be.open(t, visit{lang: "en", url: be.srv.URL + "/privacy/demo"})
	vt.do(chromedp.EmulateViewport(1280, 900))
	vt.firstLayer()
	vt.click(in(`[data-a=accept]`))
	consentCookie, _ := vt.recorded()
	vt.wait(`!` + in(".b"))
	vt.click(`document.querySelector("#request-link")`)
	vt.wait(`location.pathname == "/privacy/demo/requests/new" && document.querySelector("#consent-choice") && !document.querySelector("#consent-choice").hidden`)
	vt.do(chromedp.Click(chromedp.ID("type-access")))
	vt.do(chromedp.SendKeys(chromedp.ID("email"), email))
	vt.do(chromedp.SendKeys(chromedp.ID("region"), "FR"))
	vt.do(chromedp.Click(chromedp.ID("include-consent")))
	vt.do(chromedp.Submit(chromedp.ID("email")))
	vt.wait(`location.pathname == "/privacy/demo/requests/code" && document.querySelector("#code")`)
	vt.noViolations()

	// The officer signs in with the password and a code of their app.
	ot := be.open(t, visit{lang: "en", url: be.srv.URL + "/console/sign-in"})
	ot.do(chromedp.EmulateViewport(1280, 900))
	ot.wait(`document.querySelector("#email")`)
	ot.do(chromedp.SendKeys(chromedp.ID("email"), officerEmail), chromedp.SendKeys(chromedp.ID("password"), officerPassword),
		chromedp.SendKeys(chromedp.ID("code"), staff.TOTPCode(secret, clk.Now())))
	ot.do(chromedp.Submit(chromedp.ID("email")))
	ot.wait(`location.pathname == "/console/" && document.querySelector("header nav a[href='/console/outbox']")`)
	shot := func(tb *tab, name string) {
		t.Helper()
		browsertest.Screenshot(t, tb.ctx, name, true)
	}

	// The outbox: the newest e-mail is the visitor's code.
	ot.click(`document.querySelector("header nav a[href='/console/outbox']")`)
	ot.wait(`location.pathname == "/console/outbox" && document.querySelector("main table tbody tr")`)
	first := eval[[]string](ot, `[...document.querySelector("main table tbody tr").children].map(c => c.textContent.trim())`)
	if len(first) < 4 || first[1] != email || first[3] != "verify" {
		t.Fatalf("the outbox's newest e-mail: %q", first)
	}
	if n := eval[int](ot, `document.querySelectorAll("main table tbody tr").length`); n != len(be.mails()) {
		t.Errorf("the outbox lists %d e-mails, the store holds %d", n, len(be.mails()))
	}
	ot.noViolations()
	shot(ot, "console-outbox")
	ot.click(`document.querySelector("main table tbody tr th a")`)
	ot.wait(`location.pathname.startsWith("/console/outbox/") && document.querySelector("pre.mailbody")`)
	m := codeRE.FindStringSubmatch(eval[string](ot, `document.querySelector("pre.mailbody").textContent`))
	if m == nil || m[1] != be.codeFor(email, "verify") {
		t.Fatalf("the e-mail in the outbox shows the code %q, the store holds %s", m, be.codeFor(email, "verify"))
	}

	// The visitor gives the code: the status page opens.
	vt.do(chromedp.SendKeys(chromedp.ID("code"), m[1]))
	vt.do(chromedp.Submit(chromedp.ID("code")))
	vt.wait(`location.pathname.startsWith("/privacy/demo/requests/rq_") && document.querySelector("#request-state")`)
	if got := eval[string](vt, `document.querySelector("#request-state").textContent`); got != "Received; waiting to be dealt with" {
		t.Errorf("state %q", got)
	}
	statusURL := eval[string](vt, `location.href`)
	id := strings.TrimPrefix(eval[string](vt, `location.pathname`), "/privacy/demo/requests/")
	if r := w.request(id); r.State != custos.StateOpen || r.ConsentSubject != consentCookie.ID || r.Region != "FR" || r.Email != email {
		t.Fatalf("the request: %+v", r)
	}

	// The queue lists it, with the others.
	ot.click(`document.querySelector("header nav a[href='/console/requests']")`)
	row := `document.querySelector("main table.queue a[href='/console/requests/` + id + `']")`
	ot.wait(`location.pathname == "/console/requests" && ` + row)
	if n := eval[int](ot, `document.querySelectorAll("main table.queue tbody tr").length`); n != 4 {
		t.Errorf("the queue lists %d requests, want 4", n)
	}
	ot.noViolations()
	shot(ot, "console-requests")

	// Its page: the address, the deadlines, the actions.
	ot.click(row)
	ot.wait(`location.pathname == "/console/requests/` + id + `" && document.querySelector("form[action$='/approve']")`)
	if got := eval[string](ot, `document.querySelector("dl.facts").textContent`); !strings.Contains(got, email) || !strings.Contains(got, consentCookie.ID) {
		t.Errorf("the request's page does not show the address and the consent id: %q", got)
	}
	ot.noViolations()
	shot(ot, "console-request")

	// Approve, then complete.
	ot.click(`document.querySelector("form[action$='/approve'] button")`)
	ot.wait(`location.search == "?done=approved" && document.querySelector("form[action$='/complete']") && document.querySelector("#result-title")`)
	ot.click(`document.querySelector("form[action$='/complete'] button")`)
	ot.wait(`location.search == "?done=completed" && document.querySelector("p.ok") && !document.querySelector("input[name=version]")`)
	if r := w.request(id); r.State != custos.StateCompleted {
		t.Fatalf("after completing: %s", r.State)
	}
	ot.noViolations()

	// The visitor comes back to the status page and downloads the answer.
	vt.do(chromedp.Navigate(statusURL))
	vt.wait(`document.querySelector("#request-state").textContent == "Answered" && document.querySelector("#download-form")`)
	vt.click(`document.querySelector("#download-form button")`)
	vt.wait(`location.pathname == "/privacy/demo/requests/` + id + `/download" && document.querySelector("#code")`)
	dir := t.TempDir()
	if _, err := chromedp.Call(vt.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true),
		BrowserContextID: chromedp.FromContext(vt.ctx).BrowserContextID,
	}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(vt.ctx, 20*time.Second)
	defer cancel()
	progress := chromedp.Events(wctx, browser.DownloadProgress)
	vt.do(chromedp.SendKeys(chromedp.ID("code"), be.codeFor(email, "download_code")))
	vt.do(chromedp.Submit(chromedp.ID("code")))
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the download was cancelled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(dir, ev.GUID)
			break
		}
	}
	checkDownloadedPackage(t, file, id, consentCookie.ID)

	vt.do(chromedp.Navigate(statusURL))
	vt.wait(`document.querySelector("#request-state").textContent == "Answered" && [...document.querySelectorAll(".timeline li")].some(li => li.textContent.includes("Answer downloaded"))`)
	vt.noViolations()
	shot(vt, "request-completed")
}

func ptr[T any](v T) *T { return &v }

// checkDownloadedPackage opens the ZIP the browser saved: its data.json is
// about request id and holds the records of the browser's consent id.
func checkDownloadedPackage(t *testing.T, file, id, subject string) {
	t.Helper()
	zr, err := zip.OpenReader(file)
	if err != nil {
		t.Fatalf("the downloaded answer is not a ZIP: %v", err)
	}
	defer zr.Close()
	f, err := zr.Open("data.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Request  struct{ ID string } `json:"request"`
		Consents []custos.Consent    `json:"consents"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("data.json: %v", err)
	}
	if d.Request.ID != id || len(d.Consents) != 1 || d.Consents[0].Subject != subject || d.Consents[0].Method != custos.MethodAcceptAll {
		t.Errorf("data.json: %+v", d)
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
		t.Errorf("the downloaded file: %v %v", fi, err)
	}
}
