package dsr_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
)

// env is a request service on a real store with a clock the test moves.
type env struct {
	t       *testing.T
	db      *store.DB
	svc     *dsr.Service
	consent *consent.Service
	m       *manifest.Manifest

	mu  sync.Mutex
	now time.Time
}

func newEnv(t *testing.T, db *store.DB, m *manifest.Manifest) *env {
	t.Helper()
	if m == nil {
		m = manifest.Demo()
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, m: m, now: time.Date(2026, 1, 30, 10, 0, 0, 0, time.UTC)}
	e.consent = &consent.Service{Store: db, Signer: consent.NewSigner(priv), Manifest: func() *manifest.Manifest { return e.m },
		Issuer: "https://custos.test", Now: e.clock}
	e.svc = &dsr.Service{Store: db, Consents: db, Audit: db, Recorder: e.consent, Staff: db,
		Manifest: func() *manifest.Manifest { return e.m },
		Key:      bytes.Repeat([]byte{7}, 32), PublicURL: "https://custos.test", Now: e.clock}
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

var (
	codeRE = regexp.MustCompile(`\b([0-9]{6})\b`)
	linkRE = regexp.MustCompile(`/requests/verify\?t=([A-Za-z0-9_-]+)`)
)

// lastMail returns the newest mail of template kind to addr.
func (e *env) lastMail(kind, to string) *custos.Mail {
	e.t.Helper()
	mails, err := e.db.Mails(context.Background(), 100)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range mails {
		if m.Template == kind && m.To == to {
			return m
		}
	}
	e.t.Fatalf("no %q mail to the address among %d mails", kind, len(mails))
	return nil
}

func (e *env) mailCount() int {
	e.t.Helper()
	mails, err := e.db.Mails(context.Background(), 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(mails)
}

func code(t *testing.T, m *custos.Mail) string {
	t.Helper()
	c := codeRE.FindStringSubmatch(m.Text)
	if c == nil {
		t.Fatalf("no 6-digit code in the %s mail", m.Template)
	}
	return c[1]
}

// file submits in and verifies it with the e-mailed code; it returns the
// verified request.
func (e *env) file(in dsr.Submission) *custos.Request {
	e.t.Helper()
	ctx := context.Background()
	tk, err := e.svc.Submit(ctx, in, dsr.Meta{Client: "192.0.2.0"})
	if err != nil {
		e.t.Fatalf("Submit: %v", err)
	}
	if !tk.Verify {
		r, err := e.db.OpenRequest(ctx, in.Site, in.Type, e.svc.EmailHash(in.Email))
		if err != nil {
			e.t.Fatal(err)
		}
		return r
	}
	v, err := e.svc.VerifyCode(ctx, tk.Challenge, code(e.t, e.lastMail("verify", strings.ToLower(strings.TrimSpace(in.Email)))))
	if err != nil {
		e.t.Fatalf("VerifyCode: %v", err)
	}
	if v.Request.State != custos.StateOpen || !strings.Contains(v.StatusURL, v.Request.ID) {
		e.t.Fatalf("verified request: state %s, status URL %q", v.Request.State, v.StatusURL)
	}
	return v.Request
}

func (e *env) request(id string) *custos.Request {
	e.t.Helper()
	r, err := e.db.Request(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// recordConsent records a choice for subject as the banner would.
func (e *env) recordConsent(subject string, marketing bool) {
	e.t.Helper()
	site := e.m.Site("demo")
	choices := map[string]bool{}
	for _, c := range site.Categories {
		choices[c.ID] = c.Required || marketing
	}
	method := custos.MethodCustom
	if marketing {
		method = custos.MethodAcceptAll
	}
	_, _, err := e.consent.Record(context.Background(), custos.ConsentInput{Site: "demo", Subject: subject, Choices: choices,
		Method: method, ManifestFingerprint: site.Fingerprint(), Locale: "en", Region: "FR"}, consent.Meta{}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
}

func auditActions(t *testing.T, db *store.DB, object string) []string {
	t.Helper()
	var got []string
	err := db.AuditEntries(context.Background(), func(a *custos.AuditEntry) error {
		if a.ObjectID == object {
			got = append(got, a.Action)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

const subjectA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
const subjectB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

// TestAccessEndToEnd walks an access request from the form to the
// download, on both engines: the package holds the person's consent
// records and nobody else's.
func TestAccessEndToEnd(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		e.recordConsent(subjectA, true)
		e.recordConsent(subjectA, false)
		e.recordConsent(subjectB, true) // someone else

		r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "Ada@Example.com ", ConsentID: subjectA, Locale: "fr", Region: "FR"})
		if r.Email != "ada@example.com" || r.Jurisdiction != "eu" || r.Law != "GDPR" {
			t.Fatalf("request: email %q, jurisdiction %q, law %q", r.Email, r.Jurisdiction, r.Law)
		}
		// Received 30 January 2026 in Paris: one month is 28 February.
		if want := time.Date(2026, 2, 28, 23, 59, 59, 0, mustLoc(t, "Europe/Paris")); !r.DueAt.Equal(want) {
			t.Errorf("due %v, want %v", r.DueAt, want)
		}
		if err := e.svc.Approve(ctx, "st_officer", r.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		r = e.request(r.ID)
		if r.State != custos.StateInProgress {
			t.Fatalf("state after approve: %s", r.State)
		}
		var res dsr.Result
		if err := json.Unmarshal([]byte(r.Result), &res); err != nil || res.Consents != 2 || res.Answer == "" {
			t.Fatalf("result %s (%v)", r.Result, err)
		}
		if err := e.svc.Complete(ctx, "st_officer", r.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		done := e.lastMail("completed", "ada@example.com")
		statusURL := e.svc.StatusURL(r)
		if !strings.Contains(done.Text, statusURL) {
			t.Errorf("the completed mail does not link the status page")
		}
		token := statusURL[strings.Index(statusURL, "?t=")+3:]
		st, err := e.svc.Status(ctx, r.ID, token)
		if err != nil || st.Answer == nil || st.Request.State != custos.StateCompleted {
			t.Fatalf("status: %+v, %v", st, err)
		}
		if _, err := e.svc.Status(ctx, r.ID, token+"x"); custos.ErrorCode(err) != custos.ENOTFOUND {
			t.Errorf("a wrong status token: %v, want not found", err)
		}
		ch, err := e.svc.StartDownload(ctx, r.ID, token)
		if err != nil {
			t.Fatal(err)
		}
		a, err := e.svc.Download(ctx, r.ID, token, ch, code(t, e.lastMail("download_code", "ada@example.com")))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(a.Data), int64(len(a.Data)))
		if err != nil {
			t.Fatalf("the answer is not a ZIP: %v", err)
		}
		var data struct {
			Consents []struct {
				Subject string `json:"subject"`
			} `json:"consents"`
		}
		for _, f := range zr.File {
			if f.Name == "data.json" {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				if err := json.Unmarshal(b, &data); err != nil {
					t.Fatal(err)
				}
			}
		}
		if len(data.Consents) != 2 {
			t.Fatalf("the package holds %d consents, want the person's 2", len(data.Consents))
		}
		for _, c := range data.Consents {
			if c.Subject != subjectA {
				t.Errorf("the package holds someone else's consent")
			}
		}
		// The code works once.
		if _, err := e.svc.Download(ctx, r.ID, token, ch, code(t, e.lastMail("download_code", "ada@example.com"))); custos.ErrorCode(err) != custos.EINVALID {
			t.Errorf("a used download code: %v, want invalid", err)
		}
		want := []string{custos.AuditRequestReceived, custos.AuditRequestVerified, custos.AuditRequestApproved,
			custos.AuditRequestCompleted, custos.AuditAnswerDownloaded}
		if got := auditActions(t, db, r.ID); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("audit trail %v, want %v", got, want)
		}
	})
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestBadInput: every bad submission names its field and writes nothing.
func TestBadInput(t *testing.T) {
	db := storetest.Open(t)
	e := newEnv(t, db, nil)
	tests := []struct {
		name  string
		in    dsr.Submission
		field string
	}{
		{"unknown site", dsr.Submission{Site: "nope", Type: custos.RequestAccess, Email: "a@example.com"}, "site"},
		{"no type", dsr.Submission{Site: "demo", Email: "a@example.com"}, "type"},
		{"bad type", dsr.Submission{Site: "demo", Type: "delete_everything", Email: "a@example.com"}, "type"},
		{"no e-mail", dsr.Submission{Site: "demo", Type: custos.RequestAccess}, "email"},
		{"malformed e-mail", dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "not-an-address"}, "email"},
		{"display name", dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "Ada <a@example.com>"}, "email"},
		{"long e-mail", dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: strings.Repeat("a", 250) + "@example.com"}, "email"},
		{"oversized details", dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "a@example.com", Details: strings.Repeat("é", 2001)}, "details"},
		{"rectification without correction", dsr.Submission{Site: "demo", Type: custos.RequestRectification, Email: "a@example.com"}, "details"},
		{"objection without scope", dsr.Submission{Site: "demo", Type: custos.RequestObjection, Email: "a@example.com"}, "objection"},
		{"unknown scope", dsr.Submission{Site: "demo", Type: custos.RequestObjection, Email: "a@example.com", Objection: "everything"}, "objection"},
		{"bad consent id", dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "a@example.com", ConsentID: "short"}, "consent_id"},
		{"bad region", dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "a@example.com", Region: "France"}, "region"},
		{"bad locale", dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "a@example.com", Locale: "xx"}, "locale"},
		{"not UTF-8", dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "a@example.com", Details: "\xff"}, "details"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Submit(context.Background(), tt.in, dsr.Meta{})
			if custos.ErrorCode(err) != custos.EINVALID {
				t.Fatalf("error %v, want invalid", err)
			}
			fields := custos.ErrorFields(err)
			if len(fields) == 0 || fields[0].Field != tt.field {
				t.Fatalf("fields %+v, want %s first", fields, tt.field)
			}
			for _, f := range fields {
				if strings.Contains(f.Message, "a@example.com") {
					t.Errorf("the message repeats the address: %q", f.Message)
				}
			}
		})
	}
	if n := e.mailCount(); n != 0 {
		t.Errorf("%d mails queued by bad input", n)
	}
	if rs, _ := db.Requests(context.Background(), custos.RequestQuery{}); len(rs) != 0 {
		t.Errorf("%d requests written by bad input", len(rs))
	}
}

