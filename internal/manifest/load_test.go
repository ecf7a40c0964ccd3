package manifest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFileProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"empty", "", []string{"test.yaml: the manifest is empty"}},
		{"comments only", "# nothing yet\n", []string{"test.yaml: the manifest is empty"}},
		{"null document", "---\n~\n", []string{"test.yaml:2:1: the manifest is empty"}},
		{"syntax error", "version: 1\nsites: [\n", []string{"test.yaml:2: YAML syntax: did not find expected node content"}},
		{"tab indentation", "version: 1\nsites:\n\t- id: www\n", []string{"test.yaml:3: YAML syntax: found character that cannot start any token"}},
		{"not a mapping", "- version: 1\n", []string{"test.yaml:1:1: expected key: value pairs, got a list"}},
		{"two documents", base + "---\nversion: 1\n", []string{"test.yaml:65:1: a manifest is a single YAML document; remove the second \"---\" and what follows it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, problems(t, "test.yaml", tt.src)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	src := base + "#" + strings.Repeat("x", MaxSize) + "\n"
	want := []string{"test.yaml: the file is larger than 4 MiB, the limit for a manifest"}
	if diff := cmp.Diff(want, problems(t, "test.yaml", src)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestParseAliasBomb(t *testing.T) {
	// A thousand sites of a thousand vendors of a thousand cookies: a
	// billion values from a dozen kilobytes.
	thousand := func(alias string) string {
		return "[" + strings.Repeat(alias+", ", 999) + alias + "]"
	}
	src := "c: &c {name: x, duration: 1y, party: first}\n" +
		"v: &v {id: v, cookies: " + thousand("*c") + "}\n" +
		"s: &s {id: s, vendors: " + thousand("*v") + "}\n" +
		"version: 1\nsites: " + thousand("*s") + "\n"
	ps := problems(t, "test.yaml", src)
	found := false
	for _, p := range ps {
		found = found || strings.Contains(p, "aliases (*name) expand the manifest to more than")
	}
	if !found {
		t.Errorf("problems do not mention the expansion limit:\n%s", strings.Join(ps[:min(len(ps), 10)], "\n"))
	}
}

func TestParseAliasesAndMerges(t *testing.T) {
	// Anchors, aliases and merge keys are plain YAML a manifest may use to
	// avoid repeating itself.
	src := apply(t, base,
		edit{"          en: {name: Necessary}\n          fr: {name: Nécessaires}\n",
			"          &necessary\n          en: {name: Necessary}\n          fr: {name: Nécessaires}\n"},
		edit{"          en: {name: Audience}\n          fr: {name: Audience du site}\n", "          *necessary\n"},
		edit{"      - id: us\n        regions: [US-CA]\n        mode: opt_out\n",
			"      - &optout\n        id: us\n        regions: [US-CA]\n        mode: opt_out\n      - <<: *optout\n        id: us-co\n        regions: [US-CO]\n"},
	)
	// The anchor line must not break the mapping it precedes.
	src = strings.Replace(src, "        text:\n          &necessary\n", "        text: &necessary\n", 1)
	src = strings.Replace(src, "        text:\n          *necessary\n", "        text: *necessary\n", 1)
	m := mustParse(t, src)
	s := m.Sites[0]
	if got := s.Purposes[0].Text["fr"].Name; got != "Nécessaires" {
		t.Errorf("aliased text = %q, want Nécessaires", got)
	}
	j := s.Jurisdiction("US-CO")
	if j == nil || j.ID != "us-co" || j.Mode != ModeOptOut {
		t.Errorf("merged jurisdiction = %+v, want us-co with mode opt_out", j)
	}
}

func TestParseMergeOverrideAndDuplicate(t *testing.T) {
	src := apply(t, base,
		edit{"      - id: rest\n", "      - <<: {id: x, mode: opt_in}\n        id: rest\n"},
		edit{"        mode: notice\n", "        mode: notice\n        ‸mode: opt_out\n"},
	)
	line, col, src := position(t, src)
	want := []string{at(line, col, `sites[0].jurisdictions[2]: key "mode" is already given at line 60`)}
	if diff := cmp.Diff(want, problems(t, "test.yaml", src)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	src = apply(t, src, edit{"        mode: notice\n        mode: opt_out\n", "        mode: notice\n"})
	if j := mustParse(t, src).Sites[0].Jurisdiction("JP"); j.ID != "rest" || j.Mode != ModeNotice {
		t.Errorf("explicit keys must win over merged ones: got %+v", j)
	}
}

func TestParseResult(t *testing.T) {
	data := []byte(base)
	m, err := Parse("custos.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != "custos.yaml" || !bytes.Equal(m.Raw, data) {
		t.Errorf("Source = %q, Raw = %d bytes; want custos.yaml and the input", m.Source, len(m.Raw))
	}
	data[0] = 'X'
	if m.Raw[0] == 'X' {
		t.Error("Raw shares memory with the caller's slice")
	}
	s := m.Sites[0]
	if s.Cookie.Name != DefaultCookieName {
		t.Errorf("cookie name = %q, want the default %q", s.Cookie.Name, DefaultCookieName)
	}
	if got := s.Vendors[0].Cookies[0].Duration; got != (Duration{Months: 13}) {
		t.Errorf("cookie duration = %#v, want 13 months", got)
	}
	if got := s.Jurisdictions[0].Regions; !cmp.Equal(got, []string{"EU", "EEA"}) {
		t.Errorf("regions = %q", got)
	}
	// A YAML number or date where text is expected is the text as written.
	m = mustParse(t, apply(t, base, edit{`{version: "1-us", locale: en, region: us, url: "https://www.example.com/us", published: "2024-06-01"}`,
		`{version: 2, locale: en, region: us, url: "https://www.example.com/us", published: 2024-06-01}`}))
	if n := m.Sites[0].Notices[2]; n.Version != "2" || n.Published != "2024-06-01" {
		t.Errorf("notice version %q published %q, want 2 and 2024-06-01", n.Version, n.Published)
	}
	// A quoted version number is a number still.
	if m := mustParse(t, apply(t, base, edit{"version: 1", `version: "1"`})); m.Version != 1 {
		t.Errorf("version = %d, want 1", m.Version)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "custos.yaml")
	if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != path || m.Site("www") == nil {
		t.Errorf("Source = %q, site www = %v", m.Source, m.Site("www"))
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(base, "version: 1", "version: 7", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadFile(bad)
	var pe *ProblemsError
	if !errors.As(err, &pe) || len(pe.Problems) != 1 || pe.Problems[0].File != bad {
		t.Errorf("LoadFile(bad) = %v, want one problem in %s", err, bad)
	}

	if _, err := LoadFile(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadFile(missing) = %v, want fs.ErrNotExist", err)
	}

	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#\n"), MaxSize), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(big); !errors.As(err, &pe) || !strings.Contains(err.Error(), "larger than 4 MiB") {
		t.Errorf("LoadFile(big) = %v, want the size problem", err)
	}
}

func TestParseOddShapes(t *testing.T) {
	tests := []struct {
		name  string
		edits []edit
		want  []string // messages at the marker
	}{
		{"null list element", []edit{{"    purposes:\n", "      -‸\n    purposes:\n"}}, []string{
			"sites[0].vendors[1].id: missing; give the vendor a short id in lowercase",
			"sites[0].vendors[1].name: missing; give the vendor's name as visitors know it",
			"sites[0].vendors[1].category: missing; name the consent category that governs this vendor",
			"sites[0].vendors[1].privacy_policy: missing; give an absolute https URL",
		}},
		{"key that is not text", []edit{{"    name: Example\n", "    name: Example\n    ‸[a, b]: c\n"}}, []string{
			"sites[0]: keys must be plain text, got a list",
		}},
		{"merge of a list of texts", []edit{{"      - id: rest\n", "      - <<: [‸a]\n        id: rest\n"}}, []string{
			`sites[0].jurisdictions[2]: a merge (<<) takes key: value pairs or a list of them, got "a"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, col, src := position(t, apply(t, base, tt.edits...))
			var want []string
			for _, m := range tt.want {
				want = append(want, at(line, col, m))
			}
			if diff := cmp.Diff(want, problems(t, "test.yaml", src)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
