package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/jobs"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

var t0 = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// outcomes records what Notify was told, per job key.
type outcomes struct {
	mu sync.Mutex
	m  map[string][]custos.JobState
}

func (o *outcomes) notify(_ context.Context, j *custos.Job, s custos.JobState) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[string][]custos.JobState{}
	}
	o.m[j.Key] = append(o.m[j.Key], s)
}

func (o *outcomes) of(key string) []custos.JobState {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.m[key])
}

func job(key string, deps ...string) *custos.Job {
	return &custos.Job{Kind: custos.JobRequestStep, RequestID: "rq_1", Key: key, DependsOn: deps}
}

func enqueue(t *testing.T, db *store.DB, js ...*custos.Job) {
	t.Helper()
	if err := db.EnqueueJobs(context.Background(), js, nil); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, db *store.DB, key string) *custos.Job {
	t.Helper()
	j, err := db.JobByKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func runOnce(t *testing.T, r *jobs.Runner, want int) {
	t.Helper()
	n, err := r.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("RunOnce ran %d jobs, want %d", n, want)
	}
}

func TestRunOnce(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		var out outcomes
		calls := 0
		r := &jobs.Runner{
			Store: db,
			Now:   clk.Now,
			Handlers: map[string]jobs.Handler{custos.JobRequestStep: func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
				calls++
				if string(j.Payload) != `{"system":"shop"}` || j.Attempts != 1 || j.Checkpoint != nil {
					t.Errorf("handler got %+v", j)
				}
				j.Payload[0] = 'X' // the handler's copy is its own
				return json.RawMessage(`{"erased":{"customers":1}}`), nil
			}},
			Audit: func(j *custos.Job, result json.RawMessage) *custos.AuditEntry {
				return &custos.AuditEntry{Actor: "system", Action: custos.AuditJobDone, ObjectType: "job", ObjectID: j.Key}
			},
			Notify: out.notify,
		}
		j := job("rq_1/system/shop/erasure")
		j.Payload = json.RawMessage(`{"system":"shop"}`)
		other := &custos.Job{Kind: "unhandled", Key: "other"}
		enqueue(t, db, j, other)
		runOnce(t, r, 1)
		got := read(t, db, j.Key)
		if got.State != custos.JobDone || string(got.Result) != `{"erased":{"customers":1}}` || string(got.Payload) != `{"system":"shop"}` || calls != 1 {
			t.Errorf("after RunOnce: %+v (%d calls)", got, calls)
		}
		if diff := cmp.Diff([]custos.JobState{custos.JobDone}, out.of(j.Key)); diff != "" {
			t.Errorf("Notify (-want +got):\n%s", diff)
		}
		if seq, _, _ := db.AuditHead(ctx); seq != 1 {
			t.Errorf("audit head %d, want the job.done entry", seq)
		}
		// Nothing left that it has a handler for.
		runOnce(t, r, 0)
		if read(t, db, "other").State != custos.JobPending {
			t.Error("a job of a kind without a handler was claimed")
		}
		if _, err := (&jobs.Runner{Store: db}).RunOnce(ctx); err == nil {
			t.Error("a runner without handlers ran")
		}
		if err := (&jobs.Runner{Store: db}).Run(ctx); err == nil {
			t.Error("a runner without handlers ran")
		}
	})
}

// TestRunnerDependencies: a step runs only after the steps it depends on.
func TestRunnerDependencies(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		var (
			mu    sync.Mutex
			order []string
		)
		r := &jobs.Runner{
			Store:       db,
			Concurrency: 4,
			Handlers: map[string]jobs.Handler{custos.JobRequestStep: func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
				mu.Lock()
				order = append(order, j.Key)
				mu.Unlock()
				return nil, nil
			}},
		}
		// The orders reference the customers; the lines the orders.
		enqueue(t, db, job("lines", "orders"), job("orders", "customers"), job("customers"), job("tickets", "customers"))
		runOnce(t, r, 1)
		runOnce(t, r, 2)
		runOnce(t, r, 1)
		runOnce(t, r, 0)
		if order[0] != "customers" || order[3] != "lines" || !slices.Contains(order[1:3], "orders") || !slices.Contains(order[1:3], "tickets") {
			t.Errorf("ran in the order %v", order)
		}
	})
}

