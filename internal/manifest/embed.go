package manifest

import (
	"bytes"
	_ "embed"
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

// Schema returns the JSON Schema (draft 2020-12) of custos.yaml, as a copy
// the caller may keep or change.
func Schema() []byte { return bytes.Clone(schemaJSON) }
