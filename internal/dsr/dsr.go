// Package dsr runs data subject requests: a person files one through the
// privacy centre or the API, proves their address with an e-mailed code or
// link, and follows it on a private status page; staff work it from the
// console queue. Deadlines are computed once, at receipt, from the
// jurisdiction of the request (package deadline) and stored with it.
//
// Until a request is verified nothing about the person is looked up, and
// every answer to the submitter is the same whether Custos holds anything
// about the address or not. Every step is one transaction of the store:
// the request's new state, its timeline, the e-mails telling of it and the
// audit entry are written together, so a crash loses none of them.
package dsr

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/custos-privacy/custos/internal/connector/webhook"
	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// Limits of the public door. The zero value of a field takes its default.
type Limits struct {
	PerAddress     int           // submissions per address per Window (default 5)
	PerIP          int           // submissions per shortened IP per Window (default 20)
	Window         time.Duration // default 1h
	RequestsPerDay int           // new requests per address per 24 h, counted in the store (default 6)
}

func (l Limits) withDefaults() Limits {
	if l.PerAddress == 0 {
		l.PerAddress = 5
	}
	if l.PerIP == 0 {
		l.PerIP = 20
	}
	if l.Window == 0 {
		l.Window = time.Hour
	}
	if l.RequestsPerDay == 0 {
		// Each request allows 3 tries of its code: this bounds the guesses
		// at an address's codes to 18 a day, whatever the restarts and
		// nodes (odds of a hit under 1 in 50,000 a day).
		l.RequestsPerDay = 6
	}
	return l
}

// Verification windows (issue 5): a code lives 10 minutes and allows 3
// attempts; a link lives 24 hours. A request never verified is deleted
// when its last challenge's link expires.
const (
	CodeTTL     = 10 * time.Minute
	LinkTTL     = 24 * time.Hour
	MaxAttempts = 3
)

// ConsentRecorder records a consent choice; *consent.Service is one. A
// withdrawal or an objection is recorded through it, with a new receipt.
type ConsentRecorder interface {
	Record(ctx context.Context, in custos.ConsentInput, meta consent.Meta, idem *custos.Idempotency) (*custos.Consent, bool, error)
}

// ReplayStore remembers the webhook callbacks received (see
// webhook.ReplayGuard), checked against the service's clock; *store.DB is
// one. SeenAt is atomic, also across nodes: of any number of calls with
// the same key, one only returns false. DeleteReplays removes the keys no
// longer remembered at now.
type ReplayStore interface {
	SeenAt(ctx context.Context, key string, until, now time.Time) (bool, error)
	DeleteReplays(ctx context.Context, now time.Time) (int64, error)
}

// StaffDirectory lists the staff who receive the daily reminder.
type StaffDirectory interface {
	Users(ctx context.Context) ([]*custos.StaffUser, error)
}

// Service runs data subject requests. Its fields are set once, before use.
type Service struct {
	Store    custos.RequestStore
	Consents custos.ConsentStore
	Audit    custos.AuditStore // records staff views
	Recorder ConsentRecorder
	Staff    StaffDirectory // nil: no reminder e-mails
	// Jobs holds the steps of requests in the site's other systems; nil:
	// requests are answered from Custos's own data only.
	Jobs custos.JobStore
	// Engines opens the SQL systems the steps reach into.
	Engines Engines
	// KickJobs, if set, wakes the job runner after steps were queued.
	KickJobs func()
	// Secrets reads webhook systems' secrets; Webhooks delivers to them
	// (nil: a client per delivery with the system's timeout).
	Secrets  Secrets
	Webhooks *webhook.Client
	// Replays remembers the callbacks received, in the database, so that
	// a replay is refused on whichever node it arrives; *store.DB is one.
	// nil: they are remembered in memory, by this process only.
	Replays  ReplayStore
	Manifest func() *manifest.Manifest
	// Key keys the hashes of addresses, codes and status links; at least 32
	// bytes. Nodes of one cluster share it (see LoadOrCreateKey).
	Key []byte
	// PublicURL is the base of the links e-mailed to people, such as
	// https://privacy.example.com, without a trailing slash.
	PublicURL string
	Limits    Limits
	// AnswerTTL is how long an answer package can be downloaded before it is
	// deleted (default 7 days).
	AnswerTTL time.Duration
	// Kick, if set, wakes the mail deliverer after e-mails were queued.
	Kick func()
	Log  *slog.Logger
	Now  func() time.Time

	limiter   limiter
	guardOnce sync.Once
	replay    webhook.ReplayGuard // callbacks seen: Replays, or in memory
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) answerTTL() time.Duration {
	if s.AnswerTTL > 0 {
		return s.AnswerTTL
	}
	return 7 * 24 * time.Hour
}

