package webhook

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

const email = "ada.lovelace@example.com"

var secret = []byte("a-shared-secret-of-32-characters")

// delivery is a valid delivery of type typ.
func delivery(typ custos.RequestType) Delivery {
	return Delivery{
		ID: "dl_rq_7ZQ4/crm/" + string(typ), RequestID: "rq_7ZQ4", Type: typ, Site: "shop",
		Identities:  map[string]string{"email": email, "consent_id": "c_9f2e"},
		CallbackURL: "https://privacy.shop.example/hooks/crm",
	}
}

// sent is one request a processor received, as it came.
type sent struct {
	header http.Header
	body   []byte
	d      *Delivery // nil if refused
	err    error     // why it was refused
}

// processor plays a processor: it checks each delivery as a processor
// should (ParseDelivery, with its own replay guard on the same fake clock)
// and answers as answer says; a refused delivery gets HTTPStatus.
type processor struct {
	*httptest.Server
	clock  *clock
	answer func(n int, d *Delivery, w http.ResponseWriter)

	mu   sync.Mutex
	got  []*sent
	seen int // deliveries accepted
}

func newProcessor(t *testing.T, c *clock, answer func(n int, d *Delivery, w http.ResponseWriter)) *processor {
	t.Helper()
	p := &processor{clock: c, answer: answer}
	guard := &MemoryGuard{Now: c.Now}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		d, err := ParseDelivery(r, secret, guard, c.Now())
		p.mu.Lock()
		p.got = append(p.got, &sent{header: r.Header.Clone(), body: body, d: d, err: err})
		n := p.seen
		if err == nil {
			p.seen++
		}
		p.mu.Unlock()
		if err != nil {
			w.WriteHeader(HTTPStatus(err))
			return
		}
		p.answer(n, d, w)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *processor) received() []*sent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*sent(nil), p.got...)
}

// replay sends the n-th request received again, as it was.
func (p *processor) replay(t *testing.T, n int) *http.Response {
	t.Helper()
	s := p.received()[n]
	req, _ := http.NewRequest(http.MethodPost, p.URL, bytes.NewReader(s.body))
	req.Header = s.header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func client(c *clock) *Client { return &Client{HTTP: NewClient(5 * time.Second).HTTP, Now: c.Now} }

// errorOf asserts err is an *Error of kind, retryable or not, with the
// HTTP status given (0: none), and that its text holds no personal data
// nor anything of the processor's answer.
func errorOf(t *testing.T, err error, kind error, retryable bool, status int) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if !errors.Is(err, kind) {
		t.Errorf("error %q is not %q", err, kind)
	}
	if Retryable(err) != retryable {
		t.Errorf("Retryable(%q) = %v, want %v", err, !retryable, retryable)
	}
	if e.Status != status {
		t.Errorf("status of %q = %d, want %d", err, e.Status, status)
	}
	clean(t, err.Error())
	return e
}

// clean asserts s holds no personal data nor anything of the answers.
func clean(t *testing.T, s string) {
	t.Helper()
	for _, bad := range []string{email, "ada", "Ada", "lovelace", "ECHO", "c_9f2e", "127.0.0.1", "token", string(secret)} {
		if strings.Contains(s, bad) {
			t.Errorf("error %q holds %q", s, bad)
		}
	}
}

