package sqlds

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// rowSet is the person's rows of one table: the values of its walk keys
// (t.keys), the primary key first.
type rowSet struct {
	t     *table
	rows  [][]any
	byPK  map[string]int
	index map[string]map[string][]int // columns → key of their values → rows

	state []uint8 // erasure plan, see plan.go
}

func newRowSet(t *table) *rowSet {
	return &rowSet{t: t, byPK: map[string]int{}}
}

// add adds row unless its primary key is there already, and says whether it
// did.
func (rs *rowSet) add(row []any) bool {
	k := keyOf(row[:len(rs.t.pk)])
	if _, ok := rs.byPK[k]; ok {
		return false
	}
	rs.byPK[k] = len(rs.rows)
	rs.rows = append(rs.rows, row)
	rs.index = nil
	return true
}

// values returns the values of cols in row i, or nil when one is NULL (a
// NULL reference points nowhere).
func (rs *rowSet) values(i int, cols []string) []any {
	v := make([]any, len(cols))
	for j, c := range cols {
		v[j] = rs.rows[i][rs.t.keyIdx[c]]
		if v[j] == nil {
			return nil
		}
	}
	return v
}

// pks returns the primary keys of the rows for which keep is true (all
// when keep is nil).
func (rs *rowSet) pks(keep func(i int) bool) [][]any {
	var out [][]any
	for i, row := range rs.rows {
		if keep == nil || keep(i) {
			out = append(out, row[:len(rs.t.pk)])
		}
	}
	return out
}

// lookup returns the rows whose cols hold vals.
func (rs *rowSet) lookup(cols []string, vals []any) []int {
	name := strings.Join(cols, "\x00")
	if rs.index == nil {
		rs.index = map[string]map[string][]int{}
	}
	idx := rs.index[name]
	if idx == nil {
		idx = map[string][]int{}
		for i := range rs.rows {
			if v := rs.values(i, cols); v != nil {
				k := keyOf(v)
				idx[k] = append(idx[k], i)
			}
		}
		rs.index[name] = idx
	}
	return idx[keyOf(vals)]
}

// walk is the person's rows in every table the walk reached.
type walk struct {
	order []*rowSet // in the order the walk reached the tables
	sets  map[*table]*rowSet
}

// walk finds the person's rows: those of the identity tables that hold one
// of ids, then, step by step, the rows the rows found own. lock locks the
// rows read (in a transaction that is about to change them).
func (e *Engine) walk(ctx context.Context, q querier, ids map[string]string, lock bool) (*walk, error) {
	w := &walk{sets: map[*table]*rowSet{}}
	type pending struct {
		t    *table
		rows [][]any
	}
	var queue []pending
	found := func(t *table, rows [][]any) {
		if len(rows) == 0 {
			return
		}
		rs := w.sets[t]
		if rs == nil {
			rs = newRowSet(t)
			w.sets[t] = rs
		}
		var fresh [][]any
		for _, r := range rows {
			if rs.add(r) {
				fresh = append(fresh, r)
			}
		}
		if len(fresh) > 0 {
			if len(rs.rows) == len(fresh) {
				w.order = append(w.order, rs)
			}
			queue = append(queue, pending{t, fresh})
		}
	}

	for _, t := range e.tables {
		kinds := make([]string, 0, len(t.m.Identities))
		for k := range t.m.Identities {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		for _, k := range kinds {
			v, ok := ids[k]
			if !ok || v == "" {
				continue
			}
			col := t.m.Identities[k]
			arg, err := convert(e.meta(t, col), v)
			if err != nil {
				continue // a value this column cannot hold matches no row
			}
			rows, err := e.fetchKeys(ctx, q, t, []string{col}, [][]any{{arg}}, lock)
			if err != nil {
				return nil, err
			}
			found(t, rows)
		}
	}

	// Each edge looks up each value once.
	asked := map[*edge]map[string]bool{}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		src := w.sets[p.t]
		for _, ed := range p.t.edges {
			seen := asked[ed]
			if seen == nil {
				seen = map[string]bool{}
				asked[ed] = seen
			}
			var tuples [][]any
			for _, row := range p.rows {
				v := make([]any, len(ed.srcCols))
				ok := true
				for j, c := range ed.srcCols {
					v[j] = row[src.t.keyIdx[c]]
					if v[j] == nil {
						ok = false
						break
					}
				}
				if !ok {
					continue
				}
				if k := keyOf(v); !seen[k] {
					seen[k] = true
					tuples = append(tuples, v)
				}
			}
			if len(tuples) == 0 {
				continue
			}
			rows, err := e.fetchKeys(ctx, q, ed.dst, ed.dstCols, tuples, lock)
			if err != nil {
				return nil, err
			}
			found(ed.dst, rows)
		}
	}
	return w, nil
}

