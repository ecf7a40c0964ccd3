package sqlds

import (
	"strconv"
	"strings"

	"github.com/custos-privacy/custos/internal/manifest"
)

// dialect is what differs between the SQL engines in the statements the
// engine writes: placeholders, identifier quoting, boolean literals, the
// null-safe comparison and row locks.
type dialect struct {
	kind string // manifest.SystemPostgres, SystemMySQL or SystemSQLite
}

func (d dialect) postgres() bool { return d.kind == manifest.SystemPostgres }
func (d dialect) mysql() bool    { return d.kind == manifest.SystemMySQL }

// placeholder returns the n-th (1-based) bind parameter.
func (d dialect) placeholder(n int) string {
	if d.postgres() {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// quote quotes an identifier, a schema-qualified one ("sales.orders") part
// by part.
func (d dialect) quote(name string) string {
	q := `"`
	if d.mysql() {
		q = "`"
	}
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = q + strings.ReplaceAll(p, q, q+q) + q
	}
	return strings.Join(parts, ".")
}

// quoteAll quotes each of names and joins them with commas.
func (d dialect) quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = d.quote(n)
	}
	return strings.Join(q, ", ")
}

// trueLit is the literal true of a boolean column.
func (d dialect) trueLit() string {
	if d.kind == manifest.SystemSQLite {
		return "1"
	}
	return "TRUE"
}

// notTrue is the condition "col is not true", NULL counting as not true.
func (d dialect) notTrue(col string) string {
	if d.kind == manifest.SystemSQLite {
		return col + " IS NOT 1"
	}
	return col + " IS NOT TRUE"
}

// distinct is the null-safe "a differs from b".
func (d dialect) distinct(a, b string) string {
	switch d.kind {
	case manifest.SystemPostgres:
		return a + " IS DISTINCT FROM " + b
	case manifest.SystemMySQL:
		return "NOT (" + a + " <=> " + b + ")"
	default:
		return a + " IS NOT " + b
	}
}

// forUpdate locks the rows a select in a transaction reads, so that no
// row can be added under them (a new order of the customer being erased)
// before the transaction ends. SQLite locks the whole database instead.
func (d dialect) forUpdate() string {
	if d.kind == manifest.SystemSQLite {
		return ""
	}
	return " FOR UPDATE"
}

// limit is the clause that reads at most n rows.
func (d dialect) limit(n int) string {
	return " LIMIT " + strconv.Itoa(n)
}

// query builds one statement and its arguments.
type query struct {
	d    dialect
	sb   strings.Builder
	args []any
}

func (q *query) add(s ...string) *query {
	for _, p := range s {
		q.sb.WriteString(p)
	}
	return q
}

// arg binds v and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return q.d.placeholder(len(q.args))
}

func (q *query) String() string { return q.sb.String() }

// in writes the condition "the columns cols hold one of tuples": an IN
// list for one column, and an OR of equalities for several (SQLite takes
// a row value on the left of IN only with a subquery on the right). Both
// forms use an index on the columns.
func (q *query) in(cols []string, tuples [][]any) {
	if len(cols) == 1 {
		q.add(q.d.quote(cols[0]), " IN (")
		for i, t := range tuples {
			if i > 0 {
				q.add(", ")
			}
			q.add(q.arg(t[0]))
		}
		q.add(")")
		return
	}
	q.add("(")
	for i, t := range tuples {
		if i > 0 {
			q.add(" OR ")
		}
		q.add("(")
		for j, c := range cols {
			if j > 0 {
				q.add(" AND ")
			}
			q.add(q.d.quote(c), " = ", q.arg(t[j]))
		}
		q.add(")")
	}
	q.add(")")
}
