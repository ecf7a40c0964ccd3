package console_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/console"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/staff"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// harness is a console on a real store, reached over HTTP.
type harness struct {
	t      *testing.T
	db     *store.DB
	svc    *staff.Service
	con    *console.Console
	srv    *httptest.Server
	signer *consent.Signer
	m      *manifest.Manifest
	dsr    *dsr.Service

	mu  sync.Mutex
	now time.Time
}

func newHarness(t *testing.T, m *manifest.Manifest) *harness {
	t.Helper()
	if m == nil {
		m = manifest.Demo()
	}
	db := storetest.Open(t)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, signer: consent.NewSigner(priv), m: m, now: time.Now().UTC()}
	h.svc = &staff.Service{Store: db, Audit: db, Now: h.clock}
	h.con = &console.Console{
		Staff: h.svc, Store: db, Signer: h.signer, Source: "demo",
		Manifest: func() *manifest.Manifest { return h.m },
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:      h.clock,
	}
	key := make([]byte, dsr.KeyBytes)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	h.dsr = &dsr.Service{Store: db, Consents: db, Audit: db, Staff: db,
		Recorder: &consent.Service{Store: db, Signer: h.signer, Manifest: func() *manifest.Manifest { return h.m }, Issuer: "http://custos.test", Now: h.clock},
		Manifest: func() *manifest.Manifest { return h.m }, Key: key, PublicURL: "http://custos.test",
		Limits: dsr.Limits{PerAddress: 1000, PerIP: 1000, RequestsPerDay: 1000}, Now: h.clock}
	h.con.Requests = h.dsr
	mux := http.NewServeMux()
	h.con.Register(mux)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

// tick moves the clock one TOTP step on, so that a new code is accepted.
func (h *harness) tick() {
	h.mu.Lock()
	h.now = h.now.Add(31 * time.Second)
	h.mu.Unlock()
}

const testPassword = "plum-Kettle-orbit-7-Tundra"

// staffUser creates an account with role, sets it up (with a second
// factor for admins), and returns it with a session token.
func (h *harness) staffUser(role custos.Role, email string) (*custos.StaffUser, string) {
	h.t.Helper()
	ctx := context.Background()
	u, setup, err := h.svc.CreateUser(ctx, email, role, "test")
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.svc.CompleteSetup(ctx, setup, testPassword); err != nil {
		h.t.Fatal(err)
	}
	code := ""
	if role == custos.RoleAdmin {
		secret, _, err := h.svc.EnrollTOTP(ctx, u.ID)
		if err != nil {
			h.t.Fatal(err)
		}
		if _, err := h.svc.ConfirmTOTP(ctx, u.ID, secret, staff.TOTPCode(secret, h.clock())); err != nil {
			h.t.Fatal(err)
		}
		h.tick()
		code = staff.TOTPCode(secret, h.clock())
	}
	_, token, err := h.svc.SignIn(ctx, email, testPassword, code, staff.SignInMeta{UserAgent: "test"})
	if err != nil {
		h.t.Fatalf("signing in %s: %v", role, err)
	}
	return u, token
}

// request sends method path with the session token (none if "") and
// returns the status, the Location header and the body.
func (h *harness) request(method, path, token string, form url.Values) (int, string, string) {
	h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, h.srv.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "custos_session", Value: token})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// recordConsent puts one ledger row in, as the banner would have.