// TestRunnerCrashResume: a runner took a step, recorded that it had done
// two of its tables, and died. Once the lease ran out another runner takes
// the step over from its checkpoint: no table is erased twice and the
// result is the same as without the crash.
func TestRunnerCrashResume(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		tables := []string{"payments", "order_lines", "orders", "customers"}
		erased := map[string]int{}
		type progress struct {
			Done []string `json:"done"`
		}
		handler := func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
			var p progress
			if j.Checkpoint != nil {
				if err := json.Unmarshal(j.Checkpoint, &p); err != nil {
					return nil, err
				}
			}
			for _, tb := range tables {
				if slices.Contains(p.Done, tb) {
					continue
				}
				erased[tb]++
				p.Done = append(p.Done, tb)
				b, _ := json.Marshal(p)
				if err := cp.Save(ctx, b); err != nil {
					return nil, err
				}
			}
			return json.Marshal(p)
		}
		enqueue(t, db, job("rq_1/system/shop/erasure"))

		// The runner that dies: it claims the step, erases two tables,
		// records them and is gone.
		held, err := db.ClaimJobs(ctx, clk.Now(), time.Minute, 1)
		if err != nil || len(held) != 1 {
			t.Fatal(held, err)
		}
		for _, tb := range tables[:2] {
			erased[tb]++
		}
		if err := db.Checkpoint(ctx, held[0], json.RawMessage(`{"done":["payments","order_lines"]}`), clk.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}

		var out outcomes
		r := &jobs.Runner{Store: db, Now: clk.Now, Handlers: map[string]jobs.Handler{custos.JobRequestStep: handler}, Notify: out.notify}
		clk.Add(59 * time.Second)
		runOnce(t, r, 0) // its lease still holds
		clk.Add(2 * time.Second)
		runOnce(t, r, 1)
		got := read(t, db, "rq_1/system/shop/erasure")
		if got.State != custos.JobDone || got.Attempts != 2 || got.Claim != 2 {
			t.Errorf("after resume: %+v", got)
		}
		if want := map[string]int{"payments": 1, "order_lines": 1, "orders": 1, "customers": 1}; !cmp.Equal(erased, want) {
			t.Errorf("tables erased %v, want each once", erased)
		}
		if string(got.Result) != `{"done":["payments","order_lines","orders","customers"]}` {
			t.Errorf("result %s", got.Result)
		}
		// The dead runner, were it to come back, can record nothing.
		if err := db.FinishJob(ctx, held[0], nil, nil); custos.ErrorCode(err) != custos.ECONFLICT {
			t.Errorf("the dead runner's finish: %v", err)
		}
	})
}

// TestRunnerBackoff: a failing step is tried again later and later, then
// is dead; staff retry it.
func TestRunnerBackoff(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		var out outcomes
		fail := true
		runs := 0
		r := &jobs.Runner{Store: db, Now: clk.Now, Notify: out.notify, Handlers: map[string]jobs.Handler{
			custos.JobRequestStep: func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
				runs++
				if fail {
					return nil, fmt.Errorf("system shop: %s", strings.Repeat("connection refused; ", 50))
				}
				return nil, nil
			}}}
		j := job("rq_1/system/shop/erasure")
		j.MaxAttempts = 3
		enqueue(t, db, j)

		runOnce(t, r, 1)
		got := read(t, db, j.Key)
		if got.State != custos.JobFailed || got.Attempts != 1 || len(got.Error) != custos.MaxJobError || !strings.HasPrefix(got.Error, "system shop: connection refused") {
			t.Errorf("after one failure: %+v", got)
		}
		if wait := got.NextAt.Sub(t0); wait < 24*time.Second || wait > 36*time.Second {
			t.Errorf("first back-off %v, want 30s ± 20%%", wait)
		}
		runOnce(t, r, 0) // not due yet
		clk.Set(got.NextAt)
		runOnce(t, r, 1)
		got2 := read(t, db, j.Key)
		if wait := got2.NextAt.Sub(got.NextAt); got2.State != custos.JobFailed || wait < 48*time.Second || wait > 72*time.Second {
			t.Errorf("second back-off %v (%s), want 1m ± 20%%", wait, got2.State)
		}
		clk.Set(got2.NextAt)
		runOnce(t, r, 1)
		got3 := read(t, db, j.Key)
		if got3.State != custos.JobDead || got3.Attempts != 3 || !got3.NextAt.IsZero() {
			t.Errorf("after MaxAttempts: %+v", got3)
		}
		clk.Add(24 * time.Hour)
		runOnce(t, r, 0) // dead is dead
		if diff := cmp.Diff([]custos.JobState{custos.JobFailed, custos.JobFailed, custos.JobDead}, out.of(j.Key)); diff != "" {
			t.Errorf("Notify (-want +got):\n%s", diff)
		}

		// Staff retry it once the system is back.
		fail = false
		if err := db.RetryJob(ctx, got3.ID, nil); err != nil {
			t.Fatal(err)
		}
		runOnce(t, r, 1)
		if got := read(t, db, j.Key); got.State != custos.JobDone || got.Attempts != 1 || got.Error != "" || runs != 4 {
			t.Errorf("after retry: %+v, %d runs", got, runs)
		}
	})
}

