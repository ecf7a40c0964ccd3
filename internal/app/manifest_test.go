package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/custos-privacy/custos/internal/app"
	"github.com/custos-privacy/custos/internal/manifest"
)

// serveOnce starts serve and stops it as soon as it is ready.
func serveOnce(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	a := &app.App{Stdout: io.Discard, Stderr: &logs, Getenv: func(string) string { return "" }, Ready: func(string) { cancel() }}
	if code := a.Main(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)); code != 0 {
		t.Fatalf("serve %v: exit %d\n%s", args, code, logs.String())
	}
}

// TestManifestChangesAreAudited loads a manifest, restarts with the same
// one (nothing new), then with a changed one (a manifest.changed entry).
func TestManifestChangesAreAudited(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "custos.yaml")
	if err := os.WriteFile(file, manifest.DemoYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	entries := func() string {
		t.Helper()
		code, out, errs := run(t, nil, "audit", "verify", "--data", data)
		if code != 0 {
			t.Fatalf("audit verify: %d %s %s", code, out, errs)
		}
		return out
	}
	serveOnce(t, "--manifest", file, "--data", data)
	if out := entries(); !strings.Contains(out, "intact: 1 entries") {
		t.Fatalf("after the first load: %s", out)
	}
	serveOnce(t, "--manifest", file, "--data", data)
	if out := entries(); !strings.Contains(out, "intact: 1 entries") {
		t.Fatalf("the same manifest was recorded again: %s", out)
	}
	// A new vendor cookie changes what visitors consent to.
	changed := strings.Replace(string(manifest.DemoYAML()), "name: _pk_ses.*", "name: _pk_ses2.*", 1)
	if changed == string(manifest.DemoYAML()) {
		t.Fatal("the demo manifest no longer declares _pk_ses.*; update the test")
	}
	os.WriteFile(file, []byte(changed), 0o600)
	serveOnce(t, "--manifest", file, "--data", data)
	if out := entries(); !strings.Contains(out, "intact: 2 entries") {
		t.Fatalf("the changed manifest was not recorded: %s", out)
	}
	// A change that does not touch consent (a jurisdiction's mode) keeps
	// the fingerprint but is a new version all the same.
	before := manifestFingerprint(t, changed)
	changed2 := strings.Replace(changed, "mode: opt_in", "mode: notice", 1)
	if manifestFingerprint(t, changed2) != before {
		t.Fatal("the jurisdiction mode is in the fingerprint now; pick another change for this test")
	}
	os.WriteFile(file, []byte(changed2), 0o600)
	serveOnce(t, "--manifest", file, "--data", data)
	if out := entries(); !strings.Contains(out, "intact: 3 entries") {
		t.Fatalf("a change outside the fingerprint was not recorded: %s", out)
	}

	// A broken manifest stops serve before it listens, with the problems.
	os.WriteFile(file, []byte("version: 1\nsites: []\n"), 0o600)
	code, _, errs := run(t, nil, "serve", "--manifest", file, "--data", data, "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errs, file+":") {
		t.Errorf("serve with a bad manifest: exit %d, %s", code, errs)
	}
}

// TestReloadOnSIGHUP edits the manifest of a running server and sends
// SIGHUP: a valid edit is put in force and audited, a broken one is not.
func TestReloadOnSIGHUP(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "custos.yaml")
	os.WriteFile(file, manifest.DemoYAML(), 0o600)
	srv := startServe(t, data, "--manifest", file)
	addr := srv.addr
	fingerprint := func() string {
		resp, err := http.Get("http://" + addr + "/api/v1/sites/demo/banner")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b struct{ Fingerprint string }
		json.NewDecoder(resp.Body).Decode(&b)
		return b.Fingerprint
	}
	// waitFor polls until cond holds, sending SIGHUP again each time, as the
	// signal may arrive before or after the file is read.
	waitFor := func(cond func() bool) bool {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			syscall.Kill(os.Getpid(), syscall.SIGHUP)
			if cond() {
				return true
			}
			runtime.Gosched()
			time.Sleep(20 * time.Millisecond) // pacing of the poll, not a wait for the result
		}
		return false
	}
	old := fingerprint()

	changed := strings.Replace(string(manifest.DemoYAML()), "name: _pk_ses.*", "name: _pk_ses2.*", 1)
	os.WriteFile(file, []byte(changed), 0o600)
	if !waitFor(func() bool { return fingerprint() != old }) {
		t.Fatal("the edited manifest was not put in force after SIGHUP")
	}
	edited := fingerprint()

	// A broken edit: logged, and the edited manifest stays in force.
	os.WriteFile(file, []byte("version: 1\nsites: []\n"), 0o600)
	if !waitFor(func() bool { return strings.Contains(srv.logs.String(), "manifest not reloaded") }) {
		t.Fatal("a broken manifest was not reported")
	}
	if fp := fingerprint(); fp != edited {
		t.Fatalf("a broken manifest replaced the good one: %q", fp)
	}
	srv.stop()
	if _, out, _ := run(t, nil, "audit", "verify", "--data", data); !strings.Contains(out, "intact: 2 entries") {
		t.Errorf("the reload was not audited: %s", out)
	}
}

func manifestFingerprint(t *testing.T, y string) string {
	t.Helper()
	m, err := manifest.Parse("m.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return m.Site("demo").Fingerprint()
}
