package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/custos-privacy/custos/internal/custos"
)

// Restriction of processing (GDPR Art. 18) where consent records are read.
// A consent id is restricted on a site when an address it is linked to
// there (subject_links) has a restriction in force (subject_marks). Every
// query names the restriction as the partial index subject_marks_restricted
// does (0004_restrictions.sql), with the kind written in the text rather
// than passed as a parameter, so that SQLite can use that index.

var _ custos.Restrictions = (*DB)(nil)

// inForce selects, of subject_marks m, the restrictions not lifted.
const inForce = `m.kind = '` + custos.MarkRestricted + `' AND m.lifted_at IS NULL`

// restrictionsOf selects, of subject_marks m, the restrictions in force on
// the addresses a consent id ($1 site, $2 consent id) is linked to: the
// addresses from subject_links_consent, then each one's restrictions from
// subject_marks_restricted. (Written as a join, SQLite without statistics
// would rather read every restriction of the site and look each up in
// subject_links: the IN list sets the order.)
const restrictionsOf = ` FROM subject_marks m WHERE m.site = $1 AND m.email_hash IN` +
	` (SELECT l.email_hash FROM subject_links l WHERE l.site = $1 AND l.consent_subject = $2) AND ` + inForce

// The queries of SubjectRestricted and SubjectRestrictions.
const (
	subjectRestrictedSQL   = `SELECT 1` + restrictionsOf + ` LIMIT 1`
	subjectRestrictionsSQL = `SELECT m.id, m.site, m.email_hash, m.kind, m.detail, m.request_id, m.since, m.lifted_at` +
		restrictionsOf + ` ORDER BY m.since, m.id`
)

// SubjectRestricted reports whether consentSubject is under a restriction
// of processing on site.
func (db *DB) SubjectRestricted(ctx context.Context, site, consentSubject string) (bool, error) {
	var one int
	err := db.read.QueryRowContext(ctx, subjectRestrictedSQL, site, consentSubject).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: read restriction: %w", err)
	}
	return true, nil
}

// SubjectRestrictions returns the restrictions in force that cover
// consentSubject on site, oldest first (by Since, then as made); an empty,
// non-nil slice if there are none.
func (db *DB) SubjectRestrictions(ctx context.Context, site, consentSubject string) ([]*custos.SubjectMark, error) {
	return queryList(ctx, db.read, "read restrictions", scanMark, subjectRestrictionsSQL, site, consentSubject)
}

// RestrictedSubjects returns the consent ids under a restriction in force
// on site ("" for every site), sorted by site then consent id; an empty,
// non-nil slice if there are none. It reads the restrictions in force
// (subject_marks_restricted) and the links of their addresses, not the
// ledger: its size is that of the restrictions.
func (db *DB) RestrictedSubjects(ctx context.Context, site string) ([]custos.SiteSubject, error) {
	query := `SELECT DISTINCT l.site, l.consent_subject FROM subject_marks m` +
		` JOIN subject_links l ON l.site = m.site AND l.email_hash = m.email_hash WHERE ` + inForce
	var args []any
	if site != "" {
		query += ` AND m.site = $1`
		args = append(args, site)
	}
	list, err := queryList(ctx, db.read, "read restricted subjects", func(s scanner) (*custos.SiteSubject, error) {
		var v custos.SiteSubject
		return &v, s.Scan(&v.Site, &v.Subject)
	}, query+` ORDER BY l.site, l.consent_subject`, args...)
	if err != nil {
		return nil, err
	}
	out := make([]custos.SiteSubject, len(list))
	for i, v := range list {
		out[i] = *v
	}
	return out, nil
}
