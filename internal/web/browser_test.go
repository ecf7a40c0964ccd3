package web_test

// Browser tests: the banner in a real Chromium, embedded cross-origin in a
// page with a strict Content-Security-Policy, talking to a real server.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/custos-privacy/custos/internal/browsertest"
	"github.com/custos-privacy/custos/internal/manifest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	browsertest.Close()
	os.Exit(code)
}

// fixture is the site that embeds the banner: every kind of gated element,
// in a known order, each recording that it ran.
var fixture = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fixture</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script nonce="{{.Nonce}}">
window.ran = []; window.events = []; window.dataLayer = []; window.shifts = 0; window.shifted = [];
document.addEventListener("custos:consent", e => events.push(e.detail));
new PerformanceObserver(l => l.getEntries().forEach(x => { if (!x.hadRecentInput) { shifts += x.value; shifted.push(...x.sources.map(s => s.node ? (s.node.id || s.node.nodeName) + " " + JSON.stringify(s.previousRect) + " -> " + JSON.stringify(s.currentRect) : "?")) } })).observe({type: "layout-shift", buffered: true});
</script>
<script src="{{.Custos}}/banner/demo.js{{.Query}}" async nonce="{{.Nonce}}"></script>
</head><body>
<h1>A page with a banner</h1>
<p>Some text at the top, which must not move when the banner shows.</p>
<button id="open" data-custos-open>Privacy settings</button>
<script type="text/plain" data-category="performance" nonce="{{.Nonce}}">ran.push("perf-inline-1"); dataLayer.push({event: "gated"}); document.cookie = "_pk_id.1.abcd=x; path=/; max-age=3600"</script>
<script type="text/plain" data-category="performance" data-src="/ext.js?n=perf-ext-2"></script>
<script type="text/plain" data-category="marketing" nonce="{{.Nonce}}">ran.push("mkt-inline-3"); dataLayer.push({event: "gated"}); document.cookie = "_mkto_trk=id:1; path=/; max-age=3600"</script>
<template data-category="marketing"><p id="from-template">Shown after consent</p><script src="/ext.js?n=mkt-tpl-ext-4"></script><script nonce="{{.Nonce}}">ran.push("mkt-tpl-5")</script></template>
<script type="text/plain" data-category="performance" nonce="{{.Nonce}}">ran.push("perf-inline-6")</script>
<script type="text/plain" data-category="performance">ran.push("perf-no-nonce-7") /* runs with the banner's nonce */</script>
<iframe data-category="social_media" data-vendor="linkedin" data-src="/embed.html" title="A post" width="400" height="150"></iframe>
<p>More text below.</p>
</body></html>`))

// site is the web site under test, on its own origin.
type site struct {
	*httptest.Server
	custos string // the Custos server's base URL
}

func newSite(t *testing.T) *site {
	s := &site{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 16)
		rand.Read(b)
		nonce := base64.StdEncoding.EncodeToString(b)
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' "+s.custos+" 'nonce-"+nonce+"'; "+
			"style-src 'self'; connect-src "+s.custos+"; img-src 'self' data:; frame-src 'self'; base-uri 'none'; object-src 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The region goes to the banner in its URL: a geo header set by the
		// browser, as DevTools would, would be one CORS does not allow.
		q := ""
		if rg := r.URL.Query().Get("region"); rg != "" {
			q = "?region=" + rg
		}
		fixture.Execute(w, map[string]any{"Nonce": nonce, "Custos": s.custos, "Query": template.URL(q)})
	})
	mux.HandleFunc("GET /ext.js", func(w http.ResponseWriter, r *http.Request) {
		// Slower than the inline scripts after it: their order proves the
		// banner waited for it.
		time.Sleep(150 * time.Millisecond)
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, "ran.push(%q); dataLayer.push({event: 'gated'});\n", r.URL.Query().Get("n"))
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		// The head, with the banner, arrives first; the gated script at the
		// end of the body only after the banner has had time to run.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Slow</title>
<script>window.ran = []; window.dataLayer = []</script>
<script src="%s/banner/demo.js?region=%s" async></script></head><body><p>First part</p>`, s.custos, r.URL.Query().Get("region"))
		w.(http.Flusher).Flush()
		time.Sleep(700 * time.Millisecond)
		fmt.Fprint(w, `<script type="text/plain" data-category="performance">ran.push("late")</script></body></html>`)
	})
	mux.HandleFunc("GET /embed.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Embed</title><p id=embedded>Embedded post</p>")
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// browserEnv is a Custos server, a site embedding its banner, and the
// manifest the server holds (swappable).
type browserEnv struct {
	*env
	site *site
	m    atomic.Pointer[manifest.Manifest]
}

