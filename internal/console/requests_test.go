package console_test

import (
	"context"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/console"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/staff"
)

// mailedCodeRE finds the 6-digit code of a verification e-mail's text.
var mailedCodeRE = regexp.MustCompile(`(?m)^\s+([0-9]{6})\s*$`)

// versionRE finds the version a request's forms carry.
var versionRE = regexp.MustCompile(`name="version" value="([0-9]+)"`)

// newRequest files sub through dsr.Service.Submit as a person would, proves
// the address with the code read from the outbox, and returns the request.
func (h *harness) newRequest(sub dsr.Submission) *custos.Request {
	h.t.Helper()
	ctx := context.Background()
	if sub.Site == "" {
		sub.Site = h.m.Sites[0].ID
	}
	if sub.Email == "" {
		sub.Email = "person-" + randomHex(h.t, 6) + "@example.net"
	}
	ticket, err := h.dsr.Submit(ctx, sub, dsr.Meta{Client: "192.0.2.0/24"})
	if err != nil {
		h.t.Fatalf("submitting %s: %v", sub.Type, err)
	}
	if ticket.Verify {
		mails, err := h.db.Mails(ctx, 100)
		if err != nil {
			h.t.Fatal(err)
		}
		code := ""
		for _, m := range mails {
			if m.To == strings.ToLower(sub.Email) && m.Template == "verify" {
				if c := mailedCodeRE.FindStringSubmatch(m.Text); c != nil {
					code = c[1]
					break
				}
			}
		}
		if code == "" {
			h.t.Fatalf("no verification code mailed to %s", sub.Email)
		}
		if _, err := h.dsr.VerifyCode(ctx, ticket.Challenge, code); err != nil {
			h.t.Fatalf("verifying: %v", err)
		}
	}
	list, err := h.db.Requests(ctx, custos.RequestQuery{EmailHash: h.dsr.EmailHash(sub.Email), Type: sub.Type})
	if err != nil || len(list) != 1 {
		h.t.Fatalf("the request filed: %d, %v", len(list), err)
	}
	if list[0].State != custos.StateOpen {
		h.t.Fatalf("request %s is %s after verification", list[0].ID, list[0].State)
	}
	return list[0]
}

// at runs fn with the clock set to t, then puts it back.
func (h *harness) at(t time.Time, fn func()) {
	h.mu.Lock()
	saved := h.now
	h.now = t
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.now = saved
		h.mu.Unlock()
	}()
	fn()
}

