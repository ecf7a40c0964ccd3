package manifest

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// The fingerprint is a hash over a JSON document built from the parts of a
// site a visitor consents to. A dedicated set of types, rather than the
// manifest types themselves, keeps a new manifest field from silently
// changing every fingerprint (and so asking every visitor again). Lists are
// sorted by id because their order changes what the banner shows first, not
// what it asks; maps encode with sorted keys.

// fingerprintVersion prefixes the hashed document, so that a deliberate
// change of what the fingerprint covers is a change of this string.
const fingerprintVersion = "custos-fingerprint-v1\n"

type fpText struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type fpCategory struct {
	ID          string            `json:"id"`
	Required    bool              `json:"required"`
	SaleSharing bool              `json:"sale_sharing"`
	Text        map[string]fpText `json:"text"`
}

type fpCookie struct {
	Name     string            `json:"name"`
	Pattern  bool              `json:"pattern"`
	Domain   string            `json:"domain"`
	Duration string            `json:"duration"`
	Party    string            `json:"party"`
	Purpose  map[string]string `json:"purpose"`
}

type fpVendor struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Category      string     `json:"category"`
	PrivacyPolicy string     `json:"privacy_policy"`
	Cookies       []fpCookie `json:"cookies"`
}

type fpPurpose struct {
	ID         string            `json:"id"`
	LegalBasis string            `json:"legal_basis"`
	Categories []string          `json:"categories"`
	Text       map[string]fpText `json:"text"`
}

type fpNotice struct {
	Locale  string `json:"locale"`
	Region  string `json:"region"`
	Version string `json:"version"`
}

type fpSite struct {
	ID         string       `json:"id"`
	Categories []fpCategory `json:"categories"`
	Vendors    []fpVendor   `json:"vendors"`
	Purposes   []fpPurpose  `json:"purposes"`
	Notices    []fpNotice   `json:"notices"`
}

// fingerprint computes the consent fingerprint of s; see Site.Fingerprint.
// Left out, because changing them does not change what a visitor agreed to:
// name, origins, locales (a new translation arrives as new texts anyway),
// controller, data categories, processors, jurisdictions, the consent
// cookie, consent mode types, cookie paths, notice URLs and dates.
func fingerprint(s *Site) string {
	doc := fpSite{
		ID:         s.ID,
		Categories: []fpCategory{},
		Vendors:    []fpVendor{},
		Purposes:   []fpPurpose{},
		Notices:    []fpNotice{},
	}
	for _, c := range s.Categories {
		doc.Categories = append(doc.Categories, fpCategory{c.ID, c.Required, c.SaleSharing, fpTexts(c.Text)})
	}
	for _, v := range s.Vendors {
		fv := fpVendor{ID: v.ID, Name: v.Name, Category: v.Category, PrivacyPolicy: v.PrivacyPolicy, Cookies: []fpCookie{}}
		for _, c := range v.Cookies {
			fv.Cookies = append(fv.Cookies, fpCookie{
				Name:     c.Name,
				Pattern:  c.Pattern,
				Domain:   strings.ToLower(c.Domain),
				Duration: c.Duration.canonical(),
				Party:    c.Party,
				Purpose:  c.Purpose,
			})
		}
		slices.SortFunc(fv.Cookies, func(a, b fpCookie) int {
			return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Domain, b.Domain))
		})
		doc.Vendors = append(doc.Vendors, fv)
	}
	for _, p := range s.Purposes {
		cats := slices.Sorted(slices.Values(p.Categories))
		doc.Purposes = append(doc.Purposes, fpPurpose{p.ID, p.LegalBasis, cats, fpTexts(p.Text)})
	}
	for _, n := range s.Notices {
		doc.Notices = append(doc.Notices, fpNotice{n.Locale, n.Region, n.Version})
	}
	slices.SortFunc(doc.Categories, func(a, b fpCategory) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(doc.Vendors, func(a, b fpVendor) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(doc.Purposes, func(a, b fpPurpose) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(doc.Notices, func(a, b fpNotice) int {
		return cmp.Or(cmp.Compare(a.Locale, b.Locale), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Version, b.Version))
	})
	b, err := json.Marshal(doc)
	if err != nil {
		panic("manifest: encoding fingerprint: " + err.Error()) // only strings, bools, slices and maps
	}
	h := sha256.New()
	h.Write([]byte(fingerprintVersion))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func fpTexts(texts map[string]Text) map[string]fpText {
	out := make(map[string]fpText, len(texts))
	for loc, t := range texts {
		out[loc] = fpText(t)
	}
	return out
}
