package banner_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/custos-privacy/custos/internal/banner"
	"github.com/custos-privacy/custos/internal/banner/build"
	"github.com/custos-privacy/custos/internal/manifest"
)

// sizeBudget is the limit for the banner's JS and CSS of one
// locale, gzipped: smaller than every open-source banner measured.
const sizeBudget = 7 * 1024

func gzipped(t *testing.T, b []byte) int {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// TestSizeBudget holds the banner to the budget of 7 KB gzipped
// for its JS and CSS in one locale, measured two ways: the script as the
// demo site serves it, in each of the site's locales and kinds of region,
// manifest data (categories, 8 vendors, their cookies) included; and the
// banner alone with the interface texts of each of its nine languages and
// no site data, the way other banners' sizes are quoted.
func TestSizeBudget(t *testing.T) {
	site := manifest.Demo().Site("demo")
	for _, locale := range site.Locales {
		for _, region := range []string{"DE", "US-CA", ""} {
			js, err := banner.Script(banner.Configure(site, locale, region, false))
			if err != nil {
				t.Fatal(err)
			}
			n := gzipped(t, js)
			t.Logf("demo %s/%s: %d bytes, %d gzipped", locale, region, len(js), n)
			if n > sizeBudget {
				t.Errorf("the demo banner for %s in %q is %d bytes gzipped; the budget is %d", locale, region, n, sizeBudget)
			}
		}
	}
	empty := &manifest.Site{ID: "s", Locales: []string{"en"}, Jurisdictions: []*manifest.Jurisdiction{{ID: "all", Regions: []string{"*"}, Mode: manifest.ModeOptOut}}}
	for _, lang := range banner.Languages {
		js, err := banner.Script(banner.Configure(empty, lang, "", false))
		if err != nil {
			t.Fatal(err)
		}
		n := gzipped(t, js)
		t.Logf("banner alone, %s: %d bytes, %d gzipped", lang, len(js), n)
		if n > sizeBudget {
			t.Errorf("the banner alone in %s is %d bytes gzipped; the budget is %d", lang, n, sizeBudget)
		}
	}
}

// TestMinifiedIsCurrent fails when assets/banner.min.js was not rebuilt
// after a change to the sources.
func TestMinifiedIsCurrent(t *testing.T) {
	want, err := build.Build("assets")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("assets/banner.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("assets/banner.min.js is stale: run go generate ./internal/banner")
	}
}

func TestScriptEmbedsConfigSafely(t *testing.T) {
	site := manifest.Demo().Site("demo")
	cfg := banner.Configure(site, "en", "DE", false)
	cfg.Categories[0].Name = "</script><script>alert(1)</script>\u2028"
	js, err := banner.Script(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(js, []byte("</script>")) || bytes.Contains(js, []byte("\u2028")) {
		t.Fatal("the configuration can end the script or break the line")
	}
	if bytes.Contains(js, []byte("CUSTOS_CONFIG")) {
		t.Fatal("placeholder left in the script")
	}
}

func TestConfigure(t *testing.T) {
	site := manifest.Demo().Site("demo")
	for _, tc := range []struct {
		region, mode string
	}{{"DE", manifest.ModeOptIn}, {"US-CA", manifest.ModeOptOut}, {"BR", manifest.ModeOptIn}} {
		cfg := banner.Configure(site, "fr", tc.region, true)
		if cfg.Mode != tc.mode {
			t.Errorf("%s: mode %s, want %s", tc.region, cfg.Mode, tc.mode)
		}
		if cfg.Text.Accept != "Tout accepter" || !cfg.GPC || cfg.Fingerprint != site.Fingerprint() {
			t.Errorf("%s: config %+v", tc.region, cfg)
		}
		fr := banner.For("fr")
		if want := map[string]string{manifest.ModeOptIn: fr.Text, manifest.ModeOptOut: fr.OptOut}[tc.mode]; cfg.Text.Text != want {
			t.Errorf("%s: first-layer text %q, want %q", tc.region, cfg.Text.Text, want)
		}
		if (cfg.Text.DNS != "") != (tc.mode == manifest.ModeOptOut) {
			t.Errorf("%s: opt-out link text %q in mode %s", tc.region, cfg.Text.DNS, tc.mode)
		}
	}
	cfg := banner.Configure(site, "en", "DE", false)
	b, _ := json.Marshal(cfg)
	for _, c := range site.Categories {
		if !strings.Contains(string(b), `"id":"`+c.ID+`"`) {
			t.Errorf("category %s missing", c.ID)
		}
	}
	if cfg.Notice != "/en/privacy" {
		t.Errorf("notice %q", cfg.Notice)
	}
	if banner.Configure(site, "ar", "DE", false).Dir != "rtl" {
		t.Error("Arabic is not right to left")
	}
}

func TestStringsComplete(t *testing.T) {
	for _, lang := range banner.Languages {
		s := banner.For(lang)
		if lang != "en" && s == banner.For("en") {
			t.Errorf("%s falls back to English", lang)
		}
		v := reflect.ValueOf(s).Elem()
		for i := range v.NumField() {
			if f := v.Field(i); v.Type().Field(i).IsExported() && f.Kind() == reflect.String && f.String() == "" {
				t.Errorf("%s: %s is empty", lang, v.Type().Field(i).Name)
			}
		}
		if !strings.Contains(s.Placeholder, "{v}") || !strings.Contains(s.Placeholder, "{c}") {
			t.Errorf("%s: placeholder text lacks {v} or {c}", lang)
		}
		// Every unit has a word in each plural form.
		for _, unit := range []string{"y", "mo", "d", "h", "m", "s"} {
			for _, n := range []string{"1", "2", "5"} {
				d, err := manifest.ParseDuration(n + unit)
				if err != nil {
					t.Fatal(err)
				}
				if got := s.FormatDuration(d); strings.TrimSpace(strings.TrimPrefix(got, n)) == "" {
					t.Errorf("%s: %s%s is %q", lang, n, unit, got)
				}
			}
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct{ lang, in, want string }{
		{"en", "session", "Session"},
		{"en", "13mo", "13 months"},
		{"en", "1y", "1 year"},
		{"en", "1y6mo", "1 year, 6 months"},
		{"en", "2y12h", "2 years, 12 hours"},
		{"en", "14d", "14 days"},
		{"en", "1w", "7 days"},
		{"en", "1h30m", "1 hour, 30 minutes"},
		{"en", "45s", "45 seconds"},
		{"en-GB", "2d", "2 days"},
		{"zh", "2d", "2 days"}, // no strings in Chinese: English
		{"fr", "session", "Session"},
		{"fr", "1y", "1 an"},
		{"fr", "13mo", "13 mois"},
		{"fr", "1d", "1 jour"},
		{"de", "session", "Sitzung"},
		{"de", "2y", "2 Jahre"},
		{"de", "24h", "24 Stunden"},
		{"pt", "1d", "1 dia"},
		{"pt", "3mo", "3 meses"},
		{"nl", "2y", "2 jaar"},
		{"sk", "1y", "1 rok"},
		{"sk", "3y", "3 roky"},
		{"sk", "3d", "3 dni"},
		{"sk", "5d", "5 dní"},
		{"sk", "1y2mo5d", "1 rok, 2 mesiace, 5 dní"},
		{"ja", "session", "セッション"},
		{"ja", "13mo", "13か月"},
		{"ja", "1y6mo", "1年6か月"},
	} {
		d, err := manifest.ParseDuration(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := banner.For(tc.lang).FormatDuration(d); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
	if got := banner.For("en").FormatDuration(manifest.Duration{}); got != "" {
		t.Errorf("the zero duration is %q", got)
	}
}

func TestConfigureOptions(t *testing.T) {
	yaml := strings.Replace(string(manifest.DemoYAML()), "      floating_button: true", "      floating_button: false", 1)
	yaml = strings.Replace(yaml, "      consent_mode: true", "      consent_mode: false", 1)
	yaml += "    cookie:\n      name: acme_choice\n      domain: .demo.example\n"
	m, err := manifest.Parse("demo.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	cfg := banner.Configure(m.Site("demo"), "en", "DE", false)
	if cfg.Floating || cfg.ConsentMode || cfg.Cookie.Name != "acme_choice" || cfg.Cookie.Domain != ".demo.example" {
		t.Errorf("options not passed to the banner: floating %v, consent mode %v, cookie %+v", cfg.Floating, cfg.ConsentMode, cfg.Cookie)
	}
	def := banner.Configure(manifest.Demo().Site("demo"), "en", "DE", false)
	if !def.Floating || !def.ConsentMode || def.Cookie.Name != manifest.DefaultCookieName {
		t.Errorf("demo defaults: %+v", def)
	}
}
