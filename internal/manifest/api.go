package manifest

import "time"

// This file is the contract other packages code against. Bodies marked
// "unimplemented" are being written; signatures are fixed.

// Duration is a period written in the manifest as "session" (cookies only),
// or a number and a unit: "30m", "24h", "182d", "2w", "13mo", "2y". Months
// and years are calendar months and years (AddTo uses time.AddDate).
type Duration struct {
	Session bool
	Years   int
	Months  int
	Days    int
	Clock   time.Duration // hours, minutes, seconds
	text    string        // as written, for String
}

// ParseDuration parses the manifest form of a duration.
func ParseDuration(s string) (Duration, error) { panic("unimplemented") }

// String returns the duration as written in the manifest.
func (d Duration) String() string { panic("unimplemented") }

// IsZero reports whether d was not set.
func (d Duration) IsZero() bool { return d == Duration{} }

// AddTo returns t + d. A session duration adds nothing.
func (d Duration) AddTo(t time.Time) time.Time { panic("unimplemented") }

// Approx returns d as a time.Duration, counting a month as 30 days and a
// year as 365, for display and comparisons only.
func (d Duration) Approx() time.Duration { panic("unimplemented") }

// Problem is one thing wrong with a manifest, at a position in its file.
type Problem struct {
	File    string
	Line    int // 1-based; 0 if unknown
	Col     int // 1-based; 0 if unknown
	Message string
}

// String formats p as file:line:col: message.
func (p Problem) String() string { panic("unimplemented") }

// ProblemsError is returned by Load when the manifest has problems.
type ProblemsError struct{ Problems []Problem }

func (e *ProblemsError) Error() string { panic("unimplemented") }

// LoadFile reads, parses and validates the manifest at path. On any
// problem it returns a *ProblemsError listing all of them.
func LoadFile(path string) (*Manifest, error) { panic("unimplemented") }

// Parse parses and validates a manifest from data; name is used in problem
// positions.
func Parse(name string, data []byte) (*Manifest, error) { panic("unimplemented") }

// Demo returns the built-in demo manifest (site id "demo").
func Demo() *Manifest { panic("unimplemented") }

// DemoYAML returns the YAML the demo manifest is parsed from.
func DemoYAML() []byte { panic("unimplemented") }

// Schema returns the JSON Schema (draft 2020-12) of custos.yaml.
func Schema() []byte { panic("unimplemented") }

// Site returns the site with id, or nil.
func (m *Manifest) Site(id string) *Site { panic("unimplemented") }

// Fingerprint is the site's stable consent fingerprint: a hash over what
// matters to consent (categories, their texts, vendors and their cookies,
// purposes, notices). It changes when the banner must ask again, and not
// when unrelated fields (origins, processors' URLs, key order, comments)
// change. Form: 32 lowercase hex characters (the first 128 bits of a
// SHA-256 over a canonical encoding).
func (s *Site) Fingerprint() string { return s.fingerprint }

// Category returns the category with id, or nil.
func (s *Site) Category(id string) *Category { panic("unimplemented") }

// VendorsIn returns the vendors of a category, in manifest order.
func (s *Site) VendorsIn(category string) []*Vendor { panic("unimplemented") }

// Jurisdiction resolves a region code (ISO 3166-1 alpha-2 such as "DE", or
// ISO 3166-2 such as "US-CA"; case-insensitive; "" when unknown) to the
// jurisdiction that governs it: an exact subdivision match first, then the
// country, then a group the country belongs to (EU, EEA), then "*". It never
// returns nil for a valid manifest, which must have a "*" jurisdiction.
func (s *Site) Jurisdiction(region string) *Jurisdiction { panic("unimplemented") }

// Lifetime returns the consent lifetime of j, defaulting to
// DefaultConsentLifetime.
func (j *Jurisdiction) Lifetime() Duration { panic("unimplemented") }

// BestLocale picks the best of the site's locales for the given wish: an
// explicit locale (may be "") first, then an Accept-Language header value,
// then the site's first locale.
func (s *Site) BestLocale(explicit, acceptLanguage string) string { panic("unimplemented") }

// HasLocale reports whether the site declares locale exactly.
func (s *Site) HasLocale(locale string) bool { panic("unimplemented") }

// Notice returns the notice in force for a locale and a region (as for
// Jurisdiction): the latest published version matching the region's
// jurisdiction id or region code, else "*", in the locale, else in the
// site's first locale. Nil if the site has none.
func (s *Site) Notice(locale, region string) *Notice { panic("unimplemented") }

// AllowsOrigin reports whether origin (scheme://host[:port]) is declared.
func (s *Site) AllowsOrigin(origin string) bool { panic("unimplemented") }

// TextIn returns the text for locale, falling back to the site's first
// locale, then to any.
func (s *Site) TextIn(texts map[string]Text, locale string) Text { panic("unimplemented") }
