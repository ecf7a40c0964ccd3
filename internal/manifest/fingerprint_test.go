package manifest

import (
	"regexp"
	"testing"
)

// baseFingerprint pins the fingerprint of base. If it changes, every visitor
// of every site is asked to consent again: change the encoding only on
// purpose, together with fingerprintVersion.
const baseFingerprint = "28fd5bea74be576195209083d083afeb"

func TestFingerprintForm(t *testing.T) {
	fp := mustParse(t, base).Sites[0].Fingerprint()
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(fp) {
		t.Fatalf("fingerprint %q is not 32 lowercase hex characters", fp)
	}
	if fp != baseFingerprint {
		t.Errorf("fingerprint of base = %s, want %s", fp, baseFingerprint)
	}
	if fp := Demo().Site("demo").Fingerprint(); len(fp) != 32 {
		t.Errorf("demo fingerprint = %q", fp)
	}
}

func TestFingerprintUnchanged(t *testing.T) {
	want := mustParse(t, base).Sites[0].Fingerprint()
	tests := []struct {
		name  string
		edits []edit
	}{
		{"comments", []edit{{"    vendors:\n", "    # Who runs code on the site.\n    vendors: # in banner order\n"}}},
		{"key order", []edit{{"        name: Matomo\n        category: analytics\n", "        category: analytics\n        name: Matomo\n"}}},
		{"flow style", []edit{{"          en: {name: Necessary}\n", "          en:\n            name: Necessary\n"}}},
		{"origins", []edit{{"[https://www.example.com]", "[https://www.example.com, http://localhost:8080]"}}},
		{"site name", []edit{{"    name: Example\n", "    name: Example Corp\n"}}},
		{"controller", []edit{{"      name: Example SA\n", "      name: Example SAS\n      email: dpo@example.com\n"}}},
		{"data categories", []edit{{"retention: 25mo", "retention: 2y"}}},
		{"processors", []edit{{"country: DE", "country: FR"}}},
		{"jurisdictions", []edit{{"mode: notice", "mode: opt_in"}}},
		{"consent mode", []edit{{"consent_mode: [analytics_storage]", "consent_mode: [analytics_storage, personalization_storage]"}}},
		{"consent cookie", []edit{{"    notices:\n", "    cookie: {name: consent}\n    notices:\n"}}},
		{"notice url and date", []edit{{`url: "https://www.example.com/us", published: "2024-06-01"`, `url: "https://www.example.com/en-us", published: "2024-06-02"`}}},
		{"category order", []edit{
			{"      - id: necessary\n        required: true\n        text:\n          en: {name: Necessary}\n          fr: {name: Nécessaires}\n", ""},
			{"    vendors:\n", "      - id: necessary\n        required: true\n        text:\n          en: {name: Necessary}\n          fr: {name: Nécessaires}\n    vendors:\n"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, apply(t, base, tt.edits...)).Sites[0].Fingerprint(); got != want {
				t.Errorf("fingerprint changed to %s, want %s", got, want)
			}
		})
	}
}

func TestFingerprintChanged(t *testing.T) {
	old := mustParse(t, base).Sites[0].Fingerprint()
	tests := []struct {
		name  string
		edits []edit
	}{
		{"site id", []edit{{"id: www", "id: www2"}}},
		{"a vendor", []edit{{"    purposes:\n", "      - {id: chat, name: Chat, category: analytics, privacy_policy: \"https://chat.example/privacy\"}\n    purposes:\n"}}},
		{"a cookie", []edit{{"    purposes:\n", "          - {name: _pk_ses.*, pattern: true, duration: 30m, party: first, purpose: {en: Visit., fr: Visite.}}\n    purposes:\n"}}},
		{"cookie duration", []edit{{"duration: 13mo", "duration: 12mo"}}},
		{"cookie purpose", []edit{{"en: Counts visitors.", "en: Counts visitors and their pages."}}},
		{"cookie domain", []edit{{"            party: first\n", "            party: first\n            domain: .matomo.cloud\n"}}},
		{"category text", []edit{{"en: {name: Analytics cookies}", "en: {name: Statistics cookies}"}}},
		{"category description", []edit{{"en: {name: Analytics cookies}", "en: {name: Analytics cookies, description: Counts visits.}"}}},
		{"category required", []edit{{"      - id: analytics\n", "      - id: analytics\n        required: true\n"}, {"legal_basis: consent", "legal_basis: legitimate_interests"}, {"        categories: [analytics]\n", ""}}},
		{"sale or sharing", []edit{{"      - id: analytics\n", "      - id: analytics\n        sale_sharing: true\n"}}},
		{"vendor category", []edit{{"category: analytics", "category: necessary"}}},
		{"privacy policy", []edit{{"https://matomo.org/privacy-policy/", "https://matomo.org/privacy/"}}},
		{"vendor name", []edit{{"name: Matomo", "name: Matomo Analytics"}}},
		{"purpose basis", []edit{{"legal_basis: consent", "legal_basis: legitimate_interests"}, {"        categories: [analytics]\n", ""}}},
		{"purpose text", []edit{{"en: {name: Audience}", "en: {name: Audience measurement}"}}},
		{"notice version", []edit{{`version: "1-us"`, `version: "2-us"`}}},
		{"a new notice", []edit{{`      - {version: "1-us"`, `      - {version: "2", locale: en, region: "*", url: "https://www.example.com/privacy", published: "2025-01-01"}` + "\n" + `      - {version: "1-us"`}}},
	}
	seen := map[string]string{old: "base"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, apply(t, base, tt.edits...)).Sites[0].Fingerprint()
			if got == old {
				t.Errorf("fingerprint did not change")
			}
			if other, ok := seen[got]; ok {
				t.Errorf("fingerprint %s is also that of %q", got, other)
			}
			seen[got] = tt.name
		})
	}
}

func TestFingerprintSamePeriod(t *testing.T) {
	// A period is the same whichever way it is written.
	days := mustParse(t, apply(t, base, edit{"duration: 13mo", "duration: 14d"})).Sites[0].Fingerprint()
	weeks := mustParse(t, apply(t, base, edit{"duration: 13mo", "duration: 2w"})).Sites[0].Fingerprint()
	if days != weeks {
		t.Errorf("14d and 2w give fingerprints %s and %s", days, weeks)
	}
}

func TestFingerprintOfSiteBuiltInGo(t *testing.T) {
	parsed := mustParse(t, base).Sites[0]
	built := *parsed
	built.fingerprint = ""
	if got, want := built.Fingerprint(), parsed.Fingerprint(); got != want {
		t.Errorf("fingerprint computed on demand = %s, want %s as at load time", got, want)
	}
}
