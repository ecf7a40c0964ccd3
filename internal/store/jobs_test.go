package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// jt0 is the jobs tests' clock: a time whose zone and nanoseconds the
// store must normalise.
var jt0 = time.Date(2031, 3, 4, 5, 6, 7, 891234567, time.FixedZone("X", 3600))

func step(req, system string, deps ...string) *custos.Job {
	return &custos.Job{
		Kind:      custos.JobRequestStep,
		RequestID: req,
		Key:       req + "/system/" + system + "/erasure",
		DependsOn: deps,
		Payload:   json.RawMessage(`{"system":"` + system + `"}`),
	}
}

func enqueue(t *testing.T, db *store.DB, jobs ...*custos.Job) {
	t.Helper()
	if err := db.EnqueueJobs(context.Background(), jobs, nil); err != nil {
		t.Fatal(err)
	}
}

func claim(t *testing.T, db *store.DB, now time.Time, limit int, kinds ...string) []*custos.Job {
	t.Helper()
	got, err := db.ClaimJobs(context.Background(), now, time.Minute, limit, kinds...)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func keys(jobs []*custos.Job) []string {
	out := []string{}
	for _, j := range jobs {
		out = append(out, j.Key)
	}
	return out
}

func readJob(t *testing.T, db *store.DB, id int64) *custos.Job {
	t.Helper()
	j, err := db.Job(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestEnqueueJobsIdempotent(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := step("rq_1", "shop"), step("rq_1", "crm", "rq_1/system/shop/erasure")
		b.MaxAttempts, b.NextAt, b.CreatedAt = 3, jt0.Add(time.Hour), jt0
		entry := &custos.AuditEntry{Actor: "system", Action: custos.AuditJobsPlanned, ObjectType: "request", ObjectID: "rq_1"}
		if err := db.EnqueueJobs(ctx, []*custos.Job{a, b}, entry); err != nil {
			t.Fatal(err)
		}
		if entry.Seq != 1 {
			t.Errorf("the audit entry was not appended: %+v", entry)
		}
		if a.ID == 0 || b.ID <= a.ID || a.State != custos.JobPending || a.MaxAttempts != custos.DefaultJobAttempts ||
			a.Version != 1 || a.CreatedAt.IsZero() || !a.UpdatedAt.Equal(a.CreatedAt) || !a.NextAt.IsZero() {
			t.Errorf("stored a = %+v", a)
		}
		if b.MaxAttempts != 3 || !b.NextAt.Equal(jt0.Add(time.Hour).Truncate(time.Microsecond)) || b.NextAt.Location() != time.UTC || !b.CreatedAt.Equal(jt0.Truncate(time.Microsecond)) {
			t.Errorf("stored b = %+v", b)
		}
		if diff := cmp.Diff([]string{"rq_1/system/shop/erasure"}, b.DependsOn); diff != "" {
			t.Errorf("b.DependsOn (-want +got):\n%s", diff)
		}
		// What EnqueueJobs returned is what reads return.
		list, err := db.Jobs(ctx, "rq_1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*custos.Job{a, b}, list); diff != "" {
			t.Errorf("Jobs (-enqueued +read):\n%s", diff)
		}
		if got, err := db.JobByKey(ctx, b.Key); err != nil || !cmp.Equal(got, b) {
			t.Errorf("JobByKey = %+v, %v", got, err)
		}

		// The same keys again, with other contents and a repeat within the
		// batch, and a new one: only the new one is stored, the others are
		// returned as they are.
		a2 := step("rq_1", "shop")
		a2.Payload = json.RawMessage(`{"other":true}`)
		a3 := step("rq_1", "shop")
		c := step("rq_1", "chat", a.Key, b.Key)
		entry2 := &custos.AuditEntry{Actor: "system", Action: custos.AuditJobsPlanned, ObjectType: "request", ObjectID: "rq_1"}
		if err := db.EnqueueJobs(ctx, []*custos.Job{a2, c, a3}, entry2); err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(a2, a) || !cmp.Equal(a3, a) {
			t.Errorf("an existing key returned %+v and %+v, want %+v", a2, a3, a)
		}
		if c.ID <= b.ID || len(c.DependsOn) != 2 {
			t.Errorf("new job = %+v", c)
		}
		// Enqueueing only existing keys writes nothing, not even the audit.
		seq, _, _ := db.AuditHead(ctx)
		entry3 := &custos.AuditEntry{Actor: "system", Action: custos.AuditJobsPlanned, ObjectType: "request", ObjectID: "rq_1"}
		again := []*custos.Job{step("rq_1", "shop"), step("rq_1", "crm")}
		if err := db.EnqueueJobs(ctx, again, entry3); err != nil {
			t.Fatal(err)
		}
		if after, _, _ := db.AuditHead(ctx); after != seq || entry3.Seq != 0 {
			t.Errorf("a replay appended an audit entry: head %d -> %d", seq, after)
		}
		if again[0].ID != a.ID || again[1].ID != b.ID || len(again[1].DependsOn) != 1 {
			t.Errorf("replay = %+v %+v", again[0], again[1])
		}
		if list, _ := db.Jobs(ctx, "rq_1"); len(list) != 3 {
			t.Errorf("%d jobs stored, want 3", len(list))
		}
		if list, err := db.Jobs(ctx, "rq_none"); err != nil || list == nil || len(list) != 0 {
			t.Errorf("Jobs of no request = %v, %v", list, err)
		}
	})
}

func TestEnqueueJobsRefused(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		enqueue(t, db, step("rq_1", "shop"))
		for name, jobs := range map[string][]*custos.Job{
			"no kind":        {{Key: "k"}},
			"no key":         {{Kind: "x"}},
			"nil":            {nil},
			"bad state":      {{Kind: "x", Key: "k", State: custos.JobDone}},
			"bad payload":    {{Kind: "x", Key: "k", Payload: json.RawMessage(`{`)}},
			"negative max":   {{Kind: "x", Key: "k", MaxAttempts: -1}},
			"itself":         {{Kind: "x", Key: "k", DependsOn: []string{"k"}}},
			"empty dep":      {{Kind: "x", Key: "k", DependsOn: []string{""}}},
			"unknown dep":    {{Kind: "x", Key: "k1"}, {Kind: "x", Key: "k2", DependsOn: []string{"rq_1/system/shop/erasure", "nope"}}},
			"cycle":          {{Kind: "x", Key: "k1", DependsOn: []string{"k3"}}, {Kind: "x", Key: "k2", DependsOn: []string{"k1"}}, {Kind: "x", Key: "k3", DependsOn: []string{"k2"}}},
			"cycle of a new": {{Kind: "x", Key: "k1", DependsOn: []string{"k2"}}, {Kind: "x", Key: "k2", DependsOn: []string{"k1"}}},
		} {
			err := db.EnqueueJobs(ctx, jobs, nil)
			if custos.ErrorCode(err) != custos.EINVALID {
				t.Errorf("%s: error %v, want %s", name, err, custos.EINVALID)
			}
		}
		var n int
		if err := db.ReadSQL().QueryRowContext(ctx, `SELECT count(*) FROM jobs`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d jobs stored (%v), want only the first", n, err)
		}
		if err := db.EnqueueJobs(ctx, nil, nil); err != nil {
			t.Errorf("no jobs: %v", err)
		}
	})
}

