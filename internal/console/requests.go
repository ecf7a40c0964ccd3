package console

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/staff"
)

// The data subject requests: the queue (no personal data: ids, types,
// sites, dates), a request's page (its address and details: every opening
// goes through dsr.Service.View, which writes it to the audit trail), and
// the staff's actions on it, each a POST carrying the version of the
// request the page showed, so that a stale page is refused rather than
// overwriting what someone else did meanwhile. The actions go through
// dsr.Service, whose store writes their audit entries in the same
// transaction: nothing here appends one.

// queueLimit bounds the rows the queue shows.
const queueLimit = 500

// requestFormBytes caps the body of a request's forms: a note is up to
// 4,000 characters, each up to 4 bytes, then URL-encoded.
const requestFormBytes = 64 << 10

// uploadTimeout bounds the reading of a form with files: 10 MB at about
// 300 kbit/s.
const uploadTimeout = 5 * time.Minute

// option is one choice of a select.
type option struct{ Value, Label string }

// queueRow is one request in a list. It holds no personal data.
type queueRow struct {
	ID, Type, Site, Jurisdiction, Law, State string
	Received, Due                            string
	Badge                                    string // "overdue", "soon" or ""
	BadgeText                                string
	Assignee                                 string
}

// dueBox is the reminder: open requests overdue or due within dsr.DueSoon.
type dueBox struct {
	Intro string
	Rows  []queueRow
	More  bool
}

type queueData struct {
	Type, State, Site, Jurisdiction     string // the filters chosen
	Types, States, Sites, Jurisdictions []option
	Rows                                []queueRow
	More                                string
	Due                                 *dueBox
	AllLink                             string
	ShowingAll                          bool
	Off                                 bool
}

// badge says whether r is overdue or due soon at now, in words: the colour
// only repeats it.
func badge(t *messages, r *custos.Request, now time.Time) (class, text string) {
	if r.State.Closed() || r.State == custos.StateUnverified {
		return "", ""
	}
	if r.Overdue(now) {
		return "overdue", t.S("overdue")
	}
	left := r.DueAt.Sub(now)
	if left > dsr.DueSoon {
		return "", ""
	}
	if days := int(math.Ceil(left.Hours() / 24)); days > 1 {
		return "soon", fmt.Sprintf(t.S("due_in_days"), days)
	}
	return "soon", t.S("due_in_one")
}

// siteLocation is the time zone of site's controller, in which its
// requests' deadlines are counted; UTC if none.
func (c *Console) siteLocation(site string) *time.Location {
	if c.Manifest == nil {
		return time.UTC
	}
	if m := c.Manifest(); m != nil {
		if s := m.Site(site); s != nil && s.Controller.Timezone != "" {
			if l, err := time.LoadLocation(s.Controller.Timezone); err == nil {
				return l
			}
		}
	}
	return time.UTC
}

// staffNames maps staff ids to their e-mail addresses.
func (c *Console) staffNames(ctx context.Context) (map[string]string, []*custos.StaffUser, error) {
	users, err := c.Staff.Store.Users(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[string]string, len(users))
	for _, x := range users {
		names[x.ID] = x.Email
	}
	return names, users, nil
}

func (c *Console) row(t *messages, r *custos.Request, names map[string]string, now time.Time) queueRow {
	loc := c.siteLocation(r.Site)
	row := queueRow{ID: r.ID, Type: t.S("rt_" + string(r.Type)), Site: r.Site, Jurisdiction: r.Jurisdiction, Law: r.Law,
		State: t.S("rs_" + string(r.State)), Received: r.ReceivedAt.In(loc).Format(time.DateOnly),
		Due: r.DueAt.In(loc).Format(time.DateOnly)}
	row.Badge, row.BadgeText = badge(t, r, now)
	if r.AssignedTo != "" {
		row.Assignee = names[r.AssignedTo]
		if row.Assignee == "" {
			row.Assignee = r.AssignedTo
		}
	}
	return row
}