func TestDeliverDone(t *testing.T) {
	c := newClock()
	p := newProcessor(t, c, func(_ int, d *Delivery, w http.ResponseWriter) {
		reply(w, 200, `{"status":"done","data":{"contacts":[{"id":"c_481","email":"`+d.Identities["email"]+`"}],"notes":[]},"counts":{"contacts_found":1}}`)
	})
	cl := client(c)
	cl.UserAgent = "Custos/test"
	d := delivery(custos.RequestAccess)
	d.Details = &Details{Correction: "ignored"}
	out, err := cl.Deliver(context.Background(), p.URL+"/custos/v1", secret, d)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Done() || out.Accepted || out.Status != 200 || !out.SentAt.Equal(base) {
		t.Fatalf("outcome %+v", out)
	}
	if len(out.Result.Data["contacts"]) != 1 || string(out.Result.Data["contacts"][0]) != `{"id":"c_481","email":"`+email+`"}` {
		t.Errorf("data %s", out.Result.Data)
	}
	if out.Result.Counts["contacts_found"] != 1 {
		t.Errorf("counts %v", out.Result.Counts)
	}

	got := p.received()
	if len(got) != 1 || got[0].err != nil {
		t.Fatalf("the processor received %d, refused with %v", len(got), got[0].err)
	}
	h := got[0].header
	for k, v := range map[string]string{
		"Content-Type": "application/json", "User-Agent": "Custos/test", DeliveryHeader: d.ID,
		SignatureHeader: Sign(secret, base, got[0].body),
	} {
		if h.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, h.Get(k), v)
		}
	}
	// The body is the documented wire format, in this order.
	want := `{"id":"dl_rq_7ZQ4/crm/access","request_id":"rq_7ZQ4","type":"access","site":"shop",` +
		`"identities":{"consent_id":"c_9f2e","email":"ada.lovelace@example.com"},"details":{"correction":"ignored"},` +
		`"callback_url":"https://privacy.shop.example/hooks/crm","sent_at":"2026-01-01T12:00:00Z"}`
	if string(got[0].body) != want {
		t.Errorf("body\n%s\nwant\n%s", got[0].body, want)
	}
}

func TestDeliverDefaultUserAgent(t *testing.T) {
	c := newClock()
	p := newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) { reply(w, 202, "") })
	if _, err := client(c).Deliver(context.Background(), p.URL, secret, delivery(custos.RequestErasure)); err != nil {
		t.Fatal(err)
	}
	if ua := p.received()[0].header.Get("User-Agent"); ua != DefaultUserAgent {
		t.Errorf("User-Agent %q", ua)
	}
}

// TestDeliverErasureDropsData: data in the answer to an erasure is not kept.
func TestDeliverErasureDropsData(t *testing.T) {
	c := newClock()
	p := newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) {
		reply(w, 200, `{"status":"done","data":{"contacts":[{"email":"`+email+`"}]},"counts":{"records_erased":3}}`)
	})
	out, err := client(c).Deliver(context.Background(), p.URL, secret, delivery(custos.RequestErasure))
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.Data != nil || out.Result.Counts["records_erased"] != 3 {
		t.Errorf("result %+v", out.Result)
	}
}

