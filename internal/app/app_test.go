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
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var logs bytes.Buffer
	a := &app.App{Stdout: io.Discard, Stderr: &syncWriter{w: &logs}, Getenv: func(string) string { return "" },
		Ready: func(addr string) { ready <- addr }}
	go func() { done <- a.Main(ctx, []string{"serve", "--demo", "--data", data, "--addr", "127.0.0.1:0"}) }()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited with %d before it was ready", code)
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not become ready")
	}
	base := "http://" + addr
	site := manifest.Demo().Site("demo")
	choices := map[string]bool{}
	for _, c := range site.Categories {
		choices[c.ID] = true
	}
	body, _ := json.Marshal(map[string]any{"site": "demo", "subject": "end-to-end-subject-01", "choices": choices,
		"method": "accept_all", "manifest_fingerprint": site.Fingerprint()})
	resp, err := http.Post(base+"/api/v1/consents", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("POST: %d %s", resp.StatusCode, answer)
	}
	if r, err := http.Get(base + "/readyz"); err != nil || r.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", r, err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit code %d\n%s", code, logs.String())
	}
	for _, l := range []string{`"msg":"listening"`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), l) {
			t.Errorf("log lacks %s:\n%s", l, logs.String())
		}
	}
	if strings.Contains(logs.String(), "end-to-end-subject-01") {
		t.Errorf("personal data in the log:\n%s", logs.String())
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
