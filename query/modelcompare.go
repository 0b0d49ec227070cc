package query

import (
	"slices"

	"github.com/evals-dev/evals/errs"
)

// ModelSide is one model's result on one stimulus.
type ModelSide struct {
	Status       string   `json:"status"` // ok | failed | error | ungraded | skipped | missing
	Passed       *bool    `json:"passed"`
	PassRate     *float64 `json:"passRate"`
	Score        *float64 `json:"score"`
	OutcomeCount int64    `json:"outcomeCount"`
}

// ModelCompareRow is one stimulus of a within-run comparison.
type ModelCompareRow struct {
	Stimulus  string    `json:"stimulus"`
	A         ModelSide `json:"a"`
	B         ModelSide `json:"b"`
	Divergent bool      `json:"divergent"`
}

// ModelCompareSummary sums up a within-run comparison.
type ModelCompareSummary struct {
	StimulusCount  int      `json:"stimulusCount"`
	ComparedCount  int      `json:"comparedCount"`
	AgreementRate  *float64 `json:"agreementRate"`
	DivergentCount int      `json:"divergentCount"`
	AOnlyPassed    int      `json:"aOnlyPassed"`
	BOnlyPassed    int      `json:"bOnlyPassed"`
	APassRate      *float64 `json:"aPassRate"`
	BPassRate      *float64 `json:"bPassRate"`
	// Delta is the paired, stimulus-level difference A − B over the stimuli both rated,
	// at 95%; MinDetectableEffect is what it could detect with 80% power.
	Delta               Delta    `json:"delta"`
	MinDetectableEffect *float64 `json:"minDetectableEffect"`
}

// ModelCompare compares two models of one run, stimulus by stimulus.
type ModelCompare struct {
	RunID   string              `json:"runId"`
	ModelA  string              `json:"modelA"`
	ModelB  string              `json:"modelB"`
	Summary ModelCompareSummary `json:"summary"`
	Rows    []ModelCompareRow   `json:"rows"`
}

// DefaultThreshold is the pass rate at or above which a cell counts as ok.
const DefaultThreshold = 0.5

// Cell statuses: the one classification of a (stimulus, model) cell, used by compare,
// the matrix, model compare and the explorer.
const (
	CellMissing  = "missing"  // no outcomes at all
	CellSkipped  = "skipped"  // every outcome was skipped
	CellUngraded = "ungraded" // executed outcomes exist, none has a verdict
	CellError    = "error"    // every rated trial errored
	CellOK       = "ok"       // pass rate at or above the threshold
	CellFailed   = "failed"   // pass rate below it
)

// cellStatus classifies a cell. Skipped outcomes are left out; rated trials are passed,
// failed or errored.
func cellStatus(a *acc, threshold float64) string {
	switch {
	case a == nil || a.n == 0:
		return CellMissing
	case a.skipped == a.n:
		return CellSkipped
	case a.rated() == 0:
		return CellUngraded
	case a.errored == a.rated():
		return CellError
	case a.rate() >= threshold:
		return CellOK
	}
	return CellFailed
}

// present is whether a cell is rated: ok, failed or error. Only present cells count in
// coverage and in paired statistics.
func present(status string) bool {
	return status == CellOK || status == CellFailed || status == CellError
}

func side(a *acc, threshold float64) ModelSide {
	s := ModelSide{Status: cellStatus(a, threshold)}
	if a == nil {
		return s
	}
	s.PassRate, s.Score, s.OutcomeCount = a.passRate(), mean(a.score, a.scoreN), a.n
	if s.Status == CellOK || s.Status == CellFailed {
		v := s.Status == CellOK
		s.Passed = &v
	}
	return s
}

// CompareModels compares models a and b within one run.
func CompareModels(src Source, runRef, a, b string) (ModelCompare, error) {
	if a == "" || b == "" || a == b {
		return ModelCompare{}, errs.E(errs.Invalid, "compare needs two different models (--models A,B)")
	}
	runs, err := resolve(src, Scope{Runs: []string{runRef}})
	if err != nil {
		return ModelCompare{}, err
	}
	aggs, err := aggregateRuns(src, runs, perCell)
	if err != nil {
		return ModelCompare{}, err
	}
	ra := aggs[0]
	ai, bi := slices.Index(ra.models, a), slices.Index(ra.models, b)
	for _, m := range []struct {
		name string
		i    int
	}{{a, ai}, {b, bi}} {
		if m.i < 0 {
			return ModelCompare{}, errs.E(errs.NotFound, "model %q has no outcomes in run %s (models: %v)", m.name, ra.run.ID, ra.models)
		}
	}
	return compareModelsOf(ra, a, b, ai, bi), nil
}

// compareModelsOf compares models ai and bi of one aggregated run, stimulus by stimulus.
func compareModelsOf(ra *runAgg, a, b string, ai, bi int) ModelCompare {
	cell := ra.cell
	out := ModelCompare{RunID: ra.run.ID, ModelA: a, ModelB: b, Rows: []ModelCompareRow{}}
	order := make([]int, len(ra.stimuli))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return lessFold(ra.stimuli[x], ra.stimuli[y]) })
	var agree, compared int
	var d []float64
	totA, totB := &acc{}, &acc{}
	var ma, mb Cluster // the trials of the matched stimuli
	for _, s := range order {
		ca, cb := cell(ai, s), cell(bi, s)
		if ca == nil && cb == nil {
			continue
		}
		if ca != nil {
			totA.merge(ca)
		}
		if cb != nil {
			totB.merge(cb)
		}
		row := ModelCompareRow{Stimulus: ra.stimuli[s], A: side(ca, DefaultThreshold), B: side(cb, DefaultThreshold)}
		if present(row.A.Status) && present(row.B.Status) {
			d = append(d, ca.rate()-cb.rate())
			ma.Rated, ma.Passed = ma.Rated+ca.rated(), ma.Passed+ca.passed
			mb.Rated, mb.Passed = mb.Rated+cb.rated(), mb.Passed+cb.passed
		}
		if row.A.Passed != nil && row.B.Passed != nil {
			compared++
			if *row.A.Passed == *row.B.Passed {
				agree++
			} else {
				row.Divergent = true
				out.Summary.DivergentCount++
				if *row.A.Passed {
					out.Summary.AOnlyPassed++
				} else {
					out.Summary.BOnlyPassed++
				}
			}
		}
		out.Rows = append(out.Rows, row)
	}
	out.Summary.StimulusCount = len(out.Rows)
	out.Summary.ComparedCount = compared
	out.Summary.AgreementRate = ratio(int64(agree), int64(compared))
	out.Summary.APassRate, out.Summary.BPassRate = totA.passRate(), totB.passRate()
	pd := PairedDiff(d, DefaultAlpha, ma, mb)
	out.Summary.Delta = Delta{Method: pd.Method, Matched: len(d), Level: 1 - DefaultAlpha}
	if len(d) > 0 {
		out.Summary.Delta.Estimate = f6(pd.Estimate)
	}
	if pd.Defined {
		out.Summary.Delta.Low, out.Summary.Delta.High = f6(pd.Low), f6(pd.High)
		out.Summary.Delta.Stderr, out.Summary.Delta.PValue = f6(pd.Stderr), f6(pd.PValue)
		out.Summary.MinDetectableEffect = f6(MinDetectableEffect(pd.Stderr, DefaultAlpha))
	}
	return out
}
