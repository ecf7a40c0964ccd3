package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/app"
	"github.com/custos-privacy/custos/internal/manifest"
)

// run runs custos in-process and returns its exit code and output.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app.App{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""), Getenv: func(k string) string { return env[k] }}
	code := a.Main(context.Background(), args)
	return code, out.String(), errb.String()
}

// TestServeEndToEnd runs the whole program on port 0: serve the demo,
// record a consent, shut down, verify the receipt and the audit trail
// with the CLI.
func TestServeEndToEnd(t *testing.T) {
	data := t.TempDir()
	srv := startServe(t, data, "--log-level", "debug")
	answer := postConsent(t, srv.addr, "end-to-end-subject-0001", true)
	if r, err := http.Get("http://" + srv.addr + "/readyz"); err != nil || r.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", r, err)
	}
	logs := srv.stop()
	for _, l := range []string{`"msg":"listening"`, `"msg":"request"`, `"route":"POST /api/v1/consents"`, `"msg":"stopped"`} {
		if !strings.Contains(logs, l) {
			t.Errorf("log lacks %s:\n%s", l, logs)
		}
	}
	// Even the debug access log holds no consent id and no address.
	if strings.Contains(logs, "end-to-end-subject-0001") || strings.Contains(logs, `"127.0.0.1:`) && strings.Contains(logs, `"remote`) {
		t.Errorf("personal data in the log:\n%s", logs)
	}

	receipt := filepath.Join(t.TempDir(), "receipt.json")
	os.WriteFile(receipt, answer, 0o600)
	code, out, errs := run(t, nil, "receipt", "verify", "--data", data, receipt)
	if code != 0 || !strings.Contains(out, "valid receipt") {
		t.Errorf("receipt verify: %d %s %s", code, out, errs)
	}
	// A receipt with one changed byte in its payload does not verify.
	var ans struct{ Receipt string }
	json.Unmarshal(answer, &ans)
	parts := strings.Split(ans.Receipt, ".")
	p := []byte(parts[1])
	p[10] ^= 1
	if p[10] == '.' || p[10] == '=' {
		p[10] = 'A'
	}
	parts[1] = string(p)
	os.WriteFile(receipt, []byte(strings.Join(parts, ".")), 0o600)
	if code, out, _ := run(t, nil, "receipt", "verify", "--data", data, receipt); code != 1 || !strings.Contains(out, "INVALID") {
		t.Errorf("tampered receipt: %d %s", code, out)
	}

	code, out, errs = run(t, nil, "audit", "verify", "--data", data)
	if code != 0 || !strings.Contains(out, "intact: 2 entries") { // manifest.loaded + consent.recorded
		t.Errorf("audit verify: %d %q %s", code, out, errs)
	}
	// Restarting with the same manifest writes no new manifest entry.
	ctx2, cancel2 := context.WithCancel(context.Background())
	a2 := &app.App{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }, Ready: func(string) { cancel2() }}
	if code := a2.Main(ctx2, []string{"serve", "--demo", "--data", data, "--addr", "127.0.0.1:0"}); code != 0 {
		t.Fatalf("second serve: %d", code)
	}
	if _, out, _ := run(t, nil, "audit", "verify", "--data", data); !strings.Contains(out, "intact: 2 entries") {
		t.Errorf("after restart: %s", out)
	}
}

