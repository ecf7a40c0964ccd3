package demo

import (
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/manifest"
)

// The demo shows the demo manifest at work, so the two must agree: each
// notice the manifest publishes is a page here, and each cookie a stand-in
// vendor sets is declared under the category that gates it.

func demoSite(t *testing.T) *manifest.Site {
	t.Helper()
	m, err := manifest.Parse("demo.yaml", manifest.DemoYAML())
	if err != nil {
		t.Fatal(err)
	}
	s := m.Site("demo")
	if s == nil {
		t.Fatal("no demo site in the demo manifest")
	}
	return s
}

func TestManifestNoticesAreServed(t *testing.T) {
	h := server(t)
	for _, n := range demoSite(t).Notices {
		u, err := url.Parse(n.URL)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(Patterns, "GET "+u.Path) {
			t.Errorf("notice %s (%s) is not a demo page", n.Version, u.Path)
			continue
		}
		body := get(t, h, u.Path).Body.String()
		if !strings.Contains(body, `<html lang="`+n.Locale) {
			t.Errorf("%s: the manifest says locale %s", u.Path, n.Locale)
		}
		if !strings.Contains(body, n.Version) {
			t.Errorf("%s does not name its version %s", u.Path, n.Version)
		}
	}
}

func TestVendorCookiesAreDeclared(t *testing.T) {
	site := demoSite(t)
	declared := func(category, name string) bool {
		for _, v := range site.Vendors {
			if v.Category != category {
				continue
			}
			for _, c := range v.Cookies {
				if c.Name == name || c.Pattern && strings.HasPrefix(name, strings.TrimSuffix(c.Name, "*")) {
					return true
				}
			}
		}
		return false
	}
	js := files(t, ".js")
	// A cookie name is the first argument of set(…), or a constant or
	// list the script names it by.
	names := regexp.MustCompile(`'(_pk_(?:id|ses)|_mkto_trk|hblid|olfsk|wcsid|_okbk)'`)
	for file, category := range map[string]string{
		"site/static/analytics.js": "performance",
		"site/static/marketing.js": "marketing",
		"site/static/chat.js":      "functionality",
	} {
		found := names.FindAllStringSubmatch(js[file], -1)
		if len(found) == 0 {
			t.Errorf("%s sets no cookie the test knows", path.Base(file))
		}
		for _, m := range found {
			name := m[1]
			if strings.HasPrefix(name, "_pk_") {
				name += ".1.1fff"
			}
			if !declared(category, name) {
				t.Errorf("%s sets %s, which the manifest does not declare under %s", path.Base(file), name, category)
			}
		}
	}
}