// after, if not nil, changes the row after its receipt is signed: a
// tampered record.
func (h *harness) recordConsent(mut, after func(*custos.Consent)) *custos.Consent {
	h.t.Helper()
	site := h.m.Sites[0]
	now := h.clock()
	c := &custos.Consent{
		ID: "01" + strings.Repeat("0", 6) + randomHex(h.t, 12), Site: site.ID, Subject: "subject-" + randomHex(h.t, 8),
		Choices: map[string]bool{}, Method: custos.MethodCustom, ManifestFingerprint: site.Fingerprint(),
		Locale: "en", Region: "DE", Jurisdiction: "eu", Mode: manifest.ModeOptIn, IPPrefix: "192.0.0.0/16",
		IssuedAt: now, ExpiresAt: now.AddDate(0, 6, 0),
	}
	for _, cat := range site.Categories {
		c.Choices[cat.ID] = cat.Required
	}
	if mut != nil {
		mut(c)
	}
	jws, err := h.signer.Sign(consent.ReceiptFor(c, "http://custos.test"))
	if err != nil {
		h.t.Fatal(err)
	}
	c.Receipt = jws
	if after != nil {
		after(c)
	}
	stored, _, err := h.db.RecordConsent(context.Background(), c, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return stored
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	const digits = "0123456789abcdef"
	out := make([]byte, 2*n)
	for i, x := range b {
		out[2*i], out[2*i+1] = digits[x>>4], digits[x&15]
	}
	return string(out)
}

// TestPermissionMatrix tries every console route as every role and as
// nobody, and checks each answer against the permission table.
func TestPermissionMatrix(t *testing.T) {
	h := newHarness(t, nil)
	rec := h.recordConsent(nil, nil)
	routes := h.con.Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes: the matrix would prove little", len(routes))
	}
	n := 0
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		path = strings.TrimSuffix(path, "{$}")
		for _, who := range append([]custos.Role{""}, custos.Roles...) {
			token := ""
			if who != "" {
				// A fresh account and session per cell: a POST may sign
				// out, reset or disable.
				n++
				_, token = h.staffUser(who, "matrix"+string(rune('a'+n%26))+randomHex(t, 3)+"@example.com")
			}
			p := strings.NewReplacer("{id}", h.idFor(path, rec), "{job}", "1").Replace(path)
			status, loc, body := h.request(method, p, token, url.Values{})
			var allowed bool
			switch rt.Perm {
			case "":
				allowed = true
			case "signed_in":
				allowed = who != ""
			default:
				allowed = who != "" && staff.Can(who, rt.Perm)
			}
			cell := rt.Pattern + " as " + string(who)
			if who == "" {
				cell = rt.Pattern + " as nobody"
			}
			switch {
			case allowed && (status == http.StatusForbidden || status == http.StatusUnauthorized && rt.Perm != "" || strings.Contains(loc, "/console/sign-in?next")):
				t.Errorf("%s: refused (%d %s), but the role may", cell, status, loc)
			case allowed && status >= 500:
				t.Errorf("%s: %d", cell, status)
			case !allowed && who == "" && !(status == http.StatusSeeOther && strings.Contains(loc, "/console/sign-in") || status == http.StatusUnauthorized):
				t.Errorf("%s: %d %s, want a redirect to sign-in or 401", cell, status, loc)
			case !allowed && who != "" && status != http.StatusForbidden:
				t.Errorf("%s: %d, want 403", cell, status)
			case !allowed && strings.Contains(body, rec.Subject):
				t.Errorf("%s: a refused answer shows a consent id", cell)
			}
		}
	}
}

// idFor picks what {id} stands for in path.
func (h *harness) idFor(path string, rec *custos.Consent) string {
	switch {
	case strings.HasPrefix(path, "/console/consents/"):
		return rec.ID
	case strings.HasPrefix(path, "/console/staff/"):
		u, _, err := h.svc.CreateUser(context.Background(), "victim"+randomHex(h.t, 4)+"@example.com", custos.RoleAnalyst, "test")
		if err != nil {
			h.t.Fatal(err)
		}
		return u.ID
	case strings.HasPrefix(path, "/console/requests/"):
		return h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR"}).ID
	case strings.HasPrefix(path, "/console/outbox/"):
		h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR"})
		mails, err := h.db.Mails(context.Background(), 1)
		if err != nil || len(mails) == 0 {
			h.t.Fatalf("no mail in the outbox: %v", err)
		}
		return strconv.FormatInt(mails[0].ID, 10)
	case strings.HasPrefix(path, "/console/tokens/"):
		tk, _, err := h.svc.CreateAPIToken(context.Background(), "matrix", custos.RoleAnalyst, 24*time.Hour, "test")
		if err != nil {
			h.t.Fatal(err)
		}
		return tk.ID
	}
	return "x"
}

