package staff

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

const testPassword = "violet kettle orbit 42"

type testEnv struct {
	svc   *Service
	store *fakeStore
	audit *fakeAudit
	mu    sync.Mutex
	now   time.Time
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	e := &testEnv{store: newFakeStore(), audit: &fakeAudit{}, now: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	e.svc = &Service{Store: e.store, Audit: e.audit, Now: e.clock}
	t.Cleanup(func() { e.checkAudit(t) })
	return e
}

func (e *testEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *testEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// checkAudit asserts that no audit entry names anything but ids.
func (e *testEnv) checkAudit(t *testing.T) {
	t.Helper()
	e.store.mu.Lock()
	all := append([]custos.AuditEntry(nil), e.store.audit...)
	e.store.mu.Unlock()
	e.audit.mu.Lock()
	all = append(all, e.audit.entries...)
	e.audit.mu.Unlock()
	for _, a := range all {
		for _, s := range []string{a.Actor, a.ObjectID, a.DetailsHash} {
			if strings.Contains(s, "@") {
				t.Errorf("audit entry %+v names an e-mail address", a)
			}
		}
		if a.Actor == "" || a.Action == "" || a.ObjectID == "" || a.Time.IsZero() {
			t.Errorf("incomplete audit entry %+v", a)
		}
		if a.ObjectType != "staff" && a.ObjectType != "api_token" {
			t.Errorf("audit entry of type %q", a.ObjectType)
		}
	}
}

func (e *testEnv) storeActions() []string {
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	var s []string
	for _, a := range e.store.audit {
		s = append(s, a.Action)
	}
	return s
}

func (e *testEnv) lastStoreAudit(t *testing.T) custos.AuditEntry {
	t.Helper()
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	if len(e.store.audit) == 0 {
		t.Fatal("no audit entry")
	}
	return e.store.audit[len(e.store.audit)-1]
}

// user creates and sets up an account; with totp it has a second factor,
// whose secret is returned.
func (e *testEnv) user(t *testing.T, email string, role custos.Role, totp bool) (*custos.StaffUser, []byte) {
	t.Helper()
	ctx := context.Background()
	u, setup, err := e.svc.CreateUser(ctx, email, role, ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CompleteSetup(ctx, setup, testPassword); err != nil {
		t.Fatal(err)
	}
	var secret []byte
	if totp {
		secret = NewTOTPSecret()
		if _, err := e.svc.ConfirmTOTP(ctx, u.ID, secret, TOTPCode(secret, e.clock())); err != nil {
			t.Fatal(err)
		}
		e.advance(30 * time.Second) // the code of this step is used
	}
	u, err = e.store.User(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u, secret
}

// safe fails if err mentions any of the secrets.
func safe(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(strings.ToLower(err.Error()), strings.ToLower(s)) {
			t.Errorf("error %q contains a secret", err)
		}
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := custos.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "Ana@Example.org", custos.RolePrivacyOfficer, false)
	if u.Email != "ana@example.org" {
		t.Errorf("e-mail stored as %q", u.Email)
	}

	ua := strings.Repeat("é", 150) // 300 bytes
	sess, token, err := e.svc.SignIn(ctx, " ANA@example.org ", testPassword, "", SignInMeta{UserAgent: ua, IPPrefix: "192.0.2.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	if sess.UserID != u.ID || sess.TokenHash != HashToken(token) || len(token) < 43 {
		t.Errorf("session %+v", sess)
	}
	if !sess.ExpiresAt.Equal(e.clock().Add(12*time.Hour)) || !sess.LastSeen.Equal(e.clock()) || !sess.CreatedAt.Equal(e.clock()) {
		t.Errorf("session times %+v", sess)
	}
	if len(sess.UserAgent) != 200 || sess.IPPrefix != "192.0.2.0/24" {
		t.Errorf("user agent of %d bytes, prefix %q", len(sess.UserAgent), sess.IPPrefix)
	}
	stored, err := e.store.Session(ctx, HashToken(token))
	if err != nil || stored.UserID != u.ID {
		t.Fatalf("stored session %+v, %v", stored, err)
	}
	for h := range e.store.sessions {
		if h == token {
			t.Error("token stored in clear")
		}
	}
	if e.store.failureCount(u.ID) != 0 {
		t.Error("failures not cleared after success")
	}
	if got := e.audit.count(custos.AuditStaffSignedIn); got != 1 {
		t.Errorf("%d signed_in entries", got)
	}
	last := e.audit.entries[len(e.audit.entries)-1]
	if last.Actor != u.ID || last.ObjectID != u.ID || last.ObjectType != "staff" {
		t.Errorf("signed_in entry %+v", last)
	}
}

func TestSignInSameErrorForEverything(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "bo@example.org", custos.RoleAnalyst, false)
	_, _ = e.user(t, "off@example.org", custos.RoleAnalyst, false)
	off, _ := e.store.UserByEmail(ctx, "off@example.org")
	off.Disabled = true
	e.store.UpdateUser(ctx, off, nil)
	locked, _ := e.user(t, "locked@example.org", custos.RoleAnalyst, false)
	locked.LockedUntil = e.clock().Add(time.Minute)
	e.store.UpdateUser(ctx, locked, nil)
	newcomer, _, _ := e.svc.CreateUser(ctx, "new@example.org", custos.RoleAnalyst, ActorCLI)

	for _, c := range []struct{ name, email, pw string }{
		{"unknown address", "nobody@example.org", testPassword},
		{"empty address", "", testPassword},
		{"overlong address", strings.Repeat("a", 250) + "@example.org", testPassword},
		{"wrong password", "bo@example.org", "violet kettle orbit 43"},
		{"empty password", "bo@example.org", ""},
		{"disabled", "off@example.org", testPassword},
		{"locked", "locked@example.org", testPassword},
		{"not set up", "new@example.org", ""},
	} {
		sess, token, err := e.svc.SignIn(ctx, c.email, c.pw, "", SignInMeta{})
		if err != ErrBadCredentials || sess != nil || token != "" {
			t.Errorf("%s: %v, %v, %q", c.name, sess, err, token)
		}
		safe(t, err, c.email, c.pw)
	}
	if n := e.store.failureCount(u.ID); n != 2 {
		t.Errorf("%d failures counted for the wrong passwords, want 2", n)
	}
	for _, id := range []string{off.ID, locked.ID, newcomer.ID} {
		if n := e.store.failureCount(id); n != 0 {
			t.Errorf("%d failures counted for an account refused before the password check", n)
		}
	}
	if got := e.audit.count(custos.AuditStaffSignInFailed); got != 2 {
		t.Errorf("%d sign_in_failed entries, want 2", got)
	}
	for _, a := range e.audit.entries {
		if a.Action == custos.AuditStaffSignInFailed && (a.ObjectID != u.ID || a.Actor != "anonymous") {
			t.Errorf("failure entry %+v", a)
		}
	}
}

func TestLockDelay(t *testing.T) {
	for n, want := range map[int]time.Duration{
		0: 0, 1: 0, 4: 0,
		5: time.Second, 6: 2 * time.Second, 7: 4 * time.Second, 14: 512 * time.Second,
		15: 15 * time.Minute, 50: 15 * time.Minute, 99: 15 * time.Minute,
		100: time.Hour, 101: time.Hour, 5000: time.Hour,
	} {
		if got := lockDelay(n); got != want {
			t.Errorf("lockDelay(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestSignInThrottle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "cy@example.org", custos.RoleAuditor, false)
	fail := func() {
		t.Helper()
		if _, _, err := e.svc.SignIn(ctx, "cy@example.org", "wrong wrong wrong", "", SignInMeta{}); err != ErrBadCredentials {
			t.Fatalf("wrong password: %v", err)
		}
	}
	lockedUntil := func() time.Time {
		x, _ := e.store.User(ctx, u.ID)
		return x.LockedUntil
	}
	for range 4 {
		fail()
	}
	if !lockedUntil().IsZero() {
		t.Fatal("locked after 4 failures")
	}
	fail() // 5th
	if want := e.clock().Add(time.Second); !lockedUntil().Equal(want) {
		t.Fatalf("after 5 failures locked until %v, want %v", lockedUntil(), want)
	}
	if got := e.storeActions(); got[len(got)-1] != custos.AuditStaffLocked {
		t.Errorf("no staff.locked entry: %v", got)
	}
	// While slowed down even the right password fails, and is not counted.
	if _, _, err := e.svc.SignIn(ctx, "cy@example.org", testPassword, "", SignInMeta{}); err != ErrBadCredentials {
		t.Fatalf("right password while locked: %v", err)
	}
	if n := e.store.failureCount(u.ID); n != 5 {
		t.Errorf("%d failures, want 5", n)
	}
	e.advance(time.Second)
	fail() // 6th
	if want := e.clock().Add(2 * time.Second); !lockedUntil().Equal(want) {
		t.Fatalf("after 6 failures locked until %v, want %v", lockedUntil(), want)
	}
	e.advance(2 * time.Second)
	// The right password works once the delay has passed, and clears it all.
	if _, _, err := e.svc.SignIn(ctx, "cy@example.org", testPassword, "", SignInMeta{}); err != nil {
		t.Fatalf("right password after the delay: %v", err)
	}
	if n := e.store.failureCount(u.ID); n != 0 || !lockedUntil().IsZero() {
		t.Errorf("after success: %d failures, locked until %v", n, lockedUntil())
	}
}

func TestSignInFailuresExpireAfterAnHour(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "di@example.org", custos.RoleAnalyst, false)
	for range 4 {
		e.svc.SignIn(ctx, "di@example.org", "nope nope nope", "", SignInMeta{})
	}
	e.advance(time.Hour + time.Second)
	e.svc.SignIn(ctx, "di@example.org", "nope nope nope", "", SignInMeta{})
	x, _ := e.store.User(ctx, u.ID)
	if !x.LockedUntil.IsZero() {
		t.Error("failures older than an hour counted")
	}
}

func TestSignInHardLock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "ed@example.org", custos.RoleAnalyst, false)
	// 99 failures spread over the last hour, as throttling allows no more.
	e.store.mu.Lock()
	for i := range 99 {
		e.store.failures[u.ID] = append(e.store.failures[u.ID], e.clock().Add(-time.Duration(i)*30*time.Second))
	}
	e.store.mu.Unlock()
	// The 100th attempt is checked, fails, and locks for the hour.
	if _, _, err := e.svc.SignIn(ctx, "ed@example.org", "wrong wrong wrong", "", SignInMeta{}); err != ErrBadCredentials {
		t.Fatal(err)
	}
	x, _ := e.store.User(ctx, u.ID)
	if want := e.clock().Add(time.Hour); !x.LockedUntil.Equal(want) {
		t.Fatalf("locked until %v, want %v", x.LockedUntil, want)
	}
	e.advance(59 * time.Minute)
	if _, _, err := e.svc.SignIn(ctx, "ed@example.org", testPassword, "", SignInMeta{}); err != ErrBadCredentials {
		t.Fatalf("right password during the hour: %v", err)
	}
	e.advance(time.Minute)
	if _, _, err := e.svc.SignIn(ctx, "ed@example.org", testPassword, "", SignInMeta{}); err != nil {
		t.Fatalf("right password after the hour: %v", err)
	}
}

func TestSignInOverHundredNotChecked(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "fa@example.org", custos.RoleAnalyst, false)
	e.store.mu.Lock()
	for range 100 {
		e.store.failures[u.ID] = append(e.store.failures[u.ID], e.clock())
	}
	e.store.mu.Unlock()
	// Not locked (parallel requests raced past), but the 101st attempt in the
	// hour is refused without a check, even with the right password.
	if _, _, err := e.svc.SignIn(ctx, "fa@example.org", testPassword, "", SignInMeta{}); err != ErrBadCredentials {
		t.Fatalf("101st attempt: %v", err)
	}
	x, _ := e.store.User(ctx, u.ID)
	if !x.LockedUntil.Equal(e.clock().Add(time.Hour)) {
		t.Errorf("locked until %v", x.LockedUntil)
	}
	if got := e.audit.count(custos.AuditStaffSignInFailed); got != 0 {
		t.Errorf("%d passwords checked, want 0", got)
	}
}

func TestSignInParallelAttemptsCapped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user(t, "gu@example.org", custos.RoleAnalyst, false)
	// Make the lock invisible, as if every attempt raced past it: the count
	// taken before the check must still cap the checks at 100.
	e.store.mu.Lock()
	for _, u := range e.store.users {
		u.LockedUntil = time.Time{}
	}
	e.store.mu.Unlock()
	var wg sync.WaitGroup
	for range 150 {
		wg.Go(func() {
			e.svc.SignIn(ctx, "gu@example.org", "wrong wrong wrong", "", SignInMeta{})
		})
	}
	wg.Wait()
	// Each checked password that failed wrote one sign_in_failed entry.
	if got := e.audit.count(custos.AuditStaffSignInFailed); got > 100 {
		t.Errorf("%d passwords checked in parallel, want at most 100", got)
	}
}

func TestSignInTOTP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, secret := e.user(t, "ha@example.org", custos.RolePrivacyOfficer, true)
	sign := func(code string) error {
		_, _, err := e.svc.SignIn(ctx, "ha@example.org", testPassword, code, SignInMeta{})
		return err
	}
	if err := sign(""); err != ErrBadCredentials {
		t.Errorf("no code: %v", err)
	}
	if err := sign("000000"); err != ErrBadCredentials && TOTPCode(secret, e.clock()) != "000000" {
		t.Errorf("wrong code: %v", err)
	}
	code := TOTPCode(secret, e.clock())
	if _, _, err := e.svc.SignIn(ctx, "ha@example.org", "wrong password!", code, SignInMeta{}); err != ErrBadCredentials {
		t.Errorf("right code, wrong password: %v", err)
	}
	if err := sign(code); err != nil {
		t.Fatalf("right code: %v", err)
	}
	x, _ := e.store.User(ctx, u.ID)
	if x.TOTPLastStep != totpStep(e.clock()) {
		t.Errorf("last step %d, want %d", x.TOTPLastStep, totpStep(e.clock()))
	}
	if err := sign(code); err != ErrBadCredentials {
		t.Errorf("code replayed: %v", err)
	}
	e.advance(30 * time.Second)
	if err := sign(TOTPCode(secret, e.clock())); err != nil {
		t.Errorf("next code: %v", err)
	}
}

