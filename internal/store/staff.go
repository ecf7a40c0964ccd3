package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// Staff accounts and their sign-in failures. Sessions are in session.go,
// API tokens in apitoken.go.
//
// Every write goes through the writer (apply), like consents and audit
// entries: on SQLite it is the only connection that may write, and an
// account change and its audit entry must be sealed into the chain in one
// transaction.

// apply runs fn through the writer, in the transaction of the next batch.
// If entry is not nil and fn reports that it wrote, entry is sealed and
// appended to the chain in that transaction, and *entry is set to it as
// stored (Seq, PrevHash, Hash; Time now if it was zero, else rounded to the
// microsecond in UTC). fn may run more than once, each time in a fresh
// transaction: it must set, not accumulate, whatever it reports through
// its closure. An outcome that is not a failure (ENOTFOUND, ECONFLICT) is
// reported that way too, with wrote false and nothing written, so that it
// does not fail the other writes of the batch.
func (db *DB) apply(ctx context.Context, what string, entry *custos.AuditEntry, fn func(ctx context.Context, tx *sql.Tx) (wrote bool, err error)) error {
	return db.applyAudited(ctx, what, entry, func(ctx context.Context, tx *sql.Tx, _ *custos.AuditEntry) (bool, error) {
		return fn(ctx, tx)
	})
}

// zeroOr returns t in UTC to the microsecond, or now if t is zero.
func zeroOr(t, now time.Time) time.Time {
	if t.IsZero() {
		return utcMicro(now)
	}
	return utcMicro(t)
}

// nullString is s, or NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBytes is b, or NULL for an empty b.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// staffUserColumns lists what scanStaffUser reads.
const staffUserColumns = `id, email, role, password_hash, totp_secret, totp_last_step, recovery_codes, disabled, ` +
	`setup_token_hash, setup_expires, locked_until, created_at, updated_at`

// staffUserSelect is what reads select: the columns and the row's version.
const staffUserSelect = staffUserColumns + `, version`

func scanStaffUser(r scanner) (*custos.StaffUser, error) {
	var (
		u     custos.StaffUser
		role  string
		codes string
		setup sql.NullString
	)
	err := r.Scan(&u.ID, &u.Email, &role, &u.PasswordHash, &u.TOTPSecret, &u.TOTPLastStep, &codes, &u.Disabled,
		&setup, timeDest{&u.SetupExpires}, timeDest{&u.LockedUntil}, timeDest{&u.CreatedAt}, timeDest{&u.UpdatedAt}, &u.Version)
	if err != nil {
		return nil, err
	}
	u.Role, u.SetupTokenHash = custos.Role(role), setup.String
	if len(u.TOTPSecret) == 0 {
		u.TOTPSecret = nil
	}
	if err := json.Unmarshal([]byte(codes), &u.RecoveryCodes); err != nil {
		return nil, fmt.Errorf("decode recovery codes: %w", err)
	}
	if len(u.RecoveryCodes) == 0 {
		u.RecoveryCodes = nil
	}
	return &u, nil
}

// normalUser checks u and returns the copy to store: e-mail lowercased,
// times in UTC to the microsecond, an empty TOTPSecret or RecoveryCodes
// nil (as a read returns them), and the recovery codes encoded.
func normalUser(u *custos.StaffUser) (custos.StaffUser, string, error) {
	if u == nil {
		return custos.StaffUser{}, "", custos.Errorf(custos.EINVALID, "no staff user")
	}
	var f custos.Fields
	if u.ID == "" {
		f.Add("id", "is required")
	}
	if u.Email == "" {
		f.Add("email", "is required")
	}
	if !u.Role.Valid() {
		f.Add("role", "is not a known role")
	}
	if err := f.Err(); err != nil {
		return custos.StaffUser{}, "", err
	}
	s := *u
	s.Email = strings.ToLower(s.Email)
	s.SetupExpires, s.LockedUntil = utcMicro(s.SetupExpires), utcMicro(s.LockedUntil)
	s.CreatedAt, s.UpdatedAt = utcMicro(s.CreatedAt), utcMicro(s.UpdatedAt)
	if len(s.TOTPSecret) == 0 {
		s.TOTPSecret = nil
	} else {
		s.TOTPSecret = append([]byte{}, s.TOTPSecret...)
	}
	if len(s.RecoveryCodes) == 0 {
		s.RecoveryCodes = nil
	} else {
		s.RecoveryCodes = append([]string{}, s.RecoveryCodes...)
	}
	codes, err := json.Marshal(s.RecoveryCodes)
	if err != nil {
		return custos.StaffUser{}, "", fmt.Errorf("store: encode recovery codes: %w", err)
	}
	if s.RecoveryCodes == nil {
		codes = []byte("[]")
	}
	return s, string(codes), nil
}

