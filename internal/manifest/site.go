package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Site returns the site with id, or nil.
func (m *Manifest) Site(id string) *Site {
	for _, s := range m.Sites {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Fingerprint is the site's stable consent fingerprint: a hash over what
// matters to consent (categories, their texts, vendors and their cookies,
// purposes, notice versions). It changes when the banner must ask again, and
// not when unrelated fields (origins, processors, data categories, key
// order, comments) change. Form: 32 lowercase hex characters (the first 128
// bits of a SHA-256 over a canonical encoding). Parse computes it once; for
// a Site built in Go it is computed on each call.
func (s *Site) Fingerprint() string {
	if s.fingerprint == "" {
		return fingerprint(s)
	}
	return s.fingerprint
}

// ContentHash is the hex SHA-256 of the site's whole definition as the
// manifest declares it (canonical JSON, so key order and comments do not
// count). Any change to what Custos does for the site — a jurisdiction's
// mode, a processor, a retention period — changes it, and is recorded as a
// new manifest version in the audit trail, even when the consent
// fingerprint stays the same.
func (s *Site) ContentHash() string {
	b, err := json.Marshal(s)
	if err != nil {
		panic("manifest: encoding site: " + err.Error()) // only plain data types
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Localized picks the value for locale from a per-locale map, falling back
// to the site's first (default) locale, then to the smallest locale key, so
// the choice is stable.
func Localized[T any](s *Site, m map[string]T, locale string) T {
	if v, ok := m[locale]; ok {
		return v
	}
	if len(s.Locales) > 0 {
		if v, ok := m[s.Locales[0]]; ok {
			return v
		}
	}
	if len(m) == 0 {
		var zero T
		return zero
	}
	return m[slices.Min(slices.Collect(maps.Keys(m)))]
}

// Category returns the category with id, or nil.
func (s *Site) Category(id string) *Category {
	for _, c := range s.Categories {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// Vendor returns the vendor with id, or nil.
func (s *Site) Vendor(id string) *Vendor {
	for _, v := range s.Vendors {
		if v.ID == id {
			return v
		}
	}
	return nil
}

// Purpose returns the purpose with id, or nil.
func (s *Site) Purpose(id string) *Purpose {
	for _, p := range s.Purposes {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// VendorsIn returns the vendors of a category, in manifest order.
func (s *Site) VendorsIn(category string) []*Vendor {
	var out []*Vendor
	for _, v := range s.Vendors {
		if v.Category == category {
			out = append(out, v)
		}
	}
	return out
}

// Jurisdiction resolves a region code (ISO 3166-1 alpha-2 such as "DE", or
// ISO 3166-2 such as "US-CA"; case-insensitive; "" when unknown) to the
// jurisdiction that governs it: an exact subdivision match first, then the
// country, then a group the country belongs to (EU before EEA), then "*". It
// never returns nil for a valid manifest, which must have a "*"
// jurisdiction.
func (s *Site) Jurisdiction(region string) *Jurisdiction {
	r := strings.ToUpper(strings.TrimSpace(region))
	if r != "" && r != AnyRegion {
		country, _, sub := strings.Cut(r, "-")
		if sub {
			if j := s.listing(r); j != nil {
				return j
			}
		}
		if j := s.listing(country); j != nil {
			return j
		}
		for _, g := range []string{GroupEU, GroupEEA} {
			if inGroup(country, g) {
				if j := s.listing(g); j != nil {
					return j
				}
			}
		}
	}
	return s.listing(AnyRegion)
}

// listing returns the jurisdiction whose regions include code exactly.
func (s *Site) listing(code string) *Jurisdiction {
	for _, j := range s.Jurisdictions {
		if slices.Contains(j.Regions, code) {
			return j
		}
	}
	return nil
}

// Lifetime returns the consent lifetime of j, defaulting to
// DefaultConsentLifetime (182 days).
func (j *Jurisdiction) Lifetime() Duration {
	if j == nil || j.ConsentLifetime.IsZero() {
		return Duration{Days: int(DefaultConsentLifetime / (24 * time.Hour))}
	}
	return j.ConsentLifetime
}

// BestLocale picks the best of the site's locales for the given wish: an
// explicit locale (may be "") if the site has it, or else the site's locale
// for the same language ("fr-CA" gives "fr"); then the best match for an
// Accept-Language header value; then the site's first locale.
func (s *Site) BestLocale(explicit, acceptLanguage string) string {
	if len(s.Locales) == 0 {
		return ""
	}
	if explicit != "" {
		if tag, err := language.Parse(explicit); err == nil {
			if loc, ok := s.sameLanguage(tag); ok {
				return loc
			}
		}
	}
	if acceptLanguage != "" {
		if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil && len(tags) > 0 {
			m := s.matcher
			if m == nil {
				m = newMatcher(s.Locales)
			}
			if _, i, conf := m.Match(tags...); conf != language.No {
				return s.Locales[i]
			}
		}
	}
	return s.Locales[0]
}

// sameLanguage returns the site's locale equal to tag, else the site's
// locale that is exactly tag's language, else the first with that language.
func (s *Site) sameLanguage(tag language.Tag) (string, bool) {
	want := tag.String()
	base, _ := tag.Base()
	var sameBase string
	for _, loc := range s.Locales {
		if strings.EqualFold(loc, want) {
			return loc, true
		}
		t, err := language.Parse(loc)
		if err != nil {
			continue
		}
		if b, _ := t.Base(); b == base && (sameBase == "" || t == language.Make(base.String())) {
			sameBase = loc
		}
	}
	return sameBase, sameBase != ""
}

func newMatcher(locales []string) language.Matcher {
	tags := make([]language.Tag, len(locales))
	for i, loc := range locales {
		tags[i] = language.Make(loc)
	}
	return language.NewMatcher(tags)
}

// HasLocale reports whether the site declares locale exactly.
func (s *Site) HasLocale(locale string) bool { return slices.Contains(s.Locales, locale) }

// Notice returns the notice in force for a locale and a region (a region
// code as for Jurisdiction). Among the notices that match, the one with the
// latest published date is in force. The region is matched from the most
// specific to the least: the exact code, its country, a group the country
// belongs to (EU, EEA), the id of its jurisdiction, and finally "*". At each
// level the notice in the locale (or the site's locale of the same language)
// is preferred, then one in the site's first locale, then in its other
// locales. A regional notice in another language wins over a global one in
// the visitor's, because it states rights the global notice does not. Nil if
// the site has no notice for the region or "*".
func (s *Site) Notice(locale, region string) *Notice {
	if len(s.Notices) == 0 {
		return nil
	}
	locales := []string{s.BestLocale(locale, "")}
	for _, loc := range s.Locales {
		if !slices.Contains(locales, loc) {
			locales = append(locales, loc)
		}
	}
	for _, r := range s.noticeRegions(region) {
		for _, loc := range locales {
			var best *Notice
			for _, n := range s.Notices {
				if n.Locale == loc && n.Region == r && (best == nil || n.Published >= best.Published) {
					best = n
				}
			}
			if best != nil {
				return best
			}
		}
	}
	return nil
}

// noticeRegions lists the notice regions that apply to a region code, the
// most specific first.
func (s *Site) noticeRegions(region string) []string {
	var out []string
	r := strings.ToUpper(strings.TrimSpace(region))
	if r != "" && r != AnyRegion {
		out = append(out, r)
		country, _, sub := strings.Cut(r, "-")
		if sub {
			out = append(out, country)
		}
		for _, g := range []string{GroupEU, GroupEEA} {
			if inGroup(country, g) {
				out = append(out, g)
			}
		}
	}
	if j := s.Jurisdiction(region); j != nil && j.ID != "" {
		out = append(out, j.ID)
	}
	return append(out, AnyRegion)
}

// AllowsOrigin reports whether origin (scheme://host[:port], as in an Origin
// header) is one of the site's origins. Scheme and host compare
// case-insensitively, and a default port (:80 for http, :443 for https)
// equals none.
func (s *Site) AllowsOrigin(origin string) bool {
	want, ok := normalizeOrigin(origin)
	if !ok {
		return false
	}
	for _, o := range s.Origins {
		if got, ok := normalizeOrigin(o); ok && got == want {
			return true
		}
	}
	return false
}

// normalizeOrigin lowercases an origin and drops a default port. It reports
// false for anything that is not an http or https origin.
func normalizeOrigin(o string) (string, bool) {
	scheme, host, ok := strings.Cut(o, "://")
	if !ok || host == "" || strings.ContainsAny(host, "/?#@ ") {
		return "", false
	}
	scheme, host = strings.ToLower(scheme), strings.ToLower(host)
	switch scheme {
	case "http":
		host = strings.TrimSuffix(host, ":80")
	case "https":
		host = strings.TrimSuffix(host, ":443")
	default:
		return "", false
	}
	return scheme + "://" + host, true
}

// TextIn returns the text for locale, falling back to the site's first
// locale, then to the text of the alphabetically first locale, so that a
// visitor sees something rather than nothing.
func (s *Site) TextIn(texts map[string]Text, locale string) Text {
	return Localized(s, texts, locale)
}
