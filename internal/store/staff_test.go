package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// s0 is a base time on the microsecond, so that times derived from it are
// stored as they are.
var s0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func staffUser(id, email string) *custos.StaffUser {
	return &custos.StaffUser{ID: id, Email: email, Role: custos.RolePrivacyOfficer, CreatedAt: s0}
}

func entry(action, objectType, id string) *custos.AuditEntry {
	return &custos.AuditEntry{Actor: "st_admin", Action: action, ObjectType: objectType, ObjectID: id}
}

// actions returns the action and object id of every audit entry, in order.
func actions(t *testing.T, db *store.DB) []string {
	t.Helper()
	var list []string
	if err := db.AuditEntries(context.Background(), func(e *custos.AuditEntry) error {
		list = append(list, e.Action+" "+e.ObjectID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return list
}

func createUser(t *testing.T, db *store.DB, u *custos.StaffUser) {
	t.Helper()
	if err := db.CreateUser(context.Background(), u, nil); err != nil {
		t.Fatalf("CreateUser(%s): %v", u.ID, err)
	}
}

func TestStaffUsers(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		alice := &custos.StaffUser{
			ID:             "st_alice",
			Email:          "Alice@Example.ORG",
			Role:           custos.RolePrivacyOfficer,
			SetupTokenHash: "setup-alice",
			SetupExpires:   t0.Add(24 * time.Hour), // nanoseconds and a zone
			CreatedAt:      t0,
		}
		created := entry(custos.AuditStaffCreated, "staff", "st_alice")
		if err := db.CreateUser(ctx, alice, created); err != nil {
			t.Fatal(err)
		}
		want := custos.StaffUser{
			ID:             "st_alice",
			Email:          "alice@example.org",
			Role:           custos.RolePrivacyOfficer,
			SetupTokenHash: "setup-alice",
			SetupExpires:   t0.Add(24 * time.Hour).UTC().Truncate(time.Microsecond),
			CreatedAt:      t0.UTC().Truncate(time.Microsecond),
			UpdatedAt:      t0.UTC().Truncate(time.Microsecond),
		}
		if diff := cmp.Diff(&want, alice, exact); diff != "" {
			t.Errorf("CreateUser set (-want +got):\n%s", diff)
		}
		if created.Seq != 1 || created.Hash == "" {
			t.Errorf("CreateUser left its audit entry unsealed: %+v", created)
		}

		for name, get := range map[string]func() (*custos.StaffUser, error){
			"User":             func() (*custos.StaffUser, error) { return db.User(ctx, "st_alice") },
			"UserByEmail":      func() (*custos.StaffUser, error) { return db.UserByEmail(ctx, "ALICE@example.org") },
			"UserBySetupToken": func() (*custos.StaffUser, error) { return db.UserBySetupToken(ctx, "setup-alice") },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if diff := cmp.Diff(&want, got, exact); diff != "" {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
		}

		// Two accounts without a set-up token (NULL) do not collide; the
		// second factor and recovery codes round-trip.
		carol := staffUser("st_carol", "carol@example.org")
		createUser(t, db, carol)
		bob := staffUser("st_bob", "bob@example.org")
		bob.TOTPSecret = []byte{0, 1, 2, 0xff}
		bob.TOTPLastStep = 59_000_001
		bob.RecoveryCodes = []string{"aa", "bb"}
		bob.Disabled = true
		bob.LockedUntil = s0.Add(time.Hour)
		bob.UpdatedAt = s0.Add(time.Minute)
		createUser(t, db, bob)
		got, err := db.User(ctx, "st_bob")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(bob, got, exact); diff != "" {
			t.Errorf("User(bob) (-created +read):\n%s", diff)
		}

		users, err := db.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*custos.StaffUser{&want, bob, carol}, users, exact); diff != "" {
			t.Errorf("Users, by e-mail (-want +got):\n%s", diff)
		}

		// The address is taken whatever its case; so is the id. Neither
		// refusal writes an audit entry.
		dup := staffUser("st_other", "ALICE@example.org")
		wantCode(t, db.CreateUser(ctx, dup, entry(custos.AuditStaffCreated, "staff", "st_other")), custos.ECONFLICT)
		wantCode(t, db.CreateUser(ctx, staffUser("st_bob", "new@example.org"), nil), custos.ECONFLICT)
		if dup.Email != "ALICE@example.org" {
			t.Errorf("a refused CreateUser changed its input: %q", dup.Email)
		}
		if _, err := db.User(ctx, "st_other"); custos.ErrorCode(err) != custos.ENOTFOUND {
			t.Errorf("the refused account was stored: %v", err)
		}

		for _, tc := range []struct {
			name string
			err  error
		}{
			{"User", func() error { _, err := db.User(ctx, "st_nobody"); return err }()},
			{"UserByEmail", func() error { _, err := db.UserByEmail(ctx, "nobody@example.org"); return err }()},
			{"UserBySetupToken", func() error { _, err := db.UserBySetupToken(ctx, "nope"); return err }()},
			{"UserBySetupToken empty", func() error { _, err := db.UserBySetupToken(ctx, ""); return err }()},
		} {
			if custos.ErrorCode(tc.err) != custos.ENOTFOUND {
				t.Errorf("%s: %v, want ENOTFOUND", tc.name, tc.err)
			}
		}
		err = db.CreateUser(ctx, &custos.StaffUser{Role: "boss"}, nil)
		wantCode(t, err, custos.EINVALID)
		var fields []string
		for _, f := range custos.ErrorFields(err) {
			fields = append(fields, f.Field)
		}
		if diff := cmp.Diff([]string{"id", "email", "role"}, fields); diff != "" {
			t.Errorf("invalid fields (-want +got):\n%s", diff)
		}

		// Set-up: a password and a second factor, the link used up.
		u, err := db.User(ctx, "st_alice")
		if err != nil {
			t.Fatal(err)
		}
		u.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
		u.TOTPSecret = []byte("12345678901234567890")
		u.TOTPLastStep = 7
		u.RecoveryCodes = []string{"c1", "c2", "c3"}
		u.SetupTokenHash, u.SetupExpires = "", time.Time{}
		u.Role = custos.RoleAuditor
		u.CreatedAt = s0 // ignored: the creation time stays
		u.UpdatedAt = s0.Add(2 * time.Hour).In(paris)
		updated := entry(custos.AuditStaffUpdated, "staff", "st_alice")
		if err := db.UpdateUser(ctx, u, updated); err != nil {
			t.Fatal(err)
		}
		if u.UpdatedAt != s0.Add(2*time.Hour) || u.CreatedAt != want.CreatedAt {
			t.Errorf("UpdateUser set UpdatedAt %v, CreatedAt %v; want %v and %v", u.UpdatedAt, u.CreatedAt, s0.Add(2*time.Hour), want.CreatedAt)
		}
		if updated.Seq != 2 || updated.PrevHash != created.Hash {
			t.Errorf("UpdateUser's audit entry %+v does not follow %+v", updated, created)
		}
		got, err = db.UserByEmail(ctx, "alice@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u, got, exact); diff != "" {
			t.Errorf("after UpdateUser (-updated +read):\n%s", diff)
		}
		if _, err := db.UserBySetupToken(ctx, "setup-alice"); custos.ErrorCode(err) != custos.ENOTFOUND {
			t.Errorf("the used set-up token still finds the account: %v", err)
		}

		// Dropping the recovery codes and the second factor; no UpdatedAt
		// means now.
		u.RecoveryCodes, u.TOTPSecret, u.UpdatedAt = []string{}, []byte{}, time.Time{}
		before := time.Now().UTC().Truncate(time.Microsecond)
		if err := db.UpdateUser(ctx, u, nil); err != nil {
			t.Fatal(err)
		}
		got, err = db.User(ctx, "st_alice")
		if err != nil {
			t.Fatal(err)
		}
		if got.RecoveryCodes != nil || got.TOTPSecret != nil {
			t.Errorf("codes %v and secret %v, want nil", got.RecoveryCodes, got.TOTPSecret)
		}
		if got.UpdatedAt.Before(before) || got.UpdatedAt.After(time.Now()) || got.UpdatedAt != u.UpdatedAt {
			t.Errorf("UpdatedAt = %v (set in u: %v), want the time of the update", got.UpdatedAt, u.UpdatedAt)
		}

		// Another account's address, in any case, is refused and nothing
		// changes; a free one is taken, lowercased.
		stored, _ := db.User(ctx, "st_alice")
		clash := *stored
		clash.Email = "BOB@example.org"
		clash.Role = custos.RoleAdmin
		wantCode(t, db.UpdateUser(ctx, &clash, entry(custos.AuditStaffUpdated, "staff", "st_alice")), custos.ECONFLICT)
		if got, _ := db.User(ctx, "st_alice"); !cmp.Equal(stored, got, exact) {
			t.Errorf("a refused UpdateUser changed the account: %+v", got)
		}
		moved := *stored
		moved.Email = "Alice.New@Example.org"
		if err := db.UpdateUser(ctx, &moved, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UserByEmail(ctx, "alice@example.org"); custos.ErrorCode(err) != custos.ENOTFOUND {
			t.Errorf("the old address still finds the account: %v", err)
		}
		if got, err := db.UserByEmail(ctx, "alice.new@example.org"); err != nil || got.ID != "st_alice" {
			t.Errorf("UserByEmail(new address) = %v, %v", got, err)
		}

		gone := staffUser("st_gone", "gone@example.org")
		wantCode(t, db.UpdateUser(ctx, gone, entry(custos.AuditStaffUpdated, "staff", "st_gone")), custos.ENOTFOUND)

		if diff := cmp.Diff([]string{"staff.created st_alice", "staff.updated st_alice"}, actions(t, db)); diff != "" {
			t.Errorf("audit entries (-want +got):\n%s", diff)
		}
		verify(t, db, 2)
	})
}

func TestSignInFailures(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		createUser(t, db, staffUser("st_a", "a@example.org"))
		createUser(t, db, staffUser("st_b", "b@example.org"))
		fail := func(id string, at time.Time) int {
			t.Helper()
			n, err := db.RecordSignInFailure(ctx, id, at)
			if err != nil {
				t.Fatalf("RecordSignInFailure(%s, %v): %v", id, at, err)
			}
			return n
		}
		steps := []struct {
			id   string
			at   time.Duration
			want int
		}{
			{"st_a", 0, 1},
			{"st_a", 10 * time.Minute, 2},
			{"st_b", 20 * time.Minute, 1}, // another account counts apart
			{"st_a", 59 * time.Minute, 3},
			{"st_a", 60 * time.Minute, 4}, // the one at 0 is exactly an hour old: still counted
			{"st_a", 61 * time.Minute, 4}, // now it is not
			{"st_a", 3 * time.Hour, 1},
		}
		for _, s := range steps {
			if n := fail(s.id, s0.Add(s.at)); n != s.want {
				t.Errorf("failure of %s at +%v: %d in the last hour, want %d", s.id, s.at, n, s.want)
			}
		}
		// Older failures, of every account, were forgotten.
		var rows int
		if err := db.ReadSQL().QueryRowContext(ctx, `SELECT count(*) FROM staff_sign_in_failures`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 1 {
			t.Errorf("%d failure rows kept, want 1", rows)
		}

		fail("st_b", s0.Add(3*time.Hour))
		if err := db.ClearSignInFailures(ctx, "st_a"); err != nil {
			t.Fatal(err)
		}
		if n := fail("st_a", s0.Add(3*time.Hour+time.Minute)); n != 1 {
			t.Errorf("after ClearSignInFailures: %d, want 1", n)
		}
		if n := fail("st_b", s0.Add(3*time.Hour+time.Minute)); n != 2 {
			t.Errorf("ClearSignInFailures of another account cleared b's: %d, want 2", n)
		}
		if err := db.ClearSignInFailures(ctx, "st_nobody"); err != nil {
			t.Errorf("ClearSignInFailures of no account: %v", err)
		}
		_, err := db.RecordSignInFailure(ctx, "st_nobody", s0)
		wantCode(t, err, custos.ENOTFOUND)
		verify(t, db, 0)
	})
}

func TestSessions(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		createUser(t, db, staffUser("st_a", "a@example.org"))
		createUser(t, db, staffUser("st_b", "b@example.org"))
		session := func(hash, user string, created, expires time.Duration) *custos.StaffSession {
			t.Helper()
			s := &custos.StaffSession{TokenHash: hash, UserID: user, CreatedAt: s0.Add(created), ExpiresAt: s0.Add(expires),
				UserAgent: "Firefox/140", IPPrefix: "192.0.2.0"}
			if err := db.CreateSession(ctx, s); err != nil {
				t.Fatalf("CreateSession(%s): %v", hash, err)
			}
			return s
		}
		get := func(hash string) *custos.StaffSession {
			t.Helper()
			s, err := db.Session(ctx, hash)
			if err != nil {
				t.Fatalf("Session(%s): %v", hash, err)
			}
			return s
		}
		s1 := session("h1", "st_a", 0, 12*time.Hour)
		if s1.LastSeen != s0 {
			t.Errorf("LastSeen = %v, want CreatedAt", s1.LastSeen)
		}
		if diff := cmp.Diff(s1, get("h1"), exact); diff != "" {
			t.Errorf("Session (-created +read):\n%s", diff)
		}
		s2 := session("h2", "st_a", time.Minute, time.Hour)
		session("h3", "st_b", 2*time.Minute, 12*time.Hour)
		session("h4", "st_b", 3*time.Minute, 12*time.Hour)

		// A long User-Agent is cut to 200 bytes, on a character boundary.
		long := &custos.StaffSession{TokenHash: "h5", UserID: "st_b", CreatedAt: s0, ExpiresAt: s0.Add(time.Hour),
			UserAgent: "x" + strings.Repeat("é", 150)}
		if err := db.CreateSession(ctx, long); err != nil {
			t.Fatal(err)
		}
		if ua := get("h5").UserAgent; len(ua) > 200 || !utf8.ValidString(ua) || !strings.HasPrefix(long.UserAgent, ua) || len(ua) < 199 {
			t.Errorf("stored User-Agent of %d bytes (valid UTF-8: %v)", len(ua), utf8.ValidString(ua))
		}
		if err := db.DeleteSession(ctx, "h5"); err != nil {
			t.Fatal(err)
		}

		wantCode(t, db.CreateSession(ctx, &custos.StaffSession{TokenHash: "h1", UserID: "st_b", ExpiresAt: s0}), custos.ECONFLICT)
		wantCode(t, db.CreateSession(ctx, &custos.StaffSession{TokenHash: "h9", UserID: "st_nobody", ExpiresAt: s0}), custos.ENOTFOUND)
		wantCode(t, db.CreateSession(ctx, &custos.StaffSession{}), custos.EINVALID)
		_, err := db.Session(ctx, "h9")
		wantCode(t, err, custos.ENOTFOUND)

		list, err := db.UserSessions(ctx, "st_a")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*custos.StaffSession{s2, s1}, list, exact); diff != "" {
			t.Errorf("UserSessions, newest first (-want +got):\n%s", diff)
		}
		if list, err := db.UserSessions(ctx, "st_nobody"); err != nil || list == nil || len(list) != 0 {
			t.Errorf("UserSessions(nobody) = %v, %v; want an empty slice", list, err)
		}

		if err := db.TouchSession(ctx, "h1", s0.Add(50*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.TouchSession(ctx, "h4", s0.Add(60*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := get("h1").LastSeen; got != s0.Add(50*time.Minute) {
			t.Errorf("LastSeen after TouchSession = %v", got)
		}
		if err := db.TouchSession(ctx, "h9", s0); err != nil {
			t.Errorf("TouchSession of a session that is gone: %v", err)
		}
		if _, err := db.Session(ctx, "h9"); custos.ErrorCode(err) != custos.ENOTFOUND {
			t.Errorf("TouchSession created a session: %v", err)
		}

		// At +61m with a 30-minute idle limit: h2 is past its absolute end,
		// h3 unused since +2m; h1 (used at +50m) and h4 (+60m) stay.
		expire := func(now time.Time, idle time.Duration, want int, left ...string) {
			t.Helper()
			n, err := db.DeleteExpiredSessions(ctx, now, idle)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("DeleteExpiredSessions(%v, %v) = %d, want %d", now, idle, n, want)
			}
			var hashes []string
			for _, u := range []string{"st_a", "st_b"} {
				list, err := db.UserSessions(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range list {
					hashes = append(hashes, s.TokenHash)
				}
			}
			if diff := cmp.Diff(left, hashes); diff != "" {
				t.Errorf("sessions left (-want +got):\n%s", diff)
			}
		}
		expire(s0.Add(61*time.Minute), 30*time.Minute, 2, "h1", "h4")
		expire(s0.Add(61*time.Minute), 30*time.Minute, 0, "h1", "h4")
		// Ending exactly now is not before now; no idle limit keeps h1,
		// unused for hours.
		expire(s0.Add(12*time.Hour), 0, 0, "h1", "h4")
		expire(s0.Add(12*time.Hour+time.Microsecond), 0, 2)

		session("h6", "st_a", 0, 12*time.Hour)
		session("h7", "st_a", time.Minute, 12*time.Hour)
		s8 := session("h8", "st_b", 0, 12*time.Hour)
		if err := db.DeleteSession(ctx, "h6"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteSession(ctx, "h6"); err != nil {
			t.Errorf("deleting a deleted session: %v", err)
		}
		_, err = db.Session(ctx, "h6")
		wantCode(t, err, custos.ENOTFOUND)
		if err := db.DeleteUserSessions(ctx, "st_a"); err != nil {
			t.Fatal(err)
		}
		if list, _ := db.UserSessions(ctx, "st_a"); len(list) != 0 {
			t.Errorf("%d sessions left after DeleteUserSessions", len(list))
		}
		if list, _ := db.UserSessions(ctx, "st_b"); !cmp.Equal([]*custos.StaffSession{s8}, list, exact) {
			t.Errorf("another user's sessions: %v", list)
		}
		verify(t, db, 0)
	})
}

func TestAPITokens(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		token := func(id, hash string, created time.Duration) *custos.APIToken {
			t.Helper()
			tk := &custos.APIToken{ID: id, Name: "shop backend " + id, Role: custos.RolePrivacyOfficer, Hash: hash,
				CreatedBy: "st_admin", CreatedAt: s0.Add(created), ExpiresAt: s0.AddDate(1, 0, 0)}
			e := entry(custos.AuditTokenCreated, "api_token", id)
			if err := db.CreateAPIToken(ctx, tk, e); err != nil {
				t.Fatalf("CreateAPIToken(%s): %v", id, err)
			}
			if e.Seq == 0 {
				t.Errorf("CreateAPIToken(%s) left its audit entry unsealed", id)
			}
			return tk
		}
		t1 := token("tk_1", "hash1", 0)
		t2 := token("tk_2", "hash2", time.Hour)

		wantCode(t, db.CreateAPIToken(ctx, &custos.APIToken{ID: "tk_3", Role: custos.RoleAnalyst, Hash: "hash1"}, entry(custos.AuditTokenCreated, "api_token", "tk_3")), custos.ECONFLICT)
		wantCode(t, db.CreateAPIToken(ctx, &custos.APIToken{ID: "tk_1", Role: custos.RoleAnalyst, Hash: "hash3"}, nil), custos.ECONFLICT)
		wantCode(t, db.CreateAPIToken(ctx, &custos.APIToken{ID: "tk_4", Role: "root", Hash: "hash4"}, nil), custos.EINVALID)

		got, err := db.APITokenByHash(ctx, "hash1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(t1, got, exact); diff != "" {
			t.Errorf("APITokenByHash (-created +read):\n%s", diff)
		}
		_, err = db.APITokenByHash(ctx, "nope")
		wantCode(t, err, custos.ENOTFOUND)

		list, err := db.APITokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*custos.APIToken{t2, t1}, list, exact); diff != "" {
			t.Errorf("APITokens, newest first (-want +got):\n%s", diff)
		}

		if err := db.TouchAPIToken(ctx, "tk_1", s0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.TouchAPIToken(ctx, "tk_9", s0); err != nil {
			t.Errorf("TouchAPIToken of no token: %v", err)
		}

		revoked := entry(custos.AuditTokenRevoked, "api_token", "tk_1")
		if err := db.RevokeAPIToken(ctx, "tk_1", revoked); err != nil {
			t.Fatal(err)
		}
		if revoked.Seq != 3 {
			t.Errorf("revocation entry %+v, want seq 3", revoked)
		}
		got, err = db.APITokenByHash(ctx, "hash1")
		if err != nil {
			t.Fatal(err)
		}
		want := *t1
		want.Revoked, want.LastUsed = true, s0.Add(2*time.Hour)
		if diff := cmp.Diff(&want, got, exact); diff != "" {
			t.Errorf("after touch and revoke (-want +got):\n%s", diff)
		}
		// Revoking again changes nothing and records nothing.
		again := entry(custos.AuditTokenRevoked, "api_token", "tk_1")
		if err := db.RevokeAPIToken(ctx, "tk_1", again); err != nil {
			t.Errorf("revoking a revoked token: %v", err)
		}
		if again.Seq != 0 {
			t.Errorf("revoking a revoked token appended %+v", again)
		}
		wantCode(t, db.RevokeAPIToken(ctx, "tk_9", entry(custos.AuditTokenRevoked, "api_token", "tk_9")), custos.ENOTFOUND)
		if got, _ := db.APITokenByHash(ctx, "hash2"); got.Revoked {
			t.Error("revoking one token revoked another")
		}

		want3 := []string{"api_token.created tk_1", "api_token.created tk_2", "api_token.revoked tk_1"}
		if diff := cmp.Diff(want3, actions(t, db)); diff != "" {
			t.Errorf("audit entries (-want +got):\n%s", diff)
		}
		verify(t, db, 3)
	})
}

// TestStaffWritesInBatch queues staff writes, consents and a bare audit
// entry behind a held writer, so that they share one transaction: the
// entries are chained in queue order, and a refusal (a taken e-mail
// address) fails alone without an entry.
func TestStaffWritesInBatch(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		createUser(t, db, staffUser("st_a", "a@example.org"))

		release := db.HoldWriter()
		var (
			wg                                   sync.WaitGroup
			errC1, errDup, errAudit, errC2, errB error
			failures                             int
			failErr                              error
		)
		queue(t, db, &wg, func() { _, _, errC1 = db.RecordConsent(ctx, consent("c1", "demo", "alice", t0), nil) })
		queue(t, db, &wg, func() {
			errDup = db.CreateUser(ctx, staffUser("st_x", "A@example.org"), entry(custos.AuditStaffCreated, "staff", "st_x"))
		})
		queue(t, db, &wg, func() {
			errB = db.CreateUser(ctx, staffUser("st_b", "b@example.org"), entry(custos.AuditStaffCreated, "staff", "st_b"))
		})
		queue(t, db, &wg, func() { failures, failErr = db.RecordSignInFailure(ctx, "st_a", s0) })
		queue(t, db, &wg, func() { errAudit = db.AppendAudit(ctx, entry(custos.AuditRecordViewed, "consent", "c1")) })
		queue(t, db, &wg, func() { _, _, errC2 = db.RecordConsent(ctx, consent("c2", "demo", "bob", t0), nil) })
		release()
		wg.Wait()
		wantCode(t, errDup, custos.ECONFLICT)
		for name, err := range map[string]error{"c1": errC1, "st_b": errB, "audit": errAudit, "c2": errC2, "failure": failErr} {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if failures != 1 {
			t.Errorf("RecordSignInFailure = %d, want 1", failures)
		}
		want := []string{"consent.recorded c1", "staff.created st_b", "record.viewed c1", "consent.recorded c2"}
		if diff := cmp.Diff(want, actions(t, db)); diff != "" {
			t.Errorf("audit entries (-want +got):\n%s", diff)
		}

		// A statement that fails (a consent id recorded twice) rolls the
		// batch back; its writes are redone one by one, and a staff write
		// redone counts once.
		release = db.HoldWriter()
		var errAgain, errC error
		queue(t, db, &wg, func() { _, _, errAgain = db.RecordConsent(ctx, consent("c1", "demo", "alice", t0), nil) })
		queue(t, db, &wg, func() { failures, failErr = db.RecordSignInFailure(ctx, "st_a", s0.Add(time.Minute)) })
		queue(t, db, &wg, func() {
			errC = db.CreateUser(ctx, staffUser("st_c", "c@example.org"), entry(custos.AuditStaffCreated, "staff", "st_c"))
		})
		release()
		wg.Wait()
		wantCode(t, errAgain, custos.ECONFLICT)
		if failErr != nil || failures != 2 {
			t.Errorf("RecordSignInFailure in a redone batch = %d, %v; want 2", failures, failErr)
		}
		if errC != nil {
			t.Errorf("CreateUser in a redone batch: %v", errC)
		}
		if diff := cmp.Diff(append(want, "staff.created st_c"), actions(t, db)); diff != "" {
			t.Errorf("audit entries (-want +got):\n%s", diff)
		}
		verify(t, db, 5)
	})
}

