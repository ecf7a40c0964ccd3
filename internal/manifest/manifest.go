// Package manifest holds the privacy manifest (custos.yaml): the single
// source of truth for sites, consent categories, vendors and their cookies,
// purposes, data categories and their retention, processors, jurisdictions,
// notices, and the systems that hold personal data (systems.go). It loads
// the YAML keeping line numbers, validates it, and computes each site's
// consent fingerprint.
//
// Parse and LoadFile report every problem of a manifest at once, each as
// file:line:col: message; a manifest they return is valid, has its defaults
// filled in, and is safe for concurrent use as long as nobody modifies it.
// docs/manifest.md describes the file for the people who write it.
package manifest

import (
	"time"

	"golang.org/x/text/language"
)

// Manifest is a whole custos.yaml.
type Manifest struct {
	Version int     `yaml:"version" json:"version"` // format version, 1
	Sites   []*Site `yaml:"sites" json:"sites"`

	// Source is where the manifest came from (a path, or "demo"); Raw is the
	// bytes it was loaded from. Neither is part of the YAML.
	Source string `yaml:"-" json:"-"`
	Raw    []byte `yaml:"-" json:"-"`
}

// Site is one website that embeds the banner.
type Site struct {
	ID             string          `yaml:"id" json:"id"` // [a-z0-9-]{1,64}, used in URLs
	Name           string          `yaml:"name" json:"name"`
	Origins        []string        `yaml:"origins" json:"origins"` // e.g. https://www.example.com; CORS is allowed for these only
	Locales        []string        `yaml:"locales" json:"locales"` // BCP 47; the first is the default
	Controller     Controller      `yaml:"controller" json:"controller"`
	Categories     []*Category     `yaml:"categories" json:"categories"`
	Vendors        []*Vendor       `yaml:"vendors" json:"vendors"`
	Purposes       []*Purpose      `yaml:"purposes" json:"purposes"`
	DataCategories []*DataCategory `yaml:"data_categories" json:"data_categories"`
	Processors     []*Processor    `yaml:"processors" json:"processors"`
	Jurisdictions  []*Jurisdiction `yaml:"jurisdictions" json:"jurisdictions"`
	Notices        []*Notice       `yaml:"notices" json:"notices"`
	Cookie         ConsentCookie   `yaml:"cookie" json:"cookie"`
	Banner         Banner          `yaml:"banner" json:"banner"`
	// Systems are where the site's personal data lives besides Custos:
	// databases, processors' endpoints, and systems staff answer by hand.
	Systems []*System `yaml:"systems" json:"systems,omitempty"`

	fingerprint string           // computed by Parse
	matcher     language.Matcher // of Locales, built by Parse for BestLocale
}

// Controller is who decides the purposes and means of the processing.
type Controller struct {
	Name    string `yaml:"name" json:"name"`
	Address string `yaml:"address" json:"address,omitempty"`
	Email   string `yaml:"email" json:"email,omitempty"` // privacy contact
	DPO     string `yaml:"dpo" json:"dpo,omitempty"`     // data protection officer contact
	// Timezone is the IANA name of the time zone the controller counts the
	// deadlines of data subject requests in, such as Europe/Paris; "" is
	// UTC. See internal/deadline.
	Timezone string `yaml:"timezone" json:"timezone,omitempty"`
}

// ConsentCookie configures the first-party cookie the banner stores the
// choice in. Domain lets subdomains share one choice.
type ConsentCookie struct {
	Name   string `yaml:"name" json:"name"`     // default "custos_consent"
	Domain string `yaml:"domain" json:"domain"` // default: the page's host
}

// Banner holds the banner's options that do not change what a visitor
// consents to, so they are outside the fingerprint.
type Banner struct {
	// FloatingButton shows a small button that reopens the preference
	// centre; nil means true. Sites that put a data-custos-open link in their
	// footer may turn it off.
	FloatingButton *bool `yaml:"floating_button" json:"floating_button,omitempty"`
	// ConsentMode issues Google Consent Mode v2 calls (gtag('consent', ...))
	// from the categories' consent_mode lists.
	ConsentMode bool `yaml:"consent_mode" json:"consent_mode,omitempty"`
}

// ShowFloatingButton reports whether the banner shows its reopen button.
func (b Banner) ShowFloatingButton() bool { return b.FloatingButton == nil || *b.FloatingButton }

// Text is a short name and a longer description in one locale.
type Text struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
}

// Category is a consent category the visitor can accept or refuse.
type Category struct {
	ID       string          `yaml:"id" json:"id"`
	Required bool            `yaml:"required" json:"required"` // always on; cannot be refused
	Text     map[string]Text `yaml:"text" json:"text"`         // per locale
	// ConsentMode lists the Google Consent Mode v2 types this category grants
	// (analytics_storage, ad_storage, ad_user_data, ad_personalization, ...).
	ConsentMode []string `yaml:"consent_mode" json:"consent_mode,omitempty"`
	// SaleSharing marks a category whose processing is a "sale or sharing" in
	// the sense of the US state laws; opt-out regions and GPC refuse it.
	SaleSharing bool `yaml:"sale_sharing" json:"sale_sharing,omitempty"`
}