// TestRecordAccessIsAudited: opening a record about one person writes who,
// what and when to the audit trail, and the audit page shows it.
func TestRecordAccessIsAudited(t *testing.T) {
	h := newHarness(t, nil)
	rec := h.recordConsent(nil, nil)
	officer, token := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	status, _, body := h.request("GET", "/console/consents/"+rec.ID, token, nil)
	if status != 200 || !strings.Contains(body, rec.Subject) {
		t.Fatalf("record page: %d", status)
	}
	if !strings.Contains(body, "Signature verified") {
		t.Error("the receipt's signature is not shown as checked")
	}
	var found *custos.AuditEntry
	h.db.AuditEntries(context.Background(), func(e *custos.AuditEntry) error {
		if e.Action == custos.AuditRecordViewed && e.ObjectID == rec.ID {
			found = e
		}
		return nil
	})
	if found == nil || found.Actor != officer.ID || found.Time.IsZero() {
		t.Fatalf("no record.viewed entry naming the officer: %+v", found)
	}
	_, auditor := h.staffUser(custos.RoleAuditor, "auditor@example.com")
	status, _, body = h.request("GET", "/console/audit?action=record.viewed", auditor, nil)
	if status != 200 || !strings.Contains(body, officer.ID) || !strings.Contains(body, rec.ID) || !strings.Contains(body, "The chain verifies") {
		t.Errorf("the audit page does not show the access with a verified chain: %d", status)
	}
	// Searching by consent id shows that person's records: audited too.
	before := countAudit(t, h.db, custos.AuditRecordViewed)
	h.request("GET", "/console/consents?subject="+url.QueryEscape(rec.Subject), token, nil)
	if after := countAudit(t, h.db, custos.AuditRecordViewed); after != before+1 {
		t.Errorf("a search by consent id wrote %d access entries, want 1", after-before)
	}
	// A row that differs from its signed receipt shows as unverified.
	bad := h.recordConsent(nil, func(c *custos.Consent) { c.Method = custos.MethodAcceptAll })
	_, _, body = h.request("GET", "/console/consents/"+bad.ID, token, nil)
	if !strings.Contains(body, "does NOT verify") {
		t.Error("a row that differs from its receipt is shown as verified")
	}
}

func countAudit(t *testing.T, db *store.DB, action string) int {
	n := 0
	db.AuditEntries(context.Background(), func(e *custos.AuditEntry) error {
		if e.Action == action {
			n++
		}
		return nil
	})
	return n
}

