// Package jobs runs the background work of the job table (custos.Job): the
// steps of a request's fulfilment, webhook deliveries, sweeps.
//
// A Runner claims the jobs that are due, runs each with the Handler of its
// kind, and records the outcome: done, waiting (for an outside event), or
// failed and tried again after an exponential back-off, until it has no
// attempts left and is dead, which staff see in the console and may retry.
// Several runners, in one process or on several nodes, share one table: a
// claim is a lease, so each job runs in one place at a time, and a job whose
// runner died is claimed again once its lease has run out, with the
// checkpoint its handler last recorded. Handlers must therefore be
// idempotent: a crash may run the same step again from its checkpoint.
//
// Errors are stored and shown to staff: a handler must not put personal
// data in the errors it returns (say "customer 42: connection refused", not
// the customer's address). Only the first custos.MaxJobError bytes are kept.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// Handler runs one job. j is the job as claimed, with the Checkpoint its
// previous run recorded (nil on the first run); cp saves progress. The
// handler must be idempotent, since a run interrupted by a crash is run
// again from the last checkpoint.
//
// It returns the job's result (JSON, or nil) and nil when it is done. It
// returns ErrWait (possibly wrapped) with the result to keep when the job
// now waits for an outside event, which completes it through
// JobStore.CompleteWaiting. Any other error fails the run: the job is tried
// again after a back-off, or is dead once it has no attempts left, or at
// once if the error is Permanent. Its text is stored and shown to staff,
// so it must not hold personal data.
//
// ctx is cancelled when the runner stops or loses the job (its lease was
// taken over); the handler should then return soon. An error it returns
// because of a stop does not count as a failure: the job is given back.
type Handler func(ctx context.Context, j *custos.Job, cp Checkpointer) (result json.RawMessage, err error)

// Checkpointer lets a long handler record its progress.
type Checkpointer interface {
	// Save records checkpoint as the job's progress (the next run, after a
	// crash, starts from it) and extends the job's lease.
	Save(ctx context.Context, checkpoint json.RawMessage) error
	// Extend extends the job's lease. The runner does it by itself every
	// third of the lease while a handler runs, so a handler need not.
	Extend(ctx context.Context) error
}

// ErrWait, returned by a handler, puts the job in waiting with the result
// the handler returned with it.
var ErrWait = errors.New("jobs: the job waits for an outside event")

// Permanent marks err as one that trying again will not cure (a refusal,
// a bad configuration): the job is dead at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// RetryAfter marks err as one to try again no sooner than d from now (a
// processor's Retry-After): the run's back-off is then at least d.
func RetryAfter(err error, d time.Duration) error {
	if err == nil || d <= 0 {
		return err
	}
	return &retryAfterError{err, d}
}

