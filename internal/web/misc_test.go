package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestBannerConfig(t *testing.T) {
	e := newEnv(t, nil)
	s, hdr, b := e.do("GET", "/api/v1/sites/demo/banner?region=DE", nil, "Accept-Language", "de-CH, fr;q=0.5")
	if s != 200 {
		t.Fatalf("%d %s", s, b)
	}
	cfg := decode[struct {
		Locale, Jurisdiction, Mode, Fingerprint string
		ConsentLifetimeDays                     int `json:"consent_lifetime_days"`
		Categories                              []struct {
			ID       string
			Required bool
			Name     string
			Vendors  []struct {
				Name    string
				Cookies []struct{ Name, Duration, Party, Purpose string }
			}
		}
	}](t, b)
	if cfg.Locale != "de" || cfg.Jurisdiction != "eu" || cfg.Mode != "opt_in" || cfg.ConsentLifetimeDays != 182 {
		t.Errorf("locale %q jurisdiction %q mode %q lifetime %d", cfg.Locale, cfg.Jurisdiction, cfg.Mode, cfg.ConsentLifetimeDays)
	}
	if cfg.Fingerprint != e.site.Fingerprint() {
		t.Errorf("fingerprint %q", cfg.Fingerprint)
	}
	if len(cfg.Categories) != len(e.site.Categories) || !cfg.Categories[0].Required {
		t.Fatalf("categories %+v", cfg.Categories)
	}
	var cookies int
	for _, c := range cfg.Categories {
		for _, v := range c.Vendors {
			for _, k := range v.Cookies {
				cookies++
				if k.Purpose == "" || k.Duration == "" {
					t.Errorf("cookie %s of %s lacks purpose or duration", k.Name, v.Name)
				}
			}
		}
	}
	if cookies == 0 {
		t.Error("no cookies declared in the banner configuration")
	}
	etag := hdr.Get("ETag")
	if etag == "" || !strings.Contains(hdr.Get("Cache-Control"), "max-age") {
		t.Fatalf("not cacheable: %v", hdr)
	}
	if s, _, b := e.do("GET", "/api/v1/sites/demo/banner?region=DE", nil, "Accept-Language", "de-CH, fr;q=0.5", "If-None-Match", etag); s != 304 || len(b) != 0 {
		t.Errorf("conditional request: %d, %d bytes", s, len(b))
	}
	// Another locale or region is another document.
	_, hdr2, b2 := e.do("GET", "/api/v1/sites/demo/banner?region=US-CA&locale=fr", nil)
	if hdr2.Get("ETag") == etag {
		t.Error("same ETag for another locale and region")
	}
	us := decode[struct{ Locale, Mode string }](t, b2)
	if us.Locale != "fr" || us.Mode != "opt_out" {
		t.Errorf("US-CA in French: %+v", us)
	}
	if s, _, _ := e.do("GET", "/api/v1/sites/nope/banner", nil); s != 404 {
		t.Errorf("unknown site: %d", s)
	}
	if s, _, b := e.do("GET", "/api/v1/sites/demo/banner?region=<script>", nil); s != 422 || !strings.Contains(string(b), `"region"`) {
		t.Errorf("bad region: %d %s", s, b)
	}
}

func TestBannerRegionFromGeoHeader(t *testing.T) {
	e := newEnv(t, nil, func(o *options) { o.geoHeader = "CF-IPCountry" })
	_, hdr, b := e.do("GET", "/api/v1/sites/demo/banner", nil, "CF-IPCountry", "US-CA")
	if m := decode[struct{ Mode string }](t, b); m.Mode != "opt_out" {
		t.Errorf("mode %q from geo header", m.Mode)
	}
	if vary := strings.Join(hdr.Values("Vary"), ", "); !strings.Contains(vary, "CF-IPCountry") || !strings.Contains(vary, "Accept-Language") {
		t.Errorf("Vary %q", vary)
	}
	_, _, b = e.do("GET", "/api/v1/sites/demo/banner", nil, "CF-IPCountry", "XX")
	if m := decode[struct{ Jurisdiction, Region string }](t, b); m.Jurisdiction != "global" || m.Region != "" {
		t.Errorf("unknown region XX: jurisdiction %q region %q, want the catch-all", m.Jurisdiction, m.Region)
	}
	// With a trusted header, the query cannot override it: the banner and
	// the receipt must agree on the jurisdiction.
	_, _, b = e.do("GET", "/api/v1/sites/demo/banner?region=US-CA", nil, "CF-IPCountry", "FR")
	if m := decode[struct{ Jurisdiction string }](t, b); m.Jurisdiction != "eu" {
		t.Errorf("query region overrode the trusted header: %q", m.Jurisdiction)
	}
	in := e.validInput(subject)
	in["region"] = "US-CA"
	s, _, b := e.do("POST", "/api/v1/consents", in, "CF-IPCountry", "FR")
	if c := decode[struct{ Jurisdiction, Region string }](t, b); s != 201 || c.Jurisdiction != "eu" || c.Region != "FR" {
		t.Errorf("body region overrode the trusted header: %d %+v", s, c)
	}
}