func newBrowserEnv(t *testing.T, opts ...func(*options)) *browserEnv {
	t.Helper()
	be := &browserEnv{site: newSite(t)}
	be.setManifest(t, manifest.DemoYAML())
	opts = append(opts, func(o *options) {
		o.current = func() *manifest.Manifest { return be.m.Load() }
	})
	be.env = newEnv(t, nil, opts...)
	be.site.custos = be.srv.URL
	return be
}

// setManifest parses yaml, adds the fixture site's origin, and makes it the
// server's manifest.
func (be *browserEnv) setManifest(t *testing.T, yaml []byte) {
	t.Helper()
	m, err := manifest.Parse("demo.yaml", yaml)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Site("demo")
	s.Origins = append(s.Origins, be.site.URL)
	be.m.Store(m)
}

// tab is one browser context on the fixture page.
type tab struct {
	t   *testing.T
	ctx context.Context
	be  *browserEnv
}

type visit struct {
	region string
	gpc    bool
	gpcHow string // "header", "navigator", or both (default)
	lang   string
	url    string // default: the fixture site
}

func (be *browserEnv) open(t *testing.T, v visit) *tab {
	t.Helper()
	ctx := browsertest.New(t)
	tb := &tab{t: t, ctx: ctx, be: be}
	hdr := network.Headers{}
	if v.lang != "" {
		hdr["Accept-Language"] = v.lang
	}
	// Every page records the Content-Security-Policy violations it sees.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.violations = []; document.addEventListener("securitypolicyviolation", e => violations.push(e.violatedDirective + " " + e.blockedURI))`,
	}); err != nil {
		t.Fatal(err)
	}
	if v.gpc && v.gpcHow != "navigator" {
		hdr["Sec-GPC"] = "1"
	}
	if v.gpc && v.gpcHow != "header" {
		// Chromium has no GPC setting; this is what a browser with GPC on
		// exposes to scripts.
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `Object.defineProperty(Navigator.prototype, "globalPrivacyControl", {get: () => true})`,
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: hdr}); err != nil {
		t.Fatal(err)
	}
	if v.url == "" {
		v.url = be.site.URL + "/?region=" + v.region
	}
	tb.do(chromedp.Navigate(v.url))
	return tb
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// wait waits until the expression is truthy.
// A navigation under way (after a form is submitted) replaces the page's
// JavaScript context; the wait starts again in the new one.
func (tb *tab) wait(expr string) {
	tb.t.Helper()
	var err error
	for range 5 {
		_, err = chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second)))
		if err == nil || !strings.Contains(err.Error(), "Cannot find context") && !strings.Contains(err.Error(), "context was destroyed") && !strings.Contains(err.Error(), "navigated or closed") {
			break
		}
	}
	if err != nil {
		tb.t.Fatalf("waiting for %s: %v", expr, err)
	}
}

// The banner lives in an open shadow root.
const shadow = `document.querySelector("#custos").shadowRoot`

func in(sel string) string { return shadow + `.querySelector(` + jsString(sel) + `)` }

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// click clicks, with the mouse, the element a JavaScript path finds.
func (tb *tab) click(path string) {
	tb.t.Helper()
	tb.wait(path)
	tb.do(chromedp.Click(chromedp.JSPath(path)))
}

func (tb *tab) firstLayer() {
	tb.t.Helper()
	// The banner is drawn, and has taken the focus in the frame after.
	tb.wait(`document.querySelector("#custos") && ` + in(".b") + ` && ` + shadow + `.activeElement == ` + in(".b"))
}

// stored is the banner's cookie, as the page sees it.
type stored struct {
	ID      string          `json:"id"`
	Choices map[string]bool `json:"c"`
	FP      string          `json:"fp"`
	Exp     int64           `json:"exp"`
	Method  string          `json:"m"`
	Receipt string          `json:"r"`
	Pending int             `json:"p"`
}

const readCookie = `(() => { const m = document.cookie.match(/(?:^|; )custos_consent=([^;]*)/); return m ? decodeURIComponent(m[1]) : "" })()`

func (tb *tab) cookie() stored {
	tb.t.Helper()
	raw := eval[string](tb, readCookie)
	var s stored
	if raw == "" {
		tb.t.Fatal("no consent cookie")
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		tb.t.Fatalf("consent cookie %q: %v", raw, err)
	}
	return s
}

