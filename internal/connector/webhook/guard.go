package webhook

import (
	"context"
	"sync"
	"time"
)

// ReplayGuard remembers the messages received, so that one sent again
// (replayed by whoever copied it on its way) is refused. A message is
// known by ReplayKey: its id and the timestamp of its signature. It need
// only be remembered until its timestamp is out of tolerance: from then
// on Verify refuses it anyway.
type ReplayGuard interface {
	// Seen reports whether key was recorded before and is still remembered;
	// if not, it records key, to be remembered until until. It is atomic:
	// of two calls with the same key, one only returns false.
	Seen(ctx context.Context, key string, until time.Time) (bool, error)
}

// MemoryGuard is a ReplayGuard in memory, for one process: with several
// nodes behind a load balancer, a replay that reaches another node passes
// it. Custos's server therefore checks callbacks against the guard in its
// database (store.DB, through dsr.Service.Replays), which every node
// shares; MemoryGuard is for a processor of one process, for tests, and
// for a dsr.Service built without Replays. The zero value is ready.
type MemoryGuard struct {
	// Now is the clock that expires keys; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	seen    map[string]time.Time
	sweepAt int
}

// NewMemoryGuard returns an empty MemoryGuard.
func NewMemoryGuard() *MemoryGuard { return &MemoryGuard{} }

// Seen implements ReplayGuard. Expired keys are swept as keys are added,
// so memory holds about the keys of the tolerance window.
func (g *MemoryGuard) Seen(_ context.Context, key string, until time.Time) (bool, error) {
	now := time.Now()
	if g.Now != nil {
		now = g.Now()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if exp, ok := g.seen[key]; ok && now.Before(exp) {
		return true, nil
	}
	if g.seen == nil {
		g.seen = map[string]time.Time{}
	}
	g.seen[key] = until
	if len(g.seen) >= g.sweepAt {
		for k, exp := range g.seen {
			if !now.Before(exp) {
				delete(g.seen, k)
			}
		}
		g.sweepAt = max(1024, 2*len(g.seen))
	}
	return false, nil
}

// Len returns how many keys g remembers, expired or not yet swept.
func (g *MemoryGuard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.seen)
}
