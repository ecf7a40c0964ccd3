package console

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/staff"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// adminPassword passes the password policy.
const adminPassword = "ochre-Tugboat-wander-58"

// adminHarness is a console on a real store, reached over HTTP, with a
// clock the test moves (TOTP codes may not be used twice in one step).
type adminHarness struct {
	t   *testing.T
	db  *store.DB
	svc *staff.Service
	srv *httptest.Server

	mu  sync.Mutex
	now time.Time
}

func newAdminHarness(t *testing.T) *adminHarness {
	t.Helper()
	h := &adminHarness{t: t, db: storetest.Open(t), now: time.Now().UTC().Truncate(time.Second)}
	h.svc = &staff.Service{Store: h.db, Audit: h.db, Now: h.clock}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	m := manifest.Demo()
	c := &Console{
		Staff: h.svc, Store: h.db, Signer: consent.NewSigner(priv),
		Manifest: func() *manifest.Manifest { return m }, Source: "demo",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: h.clock,
		ClientIP: func(*http.Request) string { return "192.0.2.0" },
	}
	mux := http.NewServeMux()
	c.Register(mux)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *adminHarness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *adminHarness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = h.now.Add(d)
}

// adminAccount is a set-up staff account and what signs it in.
type adminAccount struct {
	*custos.StaffUser
	secret []byte // TOTP; nil without a second factor
}

// account creates a set-up account; administrators get a second factor.
func (h *adminHarness) account(email string, role custos.Role) adminAccount {
	h.t.Helper()
	ctx := context.Background()
	u, token, err := h.svc.CreateUser(ctx, email, role, staff.ActorCLI)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.svc.CompleteSetup(ctx, token, adminPassword); err != nil {
		h.t.Fatal(err)
	}
	a := adminAccount{StaffUser: u}
	if role == custos.RoleAdmin {
		secret, _, err := h.svc.EnrollTOTP(ctx, u.ID)
		if err != nil {
			h.t.Fatal(err)
		}
		if _, err := h.svc.ConfirmTOTP(ctx, u.ID, secret, staff.TOTPCode(secret, h.clock())); err != nil {
			h.t.Fatal(err)
		}
		a.secret = secret
	}
	return a
}

// adminClient is one browser: its own cookies, no redirects followed.
type adminClient struct {
	h  *adminHarness
	c  *http.Client
	ua string
}

