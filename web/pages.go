package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"golang.org/x/sync/errgroup"
)

// Tabs of a run page.
var Tabs = []string{"ranking", "failures", "graders", "tools", "matrix", "outcomes"}

type tab struct {
	Name, URL string
	Current   bool
}

type pager struct{ Prev, Next, Label string }

type matrixCell struct {
	Text, Class, Title string
	Reason             bool // the title says why a trial failed
}

type matrixRow struct {
	Stimulus, URL string
	Cells         []matrixCell
}

type outcomeFilter struct {
	Model, Status, Stimulus, Sort, Mode string
	Desc                                bool
}

// runData is a run page.
type runData struct {
	Run      query.RunDetail
	Headline query.Headline
	Failures query.Failures
	// ModeURLs open each failure mode's outcomes; ModeRate draws its share per model.
	ModeURLs      map[string]string
	Tab           string
	Tabs          []tab
	Ranking       query.Ranking
	RankingSVG    any
	CostSVG       any
	Graders       query.Graders
	EvidenceLinks map[string]string
	Tools         query.Tools
	Matrix        query.Matrix
	MatrixRows    []matrixRow
	RowsFrom      int
	RowsTo        int
	Metrics       []query.Metric
	Outcomes      query.Paged[query.OutcomeSummary]
	Filter        outcomeFilter
	Statuses      []string
	Sorts         []string
	Pager         pager
}

// Page sizes of the paged tabs: a page never ships a whole run.
const (
	OutcomesPerPage = 50
	MatrixRowsPage  = 100
)

// Run renders one tab of a run. q carries the tab's filters (outcomes, matrix) and page.
func (s *Site) Run(ref, tabName string, q url.Values) ([]byte, error) {
	if tabName == "" {
		tabName = "ranking"
	}
	if !slices.Contains(Tabs, tabName) {
		return nil, errs.E(errs.Invalid, "unknown tab %q: use %s", tabName, strings.Join(Tabs, ", "))
	}
	r, err := s.src.Resolve(ref)
	if err != nil {
		return nil, err
	}
	sum := query.Summarize(r)
	d := runData{Run: query.RunDetail{RunSummary: sum}, Tab: tabName}
	for _, t := range Tabs {
		d.Tabs = append(d.Tabs, tab{Name: t, URL: s.runURL(r.ID, t), Current: t == tabName})
	}
	page := 1
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return nil, errs.E(errs.Invalid, "invalid page %q", v)
		}
	}
	sc := query.Scope{Runs: []string{r.ID}}
	if d.Headline, err = s.headline(r.ID); err != nil {
		return nil, err
	}
	switch tabName {
	case "failures":
		if d.Failures, err = query.FailuresOf(s.src, query.FailuresParams{Scope: sc}); err != nil {
			return nil, err
		}
		d.ModeURLs = map[string]string{}
		for _, m := range d.Failures.Modes {
			d.ModeURLs[m.ID] = s.runPageURL(r.ID, "outcomes", url.Values{"mode": {m.ID}}, 1)
		}
	case "ranking":
		if d.Ranking, err = query.RankingOf(s.src, sc); err != nil {
			return nil, err
		}
		d.RankingSVG = rankingBars(d.Ranking.Models)
		d.CostSVG = costFrontier(d.Ranking.Models)
	case "graders":
		if d.Graders, err = query.GradersOf(s.src, sc); err != nil {
			return nil, err
		}
		d.EvidenceLinks = map[string]string{}
		for _, g := range d.Graders.Graders {
			for i, e := range g.SampleFailureEvidence {
				if i < len(g.SampleFailureOutcomes) {
					if u := s.outcomeURL(g.SampleFailureOutcomes[i], "failed"); u != "" {
						d.EvidenceLinks[e] = u
					}
				}
			}
		}
	case "tools":
		if d.Tools, err = query.ToolsOf(s.src, sc); err != nil {
			return nil, err
		}
	case "matrix":
		if err := s.matrix(&d, r.ID, q, page); err != nil {
			return nil, err
		}
	case "outcomes":
		if err := s.outcomes(&d, r.ID, q, page); err != nil {
			return nil, err
		}
	}
	return s.render(pageOf(fmt.Sprintf("%s · %s", r.Name, tabName), "run", []crumb{{Text: "runs", URL: s.runsURL()}, {Text: r.Name}}, d))
}