// recorded waits until the server has answered the banner's POST (the
// receipt id is in the cookie), and returns the cookie and the server's
// current record for that consent id.
func (tb *tab) recorded() (stored, map[string]any) {
	tb.t.Helper()
	tb.wait(readCookie + `.includes('"r":')`)
	c := tb.cookie()
	code, _, body := tb.be.do("GET", "/api/v1/consents/"+c.ID+"?site=demo", nil)
	if code != http.StatusOK {
		tb.t.Fatalf("consent state of %s: %d %s", c.ID, code, body)
	}
	return c, decode[map[string]any](tb.t, body)
}

func (tb *tab) ran() []string { return eval[[]string](tb, `ran`) }

func (tb *tab) noViolations() {
	tb.t.Helper()
	if v := eval[[]string](tb, `violations`); len(v) > 0 {
		tb.t.Errorf("Content-Security-Policy violations: %v", v)
	}
}

// matches checks that the server's receipt holds what the cookie says.
func matches(t *testing.T, c stored, rec map[string]any, method string) {
	t.Helper()
	if c.Method != method || rec["method"] != method {
		t.Errorf("method: cookie %q, receipt %v, want %q", c.Method, rec["method"], method)
	}
	if rec["subject"] != c.ID || rec["id"] != c.Receipt || rec["manifest_fingerprint"] != c.FP || rec["receipt"] == "" {
		t.Errorf("receipt %v does not match cookie %+v", rec, c)
	}
	got := map[string]bool{}
	for k, v := range rec["choices"].(map[string]any) {
		got[k] = v.(bool)
	}
	if fmt.Sprint(got) != fmt.Sprint(c.Choices) {
		t.Errorf("choices: receipt %v, cookie %v", got, c.Choices)
	}
}

var allGated = []string{"perf-inline-1", "perf-ext-2", "mkt-inline-3", "mkt-tpl-ext-4", "mkt-tpl-5", "perf-inline-6", "perf-no-nonce-7"}

func TestBrowserAcceptAll(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "DE"})
	tb.firstLayer()
	if got := tb.ran(); len(got) != 0 {
		t.Fatalf("gated scripts ran before consent: %v", got)
	}
	if eval[bool](tb, `!!document.querySelector("#from-template") || !!document.querySelector("iframe").getAttribute("src")`) {
		t.Fatal("gated markup or embed loaded before consent")
	}
	if !eval[bool](tb, `document.querySelector(".custos-ph").textContent.includes("LinkedIn")`) {
		t.Error("the embed's placeholder does not name the vendor")
	}
	tb.wait(`document.activeElement.id == "custos" && ` + shadow + `.activeElement == ` + in(".b")) // focus moves into the banner
	// The banner floats over the page: nothing of the page moved when it
	// (and the embed's placeholder) appeared.
	if s := eval[float64](tb, `shifts`); s != 0 {
		t.Errorf("the banner shifted the page's layout by %v: %s", s, eval[string](tb, `shifted.join("; ")`))
	}
	tb.click(in(`[data-a=accept]`))
	tb.wait(`ran.length == 7`)
	if got := tb.ran(); !slices.Equal(got, allGated) {
		t.Errorf("ran %v, want %v (document order, each once)", got, allGated)
	}
	c, rec := tb.recorded()
	matches(t, c, rec, "accept_all")
	if got := tb.ran(); !slices.Equal(got, allGated) {
		t.Errorf("after the receipt came back, ran %v: something ran twice", got)
	}
	for id, v := range c.Choices {
		if !v {
			t.Errorf("accept all left %s refused", id)
		}
	}
	if c.FP != be.site.custosFingerprint(be) || rec["region"] != "DE" || rec["jurisdiction"] != "eu" {
		t.Errorf("receipt %v", rec)
	}
	tb.wait(`document.querySelector("iframe").getAttribute("src") == "/embed.html" && !document.querySelector(".custos-ph")`)
	if got := eval[string](tb, `events.map(e => e.method).join()`); got != "accept_all" {
		t.Errorf("custos:consent events %q", got)
	}
	if !eval[bool](tb, `!`+in(".b")+` && !!`+in(".f")) {
		t.Error("after the choice the banner should be gone and the floating button shown")
	}

	// The next page view runs what was consented to, at once, and records
	// nothing new.
	tb.do(chromedp.Reload())
	tb.wait(`window.Custos && ran.length == 7`)
	if eval[bool](tb, `!!`+in(".b")) {
		t.Error("the banner showed again although a valid choice is stored")
	}
	code, _, body := be.do("GET", "/api/v1/consents/"+c.ID+"/history?site=demo", nil)
	if h := decode[map[string]any](t, body); code != 200 || len(h["receipts"].([]any)) != 1 {
		t.Errorf("history after reload: %d %s", code, body)
	}
	tb.noViolations()
	// No third party: every request went to the site or to Custos.
	hosts := eval[[]string](tb, `performance.getEntriesByType("resource").map(e => new URL(e.name).origin)`)
	for _, h := range hosts {
		if h != be.site.URL && h != be.srv.URL {
			t.Errorf("a request went to %s", h)
		}
	}
	if len(hosts) == 0 {
		t.Error("no resource timing entries: the check above proved nothing")
	}
}

