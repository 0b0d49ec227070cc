package query

import (
	"slices"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// TrendParams selects the runs of a trend: the last N (oldest first in the answer), of a
// session or with labels.
type TrendParams struct {
	Last    int
	Labels  map[string]string
	Session string
	// Models keeps these models (all when empty).
	Models []string
}

// TrendRun is one run of a trend.
type TrendRun struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// TrendPoint is a model's pass rate in one run; null where the model was not in the run.
type TrendPoint struct {
	RunID            string    `json:"runId"`
	PassRate         *float64  `json:"passRate"`
	PassRateInterval *Interval `json:"passRateInterval"`
	OutcomeCount     int64     `json:"outcomeCount"`
}

// TrendSeries is one model across the runs, a point per run in the runs' order.
type TrendSeries struct {
	Model  string       `json:"model"`
	Points []TrendPoint `json:"points"`
}

// Trend is each model's pass rate across runs, oldest run first.
type Trend struct {
	Runs   []TrendRun    `json:"runs"`
	Models []TrendSeries `json:"models"`
}

// MaxTrendRuns bounds a trend: each run is a ranking.
const MaxTrendRuns = 200

// TrendOf answers the pass rate (with its clustered interval) of each model in each of
// the last runs that match.
func TrendOf(src Source, p TrendParams) (Trend, error) {
	if p.Last == 0 {
		p.Last = 10
	}
	if p.Last < 1 || p.Last > MaxTrendRuns {
		return Trend{}, errs.E(errs.Invalid, "--last %d is out of range: use 1..%d", p.Last, MaxTrendRuns)
	}
	all, _, err := src.Runs()
	if err != nil {
		return Trend{}, err
	}
	var runs []store.Run
	for _, r := range all { // newest first
		if store.HasLabels(r, p.Labels) && (p.Session == "" || r.Session == p.Session) && r.Summary.OutcomeCount > 0 {
			runs = append(runs, r)
			if len(runs) == p.Last {
				break
			}
		}
	}
	if len(runs) == 0 {
		return Trend{}, errs.E(errs.NotFound, "no run matches").WithHint("list runs with `evals runs`")
	}
	slices.Reverse(runs) // oldest first: a trend reads left to right
	points, err := perRun(src, runs, func(r store.Run) ([]ModelPoint, error) { return RunModelPoints(src, r) })
	if err != nil {
		return Trend{}, err
	}
	out := Trend{Runs: make([]TrendRun, len(runs)), Models: []TrendSeries{}}
	index := map[string]int{}
	for i, r := range runs {
		out.Runs[i] = TrendRun{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt}
		for _, m := range points[i] {
			if len(p.Models) > 0 && !slices.Contains(p.Models, m.Model) {
				continue
			}
			k, ok := index[m.Model]
			if !ok {
				k = len(out.Models)
				index[m.Model] = k
				pts := make([]TrendPoint, len(runs))
				for j := range pts {
					pts[j].RunID = runs[j].ID
				}
				out.Models = append(out.Models, TrendSeries{Model: m.Model, Points: pts})
			}
			out.Models[k].Points[i] = TrendPoint{RunID: r.ID, PassRate: m.PassRate, PassRateInterval: m.PassRateInterval, OutcomeCount: m.OutcomeCount}
		}
	}
	slices.SortFunc(out.Models, func(a, b TrendSeries) int { return lessFold(a.Model, b.Model) })
	return out, nil
}

// ModelPoint is one model's pass rate in one run.
type ModelPoint struct {
	Model            string
	PassRate         *float64
	PassRateInterval *Interval
	OutcomeCount     int64
}

// RunModelPoints is each model's pass rate (with its clustered interval) and outcomes in
// one run, by model name: from the per-model sums the run keeps (no scan) when it has
// them and no human verdict changed them, else from the run's ranking.
func RunModelPoints(src Source, r store.Run) ([]ModelPoint, error) {
	if sums, ok := r.Summary.ModelSums(); ok {
		out := make([]ModelPoint, 0, len(sums))
		for name, m := range sums {
			rated := m.Passed + m.Failed + m.Errored
			mp := ModelPoint{Model: name, PassRate: ratio(m.Passed, rated), OutcomeCount: m.Outcomes}
			cm := clusterMoments{n: rated, x: m.Passed, n2: m.Clusters.N2, nc: m.Clusters.NC, c2: m.Clusters.C2, clusters: m.Clusters.Clusters}
			mp.PassRateInterval = roundInterval(cm.interval())
			out = append(out, mp)
		}
		slices.SortFunc(out, func(a, b ModelPoint) int { return lessFold(a.Model, b.Model) })
		return out, nil
	}
	rk, err := RankingOf(src, Scope{Runs: []string{r.ID}})
	if err != nil {
		return nil, err
	}
	out := make([]ModelPoint, len(rk.Models))
	for i, m := range rk.Models {
		out[i] = ModelPoint{Model: m.Model, PassRate: m.PassRate, PassRateInterval: m.PassRateInterval, OutcomeCount: m.OutcomeCount}
	}
	return out, nil
}