// dueSoon builds the reminder box, listing the first limit requests, or
// nil when requests are not configured.
func (c *Console) dueSoon(ctx context.Context, t *messages, names map[string]string, limit int) (*dueBox, error) {
	if c.Requests == nil {
		return nil, nil
	}
	now := c.Now()
	list, err := c.Requests.Queue(ctx, custos.RequestQuery{Open: true, DueBefore: now.Add(dsr.DueSoon), Limit: queueLimit})
	if err != nil {
		return nil, err
	}
	if names == nil && limit > 0 {
		if names, _, err = c.staffNames(ctx); err != nil {
			return nil, err
		}
	}
	b := &dueBox{More: len(list) > limit}
	overdue := 0
	for i, r := range list {
		if r.Overdue(now) {
			overdue++
		}
		if i < limit {
			b.Rows = append(b.Rows, c.row(t, r, names, now))
		}
	}
	days := int(dsr.DueSoon.Hours() / 24)
	if len(list) == 0 {
		b.Intro = fmt.Sprintf(t.S("due_none"), days)
	} else {
		b.Intro = fmt.Sprintf(t.S("due_intro"), overdue, days, len(list)-overdue)
	}
	return b, nil
}

func (c *Console) requestsOff(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) bool {
	if c.Requests != nil {
		return false
	}
	c.render(w, r, http.StatusNotFound, "message", "requests", u, messagesFor(r).S("requests_off"))
	return true
}

// Filter values of the queue's state: the default is open and in
// progress; "all" shows every state.
const stateAll = "all"

func (c *Console) requestsPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	if c.requestsOff(w, r, u) {
		return
	}
	t := messagesFor(r)
	v := r.URL.Query()
	d := queueData{Type: v.Get("type"), State: v.Get("state"), Site: v.Get("site"), Jurisdiction: v.Get("jurisdiction")}
	d.Types = append(d.Types, option{"", t.S("all")})
	for _, x := range custos.RequestTypes {
		d.Types = append(d.Types, option{string(x), t.S("rt_" + string(x))})
	}
	d.States = []option{{"", t.S("open_states")}, {stateAll, t.S("all_states")}}
	for _, x := range custos.RequestStates {
		d.States = append(d.States, option{string(x), t.S("rs_" + string(x))})
	}
	d.Sites = append(d.Sites, option{"", t.S("all")})
	d.Jurisdictions = append(d.Jurisdictions, option{"", t.S("all")})
	seen := map[string]bool{}
	for _, s := range c.Manifest().Sites {
		d.Sites = append(d.Sites, option{s.ID, s.ID})
		for _, j := range s.Jurisdictions {
			if !seen[j.ID] {
				seen[j.ID] = true
				d.Jurisdictions = append(d.Jurisdictions, option{j.ID, j.ID})
			}
		}
	}
	// An unknown value is refused with a message naming the filter; the
	// value itself is not repeated.
	var bad []string
	for _, f := range []struct {
		key, val string
		opts     []option
	}{{"type", d.Type, d.Types}, {"state", d.State, d.States}, {"site", d.Site, d.Sites}, {"jurisdiction", d.Jurisdiction, d.Jurisdictions}} {
		if !slices.ContainsFunc(f.opts, func(o option) bool { return o.Value == f.val }) {
			bad = append(bad, t.S(f.key))
		}
	}
	if len(bad) > 0 {
		d.Type, d.State, d.Site, d.Jurisdiction = "", "", "", ""
		c.render(w, r, http.StatusUnprocessableEntity, "requests", "requests", u,
			formError{fmt.Sprintf(t.S("bad_filter"), strings.Join(bad, ", ")), d})
		return
	}
	q := custos.RequestQuery{Type: custos.RequestType(d.Type), Site: d.Site, Jurisdiction: d.Jurisdiction, Limit: queueLimit + 1}
	switch d.State {
	case "":
		q.Open = true
	case stateAll:
		d.ShowingAll = true
	default:
		q.State = custos.RequestState(d.State)
	}
	list, err := c.Requests.Queue(r.Context(), q)
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	names, _, err := c.staffNames(r.Context())
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	now := c.Now()
	for i, x := range list {
		if i == queueLimit {
			d.More = fmt.Sprintf(t.S("more_requests"), queueLimit)
			break
		}
		d.Rows = append(d.Rows, c.row(t, x, names, now))
	}
	if staff.Can(u.Role, staff.PermManageRequests) {
		if d.Due, err = c.dueSoon(r.Context(), t, names, 0); err != nil {
			c.fail(w, r, u, err)
			return
		}
	}
	all := url.Values{}
	for k, vs := range v {
		if k != "lang" {
			all[k] = vs
		}
	}
	all.Set("state", stateAll)
	d.AllLink = "/console/requests?" + all.Encode()
	c.render(w, r, http.StatusOK, "requests", "requests", u, d)
}

// fact is one line of a description list.
type fact struct{ Label, Value string }

type markRow struct {
	ID                   int64
	Kind, Detail, Since  string
	Lifted               string // "" while in force
	InForce, Restriction bool
}

