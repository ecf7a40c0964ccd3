package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/custos"
)

// maxUserAgent is the most of a User-Agent a session keeps, in bytes.
const maxUserAgent = 200

// sessionColumns lists what scanSession reads.
const sessionColumns = `token_hash, user_id, created_at, last_seen, expires_at, user_agent, ip_prefix`

func scanSession(r scanner) (*custos.StaffSession, error) {
	var s custos.StaffSession
	err := r.Scan(&s.TokenHash, &s.UserID, timeDest{&s.CreatedAt}, timeDest{&s.LastSeen}, timeDest{&s.ExpiresAt}, &s.UserAgent, &s.IPPrefix)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// truncateUTF8 returns at most n bytes of s, cut at a character boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// CreateSession stores s. It returns ENOTFOUND if s.UserID is no account,
// and ECONFLICT if the token hash is taken. On success s holds what was
// stored: CreatedAt now if it was zero, LastSeen CreatedAt if it was zero,
// times in UTC to the microsecond, UserAgent cut to 200 bytes.
func (db *DB) CreateSession(ctx context.Context, s *custos.StaffSession) error {
	if s == nil {
		return custos.Errorf(custos.EINVALID, "no session")
	}
	var f custos.Fields
	if s.TokenHash == "" {
		f.Add("token_hash", "is required")
	}
	if s.UserID == "" {
		f.Add("user_id", "is required")
	}
	if s.ExpiresAt.IsZero() {
		f.Add("expires_at", "is required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	c := *s
	c.CreatedAt = zeroOr(c.CreatedAt, time.Now())
	c.LastSeen = zeroOr(c.LastSeen, c.CreatedAt)
	c.ExpiresAt = utcMicro(c.ExpiresAt)
	c.UserAgent = truncateUTF8(c.UserAgent, maxUserAgent)
	var refused error
	err := db.apply(ctx, "create session", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		refused = nil
		// Inserting from the account's row both checks that it exists and
		// avoids a failing statement, which on PostgreSQL would abort the
		// batch's transaction.
		res, err := tx.ExecContext(ctx, `INSERT INTO staff_sessions (`+sessionColumns+`, subject, data_category, purpose, collected_at)`+
			` SELECT $1, id, $3, $4, $5, $6, $7, id, $8, $9, $3 FROM staff_users WHERE id = $2 ON CONFLICT DO NOTHING`,
			c.TokenHash, c.UserID, c.CreatedAt, c.LastSeen, c.ExpiresAt, c.UserAgent, c.IPPrefix,
			custos.StaffDataCategory, custos.StaffPurpose)
		if err != nil {
			return false, fmt.Errorf("insert session: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("insert session: %w", err)
		}
		if n == 0 {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM staff_users WHERE id = $1`, c.UserID).Scan(&one)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				refused = custos.Errorf(custos.ENOTFOUND, "staff user not found")
			case err != nil:
				return false, fmt.Errorf("check staff user: %w", err)
			default:
				refused = custos.Errorf(custos.ECONFLICT, "a session with this token exists")
			}
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
	*s = c
	return nil
}

// Session returns the session whose token hashes to tokenHash, expired or
// not: the caller checks ExpiresAt and LastSeen.
func (db *DB) Session(ctx context.Context, tokenHash string) (*custos.StaffSession, error) {
	s, err := scanSession(db.read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM staff_sessions WHERE token_hash = $1`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custos.Errorf(custos.ENOTFOUND, "session not found")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read session: %w", err)
	}
	return s, nil
}

// TouchSession sets the session's LastSeen to t. A session that is gone
// (signed out, or swept as expired, since it was read) is not an error:
// there is nothing left to keep alive.
func (db *DB) TouchSession(ctx context.Context, tokenHash string, t time.Time) error {
	t = utcMicro(t)
	return db.apply(ctx, "touch session", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE staff_sessions SET last_seen = $2 WHERE token_hash = $1`, tokenHash, t); err != nil {
			return false, fmt.Errorf("touch session: %w", err)
		}
		return true, nil
	})
}

// DeleteSession removes one session. Removing a session that is already
// gone is not an error: signing out twice signs out.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	return db.apply(ctx, "delete session", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE token_hash = $1`, tokenHash); err != nil {
			return false, fmt.Errorf("delete session: %w", err)
		}
		return true, nil
	})
}

// DeleteUserSessions removes every session of userID.
func (db *DB) DeleteUserSessions(ctx context.Context, userID string) error {
	return db.apply(ctx, "delete user sessions", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE user_id = $1`, userID); err != nil {
			return false, fmt.Errorf("delete user sessions: %w", err)
		}
		return true, nil
	})
}

// UserSessions returns the sessions of userID, newest (by CreatedAt) first,
// expired ones included until they are swept; an empty, non-nil slice if
// there are none.
func (db *DB) UserSessions(ctx context.Context, userID string) ([]*custos.StaffSession, error) {
	return queryList(ctx, db.read, "read sessions", scanSession, `SELECT `+sessionColumns+` FROM staff_sessions WHERE user_id = $1`+
		` ORDER BY created_at DESC, token_hash DESC`, userID)
}

// DeleteExpiredSessions removes the sessions whose ExpiresAt, or whose
// LastSeen plus idle, is before now, and returns how many it removed. A
// session that ends exactly at now is kept. An idle of zero or less means
// no idle limit: only the absolute end counts (rather than every session
// not used at exactly now being removed).
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	now = utcMicro(now)
	q, args := `DELETE FROM staff_sessions WHERE expires_at < $1`, []any{now}
	if idle > 0 {
		// last_seen + idle < now, with the sum moved to Go: interval
		// arithmetic is written differently on each engine.
		q, args = q+` OR last_seen < $2`, append(args, utcMicro(now.Add(-idle)))
	}
	var n int64
	err := db.apply(ctx, "delete expired sessions", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		n = 0
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return false, fmt.Errorf("delete expired sessions: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return false, fmt.Errorf("delete expired sessions: %w", err)
		}
		return n > 0, nil
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}
