package custos

import "time"

// Method says how a consent choice was made.
type Method string

const (
	MethodAcceptAll Method = "accept_all"
	MethodRejectAll Method = "reject_all"
	MethodCustom    Method = "custom"
	MethodWithdraw  Method = "withdraw"
	MethodGPC       Method = "gpc"   // refusal derived from Global Privacy Control
	MethodAPI       Method = "api"   // recorded server-to-server
	MethodClose     Method = "close" // banner closed without a choice: a refusal
)

// Valid reports whether m is one of the known methods.
func (m Method) Valid() bool {
	switch m {
	case MethodAcceptAll, MethodRejectAll, MethodCustom, MethodWithdraw, MethodGPC, MethodAPI, MethodClose:
		return true
	}
	return false
}

// Methods lists every valid method, for error messages and the API schema.
var Methods = []Method{MethodAcceptAll, MethodRejectAll, MethodCustom, MethodWithdraw, MethodGPC, MethodAPI, MethodClose}

// ConsentInput is one choice as a banner or an API client submits it.
type ConsentInput struct {
	Site                string          `json:"site"`
	Subject             string          `json:"subject"`
	Choices             map[string]bool `json:"choices"`
	Method              Method          `json:"method"`
	ManifestFingerprint string          `json:"manifest_fingerprint"`
	Locale              string          `json:"locale"`
	// Region is the visitor's ISO 3166 region as the banner configuration
	// told it; it is used only when no trusted geo header is configured.
	Region string `json:"region,omitempty"`
}

// Data categories and purpose under which Custos itself keeps consent
// records, so that every row of personal data says what it is and why.
const (
	ConsentDataCategory = "user.privacy_preferences"
	ConsentPurpose      = "consent_proof" // GDPR Art. 7(1): the controller must be able to demonstrate consent
	ConsentLegalBasis   = "legal_obligation"
)

// Consent is one recorded choice: a row of the append-only ledger.
type Consent struct {
	ID                  string          `json:"id"`
	Site                string          `json:"site"`
	Subject             string          `json:"subject"`
	Choices             map[string]bool `json:"choices"`
	Method              Method          `json:"method"`
	ManifestFingerprint string          `json:"manifest_fingerprint"`
	Locale              string          `json:"locale"`
	Region              string          `json:"region,omitempty"` // ISO 3166 code the request resolved to, "" if unknown
	Jurisdiction        string          `json:"jurisdiction"`     // manifest jurisdiction id
	Mode                string          `json:"mode"`             // opt_in, opt_out or notice
	NoticeVersion       string          `json:"notice_version,omitempty"`
	GPC                 bool            `json:"gpc"`                 // Sec-GPC: 1 was sent
	IPPrefix            string          `json:"ip_prefix,omitempty"` // shortened IP, never the full one
	IssuedAt            time.Time       `json:"issued_at"`
	ExpiresAt           time.Time       `json:"expires_at"`
	Receipt             string          `json:"receipt"` // compact JWS over the receipt claims
}

// Idempotency ties a client's Idempotency-Key to the resource its first
// request created, so a retried POST returns the first answer.
type Idempotency struct {
	Key         string // as sent by the client, scoped by Scope
	Scope       string // e.g. "consents:demo"
	RequestHash string // hex SHA-256 of the request body
}
