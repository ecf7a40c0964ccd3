package declaration

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/custos-privacy/custos/internal/banner"
	"github.com/custos-privacy/custos/internal/manifest"
)

func demo(t *testing.T) *manifest.Site {
	t.Helper()
	s := manifest.Demo().Site("demo")
	if s == nil {
		t.Fatal("the demo manifest has no site demo")
	}
	return s
}

func TestDemoRows(t *testing.T) {
	site := demo(t)
	d := Build(site, "en")
	if len(d.Rows) == 0 {
		t.Fatal("no rows")
	}
	if d.Site != "demo" || d.Locale != "en" || d.ManifestFingerprint != site.Fingerprint() {
		t.Errorf("site %q locale %q fingerprint %q", d.Site, d.Locale, d.ManifestFingerprint)
	}
	type key struct{ vendor, cookie string }
	rows := map[key]Row{}
	for _, r := range d.Rows {
		rows[key{r.VendorID, r.Cookie}] = r
	}
	for _, rec := range d.Records() {
		if len(rec) != len(d.Columns) || slices.Contains(rec, "") {
			t.Errorf("record %q has an empty or missing cell", rec)
		}
	}
	var cookies int
	var without []string
	for _, v := range site.Vendors {
		if len(v.Cookies) == 0 {
			without = append(without, v.ID)
		}
		for _, k := range v.Cookies {
			cookies++
			r, ok := rows[key{v.ID, k.Name}]
			if !ok {
				t.Errorf("cookie %s of %s is missing", k.Name, v.ID)
				continue
			}
			c := site.Category(v.Category)
			if r.Required != c.Required || r.CategoryID != c.ID || r.Category != c.Text["en"].Name {
				t.Errorf("%s: category %q %q required %v", k.Name, r.CategoryID, r.Category, r.Required)
			}
			if r.Purpose != k.Purpose["en"] || r.ManifestDuration != k.Duration.String() || r.Session != k.Duration.Session {
				t.Errorf("%s: purpose %q duration %q session %v", k.Name, r.Purpose, r.ManifestDuration, r.Session)
			}
			switch {
			case c.Required && !strings.HasPrefix(r.HowToRefuse, "Cannot be refused"):
				t.Errorf("%s is required but says %q", k.Name, r.HowToRefuse)
			case !c.Required && !strings.Contains(r.HowToRefuse, "Reject all"):
				t.Errorf("%s can be refused but says %q", k.Name, r.HowToRefuse)
			}
			if third := k.Party == "third"; third != r.ThirdParty || third != strings.Contains(r.HowToRefuse, v.PrivacyPolicy) {
				t.Errorf("%s: party %s, third_party %v, refusal %q", k.Name, k.Party, r.ThirdParty, r.HowToRefuse)
			}
		}
	}
	if len(d.Rows) != cookies {
		t.Errorf("%d rows for %d cookies", len(d.Rows), cookies)
	}
	var got []string
	for _, v := range d.VendorsWithoutCookies {
		got = append(got, v.VendorID)
	}
	slices.Sort(got)
	slices.Sort(without)
	if !slices.Equal(got, without) {
		t.Errorf("vendors without cookies %v, want %v", got, without)
	}
	session := rows[key{"demo-corporation", "__Host-session"}]
	if session.Persistence != "Session" || session.Duration != "Until the browser is closed" {
		t.Errorf("session cookie: %+v", session)
	}
}

func TestFrenchHeaders(t *testing.T) {
	d := Build(demo(t), "fr")
	want := []string{"Cookie", "Fournisseur", "Catégorie", "Finalité", "Durée", "Session ou persistant", "Première ou tierce partie", "Comment le refuser"}
	if diff := cmp.Diff(want, d.Header()); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	r := d.Rows[0]
	if r.Category != "Cookies nécessaires" || r.Party != "Première partie" || !strings.HasPrefix(r.HowToRefuse, "Ne peut pas être refusé") {
		t.Errorf("first row in French: %+v", r)
	}
}

