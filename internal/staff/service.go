package staff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/custos"
)

// Timeouts and limits of the service.
const (
	DefaultIdle     = 30 * time.Minute // a session unused this long ends
	DefaultAbsolute = 12 * time.Hour   // a session ends this long after sign-in
	SetupTTL        = 72 * time.Hour   // a set-up or reset link is valid this long
	EnrollmentTTL   = 15 * time.Minute // an admin's second-factor enrolment token
	MinAPITokenTTL  = time.Hour
	MaxAPITokenTTL  = 365 * 24 * time.Hour

	// Throttling of failed sign-ins, counted per account over the last hour:
	// from the slowAfter-th failure on, the account refuses every attempt
	// for 2^(n-slowAfter) seconds (at most maxSlowDown); at lockAfter it is
	// locked for an hour. Attempts are counted before the password is
	// checked, so that even parallel requests get at most lockAfter checks
	// an hour.
	slowAfter   = 5
	lockAfter   = 100
	maxSlowDown = 15 * time.Minute

	touchEvery     = time.Minute // LastSeen / LastUsed are written at most this often
	maxEmailBytes  = 254
	maxUserAgent   = 200 // bytes
	maxTokenName   = 100 // characters
	maxCookieToken = 256 // bytes; longer is not one of ours
)

// Actors of audit entries that are not a staff id.
const (
	ActorCLI       = "cli"       // a command run on the server
	actorSystem    = "system"    // the service itself (throttling)
	actorAnonymous = "anonymous" // whoever tried to sign in and failed
)

// Object types of audit entries.
const (
	objStaff    = "staff"
	objAPIToken = "api_token"
)

// Errors of the service. Their messages are safe to show.
var (
	// ErrBadCredentials is the one answer to a failed sign-in, whatever
	// failed: unknown address, wrong password or code, disabled, throttled
	// or locked account.
	ErrBadCredentials = &custos.Error{Code: custos.EUNAUTHORIZED, Message: "the e-mail address, password or code is wrong"}
	// ErrTOTPEnrollmentRequired is returned by SignIn, with an enrolment
	// token, when an administrator gave the right password but has no
	// second factor yet: see SignIn.
	ErrTOTPEnrollmentRequired = &custos.Error{Code: custos.EFORBIDDEN, Message: "an administrator must set up a second factor before signing in"}
	// ErrSessionInvalid is returned for a missing, unknown, expired or idle
	// session, or one whose account is gone or disabled.
	ErrSessionInvalid = &custos.Error{Code: custos.EUNAUTHORIZED, Message: "the session has ended; please sign in again"}
	// ErrSetupTokenInvalid is returned for an unknown, used or expired
	// set-up or enrolment token.
	ErrSetupTokenInvalid = &custos.Error{Code: custos.EUNAUTHORIZED, Message: "the link is invalid, used or expired; ask an administrator for a new one"}
	// ErrAPITokenInvalid is returned for an unknown, expired or revoked API
	// token.
	ErrAPITokenInvalid = &custos.Error{Code: custos.EUNAUTHORIZED, Message: "the API token is invalid, expired or revoked"}
	// ErrAccountDisabled is returned when acting on a disabled account.
	ErrAccountDisabled = &custos.Error{Code: custos.EFORBIDDEN, Message: "the account is disabled"}
	// ErrLastAdmin is returned when disabling the last enabled administrator.
	ErrLastAdmin = &custos.Error{Code: custos.ECONFLICT, Message: "the last enabled administrator cannot be disabled"}
)

// AuditAppender appends an audit entry on its own (custos.AuditStore does).
type AuditAppender interface {
	AppendAudit(ctx context.Context, e *custos.AuditEntry) error
}

// Service is the staff accounts' security logic over a custos.StaffStore.
// Set Store (and Audit); the zero value of the other fields is usable.
//
// Changes of an account or a token pass their audit entry to the store
// method that makes them. Events that change nothing stored (signed in,
// failed sign-in, signed out) go to Audit; when it is nil they are not
// recorded. An audit entry names its object by id only.
type Service struct {
	Store    custos.StaffStore
	Audit    AuditAppender
	Now      func() time.Time // nil: time.Now
	Idle     time.Duration    // 0: DefaultIdle
	Absolute time.Duration    // 0: DefaultAbsolute
	Issuer   string           // name in authenticator apps; "": "Custos"
}

