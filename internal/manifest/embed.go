package manifest

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

//go:embed demo.yaml
var demoYAML []byte

//go:embed schema.json
var schemaJSON []byte

var demo = sync.OnceValue(func() *Manifest {
	m, err := Parse("demo.yaml", demoYAML)
	if err != nil {
		panic("manifest: the built-in demo manifest is invalid:\n" + err.Error())
	}
	m.Source = "demo"
	return m
})

// Demo returns the built-in demo manifest (site id "demo"). It is parsed
// once and shared: callers must not modify it.
func Demo() *Manifest { return demo() }

// DemoYAML returns the YAML the demo manifest is parsed from, as a copy the
// caller may keep or change.
func DemoYAML() []byte { return bytes.Clone(demoYAML) }

// DemoYAMLWithSystems returns the demo manifest's YAML with systems (a
// "    systems:" block, indented as a key of the demo site) added to the
// demo site, and each of categories declared as a data category the site
// collects from the person, kept 2 years for the contact purpose. Tests and
// benchmarks of connectors build their manifests with it; it is only
// text: parse the result to check it.
func DemoYAMLWithSystems(systems string, categories ...string) []byte {
	y := string(demoYAML)
	// The demo has one site, so each key below occurs once.
	y = strings.Replace(y, "    jurisdictions:\n", systems+"    jurisdictions:\n", 1)
	var b strings.Builder
	b.WriteString("    data_categories:\n")
	for _, c := range categories {
		fmt.Fprintf(&b, "      - id: %s\n        retention: 2y\n        purposes: [contact]\n        source: subject\n", c)
	}
	return []byte(strings.Replace(y, "    data_categories:\n", b.String(), 1))
}

// Schema returns the JSON Schema (draft 2020-12) of custos.yaml, as a copy
// the caller may keep or change.
func Schema() []byte { return bytes.Clone(schemaJSON) }
