package custos

import (
	"context"
	"time"
)

// Role is what a staff member or an API token may do. Permissions are
// granted per role only (see package staff); there are no per-user grants.
type Role string

const (
	RoleAdmin          Role = "admin"           // staff accounts, settings, manifest; everything else too
	RolePrivacyOfficer Role = "privacy_officer" // consent records, requests, notices, reports
	RoleAnalyst        Role = "analyst"         // aggregate figures only, never a record about one person
	RoleAuditor        Role = "auditor"         // read-only everything, the audit trail included
)

// Roles lists every role, for validation and the permission matrix test.
var Roles = []Role{RoleAdmin, RolePrivacyOfficer, RoleAnalyst, RoleAuditor}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Audit actions of the staff console. The object id is always an id (a
// staff id, a consent id, a token id), never an e-mail address or a name.
const (
	AuditStaffCreated      = "staff.created"
	AuditStaffUpdated      = "staff.updated"        // role, password, second factor, disabled
	AuditStaffSignedIn     = "staff.signed_in"      // object: the staff id
	AuditStaffSignInFailed = "staff.sign_in_failed" // object: the staff id, when the address exists
	AuditStaffLocked       = "staff.locked"
	AuditStaffSignedOut    = "staff.signed_out"
	AuditTokenCreated      = "api_token.created"
	AuditTokenRevoked      = "api_token.revoked"
	AuditRecordViewed      = "record.viewed" // a staff member opened a record about one person
)

// Data category and purpose of the personal data Custos keeps about its own
// staff (their e-mail address, sessions), so those rows say what and why.
const (
	StaffDataCategory = "user.contact.email"
	StaffPurpose      = "staff_access_control"
)

// StaffUser is one staff account. Its e-mail address is personal data: the
// audit trail names the account by ID only.
type StaffUser struct {
	ID    string // "st_" + 26 base32 characters, random
	Email string // lowercased; unique
	Role  Role
	// PasswordHash is a PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash);
	// empty until the account is set up through its one-time link.
	PasswordHash string
	// TOTPSecret is the RFC 6238 shared secret (raw bytes); nil when no
	// second factor is enrolled. TOTPLastStep is the last time step accepted,
	// so a code is never accepted twice.
	TOTPSecret   []byte
	TOTPLastStep int64
	// RecoveryCodes are SHA-256 hex hashes of the unused recovery codes.
	RecoveryCodes []string
	Disabled      bool
	// SetupTokenHash is the SHA-256 hex of the one-time set-up (or reset)
	// token, and SetupExpires its end; empty once used.
	SetupTokenHash string
	SetupExpires   time.Time
	// LockedUntil is set after too many failed sign-ins.
	LockedUntil time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Version is the row's version as read. UpdateUser refuses, with
	// ECONFLICT, to write over a row changed since: a sign-in cannot undo a
	// disable or a reset that happened while it checked the password, and a
	// TOTP or recovery code is accepted once however many requests race.
	Version int64
}

// StaffSession is a signed-in browser. Only the SHA-256 of its token is
// stored; the token itself lives in the browser's cookie.
type StaffSession struct {
	TokenHash string // hex SHA-256 of the cookie's token
	UserID    string
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time // absolute end (CreatedAt + absolute timeout)
	UserAgent string    // for the staff member's own list of sessions; at most 200 bytes
	IPPrefix  string    // shortened, as for consents
}

// APIToken is a server-to-server credential with a role and an expiry,
// shown once at creation and stored hashed.
type APIToken struct {
	ID        string // "tk_" + 26 base32 characters; printed in the token itself
	Name      string
	Role      Role
	Hash      string // hex SHA-256 of the whole token
	CreatedBy string // staff id
	CreatedAt time.Time
	ExpiresAt time.Time
	Revoked   bool
	LastUsed  time.Time // zero if never used
}

// StaffStore keeps staff accounts, sessions and API tokens. Every method
// that changes an account or a token takes the audit entry to append in the
// same transaction (nil for none): the change and its record are one.
type StaffStore interface {
	// CreateUser stores u; ECONFLICT if the e-mail address is taken.
	CreateUser(ctx context.Context, u *StaffUser, audit *AuditEntry) error
	// UpdateUser replaces the stored account u.ID with u (ENOTFOUND if
	// absent, ECONFLICT if it changed since u was read: see Version).
	UpdateUser(ctx context.Context, u *StaffUser, audit *AuditEntry) error
	User(ctx context.Context, id string) (*StaffUser, error)               // ENOTFOUND if absent
	UserByEmail(ctx context.Context, email string) (*StaffUser, error)     // ENOTFOUND if absent; email is compared lowercased
	UserBySetupToken(ctx context.Context, hash string) (*StaffUser, error) // ENOTFOUND if absent
	Users(ctx context.Context) ([]*StaffUser, error)                       // ordered by e-mail

	// RecordSignInFailure notes a failed sign-in of user id at t and
	// returns how many failures the account has had since t minus one hour.
	RecordSignInFailure(ctx context.Context, id string, t time.Time) (lastHour int, err error)
	// ClearSignInFailures forgets an account's failures (after a success).
	ClearSignInFailures(ctx context.Context, id string) error

	CreateSession(ctx context.Context, s *StaffSession) error
	Session(ctx context.Context, tokenHash string) (*StaffSession, error) // ENOTFOUND if absent
	TouchSession(ctx context.Context, tokenHash string, t time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteUserSessions signs the user out everywhere.
	DeleteUserSessions(ctx context.Context, userID string) error
	UserSessions(ctx context.Context, userID string) ([]*StaffSession, error) // newest first
	// DeleteExpiredSessions removes sessions whose absolute end, or whose
	// last use plus idle, is before now; it returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error)

	CreateAPIToken(ctx context.Context, t *APIToken, audit *AuditEntry) error
	APITokenByHash(ctx context.Context, hash string) (*APIToken, error) // ENOTFOUND if absent
	APITokens(ctx context.Context) ([]*APIToken, error)                 // newest first
	RevokeAPIToken(ctx context.Context, id string, audit *AuditEntry) error
	TouchAPIToken(ctx context.Context, id string, t time.Time) error
}

// ConsentQuery selects ledger rows for the console.
type ConsentQuery struct {
	Site     string    // "" for every site
	Subject  string    // exact consent id, or ""
	ID       string    // exact receipt (record) id, or ""
	From, To time.Time // issued_at in [From, To); zero for open ends
	Limit    int       // at most this many, newest first; 0 means 100
	Before   string    // cursor: the id of the last row of the previous page
}

// ConsentReports answers the console's questions about the ledger.
type ConsentReports interface {
	// SearchConsents returns matching rows, newest first.
	SearchConsents(ctx context.Context, q ConsentQuery) ([]*Consent, error)
	// WalkConsents calls fn for each row issued in [from, to) of site ("" for
	// all), in issue order, without loading them all: the dashboard's
	// aggregates are computed from it.
	WalkConsents(ctx context.Context, site string, from, to time.Time, fn func(*Consent) error) error
}