// TestDeliverLateCallback: the processor answers 202, and an hour later
// posts its result to the callback URL, which Custos checks.
func TestDeliverLateCallback(t *testing.T) {
	c := newClock()
	p := newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) { reply(w, 202, `{"status":"accepted"}`) })

	// Custos's side of the callback: ParseCallback, then HTTPStatus.
	guard := &MemoryGuard{Now: c.Now}
	var mu sync.Mutex
	var results []*Callback
	custosSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb, err := ParseCallback(r, secret, guard, c.Now())
		if err != nil {
			clean(t, err.Error())
			w.WriteHeader(HTTPStatus(err))
			return
		}
		mu.Lock()
		results = append(results, cb)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer custosSrv.Close()

	d := delivery(custos.RequestAccess)
	d.CallbackURL = custosSrv.URL + "/hooks/crm"
	out, err := client(c).Deliver(context.Background(), p.URL, secret, d)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Accepted || out.Status != 202 || out.Result != nil || out.Done() {
		t.Fatalf("outcome %+v", out)
	}

	// An hour later, the processor calls back.
	c.Add(time.Hour)
	delivered := p.received()[0].d
	body := `{"id":"cb_5531","delivery_id":"` + delivered.ID + `","status":"done","data":{"contacts":[{"email":"` + email + `"}]}}`
	post := func(body, sig string) int {
		req, _ := http.NewRequest(http.MethodPost, delivered.CallbackURL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(SignatureHeader, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	sig := Sign(secret, c.Now(), []byte(body))
	if s := post(body, sig); s != http.StatusNoContent {
		t.Fatalf("callback answered %d", s)
	}
	mu.Lock()
	if len(results) != 1 || results[0].DeliveryID != d.ID || results[0].ID != "cb_5531" || results[0].Status != ResultDone ||
		len(results[0].Data["contacts"]) != 1 || !results[0].SignedAt.Equal(c.Now()) {
		t.Fatalf("callbacks %+v", results)
	}
	mu.Unlock()

	// The same callback again is a replay; sent again with a new signature
	// (the processor did not get the answer), it passes the guard, and the
	// caller records it idempotently.
	if s := post(body, sig); s != http.StatusConflict {
		t.Errorf("a replayed callback answered %d, want 409", s)
	}
	c.Add(30 * time.Second)
	if s := post(body, Sign(secret, c.Now(), []byte(body))); s != http.StatusNoContent {
		t.Errorf("a callback sent again answered %d, want 204", s)
	}
	// A callback signed with another secret, or tampered with, is refused.
	if s := post(body, Sign([]byte("not-the-secret-not-the-secret"), c.Now(), []byte(body))); s != http.StatusUnauthorized {
		t.Errorf("a callback with a bad signature answered %d, want 401", s)
	}
	if s := post(strings.Replace(body, `"done"`, `"failed"`, 1), Sign(secret, c.Now(), []byte(body))); s != http.StatusUnauthorized {
		t.Errorf("a tampered callback answered %d, want 401", s)
	}
}

// TestDeliverRetryAfter500: the processor fails once, then succeeds on
// the next attempt of the same delivery: same id, new timestamp.
func TestDeliverRetryAfter500(t *testing.T) {
	c := newClock()
	p := newProcessor(t, c, func(n int, _ *Delivery, w http.ResponseWriter) {
		if n == 0 {
			reply(w, 500, `{"error":"database down while looking up ECHO `+email+`"}`)
			return
		}
		reply(w, 200, `{"status":"done","counts":{"records_erased":2}}`)
	})
	cl := client(c)
	d := delivery(custos.RequestErasure)
	_, err := cl.Deliver(context.Background(), p.URL, secret, d)
	e := errorOf(t, err, ErrUnavailable, true, 500)
	if e.After != 0 || RetryAfter(err) != 0 {
		t.Errorf("RetryAfter = %v without Retry-After", RetryAfter(err))
	}
	c.Add(30 * time.Second)
	out, err := cl.Deliver(context.Background(), p.URL, secret, d)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Done() || out.Result.Counts["records_erased"] != 2 {
		t.Fatalf("outcome %+v", out)
	}
	got := p.received()
	if len(got) != 2 || got[0].d.ID != got[1].d.ID || got[0].d.SentAt.Equal(got[1].d.SentAt) {
		t.Errorf("the attempts are not the same delivery at two times: %+v %+v", got[0].d, got[1].d)
	}
}

func TestDeliverStatuses(t *testing.T) {
	c := newClock()
	tests := []struct {
		status     int
		retryAfter string
		kind       error
		retryable  bool
		after      time.Duration
	}{
		{429, "120", ErrUnavailable, true, 2 * time.Minute},
		{429, base.Add(90 * time.Second).Format(http.TimeFormat), ErrUnavailable, true, 90 * time.Second},
		{429, base.Add(-time.Hour).Format(http.TimeFormat), ErrUnavailable, true, 0},
		{429, "soon", ErrUnavailable, true, 0},
		{429, "99999999999999999999", ErrUnavailable, true, MaxRetryAfter},
		{429, "", ErrUnavailable, true, 0},
		{503, "30", ErrUnavailable, true, 30 * time.Second},
		{408, "", ErrUnavailable, true, 0},
		{425, "", ErrUnavailable, true, 0},
		{500, "", ErrUnavailable, true, 0},
		{502, "", ErrUnavailable, true, 0},
		{504, "", ErrUnavailable, true, 0},
		{599, "", ErrUnavailable, true, 0},
		{501, "", ErrRefused, false, 0},
		{400, "", ErrRefused, false, 0},
		{401, "", ErrRefused, false, 0},
		{403, "", ErrRefused, false, 0},
		{404, "", ErrRefused, false, 0},
		{409, "", ErrRefused, false, 0},
		{410, "", ErrRefused, false, 0},
		{413, "60", ErrRefused, false, 0},
		{422, "", ErrRefused, false, 0},
		{201, "", ErrRefused, false, 0},
		{204, "", ErrRefused, false, 0},
		{301, "", ErrRefused, false, 0},
		{304, "", ErrRefused, false, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status, " ", tt.retryAfter), func(t *testing.T) {
			p := newProcessor(t, c, func(_ int, d *Delivery, w http.ResponseWriter) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				if tt.status == 204 || tt.status == 304 {
					w.WriteHeader(tt.status)
					return
				}
				reply(w, tt.status, `{"error":"ECHO `+d.Identities["email"]+`"}`)
			})
			out, err := client(c).Deliver(context.Background(), p.URL, secret, delivery(custos.RequestAccess))
			if out != nil {
				t.Errorf("outcome %+v with an error", out)
			}
			errorOf(t, err, tt.kind, tt.retryable, tt.status)
			if got := RetryAfter(err); got != tt.after {
				t.Errorf("RetryAfter = %v, want %v", got, tt.after)
			}
		})
	}
}

