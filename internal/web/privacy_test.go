package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/custos-privacy/custos/internal/custos"
)

// The privacy centre's pages, through plain HTTP: a browser walks them in
// privacy_browser_test.go.

// htmlPage is one answer of the centre.
type htmlPage struct {
	status int
	header http.Header
	body   string
}

// noFollow is a client that shows redirects instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (e *env) page(method, path string, form url.Values, hdr ...string) htmlPage {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return htmlPage{resp.StatusCode, resp.Header, string(b)}
}

func (e *env) getPage(path string, hdr ...string) htmlPage {
	e.t.Helper()
	return e.page("GET", path, nil, hdr...)
}

func (e *env) postPage(path string, form url.Values, hdr ...string) htmlPage {
	e.t.Helper()
	return e.page("POST", path, form, hdr...)
}

var nonceRE = regexp.MustCompile(`'nonce-([^']+)'`)

// checkPage parses p as a browser would and fails the test if anything in
// it could run that the server did not put there: a script without the
// response's nonce or from elsewhere than the banner, an event handler
// attribute, a javascript: URL, a frame or an object. It also checks that
// the policy allows the page's one style element by its hash.
func checkPage(t *testing.T, name string, p htmlPage) {
	t.Helper()
	if ct := p.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", name, ct)
		return
	}
	csp := p.header.Get("Content-Security-Policy")
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "default-src 'none'") ||
		!strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("%s: weak policy %q", name, csp)
	}
	nonce := ""
	if m := nonceRE.FindStringSubmatch(csp); m != nil {
		nonce = m[1]
	}
	z := html.NewTokenizer(strings.NewReader(p.body))
	inStyle := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return
		case html.TextToken:
			if inStyle {
				sum := sha256.Sum256(z.Text())
				if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, "style-src "+h) {
					t.Errorf("%s: the policy does not allow the page's style (%s)", name, h)
				}
			}
		case html.EndTagToken:
			inStyle = false
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			inStyle = tok.Data == "style"
			attrs := map[string]string{}
			for _, a := range tok.Attr {
				attrs[a.Key] = a.Val
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:text") {
					t.Errorf("%s: live attribute <%s %s=%q>", name, tok.Data, a.Key, a.Val)
				}
			}
			switch tok.Data {
			case "script":
				if nonce == "" || attrs["nonce"] != nonce {
					t.Errorf("%s: a script without the response's nonce: %v", name, tok)
				}
				if src, ok := attrs["src"]; ok && !strings.HasPrefix(src, "/banner/") {
					t.Errorf("%s: a script from %q", name, src)
				}
			case "iframe", "object", "embed", "base", "meta":
				if tok.Data == "meta" && attrs["http-equiv"] == "" {
					continue
				}
				t.Errorf("%s: <%s> in the page", name, tok.Data)
			}
		}
	}
}

// htmlLang returns the lang attribute of the page's <html>.
func htmlLang(body string) string {
	m := regexp.MustCompile(`<html lang="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestPrivacyCentre(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	p := e.getPage("/privacy/demo", "Accept-Language", "fr-CH, de;q=0.5")
	if p.status != 200 {
		t.Fatalf("%d %s", p.status, p.body)
	}
	checkPage(t, "centre", p)
	for k, v := range map[string]string{"Content-Language": "fr", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"} {
		if got := p.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(p.header.Get("Content-Security-Policy"), "connect-src 'self'") {
		t.Errorf("the banner cannot record a choice under %q", p.header.Get("Content-Security-Policy"))
	}
	for _, want := range []string{
		`<html lang="fr"`, "Centre de confidentialité",
		`/fr/vie-privee"`,                        // the French notice, on the site's origin
		`href="/privacy/demo/cookies?locale=fr"`, // the cookie declaration
		`data-custos-open`,                       // the preference centre
		`src="/banner/demo.js?locale=fr"`,        // with the banner
		`href="/privacy/demo/requests/new?lang=fr"`,
		"Effacement de vos données", "privacy@demo.example",
		`aria-current="page" lang="fr"`, `href="/privacy/demo?lang=de"`, // the language switcher
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the centre lacks %s", want)
		}
	}

	// The visitor's region picks the notice: the US one for California.
	e = newEnv(t, nil, withRequests, func(o *options) { o.geoHeader = "CF-IPCountry" })
	p = e.getPage("/privacy/demo?lang=en", "CF-IPCountry", "US-CA")
	if !strings.Contains(p.body, "/en-us/your-us-state-privacy-rights") {
		t.Errorf("the Californian's centre does not link the US notice")
	}
}