var errEmailTaken = custos.Errorf(custos.ECONFLICT, "a staff account with this e-mail address exists")

// CreateUser stores u and its audit entry (if not nil) in one transaction.
// It returns ECONFLICT if the e-mail address (compared lowercased) or the
// id is taken. On success u holds what was stored: its e-mail lowercased,
// CreatedAt now if it was zero, UpdatedAt CreatedAt if it was zero, times in
// UTC to the microsecond.
func (db *DB) CreateUser(ctx context.Context, u *custos.StaffUser, audit *custos.AuditEntry) error {
	s, codes, err := normalUser(u)
	if err != nil {
		return err
	}
	s.CreatedAt = zeroOr(s.CreatedAt, time.Now())
	s.UpdatedAt = zeroOr(s.UpdatedAt, s.CreatedAt)
	var refused error
	err = db.apply(ctx, "create staff user", audit, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		refused = nil
		// ON CONFLICT DO NOTHING rather than a failing INSERT: on PostgreSQL
		// a failed statement would abort the whole batch's transaction.
		res, err := tx.ExecContext(ctx, `INSERT INTO staff_users (`+staffUserColumns+`, subject, data_category, purpose, collected_at)`+
			` VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) ON CONFLICT DO NOTHING`,
			s.ID, s.Email, string(s.Role), s.PasswordHash, nullBytes(s.TOTPSecret), s.TOTPLastStep, codes, s.Disabled,
			nullString(s.SetupTokenHash), s.SetupExpires, s.LockedUntil, s.CreatedAt, s.UpdatedAt,
			s.ID, custos.StaffDataCategory, custos.StaffPurpose, s.CreatedAt)
		if err != nil {
			return false, fmt.Errorf("insert staff user: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, fmt.Errorf("insert staff user: %w", err)
		} else if n == 0 {
			refused = errEmailTaken
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
	*u = s
	return nil
}

// UpdateUser replaces the stored account u.ID with u, and appends its audit
// entry (if not nil) in the same transaction. CreatedAt is kept as stored;
// UpdatedAt is stored as given (the caller's clock decides), or now if it
// is zero. It returns ENOTFOUND if there is no such account and ECONFLICT
// if the e-mail address is another account's. On success u holds what was
// stored, as for CreateUser.
func (db *DB) UpdateUser(ctx context.Context, u *custos.StaffUser, audit *custos.AuditEntry) error {
	s, codes, err := normalUser(u)
	if err != nil {
		return err
	}
	s.UpdatedAt = zeroOr(s.UpdatedAt, time.Now())
	var (
		refused error
		created time.Time
		version int64
	)
	err = db.apply(ctx, "update staff user", audit, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		refused = nil
		var other string
		err := tx.QueryRowContext(ctx, `SELECT id FROM staff_users WHERE email = $1 AND id <> $2`, s.Email, s.ID).Scan(&other)
		switch {
		case err == nil:
			refused = errEmailTaken
			return false, nil
		case !errors.Is(err, sql.ErrNoRows):
			return false, fmt.Errorf("check staff e-mail: %w", err)
		}
		// There must always be an administrator who can sign in: checked
		// here, in the transaction, so that two admins disabling each
		// other at once cannot both succeed (writes are serialised).
		if s.Disabled || s.Role != custos.RoleAdmin {
			var others int
			err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM staff_users WHERE role = $1 AND disabled = $2 AND id <> $3`,
				string(custos.RoleAdmin), false, s.ID).Scan(&others)
			if err != nil {
				return false, fmt.Errorf("count administrators: %w", err)
			}
			var wasAdmin bool
			err = tx.QueryRowContext(ctx, `SELECT role = $2 AND disabled = $3 FROM staff_users WHERE id = $1`,
				s.ID, string(custos.RoleAdmin), false).Scan(&wasAdmin)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return false, fmt.Errorf("read staff user: %w", err)
			}
			if wasAdmin && others == 0 {
				refused = custos.Errorf(custos.ECONFLICT, "the last administrator cannot be disabled or given another role")
				return false, nil
			}
		}
		err = tx.QueryRowContext(ctx, `UPDATE staff_users SET email = $2, role = $3, password_hash = $4, totp_secret = $5,`+
			` totp_last_step = $6, recovery_codes = $7, disabled = $8, setup_token_hash = $9, setup_expires = $10,`+
			` locked_until = $11, updated_at = $12, version = version + 1 WHERE id = $1 AND version = $13 RETURNING created_at, version`,
			s.ID, s.Email, string(s.Role), s.PasswordHash, nullBytes(s.TOTPSecret), s.TOTPLastStep, codes, s.Disabled,
			nullString(s.SetupTokenHash), s.SetupExpires, s.LockedUntil, s.UpdatedAt, s.Version).Scan(timeDest{&created}, &version)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// Absent, or changed since it was read: which one decides the
			// answer, and neither writes anything.
			var one int
			if tx.QueryRowContext(ctx, `SELECT 1 FROM staff_users WHERE id = $1`, s.ID).Scan(&one) == nil {
				refused = custos.Errorf(custos.ECONFLICT, "the staff account changed since it was read")
			} else {
				refused = custos.Errorf(custos.ENOTFOUND, "staff user not found")
			}
			return false, nil
		case isUniqueViolation(err):
			// Another node took the address after the check above.
			return false, &custos.Error{Code: custos.ECONFLICT, Message: errEmailTaken.Message, Err: err}
		case err != nil:
			return false, fmt.Errorf("update staff user: %w", err)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if refused != nil {
		return refused
	}
	s.CreatedAt, s.Version = created, version
	*u = s
	return nil
}

// User returns the account id.
func (db *DB) User(ctx context.Context, id string) (*custos.StaffUser, error) {
	return db.userWhere(ctx, `id = $1`, id)
}

// UserByEmail returns the account whose e-mail address is email, compared
// lowercased.
func (db *DB) UserByEmail(ctx context.Context, email string) (*custos.StaffUser, error) {
	return db.userWhere(ctx, `email = $1`, strings.ToLower(email))
}

// UserBySetupToken returns the account whose set-up token hashes to hash.
// It does not check SetupExpires: the caller decides what an expired link
// means.
func (db *DB) UserBySetupToken(ctx context.Context, hash string) (*custos.StaffUser, error) {
	if hash == "" {
		return nil, custos.Errorf(custos.ENOTFOUND, "staff user not found")
	}
	return db.userWhere(ctx, `setup_token_hash = $1`, hash)
}

func (db *DB) userWhere(ctx context.Context, where string, arg any) (*custos.StaffUser, error) {
	u, err := scanStaffUser(db.read.QueryRowContext(ctx, `SELECT `+staffUserSelect+` FROM staff_users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custos.Errorf(custos.ENOTFOUND, "staff user not found")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read staff user: %w", err)
	}
	return u, nil
}

// Users returns every account ordered by e-mail address, or an empty,
// non-nil slice.
func (db *DB) Users(ctx context.Context) ([]*custos.StaffUser, error) {
	return queryList(ctx, db.read, "read staff users", scanStaffUser, `SELECT `+staffUserSelect+` FROM staff_users ORDER BY email`)
}

// signInWindow is how far back RecordSignInFailure counts.
const signInWindow = time.Hour

// RecordSignInFailure notes a failed sign-in of account id at t and returns
// how many failures the account has had at or after t minus one hour, the
// new one included. Failures older than that, of every account, are
// forgotten. It returns ENOTFOUND if there is no such account.
func (db *DB) RecordSignInFailure(ctx context.Context, id string, t time.Time) (int, error) {
	t = utcMicro(t)
	since := t.Add(-signInWindow)
	var (
		refused error
		n       int
	)
	err := db.apply(ctx, "record sign-in failure", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		refused, n = nil, 0
		res, err := tx.ExecContext(ctx, `INSERT INTO staff_sign_in_failures (user_id, at, subject, data_category, purpose, collected_at)`+
			` SELECT id, $2, id, $3, $4, $2 FROM staff_users WHERE id = $1`,
			id, t, custos.StaffDataCategory, custos.StaffPurpose)
		if err != nil {
			return false, fmt.Errorf("insert sign-in failure: %w", err)
		}
		if k, err := res.RowsAffected(); err != nil {
			return false, fmt.Errorf("insert sign-in failure: %w", err)
		} else if k == 0 {
			refused = custos.Errorf(custos.ENOTFOUND, "staff user not found")
			return false, nil
		}
		// The table only ever holds the last hour's failures.
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sign_in_failures WHERE at < $1`, since); err != nil {
			return false, fmt.Errorf("prune sign-in failures: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM staff_sign_in_failures WHERE user_id = $1 AND at >= $2`, id, since).Scan(&n); err != nil {
			return false, fmt.Errorf("count sign-in failures: %w", err)
		}
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	if refused != nil {
		return 0, refused
	}
	return n, nil
}

// ClearSignInFailures forgets the failures of account id. An account with
// none, or no account, is not an error.
func (db *DB) ClearSignInFailures(ctx context.Context, id string) error {
	return db.apply(ctx, "clear sign-in failures", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sign_in_failures WHERE user_id = $1`, id); err != nil {
			return false, fmt.Errorf("delete sign-in failures: %w", err)
		}
		return true, nil
	})
}
