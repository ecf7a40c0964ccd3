package dsr

import (
	"context"
	"crypto/subtle"
	"fmt"
	"regexp"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// Verified is the outcome of a proof of address.
type Verified struct {
	Request   *custos.Request
	StatusURL string
}

var codeRE = regexp.MustCompile(`^[0-9]{6}$`)

// Refusal says why a code or a link was refused, for the doors that word
// it in the person's language; the error's message says it in English.
// Reasons of a code: RefusedFormat, RefusedUnknown, RefusedUsed,
// RefusedExpired, RefusedLocked, RefusedWrong (Left attempts remain); of a
// link: RefusedInvalid, RefusedUnknown, RefusedUsed, RefusedExpired.
type Refusal struct {
	Reason string
	Left   int // attempts left, for RefusedWrong
}

func (r *Refusal) Error() string { return "refused: " + r.Reason }

// Reasons of a Refusal.
const (
	RefusedFormat  = "format"  // not 6 digits
	RefusedInvalid = "invalid" // not a link's token
	RefusedUnknown = "unknown" // no such challenge, a decoy, or its request gone
	RefusedUsed    = "used"
	RefusedExpired = "expired"
	RefusedLocked  = "locked" // no attempts left
	RefusedWrong   = "wrong"
)

// refused is the EINVALID error on field of a refusal, with its message.
func refused(field string, r *Refusal, format string, args ...any) error {
	return &custos.Error{Code: custos.EINVALID, Message: "the request has invalid fields",
		Fields: []custos.FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}, Err: r}
}

// codeError is the error of a code that does not open its challenge.
func codeError(reason string, left int, format string, args ...any) error {
	return refused("code", &Refusal{Reason: reason, Left: left}, format, args...)
}

// VerifyCode checks the 6-digit code e-mailed for challenge id. A wrong code
// uses one of the 3 attempts; the answer never says whether the address is
// known.
func (s *Service) VerifyCode(ctx context.Context, challengeID, code string) (*Verified, error) {
	ch, err := s.checkCode(ctx, challengeID, code)
	if err != nil {
		return nil, err
	}
	return s.verify(ctx, ch)
}

// checkCode checks code against challenge id, counting a wrong attempt;
// it returns the challenge, not yet marked used.
func (s *Service) checkCode(ctx context.Context, challengeID, code string) (*custos.Challenge, error) {
	if !codeRE.MatchString(code) {
		return nil, codeError(RefusedFormat, 0, "give the 6 digits of the code we e-mailed you")
	}
	// The attempt is counted before the code is compared, in one
	// statement: guesses sent at once cannot outrun the count.
	ch, counted, err := s.Store.CountAttempt(ctx, challengeID, MaxAttempts, s.now())
	if custos.ErrorCode(err) == custos.ENOTFOUND {
		return nil, codeError(RefusedUnknown, 0, "this code is wrong or has expired; ask for a new one")
	}
	if err != nil {
		return nil, err
	}
	if !counted {
		switch {
		case !ch.UsedAt.IsZero():
			return nil, codeError(RefusedUsed, 0, "this code has already been used")
		case ch.Attempts >= MaxAttempts:
			return nil, codeError(RefusedLocked, 0, "too many wrong codes; ask for a new one")
		default:
			return nil, codeError(RefusedExpired, 0, "this code has expired (a code is valid for 10 minutes); ask for a new one")
		}
	}
	if subtle.ConstantTimeCompare([]byte(s.codeHash(ch.ID, code)), []byte(ch.CodeHash)) != 1 {
		switch left := MaxAttempts - ch.Attempts; left {
		case 0:
			return nil, codeError(RefusedWrong, 0, "this code is wrong and no attempts are left; ask for a new one")
		case 1:
			return nil, codeError(RefusedWrong, 1, "this code is wrong; 1 attempt left")
		default:
			return nil, codeError(RefusedWrong, left, "this code is wrong; %d attempts left", left)
		}
	}
	return ch, nil
}

