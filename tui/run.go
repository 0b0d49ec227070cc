package tui

import (
	"context"
	"fmt"
	"github.com/charmbracelet/x/ansi"
	"math"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

var runTabs = []string{"ranking", "graders", "tools", "matrix", "outcomes", "failures"}

// tabFailures is the failure modes tab (last, so the others keep their keys).
const tabFailures = 5

// maxListed bounds the outcomes one tab holds; the footer says when there are more.
var maxListed = 10000

// runScreen shows one run in tabs.
type runScreen struct {
	m      *Model
	ref    string
	detail *query.RunDetail
	// headline is the run's one-glance summary, loaded after the detail.
	headline *query.Headline
	tab      int
	grids    []*grid
	loaded   []bool
	filter   query.OutcomesParams
	total    int
	// remote is set once the run has more outcomes than the outcomes tab holds: its
	// filter, failures-only and sort are then asked of the query over the whole run.
	remote   bool
	asked    string // the grid's question the listed outcomes answer
	fetching bool   // a next window is on its way
	cancel   func() // stops the outcomes query in flight
	width    int
	height   int
	// by is the tag the ranking is grouped by ("" for none); b cycles through the run's
	// tag keys.
	by string
	// drills are where each drill into the outcomes came from (esc goes back to it).
	drills []drill
	// why holds the reason of the matrix cells looked at (stimulus, model), "" for a cell
	// without a failed trial; asked while the answer is on its way.
	why map[[2]string]string
}

// cellWhy is the reason of a matrix cell's first failed or errored trial.
type cellWhy struct {
	key    [2]string
	reason string
}

// matrixCell is the stimulus and model under the matrix's cursor.
func (s *runScreen) matrixCell() ([2]string, bool) {
	g := s.grids[3]
	r, ok := g.current()
	if !ok || g.focus <= 0 || g.focus >= len(g.cols) {
		return [2]string{}, false
	}
	stim, ok := r.value.(string)
	return [2]string{stim, g.cols[g.focus].name}, ok
}

// askWhy looks up why the focused matrix cell failed, once per cell.
func (s *runScreen) askWhy() tea.Cmd {
	k, ok := s.matrixCell()
	if s.tab != 3 || s.detail == nil || !ok {
		return nil
	}
	if s.why == nil {
		s.why = map[[2]string]string{}
	}
	if _, asked := s.why[k]; asked {
		return nil
	}
	s.why[k] = ""
	src, run := s.m.opt.Source, s.detail.ID
	return load(s, func() (cellWhy, error) {
		items, _, err := query.OutcomeList(src, query.OutcomesParams{Runs: []string{run}, Stimulus: []string{k[0]}, Model: []string{k[1]}, Status: []string{"failed", "error"}}, 1)
		w := cellWhy{key: k}
		if err == nil && len(items) > 0 && items[0].Reason != nil {
			w.reason = *items[0].Reason
		}
		return w, err
	})
}

func newRunScreen(m *Model, ref string) *runScreen {
	s := &runScreen{m: m, ref: ref, loaded: make([]bool, len(runTabs))}
	st, k := &m.st, &m.keys
	s.grids = []*grid{
		newGrid(st, k, rankingCols(""), "no outcomes"),
		newGrid(st, k, []column{{"GRADER", kindText, 24, false}, {"TYPE", kindText, 8, false}, {"PASS", kindRate, 0, false}, {"FAIL", kindNum, 0, false}, {"SCORE", kindNum, 0, false},
			{"SAMPLE FAILURE EVIDENCE", kindText, 200, false}}, "no grader results"),
		newGrid(st, k, []column{{"TOOL", kindText, 20, false}, {"CALLS", kindNum, 0, false}, {"SUCCESS", kindRate, 0, false}, {"FAILED", kindNum, 0, false},
			{"OUTCOME PASS", kindRate, 0, false}, {"DURATION", kindNum, 0, false}, {"MODELS", kindText, 60, false}}, "no tool calls"),
		newGrid(st, k, []column{{"STIMULUS", kindText, 36, false}}, "no outcomes"),
		newGrid(st, k, []column{{"STIMULUS", kindText, 34, false}, {"MODEL", kindText, 20, false}, {"TRIAL", kindNum, 0, false}, {"STATUS", kindStatus, 0, false},
			{"SCORE", kindNum, 0, false}, {"DURATION", kindNum, 0, false}, {"TOOLS", kindNum, 0, true}, {"REASON", kindText, 80, false}, {"ID", kindText, 20, true}}, "no outcomes match"),
		newGrid(st, k, []column{{"COUNT", kindNum, 0, false}, {"SHARE", kindNum, 0, false}, {"TREND", kindText, 10, false}, {"SIGNATURE", kindText, 90, false},
			{"MODELS", kindText, 50, true}, {"ID", kindText, 11, true}}, "no failed or errored outcomes"),
	}
	return s
}

func (s *runScreen) title() string {
	name := s.ref
	if s.detail != nil {
		name = s.detail.Name
	}
	return name + " › " + runTabs[s.tab]
}

func (s *runScreen) init() tea.Cmd {
	src, ref := s.m.opt.Source, s.ref
	return load(s, func() (query.RunDetail, error) { return query.Run(src, ref) })
}

// loadTab loads the current tab once.
func (s *runScreen) loadTab() tea.Cmd {
	if s.loaded[s.tab] || s.detail == nil {
		return nil
	}
	s.loaded[s.tab] = true
	src, sc := s.m.opt.Source, query.Scope{Runs: []string{s.detail.ID}}
	switch s.tab {
	case 0:
		sc.By = s.by
		return s.m.track(load(s, func() (query.Ranking, error) { return query.RankingOf(src, sc) }))
	case 1:
		return s.m.track(load(s, func() (query.Graders, error) { return query.GradersOf(src, sc) }))
	case 2:
		return s.m.track(load(s, func() (query.Tools, error) { return query.ToolsOf(src, sc) }))
	case 3:
		return s.m.track(load(s, func() (query.Matrix, error) { return query.MatrixOf(src, sc, "pass_rate") }))
	case tabFailures:
		return s.m.track(load(s, func() (query.Failures, error) { return query.FailuresOf(src, query.FailuresParams{Scope: sc}) }))
	default:
		p := s.remoteParams()
		s.asked = s.grids[4].question()
		asked := s.asked
		src = s.cancellable(src)
		return s.m.track(load(s, func() (outcomeList, error) {
			l, err := listOutcomes(src, p)
			l.asked = asked
			return l, err
		}))
	}
}

// cancellable gives the outcomes tab's next query a source of its own context and cancels
// the one before: a filter typed again stops the scan of the one it replaces.
func (s *runScreen) cancellable(src query.Source) query.Source {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	st, ok := src.(interface {
		WithContext(context.Context) *store.Store
	})
	if !ok {
		return src
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	return st.WithContext(ctx)
}

// remoteParams is the outcomes tab's question for the query: the drill's filter, and once
// the run has more outcomes than the tab holds, the grid's filter terms, failures-only and
// sort too, so that they are answered over the whole run, not the outcomes listed.
func (s *runScreen) remoteParams() query.OutcomesParams {
	p := s.filter
	p.Runs = []string{s.detail.ID}
	g := s.grids[4]
	if !s.remote {
		return p
	}
	for _, term := range strings.Fields(g.filter) {
		k, v, ok := strings.Cut(term, ":")
		switch {
		case !ok && slices.Contains([]string{"passed", "failed", "error", "skipped", "pending"}, strings.ToLower(term)):
			p.Status = append(p.Status, strings.ToLower(term)) // a status word, as the held rows match it
		case !ok || k == "" || v == "":
			p.Text = append(p.Text, term)
		case k == "model":
			p.Model = append(p.Model, v)
		case k == "stimulus":
			p.Stimulus = append(p.Stimulus, v)
		case k == "status":
			p.Status = append(p.Status, v)
		case k == "grader":
			p.Grader = v
		default:
			p.Where = append(p.Where, query.TagFilter{Key: k, Values: []string{v}})
		}
	}
	if g.failOnly {
		p.Status = append(p.Status, "failed", "error")
	}
	if g.sortCol >= 0 && g.sortCol < len(g.cols) {
		p.Sort = map[string]string{"STIMULUS": "stimulus", "MODEL": "model", "TRIAL": "trial", "STATUS": "status", "SCORE": "score",
			"DURATION": "duration_ms", "TOOLS": "tool_calls"}[g.cols[g.sortCol].name]
		p.Desc = g.desc
	}
	return p
}

type outcomeList struct {
	items []query.OutcomeSummary
	total int
	// asked is the grid's question the list answers: an answer to an older question that
	// arrives late is dropped, not shown over the newer one.
	asked string
	// more is the next window of the list the tab holds, to append to it.
	more bool
}

func listOutcomes(src query.Source, p query.OutcomesParams) (outcomeList, error) {
	items, total, err := query.OutcomeList(src, p, maxListed)
	return outcomeList{items: items, total: total}, err
}

func (s *runScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		return s.loadedValue(msg.value)
	case tea.KeyPressMsg:
		g := s.grids[s.tab]
		if !g.filtering {
			k := s.m.keys
			switch {
			case key.Matches(msg, k.Tab):
				return s.setTab((s.tab + 1) % len(runTabs))
			case key.Matches(msg, k.ShiftTab):
				return s.setTab((s.tab + len(runTabs) - 1) % len(runTabs))
			case key.Matches(msg, k.Enter):
				return s.drill()
			case msg.String() >= "1" && msg.String() <= "6":
				return s.setTab(int(msg.String()[0] - '1'))
			case key.Matches(msg, k.GroupBy) && s.tab == 0 && s.detail != nil:
				return s.cycleBy()
			case key.Matches(msg, k.Review):
				if s.detail != nil {
					return push(newReviewScreen(s.m, s.detail.ID))
				}
				return nil
			case msg.String() == "x" && s.tab == 4:
				s.filter = query.OutcomesParams{}
				s.loaded[4] = false
				return s.loadTab()
			}
		}
	}
	g := s.grids[s.tab]
	g.update(msg)
	if s.tab == 3 {
		if cmd := s.askWhy(); cmd != nil {
			return cmd
		}
	}
	// Scrolled to the end of the outcomes held while the list goes on: the next window.
	if s.tab == 4 && s.remote && !g.filtering && g.question() == s.asked && !s.fetching &&
		len(g.all) < s.total && len(g.view) > 0 && g.cursor >= len(g.view)-1 && g.filter == "" {
		s.fetching = true
		src, p, off, asked := s.m.opt.Source, s.remoteParams(), len(g.all), s.asked
		return s.m.track(load(s, func() (outcomeList, error) {
			items, total, err := query.OutcomeWindow(src, p, off, maxListed)
			return outcomeList{items: items, total: total, more: true, asked: asked}, err
		}))
	}
	if s.tab == 4 && s.remote && !g.filtering && g.question() != s.asked {
		s.loaded[4] = false
		return s.loadTab() // the filter was committed, or sort or failures-only changed
	}
	return nil
}

func (s *runScreen) setTab(t int) tea.Cmd {
	s.tab = t
	return s.loadTab()
}

// drill goes one level deeper from the row under the cursor.
func (s *runScreen) drill() tea.Cmd {
	r, ok := s.grids[s.tab].current()
	if !ok {
		return nil
	}
	switch v := r.value.(type) {
	case query.ModelRank:
		return s.showOutcomes(query.OutcomesParams{Model: []string{v.Model}})
	case query.GraderStats:
		return s.showOutcomes(query.OutcomesParams{Grader: v.Name, Status: []string{"failed"}})
	case string: // a matrix row: on its name, every model's trials; on a cell, its outcomes
		g := s.grids[s.tab]
		if g.focus <= 0 || g.focus >= len(g.cols) {
			return push(newStimulusScreen(s.m, s.detail.ID, v))
		}
		return s.showOutcomes(query.OutcomesParams{Stimulus: []string{v}, Model: []string{g.cols[g.focus].name}})
	case query.OutcomeSummary:
		return push(newOutcomeScreen(s.m, v.ID))
	case query.FailureMode:
		if v.Count == 0 {
			return status("this mode is gone: the baseline had it, this run has none")
		}
		return s.showOutcomes(query.OutcomesParams{Mode: v.ID})
	}
	return nil
}

// drill is the view a drill-down left: its tab, and the outcomes filter it had.
type drill struct {
	tab    int
	filter query.OutcomesParams
}

// escape undoes one level: a filter first, then the last drill-down (back to the tab and
// row it came from); with neither, esc leaves the run.
func (s *runScreen) escape() (bool, tea.Cmd) {
	if s.grids[s.tab].clearFilter() {
		if s.tab == 4 && s.remote {
			s.loaded[4] = false
			return true, s.loadTab()
		}
		return true, nil
	}
	if len(s.drills) == 0 || s.tab != 4 {
		return false, nil
	}
	d := s.drills[len(s.drills)-1]
	s.drills = s.drills[:len(s.drills)-1]
	s.filter, s.loaded[4] = d.filter, false
	s.tab = d.tab
	return true, s.loadTab()
}

func (s *runScreen) showOutcomes(p query.OutcomesParams) tea.Cmd {
	s.drills = append(s.drills, drill{tab: s.tab, filter: s.filter})
	s.filter = p
	s.loaded[4] = false
	s.grids[4].cursor = 0
	return s.setTab(4)
}

func (s *runScreen) loadedValue(v any) tea.Cmd {
	switch v := v.(type) {
	case query.RunDetail:
		s.detail = &v
		src, id := s.m.opt.Source, v.ID
		return tea.Batch(s.loadTab(), s.m.track(load(s, func() (query.Headline, error) { return query.HeadlineOf(src, id) })))
	case query.Headline:
		s.headline = &v
	case cellWhy:
		s.why[v.key] = v.reason
	case query.Failures:
		s.fillFailures(v)
	case groupBy:
		if v.none {
			return status("this run has no tags to group by (docs/format.md: tags)")
		}
		s.by, s.loaded[0] = v.key, false
		msg := "ranking of all outcomes"
		if v.key != "" {
			msg = "ranking by " + v.key
		}
		return tea.Batch(s.loadTab(), status(msg))
	case query.Ranking:
		s.fillRanking(v)
	case query.Graders:
		var rows []row
		for _, g := range v.Graders {
			ev := ""
			if len(g.SampleFailureEvidence) > 0 {
				ev = g.SampleFailureEvidence[0]
			}
			rows = append(rows, row{cells: []string{g.Name, g.Type, format.Pct(g.PassRate), format.Int(g.FailCount), format.Float(g.MeanScore, 2), ev},
				value: g, failed: g.FailCount > 0, rates: []*float64{nil, nil, g.PassRate}})
		}
		s.grids[1].setRows(rows)
	case query.Tools:
		var rows []row
		for _, t := range v.Tools {
			rows = append(rows, row{cells: []string{t.Name, format.Int(t.CallCount), format.Pct(t.SuccessRate), format.Int(t.FailureCount),
				format.Pct(t.OutcomePassRate), format.Ms(t.MeanDurationMs), strings.Join(t.Models, ", ")},
				nums:  []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), num(t.MeanDurationMs)},
				value: t, failed: t.FailureCount > 0, rates: []*float64{nil, nil, t.SuccessRate, nil, t.OutcomePassRate}})
		}
		s.grids[2].setRows(rows)
	case query.Matrix:
		s.fillMatrix(v)
	case outcomeList:
		if s.remote && v.asked != s.asked {
			return nil // a late answer to a question since replaced (its scan was cancelled)
		}
		s.total = v.total
		if v.total > len(v.items) {
			s.remote = true
		}
		var rows []row
		for _, o := range v.items {
			st := o.DisplayStatus
			if o.Reviewed {
				st += " ✎" // a human verdict
			}
			rows = append(rows, row{cells: []string{o.StimulusName, o.Model, strconv.Itoa(o.TrialIndex), st, format.Float(o.Score, 2),
				format.MsP(o.DurationMs), format.IntP(o.ToolCalls), derefString(o.Reason), o.ID},
				nums:  []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), numI(o.DurationMs)},
				value: o, failed: o.DisplayStatus == "failed" || o.DisplayStatus == "error"})
		}
		if v.more {
			s.fetching = false
			s.grids[4].appendRows(rows)
		} else {
			s.grids[4].setRows(rows)
		}
	}
	return nil
}

