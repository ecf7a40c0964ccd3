package demo

import (
	"bytes"
	"image/gif"
	"io/fs"
	"net/http"
	"net/http/httptest"
	pathpkg "path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// server mounts the demo the way the server does: each pattern on a mux of
// its own, behind a middleware that sets the server's default CSP.
func server(t *testing.T) http.Handler {
	t.Helper()
	mux := http.NewServeMux()
	for _, p := range Patterns {
		mux.Handle(p, Handler())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		mux.ServeHTTP(w, r)
	})
}

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

// pathOf turns a pattern into a path that it matches.
func pathOf(pattern string) string {
	_, p, _ := strings.Cut(pattern, " ")
	return strings.TrimSuffix(p, "{$}")
}

func TestEveryPatternAnswers(t *testing.T) {
	h := server(t)
	want := map[string]string{
		".css": "text/css; charset=utf-8",
		".js":  "text/javascript; charset=utf-8",
		".gif": "image/gif",
	}
	for _, p := range Patterns {
		path := pathOf(p)
		t.Run(path, func(t *testing.T) {
			rec := get(t, h, path)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", rec.Code)
			}
			ct, ok := want[pathpkg.Ext(path)]
			if !ok {
				ct = "text/html; charset=utf-8"
			}
			if got := rec.Header().Get("Content-Type"); got != ct {
				t.Errorf("Content-Type %q, want %q", got, ct)
			}
			if rec.Body.Len() == 0 {
				t.Error("empty body")
			}
			if strings.HasPrefix(ct, "text/html") {
				if csp := rec.Header().Get("Content-Security-Policy"); csp == "default-src 'none'; frame-ancestors 'none'" {
					t.Error("the page kept the server's default CSP, which would block its own stylesheet")
				}
			}
		})
	}
}

func TestPatternsAreDistinctAndGET(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Patterns {
		if !strings.HasPrefix(p, "GET /") {
			t.Errorf("%q: want a GET pattern", p)
		}
		if seen[p] {
			t.Errorf("%q listed twice", p)
		}
		seen[p] = true
	}
	// http.ServeMux panics on conflicting patterns; mounting them all
	// checks that they can live on one mux.
	server(t)
}

func TestAssetsRevalidate(t *testing.T) {
	h := server(t)
	rec := get(t, h, "/demo/site.css")
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	req := httptest.NewRequest(http.MethodGet, "/demo/site.css", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", rec.Code)
	}
}

var nonceRE = regexp.MustCompile(`'nonce-([A-Za-z0-9+/_=-]+)'`)

func nonceOf(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	m := nonceRE.FindAllStringSubmatch(rec.Header().Get("Content-Security-Policy"), -1)
	if len(m) != 1 {
		t.Fatalf("want one nonce in the CSP, got %d: %q", len(m), rec.Header().Get("Content-Security-Policy"))
	}
	if len(m[0][1]) < 22 {
		t.Fatalf("nonce %q is shorter than 128 bits", m[0][1])
	}
	return m[0][1]
}

func TestHomeCSP(t *testing.T) {
	rec := get(t, server(t), "/")
	csp := rec.Header().Get("Content-Security-Policy")
	nonce := nonceOf(t, rec)
	want := "default-src 'self'; script-src 'self' 'nonce-" + nonce + "'; style-src 'self'; img-src 'self' data:; " +
		"frame-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	if csp != want {
		t.Errorf("CSP\n got %s\nwant %s", csp, want)
	}
	if strings.Contains(csp, "unsafe-") {
		t.Errorf("CSP allows unsafe sources: %s", csp)
	}
	body := rec.Body.String()
	for _, tag := range []string{
		`<script src="/banner/demo.js" async nonce="` + nonce + `"></script>`,
		`<script type="text/plain" data-category="functionality" nonce="` + nonce + `">`,
	} {
		if strings.Count(body, tag) != 1 {
			t.Errorf("want exactly one %s", tag)
		}
	}
	if n := strings.Count(body, `nonce="`); n != 2 {
		t.Errorf("%d nonce attributes, want 2: only the banner and the gated inline script may run inline", n)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store: a cached page replays its nonce", got)
	}
}

func TestNoncesDiffer(t *testing.T) {
	h := server(t)
	seen := map[string]bool{}
	for range 5 {
		n := nonceOf(t, get(t, h, "/"))
		if seen[n] {
			t.Fatalf("nonce %q served twice", n)
		}
		seen[n] = true
	}
}

