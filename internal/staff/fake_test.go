package staff

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// fakeStore is an in-memory custos.StaffStore. It hands out and keeps
// copies, so that a change the service forgets to store is lost as it
// would be with a database.
type fakeStore struct {
	mu       sync.Mutex
	users    map[string]*custos.StaffUser
	sessions map[string]*custos.StaffSession
	tokens   map[string]*custos.APIToken // by id
	failures map[string][]time.Time
	audit    []custos.AuditEntry // entries passed to store methods
	calls    map[string]int
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		users:    map[string]*custos.StaffUser{},
		sessions: map[string]*custos.StaffSession{},
		tokens:   map[string]*custos.APIToken{},
		failures: map[string][]time.Time{},
		calls:    map[string]int{},
	}
}

var _ custos.StaffStore = (*fakeStore)(nil)

func notFound(what string) error { return custos.Errorf(custos.ENOTFOUND, "%s not found", what) }

func copyUser(u *custos.StaffUser) *custos.StaffUser {
	c := *u
	c.TOTPSecret = slices.Clone(u.TOTPSecret)
	c.RecoveryCodes = slices.Clone(u.RecoveryCodes)
	return &c
}

func (f *fakeStore) record(a *custos.AuditEntry) {
	if a != nil {
		f.audit = append(f.audit, *a)
	}
}

func (f *fakeStore) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fakeStore) CreateUser(ctx context.Context, u *custos.StaffUser, a *custos.AuditEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range f.users {
		if x.Email == strings.ToLower(u.Email) {
			// Deliberately names the address: the service must not pass it on.
			return custos.Errorf(custos.ECONFLICT, "e-mail address %s is taken", u.Email)
		}
	}
	f.users[u.ID] = copyUser(u)
	f.record(a)
	return nil
}

func (f *fakeStore) UpdateUser(ctx context.Context, u *custos.StaffUser, a *custos.AuditEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["UpdateUser"]++
	cur, ok := f.users[u.ID]
	if !ok {
		return notFound("staff")
	}
	if cur.Version != u.Version {
		return custos.Errorf(custos.ECONFLICT, "the staff account changed since it was read")
	}
	u.Version++
	f.users[u.ID] = copyUser(u)
	f.record(a)
	return nil
}

func (f *fakeStore) User(ctx context.Context, id string) (*custos.StaffUser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[id]
	if !ok {
		return nil, notFound("staff")
	}
	return copyUser(u), nil
}

func (f *fakeStore) UserByEmail(ctx context.Context, email string) (*custos.StaffUser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.users {
		if u.Email == strings.ToLower(email) {
			return copyUser(u), nil
		}
	}
	return nil, notFound("staff")
}

func (f *fakeStore) UserBySetupToken(ctx context.Context, hash string) (*custos.StaffUser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.users {
		if hash != "" && u.SetupTokenHash == hash {
			return copyUser(u), nil
		}
	}
	return nil, notFound("staff")
}

func (f *fakeStore) Users(ctx context.Context) ([]*custos.StaffUser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var us []*custos.StaffUser
	for _, u := range f.users {
		us = append(us, copyUser(u))
	}
	slices.SortFunc(us, func(a, b *custos.StaffUser) int { return strings.Compare(a.Email, b.Email) })
	return us, nil
}

func (f *fakeStore) RecordSignInFailure(ctx context.Context, id string, t time.Time) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["RecordSignInFailure"]++
	f.failures[id] = append(f.failures[id], t)
	n := 0
	for _, x := range f.failures[id] {
		if x.After(t.Add(-time.Hour)) {
			n++
		}
	}
	return n, nil
}

func (f *fakeStore) ClearSignInFailures(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.failures, id)
	return nil
}

func (f *fakeStore) failureCount(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.failures[id])
}

func (f *fakeStore) CreateSession(ctx context.Context, s *custos.StaffSession) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := *s
	f.sessions[s.TokenHash] = &c
	return nil
}

func (f *fakeStore) Session(ctx context.Context, hash string) (*custos.StaffSession, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[hash]
	if !ok {
		return nil, notFound("session")
	}
	c := *s
	return &c, nil
}

func (f *fakeStore) TouchSession(ctx context.Context, hash string, t time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["TouchSession"]++
	if s, ok := f.sessions[hash]; ok {
		s.LastSeen = t
	}
	return nil
}

func (f *fakeStore) DeleteSession(ctx context.Context, hash string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, hash)
	return nil
}

func (f *fakeStore) DeleteUserSessions(ctx context.Context, userID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for h, s := range f.sessions {
		if s.UserID == userID {
			delete(f.sessions, h)
		}
	}
	return nil
}

func (f *fakeStore) UserSessions(ctx context.Context, userID string) ([]*custos.StaffSession, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ss []*custos.StaffSession
	for _, s := range f.sessions {
		if s.UserID == userID {
			c := *s
			ss = append(ss, &c)
		}
	}
	slices.SortFunc(ss, func(a, b *custos.StaffSession) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return ss, nil
}

func (f *fakeStore) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for h, s := range f.sessions {
		if s.ExpiresAt.Before(now) || s.LastSeen.Add(idle).Before(now) {
			delete(f.sessions, h)
			n++
		}
	}
	return n, nil
}

func (f *fakeStore) CreateAPIToken(ctx context.Context, t *custos.APIToken, a *custos.AuditEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := *t
	f.tokens[t.ID] = &c
	f.record(a)
	return nil
}

func (f *fakeStore) APITokenByHash(ctx context.Context, hash string) (*custos.APIToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range f.tokens {
		if t.Hash == hash {
			c := *t
			return &c, nil
		}
	}
	return nil, notFound("token")
}

func (f *fakeStore) APITokens(ctx context.Context) ([]*custos.APIToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ts []*custos.APIToken
	for _, t := range f.tokens {
		c := *t
		ts = append(ts, &c)
	}
	return ts, nil
}

func (f *fakeStore) RevokeAPIToken(ctx context.Context, id string, a *custos.AuditEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[id]
	if !ok {
		return notFound("token")
	}
	t.Revoked = true
	f.record(a)
	return nil
}

func (f *fakeStore) TouchAPIToken(ctx context.Context, id string, t time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["TouchAPIToken"]++
	if x, ok := f.tokens[id]; ok {
		x.LastUsed = t
	}
	return nil
}

// fakeAudit collects the entries appended on their own.
type fakeAudit struct {
	mu      sync.Mutex
	entries []custos.AuditEntry
}

func (a *fakeAudit) AppendAudit(ctx context.Context, e *custos.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, *e)
	return nil
}

func (a *fakeAudit) actions() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var s []string
	for _, e := range a.entries {
		s = append(s, e.Action)
	}
	return s
}

func (a *fakeAudit) count(action string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, e := range a.entries {
		if e.Action == action {
			n++
		}
	}
	return n
}
