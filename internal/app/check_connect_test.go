package app_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/custos-privacy/custos/internal/manifest"
)

// TestCheckConnect: custos check --connect reads a system's DSN from the
// environment, connects, and names the tables and columns the database
// lacks; a DSN that is not given is a clear problem too.
func TestCheckConnect(t *testing.T) {
	dir := t.TempDir()
	shop := filepath.Join(dir, "shop.db")
	db, err := sql.Open("sqlite", shop)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, phone TEXT);
		CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), note TEXT)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	systems := `    systems:
      - id: shop
        name: Shop database
        kind: sqlite
        role: controller
        requests: [access, erasure]
        connection: {env: SHOP_DSN}
        dataset:
          tables:
            - name: customers
              primary_key: [id]
              identities: {email: email}
              columns:
                - {name: email, category: user.contact.email}
                - {name: phone, category: user.contact.phone_number}
            - name: orders
              primary_key: [id]
              references:
                - {columns: [customer_id], table: customers, to: [id]}
              columns:
                - {name: customer_id, category: user.unique_id}
                - {name: note, category: user.content.private}
                - {name: gift_message, category: user.content.private}
`
	file := filepath.Join(dir, "custos.yaml")
	// The shop's customer ids are a data category of their own.
	if err := os.WriteFile(file, manifest.DemoYAMLWithSystems(systems, "user.unique_id"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Without --connect, the manifest is valid.
	if code, out, errs := run(t, nil, "check", file); code != 0 {
		t.Fatalf("check: %d\n%s%s", code, out, errs)
	}
	code, out, _ := run(t, map[string]string{"SHOP_DSN": shop}, "check", "--connect", file)
	if code != 1 || !strings.Contains(out, "system shop (sqlite)") || !strings.Contains(out, "gift_message") {
		t.Errorf("check --connect with a missing column: %d\n%s", code, out)
	}
	if strings.Contains(out, "phone") || strings.Contains(out, ".note") {
		t.Errorf("a column that is there reported missing:\n%s", out)
	}
	code, out, _ = run(t, nil, "check", "--connect", file)
	if code != 1 || !strings.Contains(out, "SHOP_DSN is not set") {
		t.Errorf("check --connect without the DSN: %d\n%s", code, out)
	}
	// With the column added, it passes.
	db, _ = sql.Open("sqlite", shop)
	if _, err := db.Exec(`ALTER TABLE orders ADD COLUMN gift_message TEXT`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, _ = run(t, map[string]string{"SHOP_DSN": shop}, "check", "--connect", file)
	if code != 0 || !strings.Contains(out, "connected; its 2 tables and their columns are there") {
		t.Errorf("check --connect on a matching database: %d\n%s", code, out)
	}
}
