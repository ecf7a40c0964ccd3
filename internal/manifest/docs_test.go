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

// TestDocsSystemsExample keeps the shop of the Systems section of
// docs/manifest.md valid, for the program and for the schema.
func TestDocsSystemsExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/manifest.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "\n## Systems\n")
	_, rest, ok2 := strings.Cut(rest, "```yaml\n")
	example, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("docs/manifest.md has no example under \"Systems\"")
	}
	m, err := Parse("docs/manifest.md", []byte(example))
	if err != nil {
		t.Fatalf("the systems example in docs/manifest.md is invalid:\n%v", err)
	}
	kinds := map[string]bool{}
	for _, sys := range m.Sites[0].Systems {
		kinds[sys.Kind] = true
	}
	if !kinds[SystemPostgres] || !kinds[SystemWebhook] || !kinds[SystemManual] {
		t.Errorf("the systems example shows the kinds %v; want a database, a webhook and a manual system", kinds)
	}
	if err := compileSchema(t).Validate(yamlToJSON(t, []byte(example))); err != nil {
		t.Errorf("the systems example does not match schema.json:\n%v", err)
	}
}
