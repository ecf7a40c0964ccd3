package app_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

	// A broken manifest stops serve before it listens, with the problems.
	os.WriteFile(file, []byte("version: 1\nsites: []\n"), 0o600)
	code, _, errs := run(t, nil, "serve", "--manifest", file, "--data", data, "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errs, file+":") {
		t.Errorf("serve with a bad manifest: exit %d, %s", code, errs)
	}
}
