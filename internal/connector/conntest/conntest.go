// Package conntest gives connector tests a fresh, empty database of their
// own on each SQL engine a system can be: SQLite, PostgreSQL and MySQL or
// MariaDB.
//
// SQLite is a file in t.TempDir(). PostgreSQL and MariaDB are used when an
// environment variable holds the DSN of a server the tests may create
// databases on:
//
//	CUSTOS_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//	CUSTOS_TEST_MARIADB='root@tcp(127.0.0.1:3306)/'
//
// Each call creates a throwaway database there and drops it when the test
// ends. Without the variable the test skips, except in CI (CI=true), where
// it fails: CI must not pass by silently testing one engine.
package conntest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/custos-privacy/custos/internal/manifest"
)

// Environment variables naming the servers.
const (
	EnvPostgres = "CUSTOS_TEST_POSTGRES"
	EnvMariaDB  = "CUSTOS_TEST_MARIADB"
)

// Kinds are the SQL system kinds, in the order Engines runs them.
var Kinds = []string{manifest.SystemSQLite, manifest.SystemPostgres, manifest.SystemMySQL}

// Engines runs fn as one subtest per SQL kind ("sqlite", "postgres",
// "mysql"), each with the DSN of a fresh, empty database. The subtests
// run in parallel with each other.
func Engines(t *testing.T, fn func(t *testing.T, kind, dsn string)) {
	t.Helper()
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			fn(t, kind, DSN(t, kind))
		})
	}
}

// DSN returns the DSN of a fresh, empty database of kind.
func DSN(t testing.TB, kind string) string {
	t.Helper()
	switch kind {
	case manifest.SystemSQLite:
		return SQLiteDSN(t)
	case manifest.SystemPostgres:
		return PostgresDSN(t)
	case manifest.SystemMySQL:
		return MariaDBDSN(t)
	}
	t.Fatalf("conntest: %q is not a SQL kind", kind)
	return ""
}

// SQLiteDSN returns the path of a database file in t.TempDir().
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "data.db")
}

// require returns the DSN in env, or skips the test (fails it in CI).
func require(t testing.TB, env, engine string) string {
	t.Helper()
	dsn := os.Getenv(env)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the %s tests: set %s", engine, env)
		}
		t.Skipf("%s is not set; skipping the %s tests", env, engine)
	}
	return dsn
}

func dbName() string {
	var b [8]byte
	rand.Read(b[:])
	return "custos_c_" + hex.EncodeToString(b[:])
}

// PostgresDSN creates an empty database on the CUSTOS_TEST_POSTGRES
// server, drops it (with FORCE, so a leaked connection cannot keep it)
// when the test ends, and returns its DSN.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	admin := require(t, EnvPostgres, "PostgreSQL")
	if !strings.HasPrefix(admin, "postgres://") && !strings.HasPrefix(admin, "postgresql://") {
		t.Fatalf("conntest: %s: want a postgres:// URL", EnvPostgres)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("conntest: %s: %v", EnvPostgres, err)
	}
	name := dbName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := exec(ctx, "pgx", admin, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("conntest: create PostgreSQL test database (is the server at %s up?): %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := exec(ctx, "pgx", admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("conntest: drop PostgreSQL test database: %v", err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// MariaDBDSN creates an empty database on the CUSTOS_TEST_MARIADB server
// (MariaDB or MySQL), drops it when the test ends, and returns its DSN.
func MariaDBDSN(t testing.TB) string {
	t.Helper()
	admin := require(t, EnvMariaDB, "MariaDB")
	cfg, err := mysql.ParseDSN(admin)
	if err != nil {
		t.Fatalf("conntest: %s: %v", EnvMariaDB, err)
	}
	cfg.DBName = ""
	adminDSN := cfg.FormatDSN()
	name := dbName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := exec(ctx, "mysql", adminDSN, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("conntest: create MariaDB test database (is the server at %s up?): %v", EnvMariaDB, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := exec(ctx, "mysql", adminDSN, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("conntest: drop MariaDB test database: %v", err)
		}
	})
	cfg.DBName = name
	cfg.ParseTime = true
	return cfg.FormatDSN()
}

func exec(ctx context.Context, driver, dsn, stmt string) error {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		return err
	}
	return nil
}
