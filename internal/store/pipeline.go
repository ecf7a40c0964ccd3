package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/custos-privacy/custos/internal/custos"
)

// PostgreSQL: a batch in one round trip.
//
// Through database/sql a batch costs a round trip per statement: BEGIN, the
// head lock, the inserts, the head update and COMMIT, each waiting for the
// last. Instead the writer keeps the chain head it last committed in memory
// and sends the whole transaction as one pgx pipeline:
//
//	BEGIN; UPDATE audit_head; INSERT idempotency_keys; INSERT consents;
//	INSERT audit_log; COMMIT
//
// The head update comes first, so it locks the head row before anything is
// written, as commitTx's SELECT … FOR UPDATE does: appenders, on this node
// or another, take their turns in the same order and never deadlock. It is
// also the check that the cached head is still the chain's head: it sets
// seq to NULL, which the NOT NULL constraint refuses, unless the row still
// holds the seq and hash the entries are sealed after. It is evaluated
// under the lock, on the row as the previous appender committed it, so if
// another node appended meanwhile the statement fails, the transaction is
// rolled back with nothing written, and the batch is redone the slow way
// (commitTx: lock the head, read it, append), which also refreshes the
// cache. audit_log's primary key on seq is a second guard: no entry can be
// appended twice at one seq.
//
// Idempotency keys need an answer before the batch is built (a replay is
// not written). When the batch has keys, one query first reads those
// already stored; the others are claimed in the pipeline by a plain INSERT.
// A key another node claims between the two fails that INSERT on the
// primary key, and the batch is redone the slow way, which sorts it out in
// its transaction. So a batch costs one round trip, two with keys.
//
// Manifests and the writes of staff.go need a read or a statement of their
// own inside the transaction and are rare: a batch with one takes the slow
// way.

// errRedo says that the pipeline wrote nothing and the batch must be redone
// with the head locked: another node appended, or claimed a key.
var errRedo = errors.New("store: the chain head moved")

type chainHead struct {
	seq   int64
	hash  string
	valid bool
}

const claimIdempotencySQL = `INSERT INTO idempotency_keys (scope, key, request_hash, resource_id, created_at)` +
	` SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])`

const readIdempotencySQL = `SELECT ` + consentColumns + `, k.scope, k.key, k.request_hash` +
	` FROM idempotency_keys k JOIN consents c ON c.id = k.resource_id` +
	` WHERE (k.scope, k.key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`

// The head must still be (seq $1, hash $2); otherwise seq becomes NULL and
// the NOT NULL constraint fails the transaction.
const advanceHeadSQL = `UPDATE audit_head SET seq = CASE WHEN seq = $1 AND hash = $2 THEN $3::bigint END, hash = $4 WHERE id = 1`

// canPipeline reports whether ops can go through commitPipeline.
func (w *writer) canPipeline(ops []*op) bool {
	if !w.db.dialect.pipeline || !w.head.valid {
		return false
	}
	for _, o := range ops {
		if o.kind == opManifest || o.kind == opApply {
			return false
		}
	}
	return true
}

// commitPipeline is commitTx in one round trip (see above). It returns
// errRedo when the batch must be redone with commitTx; nothing was written
// then.
func (w *writer) commitPipeline(ops []*op) (err error) {
	ctx := context.Background()
	// Until this batch is known to have committed, the cache is not to be
	// trusted.
	head := w.head
	w.head.valid = false

	conn, err := w.db.write.Conn(ctx)
	if err != nil {
		return &wholeBatchError{fmt.Errorf("connect: %w", err)}
	}
	defer conn.Close()

	now := time.Now().UTC().Truncate(time.Microsecond)
	claims, err := w.lookupIdempotency(ctx, conn, ops)
	if err != nil {
		return &wholeBatchError{err}
	}

	seq, hash := head.seq, head.hash
	w.entries, w.rows = w.entries[:0], w.rows[:0]
	for _, o := range ops {
		if e, ok := entryOf(o, now); ok {
			seq, hash = w.chain(o, e, seq, hash)
		}
	}
	entries, rows := w.entries, w.rows
	if len(entries) == 0 {
		// Only replays and conflicts: nothing to write.
		w.head = head
		return nil
	}

	b := &pgx.Batch{}
	b.Queue("BEGIN")
	// The head first: its row lock orders this transaction after any other
	// appender's, as commitTx's SELECT … FOR UPDATE does, so two appenders
	// never wait on each other's rows.
	b.Queue(advanceHeadSQL, head.seq, head.hash, seq, hash)
	if len(claims) > 0 {
		n := len(claims)
		scopes, keys, hashes, ids, times := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
		for i, o := range claims {
			scopes[i], keys[i], hashes[i], ids[i], times[i] = o.idem.Scope, o.idem.Key, o.idem.RequestHash, o.consent.ID, now
		}
		b.Queue(claimIdempotencySQL, scopes, keys, hashes, ids, times)
	}
	if len(rows) > 0 {
		q, cols, err := w.unnestRows(sqlConsents, len(rows), func(i int, a []any) []any { return consentRow(rows[i], a) })
		if err != nil {
			return &wholeBatchError{err}
		}
		b.Queue(q, cols...)
	}
	q, cols, err := w.unnestRows(sqlAudit, len(entries), func(i int, a []any) []any { return auditRow(&entries[i], a) })
	if err != nil {
		return &wholeBatchError{err}
	}
	b.Queue(q, cols...)
	b.Queue("COMMIT")
	nstmt := b.Len()

	var runErr error
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		br := pc.SendBatch(ctx, b)
		for i := range nstmt {
			if _, err := br.Exec(); err != nil {
				runErr = pipelineError(err, i == nstmt-1)
				break
			}
		}
		if err := br.Close(); err != nil && runErr == nil {
			runErr = &wholeBatchError{fmt.Errorf("commit: %w", err)}
		}
		if pc.PgConn().TxStatus() != 'I' {
			// A statement failed inside the transaction: end it.
			if _, err := pc.Exec(ctx, "ROLLBACK"); err != nil {
				return driver.ErrBadConn // drop the connection
			}
		}
		return nil
	})
	if runErr != nil {
		return runErr
	}
	if err != nil {
		return &wholeBatchError{fmt.Errorf("pipeline: %w", err)}
	}
	w.head = chainHead{seq, hash, true}
	return nil
}

