package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/manifest"
)

// callbackRequest is a callback with body, signed with key at t.
func callbackRequest(body string, key []byte, t time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/shop/crm/callback", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if key != nil {
		r.Header.Set(SignatureHeader, Sign(key, t, []byte(body)))
	}
	return r
}

func TestParseCallback(t *testing.T) {
	c := newClock()
	guard := &MemoryGuard{Now: c.Now}
	ok := `{"id":"cb_1","delivery_id":"dl_rq_7ZQ4/crm/access","status":"done","data":{"contacts":[{"email":"` + email + `"}]},"counts":{"contacts_found":1}}`

	cb, err := ParseCallback(callbackRequest(ok, secret, base), secret, guard, base.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if cb.ID != "cb_1" || cb.DeliveryID != "dl_rq_7ZQ4/crm/access" || cb.Status != ResultDone || !cb.SignedAt.Equal(base) ||
		string(cb.Data["contacts"][0]) != `{"email":"`+email+`"}` || cb.Counts["contacts_found"] != 1 {
		t.Errorf("callback %+v", cb)
	}
	failed := `{"id":"cb_2","delivery_id":"dl_1","status":"failed","error":"` + strings.Repeat("x", 2*MaxErrorLen) + `"}`
	cb, err = ParseCallback(callbackRequest(failed, secret, base), secret, guard, base)
	if err != nil || !cb.Failed() || len(cb.Error) != MaxErrorLen {
		t.Errorf("failed callback %+v, %v", cb, err)
	}
	// No guard: no replay check.
	for range 2 {
		if _, err := ParseCallback(callbackRequest(ok, secret, base), secret, nil, base); err != nil {
			t.Errorf("without a guard: %v", err)
		}
	}

	big := `{"id":"cb_3","delivery_id":"dl_1","status":"done","data":{"t":[{"x":"` + strings.Repeat("x", MaxCallbackSize) + `"}]}}`
	tests := []struct {
		name   string
		req    func() *http.Request
		now    time.Time
		kind   error
		status int
	}{
		{"replay", func() *http.Request { return callbackRequest(ok, secret, base) }, base.Add(2 * time.Minute), ErrReplay, 409},
		{"bad signature", func() *http.Request { return callbackRequest(ok, []byte("another-secret-another-secret"), base) }, base, ErrSignature, 401},
		{"no signature", func() *http.Request { return callbackRequest(ok, nil, base) }, base, ErrSignature, 401},
		{"tampered", func() *http.Request {
			r := callbackRequest(ok, secret, base)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(ok, `"done"`, `"failed"`, 1)))
			return r
		}, base, ErrSignature, 401},
		{"old", func() *http.Request { return callbackRequest(ok, secret, base) }, base.Add(6 * time.Minute), ErrExpired, 401},
		{"future", func() *http.Request { return callbackRequest(ok, secret, base.Add(6*time.Minute)) }, base, ErrExpired, 401},
		{"too large", func() *http.Request { return callbackRequest(big, secret, base) }, base, ErrTooLarge, 413},
		{"too large, length unknown", func() *http.Request {
			r := callbackRequest(big, secret, base)
			r.ContentLength = -1
			r.Body = io.NopCloser(strings.NewReader(big))
			return r
		}, base, ErrTooLarge, 413},
		{"too large, MaxBytesReader", func() *http.Request {
			r := callbackRequest(big, secret, base)
			r.ContentLength = -1
			r.Body = http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(strings.NewReader(big)), 1000)
			return r
		}, base, ErrTooLarge, 413},
		{"not JSON", signed(`ECHO ` + email), base, ErrMalformed, 400},
		{"array", signed(`[]`), base, ErrMalformed, 400},
		{"no id", signed(`{"delivery_id":"dl_1","status":"done"}`), base, ErrMalformed, 400},
		{"bad id", signed(`{"id":"ECHO ` + email + `","delivery_id":"dl_1","status":"done"}`), base, ErrMalformed, 400},
		{"no delivery", signed(`{"id":"cb_9","status":"done"}`), base, ErrMalformed, 400},
		{"bad status", signed(`{"id":"cb_9","delivery_id":"dl_1","status":"ECHO"}`), base, ErrMalformed, 400},
		{"record", signed(`{"id":"cb_9","delivery_id":"dl_1","status":"done","data":{"t":["` + email + `"]}}`), base, ErrMalformed, 400},
		{"negative", signed(`{"id":"cb_9","delivery_id":"dl_1","status":"done","counts":{"n":-1}}`), base, ErrMalformed, 400},
		{"guard fails", func() *http.Request {
			return callbackRequest(`{"id":"cb_10","delivery_id":"dl_1","status":"done"}`, secret, base)
		}, base, errGuard, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := ReplayGuard(guard)
			if tt.kind == errGuard {
				g = failingGuard{}
			}
			cb, err := ParseCallback(tt.req(), secret, g, tt.now)
			if cb != nil || !errors.Is(err, tt.kind) {
				t.Fatalf("ParseCallback = %+v, %v; want %v", cb, err, tt.kind)
			}
			if s := HTTPStatus(err); s != tt.status {
				t.Errorf("HTTPStatus(%v) = %d, want %d", err, s, tt.status)
			}
			clean(t, err.Error())
		})
	}
}

