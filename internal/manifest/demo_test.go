package manifest

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDemoIsValid(t *testing.T) {
	// Demo panics on an invalid demo; this says why instead.
	if _, err := Parse("demo.yaml", DemoYAML()); err != nil {
		t.Fatalf("the demo manifest has problems:\n%v", err)
	}
	m := Demo()
	if m != Demo() {
		t.Error("Demo() parses the manifest again on each call")
	}
	if m.Source != "demo" {
		t.Errorf("Source = %q, want demo", m.Source)
	}
}

func TestDemoContents(t *testing.T) {
	s := Demo().Site("demo")
	if s == nil {
		t.Fatal(`no site "demo"`)
	}
	ids := func(n int, id func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	checks := []struct {
		what      string
		got, want []string
	}{
		{"origins", s.Origins, []string{"http://localhost:8080", "http://127.0.0.1:8080", "https://www.demo.example"}},
		{"locales", s.Locales, []string{"en", "fr", "de"}},
		{"categories", ids(len(s.Categories), func(i int) string { return s.Categories[i].ID }),
			[]string{"necessary", "performance", "functionality", "marketing", "social_media"}},
		{"vendors", ids(len(s.Vendors), func(i int) string { return s.Vendors[i].ID }),
			[]string{"demo-corporation", "matomo", "marketo", "6sense", "salesforce", "linkedin", "olark", "dialogflow"}},
		{"jurisdictions", ids(len(s.Jurisdictions), func(i int) string { return s.Jurisdictions[i].ID }),
			[]string{"eu", "us", "br", "global"}},
		{"necessary consent mode", s.Category("necessary").ConsentMode, []string{"security_storage"}},
		{"performance consent mode", s.Category("performance").ConsentMode, []string{"analytics_storage"}},
		{"functionality consent mode", s.Category("functionality").ConsentMode, []string{"functionality_storage", "personalization_storage"}},
		{"marketing consent mode", s.Category("marketing").ConsentMode, []string{"ad_storage", "ad_user_data", "ad_personalization"}},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.what, diff)
		}
	}
	if !s.Category("necessary").Required || !s.Category("marketing").SaleSharing || !s.Category("social_media").SaleSharing {
		t.Error("necessary must be required, marketing and social_media sale or sharing")
	}
	if s.Cookie.Name != DefaultCookieName {
		t.Errorf("consent cookie %q, want %q", s.Cookie.Name, DefaultCookieName)
	}
	// The consent cookie must be declared, and live as long as the longest
	// consent lifetime, or a choice would be forgotten before it expires.
	var longest Duration
	for _, j := range s.Jurisdictions {
		if j.Lifetime().Approx() > longest.Approx() {
			longest = j.Lifetime()
		}
	}
	var consent *Cookie
	for _, c := range s.Vendor("demo-corporation").Cookies {
		if c.Name == s.Cookie.Name {
			consent = c
		}
	}
	if consent == nil || consent.Duration.Approx() < longest.Approx() {
		t.Errorf("consent cookie declared as %v, want a duration of at least %v", consent, longest)
	}
	// The seed's retention table: identification and browsing data two years.
	for _, id := range []string{"user.name", "user.contact.email", "user.behavior.browsing_history"} {
		i := slices.IndexFunc(s.DataCategories, func(d *DataCategory) bool { return d.ID == id })
		if i < 0 || s.DataCategories[i].Retention != (Duration{Years: 2}) {
			t.Errorf("data category %s missing or not kept 2y", id)
		}
	}
}

func TestDemoCopies(t *testing.T) {
	b := DemoYAML()
	b[0] = 'X'
	if DemoYAML()[0] == 'X' {
		t.Error("DemoYAML returns the embedded bytes, not a copy")
	}
	s := Schema()
	s[0] = 'X'
	if Schema()[0] == 'X' {
		t.Error("Schema returns the embedded bytes, not a copy")
	}
}

func TestDemoYAMLWithSystems(t *testing.T) {
	y := DemoYAMLWithSystems(`    systems:
      - id: archive
        name: Paper archive
        kind: manual
        role: controller
        requests: [access]
        instructions: {en: Look in the cabinet., fr: Cherchez dans l'armoire., de: Suchen Sie im Schrank.}
`, "user.unique_id")
	m, err := Parse("demo.yaml", y)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Site("demo")
	if s.System("archive") == nil || s.DataCategory("user.unique_id") == nil {
		t.Errorf("systems %v, the added category missing: %v", s.Systems, s.DataCategory("user.unique_id") == nil)
	}
}