func derefString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *runScreen) fillFailures(v query.Failures) {
	var rows []row
	for _, m := range v.Modes {
		var models []string
		for _, c := range m.ByModel {
			if c.Count > 0 && len(models) < 3 {
				models = append(models, fmt.Sprintf("%s %d", c.Model, c.Count))
			}
		}
		rows = append(rows, row{cells: []string{format.Int(m.Count), format.Pct(m.Share), format.TrendLabel(m), query.Reason(m.Source, m.Signature), strings.Join(models, ", "), m.ID},
			nums: []float64{float64(m.Count), num(m.Share)}, value: m, failed: m.Trend != nil && (*m.Trend == "new" || *m.Trend == "grown")})
	}
	s.grids[tabFailures].setRows(rows)
}

func num(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

// numI is num of a count that may not have been recorded.
func numI(v *int64) float64 {
	if v == nil {
		return math.NaN()
	}
	return float64(*v)
}

// rankingCols are the ranking's columns; grouped (--by), a group column comes first, its
// value shown once per block of rows.
func rankingCols(by string) []column {
	cols := []column{{"#", kindNum, 0, false}, {"MODEL", kindText, 28, false}, {"PASS", kindRate, 0, false}, {"", kindText, 10, true}, {"PASS@k", kindRate, 0, false},
		// Names get the width first: turns, tool calls and tokens give way when the
		// terminal is narrow (the JSON and a wider terminal have them).
		{"DURATION", kindNum, 0, false}, {"TURNS", kindNum, 0, true}, {"TOOLS", kindNum, 0, true}, {"TOKENS", kindNum, 0, true}, {"COST", kindNum, 0, false},
		{"$/PASS", kindNum, 0, false}, {"◆", kindText, 0, true}, {"ERRORS", kindNum, 0, false}}
	if by == "" {
		return cols
	}
	return append([]column{{strings.ToUpper(by), kindText, 20, false}}, cols...)
}

func (s *runScreen) fillRanking(v query.Ranking) {
	g := s.grids[0]
	if cols := rankingCols(s.by); len(cols) != len(g.cols) || cols[0].name != g.cols[0].name {
		g.cols, g.natural, g.focus, g.sortCol, g.xoff = cols, nil, 0, -1, 0
	}
	g.grouped = s.by != ""
	var rows []row
	for _, m := range v.Models {
		// pass@k at the largest k with a value (the keys, not the trial count from data).
		var pk *float64
		best := 0
		for key, p := range m.PassAtK {
			if k, err := strconv.Atoi(key); err == nil && p != nil && k > best {
				best, pk = k, p
			}
		}
		cost := "–"
		if m.CostUSD != nil {
			cost = format.USD(*m.CostUSD)
		}
		perPass := "–"
		if m.CostPerPassUSD != nil {
			perPass = format.USD(*m.CostPerPassUSD)
		}
		mark := ""
		if m.OnFrontier != nil && *m.OnFrontier {
			mark = "◆" // on the pass-rate/cost frontier
		}
		name := m.Model
		if mark := format.VsLeader(m.VsLeader); mark == "≈" {
			name += " ≈" // not significantly behind the leader
		}
		r := row{cells: []string{strconv.Itoa(m.Rank), name, format.PctPM(m.PassRate, m.PassRateInterval), format.Bar(m.PassRate, 10), format.Pct(pk),
			format.Ms(m.MeanDurationMs), format.Float(m.MeanTurns, 1), format.Float(m.MeanToolCalls, 1), format.IntP(m.TotalTokens), cost, perPass, mark, format.Int(m.ErrorCount)},
			nums: []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), num(m.MeanDurationMs), math.NaN(), math.NaN(), numI(m.TotalTokens), num(m.CostUSD),
				num(m.CostPerPassUSD)},
			value: m, failed: m.PassRate != nil && *m.PassRate < 0.5, rates: []*float64{nil, nil, m.PassRate, m.PassRate, pk}}
		if s.by != "" { // the group's value in the group column first
			group := query.NoTag
			if m.Slice != nil {
				group = m.Slice.Value
			}
			r.cells, r.nums, r.rates = append([]string{group}, r.cells...), append([]float64{math.NaN()}, r.nums...), append([]*float64{nil}, r.rates...)
		}
		rows = append(rows, r)
	}
	g.setRows(rows)
}