func TestBackoff(t *testing.T) {
	for attempt := 1; attempt <= 100; attempt++ {
		want := time.Hour
		if attempt < 9 {
			want = min(30*time.Second<<(attempt-1), time.Hour)
		}
		for range 20 {
			d := jobs.Backoff(attempt)
			if d < want*8/10 || d > min(want*12/10, time.Hour) {
				t.Fatalf("Backoff(%d) = %v, want %v ± 20%% and at most an hour", attempt, d, want)
			}
		}
	}
}

// TestRunnerRetryAfter: a failure that asks to wait longer than the
// back-off (a processor's Retry-After) is tried again no sooner; one that
// asks for less keeps the back-off.
func TestRunnerRetryAfter(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		clk := newClock()
		after := 3 * time.Hour
		r := &jobs.Runner{Store: db, Now: clk.Now, Handlers: map[string]jobs.Handler{
			custos.JobRequestStep: func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
				return nil, jobs.RetryAfter(errors.New("the processor answered 503"), after)
			}}}
		enqueue(t, db, job("k"))
		runOnce(t, r, 1)
		got := read(t, db, "k")
		if got.State != custos.JobFailed || got.Error != "the processor answered 503" || !got.NextAt.Equal(t0.Add(3*time.Hour)) {
			t.Errorf("after a failure asking for 3h: %s %q next %v", got.State, got.Error, got.NextAt.Sub(t0))
		}
		after = time.Second
		clk.Set(got.NextAt)
		runOnce(t, r, 1)
		got2 := read(t, db, "k")
		if wait := got2.NextAt.Sub(got.NextAt); wait < 48*time.Second || wait > 72*time.Second {
			t.Errorf("a failure asking for 1s waits %v, want the back-off (1m ± 20%%)", wait)
		}
	})
}

// TestRunnerPermanent: an error that retrying cannot cure makes the job
// dead at once.
func TestRunnerPermanent(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		r := &jobs.Runner{Store: db, Handlers: map[string]jobs.Handler{
			custos.JobRequestStep: func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
				return nil, jobs.Permanent(errors.New("the processor refused the request: unknown system"))
			}}}
		enqueue(t, db, job("k"))
		runOnce(t, r, 1)
		if got := read(t, db, "k"); got.State != custos.JobDead || got.Attempts != 1 || got.Error != "the processor refused the request: unknown system" {
			t.Errorf("after a permanent error: %+v", got)
		}
	})
}

// TestRunnerWait: a step that waits for a processor's callback is not run
// again; the callback completes it and the steps after it run.
func TestRunnerWait(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var out outcomes
		runs := map[string]int{}
		r := &jobs.Runner{Store: db, Notify: out.notify, Handlers: map[string]jobs.Handler{
			custos.JobRequestStep: func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
				runs[j.Key]++
				if j.Key == "crm" {
					return json.RawMessage(`{"delivery":"d1"}`), fmt.Errorf("delivered, no answer yet: %w", jobs.ErrWait)
				}
				return nil, nil
			}}}
		enqueue(t, db, job("crm"), job("summary", "crm"))
		runOnce(t, r, 1)
		crm := read(t, db, "crm")
		if crm.State != custos.JobWaiting || string(crm.Result) != `{"delivery":"d1"}` || crm.Error != "" {
			t.Errorf("waiting: %+v", crm)
		}
		runOnce(t, r, 0)
		if _, err := db.CompleteWaiting(ctx, crm.ID, json.RawMessage(`{"rows":4}`), nil); err != nil {
			t.Fatal(err)
		}
		runOnce(t, r, 1)
		if runs["crm"] != 1 || runs["summary"] != 1 || read(t, db, "summary").State != custos.JobDone {
			t.Errorf("runs %v", runs)
		}
		if diff := cmp.Diff([]custos.JobState{custos.JobWaiting}, out.of("crm")); diff != "" {
			t.Errorf("Notify (-want +got):\n%s", diff)
		}
	})
}

