package sqlds_test

// The test's own shop: a realistic schema with real foreign keys, several
// levels deep, seeded with the person the requests are about (Alice,
// customer 101), a second person erased entirely (Dave, 105), and others
// whose data overlaps theirs: the same name, similar addresses, a shared
// home address, an old newsletter address under the same consent id.

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	shopds "github.com/custos-privacy/custos/internal/connector/shop"
	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/manifest"
)

// shopDDL returns the statements that create the shop on kind.
func shopDDL(kind string) []string {
	ts, engine := "TIMESTAMP", ""
	switch kind {
	case manifest.SystemPostgres:
		ts = "TIMESTAMPTZ"
	case manifest.SystemMySQL:
		ts, engine = "DATETIME(6)", " ENGINE=InnoDB"
	}
	stmts := []string{
		`CREATE TABLE addresses (
			id BIGINT PRIMARY KEY,
			street VARCHAR(200) NOT NULL,
			city VARCHAR(100) NOT NULL,
			postcode VARCHAR(20) NOT NULL,
			country CHAR(2) NOT NULL
		)`,
		`CREATE TABLE customers (
			id BIGINT PRIMARY KEY,
			email VARCHAR(254) NOT NULL UNIQUE,
			phone VARCHAR(32),
			name VARCHAR(200) NOT NULL,
			address_id BIGINT,
			restricted BOOLEAN NOT NULL DEFAULT FALSE,
			created_at TS NOT NULL,
			FOREIGN KEY (address_id) REFERENCES addresses (id)
		)`,
		`CREATE INDEX customers_phone ON customers (phone)`,
		`CREATE INDEX customers_address ON customers (address_id)`,
		`CREATE TABLE orders (
			id BIGINT PRIMARY KEY,
			customer_id BIGINT NOT NULL,
			shipping_address_id BIGINT,
			shipping_name VARCHAR(200),
			note TEXT,
			total DECIMAL(10,2) NOT NULL,
			placed_at TS NOT NULL,
			FOREIGN KEY (customer_id) REFERENCES customers (id),
			FOREIGN KEY (shipping_address_id) REFERENCES addresses (id)
		)`,
		`CREATE INDEX orders_customer ON orders (customer_id)`,
		`CREATE INDEX orders_shipping ON orders (shipping_address_id)`,
		`CREATE TABLE order_lines (
			order_id BIGINT NOT NULL,
			line_no INTEGER NOT NULL,
			product VARCHAR(100) NOT NULL,
			quantity INTEGER NOT NULL,
			price DECIMAL(10,2) NOT NULL,
			gift_message TEXT,
			PRIMARY KEY (order_id, line_no),
			FOREIGN KEY (order_id) REFERENCES orders (id)
		)`,
		`CREATE TABLE payments (
			id BIGINT PRIMARY KEY,
			order_id BIGINT NOT NULL,
			amount DECIMAL(10,2) NOT NULL,
			paid_at TS NOT NULL,
			card_holder VARCHAR(200),
			card_last4 CHAR(4),
			FOREIGN KEY (order_id) REFERENCES orders (id)
		)`,
		`CREATE INDEX payments_order ON payments (order_id)`,
		`CREATE TABLE newsletter_subscriptions (
			id BIGINT PRIMARY KEY,
			email VARCHAR(254) NOT NULL UNIQUE,
			consent_id VARCHAR(64),
			subscribed_at TS NOT NULL
		)`,
		`CREATE INDEX newsletter_consent ON newsletter_subscriptions (consent_id)`,
		`CREATE TABLE support_tickets (
			id BIGINT PRIMARY KEY,
			customer_id BIGINT,
			contact_email VARCHAR(254),
			subject VARCHAR(200) NOT NULL,
			status VARCHAR(20) NOT NULL,
			restricted BOOLEAN NOT NULL DEFAULT FALSE,
			opened_at TS NOT NULL,
			FOREIGN KEY (customer_id) REFERENCES customers (id)
		)`,
		`CREATE INDEX tickets_customer ON support_tickets (customer_id)`,
		`CREATE INDEX tickets_email ON support_tickets (contact_email)`,
		`CREATE TABLE ticket_messages (
			id BIGINT PRIMARY KEY,
			ticket_id BIGINT NOT NULL,
			author VARCHAR(20) NOT NULL,
			body TEXT NOT NULL,
			sent_at TS NOT NULL,
			FOREIGN KEY (ticket_id) REFERENCES support_tickets (id)
		)`,
		`CREATE INDEX messages_ticket ON ticket_messages (ticket_id)`,
	}
	for i, s := range stmts {
		s = strings.ReplaceAll(s, " TS ", " "+ts+" ")
		if strings.HasPrefix(s, "CREATE TABLE") {
			s += engine
		}
		stmts[i] = s
	}
	return stmts
}

