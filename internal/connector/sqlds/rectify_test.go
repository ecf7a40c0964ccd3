package sqlds_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/connector/conntest"
	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/manifest"
)

// newTable creates a table by ddl in the fresh database at dsn, inserts
// rows (the first column the id), and returns it with the engine of ds.
func newTable(t *testing.T, kind, dsn, ddl string, cols []string, rows [][]any, ds *manifest.Dataset) (*shop, *sqlds.Engine) {
	t.Helper()
	db, err := sqlds.Open(context.Background(), kind, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(ddl); err != nil {
		t.Fatalf("%s: %v\n%s", kind, err, ddl)
	}
	s := &shop{kind: kind, db: db}
	for _, r := range rows {
		s.insert(t, ds.Tables[0].Name, cols, r)
	}
	eng, err := sqlds.New(kind, db, ds, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, eng
}

// dumpTable reads cols of every row of table, keyed by id, normalised.
func dumpTable(t *testing.T, db *sql.DB, table string, cols []string) map[string]row {
	t.Helper()
	rows, err := db.Query("SELECT " + strings.Join(cols, ", ") + " FROM " + table + " ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]row{}
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
			r[c] = norm(v[i])
		}
		out[fmt.Sprint(r["id"])] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A binary column cannot be corrected: the console shows its value as
// base64 text, and text written back would not be the bytes. Check
// refuses rectify: true on it, naming the column and why; Correctable
// leaves it out once the schema is read; CheckCorrection and Rectify
// refuse a value for it, naming the column and not the value. The other
// requests still run, and the other columns may still be corrected.
func TestRectifyBinary(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		ctx := context.Background()
		bin, engine, untyped := "BLOB", "", ""
		switch kind {
		case manifest.SystemPostgres:
			bin = "BYTEA"
		case manifest.SystemMySQL:
			engine = " ENGINE=InnoDB"
		case manifest.SystemSQLite:
			untyped = ", misc" // no declared type: SQLite stores what it is given, text as text
		}
		ddl := `CREATE TABLE avatars (id BIGINT PRIMARY KEY, email VARCHAR(100) NOT NULL, name VARCHAR(100), photo ` + bin + untyped + `)` + engine
		cols := []string{"id", "email", "name", "photo"}
		photo := []byte{0x89, 'P', 'N', 'G', 0, 0xff, 0x10}
		rect := func(name string) *manifest.Column {
			return &manifest.Column{Name: name, Category: "user.content", Rectify: true}
		}
		ds := &manifest.Dataset{Tables: []*manifest.Table{{
			Name: "avatars", PrimaryKey: []string{"id"},
			Identities: map[string]string{"email": "email"},
			Columns:    []*manifest.Column{rect("name"), rect("photo")},
		}}}
		binaryCols, correctable := []string{"avatars.photo"}, []string{"avatars.name"}
		if untyped != "" {
			ds.Tables[0].Columns = append(ds.Tables[0].Columns, rect("misc"))
			correctable = append(correctable, "avatars.misc")
		}
		s, eng := newTable(t, kind, dsn, ddl, cols, [][]any{
			{1, "alice@example.com", "Alice Smith", photo},
			{2, "bob@example.com", "Bob", []byte{1, 2, 3}},
		}, ds)
		before := dumpTable(t, s.db, "avatars", cols)

		// The live check names each binary column and says why.
		err := eng.Check(ctx)
		var ce *sqlds.CheckError
		if !errors.As(err, &ce) {
			t.Fatalf("Check: %v, want a *CheckError", err)
		}
		t.Log(err)
		if len(ce.Problems) != len(binaryCols) {
			t.Errorf("problems %q, want one for each of %v", ce.Problems, binaryCols)
		}
		for i, c := range binaryCols {
			if i >= len(ce.Problems) {
				break
			}
			p := ce.Problems[i]
			if !strings.Contains(p, "column "+c+" is marked rectify: true but holds binary data") || !strings.Contains(p, "remove rectify: true") {
				t.Errorf("problem %q does not name %s and why", p, c)
			}
		}

		// Not corrected, whatever the value, by either call; the error
		// names the column, not the value.
		current := base64.StdEncoding.EncodeToString(photo)
		for _, c := range binaryCols {
			table, col, _ := strings.Cut(c, ".")
			for _, v := range []any{current, "Alice", nil} {
				changes := map[string]map[string]any{table: {col: v, "name": "Alice Jones"}}
				for _, f := range []func() error{
					func() error { return eng.CheckCorrection(ctx, changes) },
					func() error { _, err := eng.Rectify(ctx, alice, changes); return err },
				} {
					err := f()
					var ce *sqlds.CorrectionError
					if !errors.As(err, &ce) || ce.Table != table || ce.Column != col || !strings.Contains(ce.Reason, "binary data") {
						t.Errorf("%s = %#v: %v, want a CorrectionError naming %s as binary", c, v, err, c)
						continue
					}
					if strings.Contains(err.Error(), current) || strings.Contains(err.Error(), "Alice") {
						t.Errorf("%s: the error quotes a value: %v", c, err)
					}
					if sqlds.IsDataError(err) {
						t.Errorf("%s: IsDataError(%v) = true, though the database was not asked", c, err)
					}
				}
			}
		}
		if diff := cmp.Diff(before, dumpTable(t, s.db, "avatars", cols)); diff != "" {
			t.Fatalf("a refused correction changed the database:\n%s", diff)
		}

		// A fresh engine's Correctable reads the schema first and leaves
		// the binary columns out.
		names := func(cc []sqlds.CorrectableColumn) []string {
			var out []string
			for _, c := range cc {
				out = append(out, c.Table+"."+c.Column)
			}
			return out
		}
		fresh, err := sqlds.New(kind, s.db, ds, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		cc, err := fresh.Correctable(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(cc); !slices.Equal(got, correctable) {
			t.Errorf("Correctable() = %v, want %v", got, correctable)
		}

		// The other requests run, and the text column is corrected.
		var got []map[string]any
		if err := fresh.Access(ctx, alice, func(_ string, r map[string]any) error { got = append(got, r); return nil }); err != nil {
			t.Fatalf("Access with a binary column marked rectify: %v", err)
		}
		if len(got) != 1 || got[0]["photo"] != current {
			t.Errorf("Access = %v, want Alice's row with the photo in base64", got)
		}
		rep, err := eng.Rectify(ctx, alice, map[string]map[string]any{"avatars": {"name": "Alice Jones"}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Affected() != 1 {
			t.Errorf("affected %d, want 1", rep.Affected())
		}
		want := before
		want["1"]["name"] = "Alice Jones"
		if diff := cmp.Diff(want, dumpTable(t, s.db, "avatars", cols)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if untyped != "" {
			// A SQLite column with no declared type takes a correction as
			// text.
			if _, err := eng.Rectify(ctx, alice, map[string]map[string]any{"avatars": {"misc": "likes tea"}}); err != nil {
				t.Fatalf("correcting the untyped column: %v", err)
			}
			var typ, v string
			if err := s.db.QueryRow(`SELECT typeof(misc), misc FROM avatars WHERE id = 1`).Scan(&typ, &v); err != nil || typ != "text" || v != "likes tea" {
				t.Errorf("the untyped column holds %s %q (%v), want text", typ, v, err)
			}
		}
	})
}

// What MySQL and MariaDB cannot store is refused before it is written: a
// time outside a TIMESTAMP column's range (1970-01-01 00:00:01 to
// 2038-01-19 03:14:07 UTC), a character of 4 bytes in UTF-8 (an emoji) in
// a utf8mb3 or ucs2 column. Strict mode refuses the statement; out of it,
// the server would store the zero date or cut the text off. The error
// names the column and the reason, not the value. PostgreSQL and SQLite
// take the same values, and each engine takes what fits.
func TestRectifyTimestampAndCharset(t *testing.T) {
	conntest.Engines(t, func(t *testing.T, kind, dsn string) {
		ctx := context.Background()
		mysql := kind == manifest.SystemMySQL
		ts, ts3, mb3, ucs2, mb4, engine := "TIMESTAMP NULL", "TIMESTAMP(3) NULL", "VARCHAR(50)", "TEXT", "VARCHAR(50)", ""
		switch kind {
		case manifest.SystemPostgres:
			ts, ts3 = "TIMESTAMPTZ", "TIMESTAMPTZ(3)"
		case manifest.SystemMySQL:
			mb3, ucs2 = "VARCHAR(50) CHARACTER SET utf8mb3", "TEXT CHARACTER SET ucs2"
			mb4, engine = "VARCHAR(50) CHARACTER SET utf8mb4", " ENGINE=InnoDB"
		}
		ddl := `CREATE TABLE visitors (id BIGINT PRIMARY KEY, email VARCHAR(100) NOT NULL,
			seen ` + ts + `, seen_ms ` + ts3 + `, nick ` + mb3 + `, bio ` + ucs2 + `, note ` + mb4 + `)` + engine
		cols := []string{"id", "email", "seen", "seen_ms", "nick", "bio", "note"}
		rect := func(name string) *manifest.Column {
			return &manifest.Column{Name: name, Category: "user.content", Rectify: true}
		}
		ds := &manifest.Dataset{Tables: []*manifest.Table{{
			Name: "visitors", PrimaryKey: []string{"id"},
			Identities: map[string]string{"email": "email"},
			Columns:    []*manifest.Column{rect("seen"), rect("seen_ms"), rect("nick"), rect("bio"), rect("note")},
		}}}
		seen := time.Date(2025, 3, 1, 9, 15, 0, 0, time.UTC)
		s, eng := newTable(t, kind, dsn, ddl, cols, [][]any{
			{1, "alice@example.com", seen, seen, "Ali", "Hallo", "Hi"},
			{2, "bob@example.com", seen, seen, "Bob", "Servus", "Yo"},
		}, ds)
		if err := eng.Check(ctx); err != nil {
			t.Fatalf("Check: %v", err)
		}
		before := dumpTable(t, s.db, "visitors", cols)
		reset := func() {
			t.Helper()
			if _, err := s.db.Exec("DELETE FROM visitors WHERE id = 1"); err != nil {
				t.Fatal(err)
			}
			s.insert(t, "visitors", cols, []any{1, "alice@example.com", seen, seen, "Ali", "Hallo", "Hi"})
		}

		// MariaDB 11.5 and later (64-bit, not Windows) keep a TIMESTAMP up
		// to 2106: there, what is past 2038 is taken, and 2106 is the end.
		wide := false
		if mysql {
			var version, compileOS string
			if err := s.db.QueryRow(`SELECT VERSION(), COALESCE(@@version_compile_os, '')`).Scan(&version, &compileOS); err != nil {
				t.Fatal(err)
			}
			wide = sqlds.WideTimestamp(version, compileOS)
		}
		past2038 := "outside the range of a TIMESTAMP column"
		end := "2038-01-19 03:14:07 UTC"
		if wide {
			past2038, end = "", "2106-02-07 06:28:15 UTC"
		}
		for _, tc := range []struct {
			col    string
			value  string
			reason string // of MySQL's refusal; "": MySQL takes it too
			secret string // a part of the value the error must not hold
		}{
			{"seen", "1970-01-01 00:00:00", "outside the range of a TIMESTAMP column, 1970-01-01 00:00:01 to " + end, "00:00:00"},
			{"seen", "1969-07-20T20:17:40Z", "outside the range of a TIMESTAMP column", "1969"},
			{"seen", "2038-01-19 03:14:08", past2038, "03:14:08"},
			{"seen", "2038-01-19T04:14:08+01:00", past2038, "04:14:08"},
			{"seen", "2040-02-29", past2038, "2040"},
			{"seen_ms", "2038-01-19T03:14:08Z", past2038, "03:14:08"},
			{"seen", "2106-02-07 06:28:16", "outside the range of a TIMESTAMP column, 1970-01-01 00:00:01 to " + end, "06:28:16"},
			{"nick", "Grüße 👋", "the column's character set utf8mb3 cannot store", "Grüße"},
			{"nick", "𠜎", "utf8mb3 cannot store", "𠜎"}, // a CJK ideograph beyond the BMP
			{"bio", "Lieblingsfarbe 🟦", "the column's character set ucs2 cannot store", "Lieblings"},
			{"seen", "1970-01-01 00:00:01", "", ""},
			{"seen", "2038-01-19 03:14:07", "", ""},
			{"seen", "2038-01-19T05:14:07+02:00", "", ""},
			{"seen_ms", "2038-01-19T03:14:07.999Z", "", ""},
			{"nick", "Grüße ✓ 中文", "", ""}, // 3 bytes at most
			{"bio", "Grüße ✓", "", ""},
			{"note", "Grüße 👋", "", ""}, // utf8mb4
		} {
			changes := map[string]map[string]any{"visitors": {tc.col: tc.value}}
			if mysql && tc.reason != "" {
				for _, f := range []func() error{
					func() error { return eng.CheckCorrection(ctx, changes) },
					func() error { _, err := eng.Rectify(ctx, alice, changes); return err },
				} {
					err := f()
					var ce *sqlds.CorrectionError
					if !errors.As(err, &ce) || ce.Table != "visitors" || ce.Column != tc.col || !strings.Contains(ce.Reason, tc.reason) {
						t.Errorf("%s = %q: %v, want a CorrectionError naming visitors.%s: %s", tc.col, tc.value, err, tc.col, tc.reason)
						continue
					}
					if strings.Contains(err.Error(), tc.secret) || strings.Contains(err.Error(), tc.value) {
						t.Errorf("%s = %q: the error quotes the value: %v", tc.col, tc.value, err)
					}
					if sqlds.IsDataError(err) {
						t.Errorf("%s = %q: IsDataError(%v) = true, though the database was not asked", tc.col, tc.value, err)
					}
				}
				// The server refuses it too (strict mode): the check is not
				// stricter than the database.
				if _, err := s.db.Exec("UPDATE visitors SET "+tc.col+" = ? WHERE id = 2", tc.value); err == nil {
					t.Errorf("%s = %q: the server took what the engine refuses", tc.col, tc.value)
				}
				continue
			}
			if err := eng.CheckCorrection(ctx, changes); err != nil {
				t.Errorf("%s = %q: CheckCorrection: %v", tc.col, tc.value, err)
				continue
			}
			rep, err := eng.Rectify(ctx, alice, changes)
			if err != nil {
				t.Errorf("%s = %q: Rectify: %v", tc.col, tc.value, err)
				continue
			}
			if rep.Affected() != 1 {
				t.Errorf("%s = %q: affected %d, want 1", tc.col, tc.value, rep.Affected())
			}
			got := dumpTable(t, s.db, "visitors", cols)["1"][tc.col]
			want := any(tc.value)
			if strings.HasPrefix(tc.col, "seen") {
				got, want = instant(t, got), instant(t, tc.value)
			}
			if got != want {
				t.Errorf("%s = %q: the database holds %#v, want %#v", tc.col, tc.value, got, want)
			}
			reset()
		}
		if diff := cmp.Diff(before, dumpTable(t, s.db, "visitors", cols)); diff != "" {
			t.Errorf("the corrections left the database changed (-before +after):\n%s", diff)
		}

		// The live check refuses a fixed erase value MySQL cannot store
		// as well.
		ds.Tables[0].Columns[0].Erase = &manifest.Erase{Action: manifest.EraseFixed, Value: "2107-01-01"}
		ds.Tables[0].Columns[2].Erase = &manifest.Erase{Action: manifest.EraseFixed, Value: "🙈"}
		eng2, err := sqlds.New(kind, s.db, ds, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = eng2.Check(ctx)
		if !mysql {
			if err != nil {
				t.Errorf("Check: %v", err)
			}
			return
		}
		var ce *sqlds.CheckError
		if !errors.As(err, &ce) || len(ce.Problems) != 2 ||
			!strings.Contains(ce.Problems[0], "visitors.seen: the fixed erase value does not fit") ||
			!strings.Contains(ce.Problems[1], "visitors.nick: the fixed erase value does not fit") {
			t.Errorf("Check: %v, want the fixed values of visitors.seen and visitors.nick refused", err)
		}
	})
}

// instant reads a time as the test gives it or a database returns it
// (SQLite a string, when the driver does not parse it back), in UTC.
func instant(t *testing.T, v any) string {
	t.Helper()
	if s, ok := v.(string); ok {
		if f := strings.Fields(s); len(f) == 4 {
			s = strings.Join(f[:3], " ") // modernc writes t.String(): less the zone's name
		}
		for _, layout := range []string{time.RFC3339Nano, time.DateTime, time.DateOnly, "2006-01-02 15:04:05.999999999 -0700"} {
			if x, err := time.Parse(layout, s); err == nil {
				return x.UTC().Format(time.RFC3339Nano)
			}
		}
		t.Fatalf("%q is not a time", s)
	}
	return fmt.Sprint(norm(v))
}