// TestClaimJobsDependencies: a job is claimed only once every job it
// depends on is done, whichever batch it came in.
func TestClaimJobsDependencies(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := step("rq_1", "shop")
		b := step("rq_1", "crm", a.Key)
		enqueue(t, db, b, a) // b first in the batch: order does not matter
		c := step("rq_1", "chat", a.Key, "rq_1/system/crm/erasure")
		enqueue(t, db, c)

		got := claim(t, db, jt0, 10)
		if diff := cmp.Diff([]string{a.Key}, keys(got)); diff != "" {
			t.Fatalf("first claim (-want +got):\n%s", diff)
		}
		ja := got[0]
		if ja.State != custos.JobRunning || ja.Attempts != 1 || ja.Claim != 1 || !ja.LeaseUntil.Equal(jt0.Add(time.Minute).Truncate(time.Microsecond)) {
			t.Errorf("claimed = %+v", ja)
		}
		// A running, failed or waiting dependency holds the others up.
		if got := claim(t, db, jt0, 10); len(got) != 0 {
			t.Errorf("claimed %v while A runs", keys(got))
		}
		if err := db.FailJob(ctx, ja, "boom", jt0); err != nil {
			t.Fatal(err)
		}
		got = claim(t, db, jt0, 10)
		if diff := cmp.Diff([]string{a.Key}, keys(got)); diff != "" {
			t.Fatalf("after A failed (-want +got):\n%s", diff)
		}
		if err := db.WaitJob(ctx, got[0], nil); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, db, jt0.Add(time.Hour), 10); len(got) != 0 {
			t.Errorf("claimed %v while A waits", keys(got))
		}
		if _, err := db.CompleteWaiting(ctx, got[0].ID, json.RawMessage(`{"rows":3}`), nil); err != nil {
			t.Fatal(err)
		}
		got = claim(t, db, jt0, 10)
		if diff := cmp.Diff([]string{"rq_1/system/crm/erasure"}, keys(got)); diff != "" {
			t.Fatalf("after A (-want +got):\n%s", diff)
		}
		if err := db.FinishJob(ctx, got[0], nil, nil); err != nil {
			t.Fatal(err)
		}
		got = claim(t, db, jt0, 10)
		if diff := cmp.Diff([]string{c.Key}, keys(got)); diff != "" {
			t.Fatalf("after B (-want +got):\n%s", diff)
		}
	})
}