// Vendor is a third party (or self-hosted tool) whose code runs under a
// category.
type Vendor struct {
	ID            string    `yaml:"id" json:"id"`
	Name          string    `yaml:"name" json:"name"`
	Category      string    `yaml:"category" json:"category"`             // a Category.ID
	PrivacyPolicy string    `yaml:"privacy_policy" json:"privacy_policy"` // https URL
	Cookies       []*Cookie `yaml:"cookies" json:"cookies"`
}

// Cookie is one cookie (or a family matched by a pattern) a vendor sets.
type Cookie struct {
	Name     string            `yaml:"name" json:"name"` // exact name, or a pattern with * when Pattern is set
	Pattern  bool              `yaml:"pattern" json:"pattern,omitempty"`
	Domain   string            `yaml:"domain" json:"domain,omitempty"` // empty: the site's own host
	Path     string            `yaml:"path" json:"path,omitempty"`     // default "/"
	Duration Duration          `yaml:"duration" json:"duration"`       // "session" or a period such as 13mo
	Party    string            `yaml:"party" json:"party"`             // first or third
	Purpose  map[string]string `yaml:"purpose" json:"purpose"`         // per locale
}

// Legal bases of GDPR Art. 6(1).
const (
	BasisConsent            = "consent"
	BasisContract           = "contract"
	BasisLegalObligation    = "legal_obligation"
	BasisVitalInterests     = "vital_interests"
	BasisPublicTask         = "public_task"
	BasisLegitimateInterest = "legitimate_interests"
)

// Purpose is why data is processed, and on which legal basis.
type Purpose struct {
	ID         string          `yaml:"id" json:"id"`
	LegalBasis string          `yaml:"legal_basis" json:"legal_basis"`
	Categories []string        `yaml:"categories" json:"categories,omitempty"` // consent categories it depends on, when the basis is consent
	Text       map[string]Text `yaml:"text" json:"text"`
	// DirectMarketing marks a purpose that is direct marketing: an
	// objection to direct marketing (GDPR Art. 21(2)) refuses its
	// categories. Outside the fingerprint.
	DirectMarketing bool `yaml:"direct_marketing" json:"direct_marketing,omitempty"`
}

// DataCategory is a kind of personal data (fideslang-style name such as
// user.contact.email) and how long it is kept.
type DataCategory struct {
	ID        string          `yaml:"id" json:"id"`
	Retention Duration        `yaml:"retention" json:"retention"`
	Purposes  []string        `yaml:"purposes" json:"purposes"`       // Purpose.IDs
	Source    string          `yaml:"source" json:"source,omitempty"` // "subject", "cookies", ...
	Text      map[string]Text `yaml:"text" json:"text,omitempty"`
	// LegalHold, when set, says why this data is kept for a legal
	// obligation: an erasure request leaves it alone and reports the
	// reason. One of its purposes must have the legal_obligation basis.
	LegalHold string `yaml:"legal_hold" json:"legal_hold,omitempty"`
}

// DataCategory returns the data category with id, or nil.
func (s *Site) DataCategory(id string) *DataCategory {
	for _, dc := range s.DataCategories {
		if dc.ID == id {
			return dc
		}
	}
	return nil
}

// Processor is a processor or other recipient of personal data.
type Processor struct {
	ID        string   `yaml:"id" json:"id"`
	Name      string   `yaml:"name" json:"name"`
	Role      string   `yaml:"role" json:"role"`           // processor, controller, joint_controller, recipient
	Country   string   `yaml:"country" json:"country"`     // ISO 3166-1 alpha-2
	Safeguard string   `yaml:"safeguard" json:"safeguard"` // adequacy, scc, bcr, dpf, derogation, none (inside EEA)
	Purposes  []string `yaml:"purposes" json:"purposes,omitempty"`
	URL       string   `yaml:"url" json:"url,omitempty"`
}

// Banner modes per jurisdiction.
const (
	ModeOptIn  = "opt_in"  // nothing non-essential before consent (GDPR, ePrivacy)
	ModeOptOut = "opt_out" // on until refused; sale/sharing refusable, GPC honoured (US states)
	ModeNotice = "notice"  // inform only
)

// DefaultConsentLifetime is how long a choice stands before the banner asks
// again, when a jurisdiction does not say: 182 days, about six months.
const DefaultConsentLifetime = 182 * 24 * time.Hour

// Jurisdiction maps regions to a banner mode and consent lifetime.
type Jurisdiction struct {
	ID      string   `yaml:"id" json:"id"`
	Regions []string `yaml:"regions" json:"regions"` // ISO 3166-1 alpha-2, ISO 3166-2 (US-CA), groups EU/EEA, or "*" for the rest
	Mode    string   `yaml:"mode" json:"mode"`
	// ConsentLifetime defaults to DefaultConsentLifetime.
	ConsentLifetime Duration `yaml:"consent_lifetime" json:"consent_lifetime"`
	// Requests holds the deadlines for data subject requests from these
	// regions; nil means the defaults of the law of the regions, see
	// Jurisdiction.RequestDeadlines. Outside the fingerprint.
	Requests *Requests `yaml:"requests" json:"requests,omitempty"`
}

// Notice is one version of the privacy notice for a locale and a region.
type Notice struct {
	Version   string `yaml:"version" json:"version"`
	Locale    string `yaml:"locale" json:"locale"`
	Region    string `yaml:"region" json:"region"` // jurisdiction id, region code, or "*"
	URL       string `yaml:"url" json:"url"`
	Published string `yaml:"published" json:"published"` // YYYY-MM-DD
}