// TestProcessorRefusesTamperedBody: a delivery altered on its way is
// refused by a processor that checks the signature; Custos takes the 401
// as permanent.
func TestProcessorRefusesTamperedBody(t *testing.T) {
	c := newClock()
	p := newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) {
		t.Error("a tampered delivery was accepted")
		reply(w, 200, `{"status":"done"}`)
	})
	cl := client(c)
	cl.HTTP.Transport = tamper{http.DefaultTransport}
	_, err := cl.Deliver(context.Background(), p.URL, secret, delivery(custos.RequestAccess))
	e := errorOf(t, err, ErrRefused, false, 401)
	if !strings.Contains(e.Error(), "secret") {
		t.Errorf("the error does not point at the secret: %s", e)
	}
	got := p.received()
	if len(got) != 1 || !errors.Is(got[0].err, ErrSignature) || !strings.Contains(string(got[0].body), `"type":"erasure"`) {
		t.Errorf("the processor got %+v", got)
	}
}

// tamper turns an access delivery into an erasure on its way.
type tamper struct{ base http.RoundTripper }

func (tp tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	b = bytes.Replace(b, []byte(`"type":"access"`), []byte(`"type":"erasure"`), 1)
	r2 := r.Clone(r.Context())
	r2.Body, r2.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	return tp.base.RoundTrip(r2)
}

// TestProcessorRefusesReplay: a delivery sent again as it was (same id and
// timestamp) is refused by the processor's guard, and once its timestamp
// is out of tolerance by Verify; Custos's own next attempt (same id, new
// timestamp) is accepted.
func TestProcessorRefusesReplay(t *testing.T) {
	c := newClock()
	p := newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) { reply(w, 202, "") })
	cl := client(c)
	d := delivery(custos.RequestErasure)
	if _, err := cl.Deliver(context.Background(), p.URL, secret, d); err != nil {
		t.Fatal(err)
	}
	c.Add(10 * time.Second)
	if resp := p.replay(t, 0); resp.StatusCode != http.StatusConflict {
		t.Errorf("a replay within the tolerance answered %d, want 409", resp.StatusCode)
	}
	if err := p.received()[1].err; !errors.Is(err, ErrReplay) {
		t.Errorf("the replay was refused with %v", err)
	}
	c.Add(5 * time.Minute)
	if resp := p.replay(t, 0); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a replay of an old delivery answered %d, want 401", resp.StatusCode)
	}
	if err := p.received()[2].err; !errors.Is(err, ErrExpired) {
		t.Errorf("the old replay was refused with %v", err)
	}
	// Custos tries again: same id, new timestamp.
	if _, err := cl.Deliver(context.Background(), p.URL, secret, d); err != nil {
		t.Fatalf("the next attempt: %v", err)
	}
	if got := p.received(); len(got) != 4 || got[3].err != nil || got[3].d.ID != d.ID {
		t.Errorf("the next attempt was refused: %v", got[3].err)
	}
}

