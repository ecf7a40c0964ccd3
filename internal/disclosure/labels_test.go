package disclosure

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// TestLabelsComplete checks that every label exists in every language:
// every string and array element is filled, every map has the keys of the
// English one and nothing else, and every pattern takes the same verbs.
func TestLabelsComplete(t *testing.T) {
	en := reflect.ValueOf(*allLabels["en"])
	verbs := regexp.MustCompile(`%(\[\d\])?[sd]`)
	for lang, l := range allLabels {
		v := reflect.ValueOf(*l)
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			switch f.Type.Kind() {
			case reflect.String:
				s := v.Field(i).String()
				if s == "" || strings.TrimSpace(s) == "" && f.Name != "Thousand" {
					t.Errorf("%s: %s is empty", lang, f.Name)
				}
				want := verbs.FindAllString(en.Field(i).String(), -1)
				got := verbs.FindAllString(s, -1)
				slices.Sort(want)
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s: %s takes %q, English takes %q", lang, f.Name, got, want)
				}
			case reflect.Array:
				for j := range v.Field(i).Len() {
					if v.Field(i).Index(j).String() == "" {
						t.Errorf("%s: %s[%d] is empty", lang, f.Name, j)
					}
				}
			case reflect.Map:
				m := v.Field(i).Interface().(map[string]string)
				ref := en.Field(i).Interface().(map[string]string)
				for k := range ref {
					if strings.TrimSpace(m[k]) == "" {
						t.Errorf("%s: %s[%q] is missing", lang, f.Name, k)
					}
				}
				for k := range m {
					if _, ok := ref[k]; !ok {
						t.Errorf("%s: %s[%q] is not in English", lang, f.Name, k)
					}
				}
			default:
				t.Fatalf("field %s of kind %s is not checked", f.Name, f.Type.Kind())
			}
		}
	}
	for _, lang := range []string{"en", "fr", "de"} {
		if allLabels[lang] == nil {
			t.Errorf("no labels in %s", lang)
		}
	}
}

// TestLabelsCoverDomain checks that the English maps name every value the
// manifest and the records can hold (the other languages follow through
// TestLabelsComplete).
func TestLabelsCoverDomain(t *testing.T) {
	l := allLabels["en"]
	check := func(name string, m map[string]string, keys ...string) {
		t.Helper()
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: no label for %q", name, k)
			}
		}
	}
	check("Bases", l.Bases, manifest.BasisConsent, manifest.BasisContract, manifest.BasisLegalObligation,
		manifest.BasisVitalInterests, manifest.BasisPublicTask, manifest.BasisLegitimateInterest)
	check("Roles", l.Roles, "processor", "controller", "joint_controller", "recipient")
	check("Safeguards", l.Safeguards, "adequacy", "scc", "bcr", "dpf", "derogation", "none")
	check("RightNames", l.RightNames, rights...)
	check("RightTexts", l.RightTexts, rights...)
	for _, x := range custos.RequestTypes {
		check("Types", l.Types, string(x))
	}
	for _, x := range custos.RequestStates {
		check("States", l.States, string(x))
	}
	for _, x := range custos.Methods {
		check("Methods", l.Methods, string(x))
	}
	check("Events", l.Events, custos.EventReceived, custos.EventMerged, custos.EventVerified, custos.EventViewed,
		custos.EventAssigned, custos.EventNote, custos.EventApproved, custos.EventExtended, custos.EventDenied,
		custos.EventCompleted, custos.EventMailed, custos.EventDownload, custos.EventReminded)
	check("Scopes", l.Scopes, custos.ObjectionScopes...)
	check("Denials", l.Denials, custos.DenyReasons...)
	check("Marks", l.Marks, custos.MarkRestricted, custos.MarkObjected)

	// The demo's data categories without texts of their own, and its
	// sources, have labels.
	for _, dc := range demoSite(t).DataCategories {
		if len(dc.Text) == 0 {
			check("DataNames", l.DataNames, dc.ID)
		}
		check("Sources", l.Sources, dc.Source)
	}
}

func TestLabelsFor(t *testing.T) {
	for locale, want := range map[string]string{"en": "en", "fr": "fr", "fr-CA": "fr", "de-AT": "de", "es": "en", "": "en", "???": "en"} {
		if got := labelsFor(locale).lang; got != want {
			t.Errorf("labelsFor(%q) is in %q, want %q", locale, got, want)
		}
	}
}

func TestFormats(t *testing.T) {
	day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for lang, want := range map[string]string{"en": "1 March 2025", "fr": "1er mars 2025", "de": "1. März 2025"} {
		if got := allLabels[lang].date(day); got != want {
			t.Errorf("%s: date = %q, want %q", lang, got, want)
		}
	}
	if got := allLabels["fr"].date(day.AddDate(0, 0, 14)); got != "15 mars 2025" {
		t.Errorf("fr: date = %q", got)
	}
	for lang, want := range map[string]string{"en": "1,234,567", "fr": "1\u202f234\u202f567", "de": "1.234.567"} {
		if got := allLabels[lang].count(1234567); got != want {
			t.Errorf("%s: count = %q, want %q", lang, got, want)
		}
	}
	if got := allLabels["en"].count(999); got != "999" {
		t.Errorf("count(999) = %q", got)
	}
	d, _ := manifest.ParseDuration("1y6mo")
	for lang, want := range map[string]string{"en": "1 year, 6 months", "fr": "1 an, 6 mois", "de": "1 Jahr, 6 Monate"} {
		if got := allLabels[lang].duration(d); got != want {
			t.Errorf("%s: duration = %q, want %q", lang, got, want)
		}
	}
	for lang, want := range map[string]string{"en": "10 business days", "fr": "10 jours ouvrés", "de": "10 Arbeitstage"} {
		if got := allLabels[lang].period(manifest.Period{N: 10, Unit: manifest.BusinessDays}); got != want {
			t.Errorf("%s: period = %q, want %q", lang, got, want)
		}
	}
	for in, want := range map[string]string{"user.contact.fax_number": "Fax number", "user.contact.email": "E-mail address", "x": "X"} {
		if got := allLabels["en"].dataName(in); got != want {
			t.Errorf("dataName(%q) = %q, want %q", in, got, want)
		}
	}
	for lang, want := range map[string]string{"en": "United States", "fr": "États-Unis", "de": "Vereinigte Staaten"} {
		if got := allLabels[lang].country("US"); got != want {
			t.Errorf("%s: country(US) = %q, want %q", lang, got, want)
		}
	}
	for _, code := range []string{"ZZZ", "ZZ", "DEU", ""} {
		if got := allLabels["en"].country(code); got != code {
			t.Errorf("country(%q) = %q", code, got)
		}
	}
	if got := allLabels["de"].country("XK"); got != "Kosovo" {
		t.Errorf("country(XK) = %q", got)
	}
	if got := allLabels["fr"].method("future_method"); got != "Future method" {
		t.Errorf("unknown method = %q", got)
	}
}
