package sqlds_test

// A cycle of foreign keys that a reference with owns breaks: a customer
// points at her default address (owns), and each address points back at
// its customer. Orders point at both, so the order of the deletions
// matters beyond the cycle.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/connector/conntest"
	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/manifest"
)

// cycleDDL returns the statements that create the cyclic shop on kind;
// notNull makes customers.default_address_id NOT NULL.
func cycleDDL(kind string, notNull bool) []string {
	engine, null := "", ""
	if kind == manifest.SystemMySQL {
		engine = " ENGINE=InnoDB"
	}
	if notNull {
		null = " NOT NULL"
	}
	// SQLite cannot add a foreign key to a table, but takes one that
	// points at a table still to be created.
	inline := ""
	if kind == manifest.SystemSQLite {
		inline = ", FOREIGN KEY (default_address_id) REFERENCES addresses (id)"
	}
	stmts := []string{
		`CREATE TABLE customers (
			id BIGINT PRIMARY KEY,
			email VARCHAR(254) NOT NULL UNIQUE,
			name VARCHAR(200) NOT NULL,
			default_address_id BIGINT` + null + inline + `
		)` + engine,
		`CREATE TABLE addresses (
			id BIGINT PRIMARY KEY,
			customer_id BIGINT NOT NULL,
			street VARCHAR(200),
			FOREIGN KEY (customer_id) REFERENCES customers (id)
		)` + engine,
		`CREATE TABLE orders (
			id BIGINT PRIMARY KEY,
			customer_id BIGINT NOT NULL,
			address_id BIGINT,
			total DECIMAL(10,2) NOT NULL,
			FOREIGN KEY (customer_id) REFERENCES customers (id),
			FOREIGN KEY (address_id) REFERENCES addresses (id)
		)` + engine,
	}
	if kind != manifest.SystemSQLite {
		stmts = append(stmts, `ALTER TABLE customers ADD FOREIGN KEY (default_address_id) REFERENCES addresses (id)`)
	}
	return stmts
}

// cycleForeignKeys lists the cyclic shop's foreign keys: child table,
// column, parent.
var cycleForeignKeys = [][3]string{
	{"customers", "default_address_id", "addresses"},
	{"addresses", "customer_id", "customers"},
	{"orders", "customer_id", "customers"},
	{"orders", "address_id", "addresses"},
}

var cycleTables = []string{"customers", "addresses", "orders"}

// Alice (1) has two addresses, the first her default, and two orders;
// Bob (2) and Carol (3) share nothing with her.
var cycleSeed = []seedTable{
	{"customers", []string{"id", "email", "name"}, [][]any{
		{1, "alice@example.com", "Alice Smith"},
		{2, "bob@example.com", "Bob Jones"},
		{3, "carol@example.com", "Carol White"},
	}},
	{"addresses", []string{"id", "customer_id", "street"}, [][]any{
		{11, 1, "Lindenstraße 5"},
		{12, 1, "Hauptstraße 1"},
		{13, 2, "Bergweg 2"},
		{14, 3, "Seeweg 9"},
		{15, 3, "Am Markt 3"},
	}},
	{"orders", []string{"id", "customer_id", "address_id", "total"}, [][]any{
		{21, 1, 11, "10.00"},
		{22, 1, 12, "20.00"},
		{23, 2, 13, "30.00"},
		{24, 3, nil, "40.00"},
		{25, 3, 15, "50.00"},
	}},
}

// cycleDefaults closes the cycle: customer → default address.
var cycleDefaults = [][2]int{{1, 11}, {2, 13}, {3, 14}}

var aliceCycleRows = map[string][]string{
	"customers": {"1"},
	"addresses": {"11", "12"},
	"orders":    {"21", "22"},
}

