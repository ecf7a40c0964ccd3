package store_test

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/connector/webhook"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

var _ webhook.ReplayGuard = (*store.DB)(nil)

// TestReplays: a key is seen while remembered; once its until has passed it
// counts as not seen and is recorded again; only its hash is stored.
func TestReplays(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := t0
		key := webhook.ReplayKey("cb-1", now)
		until := now.Add(webhook.DefaultTolerance)
		seen := func(key string, until, now time.Time, want bool) {
			t.Helper()
			got, err := db.SeenAt(ctx, key, until, now)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("SeenAt(%q, until %s, at %s) = %v, want %v", key, until.Format(time.TimeOnly), now.Format(time.TimeOnly), got, want)
			}
		}
		seen(key, until, now, false)
		seen(key, until, now, true)
		seen(key, until, now.Add(time.Minute), true)
		seen(key, until, until.Add(-time.Microsecond), true)
		seen(webhook.ReplayKey("cb-2", now), until, now, false)
		seen(webhook.ReplayKey("cb-1", now.Add(time.Second)), until, now, false)

		// At until the key is forgotten: recorded again, with the new until.
		later := until.Add(webhook.DefaultTolerance)
		seen(key, later, until, false)
		seen(key, later, until, true)
		seen(key, later, later.Add(-time.Microsecond), true)

		var n int
		var hash string
		if err := db.ReadSQL().QueryRowContext(ctx, `SELECT count(*), min(key_hash) FROM webhook_replays`).Scan(&n, &hash); err != nil {
			t.Fatal(err)
		}
		if n != 3 || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(hash) {
			t.Errorf("webhook_replays: %d rows, a key stored as %q; want 3, hex SHA-256", n, hash)
		}

		// Seen, the ReplayGuard, is SeenAt at the process's clock.
		now = time.Now()
		key = webhook.ReplayKey("cb-now", now)
		for i, want := range []bool{false, true} {
			if got, err := db.Seen(ctx, key, now.Add(webhook.DefaultTolerance)); err != nil || got != want {
				t.Errorf("Seen, call %d: %v, %v; want %v", i+1, got, err, want)
			}
		}
	})
}

// TestReplaysConcurrent: of many calls at once with one key, from two
// stores on one database (two nodes), exactly one finds it not seen, also
// when the key's earlier record has expired.
func TestReplaysConcurrent(t *testing.T) {
	storetest.Configs(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		var dbs [2]*store.DB
		for i := range dbs {
			db, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			dbs[i] = db
		}
		now := t0
		until := now.Add(webhook.DefaultTolerance)
		race := func(what string, until, now time.Time) {
			t.Helper()
			const n = 40
			var (
				wg    sync.WaitGroup
				mu    sync.Mutex
				fresh int
			)
			for i := range n {
				wg.Go(func() {
					seen, err := dbs[i%2].SeenAt(ctx, "cb-race@1", until, now)
					if err != nil {
						t.Error(err)
						return
					}
					if !seen {
						mu.Lock()
						fresh++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if fresh != 1 {
				t.Errorf("%s: %d of %d concurrent calls found the key not seen, want 1", what, fresh, n)
			}
		}
		race("a new key", until, now)
		race("an expired key", until.Add(webhook.DefaultTolerance), until)
	})
}

// TestDeleteReplays: the sweep deletes the keys whose until is at or
// before now, and only those.
func TestDeleteReplays(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := t0
		for key, until := range map[string]time.Time{
			"old@1":  now.Add(-time.Minute),
			"edge@1": now,
			"live@1": now.Add(time.Microsecond),
			"new@1":  now.Add(time.Minute),
		} {
			if seen, err := db.SeenAt(ctx, key, until, now.Add(-time.Hour)); err != nil || seen {
				t.Fatalf("SeenAt(%s): %v, %v", key, seen, err)
			}
		}
		n, err := db.DeleteReplays(ctx, now)
		if err != nil || n != 2 {
			t.Errorf("DeleteReplays: %d, %v; want 2", n, err)
		}
		if n, err := db.DeleteReplays(ctx, now); err != nil || n != 0 {
			t.Errorf("DeleteReplays again: %d, %v; want 0", n, err)
		}
		var left int
		if err := db.ReadSQL().QueryRowContext(ctx, `SELECT count(*) FROM webhook_replays`).Scan(&left); err != nil || left != 2 {
			t.Errorf("%d keys left (%v), want 2", left, err)
		}
		// The keys kept are still seen, by a clock before their until.
		for _, key := range []string{"live@1", "new@1"} {
			if seen, err := db.SeenAt(ctx, key, now.Add(time.Hour), now); err != nil || !seen {
				t.Errorf("%s after the sweep: seen %v, %v; want seen", key, seen, err)
			}
		}
	})
}