// TestRunnerPanic: a panicking handler fails its run; what is stored of
// the panic holds nothing but a runtime error's text.
func TestRunnerPanic(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		r := &jobs.Runner{Store: db, Concurrency: 2, Handlers: map[string]jobs.Handler{
			custos.JobRequestStep: func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
				if j.Key == "runtime" {
					var m map[string]int
					m["x"] = 1
				}
				panic("could not erase alice@example.org")
			}}}
		enqueue(t, db, job("runtime"), job("value"))
		runOnce(t, r, 2)
		rt := read(t, db, "runtime")
		if rt.State != custos.JobFailed || rt.Error != "the handler panicked: assignment to entry in nil map" {
			t.Errorf("runtime panic: %+v", rt)
		}
		v := read(t, db, "value")
		if v.State != custos.JobFailed || strings.Contains(v.Error, "alice") || v.Error != "the handler panicked (a string)" {
			t.Errorf("panic with a value: %+v", v)
		}
	})
}

// TestRunnerTooManyCrashes: a step whose every attempt brought its runner
// down is dead rather than run once more.
func TestRunnerTooManyCrashes(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		j := job("k")
		j.MaxAttempts = 1
		enqueue(t, db, j)
		if got, err := db.ClaimJobs(ctx, clk.Now(), time.Minute, 1); err != nil || len(got) != 1 {
			t.Fatal(got, err)
		}
		ran := false
		r := &jobs.Runner{Store: db, Now: clk.Now, Handlers: map[string]jobs.Handler{
			custos.JobRequestStep: func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
				ran = true
				return nil, nil
			}}}
		clk.Add(time.Hour)
		runOnce(t, r, 1)
		if got := read(t, db, "k"); ran || got.State != custos.JobDead || !strings.Contains(got.Error, "stopped") {
			t.Errorf("ran %v; %+v", ran, got)
		}
	})
}

// TestRunnerStop: when Run's context ends, a running handler is cancelled
// and its job given back, its checkpoint kept and the attempt not counted;
// the next runner resumes it.
func TestRunnerStop(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		started := make(chan struct{})
		r := &jobs.Runner{Store: db, Interval: time.Hour, Handlers: map[string]jobs.Handler{
			custos.JobRequestStep: func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
				if err := cp.Save(ctx, json.RawMessage(`{"done":["orders"]}`)); err != nil {
					return nil, err
				}
				close(started)
				<-ctx.Done()
				return nil, ctx.Err()
			}}}
		enqueue(t, db, job("k"))
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan error)
		go func() { stopped <- r.Run(ctx) }()
		<-started
		cancel()
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		got := read(t, db, "k")
		if got.State != custos.JobPending || got.Attempts != 0 || string(got.Checkpoint) != `{"done":["orders"]}` || !got.NextAt.IsZero() {
			t.Errorf("after stop: %+v", got)
		}
		var seen json.RawMessage
		r2 := &jobs.Runner{Store: db, Handlers: map[string]jobs.Handler{
			custos.JobRequestStep: func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
				seen = j.Checkpoint
				return nil, nil
			}}}
		runOnce(t, r2, 1)
		if string(seen) != `{"done":["orders"]}` {
			t.Errorf("the next runner saw checkpoint %s", seen)
		}
	})
}

// spy is a JobStore that reports the lease extensions made while a test
// listens.
type spy struct {
	custos.JobStore
	extended chan extension
}

type extension struct {
	until time.Time
	err   error
}

func (s *spy) Checkpoint(ctx context.Context, j *custos.Job, cp json.RawMessage, leaseUntil time.Time) error {
	err := s.JobStore.Checkpoint(ctx, j, cp, leaseUntil)
	if cp == nil {
		select {
		case s.extended <- extension{leaseUntil, err}:
		default:
		}
	}
	return err
}