// TestVerification covers the code's three attempts, its expiry, the
// link's single use, and merging a repeated submission.
func TestVerification(t *testing.T) {
	db := storetest.Open(t)
	e := newEnv(t, db, nil)
	ctx := context.Background()
	in := dsr.Submission{Site: "demo", Type: custos.RequestErasure, Email: "bob@example.com", Region: "DE"}
	tk, err := e.svc.Submit(ctx, in, dsr.Meta{Client: "192.0.2.0"})
	if err != nil {
		t.Fatal(err)
	}
	good := code(t, e.lastMail("verify", "bob@example.com"))
	wrong := "000000"
	if good == wrong {
		wrong = "111111"
	}
	for i, want := range []string{"2 attempts left", "1 attempt left", "no attempts are left"} {
		_, err := e.svc.VerifyCode(ctx, tk.Challenge, wrong)
		if custos.ErrorCode(err) != custos.EINVALID || !strings.Contains(custos.ErrorFields(err)[0].Message, want) {
			t.Fatalf("wrong code #%d: %v, want %q", i+1, err, want)
		}
	}
	if _, err := e.svc.VerifyCode(ctx, tk.Challenge, good); custos.ErrorCode(err) != custos.EINVALID {
		t.Fatalf("the right code after three wrong ones: %v, want refused", err)
	}
	rs, _ := db.Requests(ctx, custos.RequestQuery{})
	if len(rs) != 1 || rs[0].State != custos.StateUnverified {
		t.Fatalf("requests after failed verification: %d, state %s", len(rs), rs[0].State)
	}

	// Filing again is a new request of its own: an unverified one may be
	// someone else's, and absorbs nothing.
	tk2, err := e.svc.Submit(ctx, in, dsr.Meta{Client: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if tk2.Challenge == tk.Challenge {
		t.Fatal("the repeated submission got the spent challenge")
	}
	if rs, _ := db.Requests(ctx, custos.RequestQuery{}); len(rs) != 2 {
		t.Fatalf("a repeated unverified submission made %d requests, want 2", len(rs))
	}
	m := e.lastMail("verify", "bob@example.com")
	// The code expires after 10 minutes; the link still works.
	e.advance(11 * time.Minute)
	if _, err := e.svc.VerifyCode(ctx, tk2.Challenge, code(t, m)); custos.ErrorCode(err) != custos.EINVALID ||
		!strings.Contains(custos.ErrorFields(err)[0].Message, "expired") {
		t.Fatalf("an expired code: %v", err)
	}
	link := linkRE.FindStringSubmatch(m.Text)
	if link == nil {
		t.Fatal("no verification link in the mail")
	}
	v, err := e.svc.VerifyLink(ctx, link[1])
	if err != nil {
		t.Fatal(err)
	}
	if v.Request.State != custos.StateOpen {
		t.Fatalf("state %s after the link", v.Request.State)
	}
	before := e.mailCount()
	if _, err := e.svc.VerifyLink(ctx, link[1]); custos.ErrorCode(err) != custos.EINVALID ||
		!strings.Contains(custos.ErrorFields(err)[0].Message, "already been used") {
		t.Fatalf("a replayed link: %v", err)
	}
	if e.mailCount() != before {
		t.Error("a replayed link queued a mail")
	}
	if _, err := e.svc.VerifyLink(ctx, "unknown-token"); custos.ErrorCode(err) != custos.EINVALID {
		t.Errorf("an unknown link: %v", err)
	}

	// Filing again once verified: no new request, an e-mail with the status link.
	before = len(mustRequests(t, db))
	tk3, err := e.svc.Submit(ctx, in, dsr.Meta{Client: "192.0.2.0"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.lastMail("merged", "bob@example.com").Text, e.svc.StatusURL(v.Request)) {
		t.Error("the merged mail does not link the open request's status page")
	}
	if n := len(mustRequests(t, db)); n != before {
		t.Errorf("a repeat of a verified request made a new one: %d requests, was %d", n, before)
	}
	// The ticket of a merged submission behaves as any: a wrong code is
	// "wrong; 2 attempts left", as for an address Custos never saw.
	_, err = e.svc.VerifyCode(ctx, tk3.Challenge, wrong)
	fresh, ferr := e.svc.Submit(ctx, dsr.Submission{Site: "demo", Type: custos.RequestErasure, Email: "nobody@example.com"}, dsr.Meta{Client: "192.0.2.9"})
	if ferr != nil {
		t.Fatal(ferr)
	}
	_, err2 := e.svc.VerifyCode(ctx, fresh.Challenge, wrong)
	if custos.ErrorFields(err)[0].Message != custos.ErrorFields(err2)[0].Message {
		t.Errorf("a wrong code tells a known address (%q) from an unknown one (%q)", custos.ErrorFields(err)[0].Message, custos.ErrorFields(err2)[0].Message)
	}
}

func mustRequests(t *testing.T, db *store.DB) []*custos.Request {
	t.Helper()
	rs, err := db.Requests(context.Background(), custos.RequestQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestParallelGuesses: guesses sent at once cannot outrun the count of
// attempts: of 50 wrong codes and the right one, at most 3 are compared,
// and the right one, if it was not among them, never verifies.
func TestParallelGuesses(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		tk, err := e.svc.Submit(ctx, dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "par@example.com"}, dsr.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		good := code(t, e.lastMail("verify", "par@example.com"))
		var wg sync.WaitGroup
		var mu sync.Mutex
		compared, verified := 0, 0
		for i := range 51 {
			guess := fmt.Sprintf("%06d", (i*7919+13)%1000000)
			if guess == good {
				continue
			}
			if i == 50 {
				guess = good
			}
			wg.Go(func() {
				_, err := e.svc.VerifyCode(ctx, tk.Challenge, guess)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					verified++
					compared++
				case strings.Contains(custos.ErrorFields(err)[0].Message, "wrong;") || strings.Contains(custos.ErrorFields(err)[0].Message, "no attempts are left"):
					compared++
				}
			})
		}
		wg.Wait()
		if compared > 3 || verified > 1 {
			t.Fatalf("%d guesses compared, %d verified; want at most 3 and 1", compared, verified)
		}
		ch, err := db.Challenge(ctx, tk.Challenge)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Attempts > 3 {
			t.Errorf("attempts %d", ch.Attempts)
		}
		if verified == 0 {
			if _, err := e.svc.VerifyCode(ctx, tk.Challenge, good); err == nil {
				t.Error("the right code verified after the attempts were spent")
			}
		}
	})
}

// TestNoHijack: a request filed under someone's address by another, then
// filed by the person, does not carry the other's details into the
// person's verified request.
func TestNoHijack(t *testing.T) {
	db := storetest.Open(t)
	e := newEnv(t, db, nil)
	ctx := context.Background()
	if _, err := e.svc.Submit(ctx, dsr.Submission{Site: "demo", Type: custos.RequestRectification, Email: "v@example.com",
		Details: "ATTACKER: change my bank account", ConsentID: subjectB}, dsr.Meta{Client: "198.51.100.7"}); err != nil {
		t.Fatal(err)
	}
	r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestRectification, Email: "v@example.com",
		Details: "My surname is misspelt", ConsentID: subjectA})
	if r.Details != "My surname is misspelt" || r.ConsentSubject != subjectA {
		t.Fatalf("the verified request holds details %q and consent id %q", r.Details, r.ConsentSubject)
	}
	links, _ := db.SubjectLinks(ctx, "demo", r.EmailHash)
	if len(links) != 1 || links[0] != subjectA {
		t.Errorf("links %v, want only the person's own consent id", links)
	}
}