// SignInMeta describes the browser signing in, for the staff member's own
// list of sessions.
type SignInMeta struct {
	UserAgent string // cut to 200 bytes
	IPPrefix  string // already shortened by the caller
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) idle() time.Duration {
	if s.Idle > 0 {
		return s.Idle
	}
	return DefaultIdle
}

func (s *Service) absolute() time.Duration {
	if s.Absolute > 0 {
		return s.Absolute
	}
	return DefaultAbsolute
}

func (s *Service) issuer() string {
	if s.Issuer != "" {
		return s.Issuer
	}
	return "Custos"
}

// entry returns an audit entry; details, if any, are hashed into
// DetailsHash ("key=value" lines, never personal data).
func (s *Service) entry(actor, action, objType, objID string, details ...string) *custos.AuditEntry {
	e := &custos.AuditEntry{Time: s.now(), Actor: actor, Action: action, ObjectType: objType, ObjectID: objID}
	if len(details) > 0 {
		sum := sha256.Sum256([]byte(strings.Join(details, "\n")))
		e.DetailsHash = hex.EncodeToString(sum[:])
	}
	return e
}

// appendAudit records an event that changes nothing stored.
func (s *Service) appendAudit(ctx context.Context, e *custos.AuditEntry) error {
	if s.Audit == nil {
		return nil
	}
	if err := s.Audit.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("staff: append audit %s: %w", e.Action, err)
	}
	return nil
}

func isNotFound(err error) bool { return custos.ErrorCode(err) == custos.ENOTFOUND }

func checkActor(actor string) error {
	if actor == "" {
		return errors.New("staff: audit actor is empty")
	}
	return nil
}

