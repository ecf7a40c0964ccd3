package manifest

import (
	"os"
	"strings"
	"testing"
)

// TestDocsExample keeps the first example of docs/manifest.md valid, and the
// fingerprint the page shows for it true.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/manifest.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "## A first manifest")
	_, rest, ok2 := strings.Cut(rest, "```yaml\n")
	example, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("docs/manifest.md has no example under \"A first manifest\"")
	}
	m, err := Parse("docs/manifest.md", []byte(example))
	if err != nil {
		t.Fatalf("the example in docs/manifest.md is invalid:\n%v", err)
	}
	want := "site www: ok, fingerprint " + m.Sites[0].Fingerprint()
	if !strings.Contains(string(doc), want) {
		t.Errorf("docs/manifest.md does not show %q", want)
	}
}