// TestStaffCancelled checks that a caller who stops waiting gets its
// context's error, and that its input is not touched afterwards.
func TestStaffCancelled(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		release := db.HoldWriter()
		ctx, cancel := context.WithCancel(context.Background())
		u := staffUser("st_a", "A@example.org")
		var (
			wg  sync.WaitGroup
			err error
		)
		queue(t, db, &wg, func() { err = db.CreateUser(ctx, u, entry(custos.AuditStaffCreated, "staff", "st_a")) })
		cancel()
		wg.Wait()
		release()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("CreateUser with a cancelled context = %v", err)
		}
		if u.Email != "A@example.org" {
			t.Errorf("input changed: %q", u.Email)
		}
		// Its batch started after the caller left: nothing was written.
		if _, err := db.User(context.Background(), "st_a"); custos.ErrorCode(err) != custos.ENOTFOUND {
			t.Errorf("User = %v, want ENOTFOUND", err)
		}
		verify(t, db, 0)
	})
}

// ledger records the consents the report tests search: two sites, a late
// arrival, and two consents issued in the same microsecond.
func ledger(t *testing.T, db *store.DB) map[string]*custos.Consent {
	t.Helper()
	m := map[string]*custos.Consent{}
	for _, c := range []struct {
		id, site, subject string
		at                time.Duration
	}{
		{"a2", "demo", "alice", time.Hour},
		{"b1", "demo", "bob", 2 * time.Hour},
		{"a1", "demo", "alice", 0}, // recorded late
		{"s1", "shop", "alice", 3 * time.Hour},
		{"s2", "shop", "carol", 4 * time.Hour},
		{"tie1", "demo", "dave", 5 * time.Hour},
		{"tie2", "demo", "dave", 5 * time.Hour},
	} {
		m[c.id] = record(t, db, consent(c.id, c.site, c.subject, s0.Add(c.at)))
	}
	return m
}

