// Package mail sends the e-mails of Custos: it composes the messages of
// data subject requests in the person's language (Compose), sends them over
// SMTP (SMTP, through github.com/wneessen/go-mail) and drains the queue of
// mails the store keeps (Deliverer).
//
// A recipient's address and a message's text are personal data: nothing
// this package returns as an error or writes to a log holds either.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-privacy/custos/internal/custos"
	gomail "github.com/wneessen/go-mail"
)

// Sender sends one mail.
type Sender interface {
	Send(ctx context.Context, m *custos.Mail) error
}

// TLS modes of Config.TLS.
const (
	TLSStartTLS = "starttls" // STARTTLS, mandatory: a server that does not offer it is refused
	TLSImplicit = "tls"      // TLS from the first byte (usually port 465)
	TLSNone     = "none"     // no encryption: only for a server on this machine, or tests
)

// DefaultTimeout bounds each exchange with the server when Config.Timeout
// is zero.
const DefaultTimeout = 30 * time.Second

// Config is how to reach the SMTP server.
type Config struct {
	Host     string
	Port     int // 0: 587 for starttls, 465 for tls, 25 for none
	Username string
	Password string
	// From is the sender, an RFC 5322 address that may have a display
	// name: "Privacy team <privacy@example.com>".
	From    string
	TLS     string        // "starttls" (the default), "tls" or "none"
	Timeout time.Duration // 0: DefaultTimeout
	HELO    string        // the name said in EHLO; "": this machine's host name
}

// Validate reports every problem of c, each naming its field
// ("smtp.host: required").
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("smtp.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	host := strings.TrimSpace(c.Host)
	switch {
	case host == "":
		bad("host", "required")
	case strings.ContainsAny(host, " \t\r\n/@"):
		bad("host", "must be a host name or an IP address")
	case strings.Contains(host, ":") && net.ParseIP(host) == nil:
		bad("host", "must not hold the port; give it in smtp.port")
	}
	if c.Port < 0 || c.Port > 65535 {
		bad("port", "must be from 1 to 65535")
	}
	switch c.TLS {
	case "", TLSStartTLS, TLSImplicit:
	case TLSNone:
		if host != "" && !isLoopback(host) {
			bad("tls", `"none" is allowed only for a server on this machine (localhost); use "starttls" or "tls"`)
		}
	default:
		bad("tls", `must be "starttls", "tls" or "none"`)
	}
	if strings.TrimSpace(c.From) == "" {
		bad("from", "required")
	} else if _, err := netmail.ParseAddress(c.From); err != nil {
		bad("from", "not an e-mail address (%q)", c.From)
	}
	if c.Username != "" && c.Password == "" {
		bad("password", "required with smtp.username")
	}
	if c.Password != "" && c.Username == "" {
		bad("username", "required with smtp.password")
	}
	if c.Timeout < 0 {
		bad("timeout", "must not be negative")
	}
	if c.HELO != "" && strings.ContainsAny(c.HELO, " \t\r\n") {
		bad("helo", "must be a host name")
	}
	return errors.Join(errs...)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SMTP sends mails through an SMTP server. It is safe for concurrent use:
// each Send opens its own connection.
type SMTP struct {
	cfg  Config
	from *netmail.Address
}

// NewSMTP validates cfg and returns a sender for it.
func NewSMTP(cfg Config) (*SMTP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Host = strings.TrimSpace(cfg.Host)
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Port == 0 {
		cfg.Port = map[string]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}[cfg.TLS]
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	from, _ := netmail.ParseAddress(cfg.From) // checked by Validate
	return &SMTP{cfg: cfg, from: from}, nil
}

// Addr is the server's host:port.
func (s *SMTP) Addr() string { return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)) }

// Send sends m: a multipart/alternative message of its text and HTML when
// it has HTML, plain text otherwise. ctx bounds the connection; each
// exchange after it is bounded by Config.Timeout. A failure is a
// *SendError, which holds neither the recipient nor the message.
func (s *SMTP) Send(ctx context.Context, m *custos.Mail) error {
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
	}
	switch s.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(s.cfg.HELO))
	}
	if s.cfg.Username != "" {
		// PLAIN or LOGIN if offered (go-mail refuses either without TLS
		// unless the server is localhost), else the best the server offers.
		opts = append(opts, gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
	}
	// A new client per mail: go-mail's Client changes its own fields while
	// dialling, so one shared between goroutines would race.
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return &SendError{Op: "config", Detail: scrubText(err.Error(), "")}
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return connectError(ctx, err)
	}
	defer func() { _ = client.CloseWithSMTPClient(conn) }() // the message is sent, or its error reported
	if err := client.SendWithSMTPClient(conn, msg); err != nil {
		if msg.IsDelivered() {
			return nil // accepted; only the RSET after it failed
		}
		return sendError(err)
	}
	return nil
}

