package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-privacy/custos/internal/connector/sqlds"
)

// system is one database of the benchmark with its engine.
type system struct {
	id   string // the system's id in the package: "shop-postgres", "shop-mariadb"
	name string // PostgreSQL, MariaDB
	eng  *sqlds.Engine
}

// tableRows is one table's rows in a system's part of the package.
type tableRows struct {
	Table string           `json:"table"`
	Rows  []map[string]any `json:"rows"`
}

// systemPart is what one system answered.
type systemPart struct {
	System string      `json:"system"`
	Tables []tableRows `json:"tables"`
	rows   int
	took   time.Duration
}

// accessPart runs the walk and the access on one system and groups the
// rows per table, as the package holds them.
func accessPart(ctx context.Context, s *system, ids map[string]string) (*systemPart, error) {
	t0 := time.Now()
	p := &systemPart{System: s.id}
	err := s.eng.Access(ctx, ids, func(table string, row map[string]any) error {
		if n := len(p.Tables); n == 0 || p.Tables[n-1].Table != table {
			p.Tables = append(p.Tables, tableRows{Table: table})
		}
		t := &p.Tables[len(p.Tables)-1]
		t.Rows = append(t.Rows, row)
		p.rows++
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: access: %w", s.name, err)
	}
	p.took = time.Since(t0)
	return p, nil
}

// accessPackage is the JSON of the answer: every system's part.
func accessPackage(parts []*systemPart) ([]byte, error) {
	return json.Marshal(struct {
		Systems []*systemPart `json:"systems"`
	}{parts})
}

// accessResult is one access request, end to end.
type accessResult struct {
	total time.Duration   // both systems concurrently, then the JSON
	per   []time.Duration // each system's walk and access
	json  time.Duration
	rows  []int // per system
	bytes int
}

// accessOne answers one access request across all systems: their steps
// concurrently, then the package's JSON.
func accessOne(ctx context.Context, systems []*system, ids map[string]string) (*accessResult, error) {
	t0 := time.Now()
	parts := make([]*systemPart, len(systems))
	errs := make([]error, len(systems))
	var wg sync.WaitGroup
	for i, s := range systems {
		wg.Go(func() { parts[i], errs[i] = accessPart(ctx, s, ids) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	t1 := time.Now()
	b, err := accessPackage(parts)
	if err != nil {
		return nil, err
	}
	r := &accessResult{total: time.Since(t0), json: time.Since(t1), bytes: len(b)}
	for _, p := range parts {
		r.per = append(r.per, p.took)
		r.rows = append(r.rows, p.rows)
	}
	return r, nil
}

// eraseResult is one erasure, end to end.
type eraseResult struct {
	total    time.Duration
	per      []time.Duration
	affected []int64 // rows deleted or masked, per system
	reached  []int64 // the person's rows the walk reached, per system
}

// eraseOne erases one person in every system, each in its own
// transaction, concurrently, and encodes the reports as the step results
// would be kept.
func eraseOne(ctx context.Context, systems []*system, ids map[string]string) (*eraseResult, error) {
	t0 := time.Now()
	reps := make([]*sqlds.Report, len(systems))
	took := make([]time.Duration, len(systems))
	errs := make([]error, len(systems))
	var wg sync.WaitGroup
	for i, s := range systems {
		wg.Go(func() {
			t := time.Now()
			reps[i], errs[i] = s.eng.Erase(ctx, ids)
			took[i] = time.Since(t)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("%s: erase: %w", s.name, errs[i])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if _, err := json.Marshal(reps); err != nil {
		return nil, err
	}
	r := &eraseResult{total: time.Since(t0), per: took}
	for _, rep := range reps {
		r.affected = append(r.affected, rep.Affected())
		var n int64
		for _, t := range rep.Tables {
			n += t.Rows
		}
		r.reached = append(r.reached, n)
	}
	return r, nil
}

// poolResult is the queued run.
type poolResult struct {
	wall       time.Duration
	done       int
	rows       int64
	bytes      int64
	mismatches int             // requests whose systems returned different numbers of rows
	latency    []time.Duration // from the start of the run to each request's package
	busy       []time.Duration // per system: the sum of its steps' times
}

// pool answers the queued access requests: each system has its own pool
// of workers taking the requests' steps in queue order; a request is
// fulfilled when its last step has answered and its package is built.
func pool(ctx context.Context, systems []*system, reqs []map[string]string, workers int) (*poolResult, error) {
	type pending struct {
		parts []*systemPart
		left  atomic.Int32
	}
	pend := make([]*pending, len(reqs))
	for i := range pend {
		pend[i] = &pending{parts: make([]*systemPart, len(systems))}
		pend[i].left.Store(int32(len(systems)))
	}
	res := &poolResult{latency: make([]time.Duration, len(reqs)), busy: make([]time.Duration, len(systems))}
	var (
		mu       sync.Mutex
		firstErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	queues := make([]chan int, len(systems))
	for i := range queues {
		queues[i] = make(chan int, len(reqs))
		for j := range reqs {
			queues[i] <- j
		}
		close(queues[i])
	}
	start := time.Now()
	var wg sync.WaitGroup
	for si, s := range systems {
		for range workers {
			wg.Go(func() {
				for j := range queues[si] {
					if ctx.Err() != nil {
						return
					}
					p, err := accessPart(ctx, s, reqs[j])
					if err != nil {
						fail(err)
						return
					}
					pr := pend[j]
					pr.parts[si] = p
					mu.Lock()
					res.busy[si] += p.took
					mu.Unlock()
					if pr.left.Add(-1) != 0 {
						continue
					}
					// The last step of the request: build its package.
					b, err := accessPackage(pr.parts)
					if err != nil {
						fail(err)
						return
					}
					lat := time.Since(start)
					mu.Lock()
					res.latency[j] = lat
					res.done++
					res.bytes += int64(len(b))
					for _, q := range pr.parts {
						res.rows += int64(q.rows)
						if q.rows != pr.parts[0].rows {
							res.mismatches++
							break
						}
					}
					mu.Unlock()
					pend[j] = nil // let the rows go
				}
			})
		}
	}
	wg.Wait()
	res.wall = time.Since(start)
	if firstErr != nil {
		return nil, firstErr
	}
	if res.done != len(reqs) {
		return nil, fmt.Errorf("pool: %d of %d requests fulfilled", res.done, len(reqs))
	}
	return res, nil
}

// stats are the nearest-rank percentiles of a sample.
type stats struct {
	p50, p95, max, min time.Duration
	mean               time.Duration
}

func summarise(d []time.Duration) stats {
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		k := int(float64(len(s))*p+0.999999) - 1
		return s[max(0, min(k, len(s)-1))]
	}
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	return stats{p50: rank(0.50), p95: rank(0.95), max: s[len(s)-1], min: s[0], mean: sum / time.Duration(len(s))}
}
