package mail_test

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/custos-privacy/custos/internal/custos"
	custosmail "github.com/custos-privacy/custos/internal/mail"
	"github.com/custos-privacy/custos/internal/mail/mailtest"
)

const recipient = "Alice.Martin@example.org"

// newSMTP returns a sender to srv, without TLS (srv is on localhost).
func newSMTP(t *testing.T, srv *mailtest.Server, user, pass string) *custosmail.SMTP {
	t.Helper()
	s, err := custosmail.NewSMTP(custosmail.Config{
		Host: srv.Host(), Port: srv.Port(), TLS: custosmail.TLSNone, HELO: "custos.test",
		From:     "Équipe « vie privée » <privacy@shop.example>",
		Username: user, Password: pass, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitFor(t *testing.T, srv *mailtest.Server, n int) []mailtest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	msgs, err := srv.WaitFor(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestSendDeliversMultipart(t *testing.T) {
	for _, locale := range []string{"en", "fr-FR", "de"} {
		t.Run(locale, func(t *testing.T) {
			srv := mailtest.NewServer(t)
			s := newSMTP(t, srv, "", "")
			m, err := custosmail.NewMail(custosmail.KindVerify, locale, recipient, sampleData())
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(t.Context(), m); err != nil {
				t.Fatal(err)
			}
			got := waitFor(t, srv, 1)[0]
			if got.Err != nil {
				t.Fatalf("parse: %v\n%s", got.Err, got.Data)
			}
			if got.Subject != m.Subject {
				t.Errorf("subject = %q, want %q", got.Subject, m.Subject)
			}
			if got.Text != m.Text {
				t.Errorf("text = %q, want %q", got.Text, m.Text)
			}
			if got.HTML != m.HTML {
				t.Errorf("html differs:\n%s\nwant\n%s", got.HTML, m.HTML)
			}
			if got.From != "privacy@shop.example" || len(got.To) != 1 || got.To[0] != recipient {
				t.Errorf("envelope = %q → %q", got.From, got.To)
			}
			if got.Auth != "" {
				t.Errorf("authenticated as %q without credentials", got.Auth)
			}
			from, err := got.Header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Name != "Équipe « vie privée »" {
				t.Errorf("From = %v (%v)", from, err)
			}
			if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
				t.Errorf("Content-Type = %q", ct)
			}
			if id := got.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@shop.example>") {
				t.Errorf("Message-ID = %q", id)
			}
			if d, err := got.Header.Date(); err != nil || time.Since(d) > time.Hour {
				t.Errorf("Date = %v (%v)", d, err)
			}
			if got.Header.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("Auto-Submitted = %q", got.Header.Get("Auto-Submitted"))
			}
			// The raw subject is encoded: no 8-bit bytes in the header.
			raw, _, _ := strings.Cut(string(got.Data), "\r\n\r\n")
			for i := 0; i < len(raw); i++ {
				if raw[i] >= 0x80 {
					t.Fatalf("8-bit byte in the header:\n%s", raw)
				}
			}
		})
	}
}

func TestSendTextOnly(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := newSMTP(t, srv, "", "")
	m := &custos.Mail{ID: 1, To: recipient, Subject: "Größe", Text: "Zeile 1\nZeile 2 – äöü\n"}
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got := waitFor(t, srv, 1)[0]
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q", ct)
	}
	if got.Subject != m.Subject || got.Text != m.Text || got.HTML != "" {
		t.Errorf("got %q %q %q", got.Subject, got.Text, got.HTML)
	}
}

func TestSendAuth(t *testing.T) {
	srv := mailtest.NewServer(t)
	srv.RequireAuth("custos", "s3cret")

	if err := newSMTP(t, srv, "custos", "s3cret").Send(t.Context(), testMail()); err != nil {
		t.Fatal(err)
	}
	if got := waitFor(t, srv, 1)[0]; got.Auth != "custos" {
		t.Errorf("authenticated as %q", got.Auth)
	}

	err := newSMTP(t, srv, "custos", "wrong").Send(t.Context(), testMail())
	var se *custosmail.SendError
	if !errors.As(err, &se) || se.Op != "auth" || se.Code != 535 {
		t.Errorf("wrong password: %#v", err)
	}
	err = newSMTP(t, srv, "", "").Send(t.Context(), testMail())
	if !errors.As(err, &se) || se.Op != "mail from" || se.Code != 530 || se.Temporary() {
		t.Errorf("no credentials: %#v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages accepted, want 1", n)
	}
}

