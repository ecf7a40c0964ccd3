package dsr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/custos-privacy/custos/internal/connector/sqlds"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/jobs"
	"github.com/custos-privacy/custos/internal/manifest"
)

// The plan of a request: one step per system of the site that takes part
// in the request's type (manifest System.Requests), ordered by the systems'
// After, each a job of the job table run by package jobs. A step is
// idempotent — a SQL erasure run twice erases nothing more — so a step
// resumed after a crash does no harm; the request is completed only when
// every step is done.

// StepPayload is the payload of a request step's job: ids only.
type StepPayload struct {
	Site   string             `json:"site"`
	System string             `json:"system"`
	Type   custos.RequestType `json:"type"`
}

// stepKey is the job key of request id's step in system sys.
func stepKey(id, sys string) string { return id + "/" + sys }

// plan returns the steps of r on site: one job per system taking part in
// r's type, depending on the steps of the systems it comes after.
func plan(site *manifest.Site, r *custos.Request) []*custos.Job {
	in := map[string]bool{}
	for _, sys := range site.Systems {
		if slices.Contains(sys.Requests, string(r.Type)) {
			in[sys.ID] = true
		}
	}
	var jobs []*custos.Job
	for _, sys := range site.Systems {
		if !in[sys.ID] {
			continue
		}
		payload, _ := json.Marshal(StepPayload{Site: site.ID, System: sys.ID, Type: r.Type})
		j := &custos.Job{Kind: custos.JobRequestStep, RequestID: r.ID, Key: stepKey(r.ID, sys.ID), Payload: payload}
		for _, after := range sys.After {
			if in[after] {
				j.DependsOn = append(j.DependsOn, stepKey(r.ID, after))
			}
		}
		jobs = append(jobs, j)
	}
	return jobs
}

// Step is one step of a request's plan as staff see it.
type Step struct {
	Job    *custos.Job
	System *manifest.System // nil if the manifest no longer has it
}

// Steps returns the plan of request id, in the order it was made.
func (s *Service) Steps(ctx context.Context, id string) ([]Step, error) {
	if s.Jobs == nil {
		return nil, nil
	}
	r, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	jobs, err := s.Jobs.Jobs(ctx, id)
	if err != nil {
		return nil, err
	}
	site := s.site(r.Site)
	var out []Step
	for _, j := range jobs {
		if j.Kind != custos.JobRequestStep {
			continue
		}
		st := Step{Job: j}
		var p StepPayload
		if json.Unmarshal(j.Payload, &p) == nil && site != nil {
			st.System = site.System(p.System)
		}
		out = append(out, st)
	}
	return out, nil
}

// stepsDone reports whether every step of request id is done, and how
// many there are.
func (s *Service) stepsDone(ctx context.Context, id string) (done, total int, err error) {
	steps, err := s.Steps(ctx, id)
	if err != nil {
		return 0, 0, err
	}
	for _, st := range steps {
		if st.Job.State == custos.JobDone {
			done++
		}
	}
	return done, len(steps), nil
}

// RetryStep puts a failed, dead or waiting step of request id back in the
// queue, for staff once the cause is mended.
func (s *Service) RetryStep(ctx context.Context, actor, id string, jobID int64) error {
	j, err := s.step(ctx, id, jobID)
	if err != nil {
		return err
	}
	if err := s.Jobs.RetryJob(ctx, j.ID, &custos.AuditEntry{Actor: actor, Action: custos.AuditJobRetried, ObjectType: "job", ObjectID: j.Key}); err != nil {
		return err
	}
	s.kickJobs()
	return nil
}

// CompleteStep marks a waiting step of request id done by hand: the task
// of a manual system, with staff's note of what was done.
func (s *Service) CompleteStep(ctx context.Context, actor, id string, jobID int64, note string) error {
	if err := text("note", note, true, maxNote); err != nil {
		return err
	}
	j, err := s.step(ctx, id, jobID)
	if err != nil {
		return err
	}
	if j.State != custos.JobWaiting {
		return custos.Errorf(custos.ECONFLICT, "this step is not waiting for staff")
	}
	result, _ := json.Marshal(map[string]string{"done_by": actor, "note": note})
	if _, err := s.Jobs.CompleteWaiting(ctx, j.ID, result, &custos.AuditEntry{Actor: actor, Action: custos.AuditJobCompleted, ObjectType: "job", ObjectID: j.Key}); err != nil {
		return err
	}
	return s.apply(ctx, &custos.RequestChange{
		Events: []*custos.RequestEvent{{RequestID: id, Time: s.now(), Actor: actor, Kind: custos.EventNote, Note: note}},
	})
}

func (s *Service) step(ctx context.Context, id string, jobID int64) (*custos.Job, error) {
	if s.Jobs == nil {
		return nil, custos.Errorf(custos.ENOTFOUND, "no such step")
	}
	j, err := s.Jobs.Job(ctx, jobID)
	if err != nil {
		return nil, err
	}
	if j.RequestID != id || j.Kind != custos.JobRequestStep {
		return nil, custos.Errorf(custos.ENOTFOUND, "no such step")
	}
	return j, nil
}

func (s *Service) kickJobs() {
	if s.KickJobs != nil {
		s.KickJobs()
	}
}

