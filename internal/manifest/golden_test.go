package manifest

import (
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden checks what custos check prints for a manifest with many
// mistakes: all of them, in file order, each with its position.
func TestGolden(t *testing.T) {
	const path = "testdata/bad.yaml"
	_, err := LoadFile(path)
	var pe *ProblemsError
	if !errors.As(err, &pe) {
		t.Fatalf("LoadFile(%s) = %v, want problems", path, err)
	}
	got := pe.Error() + "\n"
	golden := strings.TrimSuffix(path, ".yaml") + ".golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("problems differ from %s (-want +got):\n%s", golden, diff)
	}
}
