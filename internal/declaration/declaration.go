// Package declaration builds a site's cookie declaration from the
// manifest: one row per cookie, saying who sets it, why, for how long, and
// how to refuse it, in one locale. It renders the table as HTML, CSV, JSON
// and PDF, so that the declaration a visitor reads, the one a DPO files and
// the banner all come from the same source and cannot drift apart.
//
// The fixed words (headers, "session", "third party", the refusal
// sentences) exist in en, fr, de, es, pt, it, nl, ja and sk; other
// languages get English words around the site's own texts.
package declaration

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/custos-privacy/custos/internal/manifest"
)

// Declaration is the cookie table of one site in one locale. Build makes
// it; it is not modified afterwards, so one Declaration may be rendered
// concurrently.
type Declaration struct {
	Site                string `json:"site"`
	SiteName            string `json:"site_name"`
	Locale              string `json:"locale"`
	ManifestFingerprint string `json:"manifest_fingerprint"`
	// Columns name the row keys shown in the table, in order, with their
	// headers in the locale.
	Columns []Column `json:"columns"`
	Rows    []Row    `json:"rows"`
	// VendorsWithoutCookies run under a category without setting a cookie
	// of their own (a chat assistant whose messages go to a cloud service,
	// say). They are no rows, but a visitor refusing the category refuses
	// them too, so the declaration names them.
	VendorsWithoutCookies []VendorRef `json:"vendors_without_cookies"`

	site *manifest.Site
	l    *labels
}

// Column is one column of the table: the key of the Row field it shows and
// its header.
type Column struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Row is one cookie. The fields shown in the table hold text in the
// declaration's locale; the others are codes for programs.
type Row struct {
	Cookie           string `json:"cookie"`
	Pattern          bool   `json:"pattern"` // Cookie is a name with * standing for any characters
	Domain           string `json:"domain"`  // empty: the site's own host
	Vendor           string `json:"vendor"`
	VendorID         string `json:"vendor_id"`
	PrivacyPolicy    string `json:"privacy_policy"` // the vendor's
	Category         string `json:"category"`
	CategoryID       string `json:"category_id"`
	Required         bool   `json:"required"` // the category cannot be refused
	Purpose          string `json:"purpose"`
	Duration         string `json:"duration"`          // "13 months"
	ManifestDuration string `json:"manifest_duration"` // as the manifest writes it: "13mo", "session"
	Persistence      string `json:"persistence"`       // "Session" or "Persistent"
	Session          bool   `json:"session"`
	Party            string `json:"party"` // "First party" or "Third party"
	ThirdParty       bool   `json:"third_party"`
	HowToRefuse      string `json:"how_to_refuse"`
}

// VendorRef names a vendor and the category it runs under.
type VendorRef struct {
	Vendor        string `json:"vendor"`
	VendorID      string `json:"vendor_id"`
	PrivacyPolicy string `json:"privacy_policy"`
	Category      string `json:"category"`
	CategoryID    string `json:"category_id"`
}

// Build returns the declaration of site in locale, which should be one of
// the site's locales (as Site.BestLocale picks); a text the manifest lacks
// in that locale falls back as Site.TextIn does. Rows follow the manifest:
// by category, then vendor, then cookie.
func Build(site *manifest.Site, locale string) *Declaration {
	l := labelsFor(locale)
	d := &Declaration{
		Site:                  site.ID,
		SiteName:              site.Name,
		Locale:                locale,
		ManifestFingerprint:   site.Fingerprint(),
		Columns:               columns(l),
		Rows:                  []Row{},
		VendorsWithoutCookies: []VendorRef{},
		site:                  site,
		l:                     l,
	}
	for _, c := range site.Categories {
		category := site.TextIn(c.Text, locale).Name
		for _, v := range site.VendorsIn(c.ID) {
			if len(v.Cookies) == 0 {
				d.VendorsWithoutCookies = append(d.VendorsWithoutCookies, VendorRef{
					Vendor: v.Name, VendorID: v.ID, PrivacyPolicy: v.PrivacyPolicy,
					Category: category, CategoryID: c.ID,
				})
				continue
			}
			for _, k := range v.Cookies {
				r := Row{
					Cookie: k.Name, Pattern: k.Pattern, Domain: k.Domain,
					Vendor: v.Name, VendorID: v.ID, PrivacyPolicy: v.PrivacyPolicy,
					Category: category, CategoryID: c.ID, Required: c.Required,
					Purpose:          manifest.Localized(site, k.Purpose, locale),
					Duration:         l.duration(k.Duration),
					ManifestDuration: k.Duration.String(),
					Session:          k.Duration.Session,
					Persistence:      l.Persistent,
					ThirdParty:       k.Party == "third",
					Party:            l.FirstParty,
				}
				if r.Session {
					r.Persistence = l.Session
				}
				if r.ThirdParty {
					r.Party = l.ThirdParty
				}
				r.HowToRefuse = l.refusal(&r)
				if note := l.policyNote(&r); note != "" {
					r.HowToRefuse += " " + fmt.Sprintf(note, r.Vendor+" ("+r.PrivacyPolicy+")")
				}
				d.Rows = append(d.Rows, r)
			}
		}
	}
	return d
}

func columns(l *labels) []Column {
	return []Column{
		{"cookie", l.Cookie}, {"vendor", l.Vendor}, {"category", l.Category},
		{"purpose", l.Purpose}, {"duration", l.Duration}, {"persistence", l.Persistence},
		{"party", l.Party}, {"how_to_refuse", l.HowToRefuse},
	}
}

// Header returns the column headers in the declaration's locale.
func (d *Declaration) Header() []string {
	h := make([]string, len(d.Columns))
	for i, c := range d.Columns {
		h[i] = c.Label
	}
	return h
}

// Records returns the table's cells, one slice per row, in column order.
func (d *Declaration) Records() [][]string {
	out := make([][]string, len(d.Rows))
	for i, r := range d.Rows {
		out[i] = []string{r.Cookie, r.Vendor, r.Category, r.Purpose, r.Duration, r.Persistence, r.Party, r.HowToRefuse}
	}
	return out
}

// Title is the declaration's title in its locale.
func (d *Declaration) Title() string { return d.l.Title }

// HasPatterns reports whether a cookie name holds a *, which the
// renderers then explain.
func (d *Declaration) HasPatterns() bool {
	for _, r := range d.Rows {
		if r.Pattern {
			return true
		}
	}
	return false
}

// refusal is the sentence saying how to refuse the cookie of r, without
// the note on a third party's own policy.
func (l *labels) refusal(r *Row) string {
	if r.Required {
		return l.Required
	}
	return fmt.Sprintf(l.Refusable, r.Category)
}

// policyNote returns the pattern pointing to the vendor's privacy policy,
// or "" when the cookie is the site's own or the vendor names no policy:
// a third party decides what it does with its cookies, and says so there.
func (l *labels) policyNote(r *Row) string {
	if !r.ThirdParty || r.PrivacyPolicy == "" {
		return ""
	}
	return l.PolicyNote
}

// duration writes a cookie's lifetime in words, as the banner does ("1 year,
// 6 months"), but a session cookie's as a sentence ("Until the browser is
// closed"): the declaration's Persistence column already says "Session".
func (l *labels) duration(d manifest.Duration) string {
	if d.Session {
		return l.SessionDuration
	}
	return l.words.FormatDuration(d)
}

// WriteJSON writes the declaration as one JSON object.
func (d *Declaration) WriteJSON(w io.Writer) error {
	return json.NewEncoder(w).Encode(d)
}