// foreignKeys lists the shop's foreign keys: child table, column, parent.
var foreignKeys = [][3]string{
	{"customers", "address_id", "addresses"},
	{"orders", "customer_id", "customers"},
	{"orders", "shipping_address_id", "addresses"},
	{"order_lines", "order_id", "orders"},
	{"payments", "order_id", "orders"},
	{"support_tickets", "customer_id", "customers"},
	{"ticket_messages", "ticket_id", "support_tickets"},
}

// primaryKeys orders each table's dump.
var primaryKeys = map[string][]string{
	"addresses":                {"id"},
	"customers":                {"id"},
	"orders":                   {"id"},
	"order_lines":              {"order_id", "line_no"},
	"payments":                 {"id"},
	"newsletter_subscriptions": {"id"},
	"support_tickets":          {"id"},
	"ticket_messages":          {"id"},
}

var shopTables = []string{"addresses", "customers", "orders", "order_lines", "payments", "newsletter_subscriptions", "support_tickets", "ticket_messages"}

// seed is the shop's rows, table by table in an order the foreign keys
// accept.
type seedTable struct {
	name string
	cols []string
	rows [][]any
}

func at(day, hour int) time.Time { return time.Date(2025, 3, day, hour, 15, 0, 0, time.UTC) }

var seed = []seedTable{
	{"addresses", []string{"id", "street", "city", "postcode", "country"}, [][]any{
		{201, "Lindenstraße 5", "Berlin", "10115", "DE"}, // Alice's home, shared with Alicia (103)
		{202, "Lindenstraße 7", "Berlin", "10115", "DE"}, // the other Alice Smith
		{203, "Hauptstraße 1", "Potsdam", "14467", "DE"}, // Alice's mother: a gift's shipping address
		{204, "Bergweg 2", "Hamburg", "20095", "DE"},
		{205, "Seeweg 9", "Kiel", "24103", "DE"}, // Dave
		{206, "Hauptstraße 1a", "Potsdam", "14467", "DE"},
	}},
	{"customers", []string{"id", "email", "phone", "name", "address_id", "created_at"}, [][]any{
		{101, "alice@example.com", "+49 151 1111111", "Alice Smith", 201, at(1, 9)},
		{102, "alice.smith@example.com", "+49 151 1111112", "Alice Smith", 202, at(1, 10)},
		{103, "alice@example.org", nil, "Alicia Smith", 201, at(2, 9)},
		{104, "bob@example.com", "+49 151 2222222", "Bob Jones", 204, at(2, 10)},
		{105, "dave@example.net", nil, "Dave Brown", 205, at(3, 9)},
	}},
	{"orders", []string{"id", "customer_id", "shipping_address_id", "shipping_name", "note", "total", "placed_at"}, [][]any{
		{1001, 101, 201, "Alice Smith", "leave at the door", "59.90", at(4, 12)},
		{1002, 101, 203, "Mrs Smith", "a gift for mum", "19.99", at(5, 12)},
		{1003, 102, 202, "Alice Smith", nil, "42.00", at(5, 13)},
		{1004, 104, 206, "Bob Jones", "ring twice", "12.50", at(6, 8)},
		{1005, 105, 205, "Dave Brown", nil, "99.00", at(6, 9)},
	}},
	{"order_lines", []string{"order_id", "line_no", "product", "quantity", "price", "gift_message"}, [][]any{
		{1001, 1, "Tea", 2, "19.95", nil},
		{1001, 2, "Mug", 1, "20.00", nil},
		{1002, 1, "Scarf", 1, "19.99", "Happy birthday, Mum!"},
		{1003, 1, "Tea", 1, "19.95", nil},
		{1003, 2, "Honey", 1, "22.05", nil},
		{1004, 1, "Coffee", 1, "12.50", nil},
		{1005, 1, "Boots", 1, "89.00", nil},
		{1005, 2, "Socks", 2, "5.00", nil},
	}},
	{"payments", []string{"id", "order_id", "amount", "paid_at", "card_holder", "card_last4"}, [][]any{
		{3001, 1001, "59.90", at(4, 12), "ALICE SMITH", "4242"},
		{3002, 1003, "42.00", at(5, 13), "ALICE SMITH", "1881"},
		{3003, 1004, "12.50", at(6, 8), "BOB JONES", "0005"},
	}},
	{"newsletter_subscriptions", []string{"id", "email", "consent_id", "subscribed_at"}, [][]any{
		{401, "alice@example.com", "c-alice-1", at(1, 9)},
		{402, "alice.old@example.com", "c-alice-1", at(1, 8)}, // an old address, the same consent id
		{403, "alice.smith@example.com", "c-102", at(1, 10)},
		{404, "bob@example.com", "c-bob", at(2, 10)},
		{405, "alice@example.co", nil, at(2, 11)}, // a typo, someone else's
	}},
	{"support_tickets", []string{"id", "customer_id", "contact_email", "subject", "status", "opened_at"}, [][]any{
		{501, 101, "alice@example.com", "Where is my order 1001?", "closed", at(7, 9)},
		{502, nil, "alice@example.com", "Do you ship to Austria?", "open", at(7, 10)}, // before she was a customer
		{503, 102, "alice.smith@example.com", "Wrong honey", "open", at(7, 11)},
		{504, 105, nil, "Boots too small", "open", at(7, 12)},
		{505, nil, "alice@example.co", "Wholesale prices?", "open", at(7, 13)},
	}},
	{"ticket_messages", []string{"id", "ticket_id", "author", "body", "sent_at"}, [][]any{
		{601, 501, "customer", "Hi, my order 1001 has not arrived. Alice", at(7, 9)},
		{602, 501, "staff", "It is on its way, Ms Smith.", at(7, 10)},
		{603, 502, "customer", "Do you ship to Vienna? alice@example.com", at(7, 10)},
		{604, 503, "customer", "I got the wrong honey.", at(7, 11)},
		{605, 504, "customer", "The boots are too small.", at(7, 12)},
		{606, 505, "customer", "Prices for 100 mugs?", at(7, 13)},
	}},
}

