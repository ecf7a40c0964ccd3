package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/custos-privacy/custos/internal/consent"
	"github.com/custos-privacy/custos/internal/console"
	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/dsr"
	"github.com/custos-privacy/custos/internal/manifest"
	"github.com/custos-privacy/custos/internal/store"
	"github.com/custos-privacy/custos/internal/store/storetest"
	"github.com/custos-privacy/custos/internal/web"
)

const testToken = "test-token-0123456789abcdefghijklmnopqrstuvwxyz"

// env is one server under test, reached through a client that checks
// every request and response against the OpenAPI document.
type env struct {
	t      *testing.T
	db     *store.DB
	srv    *httptest.Server
	client *http.Client
	site   *manifest.Site
	signer *consent.Signer
	// requests is the data subject request service, with the requests
	// option; its clock is reqClock.
	requests *dsr.Service
	reqClock *testClock
}

type options struct {
	geoHeader      string
	clientIPHeader string
	manifest       *manifest.Manifest
	current        func() *manifest.Manifest // overrides manifest: for tests that swap it
	pages          http.Handler
	pagePatterns   []string
	publicURL      string
	tokenAuth      func(ctx context.Context, token string) (*custos.APIToken, error)
	console        func(db *store.DB, signer *consent.Signer, current func() *manifest.Manifest) interface{ Register(*http.ServeMux) }
	requests       bool // serve data subject requests (e-mails go to the store's outbox); a *console.Console works them too
}

// withRequests serves data subject requests, on the test's store.
func withRequests(o *options) { o.requests = true }

// testKey keys the request service's hashes in tests.
var testKey = []byte("custos-test-request-key-32-bytes")

// testClock is a clock tests move; the server reads it concurrently.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *testClock) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newEnv(t *testing.T, db *store.DB, opts ...func(*options)) *env {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	if db == nil {
		db = storetest.Open(t)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer := consent.NewSigner(priv)
	m := manifest.Demo()
	if o.manifest != nil {
		m = o.manifest
	}
	current := func() *manifest.Manifest { return m }
	if o.current != nil {
		current = o.current
		m = current()
	}
	svc := &consent.Service{Store: db, Signer: signer, Manifest: current, Issuer: "http://custos.test"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var cons interface{ Register(*http.ServeMux) }
	if o.console != nil {
		cons = o.console(db, signer, current)
	}
	var reqs *dsr.Service
	var clk *testClock
	if o.requests {
		clk = &testClock{now: time.Now()}
		reqs = &dsr.Service{Store: db, Consents: db, Audit: db, Recorder: svc, Manifest: current,
			Key: testKey, Log: log, Now: clk.Now}
	}
	if c, ok := cons.(*console.Console); ok && reqs != nil && c.Requests == nil {
		c.Requests = reqs // the console works the requests this server takes
	}
	s := web.New(web.Config{
		Console:   cons,
		Requests:  reqs,
		APITokens: []string{testToken}, GeoHeader: o.geoHeader, ClientIPHeader: o.clientIPHeader,
		Pages: o.pages, PagePatterns: o.pagePatterns, PublicURL: o.publicURL, TokenAuth: o.tokenAuth,
	}, log, db, svc, signer, current, nil)
	s.SetReady(true)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	if reqs != nil {
		reqs.PublicURL = ts.URL // before any request: the links in e-mails lead here
	}
	return &env{
		t: t, db: db, srv: ts, site: m.Site("demo"), signer: signer, requests: reqs, reqClock: clk,
		client: &http.Client{Transport: &openAPICheck{t: t, next: http.DefaultTransport, router: openAPIRouter(t)}},
	}
}

func init() {
	// The bare receipt is served as application/jose, a string.
	openapi3filter.RegisterBodyDecoder("application/jose", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/javascript", openapi3filter.PlainBodyDecoder)
}

func openAPIRouter(t *testing.T) routers.Router {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(web.OpenAPI())
	if err != nil {
		t.Fatalf("loading openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not valid: %v", err)
	}
	doc.Servers = nil // match any host, such as httptest's
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// openAPICheck fails the test when a response of a documented operation
// does not match the document. Requests are not checked: the tests send
// invalid requests on purpose, to see the server refuse them.
type openAPICheck struct {
	t      *testing.T
	next   http.RoundTripper
	router routers.Router
}

func (c *openAPICheck) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return resp, nil // undocumented path (e.g. an unknown one, on purpose)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: resp.StatusCode,
		Header: resp.Header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
		},
	}
	if resp.StatusCode == http.StatusNotModified {
		return resp, nil
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		c.t.Errorf("%s %s: response %d does not match openapi.json: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, truncate(body))
	}
	return resp, nil
}

func truncate(b []byte) string {
	if len(b) > 500 {
		return string(b[:500]) + "…"
	}
	return string(b)
}

// do sends a request and returns the status, headers and body.
func (e *env) do(method, path string, body any, hdr ...string) (int, http.Header, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// validInput returns a valid consent body for the demo site.
func (e *env) validInput(subject string) map[string]any {
	choices := map[string]any{}
	for _, c := range e.site.Categories {
		choices[c.ID] = c.Required
	}
	return map[string]any{
		"site": "demo", "subject": subject, "choices": choices,
		"method": "reject_all", "manifest_fingerprint": e.site.Fingerprint(), "locale": "en",
	}
}

// ledger is what the bad-input tests compare before and after.
type ledger struct {
	consents int64
	headSeq  int64
	headHash string
}

func (e *env) ledger() ledger {
	e.t.Helper()
	ctx := context.Background()
	n, err := e.db.CountConsents(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	seq, hash, err := e.db.AuditHead(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return ledger{n, seq, hash}
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", truncate(b), err)
	}
	return v
}