type retryAfterError struct {
	err error
	d   time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// Defaults of a Runner.
const (
	DefaultLease       = time.Minute
	DefaultInterval    = 2 * time.Second
	DefaultConcurrency = 2
)

// The back-off after a failed run: 30 s after the first, doubling up to an
// hour, give or take a fifth so that jobs that failed together do not come
// back together.
const (
	backoffBase = 30 * time.Second
	backoffMax  = time.Hour
)

// Backoff returns how long after its attempt-th failed run (1 for the
// first) a job is tried again: 30 s, 1 min, 2 min, … at most an hour,
// each ±20 %.
func Backoff(attempt int) time.Duration {
	d := backoffMax
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= 20 {
		d = min(backoffBase<<(attempt-1), backoffMax)
	}
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	return min(d, backoffMax)
}

// stopTimeout bounds the writes a runner makes for a job after its context
// ended (giving the job back, recording its result).
const stopTimeout = 10 * time.Second

// Runner claims due jobs from Store and runs them. Set its fields before
// the first call; a Runner must not be copied after that. Several runners
// may share a store.
type Runner struct {
	Store custos.JobStore
	// Handlers maps a job kind to what runs it. The runner claims only
	// jobs of these kinds.
	Handlers map[string]Handler
	Log      *slog.Logger     // default: discard
	Now      func() time.Time // default: time.Now
	// Lease is how long a claim holds a job (default 1 min); the runner
	// extends it while the handler runs. A runner that dies leaves its
	// jobs to be claimed again that long after its last extension.
	Lease time.Duration
	// Interval is how often Run looks for due jobs when nothing woke it
	// (default 2 s).
	Interval time.Duration
	// Concurrency is how many jobs Run and RunOnce run at once (default 2).
	Concurrency int
	// Backoff, if set, replaces the package's Backoff.
	Backoff func(attempt int) time.Duration
	// Audit, if set, gives the audit entry recorded with a job that is
	// done (nil: none), in the transaction that records it.
	Audit func(j *custos.Job, result json.RawMessage) *custos.AuditEntry
	// Notify, if set, is called after the runner recorded a run's outcome
	// (done, waiting, failed, dead or given back), with the job as it was
	// claimed and its new state: for the caller to move the request on
	// once all its steps are done. It must not block for long.
	Notify func(ctx context.Context, j *custos.Job, state custos.JobState)

	once sync.Once
	kick chan struct{}
}

func (r *Runner) init() {
	r.once.Do(func() { r.kick = make(chan struct{}, 1) })
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

func (r *Runner) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Runner) lease() time.Duration {
	if r.Lease <= 0 {
		return DefaultLease
	}
	return r.Lease
}

func (r *Runner) interval() time.Duration {
	if r.Interval <= 0 {
		return DefaultInterval
	}
	return r.Interval
}

func (r *Runner) concurrency() int {
	if r.Concurrency <= 0 {
		return DefaultConcurrency
	}
	return r.Concurrency
}

func (r *Runner) backoff(attempt int) time.Duration {
	if r.Backoff != nil {
		return r.Backoff(attempt)
	}
	return Backoff(attempt)
}

// kinds returns the kinds the runner has handlers for, sorted.
func (r *Runner) kinds() []string {
	ks := make([]string, 0, len(r.Handlers))
	for k, h := range r.Handlers {
		if h != nil {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// Kick makes Run look for due jobs at once rather than at its next
// interval, e.g. after jobs were enqueued. It never blocks.
func (r *Runner) Kick() {
	r.init()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

func (r *Runner) check() error {
	if r.Store == nil {
		return errors.New("jobs: the runner has no store")
	}
	if len(r.kinds()) == 0 {
		return errors.New("jobs: the runner has no handlers")
	}
	return nil
}

// claim claims up to n due jobs.
func (r *Runner) claim(ctx context.Context, n int) ([]*custos.Job, error) {
	return r.Store.ClaimJobs(ctx, r.now(), r.lease(), n, r.kinds()...)
}

// RunOnce claims up to Concurrency jobs due now, runs them at once and
// returns when all are recorded, with how many it ran. A job that becomes
// due meanwhile (its dependency just finished) waits for the next call.
// The error is the claim's; how the handlers fared is in the store.
func (r *Runner) RunOnce(ctx context.Context) (ran int, err error) {
	r.init()
	if err := r.check(); err != nil {
		return 0, err
	}
	jobs, err := r.claim(ctx, r.concurrency())
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { r.execute(ctx, j) })
	}
	wg.Wait()
	return len(jobs), nil
}

// Run claims and runs jobs, at most Concurrency at a time, until ctx ends.
// It looks for due jobs every Interval, when kicked, and whenever a job
// ends. When ctx ends, the handlers still running see their context
// cancelled; Run waits for them, gives their jobs back (unless they
// finished anyway) and returns nil. It returns an error at once if the
// runner has no store or no handlers.
func (r *Runner) Run(ctx context.Context) error {
	r.init()
	if err := r.check(); err != nil {
		return err
	}
	n := r.concurrency()
	var (
		wg      sync.WaitGroup
		running int
		ended   = make(chan struct{}, n) // each running job sends once
		timer   = time.NewTimer(0)
	)
	defer timer.Stop()
	defer wg.Wait()
	for {
		if free := n - running; free > 0 && ctx.Err() == nil {
			jobs, err := r.claim(ctx, free)
			if err != nil && ctx.Err() == nil {
				r.log().Error("jobs: claim failed", "err", err)
			}
			for _, j := range jobs {
				running++
				wg.Go(func() {
					r.execute(ctx, j)
					ended <- struct{}{}
				})
			}
			if err == nil && len(jobs) == free {
				// There may be more: claim again as soon as a slot is free.
				select {
				case <-ctx.Done():
					return nil
				case <-ended:
					running--
				}
				continue
			}
		}
		timer.Reset(r.interval())
		select {
		case <-ctx.Done():
			return nil
		case <-ended:
			running--
		case <-r.kick:
		case <-timer.C:
		}
	}
}

// holder is the Checkpointer of one run.
type holder struct {
	r *Runner
	j *custos.Job // the runner's copy: only ID and Claim are read
	// lost cancels the handler's context when the job is no longer held.
	lost context.CancelCauseFunc
}

var errLost = errors.New("jobs: the job's lease was taken over")

func (h *holder) Save(ctx context.Context, checkpoint json.RawMessage) error {
	if checkpoint == nil {
		checkpoint = json.RawMessage("null")
	}
	return h.write(ctx, checkpoint)
}

func (h *holder) Extend(ctx context.Context) error { return h.write(ctx, nil) }

func (h *holder) write(ctx context.Context, checkpoint json.RawMessage) error {
	err := h.r.Store.Checkpoint(ctx, h.j, checkpoint, h.r.now().Add(h.r.lease()))
	if c := custos.ErrorCode(err); c == custos.ECONFLICT || c == custos.ENOTFOUND {
		h.lost(errLost)
	}
	return err
}

// execute runs claimed job j and records the outcome.
func (r *Runner) execute(ctx context.Context, j *custos.Job) {
	log := r.log().With("job", j.ID, "kind", j.Kind, "key", j.Key, "attempt", j.Attempts)
	// Recording the outcome must outlive a stop, within reason.
	rec, cancelRec := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
	defer cancelRec()

	if j.MaxAttempts > 0 && j.Attempts > j.MaxAttempts {
		// Every attempt was taken and the last one's runner died: a job
		// that brings its node down must not do so for ever.
		r.record(rec, log, j, custos.JobDead, func() error {
			return r.Store.FailJob(rec, j, "gave up: the runner of the last attempt stopped before it ended", time.Time{})
		})
		return
	}

	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	h := &holder{r: r, j: j, lost: cancel}
	stop := r.heartbeat(hctx, h)
	result, err := r.call(hctx, log, j, h)
	stop()

	switch {
	case errors.Is(context.Cause(hctx), errLost):
		log.Warn("jobs: the job was taken over while it ran; its outcome is dropped")
		return
	case err == nil:
		var audit *custos.AuditEntry
		if r.Audit != nil {
			audit = r.Audit(j, result)
		}
		r.record(rec, log, j, custos.JobDone, func() error { return r.Store.FinishJob(rec, j, result, audit) })
	case errors.Is(err, ErrWait):
		r.record(rec, log, j, custos.JobWaiting, func() error { return r.Store.WaitJob(rec, j, result) })
	case ctx.Err() != nil:
		// The runner is stopping: the run did not fail, it was cut short.
		r.record(rec, log, j, custos.JobPending, func() error { return r.Store.ReleaseJob(rec, j) })
	default:
		next, state := time.Time{}, custos.JobDead
		if !IsPermanent(err) && (j.MaxAttempts <= 0 || j.Attempts < j.MaxAttempts) {
			wait := r.backoff(j.Attempts)
			if ra := (*retryAfterError)(nil); errors.As(err, &ra) {
				wait = max(wait, ra.d)
			}
			next, state = r.now().Add(wait), custos.JobFailed
		}
		log.Warn("jobs: run failed", "err", err, "state", state, "next", next)
		r.record(rec, log, j, state, func() error { return r.Store.FailJob(rec, j, err.Error(), next) })
	}
}

// record runs write, which records the outcome state of j, and tells
// Notify.
func (r *Runner) record(ctx context.Context, log *slog.Logger, j *custos.Job, state custos.JobState, write func() error) {
	if err := write(); err != nil {
		if c := custos.ErrorCode(err); c == custos.ECONFLICT || c == custos.ENOTFOUND {
			// Completed from outside, taken over or deleted meanwhile.
			log.Info("jobs: the job changed while it ran; its outcome is dropped", "state", state, "err", err)
		} else {
			log.Error("jobs: recording the outcome failed; the job runs again after its lease", "state", state, "err", err)
		}
		return
	}
	if r.Notify != nil {
		r.Notify(ctx, j, state)
	}
}

// call runs j's handler on a copy of j, turning a panic into an error.
func (r *Runner) call(ctx context.Context, log *slog.Logger, j *custos.Job, cp Checkpointer) (result json.RawMessage, err error) {
	h := r.Handlers[j.Kind]
	if h == nil {
		return nil, Permanent(fmt.Errorf("no handler for jobs of kind %q", j.Kind))
	}
	defer func() {
		if v := recover(); v != nil {
			// The panic's value may say anything; only a runtime error's
			// text (an index out of range, a nil map) is known to hold no
			// personal data, so only it is stored or logged. The stack,
			// which holds no values, goes to the log.
			msg := "the handler panicked"
			if re, ok := v.(runtime.Error); ok {
				msg += ": " + re.Error()
			} else {
				msg += fmt.Sprintf(" (a %T)", v)
			}
			log.Error("jobs: "+msg, "stack", string(debug.Stack()))
			result, err = nil, errors.New(msg)
		}
	}()
	c := *j
	c.DependsOn = slices.Clone(j.DependsOn)
	c.Payload, c.Checkpoint, c.Result = slices.Clone(j.Payload), slices.Clone(j.Checkpoint), slices.Clone(j.Result)
	return h(ctx, &c, cp)
}

// heartbeat extends h's lease every third of the lease until stop is
// called.
func (r *Runner) heartbeat(ctx context.Context, h *holder) (stop func()) {
	every := r.lease() / 3
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if err := h.Extend(ctx); err != nil && ctx.Err() == nil {
					r.log().Warn("jobs: extending a lease failed", "job", h.j.ID, "err", err)
				}
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
