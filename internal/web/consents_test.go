package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/audit"
	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
	"github.com/custos-privacy/custos/internal/web"
)

const subject = "c0nsent-id-AAAAAAAAAAAAAAAA"

func TestRecordConsentOnBothEngines(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.validInput(subject)
		in["method"] = "custom"
		in["choices"].(map[string]any)["performance"] = true
		in["region"] = "DE"
		before := time.Now()
		status, hdr, body := e.do("POST", "/api/v1/consents", in, "Sec-GPC", "1")
		if status != http.StatusCreated {
			t.Fatalf("status %d: %s", status, body)
		}
		c := decode[custos.Consent](t, body)
		if c.ID == "" || hdr.Get("Location") != "/api/v1/receipts/"+c.ID {
			t.Errorf("id %q, Location %q", c.ID, hdr.Get("Location"))
		}
		if !c.Choices["performance"] || c.Choices["marketing"] || !c.Choices["necessary"] {
			t.Errorf("choices %v", c.Choices)
		}
		if c.Jurisdiction != "eu" || c.Mode != "opt_in" || !c.GPC {
			t.Errorf("jurisdiction %q mode %q gpc %v", c.Jurisdiction, c.Mode, c.GPC)
		}
		if c.IPPrefix != "127.0.0.0" {
			t.Errorf("ip_prefix %q, want the shortened loopback 127.0.0.0", c.IPPrefix)
		}
		if strings.Contains(string(body), "127.0.0.1") {
			t.Errorf("the full IP address appears in the answer: %s", body)
		}
		if c.IssuedAt.Before(before.Add(-time.Second)) || c.ExpiresAt.Sub(c.IssuedAt) < 181*24*time.Hour {
			t.Errorf("issued %v expires %v", c.IssuedAt, c.ExpiresAt)
		}
		if c.NoticeVersion == "" {
			t.Error("no notice version recorded")
		}

		// The receipt verifies against the published key set, offline.
		_, _, jwks := e.do("GET", "/.well-known/jwks.json", nil)
		keys, err := consent.ParseJWKS(jwks)
		if err != nil {
			t.Fatal(err)
		}
		r, err := consent.VerifyReceipt(c.Receipt, keys)
		if err != nil {
			t.Fatalf("receipt does not verify: %v", err)
		}
		if r.ID != c.ID || r.Subject != subject || r.Site != "demo" {
			t.Errorf("receipt claims %+v", r)
		}

		// Stored durably, with its audit entry, and the chain holds.
		got, err := db.Consent(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Receipt != c.Receipt {
			t.Error("stored receipt differs from the one answered")
		}
		n, err := audit.Verify(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d audit entries, want the one of the consent", n)
		}
	})
}

