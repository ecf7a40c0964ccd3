// Package deadline computes when a data subject request is due: from the
// time it was received, the time limits of the jurisdiction it falls under
// (manifest.Jurisdiction.RequestDeadlines) and the kind of request, in the
// controller's time zone.
//
// How time limits are counted:
//
//   - The day the request is received does not count; the period starts on
//     the next day and ends at the end (23:59:59) of its last day, in the
//     controller's time zone. The CCPA is the exception: its periods
//     "begin on the day that the business receives the request" (CCPA
//     regulations §7021(b)), so that day is the first (ReceiptDayCounts). This is the rule of Regulation (EEC, Euratom)
//     No 1182/71, Art. 3(1) ("dies a quo non computatur"), as the CJEU
//     applied it in C-171/03 Toeters and Verberk, and as the EDPB
//     (Guidelines 01/2022 on the right of access) and the ICO apply it to
//     GDPR Art. 12(3).
//   - A period in months ends on the same day of the month as the day of
//     receipt; if that month has no such day, on its last day
//     (Regulation 1182/71, Art. 3(2)(c)): received 31 January, one month is
//     due 28 February (29 in a leap year), not 3 March as time.AddDate
//     would give.
//   - A period in days ends n calendar days after the day of receipt.
//   - A period in business days counts Monday to Friday only, starting with
//     the first weekday after the day of receipt: received on a Friday,
//     10 business days are due on the Friday two weeks later. Public
//     holidays are out of scope — they differ by country, state and year —
//     so a business-day deadline can come a day or two early, never late.
//   - A last day that falls on a weekend or holiday is not moved to the next
//     working day, although Regulation 1182/71 Art. 3(4) would allow it:
//     the earlier date is always safe.
//
// Dates are pure functions of their inputs: they depend on nothing but the
// Policy, the Kind and the received time (not on the clock, the server's
// time zone or the manifest's later edits). That alone does not keep a
// deadline from moving when the manifest changes; the requests store keeps
// the Dates computed when a request arrives, and never computes them again,
// so that "the deadline survives restarts and is never recomputed by
// accident" (issue 5).
package deadline

import (
	"time"

	"github.com/custos-privacy/custos/internal/manifest"
)

// Kind is the type of a data subject request.
type Kind string

// Kinds of request, as issue 5 names them.
const (
	Information       Kind = "information"        // what is processed and why (GDPR Art. 15(1))
	Access            Kind = "access"             // a copy (Art. 15(3))
	Portability       Kind = "portability"        // machine-readable (Art. 20)
	Erasure           Kind = "erasure"            // Art. 17
	Rectification     Kind = "rectification"      // Art. 16
	Restriction       Kind = "restriction"        // Art. 18
	Objection         Kind = "objection"          // Art. 21
	OptOut            Kind = "opt_out"            // of the sale or sharing of personal data (CCPA §1798.120)
	ConsentWithdrawal Kind = "consent_withdrawal" // Art. 7(3)
)

// Kinds returns every Kind, in a stable order.
func Kinds() []Kind {
	return []Kind{Information, Access, Portability, Erasure, Rectification, Restriction, Objection, OptOut, ConsentWithdrawal}
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds() {
		if k == v {
			return true
		}
	}
	return false
}

// Policy is the set of time limits that applies to a request, resolved
// from a jurisdiction, and the time zone they are counted in.
type Policy struct {
	Law      string         // as manifest.Requests.Law: "manifest", "GDPR", "CCPA", ...
	Location *time.Location // the controller's time zone; nil is UTC

	Acknowledge  manifest.Period // zero: no acknowledgement required
	Answer       manifest.Period // to answer; with Act, to decide; with WithoutDelay, the target
	Act          manifest.Period // zero: no separate period to carry out the decision
	WithoutDelay bool

	Extension       manifest.Period // zero: cannot be extended
	ExtensionReason bool            // the reason must be told to the person
	TellExtension   manifest.Period // from receipt; zero: within Answer

	OptOut       manifest.Period // zero: opt-outs follow Answer like other requests
	OptOutVerify bool            // opt-outs need a verified identity

	// ReceiptDayCounts: the period begins on the day of receipt, which is
	// its first day (the CCPA regulations, §7021(b): the 45 days "begin on
	// the day that the business receives the request"). Elsewhere the day
	// of receipt does not count. Of the two readings this is the earlier
	// date, the safe one.
	ReceiptDayCounts bool
}

// For resolves the policy of j (its requests block or the defaults of its
// law), counted in UTC; use In for the controller's time zone, or ForSite.
func For(j *manifest.Jurisdiction) Policy {
	return forRequests(j.RequestDeadlines())
}

// ForRegion is For, for a request from region: the law of the region
// itself applies when the jurisdiction has no requests block and Custos
// knows that law (see manifest.Jurisdiction.RequestDeadlinesFor).
func ForRegion(j *manifest.Jurisdiction, region string) Policy {
	return forRequests(j.RequestDeadlinesFor(region))
}

func forRequests(r manifest.Requests) Policy {
	p := Policy{
		Law:          r.Law,
		Location:     time.UTC,
		Acknowledge:  r.Acknowledge,
		Answer:       r.Answer,
		Act:          r.Act,
		WithoutDelay: r.WithoutDelay,

		ReceiptDayCounts: r.Law == manifest.LawCCPA,
	}
	if e := r.Extension; e != nil {
		p.Extension, p.ExtensionReason, p.TellExtension = e.Period, e.Reason, e.TellWithin
	}
	if o := r.OptOut; o != nil {
		p.OptOut, p.OptOutVerify = o.Answer, o.Verify
	}
	return p
}