// TestApprovedThenDeniedOrLate: a request carried out cannot be denied,
// and its answer waits for Complete however long approval took.
func TestApprovedThenDeniedOrLate(t *testing.T) {
	db := storetest.Open(t)
	e := newEnv(t, db, nil)
	ctx := context.Background()
	r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "late@example.com"})
	if err := e.svc.Approve(ctx, "st_officer", r.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Deny(ctx, "st_officer", r.ID, 0, custos.DenyNoMatch, ""); custos.ErrorCode(err) != custos.ECONFLICT {
		t.Errorf("deny after approve: %v, want conflict", err)
	}
	e.advance(10 * 24 * time.Hour)
	e.svc.Sweep(ctx)
	if err := e.svc.Complete(ctx, "st_officer", r.ID, 0); err != nil {
		t.Fatal(err)
	}
	a, err := db.Answer(ctx, r.ID)
	if err != nil || !a.ExpiresAt.After(e.clock()) {
		t.Fatalf("the answer after a late completion: %v, %v", a, err)
	}
}

// TestLinkExpiry: a link is valid 24 hours; a request never verified is
// then deleted by the sweep.
func TestLinkExpiry(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		if _, err := e.svc.Submit(ctx, dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "c@example.com"}, dsr.Meta{}); err != nil {
			t.Fatal(err)
		}
		link := linkRE.FindStringSubmatch(e.lastMail("verify", "c@example.com").Text)[1]
		e.advance(24*time.Hour + time.Second)
		if _, err := e.svc.VerifyLink(ctx, link); custos.ErrorCode(err) != custos.EINVALID {
			t.Fatalf("an expired link: %v", err)
		}
		e.svc.Sweep(ctx)
		if rs, _ := db.Requests(ctx, custos.RequestQuery{}); len(rs) != 0 {
			t.Fatalf("%d requests left after the sweep, want the unverified one deleted", len(rs))
		}
	})
}

