package staff

import (
	"context"
	"testing"

	"github.com/custos-privacy/custos/internal/custos"
)

// TestUnlockUser: an account locked by someone else's wrong guesses signs in
// again with its own password once unlocked, and the unlock is audited.
func TestUnlockUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.user(t, "locked@example.com", custos.RolePrivacyOfficer, false)
	for range 20 {
		e.svc.SignIn(ctx, "locked@example.com", "wrong password guess", "", SignInMeta{})
	}
	if _, _, err := e.svc.SignIn(ctx, "locked@example.com", testPassword, "", SignInMeta{}); err == nil {
		t.Fatal("the account is not locked after 20 failures: the unlock below would prove nothing")
	}
	if err := e.svc.UnlockUser(ctx, u.ID, "cli"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.SignIn(ctx, "locked@example.com", testPassword, "", SignInMeta{}); err != nil {
		t.Errorf("signing in after the unlock: %v", err)
	}
	if got := e.lastStoreAudit(t); got.Action != custos.AuditStaffUpdated || got.ObjectID != u.ID || got.Actor != "cli" {
		t.Errorf("unlock audited as %+v", got)
	}
}
