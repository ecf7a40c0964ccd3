package web

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/declaration"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/manifest"
)

// The privacy centre: server-rendered pages under /privacy/{site} where a
// visitor finds the site's notice, its cookie declaration and their cookie
// choices, and files a data subject request, confirms it with the e-mailed
// code and follows it. The pages work without JavaScript; the only scripts
// are the banner (for the preference centre) and a few lines that read
// this browser's consent id when the person asks for it, both allowed by a
// per-response nonce.

//go:embed privacy/*.html
var privacyFS embed.FS

//go:embed privacy/privacy.css
var privacyCSS string

// privacyStyleHash allows the pages' one <style> element.
var privacyStyleHash = func() string {
	sum := sha256.Sum256([]byte(privacyCSS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// privacyPages are parsed once, at start-up: each page with the layout.
var privacyPages = func() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"centre", "form", "code", "confirm", "status", "message"} {
		pages[name] = template.Must(template.ParseFS(privacyFS, "privacy/layout.html", "privacy/"+name+".html"))
	}
	return pages
}()

// maxFormBytes caps the body of the centre's forms: the longest field
// (details) is 2,000 characters, at most 8 KB of UTF-8, percent-encoded.
const maxFormBytes = 32 << 10

// registerPrivacy mounts the privacy centre. ServeMux tells these apart
// from GET /privacy/{site}/{doc} (the cookie declaration) by their number
// of segments; among them, literal segments win over {id}.
func (s *Server) registerPrivacy(mux *http.ServeMux) {
	mux.Handle("GET /privacy/{site}", s.page(s.privacyCentre, false))
	mux.Handle("GET /privacy/{site}/requests/new", s.page(s.requestForm, true))
	mux.Handle("POST /privacy/{site}/requests/new", s.form(s.submitRequestForm))
	mux.Handle("GET /privacy/{site}/requests/received", s.page(s.requestReceived, true))
	mux.Handle("GET /privacy/{site}/requests/code", s.page(s.codePage, true))
	mux.Handle("POST /privacy/{site}/requests/code", s.form(s.submitCode))
	mux.Handle("GET /privacy/{site}/requests/verify", s.page(s.confirmPage, true))
	mux.Handle("POST /privacy/{site}/requests/verify", s.form(s.submitConfirm))
	mux.Handle("GET /privacy/{site}/requests/{id}", s.page(s.statusPage, true))
	mux.Handle("POST /privacy/{site}/requests/{id}/download", s.form(s.startDownload))
	mux.Handle("POST /privacy/{site}/requests/{id}/file", s.form(s.downloadFile))
}

// pctx is one request to the privacy centre: its site, language and nonce.
type pctx struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	site   *manifest.Site // nil on the pages of an unknown site
	locale string         // the site's locale the page is in
	t      *privacyText
	nonce  string
	script bool // the page runs a script: its policy allows the nonce
}

// newPctx reads the site and the language of r: the lang parameter (of
// the query, or of the form once parsed), else Accept-Language.
func (s *Server) newPctx(w http.ResponseWriter, r *http.Request) *pctx {
	p := &pctx{s: s, w: w, r: r, site: s.manifest().Site(r.PathValue("site"))}
	var b [16]byte
	rand.Read(b[:])
	p.nonce = base64.StdEncoding.EncodeToString(b[:])
	lang := r.URL.Query().Get("lang")
	if r.PostForm != nil && r.PostForm.Get("lang") != "" {
		lang = r.PostForm.Get("lang")
	}
	p.setLocale(lang)
	return p
}

// setLocale chooses the page's locale: explicit if the site has it (or its
// language), else the best for Accept-Language.
func (p *pctx) setLocale(explicit string) {
	if p.site != nil {
		p.locale = p.site.BestLocale(explicit, p.r.Header.Get("Accept-Language"))
		p.t = textFor(p.locale)
		return
	}
	p.t = textFor(bestUILanguage(explicit, p.r.Header.Get("Accept-Language")))
	p.locale = p.t.lang
}

// page wraps a GET handler of the centre: the site must exist, and the
// routes of requests need the request service.
func (s *Server) page(h func(p *pctx), requests bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := s.newPctx(w, r)
		if p.site == nil || requests && s.cfg.Requests == nil {
			p.notFound()
			return
		}
		h(p)
	})
}

