package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var Assets embed.FS

// Site renders the pages. Server mode links with paths and query strings; static mode
// (evals report --html) links files of one folder, so the bundle opens from disk.
type Site struct {
	src    query.Source
	stamp  func() string
	static bool
	// bundled are the outcome ids with a page in a static bundle; only, when set, the
	// runs it holds.
	bundled map[string]bool
	only    map[string]bool
	tmpl    *template.Template
}

// New returns the site of the server over src; stamp (may be nil) makes pages live.
func New(src query.Source, stamp func() string) *Site {
	return &Site{src: src, stamp: stamp, tmpl: serverTemplates()}
}

// parse parses the pages with the link functions of s.
func (s *Site) parse() *template.Template {
	return template.Must(template.New("pages").Funcs(s.funcs()).ParseFS(templateFS, "templates/*.html"))
}

// serverTemplates are parsed once: a server's links depend on nothing of the request (the
// handler makes a Site per request, which must not parse the templates each time).
var serverTemplates = sync.OnceValue(func() *template.Template { return (&Site{}).parse() })

// crumb is one step of the breadcrumb.
type crumb struct{ Text, URL string }

// page is what the layout renders.
type page struct {
	Title  string
	Page   string
	Crumbs []crumb
	Data   any
	Stamp  string
	Static bool
	Script bool
}

func (s *Site) render(p page) ([]byte, error) {
	p.Static = s.static
	p.Script = !s.static
	if !s.static && s.stamp != nil {
		p.Stamp = s.stamp()
	}
	var b bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&b, "layout", p); err != nil {
		return nil, err
	}
	return showBidi(b.Bytes()), nil
}

// showBidi replaces the bidirectional overrides and isolates (U+202A–U+202E,
// U+2066–U+2069) of a page with a visible marker, [U+202E]: text from results cannot
// reorder what a page shows ("\u202eevil" rendered as "live"). The marker is plain text,
// so it is safe in an attribute as in an element, and the pages hold no such character
// of their own. (Text also sits in <bdi> where it meets other text.)
func showBidi(page []byte) []byte {
	if !bytes.ContainsAny(page, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
		return page
	}
	var out bytes.Buffer
	out.Grow(len(page) + 64)
	for len(page) > 0 {
		r, size := utf8.DecodeRune(page)
		if r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			fmt.Fprintf(&out, "[U+%04X]", r)
		} else {
			out.Write(page[:size])
		}
		page = page[size:]
	}
	return out.Bytes()
}

// Links.

func (s *Site) runsURL() string {
	if s.static {
		return "index.html"
	}
	return "/"
}

func (s *Site) runURL(id, tab string) string {
	if s.static {
		return "run-" + id + "-" + tab + ".html"
	}
	return "/runs/" + url.PathEscape(id) + "?tab=" + tab
}

func (s *Site) runPageURL(id, tab string, q url.Values, page int) string {
	if s.static {
		if page <= 1 {
			return "run-" + id + "-" + tab + ".html"
		}
		return fmt.Sprintf("run-%s-%s-%d.html", id, tab, page)
	}
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	v.Set("tab", tab)
	v.Del("page")
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return "/runs/" + url.PathEscape(id) + "?" + v.Encode()
}

// outcomeURL is an outcome's page; "" when a static bundle has none for it.
func (s *Site) outcomeURL(id, status string) string {
	if s.static {
		if !s.bundled[id] {
			return ""
		}
		return "outcome-" + id + ".html"
	}
	return "/outcomes/" + url.PathEscape(id)
}

func (s *Site) failuresURL(run, model string) string {
	if s.static {
		return s.runURL(run, "outcomes")
	}
	return "/runs/" + url.PathEscape(run) + "?" + url.Values{"tab": {"outcomes"}, "model": {model}, "status": {"failed"}}.Encode()
}

// stimulusURL is a stimulus page (the dashboard only: a report has none).
func (s *Site) stimulusURL(run, name, filter string) string {
	if s.static {
		return ""
	}
	q := url.Values{"run": {run}, "name": {name}}
	if filter != "" {
		q.Set("filter", filter)
	}
	return "/stimulus?" + q.Encode()
}

