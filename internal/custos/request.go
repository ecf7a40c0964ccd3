package custos

import (
	"context"
	"time"
)

// RequestType is what a data subject asks for.
type RequestType string

// Request types. Objection carries a scope (Request.Objection); an
// objection to sale or sharing is the US "opt-out".
const (
	RequestInformation       RequestType = "information"        // what is processed about me and why (GDPR Art. 15(1))
	RequestAccess            RequestType = "access"             // a copy (Art. 15(3))
	RequestPortability       RequestType = "portability"        // machine-readable (Art. 20)
	RequestErasure           RequestType = "erasure"            // Art. 17
	RequestRectification     RequestType = "rectification"      // Art. 16, with the correction asked for
	RequestRestriction       RequestType = "restriction"        // Art. 18
	RequestObjection         RequestType = "objection"          // Art. 21; CCPA §1798.120 for sale or sharing
	RequestConsentWithdrawal RequestType = "consent_withdrawal" // Art. 7(3)
)

// RequestTypes lists every type, in the order forms show them.
var RequestTypes = []RequestType{RequestInformation, RequestAccess, RequestPortability, RequestErasure,
	RequestRectification, RequestRestriction, RequestObjection, RequestConsentWithdrawal}

// Valid reports whether t is one of RequestTypes.
func (t RequestType) Valid() bool {
	for _, x := range RequestTypes {
		if t == x {
			return true
		}
	}
	return false
}

// Scopes of an objection.
const (
	ObjectLegitimateInterests = "legitimate_interests" // all processing on legitimate interests (Art. 21(1))
	ObjectDirectMarketing     = "direct_marketing"     // Art. 21(2)
	ObjectSaleSharing         = "sale_sharing"         // sale or sharing (CCPA/CPRA opt-out)
)

// ObjectionScopes lists the scopes of an objection.
var ObjectionScopes = []string{ObjectLegitimateInterests, ObjectDirectMarketing, ObjectSaleSharing}

// RequestState is where a request stands.
type RequestState string

const (
	// StateUnverified: filed, the address not yet proven. Nothing about
	// the person is looked up; it is deleted when its challenges expire.
	StateUnverified RequestState = "unverified"
	// StateOpen: verified (or needing no verification), waiting for staff.
	StateOpen RequestState = "open"
	// StateInProgress: approved and carried out on Custos's own data; the
	// answer is ready to be sent (connectors add steps here).
	StateInProgress RequestState = "in_progress"
	StateCompleted  RequestState = "completed" // answered; the subject was told
	StateDenied     RequestState = "denied"    // refused with a reason; the subject was told
)

// RequestStates lists every state, in the order of a request's life.
var RequestStates = []RequestState{StateUnverified, StateOpen, StateInProgress, StateCompleted, StateDenied}

// Closed reports whether a request in state s is finished.
func (s RequestState) Closed() bool { return s == StateCompleted || s == StateDenied }

// Reasons to deny a request.
const (
	DenyNoMatch                  = "no_match"
	DenyInsufficientVerification = "insufficient_verification"
	DenyClaimNotCovered          = "claim_not_covered"
	DenyOutsideJurisdiction      = "outside_jurisdiction"
	DenyTooManyRequests          = "too_many_requests"
	DenySuspectedFraud           = "suspected_fraud"
	DenyOther                    = "other"
)

// DenyReasons lists the reasons a request can be denied for.
var DenyReasons = []string{DenyNoMatch, DenyInsufficientVerification, DenyClaimNotCovered,
	DenyOutsideJurisdiction, DenyTooManyRequests, DenySuspectedFraud, DenyOther}

// What Custos keeps about a person who files a request, and why: the
// address to answer them and to prove the request was handled (GDPR Art.
// 5(2), 12).
const (
	RequestDataCategory = "user.contact.email"
	RequestPurpose      = "request_handling"
	RequestLegalBasis   = "legal_obligation"
)

