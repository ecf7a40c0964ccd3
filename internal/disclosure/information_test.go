package disclosure

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/custos-privacy/custos/internal/manifest"
)

func demoSite(t testing.TB) *manifest.Site {
	t.Helper()
	s := manifest.Demo().Site("demo")
	if s == nil {
		t.Fatal("the demo manifest has no site demo")
	}
	return s
}

var now = time.Date(2025, 3, 1, 10, 30, 0, 0, time.UTC)

// page is a parsed HTML document.
type page struct {
	root *html.Node
	text string // its text, whitespace collapsed
}

// parse parses an HTML document and checks that it is self-contained: no
// script, no event handler, nothing loaded from elsewhere.
func parse(t *testing.T, b []byte) *page {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for n := range root.Descendants() {
		switch n.Type {
		case html.TextNode:
			if n.Parent == nil || n.Parent.Data != "style" {
				text.WriteString(n.Data)
				text.WriteByte(' ')
			}
		case html.ElementNode:
			switch n.Data {
			case "script", "iframe", "object", "embed", "img", "link", "base", "form":
				t.Errorf("the document has a <%s> element", n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "src" || a.Key == "srcset" {
					t.Errorf("<%s> has a %s attribute", n.Data, a.Key)
				}
				if a.Key == "href" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
					t.Errorf("<%s> links to %s", n.Data, a.Val)
				}
			}
		}
	}
	return &page{root: root, text: strings.Join(strings.Fields(text.String()), " ")}
}

// lang returns the lang attribute of the html element.
func (p *page) lang() string {
	for n := range p.root.Descendants() {
		if n.Type == html.ElementNode && n.Data == "html" {
			return attr(n, "lang")
		}
	}
	return ""
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// elements returns the text of every element named tag.
func (p *page) elements(tag string) []string {
	var out []string
	for n := range p.root.Descendants() {
		if n.Type == html.ElementNode && n.Data == tag {
			var b strings.Builder
			for c := range n.Descendants() {
				if c.Type == html.TextNode {
					b.WriteString(c.Data)
				}
			}
			out = append(out, strings.Join(strings.Fields(b.String()), " "))
		}
	}
	return out
}

func (p *page) mustContain(t *testing.T, what string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		w = strings.Join(strings.Fields(w), " ")
		if !strings.Contains(p.text, w) {
			t.Errorf("%s: the document does not say %q", what, w)
		}
	}
}