func (s *site) custosFingerprint(be *browserEnv) string {
	return be.m.Load().Site("demo").Fingerprint()
}

func TestBrowserRejectAllThenLoadEmbed(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "FR"})
	tb.firstLayer()
	tb.click(in(`[data-a=reject]`))
	c, rec := tb.recorded()
	matches(t, c, rec, "reject_all")
	for id, v := range c.Choices {
		if v != (id == "necessary") {
			t.Errorf("reject all: %s = %v", id, v)
		}
	}
	// apply() runs synchronously with the choice, and the receipt came
	// after it: had anything been allowed, it would have run by now.
	if got := tb.ran(); len(got) != 0 {
		t.Fatalf("gated scripts ran after reject all: %v", got)
	}
	tb.click(`document.querySelector(".custos-ph button")`)
	tb.wait(`document.querySelector("iframe").getAttribute("src") == "/embed.html"`)
	tb.wait(readCookie + `.includes('"m":"custom"') && ` + readCookie + `.includes('"r":')`)
	c2, rec2 := tb.recorded()
	matches(t, c2, rec2, "custom")
	if !c2.Choices["social_media"] || c2.Choices["marketing"] || c2.ID != c.ID {
		t.Errorf("after loading the embed: %+v", c2)
	}
	if got := tb.ran(); len(got) != 0 {
		t.Errorf("loading an embed ran other categories' scripts: %v", got)
	}
	tb.noViolations()
}

func TestBrowserCustomize(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "DE"})
	tb.firstLayer()
	tb.click(in(`[data-a=custom]`))
	tb.wait(in(".pc"))
	if !eval[bool](tb, in(`input[name=necessary]`)+`.checked && `+in(`input[name=necessary]`)+`.disabled`) {
		t.Error("the required category is not shown on and locked")
	}
	if n := eval[int](tb, shadow+`.querySelectorAll("input:checked:not([disabled])").length`); n != 0 {
		t.Errorf("%d optional categories pre-ticked", n)
	}
	if !eval[bool](tb, shadow+`.textContent.includes("_mkto_trk") && `+shadow+`.querySelector("a[href='https://www.adobe.com/privacy/policy.html']") != null`) {
		t.Error("vendors, cookies or privacy-policy links missing from the preference centre")
	}
	tb.click(in(`input[name=performance]`))
	tb.click(in(`[data-a=save]`))
	tb.wait(`ran.length == 4`)
	if got, want := tb.ran(), []string{"perf-inline-1", "perf-ext-2", "perf-inline-6", "perf-no-nonce-7"}; !slices.Equal(got, want) {
		t.Errorf("ran %v, want %v", got, want)
	}
	c, rec := tb.recorded()
	matches(t, c, rec, "custom")
	if !c.Choices["performance"] || c.Choices["marketing"] || c.Choices["functionality"] {
		t.Errorf("choices %v", c.Choices)
	}
}

func TestBrowserCloseIsRefusal(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "DE"})
	tb.firstLayer()
	tb.click(in(`.x`))
	c, rec := tb.recorded()
	matches(t, c, rec, "close")
	if c.Choices["performance"] || c.Choices["marketing"] {
		t.Errorf("closing recorded %v", c.Choices)
	}
}

func TestBrowserWithdrawDeletesCookies(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "DE"})
	tb.firstLayer()
	tb.click(in(`[data-a=accept]`))
	tb.wait(`ran.length == 7 && document.cookie.includes("_pk_id.1.abcd") && document.cookie.includes("_mkto_trk")`)
	eval[bool](tb, `document.cookie = "unrelated=1; path=/"; window.changes = []; Custos.on("change", d => changes.push(d)); true`)

	tb.click(`document.querySelector("#open")`) // any element with data-custos-open
	tb.wait(in(".pc"))
	if !eval[bool](tb, in(`input[name=performance]`)+`.checked`) {
		t.Fatal("the preference centre does not show the current choice")
	}
	tb.click(in(`input[name=performance]`))
	tb.click(in(`[data-a=save]`))
	tb.wait(`!document.cookie.includes("_pk_id.1.abcd")`)
	if !eval[bool](tb, `document.cookie.includes("_mkto_trk") && document.cookie.includes("unrelated=1")`) {
		t.Errorf("cookies of other categories were deleted: %q", eval[string](tb, `document.cookie`))
	}
	if got := eval[string](tb, `events.at(-1).withdrawn.join() + "|" + changes.map(c => c.withdrawn.join()).join()`); got != "performance|performance" {
		t.Errorf("withdrawal told the page %q", got)
	}
	if eval[bool](tb, `Custos.consent().performance`) {
		t.Error("Custos.consent() still reports the withdrawn category")
	}
	tb.wait(readCookie + `.includes('"m":"custom"') && ` + readCookie + `.includes('"r":')`)
	c, rec := tb.recorded()
	matches(t, c, rec, "custom")
}

