package query

import (
	"cmp"
	"slices"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// MaxCompareRuns bounds how many runs one compare takes.
const MaxCompareRuns = 8

// CompareParams tune a cross-run comparison.
type CompareParams struct {
	// Runs are run references, the new run first, then its baselines.
	Runs []string
	// Threshold is the pass rate at or above which a cell is ok (default 0.5).
	Threshold float64
	// MinMatched is the number of matched stimuli below which a pair is underpowered (default 10).
	MinMatched int
	// Alpha is the significance level of the McNemar test (default 0.05).
	Alpha float64
	// Pairs maps a model of the new run to the model of the baselines it is compared with
	// (default: the same model).
	Pairs map[string]string
}

// Subject is one (run, model) pair: the unit of comparison.
type Subject struct {
	SubjectID    string `json:"subjectId"`
	RunID        string `json:"runId"`
	RunName      string `json:"runName"`
	Model        string `json:"model"`
	Label        string `json:"label"`
	OutcomeCount int64  `json:"outcomeCount"`
}

// SubjectCoverage says how many of a subject's stimuli are in every subject.
type SubjectCoverage struct {
	SubjectID string `json:"subjectId"`
	Matched   int    `json:"matched"`
	Total     int    `json:"total"`
}

// Coverage tells how comparable the subjects are.
type Coverage struct {
	IntersectionCount int               `json:"intersectionCount"`
	UnionCount        int               `json:"unionCount"`
	Subjects          []SubjectCoverage `json:"subjects"`
}

// CompareCell is one subject's aggregate on one stimulus.
type CompareCell struct {
	Status           string   `json:"status"` // ok | failed | error | missing
	SampleSize       int64    `json:"sampleSize"`
	PassRate         *float64 `json:"passRate"`
	Flaky            bool     `json:"flaky"`
	MeanDurationMs   *float64 `json:"meanDurationMs"`
	MeanTurns        *float64 `json:"meanTurns"`
	MeanToolCalls    *float64 `json:"meanToolCalls"`
	ErrorCount       int64    `json:"errorCount"`
	MeanInputTokens  *float64 `json:"meanInputTokens"`
	MeanOutputTokens *float64 `json:"meanOutputTokens"`
	MeanTotalTokens  *float64 `json:"meanTotalTokens"`
	MeanCostUSD      *float64 `json:"meanCostUsd"`
}

// RowChange is what happened to a stimulus in one pair of subjects.
type RowChange struct {
	Pair string `json:"pair"`
	// Kind is regressed, improved, errored, new, removed, flaky or unchanged.
	Kind string `json:"kind"`
}

// CompareRow is one stimulus across every subject.
type CompareRow struct {
	Stimulus string                 `json:"stimulus"`
	Cells    map[string]CompareCell `json:"cells"`
	Changes  []RowChange            `json:"changes"`
}

// McNemar is the exact test on paired trials.
type McNemar struct {
	PairedTrials int     `json:"pairedTrials"`
	BaseOnly     int     `json:"basePassedNewFailed"`
	NewOnly      int     `json:"baseFailedNewPassed"`
	PValue       float64 `json:"pValue"`
}

// PairSummary compares a subject of the new run with its baseline subject.
type PairSummary struct {
	Pair           string    `json:"pair"`
	New            string    `json:"new"`
	Base           string    `json:"base"`
	Model          string    `json:"model"`
	MatchedStimuli int       `json:"matchedStimuli"`
	Regressions    int       `json:"regressions"`
	Improvements   int       `json:"improvements"`
	Unchanged      int       `json:"unchanged"`
	NewStimuli     int       `json:"added"`
	Removed        int       `json:"removed"`
	Errored        int       `json:"errored"`
	Flaky          int       `json:"flaky"`
	PassRateBase   *float64  `json:"passRateBase"`
	PassRateNew    *float64  `json:"passRateNew"`
	PassRateDelta  *float64  `json:"passRateDelta"`
	DeltaCI95      []float64 `json:"deltaCi95"`
	McNemar        McNemar   `json:"mcnemar"`
	Underpowered   bool      `json:"underpowered"`
	Verdict        string    `json:"verdict"` // regressed | improved | no_change | underpowered
	DurationDelta  *float64  `json:"meanDurationMsDelta"`
	TokensDelta    *float64  `json:"meanTotalTokensDelta"`
	CostDelta      *float64  `json:"meanCostUsdDelta"`
	RegressedList  []string  `json:"regressedStimuli"`
	ImprovedList   []string  `json:"improvedStimuli"`
	FlakyList      []string  `json:"flakyStimuli"`
}

// Compare is the answer of a cross-run comparison.
type Compare struct {
	Subjects  []Subject     `json:"subjects"`
	Coverage  Coverage      `json:"coverage"`
	Summary   []PairSummary `json:"summary"`
	Rows      []CompareRow  `json:"rows"`
	Threshold float64       `json:"threshold"`
	Alpha     float64       `json:"alpha"`
}

func (p *CompareParams) defaults() error {
	if p.Threshold == 0 {
		p.Threshold = DefaultThreshold
	}
	if p.MinMatched == 0 {
		p.MinMatched = 10
	}
	if p.Alpha == 0 {
		p.Alpha = 0.05
	}
	switch {
	case len(p.Runs) < 2:
		return errs.E(errs.Invalid, "compare needs a new run and at least one baseline")
	case len(p.Runs) > MaxCompareRuns:
		return errs.E(errs.Invalid, "compare takes at most %d runs, got %d", MaxCompareRuns, len(p.Runs))
	case p.Threshold < 0 || p.Threshold > 1:
		return errs.E(errs.Invalid, "threshold %v is outside 0..1", p.Threshold)
	case p.Alpha <= 0 || p.Alpha >= 1:
		return errs.E(errs.Invalid, "alpha %v is outside (0, 1)", p.Alpha)
	case p.MinMatched < 1:
		return errs.E(errs.Invalid, "min matched %d must be at least 1", p.MinMatched)
	}
	return nil
}

// CompareRuns compares runs subject by subject: the new run (first) against each baseline,
// model by model, with regressions and improvements per stimulus, flaky stimuli kept
// apart, an exact McNemar test on paired trials and a 95% interval on the pass-rate delta.
func CompareRuns(src Source, p CompareParams) (Compare, error) {
	if err := p.defaults(); err != nil {
		return Compare{}, err
	}
	var runs []store.Run
	for _, ref := range p.Runs {
		r, err := src.Resolve(ref)
		if err != nil {
			return Compare{}, err
		}
		for _, prev := range runs {
			if prev.ID == r.ID && len(p.Runs) > 2 {
				return Compare{}, errs.E(errs.Invalid, "run %s is given twice", r.ID)
			}
		}
		runs = append(runs, r)
	}
	aggs, err := aggregateRuns(src, runs, perCell)
	if err != nil {
		return Compare{}, err
	}
	c := Compare{Threshold: p.Threshold, Alpha: p.Alpha, Subjects: []Subject{}, Summary: []PairSummary{}, Rows: []CompareRow{}}
	// Subjects, with a stimulus → index map per run.
	var subs []subj
	stimIdx := make([]map[string]int, len(aggs))
	for ri, ra := range aggs {
		stimIdx[ri] = map[string]int{}
		for si, s := range ra.stimuli {
			stimIdx[ri][s] = si
		}
		for _, mi := range sortedModels(ra) {
			var n int64
			for si := range ra.stimuli {
				if a := ra.cell(mi, si); a != nil {
					n += a.n
				}
			}
			subs = append(subs, subj{ri, mi})
			c.Subjects = append(c.Subjects, Subject{SubjectID: subjectID(ra.run, ra.models[mi]), RunID: ra.run.ID, RunName: ra.run.Name,
				Model: ra.models[mi], Label: ra.run.Name + "/" + ra.models[mi], OutcomeCount: n})
		}
	}
	// Every stimulus of any subject, and the coverage.
	union := map[string]int{}
	perSubject := make([]map[string]bool, len(subs))
	for k, sb := range subs {
		perSubject[k] = map[string]bool{}
		ra := aggs[sb.run]
		for si, s := range ra.stimuli {
			if ra.cell(sb.model, si) != nil {
				perSubject[k][s] = true
				union[s]++
			}
		}
	}
	for _, n := range union {
		if n == len(subs) {
			c.Coverage.IntersectionCount++
		}
	}
	c.Coverage.UnionCount = len(union)
	for k := range subs {
		matched := 0
		for s := range perSubject[k] {
			if union[s] == len(subs) {
				matched++
			}
		}
		c.Coverage.Subjects = append(c.Coverage.Subjects, SubjectCoverage{SubjectID: c.Subjects[k].SubjectID, Matched: matched, Total: len(perSubject[k])})
	}
	// Pairs: each model of the new run against the same (or --pair) model of each baseline.
	for bi := 1; bi < len(aggs); bi++ {
		for _, mi := range sortedModels(aggs[0]) {
			model := aggs[0].models[mi]
			want := model
			if p.Pairs[model] != "" {
				want = p.Pairs[model]
			}
			bm := slices.Index(aggs[bi].models, want)
			if bm < 0 {
				continue
			}
			c.Summary = append(c.Summary, comparePair(aggs[0], mi, aggs[bi], bm, stimIdx[bi], p))
		}
	}
	if len(c.Summary) == 0 {
		return Compare{}, errs.E(errs.Incomparable, "runs %s have no model in common", strings.Join(runIDs(runs), ", ")).
			WithHint("pair different models with --pair NEW_MODEL=BASE_MODEL")
	}
	matched := 0
	for _, s := range c.Summary {
		matched += s.MatchedStimuli
	}
	if matched == 0 {
		return Compare{}, errs.E(errs.Incomparable, "runs %s have no stimulus in common for any model", strings.Join(runIDs(runs), ", "))
	}
	c.Rows = compareRows(aggs, stimIdx, subs, c.Subjects, union, c.Summary, p.Threshold)
	return c, nil
}

// subj locates a subject: a run's aggregate and a model index in it.
type subj struct{ run, model int }

func subjectID(r store.Run, model string) string { return r.ID + ":" + model }

func sortedModels(ra *runAgg) []int {
	order := make([]int, len(ra.models))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return lessFold(ra.models[a], ra.models[b]) })
	return order
}

