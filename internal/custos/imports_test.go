package custos_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestDomainImportsNoAdapters keeps the domain in the middle: the domain
// package and the pure packages around it must not import HTTP or database
// drivers, so that they stay testable and swappable.
func TestDomainImportsNoAdapters(t *testing.T) {
	forbidden := []string{"net/http", "database/sql", "modernc.org/", "github.com/jackc/", "/internal/store", "/internal/web"}
	for _, pkg := range []string{"internal/custos", "internal/manifest", "internal/consent", "internal/audit"} {
		p, err := build.Import("github.com/custos-privacy/custos/"+pkg, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Imports) == 0 {
			t.Fatalf("%s: found no imports; is the package path right?", pkg)
		}
		for _, imp := range p.Imports {
			for _, f := range forbidden {
				if strings.HasPrefix(imp, f) || strings.Contains(imp, f) && strings.HasPrefix(f, "/") {
					t.Errorf("%s imports %s", pkg, imp)
				}
			}
		}
	}
}
