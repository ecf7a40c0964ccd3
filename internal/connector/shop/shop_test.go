package shop

import (
	"slices"
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/manifest"
)

// sqlRequests are the request types a SQL system of the shop takes part in:
// all but objection and consent withdrawal, so that the manifest checks
// the restrict_column and the columns marked rectify as well.
var sqlRequests = []string{"access", "portability", "erasure", "rectification", "restriction"}

func shopSystems() []System {
	return []System{
		{ID: "shop-postgresql", Name: "Shop (PostgreSQL)", Kind: manifest.SystemPostgres, Env: "SHOP_POSTGRES", Requests: sqlRequests},
		{ID: "shop-mariadb", Name: "Shop (MariaDB)", Kind: manifest.SystemMySQL, Env: "SHOP_MARIADB", Requests: sqlRequests},
		{ID: "shop-sqlite", Name: "Shop (SQLite)", Kind: manifest.SystemSQLite, Env: "SHOP_SQLITE"},
	}
}

// The shop's dataset passes the manifest's validation as it is, and comes
// out of it the same, bar the defaults Parse fills in.
func TestManifest(t *testing.T) {
	m, err := Manifest(shopSystems()...)
	if err != nil {
		t.Fatalf("the shop's dataset does not validate:\n%v", err)
	}
	site := m.Site("demo")
	for _, s := range shopSystems() {
		sys := site.System(s.ID)
		if sys == nil {
			t.Fatalf("no system %s", s.ID)
		}
		if sys.Kind != s.Kind || sys.Name != s.Name {
			t.Errorf("%s: kind %q, name %q", s.ID, sys.Kind, sys.Name)
		}
		want := s.Requests
		if len(want) == 0 {
			want = []string{"access"}
		}
		if !slices.Equal(sys.Requests, want) {
			t.Errorf("%s: requests %v, want %v", s.ID, sys.Requests, want)
		}
		compare(t, s.ID, Dataset(), sys.Dataset)
	}
	// Every category the shop uses is declared, once.
	for _, c := range categories(Dataset(), site) {
		t.Errorf("category %s is not declared", c)
	}
	// Dataset returns a copy each time.
	d := Dataset()
	d.Tables[0].Columns[0].Name = "changed"
	if Dataset().Tables[0].Columns[0].Name == "changed" {
		t.Error("Dataset shares its tables between calls")
	}
}

// compare checks that got, parsed from want, is want with Parse's
// defaults filled in: delete for a table's erase, keep for a primary key
// column's, null for another's.
func compare(t *testing.T, sys string, want, got *manifest.Dataset) {
	t.Helper()
	if got == nil || len(got.Tables) != len(want.Tables) {
		t.Fatalf("%s: dataset %+v, want %d tables", sys, got, len(want.Tables))
	}
	for i, wt := range want.Tables {
		gt := got.Tables[i]
		p := sys + ": " + wt.Name
		if gt.Name != wt.Name || !slices.Equal(gt.PrimaryKey, wt.PrimaryKey) || gt.RestrictColumn != wt.RestrictColumn || len(gt.Identities) != len(wt.Identities) {
			t.Errorf("%s: table %+v, want %+v", p, gt, wt)
		}
		for k, c := range wt.Identities {
			if gt.Identities[k] != c {
				t.Errorf("%s: identity %s is %q, want %q", p, k, gt.Identities[k], c)
			}
		}
		if wantErase := cmpOr(wt.Erase, manifest.EraseDelete); gt.Erase != wantErase {
			t.Errorf("%s: erase %q, want %q", p, gt.Erase, wantErase)
		}
		if !slices.EqualFunc(gt.References, wt.References, func(a, b *manifest.Reference) bool { return refString(a) == refString(b) }) {
			t.Errorf("%s: references %v, want %v", p, refStrings(gt.References), refStrings(wt.References))
		}
		if len(gt.Columns) != len(wt.Columns) {
			t.Errorf("%s: %d columns, want %d", p, len(gt.Columns), len(wt.Columns))
			continue
		}
		for j, wc := range wt.Columns {
			gc := gt.Columns[j]
			erase := manifest.Erase{Action: manifest.EraseNull}
			switch {
			case wc.Erase != nil:
				erase = *wc.Erase
			case wt.InPrimaryKey(wc.Name):
				erase = manifest.Erase{Action: manifest.EraseKeep}
			}
			if gc.Name != wc.Name || gc.Category != wc.Category || gc.Rectify != wc.Rectify || gc.Erase == nil || *gc.Erase != erase {
				t.Errorf("%s: column %+v (erase %+v), want %+v (erase %+v)", p, gc, gc.Erase, wc, erase)
			}
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func refString(r *manifest.Reference) string {
	s := strings.Join(r.Columns, ",") + " → " + r.Table + "(" + strings.Join(r.To, ",") + ")"
	if r.Owns {
		s += " owns"
	}
	return s
}

func refStrings(rs []*manifest.Reference) []string {
	var out []string
	for _, r := range rs {
		out = append(out, refString(r))
	}
	return out
}

// The validation sees the dataset: without a column that a reference, an
// identity or the restriction flag names, the shop's manifest is refused,
// naming the column.
func TestManifestNeedsKeyColumns(t *testing.T) {
	type named struct{ table, column, what string }
	var cases []named
	for _, tbl := range Dataset().Tables {
		for _, r := range tbl.References {
			for _, c := range r.Columns {
				if !tbl.InPrimaryKey(c) {
					cases = append(cases, named{tbl.Name, c, "reference to " + r.Table})
				}
			}
		}
		for _, c := range tbl.Identities {
			cases = append(cases, named{tbl.Name, c, "identity"})
		}
		if tbl.RestrictColumn != "" {
			cases = append(cases, named{tbl.Name, tbl.RestrictColumn, "restrict_column"})
		}
	}
	// The columns that were missing once, among others.
	for _, c := range []named{{"orders", "customer_id", ""}, {"payments", "order_id", ""}, {"ticket_messages", "ticket_id", ""}, {"customers", "id", ""}, {"support_tickets", "restricted", ""}} {
		if !slices.ContainsFunc(cases, func(n named) bool { return n.table == c.table && n.column == c.column }) {
			t.Errorf("%s.%s is named by no reference, identity or restrict_column", c.table, c.column)
		}
	}
	for _, c := range cases {
		d := Dataset()
		tbl := d.Table(c.table)
		n := len(tbl.Columns)
		tbl.Columns = slices.DeleteFunc(tbl.Columns, func(col *manifest.Column) bool { return col.Name == c.column })
		if len(tbl.Columns) != n-1 {
			t.Errorf("%s.%s (%s) is not listed in the shop's columns", c.table, c.column, c.what)
			continue
		}
		_, err := manifestOf(d, shopSystems()[:1])
		if err == nil {
			t.Errorf("without %s.%s (%s), the manifest validates", c.table, c.column, c.what)
			continue
		}
		if !strings.Contains(err.Error(), c.column+" is not") {
			t.Errorf("without %s.%s (%s): %v, want an error naming the column", c.table, c.column, c.what, err)
		}
	}
}

// Hold holds user.financial and the categories below it, nothing else.
func TestHold(t *testing.T) {
	for cat, want := range map[string]bool{
		"user.financial": true, "user.financial.card": true,
		"user.financialx": false, "user.purchase": false, "": false,
	} {
		reason, held := Hold(cat)
		if held != want || (held && reason != TaxLaw) || (!held && reason != "") {
			t.Errorf("Hold(%q) = %q, %v", cat, reason, held)
		}
	}
}
