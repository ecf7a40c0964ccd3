package dsr

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/deadline"
	"github.com/custos-privacy/custos/internal/manifest"
)

// Detail is a request as staff see it.
type Detail struct {
	Request *custos.Request
	Events  []*custos.RequestEvent
	Marks   []*custos.SubjectMark // restrictions and objections on the person
	Answer  *custos.Answer        // without its data; nil if none
	Result  *Result               // what approving did; nil before
}

// View returns request id for staff member actor and records, in the audit
// trail, that they opened it: it holds a person's address.
func (s *Service) View(ctx context.Context, actor, id string) (*Detail, error) {
	r, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.Audit != nil {
		if err := s.Audit.AppendAudit(ctx, auditEntry(actor, custos.AuditRequestViewed, id)); err != nil {
			return nil, err
		}
	}
	d := &Detail{Request: r}
	if d.Events, err = s.Store.RequestEvents(ctx, id); err != nil {
		return nil, err
	}
	if r.EmailHash != "" {
		if d.Marks, err = s.Store.SubjectMarks(ctx, r.Site, r.EmailHash); err != nil {
			return nil, err
		}
	}
	switch a, err := s.Store.Answer(ctx, id); {
	case err == nil:
		a.Data = nil
		d.Answer = a
	case custos.ErrorCode(err) != custos.ENOTFOUND:
		return nil, err
	}
	if r.Result != "" {
		var res Result
		if json.Unmarshal([]byte(r.Result), &res) == nil {
			d.Result = &res
		}
	}
	return d, nil
}

// load reads request id and checks that staff may act on it at version (0:
// any) and that its state is one of states.
func (s *Service) load(ctx context.Context, id string, version int64, states ...custos.RequestState) (*custos.Request, *manifest.Site, error) {
	r, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if version != 0 && r.Version != version {
		return nil, nil, custos.Errorf(custos.ECONFLICT, "the request changed since you opened it; reload and try again")
	}
	if !slices.Contains(states, r.State) {
		return nil, nil, custos.Errorf(custos.ECONFLICT, "the request is %s; this cannot be done now", strings.ReplaceAll(string(r.State), "_", " "))
	}
	site := s.site(r.Site)
	if site == nil {
		return nil, nil, custos.Errorf(custos.EUNAVAILABLE, "the site %s is no longer in the manifest", r.Site)
	}
	return r, site, nil
}

func event(r *custos.Request, actor, kind, note string, now time.Time) *custos.RequestEvent {
	return &custos.RequestEvent{RequestID: r.ID, Time: now, Actor: actor, Kind: kind, Note: note}
}

// text checks a staff-entered text.
func text(field, v string, required bool, max int) error {
	switch n := utf8.RuneCountInString(v); {
	case !utf8.ValidString(v):
		return custos.Invalid(custos.FieldError{Field: field, Message: "is not valid UTF-8"})
	case required && strings.TrimSpace(v) == "":
		return custos.Invalid(custos.FieldError{Field: field, Message: "required"})
	case n > max:
		return custos.Invalid(custos.FieldError{Field: field, Message: "too long; at most " + strconv.Itoa(max) + " characters"})
	case hasControl(v):
		return custos.Invalid(custos.FieldError{Field: field, Message: "contains control characters"})
	}
	return nil
}

var active = []custos.RequestState{custos.StateOpen, custos.StateInProgress}

// Note adds a staff note to the request's timeline.
func (s *Service) Note(ctx context.Context, actor, id, note string) error {
	if err := text("note", note, true, maxNote); err != nil {
		return err
	}
	r, _, err := s.load(ctx, id, 0, custos.RequestStates...)
	if err != nil {
		return err
	}
	return s.apply(ctx, &custos.RequestChange{
		Events: []*custos.RequestEvent{event(r, actor, custos.EventNote, strings.TrimSpace(note), s.now())},
		Audit:  auditEntry(actor, custos.AuditRequestNoted, id),
	})
}

// Assign gives the request to staff member assignee ("" to nobody).
func (s *Service) Assign(ctx context.Context, actor, id string, version int64, assignee string) error {
	r, _, err := s.load(ctx, id, version, active...)
	if err != nil {
		return err
	}
	now := s.now()
	r.AssignedTo, r.UpdatedAt = assignee, now
	return s.apply(ctx, &custos.RequestChange{
		Request: r,
		Events:  []*custos.RequestEvent{event(r, actor, custos.EventAssigned, assignee, now)},
		Audit:   auditEntry(actor, custos.AuditRequestAssigned, id),
	})
}

