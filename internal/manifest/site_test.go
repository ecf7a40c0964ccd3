package manifest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJurisdiction(t *testing.T) {
	s := Demo().Site("demo")
	tests := []struct{ region, want string }{
		{"DE", "eu"},
		{"de", "eu"},
		{" FR ", "eu"},
		{"FR-75", "eu"}, // a subdivision of a member state
		{"NO", "eu"},    // EEA, not EU
		{"IS", "eu"},
		{"GB", "eu"},
		{"CH", "eu"},
		{"US-CA", "us"},
		{"us-ca", "us"},
		{"US-TX", "us"},
		{"US-NY", "global"}, // no comprehensive state law listed
		{"US", "global"},
		{"BR", "br"},
		{"BR-SP", "br"},
		{"JP", "global"},
		{"", "global"},
		{"*", "global"},
		{"ZZ", "global"},
	}
	for _, tt := range tests {
		j := s.Jurisdiction(tt.region)
		if j == nil || j.ID != tt.want {
			t.Errorf("Jurisdiction(%q) = %v, want %s", tt.region, j, tt.want)
		}
	}
}

func TestJurisdictionPrecedence(t *testing.T) {
	// Subdivision before country before EU before EEA before "*".
	s := mustParse(t, apply(t, base,
		edit{"[EU, EEA]", "[EU, US-CA]"},
		edit{"      - id: us\n        regions: [US-CA]", "      - id: us\n        regions: [US]"},
		edit{`regions: ["*"]`, `regions: ["*", DE-BY]`},
		edit{"    notices:\n", "      - {id: eea, regions: [EEA, PL], mode: opt_in}\n    notices:\n"},
	)).Sites[0]
	tests := []struct{ region, want string }{
		{"US-CA", "eu"}, // the subdivision is listed, whatever its country
		{"US-NY", "us"},
		{"DE", "eu"},
		{"DE-BY", "rest"},
		{"DE-BE", "eu"},
		{"NO", "eea"},
		{"PL", "eea"}, // the country is listed, before its group
		{"JP", "rest"},
	}
	for _, tt := range tests {
		if j := s.Jurisdiction(tt.region); j == nil || j.ID != tt.want {
			t.Errorf("Jurisdiction(%q) = %v, want %s", tt.region, j, tt.want)
		}
	}
}

func TestLifetime(t *testing.T) {
	s := Demo().Site("demo")
	tests := []struct {
		region string
		want   Duration
	}{
		{"DE", Duration{Days: 182}},
		{"US-CA", Duration{Months: 12}},
		{"BR", Duration{Days: 182}}, // not set: the default
	}
	for _, tt := range tests {
		if got := s.Jurisdiction(tt.region).Lifetime(); got != tt.want {
			t.Errorf("Jurisdiction(%q).Lifetime() = %v, want %v", tt.region, got, tt.want)
		}
	}
	var j *Jurisdiction
	if got := j.Lifetime(); got.Approx() != DefaultConsentLifetime {
		t.Errorf("nil Lifetime() = %v, want %v", got, DefaultConsentLifetime)
	}
}

func TestBestLocale(t *testing.T) {
	demo := Demo().Site("demo") // en, fr, de
	other := &Site{Locales: []string{"en", "pt-BR", "fr-FR", "fr"}}
	tests := []struct {
		s                *Site
		explicit, accept string
		want             string
	}{
		{demo, "fr", "", "fr"},
		{demo, "FR", "", "fr"},
		{demo, "fr-CA", "", "fr"},
		{demo, "de-AT", "fr", "de"},
		{demo, "es", "de-DE,de;q=0.9", "de"},
		{demo, "", "fr-CH, fr;q=0.9, en;q=0.8", "fr"},
		{demo, "", "nl, de;q=0.5", "de"},
		{demo, "", "nl", "en"},
		{demo, "", "de;q=0, fr;q=0.5", "fr"},
		{demo, "", "*", "en"},
		{demo, "", ";;garbage", "en"},
		{demo, "not a tag!", "", "en"},
		{demo, "", "", "en"},
		{other, "fr-CA", "", "fr"},    // the bare language before another region
		{other, "pt-PT", "", "pt-BR"}, // the same language, another region
		{other, "pt", "", "pt-BR"},
		{other, "", "fr-FR", "fr-FR"},
		{&Site{}, "fr", "fr", ""},
	}
	for _, tt := range tests {
		if got := tt.s.BestLocale(tt.explicit, tt.accept); got != tt.want {
			t.Errorf("%v.BestLocale(%q, %q) = %q, want %q", tt.s.Locales, tt.explicit, tt.accept, got, tt.want)
		}
	}
}

