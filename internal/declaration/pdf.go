package declaration

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/language"
)

// ErrNoPDFLocale is returned by WritePDF when none of the site's locales
// can be written in the PDF's fonts (see WritePDF).
var ErrNoPDFLocale = errors.New("declaration: no locale of the site can be written with the PDF core fonts")

// Page layout, in millimetres, for A4 landscape (297 × 210).
const (
	pdfMargin     = 10.0
	pdfBottom     = 12.0 // room for the footer
	pdfLine       = 3.6  // line height of table text
	pdfPad        = 1.0  // space above and below the lines of a cell
	pdfCellMargin = 1.2  // space left and right of a cell's text
	pdfFontSize   = 8.0  // points
)

// pdfWeights are the preferred shares of the 277 mm between the margins,
// in column order; columnWidths widens a column whose longest word would
// not fit, at the others' expense, since fpdf cuts such a word anywhere
// ("Drittanbiete" / "r") and a cookie name cut in two cannot be copied.
var pdfWeights = []float64{34, 30, 26, 60, 24, 20, 21, 62}

// pdfMaxWordWidth caps what a single word may claim: a long URL in the
// refusal column may break rather than squeeze every other column.
const pdfMaxWordWidth = 45.0

// pdfFallback builds the declaration WritePDF falls back to.
func (d *Declaration) pdfFallback() (*Declaration, string) {
	var candidates []string
	if en := d.site.BestLocale("en", ""); isEnglish(en) {
		candidates = append(candidates, en)
	}
	candidates = append(candidates, d.site.Locales...)
	for _, loc := range candidates {
		if loc == d.Locale {
			continue
		}
		if alt := Build(d.site, loc); pdfFits(alt) {
			return alt, loc
		}
	}
	return nil, ""
}

func isEnglish(locale string) bool {
	tag, err := language.Parse(locale)
	if err != nil {
		return false
	}
	base, _ := tag.Base()
	return base.String() == "en"
}

// WritePDF writes the declaration as an A4 landscape PDF: a title, the
// introduction, and the table, its header row repeated on every page.
//
// It uses the PDF core font Helvetica, which every reader has, so the file
// embeds no font and stays small; but the core fonts encode text in
// Windows-1252 only, which covers the languages of Western Europe and not,
// say, Japanese, Greek or Slovak's č and ľ. fpdf would print a dot for each
// character outside it, so a declaration whose text does not fit is written
// in English instead, or in the first of the site's locales that fits, and
// WritePDF returns the locale it wrote. It returns ErrNoPDFLocale, having
// written nothing, when no locale fits.
func (d *Declaration) WritePDF(w io.Writer) (locale string, err error) {
	if !pdfFits(d) {
		alt, loc := d.pdfFallback()
		if alt == nil {
			return "", ErrNoPDFLocale
		}
		d = alt
		locale = loc
	} else {
		locale = d.Locale
	}
	return locale, d.renderPDF(w)
}

// pdfTypography replaces characters outside Windows-1252 that have a plain
// equivalent within it; French typography's narrow no-break space is
// common in manifests and should not cost a French site its PDF.
var pdfTypography = strings.NewReplacer(
	"\u202f", "\u00a0", // narrow no-break space
	"\u2009", " ", // thin space
	"\u2010", "-", "\u2011", "-", "\u2212", "-", // hyphens, minus
)

// pdfStrings lists every string that d's PDF prints.
func pdfStrings(d *Declaration) []string {
	l := d.l
	s := []string{
		l.Title, d.SiteName, fmt.Sprintf(l.Intro, d.SiteName), fmt.Sprintf(l.Generated, d.ManifestFingerprint),
		l.PatternNote, l.NoCookies, l.ListSep,
	}
	s = append(s, d.Header()...)
	for _, rec := range d.Records() {
		s = append(s, rec...)
	}
	for _, v := range d.VendorsWithoutCookies {
		s = append(s, v.Vendor, v.Category)
	}
	return s
}