func (s *runScreen) fillMatrix(v query.Matrix) {
	cols := []column{{"STIMULUS", kindText, 64, false}} // as wide as the room allows; cut in the middle
	for _, c := range v.Columns {
		cols = append(cols, column{name: c, kind: kindRate})
	}
	g := s.grids[3]
	g.cols, g.middleFirst = cols, true
	var rows []row
	for r, stim := range v.Rows {
		cells := []string{stim}
		rates := []*float64{nil}
		failed := false
		for _, c := range v.Cells[r] {
			if c == nil {
				cells, rates = append(cells, "·"), append(rates, nil)
				continue
			}
			cells, rates = append(cells, format.MatrixCellText(v.Metric, c)), append(rates, c.Value)
			failed = failed || c.Value != nil && *c.Value < 1
		}
		rows = append(rows, row{cells: cells, value: stim, failed: failed, rates: rates})
	}
	g.setRows(rows)
}

func (s *runScreen) view() string {
	if s.detail == nil {
		return "loading run " + s.ref + "…"
	}
	d := s.detail
	var b strings.Builder
	head := fmt.Sprintf("%s  %s  %s · %d models · %s outcomes · pass %s · %s failed · %s error",
		s.m.st.title.Render(d.Name), s.m.st.faint.Render(d.ID), format.Time(d.CreatedAt), len(d.Models), format.Int(d.OutcomeCount),
		format.Pct(d.PassRate), format.Int(d.Counts.Failed), format.Int(d.Counts.Error))
	b.WriteString(ansi.Truncate(head, max(s.width, 10), "…") + "\n")
	second := s.headlineText()
	if s.tab == 4 { // drilled into outcomes: the line says which (the headline is a tab away)
		second = s.m.st.faint.Render("outcomes")
		if f := describe(s.filter); f != "" {
			second += " " + s.m.st.mark.Render(f) + s.m.st.faint.Render(" (x clears)")
		}
		if s.total > len(s.grids[4].all) {
			second += s.m.st.faint.Render(fmt.Sprintf(" · first %d of %d", len(s.grids[4].all), s.total))
		}
	}
	b.WriteString(ansi.Truncate(second, max(s.width, 10), "…") + "\n")
	var tabs []string
	for i, t := range runTabs {
		label := fmt.Sprintf("%d %s", i+1, t)
		if i == s.tab {
			tabs = append(tabs, s.m.st.tabActive.Render(label))
		} else {
			tabs = append(tabs, s.m.st.tab.Render(label))
		}
	}
	line := strings.Join(tabs, "")
	if s.tab == 3 { // the matrix: the full names of the cell under the cursor, on a line of their own
		g := s.grids[3]
		cell := ""
		if r, ok := g.current(); ok {
			cell = r.cells[0]
			if g.focus > 0 && g.focus < len(g.cols) {
				cell += " × " + g.cols[g.focus].name
			}
		}
		legend := "   ~ flaky · err every trial errored · · no outcomes"
		if k, ok := s.matrixCell(); ok && s.why[k] != "" {
			legend = "  " + s.why[k]
		}
		line += "\n" + s.m.st.faint.Render(ansi.Truncate(cell+legend, max(s.width-1, 10), "…"))
	}
	b.WriteString(line + "\n")
	if !s.loaded[s.tab] || (s.grids[s.tab].all == nil && s.m.loading > 0) {
		b.WriteString("loading " + runTabs[s.tab] + "…\n")
		return b.String()
	}
	b.WriteString(s.grids[s.tab].render())
	return b.String()
}