// TestHoneypotAndLimits: a filled honeypot writes nothing but answers as
// usual; the per-address limit stops a flood.
func TestHoneypotAndLimits(t *testing.T) {
	db := storetest.Open(t)
	e := newEnv(t, db, nil)
	ctx := context.Background()
	tk, err := e.svc.Submit(ctx, dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "bot@example.com", Website: "http://spam"}, dsr.Meta{})
	if err != nil || tk.Challenge == "" || !tk.Verify {
		t.Fatalf("honeypot: %+v, %v; want an ordinary ticket", tk, err)
	}
	if e.mailCount() != 0 {
		t.Fatal("the honeypot sent a mail")
	}
	if _, err := e.svc.VerifyCode(ctx, tk.Challenge, "123456"); custos.ErrorCode(err) != custos.EINVALID {
		t.Errorf("the honeypot's challenge: %v", err)
	}
	var last error
	for i := range 6 {
		_, last = e.svc.Submit(ctx, dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "flood@example.com"}, dsr.Meta{Client: "198.51.100." + string(rune('0'+i))})
	}
	if custos.ErrorCode(last) != custos.ETOOMANY {
		t.Fatalf("the 6th submission for one address in an hour: %v, want too many", last)
	}
}

// TestDeadlinesStored: the dates are computed at receipt from the region's
// law and survive a new service (a restart) and a manifest change.
func TestDeadlinesStored(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		paris := mustLoc(t, "Europe/Paris")
		// Friday 30 January 2026.
		ca := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "ca@example.com", Region: "US-CA"})
		if ca.Law != "CCPA" || ca.AcknowledgeBy.IsZero() || ca.ExtendMax.IsZero() {
			t.Fatalf("a Californian request: law %s, ack %v, extend max %v", ca.Law, ca.AcknowledgeBy, ca.ExtendMax)
		}
		// 45 days with the day of receipt counted: 15 March.
		if want := time.Date(2026, 3, 15, 23, 59, 59, 0, paris); !ca.DueAt.Equal(want) {
			t.Errorf("CCPA due %v, want %v", ca.DueAt.In(paris), want)
		}
		optOut := e.file(dsr.Submission{Site: "demo", Type: custos.RequestObjection, Objection: custos.ObjectSaleSharing, Email: "oo@example.com", Region: "US-CA"})
		if optOut.State != custos.StateOpen || !optOut.ExtendMax.IsZero() {
			t.Errorf("a Californian opt-out needs no verification and cannot be extended: state %s, extend max %v", optOut.State, optOut.ExtendMax)
		}
		br := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "br@example.com", Region: "BR"})
		if want := time.Date(2026, 2, 14, 23, 59, 59, 0, paris); !br.DueAt.Equal(want) {
			t.Errorf("LGPD due %v, want %v", br.DueAt.In(paris), want)
		}

		// A restart and a new manifest with other periods move nothing.
		e.m = withYAML(t, "        regions: [BR] # LGPD; the lifetime defaults to 182 days\n        mode: opt_in\n",
			"        regions: [BR]\n        mode: opt_in\n        requests: {answer: 5d}\n", 1)
		e2 := newEnv(t, db, e.m)
		for _, r := range []*custos.Request{ca, br} {
			again, err := e2.db.Request(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !again.DueAt.Equal(r.DueAt) || !again.ExtendMax.Equal(r.ExtendMax) {
				t.Errorf("%s: due moved from %v to %v", r.Law, r.DueAt, again.DueAt)
			}
		}
	})
}

