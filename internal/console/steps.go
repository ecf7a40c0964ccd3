package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/manifest"
)

// A request's plan in the site's other systems (issue 6), on its page:
// before approval, what each step would touch (dsr.Service.Preview, which
// reads the databases and changes nothing); once approved, each step's
// state in words, with Retry for one that failed and, for a task done by
// hand, its instructions and a form to mark it done with a note. Step
// errors and counts hold no personal data (package dsr leaves values out);
// instructions come from the manifest and notes from staff: all are shown
// as text.

// previewTimeout bounds the plan preview's reading of the site's
// databases, so that one out of reach does not hold the page.
const previewTimeout = 10 * time.Second

// planSystem is one system of an open request's plan.
type planSystem struct {
	Name, Kind, Role string
	After            string // the systems whose steps come first, by name
	SQL              bool
	Tables           []planTable
	Error            string // the system could not be reached
	Note             string // what the step does when it is not a table walk
	Instructions     string // a manual system's, in the request's language
}

// planTable is what a step would do in one table.
type planTable struct {
	Table                     string
	Rows, Delete, Mask, Leave int64
	Restrictable              string // in words
}

// planView is the "Plan" box of an open request.
type planView struct {
	Intro                string
	Erasure, Restriction bool
	Systems              []planSystem
	Error                string // the plan could not be read
}

// stepRow is one step of an approved request.
type stepRow struct {
	Job          int64
	Name, Kind   string
	Class, Mark  string // the marker: a symbol and a class whose colour repeats the words
	State        string // in words
	Error        string
	Attempts     int
	Updated      string
	Waiting      string // what it waits for, in words
	Instructions string
	Results      []fact // a done step's counts per table (never values)
	DoneNote     string // a step marked done by hand: the note
	DoneBy       string
	CanRetry     bool
	CanDone      bool
	Note         string // the draft of its "mark done" form
	Files        string // the label of its "mark done" form's file input (access, portability); "": none
	DoneFiles    []string
	Correction   *correctionForm // a rectification in a database: the columns to correct
}

// correctionForm is the form of a rectification's step in a database:
// each column the dataset lets a rectification change, what the person's
// rows hold in it now, and the new value to approve.
type correctionForm struct {
	Fields []correctionField
	Error  string // the database could not be read
}

type correctionField struct {
	Key                     string // table.column: the form's names
	Table, Column, Category string
	Current                 string // the values now, in words
	Rows                    int
	Correct, Clear          bool // the draft of a refused correction
	Value                   string
}

// stepsView is the "Steps" box of an approved request.
type stepsView struct {
	Steps   []stepRow
	Summary string // "N of M steps done"
	Explain string
	Left    int
}

// systemKind names kind in words.
func systemKind(t *messages, kind string) string {
	if slices.Contains(manifest.SystemKinds, kind) {
		return t.S("sk_" + kind)
	}
	return kind
}

// byHand reports whether the step of a request of type rt in a SQL system
// waits for staff rather than running (see dsr.Service.RunStep).
func byHand(rt custos.RequestType) bool {
	switch rt {
	case custos.RequestAccess, custos.RequestPortability, custos.RequestErasure, custos.RequestRestriction:
		return false
	}
	return true
}

// plan builds the Plan box of open request rq, or nil when its site has no
// system taking part in its type.
func (c *Console) plan(ctx context.Context, t *messages, rq *custos.Request) *planView {
	if c.Requests.Jobs == nil {
		return nil // approving queues no steps on this server
	}
	ctx, cancel := context.WithTimeout(ctx, previewTimeout)
	defer cancel()
	pre, err := c.Requests.Preview(ctx, rq.ID)
	switch {
	case custos.ErrorCode(err) == custos.EUNAVAILABLE:
		return nil // the site is gone from the manifest: nothing to plan
	case err != nil:
		c.Log.Error("console: previewing a request's plan", "request", rq.ID, "err", err)
		return &planView{Intro: t.S("plan_intro"), Error: t.S("plan_failed")}
	case len(pre) == 0:
		return nil
	}
	var site *manifest.Site
	if m := c.Manifest(); m != nil {
		site = m.Site(rq.Site)
	}
	v := &planView{Intro: t.S("plan_intro"), Erasure: rq.Type == custos.RequestErasure, Restriction: rq.Type == custos.RequestRestriction}
	if v.Erasure {
		v.Intro += " " + t.S("plan_erasure")
	}
	names := map[string]string{}
	for _, p := range pre {
		names[p.System.ID] = p.System.Name
	}
	for _, p := range pre {
		sys := p.System
		ps := planSystem{Name: sys.Name, Kind: systemKind(t, sys.Kind), Role: t.S("sr_" + sys.Role), SQL: sys.IsSQL(), Error: p.Error}
		var after []string
		for _, a := range sys.After {
			if n, ok := names[a]; ok {
				after = append(after, n)
			}
		}
		ps.After = strings.Join(after, ", ")
		for _, tc := range p.Tables {
			pt := planTable{Table: tc.Table, Rows: tc.Rows, Delete: tc.Delete, Mask: tc.Mask, Leave: tc.Leave, Restrictable: t.S("plan_no")}
			if tc.Restrictable {
				pt.Restrictable = t.S("plan_yes")
			}
			ps.Tables = append(ps.Tables, pt)
		}
		switch {
		case sys.Kind == manifest.SystemManual:
			ps.Note = t.S("plan_manual")
			if site != nil {
				ps.Instructions = dsr.Instructions(site, sys, rq.Locale)
			}
		case sys.Kind == manifest.SystemWebhook:
			ps.Note = t.S("plan_webhook")
		case !ps.SQL:
		case p.Error != "":
		case c.Requests.Engines == nil:
			ps.Note = t.S("plan_no_engines")
		case rq.Type == custos.RequestRectification:
			ps.Note = t.S("plan_sql_correction")
		case byHand(rq.Type):
			ps.Note = t.S("plan_sql_by_hand")
		case len(p.Tables) == 0:
			ps.Note = t.S("plan_nothing")
		}
		v.Systems = append(v.Systems, ps)
	}
	return v
}

