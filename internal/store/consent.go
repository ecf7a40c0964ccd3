package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/custos-privacy/custos/internal/audit"
	"github.com/custos-privacy/custos/internal/custos"
)

// consentInsertColumns lists the ledger columns in the order consentArgs
// appends them.
const consentInsertColumns = `id, site, subject, choices, method, manifest_fingerprint, locale, region, ` +
	`jurisdiction, mode, notice_version, gpc, ip_prefix, issued_at, expires_at, receipt, ` +
	`data_category, purpose, collected_at, audit_seq`

// consentColumns lists what scanConsent reads, prefixed for joins.
const consentColumns = `c.id, c.site, c.subject, c.choices, c.method, c.manifest_fingerprint, c.locale, c.region, ` +
	`c.jurisdiction, c.mode, c.notice_version, c.gpc, c.ip_prefix, c.issued_at, c.expires_at, c.receipt`

// RecordConsent appends c and its audit entry through the group commit (see
// the package documentation) and returns once the shared transaction is
// committed. The stored consent is a copy of c with its times in UTC,
// truncated to the microsecond as the database keeps them, and IssuedAt set
// to now if it was zero; c itself is not modified.
func (db *DB) RecordConsent(ctx context.Context, c *custos.Consent, idem *custos.Idempotency) (*custos.Consent, bool, error) {
	var f custos.Fields
	if c == nil {
		return nil, false, custos.Errorf(custos.EINVALID, "no consent to record")
	}
	if c.ID == "" {
		f.Add("id", "is required")
	}
	if c.Site == "" {
		f.Add("site", "is required")
	}
	if c.Subject == "" {
		f.Add("subject", "is required")
	}
	if idem != nil && (idem.Key == "" || idem.Scope == "") {
		f.Add("idempotency_key", "needs a key and a scope")
	}
	if err := f.Err(); err != nil {
		return nil, false, err
	}

	s := *c
	if s.IssuedAt.IsZero() {
		s.IssuedAt = time.Now()
	}
	s.IssuedAt = utcMicro(s.IssuedAt)
	s.ExpiresAt = utcMicro(s.ExpiresAt)
	choices, err := json.Marshal(s.Choices)
	if err != nil {
		return nil, false, fmt.Errorf("store: record consent: encode choices: %w", err)
	}
	// Give the stored copy its own map, so the caller's map stays theirs.
	// A map[string]bool survives the JSON round trip of a later read
	// unchanged (nil stays nil, empty stays empty), so the copy equals what
	// that read returns.
	s.Choices = maps.Clone(s.Choices)
	o := &op{
		kind:    opConsent,
		consent: &s,
		choices: string(choices),
		details: audit.DetailsHash([]byte(s.Receipt)),
	}
	if idem != nil {
		i := *idem
		o.idem = &i
	}
	if err := db.submit(ctx, o); err != nil {
		if custos.ErrorCode(err) != custos.EINTERNAL || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("store: record consent: %w", err)
	}
	return o.stored, o.replay, nil
}

type idemKey struct{ scope, key string }

// resolveIdempotency decides, for every consent op of the batch, whether it
// is written, replays an earlier consent, or conflicts with one. Keys seen
// for the first time are claimed with one multi-row INSERT … ON CONFLICT DO
// NOTHING; the few keys that were already there are looked up one by one.
// A replay or a conflict is an outcome of its op, not an error of the
// batch, so one client's retry never fails the others' writes.
// claimsOf marks the batch's consents to be written and returns the ops
// that claim an idempotency key: the first op of each key in the batch;
// later ops with the same key are answered like a retry of that first one.
func claimsOf(ops []*op) (claims []*op, first map[idemKey]*op) {
	for _, o := range ops {
		if o.kind != opConsent {
			continue
		}
		o.write = true
		if o.idem == nil {
			continue
		}
		if first == nil {
			first = map[idemKey]*op{}
		}
		k := idemKey{o.idem.Scope, o.idem.Key}
		if _, dup := first[k]; dup {
			continue
		}
		first[k] = o
		claims = append(claims, o)
	}
	return claims, first
}