func (h *adminHarness) client(ua string) *adminClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return &adminClient{h: h, ua: ua, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// signIn signs a in over HTTP in a new browser.
func (h *adminHarness) signIn(a adminAccount, ua string) *adminClient {
	h.t.Helper()
	c := h.client(ua)
	code := ""
	if a.secret != nil {
		h.advance(30 * time.Second) // a new step: codes are used once
		code = staff.TOTPCode(a.secret, h.clock())
	}
	resp, body := c.do("POST", "/console/sign-in", url.Values{"email": {a.Email}, "password": {adminPassword}, "code": {code}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		h.t.Fatalf("sign-in of %s: %d %s\n%s", a.Role, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return c
}

func (c *adminClient) do(method, path string, form url.Values, hdr http.Header) (*http.Response, string) {
	c.h.t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.h.srv.URL+path, rd)
	if err != nil {
		c.h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", c.ua)
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.h.t.Fatal(err)
	}
	return resp, string(b)
}

// want fetches path and fails unless the status is status.
func (c *adminClient) want(status int, method, path string, form url.Values) string {
	c.h.t.Helper()
	resp, body := c.do(method, path, form, nil)
	if resp.StatusCode != status {
		c.h.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, resp.StatusCode, status, body)
	}
	return body
}

// adminAudit counts the audit entries of each action.
func (h *adminHarness) adminAudit() map[string]int {
	h.t.Helper()
	n := map[string]int{}
	err := h.db.AuditEntries(context.Background(), func(e *custos.AuditEntry) error {
		n[e.Action]++
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

var adminSetupLink = regexp.MustCompile(`(http://[^"<\s]+)/console/setup\?token=([a-z2-7]+)`)

func TestAdminStaffAccounts(t *testing.T) {
	h := newAdminHarness(t)
	admin := h.account("admin@example.org", custos.RoleAdmin)
	h.account("second-admin@example.org", custos.RoleAdmin)
	c := h.signIn(admin, "AdminTest")
	before := h.adminAudit()

	body := c.want(http.StatusOK, "GET", "/console/staff", nil)
	for _, s := range []string{"admin@example.org", "second-admin@example.org", `action="/console/staff"`, `<th scope="col">`, `<label for="email">`} {
		if !strings.Contains(body, s) {
			t.Errorf("staff page lacks %q", s)
		}
	}
	if strings.Contains(body, `/console/staff/`+admin.ID+`/`) {
		t.Error("the page offers to reset or disable one's own account")
	}

	// Create: the set-up link is shown once.
	body = c.want(http.StatusOK, "POST", "/console/staff", url.Values{"email": {" New.Analyst@Example.org "}, "role": {"analyst"}})
	m := adminSetupLink.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no set-up link after creating an account:\n%s", body)
	}
	if !strings.Contains(body, "works once, for 72 hours, and is shown only now") {
		t.Error("no warning with the set-up link")
	}
	if m[1] != h.srv.URL {
		t.Errorf("set-up link on %s, want %s", m[1], h.srv.URL)
	}
	token := m[2]
	nu, err := h.db.UserByEmail(context.Background(), "new.analyst@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if nu.Role != custos.RoleAnalyst || nu.SetupTokenHash != staff.HashToken(token) {
		t.Errorf("created account: role %s, token matches %v", nu.Role, nu.SetupTokenHash == staff.HashToken(token))
	}
	body = c.want(http.StatusOK, "GET", "/console/staff", nil)
	if strings.Contains(body, token) || !strings.Contains(body, "new.analyst@example.org") {
		t.Error("the set-up link is shown again, or the new account is not listed")
	}

	// Validation: the field's message, the status of the error.
	body = c.want(http.StatusUnprocessableEntity, "POST", "/console/staff", url.Values{"email": {"not an address"}, "role": {"analyst"}})
	if !strings.Contains(body, "must be a plain e-mail address") || !strings.Contains(body, `role="alert"`) {
		t.Errorf("invalid address: no field message\n%s", body)
	}
	body = c.want(http.StatusUnprocessableEntity, "POST", "/console/staff", url.Values{"email": {"x@example.org"}, "role": {"root"}})
	if !strings.Contains(body, "must be one of") || strings.Contains(body, "root") {
		t.Errorf("invalid role: no field message, or the value echoed\n%s", body)
	}
	c.want(http.StatusConflict, "POST", "/console/staff", url.Values{"email": {"new.analyst@example.org"}, "role": {"auditor"}})

	// Reset: a new link, shown once; the old one is dead.
	body = c.want(http.StatusOK, "POST", "/console/staff/"+nu.ID+"/reset", nil)
	m = adminSetupLink.FindStringSubmatch(body)
	if m == nil || m[2] == token || !strings.Contains(body, "new.analyst@example.org") {
		t.Fatalf("reset: no new link for the account\n%s", body)
	}
	if _, err := h.svc.CompleteSetup(context.Background(), token, adminPassword); err == nil {
		t.Error("the first set-up link still works after a reset")
	}
	if _, err := h.svc.CompleteSetup(context.Background(), m[2], adminPassword); err != nil {
		t.Errorf("the reset link does not set the account up: %v", err)
	}
	if strings.Contains(c.want(http.StatusOK, "GET", "/console/staff", nil), m[2]) {
		t.Error("the reset link is shown again")
	}

	// Disable.
	c.want(http.StatusOK, "POST", "/console/staff/"+nu.ID+"/disable", nil)
	if u, err := h.db.User(context.Background(), nu.ID); err != nil || !u.Disabled {
		t.Errorf("account not disabled: %v", err)
	}
	// Not one's own account; not an unknown one.
	c.want(http.StatusUnprocessableEntity, "POST", "/console/staff/"+admin.ID+"/disable", nil)
	c.want(http.StatusUnprocessableEntity, "POST", "/console/staff/"+admin.ID+"/reset", nil)
	c.want(http.StatusNotFound, "POST", "/console/staff/st_nosuchaccount/reset", nil)
	c.want(http.StatusNotFound, "POST", "/console/staff/st_nosuchaccount/disable", nil)
	if u, err := h.db.User(context.Background(), admin.ID); err != nil || u.Disabled || u.PasswordHash == "" {
		t.Errorf("own account changed: %v", err)
	}

	// One audit entry per change, written by the service.
	after := h.adminAudit()
	if d := after[custos.AuditStaffCreated] - before[custos.AuditStaffCreated]; d != 1 {
		t.Errorf("%d staff.created entries, want 1", d)
	}
	// reset + set-up completed + disabled
	if d := after[custos.AuditStaffUpdated] - before[custos.AuditStaffUpdated]; d != 3 {
		t.Errorf("%d staff.updated entries, want 3", d)
	}
}

func TestAdminSetupURL(t *testing.T) {
	c := &Console{}
	r := httptest.NewRequest("POST", "/console/staff", nil)
	r.Host = "console.example.org:8080"
	if got, want := c.setupURL(r, "abc"), "http://console.example.org:8080/console/setup?token=abc"; got != want {
		t.Errorf("plain HTTP: %s, want %s", got, want)
	}
	r.TLS = &tls.ConnectionState{}
	if got, want := c.setupURL(r, "abc"), "https://console.example.org:8080/console/setup?token=abc"; got != want {
		t.Errorf("TLS: %s, want %s", got, want)
	}
	c.PublicURL = "https://custos.example.com/"
	if got, want := c.setupURL(r, "abc"), "https://custos.example.com/console/setup?token=abc"; got != want {
		t.Errorf("PublicURL: %s, want %s", got, want)
	}
}

var adminTokenRE = regexp.MustCompile(`custos_tk_[a-z2-7]{26}_[a-z2-7]{52}`)

func TestAdminAPITokens(t *testing.T) {
	h := newAdminHarness(t)
	admin := h.account("admin@example.org", custos.RoleAdmin)
	c := h.signIn(admin, "AdminTest")
	ctx := context.Background()

	body := c.want(http.StatusOK, "GET", "/console/tokens", nil)
	if !strings.Contains(body, `action="/console/tokens"`) || !strings.Contains(body, `<label for="days">`) {
		t.Fatalf("no create form\n%s", body)
	}

	body = c.want(http.StatusOK, "POST", "/console/tokens", url.Values{"name": {"Exporter"}, "role": {"auditor"}, "days": {"30"}})
	token := adminTokenRE.FindString(body)
	if token == "" || !strings.Contains(body, "will not be shown again") {
		t.Fatalf("the new token and its warning are not shown\n%s", body)
	}
	tk, err := h.svc.AuthenticateAPIToken(ctx, token)
	if err != nil {
		t.Fatalf("the shown token does not authenticate: %v", err)
	}
	if tk.Role != custos.RoleAuditor || tk.Name != "Exporter" || tk.CreatedBy != admin.ID || !tk.ExpiresAt.Equal(h.clock().Add(30*24*time.Hour)) {
		t.Errorf("token: %+v", tk)
	}
	body = c.want(http.StatusOK, "GET", "/console/tokens", nil)
	if strings.Contains(body, token) || !strings.Contains(body, tk.ID) || !strings.Contains(body, "Exporter") {
		t.Error("the token is shown again, or its row is missing")
	}

	// Validation.
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"name": {"x"}, "role": {"auditor"}, "days": {"0"}}, "Validity: must be a whole number of days from 1 to 365"},
		{url.Values{"name": {"x"}, "role": {"auditor"}, "days": {"366"}}, "Validity: must be a whole number of days from 1 to 365"},
		{url.Values{"name": {"x"}, "role": {"auditor"}, "days": {"ten"}}, "Validity: must be a whole number of days from 1 to 365"},
		{url.Values{"name": {""}, "role": {"auditor"}, "days": {"7"}}, "Name: is required"},
		{url.Values{"name": {"x"}, "role": {"owner"}, "days": {"7"}}, "Role: must be one of"},
	} {
		body := c.want(http.StatusUnprocessableEntity, "POST", "/console/tokens", tc.form)
		if !strings.Contains(body, tc.want) || adminTokenRE.MatchString(body) {
			t.Errorf("%v: want %q\n%s", tc.form, tc.want, body)
		}
	}
	if list, _ := h.db.APITokens(ctx); len(list) != 1 {
		t.Errorf("%d tokens after refused forms, want 1", len(list))
	}

	// Revoke.
	c.want(http.StatusOK, "POST", "/console/tokens/"+tk.ID+"/revoke", nil)
	if _, err := h.svc.AuthenticateAPIToken(ctx, token); err != staff.ErrAPITokenInvalid {
		t.Errorf("revoked token: %v, want ErrAPITokenInvalid", err)
	}
	c.want(http.StatusNotFound, "POST", "/console/tokens/tk_nosuchtoken/revoke", nil)

	a := h.adminAudit()
	if a[custos.AuditTokenCreated] != 1 || a[custos.AuditTokenRevoked] != 1 {
		t.Errorf("audit: %d created, %d revoked; want 1 each", a[custos.AuditTokenCreated], a[custos.AuditTokenRevoked])
	}

	// A cross-site form post is refused before the handler.
	resp, _ := c.do("POST", "/console/tokens", url.Values{"name": {"evil"}, "role": {"admin"}, "days": {"365"}}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", resp.StatusCode)
	}
	if list, _ := h.db.APITokens(ctx); len(list) != 1 {
		t.Errorf("%d tokens after a cross-site post, want 1", len(list))
	}
}

func TestAdminAuditorReadsOnly(t *testing.T) {
	h := newAdminHarness(t)
	admin := h.account("admin@example.org", custos.RoleAdmin)
	target := h.account("target@example.org", custos.RoleAnalyst)
	ctx := context.Background()
	tk, _, err := h.svc.CreateAPIToken(ctx, "Reporting", custos.RoleAuditor, 24*time.Hour, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := h.signIn(h.account("auditor@example.org", custos.RoleAuditor), "AuditorTest")
	before := h.adminAudit()

	body := c.want(http.StatusOK, "GET", "/console/staff", nil)
	if !strings.Contains(body, "target@example.org") || strings.Contains(body, `method="post" action="/console/staff`) {
		t.Errorf("auditor's staff page: list missing or forms offered\n%s", body)
	}
	body = c.want(http.StatusOK, "GET", "/console/tokens", nil)
	if !strings.Contains(body, tk.ID) || strings.Contains(body, `method="post" action="/console/tokens`) {
		t.Errorf("auditor's token page: list missing or forms offered\n%s", body)
	}
	if !strings.Contains(body, `href="/console/staff"`) || !strings.Contains(body, `href="/console/tokens"`) {
		t.Error("the auditor's navigation lacks Staff or API tokens")
	}
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/console/staff", url.Values{"email": {"sneaky@example.org"}, "role": {"admin"}}},
		{"/console/staff/" + target.ID + "/reset", nil},
		{"/console/staff/" + target.ID + "/disable", nil},
		{"/console/tokens", url.Values{"name": {"sneaky"}, "role": {"admin"}, "days": {"365"}}},
		{"/console/tokens/" + tk.ID + "/revoke", nil},
	} {
		c.want(http.StatusForbidden, "POST", p.path, p.form)
	}
	if d := h.adminAudit(); !maps.Equal(d, before) {
		t.Errorf("refused posts changed the audit trail: %v → %v", before, d)
	}
	if u, err := h.db.User(ctx, target.ID); err != nil || u.Disabled || u.PasswordHash == "" {
		t.Errorf("target account changed: %v", err)
	}
	if _, err := h.db.UserByEmail(ctx, "sneaky@example.org"); custos.ErrorCode(err) != custos.ENOTFOUND {
		t.Errorf("account created by an auditor: %v", err)
	}
}

func TestAdminPagesForbidden(t *testing.T) {
	h := newAdminHarness(t)
	admin := h.account("admin@example.org", custos.RoleAdmin)
	target := h.account("target@example.org", custos.RoleAuditor)
	tk, _, err := h.svc.CreateAPIToken(context.Background(), "Reporting", custos.RoleAuditor, 24*time.Hour, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []custos.Role{custos.RoleAnalyst, custos.RolePrivacyOfficer} {
		t.Run(string(role), func(t *testing.T) {
			c := h.signIn(h.account(string(role)+"@example.org", role), "Test")
			for _, p := range []struct{ method, path string }{
				{"GET", "/console/staff"},
				{"POST", "/console/staff"},
				{"POST", "/console/staff/" + target.ID + "/reset"},
				{"POST", "/console/staff/" + target.ID + "/disable"},
				{"GET", "/console/tokens"},
				{"POST", "/console/tokens"},
				{"POST", "/console/tokens/" + tk.ID + "/revoke"},
			} {
				var form url.Values
				if p.method == "POST" {
					form = url.Values{"email": {"x@example.org"}, "role": {"admin"}, "name": {"x"}, "days": {"9"}}
				}
				body := c.want(http.StatusForbidden, p.method, p.path, form)
				if strings.Contains(body, "target@example.org") || strings.Contains(body, tk.ID) {
					t.Errorf("%s %s: the refusal shows the list", p.method, p.path)
				}
			}
			body := c.want(http.StatusOK, "GET", "/console/sessions", nil)
			if strings.Contains(body, `href="/console/staff"`) || strings.Contains(body, `href="/console/tokens"`) {
				t.Error("navigation offers pages the role may not see")
			}
			if !strings.Contains(body, `href="/console/sessions"`) {
				t.Error("no link to one's sessions")
			}
		})
	}
}

func TestAdminSessions(t *testing.T) {
	h := newAdminHarness(t)
	ctx := context.Background()
	a := h.account("analyst@example.org", custos.RoleAnalyst)
	one := h.signIn(a, "BrowserOne/1.0")
	h.advance(time.Minute)
	two := h.signIn(a, "BrowserTwo/2.0")

	body := one.want(http.StatusOK, "GET", "/console/sessions", nil)
	for _, s := range []string{"BrowserOne/1.0", "BrowserTwo/2.0", "192.0.2.0", `action="/console/sessions/sign-out-everywhere"`} {
		if !strings.Contains(body, s) {
			t.Errorf("sessions page lacks %q", s)
		}
	}
	if n := strings.Count(body, "this session"); n != 1 {
		t.Errorf(`"this session" %d times, want once`, n)
	}
	// The marker is on the row of the browser asking.
	row := body[strings.Index(body, "this session"):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "BrowserOne/1.0") {
		t.Errorf("the current session is marked on the wrong row: %s", row)
	}
	// In French and German too.
	if b := one.want(http.StatusOK, "GET", "/console/sessions?lang=fr", nil); !strings.Contains(b, "Se déconnecter partout") || !strings.Contains(b, "cette session") {
		t.Error("no French texts")
	}
	if b := one.want(http.StatusOK, "GET", "/console/sessions?lang=de", nil); !strings.Contains(b, "Überall abmelden") || !strings.Contains(b, "diese Sitzung") {
		t.Error("no German texts")
	}

	resp, _ := two.do("POST", "/console/sessions/sign-out-everywhere", url.Values{}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/sign-in" {
		t.Fatalf("sign out everywhere: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if ck := resp.Cookies(); len(ck) != 1 || ck[0].Name != sessionCookie || ck[0].MaxAge >= 0 {
		t.Errorf("the cookie is not cleared: %v", ck)
	}
	for _, c := range []*adminClient{one, two} {
		resp, _ := c.do("GET", "/console/sessions", nil, nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/sign-in") {
			t.Errorf("%s still signed in: %d", c.ua, resp.StatusCode)
		}
	}
	if list, err := h.db.UserSessions(ctx, a.ID); err != nil || len(list) != 0 {
		t.Errorf("sessions left: %d, %v", len(list), err)
	}
	// Someone signed out cannot post it.
	resp, _ = one.do("POST", "/console/sessions/sign-out-everywhere", url.Values{}, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed-out post: %d, want 401", resp.StatusCode)
	}
}

// TestAdminRoutesPermissions checks the new routes' permissions in
// Routes(): changes need a Manage permission, not a View one.
func TestAdminRoutesPermissions(t *testing.T) {
	want := map[string]staff.Permission{
		"GET /console/staff":                         staff.PermViewStaff,
		"POST /console/staff":                        staff.PermManageStaff,
		"POST /console/staff/{id}/reset":             staff.PermManageStaff,
		"POST /console/staff/{id}/disable":           staff.PermManageStaff,
		"GET /console/tokens":                        staff.PermViewTokens,
		"POST /console/tokens":                       staff.PermManageTokens,
		"POST /console/tokens/{id}/revoke":           staff.PermManageTokens,
		"GET /console/sessions":                      signedIn,
		"POST /console/sessions/sign-out-everywhere": signedIn,
	}
	got := map[string]staff.Permission{}
	for _, rt := range (&Console{}).Routes() {
		if _, ok := want[rt.Pattern]; ok {
			got[rt.Pattern] = rt.Perm
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("routes: %v, want %v", got, want)
	}
}

// TestAdminCatalogs checks that every language has every text.
func TestAdminCatalogs(t *testing.T) {
	en := slices.Sorted(maps.Keys(catalog["en"]))
	for lang, m := range catalog {
		if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, en) {
			t.Errorf("%s: keys differ from en's", lang)
		}
	}
}