var testKey = []byte("a test key of 32 bytes, no more!")

// alice is what a request about Alice knows: her address, her customer
// number (from an order e-mail) and the consent id of her browser.
var alice = map[string]string{"email": "alice@example.com", "customer_id": "101", "consent_id": "c-alice-1"}

var dave = map[string]string{"email": "dave@example.net"}

// shop is one engine's shop, created and seeded.
type shop struct {
	kind string
	db   *sql.DB
	eng  *sqlds.Engine
}

// newShop creates the shop in a fresh database of kind.
func newShop(t testing.TB, kind, dsn string) *shop {
	t.Helper()
	ctx := context.Background()
	db, err := sqlds.Open(ctx, kind, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", kind, err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range shopDDL(kind) {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v\n%s", kind, err, s)
		}
	}
	s := &shop{kind: kind, db: db}
	for _, st := range seed {
		for _, row := range st.rows {
			s.insert(t, st.name, st.cols, row)
		}
	}
	s.eng, err = sqlds.New(kind, db, shopds.Dataset(), shopds.Hold, testKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *shop) placeholders(n int) string {
	p := make([]string, n)
	for i := range p {
		if s.kind == manifest.SystemPostgres {
			p[i] = fmt.Sprintf("$%d", i+1)
		} else {
			p[i] = "?"
		}
	}
	return strings.Join(p, ", ")
}

