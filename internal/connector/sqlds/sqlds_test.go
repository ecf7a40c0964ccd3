package sqlds_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/connector/conntest"
	shopds "github.com/custos-privacy/custos/internal/connector/shop"
	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/manifest"
)

// emailRE finds an e-mail address in an error.
var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+`)

func noPersonalData(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if m := emailRE.FindString(msg); m != "" {
		t.Errorf("error holds an e-mail address %q: %s", m, msg)
	}
	for _, s := range []string{"Alice", "alice", "Smith", "Lindenstraße", "+49", "4242"} {
		if strings.Contains(msg, s) {
			t.Errorf("error holds personal data %q: %s", s, msg)
		}
	}
}

func TestAccess(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		s := newShop(t, kind, dsn)
		before := s.dump(t)
		got := map[string][]map[string]any{}
		var order []string
		err := s.eng.Access(context.Background(), alice, func(table string, r map[string]any) error {
			if len(order) == 0 || order[len(order)-1] != table {
				if slices.Contains(order, table) {
					t.Errorf("rows of %s are not grouped: %v then %s again", table, order, table)
				}
				order = append(order, table)
			}
			got[table] = append(got[table], r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// Exactly Alice's rows, table by table.
		ds := shopds.Dataset()
		keys := map[string][]string{}
		for table, rows := range got {
			var tbl *manifest.Table
			for _, x := range ds.Tables {
				if x.Name == table {
					tbl = x
				}
			}
			want := slices.Clone(tbl.PrimaryKey)
			for _, c := range tbl.Columns {
				if !slices.Contains(want, c.Name) {
					want = append(want, c.Name)
				}
			}
			slices.Sort(want)
			for _, r := range rows {
				var cols []string
				for c, v := range r {
					cols = append(cols, c)
					switch v.(type) {
					case nil, string, int64, float64, bool:
					default:
						t.Errorf("%s.%s: %T is not a plain JSON value", table, c, v)
					}
				}
				slices.Sort(cols)
				if !slices.Equal(cols, want) {
					t.Errorf("%s: columns %v, want the primary key and the declared columns %v", table, cols, want)
				}
				keys[table] = append(keys[table], pkOf(r, tbl.PrimaryKey))
			}
			if _, err := json.Marshal(rows); err != nil {
				t.Errorf("%s: %v", table, err)
			}
		}
		for table := range keys {
			keys[table] = sorted(keys[table])
		}
		if diff := cmp.Diff(aliceRows, keys); diff != "" {
			t.Errorf("access returned other rows than Alice's (-want +got):\n%s", diff)
		}
		wantOrder := []string{"customers", "newsletter_subscriptions", "support_tickets", "addresses", "orders", "ticket_messages", "order_lines", "payments"}
		if !slices.Equal(order, wantOrder) {
			t.Errorf("tables in order %v, want the walk's %v", order, wantOrder)
		}

		// Values come back as the database holds them, in plain types.
		c := got["customers"][0]
		if c["email"] != "alice@example.com" || c["name"] != "Alice Smith" || c["phone"] != "+49 151 1111111" {
			t.Errorf("customer 101: %v", c)
		}
		if ts, ok := c["created_at"].(string); !ok {
			t.Errorf("created_at is %T, want an RFC 3339 string", c["created_at"])
		} else if tm, err := time.Parse(time.RFC3339, ts); err != nil || !tm.Equal(at(1, 9)) {
			t.Errorf("created_at %q, want %v (%v)", ts, at(1, 9), err)
		}
		if id, ok := c["id"].(int64); !ok || id != 101 {
			t.Errorf("id %#v, want int64 101", c["id"])
		}
		for _, o := range got["orders"] {
			if _, ok := o["note"].(string); o["id"] == int64(1001) && !ok {
				t.Errorf("order 1001 note %#v", o["note"])
			}
		}

		// An emit error stops the stream and comes back as it is.
		stop := errors.New("stop")
		n := 0
		err = s.eng.Access(context.Background(), alice, func(string, map[string]any) error {
			n++
			return stop
		})
		if err != stop || n != 1 {
			t.Errorf("emit error: got %v after %d rows", err, n)
		}

		// Nobody's rows for an unknown person.
		err = s.eng.Access(context.Background(), map[string]string{"email": "nobody@example.com", "customer_id": "not a number"}, func(table string, _ map[string]any) error {
			t.Errorf("a row of %s for nobody", table)
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		if diff := cmp.Diff(before, s.dump(t)); diff != "" {
			t.Errorf("access changed the database:\n%s", diff)
		}
	})
}

func TestPreview(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		s := newShop(t, kind, dsn)
		before := s.dump(t)
		got, err := s.eng.Preview(context.Background(), alice)
		if err != nil {
			t.Fatal(err)
		}
		want := []sqlds.TableCount{
			{Table: "customers", Rows: 1, Mask: 1, Restrictable: true},
			{Table: "newsletter_subscriptions", Rows: 2, Delete: 2},
			{Table: "support_tickets", Rows: 2, Mask: 2, Restrictable: true},
			{Table: "addresses", Rows: 2, Delete: 1, Leave: 1},
			{Table: "orders", Rows: 2, Delete: 1, Mask: 1},
			{Table: "ticket_messages", Rows: 3, Delete: 3},
			{Table: "order_lines", Rows: 3, Delete: 3},
			{Table: "payments", Rows: 1, Mask: 1},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("preview (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before, s.dump(t)); diff != "" {
			t.Errorf("preview changed the database:\n%s", diff)
		}
	})
}

func TestErase(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		ctx := context.Background()
		s := newShop(t, kind, dsn)
		before := s.dump(t)

		rep, err := s.eng.Erase(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		after := s.dump(t)
		s.fkCheck(t)

		// Nothing of anyone else changed: every other row of every table
		// is as it was.
		if diff := cmp.Diff(without(before, aliceRows), without(after, aliceRows)); diff != "" {
			t.Errorf("the erasure changed rows that are not Alice's (-before +after):\n%s", diff)
		}

		// Alice's rows: deleted, or masked where kept.
		gone := map[string][]string{
			"addresses":                {"203"},
			"orders":                   {"1002"},
			"order_lines":              {"1001/1", "1001/2", "1002/1"},
			"newsletter_subscriptions": {"401", "402"},
			"ticket_messages":          {"601", "602", "603"},
		}
		for table, keys := range gone {
			for _, k := range keys {
				if r, ok := after[table][k]; ok {
					t.Errorf("%s %s survived the erasure: %v", table, k, r)
				}
			}
		}
		hexRE := regexp.MustCompile(`^[0-9a-f]+$`)
		c := after["customers"]["101"]
		if c == nil {
			t.Fatal("customer 101 was deleted, but her kept order refers to it")
		}
		if e, _ := c["email"].(string); len(e) != 64 || !hexRE.MatchString(e) {
			t.Errorf("customer email %q, want a 64-digit keyed hash", e)
		}
		if c["phone"] != nil || c["address_id"] != nil || c["name"] != "Erased" {
			t.Errorf("customer 101 not masked: %v", c)
		}
		if c["created_at"] != before["customers"]["101"]["created_at"] {
			t.Errorf("customer created_at (keep) changed: %v", c["created_at"])
		}
		o := after["orders"]["1001"]
		if o == nil {
			t.Fatal("order 1001 was deleted, but a payment kept for the tax law refers to it")
		}
		if n, _ := o["note"].(string); len(n) != 32 || !hexRE.MatchString(n) {
			t.Errorf("order note %q, want a random hex value", n)
		}
		if o["shipping_name"] != nil || o["shipping_address_id"] != nil {
			t.Errorf("order 1001 not masked: %v", o)
		}
		for _, col := range []string{"total", "placed_at", "customer_id"} {
			if o[col] != before["orders"]["1001"][col] {
				t.Errorf("order 1001 %s changed: %v → %v", col, before["orders"]["1001"][col], o[col])
			}
		}
		// The legal hold: the payment survives with its financial columns.
		p := after["payments"]["3001"]
		if p == nil {
			t.Fatal("payment 3001 (legal hold) was deleted")
		}
		for _, col := range []string{"amount", "paid_at", "card_last4", "order_id"} {
			if p[col] != before["payments"]["3001"][col] {
				t.Errorf("held payment column %s changed: %v → %v", col, before["payments"]["3001"][col], p[col])
			}
		}
		if p["card_holder"] != nil {
			t.Errorf("payment card_holder (not held) kept: %v", p["card_holder"])
		}
		// The address she shares with Alicia is left alone.
		if diff := cmp.Diff(before["addresses"]["201"], after["addresses"]["201"]); diff != "" {
			t.Errorf("shared address changed:\n%s", diff)
		}
		for _, k := range []string{"501", "502"} {
			tk := after["support_tickets"][k]
			if tk == nil {
				t.Fatalf("ticket %s deleted; the table is masked", k)
			}
			if e, _ := tk["contact_email"].(string); len(e) != 64 || !hexRE.MatchString(e) {
				t.Errorf("ticket %s contact_email %q, want a keyed hash", k, e)
			}
			if tk["customer_id"] != nil || tk["subject"] != "[erased]" || tk["status"] != before["support_tickets"][k]["status"] {
				t.Errorf("ticket %s: %v", k, tk)
			}
		}
		// The same address hashes the same in both tables: it still joins.
		if after["support_tickets"]["501"]["contact_email"] != c["email"] {
			t.Errorf("the keyed hash of one address differs between tables")
		}

		wantRep := &sqlds.Report{
			Tables: []sqlds.TableReport{
				{Table: "customers", Rows: 1, Masked: 1, Retained: 1, RetainedReason: "rows kept for a legal hold or by the dataset refer to them"},
				{Table: "newsletter_subscriptions", Rows: 2, Deleted: 2},
				{Table: "support_tickets", Rows: 2, Masked: 2},
				{Table: "addresses", Rows: 2, Deleted: 1, Shared: 1},
				{Table: "orders", Rows: 2, Deleted: 1, Masked: 1, Retained: 1, RetainedReason: "rows kept for a legal hold or by the dataset refer to them"},
				{Table: "ticket_messages", Rows: 3, Deleted: 3},
				{Table: "order_lines", Rows: 3, Deleted: 3},
				{Table: "payments", Rows: 1, Masked: 1, Retained: 1, RetainedReason: "a column's data category is under a legal hold"},
			},
			Kept: []sqlds.KeptCategory{{Category: "user.financial", Reason: shopds.TaxLaw, Columns: []string{"payments.amount", "payments.paid_at", "payments.card_last4"}}},
		}
		if diff := cmp.Diff(wantRep, rep); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}

		// Again, as after a crash between the commit and the checkpoint:
		// nothing more changes.
		rep2, err := s.eng.Erase(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		if n := rep2.Affected(); n != 0 {
			t.Errorf("second erasure changed %d rows: %+v", n, rep2.Tables)
		}
		for _, tr := range rep2.Tables {
			if tr.Deleted != 0 || tr.Masked != 0 || tr.Updated != 0 {
				t.Errorf("second erasure: %+v", tr)
			}
		}
		if diff := cmp.Diff(after, s.dump(t)); diff != "" {
			t.Errorf("second erasure changed the database:\n%s", diff)
		}

		// Dave has no payment: everything of his goes, his ticket masked.
		rep3, err := s.eng.Erase(ctx, dave)
		if err != nil {
			t.Fatal(err)
		}
		final := s.dump(t)
		s.fkCheck(t)
		if diff := cmp.Diff(without(after, daveRows), without(final, daveRows)); diff != "" {
			t.Errorf("erasing Dave changed rows that are not his (-before +after):\n%s", diff)
		}
		for table, keys := range daveRows {
			for _, k := range keys {
				r, ok := final[table][k]
				if table == "support_tickets" {
					if !ok || r["customer_id"] != nil || r["subject"] != "[erased]" || r["contact_email"] != nil {
						t.Errorf("ticket %s: %v", k, r)
					}
				} else if ok {
					t.Errorf("%s %s survived: %v", table, k, r)
				}
			}
		}
		if got := rep3.Table("customers"); got == nil || got.Deleted != 1 {
			t.Errorf("customers: %+v", got)
		}
		if len(rep3.Kept) != 0 {
			t.Errorf("kept %v, Dave has no held data", rep3.Kept)
		}
	})
}

// An erasure the database refuses (a foreign key the dataset does not
// declare) changes nothing, and its error says so without personal data.
func TestEraseRollsBack(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		ctx := context.Background()
		s := newShop(t, kind, dsn)
		engine := ""
		if kind == manifest.SystemMySQL {
			engine = " ENGINE=InnoDB"
		}
		if _, err := s.db.Exec(`CREATE TABLE reviews (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL, body TEXT, FOREIGN KEY (customer_id) REFERENCES customers (id))` + engine); err != nil {
			t.Fatal(err)
		}
		s.insert(t, "reviews", []string{"id", "customer_id", "body"}, []any{1, 105, "great boots, dave@example.net"})
		before := s.dump(t)
		_, err := s.eng.Erase(ctx, dave)
		if err == nil {
			t.Fatal("erasure succeeded despite a foreign key it does not know")
		}
		t.Log(err)
		noPersonalData(t, err)
		if strings.Contains(err.Error(), "dave") {
			t.Errorf("error names the person: %v", err)
		}
		if diff := cmp.Diff(before, s.dump(t)); diff != "" {
			t.Errorf("a failed erasure left changes:\n%s", diff)
		}
	})
}

func TestRestrict(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		ctx := context.Background()
		s := newShop(t, kind, dsn)
		before := s.dump(t)
		rep, err := s.eng.Restrict(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		after := s.dump(t)
		marked := map[string][]string{"customers": {"101"}, "support_tickets": {"501", "502"}}
		if diff := cmp.Diff(without(before, marked), without(after, marked)); diff != "" {
			t.Errorf("restriction changed other rows (-before +after):\n%s", diff)
		}
		for table, keys := range marked {
			for _, k := range keys {
				b, a := before[table][k], after[table][k]
				if a["restricted"] != int64(1) {
					t.Errorf("%s %s not restricted: %v", table, k, a["restricted"])
				}
				delete(b, "restricted")
				delete(a, "restricted")
				if diff := cmp.Diff(b, a); diff != "" {
					t.Errorf("%s %s: restriction changed more than the flag:\n%s", table, k, diff)
				}
			}
		}
		want := []sqlds.TableReport{
			{Table: "customers", Rows: 1, Updated: 1},
			{Table: "newsletter_subscriptions", Rows: 2, NotRestrictable: true},
			{Table: "support_tickets", Rows: 2, Updated: 2},
			{Table: "addresses", Rows: 2, NotRestrictable: true},
			{Table: "orders", Rows: 2, NotRestrictable: true},
			{Table: "ticket_messages", Rows: 3, NotRestrictable: true},
			{Table: "order_lines", Rows: 3, NotRestrictable: true},
			{Table: "payments", Rows: 1, NotRestrictable: true},
		}
		if diff := cmp.Diff(want, rep.Tables); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
		rep, err = s.eng.Restrict(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Affected() != 0 {
			t.Errorf("restricting again changed %d rows", rep.Affected())
		}
	})
}

func TestRectify(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		ctx := context.Background()
		s := newShop(t, kind, dsn)
		before := s.dump(t)

		// Refused, before anything is written: columns not marked
		// rectify, columns and tables the dataset does not declare.
		for _, tc := range []struct {
			changes map[string]map[string]any
			names   string
		}{
			{map[string]map[string]any{"customers": {"name": "Alice Jones", "created_at": "2020-01-01T00:00:00Z"}}, "customers.created_at"},
			{map[string]map[string]any{"payments": {"amount": "1.00"}}, "payments.amount"},
			{map[string]map[string]any{"customers": {"id": 7}}, "customers.id"},
			{map[string]map[string]any{"customers": {"birthday": "1990-01-01"}}, "customers.birthday"},
			{map[string]map[string]any{"wishlists": {"note": "alice@example.com"}}, "wishlists"},
			{map[string]map[string]any{"customers": {"email": "alice@example.net"}, "orders": {"note": "for alice@example.com"}}, "orders.note"},
		} {
			_, err := s.eng.Rectify(ctx, alice, tc.changes)
			if err == nil || !strings.Contains(err.Error(), tc.names) {
				t.Errorf("rectify %v: %v, want a refusal naming %s", tc.changes, err, tc.names)
			}
			noPersonalData(t, err)
		}
		// Refused by the column's type, before the database sees it: too
		// long, empty where NOT NULL, not a number. CheckCorrection says
		// the same as Rectify, and writes nothing either.
		for _, tc := range []struct {
			changes map[string]map[string]any
			names   string
		}{
			{map[string]map[string]any{"customers": {"phone": strings.Repeat("9", 33)}}, "customers.phone"},
			{map[string]map[string]any{"customers": {"name": nil}}, "customers.name"},
		} {
			for _, f := range []func() error{
				func() error { return s.eng.CheckCorrection(ctx, tc.changes) },
				func() error { _, err := s.eng.Rectify(ctx, alice, tc.changes); return err },
			} {
				err := f()
				var ce *sqlds.CorrectionError
				if !errors.As(err, &ce) || ce.Table+"."+ce.Column != tc.names {
					t.Errorf("%v: %v, want a CorrectionError naming %s", tc.changes, err, tc.names)
				}
				noPersonalData(t, err)
			}
		}
		if err := s.eng.CheckCorrection(ctx, map[string]map[string]any{"customers": {"phone": nil, "name": "Alice Jones"}}); err != nil {
			t.Errorf("a good correction refused: %v", err)
		}
		cols, err := s.eng.Correctable(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var correctable []string
		for _, c := range cols {
			correctable = append(correctable, c.Table+"."+c.Column)
		}
		for _, c := range []string{"customers.name", "customers.phone", "customers.email"} {
			if !slices.Contains(correctable, c) {
				t.Errorf("Correctable() = %v, lacks %s", correctable, c)
			}
		}
		if slices.Contains(correctable, "customers.created_at") || slices.Contains(correctable, "payments.amount") {
			t.Errorf("Correctable() = %v lists columns not marked rectify", correctable)
		}
		// A value the column cannot hold.
		_, err = s.eng.Rectify(ctx, alice, map[string]map[string]any{"addresses": {"street": map[string]any{"x": "alice@example.com"}}})
		if err == nil {
			t.Error("a map was written to a text column")
		}
		noPersonalData(t, err)
		// A correction the database refuses: Bob's address, unique.
		_, err = s.eng.Rectify(ctx, alice, map[string]map[string]any{"customers": {"email": "bob@example.com"}})
		if err == nil {
			t.Error("a duplicate e-mail address was accepted")
		}
		t.Log(err)
		noPersonalData(t, err)
		if !sqlds.IsDataError(err) {
			t.Errorf("IsDataError(%v) = false for a unique violation", err)
		}
		if diff := cmp.Diff(before, s.dump(t)); diff != "" {
			t.Fatalf("a refused correction changed the database:\n%s", diff)
		}

		changes := map[string]map[string]any{"customers": {"name": "Alice Jones", "phone": "+49 151 9999999"}}
		rep, err := s.eng.Rectify(ctx, alice, changes)
		if err != nil {
			t.Fatal(err)
		}
		after := s.dump(t)
		mine := map[string][]string{"customers": {"101"}}
		if diff := cmp.Diff(without(before, mine), without(after, mine)); diff != "" {
			t.Errorf("rectification changed other rows (-before +after):\n%s", diff)
		}
		want := before["customers"]["101"]
		want["name"], want["phone"] = "Alice Jones", "+49 151 9999999"
		if diff := cmp.Diff(want, after["customers"]["101"]); diff != "" {
			t.Errorf("customer 101 (-want +got):\n%s", diff)
		}
		if got := rep.Table("customers"); got == nil || got.Updated != 1 {
			t.Errorf("report: %+v", rep.Tables)
		}
		if rep.Affected() != 1 {
			t.Errorf("affected %d, want 1", rep.Affected())
		}
		rep, err = s.eng.Rectify(ctx, alice, changes)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Affected() != 0 {
			t.Errorf("the same correction again changed %d rows", rep.Affected())
		}
	})
}

func TestCheck(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		ctx := context.Background()
		s := newShop(t, kind, dsn)
		if err := s.eng.Check(ctx); err != nil {
			t.Fatalf("the shop's own dataset: %v", err)
		}
		ds := shopds.Dataset()
		ds.Tables[0].Columns = append(ds.Tables[0].Columns, &manifest.Column{Name: "birthday", Category: "user.demographic"})
		ds.Tables = append(ds.Tables, &manifest.Table{
			Name: "wishlists", PrimaryKey: []string{"id"},
			References: []*manifest.Reference{{Columns: []string{"customer_id"}, Table: "customers", To: []string{"id"}}},
		})
		ds.Tables[2].RestrictColumn = "shipping_name"                               // text, not boolean
		ds.Tables[1].Columns[3].Erase = &manifest.Erase{Action: manifest.EraseHash} // country: CHAR(2)
		eng, err := sqlds.New(kind, s.db, ds, shopds.Hold, testKey)
		if err != nil {
			t.Fatal(err)
		}
		err = eng.Check(ctx)
		var ce *sqlds.CheckError
		if !errors.As(err, &ce) {
			t.Fatalf("Check: %v, want a *CheckError", err)
		}
		t.Log(err)
		for _, want := range []string{"table wishlists does not exist", "column customers.birthday does not exist", "orders.shipping_name", "addresses.country is masked by a hash"} {
			if !slices.ContainsFunc(ce.Problems, func(p string) bool { return strings.Contains(p, want) }) {
				t.Errorf("problems %q lack %q", ce.Problems, want)
			}
		}
		if len(ce.Problems) != 4 {
			t.Errorf("problems %q, want 4", ce.Problems)
		}
		noPersonalData(t, err)
		// The requests refuse to run on a database that does not match.
		if _, err := eng.Erase(ctx, alice); !errors.As(err, &ce) {
			t.Errorf("Erase on a mismatched database: %v", err)
		}
	})
}

// The database enforces the shop's foreign keys on every engine, so an
// erasure in the wrong order would fail rather than pass unnoticed.
func TestForeignKeysEnforced(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		s := newShop(t, kind, dsn)
		if _, err := s.db.Exec(`DELETE FROM customers WHERE id = 104`); err == nil {
			t.Error("deleted a customer with orders")
		}
		if _, err := s.db.Exec(`DELETE FROM orders WHERE id = 1004`); err == nil {
			t.Error("deleted an order with lines and a payment")
		}
	})
}

func TestNew(t *testing.T) {
	db, err := sqlds.Open(context.Background(), manifest.SystemSQLite, conntest.SQLiteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		name string
		edit func(ds *manifest.Dataset)
		key  []byte
		want string
	}{
		{"unknown reference", func(ds *manifest.Dataset) { ds.Tables[2].References[0].Table = "clients" }, testKey, "clients"},
		{"no primary key", func(ds *manifest.Dataset) { ds.Tables[1].PrimaryKey = nil }, testKey, "addresses has no primary key"},
		{"hash without key", func(*manifest.Dataset) {}, nil, "needs a key"},
		{"bad action", func(ds *manifest.Dataset) { ds.Tables[1].Columns[0].Erase = &manifest.Erase{Action: "shred"} }, testKey, "shred"},
		{"bad erase", func(ds *manifest.Dataset) { ds.Tables[1].Erase = "burn" }, testKey, "burn"},
		{"reference widths", func(ds *manifest.Dataset) { ds.Tables[2].References[0].To = []string{"id", "email"} }, testKey, "as many columns"},
	} {
		ds := shopds.Dataset()
		tc.edit(ds)
		_, err := sqlds.New(manifest.SystemSQLite, db, ds, shopds.Hold, tc.key)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if _, err := sqlds.New("oracle", db, shopds.Dataset(), shopds.Hold, testKey); err == nil {
		t.Error("oracle accepted")
	}
	if _, err := sqlds.Open(context.Background(), "oracle", "x"); err == nil {
		t.Error("Open oracle accepted")
	}
}

// A walk through a cycle of references ends: each table keeps the rows it
// has visited.
func TestWalkCycle(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		ctx := context.Background()
		db, err := sqlds.Open(ctx, kind, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, s := range []string{
			`CREATE TABLE people (id BIGINT PRIMARY KEY, email VARCHAR(100) NOT NULL, partner_id BIGINT)`,
			`CREATE TABLE notes (id BIGINT PRIMARY KEY, person_id BIGINT NOT NULL, body TEXT)`,
			`INSERT INTO people VALUES (1, 'a@example.com', 2), (2, 'b@example.com', 1), (3, 'c@example.com', 3), (4, 'd@example.com', NULL)`,
			`INSERT INTO notes VALUES (10, 1, 'x'), (11, 2, 'y'), (12, 3, 'z'), (13, 4, 'w')`,
		} {
			if _, err := db.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
		ds := &manifest.Dataset{Tables: []*manifest.Table{
			{
				Name: "people", PrimaryKey: []string{"id"},
				Identities: map[string]string{"email": "email"},
				References: []*manifest.Reference{{Columns: []string{"partner_id"}, Table: "people", To: []string{"id"}, Owns: true}},
				Columns:    []*manifest.Column{{Name: "email", Category: "user.contact.email"}},
			},
			{
				Name: "notes", PrimaryKey: []string{"id"},
				References: []*manifest.Reference{{Columns: []string{"person_id"}, Table: "people", To: []string{"id"}}},
				Columns:    []*manifest.Column{{Name: "body", Category: "user.content"}},
			},
		}}
		eng, err := sqlds.New(kind, db, ds, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		err = eng.Access(ctx, map[string]string{"email": "a@example.com"}, func(table string, r map[string]any) error {
			got[table] = append(got[table], pkOf(r, []string{"id"}))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{"people": {"1", "2"}, "notes": {"10", "11"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		for _, email := range []string{"c@example.com", "d@example.com"} {
			pc, err := eng.Preview(ctx, map[string]string{"email": email})
			if err != nil {
				t.Fatal(err)
			}
			if len(pc) != 2 || pc[0].Rows != 1 || pc[1].Rows != 1 {
				t.Errorf("%s: %+v", email, pc)
			}
		}
	})
}

// profileDDL creates a table whose columns hold less than their Go types:
// a 32-bit integer, a 16-bit one, a decimal of 5 digits, 2 after the
// point, a double, a real (single precision on PostgreSQL) and text.
func profileDDL(kind string) string {
	engine := ""
	if kind == manifest.SystemMySQL {
		engine = " ENGINE=InnoDB"
	}
	return `CREATE TABLE profiles (
		id BIGINT PRIMARY KEY,
		email VARCHAR(254) NOT NULL UNIQUE,
		visits INTEGER,
		small SMALLINT,
		balance DECIMAL(5,2),
		ratio DOUBLE PRECISION,
		weight REAL,
		bio TEXT
	)` + engine
}

func profileDataset() *manifest.Dataset {
	col := func(name string) *manifest.Column {
		return &manifest.Column{Name: name, Category: "user.content", Rectify: true}
	}
	return &manifest.Dataset{Tables: []*manifest.Table{{
		Name: "profiles", PrimaryKey: []string{"id"},
		Identities: map[string]string{"email": "email"},
		Columns:    []*manifest.Column{col("visits"), col("small"), col("balance"), col("ratio"), col("weight"), col("bio")},
	}}}
}

// newProfiles creates profiles in a fresh database of kind, with Alice's
// row and Bob's, and its engine.
func newProfiles(t *testing.T, kind, dsn string) (*shop, *sqlds.Engine) {
	t.Helper()
	db, err := sqlds.Open(context.Background(), kind, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(profileDDL(kind)); err != nil {
		t.Fatal(err)
	}
	s := &shop{kind: kind, db: db}
	s.insert(t, "profiles", profileCols, aliceProfile)
	s.insert(t, "profiles", profileCols, []any{2, "bob@example.com", 8, 4, "13.50", 0.25, 70.5, "Hi"})
	eng, err := sqlds.New(kind, db, profileDataset(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, eng
}

var (
	profileCols  = []string{"id", "email", "visits", "small", "balance", "ratio", "weight", "bio"}
	aliceProfile = []any{1, "alice@example.com", 7, 3, "12.50", 0.5, 60.5, "Hallo"}
)

// dumpProfiles reads every row of profiles, keyed by id.
func dumpProfiles(t *testing.T, db *sql.DB) map[string]row {
	t.Helper()
	rows, err := db.Query("SELECT " + strings.Join(profileCols, ", ") + " FROM profiles ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]row{}
	for rows.Next() {
		v := make([]any, len(profileCols))
		p := make([]any, len(profileCols))
		for i := range v {
			p[i] = &v[i]
		}
		if err := rows.Scan(p...); err != nil {
			t.Fatal(err)
		}
		r := row{}
		for i, c := range profileCols {
			r[c] = fmt.Sprint(norm(v[i]))
		}
		out[r["id"].(string)] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A correction CheckCorrection accepts is one the database takes: what
// the database would refuse (an integer out of the column's range, a
// number too wide for the decimal column, NaN or an infinity, text with a
// NUL character) is refused first, by CheckCorrection and by Rectify, as
// a *CorrectionError naming the column and not the value, and nothing is
// written.
func TestRectifyWhatTheDatabaseRefuses(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		ctx := context.Background()
		s, eng := newProfiles(t, kind, dsn)
		before := dumpProfiles(t, s.db)
		sized := kind != manifest.SystemSQLite // SQLite's integers have 64 bits, its decimals any precision
		for _, tc := range []struct {
			col     string
			value   any
			refused bool
			secret  string // a part of the value the error must not hold
		}{
			{"visits", "99999999999", sized, "99999999999"},
			{"visits", "-2147483649", sized, "2147483649"},
			{"visits", float64(3e9), sized, "3000000000"},
			{"visits", "99999999999999999999", true, "99999999999999999999"},
			{"small", "40000", sized, "40000"},
			{"balance", "123456.789", sized, "123456"},
			{"balance", "999.995", sized, "999.995"}, // 1000.00 once rounded
			{"balance", "-1000", sized, "1000"},
			{"balance", "NaN", true, "NaN"},
			{"balance", "-Infinity", true, "Infinity"},
			{"balance", "0x1p3", true, "0x1p3"},
			{"ratio", "NaN", true, "NaN"},
			{"ratio", "+Inf", true, "Inf"},
			{"ratio", "1e400", true, "1e400"},
			{"weight", "1e39", kind == manifest.SystemPostgres, "1e39"}, // PostgreSQL's REAL is single precision
			{"weight", "1e-50", kind == manifest.SystemPostgres, "1e-50"},
			{"bio", "Lieblings\x00farbe", true, "Lieblings"},
			{"bio", "\xff\xfe", true, "\xff"},
		} {
			changes := map[string]map[string]any{"profiles": {tc.col: tc.value}}
			for _, f := range []func() error{
				func() error { return eng.CheckCorrection(ctx, changes) },
				func() error { _, err := eng.Rectify(ctx, alice, changes); return err },
			} {
				err := f()
				if !tc.refused {
					if err != nil {
						t.Errorf("%s = %#v: %v", tc.col, tc.value, err)
					}
					continue
				}
				var ce *sqlds.CorrectionError
				if !errors.As(err, &ce) || ce.Table != "profiles" || ce.Column != tc.col {
					t.Errorf("%s = %#v: %v, want a CorrectionError naming profiles.%s", tc.col, tc.value, err, tc.col)
					continue
				}
				if strings.Contains(err.Error(), tc.secret) {
					t.Errorf("%s = %#v: the error quotes the value: %v", tc.col, tc.value, err)
				}
				if sqlds.IsDataError(err) {
					t.Errorf("%s = %#v: IsDataError(%v) = true, though the database was not asked", tc.col, tc.value, err)
				}
			}
			if !tc.refused {
				// Accepted (by SQLite): put the row back.
				if _, err := s.db.Exec("DELETE FROM profiles WHERE id = 1"); err != nil {
					t.Fatal(err)
				}
				s.insert(t, "profiles", profileCols, aliceProfile)
			}
		}
		if diff := cmp.Diff(before, dumpProfiles(t, s.db)); diff != "" {
			t.Fatalf("refused corrections changed the database:\n%s", diff)
		}

		// What fits, at the edges: written, rounded where the column
		// rounds.
		changes := map[string]map[string]any{"profiles": {
			"visits": "2147483647", "small": float64(-32768), "balance": "-999.994", "ratio": "1e300", "bio": "Grüße 👋",
		}}
		if err := eng.CheckCorrection(ctx, changes); err != nil {
			t.Fatalf("CheckCorrection: %v", err)
		}
		rep, err := eng.Rectify(ctx, alice, changes)
		if err != nil {
			t.Fatalf("Rectify: %v", err)
		}
		if rep.Affected() != 1 {
			t.Errorf("affected %d, want 1", rep.Affected())
		}
		after := dumpProfiles(t, s.db)
		want := before["1"]
		want["visits"], want["small"], want["ratio"], want["bio"] = "2147483647", "-32768", "1e+300", "Grüße 👋"
		want["balance"] = "-999.99"
		if !sized {
			want["balance"] = "-999.994"
		}
		if diff := cmp.Diff(want, after["1"]); diff != "" {
			t.Errorf("Alice's row (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before["2"], after["2"]); diff != "" {
			t.Errorf("Bob's row changed:\n%s", diff)
		}
	})
}

// IsDataError tells a statement the database refuses for its data from a
// connection that fails or a context that ends.
func TestIsDataError(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		s, eng := newProfiles(t, kind, dsn)
		if err := eng.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
		changes := map[string]map[string]any{"profiles": {"bio": "Servus"}}

		// The database refuses the data: a duplicate key, a value out of
		// range (straight to the database, which the engine never sends).
		insert := "INSERT INTO profiles (id, email, visits) VALUES (" + s.placeholders(3) + ")"
		_, err := s.db.Exec(insert, 3, "bob@example.com", 1)
		if err == nil || !sqlds.IsDataError(err) {
			t.Errorf("duplicate key: IsDataError(%v) = false", err)
		}
		if kind != manifest.SystemSQLite {
			// Bound (pgx refuses to encode it), and in the statement.
			_, err = s.db.Exec(insert, 3, "carol@example.com", int64(99999999999))
			if err == nil || !sqlds.IsDataError(err) {
				t.Errorf("out of range: IsDataError(%v) = false", err)
			}
			_, err = s.db.Exec("INSERT INTO profiles (id, email, visits) VALUES (3, 'carol@example.com', 99999999999)")
			if err == nil || !sqlds.IsDataError(err) {
				t.Errorf("out of range: IsDataError(%v) = false", err)
			}
			_, err = s.db.Exec("INSERT INTO profiles (id, email, balance) VALUES (3, 'carol@example.com', 123456.789)")
			if err == nil || !sqlds.IsDataError(err) {
				t.Errorf("decimal too wide: IsDataError(%v) = false", err)
			}
		}
		// Not about the data.
		if _, err := s.db.Exec("SELECT x FROM nowhere"); err == nil || sqlds.IsDataError(err) {
			t.Errorf("no such table: IsDataError(%v) = true", err)
		}
		if sqlds.IsDataError(nil) {
			t.Error("IsDataError(nil) = true")
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = eng.Rectify(ctx, alice, changes)
		if err == nil || sqlds.IsDataError(err) {
			t.Errorf("cancelled context: IsDataError(%v) = %v", err, sqlds.IsDataError(err))
		}
		ctx, cancel = context.WithTimeout(context.Background(), time.Nanosecond)
		defer cancel()
		<-ctx.Done()
		_, err = eng.Rectify(ctx, alice, changes)
		if err == nil || sqlds.IsDataError(err) {
			t.Errorf("deadline: IsDataError(%v) = %v", err, sqlds.IsDataError(err))
		}
		s.db.Close()
		_, err = eng.Rectify(context.Background(), alice, changes)
		if err == nil || sqlds.IsDataError(err) {
			t.Errorf("closed database: IsDataError(%v) = %v", err, sqlds.IsDataError(err))
		}
	})
}