func TestHasLocale(t *testing.T) {
	s := Demo().Site("demo")
	for loc, want := range map[string]bool{"en": true, "de": true, "fr-CA": false, "EN": false, "": false} {
		if got := s.HasLocale(loc); got != want {
			t.Errorf("HasLocale(%q) = %v, want %v", loc, got, want)
		}
	}
}

func TestNotice(t *testing.T) {
	s := Demo().Site("demo")
	tests := []struct {
		locale, region string
		want           string // version and locale
	}{
		{"en", "", "2024-09 en"}, // the latest of two
		{"fr", "DE", "2024-09 fr"},
		{"de", "AT", "2024-09 de"},
		{"fr-CA", "CA", "2024-09 fr"},
		{"es", "ES", "2024-09 en"}, // no Spanish: the first locale
		{"en", "US-CA", "2025-01-us en"},
		{"de", "US-CA", "2025-01-us en"}, // the regional notice, in English
		{"en", "US-NY", "2024-09 en"},
		{"fr", "BR", "2024-11-br en"},
		{"fr", "br-sp", "2024-11-br en"},
	}
	for _, tt := range tests {
		n := s.Notice(tt.locale, tt.region)
		if n == nil {
			t.Errorf("Notice(%q, %q) = nil, want %s", tt.locale, tt.region, tt.want)
			continue
		}
		if got := n.Version + " " + n.Locale; got != tt.want {
			t.Errorf("Notice(%q, %q) = %s, want %s", tt.locale, tt.region, got, tt.want)
		}
	}
}

func TestNoticeLatestAndLevels(t *testing.T) {
	s := &Site{
		Locales:       []string{"en", "de"},
		Jurisdictions: []*Jurisdiction{{ID: "dach", Regions: []string{"DE", "AT", "CH"}}, {ID: "rest", Regions: []string{"*"}}},
		Notices: []*Notice{
			{Version: "3", Locale: "de", Region: "*", Published: "2025-02-01"},
			{Version: "1", Locale: "de", Region: "*", Published: "2023-01-01"},
			{Version: "2", Locale: "de", Region: "*", Published: "2024-01-01"},
			{Version: "dach-1", Locale: "de", Region: "dach", Published: "2024-05-01"},
			{Version: "eu-1", Locale: "de", Region: "EU", Published: "2024-05-01"},
			{Version: "de-1", Locale: "de", Region: "DE", Published: "2024-05-01"},
			{Version: "by-1", Locale: "de", Region: "DE-BY", Published: "2024-05-01"},
		},
	}
	tests := []struct{ locale, region, want string }{
		{"de", "JP", "3"},
		{"de", "CH", "dach-1"},  // the jurisdiction's notice
		{"de", "AT", "eu-1"},    // the group's, before the jurisdiction's
		{"de", "DE", "de-1"},    // the country's, before the group's
		{"de", "DE-BY", "by-1"}, // the subdivision's first
		{"de", "DE-BE", "de-1"},
		{"en", "JP", "3"}, // nothing in English, the first locale: German
	}
	for _, tt := range tests {
		n := s.Notice(tt.locale, tt.region)
		if tt.want == "" {
			if n != nil {
				t.Errorf("Notice(%q, %q) = %s, want nil", tt.locale, tt.region, n.Version)
			}
			continue
		}
		if n == nil || n.Version != tt.want {
			t.Errorf("Notice(%q, %q) = %v, want %s", tt.locale, tt.region, n, tt.want)
		}
	}
	if n := (&Site{Locales: []string{"en"}}).Notice("en", "DE"); n != nil {
		t.Errorf("Notice on a site without notices = %v, want nil", n)
	}
}