func TestBrowserAsksAgainWhenTheManifestOrLifetimeChanges(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "DE"})
	tb.firstLayer()
	tb.click(in(`[data-a=accept]`))
	tb.wait(`ran.length == 7 && document.cookie.includes("_pk_id.1.abcd") && document.cookie.includes("_mkto_trk")`)
	first, _ := tb.recorded()
	old := be.m.Load().Site("demo").Fingerprint()

	// A new cookie declared for a vendor changes what visitors consent to.
	yaml := bytes.Replace(manifest.DemoYAML(), []byte("          - name: _mkto_trk\n"),
		[]byte("          - name: _mkto_new\n            duration: 1y\n            party: first\n            purpose: {en: New., fr: Nouveau., de: Neu.}\n          - name: _mkto_trk\n"), 1)
	be.setManifest(t, yaml)
	if be.m.Load().Site("demo").Fingerprint() == old {
		t.Fatal("the edit did not change the fingerprint")
	}
	// Bypass the browser's cache: the script is fresh for a minute, and
	// what is tested here is the banner's reaction, not HTTP caching.
	if _, err := chromedp.Call(tb.ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.Reload())
	tb.firstLayer()
	if got := tb.ran(); len(got) != 0 {
		t.Errorf("consent given under the old manifest still ran scripts: %v", got)
	}
	// Refusing now withdraws what the old choice allowed: its cookies go.
	tb.click(in(`[data-a=reject]`))
	tb.wait(`!document.cookie.includes("_pk_id.1.abcd") && !document.cookie.includes("_mkto_trk")`)
	c, rec := tb.recorded()
	matches(t, c, rec, "reject_all")
	if c.FP != be.m.Load().Site("demo").Fingerprint() || c.ID != first.ID {
		t.Errorf("after the re-ask: cookie %+v, first consent id %s", c, first.ID)
	}
	if got := eval[string](tb, `events.at(-1).withdrawn.sort().join()`); got != "functionality,marketing,performance,social_media" {
		t.Errorf("withdrawn after the re-ask: %q", got)
	}

	// An expired choice is asked again too.
	eval[bool](tb, `(() => { const c = JSON.parse(`+readCookie+`); c.exp = Date.now() - 1000;
		document.cookie = "custos_consent=" + encodeURIComponent(JSON.stringify(c)) + "; path=/"; return true })()`)
	tb.do(chromedp.Reload())
	tb.firstLayer()
}

// key presses a key and returns the name of the focused control in the
// banner: its data-a, input name, or tag.
func (tb *tab) key(k string) string {
	tb.t.Helper()
	tb.do(chromedp.KeyEvent(k))
	return tb.focused()
}

func (tb *tab) focused() string {
	return eval[string](tb, `(() => { const a = `+shadow+`.activeElement; if (!a) return "outside";
		return a.dataset.a || a.name || a.className || a.tagName })()`)
}