// change classifies one stimulus of a pair from its base and new cells.
func change(base, nw *acc, threshold float64) string {
	bs, ns := cellStatus(base, threshold), cellStatus(nw, threshold)
	switch {
	case bs == "missing" && ns == "missing":
		return ""
	case bs == "missing":
		return "new"
	case ns == "missing":
		return "removed"
	case ns == "error" && bs != "error":
		return "errored"
	case bs == ns:
		return "unchanged"
	case isFlaky(base) && isFlaky(nw):
		// Both sides are mixed across trials: a flip between them is noise, not a change.
		return "flaky"
	case bs == "ok" && ns == "failed":
		return "regressed"
	case (bs == "failed" || bs == "error") && ns == "ok":
		return "improved"
	}
	return "unchanged"
}

func isFlaky(a *acc) bool { return a != nil && a.passed > 0 && a.passed < a.rated() }

func comparePair(nr *runAgg, nm int, br *runAgg, bm int, bIdx map[string]int, p CompareParams) PairSummary {
	ps := PairSummary{New: subjectID(nr.run, nr.models[nm]), Base: subjectID(br.run, br.models[bm]), Model: nr.models[nm],
		RegressedList: []string{}, ImprovedList: []string{}, FlakyList: []string{}}
	ps.Pair = ps.New + " vs " + ps.Base
	var baseTot, newTot acc
	seen := map[string]bool{}
	for si, s := range nr.stimuli {
		seen[s] = true
		nc := nr.cell(nm, si)
		var bc *acc
		if bsi, ok := bIdx[s]; ok {
			bc = br.cell(bm, bsi)
		}
		k := change(bc, nc, p.Threshold)
		ps.count(k, s)
		if bc == nil || nc == nil {
			continue
		}
		ps.MatchedStimuli++
		if isFlaky(bc) || isFlaky(nc) {
			if k != "flaky" {
				ps.Flaky++
				ps.FlakyList = append(ps.FlakyList, s)
			}
		}
		baseTot.merge(bc)
		newTot.merge(nc)
		// Paired trials for McNemar.
		bt, nt := br.trials[bm][bIdx[s]], nr.trials[nm][si]
		for t := 0; t < len(bt) && t < len(nt); t++ {
			if bt[t] < 0 || nt[t] < 0 {
				continue
			}
			ps.McNemar.PairedTrials++
			switch {
			case bt[t] == 1 && nt[t] == 0:
				ps.McNemar.BaseOnly++
			case bt[t] == 0 && nt[t] == 1:
				ps.McNemar.NewOnly++
			}
		}
	}
	for si, s := range br.stimuli {
		if !seen[s] && br.cell(bm, si) != nil {
			ps.count("removed", s)
		}
	}
	ps.McNemar.PValue = round6(McNemarExact(ps.McNemar.BaseOnly, ps.McNemar.NewOnly))
	ps.PassRateBase, ps.PassRateNew = baseTot.passRate(), newTot.passRate()
	ps.DeltaCI95 = []float64{}
	if ps.PassRateBase != nil && ps.PassRateNew != nil {
		d := round6(*ps.PassRateNew - *ps.PassRateBase)
		ps.PassRateDelta = &d
		lo, hi := NewcombeDiff(newTot.passed, newTot.rated(), baseTot.passed, baseTot.rated(), 1.959964)
		ps.DeltaCI95 = []float64{round6(lo), round6(hi)}
	}
	ps.DurationDelta = diff(newTot.dur, newTot.executed(), baseTot.dur, baseTot.executed())
	ps.TokensDelta = diff(newTot.total, newTot.executed(), baseTot.total, baseTot.executed())
	if newTot.costN > 0 && baseTot.costN > 0 {
		d := round6(newTot.cost/float64(newTot.costN) - baseTot.cost/float64(baseTot.costN))
		ps.CostDelta = &d
	}
	ps.Underpowered = ps.MatchedStimuli < p.MinMatched
	switch {
	case ps.Underpowered:
		ps.Verdict = "underpowered"
	case ps.McNemar.PValue < p.Alpha && ps.McNemar.BaseOnly > ps.McNemar.NewOnly:
		ps.Verdict = "regressed"
	case ps.McNemar.PValue < p.Alpha && ps.McNemar.NewOnly > ps.McNemar.BaseOnly:
		ps.Verdict = "improved"
	default:
		ps.Verdict = "no_change"
	}
	return ps
}

