package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/console"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/staff"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// Every type of data subject request, walked from the person's form to its
// completion through the whole server: filed through POST /api/v1/requests
// (some through the privacy centre's form), confirmed with the e-mailed
// code, approved and completed by a privacy officer signed in to the
// console, and then seen from the person's side (the status page, the
// download) and in the store (what approving did to the consent ledger and
// the marks). The browser walks the same road in requests_browser_test.go.

const officerPassword = "plum-Kettle-orbit-7-Tundra"

// withConsole mounts the staff console on the test's store, with a staff
// service on clk that it stores in *svc; with withRequests the console
// works the server's requests (see newEnv).
func withConsole(clk *clock, svc **staff.Service) func(*options) {
	return func(o *options) {
		o.console = func(db *store.DB, signer *consent.Signer, current func() *manifest.Manifest) interface{ Register(*http.ServeMux) } {
			*svc = &staff.Service{Store: db, Audit: db, Now: clk.Now}
			return &console.Console{Staff: *svc, Store: db, Signer: signer, Manifest: current, Source: "demo",
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		}
	}
}

// newOfficer creates a privacy officer with a password and a TOTP second
// factor, and returns its secret. The clock moves a step on, so that the
// next code is one the officer has not used.
func newOfficer(t *testing.T, svc *staff.Service, clk *clock, email string) []byte {
	t.Helper()
	ctx := context.Background()
	u, setup, err := svc.CreateUser(ctx, email, custos.RolePrivacyOfficer, "cli")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CompleteSetup(ctx, setup, officerPassword); err != nil {
		t.Fatal(err)
	}
	secret, _, err := svc.EnrollTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ConfirmTOTP(ctx, u.ID, secret, staff.TOTPCode(secret, clk.Now())); err != nil {
		t.Fatal(err)
	}
	clk.step()
	return secret
}

// noHoldManifest is the demo manifest without its legal hold on consent
// records, so that an erasure removes them.
func noHoldManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	y := string(manifest.DemoYAML())
	const hold = `        legal_hold: "GDPR Art. 7(1): we must be able to show that you consented"` + "\n"
	if !strings.Contains(y, hold) {
		t.Fatal("the demo manifest no longer holds consent records for a legal obligation; update the test")
	}
	m, err := manifest.Parse("demo.yaml", []byte(strings.Replace(y, hold, "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if dc := m.Site("demo").DataCategory(custos.ConsentDataCategory); dc == nil || dc.LegalHold != "" {
		t.Fatalf("the consent records' data category: %+v", dc)
	}
	return m
}

// officer is a staff member's browser on the console: a cookie jar, and
// every request sent as from a console page (same origin), as the
// console's cross-origin protection wants.
type officer struct {
	t      *testing.T
	base   string
	client *http.Client
}

func (o *officer) on(t *testing.T) *officer { c := *o; c.t = t; return &c }

// signIn signs in through the console's form with the password and a
// fresh TOTP code.
func (e *env) signIn(email string, secret []byte, clk *clock) *officer {
	e.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	o := &officer{t: e.t, base: e.srv.URL, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	s, loc, body := o.send("POST", "/console/sign-in", url.Values{"email": {email}, "password": {officerPassword},
		"code": {staff.TOTPCode(secret, clk.Now())}, "next": {"/console/requests"}})
	if s != http.StatusSeeOther || loc != "/console/requests" {
		e.t.Fatalf("signing in: %d %q\n%s", s, loc, body)
	}
	if s, _, _ := o.send("GET", "/console/requests", nil); s != http.StatusOK {
		e.t.Fatalf("the queue after signing in: %d", s)
	}
	return o
}

// send returns the status, the Location and the body, HTML-unescaped.
func (o *officer) send(method, path string, form url.Values) (int, string, string) {
	o.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, o.base+path, body)
	if err != nil {
		o.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if method != http.MethodGet {
		req.Header.Set("Origin", o.base)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		o.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), html.UnescapeString(string(b))
}

// page opens a console page, which must answer 200.
func (o *officer) page(path string) string {
	o.t.Helper()
	s, _, body := o.send("GET", path, nil)
	if s != http.StatusOK {
		o.t.Fatalf("%s: %d\n%s", path, s, body)
	}
	return body
}

var consoleVersionRE = regexp.MustCompile(`name="version" value="([0-9]+)"`)

// done is the message key each action's redirect carries.
var done = map[string]string{"approve": "approved", "complete": "completed", "deny": "denied", "extend": "extended"}

// act opens request id's page, sends action's form with the version the
// page showed, follows the redirect back and returns the page.
func (o *officer) act(id, action string, form url.Values) string {
	o.t.Helper()
	page := o.page("/console/requests/" + id)
	m := consoleVersionRE.FindStringSubmatch(page)
	if m == nil {
		o.t.Fatalf("%s: the request's page has no versioned form", action)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("version", m[1])
	s, loc, body := o.send("POST", "/console/requests/"+id+"/"+action, form)
	if want := "/console/requests/" + id + "?done=" + done[action]; s != http.StatusSeeOther || loc != want {
		o.t.Fatalf("%s: %d %q, want a redirect to %s\n%s", action, s, loc, want, body)
	}
	return o.page(loc)
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// walker is the server, its console's privacy officer, and a bystander
// whose consent records nothing may touch.
type walker struct {
	*env
	officer   *officer
	bystander *person
}

func (w *walker) on(t *testing.T) *walker {
	e := *w.env
	e.t = t
	return &walker{env: &e, officer: w.officer.on(t), bystander: w.bystander}
}

// person is who files a request: an address, and the consent id of their
// browser with the consent records it holds (a refusal, then an
// acceptance of everything).
type person struct {
	email, subject, region string
	consents               []string
}

func randomSubject(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "walk-" + hex.EncodeToString(b)
}

func (e *env) newPerson(email, region string) *person {
	e.t.Helper()
	p := &person{email: email, subject: randomSubject(e.t), region: region}
	for _, method := range []string{"reject_all", "accept_all"} {
		in := e.validInput(p.subject)
		in["method"] = method
		for k := range in["choices"].(map[string]any) {
			if method == "accept_all" {
				in["choices"].(map[string]any)[k] = true
			}
		}
		in["region"] = region
		s, _, b := e.do("POST", "/api/v1/consents", in)
		if s != http.StatusCreated {
			e.t.Fatalf("recording %s's consent: %d %s", email, s, b)
		}
		p.consents = append(p.consents, decode[custos.Consent](e.t, b).ID)
	}
	return p
}

// history returns the consent records of subject, oldest first.
func (e *env) history(subject string) []*custos.Consent {
	e.t.Helper()
	cs, err := e.db.ConsentHistory(context.Background(), "demo", subject)
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

func (e *env) request(id string) *custos.Request {
	e.t.Helper()
	r, err := e.db.Request(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// result decodes what approving request id did.
type walkResult struct {
	Consents  int              `json:"consents"`
	Subjects  int              `json:"subjects"`
	Answer    string           `json:"answer"`
	Erased    map[string]int64 `json:"erased"`
	Kept      []map[string]any `json:"kept"`
	Withdrawn int              `json:"withdrawn"`
	Marked    string           `json:"marked"`
	Note      string           `json:"note"`
}

func (e *env) result(id string) walkResult {
	e.t.Helper()
	return decode[walkResult](e.t, []byte(e.request(id).Result))
}

func (e *env) marks(email string) []*custos.SubjectMark {
	e.t.Helper()
	ms, err := e.db.SubjectMarks(context.Background(), "demo", e.requests.EmailHash(email))
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

func (e *env) countConsents() int64 {
	e.t.Helper()
	n, err := e.db.CountConsents(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// statusLinkRE finds the status link of a "received" e-mail.
var statusLinkRE = regexp.MustCompile(`https?://\S+/privacy/demo/requests/rq_[a-z2-7]+\?t=[A-Za-z0-9_-]+`)

// statusParts splits a status page's path into the request id and token.
func statusParts(t *testing.T, path string) (id, token string) {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	id, ok := strings.CutPrefix(u.Path, "/privacy/demo/requests/")
	if !ok || !strings.HasPrefix(id, "rq_") || u.Query().Get("t") == "" {
		t.Fatalf("not a status page: %q", path)
	}
	return id, u.Query().Get("t")
}

// sameOrigin are the headers of a form the centre's own page sent.
func (e *env) sameOrigin() []string {
	return []string{"Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL}
}

// walkCase is one request, from filing to completion.
type walkCase struct {
	name      string
	typ       custos.RequestType
	objection string
	region    string
	details   string
	form      bool     // filed and confirmed through the centre's forms, not the API
	optOut    bool     // needs no verification (an opt-out under the CCPA)
	refuses   []string // the categories the new consent record refuses; nil: no new record
}

// The demo's categories: necessary is required; marketing and social_media
// are sale or sharing; marketing serves the purposes of direct marketing
// (marketing_emails, advertising); no category serves a purpose on
// legitimate interests (security has none).
var walkCases = []walkCase{
	{name: "api/information", typ: custos.RequestInformation, region: "FR"},
	{name: "api/access", typ: custos.RequestAccess, region: "FR"},
	{name: "api/portability", typ: custos.RequestPortability, region: "DE"},
	{name: "api/erasure", typ: custos.RequestErasure, region: "FR"},
	{name: "api/rectification", typ: custos.RequestRectification, region: "FR",
		details: "My surname is Lovelace, not Lovelase.\nPlease correct it everywhere."},
	{name: "api/restriction", typ: custos.RequestRestriction, region: "FR"},
	{name: "api/objection-legitimate_interests", typ: custos.RequestObjection, objection: custos.ObjectLegitimateInterests, region: "FR"},
	{name: "api/objection-direct_marketing", typ: custos.RequestObjection, objection: custos.ObjectDirectMarketing, region: "FR",
		refuses: []string{"marketing"}},
	{name: "api/objection-sale_sharing", typ: custos.RequestObjection, objection: custos.ObjectSaleSharing, region: "US-CA", optOut: true,
		refuses: []string{"marketing", "social_media"}},
	{name: "api/consent_withdrawal", typ: custos.RequestConsentWithdrawal, region: "FR",
		refuses: []string{"performance", "functionality", "marketing", "social_media"}},
	{name: "form/access", typ: custos.RequestAccess, region: "FR", form: true},
	{name: "form/objection-direct_marketing", typ: custos.RequestObjection, objection: custos.ObjectDirectMarketing, region: "DE", form: true,
		refuses: []string{"marketing"}},
	{name: "form/objection-sale_sharing", typ: custos.RequestObjection, objection: custos.ObjectSaleSharing, region: "US-CA", form: true, optOut: true,
		refuses: []string{"marketing", "social_media"}},
}

// TestRequestWalkEveryType walks every type of request, on both engines,
// with one denial and one extension besides.
func TestRequestWalkEveryType(t *testing.T) {
	storetest.Engines(t, testRequestWalkEveryType)
}

func testRequestWalkEveryType(t *testing.T, db *store.DB) {
	clk := &clock{now: time.Now()}
	var svc *staff.Service
	m := noHoldManifest(t)
	e := newEnv(t, db, withRequests, withConsole(clk, &svc), func(o *options) { o.manifest = m })
	secret := newOfficer(t, svc, clk, "officer@example.com")
	w := &walker{env: e, officer: e.signIn("officer@example.com", secret, clk)}
	w.bystander = e.newPerson("bystander@example.com", "FR")

	// Every type is walked through the API; a few again through the forms.
	types := map[custos.RequestType]bool{}
	for _, c := range walkCases {
		if !c.form {
			types[c.typ] = true
		}
		t.Run(c.name, func(t *testing.T) { w.on(t).walk(c) })
	}
	for _, typ := range custos.RequestTypes {
		if !types[typ] {
			t.Errorf("no walk files a %s request through the API", typ)
		}
	}
	t.Run("denied", func(t *testing.T) { w.on(t).deny() })
	t.Run("extended", func(t *testing.T) { w.on(t).extend() })
	t.Run("outbox", func(t *testing.T) { w.on(t).outbox() })

	// Nothing touched the bystander's records.
	if h := e.history(w.bystander.subject); len(h) != 2 || h[0].ID != w.bystander.consents[0] || h[1].ID != w.bystander.consents[1] {
		t.Errorf("the bystander's consent records changed: %+v", h)
	}
}

// file files c for p, through the API or the form, and confirms it; it
// returns the path of the request's status page.
func (w *walker) file(c walkCase, p *person) string {
	t := w.t
	t.Helper()
	if c.form {
		form := url.Values{"lang": {"en"}, "type": {string(c.typ)}, "email": {p.email}, "region": {c.region}, "details": {c.details},
			"objection": {c.objection}, "include_consent": {"1"}, "consent_id": {p.subject}, "website": {""}}
		pg := w.postPage("/privacy/demo/requests/new", form, w.sameOrigin()...)
		loc := pg.header.Get("Location")
		if c.optOut {
			if pg.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/privacy/demo/requests/received?") {
				t.Fatalf("filing the opt-out: %d %q\n%s", pg.status, loc, pg.body)
			}
			if pg := w.getPage(loc); pg.status != http.StatusOK || !strings.Contains(pg.body, "We have received your request") {
				t.Errorf("the received page: %d", pg.status)
			}
			return w.linkInReceived(p.email)
		}
		if pg.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/privacy/demo/requests/code?") {
			t.Fatalf("filing: %d %q\n%s", pg.status, loc, pg.body)
		}
		u, _ := url.Parse(loc)
		pg = w.postPage("/privacy/demo/requests/code", url.Values{"lang": {"en"}, "c": {u.Query().Get("c")},
			"code": {w.codeFor(p.email, "verify")}}, w.sameOrigin()...)
		loc = pg.header.Get("Location")
		if pg.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/privacy/demo/requests/rq_") {
			t.Fatalf("the code: %d %q\n%s", pg.status, loc, pg.body)
		}
		return loc
	}

	body := fileBody(string(c.typ), p.email)
	body["region"], body["consent_id"] = c.region, p.subject
	if c.details != "" {
		body["details"] = c.details
	}
	if c.objection != "" {
		body["objection"] = c.objection
	}
	s, hdr, b := w.do("POST", "/api/v1/requests", body)
	if s != http.StatusAccepted || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("filing: %d %s", s, b)
	}
	tk := decode[map[string]any](t, b)
	if c.optOut {
		// The law lets an opt-out through unverified: no challenge, no code.
		if tk["verify"] != false || tk["challenge"] != nil {
			t.Fatalf("the opt-out's ticket: %s", b)
		}
		return w.linkInReceived(p.email)
	}
	challenge, _ := tk["challenge"].(string)
	if tk["verify"] != true || !strings.HasPrefix(challenge, "ch_") {
		t.Fatalf("ticket: %s", b)
	}
	s, _, b = w.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": challenge, "code": w.codeFor(p.email, "verify")})
	if s != http.StatusOK {
		t.Fatalf("verifying: %d %s", s, b)
	}
	v := decode[struct {
		Request   struct{ ID, Type, State string }
		StatusURL string `json:"status_url"`
	}](t, b)
	if v.Request.Type != string(c.typ) || v.Request.State != string(custos.StateOpen) || !strings.HasPrefix(v.StatusURL, w.srv.URL+"/privacy/demo/requests/"+v.Request.ID+"?t=") {
		t.Fatalf("verified: %s", b)
	}
	return strings.TrimPrefix(v.StatusURL, w.srv.URL)
}

// linkInReceived returns the status page's path from the "received"
// e-mail to email, which must be the only e-mail sent to it: an opt-out is
// not verified.
func (w *walker) linkInReceived(email string) string {
	w.t.Helper()
	for _, m := range w.mails() {
		if m.To == email && m.Template != "received" {
			w.t.Errorf("a %s e-mail went to %s", m.Template, email)
		}
	}
	l := statusLinkRE.FindString(w.lastMail(email, "received").Text)
	if l == "" {
		w.t.Fatal("the received e-mail has no status link")
	}
	return strings.TrimPrefix(l, w.srv.URL)
}

// walk files c, has the officer approve and complete it, and checks what
// the person sees and what it did.
func (w *walker) walk(c walkCase) {
	t := w.t
	email := strings.NewReplacer("/", "-", "_", "-").Replace(c.name) + "@example.com"
	p := w.newPerson(email, c.region)
	others := w.countConsents() - int64(len(p.consents))

	status := w.file(c, p)
	id, token := statusParts(t, status)
	link := "/privacy/demo/requests/" + id + "?t=" + token // as the e-mails give it
	rq := w.request(id)
	if rq.State != custos.StateOpen || rq.Type != c.typ || rq.Objection != c.objection || rq.Region != c.region ||
		rq.ConsentSubject != p.subject || rq.Details != c.details || rq.Email != email || rq.Site != "demo" {
		t.Fatalf("the request filed: %+v", rq)
	}
	if c.optOut && rq.VerifiedAt.IsZero() {
		t.Error("the opt-out is open but not dated as verified")
	}
	received := w.lastMail(email, "received")
	if received.RequestID != id || !strings.Contains(received.Text, w.srv.URL+link) {
		t.Errorf("the received e-mail does not link the status page %s:\n%s", link, received.Text)
	}
	pg := w.getPage(status)
	if pg.status != http.StatusOK || !strings.Contains(pg.body, `state-open" id="request-state">Received; waiting to be dealt with<`) {
		t.Fatalf("the status page of the open request: %d\n%s", pg.status, pg.body)
	}

	// The officer finds it in the queue, opens it, approves and completes.
	o := w.officer
	if q := o.page("/console/requests"); !strings.Contains(q, `href="/console/requests/`+id+`"`) || strings.Contains(q, email) {
		t.Errorf("the queue does not list %s, or shows the address", id)
	}
	page := o.page("/console/requests/" + id)
	mustContain(t, "the request's page", page, email, id, "Open", rq.Law)
	if c.details != "" {
		mustContain(t, "the request's page", page, c.details)
	}
	if c.objection != "" {
		mustContain(t, "the request's page", page, map[string]string{
			custos.ObjectLegitimateInterests: "processing based on legitimate interests",
			custos.ObjectDirectMarketing:     "direct marketing",
			custos.ObjectSaleSharing:         "sale or sharing of personal data",
		}[c.objection])
	}
	page = o.act(id, "approve", nil)
	mustContain(t, "the page after approving", page, "The request is approved and carried out; complete it to tell the person.", "In progress", "What was done")
	if r := w.request(id); r.State != custos.StateInProgress {
		t.Fatalf("after approving: %s", r.State)
	}
	res := w.result(id)
	page = o.act(id, "complete", nil)
	mustContain(t, "the page after completing", page, "The request is completed; the person is e-mailed.", "Completed")
	r := w.request(id)
	if r.State != custos.StateCompleted || r.ClosedAt.IsZero() {
		t.Fatalf("after completing: %+v", r)
	}
	if m := w.lastMail(email, "completed"); m.RequestID != id || !strings.Contains(m.Text, w.srv.URL+link) {
		t.Errorf("the completed e-mail does not link the status page:\n%s", m.Text)
	}

	// The person's status page says it is answered.
	pg = w.getPage(status)
	checkPage(t, "status", pg)
	if pg.status != http.StatusOK || !strings.Contains(pg.body, `state-completed" id="request-state">Answered<`) || !strings.Contains(pg.body, "Answer sent") {
		t.Fatalf("the status page of the completed request: %d\n%s", pg.status, pg.body)
	}
	hasDownload := strings.Contains(pg.body, `id="download-form"`)

	// What it did.
	unchanged := func() {
		t.Helper()
		if h := w.history(p.subject); len(h) != len(p.consents) {
			t.Errorf("the person's consent records changed: %d, had %d", len(h), len(p.consents))
		}
	}
	switch c.typ {
	case custos.RequestInformation:
		a := w.download(email, status, pg)
		if ct := a.header.Get("Content-Type"); ct != "text/html; charset=utf-8" || !strings.HasPrefix(strings.ToLower(a.body), "<!doctype html") ||
			!strings.Contains(a.body, "Demo Corporation") {
			t.Errorf("the information: %s, %.200s", ct, a.body)
		}
		if cd := a.header.Get("Content-Disposition"); cd != "attachment; filename=information-"+id+".html" {
			t.Errorf("Content-Disposition %q", cd)
		}
		if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Errorf("the HTML answer may run as a page of this origin: %q", csp)
		}
		unchanged()

	case custos.RequestAccess, custos.RequestPortability:
		a := w.download(email, status, pg)
		if ct, cd := a.header.Get("Content-Type"), a.header.Get("Content-Disposition"); ct != "application/zip" || cd != "attachment; filename=custos-demo-"+id+".zip" {
			t.Errorf("the package: %s, %s", ct, cd)
		}
		checkPackage(t, []byte(a.body), id, c.typ, p)
		if res.Answer != "custos-demo-"+id+".zip" || res.Consents != len(p.consents) || res.Subjects != 1 {
			t.Errorf("the result: %+v", res)
		}
		unchanged()

	case custos.RequestErasure:
		if h := w.history(p.subject); len(h) != 0 {
			t.Errorf("the erasure left %d consent records", len(h))
		}
		if s, _, b := w.do("GET", "/api/v1/consents/"+p.subject+"?site=demo", nil); s != http.StatusNotFound {
			t.Errorf("the erased subject's consent state: %d %s", s, b)
		}
		if n := w.countConsents(); n != others {
			t.Errorf("the ledger holds %d records, want the %d of others", n, others)
		}
		links, err := w.db.SubjectLinks(context.Background(), "demo", w.requests.EmailHash(email))
		if err != nil || len(links) != 0 {
			t.Errorf("the address's consent ids: %v %v", links, err)
		}
		if res.Erased["consents"] != int64(len(p.consents)) || res.Erased["links"] != 1 {
			t.Errorf("the result: %+v", res)
		}
		if len(res.Kept) != 1 || res.Kept[0]["data_category"] != custos.RequestDataCategory {
			t.Errorf("kept: %+v (without a legal hold only the request itself is kept)", res.Kept)
		}

	case custos.RequestRectification:
		if res.Note == "" {
			t.Errorf("the result says nothing of the correction: %+v", res)
		}
		unchanged()

	case custos.RequestRestriction:
		ms := w.marks(email)
		if len(ms) != 1 || ms[0].Kind != custos.MarkRestricted || ms[0].RequestID != id || !ms[0].LiftedAt.IsZero() {
			t.Errorf("the marks: %+v", ms)
		}
		if res.Marked != custos.MarkRestricted {
			t.Errorf("the result: %+v", res)
		}
		unchanged()

	case custos.RequestObjection, custos.RequestConsentWithdrawal:
		ms := w.marks(email)
		if c.typ == custos.RequestObjection {
			if len(ms) != 1 || ms[0].Kind != custos.MarkObjected || ms[0].Detail != c.objection || ms[0].RequestID != id {
				t.Errorf("the marks: %+v", ms)
			}
		} else if len(ms) != 0 {
			t.Errorf("a withdrawal left marks: %+v", ms)
		}
		h := w.history(p.subject)
		if c.refuses == nil {
			// Nothing the person consented to serves what they object to.
			if len(h) != len(p.consents) || res.Withdrawn != 0 {
				t.Errorf("an objection that refuses nothing wrote %d records (result %+v)", len(h)-len(p.consents), res)
			}
			break
		}
		if len(h) != len(p.consents)+1 || res.Withdrawn != 1 {
			t.Fatalf("%d consent records after the request, had %d (result %+v)", len(h), len(p.consents), res)
		}
		last := h[len(h)-1]
		if last.Method != custos.MethodWithdraw || last.Receipt == "" || last.ManifestFingerprint != w.site.Fingerprint() {
			t.Errorf("the new record: %+v", last)
		}
		for _, cat := range w.site.Categories {
			if want := !slices.Contains(c.refuses, cat.ID); last.Choices[cat.ID] != want {
				t.Errorf("the new record's %s is %v, want %v", cat.ID, last.Choices[cat.ID], want)
			}
		}
		// The consent API tells the site the new choice.
		s, _, b := w.do("GET", "/api/v1/consents/"+p.subject+"?site=demo", nil)
		st := decode[map[string]any](t, b)
		if s != http.StatusOK || st["method"] != string(custos.MethodWithdraw) || st["id"] != last.ID {
			t.Errorf("the consent state after the request: %d %s", s, b)
		}
	}
	if want := c.typ == custos.RequestInformation || c.typ == custos.RequestAccess || c.typ == custos.RequestPortability; hasDownload != want {
		t.Errorf("the status page offers a download: %v", hasDownload)
	}
	if w.t.Failed() {
		return
	}
	if h := w.history(w.bystander.subject); len(h) != 2 {
		t.Errorf("the bystander has %d consent records", len(h))
	}
}

// download asks for the download code on the completed request's status
// page, reads it from the e-mail and fetches the file.
func (w *walker) download(email, status string, pg htmlPage) htmlPage {
	t := w.t
	t.Helper()
	id, token := statusParts(t, status)
	action := "/privacy/demo/requests/" + id + "/download"
	if !strings.Contains(pg.body, `action="`+action+`"`) {
		t.Fatalf("the status page offers no download:\n%s", pg.body)
	}
	pg = w.postPage(action, url.Values{"t": {token}, "lang": {"en"}}, w.sameOrigin()...)
	m := regexp.MustCompile(`name="c" value="(ch_[a-z2-7]+)"`).FindStringSubmatch(pg.body)
	if pg.status != http.StatusOK || m == nil {
		t.Fatalf("asking for the download code: %d\n%s", pg.status, pg.body)
	}
	pg = w.postPage("/privacy/demo/requests/"+id+"/file", url.Values{"t": {token}, "c": {m[1]},
		"code": {w.codeFor(email, "download_code")}, "lang": {"en"}}, w.sameOrigin()...)
	if pg.status != http.StatusOK || pg.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("the file: %d %v", pg.status, pg.header)
	}
	if after := w.getPage(status); !strings.Contains(after.body, "Answer downloaded") {
		t.Error("the status page does not tell of the download")
	}
	return pg
}

// checkPackage opens an access or portability package: its data.json
// names the request and the person, and holds their consent records.
func checkPackage(t *testing.T, b []byte, id string, typ custos.RequestType, p *person) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the package is not a ZIP: %v", err)
	}
	var names []string
	var data []byte
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "data.json" {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, want := range []string{"README.txt", "index.html", "information.html", "data.json", "consents.csv"} {
		if !slices.Contains(names, want) {
			t.Errorf("the package lacks %s: %v", want, names)
		}
	}
	var d struct {
		Format  string `json:"format"`
		Request struct {
			ID   string             `json:"id"`
			Type custos.RequestType `json:"type"`
		} `json:"request"`
		Subject struct {
			Email      string   `json:"email"`
			ConsentIDs []string `json:"consent_ids"`
		} `json:"subject"`
		Consents []custos.Consent `json:"consents"`
		Requests []custos.Request `json:"requests"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("data.json: %v\n%.500s", err, data)
	}
	if d.Format != "custos-disclosure" || d.Request.ID != id || d.Request.Type != typ || d.Subject.Email != p.email ||
		!slices.Equal(d.Subject.ConsentIDs, []string{p.subject}) {
		t.Errorf("data.json's head: %+v", d)
	}
	var got []string
	for _, c := range d.Consents {
		if c.Subject != p.subject || c.Receipt == "" {
			t.Errorf("data.json holds a record of %s", c.Subject)
		}
		got = append(got, c.ID)
	}
	if !slices.Equal(got, p.consents) {
		t.Errorf("data.json's consent records: %v, want %v", got, p.consents)
	}
	if len(d.Requests) != 1 || d.Requests[0].ID != id {
		t.Errorf("data.json's requests: %+v", d.Requests)
	}
}

// deny files a portability request that the officer refuses, with a note.
func (w *walker) deny() {
	t := w.t
	const email = "denied@example.com"
	const note = "We hold no account under this address; write to us from the address you signed up with."
	p := w.newPerson(email, "FR")
	status := w.file(walkCase{typ: custos.RequestPortability, region: "FR"}, p)
	id, _ := statusParts(t, status)
	page := w.officer.act(id, "deny", url.Values{"reason": {custos.DenyOther}, "note": {note}})
	mustContain(t, "the page after denying", page, "The request is denied; the person is e-mailed the reason.", "Denied", note)
	r := w.request(id)
	if r.State != custos.StateDenied || r.DenyReason != custos.DenyOther || r.DenyNote != note || r.ClosedAt.IsZero() {
		t.Fatalf("after denying: %+v", r)
	}
	if m := w.lastMail(email, "denied"); m.RequestID != id || !strings.Contains(m.Text, note) {
		t.Errorf("the denied e-mail does not give the note:\n%s", m.Text)
	}
	pg := w.getPage(status)
	checkPage(t, "denied status", pg)
	mustContain(t, "the status page of the denied request", html.UnescapeString(pg.body),
		`state-denied" id="request-state">Refused<`, "Why we refused", note, "Request refused")
	if strings.Contains(pg.body, `id="download-form"`) {
		t.Error("a denied request offers a download")
	}
	if h := w.history(p.subject); len(h) != len(p.consents) {
		t.Errorf("denying changed the consent records")
	}
	// It cannot be approved afterwards.
	if s, _, _ := w.officer.send("POST", "/console/requests/"+id+"/approve", url.Values{"version": {"1000"}}); s != http.StatusConflict {
		t.Errorf("approving a denied request: %d", s)
	}
}

// extend files a rectification whose deadline the officer extends, then
// approves and completes it.
func (w *walker) extend() {
	t := w.t
	const email = "extended@example.com"
	const reason = "The correction must be checked in three of our systems."
	p := w.newPerson(email, "DE")
	status := w.file(walkCase{typ: custos.RequestRectification, region: "DE", details: "My first name is Grace."}, p)
	id, _ := statusParts(t, status)
	before := w.request(id)
	if before.ExtendMax.IsZero() || !before.ExtendMax.After(before.DueAt) {
		t.Fatalf("the GDPR allows no extension of %+v", before)
	}
	page := w.officer.act(id, "extend", url.Values{"reason": {reason}})
	mustContain(t, "the page after extending", page, "The deadline is extended; the person is e-mailed the reason.", "Extended because", reason)
	r := w.request(id)
	if !r.Extended || r.ExtensionReason != reason || !r.DueAt.Equal(before.ExtendMax) || r.State != custos.StateOpen {
		t.Fatalf("after extending: %+v", r)
	}
	if m := w.lastMail(email, "extended"); m.RequestID != id || !strings.Contains(m.Text, reason) {
		t.Errorf("the extended e-mail does not give the reason:\n%s", m.Text)
	}
	pg := w.getPage(status)
	mustContain(t, "the status page of the extended request", html.UnescapeString(pg.body), "The deadline was extended:", reason, "Deadline extended",
		r.DueAt.In(mustZone(t, "Europe/Paris")).Format("2 January 2006"))
	// It cannot be extended twice.
	v := consoleVersionRE.FindStringSubmatch(w.officer.page("/console/requests/" + id))
	if v == nil {
		t.Fatal("the extended request's page has no versioned form")
	}
	s, _, body := w.officer.send("POST", "/console/requests/"+id+"/extend", url.Values{"version": {v[1]}, "reason": {"again"}})
	if s != http.StatusConflict || !strings.Contains(body, "already extended") {
		t.Errorf("extending twice: %d", s)
	}
	w.officer.act(id, "approve", nil)
	w.officer.act(id, "complete", nil)
	if r := w.request(id); r.State != custos.StateCompleted {
		t.Fatalf("after completing: %s", r.State)
	}
	w.lastMail(email, "completed")
}

// outbox: the console's outbox lists the e-mails of every step, and opens
// one.
func (w *walker) outbox() {
	t := w.t
	page := w.officer.page("/console/outbox")
	rowRE := regexp.MustCompile(`<td>([^<]+)</td>\s*<th scope="row"><a href="/console/outbox/([0-9]+)">[^<]*</a></th>\s*<td><code>([a-z_]+)</code></td>`)
	listed := map[string]string{} // address and template → mail id
	for _, m := range rowRE.FindAllStringSubmatch(page, -1) {
		listed[m[1]+" "+m[3]] = m[2]
	}
	if len(listed) == 0 {
		t.Fatalf("the outbox lists nothing:\n%s", page)
	}
	for _, want := range []string{
		"api-information@example.com verify", "api-information@example.com received", "api-information@example.com download-code",
		"api-access@example.com completed", "api-erasure@example.com completed", "api-objection-sale-sharing@example.com received",
		"denied@example.com denied", "extended@example.com extended", "extended@example.com completed",
	} {
		want = strings.Replace(want, "download-code", "download_code", 1)
		if listed[want] == "" {
			t.Errorf("the outbox does not list the %s e-mail", want)
		}
	}
	if id := listed["denied@example.com denied"]; id != "" {
		mustContain(t, "the denied e-mail in the outbox", w.officer.page("/console/outbox/"+id), "denied@example.com", "We hold no account under this address")
	}
	// Every e-mail the store holds is listed.
	for _, m := range w.mails() {
		if listed[m.To+" "+m.Template] == "" {
			t.Errorf("the outbox does not list the %s e-mail to %s", m.Template, m.To)
		}
	}
}
