package dsr

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

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

// stepsDone returns how many of steps are done.
func stepsDone(steps []Step) (done int) {
	for _, st := range steps {
		if st.Job.State == custos.JobDone {
			done++
		}
	}
	return done
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

// StepFile is a file staff attach to a step they mark done: what a
// system with no API gave them for an access request (an export, a scan).
type StepFile struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int    `json:"size"`
	Data      []byte `json:"data,omitempty"` // none once redacted
}

// Limits of the files of one step.
const (
	MaxStepFiles     = 5
	MaxStepFileBytes = 10 << 20 // all the step's files together
	maxFileName      = 120      // bytes
)

// handResult is what a step marked done by hand records.
type handResult struct {
	DoneBy string     `json:"done_by"`
	Note   string     `json:"note"`
	Files  []StepFile `json:"files,omitempty"`
}

// CompleteStep marks a waiting step of request id done by hand: the task
// of a manual system, with staff's note of what was done and, for an
// access or portability request, the files the system gave (they go into
// the answer's package). Files are checked — at most MaxStepFiles, none
// empty, MaxStepFileBytes in all — and their names made safe to unpack.
func (s *Service) CompleteStep(ctx context.Context, actor, id string, jobID int64, note string, files []StepFile) error {
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
	if len(files) > 0 {
		r, err := s.Store.Request(ctx, id)
		if err != nil {
			return err
		}
		if r.Type != custos.RequestAccess && r.Type != custos.RequestPortability {
			return custos.Invalid(custos.FieldError{Field: "file", Message: "only the step of an access or portability request takes files"})
		}
		// The answer's package gathers the systems of the manifest: a
		// file of a system gone from it would never reach the person.
		var p StepPayload
		json.Unmarshal(j.Payload, &p)
		if site := s.site(r.Site); site == nil || site.System(p.System) == nil {
			return custos.Invalid(custos.FieldError{Field: "file", Message: "the system is no longer in the manifest, so its files cannot reach the answer"})
		}
		if files, err = checkFiles(files); err != nil {
			return err
		}
	}
	result, err := json.Marshal(handResult{DoneBy: actor, Note: note, Files: files})
	if err != nil {
		return err
	}
	if _, err := s.Jobs.CompleteStaff(ctx, j.ID, result, &custos.AuditEntry{Actor: actor, Action: custos.AuditJobCompleted, ObjectType: "job", ObjectID: j.Key}); err != nil {
		if custos.ErrorCode(err) == custos.ECONFLICT {
			return custos.Errorf(custos.ECONFLICT, "this step is not waiting for staff")
		}
		return err
	}
	if len(files) > 0 {
		names := make([]string, len(files))
		for i, f := range files {
			names[i] = f.Name
		}
		note += " (" + strings.Join(names, ", ") + ")"
	}
	return s.apply(ctx, &custos.RequestChange{
		Events: []*custos.RequestEvent{{RequestID: id, Time: s.now(), Actor: actor, Kind: custos.EventNote, Note: note}},
	})
}

// checkFiles checks the files of a step and returns them with safe,
// distinct names and a media type each.
func checkFiles(files []StepFile) ([]StepFile, error) {
	if len(files) > MaxStepFiles {
		return nil, custos.Invalid(custos.FieldError{Field: "file", Message: fmt.Sprintf("at most %d files", MaxStepFiles)})
	}
	total := 0
	out := make([]StepFile, len(files))
	seen := map[string]bool{}
	for i, f := range files {
		if len(f.Data) == 0 {
			return nil, custos.Invalid(custos.FieldError{Field: "file", Message: fmt.Sprintf("file %d is empty", i+1)})
		}
		total += len(f.Data)
		if total > MaxStepFileBytes {
			return nil, custos.Invalid(custos.FieldError{Field: "file", Message: fmt.Sprintf("the files hold more than %d MB", MaxStepFileBytes>>20)})
		}
		name := safeFileName(f.Name, i+1)
		for n := 2; seen[name]; n++ {
			ext := path.Ext(name)
			name = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(safeFileName(f.Name, i+1), ext), n, ext)
		}
		seen[name] = true
		mt := http.DetectContentType(f.Data)
		if t, params, err := mime.ParseMediaType(f.MediaType); err == nil && t != "application/octet-stream" && len(f.MediaType) <= 100 {
			mt = cmp.Or(mime.FormatMediaType(t, params), mt)
		}
		out[i] = StepFile{Name: name, MediaType: mt, Size: len(f.Data), Data: f.Data}
	}
	return out, nil
}

