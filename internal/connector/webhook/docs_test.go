package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The examples of docs/webhooks.md are run against Sign and ParseDelivery,
// where the tools they need are installed.

func docBlocks(t *testing.T, lang string) []string {
	t.Helper()
	doc, err := os.ReadFile("../../../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```"+lang+"\n(.*?)```").FindAllStringSubmatch(string(doc), -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) == 0 {
		t.Fatalf("docs/webhooks.md has no %s example", lang)
	}
	return blocks
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
}

func TestDocsPython(t *testing.T) {
	need(t, "python3")
	code := docBlocks(t, "python")[0] + `
import sys
body = open(sys.argv[2], "rb").read()
for header in sys.argv[3:]:
    print(verify(sys.argv[1].encode(), header, body))
`
	dir := t.TempDir()
	body := []byte(`{"id":"dl_1","identities":{"email":"` + email + `"}}`)
	file := filepath.Join(dir, "body.json")
	os.WriteFile(file, body, 0o600)
	now := time.Now()
	cases := []struct{ header, want string }{
		{Sign(secret, now, body), "True"},
		{Sign(secret, now, body) + ",v1=" + strings.Repeat("0", 64), "True"},
		{strings.Replace(Sign(secret, now, body), ",", " , ", 1), "True"},
		{Sign([]byte("another-secret-another"), now, body), "False"},
		{Sign(secret, now.Add(-10*time.Minute), body), "False"},
		{"garbage", "False"},
	}
	args := []string{"-c", code, string(secret), file}
	for _, c := range cases {
		args = append(args, c.header)
	}
	out, err := exec.Command("python3", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Fields(string(out))
	for i, c := range cases {
		if i >= len(lines) || lines[i] != c.want {
			t.Errorf("verify(%q) printed %q, want %s", c.header, lines, c.want)
		}
	}
}

func TestDocsShell(t *testing.T) {
	need(t, "bash", "openssl")
	blocks := docBlocks(t, "sh")
	dir := t.TempDir()
	body := []byte(`{"id":"dl_1","identities":{"email":"` + email + `"}}`)
	os.WriteFile(filepath.Join(dir, "body.json"), body, 0o600)
	now := time.Now()
	for header, want := range map[string]string{
		Sign(secret, now, body):                           "valid",
		Sign(secret, now.Add(time.Hour), body):            "too old or in the future",
		Sign([]byte("another-secret-another"), now, body): "bad signature",
	} {
		cmd := exec.Command("bash", "-c", blocks[0])
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "SIG="+header, "SECRET="+string(secret))
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("with %q the check printed %q (%v), want %q", header, out, err, want)
		}
	}
}

// TestDocsCurl sends the page's signed test delivery to a processor that
// checks it with ParseDelivery.
func TestDocsCurl(t *testing.T) {
	need(t, "bash", "openssl", "curl")
	var got *Delivery
	var gotErr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotErr = ParseDelivery(r, secret, NewMemoryGuard(), time.Now())
		w.WriteHeader(HTTPStatus(gotErr))
	}))
	defer srv.Close()
	script := strings.Replace(docBlocks(t, "sh")[1], "https://hooks.acme-crm.example/custos/v1", srv.URL, 1)
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = append(os.Environ(), "SECRET="+string(secret))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if gotErr != nil || got == nil || got.ID != "dl_test_1" {
		t.Errorf("the processor got %+v, %v", got, gotErr)
	}
}

// TestDocsGo builds the page's Go verification function and runs it on
// headers Sign made.
func TestDocsGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	need(t, "go")
	dir := t.TempDir()
	now := time.Now()
	body := `{"id":"dl_1"}`
	test := `package custoshook

import (
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	now := time.Unix(` + strconv.FormatInt(now.Unix(), 10) + `, 0)
	body := []byte(` + "`" + body + "`" + `)
	if _, err := Verify([]byte("` + string(secret) + `"), "` + Sign(secret, now, []byte(body)) + `", body, now); err != nil {
		t.Error(err)
	}
	if _, err := Verify([]byte("` + string(secret) + `"), "` + Sign(secret, now, []byte(body)) + `", body, now.Add(time.Hour)); err == nil {
		t.Error("an old timestamp passes")
	}
	if _, err := Verify([]byte("another"), "` + Sign(secret, now, []byte(body)) + `", body, now); err == nil {
		t.Error("another secret passes")
	}
}
`
	files := map[string]string{
		"go.mod":         "module custoshook\n\ngo 1.22\n",
		"verify.go":      docBlocks(t, "go")[0],
		"verify_test.go": test,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the Go example: %v\n%s", err, out)
	}
}