// pipelineError turns the error of a statement of the pipeline into what
// commitTx would have returned, or errRedo.
func pipelineError(err error, commit bool) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return &wholeBatchError{fmt.Errorf("pipeline: %w", err)}
	}
	switch {
	case pe.Code == "23502" && pe.TableName == "audit_head",
		pe.Code == "23505" && (pe.TableName == "audit_log" || pe.TableName == "idempotency_keys"),
		pe.Code == "40P01", pe.Code == "40001": // deadlock, serialization failure
		return errRedo
	case commit:
		return &wholeBatchError{fmt.Errorf("commit: %w", err)}
	case pe.Code == "23505" && pe.TableName == "consents":
		return &custos.Error{Code: custos.ECONFLICT, Message: "a consent with this id is already recorded", Err: err}
	}
	return fmt.Errorf("pipeline: %w", err)
}

// lookupIdempotency is resolveIdempotency for the pipeline: it reads the
// batch's keys that are already stored and returns the ops whose keys are
// new, which the pipeline then claims.
func (w *writer) lookupIdempotency(ctx context.Context, conn *sql.Conn, ops []*op) ([]*op, error) {
	claims, first := claimsOf(ops)
	if len(claims) == 0 {
		return nil, nil
	}
	scopes, keys := make([]string, len(claims)), make([]string, len(claims))
	for i, o := range claims {
		scopes[i], keys[i] = o.idem.Scope, o.idem.Key
	}
	rows, err := conn.QueryContext(ctx, readIdempotencySQL, scopes, keys)
	if err != nil {
		return nil, fmt.Errorf("read idempotency keys: %w", err)
	}
	defer rows.Close()
	type earlier struct {
		hash    string
		consent *custos.Consent
	}
	var known map[idemKey]earlier
	for rows.Next() {
		var (
			k idemKey
			e earlier
		)
		e.consent, err = scanConsent(rows, &k.scope, &k.key, &e.hash)
		if err != nil {
			return nil, fmt.Errorf("read idempotency keys: %w", err)
		}
		if known == nil {
			known = map[idemKey]earlier{}
		}
		known[k] = e
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read idempotency keys: %w", err)
	}
	if known != nil {
		kept := claims[:0]
		for _, o := range claims {
			if _, ok := known[idemKey{o.idem.Scope, o.idem.Key}]; !ok {
				kept = append(kept, o)
			}
		}
		claims = kept
	}
	for _, o := range ops {
		if o.kind != opConsent || o.idem == nil {
			continue
		}
		k := idemKey{o.idem.Scope, o.idem.Key}
		e, stored := known[k]
		if !stored {
			if first[k] == o {
				continue // claims the key
			}
			// A retry of an earlier op of this batch.
			e = earlier{first[k].idem.RequestHash, first[k].consent}
		}
		o.write = false
		if e.hash != o.idem.RequestHash {
			o.err = custos.Errorf(custos.ECONFLICT, "this Idempotency-Key was used for another request")
			continue
		}
		o.stored, o.replay = e.consent, true
	}
	return claims, nil
}
