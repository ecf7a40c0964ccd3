// Package storetest gives tests a fresh, migrated Custos database on each
// engine, so that one suite runs on SQLite and PostgreSQL alike.
//
// SQLite lives in t.TempDir(). PostgreSQL is used when CUSTOS_TEST_POSTGRES
// holds the DSN of a server the tests may create databases on, e.g.
//
//	CUSTOS_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// Each call creates its own throwaway database there and drops it when the
// test ends, so tests neither see each other's rows nor need cleaning up.
// Without the variable the PostgreSQL tests skip, except in CI (CI=true),
// where they fail: CI must not pass by silently testing one engine.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/custos-privacy/custos/internal/store"
)

// EnvPostgres names the environment variable holding the PostgreSQL DSN.
const EnvPostgres = "CUSTOS_TEST_POSTGRES"

// Engines runs fn as the subtests "sqlite" and "postgres", each with a
// fresh, migrated database that is closed when the subtest ends.
func Engines(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	Configs(t, func(t *testing.T, cfg store.Config) {
		fn(t, openMigrated(t, cfg))
	})
}

// Configs runs fn as the subtests "sqlite" and "postgres", each with the
// Config of a fresh, empty database, for tests that open, close and reopen
// the store themselves or test Migrate.
func Configs(t *testing.T, fn func(t *testing.T, cfg store.Config)) {
	t.Helper()
	t.Run(store.EngineSQLite, func(t *testing.T) {
		fn(t, store.Config{DataDir: t.TempDir()})
	})
	t.Run(store.EnginePostgres, func(t *testing.T) {
		fn(t, store.Config{DSN: PostgresDSN(t)})
	})
}

// Open returns a fresh, migrated SQLite database in t.TempDir().
func Open(t testing.TB) *store.DB {
	t.Helper()
	return openMigrated(t, store.Config{DataDir: t.TempDir()})
}

// OpenPostgres returns a migrated PostgreSQL database of its own (see
// PostgresDSN for when it skips or fails).
func OpenPostgres(t testing.TB) *store.DB {
	t.Helper()
	return openMigrated(t, store.Config{DSN: PostgresDSN(t)})
}

// PostgresDSN creates an empty database on the CUSTOS_TEST_POSTGRES server,
// drops it (with FORCE, so a leaked connection cannot keep it) when the test
// ends, and returns its DSN. Without the variable it skips the test, or
// fails it when CI=true; a server that does not answer always fails it.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvPostgres)
	if admin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must run the PostgreSQL suite: set " + EnvPostgres)
		}
		t.Skip(EnvPostgres + " is not set; skipping the PostgreSQL tests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var b [8]byte
	rand.Read(b[:])
	name := "custos_t_" + hex.EncodeToString(b[:])
	if err := adminExec(ctx, admin, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("storetest: create PostgreSQL test database (is the server at %s up?): %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("storetest: drop PostgreSQL test database: %v", err)
		}
	})
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvPostgres, err)
	}
	return dsn
}

func adminExec(ctx context.Context, dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// withDatabase returns dsn pointing at database name instead.
func withDatabase(dsn, name string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return "", errors.New("want a postgres:// URL")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func openMigrated(t testing.TB, cfg store.Config) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", engineOf(cfg), err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
	})
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate %s: %v", engineOf(cfg), err)
	}
	return db
}

func engineOf(cfg store.Config) string {
	if cfg.DSN == "" {
		return store.EngineSQLite
	}
	return store.EnginePostgres
}
