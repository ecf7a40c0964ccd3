package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/audit"
	"github.com/custos-privacy/custos/internal/custos"
)

// The group commit.
//
// A caller turns its write into an op, appends it to db.queue and waits on
// op.done. The writer goroutine takes everything queued (up to MaxBatch),
// applies it in one transaction with multi-row statements, commits once and
// only then answers every op. A commit that fails fails every op of the
// batch: nothing is half-written and nobody is told "done" early. A
// statement that fails is different: it means one op is bad (a consent id
// recorded twice, say), so the batch is rolled back and its ops are retried
// one transaction each, and only the bad one fails.

type opKind uint8

const (
	opConsent opKind = iota
	opAudit
	opManifest
	opApply   // a write of its own, with an optional audit entry (see apply)
	opBarrier // tests only: holds the writer until released
)

// op is one queued write. The caller fills the input half before queueing
// and must not touch the op again until done is closed; the writer fills the
// result half. Inputs are copies, so a caller that gave up waiting (context
// cancelled) can reuse its own values without racing the writer.
type op struct {
	ctx  context.Context
	kind opKind

	// opConsent: the consent as it will be stored, its choices already
	// encoded and its receipt hashed, so that the single writer does as
	// little CPU work per item as possible.
	consent *custos.Consent
	choices string
	details string
	idem    *custos.Idempotency
	// opAudit: the entry to seal and append.
	entry custos.AuditEntry
	// opManifest: the version to record.
	manifest custos.ManifestVersion
	// opApply: fn writes in the batch's transaction and reports whether it
	// wrote; if it did and audited is set, entry is sealed and appended
	// after it. fn may run more than once (a failed batch is retried op by
	// op), each time in a fresh transaction.
	fn      func(ctx context.Context, tx *sql.Tx) (wrote bool, err error)
	audited bool
	// opBarrier: held is closed when the writer reaches the barrier, which
	// then waits for release.
	held    chan struct{}
	release <-chan struct{}

	// results
	stored  *custos.Consent
	replay  bool
	changed bool
	err     error
	write   bool  // this batch inserts the consent (not a replay or conflict)
	seq     int64 // audit seq of the consent's entry
	done    chan struct{}
}

func (o *op) reset() {
	o.stored, o.replay, o.changed, o.err, o.write, o.seq = nil, false, false, nil, false, 0
}

// submit queues o and waits for its result. If ctx ends first it returns
// ctx.Err(); the write may still be committed later, as a write whose client
// hung up may be.
func (db *DB) submit(ctx context.Context, o *op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.ctx = ctx
	o.done = make(chan struct{})
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return custos.Errorf(custos.EUNAVAILABLE, "the store is closed")
	}
	db.queue = append(db.queue, o)
	db.mu.Unlock()
	db.signal()
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (db *DB) signal() {
	select {
	case db.wake <- struct{}{}:
	default:
	}
}

// run is the writer goroutine. It exits once Close was called and the
// queue is empty, so everything queued before Close is written.
func (db *DB) run() {
	defer close(db.done)
	for {
		batch := db.next()
		if batch == nil {
			return
		}
		if batch[0].kind == opBarrier {
			close(batch[0].held)
			<-batch[0].release
			close(batch[0].done)
			continue
		}
		db.rewindWAL()
		db.w.process(batch)
		clear(batch) // the writer's buffers must not keep answered ops alive
		if db.ckpt != nil {
			db.ckpt.committed()
		}
	}
}