func TestAllowsOrigin(t *testing.T) {
	s := Demo().Site("demo")
	tests := []struct {
		origin string
		want   bool
	}{
		{"https://www.demo.example", true},
		{"HTTPS://WWW.Demo.Example", true},
		{"https://www.demo.example:443", true},
		{"http://localhost:8080", true},
		{"http://127.0.0.1:8080", true},
		{"http://www.demo.example", false},
		{"https://www.demo.example:8443", false},
		{"http://localhost:8081", false},
		{"http://localhost", false},
		{"https://www.demo.example/", false},
		{"https://www.demo.example.evil.example", false},
		{"https://evil.example", false},
		{"null", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := s.AllowsOrigin(tt.origin); got != tt.want {
			t.Errorf("AllowsOrigin(%q) = %v, want %v", tt.origin, got, tt.want)
		}
	}
	// A default port written in the manifest is the same origin without it.
	s = &Site{Origins: []string{"http://example.com:80"}}
	if !s.AllowsOrigin("http://example.com") {
		t.Error("http://example.com:80 does not allow http://example.com")
	}
}

func TestTextIn(t *testing.T) {
	s := &Site{Locales: []string{"fr", "en"}}
	texts := map[string]Text{"en": {Name: "Marketing"}, "fr": {Name: "Marketing (fr)"}, "de": {Name: "Marketing (de)"}}
	tests := []struct {
		texts  map[string]Text
		locale string
		want   string
	}{
		{texts, "en", "Marketing"},
		{texts, "de", "Marketing (de)"},
		{texts, "es", "Marketing (fr)"},
		{map[string]Text{"en": {Name: "E"}, "de": {Name: "D"}}, "es", "D"},
		{nil, "en", ""},
	}
	for _, tt := range tests {
		if got := s.TextIn(tt.texts, tt.locale).Name; got != tt.want {
			t.Errorf("TextIn(%v, %q) = %q, want %q", tt.texts, tt.locale, got, tt.want)
		}
	}
}

func TestLookups(t *testing.T) {
	m := Demo()
	if m.Site("nope") != nil {
		t.Error(`Site("nope") != nil`)
	}
	s := m.Site("demo")
	if c := s.Category("marketing"); c == nil || !c.SaleSharing {
		t.Errorf(`Category("marketing") = %v`, c)
	}
	if s.Category("nope") != nil || s.Vendor("nope") != nil || s.Purpose("nope") != nil {
		t.Error("lookups of unknown ids are not nil")
	}
	if v := s.Vendor("olark"); v == nil || v.Category != "functionality" {
		t.Errorf(`Vendor("olark") = %v`, v)
	}
	if p := s.Purpose("analytics"); p == nil || p.LegalBasis != BasisConsent {
		t.Errorf(`Purpose("analytics") = %v`, p)
	}
	var ids []string
	for _, v := range s.VendorsIn("marketing") {
		ids = append(ids, v.ID)
	}
	if diff := cmp.Diff([]string{"marketo", "6sense", "salesforce"}, ids); diff != "" {
		t.Errorf("VendorsIn(marketing) (-want +got):\n%s", diff)
	}
	if got := s.VendorsIn("nope"); got != nil {
		t.Errorf("VendorsIn(nope) = %v", got)
	}
}

func TestConcurrentLookups(t *testing.T) {
	// A parsed manifest is shared by every request.
	s := Demo().Site("demo")
	done := make(chan bool)
	for range 8 {
		go func() {
			for range 100 {
				s.BestLocale("", "de-CH, fr;q=0.5")
				s.Notice("fr", "US-CA")
				s.Jurisdiction("NO")
				s.AllowsOrigin("https://www.demo.example")
				s.Fingerprint()
			}
			done <- true
		}()
	}
	for range 8 {
		<-done
	}
}