// steps builds the Steps box of request rq, or nil when it has none.
func (c *Console) steps(ctx context.Context, t *messages, rq *custos.Request, names map[string]string, canManage bool, when func(time.Time) string, draft requestDraft) (*stepsView, error) {
	steps, err := c.Requests.Steps(ctx, rq.ID)
	if err != nil || len(steps) == 0 {
		return nil, err
	}
	v := &stepsView{}
	byKey := map[string]dsr.Step{}
	done := 0
	for _, st := range steps {
		byKey[st.Job.Key] = st
		if st.Job.State == custos.JobDone {
			done++
		}
	}
	name := func(st dsr.Step) string {
		if st.System != nil {
			return st.System.Name
		}
		var p dsr.StepPayload
		json.Unmarshal(st.Job.Payload, &p)
		return p.System
	}
	now := c.Now()
	for _, st := range steps {
		j := st.Job
		row := stepRow{Job: j.ID, Name: name(st), Class: string(j.State), Attempts: j.Attempts, Updated: when(j.UpdatedAt)}
		kind := ""
		if st.System != nil {
			kind = st.System.Kind
			row.Kind = systemKind(t, kind)
		} else {
			row.Kind = t.S("sk_gone")
		}
		switch j.State {
		case custos.JobDone:
			row.Mark, row.State = "✓", t.S("st_done")
			row.Results, row.DoneNote, row.DoneBy, row.DoneFiles = stepResult(t, j.Result, names)
		case custos.JobRunning:
			row.Mark, row.State = "▶", t.S("st_running")
		case custos.JobWaiting:
			row.Mark = "‖" // a pause; ⏸ is missing from common fonts
			var w struct {
				Instructions string `json:"instructions"`
			}
			json.Unmarshal(j.Result, &w)
			row.Instructions = w.Instructions
			switch {
			case kind == manifest.SystemWebhook:
				row.State, row.Waiting = t.S("st_waiting_processor"), t.S("step_wait_webhook")
				row.CanRetry = true
			case kind == manifest.SystemManual:
				row.State, row.Waiting = t.S("st_waiting_staff"), t.S("step_wait_manual")
				row.CanDone = true
			case st.System == nil:
				row.State, row.Waiting = t.S("st_waiting_staff"), t.S("step_wait_gone")
				row.CanDone, row.CanRetry = true, true
			case rq.Type == custos.RequestRectification:
				row.State, row.Waiting = t.S("st_waiting_staff"), t.S("step_wait_correction")
				row.CanDone = true
				if canManage {
					row.Correction = c.correctionForm(ctx, t, rq, j.ID, draft)
				}
			default:
				row.State, row.Waiting = t.S("st_waiting_staff"), t.S("step_wait_sql")
				row.CanDone = true
			}
		case custos.JobFailed:
			row.Mark, row.State = "⚠", fmt.Sprintf(t.S("st_failed"), when(j.NextAt))
			row.Error, row.CanRetry = j.Error, true
			if canManage && rq.Type == custos.RequestRectification && st.System != nil && st.System.IsSQL() {
				row.Correction = c.correctionForm(ctx, t, rq, j.ID, draft)
			}
		case custos.JobDead:
			row.Mark, row.State = "✗", fmt.Sprintf(t.S("st_dead"), j.Attempts)
			if j.Attempts == 1 {
				row.State = t.S("st_dead_one")
			}
			row.Error, row.CanRetry = j.Error, true
			if canManage && rq.Type == custos.RequestRectification && st.System != nil && st.System.IsSQL() {
				// Refused as it ran (a value the database would not take,
				// a dataset changed since): approve a correction again.
				row.Correction = c.correctionForm(ctx, t, rq, j.ID, draft)
			}
		default: // pending
			row.Mark, row.State = "○", t.S("st_pending")
			var first []string
			for _, k := range j.DependsOn {
				if d, ok := byKey[k]; ok && d.Job.State != custos.JobDone {
					first = append(first, name(d))
				}
			}
			switch {
			case len(first) > 0:
				row.State = fmt.Sprintf(t.S("st_pending_after"), strings.Join(first, ", "))
			case j.NextAt.After(now):
				row.State = fmt.Sprintf(t.S("st_pending_at"), when(j.NextAt))
			}
			row.Error = j.Error // the last failure of a step retried
		}
		if !canManage {
			row.CanRetry, row.CanDone = false, false
		}
		if row.CanDone && st.System != nil && (rq.Type == custos.RequestAccess || rq.Type == custos.RequestPortability) {
			row.Files = fmt.Sprintf(t.S("step_files"), dsr.MaxStepFiles, dsr.MaxStepFileBytes>>20)
		}
		if draft.Step == j.ID {
			row.Note = draft.StepNote
		}
		v.Steps = append(v.Steps, row)
	}
	v.Left = len(steps) - done
	v.Summary = fmt.Sprintf(t.S("steps_done"), done, len(steps))
	if rq.State == custos.StateInProgress {
		if v.Left > 0 {
			v.Explain = t.S("steps_wait")
		} else {
			v.Explain = t.S("steps_all_done")
		}
	}
	return v, nil
}

