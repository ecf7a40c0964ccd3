package sqlds

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// dbError is a database error whose text holds no personal data. Drivers
// put values into some messages (MySQL's "Duplicate entry 'a@b.c' for key",
// PostgreSQL's "invalid input syntax for type integer: ...", pgx's "unable
// to encode ..."), so the text names the operation, the table and the
// engine's error code only. Unwrap gives the driver's error to code that
// must tell a cancelled context from a refused statement.
type dbError struct {
	op    string // "walk", "erase", ...
	table string // may be empty
	err   error
}

func (e *dbError) Error() string {
	s := "sqlds: " + e.op
	if e.table != "" {
		s += " " + e.table
	}
	return s + ": " + describe(e.err)
}

func (e *dbError) Unwrap() error { return e.err }

func dbErr(op, table string, err error) error {
	if err == nil {
		return nil
	}
	var de *dbError
	if errors.As(err, &de) {
		return err
	}
	return &dbError{op: op, table: table, err: err}
}

// IsDataError reports whether err, from the engine or the driver, is the
// database refusing a statement for the data it would write, change or
// remove, rather than a failure of the connection, a lock, a timeout or a
// cancelled context: PostgreSQL's SQLSTATE classes 22 (data exception:
// out of range, too long, invalid text) and 23 (integrity constraint
// violation: unique, foreign key, not null, check), MySQL's errors 1264,
// 1292, 1366, 1406 (a value the column cannot hold), 1048 (NULL),
// 1062 (duplicate), 1451 and 1452 (foreign keys), SQLite's constraint
// and type mismatch errors, and pgx's refusal to encode a value for its
// column's type. Running such a step again fails the same way, so a
// caller fails it at once instead of retrying. A *CorrectionError, a
// refusal before the database is asked, is not one.
func IsDataError(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return strings.HasPrefix(pg.Code, "22") || strings.HasPrefix(pg.Code, "23")
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		switch my.Number {
		case 1264, 1292, 1366, 1406, 1048, 1062, 1451, 1452:
			return true
		}
		return false
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		switch lite.Code() & 0xff { // the primary result code
		case sqliteConstraint, sqliteMismatch:
			return true
		}
		return false
	}
	return pgxEncodeError(err)
}

// pgxEncodeError says whether err is pgx refusing, before it sends the
// statement, a value its column's type cannot encode (an integer out of
// the range of int4); the error has no type of its own, and its text
// quotes the value.
func pgxEncodeError(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.HasPrefix(e.Error(), "failed to encode args[") {
			return true
		}
	}
	return false
}

// SQLite's primary result codes of a constraint violation and a type
// mismatch.
const (
	sqliteConstraint = 19
	sqliteMismatch   = 20
)

// describe says what went wrong without quoting any value.
func describe(err error) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err.Error()
	}
	for _, e := range []error{sql.ErrTxDone, sql.ErrConnDone, sql.ErrNoRows, driver.ErrBadConn} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		s := "postgres error SQLSTATE " + pg.Code
		if m, ok := pgStates[pg.Code]; ok {
			s += " (" + m + ")"
		}
		if pg.ConstraintName != "" {
			s += ", constraint " + strconv.Quote(pg.ConstraintName)
		}
		if pg.TableName != "" {
			s += ", table " + strconv.Quote(pg.TableName)
		}
		if pg.ColumnName != "" {
			s += ", column " + strconv.Quote(pg.ColumnName)
		}
		return s
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		s := "mysql error " + strconv.Itoa(int(my.Number))
		if my.SQLState != [5]byte{} {
			s += " SQLSTATE " + string(my.SQLState[:])
		}
		if m, ok := mysqlErrors[my.Number]; ok {
			s += " (" + m + ")"
		}
		return s
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		s := "sqlite error " + strconv.Itoa(lite.Code())
		if m, ok := sqlite.ErrorCodeString[lite.Code()]; ok {
			s += " " + m
		} else if m, ok := sqlite.ErrorCodeString[lite.Code()&0xff]; ok {
			s += " " + m
		}
		// The primary message names the constraint kind and the columns
		// ("FOREIGN KEY constraint failed", "UNIQUE constraint failed:
		// t.c"), never values; keep it when it says so.
		if msg := lite.Error(); strings.Contains(msg, "constraint failed") {
			s += ": " + msg
		}
		return s
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return "cannot connect to postgres"
	}
	if pgxEncodeError(err) {
		return "pgx cannot encode a value for its column's type"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return "network error: " + ne.Error()
	}
	return fmt.Sprintf("database error (%T)", err)
}

// pgStates words the SQLSTATEs an erasure, restriction or correction runs
// into; the rest are given by code only.
var pgStates = map[string]string{
	"23503": "foreign key violation",
	"23505": "unique violation",
	"23502": "not null violation",
	"23514": "check violation",
	"22001": "value too long",
	"22P02": "invalid value for the column's type",
	"22003": "numeric value out of range",
	"42P01": "undefined table",
	"42703": "undefined column",
	"42501": "insufficient privilege",
	"40001": "serialization failure",
	"40P01": "deadlock detected",
	"55P03": "lock not available",
	"57014": "query cancelled",
}

var mysqlErrors = map[uint16]string{
	1451: "a foreign key constraint fails: row is referenced",
	1452: "a foreign key constraint fails: referenced row missing",
	1062: "duplicate entry",
	1048: "column cannot be null",
	1406: "data too long for column",
	1366: "incorrect value for the column's type",
	1264: "value out of range",
	1292: "incorrect value for the column's type",
	1146: "table does not exist",
	1054: "unknown column",
	1142: "command denied",
	1143: "column access denied",
	1205: "lock wait timeout",
	1213: "deadlock",
}