func describe(p query.OutcomesParams) string {
	var parts []string
	if len(p.Model) > 0 {
		parts = append(parts, "model="+strings.Join(p.Model, ","))
	}
	if len(p.Stimulus) > 0 {
		parts = append(parts, "stimulus="+strings.Join(p.Stimulus, ","))
	}
	if p.Grader != "" {
		parts = append(parts, "grader="+p.Grader)
	}
	if p.Mode != "" {
		parts = append(parts, "mode="+p.Mode)
	}
	if len(p.Status) > 0 {
		parts = append(parts, "status="+strings.Join(p.Status, ","))
	}
	return strings.Join(parts, " ")
}

func (s *runScreen) setSize(w, h int) {
	s.width, s.height = w, h
	for i, g := range s.grids {
		if i == 3 {
			g.setSize(w, h-4) // the matrix has a line naming the cell under the cursor
			continue
		}
		g.setSize(w, h-3)
	}
}

func (s *runScreen) typing() bool { return s.grids[s.tab].filtering }

// click selects a tab on the tab line, or a row of the grid.
func (s *runScreen) click(x, y int) tea.Cmd {
	if y != 1 {
		top := 2
		if s.tab == 3 {
			top = 3 // below the matrix's cell line
		}
		s.grids[s.tab].click(y - top)
		return nil
	}
	at := 0
	for i, t := range runTabs {
		w := len(fmt.Sprintf("%d %s", i+1, t)) + 2 // the tab style pads one cell each side
		if x >= at && x < at+w {
			return s.setTab(i)
		}
		at += w
	}
	return nil
}