func (h *harness) stored(id string) *custos.Request {
	h.t.Helper()
	r, err := h.db.Request(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// version reads the version the page's forms carry.
func (h *harness) version(body string) string {
	h.t.Helper()
	m := versionRE.FindStringSubmatch(body)
	if m == nil {
		h.t.Fatalf("no version in the request's forms")
	}
	return m[1]
}

// post sends a form to a request's action and follows the redirect back
// to its page, which it returns.
func (h *harness) post(token, id, action string, form url.Values, wantDone string) string {
	h.t.Helper()
	status, loc, body := h.request("POST", "/console/requests/"+id+"/"+action, token, form)
	if status != http.StatusSeeOther || loc != "/console/requests/"+id+"?done="+wantDone {
		h.t.Fatalf("%s: %d %q, want a redirect to the request\n%s", action, status, loc, body)
	}
	status, _, body = h.request("GET", loc, token, nil)
	if status != http.StatusOK {
		h.t.Fatalf("%s: the page after: %d", action, status)
	}
	return body
}

func (h *harness) events(id string) []string {
	h.t.Helper()
	evs, err := h.db.RequestEvents(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}

// auditOf returns the actions of the audit entries about object id.
func (h *harness) auditOf(id string) []string {
	h.t.Helper()
	var acts []string
	h.db.AuditEntries(context.Background(), func(e *custos.AuditEntry) error {
		if e.ObjectID == id {
			acts = append(acts, e.Action)
		}
		return nil
	})
	return acts
}

func containsAll(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not show %q", what, w)
		}
	}
}

// TestRequestWorkflow walks requests through the console as a privacy
// officer: view, note, assign, approve, complete; deny; extend; a stale
// page; lifting a restriction. The auditor reads and cannot act; the
// analyst sees nothing.
func TestRequestWorkflow(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	access := h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR", Email: "ada@example.net", Details: "Please include everything."})
	erasure := h.newRequest(dsr.Submission{Type: custos.RequestErasure, Region: "DE"})
	info := h.newRequest(dsr.Submission{Type: custos.RequestInformation, Region: "FR"})
	brazil := h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "BR"})
	officer, token := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	_, auditor := h.staffUser(custos.RoleAuditor, "auditor@example.com")
	_, analyst := h.staffUser(custos.RoleAnalyst, "analyst@example.com")

	// The queue: every open request, no address.
	status, _, body := h.request("GET", "/console/requests", token, nil)
	if status != 200 {
		t.Fatalf("queue: %d", status)
	}
	containsAll(t, "the queue", body, access.ID, erasure.ID, info.ID, brazil.ID, "Access (a copy)", "Erasure", "eu · ", "Open")
	if strings.Contains(body, "ada@example.net") {
		t.Error("the queue shows an e-mail address")
	}
	if slices.Contains(h.auditOf(access.ID), custos.AuditRequestViewed) {
		t.Error("listing the queue audited a view of a request")
	}

	// The request's page: its address, details and deadlines; the view is
	// audited in the officer's name.
	status, _, body = h.request("GET", "/console/requests/"+access.ID, token, nil)
	if status != 200 {
		t.Fatalf("request page: %d", status)
	}
	containsAll(t, "the request page", body, "ada@example.net", "Please include everything.", "Access (a copy)", access.Law, "Timeline", "Address verified", "the person",
		`action="/console/requests/`+access.ID+`/approve"`, `action="/console/requests/`+access.ID+`/deny"`, `action="/console/requests/`+access.ID+`/extend"`)
	var viewed *custos.AuditEntry
	h.db.AuditEntries(ctx, func(e *custos.AuditEntry) error {
		if e.Action == custos.AuditRequestViewed && e.ObjectID == access.ID {
			viewed = e
		}
		return nil
	})
	if viewed == nil || viewed.Actor != officer.ID {
		t.Fatalf("no request.viewed entry naming the officer: %+v", viewed)
	}

	// Note, assign to oneself, approve, complete.
	body = h.post(token, access.ID, "note", url.Values{"note": {"Called the person.\nThey confirmed."}}, "noted")
	containsAll(t, "the page after a note", body, "The note is added.", "Called the person.\nThey confirmed.", "officer@example.com")
	body = h.post(token, access.ID, "assign", url.Values{"assignee": {"me"}, "version": {h.version(body)}}, "assigned")
	if r := h.stored(access.ID); r.AssignedTo != officer.ID {
		t.Errorf("assigned to %q, want the officer", r.AssignedTo)
	}
	body = h.post(token, access.ID, "approve", url.Values{"version": {h.version(body)}}, "approved")
	if r := h.stored(access.ID); r.State != custos.StateInProgress {
		t.Fatalf("after approving: %s", r.State)
	}
	containsAll(t, "the page after approving", body, "What was done", "Answer prepared", ".zip", "In progress", `/complete"`)
	body = h.post(token, access.ID, "complete", url.Values{"version": {h.version(body)}}, "completed")
	if r := h.stored(access.ID); r.State != custos.StateCompleted {
		t.Fatalf("after completing: %s", r.State)
	}
	containsAll(t, "the page after completing", body, "Completed", "Download available until")
	if strings.Contains(body, `name="version"`) {
		t.Error("a completed request still offers versioned actions")
	}
	for _, k := range []string{custos.EventReceived, custos.EventVerified, custos.EventNote, custos.EventAssigned, custos.EventApproved, custos.EventCompleted} {
		if !slices.Contains(h.events(access.ID), k) {
			t.Errorf("the timeline lacks %s: %v", k, h.events(access.ID))
		}
	}
	for _, a := range []string{custos.AuditRequestViewed, custos.AuditRequestNoted, custos.AuditRequestAssigned, custos.AuditRequestApproved, custos.AuditRequestCompleted} {
		if !slices.Contains(h.auditOf(access.ID), a) {
			t.Errorf("the audit trail lacks %s: %v", a, h.auditOf(access.ID))
		}
	}
	// Closed requests leave the default queue; "all" shows them.
	_, _, body = h.request("GET", "/console/requests", token, nil)
	if strings.Contains(body, access.ID) {
		t.Error("a completed request is in the default queue")
	}
	_, _, body = h.request("GET", "/console/requests?state=all", token, nil)
	if !strings.Contains(body, access.ID) {
		t.Error("state=all does not show the completed request")
	}
	_, _, body = h.request("GET", "/console/requests?state=completed&type=access&site=demo&jurisdiction=eu", token, nil)
	if !strings.Contains(body, access.ID) || strings.Contains(body, erasure.ID) {
		t.Error("the filters do not select")
	}

	// Deny: "other" needs a note; then a reason in words.
	_, _, body = h.request("GET", "/console/requests/"+erasure.ID, token, nil)
	v := h.version(body)
	status, _, body = h.request("POST", "/console/requests/"+erasure.ID+"/deny", token, url.Values{"reason": {"other"}, "note": {"  "}, "version": {v}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Note: required") {
		t.Errorf("denying for other without a note: %d", status)
	}
	if r := h.stored(erasure.ID); r.State != custos.StateOpen {
		t.Fatalf("a refused denial changed the state to %s", r.State)
	}
	body = h.post(token, erasure.ID, "deny", url.Values{"reason": {custos.DenyInsufficientVerification}, "note": {"We could not confirm it is you."}, "version": {v}}, "denied")
	r := h.stored(erasure.ID)
	if r.State != custos.StateDenied || r.DenyReason != custos.DenyInsufficientVerification || r.DenyNote != "We could not confirm it is you." {
		t.Errorf("after denying: %s %s %q", r.State, r.DenyReason, r.DenyNote)
	}
	containsAll(t, "the denied request", body, "Identity not sufficiently verified", "We could not confirm it is you.", "Denied")
	if !slices.Contains(h.auditOf(erasure.ID), custos.AuditRequestDenied) {
		t.Error("no request.denied audit entry")
	}

	// Extend: once, with a reason; the deadline to tell the person shown.
	_, _, body = h.request("GET", "/console/requests/"+info.ID, token, nil)
	containsAll(t, "the extension form", body, "Tell the person of an extension by", "The due date moves to")
	before := h.stored(info.ID)
	body = h.post(token, info.ID, "extend", url.Values{"reason": {"Many systems to search."}, "version": {h.version(body)}}, "extended")
	r = h.stored(info.ID)
	if !r.Extended || !r.DueAt.Equal(before.ExtendMax) || r.ExtensionReason != "Many systems to search." {
		t.Errorf("after extending: extended %v, due %v (max %v), reason %q", r.Extended, r.DueAt, before.ExtendMax, r.ExtensionReason)
	}
	if strings.Contains(body, `/extend"`) || !strings.Contains(body, "already extended") {
		t.Error("an extended request still offers the extension")
	}
	if !slices.Contains(h.events(info.ID), custos.EventExtended) || !slices.Contains(h.auditOf(info.ID), custos.AuditRequestExtended) {
		t.Error("the extension is not in the timeline and the audit trail")
	}

	// A stale page: its version is refused with the conflict message, and
	// nothing changes.
	_, _, body = h.request("GET", "/console/requests/"+brazil.ID, token, nil)
	stale := h.version(body)
	if strings.Contains(body, `/extend"`) || !strings.Contains(body, "allows no extension") {
		t.Error("a request whose law allows no extension offers one")
	}
	h.post(token, brazil.ID, "assign", url.Values{"assignee": {"me"}, "version": {stale}}, "assigned")
	before = h.stored(brazil.ID)
	for _, action := range []string{"approve", "deny", "assign"} {
		status, _, body = h.request("POST", "/console/requests/"+brazil.ID+"/"+action, token, url.Values{"version": {stale}, "reason": {"no_match"}, "assignee": {""}})
		if status != http.StatusConflict || !strings.Contains(body, "The request changed since you opened it") {
			t.Errorf("%s with a stale version: %d", action, status)
		}
	}
	if after := h.stored(brazil.ID); after.Version != before.Version || after.State != custos.StateOpen || after.AssignedTo != officer.ID {
		t.Errorf("stale posts changed the request: %+v", after)
	}
	// Without a version, nothing is done either.
	if status, _, _ = h.request("POST", "/console/requests/"+brazil.ID+"/approve", token, url.Values{}); status != http.StatusBadRequest {
		t.Errorf("approving without a version: %d", status)
	}
	// An assignee must be one who may act on requests.
	status, _, _ = h.request("POST", "/console/requests/"+brazil.ID+"/assign", token, url.Values{"assignee": {"st_nosuchaccount"}, "version": {strconv.FormatInt(before.Version, 10)}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("assigning to an unknown account: %d", status)
	}

	// A restriction: approved, it marks the person; the mark can be lifted.
	restriction := h.newRequest(dsr.Submission{Type: custos.RequestRestriction, Region: "FR"})
	_, _, body = h.request("GET", "/console/requests/"+restriction.ID, token, nil)
	body = h.post(token, restriction.ID, "approve", url.Values{"version": {h.version(body)}}, "approved")
	m := regexp.MustCompile(`name="mark" value="([0-9]+)"`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "Processing restricted") {
		t.Fatal("no restriction to lift on the page")
	}
	body = h.post(token, restriction.ID, "lift", url.Values{"mark": {m[1]}}, "lifted")
	if strings.Contains(body, `name="mark"`) || !strings.Contains(body, "lifted") {
		t.Error("the lifted restriction is still offered")
	}
	if !slices.Contains(h.auditOf(restriction.ID), custos.AuditRestrictionLifted) {
		t.Error("no restriction.lifted audit entry")
	}

	// The auditor reads, audited, and is offered nothing; a POST is 403.
	status, _, body = h.request("GET", "/console/requests/"+info.ID, auditor, nil)
	if status != 200 || !strings.Contains(body, info.ID) || strings.Contains(body, `method="post" action="/console/requests/`) {
		t.Errorf("auditor's request page: %d, or actions offered", status)
	}
	for _, action := range []string{"note", "approve", "deny", "extend", "complete", "assign", "lift"} {
		if status, _, _ = h.request("POST", "/console/requests/"+brazil.ID+"/"+action, auditor, url.Values{"version": {"1"}, "note": {"x"}}); status != http.StatusForbidden {
			t.Errorf("auditor POST %s: %d", action, status)
		}
	}
	// The analyst never sees a request.
	for _, p := range []string{"/console/requests", "/console/requests/" + info.ID, "/console/outbox"} {
		if status, _, body = h.request("GET", p, analyst, nil); status != http.StatusForbidden || strings.Contains(body, info.ID) {
			t.Errorf("analyst GET %s: %d", p, status)
		}
	}
	_, _, body = h.request("GET", "/console/", analyst, nil)
	if strings.Contains(body, "/console/requests") {
		t.Error("the analyst's navigation links to the requests")
	}

	// A link from another site opens nothing and audits nothing.
	n := len(h.auditOf(info.ID))
	req, _ := http.NewRequest("GET", h.srv.URL+"/console/requests/"+info.ID, nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.AddCookie(&http.Cookie{Name: "custos_session", Value: token})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(h.auditOf(info.ID)) != n {
		t.Error("a cross-site link to a request audited a view")
	}
}

// TestRequestQueueFilters: unknown filter values get a message, not a 500.
func TestRequestQueueFilters(t *testing.T) {
	h := newHarness(t, nil)
	_, token := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	for q, want := range map[string]string{
		"type=teleportation":                  "filter Type",
		"state=lost":                          "filter State",
		"site=elsewhere":                      "filter Site",
		"jurisdiction=mars":                   "filter Jurisdiction",
		"type=x&jurisdiction=y":               "Type, Jurisdiction",
		"site=" + url.QueryEscape(hostile[0]): "filter Site",
	} {
		status, _, body := h.request("GET", "/console/requests?"+q, token, nil)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("?%s: %d, want 422 naming %q", q, status, want)
		}
		if live := liveMarkup(body); live != "" {
			t.Errorf("?%s: %s", q, live)
		}
	}
}

// TestRequestDeadlines: the queue and the dashboard say, in words, which
// requests are overdue or due soon; the reminder is for those who act.
func TestRequestDeadlines(t *testing.T) {
	h := newHarness(t, nil)
	now := h.clock()
	var late, soon, later *custos.Request
	h.at(now.AddDate(0, -2, 0), func() { late = h.newRequest(dsr.Submission{Type: custos.RequestErasure, Region: "FR"}) })
	h.at(now.AddDate(0, 0, -27), func() { soon = h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR"}) })
	later = h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR"})
	_, officer := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	_, auditor := h.staffUser(custos.RoleAuditor, "auditor@example.com")

	_, _, body := h.request("GET", "/console/requests", officer, nil)
	rows := map[string]string{}
	for _, tr := range regexp.MustCompile(`(?s)<tr[^>]*>.*?</tr>`).FindAllString(body, -1) {
		for _, r := range []*custos.Request{late, soon, later} {
			if strings.Contains(tr, r.ID) {
				rows[r.ID] = tr
			}
		}
	}
	if !strings.Contains(rows[late.ID], `class="badge overdue">overdue<`) {
		t.Errorf("the overdue request's row: %s", rows[late.ID])
	}
	if !regexp.MustCompile(`class="badge soon">due (in [0-9] days|within a day)<`).MatchString(rows[soon.ID]) {
		t.Errorf("the request due soon's row: %s", rows[soon.ID])
	}
	if strings.Contains(rows[later.ID], "badge") {
		t.Errorf("a request due in a month has a badge: %s", rows[later.ID])
	}
	if i, j, k := strings.Index(body, late.ID), strings.Index(body, soon.ID), strings.Index(body, later.ID); !(i < j && j < k) {
		t.Error("the queue is not sorted by due date")
	}
	containsAll(t, "the queue's header", body, "Overdue: 1. Falling due within 7 days: 1.")

	_, _, body = h.request("GET", "/console/", officer, nil)
	containsAll(t, "the officer's dashboard", body, "Due soon", late.ID, soon.ID, "overdue")
	if strings.Contains(body, later.ID) {
		t.Error("the reminder lists a request due in a month")
	}
	_, _, body = h.request("GET", "/console/", auditor, nil)
	if strings.Contains(body, "Due soon") {
		t.Error("the auditor's dashboard shows the reminder")
	}
	// In French too.
	_, _, body = h.request("GET", "/console/requests?lang=fr", officer, nil)
	containsAll(t, "the French queue", body, "en retard", "Demandes")
}

// TestOutbox: officers and admins read the queued e-mails, each opening
// audited; the HTML version is shown as text.
func TestOutbox(t *testing.T) {
	h := newHarness(t, nil)
	h.newRequest(dsr.Submission{Type: custos.RequestAccess, Region: "FR", Email: "grace@example.net"})
	_, officer := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	_, auditor := h.staffUser(custos.RoleAuditor, "auditor@example.com")
	mails, err := h.db.Mails(context.Background(), 10)
	if err != nil || len(mails) < 2 {
		t.Fatalf("mails: %d %v", len(mails), err)
	}
	status, _, body := h.request("GET", "/console/outbox", officer, nil)
	if status != 200 {
		t.Fatalf("outbox: %d", status)
	}
	containsAll(t, "the outbox", body, "grace@example.net", html.EscapeString(mails[0].Subject), "verify", "pending", fmt.Sprintf(`href="/console/outbox/%d"`, mails[0].ID))
	if i, j := strings.Index(body, fmt.Sprintf("/console/outbox/%d\"", mails[0].ID)), strings.Index(body, fmt.Sprintf("/console/outbox/%d\"", mails[1].ID)); i > j {
		t.Error("the outbox is not newest first")
	}
	var verify *custos.Mail
	for _, m := range mails {
		if m.Template == "verify" {
			verify = m
		}
	}
	id := strconv.FormatInt(verify.ID, 10)
	status, _, body = h.request("GET", "/console/outbox/"+id, officer, nil)
	if status != 200 || !strings.Contains(body, mailedCodeRE.FindStringSubmatch(verify.Text)[1]) || !strings.Contains(body, `<pre class="mailbody">`) {
		t.Fatalf("mail page: %d, or no text body", status)
	}
	if strings.Contains(body, "<p>Hello,</p>") || !strings.Contains(body, "&lt;p&gt;Hello,&lt;/p&gt;") {
		t.Error("the HTML version is rendered, not shown as its source")
	}
	found, listed := false, false
	h.db.AuditEntries(context.Background(), func(e *custos.AuditEntry) error {
		found = found || e.Action == custos.AuditRecordViewed && e.ObjectType == "mail" && e.ObjectID == id
		listed = listed || e.Action == custos.AuditRecordViewed && e.ObjectType == "outbox"
		return nil
	})
	if !found || !listed {
		t.Errorf("opening a mail audited: %v; the list: %v", found, listed)
	}
	for _, p := range []string{"/console/outbox", "/console/outbox/" + id} {
		if status, _, body = h.request("GET", p, auditor, nil); status != http.StatusForbidden || strings.Contains(body, "grace@") {
			t.Errorf("auditor GET %s: %d", p, status)
		}
	}
	// Sent, failed, given up: said in words.
	ctx := context.Background()
	if err := h.db.MailSent(ctx, mails[0].ID, h.clock()); err != nil {
		t.Fatal(err)
	}
	if err := h.db.MailFailed(ctx, verify.ID, "550 mailbox unavailable", h.clock().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	_, _, body = h.request("GET", "/console/outbox/"+id, officer, nil)
	containsAll(t, "a failed mail", body, "not sent yet (1 attempts)", "550 mailbox unavailable", "Next attempt")
	if err := h.db.MailFailed(ctx, verify.ID, "550 mailbox unavailable", h.clock().Add(100*365*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, _, body = h.request("GET", "/console/outbox", officer, nil)
	containsAll(t, "the outbox", body, "not sent, given up (2 attempts)", "sent "+h.clock().UTC().Format("2006-01-02"))
	for _, p := range []string{"/console/outbox/0", "/console/outbox/abc", "/console/outbox/99999999"} {
		if status, _, _ = h.request("GET", p, officer, nil); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, status)
		}
	}
}

// TestRequestsNotConfigured: without a dsr.Service the pages say so and the
// navigation does not offer them.
func TestRequestsNotConfigured(t *testing.T) {
	h := newHarness(t, nil)
	h.con.Requests = nil
	_, officer := h.staffUser(custos.RolePrivacyOfficer, "officer@example.com")
	status, _, body := h.request("GET", "/console/requests", officer, nil)
	if status != http.StatusNotFound || !strings.Contains(body, "not configured") {
		t.Errorf("queue without requests: %d", status)
	}
	if status, _, _ = h.request("POST", "/console/requests/rq_x/approve", officer, url.Values{"version": {"1"}}); status != http.StatusNotFound {
		t.Errorf("an action without requests: %d", status)
	}
	_, _, body = h.request("GET", "/console/", officer, nil)
	if strings.Contains(body, `href="/console/requests"`) || strings.Contains(body, "Due soon") {
		t.Error("the dashboard links to requests that are not configured")
	}
}

// TestRequestRoutesPermissions: the request pages are read with
// view_requests (the auditor included, the analyst not); acting on a
// request, and the outbox, need manage_requests.
func TestRequestRoutesPermissions(t *testing.T) {
	want := map[string]staff.Permission{
		"GET /console/requests":                         staff.PermViewRequests,
		"GET /console/requests/{id}":                    staff.PermViewRequests,
		"POST /console/requests/{id}/note":              staff.PermManageRequests,
		"POST /console/requests/{id}/assign":            staff.PermManageRequests,
		"POST /console/requests/{id}/approve":           staff.PermManageRequests,
		"POST /console/requests/{id}/deny":              staff.PermManageRequests,
		"POST /console/requests/{id}/extend":            staff.PermManageRequests,
		"POST /console/requests/{id}/complete":          staff.PermManageRequests,
		"POST /console/requests/{id}/lift":              staff.PermManageRequests,
		"POST /console/requests/{id}/steps/{job}/retry": staff.PermManageRequests,
		"POST /console/requests/{id}/steps/{job}/done":  staff.PermManageRequests,
		"GET /console/outbox":                           staff.PermManageRequests,
		"GET /console/outbox/{id}":                      staff.PermManageRequests,
	}
	got := map[string]staff.Permission{}
	for _, rt := range (&console.Console{}).Routes() {
		if _, ok := want[rt.Pattern]; ok {
			got[rt.Pattern] = rt.Perm
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("routes: %v, want %v", got, want)
	}
}