func TestLabelsFor(t *testing.T) {
	for locale, want := range map[string]string{
		"fr": "fr", "fr-CA": "fr", "de-CH": "de", "pt-BR": "pt", "ja": "ja", "sk": "sk",
		"zh": "en", "": "en", "not a locale": "en", "en-GB": "en",
	} {
		if got := labelsFor(locale).lang; got != want {
			t.Errorf("labelsFor(%q) is %s, want %s", locale, got, want)
		}
	}
}

// TestLabelsComplete catches a translation left empty or a pattern that
// lost its %s.
func TestLabelsComplete(t *testing.T) {
	patterns := map[string]bool{"Intro": true, "Caption": true, "Generated": true, "Refusable": true, "PolicyNote": true, "NoCookies": true}
	for _, lang := range banner.Languages {
		l, ok := allLabels[lang]
		if !ok {
			t.Errorf("no labels in %s", lang)
			continue
		}
		v := reflect.ValueOf(l).Elem()
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Type.Kind() != reflect.String {
				continue
			}
			s := v.Field(i).String()
			if s == "" {
				t.Errorf("%s: %s is empty", lang, f.Name)
			}
			if n := strings.Count(s, "%"); patterns[f.Name] && (n != 1 || !strings.Contains(s, "%s")) || !patterns[f.Name] && n != 0 {
				t.Errorf("%s: %s = %q", lang, f.Name, s)
			}
		}
		if l.words != banner.For(lang) {
			t.Errorf("%s: durations are not written in %s", lang, lang)
		}
	}
}

// TestDurations checks that the Duration column is in the declaration's
// language, written by the banner's FormatDuration (tested there), and that
// a session cookie's is the declaration's own sentence.
func TestDurations(t *testing.T) {
	for _, tc := range []struct{ locale, months string }{
		{"en", "6 months"}, {"fr", "6 mois"}, {"de-CH", "6 Monate"}, {"sk", "6 mesiacov"}, {"ja", "6か月"},
		{"zh", "6 months"}, // English words around a locale Custos has none for
	} {
		if got := Build(site([]string{tc.locale}, nil, nil), tc.locale).Rows[0].Duration; got != tc.months {
			t.Errorf("%s: 6mo is %q, want %q", tc.locale, got, tc.months)
		}
		s := demo(t)
		l := labelsFor(tc.locale)
		d := Build(s, tc.locale)
		var i int
		for _, c := range s.Categories {
			for _, v := range s.VendorsIn(c.ID) {
				for _, k := range v.Cookies {
					want := banner.For(l.lang).FormatDuration(k.Duration)
					if k.Duration.Session {
						want = l.SessionDuration
					}
					if got := d.Rows[i].Duration; got != want {
						t.Errorf("%s: %s lasts %q, want %q", tc.locale, k.Name, got, want)
					}
					i++
				}
			}
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	for _, locale := range []string{"en", "fr", "de"} {
		d := Build(demo(t), locale)
		var b bytes.Buffer
		if err := d.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		body, ok := bytes.CutPrefix(b.Bytes(), []byte("\ufeff"))
		if !ok {
			t.Errorf("%s: no byte order mark", locale)
		}
		got, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", locale, err)
		}
		want := append([][]string{d.Header()}, d.Records()...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: CSV read back (-want +got):\n%s", locale, diff)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	d := Build(demo(t), "de")
	var b bytes.Buffer
	if err := d.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got Declaration
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d, &got, cmpopts.IgnoreUnexported(Declaration{})); diff != "" {
		t.Errorf("JSON read back (-want +got):\n%s", diff)
	}
	// The keys are an interface: renaming a Go field must not change them.
	var raw struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range raw.Rows[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"category", "category_id", "cookie", "domain", "duration", "how_to_refuse", "manifest_duration", "party",
		"pattern", "persistence", "privacy_policy", "purpose", "required", "session", "third_party", "vendor", "vendor_id"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("row keys (-want +got):\n%s", diff)
	}
	for _, c := range got.Columns {
		if _, ok := raw.Rows[0][c.Key]; !ok {
			t.Errorf("column %q names no row key", c.Key)
		}
	}
}

var streamRE = regexp.MustCompile(`(?s)stream\n(.*?)\nendstream`)

// pdfText returns the content of a PDF with its compressed streams
// inflated, enough to look for the strings it shows.
func pdfText(t *testing.T, pdf []byte) []byte {
	t.Helper()
	out := slices.Clone(pdf)
	for _, m := range streamRE.FindAllSubmatch(pdf, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue // not compressed
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("inflating a stream: %v", err)
		}
		out = append(out, b...)
	}
	return out
}

func TestPDF(t *testing.T) {
	site := demo(t)
	for _, tc := range []struct{ locale, header string }{
		{"en", "Provider"},
		{"fr", "Cat\xe9gorie"}, // Windows-1252, as the core fonts want it
		{"de", "Speicherdauer"},
	} {
		d := Build(site, tc.locale)
		var b bytes.Buffer
		locale, err := d.WritePDF(&b)
		if err != nil {
			t.Fatal(err)
		}
		if locale != tc.locale {
			t.Errorf("%s: written in %s", tc.locale, locale)
		}
		if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
			t.Fatalf("%s: not a PDF: %q", tc.locale, b.Bytes()[:min(20, b.Len())])
		}
		text := pdfText(t, b.Bytes())
		for _, r := range d.Rows {
			if !bytes.Contains(text, []byte("("+r.Cookie+")")) {
				t.Errorf("%s: cookie %s is not in the PDF", tc.locale, r.Cookie)
			}
		}
		if !bytes.Contains(text, []byte("("+tc.header+")")) {
			t.Errorf("%s: header %q is not in the PDF", tc.locale, tc.header)
		}
		if tc.locale == "en" {
			t.Logf("demo/en PDF: %d bytes", b.Len())
		}
	}
}