// hostile are strings a console must show as text, never run.
var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(2)>`,
	`javascript:alert(3)`,
	`'-alert(4)-'`,
	"\xff\xfe bad UTF-8 \xc3\x28",
	strings.Repeat("A", 5000),
}

// TestHostileInputIsInert stores hostile strings wherever the console later
// shows text, renders every page, and checks each shows them inert.
func TestHostileInputIsInert(t *testing.T) {
	// A copy of its own (manifest.Demo() is shared and must not change),
	// with systems whose names and instructions are hostile.
	m := shopManifest(t)
	site := m.Site("demo")
	site.Name = hostile[0]
	site.System("shop").Name = hostile[1]
	site.System("archive").Name = hostile[0]
	site.System("archive").Instructions["en"] = hostile[0] + "\n" + hostile[1] + "\n" + hostile[2]
	site.Categories[1].Text["en"] = manifest.Text{Name: hostile[1], Description: hostile[0]}
	h := newHarness(t, m)
	var recs []*custos.Consent
	for i, s := range hostile {
		recs = append(recs, h.recordConsent(func(c *custos.Consent) {
			c.Region, c.Locale, c.NoticeVersion, c.Jurisdiction, c.IPPrefix = s, s, s, s, s
			c.Choices[hostile[i%2]] = true
		}, nil))
		if err := h.db.AppendAudit(context.Background(), &custos.AuditEntry{
			Time: h.clock(), Actor: s, Action: "test." + s, ObjectType: s, ObjectID: s, DetailsHash: strings.Repeat("0", 64),
		}); err != nil {
			t.Fatal(err)
		}
	}
	_, admin := h.staffUser(custos.RoleAdmin, "admin@example.com")
	h.svc.CreateAPIToken(context.Background(), hostile[1], custos.RoleAnalyst, 24*time.Hour, "test")
	h.svc.CreateUser(context.Background(), `"<script>alert(5)</script>"@example.com`, custos.RoleAnalyst, "test")
	pages := []string{"/console/", "/console/consents", "/console/audit", "/console/manifest",
		"/console/consents?subject=" + url.QueryEscape(hostile[1]), "/console/audit?actor=" + url.QueryEscape(hostile[0]),
		"/console/sign-in?next=" + url.QueryEscape("javascript:alert(1)")}
	for _, rt := range h.con.Routes() {
		if method, path, _ := strings.Cut(rt.Pattern, " "); method == "GET" && !strings.Contains(path, "{") && !strings.HasSuffix(path, ".css") {
			pages = append(pages, path)
		}
	}
	for _, r := range recs {
		pages = append(pages, "/console/consents/"+r.ID)
	}
	// Requests whose details, notes and reasons are hostile, and the
	// e-mails telling of them (with an HTML version the console must not
	// render), shown to their staff.
	ctx := context.Background()
	for i, s := range hostile[:4] {
		rq := h.newRequest(dsr.Submission{Type: custos.RequestRectification, Region: "FR", Details: s + "\n" + hostile[(i+1)%4]})
		if err := h.dsr.Note(ctx, "test", rq.ID, s); err != nil {
			t.Fatal(err)
		}
		switch i % 2 {
		case 0:
			if err := h.dsr.Deny(ctx, "test", rq.ID, 0, custos.DenyOther, s); err != nil {
				t.Fatal(err)
			}
		case 1:
			if err := h.dsr.Extend(ctx, "test", rq.ID, 0, s); err != nil {
				t.Fatal(err)
			}
		}
		pages = append(pages, "/console/requests/"+rq.ID)
	}
	// The plan and the steps: a manual task's hostile instructions, a
	// staff note marking it done, a step's error, an unreachable system in
	// a plan.
	eng, runner := h.withShop()
	waiting := h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR"})
	noted := h.newRequest(dsr.Submission{Type: custos.RequestErasure, Region: "FR"})
	for _, rq := range []*custos.Request{waiting, noted} {
		if err := h.dsr.Approve(ctx, "test", rq.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	drain(t, runner)
	if err := h.dsr.CompleteStep(ctx, "test", noted.ID, h.stepsOf(noted.ID)["archive"].ID, hostile[0]+"\n"+hostile[1], nil); err != nil {
		t.Fatal(err)
	}
	eng.fail(errors.New(hostile[0] + hostile[1]))
	failed := h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR"})
	if err := h.dsr.Approve(ctx, "test", failed.ID, 0); err != nil {
		t.Fatal(err)
	}
	drain(t, runner)
	if st := h.stepsOf(failed.ID)["shop"]; st.State != custos.JobFailed {
		t.Fatalf("the failing step is %s", st.State)
	}
	unreachable := h.newRequest(dsr.Submission{Type: custos.RequestErasure, Region: "FR"})
	for _, rq := range []*custos.Request{waiting, noted, failed, unreachable} {
		pages = append(pages, "/console/requests/"+rq.ID)
	}
	const inert = "&lt;script&gt;alert(1)&lt;/script&gt;"
	for rq, want := range map[*custos.Request]string{waiting: `<div class="text instructions">` + inert, noted: `<div class="text">` + inert,
		failed: `<div class="text errtext">` + inert, unreachable: `<div class="text errtext">` + inert} {
		if _, _, body := h.request("GET", "/console/requests/"+rq.ID, admin, nil); !strings.Contains(body, want) {
			t.Errorf("request %s does not show %s", rq.ID, want)
		}
	}
	if err := h.db.ApplyRequestChange(ctx, &custos.RequestChange{Mails: []*custos.Mail{{
		Template: hostile[1], To: "x@example.com", Subject: hostile[0], Text: hostile[2] + hostile[1],
		HTML: `<script>alert(1)</script><a href="javascript:alert(2)" onclick="alert(3)">x</a>`, CreatedAt: h.clock(),
	}}}); err != nil {
		t.Fatal(err)
	}
	mails, err := h.db.Mails(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		pages = append(pages, "/console/outbox/"+strconv.FormatInt(m.ID, 10))
	}
	for _, p := range pages {
		status, _, body := h.request("GET", p, admin, nil)
		if status >= 500 {
			t.Errorf("GET %s: %d", p, status)
			continue
		}
		if live := liveMarkup(body); live != "" {
			t.Errorf("GET %s: hostile input is live: %s", p, live)
		}
		if strings.HasPrefix(p, "/console/requests/") && (status != http.StatusOK || !strings.Contains(body, "alert(")) {
			t.Errorf("GET %s: %d, the hostile text is not shown", p, status)
		}
		if strings.HasPrefix(p, "/console/outbox/") && status != http.StatusOK {
			t.Errorf("GET %s: %d", p, status)
		}
		if p == "/console/outbox/"+strconv.FormatInt(mails[0].ID, 10) && !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;a href=") {
			t.Errorf("GET %s: the hostile HTML version is not shown as its source", p)
		}
	}
}

// liveMarkup parses page as a browser would and returns the first thing in
// it that could run: a script element, an event-handler attribute, or a
// javascript: URL. The console itself has none of these.
func liveMarkup(page string) string {
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.Data == "script" || tok.Data == "iframe" || tok.Data == "object" || tok.Data == "embed" {
				return "<" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(a.Key, "on") || (a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "formaction") && strings.HasPrefix(v, "javascript:") {
					return "<" + tok.Data + " " + a.Key + "=" + a.Val + ">"
				}
			}
		}
	}
}

// TestOptionalSecondFactor: a privacy officer may add a second factor; from
// then on a sign-in without its code fails.
func TestOptionalSecondFactor(t *testing.T) {
	h := newHarness(t, nil)
	_, token := h.staffUser(custos.RolePrivacyOfficer, "po@example.com")
	status, _, body := h.request("GET", "/console/account/second-factor", token, nil)
	m := regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`).FindStringSubmatch(body)
	if status != 200 || m == nil {
		t.Fatalf("enrolment page: %d", status)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	status, _, _ = h.request("POST", "/console/account/second-factor", token, url.Values{"secret": {m[1]}, "code": {staff.TOTPCode(secret, h.clock())}, "current": {"not my password at all"}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("adding a second factor without the current password: %d", status)
	}
	status, _, body = h.request("POST", "/console/account/second-factor", token, url.Values{"secret": {m[1]}, "code": {staff.TOTPCode(secret, h.clock())}, "current": {testPassword}})
	if status != 200 || strings.Count(body, "<li><code>") < 8 {
		t.Fatalf("confirming: %d, recovery codes not shown", status)
	}
	h.tick()
	if _, _, err := h.svc.SignIn(context.Background(), "po@example.com", testPassword, "", staff.SignInMeta{}); err == nil {
		t.Error("signed in without the second factor once it is set up")
	}
	if _, _, err := h.svc.SignIn(context.Background(), "po@example.com", testPassword, staff.TOTPCode(secret, h.clock()), staff.SignInMeta{}); err != nil {
		t.Errorf("signing in with the code: %v", err)
	}
}

// TestCrossSiteRequests: a POST the browser marks as cross-site is refused
// on every state-changing route, and a cross-site link to a record does not
// open it (nor write an access in the staff member's name).
func TestCrossSiteRequests(t *testing.T) {
	h := newHarness(t, nil)
	rec := h.recordConsent(nil, nil)
	_, admin := h.staffUser(custos.RoleAdmin, "admin@example.com")
	for _, rt := range h.con.Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if method != "POST" {
			continue
		}
		p := strings.NewReplacer("{id}", h.idFor(path, rec), "{job}", "1").Replace(path)
		req, _ := http.NewRequest("POST", h.srv.URL+p, strings.NewReader("x=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.AddCookie(&http.Cookie{Name: "custos_session", Value: admin})
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", p, resp.StatusCode)
		}
	}
	before := countAudit(t, h.db, custos.AuditRecordViewed)
	for _, p := range []string{"/console/consents/" + rec.ID, "/console/consents?subject=" + rec.Subject, "/console/consents?id=" + rec.ID} {
		req, _ := http.NewRequest("GET", h.srv.URL+p, nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.AddCookie(&http.Cookie{Name: "custos_session", Value: admin})
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), rec.Subject) && !strings.Contains(p, rec.Subject) || !strings.Contains(string(b), `href="`+strings.ReplaceAll(p, "&", "&amp;")) {
			t.Errorf("cross-site GET %s: the record was shown, or no link to open it", p)
		}
	}
	if after := countAudit(t, h.db, custos.AuditRecordViewed); after != before {
		t.Errorf("cross-site links wrote %d access entries", after-before)
	}
}

