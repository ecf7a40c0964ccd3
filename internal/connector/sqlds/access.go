package sqlds

import (
	"context"
	"database/sql"
	"slices"

	"github.com/custos-privacy/custos/internal/manifest"
)

// readTx begins the transaction Access and Preview read in, so that the
// walk and the reads see one snapshot where the engine has them.
func (e *Engine) readTx(ctx context.Context) (*sql.Tx, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if e.d.kind != manifest.SystemSQLite {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := e.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, dbErr("begin", "", err)
	}
	return tx, nil
}

// Access streams the person's rows to emit: per table, in the order the
// walk reached the tables, each row's primary key and declared columns, as
// values that encode as JSON plainly (strings, numbers, booleans, times in
// RFC 3339, binary in base64, nil). An error of emit stops the stream and
// is returned as it is.
func (e *Engine) Access(ctx context.Context, ids map[string]string, emit func(table string, row map[string]any) error) error {
	if _, err := e.columns(ctx); err != nil {
		return err
	}
	tx, err := e.readTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	w, err := e.walk(ctx, tx, ids, false)
	if err != nil {
		return err
	}
	for _, rs := range w.order {
		t := rs.t
		metas := make([]*colMeta, len(t.cols))
		for i, c := range t.cols {
			metas[i] = e.meta(t, c)
		}
		for b := range slices.Chunk(rs.pks(nil), batchSize) {
			q := &query{d: e.d}
			q.add("SELECT ", e.d.quoteAll(t.cols), " FROM ", e.d.quote(t.name), " WHERE ")
			q.in(t.pk, b)
			q.add(" ORDER BY ", e.d.quoteAll(t.pk))
			if err := e.stream(ctx, tx, q, t, metas, emit); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

func (e *Engine) stream(ctx context.Context, tx *sql.Tx, q *query, t *table, metas []*colMeta, emit func(string, map[string]any) error) error {
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return dbErr("access", t.name, err)
	}
	defer rows.Close()
	v := make([]any, len(t.cols))
	p := make([]any, len(v))
	for i := range v {
		p[i] = &v[i]
	}
	for rows.Next() {
		if err := rows.Scan(p...); err != nil {
			return dbErr("access", t.name, err)
		}
		row := make(map[string]any, len(v))
		for i, c := range t.cols {
			row[c] = jsonValue(metas[i], v[i])
		}
		if err := emit(t.name, row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return dbErr("access", t.name, err)
	}
	return nil
}

// Preview counts, per table the walk reaches, the person's rows and what
// an erasure would do with them, without changing anything.
func (e *Engine) Preview(ctx context.Context, ids map[string]string) ([]TableCount, error) {
	if _, err := e.columns(ctx); err != nil {
		return nil, err
	}
	tx, err := e.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	w, err := e.walk(ctx, tx, ids, false)
	if err != nil {
		return nil, err
	}
	if _, err := e.plan(ctx, tx, w); err != nil {
		return nil, err
	}
	var out []TableCount
	for _, rs := range w.order {
		tc := TableCount{Table: rs.t.name, Rows: int64(len(rs.rows)), Restrictable: rs.t.m.RestrictColumn != ""}
		for _, st := range rs.state {
			switch st {
			case stDelete:
				tc.Delete++
			case stMask:
				tc.Mask++
			case stLeave:
				tc.Leave++
			}
		}
		out = append(out, tc)
	}
	return out, tx.Commit()
}