// syncWriter lets the server's goroutines share one log buffer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprint(s.w)
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, manifest.DemoYAML(), 0o600)
	code, out, _ := run(t, nil, "check", good)
	if code != 0 || !strings.Contains(out, "site demo: ok, fingerprint "+manifest.Demo().Site("demo").Fingerprint()) {
		t.Errorf("good manifest: %d %s", code, out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\nsites:\n  - id: Bad Id\n    colour: blue\n"), 0o600)
	code, out, _ = run(t, nil, "check", bad)
	if code != 1 {
		t.Errorf("bad manifest: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		t.Errorf("want every problem, got: %s", out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, bad+":") || strings.Count(l, ":") < 3 {
			t.Errorf("not file:line:col: message: %q", l)
		}
	}
	if !strings.Contains(out, bad+":4:5:") {
		t.Errorf("unknown key colour not reported at 4:5:\n%s", out)
	}
	if code, _, _ := run(t, nil, "check"); code != 2 {
		t.Errorf("check without a file: exit %d", code)
	}
	if code, out, _ := run(t, nil, "check", "--schema"); code != 0 || !json.Valid([]byte(out)) {
		t.Errorf("check --schema: %d", code)
	}
}

func TestHelpAndUsage(t *testing.T) {
	code, out, _ := run(t, nil, "help", "serve")
	if code != 0 {
		t.Fatalf("help serve: %d", code)
	}
	for _, f := range []string{"--addr", "--data", "--db", "--manifest", "--demo", "CUSTOS_ADDR", "127.0.0.1:8080", "./custos-data"} {
		if !strings.Contains(out, f) {
			t.Errorf("help serve lacks %s:\n%s", f, out)
		}
	}
	for _, cmd := range []string{"migrate", "check", "receipt", "audit", "version"} {
		if code, out, _ := run(t, nil, "help", cmd); code != 0 || !strings.Contains(out, "Usage: custos "+cmd) {
			t.Errorf("help %s: %d %s", cmd, code, out)
		}
	}
	if code, _, errs := run(t, nil, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown command: %d %s", code, errs)
	}
	if code, out, _ := run(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "custos ") {
		t.Errorf("version: %d %s", code, out)
	}
	if code, _, errs := run(t, nil, "serve", "--demo", "--manifest", "x.yaml"); code != 2 || !strings.Contains(errs, "not both") {
		t.Errorf("serve with both: %d %s", code, errs)
	}
	if code, _, errs := run(t, nil, "serve"); code != 2 || !strings.Contains(errs, "--demo") {
		t.Errorf("serve without manifest: %d %s", code, errs)
	}
	if code, _, errs := run(t, map[string]string{"CUSTOS_LOG_LEVEL": "loud"}, "serve", "--demo"); code != 2 || !strings.Contains(errs, "log-level") {
		t.Errorf("bad env value: %d %s", code, errs)
	}
	if code, _, errs := run(t, nil, "migrate", "--db", "mysql://x"); code != 2 || !strings.Contains(errs, "--db") {
		t.Errorf("bad DSN: %d %s", code, errs)
	}
}

func TestMigrateFromEnvironment(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"CUSTOS_DATA": data}
	code, out, errs := run(t, env, "migrate")
	if code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("migrate: %d %s %s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(data, "custos.db")); err != nil {
		t.Errorf("CUSTOS_DATA was not used: %v", err)
	}
	if code, out, _ := run(t, env, "migrate"); code != 0 || !strings.Contains(out, "up to date") {
		t.Errorf("second migrate: %d %s", code, out)
	}
}

// served is a serve command running in-process.
type served struct {
	addr string
	logs *syncWriter
	// stop cancels serve, checks it exits cleanly and returns its log.
	stop func() string
}

// startServe runs serve in-process on a free port, with --demo unless the
// arguments name a --manifest.
func startServe(t *testing.T, data string, extra ...string) served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	logs := &syncWriter{w: new(bytes.Buffer)}
	a := &app.App{Stdout: io.Discard, Stderr: logs, Getenv: func(string) string { return "" }, Ready: func(addr string) { ready <- addr }}
	args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, extra...)
	if !slices.Contains(extra, "--manifest") {
		args = append(args, "--demo")
	}
	go func() { done <- a.Main(ctx, args) }()
	select {
	case addr := <-ready:
		return served{addr, logs, func() string {
			cancel()
			if code := <-done; code != 0 {
				t.Fatalf("serve exit %d\n%s", code, logs.String())
			}
			return logs.String()
		}}
	case code := <-done:
		cancel()
		t.Fatalf("serve exited %d before it was ready\n%s", code, logs.String())
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("serve did not become ready")
	}
	return served{}
}

// postConsent records an accept-all (or reject-all) choice of the demo site.
func postConsent(t *testing.T, addr, subject string, accept bool) []byte {
	t.Helper()
	site := manifest.Demo().Site("demo")
	choices := map[string]bool{}
	for _, c := range site.Categories {
		choices[c.ID] = c.Required || accept
	}
	method := "reject_all"
	if accept {
		method = "accept_all"
	}
	body, _ := json.Marshal(map[string]any{"site": "demo", "subject": subject, "choices": choices,
		"method": method, "manifest_fingerprint": site.Fingerprint()})
	resp, err := http.Post("http://"+addr+"/api/v1/consents", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 {
		t.Fatalf("POST: %d %s", resp.StatusCode, answer)
	}
	return answer
}
