package custos

import (
	"context"
	"encoding/json"
	"time"
)

// JobState is where a background job stands.
//
//	pending ──claim──▶ running ──finish──▶ done
//	   ▲                 │ │ └──wait──▶ waiting ──complete──▶ done
//	   │                 │ └──fail──▶ failed ──(NextAt)──claim──▶ running
//	   │                 └──fail, no attempts left──▶ dead
//	   └──retry (staff)── failed, dead, waiting
//
// A running job whose lease ran out (its node died) is claimed again as it
// stands, with its last Checkpoint: that is how a crash resumes.
type JobState string

const (
	JobPending JobState = "pending" // due at NextAt (zero: at once), once its dependencies are done
	JobRunning JobState = "running" // held by a runner until LeaseUntil
	JobDone    JobState = "done"    // finished; Result holds what it did
	JobFailed  JobState = "failed"  // its last attempt failed (Error); tried again at NextAt
	JobDead    JobState = "dead"    // gave up (no attempts left, or a permanent error); staff may retry it
	// JobWaiting: the job waits for an outside event (a processor's
	// callback, a staff member's manual task). The runner does not claim
	// it; CompleteWaiting finishes it.
	JobWaiting JobState = "waiting"
)

// JobStates lists every state, in the order of a job's life.
var JobStates = []JobState{JobPending, JobRunning, JobWaiting, JobFailed, JobDead, JobDone}

// Valid reports whether s is one of JobStates.
func (s JobState) Valid() bool {
	for _, x := range JobStates {
		if s == x {
			return true
		}
	}
	return false
}

// DefaultJobAttempts is the MaxAttempts of a job enqueued without one.
const DefaultJobAttempts = 8

// MaxJobError is the most of an error a job keeps, in bytes.
const MaxJobError = 500

// Job kinds.
const (
	// JobRequestStep is one step of a request's fulfilment plan: one
	// system's part of an access, erasure, … (see internal/connector).
	JobRequestStep = "request.step"
)

// Audit actions of jobs. The object is the job's Key.
const (
	AuditJobsPlanned  = "jobs.planned"  // a plan of steps was enqueued; the object is the request id
	AuditJobDone      = "job.done"      // a step finished (DetailsHash: its result)
	AuditJobCompleted = "job.completed" // a waiting step was completed from outside (a callback, a manual task)
	AuditJobRetried   = "job.retried"   // staff retried a failed, dead or waiting step
	AuditJobCorrected = "job.corrected" // staff approved the correction a rectification step writes (DetailsHash: the columns)
)

// Job is one unit of background work in the job table: a step of a
// request's fulfilment, a webhook delivery, a sweep. What is due lives in
// the database, so a restart loses nothing, and a claim is a lease, so of
// several runners (and nodes) one runs each job at a time.
//
// A job's handler must be idempotent: a node that dies mid-way leaves the
// job running until its lease ends, and the next claim runs the handler
// again from the job's last Checkpoint.
//
// Payload and Error never hold personal data (ids and counts only): they are
// shown in the console and logged. Checkpoint and Result may (an access
// step's rows, say), so the job table labels its rows as personal data of
// the request's subject and a request's jobs are deleted with it.
type Job struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`                 // which handler runs it, e.g. JobRequestStep
	RequestID string `json:"request_id,omitempty"` // the request it is part of; "" if none
	// Key is the job's idempotency key, unique in the table, e.g.
	// "rq_…/system/shop/erasure": enqueueing a key again returns the job
	// already there.
	Key string `json:"key"`
	// DependsOn lists the Keys of the jobs that must be done before this
	// one may run, sorted; each must exist when it is enqueued (or be
	// enqueued with it). A job whose dependency is dead waits until the
	// dependency is retried and done.
	DependsOn []string `json:"depends_on,omitempty"`

	State       JobState `json:"state"`
	Attempts    int      `json:"attempts"`     // runs started (claims) since it was enqueued or retried
	MaxAttempts int      `json:"max_attempts"` // after so many failed runs it is dead
	// Claim counts the claims of the job and is never reset: with the ID it
	// names the holder, so that a runner whose lease was taken over cannot
	// record anything for the job any more.
	Claim      int64     `json:"claim"`
	NextAt     time.Time `json:"next_at,omitzero"`     // when a pending or failed job is due; zero: at once
	LeaseUntil time.Time `json:"lease_until,omitzero"` // while running: until when it is held

	Payload    json.RawMessage `json:"payload,omitempty"`    // what to do; ids, never personal data
	Checkpoint json.RawMessage `json:"checkpoint,omitempty"` // the progress its handler recorded
	Result     json.RawMessage `json:"result,omitempty"`     // what it did (done), or what it waits with (waiting)
	// Error is the last failure, at most MaxJobError bytes. The handler
	// that returned it is responsible for leaving personal data out.
	Error string `json:"error,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"-"` // +1 on every change
}

