package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/audit"
	"github.com/custos-privacy/custos/internal/custos"
)

// Data subject requests: the requests, their challenges, timelines and
// answers, and what is remembered about a person across requests (links to
// their consent ids, marks, suppressions). The e-mail queue is in mails.go.
//
// Like every other write, a request change goes through the writer (apply),
// so that on SQLite it is written by the one writing connection and its
// audit entry is sealed into the chain in the same transaction.

var _ custos.RequestStore = (*DB)(nil)

// applyAudited is apply for a write that decides part of its own audit
// entry: fn is given the entry that will be sealed if it reports that it
// wrote (nil if entry is nil) and may set its DetailsHash. Each run of fn
// starts again from the caller's entry.
func (db *DB) applyAudited(ctx context.Context, what string, entry *custos.AuditEntry,
	fn func(ctx context.Context, tx *sql.Tx, e *custos.AuditEntry) (wrote bool, err error)) error {
	var e custos.AuditEntry
	if entry != nil {
		if err := checkEntry(entry); err != nil {
			return err
		}
		e = *entry
	}
	o := &op{kind: opApply, audited: entry != nil}
	var wrote bool
	o.fn = func(ctx context.Context, tx *sql.Tx) (bool, error) {
		o.entry = e
		var ep *custos.AuditEntry
		if entry != nil {
			ep = &o.entry
		}
		w, err := fn(ctx, tx, ep)
		wrote = w && err == nil
		return w, err
	}
	if err := db.submit(ctx, o); err != nil {
		if custos.ErrorCode(err) != custos.EINTERNAL || ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if entry != nil && wrote {
		*entry = o.entry
	}
	return nil
}

// nullTime is t in UTC to the microsecond, or NULL for a zero t: for the
// columns where "not yet" is NULL (see 0003_requests.sql).
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return utcMicro(t)
}

// params returns "$from, $from+1, …" for n parameters.
func params(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// updateSet returns "c2 = $2, c3 = $3, …" for the columns of list but the
// first (the id, $1) and the last (the version, which the update bumps).
func updateSet(list string) string {
	cols := strings.Split(list, ", ")
	var b strings.Builder
	for i, c := range cols[1 : len(cols)-1] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = $%d", c, i+2)
	}
	return b.String()
}

// requestColumns lists what scanRequest reads and requestArgs gives, in
// that order: the id first, the version last.
const requestColumns = `id, site, type, state, email, email_hash, consent_subject, locale, region, jurisdiction, law, ` +
	`details, objection, received_at, acknowledge_by, due_at, extend_max, tell_extension_by, act_by, without_delay, ` +
	`extended, extension_reason, verified_at, expires_at, assigned_to, deny_reason, deny_note, result, closed_at, ` +
	`updated_at, version`

var (
	nRequestColumns    = strings.Count(requestColumns, ",") + 1
	insertRequestSQL   = `INSERT INTO requests (` + requestColumns + `) VALUES (` + params(1, nRequestColumns) + `) ON CONFLICT DO NOTHING`
	updateRequestSQL   = `UPDATE requests SET ` + updateSet(requestColumns) + `, version = version + 1 WHERE id = $1 AND version = $` + strconv.Itoa(nRequestColumns) + ` RETURNING version`
	challengeColumns   = `id, request_id, code_hash, link_hash, code_expires, link_expires, attempts, used_at, created_at, version`
	nChallengeColumns  = strings.Count(challengeColumns, ",") + 1
	insertChallengeSQL = `INSERT INTO request_challenges (` + challengeColumns + `) VALUES (` + params(1, nChallengeColumns) + `) ON CONFLICT DO NOTHING`
	updateChallengeSQL = `UPDATE request_challenges SET ` + updateSet(challengeColumns) + `, version = version + 1 WHERE id = $1 AND version = $` + strconv.Itoa(nChallengeColumns) + ` RETURNING version`
)

func requestArgs(r *custos.Request) []any {
	return []any{r.ID, r.Site, string(r.Type), string(r.State), r.Email, r.EmailHash, r.ConsentSubject, r.Locale, r.Region,
		r.Jurisdiction, r.Law, r.Details, r.Objection, r.ReceivedAt, r.AcknowledgeBy, r.DueAt, r.ExtendMax, r.TellExtensionBy,
		r.ActBy, r.WithoutDelay, r.Extended, r.ExtensionReason, r.VerifiedAt, nullTime(r.ExpiresAt), r.AssignedTo,
		r.DenyReason, r.DenyNote, r.Result, r.ClosedAt, r.UpdatedAt, r.Version}
}

