package consent

import (
	"slices"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// The exports below are views of one ledger row for auditors and for the
// visitor. They are built from the consent and the site as the manifest
// describes it now; the signed receipt (c.Receipt), which each export
// carries, is the authoritative statement of what was recorded.

// ISO27560SchemaVersion names the structure ISO27560 returns.
const ISO27560SchemaVersion = "ISO/IEC TS 27560:2023; custos-record-v1"

// ISORecord is a consent record shaped after the four sections of
// ISO/IEC TS 27560:2023 clause 6.3: record header (6.3.3), PII processing
// (6.3.4, with the PII information of 6.3.5 per purpose), party
// identification (6.3.6) and events (6.3.7). The standard defines the
// information, not a JSON encoding; the member names here are Custos's.
type ISORecord struct {
	Header     ISOHeader     `json:"header"`
	Processing ISOProcessing `json:"processing"`
	Parties    []ISOParty    `json:"parties"`
	Events     []ISOEvent    `json:"events"`
}

// ISOHeader is the record header.
type ISOHeader struct {
	SchemaVersion  string    `json:"schemaVersion"`
	RecordID       string    `json:"recordId"`
	PIIPrincipalID string    `json:"piiPrincipalId"` // the banner's pseudonymous subject id
	Site           string    `json:"site"`
	Issuer         string    `json:"issuer,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	ValidUntil     time.Time `json:"validUntil"`
	Proof          string    `json:"proof"` // the signed receipt (compact JWS)
}

// ISOProcessing is the PII processing section: under which notice, law and
// mode the choice was made, and what each purpose processes.
type ISOProcessing struct {
	Notice              ISONotice    `json:"notice"`
	Language            string       `json:"language"`
	Jurisdiction        string       `json:"jurisdiction"`
	Region              string       `json:"region,omitempty"`
	Mode                string       `json:"mode"`
	CollectionMethod    string       `json:"collectionMethod"`
	GPC                 bool         `json:"globalPrivacyControl"`
	ManifestFingerprint string       `json:"manifestFingerprint"`
	Purposes            []ISOPurpose `json:"purposes"`
}

// ISONotice identifies the privacy notice in force.
type ISONotice struct {
	Version   string `json:"version,omitempty"`
	URL       string `json:"url,omitempty"`
	Published string `json:"published,omitempty"`
}

// ISOPurpose is one purpose of processing. ConsentStatus is set only for
// purposes on the legal basis of consent: "given" when every category the
// purpose depends on was accepted, else "refused".
type ISOPurpose struct {
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	LegalBasis        string   `json:"legalBasis"`
	ConsentCategories []string `json:"consentCategories"`
	PIICategories     []string `json:"piiCategories"`
	ConsentStatus     string   `json:"consentStatus,omitempty"`
	Recipients        []string `json:"recipients"`
}

// ISOParty is a party identified by the record.
type ISOParty struct {
	Role    string `json:"role"` // pii_controller, pii_principal, or a processor's role
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
	Email   string `json:"email,omitempty"`
	DPO     string `json:"dpo,omitempty"`
	Country string `json:"country,omitempty"`
	// Safeguard is the transfer safeguard of a processor (adequacy, scc, bcr, ...).
	Safeguard string `json:"safeguard,omitempty"`
}

// ISOEvent is one consent event: a category given, refused or withdrawn.
type ISOEvent struct {
	Type     string        `json:"type"` // given, refused, withdrawn
	Category string        `json:"category"`
	Required bool          `json:"required,omitempty"` // always on; not a matter of consent
	Time     time.Time     `json:"time"`
	Method   custos.Method `json:"method"`
	Actor    string        `json:"actor"` // "pii_principal", or "pii_controller" for api
}

// ISO27560 returns c as an ISO/IEC TS 27560:2023 consent record (an
// *ISORecord). site is the site the consent belongs to; its purposes, data
// categories, processors and controller fill the processing and parties
// sections.
func ISO27560(c *custos.Consent, site *manifest.Site, issuer string) any {
	r := &ISORecord{
		Header: ISOHeader{
			SchemaVersion:  ISO27560SchemaVersion,
			RecordID:       c.ID,
			PIIPrincipalID: c.Subject,
			Site:           c.Site,
			Issuer:         issuer,
			CreatedAt:      c.IssuedAt.UTC(),
			ValidUntil:     c.ExpiresAt.UTC(),
			Proof:          c.Receipt,
		},
		Processing: ISOProcessing{
			Language:            c.Locale,
			Jurisdiction:        c.Jurisdiction,
			Region:              c.Region,
			Mode:                c.Mode,
			CollectionMethod:    collectionMethod(c.Method),
			GPC:                 c.GPC,
			ManifestFingerprint: c.ManifestFingerprint,
			Purposes:            []ISOPurpose{},
		},
		Parties: []ISOParty{},
		Events:  []ISOEvent{},
	}
	if n := noticeOf(c, site); n != nil {
		r.Processing.Notice = ISONotice{Version: n.Version, URL: n.URL, Published: n.Published}
	} else {
		r.Processing.Notice = ISONotice{Version: c.NoticeVersion}
	}
	for _, p := range site.Purposes {
		ip := ISOPurpose{
			ID:                p.ID,
			Name:              site.TextIn(p.Text, c.Locale).Name,
			LegalBasis:        p.LegalBasis,
			ConsentCategories: nonNil(p.Categories),
			PIICategories:     dataCategoriesFor(site, p.ID),
			Recipients:        []string{},
		}
		if p.LegalBasis == manifest.BasisConsent {
			ip.ConsentStatus = "given"
			for _, cat := range p.Categories {
				if !c.Choices[cat] {
					ip.ConsentStatus = "refused"
				}
			}
		}
		for _, pr := range processorsFor(site, p.ID) {
			ip.Recipients = append(ip.Recipients, pr.ID)
		}
		r.Processing.Purposes = append(r.Processing.Purposes, ip)
	}

	ctl := site.Controller
	r.Parties = append(r.Parties,
		ISOParty{Role: "pii_controller", Name: ctl.Name, Address: ctl.Address, Email: ctl.Email, DPO: ctl.DPO},
		ISOParty{Role: "pii_principal", ID: c.Subject},
	)
	for _, p := range site.Processors {
		r.Parties = append(r.Parties, ISOParty{Role: p.Role, ID: p.ID, Name: p.Name, Country: p.Country, Safeguard: p.Safeguard})
	}

	actor := "pii_principal"
	if c.Method == custos.MethodAPI {
		actor = "pii_controller" // recorded server-to-server on the principal's behalf
	}
	for _, cat := range site.Categories {
		v, ok := c.Choices[cat.ID]
		if !ok {
			continue // a category added to the manifest after this choice
		}
		typ := "given"
		switch {
		case !v && c.Method == custos.MethodWithdraw:
			typ = "withdrawn"
		case !v:
			typ = "refused"
		}
		r.Events = append(r.Events, ISOEvent{
			Type: typ, Category: cat.ID, Required: cat.Required,
			Time: c.IssuedAt.UTC(), Method: c.Method, Actor: actor,
		})
	}
	return r
}

// KantaraVersion is the version string of Kantara Consent Receipt v1.1.
const KantaraVersion = "KI-CR-v1.1.0"

// KantaraReceipt is a consent receipt as the Kantara Initiative Consent
// Receipt Specification v1.1.0 (2018-02-20) names its fields.
type KantaraReceipt struct {
	Version          string              `json:"version"`
	Jurisdiction     string              `json:"jurisdiction"`
	ConsentTimestamp int64               `json:"consentTimestamp"` // seconds since the epoch, UTC
	CollectionMethod string              `json:"collectionMethod"`
	ConsentReceiptID string              `json:"consentReceiptID"`
	PublicKey        string              `json:"publicKey,omitempty"`
	Language         string              `json:"language"`
	PIIPrincipalID   string              `json:"piiPrincipalId"`
	PIIControllers   []KantaraController `json:"piiControllers"`
	PolicyURL        string              `json:"policyUrl"`
	Services         []KantaraService    `json:"services"`
	Sensitive        bool                `json:"sensitive"`
	SPICat           []string            `json:"spiCat"`
}

// KantaraController is one entry of piiControllers.
type KantaraController struct {
	PIIController    string          `json:"piiController"`
	OnBehalf         bool            `json:"onBehalf"`
	Contact          string          `json:"contact"`
	Address          *KantaraAddress `json:"address,omitempty"`
	Email            string          `json:"email"`
	Phone            string          `json:"phone,omitempty"`
	PIIControllerURL string          `json:"piiControllerUrl,omitempty"`
}

// KantaraAddress is a schema.org PostalAddress; the manifest holds the
// controller's address as one line, which goes into streetAddress.
type KantaraAddress struct {
	StreetAddress string `json:"streetAddress"`
}

// KantaraService is one entry of services.
type KantaraService struct {
	Service  string           `json:"service"`
	Purposes []KantaraPurpose `json:"purposes"`
}

// KantaraPurpose is one purpose of a service.
type KantaraPurpose struct {
	Purpose              string   `json:"purpose"`
	PurposeCategory      []string `json:"purposeCategory"`
	ConsentType          string   `json:"consentType"`
	PIICategory          []string `json:"piiCategory"`
	PrimaryPurpose       bool     `json:"primaryPurpose"`
	Termination          string   `json:"termination"`
	ThirdPartyDisclosure bool     `json:"thirdPartyDisclosure"`
	ThirdPartyName       string   `json:"thirdPartyName,omitempty"`
}

// Kantara returns c as a Kantara Consent Receipt v1.1 (a *KantaraReceipt).
//
// A Kantara receipt states what was consented to, so services lists one
// service per consent category the visitor accepted; refused categories and
// required ones (which rest on another legal basis) are not in it, and a
// refusal of everything has an empty services list. The purposes of a
// service are the manifest purposes that depend on its category, with their
// data categories as piiCategory and their processors as third parties.
// publicKey is left out: receipts are verified with the JWKS the issuer
// publishes, named by the kid of c.Receipt. The manifest marks no category
// as sensitive, so sensitive is false and spiCat empty.
func Kantara(c *custos.Consent, site *manifest.Site, issuer string) any {
	ctl := site.Controller
	contact := ctl.DPO
	if contact == "" {
		contact = ctl.Email
	}
	kc := KantaraController{PIIController: ctl.Name, Contact: contact, Email: ctl.Email}
	if ctl.Address != "" {
		kc.Address = &KantaraAddress{StreetAddress: ctl.Address}
	}
	if len(site.Origins) > 0 {
		kc.PIIControllerURL = site.Origins[0]
	}
	jurisdiction := c.Jurisdiction
	if c.Region != "" {
		jurisdiction += " (" + c.Region + ")"
	}
	r := &KantaraReceipt{
		Version:          KantaraVersion,
		Jurisdiction:     jurisdiction,
		ConsentTimestamp: c.IssuedAt.Unix(),
		CollectionMethod: collectionMethod(c.Method),
		ConsentReceiptID: c.ID,
		Language:         c.Locale,
		PIIPrincipalID:   c.Subject,
		PIIControllers:   []KantaraController{kc},
		Services:         []KantaraService{},
		SPICat:           []string{},
	}
	if n := noticeOf(c, site); n != nil {
		r.PolicyURL = n.URL
	}
	termination := "until withdrawn, at the latest " + c.ExpiresAt.UTC().Format(time.RFC3339)
	for _, cat := range site.Categories {
		if cat.Required || !c.Choices[cat.ID] {
			continue
		}
		text := site.TextIn(cat.Text, c.Locale)
		svc := KantaraService{Service: text.Name, Purposes: []KantaraPurpose{}}
		for _, p := range site.Purposes {
			if !slices.Contains(p.Categories, cat.ID) {
				continue
			}
			svc.Purposes = append(svc.Purposes, kantaraPurpose(site, c.Method, p.ID, site.TextIn(p.Text, c.Locale).Name, termination))
		}
		if len(svc.Purposes) == 0 {
			// The manifest ties no purpose to this category; the category's
			// own description is the purpose the visitor was shown.
			desc := text.Description
			if desc == "" {
				desc = text.Name
			}
			svc.Purposes = append(svc.Purposes, kantaraPurpose(site, c.Method, cat.ID, desc, termination))
		}
		r.Services = append(r.Services, svc)
	}
	return r
}

func kantaraPurpose(site *manifest.Site, m custos.Method, id, text, termination string) KantaraPurpose {
	// Accepting is an act of the visitor for every method but gpc: a gpc
	// record is written by the banner from the browser's signal, and the
	// categories it leaves on were not chosen by the visitor.
	consentType := "EXPLICIT"
	if m == custos.MethodGPC {
		consentType = "IMPLICIT"
	}
	kp := KantaraPurpose{
		Purpose:         text,
		PurposeCategory: []string{id},
		ConsentType:     consentType,
		PIICategory:     dataCategoriesFor(site, id),
		Termination:     termination,
	}
	var names []string
	for _, pr := range processorsFor(site, id) {
		names = append(names, pr.Name)
	}
	if len(names) > 0 {
		kp.ThirdPartyDisclosure = true
		kp.ThirdPartyName = strings.Join(names, ", ")
	}
	return kp
}

// collectionMethod describes a method in words, as both exports want.
func collectionMethod(m custos.Method) string {
	switch m {
	case custos.MethodAcceptAll:
		return "consent banner: accept all"
	case custos.MethodRejectAll:
		return "consent banner: decline all"
	case custos.MethodCustom:
		return "consent banner: choice per category"
	case custos.MethodWithdraw:
		return "withdrawal of consent"
	case custos.MethodGPC:
		return "Global Privacy Control signal"
	case custos.MethodAPI:
		return "recorded through the API"
	case custos.MethodClose:
		return "consent banner closed without a choice (treated as refusal)"
	}
	return string(m)
}

// noticeOf finds the notice the consent was given under: the version it
// records, preferably in its locale. It does not ask site.Notice, which
// answers with the notice in force now, possibly a later one.
func noticeOf(c *custos.Consent, site *manifest.Site) *manifest.Notice {
	if c.NoticeVersion == "" {
		return nil
	}
	var fallback *manifest.Notice
	for _, n := range site.Notices {
		if n.Version != c.NoticeVersion {
			continue
		}
		if n.Locale == c.Locale {
			return n
		}
		if fallback == nil {
			fallback = n
		}
	}
	return fallback
}

// dataCategoriesFor lists the data categories processed for a purpose.
func dataCategoriesFor(site *manifest.Site, purpose string) []string {
	out := []string{}
	for _, d := range site.DataCategories {
		if slices.Contains(d.Purposes, purpose) {
			out = append(out, d.ID)
		}
	}
	return out
}

// processorsFor lists the processors and recipients that serve a purpose.
func processorsFor(site *manifest.Site, purpose string) []*manifest.Processor {
	var out []*manifest.Processor
	for _, p := range site.Processors {
		if slices.Contains(p.Purposes, purpose) {
			out = append(out, p)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