func TestSignInRecoveryCode(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, setup, _ := e.svc.CreateUser(ctx, "io@example.org", custos.RoleAnalyst, ActorCLI)
	u, _ := e.svc.CompleteSetup(ctx, setup, testPassword)
	secret := NewTOTPSecret()
	codes, err := e.svc.ConfirmTOTP(ctx, u.ID, secret, TOTPCode(secret, e.clock()))
	if err != nil || len(codes) != 10 {
		t.Fatalf("%d codes, %v", len(codes), err)
	}
	if _, _, err := e.svc.SignIn(ctx, "io@example.org", testPassword, strings.ToUpper(codes[3]), SignInMeta{}); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	x, _ := e.store.User(ctx, u.ID)
	if len(x.RecoveryCodes) != 9 {
		t.Errorf("%d recovery codes left", len(x.RecoveryCodes))
	}
	a := e.lastStoreAudit(t)
	if a.Action != custos.AuditStaffUpdated || a.ObjectID != u.ID {
		t.Errorf("recovery code use recorded as %+v", a)
	}
	_, _, err = e.svc.SignIn(ctx, "io@example.org", testPassword, codes[3], SignInMeta{})
	if err != ErrBadCredentials {
		t.Errorf("recovery code reused: %v", err)
	}
	safe(t, err, codes[3])
}

