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

// CompareParams tune a cross-run comparison. Start from NewCompareParams: every value
// given is honoured (0 is a value), so a zero struct is not the defaults.
type CompareParams struct {
	// Runs are run references, the new run first, then its baselines.
	Runs []string
	// Threshold is the pass rate at or above which a cell is ok (default 0.5).
	Threshold float64
	// MinMatched is the number of matched stimuli below which a pair is underpowered (default 10).
	MinMatched int
	// Alpha is the significance level of the paired test, Holm-corrected across the pairs
	// (default 0.05).
	Alpha float64
	// Pairs maps a model of the new run to the model of the baselines it is compared with
	// (default: the same model).
	Pairs map[string]string
	// Slicing compares per slice (By: each model's outcomes of one tag value against the
	// same slice of the baseline; the gate then speaks per slice) and over the outcomes
	// Where keeps.
	Slicing
}

// Subject is one (run, model) pair: the unit of comparison.
type Subject struct {
	SubjectID    string `json:"subjectId"`
	RunID        string `json:"runId"`
	RunName      string `json:"runName"`
	Model        string `json:"model"`
	Slice        *Slice `json:"slice,omitempty"`
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
	Status           string    `json:"status"` // ok | failed | error | ungraded | skipped | missing
	SampleSize       int64     `json:"sampleSize"`
	PassRate         *float64  `json:"passRate"`
	PassRateInterval *Interval `json:"passRateInterval"`
	Flaky            bool      `json:"flaky"`
	Reviewed         bool      `json:"reviewed"`
	MeanDurationMs   *float64  `json:"meanDurationMs"`
	MeanTurns        *float64  `json:"meanTurns"`
	MeanToolCalls    *float64  `json:"meanToolCalls"`
	ErrorCount       int64     `json:"errorCount"`
	MeanInputTokens  *float64  `json:"meanInputTokens"`
	MeanOutputTokens *float64  `json:"meanOutputTokens"`
	MeanTotalTokens  *float64  `json:"meanTotalTokens"`
	MeanCostUSD      *float64  `json:"meanCostUsd"`
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

// McNemar is the exact test on paired trials, reported when every matched stimulus has
// exactly one rated trial on each side (then it is the natural test of the pair; the
// verdict still comes from the paired difference).
type McNemar struct {
	PairedTrials int     `json:"pairedTrials"`
	BaseOnly     int     `json:"basePassedNewFailed"`
	NewOnly      int     `json:"baseFailedNewPassed"`
	PValue       float64 `json:"pValue"`
}

// Delta is the paired, stimulus-level difference new − base of a pair (see PairedDiff).
// Low and High bound the interval at Level, the level at which the verdict is decided:
// 1 − alpha with one pair; with several, the level Holm's correction gives this pair, so
// the interval lies wholly below 0 exactly when the verdict is regressed.
type Delta struct {
	Estimate       *float64 `json:"estimate"`
	Low            *float64 `json:"low"`
	High           *float64 `json:"high"`
	Stderr         *float64 `json:"stderr"`
	PValue         *float64 `json:"pValue"`
	AdjustedPValue *float64 `json:"adjustedPValue"`
	Level          float64  `json:"level"`
	Method         string   `json:"method"`
	Matched        int      `json:"matched"`
}

// PairSummary compares a subject of the new run with its baseline subject. Over the
// matched stimuli (rated on both sides), the buckets regressions, improvements,
// unchanged, flaky and errored partition them: their sum is matchedStimuli.
type PairSummary struct {
	Pair  string `json:"pair"`
	New   string `json:"new"`
	Base  string `json:"base"`
	Model string `json:"model"`
	// Slice is the group of the pair with --by: the model's outcomes with that tag.
	Slice          *Slice `json:"slice,omitempty"`
	MatchedStimuli int    `json:"matchedStimuli"`
	Regressions    int    `json:"regressions"`
	Improvements   int    `json:"improvements"`
	Unchanged      int    `json:"unchanged"`
	Flaky          int    `json:"flaky"`
	Errored        int    `json:"errored"`
	NewStimuli     int    `json:"added"`
	Removed        int    `json:"removed"`
	Unrated        int    `json:"unrated"`
	// The rates of a pair, three ways (docs/statistics.md, "Compare's rates"):
	//   - matchedPassRate*: over the matched stimuli, passed / rated of all their trials
	//     (trial-weighted), with the clustered interval; matchedPassRateDelta is New − Base;
	//   - stimulusMeanPassRate*: over the matched stimuli, the mean of each stimulus's pass
	//     rate (each stimulus weighs the same): New − Base is delta.estimate exactly;
	//   - runPassRate*: each subject's own rate over all its rated trials, matched or not
	//     (ranking's passRate of that run and model).
	MatchedPassRateBase         *float64  `json:"matchedPassRateBase"`
	MatchedPassRateBaseInterval *Interval `json:"matchedPassRateBaseInterval"`
	MatchedPassRateNew          *float64  `json:"matchedPassRateNew"`
	MatchedPassRateNewInterval  *Interval `json:"matchedPassRateNewInterval"`
	MatchedPassRateDelta        *float64  `json:"matchedPassRateDelta"`
	StimulusMeanPassRateBase    *float64  `json:"stimulusMeanPassRateBase"`
	StimulusMeanPassRateNew     *float64  `json:"stimulusMeanPassRateNew"`
	RunPassRateBase             *float64  `json:"runPassRateBase"`
	RunPassRateNew              *float64  `json:"runPassRateNew"`
	Delta                       Delta     `json:"delta"`
	MinDetectableEffect         *float64  `json:"minDetectableEffect"`
	McNemar                     *McNemar  `json:"mcnemar"`
	Underpowered                bool      `json:"underpowered"`
	Verdict                     string    `json:"verdict"` // regressed | improved | no_change | underpowered
	DurationDelta               *float64  `json:"meanDurationMsDelta"`
	TokensDelta                 *float64  `json:"meanTotalTokensDelta"`
	CostDelta                   *float64  `json:"meanCostUsdDelta"`
	RegressedList               []string  `json:"regressedStimuli"`
	ImprovedList                []string  `json:"improvedStimuli"`
	FlakyList                   []string  `json:"flakyStimuli"`

	paired Paired
}

// Gate is the quality gate's result, inside the one answer document.
type Gate struct {
	Failed  bool     `json:"failed"`
	Reasons []string `json:"reasons"`
	// Families are the families Holm ran over, each tested on its own: with --by, the
	// unsliced model pairs and the model × slice pairs (a slice never hides an overall
	// regression).
	Families []string `json:"families,omitempty"`
}

// Compare is the answer of a cross-run comparison.
type Compare struct {
	Subjects  []Subject     `json:"subjects"`
	Coverage  Coverage      `json:"coverage"`
	Summary   []PairSummary `json:"summary"`
	Rows      []CompareRow  `json:"rows"`
	Threshold float64       `json:"threshold"`
	Alpha     float64       `json:"alpha"`
	// Gate is set when a quality gate was asked for (compare --fail-on-regression,
	// --strict, --min-pass-rate).
	Gate *Gate `json:"gate"`
}

// Defaults of a comparison.
const (
	DefaultAlpha      = 0.05
	DefaultMinMatched = 10
)

// NewCompareParams returns the defaults for runs.
func NewCompareParams(runs ...string) CompareParams {
	return CompareParams{Runs: runs, Threshold: DefaultThreshold, MinMatched: DefaultMinMatched, Alpha: DefaultAlpha}
}

func (p *CompareParams) validate() error {
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
	if err := p.validate(); err != nil {
		return Compare{}, err
	}
	runs, err := distinctRuns(src, p.Runs)
	if err != nil {
		return Compare{}, err
	}
	aggs, err := aggregateRunsSliced(src, runs, perCell, &p.Slicing)
	if err != nil {
		return Compare{}, err
	}
	c := Compare{Threshold: p.Threshold, Alpha: p.Alpha, Subjects: []Subject{}, Summary: []PairSummary{}, Rows: []CompareRow{}}
	subs, stimIdx := compareSubjects(aggs, p.By, &c)
	union := compareCoverage(aggs, subs, p.Threshold, &c)
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
	decide(c.Summary, p)
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

// distinctRuns resolves the runs compared; a run given twice is refused.
func distinctRuns(src Source, refs []string) ([]store.Run, error) {
	var runs []store.Run
	for _, ref := range refs {
		r, err := src.Resolve(ref)
		if err != nil {
			return nil, err
		}
		for _, prev := range runs {
			if prev.ID == r.ID {
				return nil, errs.E(errs.Invalid, "run %s is given twice: a run compared with itself has nothing to say", r.ID).
					WithHint("compare against an earlier run, e.g. evals compare latest latest~1")
			}
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// compareSubjects lists every run × model as a subject (in c.Subjects) and gives each run
// its stimulus → index map.
func compareSubjects(aggs []*runAgg, by string, c *Compare) ([]subj, []map[string]int) {
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
			model, slice := splitSliceName(ra.models[mi], by)
			c.Subjects = append(c.Subjects, Subject{SubjectID: subjectID(ra.run, ra.models[mi]), RunID: ra.run.ID, RunName: ra.run.Name,
				Model: model, Slice: slice, Label: ra.run.Name + "/" + ra.models[mi], OutcomeCount: n})
		}
	}
	return subs, stimIdx
}

// compareCoverage sets c.Coverage and returns how many subjects hold each stimulus. A
// stimulus counts as present for a subject only when its cell is rated (ok, failed or
// error). Sliced (--by), subjects are compared within their slice: a stimulus is in every
// subject when every subject of the slices that hold it rated it.
func compareCoverage(aggs []*runAgg, subs []subj, threshold float64, c *Compare) map[string]int {
	// Stimuli by position in first-seen order (pos: the union of every subject's stimuli,
	// returned); each subject's present (rated) ones as positions: a compare of two
	// 10k-outcome runs made a map per subject and two per stimulus here.
	pos := map[string]int{}
	n := 0
	presentAt := make([][]int, len(subs))
	for k, sb := range subs {
		ra := aggs[sb.run]
		for si, s := range ra.stimuli {
			a := ra.cell(sb.model, si)
			if a == nil {
				continue
			}
			p, ok := pos[s]
			if !ok {
				p, pos[s] = n, n
				n++
			}
			if present(cellStatus(a, threshold)) {
				presentAt[k] = append(presentAt[k], p)
			}
		}
	}
	inAll := coverageCounts(presentAt, subjectGroups(c.Subjects[:len(subs)]), n, &c.Coverage)
	for k := range subs {
		matched := 0
		for _, p := range presentAt[k] {
			if inAll[p] {
				matched++
			}
		}
		c.Coverage.Subjects = append(c.Coverage.Subjects, SubjectCoverage{SubjectID: c.Subjects[k].SubjectID, Matched: matched, Total: len(presentAt[k])})
	}
	return pos
}

// subjectGroups numbers the subjects' slice values ("" unsliced): subjects of one slice
// share a group.
func subjectGroups(subjects []Subject) []int {
	ids, gid := map[string]int{}, make([]int, len(subjects))
	for k, sj := range subjects {
		v := ""
		if sj.Slice != nil {
			v = sj.Slice.Value
		}
		g, ok := ids[v]
		if !ok {
			g = len(ids)
			ids[v] = g
		}
		gid[k] = g
	}
	return gid
}

// coverageCounts counts the union (a stimulus present for some subject) and the
// intersection (present for every subject of each slice it is present in) over n stimulus
// positions, and returns which positions are in the intersection.
func coverageCounts(presentAt [][]int, gid []int, n int, cov *Coverage) []bool {
	present := make([][]bool, len(presentAt))
	for k, ps := range presentAt {
		present[k] = make([]bool, n)
		for _, p := range ps {
			present[k][p] = true
		}
	}
	groups := 0
	for _, g := range gid {
		groups = max(groups, g+1)
	}
	has, every := make([]bool, groups), make([]bool, groups)
	inAll := make([]bool, n)
	for p := range n {
		for g := range groups {
			has[g], every[g] = false, true
		}
		for k, g := range gid {
			has[g] = has[g] || present[k][p]
			every[g] = every[g] && present[k][p]
		}
		in, any := len(gid) > 0, false
		for g := range groups {
			any = any || has[g]
			if has[g] && !every[g] {
				in = false
			}
		}
		if in && any {
			inAll[p] = true
			cov.IntersectionCount++
		}
		if any {
			cov.UnionCount++
		}
	}
	return inAll
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

// change classifies one stimulus of a pair from its base and new cells. Over matched
// stimuli (both cells rated: ok, failed or error) the kinds regressed, improved, errored,
// flaky and unchanged partition them; a regression is ok → failed and nothing else.
// Stimuli rated on one side only are new or removed; a skipped or ungraded cell on either
// side makes the stimulus unrated, never a regression.
func change(base, nw *acc, threshold float64) string {
	bs, ns := cellStatus(base, threshold), cellStatus(nw, threshold)
	switch {
	case bs == CellMissing && ns == CellMissing:
		return ""
	case !present(bs) || !present(ns):
		switch {
		case bs == CellMissing && present(ns):
			return "new"
		case ns == CellMissing && present(bs):
			return "removed"
		}
		return "unrated"
	case ns == CellError && bs != CellError:
		return "errored"
	case bs == ns:
		return "unchanged"
	case isFlaky(base) && isFlaky(nw):
		// Both sides are mixed across trials: a flip between them is noise, not a change.
		return "flaky"
	case bs == CellOK && ns == CellFailed:
		return "regressed"
	case ns == CellOK:
		return "improved"
	}
	return "unchanged"
}

func isFlaky(a *acc) bool { return a != nil && a.passed > 0 && a.passed < a.rated() }

// rate is the unrounded pass rate of a rated cell.
func (a *acc) rate() float64 { return float64(a.passed) / float64(a.rated()) }

func comparePair(nr *runAgg, nm int, br *runAgg, bm int, bIdx map[string]int, p CompareParams) PairSummary {
	ps := PairSummary{New: subjectID(nr.run, nr.models[nm]), Base: subjectID(br.run, br.models[bm]), Model: nr.models[nm],
		RegressedList: []string{}, ImprovedList: []string{}, FlakyList: []string{}}
	ps.Model, ps.Slice = splitSliceName(ps.Model, p.By)
	ps.Pair = ps.New + " vs " + ps.Base
	var t pairTotals
	seen := make([]bool, len(br.stimuli)) // the base's stimuli the new run has too
	for si, s := range nr.stimuli {
		nc := nr.cell(nm, si)
		var bc *acc
		if bsi, ok := bIdx[s]; ok {
			bc = br.cell(bm, bsi)
			seen[bsi] = true
		}
		if nc != nil {
			t.newRun.merge(nc)
		}
		ps.count(change(bc, nc, p.Threshold), s)
		if present(cellStatus(bc, p.Threshold)) && present(cellStatus(nc, p.Threshold)) {
			ps.MatchedStimuli++
			t.addMatched(bc, nc)
		}
	}
	for si, s := range br.stimuli {
		if bc := br.cell(bm, si); bc != nil {
			t.baseRun.merge(bc)
		}
		if !seen[si] {
			ps.count(change(br.cell(bm, si), nil, p.Threshold), s)
		}
	}
	ps.rates(&t)
	ps.deltas(&t, p)
	return ps
}

// pairTotals are what a pair's summary is computed from: the matched stimuli's trials and
// per-stimulus differences, and each subject's own trials.
type pairTotals struct {
	baseTot, newTot, baseRun, newRun acc
	baseM, newM                      clusterMoments
	d                                []float64
	meanBase, meanNew                float64
	mc                               McNemar
	multi                            bool // some matched cell has other than one rated trial
}

// addMatched adds a stimulus both sides rated.
func (t *pairTotals) addMatched(bc, nc *acc) {
	t.baseTot.merge(bc)
	t.newTot.merge(nc)
	t.baseM.add(Cluster{Rated: bc.rated(), Passed: bc.passed})
	t.newM.add(Cluster{Rated: nc.rated(), Passed: nc.passed})
	t.d = append(t.d, nc.rate()-bc.rate())
	t.meanBase, t.meanNew = t.meanBase+bc.rate(), t.meanNew+nc.rate()
	if bc.rated() != 1 || nc.rated() != 1 {
		t.multi = true
		return
	}
	t.mc.PairedTrials++
	switch {
	case bc.passed == 1 && nc.passed == 0:
		t.mc.BaseOnly++
	case bc.passed == 0 && nc.passed == 1:
		t.mc.NewOnly++
	}
}

// rates sets the pair's rates, three ways (see PairSummary).
func (ps *PairSummary) rates(t *pairTotals) {
	ps.RunPassRateBase, ps.RunPassRateNew = t.baseRun.passRate(), t.newRun.passRate()
	if len(t.d) > 0 {
		ps.StimulusMeanPassRateBase, ps.StimulusMeanPassRateNew = f6(t.meanBase/float64(len(t.d))), f6(t.meanNew/float64(len(t.d)))
	}
	if t.baseTot.rated() > 0 && t.newTot.rated() > 0 {
		ps.MatchedPassRateBase, ps.MatchedPassRateNew = t.baseTot.passRate(), t.newTot.passRate()
		ps.MatchedPassRateBaseInterval, ps.MatchedPassRateNewInterval = roundInterval(t.baseM.interval()), roundInterval(t.newM.interval())
		dd := round6(t.newTot.rate() - t.baseTot.rate())
		ps.MatchedPassRateDelta = &dd
	}
}

// deltas sets the paired difference, McNemar's test and the metric deltas.
func (ps *PairSummary) deltas(t *pairTotals, p CompareParams) {
	if !t.multi && t.mc.PairedTrials > 0 {
		t.mc.PValue = round6(McNemarExact(t.mc.BaseOnly, t.mc.NewOnly))
		ps.McNemar = &t.mc
	}
	newTot, baseTot := &t.newTot, &t.baseTot
	ps.paired = PairedDiff(t.d, p.Alpha, Cluster{Rated: newTot.rated(), Passed: newTot.passed}, Cluster{Rated: baseTot.rated(), Passed: baseTot.passed})
	ps.Delta = Delta{Method: ps.paired.Method, Matched: ps.MatchedStimuli, Level: 1 - p.Alpha}
	if len(t.d) > 0 {
		ps.Delta.Estimate = f6(ps.paired.Estimate)
	}
	if ps.paired.Defined {
		ps.Delta.Stderr, ps.Delta.PValue = f6(ps.paired.Stderr), f6(ps.paired.PValue)
		ps.MinDetectableEffect = f6(MinDetectableEffect(ps.paired.Stderr, p.Alpha))
	}
	ps.DurationDelta = diff(newTot.dur, newTot.nDur, baseTot.dur, baseTot.nDur)
	ps.TokensDelta = diff(newTot.total, newTot.nTotal, baseTot.total, baseTot.nTotal)
	if newTot.costN > 0 && baseTot.costN > 0 {
		d := round6(newTot.cost/float64(newTot.costN) - baseTot.cost/float64(baseTot.costN))
		ps.CostDelta = &d
	}
	ps.Underpowered = ps.MatchedStimuli < p.MinMatched || !ps.paired.Defined
}

// decide gives each pair its verdict by one rule: the pairs that are not underpowered form
// the family, their p-values are Holm-corrected, and a pair is regressed (improved) when
// its corrected p is below alpha and the estimate is negative (positive): exactly when its
// interval at the corrected level lies wholly below (above) 0. That interval is the one
// reported, so a verdict and its interval never disagree.
func decide(pairs []PairSummary, p CompareParams) {
	var family []int
	var ps []float64
	for i := range pairs {
		if !pairs[i].Underpowered {
			family = append(family, i)
			ps = append(ps, pairs[i].paired.PValue)
		}
	}
	adj := Holm(ps)
	for i := range pairs {
		pairs[i].Verdict = "underpowered"
	}
	for k, i := range family {
		pr := &pairs[i]
		pd := pr.paired
		pr.Delta.AdjustedPValue = f6(adj[k])
		// The per-pair level Holm applies: p < alpha·p/adj ⇔ adj < alpha.
		level := p.Alpha
		if pd.PValue > 0 && adj[k] > 0 {
			level = p.Alpha * pd.PValue / adj[k]
		}
		pr.Delta.Level = round6(1 - level)
		lo, hi := pd.At(level)
		pr.Delta.Low, pr.Delta.High = f6(lo), f6(hi)
		switch {
		case hi < 0:
			pr.Verdict = "regressed"
		case lo > 0:
			pr.Verdict = "improved"
		default:
			pr.Verdict = "no_change"
		}
	}
	for i := range pairs {
		if pairs[i].Underpowered && pairs[i].paired.Defined {
			pd := pairs[i].paired
			pairs[i].Delta.Low, pairs[i].Delta.High = f6(pd.Low), f6(pd.High)
		}
	}
}

func f6(v float64) *float64 {
	r := round6(v)
	return &r
}

func roundInterval(iv *Interval) *Interval {
	if iv == nil {
		return nil
	}
	r := roundedIv(*iv)
	return &r
}

// roundedIv is roundInterval as a value.
func roundedIv(iv Interval) Interval {
	return Interval{Low: round6(iv.Low), High: round6(iv.High), Stderr: round6(iv.Stderr), Method: iv.Method}
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
	case "unrated":
		ps.Unrated++
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

var changeOrder = map[string]int{"regressed": 0, "improved": 1, "errored": 2, "flaky": 3, "new": 4, "removed": 5, "unrated": 6, "unchanged": 7}

// compareRows builds one row per stimulus; idx maps each run's stimulus names to indexes.
func compareRows(aggs []*runAgg, idx []map[string]int, subs []subj, subjects []Subject, union map[string]int, pairs []PairSummary, threshold float64) []CompareRow {
	// Each stimulus is looked up once per run, not once per subject and pair.
	at := make([]int, len(aggs)) // the row's stimulus index in each run, -1 where absent
	cellOf := func(k int) *acc {
		sb := subs[k]
		if at[sb.run] < 0 {
			return nil
		}
		return aggs[sb.run].cell(sb.model, at[sb.run])
	}
	subjectIndex := map[string]int{}
	for k, sj := range subjects {
		subjectIndex[sj.SubjectID] = k
	}
	type ranked struct {
		row   CompareRow
		rank  int
		lower string // the stimulus in lower case: rows sort as lessFold does
	}
	rows := make([]ranked, 0, len(union))
	var sl slab                          // a compare of two large runs has tens of thousands of cells: their numbers in blocks
	pairAt := make([][2]int, len(pairs)) // each pair's base and new subjects
	for i, ps := range pairs {
		pairAt[i] = [2]int{subjectIndex[ps.Base], subjectIndex[ps.New]}
	}
	for s := range union {
		for r := range aggs {
			if si, ok := idx[r][s]; ok {
				at[r] = si
			} else {
				at[r] = -1
			}
		}
		row := CompareRow{Stimulus: s, Cells: make(map[string]CompareCell, len(subs)), Changes: []RowChange{}}
		for k := range subs {
			row.Cells[subjects[k].SubjectID] = sl.compareCell(cellOf(k), threshold)
		}
		best := 8
		for i := range pairs {
			kind := change(cellOf(pairAt[i][0]), cellOf(pairAt[i][1]), threshold)
			if kind != "" {
				row.Changes = append(row.Changes, RowChange{Pair: pairs[i].Pair, Kind: kind})
				best = min(best, changeOrder[kind])
			}
		}
		rows = append(rows, ranked{row, best, strings.ToLower(s)})
	}
	slices.SortFunc(rows, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), strings.Compare(a.lower, b.lower), strings.Compare(a.row.Stimulus, b.row.Stimulus))
	})
	out := make([]CompareRow, len(rows))
	for i := range rows {
		out[i] = rows[i].row
	}
	return out
}

// slab hands out the numbers and intervals of cells from blocks, not one allocation each.
// Cells with the same passed and rated counts share one pass rate and one interval: a
// compare of two 10k-outcome runs of 3 trials has 6,656 cells and ten distinct pairs
// (and the JSON writer keeps the text of recent intervals by pointer: ivText).
type slab struct {
	f     []float64
	iv    []Interval
	rates map[[2]int64]sharedRate
}

type sharedRate struct {
	rate *float64
	iv   *Interval
}

// rateOf is the pass rate and interval of passed out of rated (rated > 0).
func (sl *slab) rateOf(passed, rated int64) sharedRate {
	k := [2]int64{passed, rated}
	if r, ok := sl.rates[k]; ok {
		return r
	}
	r := sharedRate{sl.num(round6(float64(passed) / float64(rated))), sl.interval(roundedIv(trialIv(passed, rated)))}
	if sl.rates == nil {
		sl.rates = map[[2]int64]sharedRate{}
	}
	if len(sl.rates) < 1024 { // small samples repeat; large ones rarely do
		sl.rates[k] = r
	}
	return r
}

func (sl *slab) num(v float64) *float64 {
	if len(sl.f) == cap(sl.f) {
		sl.f = make([]float64, 0, 4096) // a new block: pointers into the old one stay good
	}
	sl.f = append(sl.f, v)
	return &sl.f[len(sl.f)-1]
}

func (sl *slab) mean(sum float64, n int64) *float64 {
	if n == 0 {
		return nil
	}
	return sl.num(round6(sum / float64(n)))
}

func (sl *slab) interval(iv Interval) *Interval {
	if len(sl.iv) == cap(sl.iv) {
		sl.iv = make([]Interval, 0, 512)
	}
	sl.iv = append(sl.iv, iv)
	return &sl.iv[len(sl.iv)-1]
}

func compareCell(a *acc, threshold float64) CompareCell {
	var sl slab
	return sl.compareCell(a, threshold)
}

func (sl *slab) compareCell(a *acc, threshold float64) CompareCell {
	c := CompareCell{Status: cellStatus(a, threshold)}
	if a == nil {
		return c
	}
	if a.rated() > 0 {
		r := sl.rateOf(a.passed, a.rated())
		c.PassRate, c.PassRateInterval = r.rate, r.iv
	}
	c.Reviewed = a.reviewed > 0
	c.SampleSize, c.Flaky, c.ErrorCount = a.n, isFlaky(a), a.errors()
	c.MeanDurationMs, c.MeanTurns, c.MeanToolCalls = sl.mean(float64(a.dur), a.nDur), sl.mean(float64(a.turns), a.nTurns), sl.mean(float64(a.tools), a.nTools)
	c.MeanInputTokens, c.MeanOutputTokens, c.MeanTotalTokens = sl.mean(float64(a.in), a.nIn), sl.mean(float64(a.out), a.nOut), sl.mean(float64(a.total), a.nTotal)
	c.MeanCostUSD = sl.mean(a.cost, a.costN)
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
