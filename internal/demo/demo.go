// Package demo serves the website of Demo Corporation, the invented company
// whose manifest ships with Custos, so that `custos serve --demo` shows the
// consent banner at work on a page that looks like a real company's: a home
// page with gated third-party code, and the privacy notices the manifest's
// notice URLs point to.
//
// Everything the pages load is served from here: the demo makes no request
// to another host, so that it works offline and shows only what Custos does.
package demo

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"sync"
	"time"
)

//go:embed site
var site embed.FS

// page is one HTML page rendered from site/pages/layout.html and its own
// template file.
type page struct {
	path string
	file string // under site/pages
	lang string // of the html element
	ui   string // which labels of the header and footer: en, fr or de
	// langs says the page is one of the translations of the privacy notice,
	// which link to each other.
	langs bool
}

// asset is one file served as it is.
type asset struct {
	path        string
	file        string // under site/static
	contentType string
	// csp replaces the server's default-src 'none' for files a browser
	// renders as documents; scripts and styles need none of their own.
	csp string
}

var pages = []page{
	{path: "/{$}", file: "home.html", lang: "en", ui: "en"},
	{path: "/en/privacy", file: "notice-en.html", lang: "en", ui: "en", langs: true},
	{path: "/fr/vie-privee", file: "notice-fr.html", lang: "fr", ui: "fr", langs: true},
	{path: "/de/datenschutz", file: "notice-de.html", lang: "de", ui: "de", langs: true},
	{path: "/en-us/your-us-state-privacy-rights", file: "notice-us.html", lang: "en-US", ui: "en"},
	{path: "/en/privacy/brazil", file: "notice-br.html", lang: "en", ui: "en"},
}

const (
	typeCSS = "text/css; charset=utf-8"
	typeJS  = "text/javascript; charset=utf-8"
)

// embedCSP lets the home page frame the stand-in social post, and nothing
// else frame it.
const embedCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

var assets = []asset{
	{path: "/demo/site.css", file: "site.css", contentType: typeCSS},
	{path: "/demo/page.js", file: "page.js", contentType: typeJS},
	{path: "/demo/analytics.js", file: "analytics.js", contentType: typeJS},
	{path: "/demo/marketing.js", file: "marketing.js", contentType: typeJS},
	{path: "/demo/chat.js", file: "chat.js", contentType: typeJS},
	{path: "/demo/pixel.gif", file: "pixel.gif", contentType: "image/gif"},
	{path: "/demo/embed/linkedin", file: "embed-linkedin.html", contentType: "text/html; charset=utf-8", csp: embedCSP},
	{path: "/demo/embed/post.css", file: "embed-post.css", contentType: typeCSS},
}

// Patterns are the http.ServeMux patterns the demo answers. Each names one
// resource rather than a subtree, so that any other path under /demo/ gets
// the server's own 404.
var Patterns = func() []string {
	var ps []string
	for _, p := range pages {
		ps = append(ps, "GET "+p.path)
	}
	for _, a := range assets {
		ps = append(ps, "GET "+a.path)
	}
	return ps
}()

// Handler serves every pattern in Patterns.
func Handler() http.Handler { return handler() }

// handler parses the templates once, however often Handler is called: the
// server may mount it once per pattern.
var handler = sync.OnceValue(func() http.Handler {
	mux := http.NewServeMux()
	base := template.Must(template.ParseFS(site, "site/pages/layout.html"))
	for _, p := range pages {
		t := template.Must(template.Must(base.Clone()).ParseFS(site, "site/pages/"+p.file))
		mux.Handle("GET "+p.path, pageHandler(p, t))
	}
	for _, a := range assets {
		body, err := fs.ReadFile(site, "site/static/"+a.file)
		if err != nil {
			panic(err) // a file missing from the embed is a build mistake; the tests catch it
		}
		mux.Handle("GET "+a.path, assetHandler(a, body))
	}
	return mux
})

// pageCSP allows only what the pages themselves load, plus the inline
// scripts that carry this response's nonce: the banner tag and the gated
// inline example, which the banner re-creates with the same nonce.
func pageCSP(nonce string) string {
	return "default-src 'self'; script-src 'self' 'nonce-" + nonce + "'; style-src 'self'; img-src 'self' data:; " +
		"frame-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// pageData is what layout.html and the page templates render.
type pageData struct {
	Lang  string
	Nonce string
	// Banner is false for ?banner=off, the baseline of the load-time
	// benchmark: the same page without the banner tag.
	Banner    bool
	T         labels
	Languages []language // empty unless the page is a translated notice
	Year      int
}

type language struct {
	Lang, Name, Href string
	Current          bool
}

var noticeLanguages = []language{
	{Lang: "en", Name: "English", Href: "/en/privacy"},
	{Lang: "fr", Name: "Français", Href: "/fr/vie-privee"},
	{Lang: "de", Name: "Deutsch", Href: "/de/datenschutz"},
}

func pageHandler(p page, t *template.Template) http.Handler {
	t9n, ok := uiLabels[p.ui]
	if !ok {
		panic("demo: no labels for " + p.ui)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := pageData{
			Lang: p.lang,
			// 128 bits from crypto/rand, in an alphabet that CSP's nonce
			// grammar accepts and HTML needs no escaping for.
			Nonce:  rand.Text(),
			Banner: r.URL.Query().Get("banner") != "off",
			T:      t9n,
			Year:   time.Now().Year(),
		}
		if p.langs {
			for _, l := range noticeLanguages {
				l.Current = l.Href == r.URL.Path
				d.Languages = append(d.Languages, l)
			}
		}
		// Rendered in full first, so that a template error is a clean 500
		// and not half a page.
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
			slog.ErrorContext(r.Context(), "demo page", "path", r.URL.Path, "err", err)
			http.Error(w, "the demo page could not be rendered", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", pageCSP(d.Nonce))
		// A cached copy would replay its nonce.
		h.Set("Cache-Control", "no-store")
		w.Write(buf.Bytes())
	})
}

func assetHandler(a asset, body []byte) http.Handler {
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		if a.csp != "" {
			h.Set("Content-Security-Policy", a.csp)
		}
		// The pages name these files by fixed URLs, so they are revalidated
		// rather than cached for long: a new binary shows its new files.
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		http.ServeContent(w, r, path.Base(a.file), time.Time{}, bytes.NewReader(body))
	})
}
