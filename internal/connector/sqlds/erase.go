package sqlds

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/custos-privacy/custos/internal/manifest"
)

// What an erasure does with one of the person's rows; a row only ever
// moves up this list.
const (
	stDelete uint8 = iota // delete the row
	stMask                // keep the row, mask its columns
	stLeave               // leave the row as it is: others' rows refer to it
)

// erasePlan is how an erasure treats each table; the state of each row is
// in its rowSet.
type erasePlan struct {
	masks  map[*table][]*maskCol      // the columns masking changes
	masked map[*table]map[string]bool // the names of those columns
	held   map[*table][]*heldCol      // the columns under a legal hold
}

// maskCol is a column masking changes and how.
type maskCol struct {
	name   string
	action string
	value  any // EraseFixed: the value, converted for the column
	m      *colMeta
}

// heldCol is a column an erasure leaves alone for a legal obligation.
type heldCol struct {
	name, category, reason string
}

const (
	reasonHold       = "a column's data category is under a legal hold"
	reasonReferenced = "rows kept for a legal hold or by the dataset refer to them"
)

// plan decides what an erasure does with each of the person's rows.
//
// A table erased by deletion whose columns include one under a legal hold
// is masked instead (the held columns kept). A row kept (masked) keeps the
// rows its references point at, unless masking clears the reference (an
// order kept for the tax law keeps its customer's row, masked). A row the
// person owns that other rows, not the person's, refer to as well (an
// address two customers share) is left as it is, and so are the rows it
// owns.
func (e *Engine) plan(ctx context.Context, q querier, w *walk) (*erasePlan, error) {
	masked := map[*table]map[string]bool{}
	p := &erasePlan{masks: map[*table][]*maskCol{}, masked: masked, held: map[*table][]*heldCol{}}
	for _, t := range e.tables {
		masked[t] = map[string]bool{}
		for _, c := range t.m.Columns {
			if slices.Contains(t.pk, c.Name) {
				continue // a primary key is never masked: references need it
			}
			if c.Category != "" {
				if reason, held := e.hold(c.Category); held {
					p.held[t] = append(p.held[t], &heldCol{name: c.Name, category: c.Category, reason: reason})
					continue
				}
			}
			mc := &maskCol{name: c.Name, action: manifest.EraseNull, m: e.meta(t, c.Name)}
			if c.Erase != nil && c.Erase.Action != "" {
				mc.action = c.Erase.Action
			}
			switch mc.action {
			case manifest.EraseKeep:
				continue
			case manifest.EraseFixed:
				v, err := convert(mc.m, c.Erase.Value)
				if err != nil {
					return nil, fmt.Errorf("sqlds: erase %s.%s: the fixed erase value does not fit the column's type %s", t.name, c.Name, mc.m.typ)
				}
				mc.value = v
			case manifest.EraseHash:
				if mc.m.kind != kindText {
					return nil, fmt.Errorf("sqlds: erase %s.%s: a hash needs a text column, not %s", t.name, c.Name, mc.m.typ)
				}
			}
			p.masks[t] = append(p.masks[t], mc)
			masked[t][c.Name] = true
		}
	}

	for _, rs := range w.order {
		st := stDelete
		if rs.t.m.Erase == "mask" || len(p.held[rs.t]) > 0 {
			st = stMask
		}
		rs.state = make([]uint8, len(rs.rows))
		for i := range rs.state {
			rs.state[i] = st
		}
	}

	// Rows owned through a reference that rows outside the walk share.
	for _, t := range e.tables {
		for _, r := range t.refs {
			owned := w.sets[r.to]
			if !r.owns || owned == nil {
				continue
			}
			var tuples [][]any
			seen := map[string]bool{}
			for i := range owned.rows {
				if owned.state[i] == stLeave {
					continue
				}
				if v := owned.values(i, r.toCols); v != nil && !seen[keyOf(v)] {
					seen[keyOf(v)] = true
					tuples = append(tuples, v)
				}
			}
			if len(tuples) == 0 {
				continue
			}
			sel := append(slices.Clone(t.pk), r.cols...)
			rows, err := e.fetch(ctx, q, "erase", t, sel, r.cols, tuples, false)
			if err != nil {
				return nil, err
			}
			mine := w.sets[t]
			for _, row := range rows {
				if mine != nil {
					if _, ok := mine.byPK[keyOf(row[:len(t.pk)])]; ok {
						continue
					}
				}
				for _, j := range owned.lookup(r.toCols, row[len(t.pk):]) {
					owned.state[j] = stLeave
				}
			}
		}
	}

	// Kept rows keep what they refer to, until nothing changes.
	for changed := true; changed; {
		changed = false
		for _, rs := range w.order {
			for i := range rs.rows {
				st := rs.state[i]
				if st == stDelete {
					continue
				}
				for _, r := range rs.t.refs {
					target := w.sets[r.to]
					if target == nil {
						continue
					}
					if st == stMask && masksRef(e, p, rs.t, r) {
						continue // masking clears the reference
					}
					v := rs.values(i, r.cols)
					if v == nil {
						continue
					}
					want := stMask
					if st == stLeave && r.owns {
						want = stLeave
					}
					for _, j := range target.lookup(r.toCols, v) {
						if target.state[j] < want {
							target.state[j] = want
							changed = true
						}
					}
				}
			}
		}
	}
	return p, nil
}