type eventRow struct {
	Time, Actor, Kind, Note string
}

type kept struct{ Category, Reason string }

type resultView struct {
	Facts []fact
	Kept  []kept
	Note  string
}

// requestDraft is what a failed form sent, shown again.
type requestDraft struct {
	Note, DenyReason, DenyNote, ExtendReason string
	Step                                     int64 // the step whose "mark done" note is StepNote, or whose correction is below
	StepNote                                 string
	// A correction refused: what was ticked and typed, by table.column.
	Correct, Clear map[string]bool
	Values         map[string]string
}

type requestData struct {
	R                *custos.Request
	Facts            []fact
	Dates            []fact
	Details          string
	Badge, BadgeText string
	Assignee         string
	Result           *resultView
	Marks            []markRow
	Plan             *planView  // an open request: what approving would run in the site's other systems
	Steps            *stepsView // an approved one: how its steps stand
	Events           []eventRow
	Flash            string
	CanManage        bool
	CanAssign        bool
	CanApprove       bool
	CanDeny          bool
	CanComplete      bool
	CanExtend        bool
	ExtendNote       string // why it cannot be extended, or what extending does
	Assignees        []option
	AssignedValue    string
	Reasons          []option
	Draft            requestDraft
}

// flashes are the messages a redirect after an action may ask for.
var flashes = map[string]string{"noted": "done_noted", "assigned": "done_assigned", "approved": "done_approved",
	"denied": "done_denied", "extended": "done_extended", "completed": "done_completed", "lifted": "done_lifted",
	"retried": "done_retried", "step_done": "done_step", "corrected": "done_corrected"}

func (c *Console) requestPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	if c.requestsOff(w, r, u) {
		return
	}
	id := r.PathValue("id")
	if len(id) > maxID {
		c.fail(w, r, u, custos.Errorf(custos.ENOTFOUND, "no such request"))
		return
	}
	// A link from another site must not make a staff member open a
	// person's request (and be audited for it) without meaning to.
	if c.crossSite(r) {
		c.render(w, r, http.StatusOK, "confirm", "request", u, r.URL.RequestURI())
		return
	}
	flash := ""
	if k, ok := flashes[r.URL.Query().Get("done")]; ok {
		flash = messagesFor(r).S(k)
	}
	c.renderRequest(w, r, u, id, http.StatusOK, "", flash, requestDraft{})
}