func TestPrivacyPagesInEveryLanguage(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	challenge := e.file(fileBody("access", "lang@example.com"))
	words := map[string][]string{
		"en": {"Privacy centre", "Make a request about your data", "Confirm your e-mail address"},
		"fr": {"Centre de confidentialité", "Faire une demande sur vos données", "Confirmez votre adresse e-mail"},
		"de": {"Datenschutzzentrum", "Anfrage zu Ihren Daten stellen", "Bestätigen Sie Ihre E-Mail-Adresse"},
	}
	for lang, want := range words {
		for i, path := range []string{"/privacy/demo", "/privacy/demo/requests/new", "/privacy/demo/requests/code?c=" + challenge} {
			// ?lang= wins over Accept-Language.
			p := e.getPage(path+sep(path)+"lang="+lang, "Accept-Language", "ja")
			checkPage(t, lang+" "+path, p)
			if p.status != 200 || htmlLang(p.body) != lang || p.header.Get("Content-Language") != lang || !strings.Contains(p.body, want[i]) {
				t.Errorf("%s in %s: %d, lang %q, lacks %q", path, lang, p.status, htmlLang(p.body), want[i])
			}
			// And Accept-Language alone chooses.
			if p := e.getPage(path, "Accept-Language", lang); htmlLang(p.body) != lang {
				t.Errorf("%s with Accept-Language %s: lang %q", path, lang, htmlLang(p.body))
			}
		}
	}
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

func TestPrivacyUnknownSite(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	for _, path := range []string{"/privacy/nope", "/privacy/nope/requests/new", "/privacy/nope/requests/code?c=x", "/privacy/nope/requests/rq_x?t=y"} {
		p := e.getPage(path, "Accept-Language", "de")
		if p.status != 404 || htmlLang(p.body) != "de" || !strings.Contains(p.body, "Seite nicht gefunden") {
			t.Errorf("%s: %d %s", path, p.status, p.body)
		}
		checkPage(t, path, p)
	}
	if p := e.postPage("/privacy/nope/requests/new", url.Values{"type": {"access"}, "email": {"a@example.com"}}); p.status != 404 {
		t.Errorf("POST to an unknown site: %d", p.status)
	}
}

// requestForm is a valid form of the request page.
func requestForm(typ, email string) url.Values {
	return url.Values{"lang": {"en"}, "type": {typ}, "email": {email}, "region": {"FR"}, "details": {""}, "website": {""}}
}

func TestPrivacyFormToStatus(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	p := e.getPage("/privacy/demo/requests/new?lang=en")
	checkPage(t, "form", p)
	for _, want := range []string{
		`<form method="post" action="/privacy/demo/requests/new"`,
		`type="email" id="email" name="email"`, `autocomplete="email"`,
		`name="region"`, `<textarea id="details" name="details"`,
		`id="objection-legitimate_interests" value="legitimate_interests"`, `value="direct_marketing"`, `value="sale_sharing"`,
		`id="include-consent" name="include_consent"`, `data-cookie="custos_consent"`, `name="consent_id"`,
		`<div class="hp" aria-hidden="true">`, `name="website" value="" tabindex="-1" autocomplete="off"`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	if n := strings.Count(p.body, `type="radio" name="type"`); n != len(custos.RequestTypes) {
		t.Errorf("the form offers %d request types", n)
	}

	const email = "linus@example.com"
	p = e.postPage("/privacy/demo/requests/new", requestForm("access", email))
	loc := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/privacy/demo/requests/code?c=ch_") || !strings.Contains(loc, "lang=en") {
		t.Fatalf("filing: %d %q %s", p.status, loc, p.body)
	}
	p = e.getPage(loc)
	checkPage(t, "code page", p)
	for _, want := range []string{`inputmode="numeric"`, `autocomplete="one-time-code"`, `name="c" value="ch_`, "merged", `href="/privacy/demo/requests/new?lang=en"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the code page lacks %s", want)
		}
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("code page Cache-Control %q", p.header.Get("Cache-Control"))
	}
	u, _ := url.Parse(loc)
	c := u.Query().Get("c")
	p = e.postPage("/privacy/demo/requests/code", url.Values{"lang": {"en"}, "c": {c}, "code": {e.codeFor(email, "verify")}})
	loc = p.header.Get("Location")
	rs := e.requestList()
	if p.status != http.StatusSeeOther || len(rs) != 1 || !strings.HasPrefix(loc, "/privacy/demo/requests/"+rs[0].ID+"?") {
		t.Fatalf("the code: %d %q %s", p.status, loc, p.body)
	}
	if rs[0].State != custos.StateOpen || rs[0].Region != "FR" || rs[0].Locale != "en" {
		t.Errorf("the request: %+v", rs[0])
	}
	p = e.getPage(loc)
	checkPage(t, "status", p)
	if p.status != 200 || p.header.Get("Cache-Control") != "no-store" || p.header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("status page: %d %v", p.status, p.header)
	}
	due := rs[0].DueAt.In(mustZone(t, "Europe/Paris"))
	for _, want := range []string{"A copy of your data", "Received; waiting to be dealt with", "Request received", "E-mail address confirmed",
		due.Format("2 January 2006"), "Europe/Paris", rs[0].ID} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the status page lacks %q", want)
		}
	}
	// In the language of the request, unless asked otherwise.
	if p := e.getPage(strings.Replace(loc, "lang=en", "lang=de", 1), "Accept-Language", "fr"); !strings.Contains(p.body, "Eingegangen; wartet auf Bearbeitung") || !strings.Contains(p.body, due.Format("2.")) {
		t.Errorf("the status page in German: %s", p.body)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestPrivacyFormErrors: a bad form comes back with each error next to its
// field and the values kept, and nothing is written.
func TestPrivacyFormErrors(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	before := e.written()
	for _, c := range []struct {
		name   string
		form   url.Values
		errors []string // ids of the error messages shown
		keep   []string
	}{
		{"bad e-mail", url.Values{"type": {"access"}, "email": {"not-an-address"}}, []string{"email-error"}, []string{`value="not-an-address"`}},
		{"no type", url.Values{"email": {"a@example.com"}}, []string{"type-error"}, []string{`value="a@example.com"`}},
		{"objection without scope", url.Values{"type": {"objection"}, "email": {"a@example.com"}}, []string{"objection-error"}, []string{`value="objection" aria-describedby="type-objection-help" checked`}},
		{"rectification without details", url.Values{"type": {"rectification"}, "email": {"a@example.com"}}, []string{"details-error"}, nil},
		{"details too long", url.Values{"type": {"access"}, "email": {"a@example.com"}, "details": {strings.Repeat("ü", 2001)}}, []string{"details-error"}, nil},
		{"bad region", url.Values{"type": {"access"}, "email": {"a@example.com"}, "region": {"Atlantis"}}, []string{"region-error"}, []string{`value="Atlantis"`}},
		{"bad consent id", url.Values{"type": {"access"}, "email": {"a@example.com"}, "include_consent": {"1"}, "consent_id": {"x"}}, []string{"consent-error"}, nil},
		{"several", url.Values{"type": {"objection"}, "email": {"x"}, "details": {"keep me"}}, []string{"email-error", "objection-error"}, []string{">keep me</textarea>"}},
	} {
		p := e.postPage("/privacy/demo/requests/new", c.form)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="form-errors"`) {
			t.Errorf("%s: %d", c.name, p.status)
			continue
		}
		checkPage(t, c.name, p)
		for _, id := range c.errors {
			if !strings.Contains(p.body, `<p class="error" id="`+id+`">`) {
				t.Errorf("%s: no message %s", c.name, id)
			}
		}
		for _, k := range c.keep {
			if !strings.Contains(p.body, k) {
				t.Errorf("%s: lost %s", c.name, k)
			}
		}
	}
	// In French, the messages are French.
	p := e.postPage("/privacy/demo/requests/new", url.Values{"lang": {"fr"}, "type": {"access"}, "email": {"x"}})
	if !strings.Contains(p.body, "Ce n&#39;est pas une adresse e-mail") || htmlLang(p.body) != "fr" {
		t.Errorf("French errors: %s", p.body)
	}
	// A scope sent with another type is ignored, not an error: the list is
	// always on the page.
	form := requestForm("access", "scope@example.com")
	form.Set("objection", "direct_marketing")
	if p := e.postPage("/privacy/demo/requests/new", form); p.status != http.StatusSeeOther {
		t.Errorf("a scope with another type: %d", p.status)
	}
	before.requests++
	before.mails++
	before.audit = e.ledger()
	if after := e.written(); after != before {
		t.Errorf("refused forms wrote: %+v, then %+v", before, after)
	}
}