func (ps *PairSummary) count(kind, stim string) {
	switch kind {
	case "regressed":
		ps.Regressions++
		ps.RegressedList = append(ps.RegressedList, stim)
	case "improved":
		ps.Improvements++
		ps.ImprovedList = append(ps.ImprovedList, stim)
	case "unchanged":
		ps.Unchanged++
	case "new":
		ps.NewStimuli++
	case "removed":
		ps.Removed++
	case "errored":
		ps.Errored++
	case "flaky":
		ps.Flaky++
		ps.FlakyList = append(ps.FlakyList, stim)
	}
}

func diff(a int64, an int64, b int64, bn int64) *float64 {
	if an == 0 || bn == 0 {
		return nil
	}
	d := round6(float64(a)/float64(an) - float64(b)/float64(bn))
	return &d
}

var changeOrder = map[string]int{"regressed": 0, "improved": 1, "errored": 2, "flaky": 3, "new": 4, "removed": 5, "unchanged": 6}

// compareRows builds one row per stimulus; idx maps each run's stimulus names to indexes.
func compareRows(aggs []*runAgg, idx []map[string]int, subs []subj, subjects []Subject, union map[string]int, pairs []PairSummary, threshold float64) []CompareRow {
	cellOf := func(k int, s string) *acc {
		sb := subs[k]
		si, ok := idx[sb.run][s]
		if !ok {
			return nil
		}
		return aggs[sb.run].cell(sb.model, si)
	}
	subjectIndex := map[string]int{}
	for k, sj := range subjects {
		subjectIndex[sj.SubjectID] = k
	}
	var rows []CompareRow
	for s := range union {
		row := CompareRow{Stimulus: s, Cells: map[string]CompareCell{}, Changes: []RowChange{}}
		for k := range subs {
			row.Cells[subjects[k].SubjectID] = compareCell(cellOf(k, s), threshold)
		}
		for _, ps := range pairs {
			kind := change(cellOf(subjectIndex[ps.Base], s), cellOf(subjectIndex[ps.New], s), threshold)
			if kind != "" {
				row.Changes = append(row.Changes, RowChange{Pair: ps.Pair, Kind: kind})
			}
		}
		rows = append(rows, row)
	}
	rank := func(r CompareRow) int {
		best := 7
		for _, ch := range r.Changes {
			best = min(best, changeOrder[ch.Kind])
		}
		return best
	}
	slices.SortFunc(rows, func(a, b CompareRow) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), lessFold(a.Stimulus, b.Stimulus))
	})
	return rows
}

func compareCell(a *acc, threshold float64) CompareCell {
	c := CompareCell{Status: cellStatus(a, threshold)}
	if a == nil {
		return c
	}
	ex := a.executed()
	c.SampleSize, c.PassRate, c.Flaky, c.ErrorCount = a.n, a.passRate(), isFlaky(a), a.errored
	c.MeanDurationMs, c.MeanTurns, c.MeanToolCalls = mean(float64(a.dur), ex), mean(float64(a.turns), ex), mean(float64(a.tools), ex)
	c.MeanInputTokens, c.MeanOutputTokens, c.MeanTotalTokens = mean(float64(a.in), ex), mean(float64(a.out), ex), mean(float64(a.total), ex)
	c.MeanCostUSD = mean(a.cost, a.costN)
	return c
}

// ParsePairs reads --pair values NEW_MODEL=BASE_MODEL.
func ParsePairs(vals []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range vals {
		a, b, ok := strings.Cut(v, "=")
		if !ok || a == "" || b == "" {
			return nil, errs.E(errs.Invalid, "invalid --pair %q: want NEW_MODEL=BASE_MODEL", v)
		}
		out[a] = b
	}
	return out, nil
}
