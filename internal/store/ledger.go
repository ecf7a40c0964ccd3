package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/custos-privacy/custos/internal/custos"
)

// Idempotent returns the request hash an Idempotency-Key was first used
// with in scope and the consent that request created. It reads outside the
// writer, so a retry is answered without queueing; the writer checks the key
// again in its transaction for duplicates that arrive together.
func (db *DB) Idempotent(ctx context.Context, scope, key string) (string, *custos.Consent, error) {
	var hash string
	c, err := scanConsent(db.read.QueryRowContext(ctx, `SELECT `+consentColumns+`, k.request_hash`+
		` FROM idempotency_keys k JOIN consents c ON c.id = k.resource_id WHERE k.scope = $1 AND k.key = $2`,
		scope, key), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, custos.Errorf(custos.ENOTFOUND, "idempotency key not seen")
	}
	if err != nil {
		return "", nil, fmt.Errorf("store: read idempotency key: %w", err)
	}
	return hash, c, nil
}

// WalkLedger streams the ledger in audit order from a single query, each
// consent with the audit entry its audit_seq points at (nil if that entry
// is missing), so that it sees one consistent snapshot and never holds the
// ledger in memory. The database sorts by audit_seq, which has no index:
// the walk is an occasional check and an index would cost every write.
func (db *DB) WalkLedger(ctx context.Context, fn func(*custos.Consent, *custos.AuditEntry) error) error {
	rows, err := db.read.QueryContext(ctx, `SELECT `+consentColumns+`, c.audit_seq,`+
		` a.seq, a.time, a.actor, a.action, a.object_type, a.object_id, a.details_hash, a.prev_hash, a.hash`+
		` FROM consents c LEFT JOIN audit_log a ON a.seq = c.audit_seq ORDER BY c.audit_seq`)
	if err != nil {
		return fmt.Errorf("store: read ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			auditSeq                                                 int64
			seq                                                      sql.NullInt64
			actor, action, objectType, objectID, details, prev, hash sql.NullString
			e                                                        custos.AuditEntry
		)
		c, err := scanConsent(rows, &auditSeq, &seq, nullTimeDest{&e.Time},
			&actor, &action, &objectType, &objectID, &details, &prev, &hash)
		if err != nil {
			return fmt.Errorf("store: read ledger: %w", err)
		}
		ep := &e
		if seq.Valid {
			e.Seq = seq.Int64
			e.Actor, e.Action, e.ObjectType, e.ObjectID = actor.String, action.String, objectType.String, objectID.String
			e.DetailsHash, e.PrevHash, e.Hash = details.String, prev.String, hash.String
		} else {
			ep = nil
		}
		if err := fn(c, ep); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read ledger: %w", err)
	}
	return nil
}