func TestConsentStateAndHistory(t *testing.T) {
	e := newEnv(t, nil)
	first := e.validInput(subject)
	if s, _, b := e.do("POST", "/api/v1/consents", first); s != 201 {
		t.Fatalf("%d %s", s, b)
	}
	second := e.validInput(subject)
	second["method"] = "accept_all"
	for k := range second["choices"].(map[string]any) {
		second["choices"].(map[string]any)[k] = true
	}
	s, _, b := e.do("POST", "/api/v1/consents", second)
	if s != 201 {
		t.Fatalf("%d %s", s, b)
	}
	latest := decode[custos.Consent](t, b)

	s, hdr, b := e.do("GET", "/api/v1/consents/"+subject+"?site=demo", nil)
	if s != 200 {
		t.Fatalf("%d %s", s, b)
	}
	if hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", hdr.Get("Cache-Control"))
	}
	state := decode[struct {
		custos.Consent
		NeedsConsent bool `json:"needs_consent"`
	}](t, b)
	if state.ID != latest.ID || state.Method != custos.MethodAcceptAll || state.NeedsConsent {
		t.Errorf("state %+v", state)
	}

	s, _, b = e.do("GET", "/api/v1/consents/"+subject+"/history?site=demo", nil)
	if s != 200 {
		t.Fatalf("%d %s", s, b)
	}
	hist := decode[struct{ Receipts []custos.Consent }](t, b)
	if len(hist.Receipts) != 2 || hist.Receipts[1].ID != latest.ID {
		t.Errorf("history %+v", hist)
	}

	// Receipt exports, for the holder of the subject.
	for _, f := range []string{"", "iso27560", "kantara"} {
		s, _, b = e.do("GET", "/api/v1/receipts/"+latest.ID+"?format="+f, nil, "Custos-Subject", subject)
		if s != 200 || !strings.Contains(string(b), latest.ID) {
			t.Errorf("format %q: %d %s", f, s, truncate(b))
		}
	}
	// A receipt id alone is no proof: it stands in the audit trail.
	if s, _, _ := e.do("GET", "/api/v1/receipts/"+latest.ID, nil); s != 404 {
		t.Errorf("receipt without Custos-Subject: %d, want 404", s)
	}
	if s, _, _ := e.do("GET", "/api/v1/receipts/"+latest.ID, nil, "Custos-Subject", "someone-else-entirely-0001"); s != 404 {
		t.Errorf("receipt with another subject: %d, want 404", s)
	}
	if s, _, _ := e.do("GET", "/api/v1/receipts/"+latest.ID, nil, "Authorization", "Bearer "+testToken); s != 200 {
		t.Errorf("receipt with an API token: %d", s)
	}
	s, hdr, b = e.do("GET", "/api/v1/receipts/"+latest.ID+"?format=jws", nil, "Custos-Subject", subject)
	if s != 200 || string(b) != latest.Receipt || hdr.Get("Content-Type") != "application/jose" {
		t.Errorf("jws: %d %q %s", s, hdr.Get("Content-Type"), truncate(b))
	}

	// Unknown subject, missing site, bad token.
	if s, _, _ := e.do("GET", "/api/v1/consents/nobody-nobody-nobody-nobody?site=demo", nil); s != 404 {
		t.Errorf("unknown subject: %d", s)
	}
	if s, _, b := e.do("GET", "/api/v1/consents/"+subject, nil); s != 422 || !strings.Contains(string(b), `"field":"site"`) {
		t.Errorf("missing site: %d %s", s, b)
	}
	if s, hdr, _ := e.do("GET", "/api/v1/consents/"+subject+"?site=demo", nil, "Authorization", "Bearer wrong"); s != 401 || hdr.Get("WWW-Authenticate") == "" {
		t.Errorf("bad token: %d", s)
	}
	if s, _, _ := e.do("GET", "/api/v1/consents/"+subject+"?site=demo", nil, "Authorization", "Bearer "+testToken); s != 200 {
		t.Errorf("good token: %d", s)
	}
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t, nil)
	in := e.validInput(subject)
	s1, _, b1 := e.do("POST", "/api/v1/consents", in, "Idempotency-Key", "retry-1")
	s2, h2, b2 := e.do("POST", "/api/v1/consents", in, "Idempotency-Key", "retry-1")
	if s1 != 201 || s2 != 201 {
		t.Fatalf("statuses %d %d: %s", s1, s2, b2)
	}
	c1, c2 := decode[custos.Consent](t, b1), decode[custos.Consent](t, b2)
	if c1.ID != c2.ID || c1.Receipt != c2.Receipt || h2.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay gave another answer: %s vs %s", c1.ID, c2.ID)
	}
	if n, _ := e.db.CountConsents(t.Context()); n != 1 {
		t.Errorf("%d consents recorded, want 1", n)
	}
	// Same key, another body: refused, nothing written.
	other := e.validInput(subject)
	other["locale"] = "fr"
	before := e.ledger()
	if s, _, b := e.do("POST", "/api/v1/consents", other, "Idempotency-Key", "retry-1"); s != 409 {
		t.Errorf("reused key: %d %s", s, b)
	}
	if after := e.ledger(); after != before {
		t.Errorf("ledger changed: %+v → %+v", before, after)
	}
	// A different key records anew.
	if s, _, _ := e.do("POST", "/api/v1/consents", in, "Idempotency-Key", "retry-2"); s != 201 {
		t.Errorf("new key: %d", s)
	}
	if n, _ := e.db.CountConsents(t.Context()); n != 2 {
		t.Errorf("%d consents recorded, want 2", n)
	}
}

