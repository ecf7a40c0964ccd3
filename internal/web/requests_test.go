package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// Data subject requests through the JSON API. The e-mails land in the
// store's outbox (no SMTP server in tests): the tests read the code and
// the link from there, as the person would from their inbox.

var (
	codeRE = regexp.MustCompile(`(?m)^\s*([0-9]{6})\s*$`)
	linkRE = regexp.MustCompile(`https?://\S+/requests/verify\?t=[A-Za-z0-9_-]+`)
)

// mails returns the outbox, newest first.
func (e *env) mails() []*custos.Mail {
	e.t.Helper()
	ms, err := e.db.Mails(context.Background(), 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

// lastMail returns the newest e-mail to address of template kind.
func (e *env) lastMail(to, kind string) *custos.Mail {
	e.t.Helper()
	for _, m := range e.mails() {
		if m.To == to && m.Template == kind {
			return m
		}
	}
	e.t.Fatalf("no %s e-mail to %s in the outbox", kind, to)
	return nil
}

// codeFor returns the code of the newest e-mail of kind to address.
func (e *env) codeFor(to, kind string) string {
	e.t.Helper()
	m := codeRE.FindStringSubmatch(e.lastMail(to, kind).Text)
	if m == nil {
		e.t.Fatalf("the %s e-mail holds no 6-digit code", kind)
	}
	return m[1]
}

// linkFor returns the verification link of the newest verify e-mail.
func (e *env) linkFor(to string) string {
	e.t.Helper()
	l := linkRE.FindString(e.lastMail(to, "verify").Text)
	if l == "" {
		e.t.Fatal("the verify e-mail holds no link")
	}
	return l
}

// requests returns every request in the store.
func (e *env) requestList() []*custos.Request {
	e.t.Helper()
	rs, err := e.db.Requests(context.Background(), custos.RequestQuery{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

// written is what a refused request must leave unchanged.
type written struct {
	requests, mails int
	audit           ledger
}

func (e *env) written() written {
	return written{len(e.requestList()), len(e.mails()), e.ledger()}
}

func fileBody(typ, email string) map[string]any {
	return map[string]any{"site": "demo", "type": typ, "email": email, "locale": "en"}
}

// file files a request through the API and returns its challenge.
func (e *env) file(body map[string]any) string {
	e.t.Helper()
	s, _, b := e.do("POST", "/api/v1/requests", body)
	if s != http.StatusAccepted {
		e.t.Fatalf("filing: %d %s", s, b)
	}
	tk := decode[map[string]any](e.t, b)
	if tk["verify"] != true {
		e.t.Fatalf("the ticket asks for no verification: %s", b)
	}
	c, _ := tk["challenge"].(string)
	return c
}

// TestRequestAPIFileAndVerify files an access request, reads the code
// from the e-mail and confirms it, on both engines.
func TestRequestAPIFileAndVerify(t *testing.T) {
	storetest.Engines(t, testRequestAPIFileAndVerify)
}

func testRequestAPIFileAndVerify(t *testing.T, db *store.DB) {
	e := newEnv(t, db, withRequests)
	const email = "ada@example.com"
	s, hdr, b := e.do("POST", "/api/v1/requests", fileBody("access", email))
	if s != http.StatusAccepted || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("filing: %d %v %s", s, hdr, b)
	}
	tk := decode[map[string]any](t, b)
	challenge, _ := tk["challenge"].(string)
	if tk["verify"] != true || !strings.HasPrefix(challenge, "ch_") || tk["locale"] != "en" {
		t.Fatalf("ticket: %s", b)
	}
	rs := e.requestList()
	if len(rs) != 1 || rs[0].State != custos.StateUnverified || rs[0].Type != custos.RequestAccess {
		t.Fatalf("stored: %+v", rs)
	}
	code := e.codeFor(email, "verify")

	s, hdr, b = e.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": challenge, "code": code})
	if s != http.StatusOK || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("verifying: %d %s", s, b)
	}
	v := decode[struct {
		Request struct {
			ID, Type, State string
			DueAt           time.Time `json:"due_at"`
		}
		StatusURL string `json:"status_url"`
	}](t, b)
	if v.Request.ID != rs[0].ID || v.Request.State != "open" || v.Request.Type != "access" || v.Request.DueAt.Before(time.Now()) {
		t.Errorf("verified: %s", b)
	}
	if !strings.HasPrefix(v.StatusURL, e.srv.URL+"/privacy/demo/requests/"+rs[0].ID+"?t=") {
		t.Errorf("status URL %q", v.StatusURL)
	}
	e.lastMail(email, "received") // the acknowledgement, with the status link

	// The code works once.
	s, _, b = e.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": challenge, "code": code})
	if s != http.StatusUnprocessableEntity || !strings.Contains(string(b), `"field":"code"`) {
		t.Errorf("the code again: %d %s", s, b)
	}

	// The status page opens with the link.
	resp, err := http.Get(v.StatusURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("status page: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestRequestAPIBadInput: every refusal names its field and writes
// nothing: no request, no e-mail, no audit entry.
func TestRequestAPIBadInput(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	before := e.written()
	with := func(k string, v any) map[string]any {
		b := fileBody("access", "ada@example.com")
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	for _, c := range []struct {
		name  string
		body  any
		ctype string
		code  int
		field string
	}{
		{"unknown site", with("site", "nope"), "", 422, "site"},
		{"no site", with("site", nil), "", 422, "site"},
		{"malformed e-mail", with("email", "ada at example"), "", 422, "email"},
		{"display name", with("email", "Ada <ada@example.com>"), "", 422, "email"},
		{"no e-mail", with("email", nil), "", 422, "email"},
		{"oversized details", with("details", strings.Repeat("é", 2001)), "", 422, "details"},
		{"bad type", with("type", "everything"), "", 422, "type"},
		{"no type", with("type", nil), "", 422, "type"},
		{"objection without scope", with("type", "objection"), "", 422, "objection"},
		{"rectification without details", with("type", "rectification"), "", 422, "details"},
		{"scope without objection", with("objection", "direct_marketing"), "", 422, "objection"},
		{"bad region", with("region", "Fr@nce"), "", 422, "region"},
		{"foreign locale", with("locale", "ja"), "", 422, "locale"},
		{"bad consent id", with("consent_id", "short"), "", 422, "consent_id"},
		{"unknown field", with("name", "Ada"), "", 422, "name"},
		{"wrong JSON type", with("email", 42), "", 422, "email"},
		{"not JSON", "site=demo", "application/x-www-form-urlencoded", 415, "Content-Type"},
		{"malformed JSON", `{"site":`, "", 400, "body"},
		{"too large", `{"site":"demo","details":"` + strings.Repeat("x", 70<<10) + `"}`, "", 413, "body"},
	} {
		hdr := []string{}
		if c.ctype != "" {
			hdr = append(hdr, "Content-Type", c.ctype)
		}
		s, h, b := e.do("POST", "/api/v1/requests", c.body, hdr...)
		if s != c.code || h.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", c.name, s, b)
			continue
		}
		p := decode[struct{ Errors []custos.FieldError }](t, b)
		found := false
		for _, f := range p.Errors {
			found = found || f.Field == c.field
		}
		if !found {
			t.Errorf("%s: the problem does not name %s: %s", c.name, c.field, b)
		}
		if strings.Contains(string(b), "ada at example") {
			t.Errorf("%s: the problem repeats the input: %s", c.name, b)
		}
	}
	// Every bad field at once is named at once.
	s, _, b := e.do("POST", "/api/v1/requests", map[string]any{"site": "demo", "type": "objection", "email": "x", "details": strings.Repeat("a", 2001)})
	for _, f := range []string{`"field":"email"`, `"field":"details"`, `"field":"objection"`} {
		if s != 422 || !strings.Contains(string(b), f) {
			t.Errorf("several bad fields: %d, lacks %s: %s", s, f, b)
		}
	}
	if after := e.written(); after != before {
		t.Errorf("refused requests wrote: %+v, then %+v", before, after)
	}
}

// TestRequestAPIHoneypot: a bot that fills the hidden field gets the
// answer anyone gets, and nothing is written or sent.
func TestRequestAPIHoneypot(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	before := e.written()
	b := fileBody("erasure", "bot@example.com")
	b["website"] = "https://spam.example"
	s, _, body := e.do("POST", "/api/v1/requests", b)
	tk := decode[map[string]any](t, body)
	if s != http.StatusAccepted || tk["verify"] != true || !strings.HasPrefix(tk["challenge"].(string), "ch_") {
		t.Fatalf("honeypot: %d %s", s, body)
	}
	if after := e.written(); after != before {
		t.Errorf("the honeypot wrote: %+v, then %+v", before, after)
	}
	// Its challenge opens nothing.
	s, _, body = e.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": tk["challenge"], "code": "123456"})
	if s != 422 || !strings.Contains(string(body), `"field":"code"`) {
		t.Errorf("the honeypot's challenge: %d %s", s, body)
	}
}

// TestRequestAPIWrongCodes: three wrong codes use up the challenge; the
// right one is refused after them, and the request stays unverified.
func TestRequestAPIWrongCodes(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	const email = "grace@example.com"
	challenge := e.file(fileBody("erasure", email))
	code := e.codeFor(email, "verify")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i, want := range []string{"2 attempts left", "1 attempt left", "no attempts are left"} {
		s, _, b := e.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": challenge, "code": wrong})
		if s != 422 || !strings.Contains(string(b), `"field":"code"`) || !strings.Contains(string(b), want) {
			t.Errorf("wrong code %d: %d %s", i+1, s, b)
		}
	}
	s, _, b := e.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": challenge, "code": code})
	if s != 422 || !strings.Contains(string(b), "too many wrong codes") {
		t.Errorf("the right code after three wrong ones: %d %s", s, b)
	}
	for _, c := range []map[string]any{
		{"challenge": challenge, "code": "12345"},
		{"challenge": challenge, "code": "abcdef"},
		{"challenge": "", "code": code},
		{"challenge": "ch_nothingaaaaaaaaaaaaaaaaaa", "code": code},
	} {
		if s, _, b := e.do("POST", "/api/v1/requests/verify", c); s != 422 {
			t.Errorf("%v: %d %s", c, s, b)
		}
	}
	if rs := e.requestList(); len(rs) != 1 || rs[0].State != custos.StateUnverified {
		t.Errorf("the request after refused codes: %+v", rs)
	}
	// Filing again is a request of its own, with a fresh code; the
	// spent one expires unverified.
	challenge2 := e.file(fileBody("erasure", email))
	if challenge2 == challenge {
		t.Error("filing again gave the same challenge")
	}
	s, _, b = e.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": challenge2, "code": e.codeFor(email, "verify")})
	if s != 200 {
		t.Errorf("the new code: %d %s", s, b)
	}
	open := 0
	for _, r := range e.requestList() {
		if r.State == custos.StateOpen {
			open++
		}
	}
	if open != 1 {
		t.Errorf("after filing again and verifying: %d open requests, want 1", open)
	}
}

// TestRequestAPIRateLimit: past the per-address limit the answer is 429.
func TestRequestAPIRateLimit(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	for i := range 5 {
		if s, _, b := e.do("POST", "/api/v1/requests", fileBody("access", "busy@example.com")); s != 202 {
			t.Fatalf("submission %d: %d %s", i+1, s, b)
		}
	}
	s, _, b := e.do("POST", "/api/v1/requests", fileBody("access", "busy@example.com"))
	if s != http.StatusTooManyRequests {
		t.Errorf("sixth submission: %d %s", s, b)
	}
}

// TestRequestAPIOrigin: a page of another origin may not file for a site.
func TestRequestAPIOrigin(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	before := e.written()
	s, _, b := e.do("POST", "/api/v1/requests", fileBody("access", "ada@example.com"), "Origin", "https://evil.example")
	if s != 403 {
		t.Errorf("from another origin: %d %s", s, b)
	}
	s, _, b = e.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": "ch_aaaaaaaaaaaaaaaaaaaaaaaaaa", "code": "123456"}, "Origin", "https://evil.example")
	if s != 403 {
		t.Errorf("verifying from another origin: %d %s", s, b)
	}
	if after := e.written(); after != before {
		t.Errorf("refused requests wrote: %+v, then %+v", before, after)
	}
	s, h, _ := e.do("POST", "/api/v1/requests", fileBody("access", "ada@example.com"), "Origin", "https://www.demo.example")
	if s != 202 || h.Get("Access-Control-Allow-Origin") != "https://www.demo.example" {
		t.Errorf("from the site's origin: %d %v", s, h)
	}
}

// TestRequestsNotServed: without a request service the routes are 404,
// and the privacy centre has no request form.
func TestRequestsNotServed(t *testing.T) {
	e := newEnv(t, nil)
	for _, p := range []string{"/api/v1/requests", "/api/v1/requests/verify"} {
		if s, _, b := e.do("POST", p, fileBody("access", "ada@example.com")); s != 404 {
			t.Errorf("%s: %d %s", p, s, b)
		}
	}
	for _, p := range []string{"/privacy/demo/requests/new", "/privacy/demo/requests/code?c=ch_aaaaaaaaaaaaaaaaaaaaaaaaaa", "/privacy/demo/requests/rq_x?t=y"} {
		if s, h, _ := e.do("GET", p, nil); s != 404 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s", p, s, h.Get("Content-Type"))
		}
	}
	s, _, b := e.do("GET", "/privacy/demo", nil)
	if s != 200 || strings.Contains(string(b), "/requests/new") || !strings.Contains(string(b), "data-custos-open") {
		t.Errorf("the centre without requests: %d", s)
	}
}