func TestDeliverRedirectNotFollowed(t *testing.T) {
	c := newClock()
	var hits sync.Map
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.Path, true)
		reply(w, 200, `{"status":"done"}`)
	}))
	defer elsewhere.Close()
	for _, status := range []int{301, 302, 303, 307, 308} {
		p := newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) {
			w.Header().Set("Location", elsewhere.URL+"/stolen?token=abc")
			w.WriteHeader(status)
		})
		// With the default client, and with a client that follows redirects.
		for _, cl := range []*Client{{Now: c.Now}, {HTTP: &http.Client{}, Now: c.Now}} {
			c.Add(time.Second) // a new attempt, not a replay
			_, err := cl.Deliver(context.Background(), p.URL, secret, delivery(custos.RequestAccess))
			errorOf(t, err, ErrRefused, false, status)
		}
	}
	hits.Range(func(k, _ any) bool { t.Errorf("the redirect was followed to %v", k); return true })
}

// TestDeliverErrorsHoldNoPersonalData: whatever the processor answers,
// the error names no identity and quotes nothing of the answer.
func TestDeliverErrorsHoldNoPersonalData(t *testing.T) {
	c := newClock()
	answers := map[string]struct {
		status int
		body   string
		kind   error
	}{
		"400 echo":          {400, `{"error":"no contact ECHO ` + email + `"}`, ErrRefused},
		"500 echo":          {500, `ECHO ` + email, ErrUnavailable},
		"200 not JSON":      {200, `ECHO ` + email, ErrMalformed},
		"200 bad status":    {200, `{"status":"ECHO ` + email + `"}`, ErrMalformed},
		"200 no status":     {200, `{"data":{"contacts":[{"email":"` + email + `"}]}}`, ErrMalformed},
		"200 empty":         {200, ``, ErrMalformed},
		"200 null":          {200, `null`, ErrMalformed},
		"200 trailing":      {200, `{"status":"done"} ECHO`, ErrMalformed},
		"200 record":        {200, `{"status":"done","data":{"contacts":["` + email + `"]}}`, ErrMalformed},
		"200 data type":     {200, `{"status":"done","data":{"contacts":{"email":"` + email + `"}}}`, ErrMalformed},
		"200 name":          {200, `{"status":"done","data":{"":[{"email":"` + email + `"}]}}`, ErrMalformed},
		"200 count name":    {200, `{"status":"done","counts":{"ECHO\n` + email + `":1}}`, ErrMalformed},
		"200 negative":      {200, `{"status":"done","counts":{"ECHO":-1}}`, ErrMalformed},
		"200 fraction":      {200, `{"status":"done","counts":{"ECHO":1.5}}`, ErrMalformed},
		"200 count string":  {200, `{"status":"done","counts":{"ECHO":"` + email + `"}}`, ErrMalformed},
		"200 failed + echo": {200, `{"status":"failed","error":"unknown contact ECHO ` + email + `"}`, ErrFailed},
	}
	for name, a := range answers {
		t.Run(name, func(t *testing.T) {
			p := newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) { reply(w, a.status, a.body) })
			out, err := client(c).Deliver(context.Background(), p.URL+"/hook?token=abc", secret, delivery(custos.RequestAccess))
			errorOf(t, err, a.kind, a.kind == ErrUnavailable, a.status)
			if a.kind == ErrFailed {
				// The processor's message is kept in the result, for staff.
				if out == nil || !out.Result.Failed() || !strings.Contains(out.Result.Error, email) || out.Done() {
					t.Errorf("outcome %+v", out)
				}
			} else if out != nil {
				t.Errorf("outcome %+v with an error", out)
			}
		})
	}
}

func TestDeliverFailedMessageCut(t *testing.T) {
	c := newClock()
	p := newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) {
		reply(w, 200, `{"status":"failed","error":"`+strings.Repeat("é", MaxErrorLen)+`"}`)
	})
	out, err := client(c).Deliver(context.Background(), p.URL, secret, delivery(custos.RequestAccess))
	errorOf(t, err, ErrFailed, false, 200)
	if n := len(out.Result.Error); n > MaxErrorLen || n < MaxErrorLen-1 || !strings.HasPrefix(out.Result.Error, "éé") {
		t.Errorf("error message of %d bytes", n)
	}
}

