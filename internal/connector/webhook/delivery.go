package webhook

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// Size limits of the messages.
const (
	// MaxResultSize bounds the body of a processor's answer (200) to a
	// delivery: data for an access request.
	MaxResultSize = 10 << 20
	// MaxCallbackSize bounds the body of a callback.
	MaxCallbackSize = MaxResultSize
	// MaxDeliverySize bounds the body of a delivery, for ParseDelivery.
	MaxDeliverySize = 1 << 20
	// MaxErrorLen bounds the processor's error message kept from a failed
	// result, in bytes.
	MaxErrorLen = 1000
	// maxIDLen bounds ids (of deliveries and callbacks) and the names of
	// tables and counts in a result.
	maxIDLen   = 200
	maxNameLen = 200
)

// RequestTypes lists the request types a webhook system can take part in: every
// type but information, which is answered from the manifest.
var RequestTypes = []custos.RequestType{custos.RequestAccess, custos.RequestPortability, custos.RequestErasure,
	custos.RequestRectification, custos.RequestRestriction, custos.RequestObjection, custos.RequestConsentWithdrawal}

// Delivery is what Custos posts to a processor: one request type for one
// person. Its JSON form is the body of the POST.
type Delivery struct {
	// ID is the delivery's id, the same for every attempt of the same step
	// (the processor's idempotency key): 1 to 200 letters, digits and
	// _ - . : /.
	ID        string             `json:"id"`
	RequestID string             `json:"request_id"` // the data subject request, "rq_…"
	Type      custos.RequestType `json:"type"`       // one of RequestTypes
	Site      string             `json:"site"`       // the manifest site id
	// Identities is what the request knows of the person, by identity
	// kind (manifest.IdentityKinds): "email" (lowercased), "consent_id".
	// At least one.
	Identities map[string]string `json:"identities"`
	Details    *Details          `json:"details,omitempty"`
	// CallbackURL is where the processor may post its result later (after
	// answering 202). If empty the processor must answer at once.
	CallbackURL string `json:"callback_url,omitempty"`
	// SentAt is when this attempt was sent, in seconds: the time of its
	// signature. Deliver sets it.
	SentAt time.Time `json:"sent_at"`
}

// Details are what a delivery says beyond the person's identity.
type Details struct {
	// Correction is, for a rectification, what the person asked to have
	// corrected, in their words; the privacy officer approved the request
	// before it was sent. (A database's correction is approved column by
	// column instead; a processor's fields are its own, so it gets the
	// words.)
	Correction string `json:"correction,omitempty"`
	// Objection is, for an objection, what the person objects to (for
	// example "direct_marketing", or "sale_sharing" under the CCPA).
	Objection string `json:"objection,omitempty"`
}

// Result is a processor's result: the body of its answer 200 to a
// delivery, or of its callback.
type Result struct {
	Status string `json:"status"` // ResultDone or ResultFailed
	// Data is, for access and portability, the person's data: record type
	// (a table, a collection) to the person's records, each a JSON object.
	// It is dropped from the results of other types.
	Data map[string][]json.RawMessage `json:"data,omitempty"`
	// Counts are, for an erasure (or any type), how many records were
	// affected, by what: "records_erased", "contacts_deleted", ...
	Counts map[string]int64 `json:"counts,omitempty"`
	// Error is, with status failed, the processor's message for staff, at
	// most MaxErrorLen bytes (cut if longer). It may hold personal data.
	Error string `json:"error,omitempty"`
}

// Result statuses.
const (
	ResultDone   = "done"
	ResultFailed = "failed"
)

// Failed reports whether the processor reported a failure.
func (r *Result) Failed() bool { return r.Status == ResultFailed }

// ForType returns the result as kept for a request of type typ: without
// Data unless typ is access or portability (a processor that echoes the
// records it erased does not make Custos keep them).
func (r *Result) ForType(typ custos.RequestType) *Result {
	if typ == custos.RequestAccess || typ == custos.RequestPortability || r.Data == nil {
		return r
	}
	c := *r
	c.Data = nil
	return &c
}

// check validates a decoded result and cuts its error message. Reasons
// never quote the processor's names or values.
func (r *Result) check() string {
	switch r.Status {
	case ResultDone, ResultFailed:
	case "":
		return `no "status"`
	default:
		return `"status" is neither "done" nor "failed"`
	}
	for name, recs := range r.Data {
		if !validName(name) {
			return "a record type in \"data\" has an empty, too long or invalid name"
		}
		for _, rec := range recs {
			if len(rec) == 0 || rec[0] != '{' {
				return "a record in \"data\" is not a JSON object"
			}
		}
	}
	for name, n := range r.Counts {
		if !validName(name) {
			return "a name in \"counts\" is empty, too long or invalid"
		}
		if n < 0 {
			return "a count is negative"
		}
	}
	r.Error = cut(r.Error, MaxErrorLen)
	return ""
}

// decodeResult decodes and checks a result.
func decodeResult(body []byte, into any, r *Result) string {
	if err := json.Unmarshal(body, into); err != nil {
		return "not a JSON result object"
	}
	return r.check()
}

// validName: 1 to maxNameLen bytes of UTF-8 without control characters.
func validName(s string) bool {
	if s == "" || len(s) > maxNameLen || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// validID: 1 to maxIDLen letters, digits and _ - . : /.
func validID(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '_', c == '-', c == '.', c == ':', c == '/':
		default:
			return false
		}
	}
	return true
}

// cut shortens s to at most n bytes, on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// check reports what is wrong with d, or "" if nothing: the reason names
// fields, never their values.
func (d *Delivery) check() string {
	switch {
	case !validID(d.ID):
		return "id: 1 to 200 letters, digits and _ - . : /"
	case d.RequestID == "" || len(d.RequestID) > maxIDLen:
		return "request_id: missing or too long"
	case !slices.Contains(RequestTypes, d.Type):
		return "type: not a request type a processor takes part in"
	case d.Site == "" || len(d.Site) > maxIDLen:
		return "site: missing or too long"
	case len(d.Identities) == 0:
		return "identities: none"
	}
	for k, v := range d.Identities {
		if !slices.Contains(manifest.IdentityKinds, k) {
			return "identities: unknown identity kind"
		}
		if v == "" {
			return "identities: empty identity"
		}
	}
	if d.CallbackURL != "" {
		if reason := checkURL(d.CallbackURL); reason != "" {
			return "callback_url: " + reason
		}
	}
	return ""
}

// checkURL reports what is wrong with an endpoint or callback URL, without
// quoting it.
func checkURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "not a URL"
	case u.Scheme != "https" && u.Scheme != "http":
		return "not an http or https URL"
	case u.Host == "":
		return "no host"
	case u.User != nil:
		return "a user name or password in the URL"
	}
	return ""
}

// encode returns d's JSON form, compact, without HTML escaping.
func (d *Delivery) encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}