// form wraps a POST handler of the centre: cross-origin forgery is refused
// (Sec-Fetch-Site, or Origin against Host, as the console does), the body
// is capped and parsed, and the site and the request service must exist.
func (s *Server) form(h func(p *pctx)) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		err := r.ParseForm()
		p := s.newPctx(w, r)
		var tooLarge *http.MaxBytesError
		switch {
		case p.site == nil || s.cfg.Requests == nil:
			p.notFound()
		case errors.As(err, &tooLarge):
			p.message(http.StatusRequestEntityTooLarge, "too_large_title", p.t.S("too_large"))
		case err != nil:
			p.message(http.StatusBadRequest, "bad_form_title", p.t.S("bad_form"))
		default:
			h(p)
		}
	})
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := s.newPctx(w, r)
		p.message(http.StatusForbidden, "cross_site_title", p.t.S("cross_site"))
	}))
	return cop.Handler(inner)
}

// layoutData is what every page's layout reads.
type layoutData struct {
	*privacyText
	Lang, Dir  string
	Title      string
	SiteID     string
	SiteName   string
	Nonce      string
	Style      template.CSS
	Languages  []langLink
	BannerJS   string // the banner script to load, on the centre
	Data       any
	CentreHref string
	Private    bool // not for search engines: every page but the centre
}

type langLink struct {
	Locale, Name, Href string
	Current            bool
}

// render writes page name with status. Pages are rendered whole before the
// first byte, so a failure is still an error page.
func (p *pctx) render(status int, name, titleKey string, data any) {
	d := layoutData{
		privacyText: p.t, Lang: p.t.lang, Dir: declaration.Direction(p.t.lang), Title: p.t.S(titleKey),
		Nonce: p.nonce, Style: template.CSS(privacyCSS), Data: data, Private: name != "centre",
	}
	if p.site != nil {
		d.SiteID, d.SiteName = p.site.ID, p.site.Name
		d.CentreHref = "/privacy/" + url.PathEscape(p.site.ID) + "?lang=" + url.QueryEscape(p.locale)
		if len(p.site.Locales) > 1 {
			for _, loc := range p.site.Locales {
				q := p.r.URL.Query()
				if p.r.Method != http.MethodGet {
					q = url.Values{} // a form's page: switch to the empty form
				}
				q.Set("lang", loc)
				d.Languages = append(d.Languages, langLink{Locale: loc, Name: declaration.LanguageName(loc),
					Href: p.r.URL.Path + "?" + q.Encode(), Current: loc == p.locale})
			}
		}
	}
	if cd, ok := data.(*centreData); ok && cd.Banner {
		d.BannerJS = "/banner/" + url.PathEscape(p.site.ID) + ".js?locale=" + url.QueryEscape(p.locale)
	}
	var b bytes.Buffer
	if err := privacyPages[name].ExecuteTemplate(&b, "layout", d); err != nil {
		p.s.log.Error("privacy centre: rendering a page", "page", name, "request_id", requestID(p.r.Context()), "err", err)
		http.Error(p.w, "internal error", http.StatusInternalServerError)
		return
	}
	h := p.w.Header()
	csp := "default-src 'none'; style-src " + privacyStyleHash + "; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	if p.script {
		// The banner posts choices to the API of this same server.
		csp += "; script-src 'nonce-" + p.nonce + "'; connect-src 'self'"
	}
	h.Set("Content-Security-Policy", csp)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", p.t.lang)
	// Pages carry a nonce, tokens or personal data: no cache keeps them.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Add("Vary", "Accept-Language")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	p.w.WriteHeader(status)
	p.w.Write(b.Bytes())
}

// messageData is a page that only says something.
type messageData struct {
	Text string
	Next *linkData
}

type linkData struct{ Href, Label string }

func (p *pctx) message(status int, titleKey, text string) {
	p.messageWith(status, titleKey, &messageData{Text: text})
}

func (p *pctx) messageWith(status int, titleKey string, d *messageData) {
	p.render(status, "message", titleKey, d)
}

func (p *pctx) notFound() {
	p.message(http.StatusNotFound, "not_found_title", p.t.S("not_found"))
}