func TestInformationDemo(t *testing.T) {
	site := demoSite(t)
	countries := map[string][]string{
		"en": {"Germany", "India", "United States", "Ireland"},
		"fr": {"Allemagne", "Inde", "États-Unis", "Irlande"},
		"de": {"Deutschland", "Indien", "Vereinigte Staaten", "Irland"},
	}
	retentions := map[string][]string{
		"en": {"2 years", "7 days", "3 years"},
		"fr": {"2 ans", "7 jours", "3 ans"},
		"de": {"2 Jahre", "7 Tage", "3 Jahre"},
	}
	headings := map[string]string{"en": "Your rights", "fr": "Vos droits", "de": "Ihre Rechte"}
	for _, locale := range []string{"en", "fr", "de"} {
		t.Run(locale, func(t *testing.T) {
			b, err := Information(site, locale, "FR", now)
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, b)
			if got := p.lang(); got != locale {
				t.Errorf("lang = %q", got)
			}
			l := labelsFor(locale)
			// (a) purposes and their legal bases.
			for _, pu := range site.Purposes {
				tx := site.TextIn(pu.Text, locale)
				p.mustContain(t, "purpose "+pu.ID, tx.Name, tx.Description, l.Bases[pu.LegalBasis])
			}
			// (b) data categories, (d) retention, (g) sources.
			for _, dc := range site.DataCategories {
				name := site.TextIn(dc.Text, locale).Name
				if name == "" {
					name = l.DataNames[dc.ID]
				}
				p.mustContain(t, "data category "+dc.ID, name, dc.ID, l.Sources[dc.Source], l.duration(dc.Retention))
			}
			p.mustContain(t, "retention", retentions[locale]...)
			// (c) recipients, countries, safeguards.
			for _, pr := range site.Processors {
				p.mustContain(t, "processor "+pr.ID, pr.Name, l.Roles[pr.Role], l.Safeguards[pr.Safeguard])
			}
			p.mustContain(t, "countries", countries[locale]...)
			// (e) rights, (f) complaint, (h) automated decisions.
			for _, r := range []string{"access", "rectification", "erasure", "restriction", "objection", "portability", "consent_withdrawal"} {
				p.mustContain(t, "right "+r, l.RightNames[r], l.RightTexts[r])
			}
			p.mustContain(t, "complaint", l.Complaint, " 77 ", "CNIL")
			p.mustContain(t, "automated decisions", l.Automated)
			// The controller, and where to write.
			c := site.Controller
			p.mustContain(t, "controller", c.Name, c.Address, c.Email, c.DPO)
			p.mustContain(t, "deadline", l.period(manifest.Period{N: 1, Unit: manifest.Months}))
			if !contains(p.elements("h2"), headings[locale]) {
				t.Errorf("no heading %q in %q", headings[locale], p.elements("h2"))
			}
			if !bytes.Contains(b, []byte(`href="mailto:privacy@demo.example"`)) {
				t.Error("the privacy contact is not a link")
			}
			if !bytes.Contains(b, []byte(`href="https://www.demo.example/`)) {
				t.Error("no absolute link to the privacy notice")
			}
			if strings.Contains(p.text, l.RightNames["opt_out"]) {
				t.Error("the US opt-out right is stated in France")
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestInformationRegion(t *testing.T) {
	site := demoSite(t)
	b, err := Information(site, "en", "US-CA", now)
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, b)
	l := allLabels["en"]
	p.mustContain(t, "California", l.RightNames["opt_out"], "45 days", "California Privacy Protection Agency")

	// No region: the "*" jurisdiction, one month, no authority named.
	b, err = Information(site, "de", "", now)
	if err != nil {
		t.Fatal(err)
	}
	p = parse(t, b)
	p.mustContain(t, "no region", "1 Monat", allLabels["de"].AuthorityListLk)
	if strings.Contains(p.text, "CNIL") {
		t.Error("an authority is named for an unknown region")
	}
}

func TestInformationLocales(t *testing.T) {
	site := demoSite(t)
	for _, tc := range []struct{ locale, lang, heading string }{
		{"fr-CA", "fr", allLabels["fr"].InfoTitle},
		{"es", "en", allLabels["en"].InfoTitle}, // neither labels nor texts in Spanish: English, the site's default
		{"", "en", allLabels["en"].InfoTitle},
	} {
		b, err := Information(site, tc.locale, "", now)
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, b)
		if got := p.lang(); got != tc.lang {
			t.Errorf("%q: lang = %q, want %q", tc.locale, got, tc.lang)
		}
		if h := p.elements("h1"); len(h) != 1 || h[0] != tc.heading {
			t.Errorf("%q: h1 = %q", tc.locale, h)
		}
	}

	// French words around German texts: the texts say they are German.
	s := *site
	s.Locales = []string{"de", "en"}
	b, err := Information(&s, "fr", "", now)
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, b)
	if p.lang() != "fr" {
		t.Errorf("lang = %q", p.lang())
	}
	p.mustContain(t, "fallback", allLabels["fr"].RightsHead, site.TextIn(site.Purposes[0].Text, "de").Name)
	if !bytes.Contains(b, []byte(`<th scope="row" lang="de"><strong>`+site.TextIn(site.Purposes[0].Text, "de").Name)) {
		t.Error("the German texts are not marked lang=de")
	}
}

func TestInformationEscapes(t *testing.T) {
	demo := demoSite(t)
	s := *demo
	const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`
	s.Name = hostile
	s.Controller = manifest.Controller{Name: hostile, Address: hostile, Email: `a@b.example"><script>alert(1)</script>`, DPO: "javascript:alert(1)"}
	s.Purposes = []*manifest.Purpose{{
		ID: "p<b>", LegalBasis: "consent", Categories: []string{"marketing"},
		Text: map[string]manifest.Text{"en": {Name: hostile, Description: "</td></tr></table>" + hostile}},
	}}
	s.DataCategories = []*manifest.DataCategory{{ID: `user."><script>`, Purposes: []string{"p<b>"}, Source: hostile}}
	s.Processors = []*manifest.Processor{{Name: hostile, Role: hostile, Country: "US", Safeguard: "scc", URL: "javascript:alert(1)"}}
	s.Notices = []*manifest.Notice{{Version: "1", Locale: "en", Region: "*", URL: "javascript:alert(1)", Published: "2025-01-01"}}
	b, err := Information(&s, "en", "", now)
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, b) // no script, no img, no javascript: link
	p.mustContain(t, "hostile", hostile, `user."><script>`)
	if bytes.Contains(b, []byte("<script")) || bytes.Contains(b, []byte("<img")) {
		t.Error("a manifest string is not escaped")
	}
}

func TestInformationNoSite(t *testing.T) {
	if _, err := Information(nil, "en", "", now); err == nil {
		t.Error("no error without a site")
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	b, err := Information(demoSite(t), "en", "", now)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("<style>"+pageCSS+"</style>")) {
		t.Error("the style sheet is not the one the policy allows")
	}
	if !strings.HasPrefix(ContentSecurityPolicy, "default-src 'none'; style-src 'sha256-") {
		t.Errorf("policy %q", ContentSecurityPolicy)
	}
}