func (s *runScreen) selected() any {
	if r, ok := s.grids[s.tab].current(); ok {
		return r.value
	}
	return nil
}

func (s *runScreen) help() []key.Binding {
	k := s.m.keys
	return []key.Binding{k.Tab, k.ShiftTab, k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.Enter, k.Filter,
		k.Left, k.Right, k.Sort, k.Reverse, k.Failures, k.Review, k.GroupBy,
		key.NewBinding(key.WithKeys("1"), key.WithHelp("1–5", "jump to a tab")),
		key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "clear the outcome filter"))}
}

// cycleBy groups the ranking by the next tag key of the run (none, then each key in turn).
func (s *runScreen) cycleBy() tea.Cmd {
	src, id, cur := s.m.opt.Source, s.detail.ID, s.by
	return load(s, func() (groupBy, error) {
		t, err := query.TagsOf(src, query.Scope{Runs: []string{id}})
		if err != nil {
			return groupBy{}, err
		}
		var keys []string
		for _, x := range t.Tags {
			if len(keys) == 0 || keys[len(keys)-1] != x.Key {
				keys = append(keys, x.Key)
			}
		}
		next := ""
		if i := slices.Index(keys, cur); i+1 < len(keys) {
			next = keys[i+1]
		}
		return groupBy{key: next, none: len(keys) == 0}, nil
	})
}

