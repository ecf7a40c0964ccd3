package declaration

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"

	"golang.org/x/text/language"
)

//go:embed page.html
var pageHTML string

//go:embed page.css
var pageCSS string

var page = template.Must(template.New("page.html").Parse(pageHTML))

// ContentSecurityPolicy is the policy to serve the HTML page with: nothing
// but its own <style> element, allowed by hash, so the page needs neither
// 'unsafe-inline' nor a second request for a stylesheet. It runs no script.
var ContentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

// Names of the page and its files, relative to one another: the page links
// to its other languages and formats by these, so it works wherever it is
// mounted, as long as they sit side by side.
const (
	PageName = "cookies"
	CSVName  = "cookies.csv"
	JSONName = "cookies.json"
	PDFName  = "cookies.pdf"
)

type htmlPage struct {
	Lang, Dir string
	L         *labels
	Style     template.CSS
	SiteName  string
	Intro     string
	Caption   string
	Columns   []Column
	Rows      []htmlRow
	Languages []htmlLanguage
	Downloads []htmlLink
	// PatternNote is empty when no cookie name has a *.
	PatternNote string
	NoCookies   *htmlNoCookies
	Generated   string
}

type htmlRow struct {
	Row
	Refusal string
	Policy  *split // nil: no note on the vendor's policy
}

// split is a sentence around a link: the vendor's name goes between.
type split struct{ Before, After string }

func splitAround(pattern string) *split {
	before, after, _ := strings.Cut(pattern, "%s")
	return &split{before, after}
}

type htmlLanguage struct {
	Locale, Name, URL string
	Current           bool
}

type htmlLink struct{ Name, Type, URL string }

type htmlNoCookies struct {
	split
	Vendors []VendorRef
}

// WriteHTML writes the declaration as a standalone HTML page. It must be
// served with ContentSecurityPolicy, or a policy that allows its style.
func (d *Declaration) WriteHTML(w io.Writer) error {
	l := d.l
	p := &htmlPage{
		Lang:      d.Locale,
		Dir:       Direction(d.Locale),
		L:         l,
		Style:     template.CSS(pageCSS),
		SiteName:  d.SiteName,
		Intro:     fmt.Sprintf(l.Intro, d.SiteName),
		Caption:   fmt.Sprintf(l.Caption, d.SiteName),
		Columns:   d.Columns,
		Rows:      make([]htmlRow, len(d.Rows)),
		Generated: fmt.Sprintf(l.Generated, d.ManifestFingerprint),
	}
	for i := range d.Rows {
		r := &d.Rows[i]
		p.Rows[i] = htmlRow{Row: *r, Refusal: l.refusal(r)}
		if note := l.policyNote(r); note != "" {
			p.Rows[i].Policy = splitAround(note)
		}
	}
	if d.HasPatterns() {
		p.PatternNote = l.PatternNote
	}
	if len(d.VendorsWithoutCookies) > 0 {
		p.NoCookies = &htmlNoCookies{split: *splitAround(l.NoCookies), Vendors: d.VendorsWithoutCookies}
	}
	for _, loc := range d.site.Locales {
		p.Languages = append(p.Languages, htmlLanguage{
			Locale: loc, Name: LanguageName(loc), URL: withLocale(PageName, loc), Current: loc == d.Locale,
		})
	}
	p.Downloads = []htmlLink{
		{"CSV", "text/csv", withLocale(CSVName, d.Locale)},
		{"JSON", "application/json", withLocale(JSONName, d.Locale)},
		{"PDF", "application/pdf", withLocale(PDFName, d.Locale)},
	}
	return page.Execute(w, p)
}

func withLocale(name, locale string) string {
	return name + "?" + url.Values{"locale": {locale}}.Encode()
}

// autonyms name the languages the labels exist in, each in itself, as a
// language switcher should.
var autonyms = map[string]string{
	"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "pt": "Português",
	"it": "Italiano", "nl": "Nederlands", "ja": "日本語", "sk": "Slovenčina",
}

// LanguageName names a locale for a language switcher: the language's own
// name, with the region when the locale has one ("Português (BR)").
func LanguageName(locale string) string {
	tag, err := language.Parse(locale)
	if err != nil {
		return locale
	}
	base, _ := tag.Base()
	name, ok := autonyms[base.String()]
	if !ok {
		return locale
	}
	if region, conf := tag.Region(); conf == language.Exact {
		name += " (" + region.String() + ")"
	}
	return name
}

// Direction is the writing direction of a locale, for the dir attribute:
// a site may declare a right-to-left locale even if Custos has no labels
// in it.
func Direction(locale string) string {
	tag, err := language.Parse(locale)
	if err != nil {
		return "ltr"
	}
	base, _ := tag.Base()
	switch base.String() {
	case "ar", "he", "fa", "ur", "ps", "yi", "dv", "ckb", "sd", "ug":
		return "rtl"
	}
	return "ltr"
}
