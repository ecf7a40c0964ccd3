package dsr

import (
	"context"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/deadline"
	"github.com/custos-privacy/custos/internal/manifest"
)

// Submission is a request as the form or the API sends it.
type Submission struct {
	Site      string             `json:"site"`
	Type      custos.RequestType `json:"type"`
	Email     string             `json:"email"`
	ConsentID string             `json:"consent_id,omitempty"` // the banner's id of this browser, given with the person's agreement
	Locale    string             `json:"locale,omitempty"`
	Region    string             `json:"region,omitempty"`    // where the person lives, ISO 3166 (FR, US-CA)
	Details   string             `json:"details,omitempty"`   // the correction asked for (rectification), or a message
	Objection string             `json:"objection,omitempty"` // the scope of an objection
	// Website is the honeypot: a field people never see and bots fill in.
	Website string `json:"website,omitempty"`
}

// Meta is what the door knows beyond the submission.
type Meta struct {
	// Client identifies the client for the per-client limit: its IP
	// address, whole, as the limit needs it; the limiter keeps it in
	// memory only, for an hour at most, and it is never stored.
	Client         string
	Region         string // from a trusted geo header; wins over Submission.Region
	AcceptLanguage string
}

// Ticket is the answer to a submission. It is the same whether the address
// is known or not, new or already filing: Challenge identifies where to
// send the e-mailed code (a random id that matches nothing when nothing was
// sent), and Verify is false only for requests the law lets through without
// verification (opt-outs under the CCPA).
type Ticket struct {
	Challenge string `json:"challenge,omitempty"`
	Verify    bool   `json:"verify"`
	Locale    string `json:"locale"`
}

// Field limits.
const (
	maxEmail   = 254 // RFC 5321's path limit less the brackets
	maxDetails = 2000
	maxNote    = 4000
)