// SignIn checks an e-mail address, password and, when the account has a
// second factor, a TOTP code or an unused recovery code (consumed), and on
// success opens a session: it returns the session and its token, for the
// cookie; only the token's hash is stored.
//
// Every failure is ErrBadCredentials, whatever its cause, and takes about
// the time of one password check, so that neither the answer nor its delay
// tells whether an address has an account. Failures are counted per
// account; from the fifth in an hour the account refuses every attempt for
// a growing delay (1 s, 2 s, 4 s … up to 15 min), and at the hundredth it
// is locked for an hour. Attempts refused that way are not counted and the
// password is not checked.
//
// The sign-in form has one optional code field: a missing code counts as a
// wrong one, so a correct password alone tells nothing to someone who
// guesses it.
//
// An administrator without a second factor gets no session: after a correct
// password SignIn returns ErrTOTPEnrollmentRequired and, as token, a
// one-time enrolment token valid for EnrollmentTTL. The console then calls
// UserByEnrollmentToken, EnrollTOTP and ConfirmTOTP, and the administrator
// signs in again with a code.
func (s *Service) SignIn(ctx context.Context, email, password, code string, meta SignInMeta) (*custos.StaffSession, string, error) {
	now := s.now()
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(email) > maxEmailBytes {
		burnPasswordCheck(password)
		return nil, "", ErrBadCredentials
	}
	u, err := s.Store.UserByEmail(ctx, email)
	if isNotFound(err) {
		burnPasswordCheck(password)
		return nil, "", ErrBadCredentials
	}
	if err != nil {
		return nil, "", fmt.Errorf("staff: sign in: %w", err)
	}
	if u.Disabled || u.PasswordHash == "" || now.Before(u.LockedUntil) {
		burnPasswordCheck(password)
		return nil, "", ErrBadCredentials
	}
	// Count the attempt before checking: cleared again on success.
	n, err := s.Store.RecordSignInFailure(ctx, u.ID, now)
	if err != nil {
		return nil, "", fmt.Errorf("staff: sign in: %w", err)
	}
	if n > lockAfter {
		// Parallel attempts that all got past the lock check.
		burnPasswordCheck(password)
		if err := s.throttle(ctx, u.ID, now, n); err != nil {
			return nil, "", err
		}
		return nil, "", ErrBadCredentials
	}

	ok := CheckPassword(u.PasswordHash, password)
	var step int64
	var remaining []string
	usedRecovery := false
	if ok && u.TOTPSecret != nil {
		if looksLikeRecoveryCode(code) {
			remaining, ok = UseRecoveryCode(u.RecoveryCodes, code)
			usedRecovery = ok
		} else {
			step, ok = VerifyTOTP(u.TOTPSecret, code, now, u.TOTPLastStep)
		}
	}
	if !ok {
		if err := s.appendAudit(ctx, s.entry(actorAnonymous, custos.AuditStaffSignInFailed, objStaff, u.ID)); err != nil {
			return nil, "", err
		}
		if err := s.throttle(ctx, u.ID, now, n); err != nil {
			return nil, "", err
		}
		return nil, "", ErrBadCredentials
	}

	if err := s.Store.ClearSignInFailures(ctx, u.ID); err != nil {
		return nil, "", fmt.Errorf("staff: sign in: %w", err)
	}

	if u.Role == custos.RoleAdmin && u.TOTPSecret == nil {
		token, hash := NewToken("")
		u.SetupTokenHash, u.SetupExpires = hash, now.Add(EnrollmentTTL)
		u.LockedUntil = time.Time{}
		if err := s.Store.UpdateUser(ctx, u, nil); err != nil {
			if isConflict(err) {
				return nil, "", ErrBadCredentials // changed meanwhile: disabled, reset, or another sign-in
			}
			return nil, "", fmt.Errorf("staff: sign in: %w", err)
		}
		return nil, token, ErrTOTPEnrollmentRequired
	}

	changed := false
	var audit *custos.AuditEntry
	if u.TOTPSecret != nil && !usedRecovery {
		u.TOTPLastStep, changed = step, true
	}
	if usedRecovery {
		u.RecoveryCodes, u.UpdatedAt, changed = remaining, now, true
		audit = s.entry(u.ID, custos.AuditStaffUpdated, objStaff, u.ID, "change=recovery_code_used")
	}
	if NeedsRehash(u.PasswordHash) {
		if h, err := HashPassword(password); err == nil {
			u.PasswordHash, changed = h, true
		}
	}
	if !u.LockedUntil.IsZero() {
		u.LockedUntil, changed = time.Time{}, true
	}
	if changed {
		// The write is conditional on the account being as it was read: a
		// disable or reset meanwhile, or a parallel sign-in with the same
		// code, makes it fail, and no session is made.
		if err := s.Store.UpdateUser(ctx, u, audit); err != nil {
			if isConflict(err) {
				return nil, "", ErrBadCredentials
			}
			return nil, "", fmt.Errorf("staff: sign in: %w", err)
		}
	} else if cur, err := s.Store.User(ctx, u.ID); err != nil || cur.Version != u.Version {
		// Nothing to write, but the account must still be as it was read.
		return nil, "", ErrBadCredentials
	}

	token, hash := NewToken("")
	sess := &custos.StaffSession{
		TokenHash: hash,
		UserID:    u.ID,
		CreatedAt: now,
		LastSeen:  now,
		ExpiresAt: now.Add(s.absolute()),
		UserAgent: truncateUTF8(meta.UserAgent, maxUserAgent),
		IPPrefix:  meta.IPPrefix,
	}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return nil, "", fmt.Errorf("staff: sign in: %w", err)
	}
	if err := s.appendAudit(ctx, s.entry(u.ID, custos.AuditStaffSignedIn, objStaff, u.ID)); err != nil {
		// No session without its record.
		_ = s.Store.DeleteSession(ctx, hash)
		return nil, "", err
	}
	return sess, token, nil
}

// lockDelay is how long an account refuses sign-ins after its n-th failure
// in the last hour.
func lockDelay(n int) time.Duration {
	switch {
	case n >= lockAfter:
		return time.Hour
	case n < slowAfter:
		return 0
	case n-slowAfter >= 10: // 2^10 s is past the cap
		return maxSlowDown
	}
	return min(time.Duration(1<<(n-slowAfter))*time.Second, maxSlowDown)
}

