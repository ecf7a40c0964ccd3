package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// The job table (see custos.JobStore and 0006_jobs.sql).
//
// Like every other write, a job's change goes through the writer (apply):
// on SQLite the one writing connection is the only one that may write, and
// a claim is then one statement of one transaction, so two runners of a
// process never take the same job. On PostgreSQL the claim also skips the
// rows another node's claim has locked (FOR UPDATE SKIP LOCKED), so nodes
// neither wait for each other nor take the same job.
//
// A claim is a lease: a running job's next_at is the end of its lease, so
// that "due" is one condition, next_at <= now, over pending, failed and
// running jobs alike, and one partial index serves it. A runner that died
// leaves its job running until the lease ends; the next claim takes it
// again with its checkpoint. Every claim increments the job's claim
// column, which with the id names the holder: whatever a runner records
// for a job is conditioned on both, so a runner that lost its lease (a
// pause longer than the lease) cannot overwrite the work of the one that
// took over.

var _ custos.JobStore = (*DB)(nil)

// maxClaim is the most jobs ClaimJobs takes at once.
const maxClaim = 1000

// jobColumns lists what scanJob reads.
const jobColumns = `id, kind, request_id, key, state, attempts, max_attempts, claim, next_at, lease_until, ` +
	`payload, checkpoint, result, error, created_at, updated_at, version`

var (
	nJobColumns  = strings.Count(jobColumns, ",") + 1
	insertJobSQL = `INSERT INTO jobs (` + strings.TrimPrefix(jobColumns, "id, ") + `, data_category, purpose)` +
		` VALUES (` + params(1, nJobColumns+1) + `) ON CONFLICT (key) DO NOTHING RETURNING ` + jobColumns
)

// The labels of a job's row (see 0006_jobs.sql): a request's step may
// hold the person's data; any other job is the system's own.
const (
	jobRequestCategory = "user"
	jobRequestPurpose  = custos.RequestPurpose
	jobSystemCategory  = "system.operations"
	jobSystemPurpose   = "system_operations"
)

func scanJob(s scanner) (*custos.Job, error) {
	var (
		j                           custos.Job
		state                       string
		payload, checkpoint, result string
	)
	err := s.Scan(&j.ID, &j.Kind, &j.RequestID, &j.Key, &state, &j.Attempts, &j.MaxAttempts, &j.Claim,
		timeDest{&j.NextAt}, timeDest{&j.LeaseUntil}, &payload, &checkpoint, &result, &j.Error,
		timeDest{&j.CreatedAt}, timeDest{&j.UpdatedAt}, &j.Version)
	if err != nil {
		return nil, err
	}
	j.State = custos.JobState(state)
	j.Payload, j.Checkpoint, j.Result = rawJSON(payload), rawJSON(checkpoint), rawJSON(result)
	return &j, nil
}