// consentIDRE is the form of a banner consent id (see consent.subjectRE).
var consentIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22,64}$`)

// Submit files a request. Bad input is an EINVALID error naming every bad
// field and writes nothing; a full rate limit is ETOOMANY.
func (s *Service) Submit(ctx context.Context, in Submission, meta Meta) (*Ticket, error) {
	site, region, err := s.validate(&in, meta)
	if err != nil {
		return nil, err
	}
	policy := deadline.ForSite(site, region)
	kind := deadlineKind(in.Type, in.Objection)
	verify := policy.Verify(kind)
	ticket := &Ticket{Verify: verify, Locale: in.Locale}
	if verify {
		// Looks like a real one; matches nothing unless replaced below.
		ticket.Challenge = newID("ch_")
	}
	if in.Website != "" {
		// A bot filled the honeypot: answer as to anyone, do nothing.
		s.log().Info("request refused: honeypot field filled", "site", site.ID)
		return ticket, nil
	}
	hash := s.EmailHash(in.Email)
	now := s.now()
	limits := s.Limits.withDefaults()
	if !s.limiter.allow("client:"+meta.Client, limits.PerIP, limits.Window, now) ||
		!s.limiter.allow("addr:"+hash, limits.PerAddress, limits.Window, now) {
		return nil, custos.Errorf(custos.ETOOMANY, "too many requests from here or for this address; try again in an hour")
	}

	// Only a verified request absorbs a repeat: an unverified one may be
	// someone else's, filed under this address with other details, and
	// each is verified with its own content (see verify).
	existing, err := s.duplicate(ctx, site.ID, in.Type, in.Objection, hash)
	switch {
	case err == nil:
		return s.merge(ctx, site, existing, ticket, now)
	case custos.ErrorCode(err) != custos.ENOTFOUND:
		return nil, err
	}
	n, err := s.Store.CountRequestsSince(ctx, hash, now.Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}
	if n >= limits.RequestsPerDay {
		return nil, custos.Errorf(custos.ETOOMANY, "too many requests for this address today; try again tomorrow")
	}

	d := policy.Due(kind, now)
	j := site.Jurisdiction(region)
	r := &custos.Request{
		ID: newID("rq_"), Site: site.ID, Type: in.Type, State: custos.StateUnverified,
		Email: normalEmail(in.Email), EmailHash: hash, ConsentSubject: in.ConsentID,
		Locale: in.Locale, Region: region, Jurisdiction: j.ID, Law: policy.Law,
		Details: in.Details, Objection: in.Objection,
		ReceivedAt: now, AcknowledgeBy: utc(d.AcknowledgeBy), DueAt: utc(d.AnswerBy),
		ExtendMax: utc(d.ExtendedBy), TellExtensionBy: utc(d.TellExtensionBy), ActBy: utc(d.ActBy),
		WithoutDelay: d.WithoutDelay, UpdatedAt: now,
	}
	ch := &custos.RequestChange{
		Request: r,
		Events:  []*custos.RequestEvent{{RequestID: r.ID, Time: now, Actor: "subject", Kind: custos.EventReceived}},
		Audit:   auditEntry("subject", custos.AuditRequestReceived, r.ID),
	}
	if verify {
		r.ExpiresAt = now.Add(LinkTTL)
		c, m, err := s.challenge(site, r, now, "verify")
		if err != nil {
			return nil, err
		}
		ch.Challenge, ch.Mails = c, []*custos.Mail{m}
		ticket.Challenge = c.ID
	} else {
		r.State, r.VerifiedAt = custos.StateOpen, now
		m, err := s.compose(site, r, "received", mailData{})
		if err != nil {
			return nil, err
		}
		ch.Mails = []*custos.Mail{m}
		if r.ConsentSubject != "" {
			ch.Links = []string{r.ConsentSubject}
		}
	}
	if err := s.apply(ctx, ch); err != nil {
		return nil, err
	}
	return ticket, nil
}

// duplicate returns the verified request still open for the address that
// a new one of type t (and objection scope) repeats; ENOTFOUND if none.
func (s *Service) duplicate(ctx context.Context, site string, t custos.RequestType, objection, hash string) (*custos.Request, error) {
	open, err := s.Store.Requests(ctx, custos.RequestQuery{Site: site, Type: t, EmailHash: hash, Open: true, Limit: 20})
	if err != nil {
		return nil, err
	}
	for _, r := range open {
		if r.Objection == objection {
			return r, nil
		}
	}
	return nil, custos.Errorf(custos.ENOTFOUND, "no open request")
}

// merge answers a submission that repeats a verified open request: the
// address gets an e-mail with the open request's status link, and the
// submitter the same ticket as anyone, its challenge a decoy that behaves
// like a real one but whose code was never sent, so that trying codes
// tells nothing about the address.
func (s *Service) merge(ctx context.Context, site *manifest.Site, r *custos.Request, ticket *Ticket, now time.Time) (*Ticket, error) {
	m, err := s.compose(site, r, "merged", mailData{})
	if err != nil {
		return nil, err
	}
	ch := &custos.RequestChange{
		Mails:  []*custos.Mail{m},
		Events: []*custos.RequestEvent{{RequestID: r.ID, Time: now, Actor: "subject", Kind: custos.EventMerged}},
	}
	if ticket.Verify {
		ch.Challenge = decoy(now)
		ticket.Challenge = ch.Challenge.ID
	}
	if err := s.apply(ctx, ch); err != nil {
		return nil, err
	}
	return ticket, nil
}

// decoy returns a challenge for no request, with a code and a link nobody
// was sent.
func decoy(now time.Time) *custos.Challenge {
	return &custos.Challenge{
		ID: newID("ch_"), RequestID: newID("rq_"),
		CodeHash: linkHash(newToken()), LinkHash: linkHash(newToken()),
		CodeExpires: now.Add(CodeTTL), LinkExpires: now.Add(LinkTTL), CreatedAt: now,
	}
}

// challenge makes a new challenge for r and the e-mail (template kind:
// "verify" or "download_code") that carries it.
func (s *Service) challenge(site *manifest.Site, r *custos.Request, now time.Time, kind string) (*custos.Challenge, *custos.Mail, error) {
	code, link := newCode(), newToken()
	c := &custos.Challenge{
		ID: newID("ch_"), RequestID: r.ID,
		LinkHash:    linkHash(link),
		CodeExpires: now.Add(CodeTTL), LinkExpires: now.Add(LinkTTL),
		CreatedAt: now,
	}
	c.CodeHash = s.codeHash(c.ID, code)
	d := mailData{Code: code}
	if kind == "verify" {
		d.Link = s.PublicURL + "/privacy/" + r.Site + "/requests/verify?t=" + link
	} else {
		// A download is confirmed by code only: the link's hash matches
		// nothing anyone holds.
		c.LinkExpires = c.CodeExpires
	}
	m, err := s.compose(site, r, kind, d)
	return c, m, err
}

func (s *Service) validate(in *Submission, meta Meta) (*manifest.Site, string, error) {
	var f custos.Fields
	for name, v := range map[string]string{"site": in.Site, "type": string(in.Type), "email": in.Email,
		"consent_id": in.ConsentID, "locale": in.Locale, "region": in.Region, "details": in.Details,
		"objection": in.Objection} {
		if !utf8.ValidString(v) {
			f.Add(name, "is not valid UTF-8")
		}
	}
	if len(f) > 0 {
		return nil, "", f.Err()
	}
	var site *manifest.Site
	switch {
	case in.Site == "":
		f.Add("site", "required")
	default:
		if site = s.site(in.Site); site == nil {
			f.Add("site", "no such site")
		}
	}
	switch {
	case in.Type == "":
		f.Add("type", "required; one of %s", joinTypes())
	case !in.Type.Valid():
		f.Add("type", "unknown request type; one of %s", joinTypes())
	}
	in.Email = strings.TrimSpace(in.Email)
	switch {
	case in.Email == "":
		f.Add("email", "required")
	case len(in.Email) > maxEmail:
		f.Add("email", "too long; at most %d characters", maxEmail)
	case !validEmail(in.Email):
		f.Add("email", "not an e-mail address; write it as name@example.com")
	}
	if in.ConsentID != "" && !consentIDRE.MatchString(in.ConsentID) {
		f.Add("consent_id", "not a consent id of this site's banner")
	}
	in.Region = strings.ToUpper(strings.TrimSpace(in.Region))
	if in.Region != "" && !manifest.WellFormedRegion(in.Region) {
		f.Add("region", "not a region code; use ISO 3166 codes such as FR or US-CA")
	}
	switch n := utf8.RuneCountInString(in.Details); {
	case n > maxDetails:
		f.Add("details", "too long; at most %d characters", maxDetails)
	case hasControl(in.Details):
		f.Add("details", "contains control characters")
	case in.Type == custos.RequestRectification && strings.TrimSpace(in.Details) == "":
		f.Add("details", "required for a rectification: say what is wrong and what it should be")
	}
	switch {
	case in.Type == custos.RequestObjection && in.Objection == "":
		f.Add("objection", "required for an objection; one of %s", strings.Join(custos.ObjectionScopes, ", "))
	case in.Type == custos.RequestObjection && !slices.Contains(custos.ObjectionScopes, in.Objection):
		f.Add("objection", "unknown scope; one of %s", strings.Join(custos.ObjectionScopes, ", "))
	case in.Type != custos.RequestObjection && in.Objection != "":
		f.Add("objection", "only for an objection")
	}
	if site != nil && in.Locale != "" && !site.HasLocale(in.Locale) {
		f.Add("locale", "not a locale of this site; one of %s", strings.Join(site.Locales, ", "))
	}
	if err := f.Err(); err != nil {
		return nil, "", err
	}
	if in.Locale == "" {
		in.Locale = site.BestLocale("", meta.AcceptLanguage)
	}
	region := in.Region
	if r := strings.ToUpper(strings.TrimSpace(meta.Region)); r != "" && manifest.WellFormedRegion(r) {
		region = r
	}
	return site, region, nil
}

// validEmail accepts a bare address (no display name, no comments) with a
// domain that has a dot: what an e-mail can actually be sent to.
func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	if err != nil || a.Name != "" || a.Address != e {
		return false
	}
	at := strings.LastIndexByte(e, '@')
	domain := e[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	})
}

func joinTypes() string {
	s := make([]string, len(custos.RequestTypes))
	for i, t := range custos.RequestTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// deadlineKind is the deadline kind of a request: an objection to sale
// or sharing is an opt-out, with its own period where the law has one.
func deadlineKind(t custos.RequestType, objection string) deadline.Kind {
	if t == custos.RequestObjection && objection == custos.ObjectSaleSharing {
		return deadline.OptOut
	}
	return deadline.Kind(t)
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// limiter counts submissions per key in fixed windows. It lives in memory:
// a restart forgets it, which only forgives; the per-day count of new
// requests per address is kept in the store.
type limiter struct {
	mu    sync.Mutex
	seen  map[string]*window
	swept time.Time
}

type window struct {
	start time.Time
	n     int
}

func (l *limiter) allow(key string, max int, per time.Duration, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]*window{}
	}
	if now.Sub(l.swept) > per {
		for k, w := range l.seen {
			if now.Sub(w.start) >= per {
				delete(l.seen, k)
			}
		}
		l.swept = now
	}
	w := l.seen[key]
	if w == nil || now.Sub(w.start) >= per {
		w = &window{start: now}
		l.seen[key] = w
	}
	if w.n >= max {
		return false
	}
	w.n++
	return true
}