// signed returns a request of a callback body signed at base.
func signed(body string) func() *http.Request {
	return func() *http.Request { return callbackRequest(body, secret, base) }
}

var errGuard = errors.New("the guard's database is down")

type failingGuard struct{}

func (failingGuard) Seen(context.Context, string, time.Time) (bool, error) { return false, errGuard }

func TestParseDelivery(t *testing.T) {
	d := delivery("access")
	d.SentAt = base
	body, _ := d.encode()
	req := func(mod func(*http.Request)) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		r.Header.Set(SignatureHeader, Sign(secret, base, body))
		r.Header.Set(DeliveryHeader, d.ID)
		if mod != nil {
			mod(r)
		}
		return r
	}
	got, err := ParseDelivery(req(nil), secret, nil, base)
	if err != nil || got.ID != d.ID || got.Identities["email"] != email || !got.SentAt.Equal(base) {
		t.Fatalf("ParseDelivery = %+v, %v", got, err)
	}
	if _, err := ParseDelivery(req(func(r *http.Request) { r.Header.Del(DeliveryHeader) }), secret, nil, base); err != nil {
		t.Errorf("without Custos-Delivery: %v", err)
	}
	_, err = ParseDelivery(req(func(r *http.Request) { r.Header.Set(DeliveryHeader, "dl_other") }), secret, nil, base)
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("another Custos-Delivery: %v", err)
	}
	_, err = ParseDelivery(req(func(r *http.Request) { r.ContentLength = MaxDeliverySize + 1 }), secret, nil, base)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
}

func TestHTTPStatus(t *testing.T) {
	if HTTPStatus(nil) != 200 || HTTPStatus(errors.New("x")) != 500 {
		t.Error("HTTPStatus of nil or another error")
	}
	if Retryable(nil) || Retryable(errors.New("x")) || !Retryable(context.Canceled) || !Retryable(context.DeadlineExceeded) {
		t.Error("Retryable of errors not this package's")
	}
	if RetryAfter(errors.New("x")) != 0 {
		t.Error("RetryAfter of another error")
	}
}

func TestLoadSecret(t *testing.T) {
	const value = "0123456789abcdef0123456789abcdef"
	env := map[string]string{"CRM_WEBHOOK_SECRET": value, "SHORT": "abc"}
	getenv := func(k string) string { return env[k] }
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	os.WriteFile(file, []byte(value+"\r\n"), 0o600)
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("abc\n"), 0o600)

	for _, s := range []*manifest.Secret{{Env: "CRM_WEBHOOK_SECRET"}, {File: file}} {
		b, err := LoadSecret(s, getenv)
		if err != nil || string(b) != value {
			t.Errorf("LoadSecret(%+v) = %q, %v", s, b, err)
		}
	}
	t.Setenv("CUSTOS_TEST_WEBHOOK_SECRET", value)
	if b, err := LoadSecret(&manifest.Secret{Env: "CUSTOS_TEST_WEBHOOK_SECRET"}, nil); err != nil || string(b) != value {
		t.Errorf("LoadSecret with os.Getenv = %q, %v", b, err)
	}
	for name, tt := range map[string]struct {
		s    *manifest.Secret
		want string
	}{
		"nil":       {nil, "no secret"},
		"empty":     {&manifest.Secret{}, "no secret"},
		"unset":     {&manifest.Secret{Env: "UNSET"}, "UNSET is not set"},
		"short env": {&manifest.Secret{Env: "SHORT"}, "variable SHORT is shorter than 16 bytes"},
		"no file":   {&manifest.Secret{File: filepath.Join(dir, "none")}, "does not exist"},
		"short":     {&manifest.Secret{File: short}, "is shorter than 16 bytes"},
	} {
		_, err := LoadSecret(tt.s, getenv)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want %q", name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "abc") {
			t.Errorf("%s: the error shows the secret: %v", name, err)
		}
	}
}