// Audit actions of data subject requests. The object is the request id.
const (
	AuditRequestReceived   = "request.received"
	AuditRequestVerified   = "request.verified"
	AuditRequestViewed     = "request.viewed"
	AuditRequestAssigned   = "request.assigned"
	AuditRequestNoted      = "request.noted"
	AuditRequestApproved   = "request.approved" // carried out on Custos's own data
	AuditRequestExtended   = "request.extended"
	AuditRequestDenied     = "request.denied"
	AuditRequestCompleted  = "request.completed"
	AuditRequestExpired    = "request.expired"   // never verified, deleted
	AuditAnswerDownloaded  = "answer.downloaded" // the subject fetched their package
	AuditRestrictionLifted = "restriction.lifted"
)

// Request is one data subject request. Its e-mail address is personal
// data: the audit trail names the request by ID only, and lookups go
// through EmailHash.
type Request struct {
	ID    string       `json:"id"` // "rq_" + 26 base32 characters, random
	Site  string       `json:"site"`
	Type  RequestType  `json:"type"`
	State RequestState `json:"state"`

	Email     string `json:"email"` // lowercased; "" once erased
	EmailHash string `json:"-"`     // keyed hash of Email: lookups, duplicates, suppression
	// ConsentSubject is the consent id of the browser the request was filed
	// from, given with the person's agreement, so their consent records are
	// included; "" if none.
	ConsentSubject string `json:"consent_subject,omitempty"`

	Locale       string `json:"locale"`
	Region       string `json:"region,omitempty"`
	Jurisdiction string `json:"jurisdiction"`
	Law          string `json:"law"` // deadline.Policy.Law at receipt

	Details   string `json:"details,omitempty"`   // the correction asked for, or a message
	Objection string `json:"objection,omitempty"` // scope, for an objection

	// The deadlines, computed once at receipt from the jurisdiction and
	// stored: a change of manifest or a restart never moves them.
	ReceivedAt      time.Time `json:"received_at"`
	AcknowledgeBy   time.Time `json:"acknowledge_by,omitzero"`
	DueAt           time.Time `json:"due_at"`              // the answer (or decision) is due; moves to ExtendedTo once extended
	ExtendMax       time.Time `json:"extend_max,omitzero"` // latest date an extension may reach; zero: cannot be extended
	TellExtensionBy time.Time `json:"tell_extension_by,omitzero"`
	ActBy           time.Time `json:"act_by,omitzero"` // decide-then-act laws (Mexico)
	WithoutDelay    bool      `json:"without_delay,omitempty"`
	Extended        bool      `json:"extended,omitempty"`
	ExtensionReason string    `json:"extension_reason,omitempty"`

	VerifiedAt time.Time `json:"verified_at,omitzero"`
	// ExpiresAt is when an unverified request is deleted.
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	AssignedTo string    `json:"assigned_to,omitempty"` // a staff id
	DenyReason string    `json:"deny_reason,omitempty"`
	DenyNote   string    `json:"deny_note,omitempty"` // told to the person
	// Result summarises what was done (counts per kind of record, what was
	// kept and why), as JSON; never personal data.
	Result    string    `json:"result,omitempty"`
	ClosedAt  time.Time `json:"closed_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version is the row's version as read; an update is refused with
	// ECONFLICT if the row changed since.
	Version int64 `json:"-"`
}

// Overdue reports whether r is open past its due date at now.
func (r *Request) Overdue(now time.Time) bool {
	return !r.State.Closed() && r.State != StateUnverified && now.After(r.DueAt)
}

// Challenge is one e-mailed proof of an address: a 6-digit code and a link,
// both stored as keyed hashes. A code lives 10 minutes and allows 3
// attempts; the link lives 24 hours; either works once.
type Challenge struct {
	ID          string // "ch_" + 26 base32; the form holds it to send the code
	RequestID   string
	CodeHash    string
	LinkHash    string
	CodeExpires time.Time
	LinkExpires time.Time
	Attempts    int
	UsedAt      time.Time // zero until used
	CreatedAt   time.Time
	Version     int64
}

// Request event kinds: the timeline a request's page shows.
const (
	EventReceived  = "received"
	EventMerged    = "merged" // the same request filed again while open
	EventVerified  = "verified"
	EventViewed    = "viewed"
	EventAssigned  = "assigned"
	EventNote      = "note"
	EventApproved  = "approved"
	EventExtended  = "extended"
	EventDenied    = "denied"
	EventCompleted = "completed"
	EventMailed    = "mailed"     // which e-mail (by template), never its text
	EventDownload  = "downloaded" // the subject fetched the answer
	EventReminded  = "reminded"
)

// RequestEvent is one line of a request's timeline. Note is free text of
// staff (a note, a reason); it belongs to the request and goes with it.
type RequestEvent struct {
	ID        int64     `json:"id"`
	RequestID string    `json:"request_id"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"` // "subject", "system", or a staff id
	Kind      string    `json:"kind"`
	Note      string    `json:"note,omitempty"`
}