func TestBrowserKeyboardOnly(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "DE"})
	tb.firstLayer()
	var seen []string
	for range 10 {
		f := tb.key("\t")
		seen = append(seen, f)
		if f == "custom" {
			break
		}
	}
	if !slices.Contains(seen, "accept") || !slices.Contains(seen, "reject") || seen[len(seen)-1] != "custom" {
		t.Fatalf("tabbing through the first layer reached %v", seen)
	}
	if eval[string](tb, shadow+`.activeElement && getComputedStyle(`+shadow+`.activeElement).outlineStyle`) == "none" {
		t.Error("the focused button has no visible focus")
	}
	tb.key("\r")
	tb.wait(in(".pc") + ` && ` + shadow + `.activeElement == ` + in(".pc"))

	// The focus stays in the preference centre, going round.
	n := eval[int](tb, in(".pc")+`.querySelectorAll("button,a,input:not([disabled]),summary").length`)
	var round []string
	for range n + 2 {
		f := tb.key("\t")
		if f == "outside" || !eval[bool](tb, in(".pc")+`.contains(`+shadow+`.activeElement)`) {
			t.Fatalf("focus left the preference centre after %v", round)
		}
		round = append(round, f)
	}
	if i := slices.Index(round, "save"); i < 0 || i+1 >= len(round) || round[i+1] != round[0] {
		t.Errorf("focus did not wrap around from the last control to the first: %v", round)
	}
	// Shift+Tab from the first control goes to the last.
	for tb.focused() != round[0] {
		tb.key("\t")
	}
	tb.do(chromedp.KeyEvent("\t", chromedp.KeyModifiers(chromedp.ModifierShift)))
	if f := tb.focused(); f != "save" {
		t.Errorf("Shift+Tab from the first control went to %q, want save", f)
	}

	for i := 0; tb.focused() != "performance"; i++ {
		if i > n {
			t.Fatal("could not reach the performance toggle by keyboard")
		}
		tb.key("\t")
	}
	tb.key(" ")
	if !eval[bool](tb, in(`input[name=performance]`)+`.checked`) {
		t.Error("Space did not toggle the category")
	}
	tb.key(kb.Escape)
	tb.wait(`!` + in(".pc") + ` && ` + in(".b"))

	for i := 0; tb.focused() != "reject"; i++ {
		if i > 10 {
			t.Fatal("could not reach Reject all by keyboard")
		}
		tb.key("\t")
	}
	tb.key("\r")
	c, rec := tb.recorded()
	matches(t, c, rec, "reject_all")
}

func TestBrowserButtonsEqualContrastMotion(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "DE"})
	for _, size := range [][2]int64{{1280, 800}, {375, 740}} {
		tb.do(chromedp.EmulateViewport(size[0], size[1]))
		tb.do(chromedp.Reload())
		tb.firstLayer()
		got := eval[[]string](tb, `[`+in(`[data-a=accept]`)+`, `+in(`[data-a=reject]`)+`].map(b => {
			const s = getComputedStyle(b), r = b.getBoundingClientRect();
			return [Math.round(r.width), Math.round(r.height), s.backgroundColor, s.color, s.fontWeight, s.fontSize, s.borderTopColor, s.borderTopWidth].join("|") })`)
		if got[0] != got[1] {
			t.Errorf("%dx%d: Accept and Reject differ: %q vs %q", size[0], size[1], got[0], got[1])
		}
		// Same rank: side by side on one row, or stacked one after the other.
		if !eval[bool](tb, `(() => { const a = `+in(`[data-a=accept]`)+`.getBoundingClientRect(), r = `+in(`[data-a=reject]`)+`.getBoundingClientRect();
			return a.top == r.top || a.left == r.left })()`) {
			t.Errorf("%dx%d: Accept and Reject are not aligned", size[0], size[1])
		}
		if eval[bool](tb, in(".b")+`.getBoundingClientRect().right > innerWidth || `+in(".b")+`.getBoundingClientRect().left < 0`) {
			t.Errorf("%dx%d: the banner overflows the viewport", size[0], size[1])
		}
		for _, pair := range [][2]string{{`[data-a=accept]`, `[data-a=accept]`}, {`#ct`, `.b`}, {`#cd`, `.b`}, {`[data-a=custom]`, `[data-a=custom]`}, {`a`, `.b`}} {
			ratio := eval[float64](tb, contrastJS+`(`+in(pair[0])+`, `+in(pair[1])+`)`)
			if ratio < 4.5 {
				t.Errorf("%dx%d: contrast of %s on %s is %.2f, below 4.5", size[0], size[1], pair[0], pair[1], ratio)
			}
		}
	}
	// Themeable: the page's custom properties reach into the shadow root.
	eval[bool](tb, `document.documentElement.style.setProperty("--custos-accent", "rgb(11, 110, 79)"), true`)
	if got := eval[string](tb, `getComputedStyle(`+in(`[data-a=reject]`)+`).backgroundColor`); got != "rgb(11, 110, 79)" {
		t.Errorf("--custos-accent on the page gave the button %s", got)
	}
	if a := eval[string](tb, `getComputedStyle(`+in(".b")+`).animationName`); a == "none" {
		t.Errorf("no entrance animation without a motion preference (animation %q); the next check would prove nothing", a)
	}
	if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.Reload())
	tb.firstLayer()
	if a := eval[string](tb, `getComputedStyle(`+in(".b")+`).animationName`); a != "none" {
		t.Errorf("with prefers-reduced-motion: reduce the banner still animates (%s)", a)
	}
}