func (s *SMTP) message(m *custos.Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	to, err := netmail.ParseAddress(m.To)
	if err != nil || m.To == "" {
		return nil, &SendError{Op: "address", Detail: "the recipient is not an e-mail address"}
	}
	msg.ToMailAddress(to)
	msg.Subject(oneLine(m.Subject))
	msg.SetMessageIDWithValue(messageID(s.from.Address))
	msg.SetDate()
	// RFC 3834: no auto-replies to an automatic message.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// messageID returns a random Message-ID at the sender's domain.
func messageID(from string) string {
	var b [16]byte
	rand.Read(b[:])
	domain := "localhost"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])) + "@" + domain
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// SendError is a failed SMTP delivery: the step that failed and the
// server's status, never the recipient, the message or the server's own
// words (which often repeat the address).
type SendError struct {
	Op     string // "connect", "tls", "auth", "mail from", "rcpt to", "data", "address", "config"
	Code   int    // the server's reply code (550); 0 if it gave none
	Status string // the enhanced status code ("5.1.1"); "" if none
	// Detail is what failed when the server gave no code (a network or
	// TLS error), with any e-mail address removed.
	Detail string
	cause  error // only a context error, for errors.Is
}

func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("smtp: ")
	b.WriteString(e.Op)
	if e.Code != 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(e.Code))
		if e.Status != "" {
			b.WriteString(" ")
			b.WriteString(e.Status)
		}
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Temporary reports whether trying again later may succeed: a 4xx reply
// or no reply at all (the server could not be reached).
func (e *SendError) Temporary() bool { return e.Code == 0 || e.Code/100 == 4 }

func (e *SendError) Unwrap() error { return e.cause }

var statusRe = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}\b`)

// connectError maps an error of connecting, greeting, STARTTLS or AUTH.
func connectError(ctx context.Context, err error) *SendError {
	e := &SendError{Op: "connect"}
	if ctx.Err() != nil {
		e.cause = ctx.Err()
		e.Detail = ctx.Err().Error()
		return e
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "AUTH"):
		e.Op = "auth"
	case errors.As(err, new(*tls.CertificateVerificationError)), errors.As(err, new(tls.RecordHeaderError)),
		strings.Contains(msg, "tls:"), strings.Contains(msg, "x509:"), strings.Contains(msg, "STARTTLS"):
		e.Op = "tls"
	}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		e.Code = tp.Code
		e.Status = statusRe.FindString(tp.Msg)
		return e
	}
	e.Detail = scrubText(err.Error(), "")
	return e
}

// sendError maps an error of go-mail's sending (MAIL FROM onwards).
func sendError(err error) *SendError {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return &SendError{Op: "send", Detail: scrubText(err.Error(), "")}
	}
	e := &SendError{Code: se.ErrorCode(), Status: se.EnhancedStatusCode()}
	switch se.Reason {
	case gomail.ErrSMTPMailFrom:
		e.Op = "mail from"
	case gomail.ErrSMTPRcptTo:
		e.Op = "rcpt to"
	case gomail.ErrSMTPData, gomail.ErrSMTPDataClose, gomail.ErrWriteContent:
		e.Op = "data"
	case gomail.ErrConnCheck:
		e.Op = "connect"
	case gomail.ErrGetSender, gomail.ErrGetRcpts:
		e.Op = "address"
	default:
		e.Op = "send"
	}
	if e.Code == 0 {
		e.Detail = se.Reason.String() // a fixed phrase of go-mail's
	}
	return e
}

// scrubText removes from s the address to (if any) and every word that
// holds an "@", and cuts it to a length fit for a log line.
func scrubText(s, to string) string {
	if to != "" {
		s = replaceFold(s, to, "[recipient]")
	}
	words := strings.Fields(s)
	for i, w := range words {
		if strings.Contains(w, "@") {
			words[i] = "[address]"
		}
	}
	s = strings.Join(words, " ")
	const max = 300
	if len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// replaceFold replaces every occurrence of old in s, ignoring case.
func replaceFold(s, old, repl string) string {
	if old == "" {
		return s
	}
	ls, lo := strings.ToLower(s), strings.ToLower(old)
	if len(ls) != len(s) || len(lo) != len(old) {
		// Case mapping changed the byte length: fall back to exact matches.
		return strings.ReplaceAll(s, old, repl)
	}
	var b strings.Builder
	for {
		i := strings.Index(ls, lo)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, ls = s[i+len(old):], ls[i+len(old):]
	}
}
