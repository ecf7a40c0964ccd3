package webhook

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/custos-privacy/custos/internal/manifest"
)

// DefaultUserAgent is the User-Agent of deliveries when Client.UserAgent
// is empty.
const DefaultUserAgent = "Custos-Webhook/1"

// DefaultTimeout is the timeout of a delivery by a Client without HTTP
// client: the manifest's default, manifest.DefaultWebhookTimeout.
var DefaultTimeout = manifest.DefaultWebhookTimeout.Clock

// Client delivers requests to processors. The zero value is ready: one
// attempt takes at most DefaultTimeout. Use one Client per timeout (the
// manifest's webhook.timeout of a system), NewClient(timeout).
type Client struct {
	// HTTP sends the requests; nil means an http.Client with DefaultTimeout.
	// Whatever its CheckRedirect, redirects are never followed: a redirect
	// is an answer, refused (a 307 would post the person's data elsewhere).
	HTTP *http.Client
	// UserAgent of the requests; DefaultUserAgent if empty.
	UserAgent string
	// Now is the clock that signs; nil means time.Now.
	Now func() time.Time
}

// NewClient returns a Client whose attempts take at most timeout
// (DefaultTimeout if not positive), for a system's Webhook.Timeout.Clock.
func NewClient(timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{HTTP: &http.Client{Timeout: timeout, CheckRedirect: noRedirect}}
}

var defaultHTTP = &http.Client{Timeout: DefaultTimeout, CheckRedirect: noRedirect}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) http() *http.Client {
	if c.HTTP == nil {
		return defaultHTTP
	}
	h := *c.HTTP
	h.CheckRedirect = noRedirect
	return &h
}

// Outcome is the processor's answer to a delivery.
type Outcome struct {
	Status int // the HTTP status: 200 or 202
	// Accepted: the processor answered 202 and will post its result to the
	// delivery's callback URL.
	Accepted bool
	// Result is the processor's result with 200, nil with 202.
	Result *Result
	// SentAt is the time the attempt was signed with (its sent_at).
	SentAt time.Time
}

// Done reports whether the processor answered with a result it carried
// out (status done).
func (o *Outcome) Done() bool { return o != nil && o.Result != nil && o.Result.Status == ResultDone }

// Deliver makes one attempt to deliver d to the processor at endpoint,
// signed with secret: a POST of d's JSON form, its SentAt set to now, with
// the Custos-Signature, Custos-Delivery, Content-Type and User-Agent
// headers.
//
// The processor answers:
//   - 200 with a result (Result): Outcome.Result is it; with status failed,
//     Deliver returns the Outcome and a permanent error of kind ErrFailed
//     (the processor's message is in the Result, not in the error);
//   - 202: Outcome.Accepted, the result will come through d.CallbackURL
//     (a permanent ErrMalformed if d has none).
//
// Anything else is an *Error: Retryable tells whether another attempt may
// succeed (network errors, timeouts, 408, 425, 429, 5xx but 501) and
// RetryAfter how long the processor asked to wait. A refusal (another
// 4xx, a redirect, which is not followed), a malformed or oversized answer
// (more than MaxResultSize) and an invalid d, endpoint or secret are
// permanent. Data in a result to a type other than access and portability
// is dropped (Result.ForType).
//
// Deliver does not retry: the job runner does, with back-off, keeping the
// delivery in the job table.
func (c *Client) Deliver(ctx context.Context, endpoint string, secret []byte, d Delivery) (*Outcome, error) {
	if len(secret) == 0 {
		return nil, newError("deliver", ErrInvalid, "no secret to sign with")
	}
	if reason := checkURL(endpoint); reason != "" {
		return nil, newError("deliver", ErrInvalid, "endpoint: "+reason)
	}
	now := c.now()
	d.SentAt = time.Unix(now.Unix(), 0).UTC()
	if reason := d.check(); reason != "" {
		return nil, newError("deliver", ErrInvalid, reason)
	}
	body, err := d.encode()
	if err != nil {
		return nil, newError("deliver", ErrInvalid, "details cannot be encoded as JSON")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, newError("deliver", ErrInvalid, "endpoint: not a URL")
	}
	ua := c.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", ua)
	req.Header.Set(DeliveryHeader, d.ID)
	req.Header.Set(SignatureHeader, Sign(secret, d.SentAt, body))

	resp, err := c.http().Do(req)
	if err != nil {
		return nil, networkError(err)
	}
	defer resp.Body.Close()
	out := &Outcome{Status: resp.StatusCode, SentAt: d.SentAt}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusAccepted:
		drain(resp.Body)
		if d.CallbackURL == "" {
			e := newError("deliver", ErrMalformed, "the processor answered 202 but the delivery has no callback URL")
			e.Status = resp.StatusCode
			return nil, e
		}
		out.Accepted = true
		return out, nil
	default:
		drain(resp.Body)
		return nil, statusError(resp.StatusCode, resp.Header, now)
	}

	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResultSize+1))
	if err != nil {
		e := networkError(err)
		e.Status = resp.StatusCode
		e.Reason += " while reading the answer"
		return nil, e
	}
	if len(b) > MaxResultSize {
		e := newError("deliver", ErrTooLarge, "the answer is larger than 10 MiB")
		e.Status = resp.StatusCode
		return nil, e
	}
	var r Result
	if reason := decodeResult(b, &r, &r); reason != "" {
		e := newError("deliver", ErrMalformed, "answer: "+reason)
		e.Status = resp.StatusCode
		return nil, e
	}
	out.Result = r.ForType(d.Type)
	if r.Failed() {
		e := newError("deliver", ErrFailed, "its message is in the result")
		e.Status = resp.StatusCode
		return out, e
	}
	return out, nil
}

// drain reads a little of an answer not used, so that the connection can
// be reused.
func drain(r io.Reader) { _, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10)) }