func TestOperationalEndpoints(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{"/healthz", "/readyz", "/api/v1/openapi.json", "/schema/manifest.json", "/.well-known/jwks.json"} {
		if s, _, b := e.do("GET", path, nil); s != 200 {
			t.Errorf("%s: %d %s", path, s, truncate(b))
		}
	}
	e.do("POST", "/api/v1/consents", e.validInput(subject))
	s, _, b := e.do("GET", "/metrics", nil)
	if s != 200 || !strings.Contains(string(b), `custos_consents_recorded_total{method="reject_all",site="demo"} 1`) ||
		!strings.Contains(string(b), `route="POST /api/v1/consents"`) {
		t.Errorf("metrics: %d\n%s", s, truncate(b))
	}
	if s, hdr, _ := e.do("GET", "/api/v1/nothing", nil); s != 404 || hdr.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown endpoint: %d %q", s, hdr.Get("Content-Type"))
	}
	_, hdr, _ := e.do("GET", "/healthz", nil)
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
	} {
		if hdr.Get(k) != want {
			t.Errorf("%s: %q", k, hdr.Get(k))
		}
	}
	if !strings.Contains(hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") || hdr.Get("X-Request-Id") == "" {
		t.Errorf("headers %v", hdr)
	}
	s, hdr, b = e.do("DELETE", "/api/v1/consents", nil)
	if s != http.StatusMethodNotAllowed || hdr.Get("Allow") != "POST" || hdr.Get("Content-Type") != "application/problem+json" {
		t.Errorf("DELETE: %d Allow %q %s", s, hdr.Get("Allow"), b)
	}
	if s, hdr, _ := e.do("PUT", "/api/v1/sites/demo/banner", nil); s != http.StatusMethodNotAllowed || hdr.Get("Allow") != "GET, HEAD" {
		t.Errorf("PUT banner: %d Allow %q", s, hdr.Get("Allow"))
	}
}

func TestClientIPHeaderTakesTheProxysEntry(t *testing.T) {
	e := newEnv(t, nil, func(o *options) { o.clientIPHeader = "X-Forwarded-For" })
	// The client wrote the first entry; our proxy appended the last.
	s, _, b := e.do("POST", "/api/v1/consents", e.validInput(subject), "X-Forwarded-For", "198.51.100.7, 203.0.113.9")
	if s != 201 {
		t.Fatalf("%d %s", s, b)
	}
	c := decode[struct {
		IPPrefix string `json:"ip_prefix"`
	}](t, b)
	if c.IPPrefix != "203.0.0.0" {
		t.Errorf("ip_prefix %q, want the proxy's entry shortened, 203.0.0.0", c.IPPrefix)
	}
	if strings.Contains(string(b), "203.0.113.9") || strings.Contains(string(b), "198.51.100.7") {
		t.Errorf("a full address in the answer: %s", b)
	}
}

func TestBannerGzip(t *testing.T) {
	e := newEnv(t, nil)
	get := func(enc string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/sites/demo/banner?locale=en", nil)
		req.Header.Set("Accept-Encoding", enc) // set by hand, so the transport leaves the body as sent
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	plainResp, plain := get("identity")
	gzResp, gz := get("br, gzip;q=0.8")
	if plainResp.Header.Get("Content-Encoding") != "" || gzResp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q / %q", plainResp.Header.Get("Content-Encoding"), gzResp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain) || len(gz) >= len(plain) {
		t.Errorf("gzip body: %d bytes for %d plain; equal after inflating: %v", len(gz), len(plain), bytes.Equal(unzipped, plain))
	}
	if gzResp.Header.Get("Content-Length") != strconv.Itoa(len(gz)) || gzResp.Header.Get("ETag") == plainResp.Header.Get("ETag") {
		t.Errorf("Content-Length %q for %d bytes; ETags %q %q (must differ per encoding)", gzResp.Header.Get("Content-Length"), len(gz), gzResp.Header.Get("ETag"), plainResp.Header.Get("ETag"))
	}
	if r, _ := get("gzip;q=0"); r.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent to a client that refused it")
	}
}

func TestGPCResource(t *testing.T) {
	e := newEnv(t, nil)
	code, h, body := e.do("GET", "/.well-known/gpc.json", nil)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s", code, body)
	}
	var doc struct {
		GPC        *bool  `json:"gpc"`
		LastUpdate string `json:"lastUpdate"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.GPC == nil || !*doc.GPC {
		t.Fatalf("gpc.json %s: %v", body, err)
	}
	if _, err := time.Parse(time.DateOnly, doc.LastUpdate); err != nil {
		t.Errorf("lastUpdate %q is not YYYY-MM-DD", doc.LastUpdate)
	}
}

func TestBannerScript(t *testing.T) {
	e := newEnv(t, nil)
	code, h, body := e.do("GET", "/banner/demo.js?locale=de&region=US-CA", nil)
	if code != 200 || h.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("%d %v", code, h)
	}
	for _, want := range []string{`"s":"demo"`, `"l":"de"`, `"m":"opt_out"`, "Alle ablehnen", e.site.Fingerprint()} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the script lacks %s", want)
		}
	}
	if vary := strings.Join(h.Values("Vary"), ", "); !strings.Contains(vary, "Sec-GPC") {
		t.Errorf("Vary %q: the script depends on Sec-GPC", vary)
	}
	code, _, body = e.do("GET", "/banner/demo.js", nil, "Sec-GPC", "1")
	if code != 200 || !strings.Contains(string(body), `"gpc":true`) {
		t.Errorf("Sec-GPC: 1 is not passed to the banner")
	}
	for _, path := range []string{"/banner/nosuch.js", "/banner/demo.css", "/banner/demo.js?region=Mars"} {
		code, h, body := e.do("GET", path, nil)
		if code < 400 || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
	}
}