// TestClaimJobsDue: a job is claimed when it is due, oldest due first, up
// to the limit, and only of the kinds asked for.
func TestClaimJobsDue(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		late := &custos.Job{Kind: "sweep", Key: "late", NextAt: jt0.Add(time.Hour)}
		soon := &custos.Job{Kind: "sweep", Key: "soon", NextAt: jt0.Add(time.Minute)}
		now := &custos.Job{Kind: "sweep", Key: "now"}
		mail := &custos.Job{Kind: "webhook", Key: "hook"}
		waiting := &custos.Job{Kind: "sweep", Key: "manual", State: custos.JobWaiting}
		enqueue(t, db, late, soon, now, mail, waiting)
		if got := claim(t, db, jt0, 10, "sweep"); !cmp.Equal(keys(got), []string{"now"}) {
			t.Errorf("at t0: %v", keys(got))
		}
		if got := claim(t, db, jt0.Add(2*time.Hour), 1, "sweep", "other"); !cmp.Equal(keys(got), []string{"soon"}) {
			t.Errorf("limit 1: %v", keys(got))
		}
		// By now the lease of "now" ran out too: it is claimed again.
		if got := claim(t, db, jt0.Add(2*time.Hour), 10); !cmp.Equal(keys(got), []string{"late", "now", "hook"}) {
			t.Errorf("any kind: %v", keys(got))
		}
		if _, err := db.ClaimJobs(context.Background(), jt0, 0, 1); custos.ErrorCode(err) != custos.EINVALID {
			t.Errorf("no lease: %v", err)
		}
	})
}

