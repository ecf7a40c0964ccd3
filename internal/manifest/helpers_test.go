package manifest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// base is the smallest manifest that uses every section. Tests edit it with
// strings.Replace, so every line they target is unique in it.
const base = `version: 1
sites:
  - id: www
    name: Example
    origins: [https://www.example.com]
    locales: [en, fr]
    controller:
      name: Example SA
    categories:
      - id: necessary
        required: true
        text:
          en: {name: Necessary}
          fr: {name: Nécessaires}
      - id: analytics
        consent_mode: [analytics_storage]
        text:
          en: {name: Analytics cookies}
          fr: {name: Cookies statistiques}
    vendors:
      - id: matomo
        name: Matomo
        category: analytics
        privacy_policy: https://matomo.org/privacy-policy/
        cookies:
          - name: _pk_id.*
            pattern: true
            duration: 13mo
            party: first
            purpose:
              en: Counts visitors.
              fr: Compte les visiteurs.
    purposes:
      - id: audience
        legal_basis: consent
        categories: [analytics]
        text:
          en: {name: Audience}
          fr: {name: Audience du site}
    data_categories:
      - id: user.device.cookie_id
        retention: 25mo
        purposes: [audience]
    processors:
      - id: hosting
        name: Hosting GmbH
        role: processor
        country: DE
        safeguard: none
    jurisdictions:
      - id: eu
        regions: [EU, EEA]
        mode: opt_in
      - id: us
        regions: [US-CA]
        mode: opt_out
      - id: rest
        regions: ["*"]
        mode: notice
    notices:
      - {version: "1", locale: en, region: "*", url: "https://www.example.com/privacy", published: "2024-01-01"}
      - {version: "1", locale: fr, region: "*", url: "https://www.example.com/fr/privacy", published: "2024-01-01"}
      - {version: "1-us", locale: en, region: us, url: "https://www.example.com/us", published: "2024-06-01"}
`

// edit is a change to base: old is replaced by new once.
type edit struct{ old, new string }

// apply returns base with the edits applied; each old text must be found.
func apply(t *testing.T, src string, edits ...edit) string {
	t.Helper()
	for _, e := range edits {
		if !strings.Contains(src, e.old) {
			t.Fatalf("edit: %q not found", e.old)
		}
		src = strings.Replace(src, e.old, e.new, 1)
	}
	return src
}

// marker shows in test manifests where a problem is expected. It is removed
// before parsing.
const marker = "‸"

// position returns the 1-based line and column of the one marker in src
// (in characters, as YAML counts them), and src without it.
func position(t *testing.T, src string) (line, col int, clean string) {
	t.Helper()
	pos, clean := positions(t, src)
	if len(pos) != 1 {
		t.Fatalf("%d %s markers in the test manifest, want 1", len(pos), marker)
	}
	return pos[0].line, pos[0].col, clean
}

type pos struct{ line, col int }

// positions returns the positions of all markers in src, and src without
// them.
func positions(t *testing.T, src string) ([]pos, string) {
	t.Helper()
	var out []pos
	for {
		i := strings.Index(src, marker)
		if i < 0 {
			return out, src
		}
		before := src[:i]
		out = append(out, pos{
			line: strings.Count(before, "\n") + 1,
			col:  len([]rune(before[strings.LastIndexByte(before, '\n')+1:])) + 1,
		})
		src = before + src[i+len(marker):]
	}
}

// problems parses src and returns its problems as strings, or nil.
func problems(t *testing.T, name, src string) []string {
	t.Helper()
	_, err := Parse(name, []byte(src))
	if err == nil {
		return nil
	}
	var pe *ProblemsError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse returned %T (%v), want *ProblemsError", err, err)
	}
	out := make([]string, len(pe.Problems))
	for i, p := range pe.Problems {
		out[i] = p.String()
	}
	return out
}

func mustParse(t *testing.T, src string) *Manifest {
	t.Helper()
	m, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func at(line, col int, msg string) string { return fmt.Sprintf("test.yaml:%d:%d: %s", line, col, msg) }
