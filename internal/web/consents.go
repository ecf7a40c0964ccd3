package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// postConsent records one choice. It answers 201 only after the record
// and its audit entry are durably committed.
func (s *Server) postConsent(w http.ResponseWriter, r *http.Request) error {
	idem, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	body, err := s.readJSON(w, r)
	if err != nil {
		return err
	}
	var in custos.ConsentInput
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	if site := s.manifest().Site(in.Site); site != nil {
		if err := s.checkOrigin(r, site.AllowsOrigin); err != nil {
			return err
		}
	}
	if idem != nil {
		sum := sha256.Sum256(body)
		idem.Scope = "consents:" + in.Site
		idem.RequestHash = hex.EncodeToString(sum[:])
	}
	meta := consent.Meta{
		IP:  s.clientIP(r),
		GPC: r.Header.Get("Sec-GPC") == "1",
	}
	if s.cfg.GeoHeader != "" {
		// The trusted header decides, as it did for the banner configuration;
		// a region in the body is the client's word and is not used.
		meta.Region = s.geoRegion(r)
		in.Region = ""
	}
	c, replay, err := s.consents.Record(r.Context(), in, meta, idem)
	if err != nil {
		return err
	}
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
	} else {
		s.metrics.consents.WithLabelValues(c.Site, string(c.Method)).Inc()
	}
	w.Header().Set("Location", "/api/v1/receipts/"+c.ID)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, "application/json", c)
	return nil
}

// idempotencyKey reads the Idempotency-Key header (draft-ietf-httpapi-
// idempotency-key-header): an opaque string the client picks per request.
func idempotencyKey(r *http.Request) (*custos.Idempotency, error) {
	k := r.Header.Get("Idempotency-Key")
	if k == "" {
		return nil, nil
	}
	// The draft defines the value as a structured-field string; accept it
	// with or without the quotes.
	k = strings.TrimSuffix(strings.TrimPrefix(k, `"`), `"`)
	if len(k) < 1 || len(k) > 255 {
		return nil, custos.Invalid(custos.FieldError{Field: "Idempotency-Key", Message: "must be 1 to 255 characters"})
	}
	for _, c := range []byte(k) {
		if c < 0x21 || c > 0x7e {
			return nil, custos.Invalid(custos.FieldError{Field: "Idempotency-Key", Message: "must be printable ASCII without spaces"})
		}
	}
	return &custos.Idempotency{Key: k}, nil
}

// ClientIP returns the caller's address as clientIP does, for the staff
// console's list of sessions (always stored shortened).
func (s *Server) ClientIP(r *http.Request) netip.Addr { return s.clientIP(r) }