// groupBy is the next grouping of the ranking.
type groupBy struct {
	key  string
	none bool
}

// headlineText is the run's headline in one line: the best model, what changed against
// the run before, and the largest (or a new) failure mode.
func (s *runScreen) headlineText() string {
	h, st := s.headline, &s.m.st
	if h == nil {
		return st.faint.Render("…")
	}
	var parts []string
	if len(h.Best) > 0 {
		best := "best " + st.title.Render(strings.Join(h.Best, ", ")) + " " + format.Pct(h.BestPassRate)
		if len(h.Best) > 1 {
			best += st.faint.Render(" (tied)")
		}
		parts = append(parts, best)
	}
	if h.BaseRunID != nil {
		var ch []string
		for _, r := range h.Regressed {
			ch = append(ch, st.bad.Render(r.Model+" regressed")+fmt.Sprintf(" %s", format.Points(r.Delta)))
		}
		for _, r := range h.Improved {
			ch = append(ch, st.good.Render(r.Model+" improved"))
		}
		if len(ch) == 0 {
			ch = append(ch, "no model changed")
		}
		parts = append(parts, "vs "+h.BaseRunName+": "+strings.Join(ch, ", "))
	}
	switch {
	case len(h.NewModes) > 0:
		m := h.NewModes[0]
		parts = append(parts, st.bad.Render("new mode")+" "+query.Reason(m.Source, m.Signature))
	case len(h.TopModes) > 0:
		m := h.TopModes[0]
		parts = append(parts, "fails most by "+query.Reason(m.Source, m.Signature))
	}
	return strings.Join(parts, st.faint.Render(" · "))
}
