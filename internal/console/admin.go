package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/staff"
)

// The administration pages: staff accounts and API tokens (listed for the
// roles that may view them, changed by those that may manage them), and
// each staff member's own sessions. The changes go through staff.Service,
// whose store methods write their audit entries in the same transaction:
// nothing here appends one.

// maxID bounds an id taken from a path; longer ones are not ours.
const maxID = 64

// formBytes caps the body of the administration forms.
const formBytes = 8 << 10

type staffRow struct {
	ID, Email  string
	Role       custos.Role
	TOTP       bool
	State      string // key of the state's text: state_active, state_not_set_up, state_disabled
	Created    string
	Self       bool // the signed-in staff member's own account
	Actionable bool // enabled and not one's own: Reset and Disable are offered
}

// oneTime is a set-up link shown once, after creating or resetting an
// account.
type oneTime struct {
	ID, Email, URL string
	Note           string // how long it works
	Reset          bool
}

type staffData struct {
	Rows      []staffRow
	CanManage bool
	Roles     []custos.Role
	Email     string      // the create form's values, shown again after an error
	Role      custos.Role // selected in the create form
	Link      *oneTime
	Notice    string
}

func (c *Console) staffPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	c.renderStaff(w, r, u, http.StatusOK, staffData{}, "")
}