// rawJSON is s as JSON, or nil for "".
func rawJSON(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// checkJSON adds a field error to f if b is neither empty nor JSON.
func checkJSON(f *custos.Fields, field string, b json.RawMessage) {
	if len(b) > 0 && !json.Valid(b) {
		f.Add(field, "is not valid JSON")
	}
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loadDeps fills in the DependsOn of jobs, sorted.
func loadDeps(ctx context.Context, q querier, jobs []*custos.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	byID := make(map[int64]*custos.Job, len(jobs))
	args := make([]any, 0, len(jobs))
	for _, j := range jobs {
		j.DependsOn = nil
		if _, ok := byID[j.ID]; !ok {
			byID[j.ID] = j
			args = append(args, j.ID)
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT job_id, depends_on FROM job_deps WHERE job_id IN (`+params(1, len(args))+`)`+
		` ORDER BY job_id, depends_on`, args...)
	if err != nil {
		return fmt.Errorf("read job dependencies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id  int64
			dep string
		)
		if err := rows.Scan(&id, &dep); err != nil {
			return fmt.Errorf("read job dependencies: %w", err)
		}
		if j := byID[id]; j != nil {
			j.DependsOn = append(j.DependsOn, dep)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read job dependencies: %w", err)
	}
	return nil
}

// normalJobs checks jobs and returns the copies to store: state pending
// unless waiting, no attempts or outcome, MaxAttempts defaulted, times in
// UTC to the microsecond, DependsOn sorted and without repeats. A cycle
// among the batch's dependencies is refused: its jobs could never run.
func normalJobs(jobs []*custos.Job, now time.Time) ([]custos.Job, error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	var f custos.Fields
	out := make([]custos.Job, len(jobs))
	deps := map[string][]string{}
	for i, j := range jobs {
		at := "jobs[" + strconv.Itoa(i) + "]"
		if j == nil {
			f.Add(at, "is nil")
			continue
		}
		s := custos.Job{
			Kind:        j.Kind,
			RequestID:   j.RequestID,
			Key:         j.Key,
			State:       j.State,
			MaxAttempts: j.MaxAttempts,
			NextAt:      utcMicro(j.NextAt),
			Payload:     j.Payload,
			CreatedAt:   zeroOr(j.CreatedAt, now),
			Version:     1,
		}
		s.UpdatedAt = s.CreatedAt
		if s.Kind == "" {
			f.Add(at+".kind", "is required")
		}
		if s.Key == "" {
			f.Add(at+".key", "is required")
		}
		switch s.State {
		case "":
			s.State = custos.JobPending
		case custos.JobPending, custos.JobWaiting:
		default:
			f.Add(at+".state", "must be pending or waiting")
		}
		switch {
		case s.MaxAttempts == 0:
			s.MaxAttempts = custos.DefaultJobAttempts
		case s.MaxAttempts < 0:
			f.Add(at+".max_attempts", "is negative")
		}
		checkJSON(&f, at+".payload", s.Payload)
		if len(s.Payload) > 0 {
			s.Payload = slices.Clone(s.Payload)
		}
		if len(j.DependsOn) > 0 {
			s.DependsOn = slices.Compact(slices.Sorted(slices.Values(j.DependsOn)))
			for _, d := range s.DependsOn {
				switch d {
				case "":
					f.Add(at+".depends_on", "has an empty key")
				case s.Key:
					f.Add(at+".depends_on", "names the job itself")
				}
			}
			if _, ok := deps[s.Key]; !ok {
				deps[s.Key] = s.DependsOn
			}
		}
		out[i] = s
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	// Depth-first search for a cycle through the batch's dependencies.
	// Jobs already stored cannot be on one: their dependencies existed
	// before them.
	const (
		visiting = 1
		visited  = 2
	)
	mark := map[string]int{}
	var visit func(k string) bool
	visit = func(k string) bool {
		switch mark[k] {
		case visiting:
			return true
		case visited:
			return false
		}
		mark[k] = visiting
		for _, d := range deps[k] {
			if visit(d) {
				return true
			}
		}
		mark[k] = visited
		return false
	}
	for _, k := range slices.Sorted(maps.Keys(deps)) {
		if visit(k) {
			return nil, custos.Invalid(custos.FieldError{Field: "jobs.depends_on", Message: "has a cycle through job " + strconv.Quote(k)})
		}
	}
	return out, nil
}

// EnqueueJobs implements custos.JobStore.
func (db *DB) EnqueueJobs(ctx context.Context, jobs []*custos.Job, audit *custos.AuditEntry) error {
	norm, err := normalJobs(jobs, time.Now())
	if err != nil || len(norm) == 0 {
		return err
	}
	batch := make(map[string]bool, len(norm))
	for _, j := range norm {
		batch[j.Key] = true
	}
	var (
		outside []string // dependencies outside the batch, which must be stored
		seen    = map[string]bool{}
	)
	for _, j := range norm {
		for _, d := range j.DependsOn {
			if !batch[d] && !seen[d] {
				seen[d] = true
				outside = append(outside, d)
			}
		}
	}
	var (
		out     []*custos.Job
		refused error
	)
	err = db.apply(ctx, "enqueue jobs", audit, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		out, refused = out[:0], nil
		for _, d := range outside {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM jobs WHERE key = $1`, d).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				refused = custos.Invalid(custos.FieldError{Field: "jobs.depends_on", Message: "names no job: " + strconv.Quote(d)})
				return false, nil
			}
			if err != nil {
				return false, fmt.Errorf("check job dependency: %w", err)
			}
		}
		wrote := false
		for _, j := range norm {
			category, purpose := jobRequestCategory, jobRequestPurpose
			if j.RequestID == "" {
				category, purpose = jobSystemCategory, jobSystemPurpose
			}
			s, err := scanJob(tx.QueryRowContext(ctx, insertJobSQL, j.Kind, j.RequestID, j.Key, string(j.State), 0,
				j.MaxAttempts, 0, j.NextAt, time.Time{}, string(j.Payload), "", "", "", j.CreatedAt, j.UpdatedAt,
				j.Version, category, purpose))
			switch {
			case errors.Is(err, sql.ErrNoRows):
				// The key is taken: the job is there already.
				s, err = scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE key = $1`, j.Key))
				if err != nil {
					return false, fmt.Errorf("read job: %w", err)
				}
				if err := loadDeps(ctx, tx, []*custos.Job{s}); err != nil {
					return false, err
				}
			case err != nil:
				return false, fmt.Errorf("insert job: %w", err)
			default:
				for _, d := range j.DependsOn {
					if _, err := tx.ExecContext(ctx, `INSERT INTO job_deps (job_id, depends_on) VALUES ($1, $2)`, s.ID, d); err != nil {
						return false, fmt.Errorf("insert job dependency: %w", err)
					}
				}
				s.DependsOn = slices.Clone(j.DependsOn)
				wrote = true
			}
			out = append(out, s)
		}
		return wrote, nil
	})
	if err != nil {
		return err
	}
	if refused != nil {
		return refused
	}
	for i, s := range out {
		*jobs[i] = *s
	}
	return nil
}

// ClaimJobs implements custos.JobStore. limit defaults to 1 and is at most
// 1000.
func (db *DB) ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, limit int, kinds ...string) ([]*custos.Job, error) {
	if lease <= 0 {
		return nil, custos.Errorf(custos.EINVALID, "a job's lease must be positive")
	}
	limit = min(max(limit, 1), maxClaim)
	now = utcMicro(now)
	args := []any{now, limit, utcMicro(now.Add(lease))}
	kind := ""
	if len(kinds) > 0 {
		kind = ` AND j.kind IN (` + params(len(args)+1, len(kinds)) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	lock := ""
	if db.engine == EnginePostgres {
		lock = ` FOR UPDATE OF j SKIP LOCKED`
	}
	// The dependencies: none of the jobs named is anything but done (a
	// job deleted since no longer holds anything up).
	q := `UPDATE jobs SET state = 'running', attempts = attempts + 1, claim = claim + 1, next_at = $3, lease_until = $3,` +
		` updated_at = $1, version = version + 1 WHERE id IN (SELECT j.id FROM jobs j` +
		` WHERE j.state IN ('pending', 'failed', 'running') AND j.next_at <= $1` + kind +
		` AND NOT EXISTS (SELECT 1 FROM job_deps d JOIN jobs p ON p.key = d.depends_on WHERE d.job_id = j.id AND p.state <> 'done')` +
		` ORDER BY j.next_at, j.id LIMIT $2` + lock + `) RETURNING ` + jobColumns
	var out []*custos.Job
	err := db.apply(ctx, "claim jobs", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return false, fmt.Errorf("claim jobs: %w", err)
		}
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				rows.Close()
				return false, fmt.Errorf("claim jobs: %w", err)
			}
			out = append(out, j)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return false, fmt.Errorf("claim jobs: %w", err)
		}
		if err := loadDeps(ctx, tx, out); err != nil {
			return false, err
		}
		return len(out) > 0, nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *custos.Job) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Checkpoint implements custos.JobStore.
func (db *DB) Checkpoint(ctx context.Context, j *custos.Job, checkpoint json.RawMessage, leaseUntil time.Time) error {
	var f custos.Fields
	checkJSON(&f, "checkpoint", checkpoint)
	if err := f.Err(); err != nil {
		return err
	}
	lease := utcMicro(leaseUntil)
	if checkpoint == nil {
		return db.updateHeld(ctx, "extend job lease", j, nil, `next_at = $4, lease_until = $4`, lease)
	}
	return db.updateHeld(ctx, "checkpoint job", j, nil, `next_at = $4, lease_until = $4, checkpoint = $5`, lease, string(checkpoint))
}

// FinishJob implements custos.JobStore.
func (db *DB) FinishJob(ctx context.Context, j *custos.Job, result json.RawMessage, audit *custos.AuditEntry) error {
	var f custos.Fields
	checkJSON(&f, "result", result)
	if err := f.Err(); err != nil {
		return err
	}
	return db.updateHeld(ctx, "finish job", j, audit,
		`state = 'done', next_at = $4, lease_until = $4, result = $5, error = ''`, time.Time{}, string(result))
}

// FailJob implements custos.JobStore.
func (db *DB) FailJob(ctx context.Context, j *custos.Job, errText string, next time.Time) error {
	state := custos.JobFailed
	if next.IsZero() {
		state = custos.JobDead
	}
	return db.updateHeld(ctx, "fail job", j, nil, `state = $4, next_at = $5, lease_until = $6, error = $7`,
		string(state), utcMicro(next), time.Time{}, truncateUTF8(errText, custos.MaxJobError))
}

// WaitJob implements custos.JobStore.
func (db *DB) WaitJob(ctx context.Context, j *custos.Job, result json.RawMessage) error {
	var f custos.Fields
	checkJSON(&f, "result", result)
	if err := f.Err(); err != nil {
		return err
	}
	return db.updateHeld(ctx, "record job waiting", j, nil,
		`state = 'waiting', next_at = $4, lease_until = $4, result = $5, error = ''`, time.Time{}, string(result))
}

// ReleaseJob implements custos.JobStore.
func (db *DB) ReleaseJob(ctx context.Context, j *custos.Job) error {
	return db.updateHeld(ctx, "release job", j, nil,
		`state = 'pending', attempts = attempts - 1, next_at = $4, lease_until = $4`, time.Time{})
}

// updateHeld sets set on job j if it is still running under j.Claim. The
// parameters $1, $2 and $3 are the id, the claim and the time of the
// change; set's own start at $4.
func (db *DB) updateHeld(ctx context.Context, what string, j *custos.Job, audit *custos.AuditEntry, set string, args ...any) error {
	if j == nil {
		return custos.Errorf(custos.EINVALID, "no job")
	}
	q := `UPDATE jobs SET ` + set + `, updated_at = $3, version = version + 1 WHERE id = $1 AND claim = $2 AND state = 'running'`
	args = append([]any{j.ID, j.Claim, utcMicro(time.Now())}, args...)
	var refused error
	err := db.apply(ctx, what, audit, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		refused = nil
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return false, fmt.Errorf("%s: %w", what, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, fmt.Errorf("%s: %w", what, err)
		} else if n == 0 {
			refused = jobGone(ctx, tx, j.ID, "the job is no longer held by this runner")
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	return refused
}

// jobGone returns ENOTFOUND if there is no job id, and else ECONFLICT
// with message.
func jobGone(ctx context.Context, tx *sql.Tx, id int64, message string) error {
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM jobs WHERE id = $1`, id).Scan(&one); err != nil {
		return custos.Errorf(custos.ENOTFOUND, "job not found")
	}
	return custos.Errorf(custos.ECONFLICT, "%s", message)
}

// CompleteWaiting implements custos.JobStore.
func (db *DB) CompleteWaiting(ctx context.Context, id int64, result json.RawMessage, audit *custos.AuditEntry) (*custos.Job, error) {
	return db.complete(ctx, id, result, audit, `state <> 'done'`, "the job is done already")
}

// CompleteStaff implements custos.JobStore.
func (db *DB) CompleteStaff(ctx context.Context, id int64, result json.RawMessage, audit *custos.AuditEntry) (*custos.Job, error) {
	return db.complete(ctx, id, result, audit, `state = 'waiting'`, "the job is not waiting")
}

// complete moves job id to done with result where its state matches
// states; refused says why not.
func (db *DB) complete(ctx context.Context, id int64, result json.RawMessage, audit *custos.AuditEntry, states, refusal string) (*custos.Job, error) {
	var f custos.Fields
	checkJSON(&f, "result", result)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var (
		out     *custos.Job
		refused error
	)
	err := db.apply(ctx, "complete job", audit, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		out, refused = nil, nil
		j, err := scanJob(tx.QueryRowContext(ctx, `UPDATE jobs SET state = 'done', next_at = $3, lease_until = $3, result = $2,`+
			` error = '', updated_at = $4, version = version + 1 WHERE id = $1 AND `+states+` RETURNING `+jobColumns,
			id, string(result), time.Time{}, utcMicro(time.Now())))
		if errors.Is(err, sql.ErrNoRows) {
			refused = jobGone(ctx, tx, id, refusal)
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("complete job: %w", err)
		}
		if err := loadDeps(ctx, tx, []*custos.Job{j}); err != nil {
			return false, err
		}
		out = j
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, refused
	}
	return out, nil
}

// RetryJob implements custos.JobStore.
func (db *DB) RetryJob(ctx context.Context, id int64, audit *custos.AuditEntry) error {
	return db.retryJob(ctx, id, nil, audit)
}

// RetryJobWith implements custos.JobStore.
func (db *DB) RetryJobWith(ctx context.Context, id int64, checkpoint json.RawMessage, audit *custos.AuditEntry) error {
	var f custos.Fields
	if checkpoint == nil {
		f.Add("checkpoint", "missing")
	}
	checkJSON(&f, "checkpoint", checkpoint)
	if err := f.Err(); err != nil {
		return err
	}
	return db.retryJob(ctx, id, checkpoint, audit)
}

// retryJob retries job id, setting its checkpoint unless it is nil.
func (db *DB) retryJob(ctx context.Context, id int64, checkpoint json.RawMessage, audit *custos.AuditEntry) error {
	set, args := "", []any{id, time.Time{}, utcMicro(time.Now())}
	if checkpoint != nil {
		set, args = " checkpoint = $4,", append(args, string(checkpoint))
	}
	var refused error
	err := db.apply(ctx, "retry job", audit, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		refused = nil
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'pending', attempts = 0, next_at = $2, lease_until = $2,`+set+
			` updated_at = $3, version = version + 1 WHERE id = $1 AND state IN ('failed', 'dead', 'waiting')`,
			args...)
		if err != nil {
			return false, fmt.Errorf("retry job: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, fmt.Errorf("retry job: %w", err)
		} else if n == 0 {
			refused = jobGone(ctx, tx, id, "only a failed, dead or waiting job can be retried")
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	return refused
}

// RedactJob implements custos.JobStore.
func (db *DB) RedactJob(ctx context.Context, id int64, result json.RawMessage) error {
	var f custos.Fields
	checkJSON(&f, "result", result)
	if err := f.Err(); err != nil {
		return err
	}
	var refused error
	err := db.apply(ctx, "redact job", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		refused = nil
		// Not a job redacted already: an erasure of the person may have
		// cleared it since result was made from it. One that redacting
		// leaves as it was keeps its time and version, so that marking the
		// steps of old requests shows no change.
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET result = $2, checkpoint = '', redacted = true,`+
			` updated_at = CASE WHEN result = $2 AND checkpoint = '' THEN updated_at ELSE $3 END,`+
			` version = CASE WHEN result = $2 AND checkpoint = '' THEN version ELSE version + 1 END`+
			` WHERE id = $1 AND state = 'done' AND NOT redacted`, id, string(result), utcMicro(time.Now()))
		if err != nil {
			return false, fmt.Errorf("redact job: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, fmt.Errorf("redact job: %w", err)
		} else if n > 0 {
			return true, nil
		}
		var state string
		var redacted bool
		switch err := tx.QueryRowContext(ctx, `SELECT state, redacted FROM jobs WHERE id = $1`, id).Scan(&state, &redacted); {
		case errors.Is(err, sql.ErrNoRows):
			refused = custos.Errorf(custos.ENOTFOUND, "job not found")
		case err != nil:
			return false, fmt.Errorf("redact job: %w", err)
		case !redacted:
			refused = custos.Errorf(custos.ECONFLICT, "only a done job is redacted")
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	return refused
}

// UnredactedJobs implements custos.JobStore.
func (db *DB) UnredactedJobs(ctx context.Context, limit int) ([]int64, error) {
	if limit <= 0 {
		return nil, custos.Errorf(custos.EINVALID, "limit must be positive")
	}
	// The conditions on jobs are those of the partial index jobs_unredacted,
	// written the same way so that SQLite uses it.
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM jobs`+
		` WHERE state = 'done' AND NOT redacted AND request_id <> ''`+
		` AND EXISTS (SELECT 1 FROM requests r WHERE r.id = jobs.request_id AND r.state = $1)`+
		` ORDER BY id LIMIT $2`, string(custos.StateCompleted), limit)
	if err != nil {
		return nil, fmt.Errorf("store: read unredacted jobs: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: read unredacted jobs: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read unredacted jobs: %w", err)
	}
	return ids, nil
}

// Job implements custos.JobStore.
func (db *DB) Job(ctx context.Context, id int64) (*custos.Job, error) {
	return db.jobWhere(ctx, `id = $1`, id)
}

// JobByKey implements custos.JobStore.
func (db *DB) JobByKey(ctx context.Context, key string) (*custos.Job, error) {
	return db.jobWhere(ctx, `key = $1`, key)
}

func (db *DB) jobWhere(ctx context.Context, where string, arg any) (*custos.Job, error) {
	j, err := scanJob(db.read.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, custos.Errorf(custos.ENOTFOUND, "job not found")
	}
	if err != nil {
		return nil, fmt.Errorf("store: read job: %w", err)
	}
	if err := loadDeps(ctx, db.read, []*custos.Job{j}); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return j, nil
}

// Jobs implements custos.JobStore.
func (db *DB) Jobs(ctx context.Context, requestID string) ([]*custos.Job, error) {
	list, err := queryList(ctx, db.read, "read jobs", scanJob, `SELECT `+jobColumns+` FROM jobs WHERE request_id = $1 ORDER BY id`, requestID)
	if err != nil {
		return nil, err
	}
	if err := loadDeps(ctx, db.read, list); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return list, nil
}

// DeleteJobs implements custos.JobStore. requestID must not be "".
func (db *DB) DeleteJobs(ctx context.Context, requestID string) (int64, error) {
	if requestID == "" {
		return 0, custos.Errorf(custos.EINVALID, "a request id is required")
	}
	var n int64
	err := db.apply(ctx, "delete jobs", nil, func(ctx context.Context, tx *sql.Tx) (bool, error) {
		n = 0
		if _, err := tx.ExecContext(ctx, `DELETE FROM job_deps WHERE job_id IN (SELECT id FROM jobs WHERE request_id = $1)`, requestID); err != nil {
			return false, fmt.Errorf("delete job dependencies: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE request_id = $1`, requestID)
		if err != nil {
			return false, fmt.Errorf("delete jobs: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return false, fmt.Errorf("delete jobs: %w", err)
		}
		return n > 0, nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