// TestPrivacyHostileInput: what a person types, and what a link carries,
// comes back inert, in every language.
func TestPrivacyHostileInput(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	const evil = `"><script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>`
	for _, lang := range []string{"en", "fr", "de"} {
		form := url.Values{"lang": {lang}, "type": {"objection"}, "email": {evil + "@example.com"}, "region": {evil}, "details": {evil}, "consent_id": {evil}, "include_consent": {"1"}}
		p := e.postPage("/privacy/demo/requests/new", form)
		if p.status != 422 {
			t.Errorf("%s: %d", lang, p.status)
		}
		checkPage(t, "hostile form "+lang, p)
		for _, path := range []string{
			"/privacy/demo?lang=" + url.QueryEscape(evil),
			"/privacy/demo/requests/new?type=" + url.QueryEscape(evil) + "&lang=" + lang,
			"/privacy/demo/requests/code?c=" + url.QueryEscape(evil) + "&lang=" + lang,
			"/privacy/demo/requests/verify?t=" + url.QueryEscape(evil) + "&lang=" + lang,
			"/privacy/demo/requests/" + url.PathEscape(evil) + "?t=" + url.QueryEscape(evil),
			"/privacy/" + url.PathEscape(evil) + "?lang=" + lang,
		} {
			checkPage(t, path, e.getPage(path))
		}
	}

	// What staff write is shown to the person inert too.
	const email = "mallory@example.com"
	body := fileBody("access", email)
	body["region"] = "FR" // the GDPR allows an extension
	challenge := e.file(body)
	_, _, b := e.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": challenge, "code": e.codeFor(email, "verify")})
	statusURL := decode[map[string]any](t, b)["status_url"].(string)
	id := e.requestList()[0].ID
	ctx := context.Background()
	if err := e.requests.Extend(ctx, "staff_1", id, 0, evil); err != nil {
		t.Fatal(err)
	}
	if err := e.requests.Deny(ctx, "staff_1", id, 0, custos.DenyOther, evil); err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(statusURL, e.srv.URL)
	for _, lang := range []string{"en", "fr", "de"} {
		p := e.getPage(path + "&lang=" + lang)
		checkPage(t, "denied "+lang, p)
		if p.status != 200 || !strings.Contains(p.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the note is not shown escaped: %d", lang, p.status)
		}
	}
	p := e.getPage(path + "&lang=en")
	for _, want := range []string{"Refused", "Why we refused", "Our privacy team explains it in the note below.", "The deadline was extended:", "Request refused", "Deadline extended"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the denied request's page lacks %q", want)
		}
	}
}