// cycleDataset describes the cyclic shop; edit changes the customers
// table.
func cycleDataset(edit func(customers *manifest.Table)) *manifest.Dataset {
	customers := &manifest.Table{
		Name: "customers", PrimaryKey: []string{"id"},
		Identities: map[string]string{"email": "email"},
		References: []*manifest.Reference{{Columns: []string{"default_address_id"}, Table: "addresses", To: []string{"id"}, Owns: true}},
		Columns: []*manifest.Column{
			{Name: "email", Category: "user.contact.email", Erase: &manifest.Erase{Action: manifest.EraseHash}},
			{Name: "name", Category: "user.name", Erase: &manifest.Erase{Action: manifest.EraseFixed, Value: "Erased"}},
			{Name: "default_address_id", Category: "user.contact.address"},
		},
	}
	if edit != nil {
		edit(customers)
	}
	return &manifest.Dataset{Tables: []*manifest.Table{
		customers,
		{
			Name: "addresses", PrimaryKey: []string{"id"},
			References: []*manifest.Reference{{Columns: []string{"customer_id"}, Table: "customers", To: []string{"id"}}},
			Columns:    []*manifest.Column{{Name: "street", Category: "user.contact.address"}},
		},
		{
			Name: "orders", PrimaryKey: []string{"id"},
			References: []*manifest.Reference{
				{Columns: []string{"customer_id"}, Table: "customers", To: []string{"id"}},
				// Owns, but on no cycle: left as it is.
				{Columns: []string{"address_id"}, Table: "addresses", To: []string{"id"}, Owns: true},
			},
			Columns: []*manifest.Column{{Name: "total", Category: "user.purchase", Erase: &manifest.Erase{Action: manifest.EraseKeep}}},
		},
	}}
}