// Erase erases the person's rows in one transaction: tables erased by
// deletion lose the rows, the others have their declared columns masked
// (set to NULL, a fixed value, a random value or a keyed hash), each
// table before the tables it references. Columns whose data category is
// under a legal hold are left alone, and a table erased by deletion with
// such a column is masked instead; the report says which categories were
// kept and why.
//
// A cycle of foreign keys (customers.default_address_id, a reference with
// owns, and addresses.customer_id) has no order in which its rows can be
// deleted one table after the other. Before it deletes anything, Erase
// therefore lifts the cycle's references with owns (see markClears) by
// setting to NULL their columns outside the primary key and the keys
// other rows refer to (in a composite reference (tenant,
// default_address_id), the address only; see clearCols) in the rows
// it deletes, and in the rows it masks when masking clears the reference
// anyway (the columns masking changes only); the other tables of the
// cycle then go first. One such column of each reference must accept
// NULL: Check names a reference none of whose does, so Erase, which
// checks first, does not start; should the database refuse all the same,
// the transaction rolls back.
//
// Erasing again changes nothing more: deleted rows are gone, and masking
// a masked row gives the same values (random values derive from the key
// and the row's primary key, and a keyed hash is recognised as one), so
// the report of a second run counts no row deleted or masked.
func (e *Engine) Erase(ctx context.Context, ids map[string]string) (*Report, error) {
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
	p, err := e.plan(ctx, tx, w)
	if err != nil {
		return nil, err
	}
	reports := map[*table]*TableReport{}
	for _, rs := range w.order {
		tr := &TableReport{Table: rs.t.name, Rows: int64(len(rs.rows))}
		deleteTable := rs.t.m.Erase != "mask"
		for _, st := range rs.state {
			switch st {
			case stMask:
				if deleteTable {
					tr.Retained++
				}
			case stLeave:
				tr.Shared++
			}
		}
		if tr.Retained > 0 {
			tr.RetainedReason = reasonReferenced
			if len(p.held[rs.t]) > 0 {
				tr.RetainedReason = reasonHold
			}
		}
		reports[rs.t] = tr
	}
	cleared := map[*table]map[string]bool{}
	for _, t := range e.order {
		if rs := w.sets[t]; rs != nil {
			if cleared[t], err = e.clearRefs(ctx, tx, p, rs); err != nil {
				return nil, err
			}
		}
	}
	for _, t := range e.order {
		rs := w.sets[t]
		if rs == nil {
			continue
		}
		tr := reports[t]
		for b := range slices.Chunk(rs.pks(func(i int) bool { return rs.state[i] == stDelete }), batchSize) {
			q := &query{d: e.d}
			q.add("DELETE FROM ", e.d.quote(t.name), " WHERE ")
			q.in(t.pk, b)
			res, err := tx.ExecContext(ctx, q.String(), q.args...)
			if err != nil {
				return nil, dbErr("erase", t.name, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return nil, dbErr("erase", t.name, err)
			}
			tr.Deleted += n
		}
		if cols := p.masks[t]; len(cols) > 0 {
			n, err := e.mask(ctx, tx, t, cols, rs.pks(func(i int) bool { return rs.state[i] == stMask }), cleared[t])
			if err != nil {
				return nil, err
			}
			tr.Masked += n
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, dbErr("commit", "", err)
	}
	rep := &Report{Tables: []TableReport{}}
	for _, rs := range w.order {
		rep.Tables = append(rep.Tables, *reports[rs.t])
	}
	rep.Kept = kept(w, p)
	return rep, nil
}

// kept lists the held categories of the tables the walk reached.
func kept(w *walk, p *erasePlan) []KeptCategory {
	var out []KeptCategory
	at := map[string]int{}
	for _, rs := range w.order {
		for _, h := range p.held[rs.t] {
			i, ok := at[h.category]
			if !ok {
				i = len(out)
				at[h.category] = i
				out = append(out, KeptCategory{Category: h.category, Reason: h.reason})
			}
			out[i].Columns = append(out[i].Columns, rs.t.name+"."+h.name)
		}
	}
	return out
}

// masksRef says whether masking a row of t clears its reference r, so
// that the row no longer keeps the row r points at. A reference that
// clears (see markClears) is lifted before the row it points at is
// deleted, by setting to NULL one of its columns that masking changes
// (clearCols); without such a column, the row pointed at is kept. Any
// other reference is lifted when masking changes one of its columns: the
// row is masked before the row it points at is deleted.
func masksRef(e *Engine, p *erasePlan, t *table, r *ref) bool {
	if r.clears {
		return len(e.clearCols(p, t, r, stMask)) > 0
	}
	return slices.ContainsFunc(r.cols, func(c string) bool { return p.masked[t][c] })
}

// clearCols returns the columns clearRefs sets to NULL in a row of t in
// state st to lift r, a reference of t that clears: of its free columns
// (not in the primary key, pointed at by no reference) those that accept
// NULL. One NULL column is enough (MATCH SIMPLE), so nothing else of the
// reference changes. A row to be masked gets only the columns masking
// changes anyway, none kept or under a legal hold; a row to be deleted
// gets the columns that are neither kept nor held if there are any, the
// others otherwise (they go with the row).
func (e *Engine) clearCols(p *erasePlan, t *table, r *ref, st uint8) []string {
	var all, plain []string
	for _, c := range r.free {
		if !e.meta(t, c).null {
			continue
		}
		if st == stMask {
			if p.masked[t][c] {
				all = append(all, c)
			}
			continue
		}
		all = append(all, c)
		held := slices.ContainsFunc(p.held[t], func(h *heldCol) bool { return h.name == c })
		if mc := t.listed[c]; !held && (mc == nil || mc.Erase == nil || mc.Erase.Action != manifest.EraseKeep) {
			plain = append(plain, c)
		}
	}
	if len(plain) > 0 {
		return plain
	}
	return all
}

// clearRefs lifts the references of rs's table that clear (see
// markClears) by setting some of their columns (clearCols) to NULL, in
// the rows of rs to be deleted and in those to be masked whose masking
// clears the reference, where the reference is set. It returns the keys
// (keyOf the primary key) of the rows to be masked that it changed: their
// masking began here.
func (e *Engine) clearRefs(ctx context.Context, tx querier, p *erasePlan, rs *rowSet) (map[string]bool, error) {
	t := rs.t
	changed := map[string]bool{}
	for _, r := range t.refs {
		if !r.clears {
			continue
		}
		for _, st := range []uint8{stDelete, stMask} {
			cols := e.clearCols(p, t, r, st)
			if len(cols) == 0 {
				// A row to be deleted: Check names the reference. A row to
				// be masked: masking keeps the reference, and so the row
				// it points at.
				continue
			}
			// The walk read the reference columns, under a lock.
			pks := rs.pks(func(i int) bool { return rs.state[i] == st && rs.values(i, r.cols) != nil })
			for b := range slices.Chunk(pks, batchSize) {
				q := &query{d: e.d}
				q.add("UPDATE ", e.d.quote(t.name), " SET ")
				for i, c := range cols {
					if i > 0 {
						q.add(", ")
					}
					q.add(e.d.quote(c), " = NULL")
				}
				q.add(" WHERE ")
				q.in(t.pk, b)
				q.add(" AND (")
				for i, c := range cols {
					if i > 0 {
						q.add(" OR ")
					}
					q.add(e.d.quote(c), " IS NOT NULL")
				}
				q.add(")")
				if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
					return nil, dbErr("erase", t.name, err)
				}
			}
			if st == stMask {
				for _, pk := range pks {
					changed[keyOf(pk)] = true
				}
			}
		}
	}
	return changed, nil
}

// mask masks cols in the rows of t with primary keys pks, and returns how
// many rows changed. Rows whose columns hold the masked values already are
// left alone, but count when done holds them (keyOf the primary key): an
// earlier step of the erasure changed them. Rows that get the same values
// are updated together.
func (e *Engine) mask(ctx context.Context, tx querier, t *table, cols []*maskCol, pks [][]any, done map[string]bool) (int64, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	sel := append(slices.Clone(t.pk), names...)
	var n int64
	for b := range slices.Chunk(pks, batchSize) {
		rows, err := e.fetch(ctx, tx, "erase", t, sel, t.pk, b, true)
		if err != nil {
			return 0, err
		}
		type group struct {
			vals []any
			pks  [][]any
		}
		var groups []*group
		byVals := map[string]*group{}
		for _, row := range rows {
			pk := row[:len(t.pk)]
			cur := row[len(t.pk):]
			vals := make([]any, len(cols))
			changed := false
			for i, c := range cols {
				vals[i] = e.maskValue(t, c, keyOf(pk), cur[i])
				if !same(c.m, cur[i], vals[i]) {
					changed = true
				}
			}
			if !changed {
				if done[keyOf(pk)] {
					n++
				}
				continue
			}
			k := keyOf(vals)
			g := byVals[k]
			if g == nil {
				g = &group{vals: vals}
				byVals[k] = g
				groups = append(groups, g)
			}
			g.pks = append(g.pks, pk)
		}
		for _, g := range groups {
			q := &query{d: e.d}
			q.add("UPDATE ", e.d.quote(t.name), " SET ")
			for i, c := range cols {
				if i > 0 {
					q.add(", ")
				}
				q.add(e.d.quote(c.name), " = ", q.arg(g.vals[i]))
			}
			q.add(" WHERE ")
			q.in(t.pk, g.pks)
			if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
				return 0, dbErr("erase", t.name, err)
			}
			n += int64(len(g.pks))
		}
	}
	return n, nil
}