// TestDecideThenAct: under Mexico's law the decision is due in 20
// business days, and once told, the answer within 15 more.
func TestDecideThenAct(t *testing.T) {
	db := storetest.Open(t)
	e := newEnv(t, db, nil)
	ctx := context.Background()
	paris := mustLoc(t, "Europe/Paris")
	// Friday 30 January 2026: 20 business days later is Friday 27 February.
	r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "mx@example.com", Region: "MX"})
	if want := time.Date(2026, 2, 27, 23, 59, 59, 0, paris); r.Law != "LFPDPPP" || !r.DueAt.Equal(want) {
		t.Fatalf("law %s, decision due %v, want %v", r.Law, r.DueAt.In(paris), want)
	}
	e.advance(3 * 24 * time.Hour) // decided on Monday 2 February
	if err := e.svc.Approve(ctx, "st_officer", r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	got := e.request(r.ID)
	if want := time.Date(2026, 2, 23, 23, 59, 59, 0, paris); !got.ActBy.Equal(want) || !got.DueAt.Equal(want) {
		t.Errorf("after the decision: act by %v, due %v; want %v", got.ActBy.In(paris), got.DueAt.In(paris), want)
	}
}

// withYAML returns the demo manifest with old replaced by new n times.
func withYAML(t *testing.T, old, new string, n int) *manifest.Manifest {
	t.Helper()
	y := string(manifest.DemoYAML())
	if !strings.Contains(y, old) {
		t.Fatalf("the demo manifest has no %q", old)
	}
	m, err := manifest.Parse("demo.yaml", []byte(strings.Replace(y, old, new, n)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestErasure: without a legal hold the person's consent records go, and
// nobody else's; with one they stay and the reason is reported.
func TestErasure(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, withYAML(t, `legal_hold: "GDPR Art. 7(1): we must be able to show that you consented"`, "", 1))
		ctx := context.Background()
		e.recordConsent(subjectA, true)
		e.recordConsent(subjectB, true)
		r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestErasure, Email: "ada@example.com", ConsentID: subjectA})
		if err := e.svc.Approve(ctx, "st_officer", r.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConsentState(ctx, "demo", subjectA); custos.ErrorCode(err) != custos.ENOTFOUND {
			t.Errorf("the person's consent survived the erasure: %v", err)
		}
		if _, err := db.ConsentState(ctx, "demo", subjectB); err != nil {
			t.Errorf("someone else's consent was erased: %v", err)
		}
		r = e.request(r.ID)
		var res dsr.Result
		if err := json.Unmarshal([]byte(r.Result), &res); err != nil || res.Erased["consents"] != 1 {
			t.Fatalf("result %s", r.Result)
		}

		// With the demo's hold, consent records are kept and the reason told.
		e.m = manifest.Demo()
		e.recordConsent(subjectA, true)
		r2 := e.file(dsr.Submission{Site: "demo", Type: custos.RequestErasure, Email: "eve@example.com", ConsentID: subjectA})
		if err := e.svc.Approve(ctx, "st_officer", r2.ID, r2.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConsentState(ctx, "demo", subjectA); err != nil {
			t.Errorf("a consent under legal hold was erased: %v", err)
		}
		if r2 = e.request(r2.ID); !strings.Contains(r2.Result, "Art. 7(1)") {
			t.Errorf("the result does not give the hold's reason: %s", r2.Result)
		}
	})
}