// TestClaimJobsLeaseExpiry simulates a crash: a runner claims a job,
// records a checkpoint and dies. Once the lease has run out, the job is
// claimed again with its checkpoint, and the dead runner can record
// nothing more for it.
func TestClaimJobsLeaseExpiry(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		enqueue(t, db, step("rq_1", "shop"))
		first := claim(t, db, jt0, 1)[0]
		cp := json.RawMessage(`{"tables_done":["customers","orders"]}`)
		if err := db.Checkpoint(ctx, first, cp, jt0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		// The checkpoint extended the lease.
		if got := claim(t, db, jt0.Add(90*time.Second), 1); len(got) != 0 {
			t.Fatalf("claimed within the lease: %+v", got[0])
		}
		// Extending without a checkpoint keeps it.
		if err := db.Checkpoint(ctx, first, nil, jt0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, db, jt0.Add(170*time.Second), 1); len(got) != 0 {
			t.Fatalf("claimed within the extended lease: %+v", got[0])
		}
		// The runner dies; after the lease, another takes the job over.
		again := claim(t, db, jt0.Add(3*time.Minute+time.Second), 1)
		if len(again) != 1 {
			t.Fatal("the job was not claimed again after its lease")
		}
		second := again[0]
		if second.ID != first.ID || second.Claim != 2 || second.Attempts != 2 || string(second.Checkpoint) != string(cp) {
			t.Errorf("claimed again: %+v", second)
		}
		// The first runner's writes are refused; the second's go through.
		for name, err := range map[string]error{
			"checkpoint": db.Checkpoint(ctx, first, json.RawMessage(`{}`), jt0.Add(time.Hour)),
			"finish":     db.FinishJob(ctx, first, nil, nil),
			"fail":       db.FailJob(ctx, first, "x", time.Time{}),
			"wait":       db.WaitJob(ctx, first, nil),
			"release":    db.ReleaseJob(ctx, first),
		} {
			if custos.ErrorCode(err) != custos.ECONFLICT {
				t.Errorf("the old holder's %s: %v, want %s", name, err, custos.ECONFLICT)
			}
		}
		entry := &custos.AuditEntry{Actor: "system", Action: custos.AuditJobDone, ObjectType: "job", ObjectID: second.Key}
		if err := db.FinishJob(ctx, second, json.RawMessage(`{"deleted":{"customers":1}}`), entry); err != nil {
			t.Fatal(err)
		}
		if entry.Seq == 0 {
			t.Error("FinishJob did not append its audit entry")
		}
		done := readJob(t, db, first.ID)
		if done.State != custos.JobDone || string(done.Result) != `{"deleted":{"customers":1}}` || string(done.Checkpoint) != string(cp) ||
			!done.LeaseUntil.IsZero() || done.Version <= second.Version {
			t.Errorf("done = %+v", done)
		}
		if got := claim(t, db, jt0.Add(time.Hour), 1); len(got) != 0 {
			t.Errorf("a done job was claimed: %+v", got[0])
		}
		// No such job.
		ghost := &custos.Job{ID: 999, Claim: 1}
		if err := db.FinishJob(ctx, ghost, nil, nil); custos.ErrorCode(err) != custos.ENOTFOUND {
			t.Errorf("finish no job: %v", err)
		}
	})
}

