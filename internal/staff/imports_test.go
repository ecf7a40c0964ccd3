package staff

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the package free of HTTP, databases and dependencies
// other than golang.org/x/crypto.
func TestImports(t *testing.T) {
	p, err := build.Import("github.com/custos-privacy/custos/internal/staff", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range p.Imports {
		switch {
		case imp == "net/http" || strings.HasPrefix(imp, "net/http/") || imp == "database/sql":
			t.Errorf("imports %s", imp)
		case imp == "github.com/custos-privacy/custos/internal/custos", strings.HasPrefix(imp, "golang.org/x/crypto/"):
		case strings.Contains(strings.Split(imp, "/")[0], "."):
			t.Errorf("imports %s: only the standard library and golang.org/x/crypto", imp)
		}
	}
}