// fail answers an error of the request service that no form shows: not
// found, too many, or a failure whose cause goes to the log only.
func (p *pctx) fail(err error) {
	switch custos.ErrorCode(err) {
	case custos.ENOTFOUND:
		p.notFound()
	case custos.ETOOMANY:
		// Someone may be filing under this person's address to keep them
		// out: the privacy contact is the way that is always open.
		text := p.t.S("too_many")
		if p.site != nil && p.site.Controller.Email != "" {
			text += " " + p.t.F("too_many_contact", p.site.Controller.Email)
		}
		p.message(http.StatusTooManyRequests, "too_many_title", text)
	case custos.EUNAVAILABLE:
		p.message(http.StatusServiceUnavailable, "unavailable_title", p.t.S("unavailable"))
	default:
		if p.r.Context().Err() != nil {
			p.w.WriteHeader(499)
			return
		}
		p.s.log.ErrorContext(p.r.Context(), "privacy centre: request failed", "request_id", requestID(p.r.Context()), "route", p.r.Pattern, "err", err)
		p.message(http.StatusInternalServerError, "error_title", p.t.S("error"))
	}
}

func (p *pctx) sitePath(rest string) string {
	return "/privacy/" + url.PathEscape(p.site.ID) + rest
}

// seeOther redirects to path on this server with the page's language.
func (p *pctx) seeOther(path string, q url.Values) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("lang", p.locale)
	http.Redirect(p.w, p.r, path+"?"+q.Encode(), http.StatusSeeOther)
}

// ---- the centre ----

type centreData struct {
	Notice       string // URL of the notice in force, "" if none
	Cookies      string
	Banner       bool
	Requests     bool
	FormHref     string
	Rights       []typeOption
	Controller   manifest.Controller
	ControllerTZ string
}

func (s *Server) privacyCentre(p *pctx) {
	region := ""
	if s.cfg.GeoHeader != "" {
		region = s.geoRegion(p.r)
	}
	d := &centreData{
		Cookies:    p.sitePath("/"+declaration.PageName) + "?locale=" + url.QueryEscape(p.locale),
		Banner:     true,
		Requests:   s.cfg.Requests != nil,
		FormHref:   p.sitePath("/requests/new") + "?lang=" + url.QueryEscape(p.locale),
		Rights:     typeOptions(p.t, ""),
		Controller: p.site.Controller,
	}
	if n := p.site.Notice(p.locale, region); n != nil {
		d.Notice = s.noticeURL(p.r, p.site, n.URL)
	}
	p.script = true
	p.render(http.StatusOK, "centre", "centre_title", d)
}

// noticeURL makes a notice's URL one a page of this server can link to: a
// site-relative path ("/en/privacy") is on the site's first origin, unless
// the site is served from this very server (the demo).
func (s *Server) noticeURL(r *http.Request, site *manifest.Site, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.IsAbs() || len(site.Origins) == 0 {
		return raw
	}
	for _, o := range site.Origins {
		if s.sameOrigin(r, o) {
			return raw
		}
	}
	base, err := url.Parse(site.Origins[0])
	if err != nil {
		return raw
	}
	return base.ResolveReference(u).String()
}

// ---- the request form ----

type typeOption struct {
	Value, Name, Help string
	Checked           bool
}

type scopeOption struct {
	Value, Name string
	Checked     bool
}

func typeOptions(t *privacyText, checked string) []typeOption {
	out := make([]typeOption, len(custos.RequestTypes))
	for i, rt := range custos.RequestTypes {
		out[i] = typeOption{Value: string(rt), Name: t.S("type_" + string(rt)), Help: t.S("type_" + string(rt) + "_help"), Checked: string(rt) == checked}
	}
	return out
}

// formData is the request form, empty or as sent with its errors.
type formData struct {
	Action         string
	Locale         string
	Types          []typeOption
	Scopes         []scopeOption
	Email          string
	Region         string
	Details        string
	IncludeConsent bool
	ConsentID      string
	CookieName     string
	Errors         map[string]string // field → message
	General        []string          // errors of fields the form does not show
	RegionFixed    bool              // the trusted geo header decides the region
}