// TestJobFailRetryRelease: the outcomes of a run other than done.
func TestJobFailRetryRelease(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		enqueue(t, db, step("rq_1", "shop"))
		j := claim(t, db, jt0, 1)[0]
		long := strings.Repeat("é", 400) // 800 bytes
		if err := db.FailJob(ctx, j, long, jt0.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		got := readJob(t, db, j.ID)
		if got.State != custos.JobFailed || len(got.Error) != 500 || !strings.HasPrefix(long, got.Error) ||
			!got.NextAt.Equal(jt0.Add(30*time.Second).Truncate(time.Microsecond)) || !got.LeaseUntil.IsZero() {
			t.Errorf("failed = %+v", got)
		}
		if n := claim(t, db, jt0.Add(29*time.Second), 1); len(n) != 0 {
			t.Error("a failed job was claimed before it was due")
		}
		// Retrying a failed job makes it due at once.
		entry := &custos.AuditEntry{Actor: "st_alice", Action: custos.AuditJobRetried, ObjectType: "job", ObjectID: j.Key}
		if err := db.RetryJob(ctx, j.ID, entry); err != nil {
			t.Fatal(err)
		}
		if entry.Seq == 0 {
			t.Error("RetryJob did not append its audit entry")
		}
		got = readJob(t, db, j.ID)
		if got.State != custos.JobPending || got.Attempts != 0 || !got.NextAt.IsZero() {
			t.Errorf("retried = %+v", got)
		}
		j = claim(t, db, jt0, 1)[0]
		if j.Attempts != 1 || j.Claim != 2 {
			t.Errorf("claimed after retry: %+v", j)
		}
		// Dead: not claimed, whenever.
		if err := db.FailJob(ctx, j, "gave up", time.Time{}); err != nil {
			t.Fatal(err)
		}
		if got := readJob(t, db, j.ID); got.State != custos.JobDead || !got.NextAt.IsZero() {
			t.Errorf("dead = %+v", got)
		}
		if n := claim(t, db, jt0.AddDate(1, 0, 0), 1); len(n) != 0 {
			t.Error("a dead job was claimed")
		}
		if err := db.RetryJob(ctx, j.ID, nil); err != nil {
			t.Fatal(err)
		}
		j = claim(t, db, jt0, 1)[0]
		// Released: due at once, the attempt not counted, the checkpoint
		// kept.
		if err := db.Checkpoint(ctx, j, json.RawMessage(`{"n":1}`), jt0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.ReleaseJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		got = readJob(t, db, j.ID)
		if got.State != custos.JobPending || got.Attempts != 0 || string(got.Checkpoint) != `{"n":1}` || !got.NextAt.IsZero() {
			t.Errorf("released = %+v", got)
		}
		// Retrying a pending, running or done job is refused.
		wantCode(t, db.RetryJob(ctx, j.ID, nil), custos.ECONFLICT)
		j = claim(t, db, jt0, 1)[0]
		wantCode(t, db.RetryJob(ctx, j.ID, nil), custos.ECONFLICT)
		if err := db.FinishJob(ctx, j, nil, nil); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.RetryJob(ctx, j.ID, nil), custos.ECONFLICT)
		wantCode(t, db.RetryJob(ctx, 999, nil), custos.ENOTFOUND)
		// Bad JSON is refused.
		wantCode(t, db.FinishJob(ctx, j, json.RawMessage(`{`), nil), custos.EINVALID)
		wantCode(t, db.Checkpoint(ctx, j, json.RawMessage(`nope`), jt0), custos.EINVALID)
	})
}

// TestJobRetryWith: staff's input to a waiting job becomes its checkpoint
// as it is queued again; bad JSON, or none, changes nothing.
func TestJobRetryWith(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		enqueue(t, db, step("rq_1", "shop"))
		j := claim(t, db, jt0, 1)[0]
		if err := db.Checkpoint(ctx, j, json.RawMessage(`{"old":true}`), jt0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.WaitJob(ctx, j, json.RawMessage(`{"waiting":"staff"}`)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.RetryJobWith(ctx, j.ID, json.RawMessage(`{`), nil), custos.EINVALID)
		wantCode(t, db.RetryJobWith(ctx, j.ID, nil, nil), custos.EINVALID)
		if got := readJob(t, db, j.ID); got.State != custos.JobWaiting || string(got.Checkpoint) != `{"old":true}` {
			t.Fatalf("after refused input: %+v", got)
		}
		entry := &custos.AuditEntry{Actor: "st_alice", Action: custos.AuditJobCorrected, ObjectType: "job", ObjectID: j.Key}
		if err := db.RetryJobWith(ctx, j.ID, json.RawMessage(`{"changes":{"customers":{"name":"A"}}}`), entry); err != nil {
			t.Fatal(err)
		}
		if entry.Seq == 0 {
			t.Error("RetryJobWith did not append its audit entry")
		}
		j = claim(t, db, jt0, 1)[0]
		if string(j.Checkpoint) != `{"changes":{"customers":{"name":"A"}}}` || j.Attempts != 1 {
			t.Errorf("claimed = %+v", j)
		}
		// Only a failed, dead or waiting job takes input.
		wantCode(t, db.RetryJobWith(ctx, j.ID, json.RawMessage(`{}`), nil), custos.ECONFLICT)
		if got := readJob(t, db, j.ID); string(got.Checkpoint) != `{"changes":{"customers":{"name":"A"}}}` {
			t.Errorf("a running job's checkpoint changed: %s", got.Checkpoint)
		}
		wantCode(t, db.RetryJobWith(ctx, 999, json.RawMessage(`{}`), nil), custos.ENOTFOUND)
	})
}