func TestDeliverTooLarge(t *testing.T) {
	c := newClock()
	p := newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) {
		w.WriteHeader(200)
		io.WriteString(w, `{"status":"done","data":{"t":[{"x":"`)
		io.WriteString(w, strings.Repeat("x", MaxResultSize))
		io.WriteString(w, `"}]}}`)
	})
	_, err := client(c).Deliver(context.Background(), p.URL, secret, delivery(custos.RequestAccess))
	errorOf(t, err, ErrTooLarge, false, 200)

	// Just under the limit is fine.
	p = newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) {
		head, tail := `{"status":"done","data":{"t":[{"x":"`, `"}]}}`
		w.WriteHeader(200)
		io.WriteString(w, head+strings.Repeat("x", MaxResultSize-len(head)-len(tail))+tail)
	})
	if _, err := client(c).Deliver(context.Background(), p.URL, secret, delivery(custos.RequestAccess)); err != nil {
		t.Errorf("an answer of MaxResultSize: %v", err)
	}
}

func TestDeliverAcceptedWithoutCallback(t *testing.T) {
	c := newClock()
	p := newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) { reply(w, 202, "") })
	d := delivery(custos.RequestAccess)
	d.CallbackURL = ""
	_, err := client(c).Deliver(context.Background(), p.URL, secret, d)
	errorOf(t, err, ErrMalformed, false, 202)
}

// TestDeliverInvalid: nothing is sent for an invalid delivery, endpoint
// or secret.
func TestDeliverInvalid(t *testing.T) {
	c := newClock()
	p := newProcessor(t, c, func(_ int, _ *Delivery, w http.ResponseWriter) { reply(w, 202, "") })
	tests := map[string]func(*Delivery, *string, *[]byte){
		"no secret":       func(_ *Delivery, _ *string, s *[]byte) { *s = nil },
		"endpoint scheme": func(_ *Delivery, u *string, _ *[]byte) { *u = "ftp://example.com/" },
		"endpoint":        func(_ *Delivery, u *string, _ *[]byte) { *u = "not a url" },
		"endpoint user":   func(_ *Delivery, u *string, _ *[]byte) { *u = "https://u:p@example.com/" },
		"id":              func(d *Delivery, _ *string, _ *[]byte) { d.ID = "dl 1" },
		"long id":         func(d *Delivery, _ *string, _ *[]byte) { d.ID = strings.Repeat("a", 201) },
		"no request":      func(d *Delivery, _ *string, _ *[]byte) { d.RequestID = "" },
		"information":     func(d *Delivery, _ *string, _ *[]byte) { d.Type = custos.RequestInformation },
		"no site":         func(d *Delivery, _ *string, _ *[]byte) { d.Site = "" },
		"no identities":   func(d *Delivery, _ *string, _ *[]byte) { d.Identities = nil },
		"unknown kind":    func(d *Delivery, _ *string, _ *[]byte) { d.Identities = map[string]string{"iban": "ECHO"} },
		"empty identity":  func(d *Delivery, _ *string, _ *[]byte) { d.Identities = map[string]string{"email": ""} },
		"callback":        func(d *Delivery, _ *string, _ *[]byte) { d.CallbackURL = "javascript:alert(1)" },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			d, u, s := delivery(custos.RequestRectification), p.URL, secret
			f(&d, &u, &s)
			_, err := client(c).Deliver(context.Background(), u, s, d)
			errorOf(t, err, ErrInvalid, false, 0)
		})
	}
	if n := len(p.received()); n != 0 {
		t.Errorf("%d invalid deliveries were sent", n)
	}
}

