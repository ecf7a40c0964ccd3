// Package console is the staff console: server-rendered pages under
// /console/ for privacy officers, analysts, auditors and administrators.
// Every page checks the signed-in staff member's role on the server; every
// opening of a record about one person is written to the audit trail.
package console

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/staff"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/console.css
var consoleCSS []byte

// Store is what the console reads.
type Store interface {
	custos.ConsentReports
	custos.AuditStore
	custos.ManifestStore
	// Restrictions: a consent record's page says when its person asked
	// for restriction of processing, and the dashboard leaves them out.
	custos.Restrictions
	Consent(ctx context.Context, id string) (*custos.Consent, error)
}

// Console serves the staff console.
type Console struct {
	Staff    *staff.Service
	Store    Store
	Signer   *consent.Signer
	Manifest func() *manifest.Manifest
	Source   string // where the manifest was loaded from
	Log      *slog.Logger
	// ClientIP returns the caller's address, shortened, for the list of
	// sessions (the web server knows the trusted proxy header).
	ClientIP func(*http.Request) string
	// PublicURL is the address staff reach Custos at
	// ("https://custos.example.org"), for the set-up links the staff page
	// shows; when empty, the link is built from the request's Host.
	PublicURL string
	Now       func() time.Time
	// Requests runs data subject requests; nil: the request pages say
	// they are not configured.
	Requests *dsr.Service
	// Outbox is the e-mail queue the outbox pages show; nil: Store, if it
	// is one.
	Outbox Outbox

	pages map[string]*template.Template
}

const sessionCookie = "custos_session"

// Routes lists the console's ServeMux patterns with the permission each
// needs ("" for pages open to anyone, such as sign-in): the permission
// matrix test walks it.
func (c *Console) Routes() []Route {
	return []Route{
		{"GET /console/static/console.css", "", c.css},
		{"GET /console/sign-in", "", c.signInPage},
		{"POST /console/sign-in", "", c.signIn},
		{"GET /console/setup", "", c.setupPage},
		{"POST /console/setup", "", c.setup},
		{"GET /console/enroll", "", c.enrollPage},
		{"POST /console/enroll", "", c.enroll},
		{"POST /console/sign-out", signedIn, c.signOut},
		{"GET /console/{$}", staff.PermViewDashboard, c.dashboardPage},
		{"GET /console/consents", staff.PermViewConsentRecords, c.consentsPage},
		{"GET /console/consents/{id}", staff.PermViewConsentRecords, c.consentPage},
		{"GET /console/requests", staff.PermViewRequests, c.requestsPage},
		{"GET /console/requests/{id}", staff.PermViewRequests, c.requestPage},
		{"POST /console/requests/{id}/note", staff.PermManageRequests, c.requestAction("noted", false, c.noteRequest)},
		{"POST /console/requests/{id}/assign", staff.PermManageRequests, c.requestAction("assigned", true, c.assignRequest)},
		{"POST /console/requests/{id}/approve", staff.PermManageRequests, c.requestAction("approved", true, c.approveRequest)},
		{"POST /console/requests/{id}/deny", staff.PermManageRequests, c.requestAction("denied", true, c.denyRequest)},
		{"POST /console/requests/{id}/extend", staff.PermManageRequests, c.requestAction("extended", true, c.extendRequest)},
		{"POST /console/requests/{id}/complete", staff.PermManageRequests, c.requestAction("completed", true, c.completeRequest)},
		{"POST /console/requests/{id}/lift", staff.PermManageRequests, c.requestAction("lifted", false, c.liftMark)},
		{"POST /console/requests/{id}/steps/{job}/retry", staff.PermManageRequests, c.stepAction("retried", 0, c.retryStep)},
		{"POST /console/requests/{id}/steps/{job}/done", staff.PermManageRequests, c.stepAction("step_done", dsr.MaxStepFileBytes, c.completeStep)},
		{"POST /console/requests/{id}/steps/{job}/correct", staff.PermManageRequests, c.stepAction("corrected", 0, c.correctStep)},
		// Mails hold people's addresses and verification codes: those who
		// act on requests read them, not the auditor.
		{"GET /console/outbox", staff.PermManageRequests, c.outboxPage},
		{"GET /console/outbox/{id}", staff.PermManageRequests, c.mailPage},
		{"GET /console/audit", staff.PermViewAudit, c.auditPage},
		{"GET /console/manifest", staff.PermViewManifest, c.manifestPage},
		{"GET /console/staff", staff.PermViewStaff, c.staffPage},
		{"POST /console/staff", staff.PermManageStaff, c.createStaff},
		{"POST /console/staff/{id}/reset", staff.PermManageStaff, c.resetStaff},
		{"POST /console/staff/{id}/disable", staff.PermManageStaff, c.disableStaff},
		{"GET /console/tokens", staff.PermViewTokens, c.tokensPage},
		{"POST /console/tokens", staff.PermManageTokens, c.createToken},
		{"POST /console/tokens/{id}/revoke", staff.PermManageTokens, c.revokeToken},
		{"GET /console/sessions", signedIn, c.sessionsPage},
		{"GET " + secondFactorPath, signedIn, c.secondFactorPage},
		{"POST " + secondFactorPath, signedIn, c.secondFactor},
		{"POST /console/sessions/sign-out-everywhere", signedIn, c.signOutEverywhere},
	}
}

