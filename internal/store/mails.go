package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// The e-mail queue. A mail is queued by ApplyRequestChange in the
// transaction of the change it tells of; the sender takes the pending ones
// and records each attempt. Sent mails are deleted after 30 days by
// ExpireRequests.

// maxMailError is the most of a server's error a mail keeps, in bytes.
const maxMailError = 500

// maxPending is the most mails PendingMails returns at once.
const maxPending = 1000

const mailColumns = `id, request_id, template, to_addr, subject, text_body, html_body, created_at, sent_at, attempts, next_at, last_error`

func scanMail(s scanner) (*custos.Mail, error) {
	var (
		m   custos.Mail
		req sql.NullString
	)
	err := s.Scan(&m.ID, &req, &m.Template, &m.To, &m.Subject, &m.Text, &m.HTML, timeDest{&m.CreatedAt},
		nullTimeDest{&m.SentAt}, &m.Attempts, nullTimeDest{&m.NextAt}, &m.LastError)
	if err != nil {
		return nil, err
	}
	m.RequestID = req.String
	return &m, nil
}

// insertMail queues m (normalised by the caller) in tx and returns its id.
func insertMail(ctx context.Context, tx *sql.Tx, m *custos.Mail) (int64, error) {
	var id int64
	// A mail about a request tells the person of it; one about no request
	// (the daily reminder) is to a staff member about their work.
	purpose := "request_handling"
	if m.RequestID == "" {
		purpose = "staff_notification"
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO mails (request_id, template, to_addr, subject, text_body, html_body,`+
		` created_at, sent_at, attempts, next_at, last_error, purpose) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		nullString(m.RequestID), m.Template, m.To, m.Subject, m.Text, m.HTML, m.CreatedAt, nullTime(m.SentAt), m.Attempts,
		nullTime(m.NextAt), m.LastError, purpose).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("queue mail: %w", err)
	}
	return id, nil
}

// mailLease is how long a mail PendingMails handed out is kept from the
// others: the node that took it sends it and records the outcome well
// within; if it dies instead, another node sends it after the lease.
const mailLease = 5 * time.Minute

// PendingMails claims the unsent mails due at now (no NextAt, or NextAt not
// after now), oldest first, at most limit (default 100, at most 1000): it
// moves their NextAt past a lease of five minutes, so that the deliverers
// of several nodes never send the same mail twice. On PostgreSQL rows
// another node is claiming are skipped, not waited for.
func (db *DB) PendingMails(ctx context.Context, now time.Time, limit int) ([]*custos.Mail, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, maxPending)
	lock := ""
	if db.engine == EnginePostgres {
		lock = ` FOR UPDATE SKIP LOCKED`
	}
	q := `UPDATE mails SET next_at = $3 WHERE id IN (SELECT id FROM mails WHERE sent_at IS NULL AND (next_at IS NULL OR next_at <= $1)` +
		` ORDER BY id LIMIT $2` + lock + `) RETURNING ` + mailColumns
	var out []*custos.Mail
	err := db.apply(ctx, "claim pending mails", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, q, utcMicro(now), limit, utcMicro(now.Add(mailLease)))
		if err != nil {
			return false, fmt.Errorf("claim pending mails: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMail(rows)
			if err != nil {
				return false, fmt.Errorf("claim pending mails: %w", err)
			}
			out = append(out, m)
		}
		return len(out) > 0, rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *custos.Mail) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// MailSent marks mail id sent at at. It returns ENOTFOUND if the mail is
// gone (its request expired meanwhile).
func (db *DB) MailSent(ctx context.Context, id int64, at time.Time) error {
	return db.updateMail(ctx, "mark mail sent", `UPDATE mails SET sent_at = $2, next_at = NULL WHERE id = $1`, id, utcMicro(at))
}

// MailFailed records a failed attempt to send mail id: one more attempt,
// the server's error (cut to 500 bytes) and when to try again (zero: at
// once). It returns ENOTFOUND if the mail is gone.
func (db *DB) MailFailed(ctx context.Context, id int64, errText string, next time.Time) error {
	return db.updateMail(ctx, "record mail failure", `UPDATE mails SET attempts = attempts + 1, last_error = $2, next_at = $3 WHERE id = $1`,
		id, truncateUTF8(errText, maxMailError), nullTime(next))
}

func (db *DB) updateMail(ctx context.Context, what, q string, args ...any) error {
	var refused error
	err := db.apply(ctx, what, nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		refused = nil
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return false, fmt.Errorf("%s: %w", what, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, fmt.Errorf("%s: %w", what, err)
		} else if n == 0 {
			refused = custos.Errorf(custos.ENOTFOUND, "mail not found")
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	return refused
}

// Mails returns the newest mails first, sent or not, at most limit
// (default 200, at most 1000): the outbox.
func (db *DB) Mails(ctx context.Context, limit int) ([]*custos.Mail, error) {
	return queryList(ctx, db.read, "read mails", scanMail, `SELECT `+mailColumns+` FROM mails ORDER BY id DESC LIMIT $1`, listLimit(limit))
}

// Mail returns mail id.
func (db *DB) Mail(ctx context.Context, id int64) (*custos.Mail, error) {
	m, err := scanMail(db.read.QueryRowContext(ctx, `SELECT `+mailColumns+` FROM mails WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custos.Errorf(custos.ENOTFOUND, "mail not found")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read mail: %w", err)
	}
	return m, nil
}