func pageOf(title, kind string, crumbs []crumb, data any) page {
	return page{Title: title, Page: kind, Crumbs: crumbs, Data: data}
}

func (s *Site) matrix(d *runData, runID string, q url.Values, page int) error {
	m, err := query.MatrixOf(s.src, query.Scope{Runs: []string{runID}}, q.Get("metric"))
	if err != nil {
		return err
	}
	d.Matrix, d.Metrics = m, query.Registry
	from := (page - 1) * MatrixRowsPage
	to := min(from+MatrixRowsPage, len(m.Rows))
	if from > len(m.Rows) {
		from = len(m.Rows)
	}
	d.RowsFrom, d.RowsTo = from+1, to
	lo, hi := columnRange(m)
	for r := from; r < to; r++ {
		row := matrixRow{Stimulus: m.Rows[r]}
		for c := range m.Columns {
			cell := m.Cells[r][c]
			if cell == nil || cell.Value == nil {
				row.Cells = append(row.Cells, matrixCell{Text: "–", Class: "hn"})
				continue
			}
			v := *cell.Value
			shade := 0.0
			if hi > lo {
				shade = (v - lo) / (hi - lo)
			}
			if m.Metric.Direction == "lower_is_better" {
				shade = 1 - shade
			}
			class := "hn"
			if m.Metric.Direction != "neutral" {
				class = "h" + strconv.Itoa(min(7, int(shade*8)))
			}
			title := fmt.Sprintf("%s · %s: %s (%d outcomes)", m.Rows[r], m.Columns[c], format.MetricValue(m.Metric, cell.Value), cell.OutcomeCount)
			if cell.Status != "" {
				title += " · " + cell.Status
			}
			row.Cells = append(row.Cells, matrixCell{Text: format.MetricValue(m.Metric, cell.Value), Class: class, Title: title})
		}
		d.MatrixRows = append(d.MatrixRows, row)
	}
	if err := s.cellReasons(d, runID, m.Rows[from:to], m.Columns); err != nil {
		return err
	}
	d.Pager = s.pager(runID, "matrix", q, page, (len(m.Rows)+MatrixRowsPage-1)/MatrixRowsPage)
	return nil
}

// cellReasons adds to each shown cell with a failure the reason of its first failed or
// errored trial (one outcomes query for the page's stimuli), and links the row to its
// stimulus page.
func (s *Site) cellReasons(d *runData, runID string, stimuli, models []string) error {
	if len(stimuli) == 0 {
		return nil
	}
	res, err := query.Outcomes(s.src, query.OutcomesParams{Runs: []string{runID}, Stimulus: stimuli, Status: []string{"failed", "error"}, Limit: query.MaxLimit})
	if err != nil {
		return err
	}
	reasons := map[[2]string]string{}
	for _, o := range res.Items {
		k := [2]string{o.StimulusName, o.Model}
		if _, ok := reasons[k]; !ok && o.Reason != nil {
			reasons[k] = *o.Reason
		}
	}
	for r := range d.MatrixRows {
		row := &d.MatrixRows[r]
		row.URL = s.stimulusURL(runID, row.Stimulus, "")
		for c := range row.Cells {
			if why, ok := reasons[[2]string{row.Stimulus, models[c]}]; ok {
				row.Cells[c].Title += "\n" + why
				row.Cells[c].Reason = true
			}
		}
	}
	return nil
}

func columnRange(m query.Matrix) (lo, hi float64) {
	first := true
	for _, row := range m.Cells {
		for _, c := range row {
			if c == nil || c.Value == nil {
				continue
			}
			if first || *c.Value < lo {
				lo = *c.Value
			}
			if first || *c.Value > hi {
				hi = *c.Value
			}
			first = false
		}
	}
	if m.Metric.Unit == "ratio" {
		return 0, 1
	}
	return lo, hi
}

var outcomeSorts = []string{"", "stimulus", "model", "trial", "status", "duration_ms", "score", "total_tokens", "cost_usd"}