// Answer is the package prepared for a request: a ZIP for access and
// portability, an HTML document for information. It is fetched through an
// expiring link after the person proves their address again, and deleted
// when it expires.
type Answer struct {
	RequestID   string
	ContentType string
	FileName    string
	Data        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Mail is one e-mail, queued in the same transaction as the change it tells
// of, so that a crash loses none. With no SMTP server configured the queue
// is the outbox the console shows.
type Mail struct {
	ID        int64     `json:"id"`
	RequestID string    `json:"request_id,omitempty"`
	Template  string    `json:"template"` // what it is: "verify", "received", "completed", ...
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	HTML      string    `json:"html,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at,omitzero"`
	LastError string    `json:"last_error,omitempty"` // from the server; never holds the message
}

// Subject marks.
const (
	MarkRestricted = "restricted" // Art. 18: nothing but storage until lifted
	MarkObjected   = "objected"   // Art. 21: Detail holds the scope
)

// SubjectMark records a restriction or an objection against a person (by
// the keyed hash of their address, and their consent ids).
type SubjectMark struct {
	ID        int64
	Site      string
	EmailHash string
	Kind      string
	Detail    string
	RequestID string
	Since     time.Time
	LiftedAt  time.Time // zero while in force
}

// SiteSubject names one consent id on one site.
type SiteSubject struct {
	Site    string
	Subject string
}

// Restrictions tells where Custos reads a person's consent records whether
// the person asked for restriction of processing (GDPR Art. 18): their
// data is stored, and not otherwise processed until the restriction is
// lifted. A consent id is restricted on a site when an address it is
// linked to there (SubjectLinks) has a MarkRestricted mark not lifted.
type Restrictions interface {
	// SubjectRestricted reports whether consentSubject is restricted on site.
	SubjectRestricted(ctx context.Context, site, consentSubject string) (bool, error)
	// SubjectRestrictions returns the restrictions in force that cover
	// consentSubject on site, oldest first; an empty, non-nil slice if
	// there are none.
	SubjectRestrictions(ctx context.Context, site, consentSubject string) ([]*SubjectMark, error)
	// RestrictedSubjects returns the consent ids under a restriction in
	// force on site ("" for every site), sorted by site then consent id.
	RestrictedSubjects(ctx context.Context, site string) ([]SiteSubject, error)
}

// Erasure is what an erasure removes from Custos's own data, set by the
// service and carried out by the store in the request's transaction.
type Erasure struct {
	Site      string
	EmailHash string
	Subjects  []string // consent ids linked to the person
	// Consents: delete the consent records of Subjects (unless the manifest
	// keeps them for a legal obligation).
	Consents bool
	// Suppression is the keyed hash kept so a later import does not bring
	// the person back.
	Suppression string
	// Counts is set by the store: rows removed or cleared per kind.
	Counts map[string]int64
}

// RequestChange is everything one step of a request writes, in one
// transaction with its audit entry.
type RequestChange struct {
	Request   *Request   // inserted if Version is 0, else updated if unchanged since read (ECONFLICT otherwise)
	Challenge *Challenge // inserted if Version is 0, else updated if unchanged since read
	Events    []*RequestEvent
	Mails     []*Mail
	Answer    *Answer        // replaces the request's answer
	Links     []string       // consent ids to link to Request's address
	Marks     []*SubjectMark // inserted, or (with an ID) lifted
	Erasure   *Erasure
	Audit     *AuditEntry
}

// RequestQuery selects requests for the staff queue. Zero fields do not
// filter. Results are sorted by due date, earliest first.
type RequestQuery struct {
	Site         string
	Type         RequestType
	State        RequestState
	Jurisdiction string
	Open         bool      // not closed and verified (open or in progress)
	DueBefore    time.Time // due before this time (combine with Open for the open ones)
	EmailHash    string
	Limit        int
}

// RequestStore keeps data subject requests, their challenges, timelines,
// answers and e-mails.
type RequestStore interface {
	// ApplyRequestChange writes ch in one transaction. It sets the ids,
	// versions and times of what it inserts.
	ApplyRequestChange(ctx context.Context, ch *RequestChange) error

	Request(ctx context.Context, id string) (*Request, error)
	Requests(ctx context.Context, q RequestQuery) ([]*Request, error)
	// OpenRequest returns the request of site, type and address that is not
	// closed (unverified included), ENOTFOUND if none.
	OpenRequest(ctx context.Context, site string, t RequestType, emailHash string) (*Request, error)
	// CountRequestsSince counts the requests filed for the address since t,
	// for the per-address rate limit.
	CountRequestsSince(ctx context.Context, emailHash string, since time.Time) (int, error)
	RequestEvents(ctx context.Context, requestID string) ([]*RequestEvent, error)

	Challenge(ctx context.Context, id string) (*Challenge, error)
	ChallengeByLink(ctx context.Context, linkHash string) (*Challenge, error)
	// CountAttempt counts one attempt at challenge id's code, atomically,
	// while the code may be tried at now (unused, unexpired, fewer than max
	// attempts), and returns the challenge as it stands; counted reports
	// whether the attempt may compare the code. ENOTFOUND if absent.
	CountAttempt(ctx context.Context, id string, max int, now time.Time) (c *Challenge, counted bool, err error)

	Answer(ctx context.Context, requestID string) (*Answer, error)

	// SubjectLinks returns the consent ids linked to the address on site.
	SubjectLinks(ctx context.Context, site, emailHash string) ([]string, error)
	SubjectMarks(ctx context.Context, site, emailHash string) ([]*SubjectMark, error)
	Suppressed(ctx context.Context, site, hash string) (bool, error)

	// ExpireRequests deletes unverified requests whose ExpiresAt is before
	// now (with their challenges, events and mails) and answers
	// past their ExpiresAt, writing one audit entry per expired request.
	ExpireRequests(ctx context.Context, now time.Time) (requests, answers int, err error)

	// PendingMails returns unsent mails due at now, oldest first.
	PendingMails(ctx context.Context, now time.Time, limit int) ([]*Mail, error)
	// MailSent marks a mail sent; MailFailed records a failed attempt and
	// when to try again.
	MailSent(ctx context.Context, id int64, at time.Time) error
	MailFailed(ctx context.Context, id int64, errText string, next time.Time) error
	// Mails returns the newest mails first (the outbox); Mail one of them.
	Mails(ctx context.Context, limit int) ([]*Mail, error)
	Mail(ctx context.Context, id int64) (*Mail, error)

	// ClaimDaily reports whether the job name has not run on day
	// (YYYY-MM-DD) yet and records that it has; of several nodes asking,
	// one gets true.
	ClaimDaily(ctx context.Context, name, day string) (bool, error)
}