func (s *Server) newForm(p *pctx) *formData {
	cookie := p.site.Cookie.Name
	if cookie == "" {
		cookie = manifest.DefaultCookieName
	}
	f := &formData{
		Action: p.sitePath("/requests/new"), Locale: p.locale, CookieName: cookie,
		Errors: map[string]string{},
	}
	if s.cfg.GeoHeader != "" {
		f.Region = s.geoRegion(p.r)
		f.RegionFixed = f.Region != ""
	}
	return f
}

func (f *formData) options(t *privacyText, typ, scope string) {
	f.Types = typeOptions(t, typ)
	f.Scopes = nil
	for _, sc := range custos.ObjectionScopes {
		f.Scopes = append(f.Scopes, scopeOption{Value: sc, Name: t.S("scope_" + sc), Checked: sc == scope})
	}
}

func (s *Server) requestForm(p *pctx) {
	f := s.newForm(p)
	typ := p.r.URL.Query().Get("type")
	if !custos.RequestType(typ).Valid() {
		typ = ""
	}
	f.options(p.t, typ, "")
	p.script = true
	p.render(http.StatusOK, "form", "form_title", f)
}

func (s *Server) submitRequestForm(p *pctx) {
	v := p.r.PostForm
	f := s.newForm(p)
	f.Email = strings.TrimSpace(v.Get("email"))
	if !f.RegionFixed {
		f.Region = strings.TrimSpace(v.Get("region"))
	}
	// Browsers send line breaks as CRLF; count them as one character.
	f.Details = strings.ReplaceAll(v.Get("details"), "\r\n", "\n")
	f.IncludeConsent = v.Get("include_consent") != ""
	f.ConsentID = strings.TrimSpace(v.Get("consent_id"))
	typ, scope := v.Get("type"), v.Get("objection")
	f.options(p.t, typ, scope)

	in := dsr.Submission{
		Site: p.site.ID, Type: custos.RequestType(typ), Email: f.Email, Locale: p.locale,
		Region: f.Region, Details: f.Details, Website: v.Get("website"),
	}
	// The scope list is always on the page (it must work without a
	// script); it counts only for an objection.
	if in.Type == custos.RequestObjection {
		in.Objection = scope
	}
	// The consent id is sent only when the person ticked the box.
	if f.IncludeConsent {
		in.ConsentID = f.ConsentID
	}
	ticket, err := s.cfg.Requests.Submit(p.r.Context(), in, s.requestMeta(p.r))
	if custos.ErrorCode(err) == custos.EINVALID {
		for _, fe := range custos.ErrorFields(err) {
			msg := p.t.fieldMessage(fe.Field, fe.Message)
			switch fe.Field {
			case "type", "objection", "email", "region", "details":
				f.Errors[fe.Field] = msg
			case "consent_id":
				f.Errors["include_consent"] = msg
			default:
				f.General = append(f.General, msg)
			}
		}
		if len(f.Errors)+len(f.General) == 0 {
			f.General = append(f.General, custos.ErrorMessage(err))
		}
		p.script = true
		p.render(http.StatusUnprocessableEntity, "form", "form_title", f)
		return
	}
	if err != nil {
		p.fail(err)
		return
	}
	if !ticket.Verify {
		p.seeOther(p.sitePath("/requests/received"), nil)
		return
	}
	p.seeOther(p.sitePath("/requests/code"), url.Values{"c": {ticket.Challenge}})
}

func (s *Server) requestReceived(p *pctx) {
	p.messageWith(http.StatusOK, "received_title", &messageData{Text: p.t.S("received")})
}

// ---- confirming the address ----

// codeData is the page that takes an e-mailed code.
type codeData struct {
	Action   string
	Locale   string
	Hidden   map[string]string // fields sent back with the code
	Error    string
	Intro    string
	Button   string
	Help     string    // how to get a new code
	HelpLink *linkData // where to get it
}

// challengeRE is the form of a challenge id (see dsr.newID).
var challengeRE = regexp.MustCompile(`^ch_[a-z2-7]{26}$`)

func (s *Server) codePage(p *pctx) {
	c := p.r.URL.Query().Get("c")
	if !challengeRE.MatchString(c) {
		p.notFound()
		return
	}
	p.render(http.StatusOK, "code", "code_title", s.codeForm(p, c, ""))
}