// fetchKeys reads the walk keys of the rows of t whose cols hold one of
// tuples, in batches.
func (e *Engine) fetchKeys(ctx context.Context, q querier, t *table, cols []string, tuples [][]any, lock bool) ([][]any, error) {
	return e.fetch(ctx, q, "walk", t, t.keys, cols, tuples, lock)
}

// fetch reads the columns sel of the rows of t whose cols hold one of
// tuples, in batches.
func (e *Engine) fetch(ctx context.Context, q querier, op string, t *table, sel, cols []string, tuples [][]any, lock bool) ([][]any, error) {
	var out [][]any
	metas := make([]*colMeta, len(sel))
	for i, c := range sel {
		metas[i] = e.meta(t, c)
	}
	for b := range slices.Chunk(tuples, batchSize) {
		s := &query{d: e.d}
		s.add("SELECT ", e.d.quoteAll(sel), " FROM ", e.d.quote(t.name), " WHERE ")
		s.in(cols, b)
		if lock {
			s.add(e.d.forUpdate())
		}
		rows, err := q.QueryContext(ctx, s.String(), s.args...)
		if err != nil {
			return nil, dbErr(op, t.name, err)
		}
		for rows.Next() {
			v := make([]any, len(sel))
			p := make([]any, len(v))
			for i := range v {
				p[i] = &v[i]
			}
			if err := rows.Scan(p...); err != nil {
				rows.Close()
				return nil, dbErr(op, t.name, err)
			}
			for i := range v {
				v[i] = scanned(metas[i], v[i])
			}
			out = append(out, v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, dbErr(op, t.name, err)
		}
	}
	return out, nil
}

// keyOf encodes values as a map key: equal values, equal keys, whatever
// integer width or text representation the driver gave them.
func keyOf(vals []any) string {
	var sb strings.Builder
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			sb.WriteString("n")
		case string:
			sb.WriteString("s")
			sb.WriteString(strconv.Itoa(len(x)))
			sb.WriteString(":")
			sb.WriteString(x)
		case []byte:
			sb.WriteString("s")
			sb.WriteString(strconv.Itoa(len(x)))
			sb.WriteString(":")
			sb.Write(x)
		case int64:
			sb.WriteString("i" + strconv.FormatInt(x, 10))
		case int32:
			sb.WriteString("i" + strconv.FormatInt(int64(x), 10))
		case int:
			sb.WriteString("i" + strconv.Itoa(x))
		case uint64:
			sb.WriteString("i" + strconv.FormatUint(x, 10))
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				sb.WriteString("i" + strconv.FormatInt(int64(x), 10))
			} else {
				sb.WriteString("f" + strconv.FormatFloat(x, 'g', -1, 64))
			}
		case bool:
			if x {
				sb.WriteString("i1")
			} else {
				sb.WriteString("i0")
			}
		case time.Time:
			sb.WriteString("t" + x.UTC().Format(time.RFC3339Nano))
		default:
			s := fmt.Sprint(x)
			sb.WriteString("o" + strconv.Itoa(len(s)) + ":" + s)
		}
		sb.WriteByte(0)
	}
	return sb.String()
}