// stepResults returns the results of request id's done steps by system.
func (s *Service) stepResults(ctx context.Context, id string) (map[string]json.RawMessage, error) {
	steps, err := s.Steps(ctx, id)
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for _, st := range steps {
		var p StepPayload
		if err := json.Unmarshal(st.Job.Payload, &p); err != nil {
			return nil, fmt.Errorf("step %d: %w", st.Job.ID, err)
		}
		if st.Job.State == custos.JobDone {
			out[p.System] = st.Job.Result
		}
	}
	return out, nil
}

// Engines opens the SQL systems of a site: the engine of sys, its DSN read
// from where the manifest says. Implementations keep the connections open
// across steps.
type Engines interface {
	Engine(ctx context.Context, site *manifest.Site, sys *manifest.System) (*sqlds.Engine, error)
}

// RunStep runs one step of a request's plan in its system; it is the job
// runner's handler of custos.JobRequestStep. A SQL step runs at once and
// can run again without harm (an erasure run twice erases nothing more);
// a manual system's step, and a rectification, objection or withdrawal in
// a database, wait for staff, who do it by hand and mark it done. Errors
// name tables and codes, never a value.
func (s *Service) RunStep(ctx context.Context, j *custos.Job, cp jobs.Checkpointer) (json.RawMessage, error) {
	var p StepPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil, jobs.Permanent(fmt.Errorf("the step's payload: %w", err))
	}
	r, err := s.Store.Request(ctx, j.RequestID)
	if custos.ErrorCode(err) == custos.ENOTFOUND {
		return nil, jobs.Permanent(errors.New("the request is gone"))
	}
	if err != nil {
		return nil, err
	}
	site := s.site(p.Site)
	var sys *manifest.System
	if site != nil {
		sys = site.System(p.System)
	}
	if sys == nil {
		return nil, jobs.Permanent(fmt.Errorf("the system %s is no longer in the manifest", p.System))
	}
	wait := func(why string) (json.RawMessage, error) {
		b, _ := json.Marshal(map[string]string{"waiting": why, "instructions": instructions(site, sys, r.Locale)})
		return b, jobs.ErrWait
	}
	switch {
	case sys.Kind == manifest.SystemManual:
		return wait("a staff member does this by hand")
	case sys.Kind == manifest.SystemWebhook:
		return s.runWebhook(ctx, j, site, sys, r, p)
	case !sys.IsSQL():
		return nil, jobs.Permanent(fmt.Errorf("unknown kind of system %q", sys.Kind))
	}
	if s.Engines == nil {
		return nil, errors.New("no connection to the site's databases is configured")
	}
	e, err := s.Engines.Engine(ctx, site, sys)
	if err != nil {
		return nil, err
	}
	ids := map[string]string{manifest.IdentityEmail: r.Email}
	if r.ConsentSubject != "" {
		ids[manifest.IdentityConsentID] = r.ConsentSubject
	}
	var rep any
	switch p.Type {
	case custos.RequestAccess, custos.RequestPortability:
		type tableRows struct {
			Table string           `json:"table"`
			Rows  []map[string]any `json:"rows"`
		}
		var tables []*tableRows
		err = e.Access(ctx, ids, func(table string, row map[string]any) error {
			if len(tables) == 0 || tables[len(tables)-1].Table != table {
				tables = append(tables, &tableRows{Table: table})
			}
			t := tables[len(tables)-1]
			t.Rows = append(t.Rows, row)
			return nil
		})
		rep = map[string]any{"tables": tables}
	case custos.RequestErasure:
		rep, err = e.Erase(ctx, ids)
	case custos.RequestRestriction:
		rep, err = e.Restrict(ctx, ids)
	default:
		// A correction needs the values staff approved; an objection or a
		// withdrawal, what the system does with them: by hand for now.
		return wait("the change is made by hand in this database")
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(rep)
}

// instructions are a manual system's instructions in locale, or the
// site's first locale.
func instructions(site *manifest.Site, sys *manifest.System, locale string) string {
	if t, ok := sys.Instructions[locale]; ok {
		return t
	}
	if len(site.Locales) > 0 {
		return sys.Instructions[site.Locales[0]]
	}
	return ""
}

// SystemPreview is what a request's step would touch in one system.
type SystemPreview struct {
	System *manifest.System
	Tables []sqlds.TableCount // SQL systems: rows per table the step reaches, and what it does to them
	Error  string             // the system could not be reached; no personal data
}

// Preview returns, before a request is approved, what each step of its
// plan would touch: for a SQL system, the rows per table its walk reaches
// (to delete, mask or leave, for an erasure); for the others, only the
// system. It reads the databases and changes nothing.
func (s *Service) Preview(ctx context.Context, id string) ([]SystemPreview, error) {
	r, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	site := s.site(r.Site)
	if site == nil {
		return nil, custos.Errorf(custos.EUNAVAILABLE, "the site %s is no longer in the manifest", r.Site)
	}
	ids := map[string]string{manifest.IdentityEmail: r.Email}
	if r.ConsentSubject != "" {
		ids[manifest.IdentityConsentID] = r.ConsentSubject
	}
	var out []SystemPreview
	for _, j := range plan(site, r) {
		var p StepPayload
		json.Unmarshal(j.Payload, &p)
		sys := site.System(p.System)
		sp := SystemPreview{System: sys}
		if sys.IsSQL() && s.Engines != nil {
			e, err := s.Engines.Engine(ctx, site, sys)
			if err == nil {
				sp.Tables, err = e.Preview(ctx, ids)
			}
			if err != nil {
				sp.Error = err.Error()
			}
		}
		out = append(out, sp)
	}
	return out, nil
}
