// Package banner holds the consent banner that sites embed with one tag:
// its script and styles (assets/, minified into assets/banner.min.js by go
// generate), its interface texts, and the configuration the server inlines
// into the script for one site, locale and region.
package banner

//go:generate go run gen.go

import (
	"bytes"
	_ "embed"
	"encoding/json"

	"github.com/custos-privacy/custos/internal/manifest"
)

//go:embed assets/banner.min.js
var minified []byte

// prefix and suffix surround the configuration in a served script.
var prefix, suffix = split(minified)

func split(js []byte) ([]byte, []byte) {
	const placeholder = "CUSTOS_CONFIG"
	i := bytes.Index(js, []byte(placeholder))
	if i < 0 || bytes.Count(js, []byte(placeholder)) != 1 {
		panic("banner: assets/banner.min.js must name CUSTOS_CONFIG exactly once; run go generate ./internal/banner")
	}
	return js[:i], js[i+len(placeholder):]
}

// Config is what the script needs to show itself without another request.
// The JSON names are short because every visitor downloads them.
type Config struct {
	Site        string     `json:"s"`
	Locale      string     `json:"l"`
	Dir         string     `json:"dir,omitempty"` // "rtl" for right-to-left locales
	Region      string     `json:"rg,omitempty"`
	Mode        string     `json:"m"`  // opt_in, opt_out or notice
	Days        int        `json:"d"`  // consent lifetime
	Fingerprint string     `json:"fp"` // the banner asks again when it changes
	Cookie      cookieName `json:"ck"`
	Notice      string     `json:"nt,omitempty"` // URL or path of the privacy notice
	Floating    bool       `json:"fb"`           // show the reopen button
	ConsentMode bool       `json:"cm"`           // issue Google Consent Mode v2 calls
	GPC         bool       `json:"gpc"`          // the request carried Sec-GPC: 1
	Text        *Strings   `json:"t"`
	Categories  []category `json:"c"`
}

type cookieName struct {
	Name   string `json:"n"`
	Domain string `json:"d,omitempty"`
}

type category struct {
	ID          string   `json:"id"`
	Required    bool     `json:"r,omitempty"`
	SaleSharing bool     `json:"ss,omitempty"`
	Name        string   `json:"n"`
	Description string   `json:"ds"`
	ConsentMode []string `json:"cm,omitempty"`
	Vendors     []vendor `json:"v"`
}

type vendor struct {
	ID            string `json:"id"`
	Name          string `json:"n"`
	PrivacyPolicy string `json:"p"`
	// Cookies are [name, duration, party (1 or 3), domain, path]: arrays,
	// because names would triple their size.
	Cookies [][]any `json:"k"`
}

// Configure resolves the banner of site for one locale and region.
func Configure(site *manifest.Site, locale, region string, gpc bool) *Config {
	j := site.Jurisdiction(region)
	t := For(locale)
	name := site.Cookie.Name
	if name == "" {
		name = manifest.DefaultCookieName
	}
	cfg := &Config{
		Site:        site.ID,
		Locale:      locale,
		Region:      region,
		Mode:        j.Mode,
		Days:        int(j.Lifetime().Approx().Hours() / 24),
		Fingerprint: site.Fingerprint(),
		Cookie:      cookieName{Name: name, Domain: site.Cookie.Domain},
		Floating:    site.Banner.ShowFloatingButton(),
		ConsentMode: site.Banner.ConsentMode,
		GPC:         gpc,
		Text:        t.forMode(j.Mode),
	}
	if RTL(locale) {
		cfg.Dir = "rtl"
	}
	if n := site.Notice(locale, region); n != nil {
		cfg.Notice = n.URL
	}
	for _, c := range site.Categories {
		txt := site.TextIn(c.Text, locale)
		bc := category{
			ID: c.ID, Required: c.Required, SaleSharing: c.SaleSharing,
			Name: txt.Name, Description: txt.Description, ConsentMode: c.ConsentMode,
			Vendors: []vendor{},
		}
		for _, v := range site.VendorsIn(c.ID) {
			bv := vendor{ID: v.ID, Name: v.Name, PrivacyPolicy: v.PrivacyPolicy, Cookies: [][]any{}}
			for _, k := range v.Cookies {
				party := 3
				if k.Party == "first" {
					party = 1
				}
				row := []any{k.Name, t.FormatDuration(k.Duration), party}
				if k.Domain != "" || k.Path != "" && k.Path != "/" {
					row = append(row, k.Domain)
				}
				if k.Path != "" && k.Path != "/" {
					row = append(row, k.Path)
				}
				bv.Cookies = append(bv.Cookies, row)
			}
			bc.Vendors = append(bc.Vendors, bv)
		}
		cfg.Categories = append(cfg.Categories, bc)
	}
	return cfg
}

// Script returns the banner script with cfg inlined.
func Script(cfg *Config) ([]byte, error) {
	// encoding/json escapes <, > and & and the line separators U+2028 and
	// U+2029, so the configuration cannot end the script or break it.
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(len(prefix) + len(body) + len(suffix) + 1)
	b.Write(prefix)
	b.Write(body)
	b.Write(suffix)
	if !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}
