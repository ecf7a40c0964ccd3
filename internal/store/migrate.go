package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// migrations holds the schema, one numbered file per step and dialect. A
// step, once released, is never edited: a change is a new file.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// migrateLock is the pg_advisory_lock key held while migrating ("custos" in
// ASCII), so that nodes starting together migrate one after the other.
const migrateLock int64 = 0x637573746f73

// Migrate applies, in order, each embedded migration the database has not
// recorded yet, each in its own transaction together with its row in
// schema_migrations, and returns the names of those it applied. It is safe
// to run again and from several processes at once: on PostgreSQL they queue
// on an advisory lock, on SQLite on the file's write lock, and each step
// checks inside its transaction that nobody applied it meanwhile.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	return db.migrate(ctx, "")
}

// migrate is Migrate, stopping after step last if it is not "" (tests
// use it to build a database as an earlier release left it).
func (db *DB) migrate(ctx context.Context, last string) (applied []string, err error) {
	steps, err := db.migrationFiles()
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	// One connection for the whole run: the advisory lock belongs to a
	// session.
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()

	if db.engine == EnginePostgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
			return nil, fmt.Errorf("store: migrate: take lock: %w", err)
		}
		defer func() {
			ctx := context.WithoutCancel(ctx)
			if _, uerr := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, migrateLock); uerr != nil {
				// A session that cannot unlock must not go back to the pool
				// holding the lock: closing it releases the lock.
				conn.Raw(func(any) error { return driver.ErrBadConn })
				err = errors.Join(err, fmt.Errorf("store: migrate: release lock: %w", uerr))
			}
		}()
	}

	table := `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`
	if db.engine == EnginePostgres {
		table = `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)`
	}
	if _, err := conn.ExecContext(ctx, table); err != nil {
		return nil, fmt.Errorf("store: migrate: create schema_migrations: %w", err)
	}

	applied = []string{}
	for _, s := range steps {
		if last != "" && s.version > last {
			break
		}
		done, err := db.migrateStep(ctx, conn, s)
		if err != nil {
			return applied, fmt.Errorf("store: migrate %s: %w", s.version, err)
		}
		if done {
			db.log.Info("store: migration applied", "version", s.version, "engine", db.engine)
			applied = append(applied, s.version)
		}
	}
	return applied, nil
}

type migrationStep struct {
	version string // file name without .sql, e.g. "0001_init"
	sql     string
}

func (db *DB) migrationFiles() ([]migrationStep, error) {
	dir := "migrations/" + db.engine
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names) // numbered names sort in order
	steps := make([]migrationStep, 0, len(names))
	for _, n := range names {
		b, err := migrations.ReadFile(n)
		if err != nil {
			return nil, err
		}
		steps = append(steps, migrationStep{strings.TrimSuffix(path.Base(n), ".sql"), string(b)})
	}
	return steps, nil
}

// migrateStep applies s unless it is recorded, and reports whether it did.
func (db *DB) migrateStep(ctx context.Context, conn *sql.Conn, s migrationStep) (applied bool, err error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() {
		if !applied {
			tx.Rollback()
		}
	}()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, s.version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	// Without arguments both drivers run a script of several statements.
	if _, err := tx.ExecContext(ctx, s.sql); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, s.version, time.Now().UTC()); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	return true, nil
}