func (s *shop) insert(t testing.TB, table string, cols []string, row []any) {
	t.Helper()
	stmt := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + s.placeholders(len(cols)) + ")"
	if _, err := s.db.Exec(stmt, row...); err != nil {
		t.Fatalf("%s: insert into %s: %v", s.kind, table, err)
	}
}

// row is one dumped row: column → normalised value.
type row map[string]any

// dump reads every row of every table, keyed by table and primary key.
func (s *shop) dump(t testing.TB) map[string]map[string]row {
	t.Helper()
	out := map[string]map[string]row{}
	for _, table := range shopTables {
		pk := primaryKeys[table]
		rows, err := s.db.Query("SELECT * FROM " + table + " ORDER BY " + strings.Join(pk, ", "))
		if err != nil {
			t.Fatalf("%s: dump %s: %v", s.kind, table, err)
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
			out[table][pkOf(r, pk)] = r
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

func pkOf(r map[string]any, pk []string) string {
	parts := make([]string, len(pk))
	for i, c := range pk {
		parts[i] = fmt.Sprint(r[c])
	}
	return strings.Join(parts, "/")
}

// norm makes a scanned value comparable across reads.
func norm(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case int32:
		return int64(x)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

// fkCheck finds rows whose foreign keys point nowhere; on SQLite it also
// asks PRAGMA foreign_key_check.
func (s *shop) fkCheck(t testing.TB) {
	t.Helper()
	for _, fk := range foreignKeys {
		var n int
		q := fmt.Sprintf(`SELECT COUNT(*) FROM %[1]s c WHERE c.%[2]s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %[3]s p WHERE p.id = c.%[2]s)`, fk[0], fk[1], fk[2])
		if err := s.db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: fk check: %v", s.kind, err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows of %s.%s point at no %s", s.kind, n, fk[0], fk[1], fk[2])
		}
	}
	if s.kind == manifest.SystemSQLite {
		rows, err := s.db.Query(`PRAGMA foreign_key_check`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if rows.Next() {
			t.Errorf("sqlite: PRAGMA foreign_key_check reports violations")
		}
	}
}

// without returns d less the rows named in drop (table → primary keys).
func without(d map[string]map[string]row, drop map[string][]string) map[string]map[string]row {
	out := map[string]map[string]row{}
	for table, rows := range d {
		out[table] = map[string]row{}
		for k, r := range rows {
			out[table][k] = r
		}
		for _, k := range drop[table] {
			delete(out[table], k)
		}
	}
	return out
}

// aliceRows are Alice's rows, table → primary keys.
var aliceRows = map[string][]string{
	"customers":                {"101"},
	"addresses":                {"201", "203"},
	"orders":                   {"1001", "1002"},
	"order_lines":              {"1001/1", "1001/2", "1002/1"},
	"payments":                 {"3001"},
	"newsletter_subscriptions": {"401", "402"},
	"support_tickets":          {"501", "502"},
	"ticket_messages":          {"601", "602", "603"},
}

var daveRows = map[string][]string{
	"customers":       {"105"},
	"addresses":       {"205"},
	"orders":          {"1005"},
	"order_lines":     {"1005/1", "1005/2"},
	"support_tickets": {"504"},
	"ticket_messages": {"605"},
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}