// Extend moves the due date to the latest the law allows and tells the
// person why. The law allows it once, and only if the person is told in
// time (GDPR Art. 12(3): within the first month).
func (s *Service) Extend(ctx context.Context, actor, id string, version int64, reason string) error {
	if err := text("reason", reason, true, maxDetails); err != nil {
		return err
	}
	r, site, err := s.load(ctx, id, version, active...)
	if err != nil {
		return err
	}
	now := s.now()
	switch {
	case r.ExtendMax.IsZero():
		return custos.Errorf(custos.ECONFLICT, "the law of this request (%s) allows no extension", r.Law)
	case r.Extended:
		return custos.Errorf(custos.ECONFLICT, "the request was already extended")
	case !r.TellExtensionBy.IsZero() && now.After(r.TellExtensionBy):
		return custos.Errorf(custos.ECONFLICT, "too late: an extension had to be told to the person by %s", r.TellExtensionBy.In(location(site)).Format("2 January 2006"))
	}
	r.Extended, r.ExtensionReason, r.DueAt, r.UpdatedAt = true, strings.TrimSpace(reason), r.ExtendMax, now
	m, err := s.compose(site, r, "extended", mailData{Reason: r.ExtensionReason})
	if err != nil {
		return err
	}
	return s.apply(ctx, &custos.RequestChange{
		Request: r, Mails: []*custos.Mail{m},
		Events: []*custos.RequestEvent{event(r, actor, custos.EventExtended, r.ExtensionReason, now)},
		Audit:  auditEntry(actor, custos.AuditRequestExtended, id),
	})
}

// Deny refuses an open request for reason (one of custos.DenyReasons),
// with a note told to the person (required for "other").
func (s *Service) Deny(ctx context.Context, actor, id string, version int64, reason, note string) error {
	if !slices.Contains(custos.DenyReasons, reason) {
		return custos.Invalid(custos.FieldError{Field: "reason", Message: "one of " + strings.Join(custos.DenyReasons, ", ")})
	}
	if err := text("note", note, reason == custos.DenyOther, maxDetails); err != nil {
		return err
	}
	// Only before it is carried out: once approved, an erasure or a
	// withdrawal has happened, and "denied" would not be true.
	r, site, err := s.load(ctx, id, version, custos.StateOpen)
	if err != nil {
		return err
	}
	now := s.now()
	r.State, r.DenyReason, r.DenyNote, r.ClosedAt, r.UpdatedAt = custos.StateDenied, reason, strings.TrimSpace(note), now, now
	m, err := s.compose(site, r, "denied", mailData{Reason: reason, Note: r.DenyNote})
	if err != nil {
		return err
	}
	return s.apply(ctx, &custos.RequestChange{
		Request: r, Mails: []*custos.Mail{m},
		Events: []*custos.RequestEvent{event(r, actor, custos.EventDenied, reason, now)},
		Audit:  auditEntry(actor, custos.AuditRequestDenied, id),
	})
}

// Approve carries the request out on Custos's own data (see fulfil) and
// leaves it in progress, its answer ready to be sent by Complete.
func (s *Service) Approve(ctx context.Context, actor, id string, version int64) error {
	r, site, err := s.load(ctx, id, version, custos.StateOpen)
	if err != nil {
		return err
	}
	now := s.now()
	change := &custos.RequestChange{Request: r}
	res, err := s.fulfil(ctx, site, r, change, now)
	if err != nil {
		return err
	}
	// The steps in the site's other systems are queued first: should the
	// request's own write then fail, approving again finds them queued (by
	// key) rather than queuing them twice; the other way round, a request
	// in progress could seem to have no steps left.
	if steps := plan(site, r); len(steps) > 0 && s.Jobs != nil {
		if err := s.Jobs.EnqueueJobs(ctx, steps, &custos.AuditEntry{Actor: actor, Action: custos.AuditJobsPlanned, ObjectType: "request", ObjectID: r.ID}); err != nil {
			return err
		}
		res.Steps = len(steps)
		s.kickJobs()
	}
	b, _ := json.Marshal(res)
	r.State, r.Result, r.UpdatedAt = custos.StateInProgress, string(b), now
	if !r.ActBy.IsZero() {
		// Decide-then-act laws (Mexico): approving is the decision, told
		// now, and the time to carry it out runs from today; the answer is
		// due then. The only date moved after receipt, and on purpose.
		r.ActBy = utc(deadline.ForSite(site, r.Region).ActBy(now))
		r.DueAt = r.ActBy
	}
	change.Events = append(change.Events, event(r, actor, custos.EventApproved, "", now))
	change.Audit = auditEntry(actor, custos.AuditRequestApproved, id)
	if err := s.apply(ctx, change); err != nil {
		return err
	}
	if e := change.Erasure; e != nil {
		// What the erasure removed is counted in its transaction; the
		// report is written after it. Should this second write be lost,
		// the erasure stands and only its counts are missing.
		res.Erased = e.Counts
		b, _ := json.Marshal(res)
		r.Result, r.UpdatedAt = string(b), s.now()
		return s.apply(ctx, &custos.RequestChange{Request: r})
	}
	return nil
}