// next waits for work and takes the next batch off the queue, or returns
// nil when the store is closed and nothing is left.
func (db *DB) next() []*op {
	db.mu.Lock()
	for len(db.queue) == 0 {
		if db.closed {
			db.mu.Unlock()
			return nil
		}
		db.mu.Unlock()
		<-db.wake
		db.mu.Lock()
	}
	if db.maxWait > 0 && len(db.queue) < db.maxBatch && !db.closed {
		db.mu.Unlock()
		db.fill()
		db.mu.Lock()
	}
	n := min(len(db.queue), db.maxBatch)
	if db.queue[0].kind == opBarrier {
		n = 1
	} else {
		for i := 1; i < n; i++ {
			if db.queue[i].kind == opBarrier {
				n = i
				break
			}
		}
	}
	b := append(db.w.batch[:0], db.queue[:n]...)
	rest := copy(db.queue, db.queue[n:])
	clear(db.queue[rest:])
	db.queue = db.queue[:rest]
	db.mu.Unlock()
	db.w.batch = b
	return b
}

// fill waits up to MaxWait for the queue to reach MaxBatch.
func (db *DB) fill() {
	t := time.NewTimer(db.maxWait)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return
		case <-db.wake:
			db.mu.Lock()
			full := len(db.queue) >= db.maxBatch || db.closed
			db.mu.Unlock()
			if full {
				db.signal() // keep the token for next()
				return
			}
		}
	}
}

// writer is the state of the writer goroutine; nothing else touches it.
type writer struct {
	db      *DB
	batch   []*op
	live    []*op
	entries []custos.AuditEntry
	rows    []*op
	args    []any
	sqls    map[sqlKey]string
	stmts   map[string]*sql.Stmt
	// head is the chain head this writer last committed, for the
	// PostgreSQL pipeline (see pipeline.go).
	head chainHead
}

func (w *writer) init(db *DB) {
	w.db = db
	w.sqls = map[sqlKey]string{}
	w.stmts = map[string]*sql.Stmt{}
}

func (w *writer) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

// wholeBatchError marks an error that no op caused (begin, commit), so
// retrying the ops one by one would not help.
type wholeBatchError struct{ err error }

func (e *wholeBatchError) Error() string { return e.err.Error() }
func (e *wholeBatchError) Unwrap() error { return e.err }

// process writes one batch and answers its ops.
func (w *writer) process(batch []*op) {
	live := w.live[:0]
	for _, o := range batch {
		if err := o.ctx.Err(); err != nil {
			// Nobody waits for it and nothing was written: drop it.
			o.err = err
			close(o.done)
			continue
		}
		live = append(live, o)
	}
	w.live = live
	defer func() { clear(w.live); clear(w.rows) }()
	if len(live) == 0 {
		return
	}
	err := w.commit(live)
	var whole *wholeBatchError
	if err != nil && len(live) > 1 && !errors.As(err, &whole) {
		w.db.log.Warn("store: a batched write failed; retrying its writes one by one", "ops", len(live), "err", err)
		for _, o := range live {
			o.reset()
			if err := w.commit([]*op{o}); err != nil {
				o.reset()
				o.err = err
			}
			close(o.done)
		}
		return
	}
	if err != nil && custos.ErrorCode(err) == custos.EINTERNAL {
		w.db.log.Error("store: write failed", "ops", len(live), "err", err)
	}
	for _, o := range live {
		if err != nil {
			o.reset()
			o.err = err
		}
		close(o.done)
	}
}

// commit applies ops in one transaction. Per-op outcomes that are not
// failures of the transaction (a replay, an idempotency conflict, an
// unchanged manifest) are left in the ops; an error means nothing of the
// batch was written.
func (w *writer) commit(ops []*op) error {
	if w.canPipeline(ops) {
		err := w.commitPipeline(ops)
		if !errors.Is(err, errRedo) {
			return err
		}
		for _, o := range ops {
			o.reset()
		}
	}
	return w.commitTx(ops)
}