func TestSignInAdminNeedsSecondFactor(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin, _ := e.user(t, "root@example.org", custos.RoleAdmin, false)

	if _, _, err := e.svc.SignIn(ctx, "root@example.org", "not the password", "", SignInMeta{}); err != ErrBadCredentials {
		t.Fatalf("wrong password: %v", err)
	}
	sess, token, err := e.svc.SignIn(ctx, "root@example.org", testPassword, "", SignInMeta{})
	if !errors.Is(err, ErrTOTPEnrollmentRequired) || sess != nil || token == "" {
		t.Fatalf("admin without TOTP: %v, %v, %q", sess, err, token)
	}
	wantCode(t, err, custos.EFORBIDDEN)
	if n, _ := e.store.UserSessions(ctx, admin.ID); len(n) != 0 {
		t.Fatal("a session was created")
	}
	// The enrolment token is not a set-up token.
	if _, err := e.svc.CompleteSetup(ctx, token, "another fine passphrase"); err != ErrSetupTokenInvalid {
		t.Errorf("enrolment token used for set-up: %v", err)
	}
	u, err := e.svc.UserByEnrollmentToken(ctx, token)
	if err != nil || u.ID != admin.ID {
		t.Fatalf("UserByEnrollmentToken: %v", err)
	}
	secret, uri, err := e.svc.EnrollTOTP(ctx, u.ID)
	if err != nil || len(secret) != 20 || !strings.HasPrefix(uri, "otpauth://totp/Custos:root@example.org?") {
		t.Fatalf("EnrollTOTP: %q, %v", uri, err)
	}
	if _, err := e.svc.ConfirmTOTP(ctx, u.ID, secret, "12345"); custos.ErrorFields(err)[0].Field != "code" {
		t.Errorf("bad code: %v", err)
	}
	codes, err := e.svc.ConfirmTOTP(ctx, u.ID, secret, TOTPCode(secret, e.clock()))
	if err != nil || len(codes) != RecoveryCodeCount {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	if _, err := e.svc.UserByEnrollmentToken(ctx, token); err != ErrSetupTokenInvalid {
		t.Errorf("enrolment token reused: %v", err)
	}
	// The step of the confirming code is used up.
	if _, _, err := e.svc.SignIn(ctx, "root@example.org", testPassword, TOTPCode(secret, e.clock()), SignInMeta{}); err != ErrBadCredentials {
		t.Errorf("confirming code reused: %v", err)
	}
	e.advance(30 * time.Second)
	if _, _, err := e.svc.SignIn(ctx, "root@example.org", testPassword, TOTPCode(secret, e.clock()), SignInMeta{}); err != nil {
		t.Fatalf("admin with TOTP: %v", err)
	}
}

func TestEnrollmentTokenExpires(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user(t, "root@example.org", custos.RoleAdmin, false)
	_, token, _ := e.svc.SignIn(ctx, "root@example.org", testPassword, "", SignInMeta{})
	e.advance(EnrollmentTTL)
	if _, err := e.svc.UserByEnrollmentToken(ctx, token); err != ErrSetupTokenInvalid {
		t.Errorf("expired enrolment token: %v", err)
	}
	if _, err := e.svc.UserByEnrollmentToken(ctx, "made-up"); err != ErrSetupTokenInvalid {
		t.Errorf("unknown enrolment token: %v", err)
	}
}

func TestSignInRehash(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "jo@example.org", custos.RoleAnalyst, false)
	old := params
	params = argonParams{memory: 32, time: 1, threads: 1}
	h, _ := HashPassword(testPassword)
	params = old
	u.PasswordHash = h
	e.store.UpdateUser(ctx, u, nil)
	if _, _, err := e.svc.SignIn(ctx, "jo@example.org", testPassword, "", SignInMeta{}); err != nil {
		t.Fatal(err)
	}
	x, _ := e.store.User(ctx, u.ID)
	if x.PasswordHash == h || NeedsRehash(x.PasswordHash) || !CheckPassword(x.PasswordHash, testPassword) {
		t.Errorf("hash not upgraded: %s", x.PasswordHash)
	}
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "ka@example.org", custos.RoleAuditor, false)
	_, token, err := e.svc.SignIn(ctx, "ka@example.org", testPassword, "", SignInMeta{})
	if err != nil {
		t.Fatal(err)
	}
	got, sess, err := e.svc.Authenticate(ctx, token)
	if err != nil || got.ID != u.ID || sess.UserID != u.ID {
		t.Fatalf("Authenticate: %v", err)
	}
	for _, bad := range []string{"", "nope", token + "x", strings.Repeat("a", 300)} {
		_, _, err := e.svc.Authenticate(ctx, bad)
		if err != ErrSessionInvalid {
			t.Errorf("token %q: %v", bad, err)
		}
		safe(t, err, bad)
	}

	// LastSeen is written at most once a minute.
	touches := e.store.count("TouchSession")
	e.advance(59 * time.Second)
	e.svc.Authenticate(ctx, token)
	if e.store.count("TouchSession") != touches {
		t.Error("touched within the minute")
	}
	e.advance(time.Second)
	_, sess, _ = e.svc.Authenticate(ctx, token)
	if e.store.count("TouchSession") != touches+1 || !sess.LastSeen.Equal(e.clock()) {
		t.Error("not touched after a minute")
	}

	// Idle: 30 minutes without use ends the session, and deletes it.
	e.advance(30 * time.Minute)
	if _, _, err := e.svc.Authenticate(ctx, token); err != nil {
		t.Fatalf("at exactly the idle timeout: %v", err)
	}
	e.advance(30*time.Minute + time.Second)
	if _, _, err := e.svc.Authenticate(ctx, token); err != ErrSessionInvalid {
		t.Fatalf("idle session: %v", err)
	}
	if _, err := e.store.Session(ctx, HashToken(token)); !isNotFound(err) {
		t.Error("idle session not deleted")
	}
}

