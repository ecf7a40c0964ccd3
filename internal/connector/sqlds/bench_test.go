package sqlds_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/connector/conntest"
	shopds "github.com/custos-privacy/custos/internal/connector/shop"
	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/manifest"
)

// benchCustomers is the size of the benchmarks' shop; the issue's
// 1,000,000-customer benchmark is a separate, longer run.
const benchCustomers = 3000

// newBigShop creates the shop with n customers, each with an address, two
// orders of two lines, a payment, a newsletter subscription and a ticket
// with two messages: 13 rows a customer.
func newBigShop(b *testing.B, kind string, n int) *shop {
	b.Helper()
	ctx := context.Background()
	dsn := conntest.DSN(b, kind)
	db, err := sqlds.Open(ctx, kind, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	for _, s := range shopDDL(kind) {
		if _, err := db.ExecContext(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	s := &shop{kind: kind, db: db}
	rows := map[string][][]any{}
	for i := range n {
		c := 100000 + i
		o1, o2 := 2*c, 2*c+1
		rows["addresses"] = append(rows["addresses"], []any{c, fmt.Sprintf("Street %d", i), "Berlin", "10115", "DE"})
		rows["customers"] = append(rows["customers"], []any{c, fmt.Sprintf("c%d@example.com", i), fmt.Sprintf("+49 151 %07d", i), "Alex Smith", c, at(1, 9)})
		rows["orders"] = append(rows["orders"], []any{o1, c, c, "Alex Smith", "note", "10.00", at(2, 9)}, []any{o2, c, c, "Alex Smith", nil, "20.00", at(3, 9)})
		for _, o := range []int{o1, o2} {
			rows["order_lines"] = append(rows["order_lines"], []any{o, 1, "Tea", 1, "5.00", nil}, []any{o, 2, "Mug", 1, "5.00", nil})
		}
		rows["payments"] = append(rows["payments"], []any{o1, o1, "10.00", at(2, 9), "ALEX SMITH", "4242"})
		rows["newsletter_subscriptions"] = append(rows["newsletter_subscriptions"], []any{c, fmt.Sprintf("c%d@example.com", i), fmt.Sprintf("consent-%d", i), at(1, 9)})
		rows["support_tickets"] = append(rows["support_tickets"], []any{c, c, fmt.Sprintf("c%d@example.com", i), "Help", "open", at(4, 9)})
		rows["ticket_messages"] = append(rows["ticket_messages"], []any{2 * c, c, "customer", "Hello", at(4, 9)}, []any{2*c + 1, c, "staff", "Hi", at(4, 10)})
	}
	for _, st := range seed {
		cols := st.cols
		all := rows[st.name]
		for start := 0; start < len(all); start += 500 {
			chunk := all[start:min(start+500, len(all))]
			var sb strings.Builder
			var args []any
			sb.WriteString("INSERT INTO " + st.name + " (" + strings.Join(cols, ", ") + ") VALUES ")
			for i, r := range chunk {
				if i > 0 {
					sb.WriteString(", ")
				}
				ph := make([]string, len(r))
				for j := range r {
					args = append(args, r[j])
					if kind == manifest.SystemPostgres {
						ph[j] = fmt.Sprintf("$%d", len(args))
					} else {
						ph[j] = "?"
					}
				}
				sb.WriteString("(" + strings.Join(ph, ", ") + ")")
			}
			if _, err := db.ExecContext(ctx, sb.String(), args...); err != nil {
				b.Fatalf("seed %s: %v", st.name, err)
			}
		}
	}
	if kind == manifest.SystemPostgres {
		db.ExecContext(ctx, "ANALYZE")
	}
	s.eng, err = sqlds.New(kind, db, shopds.Dataset(), shopds.Hold, testKey)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.eng.Check(ctx); err != nil {
		b.Fatal(err)
	}
	return s
}

func benchIDs(i int) map[string]string {
	i %= benchCustomers
	return map[string]string{"email": fmt.Sprintf("c%d@example.com", i), "consent_id": fmt.Sprintf("consent-%d", i)}
}

func BenchmarkAccess(b *testing.B) {
	for _, kind := range conntest.Kinds {
		b.Run(kind, func(b *testing.B) {
			s := newBigShop(b, kind, benchCustomers)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				n := 0
				if err := s.eng.Access(ctx, benchIDs(i), func(string, map[string]any) error { n++; return nil }); err != nil {
					b.Fatal(err)
				}
				if n != 13 {
					b.Fatalf("access returned %d rows, want 13", n)
				}
				i++
			}
		})
	}
}

func BenchmarkPreview(b *testing.B) {
	for _, kind := range conntest.Kinds {
		b.Run(kind, func(b *testing.B) {
			s := newBigShop(b, kind, benchCustomers)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				if _, err := s.eng.Preview(ctx, benchIDs(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkErase erases a different customer each time, as long as there
// are customers left (past benchCustomers it measures no-op erasures).
func BenchmarkErase(b *testing.B) {
	for _, kind := range conntest.Kinds {
		b.Run(kind, func(b *testing.B) {
			s := newBigShop(b, kind, benchCustomers)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				if _, err := s.eng.Erase(ctx, benchIDs(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			if i > benchCustomers {
				b.Logf("%d of %d erasures had nothing left to erase", i-benchCustomers, i)
			}
		})
	}
}