// commitTx is commit through database/sql, a statement at a time.
func (w *writer) commitTx(ops []*op) (err error) {
	// The writer's statements must not be cut short by one caller's
	// context: they carry other callers' writes too.
	ctx := context.Background()
	if err := w.prepare(ctx, ops); err != nil {
		return &wholeBatchError{err}
	}
	tx, err := w.db.write.BeginTx(ctx, nil)
	if err != nil {
		return &wholeBatchError{fmt.Errorf("begin: %w", err)}
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()

	var (
		seq  int64
		hash string
	)
	if err := tx.QueryRowContext(ctx, w.db.dialect.headForUpdate).Scan(&seq, &hash); err != nil {
		return &wholeBatchError{fmt.Errorf("read audit head: %w", err)}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)

	if err := w.resolveIdempotency(ctx, tx, ops, now); err != nil {
		return err
	}

	// Seal the audit entries in queue order, one after the other.
	w.entries, w.rows = w.entries[:0], w.rows[:0]
	var manifestHeads map[string]string
	for _, o := range ops {
		var e custos.AuditEntry
		switch o.kind {
		case opConsent, opAudit:
			var ok bool
			if e, ok = entryOf(o, now); !ok {
				continue
			}
		case opManifest:
			if manifestHeads == nil {
				manifestHeads = map[string]string{}
			}
			ok, first, err := w.insertManifest(ctx, tx, o, manifestHeads, now)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			action := custos.AuditManifestChanged
			if first {
				action = custos.AuditManifestLoaded
			}
			e = custos.AuditEntry{
				Time:        now,
				Actor:       "system",
				Action:      action,
				ObjectType:  "manifest",
				ObjectID:    o.manifest.Site + "@" + o.manifest.Fingerprint,
				DetailsHash: o.manifest.ContentHash,
			}
		case opApply:
			wrote, err := o.fn(ctx, tx)
			if err != nil {
				return err
			}
			if !wrote || !o.audited {
				continue
			}
			e = o.entry
			if e.Time.IsZero() {
				e.Time = now
			}
		}
		seq, hash = w.chain(o, e, seq, hash)
	}
	entries, rows := w.entries, w.rows

	if err := w.insertConsents(ctx, tx, rows); err != nil {
		return err
	}
	if err := w.insertAudit(ctx, tx, entries); err != nil {
		return err
	}
	if len(entries) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, seq, hash); err != nil {
			return fmt.Errorf("update audit head: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return &wholeBatchError{fmt.Errorf("commit: %w", err)}
	}
	if w.db.dialect.pipeline {
		w.head = chainHead{seq, hash, true}
	}
	return nil
}

// consentEntry is the audit entry of consent op o, before it is sealed.
func consentEntry(o *op, now time.Time) custos.AuditEntry {
	return custos.AuditEntry{
		Time:        now,
		Actor:       "api",
		Action:      custos.AuditConsentRecorded,
		ObjectType:  "consent",
		ObjectID:    o.consent.ID,
		DetailsHash: o.details,
	}
}

// Multi-row statements.
//
// Each table gets its rows of a batch in as few statements as possible, so
// that the per-statement cost (a round trip on PostgreSQL, a VDBE program
// run on SQLite) is paid per batch, not per row.
//
// On SQLite, rows go in INSERT … VALUES (…),(…) statements whose row counts
// are powers of two (a batch of 300 is 256+32+8+4): there are then only a
// few distinct statements per table, which the writer keeps prepared, so no
// SQL is parsed per batch. On PostgreSQL, one INSERT … SELECT FROM
// unnest($1::text[], …) per table takes the whole batch as one array per
// column; its text does not depend on the batch size, so pgx's statement
// cache holds one plan for it.

// defaultMaxRows is the largest chunk. See BenchmarkRecordConsent for the
// comparison with one prepared single-row statement per row (maxRows 1).
const defaultMaxRows = 256

type sqlKind uint8

const (
	sqlIdempotency sqlKind = iota
	sqlConsents
	sqlAudit
	nSQLKinds
)

type sqlKey struct {
	kind sqlKind
	rows int
}

var sqlShapes = [nSQLKinds]struct{ head, tail string }{
	sqlIdempotency: {
		head: `INSERT INTO idempotency_keys (scope, key, request_hash, resource_id, created_at)`,
		tail: ` ON CONFLICT DO NOTHING RETURNING scope, key`,
	},
	sqlConsents: {
		head: `INSERT INTO consents (` + consentInsertColumns + `)`,
	},
	sqlAudit: {
		head: `INSERT INTO audit_log (seq, time, actor, action, object_type, object_id, details_hash, prev_hash, hash)`,
	},
}

func (k sqlKind) columns() int {
	return strings.Count(sqlShapes[k].head, ",") + 1
}

// chunk returns the largest row count, a power of two, to insert next.
func (w *writer) chunk(k sqlKind, remaining int) int {
	limit := min(w.db.maxRows, w.db.dialect.maxParams/k.columns())
	n := 1
	for n*2 <= limit && n*2 <= remaining {
		n *= 2
	}
	return n
}

func (w *writer) sql(k sqlKind, rows int) string {
	key := sqlKey{k, rows}
	if s, ok := w.sqls[key]; ok {
		return s
	}
	cols := k.columns()
	var b strings.Builder
	b.WriteString(sqlShapes[k].head)
	b.WriteString(" VALUES ")
	p := 1
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			if w.db.dialect.numbered {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(p))
				p++
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	b.WriteString(sqlShapes[k].tail)
	s := b.String()
	w.sqls[key] = s
	return s
}

// prepare prepares, on SQLite, the statements a batch of ops will most
// likely use: the chunks of len(ops) rows. (Fewer rows may be written, after
// replays; a statement not prepared yet then runs unprepared.) It runs
// before the transaction starts because the write pool has one connection,
// and preparing through the pool while a transaction holds it would wait
// forever. Statements are prepared as batch sizes occur rather than all at
// start-up, which would make every freshly opened store slow to first write.
func (w *writer) prepare(ctx context.Context, ops []*op) error {
	if !w.db.dialect.prepare {
		return nil
	}
	consents := 0
	for _, o := range ops {
		if o.kind == opConsent {
			consents++
		}
	}
	for k := range nSQLKinds {
		n := consents
		if k == sqlAudit {
			n = len(ops)
		}
		for n > 0 {
			size := w.chunk(k, n)
			n -= size
			q := w.sql(k, size)
			if _, ok := w.stmts[q]; ok {
				continue
			}
			st, err := w.db.write.PrepareContext(ctx, q)
			if err != nil {
				return fmt.Errorf("prepare: %w", err)
			}
			w.stmts[q] = st
		}
	}
	return nil
}

func (w *writer) exec(ctx context.Context, tx *sql.Tx, q string, args []any) error {
	var err error
	if st, ok := w.stmts[q]; ok {
		_, err = tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	} else {
		_, err = tx.ExecContext(ctx, q, args...)
	}
	return err
}

func (w *writer) query(ctx context.Context, tx *sql.Tx, q string, args []any) (*sql.Rows, error) {
	if st, ok := w.stmts[q]; ok {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, q, args...)
}

// insertRows inserts n rows of kind k, row(i, args) appending the values of
// row i. If each is set, it is called for every row a RETURNING clause
// yields.
func (w *writer) insertRows(ctx context.Context, tx *sql.Tx, k sqlKind, n int, row func(i int, args []any) []any, each func(*sql.Rows) error) error {
	if n == 0 {
		return nil
	}
	if w.db.dialect.unnest && w.db.maxRows > 1 {
		q, cols, err := w.unnestRows(k, n, row)
		if err != nil {
			return err
		}
		return w.run(ctx, tx, q, cols, each)
	}
	for i := 0; i < n; {
		size := w.chunk(k, n-i)
		args := w.args[:0]
		for j := i; j < i+size; j++ {
			args = row(j, args)
		}
		w.args = args
		err := w.run(ctx, tx, w.sql(k, size), args, each)
		clear(args) // let the batch's values be collected
		if err != nil {
			return err
		}
		i += size
	}
	return nil
}

func (w *writer) run(ctx context.Context, tx *sql.Tx, q string, args []any, each func(*sql.Rows) error) error {
	if each == nil {
		return w.exec(ctx, tx, q, args)
	}
	rows, err := w.query(ctx, tx, q, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// unnestRows is unnest of n rows, row(i, args) appending the values of row i.
func (w *writer) unnestRows(k sqlKind, n int, row func(i int, args []any) []any) (string, []any, error) {
	args := w.args[:0]
	for i := range n {
		args = row(i, args)
	}
	w.args = args
	q, cols, err := w.unnest(k, args, n)
	clear(args) // let the batch's values be collected
	return q, cols, err
}

// unnest turns n rows of values (row after row in args) into one array per
// column and returns them with the statement that inserts them all:
// INSERT … SELECT * FROM unnest($1::text[], $2::bigint[], …). On PostgreSQL
// this is one statement, with one cached plan, whatever the batch size: a
// single round trip per table instead of one per chunk.
func (w *writer) unnest(k sqlKind, args []any, n int) (string, []any, error) {
	ncol := k.columns()
	cols := make([]any, ncol)
	types := make([]string, ncol)
	for c := range ncol {
		switch args[c].(type) {
		case string:
			cols[c], types[c] = column[string](args, c, ncol, n), "text[]"
		case int64:
			cols[c], types[c] = column[int64](args, c, ncol, n), "bigint[]"
		case bool:
			cols[c], types[c] = column[bool](args, c, ncol, n), "boolean[]"
		case time.Time:
			cols[c], types[c] = column[time.Time](args, c, ncol, n), "timestamptz[]"
		default:
			return "", nil, fmt.Errorf("unnest: no array type for %T", args[c])
		}
	}
	key := sqlKey{k, 0}
	q, ok := w.sqls[key]
	if !ok {
		var b strings.Builder
		b.WriteString(sqlShapes[k].head)
		b.WriteString(" SELECT * FROM unnest(")
		for c, t := range types {
			if c > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "$%d::%s", c+1, t)
		}
		b.WriteByte(')')
		b.WriteString(sqlShapes[k].tail)
		q = b.String()
		w.sqls[key] = q
	}
	return q, cols, nil
}

// column returns column c of n rows of ncol values each.
func column[T any](args []any, c, ncol, n int) []T {
	out := make([]T, n)
	for r := range n {
		out[r] = args[r*ncol+c].(T)
	}
	return out
}

func (w *writer) insertAudit(ctx context.Context, tx *sql.Tx, entries []custos.AuditEntry) error {
	err := w.insertRows(ctx, tx, sqlAudit, len(entries), func(i int, a []any) []any { return auditRow(&entries[i], a) }, nil)
	if err != nil {
		return fmt.Errorf("insert audit entries: %w", err)
	}
	return nil
}

// auditRow appends the values of e's audit_log row.
func auditRow(e *custos.AuditEntry, a []any) []any {
	return append(a, e.Seq, e.Time, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.DetailsHash, e.PrevHash, e.Hash)
}

// entryOf returns the audit entry of a consent or audit op. ok is false for
// a consent that is not written: a replay or a conflict.
func entryOf(o *op, now time.Time) (e custos.AuditEntry, ok bool) {
	switch o.kind {
	case opConsent:
		if !o.write {
			return e, false
		}
		return consentEntry(o, now), true
	case opAudit:
		e = o.entry
		if e.Time.IsZero() {
			e.Time = now
		}
		return e, true
	}
	return e, false
}

// chain seals e after the entry (seq, hash), adds it to the batch and gives
// o its outcome; it returns the new head of the chain.
func (w *writer) chain(o *op, e custos.AuditEntry, seq int64, hash string) (int64, string) {
	audit.Seal(&e, seq, hash)
	w.entries = append(w.entries, e)
	switch o.kind {
	case opConsent:
		o.seq = e.Seq
		o.stored = o.consent
		w.rows = append(w.rows, o)
	case opAudit, opApply:
		o.entry = e
	}
	return e.Seq, e.Hash
}
