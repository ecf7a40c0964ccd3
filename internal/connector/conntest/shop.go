package conntest

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/manifest"
)

// TinyShop creates the small SQLite shop the request tests reach into, in
// a file of the test's own: customers (id, email, name) and their orders
// (id, customer_id, note), Ada (ada@example.com) with two orders, Bob
// (bob@example.com) with one.
func TinyShop(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sqlds.Open(context.Background(), manifest.SystemSQLite, filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
		CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), note TEXT);
		INSERT INTO customers VALUES (1, 'ada@example.com', 'Ada'), (2, 'bob@example.com', 'Bob');
		INSERT INTO orders VALUES (10, 1, 'gift'), (11, 1, NULL), (20, 2, 'for Bob')`); err != nil {
		t.Fatal(err)
	}
	return db
}

// ShopEngines opens DB for every SQL system of a site, as a server's
// engines do (the interface dsr.Engines): the engine of the system's
// dataset, with the site's legal holds and a fixed key.
type ShopEngines struct{ DB *sql.DB }

func (s ShopEngines) Engine(ctx context.Context, site *manifest.Site, sys *manifest.System) (*sqlds.Engine, error) {
	return sqlds.New(sys.Kind, s.DB, sys.Dataset, sqlds.SiteHold(site), bytes.Repeat([]byte{9}, 32))
}