// TestPrivacyWrongCodes: the code page says what is wrong and how many
// attempts are left, in the page's language; the right code after three
// wrong ones is refused.
func TestPrivacyWrongCodes(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	const email = "ken@example.com"
	p := e.postPage("/privacy/demo/requests/new", requestForm("erasure", email))
	u, _ := url.Parse(p.header.Get("Location"))
	c := u.Query().Get("c")
	code := e.codeFor(email, "verify")
	wrong := "000000"
	if code == wrong {
		wrong = "999999"
	}
	for i, want := range []string{"il reste 2 essais", "il reste 1 essai.", "il ne reste aucun essai"} {
		p := e.postPage("/privacy/demo/requests/code", url.Values{"lang": {"fr"}, "c": {c}, "code": {wrong}})
		if p.status != 422 || !strings.Contains(p.body, want) || !strings.Contains(p.body, `name="c" value="`+c+`"`) {
			t.Errorf("wrong code %d: %d, lacks %q", i+1, p.status, want)
		}
		checkPage(t, "wrong code", p)
	}
	p = e.postPage("/privacy/demo/requests/code", url.Values{"lang": {"en"}, "c": {c}, "code": {code}})
	if p.status != 422 || !strings.Contains(p.body, "Too many wrong codes") {
		t.Errorf("the right code after three wrong ones: %d", p.status)
	}
	if p := e.postPage("/privacy/demo/requests/code", url.Values{"c": {c}, "code": {"12"}}); p.status != 422 || !strings.Contains(p.body, "Enter the 6 digits") {
		t.Errorf("a short code: %d", p.status)
	}
	if p := e.postPage("/privacy/demo/requests/code", url.Values{"c": {"nonsense"}, "code": {code}}); p.status != 404 {
		t.Errorf("a malformed challenge: %d", p.status)
	}
	if rs := e.requestList(); rs[0].State != custos.StateUnverified {
		t.Errorf("the request is %s", rs[0].State)
	}
}