func TestAuthenticateAbsoluteTimeout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user(t, "la@example.org", custos.RoleAuditor, false)
	_, token, _ := e.svc.SignIn(ctx, "la@example.org", testPassword, "", SignInMeta{})
	for range 12*2 - 1 {
		e.advance(29 * time.Minute)
		if _, _, err := e.svc.Authenticate(ctx, token); err != nil {
			t.Fatalf("active session ended early: %v", err)
		}
	}
	e.advance(12*time.Hour - (12*2-1)*29*time.Minute)
	if _, _, err := e.svc.Authenticate(ctx, token); err != ErrSessionInvalid {
		t.Fatalf("session past 12 h: %v", err)
	}
	if _, err := e.store.Session(ctx, HashToken(token)); !isNotFound(err) {
		t.Error("expired session not deleted")
	}
}

func TestAuthenticateAccountChanged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "ma@example.org", custos.RoleAnalyst, false)
	_, token, _ := e.svc.SignIn(ctx, "ma@example.org", testPassword, "", SignInMeta{})
	// Promoted to admin without a second factor: the session no longer serves.
	u.Role = custos.RoleAdmin
	e.store.UpdateUser(ctx, u, nil)
	if _, _, err := e.svc.Authenticate(ctx, token); err != ErrSessionInvalid {
		t.Errorf("admin without TOTP: %v", err)
	}
	// Account removed behind our back.
	u.Role = custos.RoleAnalyst
	e.store.UpdateUser(ctx, u, nil)
	_, token, _ = e.svc.SignIn(ctx, "ma@example.org", testPassword, "", SignInMeta{})
	e.store.mu.Lock()
	delete(e.store.users, u.ID)
	e.store.mu.Unlock()
	if _, _, err := e.svc.Authenticate(ctx, token); err != ErrSessionInvalid {
		t.Errorf("account gone: %v", err)
	}
}