// TestRedactJob: a done job's result is replaced and its checkpoint
// cleared; a job not done is refused and left as it is.
func TestRedactJob(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		enqueue(t, db, step("rq_1", "shop"))
		j := claim(t, db, jt0, 1)[0]
		if err := db.Checkpoint(ctx, j, json.RawMessage(`{"changes":{"customers":{"name":"Ann"}}}`), jt0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.RedactJob(ctx, j.ID, json.RawMessage(`{}`)), custos.ECONFLICT)
		if err := db.FinishJob(ctx, j, json.RawMessage(`{"tables":[{"table":"customers","rows":[{"name":"Ann"}]}]}`), nil); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.RedactJob(ctx, j.ID, json.RawMessage(`{`)), custos.EINVALID)
		if err := db.RedactJob(ctx, j.ID, json.RawMessage(`{"tables":[{"table":"customers","rows":1}]}`)); err != nil {
			t.Fatal(err)
		}
		got := readJob(t, db, j.ID)
		if got.State != custos.JobDone || string(got.Result) != `{"tables":[{"table":"customers","rows":1}]}` || len(got.Checkpoint) != 0 {
			t.Errorf("redacted = %+v", got)
		}
		wantCode(t, db.RedactJob(ctx, 999, json.RawMessage(`{}`)), custos.ENOTFOUND)
	})
}

// TestUnredactedJobs: the done steps of completed requests not marked
// redacted, oldest first; not those of a request in progress, nor a step
// not done, nor one redacted. Redacting again changes nothing, and a
// redaction that leaves the result as it was keeps the step's time and
// version.
func TestUnredactedJobs(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insertRequest(t, db, dsrRequest("rq_done", "demo", "ann@example.org", custos.RequestAccess, custos.StateCompleted, jt0))
		insertRequest(t, db, dsrRequest("rq_busy", "demo", "bob@example.org", custos.RequestAccess, custos.StateInProgress, jt0))
		enqueue(t, db, step("rq_done", "shop"), step("rq_done", "crm"), step("rq_done", "archive"), step("rq_busy", "shop"))
		results := map[string]string{
			"shop": `{"tables":[{"table":"customers","rows":[{"name":"Ann"}]}]}`,
			"crm":  `{"tables":[{"table":"customers","rows":1}]}`, // nothing personal: as redacted
		}
		byKey := map[string]int64{}
		for _, j := range claim(t, db, jt0, 10) {
			byKey[j.Key] = j.ID
			if strings.Contains(j.Key, "/archive/") {
				continue // left running
			}
			res := results["shop"]
			if strings.Contains(j.Key, "/crm/") {
				res = results["crm"]
			}
			if err := db.FinishJob(ctx, j, json.RawMessage(res), nil); err != nil {
				t.Fatal(err)
			}
		}
		shop, crm := byKey["rq_done/system/shop/erasure"], byKey["rq_done/system/crm/erasure"]
		_, err := db.UnredactedJobs(ctx, 0)
		wantCode(t, err, custos.EINVALID)
		got, err := db.UnredactedJobs(ctx, 10)
		if err != nil || !slices.Equal(got, []int64{shop, crm}) {
			t.Fatalf("unredacted = %v, %v; want %v", got, err, []int64{shop, crm})
		}
		if one, _ := db.UnredactedJobs(ctx, 1); !slices.Equal(one, got[:1]) {
			t.Errorf("limit 1: %v", one)
		}
		wantCode(t, db.RedactJob(ctx, byKey["rq_done/system/archive/erasure"], json.RawMessage(`{}`)), custos.ECONFLICT)

		crmBefore := readJob(t, db, crm)
		if err := db.RedactJob(ctx, crm, json.RawMessage(results["crm"])); err != nil {
			t.Fatal(err)
		}
		if j := readJob(t, db, crm); !j.UpdatedAt.Equal(crmBefore.UpdatedAt) || j.Version != crmBefore.Version {
			t.Errorf("a redaction that changed nothing moved the step: %v v%d, was %v v%d", j.UpdatedAt, j.Version, crmBefore.UpdatedAt, crmBefore.Version)
		}
		shopBefore := readJob(t, db, shop)
		if err := db.RedactJob(ctx, shop, json.RawMessage(`{"tables":[{"table":"customers","rows":1}]}`)); err != nil {
			t.Fatal(err)
		}
		if j := readJob(t, db, shop); j.Version != shopBefore.Version+1 || string(j.Result) != `{"tables":[{"table":"customers","rows":1}]}` {
			t.Errorf("redacted: v%d %s, was v%d", j.Version, j.Result, shopBefore.Version)
		}
		if left, err := db.UnredactedJobs(ctx, 10); err != nil || len(left) != 0 {
			t.Errorf("after redacting both: %v, %v", left, err)
		}
		// Redacted already: left as it is.
		if err := db.RedactJob(ctx, shop, json.RawMessage(`{"other":1}`)); err != nil {
			t.Errorf("redacting again: %v", err)
		}
		if j := readJob(t, db, shop); string(j.Result) != `{"tables":[{"table":"customers","rows":1}]}` {
			t.Errorf("redacting again wrote %s", j.Result)
		}
	})
}