// clientIP returns the caller's address: from the trusted proxy header when
// one is configured, else the TCP peer. It is only ever stored shortened.
// Of a list such as X-Forwarded-For the last element is taken: it is the
// one our proxy appended, while the ones before it are the client's word.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	if s.cfg.ClientIPHeader != "" {
		vs := r.Header.Values(s.cfg.ClientIPHeader)
		if len(vs) > 0 {
			v := vs[len(vs)-1]
			if i := strings.LastIndexByte(v, ','); i >= 0 {
				v = v[i+1:]
			}
			if a, err := netip.ParseAddr(strings.TrimSpace(v)); err == nil {
				return a.Unmap()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// siteParam returns the site named by the "site" query parameter, checking
// the caller's origin against it.
func (s *Server) siteParam(r *http.Request) (*manifest.Site, error) {
	id := r.URL.Query().Get("site")
	if id == "" {
		return nil, custos.Invalid(custos.FieldError{Field: "site", Message: "is required"})
	}
	site := s.manifest().Site(id)
	if site == nil {
		return nil, custos.Invalid(custos.FieldError{Field: "site", Message: "is not a site of the manifest"})
	}
	if err := s.checkOrigin(r, site.AllowsOrigin); err != nil {
		return nil, err
	}
	return site, nil
}

// consentState is the answer to GET /api/v1/consents/{subject}.
type consentState struct {
	*custos.Consent
	// Expired is true once the consent lifetime has ended.
	Expired bool `json:"expired"`
	// CurrentFingerprint is the fingerprint of the manifest in force;
	// when it differs from ManifestFingerprint the banner must ask again.
	CurrentFingerprint string `json:"current_fingerprint"`
	NeedsConsent       bool   `json:"needs_consent"`
	// Restricted is true when the person asked for restriction of
	// processing (GDPR Art. 18): store their data, do not otherwise
	// process it until the restriction is lifted.
	Restricted bool `json:"restricted,omitempty"`
}

// Reading a subject's consent: a banner may read the subject it names in
// the path — consent ids are random secrets of at least 128 bits that only
// the visitor's browser holds, so naming one is the proof of being its
// holder — and a server-to-server caller with an API token may read any.
// Nothing lists or searches subjects.
func (s *Server) getConsentState(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.caller(r); err != nil {
		return err
	}
	site, err := s.siteParam(r)
	if err != nil {
		return err
	}
	c, err := s.store.ConsentState(r.Context(), site.ID, r.PathValue("subject"))
	if err != nil {
		return err
	}
	restricted, err := s.store.SubjectRestricted(r.Context(), site.ID, c.Subject)
	if err != nil {
		return err
	}
	expired := !time.Now().Before(c.ExpiresAt)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, "application/json", consentState{
		Consent:            c,
		Expired:            expired,
		CurrentFingerprint: site.Fingerprint(),
		NeedsConsent:       expired || c.ManifestFingerprint != site.Fingerprint(),
		Restricted:         restricted,
	})
	return nil
}

func (s *Server) getConsentHistory(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.caller(r); err != nil {
		return err
	}
	site, err := s.siteParam(r)
	if err != nil {
		return err
	}
	subject := r.PathValue("subject")
	list, err := s.store.ConsentHistory(r.Context(), site.ID, subject)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return custos.Errorf(custos.ENOTFOUND, "no consent is recorded for this subject on this site")
	}
	restricted, err := s.store.SubjectRestricted(r.Context(), site.ID, subject)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, "application/json", struct {
		Site       string            `json:"site"`
		Subject    string            `json:"subject"`
		Restricted bool              `json:"restricted,omitempty"` // as in consentState
		Receipts   []*custos.Consent `json:"receipts"`
	}{site.ID, subject, restricted, list})
	return nil
}

// getReceipt exports one receipt: as an ISO/IEC TS 27560 record (default),
// a Kantara Consent Receipt v1.1, or the bare JWS.
//
// Receipt ids are not secrets: they stand in the audit trail and in
// Location headers. So a browser must also prove it holds the subject the
// receipt was issued to, by sending it in the Custos-Subject header; a
// server with an API token needs no such proof. A receipt that exists but
// is not the caller's is "not found", so ids cannot be probed.
func (s *Server) getReceipt(w http.ResponseWriter, r *http.Request) error {
	who, err := s.caller(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", "iso27560", "kantara", "jws":
	default:
		return custos.Invalid(custos.FieldError{Field: "format", Message: "must be iso27560, kantara or jws"})
	}
	c, err := s.store.Consent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if who != apiClient && subtle.ConstantTimeCompare([]byte(r.Header.Get("Custos-Subject")), []byte(c.Subject)) != 1 {
		return custos.Errorf(custos.ENOTFOUND, "no such receipt")
	}
	site := s.manifest().Site(c.Site)
	if site == nil {
		return custos.Errorf(custos.ENOTFOUND, "the site of this receipt is no longer in the manifest")
	}
	if err := s.checkOrigin(r, site.AllowsOrigin); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	switch format {
	case "jws":
		w.Header().Set("Content-Type", "application/jose")
		w.Write([]byte(c.Receipt))
	case "kantara":
		writeJSON(w, http.StatusOK, "application/json", consent.Kantara(c, site, s.consents.Issuer))
	default:
		writeJSON(w, http.StatusOK, "application/json", consent.ISO27560(c, site, s.consents.Issuer))
	}
	return nil
}
