package console

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// The dashboard's charts are SVG drawn on the server: no script, no
// third-party library, readable without JavaScript, and allowed by the
// console's Content-Security-Policy (presentation attributes, no style).

// series is one stacked band of a bar chart.
type series struct {
	Label string
	Class string // CSS class giving its colour
}

// dayBar is one day of the consents chart: a count per series.
type dayBar struct {
	Day    time.Time
	Counts []int
}

// stackedBars draws one bar per day, stacked by series, with a y axis and
// a text alternative (a title and a description listing the totals).
func stackedBars(title string, ss []series, days []dayBar) template.HTML {
	const w, h, left, bottom, top = 720, 240, 44, 28, 10
	maxTotal := 1
	for _, d := range days {
		t := 0
		for _, c := range d.Counts {
			t += c
		}
		maxTotal = max(maxTotal, t)
	}
	ceil := niceCeil(maxTotal)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="ct-%s"><title id="ct-%s">%s</title>`,
		w, h, slug(title), slug(title), template.HTMLEscapeString(title))
	plotH := float64(h - bottom - top)
	for i := 0; i <= 4; i++ {
		v := ceil * i / 4
		y := float64(h-bottom) - plotH*float64(v)/float64(ceil)
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/><text class="axis" x="%d" y="%.1f" text-anchor="end">%d</text>`,
			left, w, y, y, left-6, y+4, v)
	}
	n := max(len(days), 1)
	slot := float64(w-left) / float64(n)
	bw := math.Max(1, slot*0.7)
	for i, d := range days {
		x := float64(left) + slot*float64(i) + (slot-bw)/2
		y := float64(h - bottom)
		var parts []string
		for j, c := range d.Counts {
			if c == 0 {
				continue
			}
			bh := plotH * float64(c) / float64(ceil)
			y -= bh
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, ss[j].Class, x, y, bw, bh)
			parts = append(parts, fmt.Sprintf("%s %d", ss[j].Label, c))
		}
		label := d.Day.Format("2006-01-02")
		if len(parts) > 0 {
			// A title per bar: the figures on hover and for screen readers.
			fmt.Fprintf(&b, `<rect class="hit" x="%.1f" y="%d" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
				x, top, bw, plotH, label, template.HTMLEscapeString(strings.Join(parts, ", ")))
		}
		if n <= 16 || i%int(math.Ceil(float64(n)/8)) == 0 {
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x+bw/2, h-8, d.Day.Format("01-02"))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// rateBar is one row of a horizontal percentage chart.
type rateBar struct {
	Label string
	Rate  float64 // 0..1
	Of    int     // how many choices it is computed from
}

// rateBars draws one horizontal bar per row, 0 to 100 %.
func rateBars(title string, rows []rateBar) template.HTML {
	const w, rowH, left = 720, 30, 200
	h := rowH*len(rows) + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="cr-%s"><title id="cr-%s">%s</title>`,
		w, h, slug(title), slug(title), template.HTMLEscapeString(title))
	for i, r := range rows {
		y := i*rowH + 5
		bw := float64(w-left-70) * r.Rate
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, left-8, y+19, template.HTMLEscapeString(r.Label))
		fmt.Fprintf(&b, `<rect class="track" x="%d" y="%d" width="%d" height="20"/>`, left, y+4, w-left-70)
		fmt.Fprintf(&b, `<rect class="s-accept" x="%d" y="%d" width="%.1f" height="20"><title>%s: %.0f %% of %d</title></rect>`,
			left, y+4, bw, template.HTMLEscapeString(r.Label), r.Rate*100, r.Of)
		fmt.Fprintf(&b, `<text class="value" x="%d" y="%d">%.0f %%</text>`, w-62, y+19, r.Rate*100)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten, divisible by 4
// for the grid lines where it can be.
func niceCeil(n int) int {
	if n <= 4 {
		return 4
	}
	p := 1
	for p*10 < n {
		p *= 10
	}
	for _, m := range []int{1, 2, 4, 5, 8, 10} {
		if m*p >= n {
			return m * p
		}
	}
	return 10 * p
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