func (s *Site) compareURL(newID, baseID string) string {
	if s.static {
		return "compare-" + newID + "-" + baseID + ".html"
	}
	return "/compare?" + url.Values{"runs": {newID + "," + baseID}}.Encode()
}

func (s *Site) asset(name string) string {
	if s.static {
		return "assets/" + name
	}
	return "/assets/" + name
}

func (s *Site) funcs() template.FuncMap {
	return template.FuncMap{
		"runsURL": func() string { return s.runsURL() }, "runURL": s.runURL, "outcomeURL": s.outcomeURL, "stimulusURL": s.stimulusURL,
		"failuresURL": s.failuresURL, "compareURL": s.compareURL, "asset": s.asset,
		"static": func() bool { return s.static },
		"pct":    format.Pct, "pctpm": format.PctPM, "frontier": format.Frontier, "int": func(v any) string {
			switch n := v.(type) {
			case int:
				return format.Int(int64(n))
			case int64:
				return format.Int(n)
			case *int64:
				return format.IntP(n)
			}
			return fmt.Sprint(v)
		}, "ms": format.Ms, "msint": format.MsP,
		"float": func(v *float64) string { return format.Float(v, 2) },
		"usd": func(v *float64) string {
			if v == nil {
				return "–"
			}
			return format.USD(*v)
		},
		"time": func(t time.Time) string { return format.Time(t) },
		"interval": func(iv *query.Interval) string {
			if iv == nil {
				return "–"
			}
			return fmt.Sprintf("%.1f–%.1f%%", iv.Low*100, iv.High*100)
		},
		"vsleader": format.VsLeader,
		"pts": func(v *float64) string {
			if v == nil {
				return "–"
			}
			return fmt.Sprintf("%+.1f", *v*100)
		},
		"join":   func(v []string) string { return strings.Join(v, ", ") },
		"fold":   foldOf,
		"reason": query.Reason,
		"inc":    func(i int) int { return i + 1 },
		"diffURL": func(base, new string) string {
			return "/diff?" + url.Values{"base": {base}, "new": {new}}.Encode()
		},
		"derefs": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"modeURL": func(run, id string) string {
			return s.runPageURL(run, "outcomes", url.Values{"mode": {id}}, 1)
		},
		"barw": func(v *float64, w int) int {
			if v == nil {
				return 0
			}
			return int(math.Round(min(max(*v, 0), 1) * float64(w)))
		},
		"upper": strings.ToUpper,
		"verdictword": func(p *bool) string {
			switch {
			case p == nil:
				return "ungraded"
			case *p:
				return "pass"
			}
			return "fail"
		},
		"verdictlabel": func(v string) string {
			if v == "no_change" {
				return "no significant change"
			}
			return v
		},
		"preview": func(content, data string) string {
			t := content
			if t == "" {
				t = data
			}
			t = strings.Join(strings.Fields(t), " ")
			if r := []rune(t); len(r) > 90 {
				t = string(r[:90]) + "…"
			}
			return t
		},
	}
}

// runsData is the runs page.
type runsData struct {
	Runs []query.RunSummary
	Prev []string // the id of each run's previous run of its suite, "" for none
	// Suite is the suite the trend draws (the newest run's unless asked); Suites link to
	// the trend of each suite of the list.
	Suite    string
	Suites   []stimulusFilter
	Trend    trendChart
	Label    string
	Session  string
	Sessions []string
}

// trendRuns is how many of the newest runs the trend chart shows.
const trendRuns = 20