func (s *Server) codeForm(p *pctx, challenge, errText string) *codeData {
	return &codeData{
		Action: p.sitePath("/requests/code"), Locale: p.locale, Hidden: map[string]string{"c": challenge},
		Error: errText, Intro: p.t.S("code_intro"), Button: p.t.S("confirm"), Help: p.t.S("new_code"),
		HelpLink: &linkData{Href: p.sitePath("/requests/new") + "?lang=" + url.QueryEscape(p.locale), Label: p.t.S("file_again")},
	}
}

// cleanCode drops the spaces and dashes people type into a code.
func cleanCode(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, s)
}

func (s *Server) submitCode(p *pctx) {
	c := p.r.PostForm.Get("c")
	if !challengeRE.MatchString(c) {
		p.notFound()
		return
	}
	v, err := s.cfg.Requests.VerifyCode(p.r.Context(), c, cleanCode(p.r.PostForm.Get("code")))
	if custos.ErrorCode(err) == custos.EINVALID {
		p.render(http.StatusUnprocessableEntity, "code", "code_title", s.codeForm(p, c, p.t.codeMessage(err)))
		return
	}
	if err != nil {
		p.fail(err)
		return
	}
	p.redirectToStatus(v)
}

// redirectToStatus sends the person to their request's status page: the
// path of the status link, on this server.
func (p *pctx) redirectToStatus(v *dsr.Verified) {
	u, err := url.Parse(v.StatusURL)
	if err != nil {
		p.fail(err)
		return
	}
	q := u.Query()
	q.Set("lang", p.locale)
	http.Redirect(p.w, p.r, u.EscapedPath()+"?"+q.Encode(), http.StatusSeeOther)
}

type confirmData struct {
	Action string
	Locale string
	Token  string
}

// confirmPage is where the e-mailed link leads. It only shows a button:
// mail scanners open links, and opening must not confirm anything.
func (s *Server) confirmPage(p *pctx) {
	t := p.r.URL.Query().Get("t")
	if t == "" || len(t) > 128 {
		p.message(http.StatusUnprocessableEntity, "link_title", p.t.S("link_invalid"))
		return
	}
	p.render(http.StatusOK, "confirm", "confirm_title", &confirmData{Action: p.sitePath("/requests/verify"), Locale: p.locale, Token: t})
}

func (s *Server) submitConfirm(p *pctx) {
	v, err := s.cfg.Requests.VerifyLink(p.r.Context(), p.r.PostForm.Get("t"))
	if custos.ErrorCode(err) == custos.EINVALID {
		p.messageWith(http.StatusUnprocessableEntity, "link_title", &messageData{
			Text: p.t.linkMessage(err),
			Next: &linkData{Href: p.sitePath("/requests/new") + "?lang=" + url.QueryEscape(p.locale), Label: p.t.S("file_again")},
		})
		return
	}
	if err != nil {
		p.fail(err)
		return
	}
	p.redirectToStatus(v)
}

// ---- the status page ----

type statusData struct {
	ID           string
	Type         string
	State        string
	StateClass   string
	Received     string
	Due          string
	WithoutDelay bool
	Extended     bool
	Extension    string
	Closed       bool
	Events       []eventView
	DenyReason   string
	DenyNote     string
	Objection    string
	Answer       *answerView
	Token        string
	Locale       string
	Download     string
	Zone         string
}

type eventView struct{ When, What string }

type answerView struct{ Name, Until string }