func pdfFits(d *Declaration) bool {
	for _, s := range pdfStrings(d) {
		for _, r := range pdfTypography.Replace(s) {
			if _, ok := charmap.Windows1252.EncodeRune(r); !ok {
				return false
			}
		}
	}
	return true
}

// pdfWriter draws one document.
type pdfWriter struct {
	f      *fpdf.Fpdf
	widths []float64           // of the columns, in mm
	tr     func(string) string // UTF-8 to Windows-1252
	d      *Declaration
	header [][]string // the header row, split into lines per column
}

func (d *Declaration) renderPDF(w io.Writer) error {
	f := fpdf.New("L", "mm", "A4", "")
	l := d.l
	title := l.Title + " – " + d.SiteName
	f.SetTitle(title, true)
	f.SetAuthor(d.SiteName, true)
	f.SetCreator("Custos", false)
	f.SetLang(d.Locale)
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	// Page breaks are the table's to make, between rows, with the header
	// row repeated after each.
	f.SetAutoPageBreak(false, pdfBottom)
	f.SetCellMargin(pdfCellMargin)
	f.SetDrawColor(170, 170, 170)
	f.SetLineWidth(0.2)
	f.AliasNbPages("")
	p := &pdfWriter{f: f, d: d}
	// The translator keeps a buffer between calls: one per document.
	tr := f.UnicodeTranslatorFromDescriptor("")
	p.tr = func(s string) string { return tr(pdfTypography.Replace(s)) }
	generated := fmt.Sprintf(l.Generated, d.ManifestFingerprint)
	f.SetFooterFunc(func() {
		f.SetY(-pdfMargin)
		f.SetFont("Helvetica", "", 7)
		f.SetTextColor(90, 90, 90)
		f.CellFormat(200, 4, p.tr(generated), "", 0, "L", false, 0, "")
		f.CellFormat(0, 4, fmt.Sprintf("%d / {nb}", f.PageNo()), "", 0, "R", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})

	f.AddPage()
	f.SetFont("Helvetica", "B", 16)
	f.MultiCell(0, 7, p.tr(title), "", "L", false)
	f.Ln(1)
	f.SetFont("Helvetica", "", 9)
	f.MultiCell(0, 4.5, p.tr(fmt.Sprintf(l.Intro, d.SiteName)), "", "L", false)
	f.Ln(3)

	p.widths = p.columnWidths()
	f.SetFont("Helvetica", "B", pdfFontSize)
	p.header = p.split(d.Header())
	p.drawHeader()
	f.SetFont("Helvetica", "", pdfFontSize)
	for i, rec := range d.Records() {
		p.drawRow(p.split(rec), i%2 == 1, d.Rows[i].PrivacyPolicy)
	}

	var notes []string
	if d.HasPatterns() {
		notes = append(notes, l.PatternNote)
	}
	if len(d.VendorsWithoutCookies) > 0 {
		var items []string
		for _, v := range d.VendorsWithoutCookies {
			items = append(items, v.Vendor+" ("+v.Category+")")
		}
		notes = append(notes, fmt.Sprintf(l.NoCookies, l.join(items)))
	}
	f.SetFont("Helvetica", "", pdfFontSize)
	_, pageH := f.GetPageSize()
	for _, n := range notes {
		lines := f.SplitLines([]byte(p.tr(n)), 277)
		if f.GetY()+2+float64(len(lines))*pdfLine > pageH-pdfBottom {
			f.AddPage()
		}
		f.Ln(2)
		f.MultiCell(0, pdfLine, p.tr(n), "", "L", false)
	}
	return f.Output(w)
}

// columnWidths shares the page width among the columns by pdfWeights,
// widening those whose longest word (in the bold header or a cell) would
// not fit.
func (p *pdfWriter) columnWidths() []float64 {
	f := p.f
	const total = 277.0
	need := make([]float64, len(pdfWeights))
	measure := func(rec []string) {
		for i, cell := range rec {
			for _, word := range strings.FieldsFunc(p.tr(cell), func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }) {
				need[i] = max(need[i], min(f.GetStringWidth(word)+2*pdfCellMargin+0.5, pdfMaxWordWidth))
			}
		}
	}
	f.SetFont("Helvetica", "B", pdfFontSize)
	measure(p.d.Header())
	f.SetFont("Helvetica", "", pdfFontSize)
	for _, rec := range p.d.Records() {
		measure(rec)
	}
	widths := make([]float64, len(pdfWeights))
	fixed := make([]bool, len(pdfWeights))
	// Fix each column that is too narrow at its need, and share what is
	// left among the others, until no other falls short.
	for changed := true; changed; {
		changed = false
		left, weight := total, 0.0
		for i := range widths {
			if fixed[i] {
				left -= need[i]
			} else {
				weight += pdfWeights[i]
			}
		}
		for i := range widths {
			if fixed[i] {
				widths[i] = need[i]
				continue
			}
			widths[i] = left * pdfWeights[i] / weight
			if widths[i] < need[i] {
				fixed[i], changed = true, true
			}
		}
	}
	for _, w := range widths {
		if w <= 0 { // the words need more than the page: keep the shares
			for i := range widths {
				widths[i] = total * pdfWeights[i] / 277
			}
			break
		}
	}
	return widths
}

