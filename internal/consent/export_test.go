package consent

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// recordForExport records a custom choice in Germany (analytics accepted,
// marketing refused) and returns it.
func recordForExport(t *testing.T, env testEnv, method custos.Method, choices map[string]bool) *custos.Consent {
	t.Helper()
	in := validInput(env.site)
	in.Locale = "de"
	in.Method = method
	in.Choices = choices
	c, _, err := env.svc.Record(context.Background(), in, Meta{Region: "DE"}, nil)
	if err != nil {
		t.Fatalf("Record: %v %v", err, custos.ErrorFields(err))
	}
	return c
}

// asJSON round-trips v through JSON, so the tests see what a client sees.
func asJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func keysOf(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string { slices.Sort(s); return s }

func TestISO27560(t *testing.T) {
	env := newTestEnv(t)
	c := recordForExport(t, env, custos.MethodCustom, map[string]bool{"necessary": true, "analytics": true, "marketing": false})
	m := asJSON(t, ISO27560(c, env.site, env.svc.Issuer))

	for _, tt := range []struct {
		path string
		got  any
		want []string
	}{
		{"record", m, sorted("header", "processing", "parties", "events")},
		{"header", m["header"], sorted("schemaVersion", "recordId", "piiPrincipalId", "site", "issuer", "createdAt", "validUntil", "proof")},
		{"processing", m["processing"], sorted("notice", "language", "jurisdiction", "region", "mode", "collectionMethod",
			"globalPrivacyControl", "manifestFingerprint", "purposes")},
		{"processing.notice", m["processing"].(map[string]any)["notice"], sorted("version", "url", "published")},
	} {
		if diff := cmp.Diff(tt.want, keysOf(tt.got)); diff != "" {
			t.Errorf("%s keys (-want +got):\n%s", tt.path, diff)
		}
	}

	h := m["header"].(map[string]any)
	if h["recordId"] != c.ID || h["piiPrincipalId"] != testSubject || h["proof"] != c.Receipt {
		t.Errorf("header = %v", h)
	}
	p := m["processing"].(map[string]any)
	if p["jurisdiction"] != "gdpr" || p["language"] != "de" || p["mode"] != "opt_in" {
		t.Errorf("processing = %v", p)
	}
	if n := p["notice"].(map[string]any); n["version"] != "2025-02-de" || n["url"] != "https://shop.example/de/datenschutz" {
		t.Errorf("notice = %v", n)
	}

	// Purposes carry legal basis, data categories, recipients, and for
	// consent-based ones whether consent was given.
	type purpose struct {
		ID                string   `json:"id"`
		Name              string   `json:"name"`
		LegalBasis        string   `json:"legalBasis"`
		ConsentCategories []string `json:"consentCategories"`
		PIICategories     []string `json:"piiCategories"`
		ConsentStatus     string   `json:"consentStatus"`
		Recipients        []string `json:"recipients"`
	}
	var rec struct {
		Processing struct{ Purposes []purpose } `json:"processing"`
		Parties    []map[string]any             `json:"parties"`
		Events     []map[string]any             `json:"events"`
	}
	b, _ := json.Marshal(ISO27560(c, env.site, env.svc.Issuer))
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	wantPurposes := []purpose{
		{"site_operation", "Betrieb der Website", "legitimate_interests", []string{}, []string{"user.device.ip_address"}, "", []string{"hosting"}},
		{"audience_measurement", "Reichweitenmessung", "consent", []string{"analytics"}, []string{"user.device.cookie_id", "user.device.ip_address"}, "given", []string{}},
		{"advertising", "Werbung", "consent", []string{"marketing"}, []string{"user.device.cookie_id"}, "refused", []string{"adnet"}},
	}
	if diff := cmp.Diff(wantPurposes, rec.Processing.Purposes); diff != "" {
		t.Errorf("purposes (-want +got):\n%s", diff)
	}

	if len(rec.Parties) < 2 || rec.Parties[0]["role"] != "pii_controller" || rec.Parties[0]["name"] != "Example Shop GmbH" ||
		rec.Parties[1]["role"] != "pii_principal" || rec.Parties[1]["id"] != testSubject {
		t.Errorf("parties = %v", rec.Parties)
	}

	var events []string
	for _, e := range rec.Events {
		if e["method"] != "custom" || e["time"] == nil || e["actor"] != "pii_principal" {
			t.Errorf("event %v lacks method, time or actor", e)
		}
		events = append(events, e["category"].(string)+"="+e["type"].(string))
	}
	if diff := cmp.Diff([]string{"necessary=given", "analytics=given", "marketing=refused"}, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// A withdrawal is recorded as such, not as a refusal.
	w := recordForExport(t, env, custos.MethodWithdraw, map[string]bool{"necessary": true, "analytics": false, "marketing": false})
	b, _ = json.Marshal(ISO27560(w, env.site, env.svc.Issuer))
	rec.Events = nil
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Events[1]["type"] != "withdrawn" {
		t.Errorf("withdrawal event = %v, want withdrawn", rec.Events[1])
	}
}

func TestKantara(t *testing.T) {
	env := newTestEnv(t)
	c := recordForExport(t, env, custos.MethodCustom, map[string]bool{"necessary": true, "analytics": true, "marketing": false})
	m := asJSON(t, Kantara(c, env.site, env.svc.Issuer))

	// Field names of Kantara Consent Receipt Specification v1.1.0.
	if diff := cmp.Diff(sorted("version", "jurisdiction", "consentTimestamp", "collectionMethod", "consentReceiptID",
		"language", "piiPrincipalId", "piiControllers", "policyUrl", "services", "sensitive", "spiCat"), keysOf(m)); diff != "" {
		t.Errorf("receipt keys (-want +got):\n%s", diff)
	}
	if m["version"] != "KI-CR-v1.1.0" || m["consentReceiptID"] != c.ID || m["piiPrincipalId"] != testSubject ||
		m["language"] != "de" || m["jurisdiction"] != "gdpr (DE)" || m["policyUrl"] != "https://shop.example/de/datenschutz" {
		t.Errorf("receipt = %v", m)
	}
	if ts, _ := m["consentTimestamp"].(float64); int64(ts) != c.IssuedAt.Unix() {
		t.Errorf("consentTimestamp = %v, want %d (seconds)", m["consentTimestamp"], c.IssuedAt.Unix())
	}
	ctl := m["piiControllers"].([]any)[0]
	if diff := cmp.Diff(sorted("piiController", "onBehalf", "contact", "address", "email", "piiControllerUrl"), keysOf(ctl)); diff != "" {
		t.Errorf("piiControllers[0] keys (-want +got):\n%s", diff)
	}

	// Only the accepted, non-required category is a service.
	services := m["services"].([]any)
	if len(services) != 1 {
		t.Fatalf("services = %v, want analytics only", services)
	}
	svc := services[0].(map[string]any)
	if svc["service"] != "Statistik" {
		t.Errorf("service = %v", svc["service"])
	}
	purpose := svc["purposes"].([]any)[0]
	if diff := cmp.Diff(sorted("purpose", "purposeCategory", "consentType", "piiCategory", "primaryPurpose",
		"termination", "thirdPartyDisclosure"), keysOf(purpose)); diff != "" {
		t.Errorf("purpose keys (-want +got):\n%s", diff)
	}
	pm := purpose.(map[string]any)
	if pm["purpose"] != "Reichweitenmessung" || pm["consentType"] != "EXPLICIT" || pm["thirdPartyDisclosure"] != false {
		t.Errorf("purpose = %v", pm)
	}

	// Accepting marketing names its processor as a third party.
	all := recordForExport(t, env, custos.MethodAcceptAll, map[string]bool{"necessary": true, "analytics": true, "marketing": true})
	var kr KantaraReceipt
	b, _ := json.Marshal(Kantara(all, env.site, env.svc.Issuer))
	if err := json.Unmarshal(b, &kr); err != nil {
		t.Fatal(err)
	}
	if len(kr.Services) != 2 || kr.Services[1].Purposes[0].ThirdPartyName != "AdNet Inc." || !kr.Services[1].Purposes[0].ThirdPartyDisclosure {
		t.Errorf("services = %+v", kr.Services)
	}

	// A refusal of everything is a receipt with no services, not null.
	none := recordForExport(t, env, custos.MethodRejectAll, map[string]bool{"necessary": true, "analytics": false, "marketing": false})
	if s := asJSON(t, Kantara(none, env.site, env.svc.Issuer))["services"]; s == nil || len(s.([]any)) != 0 {
		t.Errorf("services = %v, want []", s)
	}
}

// TestExportsHandBuiltSite checks the exports need nothing from Parse: a
// site built in Go, with no notices, purposes or processors, still gives
// complete documents with empty lists rather than nulls.
func TestExportsHandBuiltSite(t *testing.T) {
	site := &manifest.Site{
		ID: "bare", Name: "Bare", Locales: []string{"en"},
		Controller: manifest.Controller{Name: "Bare Ltd"},
		Categories: []*manifest.Category{
			{ID: "necessary", Required: true, Text: map[string]manifest.Text{"en": {Name: "Necessary"}}},
			{ID: "stats", Text: map[string]manifest.Text{"en": {Name: "Statistics", Description: "Counting visits"}}},
		},
	}
	c := &custos.Consent{
		ID: "id-1", Site: "bare", Subject: testSubject, Method: custos.MethodAcceptAll,
		Choices: map[string]bool{"necessary": true, "stats": true}, Locale: "en",
		Jurisdiction: "rest", Mode: "notice", IssuedAt: testNow, ExpiresAt: testNow.AddDate(0, 6, 0),
	}
	iso := asJSON(t, ISO27560(c, site, ""))
	for _, k := range []string{"parties", "events"} {
		if l, ok := iso[k].([]any); !ok || len(l) == 0 {
			t.Errorf("ISO %s = %v", k, iso[k])
		}
	}
	if l, ok := iso["processing"].(map[string]any)["purposes"].([]any); !ok || len(l) != 0 {
		t.Errorf("ISO purposes = %v, want []", l)
	}
	var kr KantaraReceipt
	b, _ := json.Marshal(Kantara(c, site, ""))
	if err := json.Unmarshal(b, &kr); err != nil {
		t.Fatal(err)
	}
	// A category no purpose refers to is described by its own text.
	if len(kr.Services) != 1 || kr.Services[0].Service != "Statistics" || kr.Services[0].Purposes[0].Purpose != "Counting visits" {
		t.Errorf("services = %+v", kr.Services)
	}
	if kr.PIIControllers[0].PIIController != "Bare Ltd" || kr.SPICat == nil {
		t.Errorf("receipt = %+v", kr)
	}
}
