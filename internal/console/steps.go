package console

import (
	"context"
	"encoding/json"
	"fmt"
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

// systemInstructions are sys's instructions in locale, or the site's first
// locale, as dsr gives them to a step.
func systemInstructions(site *manifest.Site, sys *manifest.System, locale string) string {
	if s, ok := sys.Instructions[locale]; ok {
		return s
	}
	if len(site.Locales) > 0 {
		return sys.Instructions[site.Locales[0]]
	}
	return ""
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
				ps.Instructions = systemInstructions(site, sys, rq.Locale)
			}
		case sys.Kind == manifest.SystemWebhook:
			ps.Note = t.S("plan_webhook")
		case !ps.SQL:
		case p.Error != "":
		case c.Requests.Engines == nil:
			ps.Note = t.S("plan_no_engines")
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
			row.Results, row.DoneNote, row.DoneBy = stepResult(t, j.Result, names)
		case custos.JobRunning:
			row.Mark, row.State = "▶", t.S("st_running")
		case custos.JobWaiting:
			row.Mark = "⏸"
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
			default:
				row.State, row.Waiting = t.S("st_waiting_staff"), t.S("step_wait_sql")
				row.CanDone = true
			}
		case custos.JobFailed:
			row.Mark, row.State = "⚠", fmt.Sprintf(t.S("st_failed"), when(j.NextAt))
			row.Error, row.CanRetry = j.Error, true
		case custos.JobDead:
			row.Mark, row.State = "✗", fmt.Sprintf(t.S("st_dead"), j.Attempts)
			if j.Attempts == 1 {
				row.State = t.S("st_dead_one")
			}
			row.Error, row.CanRetry = j.Error, true
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
func stepResult(t *messages, result json.RawMessage, names map[string]string) (counts []fact, note, by string) {
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
	}
	if json.Unmarshal(result, &r) != nil {
		return nil, "", ""
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
	return counts, r.Note, by
}

// stepAction is a POST on one step of a request, {job} in its path: a
// step not of the request, or none, is refused with a message on the
// request's page.
func (c *Console) stepAction(done string, act func(ctx context.Context, u *custos.StaffUser, id string, job int64, f url.Values) (requestDraft, error)) func(http.ResponseWriter, *http.Request, *custos.StaffUser) {
	return func(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
		job, err := strconv.ParseInt(r.PathValue("job"), 10, 64)
		if err != nil || job <= 0 {
			job = 0
		}
		c.requestAction(done, false, func(ctx context.Context, u *custos.StaffUser, id string, _ int64, f url.Values) (requestDraft, error) {
			if job == 0 {
				return requestDraft{}, custos.Invalid(custos.FieldError{Field: "step", Message: "no such step"})
			}
			d, err := act(ctx, u, id, job, f)
			if custos.ErrorCode(err) == custos.ENOTFOUND {
				// The request exists (or the page will say it does not):
				// the step is not one of its.
				return d, custos.Invalid(custos.FieldError{Field: "step", Message: "no such step"})
			}
			return d, err
		})(w, r, u)
	}
}

func (c *Console) retryStep(ctx context.Context, u *custos.StaffUser, id string, job int64, _ url.Values) (requestDraft, error) {
	return requestDraft{}, c.Requests.RetryStep(ctx, u.ID, id, job)
}

func (c *Console) completeStep(ctx context.Context, u *custos.StaffUser, id string, job int64, f url.Values) (requestDraft, error) {
	note := f.Get("note")
	return requestDraft{Step: job, StepNote: note}, c.Requests.CompleteStep(ctx, u.ID, id, job, note)
}
