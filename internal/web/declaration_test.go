package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/custos-privacy/custos/internal/declaration"
)

func init() {
	// Declared as strings in openapi.json; the validator must be able to
	// read them to check them.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
}

// TestCookieDeclarationDocumented makes sure the responses below go
// through the OpenAPI check, which skips paths the document lacks.
func TestCookieDeclarationDocumented(t *testing.T) {
	router := openAPIRouter(t)
	for _, doc := range []string{"cookies", "cookies.csv", "cookies.json", "cookies.pdf"} {
		req, _ := http.NewRequest("GET", "http://custos.test/privacy/demo/"+doc, nil)
		if _, _, err := router.FindRoute(req); err != nil {
			t.Errorf("%s is not in openapi.json: %v", doc, err)
		}
	}
}

func TestCookieDeclarationPage(t *testing.T) {
	e := newEnv(t, nil)
	s, hdr, b := e.do("GET", "/privacy/demo/cookies", nil, "Accept-Language", "fr-CH, de;q=0.5")
	if s != 200 {
		t.Fatalf("%d %s", s, b)
	}
	page := string(b)
	want := map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Content-Language":        "fr",
		"Cache-Control":           "public, max-age=300",
		"Content-Security-Policy": declaration.ContentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
	}
	for k, v := range want {
		if got := hdr.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	csp := hdr.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "style-src 'sha256-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("the policy %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
		t.Errorf("the policy allows too much: %q", csp)
	}
	if !strings.Contains(strings.Join(hdr.Values("Vary"), ","), "Accept-Language") {
		t.Errorf("Vary: %q", hdr.Values("Vary"))
	}
	for _, want := range []string{`<html lang="fr"`, `<th scope="col">Fournisseur</th>`, `href="cookies.pdf?locale=fr"`, `href="cookies?locale=de"`, e.site.Fingerprint()} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, v := range e.site.Vendors {
		for _, k := range v.Cookies {
			if !strings.Contains(page, "<code>"+k.Name+"</code>") {
				t.Errorf("the page lacks cookie %s", k.Name)
			}
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("the page holds a script")
	}

	// The query wins over the header.
	s, hdr, b = e.do("GET", "/privacy/demo/cookies?locale=de", nil, "Accept-Language", "fr")
	if s != 200 || hdr.Get("Content-Language") != "de" || !bytes.Contains(b, []byte(`<html lang="de"`)) {
		t.Errorf("?locale=de: %d %q", s, hdr.Get("Content-Language"))
	}
	// Neither: the site's first locale.
	if _, hdr, _ := e.do("GET", "/privacy/demo/cookies", nil, "Accept-Language", "ja"); hdr.Get("Content-Language") != "en" {
		t.Errorf("Accept-Language: ja gives %q", hdr.Get("Content-Language"))
	}
	if s, _, b := e.do("HEAD", "/privacy/demo/cookies", nil); s != 200 || len(b) != 0 {
		t.Errorf("HEAD: %d, %d bytes", s, len(b))
	}
}

func TestCookieDeclarationFiles(t *testing.T) {
	e := newEnv(t, nil)
	var cookies int
	for _, v := range e.site.Vendors {
		cookies += len(v.Cookies)
	}

	s, hdr, b := e.do("GET", "/privacy/demo/cookies.csv", nil)
	if s != 200 || hdr.Get("Content-Type") != "text/csv; charset=utf-8" || hdr.Get("Content-Disposition") != `attachment; filename="demo-cookies-en.csv"` {
		t.Fatalf("CSV: %d %v", s, hdr)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != cookies+1 || records[0][0] != "Cookie" || records[0][1] != "Provider" {
		t.Errorf("CSV: %d records for %d cookies, header %q", len(records), cookies, records[0])
	}
	if hdr.Get("Content-Security-Policy") != "default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("CSV policy: %q", hdr.Get("Content-Security-Policy"))
	}

	s, hdr, b = e.do("GET", "/privacy/demo/cookies.json?locale=fr", nil)
	if s != 200 || hdr.Get("Content-Type") != "application/json" || hdr.Get("Content-Language") != "fr" {
		t.Fatalf("JSON: %d %v", s, hdr)
	}
	doc := decode[struct {
		Site, Locale        string
		ManifestFingerprint string `json:"manifest_fingerprint"`
		Rows                []struct {
			Cookie, Vendor, Category string
			HowToRefuse              string `json:"how_to_refuse"`
		}
	}](t, b)
	if doc.Site != "demo" || doc.Locale != "fr" || doc.ManifestFingerprint != e.site.Fingerprint() || len(doc.Rows) != cookies {
		t.Errorf("JSON: site %q locale %q fingerprint %q, %d rows", doc.Site, doc.Locale, doc.ManifestFingerprint, len(doc.Rows))
	}
	if doc.Rows[0].Category != "Cookies nécessaires" || !strings.HasPrefix(doc.Rows[0].HowToRefuse, "Ne peut pas être refusé") {
		t.Errorf("JSON first row: %+v", doc.Rows[0])
	}

	s, hdr, b = e.do("GET", "/privacy/demo/cookies.pdf", nil, "Accept-Language", "de")
	if s != 200 || hdr.Get("Content-Type") != "application/pdf" || hdr.Get("Content-Disposition") != `attachment; filename="demo-cookies-de.pdf"` ||
		hdr.Get("Content-Language") != "de" || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("PDF: %d %v %q", s, hdr, b[:min(len(b), 8)])
	}
}

func TestCookieDeclarationNotFound(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{
		"/privacy/nope/cookies", "/privacy/nope/cookies.pdf",
		"/privacy/demo/cookies.xml", "/privacy/demo/cookies.CSV", "/privacy/demo/notice", "/privacy/demo/cookies/",
	} {
		s, hdr, b := e.do("GET", path, nil)
		if s != 404 || hdr.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s %s", path, s, hdr.Get("Content-Type"), b)
		}
		if hdr.Get("Content-Disposition") != "" || hdr.Get("Content-Language") != "" {
			t.Errorf("%s: a 404 with the headers of a document: %v", path, hdr)
		}
	}
	s, hdr, _ := e.do("POST", "/privacy/demo/cookies", "")
	if s != 405 || hdr.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", s, hdr.Get("Allow"))
	}
}