// TestJobWaiting: a waiting job is not claimed; an outside event completes
// it, even one that comes before the wait was recorded, but only once.
func TestJobWaiting(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hook := &custos.Job{Kind: "webhook", RequestID: "rq_1", Key: "rq_1/system/crm/access"}
		manual := &custos.Job{Kind: "manual", RequestID: "rq_1", Key: "rq_1/system/paper/access", State: custos.JobWaiting}
		enqueue(t, db, hook, manual)
		j := claim(t, db, jt0, 10)
		if !cmp.Equal(keys(j), []string{hook.Key}) {
			t.Fatalf("claimed %v", keys(j))
		}
		if err := db.WaitJob(ctx, j[0], json.RawMessage(`{"delivery":"d1"}`)); err != nil {
			t.Fatal(err)
		}
		if got := readJob(t, db, hook.ID); got.State != custos.JobWaiting || string(got.Result) != `{"delivery":"d1"}` {
			t.Errorf("waiting = %+v", got)
		}
		if n := claim(t, db, jt0.AddDate(1, 0, 0), 10); len(n) != 0 {
			t.Errorf("claimed waiting jobs %v", keys(n))
		}
		entry := &custos.AuditEntry{Actor: "st_alice", Action: custos.AuditJobCompleted, ObjectType: "job", ObjectID: manual.Key}
		done, err := db.CompleteWaiting(ctx, manual.ID, json.RawMessage(`{"note":"done by hand"}`), entry)
		if err != nil {
			t.Fatal(err)
		}
		if done.State != custos.JobDone || string(done.Result) != `{"note":"done by hand"}` || done.Key != manual.Key || entry.Seq == 0 {
			t.Errorf("completed = %+v, entry %+v", done, entry)
		}
		if got := readJob(t, db, manual.ID); !cmp.Equal(got, done) {
			t.Errorf("read %+v, completion returned %+v", got, done)
		}
		_, err = db.CompleteWaiting(ctx, manual.ID, nil, nil)
		wantCode(t, err, custos.ECONFLICT)
		_, err = db.CompleteWaiting(ctx, 999, nil, nil)
		wantCode(t, err, custos.ENOTFOUND)

		// A callback that comes while the job still runs completes it; the
		// runner then finds it gone.
		fast := &custos.Job{Kind: "webhook", RequestID: "rq_1", Key: "rq_1/system/chat/access"}
		enqueue(t, db, fast)
		held := claim(t, db, jt0, 10)[0]
		if _, err := db.CompleteWaiting(ctx, fast.ID, json.RawMessage(`{"rows":0}`), nil); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.WaitJob(ctx, held, json.RawMessage(`{"delivery":"d2"}`)), custos.ECONFLICT)
		if got := readJob(t, db, fast.ID); got.State != custos.JobDone || string(got.Result) != `{"rows":0}` {
			t.Errorf("completed while running = %+v", got)
		}
		// Staff may send a waiting job again.
		if err := db.RetryJob(ctx, hook.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, db, jt0, 10); !cmp.Equal(keys(got), []string{hook.Key}) {
			t.Errorf("after retry of a waiting job: %v", keys(got))
		}
	})
}