// split wraps each cell of a record to its column's width.
func (p *pdfWriter) split(rec []string) [][]string {
	out := make([][]string, len(rec))
	for i, cell := range rec {
		for _, line := range p.f.SplitLines([]byte(p.tr(cell)), p.widths[i]) {
			out[i] = append(out[i], string(line))
		}
		if len(out[i]) == 0 {
			out[i] = []string{""}
		}
	}
	return out
}

func lineCount(cells [][]string) int {
	n := 1
	for _, c := range cells {
		n = max(n, len(c))
	}
	return n
}

func (p *pdfWriter) drawHeader() {
	p.f.SetFont("Helvetica", "B", pdfFontSize)
	p.f.SetFillColor(225, 225, 225)
	p.drawCells(p.header, 0, lineCount(p.header), "")
	p.f.SetFont("Helvetica", "", pdfFontSize)
}

// drawRow draws one row, on the next page (after the header row) when it
// does not fit on this one. A row taller than a whole page is cut between
// lines across pages. The vendor cell links to policy.
func (p *pdfWriter) drawRow(cells [][]string, shaded bool, policy string) {
	f := p.f
	_, pageH := f.GetPageSize()
	bottom := pageH - pdfBottom
	n := lineCount(cells)
	fresh := false // just below a header row on a new page
	for start := 0; start < n; {
		fit := int((bottom - f.GetY() - 2*pdfPad) / pdfLine)
		if fit < n-start && !fresh {
			p.newPage()
			fresh = true
			continue
		}
		end := min(n, start+max(fit, 1))
		if shaded {
			f.SetFillColor(246, 246, 246)
		} else {
			f.SetFillColor(255, 255, 255)
		}
		p.drawCells(cells, start, end, policy)
		start, fresh = end, false
		if start < n {
			p.newPage()
			fresh = true
		}
	}
}

func (p *pdfWriter) newPage() {
	p.f.AddPage()
	p.drawHeader()
}

// drawCells draws lines [start, end) of each cell as one band across the
// page, filled with the current fill colour, and moves below it.
func (p *pdfWriter) drawCells(cells [][]string, start, end int, link string) {
	f := p.f
	x0, y := f.GetX(), f.GetY()
	h := float64(end-start)*pdfLine + 2*pdfPad
	x := x0
	for i, lines := range cells {
		w := p.widths[i]
		f.Rect(x, y, w, h, "FD")
		for j := start; j < end && j < len(lines); j++ {
			f.SetXY(x, y+pdfPad+float64(j-start)*pdfLine)
			f.CellFormat(w, pdfLine, lines[j], "", 0, "L", false, 0, "")
		}
		if i == 1 && link != "" {
			f.LinkString(x, y, w, h, link)
		}
		x += w
	}
	f.SetXY(x0, y+h)
}