// renderRequest shows request id, opened through dsr.Service.View (which
// writes the access to the audit trail before anything is shown).
func (c *Console) renderRequest(w http.ResponseWriter, r *http.Request, u *custos.StaffUser, id string, status int, errMsg, flash string, draft requestDraft) {
	det, err := c.Requests.View(r.Context(), u.ID, id)
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	names, users, err := c.staffNames(r.Context())
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	t := messagesFor(r)
	rq := det.Request
	now := c.Now()
	loc := c.siteLocation(rq.Site)
	when := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.In(loc).Format("2006-01-02 15:04 MST")
	}
	d := requestData{R: rq, Details: rq.Details, Flash: flash, Draft: draft}
	d.Badge, d.BadgeText = badge(t, rq, now)
	email := rq.Email
	if email == "" {
		email = t.S("erased")
	}
	d.Facts = []fact{{t.S("request_id"), rq.ID}, {t.S("email"), email}, {t.S("type"), t.S("rt_" + string(rq.Type))}}
	if rq.Objection != "" {
		d.Facts = append(d.Facts, fact{t.S("objection_scope"), t.S("obj_" + rq.Objection)})
	}
	d.Facts = append(d.Facts, fact{t.S("state"), t.S("rs_" + string(rq.State))}, fact{t.S("site"), rq.Site},
		fact{t.S("person_region"), rq.Region}, fact{t.S("jurisdiction"), rq.Jurisdiction}, fact{t.S("law"), rq.Law},
		fact{t.S("locale"), rq.Locale})
	if rq.ConsentSubject != "" {
		d.Facts = append(d.Facts, fact{t.S("consent_id"), rq.ConsentSubject})
	}
	if rq.AssignedTo != "" {
		d.Assignee = names[rq.AssignedTo]
		if d.Assignee == "" {
			d.Assignee = rq.AssignedTo
		}
	} else {
		d.Assignee = t.S("nobody")
	}
	d.Facts = append(d.Facts, fact{t.S("assignee"), d.Assignee})
	if rq.Extended {
		d.Facts = append(d.Facts, fact{t.S("extended_because"), rq.ExtensionReason})
	}
	if rq.DenyReason != "" {
		d.Facts = append(d.Facts, fact{t.S("denied_because"), t.S("dr_" + rq.DenyReason)})
		if rq.DenyNote != "" {
			d.Facts = append(d.Facts, fact{t.S("deny_note"), rq.DenyNote})
		}
	}
	for _, f := range []struct {
		key string
		at  time.Time
	}{{"received", rq.ReceivedAt}, {"verified", rq.VerifiedAt}, {"acknowledge_by", rq.AcknowledgeBy}, {"due_by", rq.DueAt},
		{"extend_max", rq.ExtendMax}, {"tell_extension_by", rq.TellExtensionBy}, {"act_by", rq.ActBy},
		{"unverified_expires", rq.ExpiresAt}, {"closed", rq.ClosedAt}} {
		if s := when(f.at); s != "" && !(f.key == "unverified_expires" && rq.State != custos.StateUnverified) {
			d.Dates = append(d.Dates, fact{t.S(f.key), s})
		}
	}
	if res := det.Result; res != nil {
		v := &resultView{Note: res.Note}
		v.Facts = []fact{{t.S("res_consents"), strconv.Itoa(res.Consents)}, {t.S("res_requests"), strconv.Itoa(res.Requests)},
			{t.S("res_subjects"), strconv.Itoa(res.Subjects)}}
		for _, k := range slices.Sorted(maps.Keys(res.Erased)) {
			v.Facts = append(v.Facts, fact{t.S("res_erased") + " · " + k, strconv.FormatInt(res.Erased[k], 10)})
		}
		if res.Withdrawn > 0 || rq.Type == custos.RequestConsentWithdrawal || rq.Type == custos.RequestObjection {
			v.Facts = append(v.Facts, fact{t.S("res_withdrawn"), strconv.Itoa(res.Withdrawn)})
		}
		if res.Marked != "" {
			v.Facts = append(v.Facts, fact{t.S("res_marked"), t.S("mark_" + res.Marked)})
		}
		if res.Answer != "" {
			v.Facts = append(v.Facts, fact{t.S("res_answer"), res.Answer + " (" + fmt.Sprintf(t.S("bytes"), res.Size) + ")"})
		}
		if a := det.Answer; a != nil && rq.State == custos.StateCompleted {
			v.Facts = append(v.Facts, fact{t.S("download_expires"), when(a.ExpiresAt)})
		}
		for _, k := range res.Kept {
			v.Kept = append(v.Kept, kept{k.DataCategory, k.Reason})
		}
		d.Result = v
	}
	for _, m := range det.Marks {
		row := markRow{ID: m.ID, Kind: t.S("mark_" + m.Kind), Since: when(m.Since), Lifted: when(m.LiftedAt),
			InForce: m.LiftedAt.IsZero(), Restriction: m.Kind == custos.MarkRestricted}
		if m.Detail != "" {
			row.Detail = t.S("obj_" + m.Detail)
		}
		d.Marks = append(d.Marks, row)
	}
	for _, e := range det.Events {
		row := eventRow{Time: when(e.Time), Kind: t.S("ev_" + e.Kind), Note: e.Note}
		switch e.Actor {
		case "subject":
			row.Actor = t.S("actor_subject")
		case "system", "":
			row.Actor = t.S("actor_system")
		default:
			if row.Actor = names[e.Actor]; row.Actor == "" {
				row.Actor = e.Actor
			}
		}
		switch e.Kind {
		case custos.EventAssigned:
			if e.Note == "" {
				row.Note = t.S("nobody")
			} else if n := names[e.Note]; n != "" {
				row.Note = n
			}
		case custos.EventDenied:
			if slices.Contains(custos.DenyReasons, e.Note) {
				row.Note = t.S("dr_" + e.Note)
			}
		}
		d.Events = append(d.Events, row)
	}

	d.CanManage = staff.Can(u.Role, staff.PermManageRequests)
	if rq.State == custos.StateOpen {
		d.Plan = c.plan(r.Context(), t, rq)
	} else if d.Steps, err = c.steps(r.Context(), t, rq, names, d.CanManage, when, draft); err != nil {
		c.fail(w, r, u, err)
		return
	}
	if d.CanManage {
		active := rq.State == custos.StateOpen || rq.State == custos.StateInProgress
		d.CanAssign = active
		// Once approved, the request has been carried out: it can no
		// longer be denied (dsr.Service.Deny).
		d.CanDeny = rq.State == custos.StateOpen
		d.CanApprove = rq.State == custos.StateOpen
		d.CanComplete = rq.State == custos.StateInProgress
		if active {
			switch {
			case rq.ExtendMax.IsZero():
				d.ExtendNote = fmt.Sprintf(t.S("extend_none"), rq.Law)
			case rq.Extended:
				d.ExtendNote = t.S("extend_already")
			case !rq.TellExtensionBy.IsZero() && now.After(rq.TellExtensionBy):
				d.ExtendNote = fmt.Sprintf(t.S("extend_late"), when(rq.TellExtensionBy))
			default:
				d.CanExtend = true
				tell := rq.TellExtensionBy
				if tell.IsZero() {
					tell = rq.DueAt
				}
				d.ExtendNote = fmt.Sprintf(t.S("extend_what"), when(rq.ExtendMax), when(tell))
			}
		}
		d.AssignedValue = rq.AssignedTo
		if rq.AssignedTo == u.ID {
			d.AssignedValue = "me"
		}
		d.Assignees = []option{{"", t.S("nobody")}, {"me", t.S("me") + " (" + u.Email + ")"}}
		for _, x := range users {
			if x.ID != u.ID && assignable(x) {
				d.Assignees = append(d.Assignees, option{x.ID, x.Email})
			}
		}
		for _, reason := range custos.DenyReasons {
			d.Reasons = append(d.Reasons, option{reason, t.S("dr_" + reason)})
		}
	}
	var data any = d
	if errMsg != "" {
		data = formError{errMsg, d}
	}
	c.render(w, r, status, "request", "request", u, data)
}