// contrastJS computes the WCAG contrast ratio between an element's text
// colour and the background colour of another.
const contrastJS = `((fg, bg) => {
	const lum = c => { const v = c.match(/[\d.]+/g).slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4 });
		return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2] };
	const a = lum(getComputedStyle(fg).color), b = lum(getComputedStyle(bg).backgroundColor);
	return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) })`

func TestBrowserGPCInOptOutRegion(t *testing.T) {
	for _, how := range []string{"both", "header", "navigator"} {
		t.Run(how, func(t *testing.T) {
			be := newBrowserEnv(t)
			tb := be.open(t, visit{region: "US-CA", gpc: true, gpcHow: how})
			c, rec := tb.recorded()
			matches(t, c, rec, "gpc")
			if rec["mode"] != "opt_out" || rec["gpc"] != (how != "navigator") {
				t.Errorf("receipt %v: want an opt-out jurisdiction, gpc as the Sec-GPC header said", rec)
			}
			for _, cat := range be.m.Load().Site("demo").Categories {
				if c.Choices[cat.ID] == cat.SaleSharing {
					t.Errorf("GPC in an opt-out region: %s = %v", cat.ID, c.Choices[cat.ID])
				}
			}
			if eval[bool](tb, `!!`+in(".b")) {
				t.Error("the banner asked although GPC already answered")
			}
			tb.wait(`ran.length == 4`)
			if got := tb.ran(); slices.Contains(got, "mkt-inline-3") {
				t.Errorf("marketing ran despite GPC: %v", got)
			}
			if how != "both" {
				return
			}
			// A visitor who then opts in, GPC still on, keeps that choice.
			eval[bool](tb, `Custos.acceptAll(), true`)
			tb.wait(readCookie + `.includes('"m":"accept_all"') && ` + readCookie + `.includes('"r":')`)
			tb.do(chromedp.Reload())
			tb.wait(`window.Custos && ran.length == 7`)
			if c := tb.cookie(); c.Method != "accept_all" {
				t.Errorf("GPC overrode a choice made with GPC on: %+v", c)
			}
		})
	}
}

func TestBrowserGPCInOptInRegion(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "DE", gpc: true})
	tb.firstLayer()
	if !eval[bool](tb, `!!`+in(".g")) {
		t.Error("no word about the GPC signal")
	}
	if eval[bool](tb, `Object.entries(Custos.consent()).some(([k, v]) => v && k != "necessary")`) {
		t.Errorf("GPC in an opt-in region must pre-select refusal: %v", eval[map[string]bool](tb, `Custos.consent()`))
	}
	if eval[string](tb, readCookie) != "" {
		t.Error("a choice was stored without asking")
	}
	tb.click(in(`[data-a=custom]`))
	tb.wait(in(".pc"))
	if n := eval[int](tb, shadow+`.querySelectorAll("input:checked:not([disabled])").length`); n != 0 {
		t.Errorf("%d categories pre-ticked under GPC", n)
	}
}

func TestBrowserOptOutRegion(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "US-CA"})
	tb.firstLayer()
	tb.wait(`ran.length == 7`) // opt-out: on until refused
	if !eval[bool](tb, in(".dns")+`.textContent.includes("Do Not Sell or Share")`) {
		t.Fatal(`no "Do Not Sell or Share My Personal Information" link`)
	}
	tb.click(in(".dns"))
	tb.wait(in(".pc"))
	c, rec := tb.recorded()
	matches(t, c, rec, "custom")
	if c.Choices["marketing"] || c.Choices["social_media"] || !c.Choices["performance"] {
		t.Errorf("opt-out of sale/sharing recorded %v", c.Choices)
	}
}

func TestBrowserConsentMode(t *testing.T) {
	be := newBrowserEnv(t)
	tb := be.open(t, visit{region: "DE"})
	tb.firstLayer()
	tb.click(in(`[data-a=accept]`))
	tb.wait(`ran.length == 7`)
	// Each entry: "default:ad_storage=denied,..." for gtag consent calls,
	// "gated" for a gated tag.
	log := eval[[]string](tb, `dataLayer.map(e => e.event == "gated" ? "gated" :
		e[0] == "consent" ? e[1] + ":" + Object.entries(e[2]).map(([k, v]) => k + "=" + v).sort().join() : "other")`)
	if len(log) == 0 || !strings.HasPrefix(log[0], "default:") || strings.Contains(log[0], "granted") {
		t.Fatalf("the first dataLayer entry must be the all-denied default: %v", log)
	}
	first := slices.Index(log, "gated")
	if first < 0 {
		t.Fatalf("no gated tag ran: %v", log)
	}
	var last string
	for _, e := range log[:first] {
		if strings.HasPrefix(e, "update:") {
			last = e
		}
	}
	for _, typ := range []string{"ad_storage=granted", "analytics_storage=granted", "ad_user_data=granted", "ad_personalization=granted"} {
		if !strings.Contains(last, typ) {
			t.Errorf("the update before the first gated tag lacks %s: %v", typ, log)
		}
	}
}