// TestSessionCookie checks the session cookie's attributes, with and
// without TLS in front.
func TestSessionCookie(t *testing.T) {
	for _, publicURL := range []string{"", "https://custos.example.com"} {
		h := newHarness(t, nil)
		h.con.PublicURL = publicURL
		h.staffUser(custos.RolePrivacyOfficer, "cookie@example.com")
		form := url.Values{"email": {"cookie@example.com"}, "password": {testPassword}}
		req, _ := http.NewRequest("POST", h.srv.URL+"/console/sign-in", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var ck *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "custos_session" {
				ck = c
			}
		}
		if ck == nil || len(ck.Value) < 40 {
			t.Fatalf("public URL %q: no session cookie (%d)", publicURL, resp.StatusCode)
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/console/" || ck.Secure != (publicURL != "") {
			t.Errorf("public URL %q: cookie %+v: want HttpOnly, SameSite=Lax, Path=/console/, Secure only behind https", publicURL, ck)
		}
		if ck.MaxAge != 0 || !ck.Expires.IsZero() {
			t.Errorf("the session cookie outlives the browser session: %+v", ck)
		}
	}
}

// TestAnalystSeesNoSmallGroups: a selection of a few choices is not shown to
// a role without access to records, and is to one with it.
func TestAnalystSeesNoSmallGroups(t *testing.T) {
	h := newHarness(t, nil)
	for range 3 {
		h.recordConsent(nil, nil)
	}
	_, analyst := h.staffUser(custos.RoleAnalyst, "analyst@example.com")
	_, officer := h.staffUser(custos.RolePrivacyOfficer, "po2@example.com")
	_, _, body := h.request("GET", "/console/", analyst, nil)
	if strings.Contains(body, "svg") || !strings.Contains(body, "fewer than 10") {
		t.Error("an analyst sees the figures of 3 choices")
	}
	_, _, body = h.request("GET", "/console/", officer, nil)
	if !strings.Contains(body, "<svg") {
		t.Error("a privacy officer does not see the figures")
	}
	for range 8 {
		h.recordConsent(nil, nil)
	}
	if _, _, body = h.request("GET", "/console/", analyst, nil); !strings.Contains(body, "<svg") {
		t.Error("an analyst does not see the figures of 11 choices")
	}
}