// TestBadInput sends every kind of bad input and checks each gets a clear
// 4xx naming the field, and that neither the ledger nor the audit trail
// changed.
func TestBadInput(t *testing.T) {
	e := newEnv(t, nil)
	// One good write first, so "unchanged" is measured against a non-empty ledger.
	if s, _, b := e.do("POST", "/api/v1/consents", e.validInput(subject)); s != 201 {
		t.Fatalf("%d %s", s, b)
	}
	with := func(f func(m map[string]any)) map[string]any {
		m := e.validInput(subject)
		f(m)
		return m
	}
	choices := func(m map[string]any) map[string]any { return m["choices"].(map[string]any) }
	cases := []struct {
		name   string
		body   any
		hdr    []string
		status int
		field  string
	}{
		{"unknown site", with(func(m map[string]any) { m["site"] = "nope" }), nil, 422, "site"},
		{"missing site", with(func(m map[string]any) { delete(m, "site") }), nil, 422, "site"},
		{"unknown category", with(func(m map[string]any) { choices(m)["telepathy"] = true }), nil, 422, "choices.telepathy"},
		{"missing category", with(func(m map[string]any) { delete(choices(m), "marketing") }), nil, 422, "choices.marketing"},
		{"required category refused", with(func(m map[string]any) { choices(m)["necessary"] = false }), nil, 422, "choices.necessary"},
		{"choice not a boolean", with(func(m map[string]any) { choices(m)["marketing"] = "yes" }), nil, 422, "choices.marketing"},
		{"missing choices", with(func(m map[string]any) { delete(m, "choices") }), nil, 422, "choices"},
		{"wrong method", with(func(m map[string]any) { m["method"] = "telepathy" }), nil, 422, "method"},
		{"accept_all with a refusal", with(func(m map[string]any) { m["method"] = "accept_all" }), nil, 422, "choices.marketing"},
		{"bad fingerprint", with(func(m map[string]any) { m["manifest_fingerprint"] = "0123456789abcdef0123456789abcdef" }), nil, 422, "manifest_fingerprint"},
		{"missing fingerprint", with(func(m map[string]any) { delete(m, "manifest_fingerprint") }), nil, 422, "manifest_fingerprint"},
		{"bad subject", with(func(m map[string]any) { m["subject"] = "x" }), nil, 422, "subject"},
		{"unknown locale", with(func(m map[string]any) { m["locale"] = "xx" }), nil, 422, "locale"},
		{"unknown field", with(func(m map[string]any) { m["ip"] = "1.2.3.4" }), nil, 422, "ip"},
		{"malformed JSON", `{"site":"demo",`, nil, 400, "body"},
		{"not an object", `[1,2,3]`, nil, 422, "body"},
		{"trailing data", `{"site":"demo"} {}`, nil, 400, "body"},
		{"empty body", ``, nil, 400, "body"},
		{"invalid UTF-8", "{\"site\":\"\xff\xfe\"}", nil, 400, "body"},
		{"oversized", `{"site":"` + strings.Repeat("a", 100<<10) + `"}`, nil, 413, "body"},
		{"wrong content type", with(func(map[string]any) {}), []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
		{"no content type", with(func(map[string]any) {}), []string{"Content-Type", ""}, 415, "Content-Type"},
		{"bad idempotency key", with(func(map[string]any) {}), []string{"Idempotency-Key", strings.Repeat("k", 300)}, 422, "Idempotency-Key"},
		{"undeclared origin", with(func(map[string]any) {}), []string{"Origin", "https://evil.example"}, 403, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.ledger()
			status, hdr, body := e.do("POST", "/api/v1/consents", tc.body, tc.hdr...)
			if status != tc.status {
				t.Errorf("status %d, want %d: %s", status, tc.status, truncate(body))
			}
			if ct := hdr.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			p := decode[web.Problem](t, body)
			if p.Status != status || p.Title == "" || p.Type == "" || p.RequestID == "" {
				t.Errorf("problem document incomplete: %+v", p)
			}
			if tc.field != "" {
				found := false
				for _, f := range p.Errors {
					found = found || f.Field == tc.field
				}
				if !found {
					t.Errorf("no error names field %q: %+v", tc.field, p.Errors)
				}
			}
			if strings.Contains(string(body), "1.2.3.4") {
				t.Errorf("the answer echoes submitted data: %s", body)
			}
			if after := e.ledger(); after != before {
				t.Errorf("ledger or audit trail changed: %+v → %+v", before, after)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	e := newEnv(t, nil)
	const good = "https://www.demo.example"
	s, hdr, _ := e.do("OPTIONS", "/api/v1/consents", nil, "Origin", good, "Access-Control-Request-Method", "POST")
	if s != 204 || hdr.Get("Access-Control-Allow-Origin") != good || !strings.Contains(hdr.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
		t.Errorf("preflight from declared origin: %d %v", s, hdr)
	}
	s, hdr, _ = e.do("OPTIONS", "/api/v1/consents", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
	if s != 403 || hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from undeclared origin: %d %v", s, hdr)
	}
	s, hdr, b := e.do("POST", "/api/v1/consents", e.validInput(subject), "Origin", good)
	if s != 201 || hdr.Get("Access-Control-Allow-Origin") != good {
		t.Errorf("POST from declared origin: %d %s", s, b)
	}
	_, hdr, _ = e.do("GET", "/api/v1/sites/demo/banner", nil, "Origin", "https://evil.example")
	if hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Error("banner configuration allowed to an undeclared origin")
	}
}

// TestSameOriginPages: a page Custos serves itself (the demo) may record
// choices from the server's own origin, undeclared in the manifest; with
// --public-url set, only from that origin.
func TestSameOriginPages(t *testing.T) {
	e := newEnv(t, nil)
	s, _, b := e.do("POST", "/api/v1/consents", e.validInput("same-origin-subject-00001"), "Origin", e.srv.URL)
	if s != 201 {
		t.Errorf("POST from the server's own origin: %d %s", s, b)
	}
	e = newEnv(t, nil, func(o *options) { o.publicURL = "https://custos.example.com/" })
	s, _, _ = e.do("POST", "/api/v1/consents", e.validInput("same-origin-subject-00002"), "Origin", e.srv.URL)
	if s != 403 {
		t.Errorf("POST from the request's Host although the public URL is another origin: %d", s)
	}
	s, _, b = e.do("POST", "/api/v1/consents", e.validInput("same-origin-subject-00003"), "Origin", "https://custos.example.com")
	if s != 201 {
		t.Errorf("POST from the public URL's origin: %d %s", s, b)
	}
}

func TestBannerIsNotSharedWhenChosenByAHeader(t *testing.T) {
	e := newEnv(t, nil)
	_, h, _ := e.do("GET", "/banner/demo.js", nil)
	if !strings.HasPrefix(h.Get("Cache-Control"), "public") {
		t.Errorf("Cache-Control %q: the plain banner may be shared", h.Get("Cache-Control"))
	}
	_, h, _ = e.do("GET", "/banner/demo.js", nil, "Sec-GPC", "1")
	if !strings.HasPrefix(h.Get("Cache-Control"), "private") {
		t.Errorf("Cache-Control %q: a banner made for a GPC request must not be shared", h.Get("Cache-Control"))
	}
	e = newEnv(t, nil, func(o *options) { o.geoHeader = "CF-IPCountry" })
	_, h, _ = e.do("GET", "/banner/demo.js", nil, "CF-IPCountry", "DE")
	if !strings.HasPrefix(h.Get("Cache-Control"), "private") {
		t.Errorf("Cache-Control %q: a banner chosen by the geo header must not be shared", h.Get("Cache-Control"))
	}
}

func TestConcurrentConsentsKeepTheChain(t *testing.T) {
	e := newEnv(t, nil)
	const n = 40
	errs := make(chan error, n)
	for i := range n {
		go func() {
			in := e.validInput(fmt.Sprintf("concurrent-subject-%04d", i))
			s, _, b := e.do("POST", "/api/v1/consents", in)
			if s != 201 {
				errs <- fmt.Errorf("%d %s", s, b)
				return
			}
			errs <- nil
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if c, _ := e.db.CountConsents(t.Context()); c != n {
		t.Errorf("%d consents, want %d", c, n)
	}
	if got, err := audit.Verify(t.Context(), e.db); err != nil || got != n {
		t.Errorf("audit: %d entries, %v", got, err)
	}
}

// twoSites returns the demo manifest with a second site, "other", that
// declares only https://www.other.example.
func twoSites(t *testing.T) *manifest.Manifest {
	t.Helper()
	y := string(manifest.DemoYAML())
	i := strings.Index(y, "  - id: demo\n")
	if i < 0 {
		t.Fatal("demo.yaml no longer starts its site with '  - id: demo'")
	}
	other := strings.Replace(y[i:], "  - id: demo\n", "  - id: other\n", 1)
	other = strings.Replace(other, `    origins:
      - http://localhost:8080
      - http://127.0.0.1:8080
      - https://www.demo.example
`, `    origins:
      - https://www.other.example
`, 1)
	m, err := manifest.Parse("two-sites.yaml", []byte(y+other))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOriginIsCheckedPerSite: an origin declared by one site may not write
// or read for another.
func TestOriginIsCheckedPerSite(t *testing.T) {
	e := newEnv(t, nil, func(o *options) { o.manifest = twoSites(t) })
	in := e.validInput(subject)
	in["site"] = "other"
	in["manifest_fingerprint"] = twoSitesFingerprint(e)
	before := e.ledger()
	if s, _, b := e.do("POST", "/api/v1/consents", in, "Origin", "https://www.demo.example"); s != 403 {
		t.Errorf("demo's origin writing for other: %d %s", s, b)
	}
	if after := e.ledger(); after != before {
		t.Errorf("ledger changed: %+v → %+v", before, after)
	}
	if s, _, b := e.do("POST", "/api/v1/consents", in, "Origin", "https://www.other.example"); s != 201 {
		t.Errorf("other's own origin: %d %s", s, b)
	}
	if s, _, _ := e.do("GET", "/api/v1/consents/"+subject+"?site=other", nil, "Origin", "https://www.demo.example"); s != 403 {
		t.Errorf("demo's origin reading other: %d", s)
	}
}

func twoSitesFingerprint(e *env) string {
	_, _, b := e.do("GET", "/api/v1/sites/other/banner", nil)
	return decode[struct{ Fingerprint string }](e.t, b).Fingerprint
}
