package web

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/evals-dev/evals/query"
)

// Charts are SVG written here rather than a charting library: two charts (bars with
// error bars, lines) are a few dozen lines each, render on the server with the page (no
// script, nothing to vendor, nothing for the CSP to allow) and look the same in the static
// report. Colours come from CSS classes, so they follow light and dark mode.

func esc(s string) string { return template.HTMLEscapeString(s) }

// rankingBars draws each model's pass rate as a bar with its 95% interval as an error bar.
func rankingBars(models []query.ModelRank) template.HTML {
	if len(models) == 0 {
		return ""
	}
	const left, width, row = 170, 420, 24
	h := len(models)*row + 30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="pass rate per model with 95%% intervals" viewBox="0 0 %d %d" width="%d" height="%d">`, left+width+60, h, left+width+60, h)
	for _, pct := range []int{0, 25, 50, 75, 100} {
		x := left + width*pct/100
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="0" x2="%d" y2="%d"/><text class="axis" x="%d" y="%d" text-anchor="middle">%d%%</text>`, x, x, h-20, x, h-5, pct)
	}
	for i, m := range models {
		y := i*row + 4
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-8, y+14, esc(m.Model))
		if m.PassRate == nil {
			continue
		}
		fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%.1f" height="%d"><title>%s: %.1f%%</title></rect>`, left, y+2, float64(width)**m.PassRate, row-8, esc(m.Model), *m.PassRate*100)
		if iv := m.PassRateInterval; iv != nil {
			x1, x2, yc := float64(left)+float64(width)*iv.Low, float64(left)+float64(width)*iv.High, y+row/2-2
			fmt.Fprintf(&b, `<line class="errbar" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/><line class="errbar" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/><line class="errbar" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>`,
				x1, yc, x2, yc, x1, yc-5, x1, yc+5, x2, yc-5, x2, yc+5)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d">%.1f%%</text>`, left+width+6, y+14, *m.PassRate*100)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

type trendPoint struct {
	X int
	Y float64
}

type trendLine struct{ Name, Class string }

type trendChart struct {
	SVG   template.HTML
	Lines []trendLine
}

// drawTrend draws one line per model across runs (x: runs, oldest first).
func drawTrend(labels, models []string, points map[string][]trendPoint) trendChart {
	const left, width, height, top = 40, 640, 200, 10
	n := len(labels)
	xOf := func(i int) float64 { return float64(left) + float64(width)*float64(i)/float64(max(n-1, 1)) }
	yOf := func(v float64) float64 { return float64(top) + float64(height)*(1-v) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="pass rate per model across runs" viewBox="0 0 %d %d" width="%d" height="%d">`, left+width+20, height+top+40, left+width+20, height+top+40)
	for _, pct := range []int{0, 50, 100} {
		y := yOf(float64(pct) / 100)
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/><text class="axis" x="%d" y="%.1f" text-anchor="end">%d%%</text>`, left, y, left+width, y, left-4, y+4, pct)
	}
	for i, l := range labels {
		if n > 8 && i%(n/8+1) != 0 && i != n-1 {
			continue
		}
		anchor := "middle"
		switch i {
		case 0:
			anchor = "start"
		case n - 1:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="%s">%s</text>`, xOf(i), height+top+18, anchor, esc(shorten(l, 18)))
	}
	var lines []trendLine
	for k, m := range models {
		class := fmt.Sprintf("c%d", k%8)
		var pts []string
		for _, p := range points[m] {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(p.X), yOf(p.Y)))
		}
		fmt.Fprintf(&b, `<polyline class="line %s" points="%s"><title>%s</title></polyline>`, class, strings.Join(pts, " "), esc(m))
		lines = append(lines, trendLine{Name: m, Class: class})
	}
	b.WriteString(`</svg>`)
	return trendChart{SVG: template.HTML(b.String()), Lines: lines}
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
