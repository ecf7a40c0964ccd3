// Package mailtest runs an SMTP server in the test's process, so that
// tests send mail over a real SMTP exchange and read what arrived.
package mailtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one mail the server accepted.
type Message struct {
	From string   // MAIL FROM
	To   []string // RCPT TO
	Auth string   // the user name the client authenticated as; "" if it did not
	Data []byte   // the message as received

	// Parsed from Data; Err says why if that failed.
	Header  netmail.Header
	Subject string // decoded (RFC 2047)
	Text    string // the text/plain part, decoded, lines ending in "\n"
	HTML    string // the text/html part, likewise; "" if none
	Err     error
}

// Server is an SMTP server on 127.0.0.1, without TLS, that keeps what it
// receives. It stops when the test ends.
type Server struct {
	srv  *smtp.Server
	l    net.Listener
	addr *net.TCPAddr
	done chan struct{} // closed when Serve returns

	mu       sync.Mutex
	msgs     []Message
	changed  chan struct{} // closed and replaced when a message arrives
	user     string        // with pass: AUTH PLAIN is offered and required
	pass     string
	rcptErr  error
	closed   bool
	closeErr error
}

// NewServer starts a server on 127.0.0.1 on a free port.
func NewServer(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{l: l, addr: l.Addr().(*net.TCPAddr), done: make(chan struct{}), changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	s.srv.Domain = "mailtest.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.ErrorLog = log.New(io.Discard, "", 0) // connections may end after the test has
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(l) // nil once closed
	}()
	t.Cleanup(func() { s.Close() })
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr.String() }

// Host is the server's IP address, "127.0.0.1".
func (s *Server) Host() string { return s.addr.IP.String() }

// Port is the server's port.
func (s *Server) Port() int { return s.addr.Port }

// RequireAuth makes the server offer AUTH PLAIN and accept mail only from
// a client that authenticated as username with password.
func (s *Server) RequireAuth(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = username, password
}

// FailRcpt makes the server answer every RCPT TO with err (an
// *smtp.SMTPError to choose the code); nil accepts them again.
func (s *Server) FailRcpt(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptErr = err
}

// Close stops the server and closes its connections; a client then finds
// nothing listening. It is called when the test ends.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	s.closed = true
	s.mu.Unlock()
	err := s.srv.Close()
	// Serve may not have registered the listener yet: close it here too.
	if lerr := s.l.Close(); err == nil && lerr != nil && !errors.Is(lerr, net.ErrClosed) {
		err = lerr
	}
	<-s.done
	s.mu.Lock()
	s.closeErr = err
	s.mu.Unlock()
	return err
}

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFor waits until at least n messages have arrived and returns them,
// or returns ctx's error.
func (s *Server) WaitFor(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			msgs := append([]Message(nil), s.msgs...)
			s.mu.Unlock()
			return msgs, nil
		}
		changed := s.changed
		have := len(s.msgs)
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("mailtest: %d of %d messages arrived: %w", have, n, ctx.Err())
		}
	}
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) auth() (user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.user, s.pass
}

// session is one SMTP connection.
type session struct {
	s    *Server
	user string // authenticated as
	from string
	to   []string
}

var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}

func (x *session) AuthMechanisms() []string {
	if user, _ := x.s.auth(); user != "" {
		return []string{sasl.Plain}
	}
	return nil
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		user, pass := x.s.auth()
		if user == "" || username != user || password != pass || identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		x.user = username
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if user, _ := x.s.auth(); user != "" && x.user == "" {
		return errAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	err := x.s.rcptErr
	x.s.mu.Unlock()
	if err != nil {
		return err
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: x.from, To: x.to, Auth: x.user, Data: data}
	m.Err = parse(&m)
	x.s.add(m)
	return nil
}

func (x *session) Reset() { x.from, x.to = "", nil }

func (x *session) Logout() error { return nil }

// parse fills m's Header, Subject, Text and HTML from its Data.
func parse(m *Message) error {
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return fmt.Errorf("mailtest: %w", err)
	}
	m.Header = msg.Header
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return fmt.Errorf("mailtest: subject: %w", err)
	}
	return m.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

// walk reads one MIME entity, descending into multiparts, and keeps the
// first text/plain and text/html bodies.
func (m *Message) walk(contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("mailtest: content type: %w", err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("mailtest: %s: %w", mediaType, err)
			}
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line ends
	case "", "7bit", "8bit", "binary":
	default:
		return fmt.Errorf("mailtest: unknown transfer encoding %q", encoding)
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return fmt.Errorf("mailtest: charset %q is not UTF-8", cs)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("mailtest: %s body: %w", mediaType, err)
	}
	switch {
	case mediaType == "text/plain" && m.Text == "":
		m.Text = strings.ReplaceAll(string(b), "\r\n", "\n")
	case mediaType == "text/html" && m.HTML == "":
		m.HTML = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	return nil
}