// stepResult reads what a done step did: its counts per table (a SQL
// step's rows are never shown here: the access package holds them), or
// the note of a step marked done by hand.
func stepResult(t *messages, result json.RawMessage, names map[string]string) (counts []fact, note, by string, files []string) {
	var r struct {
		Tables []struct {
			Table    string          `json:"table"`
			Rows     json.RawMessage `json:"rows"` // a count, or an access step's rows
			Deleted  int64           `json:"deleted"`
			Masked   int64           `json:"masked"`
			Updated  int64           `json:"updated"`
			Retained int64           `json:"retained"`
			Shared   int64           `json:"shared"`
		} `json:"tables"`
		Note   string `json:"note"`
		DoneBy string `json:"done_by"`
		Files  []struct {
			Name string `json:"name"`
			Size int    `json:"size"`
		} `json:"files"`
	}
	if json.Unmarshal(result, &r) != nil {
		return nil, "", "", nil
	}
	for _, f := range r.Files {
		files = append(files, fmt.Sprintf("%s (%s)", f.Name, byteSize(f.Size)))
	}
	for _, tb := range r.Tables {
		var n int64
		if json.Unmarshal(tb.Rows, &n) != nil {
			var rows []json.RawMessage // an access step's rows: counted only
			json.Unmarshal(tb.Rows, &rows)
			n = int64(len(rows))
		}
		parts := []string{fmt.Sprintf(t.S("step_rows"), n)}
		if n == 1 {
			parts[0] = t.S("step_row")
		}
		for _, x := range []struct {
			key string
			n   int64
		}{{"step_deleted", tb.Deleted}, {"step_masked", tb.Masked}, {"step_changed", tb.Updated}, {"step_retained", tb.Retained}, {"step_shared", tb.Shared}} {
			if x.n > 0 {
				parts = append(parts, fmt.Sprintf(t.S(x.key), x.n))
			}
		}
		counts = append(counts, fact{tb.Table, strings.Join(parts, ", ")})
	}
	if r.DoneBy != "" {
		if by = names[r.DoneBy]; by == "" {
			by = r.DoneBy
		}
	}
	return counts, r.Note, by, files
}