// throttle sets the account's LockedUntil after its n-th failure, unless it
// is already locked for longer.
func (s *Service) throttle(ctx context.Context, id string, now time.Time, n int) error {
	d := lockDelay(n)
	if d == 0 {
		return nil
	}
	u, err := s.Store.User(ctx, id) // fresh: the caller's copy may be stale
	if err != nil {
		return fmt.Errorf("staff: throttle: %w", err)
	}
	until := now.Add(d)
	if !until.After(u.LockedUntil) {
		return nil
	}
	u.LockedUntil = until
	details := "failures=" + fmt.Sprint(n)
	if err := s.Store.UpdateUser(ctx, u, s.entry(actorSystem, custos.AuditStaffLocked, objStaff, id, details)); err != nil && !isConflict(err) {
		return fmt.Errorf("staff: throttle: %w", err)
	}
	return nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// Authenticate returns the account and session of a session token. It
// fails with ErrSessionInvalid if the session is unknown, past its absolute
// end, unused for longer than Idle (it is then deleted), or if its account
// is gone, disabled, reset, or an administrator's without a second factor.
// LastSeen is written at most once a minute.
func (s *Service) Authenticate(ctx context.Context, token string) (*custos.StaffUser, *custos.StaffSession, error) {
	if token == "" || len(token) > maxCookieToken {
		return nil, nil, ErrSessionInvalid
	}
	hash := HashToken(token)
	sess, err := s.Store.Session(ctx, hash)
	if isNotFound(err) {
		return nil, nil, ErrSessionInvalid
	}
	if err != nil {
		return nil, nil, fmt.Errorf("staff: authenticate: %w", err)
	}
	now := s.now()
	end := func() (*custos.StaffUser, *custos.StaffSession, error) {
		// A failed delete leaves a session that is refused all the same and
		// pruned by PruneSessions later.
		_ = s.Store.DeleteSession(ctx, hash)
		return nil, nil, ErrSessionInvalid
	}
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeen) > s.idle() {
		return end()
	}
	u, err := s.Store.User(ctx, sess.UserID)
	if isNotFound(err) {
		return end()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("staff: authenticate: %w", err)
	}
	if u.Disabled || u.PasswordHash == "" || u.Role == custos.RoleAdmin && u.TOTPSecret == nil {
		return end()
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		if err := s.Store.TouchSession(ctx, hash, now); err != nil {
			return nil, nil, fmt.Errorf("staff: authenticate: %w", err)
		}
		sess.LastSeen = now
	}
	return u, sess, nil
}

// SignOut ends the session of token. An unknown token is not an error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" || len(token) > maxCookieToken {
		return nil
	}
	hash := HashToken(token)
	sess, err := s.Store.Session(ctx, hash)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("staff: sign out: %w", err)
	}
	if err := s.Store.DeleteSession(ctx, hash); err != nil {
		return fmt.Errorf("staff: sign out: %w", err)
	}
	return s.appendAudit(ctx, s.entry(sess.UserID, custos.AuditStaffSignedOut, objStaff, sess.UserID))
}

// SignOutEverywhere ends every session of the account userID, on the
// account's own request.
func (s *Service) SignOutEverywhere(ctx context.Context, userID string) error {
	if err := s.Store.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("staff: sign out everywhere: %w", err)
	}
	return s.appendAudit(ctx, s.entry(userID, custos.AuditStaffSignedOut, objStaff, userID, "scope=everywhere"))
}

// PruneSessions deletes the sessions past their absolute end or idle for
// longer than Idle, for a periodic job. It returns how many.
func (s *Service) PruneSessions(ctx context.Context) (int, error) {
	n, err := s.Store.DeleteExpiredSessions(ctx, s.now(), s.idle())
	if err != nil {
		return 0, fmt.Errorf("staff: prune sessions: %w", err)
	}
	return n, nil
}

func isConflict(err error) bool {
	var ce *custos.Error
	return errors.As(err, &ce) && ce.Code == custos.ECONFLICT
}
