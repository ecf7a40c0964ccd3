package mailtest_test

import (
	"context"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/mail/mailtest"
)

// A message as another client may write it: base64 parts, an encoded
// subject, two recipients.
const raw = "From: a@example.com\r\n" +
	"To: b@example.com, c@example.com\r\n" +
	"Subject: =?UTF-8?B?w4ljaGFuZ2Ugw6AgcHJvcG9z?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=XX\r\n" +
	"\r\n" +
	"--XX\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"R3LDvMOfZSwK\r\nd2VsdAo=\r\n" +
	"--XX\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"<p>Gr=C3=BC=C3=9Fe</p>\r\n" +
	"--XX--\r\n"

func TestServerReceives(t *testing.T) {
	srv := mailtest.NewServer(t)
	if err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com", "c@example.com"}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	msgs, err := srv.WaitFor(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.Err != nil {
		t.Fatal(m.Err)
	}
	if m.From != "a@example.com" || strings.Join(m.To, ",") != "b@example.com,c@example.com" {
		t.Errorf("envelope %q → %q", m.From, m.To)
	}
	if m.Subject != "Échange à propos" || m.Text != "Grüße,\nwelt\n" || m.HTML != "<p>Grüße</p>" {
		t.Errorf("parsed %q %q %q", m.Subject, m.Text, m.HTML)
	}
}

func TestServerAuth(t *testing.T) {
	srv := mailtest.NewServer(t)
	srv.RequireAuth("u", "p")
	msg := []byte("Subject: x\r\n\r\nx\r\n")
	if err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, msg); err == nil {
		t.Error("accepted without AUTH")
	}
	if err := smtp.SendMail(srv.Addr(), smtp.PlainAuth("", "u", "wrong", srv.Host()), "a@example.com", []string{"b@example.com"}, msg); err == nil {
		t.Error("accepted a wrong password")
	}
	if err := smtp.SendMail(srv.Addr(), smtp.PlainAuth("", "u", "p", srv.Host()), "a@example.com", []string{"b@example.com"}, msg); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].Auth != "u" {
		t.Errorf("messages %+v", m)
	}
}

func TestWaitForGivesUpWithContext(t *testing.T) {
	srv := mailtest.NewServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := srv.WaitFor(ctx, 1); err == nil {
		t.Error("no error")
	}
	if err := srv.Close(); err != nil {
		t.Error(err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := smtp.Dial(srv.Addr()); err == nil {
		t.Error("still listening")
	}
}