// tokenHeaders are sent with every page whose URL or form holds a status
// token or a challenge: no cache keeps it, no referrer carries it.
func tokenHeaders(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// requestOf returns the status of the request the path and token name, or
// ENOTFOUND if the token is wrong or the request is of another site.
func (s *Server) requestOf(p *pctx, token string) (*dsr.Status, error) {
	st, err := s.cfg.Requests.Status(p.r.Context(), p.r.PathValue("id"), token)
	if err != nil {
		return nil, err
	}
	if st.Request.Site != p.site.ID {
		return nil, custos.Errorf(custos.ENOTFOUND, "no such request")
	}
	return st, nil
}

func (s *Server) statusPage(p *pctx) {
	tokenHeaders(p.w)
	token := p.r.URL.Query().Get("t")
	st, err := s.requestOf(p, token)
	if err != nil {
		p.fail(err)
		return
	}
	rq := st.Request
	if p.r.URL.Query().Get("lang") == "" {
		p.setLocale(rq.Locale) // the language the request was made in
	}
	loc := controllerZone(p.site)
	t := p.t
	d := &statusData{
		ID: rq.ID, Type: t.S("type_" + string(rq.Type)), State: t.S("state_" + string(rq.State)), StateClass: string(rq.State),
		Received: t.longDate(rq.ReceivedAt.In(loc)), Due: t.longDate(rq.DueAt.In(loc)),
		WithoutDelay: rq.WithoutDelay, Extended: rq.Extended, Extension: rq.ExtensionReason,
		Closed: rq.State.Closed(),
		Token:  token, Locale: p.locale, Download: p.sitePath("/requests/" + url.PathEscape(rq.ID) + "/download"),
		Zone: loc.String(),
	}
	if rq.Objection != "" {
		d.Objection = t.S("scope_" + rq.Objection)
	}
	for _, e := range st.Events {
		d.Events = append(d.Events, eventView{When: t.dateTime(e.Time.In(loc)), What: t.S("event_" + e.Kind)})
	}
	if rq.State == custos.StateDenied {
		d.DenyReason = t.S("deny_" + rq.DenyReason)
		if rq.DenyReason == custos.DenyOther && rq.DenyNote == "" {
			d.DenyReason = t.S("deny_other_no_note")
		}
		d.DenyNote = rq.DenyNote
	}
	if a := st.Answer; a != nil {
		d.Answer = &answerView{Name: a.FileName, Until: t.longDate(a.ExpiresAt.In(loc))}
	}
	p.render(http.StatusOK, "status", "status_title", d)
}

// controllerZone is the time zone dates are told in (as in the e-mails).
func controllerZone(site *manifest.Site) *time.Location {
	if tz := site.Controller.Timezone; tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			return l
		}
	}
	return time.UTC
}

// ---- downloading the answer ----

func (s *Server) downloadCodeForm(p *pctx, token, challenge, errText string) *codeData {
	id := p.r.PathValue("id")
	return &codeData{
		Action: p.sitePath("/requests/" + url.PathEscape(id) + "/file"), Locale: p.locale,
		Hidden: map[string]string{"t": token, "c": challenge},
		Error:  errText, Intro: p.t.S("download_intro"), Button: p.t.S("download"), Help: p.t.S("download_new"),
		HelpLink: &linkData{Href: p.sitePath("/requests/"+url.PathEscape(id)) + "?" + url.Values{"t": {token}, "lang": {p.locale}}.Encode(),
			Label: p.t.S("back_to_request")},
	}
}

func (s *Server) startDownload(p *pctx) {
	tokenHeaders(p.w)
	token := p.r.PostForm.Get("t")
	if _, err := s.requestOf(p, token); err != nil {
		p.fail(err)
		return
	}
	c, err := s.cfg.Requests.StartDownload(p.r.Context(), p.r.PathValue("id"), token)
	if err != nil {
		p.fail(err)
		return
	}
	p.render(http.StatusOK, "code", "download_title", s.downloadCodeForm(p, token, c, ""))
}

func (s *Server) downloadFile(p *pctx) {
	tokenHeaders(p.w)
	v := p.r.PostForm
	token, c := v.Get("t"), v.Get("c")
	if _, err := s.requestOf(p, token); err != nil {
		p.fail(err)
		return
	}
	if !challengeRE.MatchString(c) {
		p.notFound()
		return
	}
	a, err := s.cfg.Requests.Download(p.r.Context(), p.r.PathValue("id"), token, c, cleanCode(v.Get("code")))
	if custos.ErrorCode(err) == custos.EINVALID {
		p.render(http.StatusUnprocessableEntity, "code", "download_title", s.downloadCodeForm(p, token, c, p.t.codeMessage(err)))
		return
	}
	if err != nil {
		p.fail(err)
		return
	}
	h := p.w.Header()
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	name := a.FileName
	if name == "" {
		name = "answer"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	// An HTML answer (information) must not run as a page of this origin.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	p.w.WriteHeader(http.StatusOK)
	p.w.Write(a.Data)
}