// TestWithdrawalAndObjection: the consent ledger gets a new record that
// refuses what was asked and keeps the rest.
func TestWithdrawalAndObjection(t *testing.T) {
	db := storetest.Open(t)
	e := newEnv(t, db, nil)
	ctx := context.Background()
	e.recordConsent(subjectA, true)
	r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestObjection, Objection: custos.ObjectDirectMarketing, Email: "ada@example.com", ConsentID: subjectA})
	if err := e.svc.Approve(ctx, "st_officer", r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	c, err := db.ConsentState(ctx, "demo", subjectA)
	if err != nil {
		t.Fatal(err)
	}
	if c.Method != custos.MethodWithdraw || c.Choices["marketing"] || !c.Choices["performance"] {
		t.Errorf("after an objection to direct marketing: method %s, choices %v", c.Method, c.Choices)
	}
	marks, _ := db.SubjectMarks(ctx, "demo", r.EmailHash)
	if len(marks) != 1 || marks[0].Kind != custos.MarkObjected || marks[0].Detail != custos.ObjectDirectMarketing {
		t.Errorf("marks %+v", marks)
	}

	// An objection that refuses nothing granted writes nothing.
	n := countConsents(t, db)
	li := e.file(dsr.Submission{Site: "demo", Type: custos.RequestObjection, Objection: custos.ObjectDirectMarketing, Email: "ada2@example.com", ConsentID: subjectA})
	if err := e.svc.Approve(ctx, "st_officer", li.ID, li.Version); err != nil {
		t.Fatal(err)
	}
	if got := countConsents(t, db); got != n {
		t.Errorf("an objection refusing nothing granted wrote %d records", got-n)
	}

	w := e.file(dsr.Submission{Site: "demo", Type: custos.RequestConsentWithdrawal, Email: "ada@example.com"})
	if err := e.svc.Approve(ctx, "st_officer", w.ID, w.Version); err != nil {
		t.Fatal(err)
	}
	c, _ = db.ConsentState(ctx, "demo", subjectA)
	for id, v := range c.Choices {
		if v != e.m.Site("demo").Category(id).Required {
			t.Errorf("after a withdrawal of consent, %s is %v", id, v)
		}
	}
}

