package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// apiTokenColumns lists what scanAPIToken reads.
const apiTokenColumns = `id, name, role, hash, created_by, created_at, expires_at, revoked, last_used`

func scanAPIToken(r scanner) (*custos.APIToken, error) {
	var (
		t    custos.APIToken
		role string
	)
	err := r.Scan(&t.ID, &t.Name, &role, &t.Hash, &t.CreatedBy, timeDest{&t.CreatedAt}, timeDest{&t.ExpiresAt}, &t.Revoked, timeDest{&t.LastUsed})
	if err != nil {
		return nil, err
	}
	t.Role = custos.Role(role)
	return &t, nil
}

// CreateAPIToken stores t and its audit entry (if not nil) in one
// transaction. It returns ECONFLICT if the id or the hash is taken. On
// success t holds what was stored: CreatedAt now if it was zero, times in UTC
// to the microsecond.
func (db *DB) CreateAPIToken(ctx context.Context, t *custos.APIToken, audit *custos.AuditEntry) error {
	if t == nil {
		return custos.Errorf(custos.EINVALID, "no API token")
	}
	var f custos.Fields
	if t.ID == "" {
		f.Add("id", "is required")
	}
	if t.Hash == "" {
		f.Add("hash", "is required")
	}
	if !t.Role.Valid() {
		f.Add("role", "is not a known role")
	}
	if err := f.Err(); err != nil {
		return err
	}
	c := *t
	c.CreatedAt = zeroOr(c.CreatedAt, time.Now())
	c.ExpiresAt, c.LastUsed = utcMicro(c.ExpiresAt), utcMicro(c.LastUsed)
	var refused error
	err := db.apply(ctx, "create API token", audit, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		refused = nil
		res, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (`+apiTokenColumns+`)`+
			` VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
			c.ID, c.Name, string(c.Role), c.Hash, c.CreatedBy, c.CreatedAt, c.ExpiresAt, c.Revoked, c.LastUsed)
		if err != nil {
			return false, fmt.Errorf("insert API token: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, fmt.Errorf("insert API token: %w", err)
		} else if n == 0 {
			refused = custos.Errorf(custos.ECONFLICT, "an API token with this id or hash exists")
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if refused != nil {
		return refused
	}
	*t = c
	return nil
}

// APITokenByHash returns the token whose hash is hash, revoked or expired
// or not: the caller checks.
func (db *DB) APITokenByHash(ctx context.Context, hash string) (*custos.APIToken, error) {
	t, err := scanAPIToken(db.read.QueryRowContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE hash = $1`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custos.Errorf(custos.ENOTFOUND, "API token not found")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read API token: %w", err)
	}
	return t, nil
}

// APITokens returns every token, revoked ones included, newest (by
// CreatedAt) first; an empty, non-nil slice if there are none.
func (db *DB) APITokens(ctx context.Context) ([]*custos.APIToken, error) {
	return queryList(ctx, db.read, "read API tokens", scanAPIToken, `SELECT `+apiTokenColumns+` FROM api_tokens ORDER BY created_at DESC, id DESC`)
}

// RevokeAPIToken marks token id revoked and appends its audit entry (if not
// nil) in the same transaction. It returns ENOTFOUND if there is no such
// token. Revoking a revoked token changes nothing and appends no entry
// (audit is then left as it was).
func (db *DB) RevokeAPIToken(ctx context.Context, id string, audit *custos.AuditEntry) error {
	var refused error
	err := db.apply(ctx, "revoke API token", audit, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		refused = nil
		var revoked bool
		err := tx.QueryRowContext(ctx, `SELECT revoked FROM api_tokens WHERE id = $1`, id).Scan(&revoked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			refused = custos.Errorf(custos.ENOTFOUND, "API token not found")
			return false, nil
		case err != nil:
			return false, fmt.Errorf("read API token: %w", err)
		case revoked:
			return false, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked = $2 WHERE id = $1`, id, true); err != nil {
			return false, fmt.Errorf("revoke API token: %w", err)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	return refused
}

// TouchAPIToken sets the token's LastUsed to t. A token that is gone is not
// an error (tokens are never deleted, but there is nothing to record then).
func (db *DB) TouchAPIToken(ctx context.Context, id string, t time.Time) error {
	t = utcMicro(t)
	return db.apply(ctx, "touch API token", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used = $2 WHERE id = $1`, id, t); err != nil {
			return false, fmt.Errorf("touch API token: %w", err)
		}
		return true, nil
	})
}
