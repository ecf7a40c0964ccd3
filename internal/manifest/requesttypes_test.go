package manifest_test

import (
	"testing"

	"github.com/custos-privacy/custos/internal/custos"
	"github.com/custos-privacy/custos/internal/manifest"
)

// TestRequestTypesMatchCustos keeps the request types a system may take
// part in the same as the domain's: the package does not import
// internal/custos, so it keeps a list of its own.
func TestRequestTypesMatchCustos(t *testing.T) {
	var want []string
	for _, r := range custos.RequestTypes {
		want = append(want, string(r))
	}
	got := manifest.RequestTypes
	if len(got) != len(want) {
		t.Fatalf("manifest request types %v, custos %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("manifest request types %v, custos %v", got, want)
		}
	}
}