// maskValue is the value column c of the row with primary key pk gets.
// NULL stays NULL under random and hash.
func (e *Engine) maskValue(t *table, c *maskCol, pk string, cur any) any {
	switch c.action {
	case manifest.EraseFixed:
		return c.value
	case manifest.EraseHash:
		if cur == nil {
			return nil
		}
		s := textOf(cur)
		n := hashLen(c.m)
		if e.isHash(s, n) {
			return s
		}
		return e.hash(s, n)
	case manifest.EraseRandom:
		if cur == nil {
			return nil
		}
		sum := e.mac("custos/random", t.name, c.name, pk)
		switch c.m.kind {
		case kindText:
			n := 32
			if c.m.maxLen > 0 && c.m.maxLen < n {
				n = c.m.maxLen
			}
			return hex.EncodeToString(sum)[:n]
		case kindInt:
			bits := c.m.bits
			if bits <= 0 || bits > 63 {
				bits = 63
			}
			return int64(binary.BigEndian.Uint64(sum) & (1<<bits - 1))
		}
		return nil
	}
	return nil
}

// mac is the HMAC-SHA256 under the engine's key of parts.
func (e *Engine) mac(parts ...string) []byte {
	h := hmac.New(sha256.New, e.key)
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// A keyed hash is hex: the HMAC of the value, truncated so that the whole
// fits the column, then a tag, the HMAC of the first part. The tag tells a
// value masked already from one still to mask, so that erasing again does
// not hash the hash; without the key no value can pass for a hash.

// hashLen is the length of a hash in a column of m: 64 hex digits, fewer
// if the column holds fewer characters.
func hashLen(m *colMeta) int {
	if m.maxLen > 0 && m.maxLen < 64 {
		return m.maxLen
	}
	return 64
}

func tagLen(n int) int {
	if n >= 24 {
		return 8
	}
	return 4
}

func (e *Engine) hash(s string, n int) string {
	body := hex.EncodeToString(e.mac("custos/hash", s))[:n-tagLen(n)]
	return body + hex.EncodeToString(e.mac("custos/hash-tag", body))[:tagLen(n)]
}

func (e *Engine) isHash(s string, n int) bool {
	if len(s) != n || n < tagLen(n)+1 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	body := s[:n-tagLen(n)]
	return hmac.Equal([]byte(s[n-tagLen(n):]), []byte(hex.EncodeToString(e.mac("custos/hash-tag", body))[:tagLen(n)]))
}

// textOf is a column value as text.
func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// same says whether a column of m holding a holds b already.
func same(m *colMeta, a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if m.kind == kindDecimal || m.kind == kindFloat {
		x, err1 := strconv.ParseFloat(textOf(a), 64)
		y, err2 := strconv.ParseFloat(textOf(b), 64)
		if err1 == nil && err2 == nil {
			return x == y
		}
	}
	return keyOf([]any{a}) == keyOf([]any{b})
}