// safeFileName is the last element of name, without control characters or
// anything a ZIP reader could take for a directory, at most maxFileName
// bytes with its extension kept; "file-n" if nothing is left.
func safeFileName(name string, n int) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || r == ':' || r == '"' || r == '<' || r == '>' || r == '|' || r == '?' || r == '*' {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(strings.TrimSpace(name), ".")
	if len(name) > maxFileName {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		base := name[:maxFileName-len(ext)]
		for !utf8.ValidString(base) {
			base = base[:len(base)-1]
		}
		name = base + ext
	}
	if name == "" {
		return fmt.Sprintf("file-%d", n)
	}
	return name
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

// stepResults returns the results of the done steps by system.
func stepResults(steps []Step) (map[string]json.RawMessage, error) {
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

// redactSteps replaces the results of request id's done steps with what
// holds no personal data, once the request is completed and its answer
// holds the data (see redact); the checkpoints (a correction's values)
// go too.
func (s *Service) redactSteps(ctx context.Context, id string, steps []Step) error {
	for _, st := range steps {
		if st.Job.State != custos.JobDone {
			continue
		}
		if _, err := s.redactJob(ctx, st.Job); err != nil {
			return err
		}
	}
	return nil
}

// redactJob redacts done job j and reports whether that changed it. A
// result it cannot read is dropped whole (and logged): what cannot be read
// cannot be shown to be free of personal data.
func (s *Service) redactJob(ctx context.Context, j *custos.Job) (changed bool, err error) {
	red, ok := redact(j.Result)
	if !ok {
		s.log().Warn("redacting a step's result: unreadable, dropped", "request", j.RequestID, "step", j.ID)
		red = json.RawMessage(`{}`)
	}
	if err := s.Jobs.RedactJob(ctx, j.ID, red); err != nil {
		return false, err
	}
	return string(red) != string(j.Result) || len(j.Checkpoint) > 0, nil
}

// RedactLeftovers redacts the done steps of completed requests that
// completing did not redact (it failed, or the node stopped in between),
// at most limit of them, one at a time, and returns how many it changed.
// A step it fails to redact is logged and the others are tried; the first
// error is returned. Sweep runs it.
func (s *Service) RedactLeftovers(ctx context.Context, limit int) (int, error) {
	if s.Jobs == nil {
		return 0, nil
	}
	ids, err := s.Jobs.UnredactedJobs(ctx, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	var first error
	for _, id := range ids {
		j, err := s.Jobs.Job(ctx, id)
		if err == nil {
			var changed bool
			if changed, err = s.redactJob(ctx, j); changed {
				n++
			}
		}
		switch {
		case err == nil:
		case custos.ErrorCode(err) == custos.ECONFLICT || custos.ErrorCode(err) == custos.ENOTFOUND:
			// Deleted with its request since it was listed.
		case ctx.Err() != nil:
			return n, ctx.Err()
		default:
			s.log().Warn("redacting a completed request's step", "step", id, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return n, first
}

// redact returns a step's result without personal data: a database's
// rows become their count per table, a processor's records their count
// per kind, a file its name, type and size; the counts of an erasure and
// staff's note stay. ok is false if res is not a JSON object.
func redact(res json.RawMessage) (_ json.RawMessage, ok bool) {
	if len(res) == 0 {
		return res, true
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(res, &m) != nil {
		return nil, false
	}
	if raw, found := m["tables"]; found {
		var tables []map[string]json.RawMessage
		if json.Unmarshal(raw, &tables) != nil {
			return nil, false
		}
		for _, tb := range tables {
			var rows []json.RawMessage
			if json.Unmarshal(tb["rows"], &rows) == nil {
				tb["rows"] = json.RawMessage(fmt.Sprint(len(rows)))
			}
		}
		m["tables"], _ = json.Marshal(tables)
	}
	if raw, found := m["data"]; found {
		var data map[string][]json.RawMessage
		if json.Unmarshal(raw, &data) != nil {
			return nil, false
		}
		counts := map[string]int{}
		for kind, recs := range data {
			counts[kind] = len(recs)
		}
		delete(m, "data")
		m["records"], _ = json.Marshal(counts)
	}
	if raw, found := m["files"]; found {
		var files []StepFile
		if json.Unmarshal(raw, &files) != nil {
			return nil, false
		}
		for i := range files {
			files[i].Data = nil
		}
		m["files"], _ = json.Marshal(files)
	}
	b, err := json.Marshal(m)
	return b, err == nil
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
// a manual system's step, and an objection or withdrawal in a database,
// wait for staff, who do it by hand and mark it done; a rectification in
// a database waits for the correction staff approve (ApproveCorrection),
// then writes it. Errors name tables and codes, never a value.
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
		b, _ := json.Marshal(map[string]string{"waiting": why, "instructions": Instructions(site, sys, r.Locale)})
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
	ids := identities(r)
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
	case custos.RequestRectification:
		// The values staff approved column by column (ApproveCorrection);
		// until then, the step waits for them.
		var cp correctionCheckpoint
		if json.Unmarshal(j.Checkpoint, &cp) != nil || len(cp.Changes) == 0 {
			return wait("the privacy officer approves the correction column by column")
		}
		rep, err = e.Rectify(ctx, ids, cp.Changes)
		var ce *sqlds.CorrectionError
		if errors.As(err, &ce) || sqlds.IsDataError(err) {
			// The dataset changed since the approval, or the database
			// refuses the value: trying again will not help; staff
			// approve a correction again.
			return nil, jobs.Permanent(err)
		}
	default:
		// An objection or a withdrawal: what the system does with the
		// person's data is for staff to do by hand.
		return wait("the change is made by hand in this database")
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(rep)
}

// Instructions are a manual system's instructions in locale, or in the
// site's first locale.
func Instructions(site *manifest.Site, sys *manifest.System, locale string) string {
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
	ids := identities(r)
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