func countConsents(t *testing.T, db *store.DB) int64 {
	t.Helper()
	n, err := db.CountConsents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestObjectionUnderAnOldManifest: choices made under an earlier manifest
// are not carried into a record under the current one.
func TestObjectionUnderAnOldManifest(t *testing.T) {
	db := storetest.Open(t)
	e := newEnv(t, db, nil)
	ctx := context.Background()
	e.recordConsent(subjectA, true)
	// A new manifest: the fingerprint changes (a category's name).
	e.m = withYAML(t, "name: Marketing", "name: Marketing and advertising", 1)
	r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestObjection, Objection: custos.ObjectDirectMarketing, Email: "old@example.com", ConsentID: subjectA})
	if err := e.svc.Approve(ctx, "st_officer", r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	c, err := db.ConsentState(ctx, "demo", subjectA)
	if err != nil {
		t.Fatal(err)
	}
	for id, v := range c.Choices {
		if v && !e.m.Site("demo").Category(id).Required {
			t.Errorf("%s granted under a manifest the person never saw", id)
		}
	}
}

// TestStaffActions: extension once and in time, denial with a reason,
// stale versions refused.
func TestStaffActions(t *testing.T) {
	db := storetest.Open(t)
	e := newEnv(t, db, nil)
	ctx := context.Background()
	r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "ada@example.com", Region: "FR"})
	if err := e.svc.Extend(ctx, "st_officer", r.ID, r.Version, ""); custos.ErrorCode(err) != custos.EINVALID {
		t.Errorf("an extension without a reason: %v", err)
	}
	if err := e.svc.Extend(ctx, "st_officer", r.ID, r.Version, "Many systems to search."); err != nil {
		t.Fatal(err)
	}
	ext := e.request(r.ID)
	if !ext.Extended || !ext.DueAt.Equal(r.ExtendMax) {
		t.Fatalf("extended: %v, due %v, want %v", ext.Extended, ext.DueAt, r.ExtendMax)
	}
	if !strings.Contains(e.lastMail("extended", "ada@example.com").Text, "Many systems to search.") {
		t.Error("the extension mail does not give the reason")
	}
	if err := e.svc.Extend(ctx, "st_officer", r.ID, ext.Version, "again"); custos.ErrorCode(err) != custos.ECONFLICT {
		t.Errorf("a second extension: %v", err)
	}
	if err := e.svc.Deny(ctx, "st_officer", r.ID, r.Version, custos.DenyNoMatch, ""); custos.ErrorCode(err) != custos.ECONFLICT {
		t.Errorf("a stale version: %v, want conflict", err)
	}
	if err := e.svc.Deny(ctx, "st_officer", r.ID, ext.Version, custos.DenyOther, ""); custos.ErrorCode(err) != custos.EINVALID {
		t.Errorf("deny for other without a note: %v", err)
	}
	if err := e.svc.Deny(ctx, "st_officer", r.ID, ext.Version, custos.DenySuspectedFraud, "The address was opened today."); err != nil {
		t.Fatal(err)
	}
	if got := e.request(r.ID); got.State != custos.StateDenied || got.ClosedAt.IsZero() {
		t.Fatalf("denied: state %s", got.State)
	}
	e.lastMail("denied", "ada@example.com")

	// Too late to extend: past the first month.
	late := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "late@example.com", Region: "FR"})
	e.advance(40 * 24 * time.Hour)
	if err := e.svc.Extend(ctx, "st_officer", late.ID, late.Version, "busy"); custos.ErrorCode(err) != custos.ECONFLICT ||
		!strings.Contains(err.Error(), "too late") {
		t.Errorf("an extension after the first month: %v", err)
	}
	if !e.request(late.ID).Overdue(e.clock()) {
		t.Error("a request 40 days old under the GDPR is not overdue")
	}
}

// TestReminder: one e-mail per officer a day, listing what falls due.
func TestReminder(t *testing.T) {
	db := storetest.Open(t)
	e := newEnv(t, db, nil)
	ctx := context.Background()
	officer := &custos.StaffUser{ID: "st_officer0000000000000000000", Email: "dpo@example.com", Role: custos.RolePrivacyOfficer,
		PasswordHash: "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", CreatedAt: e.clock(), UpdatedAt: e.clock()}
	if err := db.CreateUser(ctx, officer, nil); err != nil {
		t.Fatal(err)
	}
	r := e.file(dsr.Submission{Site: "demo", Type: custos.RequestAccess, Email: "ada@example.com", Region: "FR"})
	e.advance(25 * 24 * time.Hour) // due within a week
	n, err := e.svc.Remind(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Remind: %d, %v; want 1 mail", n, err)
	}
	if !strings.Contains(e.lastMail("reminder", "dpo@example.com").Text, r.ID) {
		t.Error("the reminder does not list the request")
	}
	if n, _ := e.svc.Remind(ctx); n != 0 {
		t.Errorf("a second reminder the same day: %d mails", n)
	}
}