// TestRunnerLease: the runner extends a running job's lease by itself, and
// a handler whose job was taken over (the runner was cut off for longer
// than its lease) is cancelled and its outcome dropped.
func TestRunnerLease(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		sp := &spy{JobStore: db, extended: make(chan extension)}
		release, returned := make(chan struct{}), make(chan error, 1)
		var out outcomes
		r := &jobs.Runner{Store: sp, Now: clk.Now, Lease: 30 * time.Millisecond, Notify: out.notify, Handlers: map[string]jobs.Handler{
			custos.JobRequestStep: func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
				select {
				case <-release:
					return nil, nil
				case <-ctx.Done():
					returned <- context.Cause(ctx)
					return nil, ctx.Err()
				}
			}}}
		enqueue(t, db, job("k"))
		ran := make(chan struct{})
		go func() {
			defer close(ran)
			if _, err := r.RunOnce(ctx); err != nil {
				t.Error(err)
			}
		}()
		// The clock moves on while the handler runs; the runner keeps the
		// lease ahead of it.
		later := clk.Add(time.Hour)
		for e := range sp.extended {
			if e.err != nil {
				t.Fatal(e.err)
			}
			if e.until.After(later) {
				break
			}
		}
		if got := read(t, db, "k"); got.State != custos.JobRunning || !got.LeaseUntil.After(later) {
			t.Errorf("lease until %v, want after %v", got.LeaseUntil, later)
		}
		// Another runner takes the job over (as if this one had been cut
		// off past its lease): the next extension finds it gone and the
		// handler is cancelled.
		taken, err := db.ClaimJobs(ctx, later.Add(time.Hour), time.Hour, 1)
		if err != nil || len(taken) != 1 {
			t.Fatal(taken, err)
		}
		for e := range sp.extended {
			if custos.ErrorCode(e.err) == custos.ECONFLICT {
				break
			}
		}
		if cause := <-returned; cause == nil || !strings.Contains(cause.Error(), "taken over") {
			t.Errorf("the handler's context ended with %v", cause)
		}
		<-ran
		close(release)
		got := read(t, db, "k")
		if got.State != custos.JobRunning || got.Claim != 2 || out.of("k") != nil {
			t.Errorf("after the takeover: %+v, notified %v", got, out.of("k"))
		}
	})
}

// TestRunnersRace: runners on two nodes (two stores on one PostgreSQL
// database; on SQLite, one store), each running several jobs at once, run
// every job exactly once.
func TestRunnersRace(t *testing.T) {
	storetest.Configs(t, func(t *testing.T, cfg store.Config) {
		var nodes [2]*store.DB
		for i := range nodes {
			if i > 0 && cfg.DSN == "" {
				// SQLite serves one process: several nodes share a
				// PostgreSQL database. Here two runners share one store.
				nodes[i] = nodes[0]
				continue
			}
			db, err := store.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			nodes[i] = db
		}
		const n = 120
		var js []*custos.Job
		for i := range n {
			j := job(fmt.Sprint("step-", i))
			if i%4 > 0 {
				j.DependsOn = []string{fmt.Sprint("step-", i-1)}
			}
			js = append(js, j)
		}
		enqueue(t, nodes[0], js...)

		var (
			mu       sync.Mutex
			runs     = map[string]int{}
			finished = map[string]bool{}
			order    []string
			all      = make(chan struct{})
		)
		handler := func(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
			mu.Lock()
			defer mu.Unlock()
			runs[j.Key]++
			order = append(order, j.Key)
			return nil, nil
		}
		notify := func(_ context.Context, j *custos.Job, s custos.JobState) {
			mu.Lock()
			defer mu.Unlock()
			if s == custos.JobDone {
				finished[j.Key] = true
				if len(finished) == n {
					close(all)
				}
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for i := range 4 {
			r := &jobs.Runner{Store: nodes[i%2], Concurrency: 3, Interval: 5 * time.Millisecond,
				Handlers: map[string]jobs.Handler{custos.JobRequestStep: handler}, Notify: notify}
			wg.Go(func() {
				if err := r.Run(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		select {
		case <-all:
		case <-time.After(time.Minute):
			t.Error("the jobs did not all finish within a minute")
		}
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for k, c := range runs {
			if c != 1 {
				t.Errorf("%s ran %d times", k, c)
			}
		}
		if len(runs) != n {
			t.Errorf("%d jobs ran, want %d", len(runs), n)
		}
		pos := map[string]int{}
		for i, k := range order {
			pos[k] = i
		}
		for i := range n {
			if i%4 > 0 && pos[fmt.Sprint("step-", i)] < pos[fmt.Sprint("step-", i-1)] {
				t.Errorf("step-%d ran before step-%d", i, i-1)
			}
		}
	})
}