func TestDeliverTimeout(t *testing.T) {
	c := newClock()
	var handler atomic.Pointer[http.HandlerFunc]
	set := func(h http.HandlerFunc) { handler.Store(&h) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load())(w, r) }))
	defer srv.Close()
	release := make(chan struct{})
	defer close(release) // before srv.Close
	// hold reads the request, then answers nothing until the client is gone.
	hold := func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	set(hold)
	cl := &Client{HTTP: NewClient(50 * time.Millisecond).HTTP, Now: c.Now}
	_, err := cl.Deliver(context.Background(), srv.URL, secret, delivery(custos.RequestAccess))
	if e := errorOf(t, err, ErrUnavailable, true, 0); e.Reason != "timed out" {
		t.Errorf("reason %q", e.Reason)
	}

	// The headers come, the body does not.
	set(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(200)
		io.WriteString(w, `{"status":`)
		w.(http.Flusher).Flush()
		hold(w, r)
	})
	_, err = cl.Deliver(context.Background(), srv.URL, secret, delivery(custos.RequestAccess))
	if e := errorOf(t, err, ErrUnavailable, true, 200); e.Reason != "timed out while reading the answer" {
		t.Errorf("reason %q", e.Reason)
	}

	// The caller's deadline, and its cancellation.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	set(hold)
	_, err = client(c).Deliver(ctx, srv.URL, secret, delivery(custos.RequestAccess))
	if e := errorOf(t, err, ErrUnavailable, true, 0); e.Reason != "timed out" {
		t.Errorf("reason %q", e.Reason)
	}
	arrived := make(chan struct{})
	set(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		hold(w, r)
	})
	ctx, cancel = context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err = client(c).Deliver(ctx, srv.URL, secret, delivery(custos.RequestAccess))
	if e := errorOf(t, err, ErrUnavailable, true, 0); e.Reason != "cancelled" {
		t.Errorf("reason %q", e.Reason)
	}
}

func TestDeliverNetworkErrors(t *testing.T) {
	c := newClock()
	// Connection refused: a port nobody listens on any more.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = client(c).Deliver(context.Background(), "http://"+addr+"/hook?token=abc", secret, delivery(custos.RequestAccess))
	if e := errorOf(t, err, ErrUnavailable, true, 0); e.Reason != "connection refused" {
		t.Errorf("reason %q", e.Reason)
	}

	// A server that answers garbage quoting the person, or hangs up.
	for name, answer := range map[string]string{
		"status line": "HTTP/1.1 " + email + " ECHO\r\n\r\n",
		"header":      "HTTP/1.1 200 OK\r\nECHO " + email + "\r\n\r\n",
		"hang up":     "",
		"not HTTP":    "ECHO " + email + "\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			addr := rawServer(t, answer)
			_, err := client(c).Deliver(context.Background(), "http://"+addr+"/", secret, delivery(custos.RequestAccess))
			e := errorOf(t, err, ErrUnavailable, true, 0)
			if c := e.Unwrap(); c != nil {
				clean(t, c.Error())
			}
		})
	}
}

// rawServer answers one request with answer, as bytes, and hangs up.
func rawServer(t *testing.T, answer string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
				io.WriteString(conn, answer)
			}
			conn.Close()
		}
	}()
	return l.Addr().String()
}

func TestResultJSON(t *testing.T) {
	// The callback's result is flattened into its object.
	var cb Callback
	if err := json.Unmarshal([]byte(`{"id":"cb_1","delivery_id":"dl_1","status":"done","counts":{"n":1},"extra":true}`), &cb); err != nil {
		t.Fatal(err)
	}
	if cb.Status != ResultDone || cb.Counts["n"] != 1 || cb.DeliveryID != "dl_1" {
		t.Errorf("%+v", cb)
	}
	r := &Result{Status: ResultDone, Data: map[string][]json.RawMessage{"t": {json.RawMessage(`{}`)}}}
	for typ, keep := range map[custos.RequestType]bool{
		custos.RequestAccess: true, custos.RequestPortability: true, custos.RequestErasure: false, custos.RequestRectification: false,
	} {
		if got := r.ForType(typ).Data != nil; got != keep {
			t.Errorf("ForType(%s) keeps data: %v", typ, got)
		}
	}
	if r.Data == nil {
		t.Error("ForType changed the result")
	}
}
