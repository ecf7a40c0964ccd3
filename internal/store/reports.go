package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// The console's reports on the ledger. Rows are ordered by (issued_at,
// audit_seq), as ConsentState and ConsentHistory order them: of two
// consents issued in the same microsecond, the one recorded last is the
// newer. The index consents_issued (0002_staff.sql) holds that order.

// DefaultSearchLimit is the number of rows SearchConsents returns when
// ConsentQuery.Limit is zero.
const DefaultSearchLimit = 100

// ceilMicro rounds t up to the microsecond, in UTC. The ledger keeps
// microseconds, so a bound with a remainder is moved to the first
// microsecond it does not exclude: issued_at >= From and issued_at < To then
// select exactly the rows in [From, To).
func ceilMicro(t time.Time) time.Time {
	u := utcMicro(t)
	if u.Before(t) {
		u = u.Add(time.Microsecond)
	}
	return u
}

// conds collects the conditions of a WHERE clause and their arguments.
type conds struct {
	where []string
	args  []any
}

// add appends cond, in which each ? stands for arg.
func (c *conds) add(cond string, args ...any) {
	for _, a := range args {
		c.args = append(c.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(c.args)), 1)
	}
	c.where = append(c.where, cond)
}

func (c *conds) sql() string {
	if len(c.where) == 0 {
		return ""
	}
	return ` WHERE ` + strings.Join(c.where, ` AND `)
}

// period adds issued_at in [from, to), zero times being open ends.
func (c *conds) period(from, to time.Time) {
	if !from.IsZero() {
		c.add(`c.issued_at >= ?`, ceilMicro(from))
	}
	if !to.IsZero() {
		c.add(`c.issued_at < ?`, ceilMicro(to))
	}
}

// SearchConsents returns the rows matching every filter of q, newest first
// (by IssuedAt, then by the order recorded), at most q.Limit of them
// (DefaultSearchLimit if zero). q.Before continues a search: it is the id of
// the last row of the previous page, and the rows returned are those after
// it in this order. A Before that names no row is EINVALID, as is a negative
// Limit. It returns an empty, non-nil slice if nothing matches.
func (db *DB) SearchConsents(ctx context.Context, q custos.ConsentQuery) ([]*custos.Consent, error) {
	if q.Limit < 0 {
		return nil, custos.Invalid(custos.FieldError{Field: "limit", Message: "must not be negative"})
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultSearchLimit
	}
	var c conds
	switch {
	case q.Site != "" && q.Subject != "":
		c.add(`c.site = ?`, q.Site) // with the subject: consents_site_subject_issued
	case q.Site != "":
		c.add(db.dialect.siteInOrder, q.Site)
	}
	if q.Subject != "" {
		c.add(`c.subject = ?`, q.Subject)
		if q.Site == "" {
			// The subject is in the index consents_site_subject_issued,
			// after the site. Listing the sites first (each one a single
			// index lookup, see sitesCTE) lets both engines read the
			// subject's rows of each site from that index instead of
			// scanning the ledger.
			c.add(`c.site IN (SELECT site FROM sites)`)
		}
	}
	if q.ID != "" {
		c.add(`c.id = ?`, q.ID)
	}
	c.period(q.From, q.To)
	if q.Before != "" {
		var (
			issued time.Time
			seq    int64
		)
		err := db.read.QueryRowContext(ctx, `SELECT issued_at, audit_seq FROM consents WHERE id = $1`, q.Before).Scan(timeDest{&issued}, &seq)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, custos.Invalid(custos.FieldError{Field: "before", Message: "names no consent"})
		}
		if err != nil {
			return nil, fmt.Errorf("store: search consents: %w", err)
		}
		c.add(`(c.issued_at, c.audit_seq) < (?, ?)`, issued, seq)
	}
	c.args = append(c.args, limit)
	query := `SELECT ` + consentColumns + ` FROM consents c` + c.sql() +
		` ORDER BY c.issued_at DESC, c.audit_seq DESC LIMIT $` + strconv.Itoa(len(c.args))
	if q.Subject != "" && q.Site == "" {
		query = sitesCTE + query
	}
	return queryList(ctx, db.read, "search consents", scanLedgerRow, query, c.args...)
}

// sitesCTE lists the ledger's distinct sites with one index lookup per site
// (the next site after the last one found), rather than reading every row
// as SELECT DISTINCT would on PostgreSQL.
const sitesCTE = `WITH RECURSIVE sites (site) AS (` +
	`SELECT min(site) FROM consents` +
	` UNION ALL SELECT (SELECT min(n.site) FROM consents n WHERE n.site > s.site) FROM sites s WHERE s.site IS NOT NULL` +
	`) `

// WalkConsents calls fn for each row of site ("" for every site) issued in
// [from, to), zero times being open ends, in issue order (of equal IssuedAt,
// in the order recorded). It streams the rows of one query, so it sees one
// consistent snapshot and never holds them all; a non-nil error from fn
// stops the walk and is returned.
func (db *DB) WalkConsents(ctx context.Context, site string, from, to time.Time, fn func(*custos.Consent) error) error {
	var c conds
	if site != "" {
		c.add(db.dialect.siteInOrder, site)
	}
	c.period(from, to)
	rows, err := db.read.QueryContext(ctx, `SELECT `+consentColumns+` FROM consents c`+c.sql()+
		` ORDER BY c.issued_at, c.audit_seq`, c.args...)
	if err != nil {
		return fmt.Errorf("store: walk consents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		cs, err := scanConsent(rows)
		if err != nil {
			return fmt.Errorf("store: walk consents: %w", err)
		}
		if err := fn(cs); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: walk consents: %w", err)
	}
	return nil
}