// Complete closes an approved request and e-mails the person, with the
// download's expiry when there is a package.
func (s *Service) Complete(ctx context.Context, actor, id string, version int64) error {
	r, site, err := s.load(ctx, id, version, custos.StateInProgress)
	if err != nil {
		return err
	}
	// Read once: the steps decide, fill the package, then are redacted.
	steps, err := s.Steps(ctx, id)
	if err != nil {
		return err
	}
	if done := stepsDone(steps); done < len(steps) {
		return custos.Errorf(custos.ECONFLICT, "%d of the %d steps in other systems are not done yet", len(steps)-done, len(steps))
	}
	if err := s.addSystemData(ctx, site, r, steps); err != nil {
		return err
	}
	now := s.now()
	var d mailData
	switch a, err := s.Store.Answer(ctx, id); {
	case err == nil:
		// The download window starts when the person is told of it.
		a.ExpiresAt = now.Add(s.answerTTL())
		d.DownloadExpires = a.ExpiresAt
		r.State, r.ClosedAt, r.UpdatedAt = custos.StateCompleted, now, now
		m, err := s.compose(site, r, "completed", d)
		if err != nil {
			return err
		}
		if err := s.apply(ctx, &custos.RequestChange{
			Request: r, Answer: a, Mails: []*custos.Mail{m},
			Events: []*custos.RequestEvent{event(r, actor, custos.EventCompleted, "", now)},
			Audit:  auditEntry(actor, custos.AuditRequestCompleted, id),
		}); err != nil {
			return err
		}
		return s.redactCompleted(ctx, id, steps)
	case custos.ErrorCode(err) != custos.ENOTFOUND:
		return err
	case needsAnswer(r.Type):
		return &custos.Error{Code: custos.EINTERNAL, Message: "the answer prepared for this request is missing",
			Err: fmt.Errorf("request %s: no answer to send", r.ID)}
	}
	r.State, r.ClosedAt, r.UpdatedAt = custos.StateCompleted, now, now
	m, err := s.compose(site, r, "completed", d)
	if err != nil {
		return err
	}
	if err := s.apply(ctx, &custos.RequestChange{
		Request: r, Mails: []*custos.Mail{m},
		Events: []*custos.RequestEvent{event(r, actor, custos.EventCompleted, "", now)},
		Audit:  auditEntry(actor, custos.AuditRequestCompleted, id),
	}); err != nil {
		return err
	}
	return s.redactCompleted(ctx, id, steps)
}

// redactCompleted redacts the steps of request id, completed: the rows,
// records, files and corrected values its steps gathered are in its
// answer (which expires) or written to the systems, and are not kept
// twice. Only after the request is completed: until then, completing
// again rebuilds the answer from the steps. A failure is logged, not
// returned: the request is completed, and Sweep redacts what is left.
func (s *Service) redactCompleted(ctx context.Context, id string, steps []Step) error {
	if err := s.redactSteps(ctx, id, steps); err != nil {
		s.log().Error("redacting a completed request's steps", "request", id, "err", err)
	}
	return nil
}

// needsAnswer reports whether approving a request of type t prepares an
// answer for the person to download.
func needsAnswer(t custos.RequestType) bool {
	return t == custos.RequestInformation || t == custos.RequestAccess || t == custos.RequestPortability
}

// LiftMark lifts restriction or objection mark markID on request id's
// person.
func (s *Service) LiftMark(ctx context.Context, actor, id string, markID int64) error {
	r, err := s.Store.Request(ctx, id)
	if err != nil {
		return err
	}
	marks, err := s.Store.SubjectMarks(ctx, r.Site, r.EmailHash)
	if err != nil {
		return err
	}
	for _, m := range marks {
		if m.ID == markID && m.LiftedAt.IsZero() {
			now := s.now()
			m.LiftedAt = now
			return s.apply(ctx, &custos.RequestChange{
				Marks:  []*custos.SubjectMark{m},
				Events: []*custos.RequestEvent{event(r, actor, custos.EventNote, "lifted: "+m.Kind, now)},
				Audit:  auditEntry(actor, custos.AuditRestrictionLifted, id),
			})
		}
	}
	return custos.Errorf(custos.ENOTFOUND, "no such restriction in force on this request's person")
}

// Queue returns the requests q selects, earliest due first.
func (s *Service) Queue(ctx context.Context, q custos.RequestQuery) ([]*custos.Request, error) {
	return s.Store.Requests(ctx, q)
}

// DueSoon is how far ahead the queue and the reminder warn.
const DueSoon = 7 * 24 * time.Hour
