package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
)

// The webhook callbacks received, so that a replay is refused on whichever
// node it arrives (see 0007_webhook_replays.sql). The table holds the
// SHA-256 of each key, never the key itself.

// Seen implements webhook.ReplayGuard with the process's clock: see
// SeenAt.
func (db *DB) Seen(ctx context.Context, key string, until time.Time) (bool, error) {
	return db.SeenAt(ctx, key, until, time.Now())
}

// SeenAt reports whether key was recorded before and is still remembered
// at now (its until is after now); if not, it records key, to be
// remembered until until, replacing an expired record of it. It is one
// statement through the writer, so it is atomic on both engines and across
// nodes: of any number of calls with the same key, one only returns false.
func (db *DB) SeenAt(ctx context.Context, key string, until, now time.Time) (seen bool, err error) {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	until, now = utcMicro(until), utcMicro(now)
	err = db.apply(ctx, "record a webhook replay key", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		// A conflict with a record still remembered updates nothing: no
		// row affected means seen.
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_replays (key_hash, until) VALUES ($1, $2)`+
			` ON CONFLICT (key_hash) DO UPDATE SET until = excluded.until WHERE webhook_replays.until <= $3`, h, until, now)
		if err != nil {
			return false, fmt.Errorf("record a webhook replay key: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("record a webhook replay key: %w", err)
		}
		seen = n == 0
		return !seen, nil
	})
	if err != nil {
		return false, err
	}
	return seen, nil
}

// DeleteReplays removes the replay keys no longer remembered at now (their
// until is at or before now) and returns how many it removed.
func (db *DB) DeleteReplays(ctx context.Context, now time.Time) (int64, error) {
	now = utcMicro(now)
	var n int64
	err := db.apply(ctx, "delete expired webhook replay keys", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhook_replays WHERE until <= $1`, now)
		if err != nil {
			return false, fmt.Errorf("delete expired webhook replay keys: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return false, fmt.Errorf("delete expired webhook replay keys: %w", err)
		}
		return n > 0, nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