// TestPrivacyVerifyLink: opening the link confirms nothing (mail scanners
// open links); the button does, once.
func TestPrivacyVerifyLink(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	const email = "barbara@example.com"
	e.file(fileBody("restriction", email))
	link := e.linkFor(email)
	path := strings.TrimPrefix(link, e.srv.URL)
	token := path[strings.Index(path, "t=")+2:]
	for range 2 {
		p := e.getPage(path)
		checkPage(t, "confirm page", p)
		if p.status != 200 || !strings.Contains(p.body, `<form method="post" action="/privacy/demo/requests/verify"`) ||
			p.header.Get("Cache-Control") != "no-store" || p.header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("confirm page: %d %v", p.status, p.header)
		}
	}
	if rs := e.requestList(); rs[0].State != custos.StateUnverified {
		t.Fatalf("opening the link changed the request: %s", rs[0].State)
	}
	p := e.postPage("/privacy/demo/requests/verify", url.Values{"t": {token}, "lang": {"en"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/privacy/demo/requests/rq_") {
		t.Fatalf("confirming: %d %s", p.status, p.body)
	}
	if rs := e.requestList(); rs[0].State != custos.StateOpen {
		t.Fatalf("after confirming: %s", rs[0].State)
	}
	// A replay is refused and changes nothing.
	before := e.written()
	p = e.postPage("/privacy/demo/requests/verify", url.Values{"t": {token}, "lang": {"en"}})
	if p.status != 422 || !strings.Contains(p.body, "already been used") {
		t.Errorf("replayed link: %d %s", p.status, p.body)
	}
	checkPage(t, "replayed link", p)
	for _, bad := range []string{"", "nonsense", strings.Repeat("a", 200)} {
		if p := e.postPage("/privacy/demo/requests/verify", url.Values{"t": {bad}}); p.status != 422 {
			t.Errorf("link %q: %d", bad, p.status)
		}
	}
	if after := e.written(); after != before {
		t.Errorf("refused links wrote: %+v, then %+v", before, after)
	}
}

// TestPrivacyExpiredLink: a day later, the link is refused and the request
// stays as it was.
func TestPrivacyExpiredLink(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	const email = "edsger@example.com"
	e.file(fileBody("information", email))
	link := e.linkFor(email)
	token := link[strings.Index(link, "t=")+2:]
	e.reqClock.advance(24*time.Hour + time.Minute)
	before := e.written()
	p := e.postPage("/privacy/demo/requests/verify", url.Values{"t": {token}, "lang": {"de"}})
	if p.status != 422 || !strings.Contains(p.body, "Dieser Link ist abgelaufen") || !strings.Contains(p.body, "Anfrage erneut stellen") {
		t.Errorf("expired link: %d %s", p.status, p.body)
	}
	if after := e.written(); after != before {
		t.Errorf("the expired link wrote: %+v, then %+v", before, after)
	}
	if rs := e.requestList(); rs[0].State != custos.StateUnverified {
		t.Errorf("the request is %s", rs[0].State)
	}
}

// verified files and confirms a request through the API; it returns the
// request's id and the path of its status page.
func (e *env) verified(typ, email string) (string, string) {
	e.t.Helper()
	challenge := e.file(fileBody(typ, email))
	s, _, b := e.do("POST", "/api/v1/requests/verify", map[string]any{"challenge": challenge, "code": e.codeFor(email, "verify")})
	if s != 200 {
		e.t.Fatalf("verifying: %d %s", s, b)
	}
	v := decode[struct {
		Request   struct{ ID string }
		StatusURL string `json:"status_url"`
	}](e.t, b)
	return v.Request.ID, strings.TrimPrefix(v.StatusURL, e.srv.URL)
}

func TestPrivacyStatusNeedsItsToken(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	id, path := e.verified("access", "alan@example.com")
	_, other := e.verified("erasure", "alan@example.com")
	otherToken := other[strings.Index(other, "t=")+2:]
	if p := e.getPage(path); p.status != 200 {
		t.Fatalf("the status page: %d", p.status)
	}
	for _, bad := range []string{
		"/privacy/demo/requests/" + id,
		"/privacy/demo/requests/" + id + "?t=",
		"/privacy/demo/requests/" + id + "?t=wrong",
		"/privacy/demo/requests/" + id + "?t=" + otherToken, // another request's token
		"/privacy/other/requests/" + id + path[strings.Index(path, "?"):],
	} {
		p := e.getPage(bad)
		if p.status != 404 || !strings.Contains(p.body, "Page not found") || p.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d", bad, p.status)
		}
		if strings.Contains(p.body, "alan@") || strings.Contains(p.body, "A copy of your data") {
			t.Errorf("%s: the page tells of the request", bad)
		}
	}
	// Nor can a download be started without it.
	if p := e.postPage("/privacy/demo/requests/"+id+"/download", url.Values{"t": {"wrong"}}); p.status != 404 {
		t.Errorf("download with a wrong token: %d", p.status)
	}
}

