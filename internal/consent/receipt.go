package consent

import (
	"bytes"
	"encoding/json"
	"maps"

	"github.com/custos-privacy/custos/internal/custos"
)

// ReceiptVersion is the version of the receipt claims, the "ver" claim.
const ReceiptVersion = 1

// Receipt is the payload of a signed consent receipt. Claims that exist in
// JWT (RFC 7519) keep their registered names; the others are Custos's own.
//
//	ver             int     receipt format version, 1
//	jti             string  consent id (custos.Consent.ID)
//	iss             string  base URL of the Custos that signed it (omitted if unset)
//	sub             string  pseudonymous subject id from the banner
//	iat             int64   when the choice was recorded, seconds since the epoch
//	exp             int64   when the choice stops standing and the banner asks again
//	site            string  manifest site id
//	choices         object  category id → true (accepted) / false (refused)
//	method          string  how the choice was made (custos.Method)
//	fpr             string  the site's manifest fingerprint the banner showed
//	locale          string  BCP 47 locale the banner was shown in
//	jurisdiction    string  manifest jurisdiction id that governed the choice
//	mode            string  opt_in, opt_out or notice
//	region          string  ISO 3166 region the request resolved to (omitted if unknown)
//	notice_version  string  version of the privacy notice in force (omitted if none)
//	gpc             bool    whether the browser sent Sec-GPC: 1
//
// The shortened IP address is deliberately not a claim: it is deleted when
// its short retention ends, and a signed copy of it could not be.
type Receipt struct {
	Version       int             `json:"ver"`
	ID            string          `json:"jti"`
	Issuer        string          `json:"iss,omitempty"`
	Subject       string          `json:"sub"`
	IssuedAt      int64           `json:"iat"`
	ExpiresAt     int64           `json:"exp"`
	Site          string          `json:"site"`
	Choices       map[string]bool `json:"choices"`
	Method        custos.Method   `json:"method"`
	Fingerprint   string          `json:"fpr"`
	Locale        string          `json:"locale"`
	Jurisdiction  string          `json:"jurisdiction"`
	Mode          string          `json:"mode"`
	Region        string          `json:"region,omitempty"`
	NoticeVersion string          `json:"notice_version,omitempty"`
	GPC           bool            `json:"gpc"`
}

// ReceiptFor returns the receipt claims of c. issuer goes into iss.
func ReceiptFor(c *custos.Consent, issuer string) Receipt {
	return Receipt{
		Version:       ReceiptVersion,
		ID:            c.ID,
		Issuer:        issuer,
		Subject:       c.Subject,
		IssuedAt:      c.IssuedAt.Unix(),
		ExpiresAt:     c.ExpiresAt.Unix(),
		Site:          c.Site,
		Choices:       maps.Clone(c.Choices),
		Method:        c.Method,
		Fingerprint:   c.ManifestFingerprint,
		Locale:        c.Locale,
		Jurisdiction:  c.Jurisdiction,
		Mode:          c.Mode,
		Region:        c.Region,
		NoticeVersion: c.NoticeVersion,
		GPC:           c.GPC,
	}
}

// parseReceipt decodes and checks the claims of a verified receipt. Unknown
// claims are refused: version 1 has exactly the claims above, and a later
// format will have a later ver.
func parseReceipt(payload []byte) (*Receipt, error) {
	var v struct {
		Version *int `json:"ver"`
	}
	if err := json.Unmarshal(payload, &v); err != nil {
		return nil, invalid("payload is not a JSON object")
	}
	if v.Version == nil {
		return nil, invalid("payload has no ver claim")
	}
	if *v.Version != ReceiptVersion {
		return nil, invalid("version %d is not supported (want %d)", *v.Version, ReceiptVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var r Receipt
	if err := dec.Decode(&r); err != nil {
		return nil, invalid("payload does not have the shape of a receipt: %v", err)
	}
	if dec.More() {
		return nil, invalid("payload has data after the JSON object")
	}
	var missing []string
	for _, m := range []struct {
		name string
		bad  bool
	}{
		{"jti", r.ID == ""},
		{"sub", r.Subject == ""},
		{"iat", r.IssuedAt <= 0},
		{"exp", r.ExpiresAt < r.IssuedAt},
		{"site", r.Site == ""},
		{"choices", r.Choices == nil},
		{"method", !r.Method.Valid()},
		{"fpr", r.Fingerprint == ""},
		{"jurisdiction", r.Jurisdiction == ""},
		{"mode", r.Mode == ""},
	} {
		if m.bad {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		return nil, invalid("claims missing or invalid: %v", missing)
	}
	return &r, nil
}