// JobStore is the job table. Every change goes through the store's writer
// in one transaction, with its audit entry where it takes one.
//
// The methods that record the outcome of a run (Checkpoint, FinishJob,
// FailJob, WaitJob, ReleaseJob) take the job as ClaimJobs returned it and
// read only its ID and Claim: they return ECONFLICT when the job is no
// longer running under that claim (its lease ran out and another runner
// took it, or it was completed from outside), and write nothing then. They
// do not change *j.
type JobStore interface {
	// EnqueueJobs stores jobs in one transaction, idempotently by Key: a
	// job whose Key is in the table already is not stored again, and
	// *jobs[i] is set to the job as stored either way. A new job is pending
	// (or waiting, if so given) with no attempts, MaxAttempts
	// DefaultJobAttempts if zero, CreatedAt now if zero. Its DependsOn keys
	// must name jobs of the batch or of the table, without a cycle, or
	// nothing is stored (EINVALID). audit, if not nil, is appended when at
	// least one job is new.
	EnqueueJobs(ctx context.Context, jobs []*Job, audit *AuditEntry) error

	// ClaimJobs takes up to limit jobs that are due at now and whose
	// dependencies are all done, oldest due first, and returns them in id
	// order: pending and failed jobs whose NextAt is not after now, and
	// running jobs whose lease ran out (their runner died: this is how a
	// crash resumes). Each is moved to running, held until now+lease, with
	// one more attempt and a new Claim. kinds, if given, restricts the claim to those kinds
	// (a runner claims only what it has handlers for). On PostgreSQL, rows
	// another node is claiming are skipped, not waited for.
	ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, limit int, kinds ...string) ([]*Job, error)

	// Checkpoint records the progress of running job j and extends its
	// lease to leaseUntil. A nil checkpoint keeps the one recorded and
	// only extends the lease.
	Checkpoint(ctx context.Context, j *Job, checkpoint json.RawMessage, leaseUntil time.Time) error
	// FinishJob moves running job j to done with result, clears its Error,
	// and appends audit (if not nil) in the same transaction.
	FinishJob(ctx context.Context, j *Job, result json.RawMessage, audit *AuditEntry) error
	// FailJob records a failed run of job j: Error is errText (cut to
	// MaxJobError bytes); it is failed and due again at next, or dead if
	// next is zero.
	FailJob(ctx context.Context, j *Job, errText string, next time.Time) error
	// WaitJob moves running job j to waiting, with result (what it waits
	// with, e.g. a delivery's receipt).
	WaitJob(ctx context.Context, j *Job, result json.RawMessage) error
	// ReleaseJob gives running job j back at once, its attempt not counted
	// and its checkpoint kept: for a runner that stops before the job ended.
	ReleaseJob(ctx context.Context, j *Job) error

	// CompleteWaiting moves job id to done with result, for an outside
	// event, and appends audit (if not nil) in the same transaction. The
	// job is normally waiting, but any state but done is accepted: a
	// processor may call back before the run that asked it was recorded.
	// A runner still holding the job then finds it gone (ECONFLICT). It
	// returns ECONFLICT if the job is done already, ENOTFOUND if there is
	// none, and else the job as stored.
	CompleteWaiting(ctx context.Context, id int64, result json.RawMessage, audit *AuditEntry) (*Job, error)
	// CompleteStaff is CompleteWaiting for staff who did a step by hand:
	// only a waiting job is completed (ECONFLICT otherwise), so that a
	// step queued or running meanwhile is not marked done under it.
	CompleteStaff(ctx context.Context, id int64, result json.RawMessage, audit *AuditEntry) (*Job, error)
	// RetryJob makes failed, dead or waiting job id pending and due at once,
	// its attempts reset (its Checkpoint and last Error are kept), and
	// appends audit (if not nil). It returns ECONFLICT for a job in another
	// state, ENOTFOUND if there is none.
	RetryJob(ctx context.Context, id int64, audit *AuditEntry) error
	// RetryJobWith is RetryJob that also sets the job's Checkpoint: for
	// what a step waited for from staff (the correction they approved),
	// which its handler then reads. checkpoint must be JSON.
	RetryJobWith(ctx context.Context, id int64, checkpoint json.RawMessage, audit *AuditEntry) error

	// RedactJob replaces the result of done job id with result (JSON, no
	// personal data), clears its checkpoint and marks it redacted: for a
	// step whose personal data the request's answer now holds. A job
	// marked redacted already is left as it is (nil): an erasure may have
	// cleared it since. ECONFLICT if the job is not done, ENOTFOUND if
	// there is none.
	RedactJob(ctx context.Context, id int64, result json.RawMessage) error
	// UnredactedJobs returns the ids of up to limit done jobs of completed
	// requests that RedactJob has not marked redacted, oldest first: what
	// completing a request should have redacted and did not (it failed,
	// or the node stopped in between), and the steps of requests completed
	// before the mark existed.
	UnredactedJobs(ctx context.Context, limit int) ([]int64, error)

	// Job returns job id (ENOTFOUND if none).
	Job(ctx context.Context, id int64) (*Job, error)
	// JobByKey returns the job of key (ENOTFOUND if none).
	JobByKey(ctx context.Context, key string) (*Job, error)
	// Jobs returns the jobs of request requestID ordered by id, or an
	// empty, non-nil slice.
	Jobs(ctx context.Context, requestID string) ([]*Job, error)
	// DeleteJobs deletes the jobs of request requestID, whatever their
	// state, and returns how many there were: for when the request itself
	// is deleted.
	DeleteJobs(ctx context.Context, requestID string) (int64, error)
}
