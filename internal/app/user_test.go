package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/app"
)

func runWithStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app.App{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin), Getenv: func(string) string { return "" }}
	code := a.Main(context.Background(), args)
	return code, out.String(), errb.String()
}

// TestUserCommands creates the first admin as the README says, and checks
// that refused input leaves no account behind and names its field.
func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	code, out, errs := run(t, nil, "user", "add", "--data", data, "--email", "First.Admin@Example.com", "--role", "admin", "--public-url", "https://custos.example.com")
	if code != 0 || !strings.Contains(out, "https://custos.example.com/console/setup?token=") {
		t.Fatalf("user add: %d %s %s", code, out, errs)
	}
	code, out, _ = runWithStdin(t, "plum-Kettle-orbit-7-Tundra\n", "user", "add", "--data", data, "--email", "officer@example.com", "--role", "privacy_officer", "--password")
	if code != 0 || !strings.Contains(out, "with the password given") {
		t.Fatalf("user add --password: %d %s", code, out)
	}
	for _, tc := range []struct {
		stdin, role, field string
	}{
		{"short\n", "analyst", "--password"},
		{"password123456\n", "analyst", "--password"},
		{"plum-Kettle-orbit-7-Tundra\n", "boss", "--role"},
	} {
		code, _, errs := runWithStdin(t, tc.stdin, "user", "add", "--data", data, "--email", "refused@example.com", "--role", tc.role, "--password")
		if code == 0 || !strings.Contains(errs, tc.field) || strings.Contains(errs, strings.TrimSpace(tc.stdin)) {
			t.Errorf("refused %q/%s: exit %d, %q (must name %s and never echo the password)", tc.stdin, tc.role, code, errs, tc.field)
		}
	}
	code, _, errs = run(t, nil, "user", "add", "--data", data, "--email", "officer@example.com", "--role", "analyst")
	if code == 0 {
		t.Errorf("a second account with the same address was created: %s", errs)
	}
	_, out, _ = run(t, nil, "user", "list", "--data", data)
	if strings.Contains(out, "refused@example.com") || !strings.Contains(out, "first.admin@example.com") || !strings.Contains(out, "not set up") || !strings.Contains(out, "active") {
		t.Errorf("user list:\n%s", out)
	}
	code, out, _ = run(t, nil, "user", "reset", "--data", data, "--email", "officer@example.com")
	if code != 0 || !strings.Contains(out, "/console/setup?token=") {
		t.Errorf("user reset: %d %s", code, out)
	}
	code, _, _ = run(t, nil, "user", "disable", "--data", data, "--email", "officer@example.com")
	_, out, _ = run(t, nil, "user", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "disabled") {
		t.Errorf("user disable: %d\n%s", code, out)
	}
	if code, _, errs := run(t, nil, "user", "disable", "--data", data, "--email", "nobody@example.com"); code == 0 || !strings.Contains(errs, "no staff account") {
		t.Errorf("disabling an unknown address: %d %s", code, errs)
	}
}