// Runs renders the runs list with the trend of each model's pass rate across runs.
func (s *Site) Runs(labelFilter, session, suite string) ([]byte, error) {
	p := query.RunsParams{Limit: query.MaxLimit, Session: session}
	if labelFilter != "" {
		labels, err := store.ParseLabels([]string{labelFilter})
		if err != nil {
			return nil, err
		}
		p.Labels = labels
	}
	runs, err := query.Runs(s.src, p)
	if err != nil {
		return nil, err
	}
	if s.only != nil {
		var kept []query.RunSummary
		for _, r := range runs.Items {
			if s.only[r.ID] {
				kept = append(kept, r)
			}
		}
		runs.Items = kept
	}
	d := runsData{Runs: runs.Items, Label: labelFilter, Session: session, Prev: make([]string, len(runs.Items))}
	// "vs previous" and the trend stay within a suite: unrelated suites are not one series.
	var suites []string
	for i, r := range runs.Items {
		if !slices.Contains(suites, r.Suite) {
			suites = append(suites, r.Suite)
		}
		for _, older := range runs.Items[i+1:] {
			if older.Suite == r.Suite {
				d.Prev[i] = older.ID
				break
			}
		}
	}
	d.Suite = suite
	if d.Suite == "" && len(runs.Items) > 0 {
		d.Suite = runs.Items[0].Suite
	}
	if len(suites) > 1 {
		for _, x := range suites {
			q := url.Values{"suite": {x}}
			if labelFilter != "" {
				q.Set("label", labelFilter)
			}
			if session != "" {
				q.Set("session", session)
			}
			u := "?" + q.Encode()
			if s.static {
				u = ""
			}
			d.Suites = append(d.Suites, stimulusFilter{Label: x, URL: u, Current: x == d.Suite})
		}
	}
	var ofSuite []query.RunSummary
	for _, r := range runs.Items {
		if r.Suite == d.Suite {
			ofSuite = append(ofSuite, r)
		}
	}
	if ss, err := query.Sessions(s.src); err == nil {
		for _, x := range ss {
			d.Sessions = append(d.Sessions, x.Name)
		}
	}
	newest := ofSuite[:min(len(ofSuite), trendRuns)]
	if d.Trend, err = s.trend(newest); err != nil {
		return nil, err
	}
	return s.render(page{Title: "Runs", Page: "runs", Crumbs: []crumb{{Text: "runs"}}, Data: d})
}

// trend draws each model's pass rate in each run (oldest first), one line per model.
func (s *Site) trend(runs []query.RunSummary) (trendChart, error) {
	if len(runs) < 2 {
		return trendChart{}, nil
	}
	chrono := slices.Clone(runs)
	slices.Reverse(chrono)
	points := map[string][]trendPoint{}
	var models []string
	for i, r := range chrono {
		run, err := s.src.Resolve(r.ID)
		if err != nil {
			return trendChart{}, err
		}
		ms, err := query.RunModelPoints(s.src, run) // the run's per-model sums: no scan
		if err != nil {
			return trendChart{}, err
		}
		for _, m := range ms {
			if m.PassRate == nil {
				continue
			}
			if _, ok := points[m.Model]; !ok {
				models = append(models, m.Model)
			}
			p := trendPoint{X: i, Y: *m.PassRate, Lo: *m.PassRate, Hi: *m.PassRate}
			if iv := m.PassRateInterval; iv != nil {
				p.Lo, p.Hi = iv.Low, iv.High
			}
			points[m.Model] = append(points[m.Model], p)
		}
	}
	slices.Sort(models)
	return drawTrend(runLabels(chrono), models, points), nil
}

// runLabels names runs on a time axis: each run's date (with its time where two runs share
// a date), its name in the tooltip. Runs of one suite share their names' words, so names
// cut to fit would all read alike.
func runLabels(runs []query.RunSummary) []axisLabel {
	day := func(r query.RunSummary) string { return r.CreatedAt.UTC().Format("Jan 2") }
	seen := map[string]int{}
	for _, r := range runs {
		seen[day(r)]++
	}
	out := make([]axisLabel, len(runs))
	for i, r := range runs {
		out[i] = axisLabel{Short: day(r), Full: r.Name + " · " + r.ID}
		if seen[day(r)] > 1 {
			out[i].Short = r.CreatedAt.UTC().Format("Jan 2 15:04")
		}
	}
	return out
}

// folded is a text cut to its first lines for a page: Head shows, Full opens with "show all".
type folded struct {
	Head, Full string
	More       int
}

// foldOf folds a text past n lines (12 when n is not given).
func foldOf(text string, n ...int) folded {
	lines := 12
	if len(n) > 0 {
		lines = n[0]
	}
	head, more := format.Fold(text, lines)
	return folded{Head: head, Full: text, More: more}
}