// TestPrivacyDownload: an answered access request is downloaded after a
// second e-mailed code, as an attachment no cache keeps.
func TestPrivacyDownload(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	const email = "margaret@example.com"
	id, path := e.verified("access", email)
	token := path[strings.Index(path, "t=")+2:]
	ctx := context.Background()
	if err := e.requests.Approve(ctx, "staff_1", id, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.requests.Complete(ctx, "staff_1", id, 0); err != nil {
		t.Fatal(err)
	}
	p := e.getPage(path)
	if !strings.Contains(p.body, `action="/privacy/demo/requests/`+id+`/download"`) || !strings.Contains(p.body, "Your answer is ready") {
		t.Fatalf("the status page offers no download: %s", p.body)
	}
	p = e.postPage("/privacy/demo/requests/"+id+"/download", url.Values{"t": {token}, "lang": {"en"}})
	checkPage(t, "download code", p)
	m := regexp.MustCompile(`name="c" value="(ch_[a-z2-7]+)"`).FindStringSubmatch(p.body)
	if p.status != 200 || m == nil || p.header.Get("Cache-Control") != "no-store" || !strings.Contains(p.body, `action="/privacy/demo/requests/`+id+`/file"`) {
		t.Fatalf("starting the download: %d %s", p.status, p.body)
	}
	code := e.codeFor(email, "download_code")
	wrong := "000000"
	if code == wrong {
		wrong = "999999"
	}
	p = e.postPage("/privacy/demo/requests/"+id+"/file", url.Values{"t": {token}, "c": {m[1]}, "code": {wrong}, "lang": {"en"}})
	if p.status != 422 || !strings.Contains(p.body, "2 attempts left") {
		t.Errorf("a wrong download code: %d", p.status)
	}
	if p := e.postPage("/privacy/demo/requests/"+id+"/file", url.Values{"t": {"wrong"}, "c": {m[1]}, "code": {code}}); p.status != 404 {
		t.Errorf("the file with a wrong token: %d", p.status)
	}
	p = e.postPage("/privacy/demo/requests/"+id+"/file", url.Values{"t": {token}, "c": {m[1]}, "code": {code}, "lang": {"en"}})
	if p.status != 200 || p.header.Get("Content-Type") != "application/zip" || !strings.HasPrefix(p.body, "PK") {
		t.Fatalf("the file: %d %v", p.status, p.header)
	}
	want := map[string]string{
		"Content-Disposition": `attachment; filename=custos-demo-` + id + `.zip`,
		"Cache-Control":       "no-store",
		"Referrer-Policy":     "no-referrer",
	}
	for k, v := range want {
		if got := p.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	// The code works once; the timeline tells of the download.
	if p := e.postPage("/privacy/demo/requests/"+id+"/file", url.Values{"t": {token}, "c": {m[1]}, "code": {code}}); p.status != 422 {
		t.Errorf("the download code again: %d", p.status)
	}
	if p := e.getPage(path); !strings.Contains(p.body, "Answer downloaded") || !strings.Contains(p.body, "Answered") {
		t.Errorf("the status page after the download lacks it")
	}
}

// TestPrivacyCrossSiteForms: every form of the centre refuses a POST that
// the browser marks as cross-site, or whose Origin is not this server.
func TestPrivacyCrossSiteForms(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	id, path := e.verified("access", "eve@example.com")
	token := path[strings.Index(path, "t=")+2:]
	before := e.written()
	forms := map[string]url.Values{
		"/privacy/demo/requests/new":                 requestForm("erasure", "eve@example.com"),
		"/privacy/demo/requests/code":                {"c": {"ch_aaaaaaaaaaaaaaaaaaaaaaaaaa"}, "code": {"123456"}},
		"/privacy/demo/requests/verify":              {"t": {"whatever"}},
		"/privacy/demo/requests/" + id + "/download": {"t": {token}},
		"/privacy/demo/requests/" + id + "/file":     {"t": {token}, "c": {"ch_aaaaaaaaaaaaaaaaaaaaaaaaaa"}, "code": {"123456"}},
	}
	for path, form := range forms {
		for _, hdr := range [][]string{
			{"Sec-Fetch-Site", "cross-site", "Accept-Language", "fr"},
			{"Origin", "https://evil.example", "Accept-Language", "fr"},
		} {
			p := e.postPage(path, form, hdr...)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "depuis un autre site") {
				t.Errorf("%s with %s: %d %s", path, hdr[0], p.status, p.body)
			}
			checkPage(t, path, p)
		}
	}
	if after := e.written(); after != before {
		t.Errorf("cross-site forms wrote: %+v, then %+v", before, after)
	}
	// The same forms from this server's own pages pass.
	if p := e.postPage("/privacy/demo/requests/new", forms["/privacy/demo/requests/new"], "Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL); p.status != http.StatusSeeOther {
		t.Errorf("same-origin form: %d", p.status)
	}
}

func TestPrivacyFormLimits(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	before := e.written()
	form := requestForm("access", "big@example.com")
	form.Set("details", strings.Repeat("x", 40<<10))
	if p := e.postPage("/privacy/demo/requests/new", form); p.status != http.StatusRequestEntityTooLarge {
		t.Errorf("an oversized form: %d", p.status)
	}
	if after := e.written(); after != before {
		t.Errorf("the oversized form wrote")
	}
	for i := range 5 {
		if p := e.postPage("/privacy/demo/requests/new", requestForm("access", "busy@example.com")); p.status != http.StatusSeeOther {
			t.Fatalf("submission %d: %d", i+1, p.status)
		}
	}
	p := e.postPage("/privacy/demo/requests/new", requestForm("access", "busy@example.com"))
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many requests") || !strings.Contains(p.body, "write to us at privacy@demo.example") {
		t.Errorf("sixth submission: %d", p.status)
	}
	checkPage(t, "429", p)
}

// TestPrivacyOptOutNeedsNoCode: a Californian's opt-out of sale or sharing
// needs no verification (CCPA): the form leads to the received page.
func TestPrivacyOptOutNeedsNoCode(t *testing.T) {
	e := newEnv(t, nil, withRequests)
	form := requestForm("objection", "ca@example.com")
	form.Set("objection", "sale_sharing")
	form.Set("region", "US-CA")
	p := e.postPage("/privacy/demo/requests/new", form)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/privacy/demo/requests/received") {
		t.Fatalf("opt-out: %d %q", p.status, p.header.Get("Location"))
	}
	if p := e.getPage(p.header.Get("Location")); p.status != 200 || !strings.Contains(p.body, "We have received your request") {
		t.Errorf("the received page: %d", p.status)
	}
	if rs := e.requestList(); len(rs) != 1 || rs[0].State != custos.StateOpen || rs[0].Objection != "sale_sharing" {
		t.Errorf("the request: %+v", rs)
	}
}
