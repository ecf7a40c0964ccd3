package sqlds

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"unicode/utf8"
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

// CorrectionError is why a correction is refused: the table and column,
// and the reason, never the value.
type CorrectionError struct {
	Table, Column string
	Reason        string
}

func (e *CorrectionError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("sqlds: rectify %s: %s", e.Table, e.Reason)
	}
	return fmt.Sprintf("sqlds: rectify %s.%s: %s", e.Table, e.Column, e.Reason)
}

// Correctable lists the columns a rectification may change: those the
// dataset marks rectify, in the dataset's order, less those the database
// holds as binary data, which a correction, entered as text, cannot write.
// It reads the database's schema if the engine has not yet.
func (e *Engine) Correctable(ctx context.Context) ([]CorrectableColumn, error) {
	schema, err := e.columns(ctx)
	if err != nil {
		return nil, err
	}
	return e.correctable(schema), nil
}

// correctable lists the columns marked rectify, less those schema (if
// known) says are binary.
func (e *Engine) correctable(schema map[string]map[string]*colMeta) []CorrectableColumn {
	var out []CorrectableColumn
	for _, t := range e.tables {
		for _, c := range t.m.Columns {
			if m := schema[t.name][c.Name]; c.Rectify && (m == nil || m.kind != kindBytes) {
				out = append(out, CorrectableColumn{Table: t.name, Column: c.Name, Category: c.Category})
			}
		}
	}
	return out
}

// CorrectableColumn is a column a rectification may change.
type CorrectableColumn struct {
	Table, Column string
	Category      string // its data category
}

// CheckCorrection checks a correction as Rectify would, against the
// dataset and the database's column types, and writes nothing: a refusal
// is a *CorrectionError.
func (e *Engine) CheckCorrection(ctx context.Context, changes map[string]map[string]any) error {
	if _, err := e.columns(ctx); err != nil {
		return err
	}
	_, err := e.correction(changes)
	return err
}

// colSet is the new values of some columns of a table.
type colSet struct {
	cols []string
	vals []any
}

// correction converts changes for the columns' types, refusing any to a
// column the dataset does not mark rectify.
func (e *Engine) correction(changes map[string]map[string]any) (map[*table]*colSet, error) {
	sets := map[*table]*colSet{}
	names := make([]string, 0, len(changes))
	for name := range changes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := e.byName[name]
		if t == nil {
			return nil, &CorrectionError{Table: name, Reason: "the dataset declares no such table"}
		}
		cols := make([]string, 0, len(changes[name]))
		for c := range changes[name] {
			cols = append(cols, c)
		}
		sort.Strings(cols)
		s := &colSet{}
		for _, c := range cols {
			mc := t.listed[c]
			switch {
			case mc == nil:
				return nil, &CorrectionError{Table: name, Column: c, Reason: "the dataset declares no such column; refused"}
			case !mc.Rectify:
				return nil, &CorrectionError{Table: name, Column: c, Reason: "the column may not be rectified; refused"}
			}
			m := e.meta(t, c)
			if m.kind == kindBytes {
				return nil, &CorrectionError{Table: name, Column: c, Reason: "the column holds binary data (" + m.typ + "), which a correction, entered as text, cannot write; refused"}
			}
			v, err := convert(m, changes[name][c])
			switch {
			case err != nil:
				return nil, &CorrectionError{Table: name, Column: c, Reason: err.Error()}
			case v == nil && !m.null:
				return nil, &CorrectionError{Table: name, Column: c, Reason: "the column cannot be empty (NOT NULL)"}
			}
			if x, ok := v.(string); ok && m.maxLen > 0 && utf8.RuneCountInString(x) > m.maxLen {
				return nil, &CorrectionError{Table: name, Column: c, Reason: fmt.Sprintf("the value is longer than the column's %d characters", m.maxLen)}
			}
			s.cols = append(s.cols, c)
			s.vals = append(s.vals, v)
		}
		if len(s.cols) > 0 {
			sets[t] = s
		}
	}
	return sets, nil
}

// Rectify writes corrections to the person's rows in one transaction:
// changes maps a table to the new value of each column to correct (nil
// sets NULL). Only columns the dataset marks rectify and the database does
// not hold as binary data may change; a change to any other column, or to
// a table or column the dataset does not declare, or a value the column
// cannot hold, refuses the whole correction before anything is written, with
// a *CorrectionError naming the table and column (never the value). A row
// that holds the value already is not counted.
func (e *Engine) Rectify(ctx context.Context, ids map[string]string, changes map[string]map[string]any) (*Report, error) {
	if _, err := e.columns(ctx); err != nil {
		return nil, err
	}
	sets, err := e.correction(changes)
	if err != nil {
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
