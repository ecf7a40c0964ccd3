package staff

import (
	"context"
	"errors"
	"testing"

	"github.com/custos-privacy/custos/internal/custos"
)

// brokenStore fails the methods named in fail.
type brokenStore struct {
	*fakeStore
	fail map[string]bool
}

var errDisk = errors.New("disk on fire")

func (b *brokenStore) UserByEmail(ctx context.Context, email string) (*custos.StaffUser, error) {
	if b.fail["UserByEmail"] {
		return nil, errDisk
	}
	return b.fakeStore.UserByEmail(ctx, email)
}

func (b *brokenStore) Session(ctx context.Context, hash string) (*custos.StaffSession, error) {
	if b.fail["Session"] {
		return nil, errDisk
	}
	return b.fakeStore.Session(ctx, hash)
}

func (b *brokenStore) DeleteUserSessions(ctx context.Context, id string) error {
	if b.fail["DeleteUserSessions"] {
		return errDisk
	}
	return b.fakeStore.DeleteUserSessions(ctx, id)
}

type brokenAudit struct{}

func (brokenAudit) AppendAudit(context.Context, *custos.AuditEntry) error { return errDisk }

func TestStoreErrorsAreNotCredentialErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "wes@example.org", custos.RoleAnalyst, false)
	_, token, _ := e.svc.SignIn(ctx, "wes@example.org", testPassword, "", SignInMeta{})
	b := &brokenStore{fakeStore: e.store, fail: map[string]bool{"UserByEmail": true, "Session": true, "DeleteUserSessions": true}}
	s := &Service{Store: b, Now: e.clock}

	_, _, err := s.SignIn(ctx, "wes@example.org", testPassword, "", SignInMeta{})
	if !errors.Is(err, errDisk) || custos.ErrorCode(err) != custos.EINTERNAL {
		t.Errorf("SignIn: %v", err)
	}
	safe(t, err, "wes@example.org", testPassword)
	if _, _, err := s.Authenticate(ctx, token); !errors.Is(err, errDisk) {
		t.Errorf("Authenticate: %v", err)
	}
	if err := s.SignOut(ctx, token); !errors.Is(err, errDisk) {
		t.Errorf("SignOut: %v", err)
	}
	if err := s.SignOutEverywhere(ctx, u.ID); !errors.Is(err, errDisk) {
		t.Errorf("SignOutEverywhere: %v", err)
	}
	if err := s.DisableUser(ctx, u.ID, ActorCLI); !errors.Is(err, errDisk) {
		t.Errorf("DisableUser: %v", err)
	}
	if _, err := s.ResetUser(ctx, u.ID, ActorCLI); !errors.Is(err, errDisk) {
		t.Errorf("ResetUser: %v", err)
	}
}

func TestNoSessionWithoutAuditRecord(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "xia@example.org", custos.RoleAnalyst, false)
	s := &Service{Store: e.store, Audit: brokenAudit{}, Now: e.clock}
	if _, _, err := s.SignIn(ctx, "xia@example.org", testPassword, "", SignInMeta{}); !errors.Is(err, errDisk) {
		t.Fatalf("SignIn: %v", err)
	}
	if ss, _ := e.store.UserSessions(ctx, u.ID); len(ss) != 0 {
		t.Error("session kept although its audit record failed")
	}
	// A failed sign-in whose record fails is an error too, not silence.
	if _, _, err := s.SignIn(ctx, "xia@example.org", "wrong wrong wrong", "", SignInMeta{}); !errors.Is(err, errDisk) {
		t.Errorf("failed sign-in: %v", err)
	}
}