func TestSignOut(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "na@example.org", custos.RoleAnalyst, false)
	_, t1, _ := e.svc.SignIn(ctx, "na@example.org", testPassword, "", SignInMeta{})
	_, t2, _ := e.svc.SignIn(ctx, "na@example.org", testPassword, "", SignInMeta{})
	_, t3, _ := e.svc.SignIn(ctx, "na@example.org", testPassword, "", SignInMeta{})
	if err := e.svc.SignOut(ctx, t1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Authenticate(ctx, t1); err != ErrSessionInvalid {
		t.Error("signed-out session still valid")
	}
	if _, _, err := e.svc.Authenticate(ctx, t2); err != nil {
		t.Error("other session ended by SignOut")
	}
	if err := e.svc.SignOut(ctx, t1); err != nil {
		t.Errorf("second sign-out: %v", err)
	}
	if err := e.svc.SignOutEverywhere(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{t2, t3} {
		if _, _, err := e.svc.Authenticate(ctx, tok); err != ErrSessionInvalid {
			t.Error("session survived SignOutEverywhere")
		}
	}
	if got := e.audit.count(custos.AuditStaffSignedOut); got != 2 {
		t.Errorf("%d signed_out entries", got)
	}
}

func TestPruneSessions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user(t, "oz@example.org", custos.RoleAnalyst, false)
	e.svc.SignIn(ctx, "oz@example.org", testPassword, "", SignInMeta{})
	e.advance(31 * time.Minute)
	_, keep, _ := e.svc.SignIn(ctx, "oz@example.org", testPassword, "", SignInMeta{})
	n, err := e.svc.PruneSessions(ctx)
	if err != nil || n != 1 {
		t.Errorf("pruned %d, %v", n, err)
	}
	if _, _, err := e.svc.Authenticate(ctx, keep); err != nil {
		t.Error("fresh session pruned")
	}
}

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, setup, err := e.svc.CreateUser(ctx, "  Pia.Smith@Example.ORG ", custos.RoleAuditor, "st_actor")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "pia.smith@example.org" || u.Role != custos.RoleAuditor || u.PasswordHash != "" {
		t.Errorf("user %+v", u)
	}
	if !strings.HasPrefix(u.ID, "st_") || len(u.ID) != 29 {
		t.Errorf("id %q", u.ID)
	}
	if u.SetupTokenHash != HashToken(setup) || !u.SetupExpires.Equal(e.clock().Add(72*time.Hour)) {
		t.Errorf("set-up token %+v", u)
	}
	a := e.lastStoreAudit(t)
	if a.Actor != "st_actor" || a.Action != custos.AuditStaffCreated || a.ObjectType != "staff" || a.ObjectID != u.ID || a.DetailsHash == "" {
		t.Errorf("audit %+v", a)
	}

	_, _, err = e.svc.CreateUser(ctx, "PIA.smith@example.org", custos.RoleAnalyst, ActorCLI)
	wantCode(t, err, custos.ECONFLICT)
	safe(t, err, "pia.smith")

	for _, c := range []struct {
		email  string
		role   custos.Role
		fields string
	}{
		{"", custos.RoleAdmin, "email"},
		{"not-an-address", custos.RoleAdmin, "email"},
		{"Pia <pia@example.org>", custos.RoleAdmin, "email"},
		{"pia@example.org, bo@example.org", custos.RoleAdmin, "email"},
		{strings.Repeat("p", 243) + "@example.org", custos.RoleAdmin, "email"}, // 255 bytes
		{"pia@example.org", "root", "role"},
		{"pia@example.org", "", "role"},
		{"nope", "Admin", "email,role"},
	} {
		_, _, err := e.svc.CreateUser(ctx, c.email, c.role, ActorCLI)
		wantCode(t, err, custos.EINVALID)
		var fs []string
		for _, f := range custos.ErrorFields(err) {
			fs = append(fs, f.Field)
			if c.email != "" && strings.Contains(f.Message, c.email) {
				t.Errorf("message %q repeats the address", f.Message)
			}
		}
		if strings.Join(fs, ",") != c.fields {
			t.Errorf("%q, %q: fields %v, want %s", c.email, c.role, fs, c.fields)
		}
		safe(t, err, c.email)
	}
	if _, _, err := e.svc.CreateUser(ctx, "q@example.org", custos.RoleAdmin, ""); err == nil {
		t.Error("no actor accepted")
	}
	long := strings.Repeat("p", 242) + "@example.org" // 254 bytes
	if _, _, err := e.svc.CreateUser(ctx, long, custos.RoleAnalyst, ActorCLI); err != nil {
		t.Errorf("254-byte address: %v", err)
	}
}