// TestClaimJobsRace: runners on two nodes (two stores on one PostgreSQL
// database; on SQLite, one store) claim concurrently, and every job is
// claimed exactly once.
func TestClaimJobsRace(t *testing.T) {
	storetest.Configs(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		var nodes [2]*store.DB
		for i := range nodes {
			if i > 0 && cfg.DSN == "" {
				// SQLite serves one process: several nodes share a
				// PostgreSQL database. Here two runners share one store.
				nodes[i] = nodes[0]
				continue
			}
			db, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			nodes[i] = db
		}
		const n = 200
		var jobs []*custos.Job
		for i := range n {
			j := &custos.Job{Kind: "x", Key: fmt.Sprint("job-", i)}
			if i%10 > 0 {
				// Chains of ten: each waits for the one before.
				j.DependsOn = []string{fmt.Sprint("job-", i-1)}
			}
			jobs = append(jobs, j)
		}
		if err := nodes[0].EnqueueJobs(ctx, jobs, nil); err != nil {
			t.Fatal(err)
		}
		var (
			mu     sync.Mutex
			counts = map[string]int{}
			wg     sync.WaitGroup
			done   int
		)
		for w := range 8 {
			db := nodes[w%2]
			wg.Go(func() {
				for {
					got, err := db.ClaimJobs(ctx, jt0, time.Hour, 3)
					if err != nil {
						t.Error(err)
						mu.Lock()
						done = n // stop the others
						mu.Unlock()
						return
					}
					mu.Lock()
					for _, j := range got {
						counts[j.Key]++
					}
					mu.Unlock()
					for _, j := range got {
						if err := db.FinishJob(ctx, j, nil, nil); err != nil {
							t.Error(err)
						}
					}
					mu.Lock()
					done += len(got)
					finished := done >= n
					mu.Unlock()
					if finished {
						return
					}
					// Nothing claimed: others hold the rest, or the jobs
					// left wait for theirs; claim again.
				}
			})
		}
		wg.Wait()
		if len(counts) != n {
			t.Errorf("%d jobs claimed, want %d", len(counts), n)
		}
		for k, c := range counts {
			if c != 1 {
				t.Errorf("%s claimed %d times", k, c)
			}
		}
	})
}

// TestJobsDelete: a request's jobs go with it, and its rows are labelled
// as the request's personal data; other jobs are the system's own.
func TestJobsDelete(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := step("rq_1", "shop")
		enqueue(t, db, a, step("rq_1", "crm", a.Key), step("rq_2", "shop"), &custos.Job{Kind: "sweep", Key: "sweep-1"})
		var category, purpose string
		if err := db.ReadSQL().QueryRowContext(ctx, `SELECT data_category, purpose FROM jobs WHERE key = $1`, a.Key).Scan(&category, &purpose); err != nil ||
			category != "user" || purpose != custos.RequestPurpose {
			t.Errorf("a request's job is labelled %q, %q (%v)", category, purpose, err)
		}
		if err := db.ReadSQL().QueryRowContext(ctx, `SELECT data_category FROM jobs WHERE key = 'sweep-1'`).Scan(&category); err != nil || category == "user" {
			t.Errorf("a system job is labelled %q (%v)", category, err)
		}
		n, err := db.DeleteJobs(ctx, "rq_1")
		if err != nil || n != 2 {
			t.Errorf("DeleteJobs = %d, %v", n, err)
		}
		var deps int
		if err := db.ReadSQL().QueryRowContext(ctx, `SELECT count(*) FROM job_deps`).Scan(&deps); err != nil || deps != 0 {
			t.Errorf("%d dependencies left (%v)", deps, err)
		}
		if list, _ := db.Jobs(ctx, "rq_2"); len(list) != 1 {
			t.Errorf("rq_2 has %d jobs left", len(list))
		}
		_, err = db.DeleteJobs(ctx, "")
		wantCode(t, err, custos.EINVALID)
		_, err = db.Job(ctx, a.ID)
		wantCode(t, err, custos.ENOTFOUND)
		_, err = db.JobByKey(ctx, a.Key)
		wantCode(t, err, custos.ENOTFOUND)
	})
}