// signedIn marks a route that any signed-in staff member may use.
const signedIn staff.Permission = "signed_in"

// Route is one console route.
type Route struct {
	Pattern string
	Perm    staff.Permission
	Handler func(w http.ResponseWriter, r *http.Request, u *custos.StaffUser)
}

// Register mounts the console on mux.
func (c *Console) Register(mux *http.ServeMux) {
	if err := c.parse(); err != nil {
		panic(err) // the templates are embedded: a test catches this
	}
	for _, rt := range c.Routes() {
		mux.Handle(rt.Pattern, c.guard(rt))
	}
}

func (c *Console) parse() error {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ClientIP == nil {
		c.ClientIP = func(*http.Request) string { return "" }
	}
	c.pages = map[string]*template.Template{}
	for _, name := range []string{"signin", "setup", "enroll", "dashboard", "consents", "consent", "confirm", "audit", "requests", "request", "outbox", "mail", "manifest", "message", "staff", "tokens", "sessions"} {
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return err
		}
		c.pages[name] = t
	}
	return nil
}

// guard sets the console's security headers, protects state-changing
// requests against cross-origin forgery, and checks the session and the
// permission before the handler runs.
func (c *Console) guard(rt Route) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hdr.Set("Cache-Control", "no-store")
		hdr.Set("Referrer-Policy", "same-origin")
		if q := r.URL.Query().Get("lang"); q != "" {
			if _, ok := catalog[q]; ok {
				http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/console/", MaxAge: 365 * 86400, HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteLaxMode})
			}
		}
		if rt.Perm == "" {
			rt.Handler(w, r, nil)
			return
		}
		u := c.user(r)
		if u == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/console/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.render(w, r, http.StatusUnauthorized, "message", "sign_in", nil, messagesFor(r).S("sign_in_failed"))
			return
		}
		if rt.Perm != signedIn && !staff.Can(u.Role, rt.Perm) {
			t := messagesFor(r)
			c.render(w, r, http.StatusForbidden, "message", "forbidden", u, t.S("forbidden"))
			return
		}
		rt.Handler(w, r, u)
	})
	// Go's cross-origin protection refuses unsafe requests that the
	// browser marks as cross-site (Sec-Fetch-Site) or whose Origin is not
	// the host: the console's forms need no token.
	return http.NewCrossOriginProtection().Handler(h)
}