// TestBrowserBannerLanguages checks the interface follows Accept-Language.
func TestBrowserBannerLanguages(t *testing.T) {
	be := newBrowserEnv(t)
	for lang, want := range map[string]string{"fr-FR,fr;q=0.9": "Tout refuser", "de": "Alle ablehnen", "en-GB": "Reject all"} {
		tb := be.open(t, visit{region: "DE", lang: lang})
		tb.firstLayer()
		if got := eval[string](tb, in(`[data-a=reject]`)+`.textContent`); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

func TestBrowserNoticeRegionAndAPI(t *testing.T) {
	be := newBrowserEnv(t)
	// Everywhere else becomes notice-only: inform, run everything.
	yaml := bytes.Replace(manifest.DemoYAML(), []byte("regions: [\"*\"]\n        mode: opt_in"), []byte("regions: [\"*\"]\n        mode: notice"), 1)
	be.setManifest(t, yaml)
	if be.m.Load().Site("demo").Jurisdiction("JP").Mode != manifest.ModeNotice {
		t.Fatal("the edit did not make JP notice-only")
	}
	tb := be.open(t, visit{region: "JP"})
	tb.firstLayer()
	tb.wait(`ran.length == 7`)
	if eval[bool](tb, `!!`+in(`[data-a=accept]`)+` || !!`+in(`[data-a=reject]`)+` || !`+in(`[data-a=ok]`)) {
		t.Error("a notice-only region should get an OK button, not a consent question")
	}
	tb.click(in(`[data-a=ok]`))
	tb.wait(readCookie + `.includes('"m":"notice"')`)
	if c := tb.cookie(); c.Pending != 0 || c.Receipt != "" {
		t.Errorf("acknowledging a notice is not a choice to record: %+v", c)
	}

	// The JavaScript API.
	eval[bool](tb, `Custos.open(), true`)
	tb.wait(in(".pc"))
	eval[bool](tb, `Custos.rejectAll(), true`)
	c, rec := tb.recorded()
	matches(t, c, rec, "reject_all")
	if got := eval[map[string]bool](tb, `Custos.consent()`); got["marketing"] || !got["necessary"] {
		t.Errorf("Custos.consent() after rejectAll: %v", got)
	}
	eval[bool](tb, `Custos.acceptAll(), true`)
	tb.wait(readCookie + `.includes('"m":"accept_all"') && ` + readCookie + `.includes('"r":')`)
	c, rec = tb.recorded()
	matches(t, c, rec, "accept_all")
}

// TestBrowserRightToLeft: a site in a right-to-left language gets a
// mirrored banner. The demo's German texts stand in for Arabic ones, under
// the locale ar; the interface strings fall back to English.
func TestBrowserRightToLeft(t *testing.T) {
	be := newBrowserEnv(t)
	yaml := regexp.MustCompile(`(\n\s+)de:( |\n)`).ReplaceAll(manifest.DemoYAML(), []byte("${1}ar:${2}"))
	yaml = bytes.Replace(yaml, []byte("locales: [en, fr, de]"), []byte("locales: [en, fr, ar]"), 1)
	yaml = bytes.ReplaceAll(yaml, []byte("locale: de,"), []byte("locale: ar,"))
	be.setManifest(t, yaml)
	tb := be.open(t, visit{region: "DE", lang: "ar"})
	tb.firstLayer()
	if got := eval[string](tb, `document.querySelector("#custos").dir + " " + getComputedStyle(`+in("h2")+`).direction`); got != "rtl rtl" {
		t.Fatalf("dir and direction: %q", got)
	}
	// Mirrored: the close button sits at the left end, the first button
	// (Accept all) at the right end of its row.
	if !eval[bool](tb, `(() => { const b = `+in(".b")+`.getBoundingClientRect(), x = `+in(".x")+`.getBoundingClientRect(),
		a = `+in("[data-a=accept]")+`.getBoundingClientRect(), c = `+in("[data-a=custom]")+`.getBoundingClientRect();
		return x.left - b.left < 60 && a.left > c.left })()`) {
		t.Error("the banner is not mirrored in a right-to-left locale")
	}
	tb.settled()
	browsertest.Screenshot(t, tb.ctx, "banner-rtl", false)
}