// ForSite resolves the policy for a request from region (as
// manifest.Site.Jurisdiction takes it) to site s, counted in the time zone
// of s's controller (UTC when it names none).
func ForSite(s *manifest.Site, region string) Policy {
	loc := time.UTC
	if tz := s.Controller.Timezone; tz != "" {
		// The manifest checked the name; UTC is only for a Site built in Go
		// with a wrong one.
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	return ForRegion(s.Jurisdiction(region), region).In(loc)
}

// In returns p counted in the time zone loc.
func (p Policy) In(loc *time.Location) Policy {
	p.Location = loc
	return p
}

func (p Policy) location() *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}

// Verify reports whether a request of kind k needs the person's identity
// verified before it is carried out: every kind does, except opt-outs
// where the policy has a period of their own for them and does not ask for
// verification (CCPA regulations §7026(d)).
func (p Policy) Verify(k Kind) bool {
	return k != OptOut || p.OptOut.IsZero() || p.OptOutVerify
}

// Dates are the deadlines of one request. A zero time means the deadline
// does not apply. Each is the last second (23:59:59) of its day in the
// policy's time zone.
type Dates struct {
	Received time.Time // as given, in the policy's time zone

	AcknowledgeBy time.Time // confirm receipt
	// AnswerBy is when the answer is due; with a decide-then-act policy it
	// is when the decision is due (DecideBy), and ActBy follows.
	AnswerBy        time.Time
	ExtendedBy      time.Time // the answer, once extended
	TellExtensionBy time.Time // tell the person of an extension (and why, if ExtensionReason)
	ActBy           time.Time // carry the decision out, if it is told on AnswerBy; see Policy.ActBy

	WithoutDelay    bool // the law asks for an answer without delay; AnswerBy is a target
	ExtensionReason bool // an extension must give the person its reason
	Verify          bool // identity verification is needed first
}

// DecideBy is AnswerBy, named for decide-then-act policies.
func (d Dates) DecideBy() time.Time { return d.AnswerBy }

// Due computes the deadlines of a request of kind k received at received.
func (p Policy) Due(k Kind, received time.Time) Dates {
	loc := p.location()
	received = received.In(loc)
	d := Dates{Received: received, Verify: p.Verify(k)}
	if p.ReceiptDayCounts {
		// Counting from the day before makes the day of receipt the first.
		received = received.AddDate(0, 0, -1)
	}
	if k == OptOut && !p.OptOut.IsZero() {
		// An opt-out is carried out, not answered: no acknowledgement,
		// extension or second step (CCPA regulations §7026(f)).
		d.AnswerBy = add(received, p.OptOut)
		return d
	}
	d.WithoutDelay = p.WithoutDelay
	if !p.Acknowledge.IsZero() {
		d.AcknowledgeBy = add(received, p.Acknowledge)
	}
	d.AnswerBy = add(received, p.Answer)
	if !p.Extension.IsZero() {
		d.ExtendedBy = addTotal(received, p.Answer, p.Extension)
		tell := p.TellExtension
		if tell.IsZero() {
			tell = p.Answer
		}
		d.TellExtensionBy = add(received, tell)
		d.ExtensionReason = p.ExtensionReason
	}
	if !p.Act.IsZero() {
		d.ActBy = p.ActBy(d.AnswerBy)
	}
	return d
}

// ActBy returns when a decision told to the person at decided must be
// carried out, for a decide-then-act policy (LFPDPPP of 2025 Art. 31:
// within the 15 business days after it is told); the zero time if the policy has no such
// step. Due assumes the decision is told on its last day; once it is told,
// the caller stores ActBy(told) instead.
func (p Policy) ActBy(decided time.Time) time.Time {
	if p.Act.IsZero() {
		return time.Time{}
	}
	return add(decided.In(p.location()), p.Act)
}

// add returns the end of the last day of period p counted from the day of t,
// in t's location.
func add(t time.Time, p manifest.Period) time.Time {
	y, m, d := t.Date()
	switch p.Unit {
	case manifest.Months:
		y, m, d = addMonths(y, m, d, p.N)
	case manifest.BusinessDays:
		day := time.Date(y, m, d, 12, 0, 0, 0, time.UTC) // noon UTC: whole days, no DST
		for n := p.N; n > 0; {
			day = day.AddDate(0, 0, 1)
			if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
				n--
			}
		}
		y, m, d = day.Date()
	default: // days
		y, m, d = time.Date(y, m, d+p.N, 12, 0, 0, 0, time.UTC).Date()
	}
	return endOfDay(y, m, d, t.Location())
}

// addTotal returns the end of an answer period extended by ext: one period
// from receipt when both are in the same unit (one month extended by two is
// three months from receipt, as Art. 12(3) GDPR reads: "extended by two
// further months"), else ext counted from the end of the answer period.
func addTotal(t time.Time, answer, ext manifest.Period) time.Time {
	if answer.Unit == ext.Unit {
		return add(t, manifest.Period{N: answer.N + ext.N, Unit: answer.Unit})
	}
	return add(add(t, answer), ext)
}

// addMonths adds n calendar months to a date; a day the target month does
// not have becomes its last day (Regulation 1182/71, Art. 3(2)(c)).
func addMonths(y int, m time.Month, d, n int) (int, time.Month, int) {
	first := time.Date(y, m+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	ty, tm, _ := first.Date()
	last := first.AddDate(0, 1, -1).Day()
	return ty, tm, min(d, last)
}

// endOfDay is the last second of a day in loc. Even on a day when the clocks
// change, 23:59:59 exists in every zone that changes them at night.
func endOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, loc)
}