// renderStaff shows the staff page with the current accounts; errMsg, if
// set, is shown as the form's error.
func (c *Console) renderStaff(w http.ResponseWriter, r *http.Request, u *custos.StaffUser, status int, d staffData, errMsg string) {
	users, err := c.Staff.Store.Users(r.Context())
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	d.CanManage = staff.Can(u.Role, staff.PermManageStaff)
	d.Roles = custos.Roles
	if d.Role == "" {
		d.Role = custos.RoleAnalyst // the least access
	}
	for _, x := range users {
		row := staffRow{ID: x.ID, Email: x.Email, Role: x.Role, TOTP: x.TOTPSecret != nil,
			Created: x.CreatedAt.UTC().Format(timeFormat), Self: x.ID == u.ID}
		switch {
		case x.Disabled:
			row.State = "state_disabled"
		case x.PasswordHash == "":
			row.State = "state_not_set_up"
		default:
			row.State = "state_active"
		}
		row.Actionable = !x.Disabled && !row.Self
		if d.Link != nil && d.Link.ID == x.ID {
			d.Link.Email = x.Email
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Link != nil {
		d.Link.Note = fmt.Sprintf(messagesFor(r).S("setup_link_note"), int(staff.SetupTTL.Hours()))
	}
	var data any = d
	if errMsg != "" {
		data = formError{errMsg, d}
	}
	c.render(w, r, status, "staff", "staff", u, data)
}

func (c *Console) createStaff(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	if !c.parseAdminForm(w, r) {
		c.renderStaff(w, r, u, http.StatusBadRequest, staffData{}, messagesFor(r).S("error"))
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	role := custos.Role(r.PostFormValue("role"))
	nu, token, err := c.Staff.CreateUser(r.Context(), email, role, u.ID)
	if err != nil {
		d := staffData{Email: email, Role: role}
		if len(email) > 254 {
			d.Email = ""
		}
		if !role.Valid() {
			d.Role = ""
		}
		c.formFailure(w, r, u, err, func(status int, msg string) { c.renderStaff(w, r, u, status, d, msg) })
		return
	}
	c.renderStaff(w, r, u, http.StatusOK, staffData{Link: &oneTime{ID: nu.ID, Email: nu.Email, URL: c.setupURL(r, token)}}, "")
}

func (c *Console) resetStaff(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	id, ok := c.targetAccount(w, r, u)
	if !ok {
		return
	}
	token, err := c.Staff.ResetUser(r.Context(), id, u.ID)
	if err != nil {
		c.formFailure(w, r, u, err, func(status int, msg string) { c.renderStaff(w, r, u, status, staffData{}, msg) })
		return
	}
	c.renderStaff(w, r, u, http.StatusOK, staffData{Link: &oneTime{ID: id, URL: c.setupURL(r, token), Reset: true}}, "")
}

func (c *Console) disableStaff(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	id, ok := c.targetAccount(w, r, u)
	if !ok {
		return
	}
	if err := c.Staff.DisableUser(r.Context(), id, u.ID); err != nil {
		c.formFailure(w, r, u, err, func(status int, msg string) { c.renderStaff(w, r, u, status, staffData{}, msg) })
		return
	}
	target, err := c.Staff.Store.User(r.Context(), id)
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	c.renderStaff(w, r, u, http.StatusOK, staffData{Notice: fmt.Sprintf(messagesFor(r).S("disabled_done"), target.Email)}, "")
}

// targetAccount returns the account id of a Reset or Disable request; it
// answers the request itself and returns false when there is nothing to do.
// Staff cannot reset or disable their own account here: a slip would lock
// them out at once.
func (c *Console) targetAccount(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) (string, bool) {
	id := r.PathValue("id")
	if len(id) > maxID {
		c.fail(w, r, u, custos.Errorf(custos.ENOTFOUND, "no such account"))
		return "", false
	}
	if id == u.ID {
		c.renderStaff(w, r, u, http.StatusUnprocessableEntity, staffData{}, messagesFor(r).S("not_own_account"))
		return "", false
	}
	return id, true
}

// setupURL is the one-time set-up link of token.
func (c *Console) setupURL(r *http.Request, token string) string {
	base := strings.TrimRight(c.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/console/setup?token=" + url.QueryEscape(token)
}

type tokenRow struct {
	ID, Name                    string
	Role                        custos.Role
	Created, Expires, LastUsed  string // LastUsed "" if never
	Revoked, Expired, Revocable bool
}

// newToken is an API token shown once, after its creation.
type newToken struct{ Name, Token string }

type tokensData struct {
	Rows      []tokenRow
	CanManage bool
	Roles     []custos.Role
	Name      string // the create form's values, shown again after an error
	Role      custos.Role
	Days      string
	Created   *newToken
	Notice    string
}

func (c *Console) tokensPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	c.renderTokens(w, r, u, http.StatusOK, tokensData{}, "")
}

func (c *Console) renderTokens(w http.ResponseWriter, r *http.Request, u *custos.StaffUser, status int, d tokensData, errMsg string) {
	list, err := c.Staff.Store.APITokens(r.Context())
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	d.CanManage = staff.Can(u.Role, staff.PermManageTokens)
	d.Roles = custos.Roles
	if d.Role == "" {
		d.Role = custos.RoleAuditor // read-only
	}
	if d.Days == "" {
		d.Days = "90"
	}
	now := c.Now()
	for _, t := range list {
		row := tokenRow{ID: t.ID, Name: t.Name, Role: t.Role,
			Created: t.CreatedAt.UTC().Format(timeFormat), Expires: t.ExpiresAt.UTC().Format(timeFormat),
			Revoked: t.Revoked, Expired: !now.Before(t.ExpiresAt)}
		if !t.LastUsed.IsZero() {
			row.LastUsed = t.LastUsed.UTC().Format(timeFormat)
		}
		row.Revocable = !t.Revoked
		d.Rows = append(d.Rows, row)
	}
	var data any = d
	if errMsg != "" {
		data = formError{errMsg, d}
	}
	c.render(w, r, status, "tokens", "tokens", u, data)
}

// maxTokenDays is the longest validity the form offers: staff.MaxAPITokenTTL.
const maxTokenDays = 365

func (c *Console) createToken(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	if !c.parseAdminForm(w, r) {
		c.renderTokens(w, r, u, http.StatusBadRequest, tokensData{}, messagesFor(r).S("error"))
		return
	}
	name := r.PostFormValue("name")
	role := custos.Role(r.PostFormValue("role"))
	daysS := strings.TrimSpace(r.PostFormValue("days"))
	days, err := strconv.Atoi(daysS)
	if err != nil || days < 1 || days > maxTokenDays {
		days = 0 // refused by the service with the other fields' errors
	}
	t, token, err := c.Staff.CreateAPIToken(r.Context(), name, role, time.Duration(days)*24*time.Hour, u.ID)
	if err != nil {
		d := tokensData{Name: name, Role: role, Days: daysS}
		if len(name) > maxField {
			d.Name = ""
		}
		if !role.Valid() {
			d.Role = ""
		}
		if len(daysS) > 3 {
			d.Days = ""
		}
		c.formFailure(w, r, u, err, func(status int, msg string) { c.renderTokens(w, r, u, status, d, msg) })
		return
	}
	c.renderTokens(w, r, u, http.StatusOK, tokensData{Created: &newToken{Name: t.Name, Token: token}}, "")
}

func (c *Console) revokeToken(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	id := r.PathValue("id")
	if len(id) > maxID {
		c.fail(w, r, u, custos.Errorf(custos.ENOTFOUND, "no such token"))
		return
	}
	if err := c.Staff.RevokeAPIToken(r.Context(), id, u.ID); err != nil {
		c.formFailure(w, r, u, err, func(status int, msg string) { c.renderTokens(w, r, u, status, tokensData{}, msg) })
		return
	}
	list, err := c.Staff.Store.APITokens(r.Context())
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	name := id
	for _, t := range list {
		if t.ID == id {
			name = t.Name
		}
	}
	c.renderTokens(w, r, u, http.StatusOK, tokensData{Notice: fmt.Sprintf(messagesFor(r).S("token_revoked"), name)}, "")
}

type sessionRow struct {
	Created, LastSeen, Expires string
	UserAgent, IPPrefix        string
	Current                    bool
}

type sessionsData struct {
	Intro string
	Rows  []sessionRow
}

func (c *Console) sessionsPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	list, err := c.Staff.Store.UserSessions(r.Context(), u.ID)
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	current := ""
	if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
		current = staff.HashToken(ck.Value)
	}
	idle := c.Staff.Idle
	if idle <= 0 {
		idle = staff.DefaultIdle
	}
	abs := c.Staff.Absolute
	if abs <= 0 {
		abs = staff.DefaultAbsolute
	}
	t := messagesFor(r)
	d := sessionsData{Intro: fmt.Sprintf(t.S("sessions_intro"), int(idle.Minutes()), int(abs.Hours()))}
	now := c.Now()
	for _, s := range list {
		// The store keeps ended sessions until they are swept: they are
		// not shown.
		if !now.Before(s.ExpiresAt) || now.Sub(s.LastSeen) > idle {
			continue
		}
		d.Rows = append(d.Rows, sessionRow{
			Created: s.CreatedAt.UTC().Format(timeFormat), LastSeen: s.LastSeen.UTC().Format(timeFormat),
			Expires: s.ExpiresAt.UTC().Format(timeFormat), UserAgent: s.UserAgent, IPPrefix: s.IPPrefix,
			Current: current != "" && s.TokenHash == current,
		})
	}
	c.render(w, r, http.StatusOK, "sessions", "sessions", u, d)
}

func (c *Console) signOutEverywhere(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	if err := c.Staff.SignOutEverywhere(r.Context(), u.ID); err != nil {
		c.fail(w, r, u, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/console/", MaxAge: -1, HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
}

// timeFormat is how the administration pages write times (UTC).
const timeFormat = "2006-01-02 15:04"

// parseAdminForm reads a small urlencoded form body.
func (c *Console) parseAdminForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, formBytes)
	return r.ParseForm() == nil
}

// fieldLabels names the service's form fields with the console's text keys.
var fieldLabels = map[string]string{"email": "email", "role": "role", "name": "token_name", "ttl": "validity"}

// formFailure answers a failed change: an invalid field, a conflict or a
// refusal is shown with the form (show), with the service's message and the
// field's label, never the value sent; an unknown account or token is a
// 404, anything else an internal error.
func (c *Console) formFailure(w http.ResponseWriter, r *http.Request, u *custos.StaffUser, err error, show func(status int, msg string)) {
	t := messagesFor(r)
	switch custos.ErrorCode(err) {
	case custos.EINVALID:
		var parts []string
		for _, f := range custos.ErrorFields(err) {
			msg := f.Message
			if f.Field == "ttl" {
				msg = t.S("validity_range")
			}
			label := f.Field
			if k, ok := fieldLabels[f.Field]; ok {
				label = t.S(k)
			}
			parts = append(parts, label+": "+msg)
		}
		if len(parts) == 0 {
			parts = append(parts, custos.ErrorMessage(err))
		}
		show(http.StatusUnprocessableEntity, strings.Join(parts, "; "))
	case custos.ECONFLICT:
		show(http.StatusConflict, custos.ErrorMessage(err))
	case custos.EFORBIDDEN:
		show(http.StatusForbidden, custos.ErrorMessage(err))
	default:
		c.fail(w, r, u, err)
	}
}