func (w *writer) resolveIdempotency(ctx context.Context, tx *sql.Tx, ops []*op, now time.Time) error {
	claims, first := claimsOf(ops)
	if len(claims) == 0 {
		return nil
	}

	claimed := make(map[idemKey]bool, len(claims))
	err := w.insertRows(ctx, tx, sqlIdempotency, len(claims), func(i int, a []any) []any {
		o := claims[i]
		return append(a, o.idem.Scope, o.idem.Key, o.idem.RequestHash, o.consent.ID, now)
	}, func(rows *sql.Rows) error {
		var k idemKey
		if err := rows.Scan(&k.scope, &k.key); err != nil {
			return err
		}
		claimed[k] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("claim idempotency keys: %w", err)
	}

	// What each key stands for: the request hash it was first used with and
	// the consent that request created.
	type earlier struct {
		hash    string
		consent *custos.Consent
	}
	known := make(map[idemKey]earlier, len(claims))
	for k, o := range first {
		if claimed[k] {
			known[k] = earlier{o.idem.RequestHash, o.consent}
			continue
		}
		var (
			e          earlier
			resourceID string
		)
		err := tx.QueryRowContext(ctx, `SELECT request_hash, resource_id FROM idempotency_keys WHERE scope = $1 AND key = $2`,
			k.scope, k.key).Scan(&e.hash, &resourceID)
		if err != nil {
			return fmt.Errorf("read idempotency key: %w", err)
		}
		e.consent, err = scanConsent(tx.QueryRowContext(ctx, `SELECT `+consentColumns+` FROM consents c WHERE c.id = $1`, resourceID))
		if err != nil {
			return fmt.Errorf("read idempotent consent: %w", err)
		}
		known[k] = e
	}
	for _, o := range ops {
		if o.kind != opConsent || o.idem == nil {
			continue
		}
		k := idemKey{o.idem.Scope, o.idem.Key}
		if claimed[k] && first[k] == o {
			continue
		}
		o.write = false
		e := known[k]
		if e.hash != o.idem.RequestHash {
			o.err = custos.Errorf(custos.ECONFLICT, "this Idempotency-Key was used for another request")
			continue
		}
		o.stored, o.replay = e.consent, true
	}
	return nil
}

// insertConsents appends the ledger rows and moves each subject's state to
// its newest consent.
func (w *writer) insertConsents(ctx context.Context, tx *sql.Tx, rows []*op) error {
	if len(rows) == 0 {
		return nil
	}
	err := w.insertRows(ctx, tx, sqlConsents, len(rows), func(i int, a []any) []any { return consentRow(rows[i], a) }, nil)
	if err != nil {
		if isUniqueViolation(err) {
			return &custos.Error{Code: custos.ECONFLICT, Message: "a consent with this id is already recorded", Err: err}
		}
		return fmt.Errorf("insert consents: %w", err)
	}
	return nil
}

// consentRow appends the values of o's ledger row, in the order of
// consentInsertColumns.
func consentRow(o *op, a []any) []any {
	c := o.consent
	return append(a, c.ID, c.Site, c.Subject, o.choices, string(c.Method), c.ManifestFingerprint, c.Locale, c.Region,
		c.Jurisdiction, c.Mode, c.NoticeVersion, c.GPC, c.IPPrefix, c.IssuedAt, c.ExpiresAt, c.Receipt,
		custos.ConsentDataCategory, custos.ConsentPurpose, c.IssuedAt, o.seq)
}

// Consent returns one ledger row by id.
func (db *DB) Consent(ctx context.Context, id string) (*custos.Consent, error) {
	c, err := scanConsent(db.read.QueryRowContext(ctx, `SELECT `+consentColumns+` FROM consents c WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custos.Errorf(custos.ENOTFOUND, "consent not found")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read consent: %w", err)
	}
	return c, nil
}

// ConsentState returns the subject's current consent on site: the one
// issued last (of equal IssuedAt, the one recorded last).
func (db *DB) ConsentState(ctx context.Context, site, subject string) (*custos.Consent, error) {
	// The newest row of the subject, read from the end of the index
	// consents_site_subject_issued: the state is derived, never stored twice.
	c, err := scanConsent(db.read.QueryRowContext(ctx, `SELECT `+consentColumns+
		` FROM consents c WHERE c.site = $1 AND c.subject = $2 ORDER BY c.issued_at DESC, c.audit_seq DESC LIMIT 1`, site, subject))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custos.Errorf(custos.ENOTFOUND, "no consent recorded for this subject")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read consent state: %w", err)
	}
	return c, nil
}

// ConsentHistory returns the subject's consents on site, oldest first (by
// IssuedAt, then by the order recorded). It returns an empty, non-nil
// slice if there are none, so that it encodes as a JSON array.
func (db *DB) ConsentHistory(ctx context.Context, site, subject string) ([]*custos.Consent, error) {
	return queryList(ctx, db.read, "read consent history", scanLedgerRow, `SELECT `+consentColumns+
		` FROM consents c WHERE c.site = $1 AND c.subject = $2 ORDER BY c.issued_at, c.audit_seq`, site, subject)
}

// scanLedgerRow scans a row of consentColumns, for queryList.
func scanLedgerRow(r scanner) (*custos.Consent, error) { return scanConsent(r) }

// CountConsents returns the number of ledger rows.
func (db *DB) CountConsents(ctx context.Context) (int64, error) {
	var n int64
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM consents`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count consents: %w", err)
	}
	return n, nil
}

// scanConsent reads the consentColumns of a row, then into extra the
// columns the query selects after them.
func scanConsent(r scanner, extra ...any) (*custos.Consent, error) {
	var (
		c       custos.Consent
		choices string
		method  string
	)
	dest := append([]any{&c.ID, &c.Site, &c.Subject, &choices, &method, &c.ManifestFingerprint, &c.Locale, &c.Region,
		&c.Jurisdiction, &c.Mode, &c.NoticeVersion, &c.GPC, &c.IPPrefix, timeDest{&c.IssuedAt}, timeDest{&c.ExpiresAt}, &c.Receipt},
		extra...)
	err := r.Scan(dest...)
	if err != nil {
		return nil, err
	}
	c.Method = custos.Method(method)
	if err := json.Unmarshal([]byte(choices), &c.Choices); err != nil {
		return nil, fmt.Errorf("decode choices: %w", err)
	}
	return &c, nil
}
