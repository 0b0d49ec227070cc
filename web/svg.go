package web

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/evals-dev/evals/format"
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
	X      int
	Y      float64
	Lo, Hi float64 // the interval; Lo == Hi when there is none
}

type trendLine struct{ Name, Class string }

// axisLabel is a run on the x axis: what shows, and the tooltip.
type axisLabel struct{ Short, Full string }

type trendChart struct {
	SVG   template.HTML
	Lines []trendLine
}

// drawTrend draws one line per model across runs (x: runs, oldest first), each point with
// its interval as a tick. The y axis spans the data (format.ChartScale), so a drop of a few
// points shows; lines past the palette's eight colours are dashed, then dotted.
func drawTrend(labels []axisLabel, models []string, points map[string][]trendPoint) trendChart {
	const left, width, height, top = 52, 640, 200, 10
	n := len(labels)
	var all []float64
	for _, ps := range points {
		for _, p := range ps {
			all = append(all, p.Lo, p.Hi, p.Y)
		}
	}
	lo, hi := format.ChartScale(all...)
	xOf := func(i int) float64 { return float64(left) + float64(width)*float64(i)/float64(max(n-1, 1)) }
	yOf := func(v float64) float64 {
		return float64(top) + float64(height)*(1-(min(max(v, lo), hi)-lo)/(hi-lo))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="pass rate per model across runs, %.0f to %.0f%%" viewBox="0 0 %d %d" width="%d" height="%d">`, lo*100, hi*100, left+width+20, height+top+40, left+width+20, height+top+40)
	for _, v := range []float64{lo, (lo + hi) / 2, hi} {
		y := yOf(v)
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/><text class="axis" x="%d" y="%.1f" text-anchor="end">%s%%</text>`, left, y, left+width, y, left-4, y+4, strconv.FormatFloat(math.Round(v*1000)/10, 'f', -1, 64))
	}
	trendLabels(&b, labels, xOf, width, height+top+18)
	var lines []trendLine
	for k, m := range models {
		class := fmt.Sprintf("c%d d%d", k%8, k/8%3)
		var pts []string
		dodge := 3 * (float64(k) - float64(len(models)-1)/2) // the models' interval ticks side by side
		for _, p := range points[m] {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(p.X), yOf(p.Y)))
			if p.Hi > p.Lo {
				fmt.Fprintf(&b, `<line class="ci %s" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, class, xOf(p.X)+dodge, yOf(p.Lo), xOf(p.X)+dodge, yOf(p.Hi))
			}
		}
		fmt.Fprintf(&b, `<polyline class="line %s" points="%s"><title>%s</title></polyline>`, class, strings.Join(pts, " "), esc(m))
		lines = append(lines, trendLine{Name: m, Class: class})
	}
	b.WriteString(`</svg>`)
	return trendChart{SVG: template.HTML(b.String()), Lines: lines}
}

// trendLabels writes the runs' names under the x axis: at most nine, each cut to the room
// it has (about 7 px a character), so they never overprint.
func trendLabels(b *strings.Builder, labels []axisLabel, xOf func(int) float64, width, y int) {
	n := len(labels)
	step := 1
	if n > 8 {
		step = n/8 + 1
	}
	shown := (n-1)/step + 1
	room := min(18, max(4, int(float64(width)/float64(max(shown, 2)-1)*0.6/7)))
	for i, l := range labels {
		if i%step != 0 && i != n-1 || i == n-1 && i%step != 0 && (n-1)%step < step/2 {
			continue
		}
		anchor := "middle"
		switch i {
		case 0:
			anchor = "start"
		case n - 1:
			anchor = "end"
		}
		fmt.Fprintf(b, `<text class="axis" x="%.1f" y="%d" text-anchor="%s"><title>%s</title>%s</text>`, xOf(i), y, anchor, esc(l.Full), esc(shorten(l.Short, room)))
	}
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// costFrontier plots pass rate (y) against mean cost per outcome (x), one dot per model
// with its pass-rate interval, and joins the models on the pass-rate/cost frontier (◆)
// cheapest first. Dominated models are hollow. Nothing when no model has a cost.
func costFrontier(models []query.ModelRank) template.HTML {
	var pts []query.ModelRank
	maxCost := 0.0
	for _, m := range models {
		if m.MeanCostUSD != nil && m.PassRate != nil {
			pts = append(pts, m)
			maxCost = max(maxCost, *m.MeanCostUSD)
		}
	}
	if len(pts) == 0 || maxCost <= 0 {
		return ""
	}
	const left, width, height, top = 52, 560, 220, 10
	xOf := func(c float64) float64 { return left + float64(width)*c/(maxCost*1.1) }
	yOf := func(p float64) float64 { return top + float64(height)*(1-p) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="cost-frontier" role="img" aria-label="pass rate against cost per outcome; the frontier joins the models no cheaper model beats" viewBox="0 0 %d %d" width="%d" height="%d">`,
		left+width+150, top+height+40, left+width+150, top+height+40)
	for _, pct := range []int{0, 25, 50, 75, 100} {
		y := yOf(float64(pct) / 100)
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/><text class="axis" x="%d" y="%.1f" text-anchor="end">%d%%</text>`, left, y, left+width, y, left-6, y+4, pct)
	}
	for i := 0; i <= 4; i++ {
		c := maxCost * 1.1 * float64(i) / 4
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, xOf(c), top+height+16, format.USD(c))
	}
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="middle">mean cost per outcome</text>`, left+width/2, top+height+34)
	var front []query.ModelRank
	for _, m := range pts {
		if m.OnFrontier != nil && *m.OnFrontier {
			front = append(front, m)
		}
	}
	slices.SortFunc(front, func(a, b query.ModelRank) int { return cmp.Compare(*a.MeanCostUSD, *b.MeanCostUSD) })
	if len(front) > 1 {
		b.WriteString(`<polyline class="frontier" fill="none" points="`)
		for _, m := range front {
			fmt.Fprintf(&b, "%.1f,%.1f ", xOf(*m.MeanCostUSD), yOf(*m.PassRate))
		}
		b.WriteString(`"/>`)
	}
	for _, m := range pts {
		x, y := xOf(*m.MeanCostUSD), yOf(*m.PassRate)
		if iv := m.PassRateInterval; iv != nil {
			fmt.Fprintf(&b, `<line class="errbar" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x, yOf(iv.Low), x, yOf(iv.High))
		}
		class, what := "dot dominated", "below the frontier: "+m.DominatedBy+" costs no more and is significantly better"
		if m.OnFrontier != nil && *m.OnFrontier {
			class, what = "dot on-frontier", "on the frontier"
		}
		label := ModelOrSlice(m)
		fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="5"><title>%s: %.1f%%, %s per outcome, %s per pass; %s</title></circle><text x="%.1f" y="%.1f">%s</text>`,
			class, x, y, esc(label), *m.PassRate*100, format.USD(*m.MeanCostUSD), format.USD(deref(m.CostPerPassUSD)), esc(what), x+8, y+4, esc(label))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// ModelOrSlice is a ranking line's name: the model, with its slice under --by.
func ModelOrSlice(m query.ModelRank) string { return format.ModelLabel(m.Model, m.Slice) }

func deref(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}
