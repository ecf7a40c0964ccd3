package console

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/audit"
	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/staff"
)

// minAnalystGroup is the fewest choices a selection must hold before a
// role without access to records sees its figures.
const minAnalystGroup = 10

// maxField caps what a form field may hold before it is refused.
const maxField = 256

type signInData struct{ Email, Next string }

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request, _ *custos.StaffUser) {
	if u := c.user(r); u != nil {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "signin", "sign_in", nil, signInData{Next: safeNext(r.URL.Query().Get("next"))})
}

// safeNext keeps a redirect target inside the console.
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/console/") || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\r\n") {
		return "/console/"
	}
	return s
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request, _ *custos.StaffUser) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		c.render(w, r, http.StatusBadRequest, "signin", "sign_in", nil, formError{messagesFor(r).S("sign_in_failed"), signInData{}})
		return
	}
	email := normalizeEmail(r.PostFormValue("email"))
	next := safeNext(r.PostFormValue("next"))
	if len(email) > 254 {
		email = ""
	}
	_, token, err := c.Staff.SignIn(r.Context(), email, r.PostFormValue("password"), strings.TrimSpace(r.PostFormValue("code")),
		staff.SignInMeta{UserAgent: truncate(r.UserAgent(), 200), IPPrefix: c.ClientIP(r)})
	if errors.Is(err, staff.ErrTOTPEnrollmentRequired) {
		// An administrator's password was right, but a second factor is
		// required first: on to enrolment, with its one-time token.
		// The one-time token travels in a short-lived cookie, not in the
		// URL, where proxies' logs and the browser's history would keep it.
		http.SetCookie(w, &http.Cookie{Name: enrollCookie, Value: token, Path: "/console/enroll", MaxAge: int(staff.EnrollmentTTL.Seconds()),
			HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/console/enroll", http.StatusSeeOther)
		return
	}
	if err != nil {
		// One answer for every failure: it does not tell whether the
		// address has an account.
		c.render(w, r, http.StatusUnauthorized, "signin", "sign_in", nil, formError{messagesFor(r).S("sign_in_failed"), signInData{Email: email, Next: next}})
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/console/",
		HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if err := c.Staff.SignOut(r.Context(), ck.Value); err != nil {
			c.fail(w, r, u, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/console/", MaxAge: -1, HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

type dashboardData struct {
	D           *dashboard
	ToInclusive time.Time
	Sites       []string
	Due         *dueBox // the requests falling due, for those who act on them
}

// parseDay reads a YYYY-MM-DD form value; def when empty.
func parseDay(s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	return time.Parse(time.DateOnly, s)
}

func (c *Console) dashboardPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	q := r.URL.Query()
	today := c.Now().UTC().Truncate(24 * time.Hour)
	from, err1 := parseDay(q.Get("from"), today.AddDate(0, 0, -29))
	last, err2 := parseDay(q.Get("to"), today)
	site, region := q.Get("site"), strings.TrimSpace(q.Get("region"))
	m := c.Manifest()
	switch {
	case err1 != nil:
		c.fail(w, r, u, custos.Invalid(custos.FieldError{Field: "from", Message: "must be a date written YYYY-MM-DD"}))
		return
	case err2 != nil:
		c.fail(w, r, u, custos.Invalid(custos.FieldError{Field: "to", Message: "must be a date written YYYY-MM-DD"}))
		return
	case last.Before(from):
		c.fail(w, r, u, custos.Invalid(custos.FieldError{Field: "to", Message: "must not be before from"}))
		return
	case last.Sub(from) > maxDashboardDays*24*time.Hour:
		c.fail(w, r, u, custos.Invalid(custos.FieldError{Field: "to", Message: fmt.Sprintf("the period is at most %d days", maxDashboardDays)}))
		return
	case site != "" && m.Site(site) == nil:
		c.fail(w, r, u, custos.Invalid(custos.FieldError{Field: "site", Message: "is not a site of the manifest"}))
		return
	case len(region) > 10:
		c.fail(w, r, u, custos.Invalid(custos.FieldError{Field: "region", Message: "is at most 10 characters"}))
		return
	}
	t := messagesFor(r)
	d, err := buildDashboard(r.Context(), c.Store, m, t, site, region, from, last.AddDate(0, 0, 1))
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	var sites []string
	for _, s := range m.Sites {
		sites = append(sites, s.ID)
	}
	// An analyst sees aggregates only: a selection so narrow that it holds
	// a handful of choices could describe one person, so it is not shown.
	// That rows were left out for a restriction is itself a figure: it is
	// shown only of a selection as large.
	small := func(n int) bool { return n > 0 && n < minAnalystGroup }
	if !staff.Can(u.Role, staff.PermViewConsentRecords) && (small(d.Total) || small(d.Total+d.LeftOut)) {
		c.render(w, r, http.StatusOK, "message", "dashboard", u, fmt.Sprintf(t.S("too_few"), minAnalystGroup))
		return
	}
	dd := dashboardData{D: d, ToInclusive: last, Sites: sites}
	if staff.Can(u.Role, staff.PermManageRequests) {
		if dd.Due, err = c.dueSoon(r.Context(), t, nil, dueBoxRows); err != nil {
			c.fail(w, r, u, err)
			return
		}
	}
	c.render(w, r, http.StatusOK, "dashboard", "dashboard", u, dd)
}

type consentsData struct {
	Q          custos.ConsentQuery
	FromS, ToS string
	Rows       []*custos.Consent
	Next       string
}

const pageSize = 50

func (c *Console) consentsPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	v := r.URL.Query()
	d := consentsData{FromS: v.Get("from"), ToS: v.Get("to")}
	d.Q = custos.ConsentQuery{Site: v.Get("site"), Subject: strings.TrimSpace(v.Get("subject")), ID: strings.TrimSpace(v.Get("id")), Before: v.Get("before"), Limit: pageSize}
	for _, f := range []struct{ name, val string }{{"subject", d.Q.Subject}, {"id", d.Q.ID}, {"before", d.Q.Before}, {"site", d.Q.Site}} {
		if len(f.val) > 64 {
			c.fail(w, r, u, custos.Invalid(custos.FieldError{Field: f.name, Message: "is at most 64 characters"}))
			return
		}
	}
	var err error
	if d.Q.From, err = parseDay(d.FromS, time.Time{}); err != nil {
		c.fail(w, r, u, custos.Invalid(custos.FieldError{Field: "from", Message: "must be a date written YYYY-MM-DD"}))
		return
	}
	if d.Q.To, err = parseDay(d.ToS, time.Time{}); err != nil {
		c.fail(w, r, u, custos.Invalid(custos.FieldError{Field: "to", Message: "must be a date written YYYY-MM-DD"}))
		return
	}
	if !d.Q.To.IsZero() {
		d.Q.To = d.Q.To.AddDate(0, 0, 1) // the whole last day
	}
	if d.Rows, err = c.Store.SearchConsents(r.Context(), d.Q); err != nil {
		c.fail(w, r, u, err)
		return
	}
	// A search by consent id or receipt id shows one person's records: each
	// shown is an access, written to the audit trail. (The unfiltered list
	// shows no consent ids.) A link from another site must not make a staff
	// member "open" records without meaning to: it gets a confirmation.
	if d.Q.Subject != "" || d.Q.ID != "" {
		if c.crossSite(r) {
			c.render(w, r, http.StatusOK, "confirm", "consents", u, r.URL.RequestURI())
			return
		}
		for _, row := range d.Rows {
			if err := c.audit(r.Context(), u, "consent", row.ID); err != nil {
				c.fail(w, r, u, err)
				return
			}
		}
	}
	if len(d.Rows) == pageSize {
		nv := url.Values{}
		for k, vs := range v {
			nv[k] = vs
		}
		nv.Set("before", d.Rows[len(d.Rows)-1].ID)
		d.Next = "/console/consents?" + nv.Encode()
	}
	c.render(w, r, http.StatusOK, "consents", "consents", u, d)
}

type choiceRow struct {
	Name    string
	Granted bool
}

type consentData struct {
	C            *custos.Consent
	Choices      []choiceRow
	SignatureOK  bool
	SignatureErr string
	KeyID        string
	Restriction  *restrictionNotice // nil unless the person asked for restriction
}

// restrictionNotice is what a consent record's page says of a restriction
// of processing (GDPR Art. 18) in force on its person.
type restrictionNotice struct {
	Title    string   // "Processing restricted (GDPR Art. 18) since <date>", of the first in force
	Requests []string // the requests that set them, for those who may open them
}

func (c *Console) consentPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	id := r.PathValue("id")
	if len(id) > 64 {
		c.fail(w, r, u, custos.Errorf(custos.ENOTFOUND, "no such record"))
		return
	}
	if c.crossSite(r) {
		c.render(w, r, http.StatusOK, "confirm", "receipt", u, r.URL.RequestURI())
		return
	}
	rec, err := c.Store.Consent(r.Context(), id)
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	// The access is recorded before anything about the person is shown.
	if err := c.audit(r.Context(), u, "consent", rec.ID); err != nil {
		c.fail(w, r, u, err)
		return
	}
	d := consentData{C: rec, KeyID: c.Signer.KeyID()}
	t := messagesFor(r)
	marks, err := c.Store.SubjectRestrictions(r.Context(), rec.Site, rec.Subject)
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	if len(marks) > 0 {
		since := marks[0].Since.In(c.siteLocation(rec.Site)).Format(time.DateOnly)
		d.Restriction = &restrictionNotice{Title: fmt.Sprintf(t.S("restricted_since"), since)}
		if c.Requests != nil && staff.Can(u.Role, staff.PermViewRequests) {
			for _, m := range marks {
				if m.RequestID != "" && !slices.Contains(d.Restriction.Requests, m.RequestID) {
					d.Restriction.Requests = append(d.Restriction.Requests, m.RequestID)
				}
			}
		}
	}
	// The signature is checked on display, and the signed claims compared
	// with the stored row: an edited row shows as unverified.
	claims, err := consent.VerifyReceipt(rec.Receipt, c.Signer.JWKS())
	switch {
	case err != nil:
		d.SignatureErr = err.Error()
	case claims.ID != rec.ID || claims.Subject != rec.Subject || claims.Method != rec.Method || fmt.Sprint(claims.Choices) != fmt.Sprint(rec.Choices):
		d.SignatureErr = "the stored record differs from its signed receipt"
	default:
		d.SignatureOK = true
	}
	names := map[string]string{}
	if s := c.Manifest().Site(rec.Site); s != nil {
		for _, cat := range s.Categories {
			names[cat.ID] = s.TextIn(cat.Text, t.Lang).Name
		}
	}
	for _, k := range slices.Sorted(maps.Keys(rec.Choices)) {
		n := names[k]
		if n == "" {
			n = k
		}
		d.Choices = append(d.Choices, choiceRow{Name: n, Granted: rec.Choices[k]})
	}
	c.render(w, r, http.StatusOK, "consent", "receipt", u, d)
}

type auditData struct {
	ChainOK               bool
	ChainMsg              string
	Action, Actor, Object string
	Actions               []string
	Entries               []*custos.AuditEntry
	More                  string
}

// maxAuditRows bounds the entries one page shows, newest first.
const maxAuditRows = 500

func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	v := r.URL.Query()
	d := auditData{Action: v.Get("action"), Actor: strings.TrimSpace(v.Get("actor")), Object: strings.TrimSpace(v.Get("object"))}
	for _, f := range []struct{ name, val string }{{"action", d.Action}, {"actor", d.Actor}, {"object", d.Object}} {
		if len(f.val) > 64 {
			c.fail(w, r, u, custos.Invalid(custos.FieldError{Field: f.name, Message: "is at most 64 characters"}))
			return
		}
	}
	t := messagesFor(r)
	n, err := audit.Verify(r.Context(), c.Store)
	var be *audit.BreakError
	switch {
	case errors.As(err, &be):
		d.ChainMsg = fmt.Sprintf(t.S("chain_bad"), be.Error())
	case err != nil:
		c.fail(w, r, u, err)
		return
	default:
		seq, hash, err := c.Store.AuditHead(r.Context())
		if err != nil {
			c.fail(w, r, u, err)
			return
		}
		d.ChainOK = true
		d.ChainMsg = fmt.Sprintf(t.S("chain_ok"), n, fmt.Sprintf("%d:%.16s…", seq, hash))
	}
	actions := map[string]bool{}
	var matched int
	err = c.Store.AuditEntries(r.Context(), func(e *custos.AuditEntry) error {
		actions[e.Action] = true
		if d.Action != "" && e.Action != d.Action || d.Actor != "" && e.Actor != d.Actor || d.Object != "" && e.ObjectID != d.Object {
			return nil
		}
		matched++
		d.Entries = append(d.Entries, e)
		if len(d.Entries) > maxAuditRows {
			d.Entries = d.Entries[1:] // keep the newest
		}
		return nil
	})
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	slices.Reverse(d.Entries)
	if matched > len(d.Entries) {
		d.More = fmt.Sprintf("%d / %d", len(d.Entries), matched)
	}
	d.Actions = slices.Sorted(maps.Keys(actions))
	c.render(w, r, http.StatusOK, "audit", "audit", u, d)
}

type siteVersions struct {
	ID, Name, Fingerprint, ContentHash string
	Versions                           []*custos.ManifestVersion
}

func (c *Console) manifestPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	var d struct {
		Source string
		Sites  []siteVersions
	}
	d.Source = c.Source
	for _, s := range c.Manifest().Sites {
		vs, err := c.Store.ManifestVersions(r.Context(), s.ID)
		if err != nil {
			c.fail(w, r, u, err)
			return
		}
		slices.Reverse(vs)
		d.Sites = append(d.Sites, siteVersions{ID: s.ID, Name: s.Name, Fingerprint: s.Fingerprint(), ContentHash: s.ContentHash(), Versions: vs})
	}
	c.render(w, r, http.StatusOK, "manifest", "manifest", u, d)
}

// crossSite reports whether the browser says the request came from another
// site (a link or a form elsewhere): such a request may not open a record.
func (c *Console) crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	return false
}