func (s *Site) outcomes(d *runData, runID string, q url.Values, page int) error {
	f := outcomeFilter{Model: q.Get("model"), Status: q.Get("status"), Stimulus: q.Get("stimulus"), Sort: q.Get("sort"), Desc: q.Get("desc") == "1", Mode: q.Get("mode")}
	if !slices.Contains(outcomeSorts, f.Sort) {
		return errs.E(errs.Invalid, "unknown sort %q", f.Sort)
	}
	p := query.OutcomesParams{Runs: []string{runID}, Sort: f.Sort, Desc: f.Desc, Limit: OutcomesPerPage, Mode: f.Mode}
	if f.Model != "" {
		p.Model = []string{f.Model}
	}
	if f.Status != "" {
		p.Status = []string{f.Status}
	}
	if f.Stimulus != "" {
		p.Stimulus = []string{f.Stimulus}
	}
	if page > 1 {
		p.Cursor = query.EncodeCursor((page - 1) * OutcomesPerPage)
	}
	res, err := query.Outcomes(s.src, p)
	if err != nil {
		return err
	}
	d.Outcomes, d.Filter = res, f
	d.Statuses = []string{"passed", "failed", "error", "skipped", "pending"}
	d.Sorts = outcomeSorts
	d.Pager = s.pager(runID, "outcomes", q, page, (res.Page.Total+OutcomesPerPage-1)/OutcomesPerPage)
	return nil
}

func (s *Site) pager(runID, tabName string, q url.Values, page, pages int) pager {
	p := pager{Label: fmt.Sprintf("page %d of %d", page, max(pages, 1))}
	if page > 1 {
		p.Prev = s.runPageURL(runID, tabName, q, page-1)
	}
	if page < pages {
		p.Next = s.runPageURL(runID, tabName, q, page+1)
	}
	return p
}

// outcomeData is an outcome page.
type outcomeData struct {
	Outcome    query.OutcomeDetail
	Transcript format.Transcript
	// Diff is the output against expected, only when expected is a reference answer.
	Diff []diffLine
	// Criterion is set when expected is an acceptance criterion (shown as is, never diffed).
	Criterion bool
}

// Outcome renders one outcome as a transcript: verdicts and evidence first, then the
// output (diffed only against a reference answer), then the steps.
func (s *Site) Outcome(id string) ([]byte, error) {
	steps, err := query.OutcomeStepsOf(s.src, id)
	if err != nil {
		return nil, err
	}
	o := steps.Outcome
	d := outcomeData{Outcome: o, Transcript: format.TranscriptOf(steps.Trajectory, steps.Tools.Items)}
	if format.RefersToAnswer(o.Expected, o.GraderResults) {
		d.Diff = lineDiff(o.Expected, o.Output)
	} else {
		d.Criterion = o.Expected != ""
	}
	crumbs := []crumb{{Text: "runs", URL: s.runsURL()}, {Text: o.RunID, URL: s.runURL(o.RunID, "outcomes")}, {Text: o.ID}}
	return s.render(pageOf(format.Title(o.OutcomeSummary), "outcome", crumbs, d))
}

// compareChange is one changed stimulus of a pair, with both sides' outputs.
type compareChange struct {
	Kind, Model, Stimulus, Base, New string
	BaseOutputs, NewOutputs          []textOf
	// BaseID and NewID are the first trials the outputs came from (the transcript diff's
	// sides); Reason is the failing side's one-line reason.
	BaseID, NewID, Reason string
}

type textOf struct{ ID, Text string }

type compareData struct {
	Compare   query.Compare
	NewName   string
	BaseNames string
	Changes   []compareChange
	More      int // changed stimuli beyond the page
}

// A compare page lists at most maxChanges changed stimuli (regressions first), and brings
// the outputs (first trial of each side) of the first maxCompareOutputs regressions and
// improvements: a page never ships a whole run.
const (
	maxChanges        = 200
	maxCompareOutputs = 10
)