func ids(list []*custos.Consent) []string {
	out := []string{}
	for _, c := range list {
		out = append(out, c.ID)
	}
	return out
}

func TestSearchConsents(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := ledger(t, db)
		h := func(d time.Duration) time.Time { return s0.Add(d) }
		cases := []struct {
			name string
			q    custos.ConsentQuery
			want []string
		}{
			{"all", custos.ConsentQuery{}, []string{"tie2", "tie1", "s2", "s1", "b1", "a2", "a1"}},
			{"subject on every site", custos.ConsentQuery{Subject: "alice"}, []string{"s1", "a2", "a1"}},
			{"subject on one site", custos.ConsentQuery{Site: "demo", Subject: "alice"}, []string{"a2", "a1"}},
			{"unknown subject", custos.ConsentQuery{Subject: "zoe"}, []string{}},
			{"id", custos.ConsentQuery{ID: "b1"}, []string{"b1"}},
			{"id and another subject", custos.ConsentQuery{ID: "b1", Subject: "alice"}, []string{}},
			{"unknown id", custos.ConsentQuery{ID: "nope"}, []string{}},
			{"site", custos.ConsentQuery{Site: "shop"}, []string{"s2", "s1"}},
			{"period", custos.ConsentQuery{From: h(time.Hour), To: h(3 * time.Hour)}, []string{"b1", "a2"}},
			{"from", custos.ConsentQuery{From: h(4 * time.Hour)}, []string{"tie2", "tie1", "s2"}},
			{"to", custos.ConsentQuery{To: h(time.Hour)}, []string{"a1"}},
			{"site and period", custos.ConsentQuery{Site: "demo", From: h(time.Hour)}, []string{"tie2", "tie1", "b1", "a2"}},
			{"subject and period", custos.ConsentQuery{Subject: "alice", To: h(3 * time.Hour)}, []string{"a2", "a1"}},
			// Bounds between two microseconds: From after a2 leaves it out,
			// To after it takes it in.
			{"from within a microsecond", custos.ConsentQuery{From: h(time.Hour).Add(time.Nanosecond)}, []string{"tie2", "tie1", "s2", "s1", "b1"}},
			{"to within a microsecond", custos.ConsentQuery{To: h(time.Hour).Add(time.Nanosecond)}, []string{"a2", "a1"}},
			{"bounds in another zone", custos.ConsentQuery{From: h(2 * time.Hour).In(paris), To: h(3 * time.Hour).In(paris)}, []string{"b1"}},
			{"empty period", custos.ConsentQuery{From: h(3 * time.Hour), To: h(time.Hour)}, []string{}},
			{"limit", custos.ConsentQuery{Limit: 3}, []string{"tie2", "tie1", "s2"}},
			{"next page", custos.ConsentQuery{Limit: 3, Before: "s2"}, []string{"s1", "b1", "a2"}},
			{"last page", custos.ConsentQuery{Limit: 3, Before: "a2"}, []string{"a1"}},
			{"after the last page", custos.ConsentQuery{Before: "a1"}, []string{}},
			{"page within a tie", custos.ConsentQuery{Limit: 1, Before: "tie2"}, []string{"tie1"}},
			{"page with filters", custos.ConsentQuery{Subject: "alice", Limit: 1, Before: "s1"}, []string{"a2"}},
			{"page of a site", custos.ConsentQuery{Site: "demo", Before: "s1"}, []string{"b1", "a2", "a1"}},
		}
		for _, tc := range cases {
			got, err := db.SearchConsents(ctx, tc.q)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}
		// The rows are the ledger's, whole.
		got, err := db.SearchConsents(ctx, custos.ConsentQuery{ID: "a1"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*custos.Consent{m["a1"]}, got, exact); diff != "" {
			t.Errorf("row (-recorded +searched):\n%s", diff)
		}

		// Paging through everything one row at a time visits each once.
		var paged []string
		q := custos.ConsentQuery{Limit: 1}
		for range 10 {
			page, err := db.SearchConsents(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			paged = append(paged, page[0].ID)
			q.Before = page[0].ID
		}
		if diff := cmp.Diff(cases[0].want, paged); diff != "" {
			t.Errorf("paged one by one (-want +got):\n%s", diff)
		}

		_, err = db.SearchConsents(ctx, custos.ConsentQuery{Before: "nope"})
		wantCode(t, err, custos.EINVALID)
		_, err = db.SearchConsents(ctx, custos.ConsentQuery{Limit: -1})
		wantCode(t, err, custos.EINVALID)
	})
}