// assignable reports whether x may be given a request: an enabled, set-up
// account whose role acts on requests.
func assignable(x *custos.StaffUser) bool {
	return !x.Disabled && x.PasswordHash != "" && staff.Can(x.Role, staff.PermManageRequests)
}

// requestAction is one POST on a request: it reads the form, checks the
// version it carries when versioned, runs act, and redirects back to the
// request's page with the done message; a refusal shows the page again
// with its message.
func (c *Console) requestAction(done string, versioned bool, act func(ctx context.Context, u *custos.StaffUser, id string, version int64, f url.Values) (requestDraft, error)) func(http.ResponseWriter, *http.Request, *custos.StaffUser) {
	return c.requestUpload(done, versioned, 0, act)
}

// requestUpload is requestAction for a form that may carry files (a
// multipart form) of up to upload bytes in all. The files are read into
// memory, never to a temporary file: they hold personal data.
func (c *Console) requestUpload(done string, versioned bool, upload int64, act func(ctx context.Context, u *custos.StaffUser, id string, version int64, f url.Values) (requestDraft, error)) func(http.ResponseWriter, *http.Request, *custos.StaffUser) {
	return func(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
		if c.requestsOff(w, r, u) {
			return
		}
		id := r.PathValue("id")
		if len(id) > maxID {
			c.fail(w, r, u, custos.Errorf(custos.ENOTFOUND, "no such request"))
			return
		}
		t := messagesFor(r)
		r.Body = http.MaxBytesReader(w, r.Body, requestFormBytes+upload)
		var err error
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); upload > 0 && mt == "multipart/form-data" {
			// The server's read timeout is for forms; files on a slow
			// line take longer.
			http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadTimeout))
			err = r.ParseMultipartForm(requestFormBytes + upload)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			msg := t.S("form_too_large")
			var tooLarge *http.MaxBytesError
			switch {
			case upload > 0 && errors.As(err, &tooLarge):
				msg = fmt.Sprintf(t.S("files_too_large"), upload>>20)
			case upload > 0:
				msg = t.S("form_unreadable")
			}
			c.renderRequest(w, r, u, id, http.StatusBadRequest, msg, "", requestDraft{})
			return
		}
		var version int64
		if versioned {
			v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
			if err != nil || v <= 0 {
				c.renderRequest(w, r, u, id, http.StatusBadRequest, t.S("bad_version"), "", requestDraft{})
				return
			}
			version = v
		}
		draft, err := act(r.Context(), u, id, version, r.PostForm)
		if err != nil {
			c.requestFailure(w, r, u, id, version, err, draft)
			return
		}
		http.Redirect(w, r, "/console/requests/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
	}
}

// requestLabels names dsr's form fields with the console's text keys.
var requestLabels = map[string]string{"note": "note", "reason": "reason", "assignee": "assign_to", "mark": "marks", "step": "step",
	"file": "step_files_done", "changes": "correct", "correct": "correct"}