// Compare renders a comparison of runs (new first), regressions first, with both sides'
// outputs for the first changed stimuli.
func (s *Site) Compare(runs []string) ([]byte, error) {
	c, err := query.CompareRuns(s.src, query.NewCompareParams(runs...))
	if err != nil {
		return nil, err
	}
	d := compareData{Compare: c}
	names := map[string]string{}
	var bases []string
	for _, sj := range c.Subjects {
		if _, ok := names[sj.RunID]; !ok {
			names[sj.RunID] = sj.RunName
			if len(names) > 1 {
				bases = append(bases, sj.RunName)
			}
		}
	}
	d.NewName, d.BaseNames = c.Subjects[0].RunName, strings.Join(bases, ", ")
	pairs := map[string]query.PairSummary{}
	for _, p := range c.Summary {
		pairs[p.Pair] = p
	}
	type want struct {
		change     int
		run, model string
		stimulus   string
		newSide    bool
	}
	var wants []want
	total := 0
	for _, row := range c.Rows {
		for _, ch := range row.Changes {
			if ch.Kind == "unchanged" {
				continue
			}
			total++
			if len(d.Changes) >= maxChanges {
				continue
			}
			p := pairs[ch.Pair]
			if len(wants) < 2*maxCompareOutputs && (ch.Kind == "regressed" || ch.Kind == "improved") {
				wants = append(wants, want{len(d.Changes), strings.SplitN(p.Base, ":", 2)[0], p.Model, row.Stimulus, false},
					want{len(d.Changes), strings.SplitN(p.New, ":", 2)[0], p.Model, row.Stimulus, true})
			}
			d.Changes = append(d.Changes, compareChange{Kind: ch.Kind, Model: p.Model, Stimulus: row.Stimulus, Base: format.CompareCellText(row.Cells[p.Base]), New: format.CompareCellText(row.Cells[p.New])})
		}
	}
	d.More = total - len(d.Changes)
	// One outcomes query per run finds the first trial of every wanted cell.
	byRun := map[string][]want{}
	for _, w := range wants {
		byRun[w.run] = append(byRun[w.run], w)
	}
	for run, ws := range byRun {
		var models, stimuli []string
		for _, w := range ws {
			models, stimuli = append(models, w.model), append(stimuli, w.stimulus)
		}
		res, err := query.Outcomes(s.src, query.OutcomesParams{Runs: []string{run}, Model: models, Stimulus: stimuli, Limit: query.MaxLimit})
		if err != nil {
			return nil, err
		}
		first := map[[2]string]query.OutcomeSummary{}
		for _, o := range res.Items {
			k := [2]string{o.Model, o.StimulusName}
			if f, ok := first[k]; !ok || o.TrialIndex < f.TrialIndex {
				first[k] = o
			}
		}
		// Each cell's first trial is read in full, four at a time (one after another, 20
		// took 223 ms), then set in order.
		found := make([]query.OutcomeSummary, len(ws))
		dets := make([]*query.OutcomeDetail, len(ws))
		var g errgroup.Group
		g.SetLimit(4)
		for i, w := range ws {
			o, ok := first[[2]string{w.model, w.stimulus}]
			if !ok {
				continue
			}
			found[i] = o
			g.Go(func() error {
				if det, err := query.OutcomeOf(s.src, o.ID); err == nil {
					dets[i] = &det
				}
				return nil
			})
		}
		_ = g.Wait()
		for i, w := range ws {
			det, o := dets[i], found[i]
			if det == nil {
				continue
			}
			text := det.Output
			if r := []rune(text); len(r) > 2000 {
				text = string(r[:2000]) + "…"
			}
			out := textOf{ID: fmt.Sprintf("trial %d · %s", o.TrialIndex, o.DisplayStatus), Text: text}
			ch := &d.Changes[w.change]
			if w.newSide {
				ch.NewOutputs, ch.NewID = append(ch.NewOutputs, out), o.ID
			} else {
				ch.BaseOutputs, ch.BaseID = append(ch.BaseOutputs, out), o.ID
			}
			if det.Reason != nil && (w.newSide == (ch.Kind == "regressed")) {
				ch.Reason = *det.Reason
			}
		}
	}
	crumbs := []crumb{{Text: "runs", URL: s.runsURL()}, {Text: "compare"}}
	return s.render(pageOf("compare", "compare", crumbs, d))
}

// stimulusData is a stimulus page: every model's trials of one stimulus side by side.
type stimulusData struct {
	View      query.StimulusView
	Filter    string
	Criterion bool
	// Prev and Next step through the run's stimuli that hold the filter; At and Of say
	// where this one is among them (0 when it does not hold it).
	Prev, Next string
	At, Of     int
	Filters    []stimulusFilter
}

type stimulusFilter struct {
	Label, URL string
	Current    bool
}