// user returns the signed-in staff member, or nil.
func (c *Console) user(r *http.Request) *custos.StaffUser {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	u, _, err := c.Staff.Authenticate(r.Context(), ck.Value)
	if err != nil {
		return nil
	}
	return u
}

type navItem struct {
	Href, Label string
	Current     bool
}

type langItem struct {
	Code, Name string
	Current    bool
}

type page struct {
	T     *messages
	Title string
	User  *custos.StaffUser
	Path  string // of the request, to mark the current page's links
	Nav   []navItem
	Langs []langItem
	Error string
	Data  any
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name, titleKey string, u *custos.StaffUser, data any) {
	t := messagesFor(r)
	p := page{T: t, Title: t.S(titleKey), User: u, Path: r.URL.Path, Data: data}
	for _, l := range []langItem{{"en", "English", false}, {"fr", "Français", false}, {"de", "Deutsch", false}} {
		l.Current = l.Code == t.Lang
		p.Langs = append(p.Langs, l)
	}
	if u != nil {
		for _, n := range []struct {
			href, key string
			perm      staff.Permission
		}{
			{"/console/", "dashboard", staff.PermViewDashboard},
			{"/console/requests", "requests", staff.PermViewRequests},
			{"/console/outbox", "outbox", staff.PermManageRequests},
			{"/console/consents", "consents", staff.PermViewConsentRecords},
			{"/console/audit", "audit", staff.PermViewAudit},
			{"/console/manifest", "manifest", staff.PermViewManifest},
			{"/console/staff", "staff", staff.PermViewStaff},
			{"/console/tokens", "tokens", staff.PermViewTokens},
		} {
			switch {
			case n.key == "requests" && c.Requests == nil, n.key == "outbox" && c.outbox() == nil:
				continue // not configured
			}
			if staff.Can(u.Role, n.perm) {
				p.Nav = append(p.Nav, navItem{Href: n.href, Label: t.S(n.key), Current: r.URL.Path == n.href})
			}
		}
	}
	if e, ok := data.(formError); ok {
		p.Error, p.Data = e.msg, e.data
	}
	var b strings.Builder
	if err := c.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		c.Log.Error("console: rendering a page", "page", name, "err", err)
		http.Error(w, t.S("error"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

// formError carries a form's message and the values to show again.
type formError struct {
	msg  string
	data any
}

func (c *Console) fail(w http.ResponseWriter, r *http.Request, u *custos.StaffUser, err error) {
	t := messagesFor(r)
	var ce *custos.Error
	switch {
	case errors.As(err, &ce) && ce.Code == custos.ENOTFOUND:
		c.render(w, r, http.StatusNotFound, "message", "not_found", u, t.S("not_found"))
	case errors.As(err, &ce) && ce.Code == custos.EINVALID:
		c.render(w, r, http.StatusUnprocessableEntity, "message", "error", u, ce.Message)
	default:
		// Details go to the log, which holds no personal data: ids only.
		c.Log.Error("console: request failed", "route", r.Pattern, "err", err)
		c.render(w, r, http.StatusInternalServerError, "message", "error", u, t.S("error"))
	}
}

func (c *Console) css(w http.ResponseWriter, r *http.Request, _ *custos.StaffUser) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(consoleCSS)
}

// audit records that u opened a record about one person.
func (c *Console) audit(ctx context.Context, u *custos.StaffUser, objectType, objectID string) error {
	sum := sha256.Sum256([]byte(objectType + "\x00" + objectID))
	return c.Store.AppendAudit(ctx, &custos.AuditEntry{
		Time: c.Now().UTC(), Actor: u.ID, Action: custos.AuditRecordViewed,
		ObjectType: objectType, ObjectID: objectID, DetailsHash: hex.EncodeToString(sum[:]),
	})
}

// secure reports whether cookies must be Secure: on TLS, or behind a proxy
// that ends TLS for a public URL in https (the usual deployment, where the
// request itself arrives over plain HTTP).
func (c *Console) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(c.PublicURL, "https://")
}