// site builds a small site in Go, with texts in the given locales.
func site(locales []string, name, purpose map[string]string) *manifest.Site {
	text := map[string]manifest.Text{}
	for loc, n := range name {
		text[loc] = manifest.Text{Name: n}
	}
	month, _ := manifest.ParseDuration("6mo")
	return &manifest.Site{
		ID: "t", Name: "Test", Locales: locales,
		Categories: []*manifest.Category{{ID: "stats", Text: text}},
		Vendors: []*manifest.Vendor{{
			ID: "v", Name: "Vendor", Category: "stats", PrivacyPolicy: "https://vendor.example/privacy",
			Cookies: []*manifest.Cookie{{Name: "vid", Duration: month, Party: "third", Purpose: purpose}},
		}},
	}
}

func TestPDFFallback(t *testing.T) {
	both := site([]string{"ja", "en"},
		map[string]string{"ja": "統計", "en": "Statistics"},
		map[string]string{"ja": "訪問者を数えます。", "en": "Counts visitors."})
	var b bytes.Buffer
	locale, err := Build(both, "ja").WritePDF(&b)
	if err != nil || locale != "en" {
		t.Fatalf("ja with en beside it: %q, %v", locale, err)
	}
	if text := pdfText(t, b.Bytes()); !bytes.Contains(text, []byte("(Provider)")) || !bytes.Contains(text, []byte("Counts visitors.")) {
		t.Error("the fallback PDF is not in English")
	}

	// Slovak's ľ is not in Windows-1252 either.
	sk := site([]string{"sk", "de"},
		map[string]string{"sk": "Štatistika", "de": "Statistik"},
		map[string]string{"sk": "Počíta návštevníkov.", "de": "Zählt Besucher."})
	if locale, err := Build(sk, "sk").WritePDF(io.Discard); err != nil || locale != "de" {
		t.Errorf("sk with de beside it: %q, %v", locale, err)
	}

	jaOnly := site([]string{"ja"}, map[string]string{"ja": "統計"}, map[string]string{"ja": "訪問者を数えます。"})
	b.Reset()
	if _, err := Build(jaOnly, "ja").WritePDF(&b); !errors.Is(err, ErrNoPDFLocale) || b.Len() != 0 {
		t.Errorf("ja only: %v, %d bytes written", err, b.Len())
	}
	// The other formats have no such limit.
	b.Reset()
	if err := Build(jaOnly, "ja").WriteHTML(&b); err != nil || !strings.Contains(b.String(), "訪問者を数えます。") || !strings.Contains(b.String(), "提供者") {
		t.Errorf("ja HTML: %v", err)
	}
}