// Stimulus renders one stimulus of a run: each model's trials with verdicts, reasons and
// outputs side by side; filter (failures, disagree) steps through the stimuli that hold it.
func (s *Site) Stimulus(runRef, name, filter string) ([]byte, error) {
	v, err := query.StimulusOf(s.src, runRef, name)
	if err != nil {
		return nil, err
	}
	m, err := query.MatrixOf(s.src, query.Scope{Runs: []string{v.RunID}}, "pass_rate")
	if err != nil {
		return nil, err
	}
	list, err := query.StimuliWhere(m, filter)
	if err != nil {
		return nil, err
	}
	d := stimulusData{View: v, Filter: filter, Of: len(list)}
	for i, st := range v.Models {
		if i == 0 && len(st.Trials) > 0 {
			d.Criterion = v.Expected != "" && !format.RefersToAnswer(v.Expected, st.Trials[0].GraderResults)
		}
	}
	if i := slices.Index(list, name); i >= 0 {
		d.At = i + 1
		if i > 0 {
			d.Prev = s.stimulusURL(v.RunID, list[i-1], filter)
		}
		if i+1 < len(list) {
			d.Next = s.stimulusURL(v.RunID, list[i+1], filter)
		}
	} else if len(list) > 0 {
		d.Next = s.stimulusURL(v.RunID, list[0], filter)
	}
	for _, f := range []struct{ label, key string }{{"all stimuli", ""}, {"failures only", "failures"}, {"models disagree", "disagree"}} {
		d.Filters = append(d.Filters, stimulusFilter{Label: f.label, URL: s.stimulusURL(v.RunID, name, f.key), Current: f.key == filter})
	}
	crumbs := []crumb{{Text: "runs", URL: s.runsURL()}, {Text: v.RunID, URL: s.runURL(v.RunID, "matrix")}, {Text: name}}
	return s.render(pageOf(name+" · every model", "stimulus", crumbs, d))
}

// diffData is a transcript diff page: two trials of one stimulus side by side.
type diffData struct {
	Base, New query.OutcomeDetail
	Diff      format.TranscriptDiff
}

// TranscriptDiff renders two outcomes' transcripts aligned step by step, the first step
// where they diverge marked (a regression's base and new trial).
func (s *Site) TranscriptDiff(baseID, newID string) ([]byte, error) {
	if baseID == "" || newID == "" {
		return nil, errs.E(errs.Invalid, "a transcript diff needs base and new outcome ids: /diff?base=ID&new=ID")
	}
	var d diffData
	var trs [2]format.Transcript
	for i, id := range []string{baseID, newID} {
		steps, err := query.OutcomeStepsOf(s.src, id)
		if err != nil {
			return nil, err
		}
		trs[i] = format.TranscriptOf(steps.Trajectory, steps.Tools.Items)
		if i == 0 {
			d.Base = steps.Outcome
		} else {
			d.New = steps.Outcome
		}
	}
	d.Diff = format.DiffTranscripts(trs[0], trs[1])
	title := "diff · " + d.New.StimulusName + " · " + d.New.Model
	crumbs := []crumb{{Text: "runs", URL: s.runsURL()}, {Text: "compare", URL: s.compareURL(d.New.RunID, d.Base.RunID)}, {Text: "transcript diff"}}
	return s.render(pageOf(title, "diff", crumbs, d))
}

// errorData is an error page.
type errorData struct{ Code, Message string }

// Error renders an error page.
func (s *Site) Error(err error) []byte {
	b, rerr := s.render(pageOf("error", "error", []crumb{{Text: "runs", URL: s.runsURL()}}, errorData{Code: string(errs.CodeOf(err)), Message: err.Error()}))
	if rerr != nil {
		return []byte("error")
	}
	return b
}

// headlines remembers the last run headlines made, by run and store stamp: the headline
// (a ranking, the failure modes and a compare) is on every tab of a run, and made once.
var headlines = struct {
	sync.Mutex
	byKey map[string]query.Headline
	order []string
}{byKey: map[string]query.Headline{}}

const maxHeadlines = 64

func (s *Site) headline(runID string) (query.Headline, error) {
	key := ""
	if s.stamp != nil && !s.static {
		key = runID + "\x00" + s.stamp()
	}
	if key != "" {
		headlines.Lock()
		h, ok := headlines.byKey[key]
		headlines.Unlock()
		if ok {
			return h, nil
		}
	}
	h, err := query.HeadlineOf(s.src, runID)
	if err != nil || key == "" {
		return h, err
	}
	headlines.Lock()
	defer headlines.Unlock()
	if _, ok := headlines.byKey[key]; !ok {
		headlines.byKey[key] = h
		headlines.order = append(headlines.order, key)
		if len(headlines.order) > maxHeadlines {
			delete(headlines.byKey, headlines.order[0])
			headlines.order = headlines.order[1:]
		}
	}
	return h, nil
}