func scanRequest(s scanner) (*custos.Request, error) {
	var (
		r          custos.Request
		typ, state string
	)
	err := s.Scan(&r.ID, &r.Site, &typ, &state, &r.Email, &r.EmailHash, &r.ConsentSubject, &r.Locale, &r.Region,
		&r.Jurisdiction, &r.Law, &r.Details, &r.Objection, timeDest{&r.ReceivedAt}, timeDest{&r.AcknowledgeBy},
		timeDest{&r.DueAt}, timeDest{&r.ExtendMax}, timeDest{&r.TellExtensionBy}, timeDest{&r.ActBy}, &r.WithoutDelay,
		&r.Extended, &r.ExtensionReason, timeDest{&r.VerifiedAt}, nullTimeDest{&r.ExpiresAt}, &r.AssignedTo,
		&r.DenyReason, &r.DenyNote, &r.Result, timeDest{&r.ClosedAt}, timeDest{&r.UpdatedAt}, &r.Version)
	if err != nil {
		return nil, err
	}
	r.Type, r.State = custos.RequestType(typ), custos.RequestState(state)
	return &r, nil
}

func challengeArgs(c *custos.Challenge) []any {
	return []any{c.ID, c.RequestID, c.CodeHash, c.LinkHash, c.CodeExpires, c.LinkExpires, c.Attempts, c.UsedAt, c.CreatedAt, c.Version}
}

