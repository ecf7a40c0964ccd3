package sqlds

import (
	"context"
	"fmt"
	"slices"
	"sort"
)

// Restrict marks the person's rows as restricted: in one transaction, it
// sets each table's restriction column to true where it is not already.
// Tables the walk reached that have no restriction column are reported as
// not restrictable.
func (e *Engine) Restrict(ctx context.Context, ids map[string]string) (*Report, error) {
	if _, err := e.columns(ctx); err != nil {
		return nil, err
	}
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, dbErr("begin", "", err)
	}
	defer tx.Rollback()
	w, err := e.walk(ctx, tx, ids, true)
	if err != nil {
		return nil, err
	}
	rep := &Report{Tables: []TableReport{}}
	for _, rs := range w.order {
		t := rs.t
		tr := TableReport{Table: t.name, Rows: int64(len(rs.rows))}
		rc := t.m.RestrictColumn
		if rc == "" {
			tr.NotRestrictable = true
			rep.Tables = append(rep.Tables, tr)
			continue
		}
		for b := range slices.Chunk(rs.pks(nil), batchSize) {
			q := &query{d: e.d}
			col := e.d.quote(rc)
			q.add("UPDATE ", e.d.quote(t.name), " SET ", col, " = ", e.d.trueLit(), " WHERE ")
			q.in(t.pk, b)
			q.add(" AND ", e.d.notTrue(col))
			res, err := tx.ExecContext(ctx, q.String(), q.args...)
			if err != nil {
				return nil, dbErr("restrict", t.name, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return nil, dbErr("restrict", t.name, err)
			}
			tr.Updated += n
		}
		rep.Tables = append(rep.Tables, tr)
	}
	if err := tx.Commit(); err != nil {
		return nil, dbErr("commit", "", err)
	}
	return rep, nil
}

// Rectify writes corrections to the person's rows in one transaction:
// changes maps a table to the new value of each column to correct. Only
// columns the dataset marks rectify may change; a change to any other
// column, or to a table or column the dataset does not declare, refuses
// the whole correction before anything is written, with an error naming
// the table and column (never the value). A row that holds the value
// already is not counted.
func (e *Engine) Rectify(ctx context.Context, ids map[string]string, changes map[string]map[string]any) (*Report, error) {
	if _, err := e.columns(ctx); err != nil {
		return nil, err
	}
	type set struct {
		cols []string
		vals []any
	}
	sets := map[*table]*set{}
	names := make([]string, 0, len(changes))
	for name := range changes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := e.byName[name]
		if t == nil {
			return nil, fmt.Errorf("sqlds: rectify %s: the dataset declares no such table", name)
		}
		cols := make([]string, 0, len(changes[name]))
		for c := range changes[name] {
			cols = append(cols, c)
		}
		sort.Strings(cols)
		s := &set{}
		for _, c := range cols {
			mc := t.listed[c]
			switch {
			case mc == nil:
				return nil, fmt.Errorf("sqlds: rectify %s.%s: the dataset declares no such column; refused", name, c)
			case !mc.Rectify:
				return nil, fmt.Errorf("sqlds: rectify %s.%s: the column may not be rectified; refused", name, c)
			}
			v, err := convert(e.meta(t, c), changes[name][c])
			if err != nil {
				return nil, fmt.Errorf("sqlds: rectify %s.%s: %w", name, c, err)
			}
			s.cols = append(s.cols, c)
			s.vals = append(s.vals, v)
		}
		if len(s.cols) > 0 {
			sets[t] = s
		}
	}
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, dbErr("begin", "", err)
	}
	defer tx.Rollback()
	w, err := e.walk(ctx, tx, ids, true)
	if err != nil {
		return nil, err
	}
	rep := &Report{Tables: []TableReport{}}
	for _, rs := range w.order {
		t := rs.t
		tr := TableReport{Table: t.name, Rows: int64(len(rs.rows))}
		if s := sets[t]; s != nil {
			for b := range slices.Chunk(rs.pks(nil), batchSize) {
				q := &query{d: e.d}
				q.add("UPDATE ", e.d.quote(t.name), " SET ")
				for i, c := range s.cols {
					if i > 0 {
						q.add(", ")
					}
					q.add(e.d.quote(c), " = ", q.arg(s.vals[i]))
				}
				q.add(" WHERE ")
				q.in(t.pk, b)
				q.add(" AND (")
				for i, c := range s.cols {
					if i > 0 {
						q.add(" OR ")
					}
					q.add(e.d.distinct(e.d.quote(c), q.arg(s.vals[i])))
				}
				q.add(")")
				res, err := tx.ExecContext(ctx, q.String(), q.args...)
				if err != nil {
					return nil, dbErr("rectify", t.name, err)
				}
				n, err := res.RowsAffected()
				if err != nil {
					return nil, dbErr("rectify", t.name, err)
				}
				tr.Updated += n
			}
		}
		rep.Tables = append(rep.Tables, tr)
	}
	if err := tx.Commit(); err != nil {
		return nil, dbErr("commit", "", err)
	}
	return rep, nil
}