func TestBannerOff(t *testing.T) {
	h := server(t)
	on := get(t, h, "/")
	off := get(t, h, "/?banner=off")
	if off.Code != http.StatusOK {
		t.Fatalf("status %d", off.Code)
	}
	if strings.Contains(off.Body.String(), "/banner/demo.js") {
		t.Error("?banner=off still loads the banner")
	}
	norm := func(rec *httptest.ResponseRecorder) string {
		return strings.ReplaceAll(rec.Body.String(), nonceOf(t, rec), "NONCE")
	}
	want := strings.Replace(norm(on), "\n  <script src=\"/banner/demo.js\" async nonce=\"NONCE\"></script>", "", 1)
	if got := norm(off); got != want {
		t.Errorf("?banner=off differs from the page by more than the banner tag:\n%s", firstDiff(got, want))
	}
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-80)
	return "got  …" + a[lo:min(len(a), i+80)] + "…\nwant …" + b[lo:min(len(b), i+80)] + "…"
}

// The gated examples must be inert until the banner activates them: no
// src the browser would load, no script type it would run.
func TestGatedElements(t *testing.T) {
	body := get(t, server(t), "/").Body.String()
	nonce := ""
	if m := regexp.MustCompile(`nonce="([^"]+)"`).FindStringSubmatch(body); m != nil {
		nonce = m[1]
	}
	for _, want := range []string{
		`<script type="text/plain" data-category="performance" data-src="/demo/analytics.js"></script>`,
		`<template data-category="marketing"><img src="/demo/pixel.gif" alt="" width="1" height="1"><script src="/demo/marketing.js"></script></template>`,
		`<script type="text/plain" data-category="functionality" nonce="` + nonce + `">`,
		`<iframe data-category="social_media" data-vendor="linkedin" data-src="/demo/embed/linkedin" title="LinkedIn post" width="504" height="460"></iframe>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}

	// Outside the template, the only scripts that run are the banner and
	// the page's own script; every other one is text/plain.
	outside := regexp.MustCompile(`(?s)<template.*?</template>`).ReplaceAllString(body, "")
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(outside, -1) {
		switch {
		case strings.Contains(tag, `src="/banner/demo.js"`), tag == `<script src="/demo/page.js" defer>`:
		case strings.Contains(tag, `type="text/plain"`) && strings.Contains(tag, "data-category="):
		default:
			t.Errorf("a script runs before consent: %s", tag)
		}
	}
	for _, s := range []string{` src="/demo/analytics.js"`, ` src="/demo/pixel.gif"`, ` src="/demo/marketing.js"`, ` src="/demo/embed/linkedin"`} {
		if strings.Contains(outside, s) {
			t.Errorf("%s is loaded before consent", s)
		}
	}
	if strings.Contains(outside, "/demo/chat.js") && !strings.Contains(gatedInline(outside), "/demo/chat.js") {
		t.Error("the chat loads outside its gated snippet")
	}
	if regexp.MustCompile(`<iframe[^>]*\ssrc=`).MatchString(body) {
		t.Error("the iframe has a src before consent")
	}

	for _, c := range []string{"performance", "functionality", "marketing", "social_media"} {
		want := `id="status-` + c + `" data-state="off">not running<`
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if !regexp.MustCompile(`<button[^>]*data-custos-open[^>]*>Privacy settings</button>`).MatchString(body) {
		t.Error("no Privacy settings button with data-custos-open")
	}
	for _, href := range []string{"/en/privacy", "/fr/vie-privee", "/de/datenschutz", "/privacy/demo/cookies"} {
		if !strings.Contains(body, `href="`+href+`"`) {
			t.Errorf("no link to %s", href)
		}
	}
}

func gatedInline(body string) string {
	m := regexp.MustCompile(`(?s)<script type="text/plain" data-category="functionality"[^>]*>.*?</script>`).FindString(body)
	return m
}

func TestNotices(t *testing.T) {
	h := server(t)
	for _, tc := range []struct{ path, lang string }{
		{"/en/privacy", "en"},
		{"/fr/vie-privee", "fr"},
		{"/de/datenschutz", "de"},
		{"/en-us/your-us-state-privacy-rights", "en-US"},
		{"/en/privacy/brazil", "en"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := get(t, h, tc.path)
			body := rec.Body.String()
			if !strings.Contains(body, `<html lang="`+tc.lang+`">`) {
				t.Errorf("want lang %q", tc.lang)
			}
			nonce := nonceOf(t, rec)
			if !strings.Contains(body, `<script src="/banner/demo.js" async nonce="`+nonce+`"></script>`) {
				t.Error("no banner tag with the response's nonce")
			}
			for _, want := range []string{`href="/demo/site.css"`, `href="/privacy/demo/requests/new"`, "dpo@demo.example", "data-custos-open"} {
				if !strings.Contains(body, want) {
					t.Errorf("missing %s", want)
				}
			}
		})
	}
	// The translations link to each other, and mark the current one.
	for _, p := range []string{"/en/privacy", "/fr/vie-privee", "/de/datenschutz"} {
		body := get(t, h, p).Body.String()
		for _, other := range []string{"/en/privacy", "/fr/vie-privee", "/de/datenschutz"} {
			if !strings.Contains(body, `href="`+other+`"`) {
				t.Errorf("%s does not link to %s", p, other)
			}
		}
		if !strings.Contains(body, `href="`+p+`" hreflang="`+p[1:3]+`" lang="`+p[1:3]+`" aria-current="page"`) {
			t.Errorf("%s does not mark itself as the current language", p)
		}
	}
	if strings.Contains(get(t, h, "/en/privacy?banner=off").Body.String(), "/banner/demo.js") {
		t.Error("?banner=off does not apply to the notices")
	}
}

func TestEmbedCSP(t *testing.T) {
	rec := get(t, server(t), "/demo/embed/linkedin")
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'self'", "style-src 'self'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if !strings.Contains(rec.Body.String(), `href="/demo/embed/post.css"`) {
		t.Error("the embed does not use its stylesheet")
	}
}

func TestPixel(t *testing.T) {
	rec := get(t, server(t), "/demo/pixel.gif")
	img, err := gif.Decode(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1 || b.Dy() != 1 {
		t.Errorf("pixel is %v, want 1×1", b)
	}
	if ct := http.DetectContentType(rec.Body.Bytes()); ct != "image/gif" {
		t.Errorf("sniffed as %s", ct)
	}
}

// files returns every embedded file with one of the extensions.
func files(t *testing.T, exts ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(site, "site", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if slices.ContainsFunc(exts, func(e string) bool { return strings.HasSuffix(p, e) }) {
			b, err := fs.ReadFile(site, p)
			out[p] = string(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no files")
	}
	return out
}

// The demo must work offline and show only what Custos does: nothing may
// come from another host, nor even name one.
func TestNoExternalReferences(t *testing.T) {
	absolute := regexp.MustCompile(`(?i)https?://|(?:src|href|action|data-src)\s*=\s*["']?//|url\(\s*["']?//|@import`)
	for name, text := range files(t, ".html", ".css", ".js") {
		for _, m := range absolute.FindAllStringIndex(text, -1) {
			line := strings.Count(text[:m[0]], "\n") + 1
			t.Errorf("%s:%d: external reference %q", name, line, text[m[0]:min(len(text), m[1]+40)])
		}
	}
}

// Every inline style would need 'unsafe-inline'.
func TestNoInlineStyles(t *testing.T) {
	attr := regexp.MustCompile(`(?i)<[^>]+\sstyle\s*=|<style[\s>]|\.setAttribute\(\s*['"]style['"]|\.style\.|cssText`)
	for name, text := range files(t, ".html", ".js") {
		if m := attr.FindString(text); m != "" {
			t.Errorf("%s: inline style %q", name, m)
		}
	}
}

// Every page's local links and resources are served, here or by the
// server's own routes.
func TestLocalReferencesResolve(t *testing.T) {
	h := server(t)
	elsewhere := []string{"/banner/demo.js", "/privacy/demo/cookies", "/privacy/demo/requests/new"}
	ref := regexp.MustCompile(`(?:src|href|data-src)="(/[^"#?]*)[^"]*"`)
	for _, p := range Patterns {
		rec := get(t, h, pathOf(p))
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			continue
		}
		for _, m := range ref.FindAllStringSubmatch(rec.Body.String(), -1) {
			target := m[1]
			if slices.Contains(elsewhere, target) {
				continue
			}
			if r := get(t, h, target); r.Code != http.StatusOK {
				t.Errorf("%s links to %s, which answers %d", pathOf(p), target, r.Code)
			}
		}
	}
}

// Screen-reader users navigate by headings: one h1 per page, and no level
// skipped on the way down.
func TestHeadingOrder(t *testing.T) {
	h := server(t)
	heading := regexp.MustCompile(`<h([1-6])[\s>]`)
	for _, p := range Patterns {
		rec := get(t, h, pathOf(p))
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || strings.HasPrefix(pathOf(p), "/demo/embed/") {
			continue
		}
		levels := heading.FindAllStringSubmatch(rec.Body.String(), -1)
		prev, h1 := 0, 0
		for _, m := range levels {
			l := int(m[1][0] - '0')
			if l == 1 {
				h1++
			}
			if l > prev+1 {
				t.Errorf("%s: h%d follows h%d", pathOf(p), l, prev)
			}
			prev = l
		}
		if h1 != 1 {
			t.Errorf("%s: %d h1, want 1", pathOf(p), h1)
		}
		body := rec.Body.String()
		for _, landmark := range []string{"<header", "<main", "<footer", "<nav"} {
			if !strings.Contains(body, landmark) {
				t.Errorf("%s: no %s landmark", pathOf(p), landmark)
			}
		}
	}
}
