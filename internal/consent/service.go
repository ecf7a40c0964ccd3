// Package consent records consent choices: it validates a choice against the
// manifest in force, resolves the policy that governs it (jurisdiction,
// banner mode, lifetime, notice version), shortens the client's IP address,
// signs a receipt over the result and appends it to the ledger. It also
// verifies receipts, checks the ledger against its receipts and the audit
// trail (VerifyLedger), and exports records as ISO/IEC TS 27560 and Kantara
// Consent Receipt views.
package consent

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// Service records consent choices.
type Service struct {
	Store    custos.ConsentStore
	Signer   *Signer
	Manifest func() *manifest.Manifest // the manifest in force; it can be reloaded
	Issuer   string                    // base URL of this Custos, the receipts' iss
	Now      func() time.Time          // nil: time.Now
	NewID    func() string             // nil: a UUIDv7 (time-ordered, 74 random bits)
}

// Meta is what the door (HTTP handler) knows about a request beyond its
// body.
type Meta struct {
	IP     netip.Addr // the client's address; only its shortened form is kept
	GPC    bool       // Sec-GPC: 1 was sent
	Region string     // from a trusted geo header, "" if none (then ConsentInput.Region is used)
}

var (
	// subjectRE: a subject id is a bearer secret (whoever has it reads and
	// changes the visitor's choices), so it must be long enough to hold 128
	// random bits: 22 base64url characters.
	subjectRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22,64}$`)
)

// maxUnknownReported caps how many unknown choices keys are listed, so a
// body with thousands of junk keys does not produce a huge error.
const maxUnknownReported = 10

// Validate checks in against the manifest in force and returns its site. On
// failure it returns an EINVALID *custos.Error that lists every bad field by
// its dotted name; messages never repeat a submitted value (it may be
// personal data) but may name the manifest's category ids and locales.
//
// When in is valid, Validate normalises it in place: an empty Locale becomes
// the site's default (first) locale and Region is upper-cased.
func (s *Service) Validate(in *custos.ConsentInput) (*manifest.Site, error) {
	var m *manifest.Manifest
	if s.Manifest != nil {
		m = s.Manifest()
	}
	if m == nil {
		return nil, custos.Errorf(custos.EUNAVAILABLE, "no manifest is loaded")
	}
	var f custos.Fields

	var site *manifest.Site
	switch {
	case in.Site == "":
		f.Add("site", "required")
	default:
		if site = m.Site(in.Site); site == nil {
			f.Add("site", "no such site in the manifest")
		}
	}

	switch {
	case in.Subject == "":
		f.Add("subject", "required")
	case !subjectRE.MatchString(in.Subject):
		f.Add("subject", "must be 22 to 64 characters from A-Z, a-z, 0-9, _ and - (at least 128 random bits)")
	}

	methodOK := false
	switch {
	case in.Method == "":
		f.Add("method", "required")
	case !in.Method.Valid():
		f.Add("method", "must be one of %s", joinMethods())
	default:
		methodOK = true
	}

	if len(in.Choices) == 0 {
		f.Add("choices", "required")
	} else if site != nil {
		validateChoices(&f, site, in.Choices)
		if methodOK {
			validateMethod(&f, site, in.Method, in.Choices)
		}
	}

	switch {
	case in.ManifestFingerprint == "":
		f.Add("manifest_fingerprint", "required")
	case site != nil && in.ManifestFingerprint != site.Fingerprint():
		f.Add("manifest_fingerprint", "does not match the manifest in force; fetch the banner configuration again")
	}

	if in.Locale != "" && site != nil && !site.HasLocale(in.Locale) {
		f.Add("locale", "not a locale of this site; use one of %s", strings.Join(site.Locales, ", "))
	}

	if in.Region != "" && !manifest.WellFormedRegion(in.Region) {
		f.Add("region", "must be an ISO 3166 code such as DE or US-CA")
	}

	if err := f.Err(); err != nil {
		return nil, err
	}
	if in.Locale == "" && len(site.Locales) > 0 {
		in.Locale = site.Locales[0]
	}
	in.Region = strings.ToUpper(in.Region)
	return site, nil
}

// validateChoices checks that choices has exactly the site's categories and
// that required ones are accepted.
func validateChoices(f *custos.Fields, site *manifest.Site, choices map[string]bool) {
	known := make(map[string]bool, len(site.Categories))
	for _, c := range site.Categories {
		known[c.ID] = true
		v, ok := choices[c.ID]
		switch {
		case !ok:
			f.Add("choices."+c.ID, "missing")
		case c.Required && !v:
			f.Add("choices."+c.ID, "required category; must be true")
		}
	}
	var unknown []string
	for k := range choices {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown) // a stable order for clients and tests
	for i, k := range unknown {
		if i == maxUnknownReported {
			f.Add("choices", "%d more unknown categories", len(unknown)-i)
			break
		}
		f.Add("choices."+custos.FieldName(k), "unknown category")
	}
}

// validateMethod checks that the choices agree with what the method means.
// Errors are reported on the category whose value disagrees. withdraw, custom
// and api allow any combination: a withdrawal may concern one category only.
func validateMethod(f *custos.Fields, site *manifest.Site, method custos.Method, choices map[string]bool) {
	for _, c := range site.Categories {
		v, ok := choices[c.ID]
		if !ok {
			continue // already reported as missing
		}
		switch method {
		case custos.MethodAcceptAll:
			if !v && !c.Required { // a refused required category is reported already
				f.Add("choices."+c.ID, "must be true when method is accept_all")
			}
		case custos.MethodRejectAll, custos.MethodClose:
			if v && !c.Required {
				f.Add("choices."+c.ID, "must be false when method is %s", method)
			}
		case custos.MethodGPC:
			// GPC is an opt-out of sale and sharing only; other categories
			// keep whatever the visitor chose.
			if v && c.SaleSharing {
				f.Add("choices."+c.ID, "must be false when method is gpc (a sale/sharing category)")
			}
		}
	}
}

func joinMethods() string {
	s := make([]string, len(custos.Methods))
	for i, m := range custos.Methods {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

// Record validates in, resolves the policy that governs it, signs a receipt
// and appends the consent to the ledger.
//
// With idem set (its Scope and RequestHash filled in by the caller), the key
// is looked up before anything else: a retry of the same request returns the
// consent the first one created and replay=true, even if the manifest has
// changed since and the request would no longer validate; the same key with
// another request hash is an ECONFLICT error. Two requests with a new key
// that arrive together are told apart by the store, in its transaction.
//
// The region is meta.Region (a trusted geo header) when it is a well-formed
// code, else in.Region. The choices are recorded exactly as submitted, GPC
// or not: the banner applies GPC (it sends method gpc with the sale/sharing
// categories refused), and Custos must record what the visitor chose rather
// than rewrite it. When Sec-GPC was sent the record says so (GPC=true), so
// a choice that accepted sale/sharing despite GPC can be found later.
func (s *Service) Record(ctx context.Context, in custos.ConsentInput, meta Meta, idem *custos.Idempotency) (c *custos.Consent, replay bool, err error) {
	if idem != nil {
		hash, first, err := s.Store.Idempotent(ctx, idem.Scope, idem.Key)
		switch {
		case err == nil && hash == idem.RequestHash:
			return first, true, nil
		case err == nil:
			return nil, false, custos.Errorf(custos.ECONFLICT, "this Idempotency-Key was used for another request")
		case custos.ErrorCode(err) != custos.ENOTFOUND:
			return nil, false, err
		}
	}
	site, err := s.Validate(&in)
	if err != nil {
		return nil, false, err
	}
	region := in.Region
	if r := strings.TrimSpace(meta.Region); r != "" && manifest.WellFormedRegion(r) {
		region = strings.ToUpper(r)
	}
	j := site.Jurisdiction(region)
	if j == nil {
		// A valid manifest always has a "*" jurisdiction.
		return nil, false, &custos.Error{Code: custos.EINTERNAL, Message: "no jurisdiction applies",
			Err: fmt.Errorf("site %s has no jurisdiction for region %q", site.ID, region)}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	c = &custos.Consent{
		ID:                  s.newID(now),
		Site:                site.ID,
		Subject:             in.Subject,
		Choices:             maps.Clone(in.Choices),
		Method:              in.Method,
		ManifestFingerprint: in.ManifestFingerprint,
		Locale:              in.Locale,
		Region:              region,
		Jurisdiction:        j.ID,
		Mode:                j.Mode,
		GPC:                 meta.GPC,
		IPPrefix:            ShortenIP(meta.IP),
		IssuedAt:            now,
		ExpiresAt:           j.Lifetime().AddTo(now).UTC().Truncate(time.Microsecond),
	}
	if n := site.Notice(in.Locale, region); n != nil {
		c.NoticeVersion = n.Version
	}
	c.Receipt, err = s.Signer.Sign(ReceiptFor(c, s.Issuer))
	if err != nil {
		return nil, false, &custos.Error{Code: custos.EINTERNAL, Message: "could not sign the receipt", Err: err}
	}
	return s.Store.RecordConsent(ctx, c, idem)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) newID(now time.Time) string {
	if s.NewID != nil {
		return s.NewID()
	}
	return newUUIDv7(now)
}

// newUUIDv7 returns an RFC 9562 version 7 UUID: 48 bits of Unix
// milliseconds, then random bits. Ids sort by creation time, which keeps the
// ledger's primary-key index append-mostly.
func newUUIDv7(now time.Time) string {
	var u [16]byte
	if _, err := rand.Read(u[6:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(u[:6], ms[2:])
	u[6] = u[6]&0x0f | 0x70 // version 7
	u[8] = u[8]&0x3f | 0x80 // variant 10
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
