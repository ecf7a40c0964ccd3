package manifest

import "testing"

func TestDemoIsValid(t *testing.T) {
	m, err := Parse("demo.yaml", DemoYAML())
	if err != nil {
		t.Fatalf("the demo manifest has problems:\n%v", err)
	}
	if Demo().Site("demo") == nil {
		t.Fatal(`Demo() has no site "demo"`)
	}
	_ = m
}