func TestCompleteSetup(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, setup, _ := e.svc.CreateUser(ctx, "quinn@example.org", custos.RoleAnalyst, ActorCLI)

	err := func() error { _, err := e.svc.CompleteSetup(ctx, setup, "quinn@example.org rules"); return err }()
	wantCode(t, err, custos.EINVALID)
	safe(t, err, "quinn", "rules")
	if _, err := e.svc.CompleteSetup(ctx, setup, "short"); custos.ErrorFields(err)[0].Field != "password" {
		t.Errorf("short password: %v", err)
	}
	if _, err := e.svc.CompleteSetup(ctx, "made-up", testPassword); err != ErrSetupTokenInvalid {
		t.Errorf("unknown token: %v", err)
	}
	got, err := e.svc.CompleteSetup(ctx, setup, testPassword)
	if err != nil || got.ID != u.ID {
		t.Fatal(err)
	}
	x, _ := e.store.User(ctx, u.ID)
	if x.SetupTokenHash != "" || !x.SetupExpires.IsZero() || !CheckPassword(x.PasswordHash, testPassword) {
		t.Errorf("after set-up %+v", x)
	}
	if a := e.lastStoreAudit(t); a.Action != custos.AuditStaffUpdated || a.Actor != u.ID || a.ObjectID != u.ID {
		t.Errorf("audit %+v", a)
	}
	if _, err := e.svc.CompleteSetup(ctx, setup, "another fine passphrase"); err != ErrSetupTokenInvalid {
		t.Errorf("token reused: %v", err)
	}

	_, setup2, _ := e.svc.CreateUser(ctx, "rae@example.org", custos.RoleAnalyst, ActorCLI)
	e.advance(72 * time.Hour)
	if _, err := e.svc.CompleteSetup(ctx, setup2, testPassword); err != ErrSetupTokenInvalid {
		t.Errorf("expired token: %v", err)
	}
}

func TestResetUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, secret := e.user(t, "sam@example.org", custos.RoleAnalyst, true)
	_, token, err := e.svc.SignIn(ctx, "sam@example.org", testPassword, TOTPCode(secret, e.clock()), SignInMeta{})
	if err != nil {
		t.Fatal(err)
	}
	setup, err := e.svc.ResetUser(ctx, u.ID, "st_admin")
	if err != nil {
		t.Fatal(err)
	}
	x, _ := e.store.User(ctx, u.ID)
	if x.PasswordHash != "" || x.TOTPSecret != nil || x.RecoveryCodes != nil || x.SetupTokenHash != HashToken(setup) {
		t.Errorf("after reset %+v", x)
	}
	if a := e.lastStoreAudit(t); a.Actor != "st_admin" || a.Action != custos.AuditStaffUpdated || a.ObjectID != u.ID {
		t.Errorf("audit %+v", a)
	}
	if _, _, err := e.svc.Authenticate(ctx, token); err != ErrSessionInvalid {
		t.Error("session survived the reset")
	}
	if _, _, err := e.svc.SignIn(ctx, "sam@example.org", testPassword, "", SignInMeta{}); err != ErrBadCredentials {
		t.Errorf("old password after reset: %v", err)
	}
	if _, err := e.svc.CompleteSetup(ctx, setup, "brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.SignIn(ctx, "sam@example.org", "brand new passphrase", "", SignInMeta{}); err != nil {
		t.Errorf("new password without TOTP: %v", err)
	}
	if _, err := e.svc.ResetUser(ctx, "st_nobody", ActorCLI); custos.ErrorCode(err) != custos.ENOTFOUND {
		t.Errorf("unknown account: %v", err)
	}
}

func TestDisableUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin, secret := e.user(t, "root@example.org", custos.RoleAdmin, true)
	u, _ := e.user(t, "tia@example.org", custos.RoleAnalyst, false)
	_, token, _ := e.svc.SignIn(ctx, "tia@example.org", testPassword, "", SignInMeta{})

	if err := e.svc.DisableUser(ctx, u.ID, admin.ID); err != nil {
		t.Fatal(err)
	}
	if a := e.lastStoreAudit(t); a.Actor != admin.ID || a.Action != custos.AuditStaffUpdated || a.ObjectID != u.ID {
		t.Errorf("audit %+v", a)
	}
	if _, _, err := e.svc.Authenticate(ctx, token); err != ErrSessionInvalid {
		t.Error("session survived")
	}
	if _, _, err := e.svc.SignIn(ctx, "tia@example.org", testPassword, "", SignInMeta{}); err != ErrBadCredentials {
		t.Errorf("disabled sign-in: %v", err)
	}
	updates := e.store.count("UpdateUser")
	if err := e.svc.DisableUser(ctx, u.ID, admin.ID); err != nil || e.store.count("UpdateUser") != updates {
		t.Errorf("disabling twice: %v", err)
	}

	if err := e.svc.DisableUser(ctx, admin.ID, admin.ID); err != ErrLastAdmin {
		t.Errorf("last admin: %v", err)
	}
	other, _ := e.user(t, "root2@example.org", custos.RoleAdmin, true)
	if err := e.svc.DisableUser(ctx, admin.ID, other.ID); err != nil {
		t.Errorf("admin with another left: %v", err)
	}
	if _, _, err := e.svc.SignIn(ctx, "root@example.org", testPassword, TOTPCode(secret, e.clock()), SignInMeta{}); err != ErrBadCredentials {
		t.Errorf("disabled admin: %v", err)
	}
	if err := e.svc.DisableUser(ctx, other.ID, ActorCLI); err != ErrLastAdmin {
		t.Errorf("last enabled admin: %v", err)
	}
	if _, _, err := e.svc.EnrollTOTP(ctx, u.ID); err != ErrAccountDisabled {
		t.Errorf("enrol disabled: %v", err)
	}
}

func TestConfirmTOTPErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "uma@example.org", custos.RoleAnalyst, false)
	secret, uri, err := e.svc.EnrollTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(uri, "secret="+b32.EncodeToString(secret)) {
		t.Errorf("uri %q does not carry the secret", uri)
	}
	x, _ := e.store.User(ctx, u.ID)
	if x.TOTPSecret != nil {
		t.Error("secret stored before confirmation")
	}
	for _, c := range []struct {
		secret []byte
		code   string
		field  string
	}{
		{nil, "123456", "secret"},
		{secret[:8], "123456", "secret"},
		{secret, "", "code"},
		{secret, TOTPCode(secret, e.clock().Add(-90*time.Second)), "code"},
	} {
		_, err := e.svc.ConfirmTOTP(ctx, u.ID, c.secret, c.code)
		fs := custos.ErrorFields(err)
		if len(fs) != 1 || fs[0].Field != c.field {
			t.Errorf("%v", err)
		}
		safe(t, err, c.code)
	}
	if _, err := e.svc.ConfirmTOTP(ctx, "st_nobody", secret, TOTPCode(secret, e.clock())); custos.ErrorCode(err) != custos.ENOTFOUND {
		t.Errorf("unknown account: %v", err)
	}
}

func TestSetPassword(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "val@example.org", custos.RoleAnalyst, false)
	field := func(err error) string {
		t.Helper()
		fs := custos.ErrorFields(err)
		if len(fs) != 1 {
			t.Fatalf("error %v", err)
		}
		return fs[0].Field
	}
	err := e.svc.SetPassword(ctx, u.ID, "not my password", "a fresh passphrase")
	if field(err) != "current_password" || e.store.failureCount(u.ID) != 1 {
		t.Errorf("wrong current password: %v", err)
	}
	safe(t, err, "not my password", "a fresh passphrase")
	err = e.svc.SetPassword(ctx, u.ID, testPassword, "password2024!")
	if field(err) != "new_password" {
		t.Errorf("weak new password: %v", err)
	}
	safe(t, err, testPassword, "password2024!")
	if field(e.svc.SetPassword(ctx, u.ID, testPassword, testPassword)) != "new_password" {
		t.Error("same password accepted")
	}
	if err := e.svc.SetPassword(ctx, u.ID, testPassword, "a fresh passphrase"); err != nil {
		t.Fatal(err)
	}
	if a := e.lastStoreAudit(t); a.Action != custos.AuditStaffUpdated || a.Actor != u.ID {
		t.Errorf("audit %+v", a)
	}
	if _, _, err := e.svc.SignIn(ctx, "val@example.org", testPassword, "", SignInMeta{}); err != ErrBadCredentials {
		t.Error("old password still works")
	}
	if _, _, err := e.svc.SignIn(ctx, "val@example.org", "a fresh passphrase", "", SignInMeta{}); err != nil {
		t.Errorf("new password: %v", err)
	}
	// Wrong current passwords throttle like sign-ins.
	for range 5 {
		e.svc.SetPassword(ctx, u.ID, "wrong wrong wrong", "another passphrase!")
	}
	if err := e.svc.SetPassword(ctx, u.ID, "a fresh passphrase", "another passphrase!"); field(err) != "current_password" {
		t.Errorf("while throttled: %v", err)
	}
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tk, token, err := e.svc.CreateAPIToken(ctx, "  CRM export ", custos.RolePrivacyOfficer, 30*24*time.Hour, "st_admin")
	if err != nil {
		t.Fatal(err)
	}
	if tk.Name != "CRM export" || tk.Role != custos.RolePrivacyOfficer || tk.CreatedBy != "st_admin" ||
		tk.Hash != HashToken(token) || !tk.ExpiresAt.Equal(e.clock().Add(30*24*time.Hour)) {
		t.Errorf("token %+v", tk)
	}
	if !strings.HasPrefix(token, "custos_"+tk.ID+"_") || APITokenID(token) != tk.ID {
		t.Errorf("token form %q, id %q", token, tk.ID)
	}
	if a := e.lastStoreAudit(t); a.Actor != "st_admin" || a.Action != custos.AuditTokenCreated || a.ObjectType != "api_token" || a.ObjectID != tk.ID {
		t.Errorf("audit %+v", a)
	}

	got, err := e.svc.AuthenticateAPIToken(ctx, token)
	if err != nil || got.ID != tk.ID || !got.LastUsed.Equal(e.clock()) {
		t.Fatalf("authenticate: %+v, %v", got, err)
	}
	touches := e.store.count("TouchAPIToken")
	e.advance(30 * time.Second)
	e.svc.AuthenticateAPIToken(ctx, token)
	if e.store.count("TouchAPIToken") != touches {
		t.Error("touched within the minute")
	}
	e.advance(30 * time.Second)
	e.svc.AuthenticateAPIToken(ctx, token)
	if e.store.count("TouchAPIToken") != touches+1 {
		t.Error("not touched after a minute")
	}

	forged := token[:len(token)-1] + map[bool]string{true: "b", false: "a"}[token[len(token)-1] == 'a']
	for _, bad := range []string{"", "nope", forged, strings.Replace(token, "custos_", "other_", 1), token + "a"} {
		_, err := e.svc.AuthenticateAPIToken(ctx, bad)
		if err != ErrAPITokenInvalid {
			t.Errorf("%q: %v", bad, err)
		}
		safe(t, err, bad)
	}

	if err := e.svc.RevokeAPIToken(ctx, tk.ID, "st_admin"); err != nil {
		t.Fatal(err)
	}
	if a := e.lastStoreAudit(t); a.Action != custos.AuditTokenRevoked || a.ObjectID != tk.ID {
		t.Errorf("audit %+v", a)
	}
	if _, err := e.svc.AuthenticateAPIToken(ctx, token); err != ErrAPITokenInvalid {
		t.Errorf("revoked: %v", err)
	}

	_, short, _ := e.svc.CreateAPIToken(ctx, "short", custos.RoleAnalyst, time.Hour, ActorCLI)
	e.advance(time.Hour - time.Second)
	if _, err := e.svc.AuthenticateAPIToken(ctx, short); err != nil {
		t.Errorf("before expiry: %v", err)
	}
	e.advance(time.Second)
	if _, err := e.svc.AuthenticateAPIToken(ctx, short); err != ErrAPITokenInvalid {
		t.Errorf("expired: %v", err)
	}
}

func TestCreateAPITokenValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		role   custos.Role
		ttl    time.Duration
		fields string
	}{
		{"", custos.RoleAnalyst, time.Hour, "name"},
		{"   ", custos.RoleAnalyst, time.Hour, "name"},
		{strings.Repeat("n", 101), custos.RoleAnalyst, time.Hour, "name"},
		{"tab\there", custos.RoleAnalyst, time.Hour, "name"},
		{"ok", "superuser", time.Hour, "role"},
		{"ok", custos.RoleAnalyst, time.Hour - time.Second, "ttl"},
		{"ok", custos.RoleAnalyst, 366 * 24 * time.Hour, "ttl"},
		{"ok", custos.RoleAnalyst, 0, "ttl"},
		{"", "", -time.Hour, "name,role,ttl"},
	} {
		_, _, err := e.svc.CreateAPIToken(ctx, c.name, c.role, c.ttl, ActorCLI)
		wantCode(t, err, custos.EINVALID)
		var fs []string
		for _, f := range custos.ErrorFields(err) {
			fs = append(fs, f.Field)
		}
		if strings.Join(fs, ",") != c.fields {
			t.Errorf("%q %q %v: fields %v, want %s", c.name, c.role, c.ttl, fs, c.fields)
		}
	}
	for _, ttl := range []time.Duration{time.Hour, 365 * 24 * time.Hour} {
		if _, _, err := e.svc.CreateAPIToken(ctx, strings.Repeat("n", 100), custos.RoleAdmin, ttl, ActorCLI); err != nil {
			t.Errorf("ttl %v: %v", ttl, err)
		}
	}
	if _, _, err := e.svc.CreateAPIToken(ctx, "x", custos.RoleAdmin, time.Hour, ""); err == nil {
		t.Error("no actor accepted")
	}
	if err := e.svc.RevokeAPIToken(ctx, "tk_nope", ActorCLI); custos.ErrorCode(err) != custos.ENOTFOUND {
		t.Errorf("revoke unknown: %v", err)
	}
}

func TestServiceDefaults(t *testing.T) {
	var s Service
	if s.idle() != 30*time.Minute || s.absolute() != 12*time.Hour || s.issuer() != "Custos" {
		t.Error("defaults")
	}
	if time.Since(s.now()) > time.Minute || s.now().Location() != time.UTC {
		t.Error("now")
	}
	s = Service{Idle: time.Minute, Absolute: time.Hour, Issuer: "Acme"}
	if s.idle() != time.Minute || s.absolute() != time.Hour || s.issuer() != "Acme" {
		t.Error("settings")
	}
}

func TestTruncateUTF8(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{{"abc", 5, "abc"}, {"abcdef", 3, "abc"}, {"aé", 2, "a"}, {"ééé", 5, "éé"}} {
		if got := truncateUTF8(c.s, c.n); got != c.want {
			t.Errorf("truncateUTF8(%q, %d) = %q", c.s, c.n, got)
		}
	}
}