func (s *Service) site(id string) *manifest.Site {
	if s.Manifest == nil {
		return nil
	}
	m := s.Manifest()
	if m == nil {
		return nil
	}
	return m.Site(id)
}

func (s *Service) kick() {
	if s.Kick != nil {
		s.Kick()
	}
}

// mac returns the hex HMAC-SHA256 under the service key of the parts,
// each prefixed by its length so that no two lists of parts collide.
func (s *Service) mac(parts ...string) string {
	h := hmac.New(sha256.New, s.Key)
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// EmailHash returns the keyed hash by which an address is looked up. The
// address is normalised first (trimmed, lowercased).
func (s *Service) EmailHash(email string) string {
	return s.mac("email", normalEmail(email))
}

// StatusToken returns the token of a request's private status link. It is
// derived from the id, so it can be e-mailed again without being stored.
func (s *Service) StatusToken(requestID string) string {
	sum, _ := hex.DecodeString(s.mac("status", requestID))
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}

// StatusURL is the private link to a request's status page.
func (s *Service) StatusURL(r *custos.Request) string {
	return s.PublicURL + "/privacy/" + r.Site + "/requests/" + r.ID + "?t=" + s.StatusToken(r.ID)
}

// CheckStatusToken reports whether token opens request id's status page.
func (s *Service) CheckStatusToken(id, token string) bool {
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.StatusToken(id))) == 1
}

func (s *Service) codeHash(challengeID, code string) string {
	return s.mac("code", challengeID, code)
}

func linkHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

var lowerB32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns prefix and 26 random base32 characters (128 bits).
func newID(prefix string) string {
	var b [16]byte
	rand.Read(b[:])
	return prefix + lowerB32.EncodeToString(b[:])
}

// newToken returns 256 random bits, base64url.
func newToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newCode returns a uniformly random 6-digit code.
func newCode() string {
	// 2^32 is not a multiple of 10^6: reject the top values to stay uniform.
	for {
		var b [4]byte
		rand.Read(b[:])
		n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		if n < 4294000000 {
			return fmt.Sprintf("%06d", n%1000000)
		}
	}
}

func normalEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// KeyBytes is the length of the key LoadOrCreateKey makes.
const KeyBytes = 32

// LoadOrCreateKey reads the request hashing key from path, creating it
// (32 random bytes, hex, mode 0600) if the file does not exist. Losing it
// makes the stored address hashes unmatchable: back it up with the
// signing key.
func LoadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, KeyBytes)
		rand.Read(key)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("creating the request key: %w", err)
		}
		if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("writing the request key: %w", err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
		return key, f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("reading the request key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < KeyBytes {
		return nil, fmt.Errorf("the request key %s is not %d hex-encoded bytes", path, KeyBytes)
	}
	return key, nil
}

// auditEntry is the audit entry of a step on request id.
func auditEntry(actor, action, id string) *custos.AuditEntry {
	return &custos.AuditEntry{Actor: actor, Action: action, ObjectType: "request", ObjectID: id}
}

// apply writes ch and wakes the deliverer if it queued e-mails.
func (s *Service) apply(ctx context.Context, ch *custos.RequestChange) error {
	if err := s.Store.ApplyRequestChange(ctx, ch); err != nil {
		return err
	}
	if len(ch.Mails) > 0 {
		s.kick()
	}
	return nil
}