// byteSize is n bytes in words a person reads: 512 B, 14 KB, 3.2 MB.
func byteSize(n int) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%d KB", (n+500)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// correctionForm builds the correction form of rectification step job:
// the columns to correct with their values now, read from the database
// (for staff who manage requests only), and the draft of a refused one.
func (c *Console) correctionForm(ctx context.Context, t *messages, rq *custos.Request, job int64, draft requestDraft) *correctionForm {
	ctx, cancel := context.WithTimeout(ctx, previewTimeout)
	defer cancel()
	fields, err := c.Requests.Correction(ctx, rq.ID, job)
	if err != nil {
		c.Log.Error("console: reading a correction's columns", "request", rq.ID, "step", job, "err", err)
		return &correctionForm{Error: t.S("correct_failed")}
	}
	f := &correctionForm{}
	if len(fields) == 0 {
		f.Error = t.S("correct_none")
		return f
	}
	for _, x := range fields {
		cf := correctionField{Key: x.Table + "." + x.Column, Table: x.Table, Column: x.Column, Category: x.Category, Rows: x.Rows}
		cur := slices.Clone(x.Current)
		if x.Null {
			cur = append(cur, t.S("correct_empty"))
		}
		switch {
		case x.Rows == 0:
			cf.Current = t.S("correct_no_rows")
		case len(cur) == 0:
			cf.Current = t.S("correct_empty")
		default:
			cf.Current = strings.Join(cur, " · ")
			if x.More {
				cf.Current += " …"
			}
		}
		if draft.Step == job {
			cf.Correct, cf.Clear, cf.Value = draft.Correct[cf.Key], draft.Clear[cf.Key], draft.Values[cf.Key]
		}
		f.Fields = append(f.Fields, cf)
	}
	return f
}

// stepAction is a POST on one step of a request, {job} in its path: a
// step not of the request, or none, is refused with a message on the
// request's page.
func (c *Console) stepAction(done string, upload int64, act func(ctx context.Context, u *custos.StaffUser, id string, job int64, r *http.Request) (requestDraft, error)) func(http.ResponseWriter, *http.Request, *custos.StaffUser) {
	return func(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
		job, err := strconv.ParseInt(r.PathValue("job"), 10, 64)
		if err != nil || job <= 0 {
			job = 0
		}
		c.requestUpload(done, false, upload, func(ctx context.Context, u *custos.StaffUser, id string, _ int64, _ url.Values) (requestDraft, error) {
			if job == 0 {
				return requestDraft{}, custos.Invalid(custos.FieldError{Field: "step", Message: "no such step"})
			}
			d, err := act(ctx, u, id, job, r)
			if custos.ErrorCode(err) == custos.ENOTFOUND {
				// The request exists (or the page will say it does not):
				// the step is not one of its.
				return d, custos.Invalid(custos.FieldError{Field: "step", Message: "no such step"})
			}
			return d, err
		})(w, r, u)
	}
}

func (c *Console) retryStep(ctx context.Context, u *custos.StaffUser, id string, job int64, _ *http.Request) (requestDraft, error) {
	return requestDraft{}, c.Requests.RetryStep(ctx, u.ID, id, job)
}

// completeStep marks a step done with a note and, from a multipart form,
// its files.
func (c *Console) completeStep(ctx context.Context, u *custos.StaffUser, id string, job int64, r *http.Request) (requestDraft, error) {
	note := r.PostForm.Get("note")
	d := requestDraft{Step: job, StepNote: note}
	var files []dsr.StepFile
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["file"] {
			if fh.Filename == "" && fh.Size == 0 {
				continue // the file input left empty
			}
			f, err := fh.Open()
			if err != nil {
				return d, err
			}
			b, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return d, err
			}
			files = append(files, dsr.StepFile{Name: fh.Filename, MediaType: fh.Header.Get("Content-Type"), Data: b})
		}
	}
	return d, c.Requests.CompleteStep(ctx, u.ID, id, job, note, files)
}

// correctStep approves a rectification's correction: for each column
// ticked "correct" (correct=table.column), its new value (v:table.column),
// or none if "clear" is ticked too.
func (c *Console) correctStep(ctx context.Context, u *custos.StaffUser, id string, job int64, r *http.Request) (requestDraft, error) {
	f := r.PostForm
	d := requestDraft{Step: job, Correct: map[string]bool{}, Clear: map[string]bool{}, Values: map[string]string{}}
	for k, vs := range f {
		if key, ok := strings.CutPrefix(k, "v:"); ok && len(vs) > 0 {
			d.Values[key] = vs[0]
		}
	}
	for _, key := range f["clear"] {
		d.Clear[key] = true
	}
	changes := map[string]map[string]*string{}
	var bad []custos.FieldError
	for _, key := range f["correct"] {
		d.Correct[key] = true
		table, col, ok := strings.Cut(key, ".")
		if !ok || table == "" || col == "" {
			bad = append(bad, custos.FieldError{Field: "correct", Message: "not a table.column"})
			continue
		}
		if changes[table] == nil {
			changes[table] = map[string]*string{}
		}
		if d.Clear[key] {
			changes[table][col] = nil
			continue
		}
		v := d.Values[key]
		changes[table][col] = &v
	}
	if len(bad) > 0 {
		return d, custos.Invalid(bad...)
	}
	return d, c.Requests.ApproveCorrection(ctx, u.ID, id, job, changes)
}