// newCycleShop creates and seeds the cyclic shop in a fresh database of
// kind.
func newCycleShop(t *testing.T, kind, dsn string, notNull bool) *shop {
	t.Helper()
	db, err := sqlds.Open(context.Background(), kind, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", kind, err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range cycleDDL(kind, notNull) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v\n%s", kind, err, s)
		}
	}
	s := &shop{kind: kind, db: db}
	if notNull {
		return s // a NOT NULL cycle takes no row without deferred constraints
	}
	for _, st := range cycleSeed {
		for _, r := range st.rows {
			s.insert(t, st.name, st.cols, r)
		}
	}
	stmt := "UPDATE customers SET default_address_id = ? WHERE id = ?"
	if kind == manifest.SystemPostgres {
		stmt = "UPDATE customers SET default_address_id = $1 WHERE id = $2"
	}
	for _, d := range cycleDefaults {
		if _, err := db.Exec(stmt, d[1], d[0]); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// dumpTables reads every row of tables, keyed by table and id.
func dumpTables(t *testing.T, db *sql.DB, tables []string) map[string]map[string]row {
	t.Helper()
	out := map[string]map[string]row{}
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY id")
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		out[table] = map[string]row{}
		for rows.Next() {
			v := make([]any, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			if err := rows.Scan(p...); err != nil {
				t.Fatal(err)
			}
			r := row{}
			for i, c := range cols {
				r[strings.ToLower(c)] = norm(v[i])
			}
			out[table][pkOf(r, []string{"id"})] = r
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// danglingRefs fails t for rows whose foreign keys point nowhere; on
// SQLite it also asks PRAGMA foreign_key_check.
func danglingRefs(t *testing.T, s *shop) {
	t.Helper()
	for _, fk := range cycleForeignKeys {
		var n int
		q := fmt.Sprintf(`SELECT COUNT(*) FROM %[1]s c WHERE c.%[2]s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %[3]s p WHERE p.id = c.%[2]s)`, fk[0], fk[1], fk[2])
		if err := s.db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("fk check: %v", err)
		}
		if n != 0 {
			t.Errorf("%d rows of %s.%s point at no %s", n, fk[0], fk[1], fk[2])
		}
	}
	if s.kind == manifest.SystemSQLite {
		rows, err := s.db.Query(`PRAGMA foreign_key_check`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if rows.Next() {
			t.Errorf("PRAGMA foreign_key_check reports violations")
		}
	}
}

// An erasure across the cycle clears the customer's default address
// before it deletes her addresses, then her: the database's foreign keys
// accept every step, nothing of anyone else changes, and erasing again
// changes nothing more.
func TestEraseCycle(t *testing.T) {
	hash := regexp.MustCompile(`^[0-9a-f]{64}$`)
	const referenced = "rows kept for a legal hold or by the dataset refer to them"
	for _, tc := range []struct {
		name string
		edit func(customers *manifest.Table)
		// Alice's rows after the erasure, an e-mail address masked by a
		// hash as "<hash>"; the rest of hers are gone.
		want map[string]map[string]row
		rep  []sqlds.TableReport
	}{
		{
			name: "delete",
			want: map[string]map[string]row{},
			rep: []sqlds.TableReport{
				{Table: "customers", Rows: 1, Deleted: 1},
				{Table: "addresses", Rows: 2, Deleted: 2},
				{Table: "orders", Rows: 2, Deleted: 2},
			},
		},
		{
			// The customer kept, masked: masking clears her default
			// address, which goes with the other.
			name: "mask",
			edit: func(c *manifest.Table) { c.Erase = "mask" },
			want: map[string]map[string]row{
				"customers": {"1": {"id": int64(1), "email": "<hash>", "name": "Erased", "default_address_id": nil}},
			},
			rep: []sqlds.TableReport{
				{Table: "customers", Rows: 1, Masked: 1},
				{Table: "addresses", Rows: 2, Deleted: 2},
				{Table: "orders", Rows: 2, Deleted: 2},
			},
		},
		{
			// Masking changes the reference only: the row counts as masked
			// once, though the clearing changed it before masking.
			name: "mask the reference only",
			edit: func(c *manifest.Table) {
				c.Erase = "mask"
				c.Columns[0].Erase = &manifest.Erase{Action: manifest.EraseKeep}
				c.Columns[1].Erase = &manifest.Erase{Action: manifest.EraseKeep}
			},
			want: map[string]map[string]row{
				"customers": {"1": {"id": int64(1), "email": "alice@example.com", "name": "Alice Smith", "default_address_id": nil}},
			},
			rep: []sqlds.TableReport{
				{Table: "customers", Rows: 1, Masked: 1},
				{Table: "addresses", Rows: 2, Deleted: 2},
				{Table: "orders", Rows: 2, Deleted: 2},
			},
		},
		{
			// Masking keeps the reference: the default address stays,
			// masked, and nothing is cleared.
			name: "mask keeping the default address",
			edit: func(c *manifest.Table) {
				c.Erase = "mask"
				c.Columns[2].Erase = &manifest.Erase{Action: manifest.EraseKeep}
			},
			want: map[string]map[string]row{
				"customers": {"1": {"id": int64(1), "email": "<hash>", "name": "Erased", "default_address_id": int64(11)}},
				"addresses": {"11": {"id": int64(11), "customer_id": int64(1), "street": nil}},
			},
			rep: []sqlds.TableReport{
				{Table: "customers", Rows: 1, Masked: 1},
				{Table: "addresses", Rows: 2, Deleted: 1, Masked: 1, Retained: 1, RetainedReason: referenced},
				{Table: "orders", Rows: 2, Deleted: 2},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conntest.Engines(t, func(t *testing.T, kind, dsn string) {
				ctx := context.Background()
				s := newCycleShop(t, kind, dsn, false)
				eng, err := sqlds.New(kind, s.db, cycleDataset(tc.edit), nil, testKey)
				if err != nil {
					t.Fatal(err)
				}
				before := dumpTables(t, s.db, cycleTables)

				rep, err := eng.Erase(ctx, alice)
				if err != nil {
					t.Fatal(err)
				}
				after := dumpTables(t, s.db, cycleTables)
				danglingRefs(t, s)

				if diff := cmp.Diff(without(before, aliceCycleRows), without(after, aliceCycleRows)); diff != "" {
					t.Errorf("the erasure changed rows that are not Alice's (-before +after):\n%s", diff)
				}
				got := map[string]map[string]row{}
				for table, keys := range aliceCycleRows {
					for _, k := range keys {
						r, ok := after[table][k]
						if !ok {
							continue
						}
						r = maps.Clone(r)
						if e, _ := r["email"].(string); hash.MatchString(e) {
							r["email"] = "<hash>"
						}
						if got[table] == nil {
							got[table] = map[string]row{}
						}
						got[table][k] = r
					}
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("Alice's rows after the erasure (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(&sqlds.Report{Tables: tc.rep}, rep); diff != "" {
					t.Errorf("report (-want +got):\n%s", diff)
				}

				rep, err = eng.Erase(ctx, alice)
				if err != nil {
					t.Fatal(err)
				}
				for _, tr := range rep.Tables {
					if tr.Deleted != 0 || tr.Masked != 0 || tr.Updated != 0 {
						t.Errorf("second erasure: %+v", tr)
					}
				}
				if diff := cmp.Diff(after, dumpTables(t, s.db, cycleTables)); diff != "" {
					t.Errorf("the second erasure changed the database:\n%s", diff)
				}
			})
		})
	}
}

// Check refuses a NOT NULL column that an erasure would clear to break the
// cycle, naming it, unless the erasure never clears it.
func TestCheckCycleNotNull(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		ctx := context.Background()
		s := newCycleShop(t, kind, dsn, true)
		for _, tc := range []struct {
			name string
			edit func(customers *manifest.Table)
			want bool // a problem
		}{
			{"delete", nil, true},
			{"mask", func(c *manifest.Table) { c.Erase = "mask" }, true},
			{"mask keeping the default address", func(c *manifest.Table) {
				c.Erase = "mask"
				c.Columns[2].Erase = &manifest.Erase{Action: manifest.EraseKeep}
			}, false},
		} {
			eng, err := sqlds.New(kind, s.db, cycleDataset(tc.edit), nil, testKey)
			if err != nil {
				t.Fatal(err)
			}
			err = eng.Check(ctx)
			if !tc.want {
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
				}
				continue
			}
			var ce *sqlds.CheckError
			if !errors.As(err, &ce) {
				t.Fatalf("%s: Check: %v, want a *CheckError", tc.name, err)
			}
			t.Log(err)
			if len(ce.Problems) != 1 || !strings.Contains(ce.Problems[0], "customers.default_address_id must accept NULL") {
				t.Errorf("%s: problems %q, want one naming customers.default_address_id", tc.name, ce.Problems)
			}
			// An erasure refuses to start.
			if _, err := eng.Erase(ctx, alice); !errors.As(err, &ce) {
				t.Errorf("%s: Erase: %v, want a *CheckError", tc.name, err)
			}
		}
		// The nullable column passes.
		s = newCycleShop(t, kind, conntest.DSN(t, kind), false)
		eng, err := sqlds.New(kind, s.db, cycleDataset(nil), nil, testKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.Check(ctx); err != nil {
			t.Errorf("nullable: %v", err)
		}
	})
}

// The cyclic shop, multi-tenant: every key holds the tenant, so the
// reference that closes the cycle, customers (tenant, default_address_id)
// → addresses (tenant, id), has two columns, one of them part of the
// customer's primary key. An address's or an order's id repeats in
// another tenant. tenantPK puts customers.tenant in the customer's
// primary key; without it customers.id alone is the primary key and the
// tenant a nullable column. notNull makes customers.default_address_id
// NOT NULL.
func tenantCycleDDL(kind string, tenantPK, notNull bool) []string {
	engine, null := "", ""
	if kind == manifest.SystemMySQL {
		engine = " ENGINE=InnoDB"
	}
	if notNull {
		null = " NOT NULL"
	}
	inline := ""
	if kind == manifest.SystemSQLite {
		inline = ", FOREIGN KEY (tenant, default_address_id) REFERENCES addresses (tenant, id)"
	}
	customerKeys := `tenant BIGINT NOT NULL,
			id BIGINT NOT NULL,`
	customerPK := "PRIMARY KEY (tenant, id)"
	if !tenantPK {
		customerKeys = `id BIGINT PRIMARY KEY,
			tenant BIGINT,`
		customerPK = "UNIQUE (tenant, id)"
	}
	stmts := []string{
		`CREATE TABLE customers (
			` + customerKeys + `
			email VARCHAR(254) NOT NULL UNIQUE,
			name VARCHAR(200) NOT NULL,
			default_address_id BIGINT` + null + `,
			` + customerPK + inline + `
		)` + engine,
		`CREATE TABLE addresses (
			tenant BIGINT NOT NULL,
			id BIGINT NOT NULL,
			customer_id BIGINT NOT NULL,
			street VARCHAR(200),
			PRIMARY KEY (tenant, id),
			FOREIGN KEY (tenant, customer_id) REFERENCES customers (tenant, id)
		)` + engine,
		`CREATE TABLE orders (
			tenant BIGINT NOT NULL,
			id BIGINT NOT NULL,
			customer_id BIGINT NOT NULL,
			address_id BIGINT,
			total DECIMAL(10,2) NOT NULL,
			PRIMARY KEY (tenant, id),
			FOREIGN KEY (tenant, customer_id) REFERENCES customers (tenant, id),
			FOREIGN KEY (tenant, address_id) REFERENCES addresses (tenant, id)
		)` + engine,
	}
	if kind != manifest.SystemSQLite {
		stmts = append(stmts, `ALTER TABLE customers ADD FOREIGN KEY (tenant, default_address_id) REFERENCES addresses (tenant, id)`)
	}
	return stmts
}

// tenantForeignKeys lists the multi-tenant shop's foreign keys: child
// table, column besides the tenant, parent.
var tenantForeignKeys = [][3]string{
	{"customers", "default_address_id", "addresses"},
	{"addresses", "customer_id", "customers"},
	{"orders", "customer_id", "customers"},
	{"orders", "address_id", "addresses"},
}

// Alice (tenant 1, customer 1) has two addresses, the first her default,
// and two orders; Bob shares her tenant, Carol is in tenant 2, where
// addresses 11 and 12 and orders 21 and 22 are hers.
var tenantCycleSeed = []seedTable{
	{"customers", []string{"tenant", "id", "email", "name"}, [][]any{
		{1, 1, "alice@example.com", "Alice Smith"},
		{1, 2, "bob@example.com", "Bob Jones"},
		{2, 3, "carol@example.com", "Carol White"},
	}},
	{"addresses", []string{"tenant", "id", "customer_id", "street"}, [][]any{
		{1, 11, 1, "Lindenstraße 5"},
		{1, 12, 1, "Hauptstraße 1"},
		{1, 13, 2, "Bergweg 2"},
		{2, 11, 3, "Seeweg 9"},
		{2, 12, 3, "Am Markt 3"},
	}},
	{"orders", []string{"tenant", "id", "customer_id", "address_id", "total"}, [][]any{
		{1, 21, 1, 11, "10.00"},
		{1, 22, 1, 12, "20.00"},
		{1, 23, 2, 13, "30.00"},
		{2, 21, 3, 11, "40.00"},
		{2, 22, 3, nil, "50.00"},
	}},
}

// tenantCycleDefaults closes the cycle: tenant, customer, default address.
var tenantCycleDefaults = [][3]int{{1, 1, 11}, {1, 2, 13}, {2, 3, 11}}

// aliceTenantRows are Alice's rows, keyed tenant/id.
var aliceTenantRows = map[string][]string{
	"customers": {"1/1"},
	"addresses": {"1/11", "1/12"},
	"orders":    {"1/21", "1/22"},
}

// tenantCycleDataset describes the multi-tenant shop; edit changes the
// customers table.
func tenantCycleDataset(tenantPK bool, edit func(customers *manifest.Table)) *manifest.Dataset {
	customers := &manifest.Table{
		Name: "customers", PrimaryKey: []string{"tenant", "id"},
		Identities: map[string]string{"email": "email"},
		References: []*manifest.Reference{{Columns: []string{"tenant", "default_address_id"}, Table: "addresses", To: []string{"tenant", "id"}, Owns: true}},
		Columns: []*manifest.Column{
			{Name: "email", Category: "user.contact.email", Erase: &manifest.Erase{Action: manifest.EraseHash}},
			{Name: "name", Category: "user.name", Erase: &manifest.Erase{Action: manifest.EraseFixed, Value: "Erased"}},
			{Name: "default_address_id", Category: "user.contact.address"},
		},
	}
	if !tenantPK {
		customers.PrimaryKey = []string{"id"}
		customers.Columns = append(customers.Columns, &manifest.Column{Name: "tenant", Category: "system.tenant", Erase: &manifest.Erase{Action: manifest.EraseKeep}})
	}
	if edit != nil {
		edit(customers)
	}
	return &manifest.Dataset{Tables: []*manifest.Table{
		customers,
		{
			Name: "addresses", PrimaryKey: []string{"tenant", "id"},
			References: []*manifest.Reference{{Columns: []string{"tenant", "customer_id"}, Table: "customers", To: []string{"tenant", "id"}}},
			Columns:    []*manifest.Column{{Name: "street", Category: "user.contact.address"}},
		},
		{
			Name: "orders", PrimaryKey: []string{"tenant", "id"},
			References: []*manifest.Reference{
				{Columns: []string{"tenant", "customer_id"}, Table: "customers", To: []string{"tenant", "id"}},
				{Columns: []string{"tenant", "address_id"}, Table: "addresses", To: []string{"tenant", "id"}, Owns: true},
			},
			Columns: []*manifest.Column{{Name: "total", Category: "user.purchase", Erase: &manifest.Erase{Action: manifest.EraseKeep}}},
		},
	}}
}

// newTenantCycleShop creates and seeds the multi-tenant shop in a fresh
// database of kind.
func newTenantCycleShop(t *testing.T, kind, dsn string, tenantPK bool) *shop {
	t.Helper()
	db, err := sqlds.Open(context.Background(), kind, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", kind, err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range tenantCycleDDL(kind, tenantPK, false) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v\n%s", kind, err, s)
		}
	}
	s := &shop{kind: kind, db: db}
	for _, st := range tenantCycleSeed {
		for _, r := range st.rows {
			s.insert(t, st.name, st.cols, r)
		}
	}
	stmt := "UPDATE customers SET default_address_id = ? WHERE tenant = ? AND id = ?"
	if kind == manifest.SystemPostgres {
		stmt = "UPDATE customers SET default_address_id = $1 WHERE tenant = $2 AND id = $3"
	}
	for _, d := range tenantCycleDefaults {
		if _, err := db.Exec(stmt, d[2], d[0], d[1]); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// dumpTenantTables reads every row of the multi-tenant shop, keyed by
// table and tenant/id.
func dumpTenantTables(t *testing.T, db *sql.DB) map[string]map[string]row {
	t.Helper()
	out := map[string]map[string]row{}
	for _, table := range cycleTables {
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY tenant, id")
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		out[table] = map[string]row{}
		for rows.Next() {
			v := make([]any, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			if err := rows.Scan(p...); err != nil {
				t.Fatal(err)
			}
			r := row{}
			for i, c := range cols {
				r[strings.ToLower(c)] = norm(v[i])
			}
			out[table][pkOf(r, []string{"tenant", "id"})] = r
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// danglingTenantRefs fails t for rows whose foreign keys point nowhere
// (MATCH SIMPLE: a NULL column points nowhere and needs nothing); on
// SQLite it also asks PRAGMA foreign_key_check.
func danglingTenantRefs(t *testing.T, s *shop) {
	t.Helper()
	for _, fk := range tenantForeignKeys {
		var n int
		q := fmt.Sprintf(`SELECT COUNT(*) FROM %[1]s c WHERE c.tenant IS NOT NULL AND c.%[2]s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %[3]s p WHERE p.tenant = c.tenant AND p.id = c.%[2]s)`, fk[0], fk[1], fk[2])
		if err := s.db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("fk check: %v", err)
		}
		if n != 0 {
			t.Errorf("%d rows of %s (tenant, %s) point at no %s", n, fk[0], fk[1], fk[2])
		}
	}
	if s.kind == manifest.SystemSQLite {
		rows, err := s.db.Query(`PRAGMA foreign_key_check`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if rows.Next() {
			t.Errorf("PRAGMA foreign_key_check reports violations")
		}
	}
}

// An erasure across a cycle whose references are composite (multi-tenant
// keys) clears only what lifts the reference that closes the cycle: the
// default address, never the tenant, which is part of the customer's
// primary key, or is kept (keep, or a legal hold) when the customer is
// masked. Check passes for such a dataset, so access works; the
// database's foreign keys accept every step of the erasure; nothing of
// anyone else changes, in Alice's tenant or in another with the same ids;
// erasing again changes nothing more.
func TestEraseTenantCycle(t *testing.T) {
	hash := regexp.MustCompile(`^[0-9a-f]{64}$`)
	const referenced = "rows kept for a legal hold or by the dataset refer to them"
	const tenantHold = "the operator's contracts"
	hold := func(category string) (string, bool) {
		if category == "system.tenant" {
			return tenantHold, true
		}
		return "", false
	}
	for _, tc := range []struct {
		name     string
		tenantPK bool // customers.tenant is part of the primary key
		edit     func(customers *manifest.Table)
		hold     sqlds.HoldFunc
		// Alice's rows after the erasure, an e-mail address masked by a
		// hash as "<hash>"; the rest of hers are gone.
		want map[string]map[string]row
		rep  *sqlds.Report
	}{
		{
			name:     "delete",
			tenantPK: true,
			want:     map[string]map[string]row{},
			rep: &sqlds.Report{Tables: []sqlds.TableReport{
				{Table: "customers", Rows: 1, Deleted: 1},
				{Table: "addresses", Rows: 2, Deleted: 2},
				{Table: "orders", Rows: 2, Deleted: 2},
			}},
		},
		{
			name:     "mask",
			tenantPK: true,
			edit:     func(c *manifest.Table) { c.Erase = "mask" },
			want: map[string]map[string]row{
				"customers": {"1/1": {"tenant": int64(1), "id": int64(1), "email": "<hash>", "name": "Erased", "default_address_id": nil}},
			},
			rep: &sqlds.Report{Tables: []sqlds.TableReport{
				{Table: "customers", Rows: 1, Masked: 1},
				{Table: "addresses", Rows: 2, Deleted: 2},
				{Table: "orders", Rows: 2, Deleted: 2},
			}},
		},
		{
			name:     "mask the reference only",
			tenantPK: true,
			edit: func(c *manifest.Table) {
				c.Erase = "mask"
				c.Columns[0].Erase = &manifest.Erase{Action: manifest.EraseKeep}
				c.Columns[1].Erase = &manifest.Erase{Action: manifest.EraseKeep}
			},
			want: map[string]map[string]row{
				"customers": {"1/1": {"tenant": int64(1), "id": int64(1), "email": "alice@example.com", "name": "Alice Smith", "default_address_id": nil}},
			},
			rep: &sqlds.Report{Tables: []sqlds.TableReport{
				{Table: "customers", Rows: 1, Masked: 1},
				{Table: "addresses", Rows: 2, Deleted: 2},
				{Table: "orders", Rows: 2, Deleted: 2},
			}},
		},
		{
			name:     "mask keeping the default address",
			tenantPK: true,
			edit: func(c *manifest.Table) {
				c.Erase = "mask"
				c.Columns[2].Erase = &manifest.Erase{Action: manifest.EraseKeep}
			},
			want: map[string]map[string]row{
				"customers": {"1/1": {"tenant": int64(1), "id": int64(1), "email": "<hash>", "name": "Erased", "default_address_id": int64(11)}},
				"addresses": {"1/11": {"tenant": int64(1), "id": int64(11), "customer_id": int64(1), "street": nil}},
			},
			rep: &sqlds.Report{Tables: []sqlds.TableReport{
				{Table: "customers", Rows: 1, Masked: 1},
				{Table: "addresses", Rows: 2, Deleted: 1, Masked: 1, Retained: 1, RetainedReason: referenced},
				{Table: "orders", Rows: 2, Deleted: 2},
			}},
		},
		{
			// The tenant a nullable column of the customer, not in her
			// primary key: deleting her clears the default address only.
			name: "delete, the tenant a column",
			want: map[string]map[string]row{},
			rep: &sqlds.Report{Tables: []sqlds.TableReport{
				{Table: "customers", Rows: 1, Deleted: 1},
				{Table: "addresses", Rows: 2, Deleted: 2},
				{Table: "orders", Rows: 2, Deleted: 2},
			}},
		},
		{
			// Masking clears the default address, and keeps the tenant
			// (keep).
			name: "mask, the tenant kept",
			edit: func(c *manifest.Table) { c.Erase = "mask" },
			want: map[string]map[string]row{
				"customers": {"1/1": {"tenant": int64(1), "id": int64(1), "email": "<hash>", "name": "Erased", "default_address_id": nil}},
			},
			rep: &sqlds.Report{Tables: []sqlds.TableReport{
				{Table: "customers", Rows: 1, Masked: 1},
				{Table: "addresses", Rows: 2, Deleted: 2},
				{Table: "orders", Rows: 2, Deleted: 2},
			}},
		},
		{
			// The tenant under a legal hold, to be masked otherwise.
			name: "mask, the tenant held",
			edit: func(c *manifest.Table) {
				c.Erase = "mask"
				c.Columns[3].Erase = nil
			},
			hold: hold,
			want: map[string]map[string]row{
				"customers": {"1/1": {"tenant": int64(1), "id": int64(1), "email": "<hash>", "name": "Erased", "default_address_id": nil}},
			},
			rep: &sqlds.Report{
				Tables: []sqlds.TableReport{
					{Table: "customers", Rows: 1, Masked: 1},
					{Table: "addresses", Rows: 2, Deleted: 2},
					{Table: "orders", Rows: 2, Deleted: 2},
				},
				Kept: []sqlds.KeptCategory{{Category: "system.tenant", Reason: tenantHold, Columns: []string{"customers.tenant"}}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conntest.Engines(t, func(t *testing.T, kind, dsn string) {
				ctx := context.Background()
				s := newTenantCycleShop(t, kind, dsn, tc.tenantPK)
				eng, err := sqlds.New(kind, s.db, tenantCycleDataset(tc.tenantPK, tc.edit), tc.hold, testKey)
				if err != nil {
					t.Fatal(err)
				}
				if err := eng.Check(ctx); err != nil {
					t.Fatalf("Check: %v", err)
				}
				before := dumpTenantTables(t, s.db)

				// Access reads Alice's rows, and no one else's.
				accessed := map[string][]string{}
				err = eng.Access(ctx, alice, func(table string, r map[string]any) error {
					accessed[table] = append(accessed[table], fmt.Sprintf("%v/%v", r["tenant"], r["id"]))
					return nil
				})
				if err != nil {
					t.Fatalf("Access: %v", err)
				}
				if diff := cmp.Diff(aliceTenantRows, accessed); diff != "" {
					t.Errorf("Access read (-want +got):\n%s", diff)
				}

				rep, err := eng.Erase(ctx, alice)
				if err != nil {
					t.Fatal(err)
				}
				after := dumpTenantTables(t, s.db)
				danglingTenantRefs(t, s)

				if diff := cmp.Diff(without(before, aliceTenantRows), without(after, aliceTenantRows)); diff != "" {
					t.Errorf("the erasure changed rows that are not Alice's (-before +after):\n%s", diff)
				}
				got := map[string]map[string]row{}
				for table, keys := range aliceTenantRows {
					for _, k := range keys {
						r, ok := after[table][k]
						if !ok {
							continue
						}
						r = maps.Clone(r)
						if e, _ := r["email"].(string); hash.MatchString(e) {
							r["email"] = "<hash>"
						}
						if got[table] == nil {
							got[table] = map[string]row{}
						}
						got[table][k] = r
					}
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("Alice's rows after the erasure (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.rep, rep); diff != "" {
					t.Errorf("report (-want +got):\n%s", diff)
				}

				rep, err = eng.Erase(ctx, alice)
				if err != nil {
					t.Fatal(err)
				}
				for _, tr := range rep.Tables {
					if tr.Deleted != 0 || tr.Masked != 0 || tr.Updated != 0 {
						t.Errorf("second erasure: %+v", tr)
					}
				}
				if diff := cmp.Diff(after, dumpTenantTables(t, s.db)); diff != "" {
					t.Errorf("the second erasure changed the database:\n%s", diff)
				}
			})
		})
	}
}

// Check asks of a composite reference that closes a cycle one column it
// may set to NULL, outside the primary key, and names the reference when
// it has none.
func TestCheckTenantCycle(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		ctx := context.Background()
		db, err := sqlds.Open(ctx, kind, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		for _, s := range tenantCycleDDL(kind, true, true) {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%v\n%s", err, s)
			}
		}
		for _, tc := range []struct {
			name string
			edit func(customers *manifest.Table)
			want string // the problem; "": none
		}{
			{"delete", nil, "column customers.default_address_id must accept NULL: its reference (tenant, default_address_id) to addresses"},
			{"mask", func(c *manifest.Table) { c.Erase = "mask" }, "column customers.default_address_id must accept NULL"},
			{"mask keeping the default address", func(c *manifest.Table) {
				c.Erase = "mask"
				c.Columns[2].Erase = &manifest.Erase{Action: manifest.EraseKeep}
			}, ""},
			{"every column in the primary key", func(c *manifest.Table) {
				c.References[0].Columns = []string{"tenant", "id"}
			}, "the reference of customers (tenant, id) to addresses (owns) closes a cycle of references, but each of its columns is part of the primary key"},
		} {
			eng, err := sqlds.New(kind, db, tenantCycleDataset(true, tc.edit), nil, testKey)
			if err != nil {
				t.Fatal(err)
			}
			err = eng.Check(ctx)
			if tc.want == "" {
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
				}
				continue
			}
			var ce *sqlds.CheckError
			if !errors.As(err, &ce) {
				t.Fatalf("%s: Check: %v, want a *CheckError", tc.name, err)
			}
			if len(ce.Problems) != 1 || !strings.Contains(ce.Problems[0], tc.want) {
				t.Errorf("%s: problems %q, want one with %q", tc.name, ce.Problems, tc.want)
			}
			if strings.Contains(err.Error(), "customers.tenant") {
				t.Errorf("%s: %v names the tenant, part of the primary key", tc.name, err)
			}
		}
	})
}