func TestSearchConsentsDefaultLimit(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range store.DefaultSearchLimit + 5 {
			wg.Go(func() {
				if _, _, err := db.RecordConsent(ctx, consent(fmt.Sprintf("d%03d", i), "demo", "s", s0.Add(time.Duration(i)*time.Second)), nil); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, err := db.SearchConsents(ctx, custos.ConsentQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != store.DefaultSearchLimit {
			t.Fatalf("%d rows, want %d", len(got), store.DefaultSearchLimit)
		}
		if first, last := got[0].ID, got[len(got)-1].ID; first != "d104" || last != "d005" {
			t.Errorf("rows %s … %s, want d104 … d005", first, last)
		}
	})
}

func TestWalkConsents(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := ledger(t, db)
		walk := func(site string, from, to time.Time) []*custos.Consent {
			t.Helper()
			var list []*custos.Consent
			if err := db.WalkConsents(ctx, site, from, to, func(c *custos.Consent) error {
				list = append(list, c)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return list
		}
		all := walk("", time.Time{}, time.Time{})
		var want []*custos.Consent
		for _, id := range []string{"a1", "a2", "b1", "s1", "s2", "tie1", "tie2"} {
			want = append(want, m[id])
		}
		if diff := cmp.Diff(want, all, exact); diff != "" {
			t.Errorf("whole ledger in issue order (-want +got):\n%s", diff)
		}
		h := func(d time.Duration) time.Time { return s0.Add(d) }
		for _, tc := range []struct {
			site     string
			from, to time.Time
			want     []string
		}{
			{"demo", time.Time{}, time.Time{}, []string{"a1", "a2", "b1", "tie1", "tie2"}},
			{"shop", time.Time{}, time.Time{}, []string{"s1", "s2"}},
			{"", h(time.Hour), h(4 * time.Hour), []string{"a2", "b1", "s1"}},
			{"demo", h(time.Hour), h(5 * time.Hour), []string{"a2", "b1"}},
			{"demo", h(2 * time.Hour), time.Time{}, []string{"b1", "tie1", "tie2"}},
			{"", time.Time{}, h(time.Hour), []string{"a1"}},
			{"", h(5 * time.Hour), h(5*time.Hour + time.Microsecond), []string{"tie1", "tie2"}},
			{"", h(6 * time.Hour), time.Time{}, nil},
			{"nowhere", time.Time{}, time.Time{}, nil},
		} {
			var got []string
			for _, c := range walk(tc.site, tc.from, tc.to) {
				got = append(got, c.ID)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("WalkConsents(%q, %v, %v) (-want +got):\n%s", tc.site, tc.from, tc.to, diff)
			}
		}

		stop := errors.New("stop")
		calls := 0
		err := db.WalkConsents(ctx, "", time.Time{}, time.Time{}, func(*custos.Consent) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("WalkConsents with a failing fn: %v after %d calls", err, calls)
		}
	})
}

// TestMigrateStaffOnExistingData migrates a database that an earlier
// release (0001 only) filled, as an upgrade would.
func TestMigrateStaffOnExistingData(t *testing.T) {
	storetest.Configs(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		db, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if applied, err := db.MigrateTo(ctx, "0001_init"); err != nil || !cmp.Equal([]string{"0001_init"}, applied) {
			t.Fatalf("MigrateTo(0001_init) = %v, %v", applied, err)
		}
		for i := range 20 {
			record(t, db, consent(fmt.Sprintf("old%02d", i), "demo", fmt.Sprintf("s%d", i%4), s0.Add(time.Duration(i)*time.Minute)))
		}
		applied, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(allMigrations[1:], applied); diff != "" {
			t.Errorf("upgrade applied (-want +got):\n%s", diff)
		}
		got, err := db.SearchConsents(ctx, custos.ConsentQuery{Subject: "s1", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"old17", "old13"}, ids(got)); diff != "" {
			t.Errorf("search after the upgrade (-want +got):\n%s", diff)
		}
		if err := db.CreateUser(ctx, staffUser("st_a", "a@example.org"), entry(custos.AuditStaffCreated, "staff", "st_a")); err != nil {
			t.Fatal(err)
		}
		verify(t, db, 21)
	})
}