func scanChallenge(s scanner) (*custos.Challenge, error) {
	var c custos.Challenge
	err := s.Scan(&c.ID, &c.RequestID, &c.CodeHash, &c.LinkHash, timeDest{&c.CodeExpires}, timeDest{&c.LinkExpires},
		&c.Attempts, timeDest{&c.UsedAt}, timeDest{&c.CreatedAt}, &c.Version)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

const eventColumns = `id, request_id, time, actor, kind, note`

func scanEvent(s scanner) (*custos.RequestEvent, error) {
	var e custos.RequestEvent
	if err := s.Scan(&e.ID, &e.RequestID, timeDest{&e.Time}, &e.Actor, &e.Kind, &e.Note); err != nil {
		return nil, err
	}
	return &e, nil
}

const markColumns = `id, site, email_hash, kind, detail, request_id, since, lifted_at`

func scanMark(s scanner) (*custos.SubjectMark, error) {
	var m custos.SubjectMark
	if err := s.Scan(&m.ID, &m.Site, &m.EmailHash, &m.Kind, &m.Detail, &m.RequestID, timeDest{&m.Since}, nullTimeDest{&m.LiftedAt}); err != nil {
		return nil, err
	}
	return &m, nil
}

// requestChange is a RequestChange as it will be stored: copies of what the
// caller gave, checked, with defaults filled in and times normalised, so
// that the caller's values are only changed once the write has committed.
type requestChange struct {
	req       *custos.Request
	challenge *custos.Challenge
	events    []custos.RequestEvent
	mails     []custos.Mail
	answer    *custos.Answer
	links     []string
	marks     []custos.SubjectMark
	erasure   *custos.Erasure
	at        time.Time // when the change happens: the request's UpdatedAt, or now
}

func normalChange(ch *custos.RequestChange, now time.Time) (*requestChange, error) {
	if ch == nil {
		return nil, custos.Errorf(custos.EINVALID, "no request change")
	}
	var (
		f  custos.Fields
		c  = &requestChange{at: utcMicro(now)}
		id string
	)
	if ch.Request != nil {
		r := *ch.Request
		if r.ID == "" {
			f.Add("request.id", "is required")
		}
		if r.Site == "" {
			f.Add("request.site", "is required")
		}
		if !r.Type.Valid() {
			f.Add("request.type", "is not a known request type")
		}
		if !slices.Contains(custos.RequestStates, r.State) {
			f.Add("request.state", "is not a known state")
		}
		if r.Version < 0 {
			f.Add("request.version", "is negative")
		}
		r.Email = strings.ToLower(r.Email)
		r.ReceivedAt, r.AcknowledgeBy, r.DueAt = utcMicro(r.ReceivedAt), utcMicro(r.AcknowledgeBy), utcMicro(r.DueAt)
		r.ExtendMax, r.TellExtensionBy, r.ActBy = utcMicro(r.ExtendMax), utcMicro(r.TellExtensionBy), utcMicro(r.ActBy)
		r.VerifiedAt, r.ExpiresAt, r.ClosedAt = utcMicro(r.VerifiedAt), utcMicro(r.ExpiresAt), utcMicro(r.ClosedAt)
		r.UpdatedAt = zeroOr(r.UpdatedAt, now)
		c.req, c.at, id = &r, r.UpdatedAt, r.ID
	}
	if ch.Challenge != nil {
		x := *ch.Challenge
		if x.RequestID == "" {
			x.RequestID = id
		}
		if x.ID == "" {
			f.Add("challenge.id", "is required")
		}
		if x.RequestID == "" {
			f.Add("challenge.request_id", "is required")
		}
		if x.Version < 0 {
			f.Add("challenge.version", "is negative")
		}
		x.CodeExpires, x.LinkExpires, x.UsedAt = utcMicro(x.CodeExpires), utcMicro(x.LinkExpires), utcMicro(x.UsedAt)
		x.CreatedAt = zeroOr(x.CreatedAt, c.at)
		c.challenge = &x
	}
	for i, e := range ch.Events {
		if e == nil {
			f.Add("events["+strconv.Itoa(i)+"]", "is nil")
			continue
		}
		x := *e
		if x.RequestID == "" {
			x.RequestID = id
		}
		if x.RequestID == "" {
			f.Add("events["+strconv.Itoa(i)+"].request_id", "is required")
		}
		if x.Kind == "" {
			f.Add("events["+strconv.Itoa(i)+"].kind", "is required")
		}
		x.Time = zeroOr(x.Time, c.at)
		c.events = append(c.events, x)
	}
	for i, m := range ch.Mails {
		if m == nil {
			f.Add("mails["+strconv.Itoa(i)+"]", "is nil")
			continue
		}
		x := *m
		if x.RequestID == "" {
			x.RequestID = id
		}
		if x.To == "" {
			f.Add("mails["+strconv.Itoa(i)+"].to", "is required")
		}
		if x.Template == "" {
			f.Add("mails["+strconv.Itoa(i)+"].template", "is required")
		}
		x.CreatedAt = zeroOr(x.CreatedAt, c.at)
		x.SentAt, x.NextAt = utcMicro(x.SentAt), utcMicro(x.NextAt)
		x.LastError = truncateUTF8(x.LastError, maxMailError)
		c.mails = append(c.mails, x)
	}
	if ch.Answer != nil {
		x := *ch.Answer
		if x.RequestID == "" {
			x.RequestID = id
		}
		if x.RequestID == "" {
			f.Add("answer.request_id", "is required")
		}
		if x.ExpiresAt.IsZero() {
			f.Add("answer.expires_at", "is required")
		}
		x.CreatedAt, x.ExpiresAt = zeroOr(x.CreatedAt, c.at), utcMicro(x.ExpiresAt)
		c.answer = &x
	}
	if len(ch.Links) > 0 {
		if c.req == nil {
			f.Add("links", "need the request they come from")
		}
		for i, l := range ch.Links {
			if l == "" {
				f.Add("links["+strconv.Itoa(i)+"]", "is empty")
			}
		}
		c.links = slices.Clone(ch.Links)
	}
	for i, m := range ch.Marks {
		if m == nil {
			f.Add("marks["+strconv.Itoa(i)+"]", "is nil")
			continue
		}
		x := *m
		if x.ID == 0 {
			if c.req != nil {
				if x.Site == "" {
					x.Site = c.req.Site
				}
				if x.EmailHash == "" {
					x.EmailHash = c.req.EmailHash
				}
			}
			if x.RequestID == "" {
				x.RequestID = id
			}
			if x.Site == "" || x.EmailHash == "" {
				f.Add("marks["+strconv.Itoa(i)+"]", "needs a site and an address hash")
			}
			if x.Kind == "" {
				f.Add("marks["+strconv.Itoa(i)+"].kind", "is required")
			}
			x.Since, x.LiftedAt = zeroOr(x.Since, c.at), utcMicro(x.LiftedAt)
		} else {
			x.LiftedAt = zeroOr(x.LiftedAt, c.at)
		}
		c.marks = append(c.marks, x)
	}
	if ch.Erasure != nil {
		x := *ch.Erasure
		if c.req == nil {
			f.Add("erasure", "needs the request it carries out")
		} else {
			if x.Site == "" {
				x.Site = c.req.Site
			}
			if x.EmailHash == "" {
				x.EmailHash = c.req.EmailHash
			}
		}
		if x.Site == "" || x.EmailHash == "" {
			f.Add("erasure", "needs a site and an address hash")
		}
		x.Subjects = slices.Compact(slices.Sorted(slices.Values(x.Subjects)))
		x.Counts = nil
		c.erasure = &x
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// The kinds of Erasure.Counts.
var erasureKinds = []string{"consents", "links", "requests", "answers", "mails"}

// ApplyRequestChange writes ch in one transaction, with ch.Audit (if not
// nil) sealed into the chain in it. A Request or Challenge of Version 0 is
// inserted with Version 1; otherwise it is updated if its stored version is
// still Version (and then gets the next), else nothing at all is written
// and the error is ECONFLICT (ENOTFOUND if the row is gone); an insert whose
// id (or, for a challenge, link hash) is taken is ECONFLICT too. Events,
// mails and marks without an ID are inserted and get theirs; a mark with an
// ID is lifted (LiftedAt now if zero). Events, mails, the answer and new
// marks belong to ch.Request unless they name another request. Times are
// stored in UTC to the microsecond; zero creation times become the
// request's UpdatedAt, which itself becomes now if zero.
//
// ch.Erasure is carried out last, in the same transaction (see
// eraseSubject). If it removed consent records and ch.Audit is set, the
// entry's DetailsHash is set to the hex SHA-256 of their ids, sorted and
// joined with newlines, so that the chain vouches for which ones went.
//
// On success ch's values hold what was stored; on failure they are left as
// they were.
func (db *DB) ApplyRequestChange(ctx context.Context, ch *custos.RequestChange) error {
	c, err := normalChange(ch, time.Now())
	if err != nil {
		return err
	}
	var (
		refused           error
		reqVer, chalVer   int64
		eventIDs, mailIDs []int64
		markIDs           []int64
		counts            map[string]int64
	)
	err = db.applyAudited(ctx, "apply request change", ch.Audit, func(ctx context.Context, tx *sql.Tx, e *custos.AuditEntry) (bool, error) {
		refused, reqVer, chalVer, counts = nil, 0, 0, nil
		eventIDs, mailIDs, markIDs = eventIDs[:0], mailIDs[:0], markIDs[:0]
		// A refusal after something was written must leave nothing of this
		// change, but the batch's transaction holds other writes too: the
		// savepoint undoes this change alone.
		if _, err := tx.ExecContext(ctx, `SAVEPOINT request_change`); err != nil {
			return false, fmt.Errorf("savepoint: %w", err)
		}
		refuse := func(err error) (bool, error) {
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT request_change`); rerr != nil {
				return false, fmt.Errorf("roll back request change: %w", rerr)
			}
			if _, rerr := tx.ExecContext(ctx, `RELEASE SAVEPOINT request_change`); rerr != nil {
				return false, fmt.Errorf("release savepoint: %w", rerr)
			}
			refused = err
			return false, nil
		}
		if r := c.req; r != nil {
			ver, rerr, err := writeVersioned(ctx, tx, "request", r.ID, r.Version, requestArgs(r),
				insertRequestSQL, updateRequestSQL, `SELECT 1 FROM requests WHERE id = $1`)
			if err != nil {
				return false, err
			}
			if rerr != nil {
				return refuse(rerr)
			}
			reqVer = ver
		}
		if x := c.challenge; x != nil {
			ver, rerr, err := writeVersioned(ctx, tx, "challenge", x.ID, x.Version, challengeArgs(x),
				insertChallengeSQL, updateChallengeSQL, `SELECT 1 FROM request_challenges WHERE id = $1`)
			if err != nil {
				return false, err
			}
			if rerr != nil {
				return refuse(rerr)
			}
			chalVer = ver
		}
		for i := range c.events {
			x := &c.events[i]
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO request_events (request_id, time, actor, kind, note)`+
				` VALUES ($1, $2, $3, $4, $5) RETURNING id`, x.RequestID, x.Time, x.Actor, x.Kind, x.Note).Scan(&id)
			if err != nil {
				return false, fmt.Errorf("insert request event: %w", err)
			}
			eventIDs = append(eventIDs, id)
		}
		for i := range c.mails {
			id, err := insertMail(ctx, tx, &c.mails[i])
			if err != nil {
				return false, err
			}
			mailIDs = append(mailIDs, id)
		}
		if a := c.answer; a != nil {
			_, err := tx.ExecContext(ctx, `INSERT INTO request_answers (request_id, content_type, file_name, data, created_at, expires_at)`+
				` VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (request_id) DO UPDATE SET content_type = excluded.content_type,`+
				` file_name = excluded.file_name, data = excluded.data, created_at = excluded.created_at, expires_at = excluded.expires_at`,
				a.RequestID, a.ContentType, a.FileName, append([]byte{}, a.Data...), a.CreatedAt, a.ExpiresAt)
			if err != nil {
				return false, fmt.Errorf("store answer: %w", err)
			}
		}
		for _, l := range c.links {
			_, err := tx.ExecContext(ctx, `INSERT INTO subject_links (site, email_hash, consent_subject, request_id, created_at)`+
				` VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, c.req.Site, c.req.EmailHash, l, c.req.ID, c.at)
			if err != nil {
				return false, fmt.Errorf("link consent subject: %w", err)
			}
		}
		for i := range c.marks {
			m := &c.marks[i]
			if m.ID != 0 {
				res, err := tx.ExecContext(ctx, `UPDATE subject_marks SET lifted_at = $2 WHERE id = $1 AND lifted_at IS NULL`, m.ID, m.LiftedAt)
				if err != nil {
					return false, fmt.Errorf("lift subject mark: %w", err)
				}
				if n, err := res.RowsAffected(); err != nil {
					return false, fmt.Errorf("lift subject mark: %w", err)
				} else if n == 0 {
					// Lifted already (its first lifting stands), or absent.
					var lifted time.Time
					err := tx.QueryRowContext(ctx, `SELECT lifted_at FROM subject_marks WHERE id = $1`, m.ID).Scan(nullTimeDest{&lifted})
					switch {
					case errors.Is(err, sql.ErrNoRows):
						return refuse(custos.Errorf(custos.ENOTFOUND, "subject mark %d not found", m.ID))
					case err != nil:
						return false, fmt.Errorf("read subject mark: %w", err)
					}
					m.LiftedAt = lifted
				}
				markIDs = append(markIDs, m.ID)
				continue
			}
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO subject_marks (site, email_hash, kind, detail, request_id, since, lifted_at)`+
				` VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
				m.Site, m.EmailHash, m.Kind, m.Detail, m.RequestID, m.Since, nullTime(m.LiftedAt)).Scan(&id)
			if err != nil {
				return false, fmt.Errorf("insert subject mark: %w", err)
			}
			markIDs = append(markIDs, id)
		}
		if c.erasure != nil {
			var erased []string
			var err error
			counts, erased, err = eraseSubject(ctx, tx, c.erasure, c.req.ID, c.at)
			if err != nil {
				return false, err
			}
			if len(erased) > 0 && e != nil {
				e.DetailsHash = audit.DetailsHash([]byte(strings.Join(erased, "\n")))
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT request_change`); err != nil {
			return false, fmt.Errorf("release savepoint: %w", err)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if refused != nil {
		return refused
	}
	if c.req != nil {
		c.req.Version = reqVer
		*ch.Request = *c.req
	}
	if c.challenge != nil {
		c.challenge.Version = chalVer
		*ch.Challenge = *c.challenge
	}
	for i := range c.events {
		c.events[i].ID = eventIDs[i]
		*ch.Events[i] = c.events[i]
	}
	for i := range c.mails {
		c.mails[i].ID = mailIDs[i]
		*ch.Mails[i] = c.mails[i]
	}
	if c.answer != nil {
		*ch.Answer = *c.answer
	}
	for i := range c.marks {
		c.marks[i].ID = markIDs[i]
		*ch.Marks[i] = c.marks[i]
	}
	if c.erasure != nil {
		ch.Erasure.Site, ch.Erasure.EmailHash, ch.Erasure.Counts = c.erasure.Site, c.erasure.EmailHash, counts
	}
	return nil
}

// writeVersioned inserts a row (version 0, stored as 1) or updates it if
// its stored version is still version, and returns the version stored.
// refused is ECONFLICT or ENOTFOUND when nothing was written.
func writeVersioned(ctx context.Context, tx *sql.Tx, what, id string, version int64, args []any, insert, update, exists string) (stored int64, refused, err error) {
	if version == 0 {
		args[len(args)-1] = int64(1)
		res, err := tx.ExecContext(ctx, insert, args...)
		if err != nil {
			return 0, nil, fmt.Errorf("insert %s: %w", what, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, nil, fmt.Errorf("insert %s: %w", what, err)
		}
		if n == 0 {
			return 0, custos.Errorf(custos.ECONFLICT, "a %s with this id exists", what), nil
		}
		return 1, nil, nil
	}
	err = tx.QueryRowContext(ctx, update, args...).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		var one int
		switch err := tx.QueryRowContext(ctx, exists, id).Scan(&one); {
		case err == nil:
			return 0, custos.Errorf(custos.ECONFLICT, "the %s changed since it was read", what), nil
		case errors.Is(err, sql.ErrNoRows):
			return 0, custos.Errorf(custos.ENOTFOUND, "%s not found", what), nil
		default:
			return 0, nil, fmt.Errorf("read %s: %w", what, err)
		}
	}
	if isUniqueViolation(err) {
		return 0, &custos.Error{Code: custos.ECONFLICT, Message: "the " + what + " conflicts with another", Err: err}, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("update %s: %w", what, err)
	}
	return stored, nil, nil
}

// maxInList is the most values eraseSubject puts in one IN list.
const maxInList = 500

// eraseSubject carries out x for request requestID at time at, and returns
// the rows removed or cleared per kind and the ids of the consent records
// it removed, sorted:
//
//   - if x.Consents, the consent records of x.Site whose subject is one of
//     x.Subjects, with the idempotency keys that point at them; their ids
//     are kept in consents_erased so that the ledger still adds up against
//     the audit trail;
//   - the subject links of the address;
//   - of the address's other requests on the site that are closed: the
//     address, details, consent id and deny note (and the version moves on),
//     the notes of their events, their answers, their sent mails, and
//     their steps' results and checkpoints;
//   - and it records the suppression hash, if any.
func eraseSubject(ctx context.Context, tx *sql.Tx, x *custos.Erasure, requestID string, at time.Time) (map[string]int64, []string, error) {
	counts := make(map[string]int64, len(erasureKinds))
	for _, k := range erasureKinds {
		counts[k] = 0
	}
	var erased []string
	if x.Consents {
		for _, subject := range x.Subjects {
			// DELETE … RETURNING names exactly the rows removed, even if
			// another node records a consent of the subject meanwhile.
			rows, err := tx.QueryContext(ctx, `DELETE FROM consents WHERE site = $1 AND subject = $2 RETURNING id`, x.Site, subject)
			if err != nil {
				return nil, nil, fmt.Errorf("erase consents: %w", err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return nil, nil, fmt.Errorf("erase consents: %w", err)
				}
				erased = append(erased, id)
			}
			if err := rows.Close(); err != nil {
				return nil, nil, fmt.Errorf("erase consents: %w", err)
			}
			if err := rows.Err(); err != nil {
				return nil, nil, fmt.Errorf("erase consents: %w", err)
			}
		}
		slices.Sort(erased)
		// idempotency_keys has no index on resource_id (it would cost every
		// consent write); an erasure is rare, so it reads the table.
		for chunk := range slices.Chunk(erased, maxInList) {
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE resource_id IN (`+params(1, len(chunk))+`)`, args...); err != nil {
				return nil, nil, fmt.Errorf("erase idempotency keys: %w", err)
			}
		}
		for _, id := range erased {
			if _, err := tx.ExecContext(ctx, `INSERT INTO consents_erased (consent_id, request_id, erased_at) VALUES ($1, $2, $3)`+
				` ON CONFLICT DO NOTHING`, id, requestID, at); err != nil {
				return nil, nil, fmt.Errorf("record erased consents: %w", err)
			}
		}
		counts["consents"] = int64(len(erased))
	}

	exec := func(kind, what, q string, args ...any) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if kind != "" {
			counts[kind] += n
		}
		return nil
	}
	if err := exec("links", "erase subject links", `DELETE FROM subject_links WHERE site = $1 AND email_hash = $2`, x.Site, x.EmailHash); err != nil {
		return nil, nil, err
	}
	// The person's other closed requests, by $1 site, $2 address hash, $3
	// this request, $4 and $5 the closed states.
	const others = `SELECT id FROM requests WHERE site = $1 AND email_hash = $2 AND id <> $3 AND state IN ($4, $5)`
	args := []any{x.Site, x.EmailHash, requestID, string(custos.StateCompleted), string(custos.StateDenied)}
	if err := exec("answers", "erase answers", `DELETE FROM request_answers WHERE request_id IN (`+others+`)`, args...); err != nil {
		return nil, nil, err
	}
	if err := exec("mails", "erase sent mails", `DELETE FROM mails WHERE sent_at IS NOT NULL AND request_id IN (`+others+`)`, args...); err != nil {
		return nil, nil, err
	}
	if err := exec("", "clear event notes", `UPDATE request_events SET note = '' WHERE note <> '' AND request_id IN (`+others+`)`, args...); err != nil {
		return nil, nil, err
	}
	// Their steps' results and checkpoints: rows read, files, notes and
	// corrected values.
	if err := exec("", "clear step results", `UPDATE jobs SET result = '', checkpoint = '', redacted = true WHERE (result <> '' OR checkpoint <> '')`+
		` AND request_id IN (`+others+`)`, args...); err != nil {
		return nil, nil, err
	}
	if err := exec("requests", "clear requests", `UPDATE requests SET email = '', details = '', consent_subject = '', deny_note = '',`+
		` version = version + 1 WHERE site = $1 AND email_hash = $2 AND id <> $3 AND state IN ($4, $5)`+
		` AND (email <> '' OR details <> '' OR consent_subject <> '' OR deny_note <> '')`, args...); err != nil {
		return nil, nil, err
	}
	if x.Suppression != "" {
		if err := exec("", "record suppression", `INSERT INTO suppressions (site, hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			x.Site, x.Suppression, at); err != nil {
			return nil, nil, err
		}
	}
	return counts, erased, nil
}

// Request returns the request id.
func (db *DB) Request(ctx context.Context, id string) (*custos.Request, error) {
	r, err := scanRequest(db.read.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custos.Errorf(custos.ENOTFOUND, "request not found")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read request: %w", err)
	}
	return r, nil
}

// Query limits of Requests and of the mail lists.
const (
	defaultListLimit = 200
	maxListLimit     = 1000
)

func listLimit(n int) int {
	switch {
	case n <= 0:
		return defaultListLimit
	case n > maxListLimit:
		return maxListLimit
	}
	return n
}

// Requests returns the requests q selects, earliest due first (then by id),
// at most q.Limit (default 200, at most 1000); an empty, non-nil slice if
// there are none.
func (db *DB) Requests(ctx context.Context, q custos.RequestQuery) ([]*custos.Request, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
	if q.Site != "" {
		add(`site = ?`, q.Site)
	}
	if q.Type != "" {
		add(`type = ?`, string(q.Type))
	}
	if q.State != "" {
		add(`state = ?`, string(q.State))
	}
	if q.Jurisdiction != "" {
		add(`jurisdiction = ?`, q.Jurisdiction)
	}
	if q.Open {
		add(`state IN (?, ?)`, string(custos.StateOpen), string(custos.StateInProgress))
	}
	if !q.DueBefore.IsZero() {
		add(`due_at < ?`, utcMicro(q.DueBefore))
	}
	if q.EmailHash != "" {
		add(`email_hash = ?`, q.EmailHash)
	}
	query := `SELECT ` + requestColumns + ` FROM requests`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	args = append(args, listLimit(q.Limit))
	query += ` ORDER BY due_at, id LIMIT $` + strconv.Itoa(len(args))
	return queryList(ctx, db.read, "read requests", scanRequest, query, args...)
}

// OpenRequest returns the newest request of site, type t and the address
// that is not closed (unverified included), ENOTFOUND if there is none.
func (db *DB) OpenRequest(ctx context.Context, site string, t custos.RequestType, emailHash string) (*custos.Request, error) {
	r, err := scanRequest(db.read.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests`+
		` WHERE site = $1 AND email_hash = $2 AND type = $3 AND state IN ($4, $5, $6) ORDER BY received_at DESC, id DESC LIMIT 1`,
		site, emailHash, string(t), string(custos.StateUnverified), string(custos.StateOpen), string(custos.StateInProgress)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custos.Errorf(custos.ENOTFOUND, "no open request")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read open request: %w", err)
	}
	return r, nil
}

// CountRequestsSince counts the requests of the address, on any site,
// received at or after since.
func (db *DB) CountRequestsSince(ctx context.Context, emailHash string, since time.Time) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM requests WHERE email_hash = $1 AND received_at >= $2`,
		emailHash, utcMicro(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count requests: %w", err)
	}
	return n, nil
}

// RequestEvents returns the timeline of a request, in the order written.
func (db *DB) RequestEvents(ctx context.Context, requestID string) ([]*custos.RequestEvent, error) {
	return queryList(ctx, db.read, "read request events", scanEvent,
		`SELECT `+eventColumns+` FROM request_events WHERE request_id = $1 ORDER BY id`, requestID)
}

// Challenge returns the challenge id.
func (db *DB) Challenge(ctx context.Context, id string) (*custos.Challenge, error) {
	return db.challengeWhere(ctx, `id = $1`, id)
}

// ChallengeByLink returns the challenge whose link hashes to linkHash.
func (db *DB) ChallengeByLink(ctx context.Context, linkHash string) (*custos.Challenge, error) {
	return db.challengeWhere(ctx, `link_hash = $1`, linkHash)
}

func (db *DB) challengeWhere(ctx context.Context, where string, arg any) (*custos.Challenge, error) {
	c, err := scanChallenge(db.read.QueryRowContext(ctx, `SELECT `+challengeColumns+` FROM request_challenges WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custos.Errorf(custos.ENOTFOUND, "challenge not found")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read challenge: %w", err)
	}
	return c, nil
}

// Answer returns the answer of a request, expired or not: the caller checks
// ExpiresAt.
func (db *DB) Answer(ctx context.Context, requestID string) (*custos.Answer, error) {
	var a custos.Answer
	err := db.read.QueryRowContext(ctx, `SELECT request_id, content_type, file_name, data, created_at, expires_at`+
		` FROM request_answers WHERE request_id = $1`, requestID).
		Scan(&a.RequestID, &a.ContentType, &a.FileName, &a.Data, timeDest{&a.CreatedAt}, timeDest{&a.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custos.Errorf(custos.ENOTFOUND, "answer not found")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read answer: %w", err)
	}
	if len(a.Data) == 0 {
		a.Data = nil
	}
	return &a, nil
}

// SubjectLinks returns the consent ids linked to the address on site,
// sorted; an empty, non-nil slice if there are none.
func (db *DB) SubjectLinks(ctx context.Context, site, emailHash string) ([]string, error) {
	list, err := queryList(ctx, db.read, "read subject links", func(s scanner) (*string, error) {
		var v string
		return &v, s.Scan(&v)
	}, `SELECT DISTINCT consent_subject FROM subject_links WHERE site = $1 AND email_hash = $2 ORDER BY consent_subject`, site, emailHash)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = *v
	}
	return out, nil
}

// SubjectMarks returns the marks of the address on site, in force or
// lifted, in the order made.
func (db *DB) SubjectMarks(ctx context.Context, site, emailHash string) ([]*custos.SubjectMark, error) {
	return queryList(ctx, db.read, "read subject marks", scanMark,
		`SELECT `+markColumns+` FROM subject_marks WHERE site = $1 AND email_hash = $2 ORDER BY id`, site, emailHash)
}

// Suppressed reports whether hash is on site's suppression list.
func (db *DB) Suppressed(ctx context.Context, site, hash string) (bool, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM suppressions WHERE site = $1 AND hash = $2`, site, hash).Scan(&n); err != nil {
		return false, fmt.Errorf("store: read suppressions: %w", err)
	}
	return n > 0, nil
}

// CountErasedConsents returns how many consent records erasures removed
// from the ledger, so that the ledger can be checked against the
// consent.recorded entries of the audit trail.
func (db *DB) CountErasedConsents(ctx context.Context) (int64, error) {
	var n int64
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM consents_erased`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count erased consents: %w", err)
	}
	return n, nil
}

// sentMailKept is how long a sent mail is kept: its text is personal data.
const sentMailKept = 30 * 24 * time.Hour

// ExpireRequests deletes the unverified requests whose ExpiresAt is before
// now, with their challenges, events, mails (sent or not) and answer, each
// in its own transaction with a request.expired audit entry by "system";
// then the answers whose ExpiresAt is before now, and the mails sent more
// than 30 days before now. It returns how many requests and answers it
// deleted. A request verified since it was found is kept.
func (db *DB) ExpireRequests(ctx context.Context, now time.Time) (requests, answers int, err error) {
	now = utcMicro(now)
	ids, err := queryList(ctx, db.read, "read expired requests", func(s scanner) (*string, error) {
		var v string
		return &v, s.Scan(&v)
	}, `SELECT id FROM requests WHERE state = 'unverified' AND expires_at < $1 ORDER BY expires_at, id`, now)
	if err != nil {
		return 0, 0, err
	}
	for _, id := range ids {
		var gone bool
		entry := &custos.AuditEntry{Actor: "system", Action: custos.AuditRequestExpired, ObjectType: "request", ObjectID: *id}
		err := db.apply(ctx, "expire request", entry, func(ctx context.Context, tx *sql.Tx) (bool, error) {
			gone = false
			res, err := tx.ExecContext(ctx, `DELETE FROM requests WHERE id = $1 AND state = 'unverified' AND expires_at < $2`, *id, now)
			if err != nil {
				return false, fmt.Errorf("delete request: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return false, fmt.Errorf("delete request: %w", err)
			} else if n == 0 {
				return false, nil // verified (or gone) since
			}
			for _, q := range []string{
				`DELETE FROM request_challenges WHERE request_id = $1`,
				`DELETE FROM request_events WHERE request_id = $1`,
				`DELETE FROM mails WHERE request_id = $1`,
				`DELETE FROM request_answers WHERE request_id = $1`,
			} {
				if _, err := tx.ExecContext(ctx, q, *id); err != nil {
					return false, fmt.Errorf("delete the rows of an expired request: %w", err)
				}
			}
			gone = true
			return true, nil
		})
		if err != nil {
			return requests, 0, err
		}
		if gone {
			requests++
		}
	}
	var n int64
	err = db.apply(ctx, "expire answers and mails", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		n = 0
		res, err := tx.ExecContext(ctx, `DELETE FROM request_answers WHERE expires_at < $1`, now)
		if err != nil {
			return false, fmt.Errorf("delete expired answers: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return false, fmt.Errorf("delete expired answers: %w", err)
		}
		old := utcMicro(now.Add(-sentMailKept))
		for _, q := range []struct {
			what, sql string
			args      []any
		}{
			// Mails given up on (the deliverer stops after 10 attempts)
			// go when sent ones would.
			{"delete old mails", `DELETE FROM mails WHERE (sent_at IS NOT NULL AND sent_at < $1) OR (sent_at IS NULL AND attempts >= 10 AND created_at < $1)`, []any{old}},
			// A code or a link, once out, is of use to nobody but the
			// person: the copy in the database only tempts.
			{"delete sent codes", `DELETE FROM mails WHERE sent_at IS NOT NULL AND template IN ('verify', 'download_code')`, nil},
			// Challenges past both their code and link, used or not, and
			// the decoys of repeated requests.
			{"delete old challenges", `DELETE FROM request_challenges WHERE link_expires < $1 AND code_expires < $1`, []any{utcMicro(now)}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return false, fmt.Errorf("%s: %w", q.what, err)
			}
		}
		return true, nil
	})
	if err != nil {
		return requests, 0, err
	}
	return requests, int(n), nil
}

// ClaimDaily records that job name runs on day (YYYY-MM-DD) and reports
// whether this call was the first to do so.
func (db *DB) ClaimDaily(ctx context.Context, name, day string) (bool, error) {
	var claimed bool
	err := db.apply(ctx, "claim daily job", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		claimed = false
		res, err := tx.ExecContext(ctx, `INSERT INTO daily_jobs (name, day) VALUES ($1, $2) ON CONFLICT DO NOTHING`, name, day)
		if err != nil {
			return false, fmt.Errorf("claim daily job: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("claim daily job: %w", err)
		}
		claimed = n > 0
		return claimed, nil
	})
	if err != nil {
		return false, err
	}
	return claimed, nil
}