// requestFailure shows the request again with why the action was refused.
func (c *Console) requestFailure(w http.ResponseWriter, r *http.Request, u *custos.StaffUser, id string, version int64, err error, draft requestDraft) {
	t := messagesFor(r)
	switch custos.ErrorCode(err) {
	case custos.EINVALID:
		var parts []string
		for _, f := range custos.ErrorFields(err) {
			label := f.Field
			if k, ok := requestLabels[f.Field]; ok {
				label = t.S(k)
			}
			parts = append(parts, label+": "+f.Message)
		}
		if len(parts) == 0 {
			parts = append(parts, custos.ErrorMessage(err))
		}
		c.renderRequest(w, r, u, id, http.StatusUnprocessableEntity, strings.Join(parts, "; "), "", draft)
	case custos.ECONFLICT:
		msg := custos.ErrorMessage(err)
		// A changed version is said in the staff member's language; the
		// other conflicts (the state, the law) in dsr's words.
		if cur, err := c.Requests.Store.Request(r.Context(), id); err == nil && version != 0 && cur.Version != version {
			msg = t.S("stale")
			draft = requestDraft{} // the page shows the request as it is now
		}
		c.renderRequest(w, r, u, id, http.StatusConflict, msg, "", draft)
	case custos.EUNAVAILABLE, custos.EFORBIDDEN:
		c.renderRequest(w, r, u, id, http.StatusConflict, custos.ErrorMessage(err), "", draft)
	default:
		c.fail(w, r, u, err)
	}
}

func (c *Console) noteRequest(ctx context.Context, u *custos.StaffUser, id string, _ int64, f url.Values) (requestDraft, error) {
	note := f.Get("note")
	return requestDraft{Note: note}, c.Requests.Note(ctx, u.ID, id, note)
}

func (c *Console) assignRequest(ctx context.Context, u *custos.StaffUser, id string, version int64, f url.Values) (requestDraft, error) {
	who := f.Get("assignee")
	switch who {
	case "":
	case "me":
		who = u.ID
	default:
		x, err := c.Staff.Store.User(ctx, who)
		if err != nil && custos.ErrorCode(err) != custos.ENOTFOUND {
			return requestDraft{}, err
		}
		if err != nil || !assignable(x) {
			return requestDraft{}, custos.Invalid(custos.FieldError{Field: "assignee", Message: "choose a privacy officer or an administrator"})
		}
	}
	return requestDraft{}, c.Requests.Assign(ctx, u.ID, id, version, who)
}

func (c *Console) approveRequest(ctx context.Context, u *custos.StaffUser, id string, version int64, _ url.Values) (requestDraft, error) {
	return requestDraft{}, c.Requests.Approve(ctx, u.ID, id, version)
}

func (c *Console) denyRequest(ctx context.Context, u *custos.StaffUser, id string, version int64, f url.Values) (requestDraft, error) {
	reason, note := f.Get("reason"), f.Get("note")
	d := requestDraft{DenyNote: note}
	if slices.Contains(custos.DenyReasons, reason) {
		d.DenyReason = reason
	}
	return d, c.Requests.Deny(ctx, u.ID, id, version, reason, note)
}

func (c *Console) extendRequest(ctx context.Context, u *custos.StaffUser, id string, version int64, f url.Values) (requestDraft, error) {
	reason := f.Get("reason")
	return requestDraft{ExtendReason: reason}, c.Requests.Extend(ctx, u.ID, id, version, reason)
}

func (c *Console) completeRequest(ctx context.Context, u *custos.StaffUser, id string, version int64, _ url.Values) (requestDraft, error) {
	return requestDraft{}, c.Requests.Complete(ctx, u.ID, id, version)
}

func (c *Console) liftMark(ctx context.Context, u *custos.StaffUser, id string, _ int64, f url.Values) (requestDraft, error) {
	mark, err := strconv.ParseInt(f.Get("mark"), 10, 64)
	if err != nil || mark <= 0 {
		return requestDraft{}, custos.Invalid(custos.FieldError{Field: "mark", Message: "no such restriction"})
	}
	err = c.Requests.LiftMark(ctx, u.ID, id, mark)
	if custos.ErrorCode(err) == custos.ENOTFOUND {
		// The request exists (or View will say it does not): the mark is
		// gone or already lifted.
		return requestDraft{}, custos.Invalid(custos.FieldError{Field: "mark", Message: custos.ErrorMessage(err)})
	}
	return requestDraft{}, err
}

// dueBoxRows is how many requests the dashboard's reminder lists.
const dueBoxRows = 20