func TestSendErrorHoldsNoPersonalData(t *testing.T) {
	srv := mailtest.NewServer(t)
	srv.FailRcpt(&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "<" + recipient + ">: Recipient address rejected: User unknown"})
	m := testMail()
	err := newSMTP(t, srv, "", "").Send(t.Context(), m)
	var se *custosmail.SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %#v", err)
	}
	if se.Op != "rcpt to" || se.Code != 550 || se.Status != "5.1.1" || se.Temporary() {
		t.Errorf("err = %+v", se)
	}
	if want := "smtp: rcpt to: 550 5.1.1"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	assertNoPersonalData(t, err.Error(), m)

	err = newSMTP(t, srv, "", "").Send(t.Context(), &custos.Mail{To: "not an address " + recipient, Text: "x"})
	if err == nil {
		t.Fatal("sent to a bad address")
	}
	assertNoPersonalData(t, err.Error(), m)
}

func TestSendServerDown(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := newSMTP(t, srv, "", "")
	srv.Close()
	m := testMail()
	err := s.Send(t.Context(), m)
	var se *custosmail.SendError
	if !errors.As(err, &se) || se.Op != "connect" || !se.Temporary() {
		t.Fatalf("err = %#v", err)
	}
	assertNoPersonalData(t, err.Error(), m)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Send(ctx, m); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	good := custosmail.Config{Host: "smtp.example.com", From: "Privacy <privacy@example.com>"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(*custosmail.Config)
		want   []string
	}{
		{"empty", func(c *custosmail.Config) { *c = custosmail.Config{} }, []string{"smtp.host: required", "smtp.from: required"}},
		{"host with port", func(c *custosmail.Config) { c.Host = "smtp.example.com:587" }, []string{"smtp.host:"}},
		{"port", func(c *custosmail.Config) { c.Port = 70000 }, []string{"smtp.port:"}},
		{"from", func(c *custosmail.Config) { c.From = "privacy team" }, []string{"smtp.from:"}},
		{"tls", func(c *custosmail.Config) { c.TLS = "ssl" }, []string{"smtp.tls:"}},
		{"no tls to a remote host", func(c *custosmail.Config) { c.TLS = "none" }, []string{"smtp.tls:"}},
		{"password alone", func(c *custosmail.Config) { c.Password = "x" }, []string{"smtp.username:"}},
		{"username alone", func(c *custosmail.Config) { c.Username = "x" }, []string{"smtp.password:"}},
		{"timeout", func(c *custosmail.Config) { c.Timeout = -time.Second }, []string{"smtp.timeout:"}},
		{"helo", func(c *custosmail.Config) { c.HELO = "a b" }, []string{"smtp.helo:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.change(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("valid")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if _, err := custosmail.NewSMTP(c); err == nil {
				t.Error("NewSMTP accepted it")
			}
		})
	}
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		c := good
		c.Host, c.TLS = host, custosmail.TLSNone
		if err := c.Validate(); err != nil {
			t.Errorf("none to %s: %v", host, err)
		}
	}
}

func testMail() *custos.Mail {
	return &custos.Mail{ID: 7, Template: "verify", To: recipient, Subject: "Confirm your request",
		Text: "Your code is 493817. Secret body text.", HTML: "<p>Your code is 493817. Secret body text.</p>"}
}

// assertNoPersonalData fails if s holds m's address (in any case, or its
// local part) or a piece of its body.
func assertNoPersonalData(t *testing.T, s string, m *custos.Mail) {
	t.Helper()
	ls := strings.ToLower(s)
	addr, err := mail.ParseAddress(m.To)
	if err != nil {
		t.Fatal(err)
	}
	local, _, _ := strings.Cut(strings.ToLower(addr.Address), "@")
	for _, bad := range []string{strings.ToLower(addr.Address), local, "493817", "secret body"} {
		if strings.Contains(ls, bad) {
			t.Errorf("%q holds %q", s, bad)
		}
	}
	if strings.Contains(s, "@") {
		t.Errorf("%q holds an address", s)
	}
}

// A server without STARTTLS is refused in the default mode, never used in
// clear text.
func TestSendStartTLSMandatory(t *testing.T) {
	srv := mailtest.NewServer(t)
	s, err := custosmail.NewSMTP(custosmail.Config{Host: srv.Host(), Port: srv.Port(), From: "privacy@shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(t.Context(), testMail())
	var se *custosmail.SendError
	if !errors.As(err, &se) || se.Op != "tls" {
		t.Errorf("err = %#v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages sent without TLS", n)
	}
}