// VerifyLink checks the token of an e-mailed verification link. A link
// works once and for 24 hours.
func (s *Service) VerifyLink(ctx context.Context, token string) (*Verified, error) {
	bad := func(reason, msg string) error { return refused("t", &Refusal{Reason: reason}, "%s", msg) }
	if token == "" || len(token) > 128 {
		return nil, bad(RefusedInvalid, "this link is not valid; open the link from the e-mail as it is")
	}
	ch, err := s.Store.ChallengeByLink(ctx, linkHash(token))
	if custos.ErrorCode(err) == custos.ENOTFOUND {
		return nil, bad(RefusedUnknown, "this link is not valid, or its request expired; file the request again")
	}
	if err != nil {
		return nil, err
	}
	switch {
	case !ch.UsedAt.IsZero():
		return nil, bad(RefusedUsed, "this link has already been used; the e-mail that confirmed your request has the link to follow it")
	case s.now().After(ch.LinkExpires):
		return nil, bad(RefusedExpired, "this link has expired (a link is valid for 24 hours); file the request again")
	}
	return s.verify(ctx, ch)
}

// verify marks ch used and, if its request is still unverified, opens it:
// the person's consent id is linked to their address and the
// acknowledgement e-mailed with the status link and the due date.
func (s *Service) verify(ctx context.Context, ch *custos.Challenge) (*Verified, error) {
	r, err := s.Store.Request(ctx, ch.RequestID)
	if custos.ErrorCode(err) == custos.ENOTFOUND {
		// A decoy's, or a request that expired meanwhile.
		return nil, codeError(RefusedUnknown, 0, "this code is wrong or has expired; ask for a new one")
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	ch.UsedAt = now
	change := &custos.RequestChange{Challenge: ch}
	if r.State == custos.StateUnverified {
		site := s.site(r.Site)
		if site == nil {
			return nil, custos.Errorf(custos.EUNAVAILABLE, "this site is no longer served here")
		}
		dup, err := s.duplicate(ctx, r.Site, r.Type, r.Objection, r.EmailHash)
		switch {
		case err == nil:
			// The same request was verified meanwhile: this one is merged
			// into it, and left to expire at the next sweep.
			r.ExpiresAt, r.UpdatedAt = now, now
			m, err := s.compose(site, dup, "merged", mailData{})
			if err != nil {
				return nil, err
			}
			change.Request, change.Mails = r, []*custos.Mail{m}
			change.Events = []*custos.RequestEvent{{RequestID: dup.ID, Time: now, Actor: "subject", Kind: custos.EventMerged}}
			if err := s.apply(ctx, change); err != nil {
				return nil, s.usedError(err)
			}
			return &Verified{Request: dup, StatusURL: s.StatusURL(dup)}, nil
		case custos.ErrorCode(err) != custos.ENOTFOUND:
			return nil, err
		}
		r.State, r.VerifiedAt, r.ExpiresAt, r.UpdatedAt = custos.StateOpen, now, time.Time{}, now
		m, err := s.compose(site, r, "received", mailData{})
		if err != nil {
			return nil, err
		}
		change.Request = r
		change.Mails = []*custos.Mail{m}
		change.Events = []*custos.RequestEvent{{RequestID: r.ID, Time: now, Actor: "subject", Kind: custos.EventVerified}}
		change.Audit = auditEntry("subject", custos.AuditRequestVerified, r.ID)
		if r.ConsentSubject != "" {
			change.Links = []string{r.ConsentSubject}
		}
	}
	if err := s.apply(ctx, change); err != nil {
		return nil, s.usedError(err)
	}
	return &Verified{Request: r, StatusURL: s.StatusURL(r)}, nil
}

// usedError words a conflict on marking a challenge used: another attempt
// with the same code won, and this one must not say more than a wrong
// code would.
func (s *Service) usedError(err error) error {
	if custos.ErrorCode(err) == custos.ECONFLICT {
		return codeError(RefusedUnknown, 0, "this code is wrong or has expired; ask for a new one")
	}
	return err
}

// Status is what the person sees on their status page.
type Status struct {
	Request *custos.Request
	Events  []*custos.RequestEvent // the steps the person is told of; no staff notes
	// Answer is set when a package is ready to download.
	Answer *custos.Answer
}

// subjectEvents are the timeline entries the person sees.
var subjectEvents = map[string]bool{
	custos.EventReceived: true, custos.EventVerified: true, custos.EventExtended: true,
	custos.EventApproved: true, custos.EventCompleted: true, custos.EventDenied: true,
	custos.EventDownload: true,
}

// Status returns request id's status for the holder of its status token.
// A wrong token and an unknown id get the same ENOTFOUND.
func (s *Service) Status(ctx context.Context, id, token string) (*Status, error) {
	if !s.CheckStatusToken(id, token) {
		return nil, custos.Errorf(custos.ENOTFOUND, "no such request, or the link is incomplete")
	}
	r, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	evs, err := s.Store.RequestEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	st := &Status{Request: r}
	for _, e := range evs {
		if subjectEvents[e.Kind] {
			e.Note = "" // staff notes stay with staff; reasons told are on the request
			st.Events = append(st.Events, e)
		}
	}
	if r.State == custos.StateCompleted {
		a, err := s.Store.Answer(ctx, id)
		switch {
		case err == nil && s.now().Before(a.ExpiresAt):
			a.Data = nil // the page only says it is there
			st.Answer = a
		case err != nil && custos.ErrorCode(err) != custos.ENOTFOUND:
			return nil, err
		}
	}
	return st, nil
}

// StartDownload e-mails a code to the request's address, to be given with
// the download: whoever holds the status link must still hold the inbox.
func (s *Service) StartDownload(ctx context.Context, id, token string) (challengeID string, err error) {
	st, err := s.Status(ctx, id, token)
	if err != nil {
		return "", err
	}
	if st.Answer == nil {
		return "", custos.Errorf(custos.ENOTFOUND, "there is nothing to download for this request, or its download has expired")
	}
	r := st.Request
	site := s.site(r.Site)
	if site == nil {
		return "", custos.Errorf(custos.EUNAVAILABLE, "this site is no longer served here")
	}
	now := s.now()
	if !s.limiter.allow("download:"+r.ID, 5, time.Hour, now) {
		return "", custos.Errorf(custos.ETOOMANY, "too many codes asked for; try again in an hour")
	}
	c, m, err := s.challenge(site, r, now, "download_code")
	if err != nil {
		return "", err
	}
	if err := s.apply(ctx, &custos.RequestChange{Challenge: c, Mails: []*custos.Mail{m}}); err != nil {
		return "", err
	}
	return c.ID, nil
}

// Download returns request id's answer package once the code e-mailed by
// StartDownload is given.
func (s *Service) Download(ctx context.Context, id, token, challengeID, code string) (*custos.Answer, error) {
	if !s.CheckStatusToken(id, token) {
		return nil, custos.Errorf(custos.ENOTFOUND, "no such request, or the link is incomplete")
	}
	ch, err := s.checkCode(ctx, challengeID, code)
	if err != nil {
		return nil, err
	}
	if ch.RequestID != id {
		return nil, codeError(RefusedUnknown, 0, "this code is wrong or has expired; ask for a new one")
	}
	a, err := s.Store.Answer(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(a.ExpiresAt) {
		return nil, custos.Errorf(custos.ENOTFOUND, "this download has expired")
	}
	ch.UsedAt = now
	err = s.apply(ctx, &custos.RequestChange{
		Challenge: ch,
		Events:    []*custos.RequestEvent{{RequestID: id, Time: now, Actor: "subject", Kind: custos.EventDownload}},
		Audit:     &custos.AuditEntry{Actor: "subject", Action: custos.AuditAnswerDownloaded, ObjectType: "request", ObjectID: id},
	})
	if err != nil {
		return nil, s.usedError(err)
	}
	return a, nil
}