func TestPDFNarrowNoBreakSpace(t *testing.T) {
	s := site([]string{"fr"}, map[string]string{"fr": "Statistiques"}, map[string]string{"fr": "Compte les visites\u202f; rien d'autre."})
	if locale, err := Build(s, "fr").WritePDF(io.Discard); err != nil || locale != "fr" {
		t.Errorf("%q, %v", locale, err)
	}
}

func TestHTML(t *testing.T) {
	site := demo(t)
	d := Build(site, "en")
	var b bytes.Buffer
	if err := d.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<html lang="en" dir="ltr">`,
		`<caption id="caption">Cookies used by Demo Corporation</caption>`,
		`<a href="https://matomo.org/privacy-policy/" rel="noreferrer">Matomo (self-hosted)</a>`,
		`<a href="cookies?locale=fr" hreflang="fr" lang="fr">Français</a>`,
		`<span aria-current="page" lang="en">English</span>`,
		`href="cookies.csv?locale=en"`, `href="cookies.json?locale=en"`, `href="cookies.pdf?locale=en"`,
		`<th scope="row"><code>6suuid</code><span class="domain">.6sc.co</span></th>`,
		`See also the privacy policy of <a href="https://www.linkedin.com/legal/privacy-policy" rel="noreferrer">LinkedIn Insight Tag</a>.`,
		site.Fingerprint(),
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if n := strings.Count(page, `<th scope="col">`); n != len(d.Columns) {
		t.Errorf("%d column headers", n)
	}
	if n := strings.Count(page, `<th scope="row">`); n != len(d.Rows) {
		t.Errorf("%d row headers for %d rows", n, len(d.Rows))
	}
	// The policy allows no script and no inline style but the one <style>.
	if bad := regexp.MustCompile(`<script|<link rel="stylesheet"|\s(style|on[a-z]+)=`).FindString(page); bad != "" {
		t.Errorf("the page holds %q", bad)
	}
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(page, -1)
	if len(m) != 1 {
		t.Fatalf("%d style elements", len(m))
	}
	sum := sha256.Sum256([]byte(m[0][1]))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "style-src " + hash} {
		if !strings.Contains(ContentSecurityPolicy, want) {
			t.Errorf("the policy %q lacks %s", ContentSecurityPolicy, want)
		}
	}
}

func TestHTMLFrench(t *testing.T) {
	var b bytes.Buffer
	if err := Build(demo(t), "fr").WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="fr"`, `<th scope="col">Fournisseur</th>`, `<title>Déclaration des cookies – Demo Corporation</title>`, `<a href="cookies?locale=en" hreflang="en" lang="en">English</a>`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

func TestHTMLEscapesManifestText(t *testing.T) {
	s := site([]string{"en"},
		map[string]string{"en": "</caption><script>alert('category')</script>"},
		map[string]string{"en": `"><img src=x onerror=alert(1)>`})
	s.Name = "<b>Evil</b> & Co"
	s.Vendors[0].Name = "<script>alert('vendor')</script>"
	s.Vendors[0].PrivacyPolicy = "javascript:alert('policy')"
	s.Vendors[0].Cookies[0].Name = "<script>x</script>"
	var b bytes.Buffer
	if err := Build(s, "en").WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script", "<img", "<b>", "javascript:", "</caption><"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(&#39;vendor&#39;)&lt;/script&gt;", "&lt;b&gt;Evil&lt;/b&gt; &amp; Co", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

// TestConcurrentRendering runs under -race: a Declaration is shared by the
// requests that render it.
func TestConcurrentRendering(t *testing.T) {
	d := Build(demo(t), "fr")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, write := range []func(io.Writer) error{
				d.WriteCSV, d.WriteJSON, d.WriteHTML,
				func(w io.Writer) error { _, err := d.WritePDF(w); return err },
			} {
				if err := write(io.Discard); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}
