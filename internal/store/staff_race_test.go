package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/staff"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// TestStaleAccountWritesAreRefused: a write made from an account read
// before another change is refused, so a sign-in cannot undo a disable,
// and one TOTP code signs in once however many requests race with it.
func TestStaleAccountWritesAreRefused(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		svc := &staff.Service{Store: db, Audit: db, Now: func() time.Time { return now }}
		u, setup, err := svc.CreateUser(ctx, "race@example.com", custos.RolePrivacyOfficer, "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CompleteSetup(ctx, setup, "plum-Kettle-orbit-7-Tundra"); err != nil {
			t.Fatal(err)
		}

		// A stale copy cannot overwrite a disable.
		stale, err := db.User(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		fresh := *stale
		fresh.Disabled = true
		if err := db.UpdateUser(ctx, &fresh, nil); err != nil {
			t.Fatal(err)
		}
		stale.LockedUntil = time.Time{}
		if err := db.UpdateUser(ctx, stale, nil); err == nil || err.(*custos.Error).Code != custos.ECONFLICT {
			t.Fatalf("writing a stale copy: %v, want ECONFLICT", err)
		}
		if got, _ := db.User(ctx, u.ID); !got.Disabled {
			t.Fatal("a stale write undid the disable")
		}
		fresh.Disabled = false
		if err := db.UpdateUser(ctx, &fresh, nil); err != nil {
			t.Fatal(err)
		}

		// One TOTP code, eight parallel sign-ins: one session.
		secret, _, err := svc.EnrollTOTP(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ConfirmTOTP(ctx, u.ID, secret, staff.TOTPCode(secret, now)); err != nil {
			t.Fatal(err)
		}
		now = now.Add(31 * time.Second)
		code := staff.TOTPCode(secret, now)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 8 {
			wg.Go(func() {
				if _, _, err := svc.SignIn(ctx, "race@example.com", "plum-Kettle-orbit-7-Tundra", code, staff.SignInMeta{}); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Errorf("one TOTP code signed in %d times", ok)
		}
	})
}

// TestLastAdminStays: two admins disabling each other at once leave one.
func TestLastAdminStays(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &staff.Service{Store: db, Audit: db}
		var ids []string
		for _, e := range []string{"a1@example.com", "a2@example.com"} {
			u, _, err := svc.CreateUser(ctx, e, custos.RoleAdmin, "test")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		var wg sync.WaitGroup
		wg.Go(func() { svc.DisableUser(ctx, ids[0], ids[1]) })
		wg.Go(func() { svc.DisableUser(ctx, ids[1], ids[0]) })
		wg.Wait()
		users, err := db.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		enabled := 0
		for _, u := range users {
			if !u.Disabled {
				enabled++
			}
		}
		if enabled != 1 {
			t.Errorf("%d administrators left enabled, want 1", enabled)
		}
		// Nor can the last one be given another role.
		for _, u := range users {
			if !u.Disabled {
				u.Role = custos.RoleAnalyst
				if err := db.UpdateUser(ctx, u, nil); err == nil {
					t.Error("the last administrator was demoted")
				}
			}
		}
	})
}
