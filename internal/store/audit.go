package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/custos-privacy/custos/internal/custos"
)

// AppendAudit appends e through the writer, so that it is sealed after the
// entries already queued, and sets its Seq, PrevHash and Hash (and Time,
// rounded to the microsecond in UTC, or now if it was zero).
func (db *DB) AppendAudit(ctx context.Context, e *custos.AuditEntry) error {
	if e == nil {
		return custos.Errorf(custos.EINVALID, "no audit entry to append")
	}
	if err := checkEntry(e); err != nil {
		return err
	}
	o := &op{kind: opAudit, entry: *e}
	if err := db.submit(ctx, o); err != nil {
		if custos.ErrorCode(err) != custos.EINTERNAL || ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("store: append audit entry: %w", err)
	}
	*e = o.entry
	return nil
}

// checkEntry validates an entry to be appended: the chain must say who did
// what.
func checkEntry(e *custos.AuditEntry) error {
	var f custos.Fields
	if e.Actor == "" {
		f.Add("actor", "is required")
	}
	if e.Action == "" {
		f.Add("action", "is required")
	}
	return f.Err()
}

// AuditEntries streams the trail in Seq order from a single query, so that
// it sees one consistent snapshot and never holds the whole trail in memory.
func (db *DB) AuditEntries(ctx context.Context, fn func(*custos.AuditEntry) error) error {
	rows, err := db.read.QueryContext(ctx, `SELECT seq, time, actor, action, object_type, object_id, details_hash, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("store: read audit trail: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e custos.AuditEntry
		if err := rows.Scan(&e.Seq, timeDest{&e.Time}, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.DetailsHash, &e.PrevHash, &e.Hash); err != nil {
			return fmt.Errorf("store: read audit trail: %w", err)
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read audit trail: %w", err)
	}
	return nil
}

// AuditHead returns the chain head as the last append left it.
func (db *DB) AuditHead(ctx context.Context) (int64, string, error) {
	var (
		seq  int64
		hash string
	)
	err := db.read.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		// The migration creates the row; without it the trail cannot be
		// trusted, so this is an internal error, not "not found".
		return 0, "", fmt.Errorf("store: read audit head: the chain head is missing")
	}
	if err != nil {
		return 0, "", fmt.Errorf("store: read audit head: %w", err)
	}
	return seq, hash, nil
}
