package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Callback is what a processor posts to a delivery's callback URL, after
// answering it 202: its Result, flattened into the same JSON object.
type Callback struct {
	// ID is the callback's own id, chosen by the processor: 1 to 200
	// letters, digits and _ - . : /. With the signature's timestamp it is
	// what the replay guard remembers.
	ID string `json:"id"`
	// DeliveryID is the id of the delivery this is the result of.
	DeliveryID string `json:"delivery_id"`
	Result
	// SignedAt is the timestamp of the callback's signature.
	SignedAt time.Time `json:"-"`
}

// ParseCallback reads and checks a processor's callback: its body (at most
// MaxCallbackSize), its Custos-Signature made with secret, within
// DefaultTolerance of now, its form (ids, status, data, counts), and, if
// guard is not nil, that it was not received before. It does not check
// that the delivery exists, is the processor's or still waits: the caller
// does, and records the result idempotently (a processor whose callback
// got no answer sends it again, with a new timestamp).
//
// The error is an *Error whose kind HTTPStatus maps to the answer: 413
// (ErrTooLarge), 401 (ErrSignature, ErrExpired), 400 (ErrMalformed), 409
// (ErrReplay); a failure of the guard itself is returned as it is (500).
func ParseCallback(r *http.Request, secret []byte, guard ReplayGuard, now time.Time) (*Callback, error) {
	const op = "callback"
	body, err := readBody(op, r, MaxCallbackSize)
	if err != nil {
		return nil, err
	}
	t, err := verify(op, secret, r.Header.Get(SignatureHeader), body, now, DefaultTolerance)
	if err != nil {
		return nil, err
	}
	var cb Callback
	reason := decodeResult(body, &cb, &cb.Result)
	switch {
	case reason != "":
	case !validID(cb.ID):
		reason = `"id": 1 to 200 letters, digits and _ - . : /`
	case !validID(cb.DeliveryID):
		reason = `"delivery_id": not a delivery id`
	}
	if reason != "" {
		return nil, newError(op, ErrMalformed, reason)
	}
	if err := checkReplay(r.Context(), op, guard, cb.ID, t); err != nil {
		return nil, err
	}
	cb.SignedAt = t
	return &cb, nil
}

// ParseDelivery is the processor's side of a delivery, as a processor
// written in Go does it (and the tests' processors): it reads and checks
// the body (at most MaxDeliverySize), its Custos-Signature made with
// secret, within DefaultTolerance of now, that it is a valid Delivery
// whose id is the Custos-Delivery header's (if given), and, if guard is
// not nil, that this very attempt was not received before: a replay
// repeats an attempt's id and timestamp, whereas Custos's next attempt of
// the same delivery has the same id and a new timestamp, and is accepted.
// Errors are as ParseCallback's.
func ParseDelivery(r *http.Request, secret []byte, guard ReplayGuard, now time.Time) (*Delivery, error) {
	const op = "delivery"
	body, err := readBody(op, r, MaxDeliverySize)
	if err != nil {
		return nil, err
	}
	t, err := verify(op, secret, r.Header.Get(SignatureHeader), body, now, DefaultTolerance)
	if err != nil {
		return nil, err
	}
	var d Delivery
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, newError(op, ErrMalformed, "not a JSON delivery object")
	}
	if reason := d.check(); reason != "" {
		return nil, newError(op, ErrMalformed, reason)
	}
	if h := r.Header.Get(DeliveryHeader); h != "" && h != d.ID {
		return nil, newError(op, ErrMalformed, DeliveryHeader+" header is not the body's id")
	}
	if err := checkReplay(r.Context(), op, guard, d.ID, t); err != nil {
		return nil, err
	}
	return &d, nil
}

// checkReplay asks guard whether the message id signed at t was seen.
func checkReplay(ctx context.Context, op string, guard ReplayGuard, id string, t time.Time) error {
	if guard == nil {
		return nil
	}
	seen, err := guard.Seen(ctx, ReplayKey(id, t), t.Add(DefaultTolerance))
	if err != nil {
		return fmt.Errorf("webhook: %s: replay guard: %w", op, err)
	}
	if seen {
		return newError(op, ErrReplay, "this message was received before")
	}
	return nil
}

// ReplayKey is what ParseCallback and ParseDelivery give a ReplayGuard for
// a message id signed at t: "<id>@<t in unix seconds>".
func ReplayKey(id string, t time.Time) string { return id + "@" + strconv.FormatInt(t.Unix(), 10) }

// readBody reads r's body, at most max bytes.
func readBody(op string, r *http.Request, max int64) ([]byte, error) {
	tooLarge := newError(op, ErrTooLarge, "the body is larger than "+size(max))
	if r.ContentLength > max {
		return nil, tooLarge
	}
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, tooLarge
		}
		e := newError(op, ErrMalformed, "the body could not be read")
		e.err = err
		return nil, e
	}
	if int64(len(b)) > max {
		return nil, tooLarge
	}
	return b, nil
}

func size(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
