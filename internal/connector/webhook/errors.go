package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The kinds of error, matched with errors.Is. Every error this package
// returns is an *Error of one of these kinds.
var (
	// ErrUnavailable: the processor could not be reached or was not able
	// to answer (a network error, a timeout, 408, 425, 429, a 5xx other
	// than 501). Worth trying again.
	ErrUnavailable = errors.New("processor unavailable")
	// ErrRefused: the processor refused the delivery (a 4xx other than
	// 408, 425 and 429, a redirect, 501, a 2xx other than 200 and 202).
	// Trying again will not help until something changes (the URL, the
	// secret, the processor).
	ErrRefused = errors.New("refused by the processor")
	// ErrFailed: the processor answered with status "failed": it could not
	// carry out the request. Its message is in the Result.
	ErrFailed = errors.New("processor reported a failure")
	// ErrMalformed: a message (an answer, a callback, a delivery) that is
	// not what the wire format says.
	ErrMalformed = errors.New("malformed message")
	// ErrTooLarge: a message larger than its limit (MaxResultSize,
	// MaxCallbackSize, MaxDeliverySize).
	ErrTooLarge = errors.New("message too large")
	// ErrSignature: no signature header, a malformed one, or none of its
	// signatures matches the secret.
	ErrSignature = errors.New("bad signature")
	// ErrExpired: the signature matches but its timestamp is further from
	// the verifier's clock than the tolerance.
	ErrExpired = errors.New("signature timestamp out of tolerance")
	// ErrReplay: a message already received (same id and timestamp).
	ErrReplay = errors.New("replayed message")
	// ErrInvalid: the caller's mistake: an invalid delivery, endpoint or
	// secret. Nothing was sent.
	ErrInvalid = errors.New("invalid")
)

// Error is an error of this package. Its text holds no personal data: no
// identity, no body of a request or an answer (a processor may echo
// personal data in either), no URL (it may carry a token); only the HTTP
// status and a short reason. It is fit for the job table and the console.
type Error struct {
	Op     string        // "deliver", "verify", "callback", "delivery", "secret"
	Kind   error         // one of the Err… kinds above
	Status int           // the HTTP status of the processor's answer; 0 if none
	Reason string        // what went wrong, in a few words
	After  time.Duration // the processor's Retry-After, if any: wait at least so long
	retry  bool
	err    error // the cause (a network error), for errors.Is/As
}

func newError(op string, kind error, reason string) *Error {
	return &Error{Op: op, Kind: kind, Reason: reason}
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("webhook: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.Status)
		if t := http.StatusText(e.Status); t != "" {
			b.WriteString(" " + t)
		}
		b.WriteString(": ")
	}
	switch {
	case e.Kind != nil && e.Reason != "":
		b.WriteString(e.Kind.Error() + ": " + e.Reason)
	case e.Kind != nil:
		b.WriteString(e.Kind.Error())
	default:
		b.WriteString(e.Reason)
	}
	if e.After > 0 {
		b.WriteString("; retry after " + e.After.String())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrRefused) and the like work.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the cause, where there is one that says nothing of the
// processor's answer: the network error of a failed connection (without
// the URL), a context's error. Show Error's text, not the cause's.
func (e *Error) Unwrap() error { return e.err }

// Retryable reports whether trying the delivery again later may succeed:
// the processor was unreachable, too slow, rate-limited or in trouble (a
// network error, a timeout, 408, 425, 429, a 5xx but 501). A refusal, a
// malformed answer, a failure the processor reported and a bad signature
// are permanent. A cancelled or expired context is retryable; any other
// error that is not an *Error is not.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.retry
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// RetryAfter returns the least time to wait before trying again that the
// processor asked for with Retry-After (with 429, 503 or any retryable
// status), at most MaxRetryAfter; 0 if it asked for none.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) && e.retry {
		return e.After
	}
	return 0
}

// HTTPStatus maps an error of ParseCallback or ParseDelivery to the status
// to answer with: 401 for a bad signature or an expired timestamp, 409 for
// a replay, 413 for a body too large, 400 for a malformed one, 500 for
// anything else (such as the replay guard's own failure).
func HTTPStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrSignature), errors.Is(err, ErrExpired):
		return http.StatusUnauthorized
	case errors.Is(err, ErrReplay):
		return http.StatusConflict
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// MaxRetryAfter bounds the delay a processor's Retry-After may ask for.
const MaxRetryAfter = 24 * time.Hour

// parseRetryAfter reads a Retry-After header: delay-seconds or an
// HTTP-date (RFC 9110, 10.2.3), relative to now; 0 if absent or invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if digits(v) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now).Round(time.Second)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// statusError classifies an answer with a status other than 200 and 202.
func statusError(status int, h http.Header, now time.Time) *Error {
	e := &Error{Op: "deliver", Status: status}
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly,
		status == http.StatusTooManyRequests,
		status >= 500 && status <= 599 && status != http.StatusNotImplemented:
		e.Kind, e.retry = ErrUnavailable, true
		e.After = parseRetryAfter(h.Get("Retry-After"), now)
	case status >= 300 && status <= 399:
		e.Kind, e.Reason = ErrRefused, "redirects are not followed; set the webhook URL to where the processor now is"
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		e.Kind, e.Reason = ErrRefused, "check that the processor has the system's secret and the clocks agree"
	case status == http.StatusGone:
		e.Kind, e.Reason = ErrRefused, "the processor no longer takes deliveries at this URL"
	case status >= 200 && status <= 299:
		e.Kind, e.Reason = ErrRefused, "unexpected status; a processor answers 200 with a result or 202"
	default:
		e.Kind = ErrRefused
	}
	return e
}

// networkError classifies the error of a request that got no answer. It
// is always retryable. Its reason is one of a few fixed phrases: the
// transport's own texts may quote the URL or bytes of a malformed answer.
// For the same reason the cause is kept without the URL, and only where
// it says nothing of the answer.
func networkError(err error) *Error {
	e := &Error{Op: "deliver", Kind: ErrUnavailable, retry: true, err: unwrapURL(err)}
	var ne net.Error
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var inv x509.CertificateInvalidError
	var rec tls.RecordHeaderError
	switch {
	case errors.Is(err, context.Canceled):
		e.Reason = "cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		e.Reason = "timed out"
	case errors.As(err, &dns):
		e.Reason = "DNS lookup failed"
		if dns.IsNotFound {
			e.Reason = "DNS lookup failed: no such host"
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Reason = "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		e.Reason = "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		e.Reason = "host unreachable"
	case errors.As(err, &cert), errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &inv):
		e.Reason = "TLS certificate not accepted"
	case errors.As(err, &rec):
		e.Reason = "TLS handshake failed (not a TLS server?)"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.Reason, e.err = "connection closed before an answer", io.ErrUnexpectedEOF
	case strings.Contains(err.Error(), "malformed"):
		e.Reason, e.err = "malformed HTTP answer", nil
	default:
		e.Reason, e.err = fmt.Sprintf("network error (%T)", e.err), nil
	}
	return e
}

// unwrapURL returns the cause of a *url.Error (whose text has the URL),
// or err.
func unwrapURL(err error) error {
	var u *url.Error
	if errors.As(err, &u) && u.Err != nil {
		return u.Err
	}
	return err
}
