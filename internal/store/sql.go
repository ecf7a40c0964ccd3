package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// queryList runs query on the read pool and scans every row with scan. It
// returns an empty, non-nil slice when there are none, so that lists encode
// as JSON arrays; errors name what was read.
func queryList[T any](ctx context.Context, db *sql.DB, what string, scan func(scanner) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	list := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return list, nil
}

// utcMicro returns t as the database gives it back: in UTC, to the
// microsecond, without a monotonic reading. Values are normalised before
// they are written so that what a write returns equals what a read returns
// (the audit chain hashes times, so they must round-trip exactly).
func utcMicro(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// timeDest scans a time column of either engine: SQLite stores integer unix
// microseconds, PostgreSQL a timestamptz that pgx returns in local time.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(v any) error {
	switch x := v.(type) {
	case int64:
		*d.t = time.UnixMicro(x).UTC()
	case time.Time:
		*d.t = x.UTC()
	default:
		return fmt.Errorf("store: cannot scan %T into a time", v)
	}
	return nil
}

// nullTimeDest is a timeDest that leaves the time zero for NULL (a column
// of an outer join).
type nullTimeDest struct{ t *time.Time }

func (d nullTimeDest) Scan(v any) error {
	if v == nil {
		*d.t = time.Time{}
		return nil
	}
	return timeDest(d).Scan(v)
}

// isUniqueViolation reports whether err is a primary key or unique
// constraint failure on either engine.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}
