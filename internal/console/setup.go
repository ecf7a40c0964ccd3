package console

import (
	"encoding/base32"
	"net/http"
	"strings"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/staff"
)

// Setting up an account: the one-time link printed by custos user add (or
// reset) leads to /console/setup?token=..., where the staff member chooses a
// password. Administrators then enrol a second factor at /console/enroll.

type setupData struct {
	Token string
	Email string
}

func (c *Console) setupPage(w http.ResponseWriter, r *http.Request, _ *custos.StaffUser) {
	token := r.URL.Query().Get("token")
	if len(token) > 128 {
		token = ""
	}
	c.render(w, r, http.StatusOK, "setup", "setup", nil, setupData{Token: token})
}

func (c *Console) setup(w http.ResponseWriter, r *http.Request, _ *custos.StaffUser) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		c.render(w, r, http.StatusBadRequest, "setup", "setup", nil, formError{messagesFor(r).S("error"), setupData{}})
		return
	}
	token := r.PostFormValue("token")
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		c.render(w, r, http.StatusUnprocessableEntity, "setup", "setup", nil, formError{messagesFor(r).S("passwords_differ"), setupData{Token: token}})
		return
	}
	u, err := c.Staff.CompleteSetup(r.Context(), token, pw)
	if err != nil {
		c.render(w, r, http.StatusUnprocessableEntity, "setup", "setup", nil, formError{errorText(r, err), setupData{Token: token}})
		return
	}
	_ = u
	c.render(w, r, http.StatusOK, "message", "setup", nil, messagesFor(r).S("setup_done"))
}

type enrollData struct {
	Secret, URI string
	Codes       []string
	Action      string // where the form posts; "" for /console/enroll
}

// secondFactorPage lets a signed-in staff member who has none add a second
// factor (required for admins at their first sign-in, optional for others).
func (c *Console) secondFactorPage(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	if u.TOTPSecret != nil {
		c.render(w, r, http.StatusOK, "message", "enroll", u, messagesFor(r).S("enroll_done"))
		return
	}
	secret, uri, err := c.Staff.EnrollTOTP(r.Context(), u.ID)
	if err != nil {
		c.fail(w, r, u, err)
		return
	}
	c.render(w, r, http.StatusOK, "enroll", "enroll", u, enrollData{Secret: encodeSecret(secret), URI: uri, Action: secondFactorPath})
}

const secondFactorPath = "/console/account/second-factor"

func (c *Console) secondFactor(w http.ResponseWriter, r *http.Request, u *custos.StaffUser) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil || u.TOTPSecret != nil {
		c.render(w, r, http.StatusBadRequest, "message", "enroll", u, messagesFor(r).S("error"))
		return
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.ReplaceAll(r.PostFormValue("secret"), " ", "")))
	if err != nil || len(secret) < 16 {
		c.render(w, r, http.StatusUnprocessableEntity, "message", "enroll", u, messagesFor(r).S("error"))
		return
	}
	// A stolen session must not be able to bind its thief's authenticator:
	// the password is asked again.
	if !staff.CheckPassword(u.PasswordHash, r.PostFormValue("current")) {
		d := enrollData{Secret: encodeSecret(secret), Action: secondFactorPath}
		c.render(w, r, http.StatusUnprocessableEntity, "enroll", "enroll", u, formError{messagesFor(r).S("wrong_password"), d})
		return
	}
	codes, err := c.Staff.ConfirmTOTP(r.Context(), u.ID, secret, strings.TrimSpace(r.PostFormValue("code")))
	if err != nil {
		d := enrollData{Secret: encodeSecret(secret), Action: secondFactorPath}
		c.render(w, r, http.StatusUnprocessableEntity, "enroll", "enroll", u, formError{errorText(r, err), d})
		return
	}
	c.render(w, r, http.StatusOK, "enroll", "enroll", u, enrollData{Codes: codes})
}

// enrollCookie carries an administrator's one-time enrolment token from
// the sign-in form to the enrolment page.
const enrollCookie = "custos_enroll"

func enrollToken(r *http.Request) string {
	if ck, err := r.Cookie(enrollCookie); err == nil && len(ck.Value) <= 128 {
		return ck.Value
	}
	return ""
}

func (c *Console) enrollPage(w http.ResponseWriter, r *http.Request, _ *custos.StaffUser) {
	token := enrollToken(r)
	u, err := c.Staff.UserByEnrollmentToken(r.Context(), token)
	if err != nil {
		c.render(w, r, http.StatusUnauthorized, "message", "enroll", nil, errorText(r, err))
		return
	}
	secret, uri, err := c.Staff.EnrollTOTP(r.Context(), u.ID)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	c.render(w, r, http.StatusOK, "enroll", "enroll", nil, enrollData{Secret: encodeSecret(secret), URI: uri})
}

func (c *Console) enroll(w http.ResponseWriter, r *http.Request, _ *custos.StaffUser) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		c.render(w, r, http.StatusBadRequest, "message", "enroll", nil, messagesFor(r).S("error"))
		return
	}
	token := enrollToken(r)
	u, err := c.Staff.UserByEnrollmentToken(r.Context(), token)
	if err != nil {
		c.render(w, r, http.StatusUnauthorized, "message", "enroll", nil, errorText(r, err))
		return
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.ReplaceAll(r.PostFormValue("secret"), " ", "")))
	if err != nil || len(secret) < 16 {
		c.render(w, r, http.StatusUnprocessableEntity, "message", "enroll", nil, messagesFor(r).S("error"))
		return
	}
	codes, err := c.Staff.ConfirmTOTP(r.Context(), u.ID, secret, strings.TrimSpace(r.PostFormValue("code")))
	if err != nil {
		d := enrollData{Secret: encodeSecret(secret)}
		c.render(w, r, http.StatusUnprocessableEntity, "enroll", "enroll", nil, formError{errorText(r, err), d})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: enrollCookie, Value: "", Path: "/console/enroll", MaxAge: -1, HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteStrictMode})
	c.render(w, r, http.StatusOK, "enroll", "enroll", nil, enrollData{Codes: codes})
}

func encodeSecret(b []byte) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// errorText is what a form shows of err: the message of an invalid input
// (never the input itself), else a general one.
func errorText(r *http.Request, err error) string {
	if ce, ok := err.(*custos.Error); ok && (ce.Code == custos.EINVALID || ce.Code == custos.EUNAUTHORIZED) {
		if len(ce.Fields) > 0 {
			return ce.Fields[0].Message
		}
		return ce.Message
	}
	return messagesFor(r).S("error")
}
