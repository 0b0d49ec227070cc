package query

import (
	"fmt"
	"math"
	"slices"

	"github.com/evals-dev/evals/errs"
)

// PowerParams are the inputs of a sample-size plan.
type PowerParams struct {
	// Baseline is the expected pass rate (0..1); from the run of From when not set.
	Baseline *float64
	// Deltas are the changes to detect, in percentage points (default 1, 2, 5, 10).
	Deltas []float64
	Alpha  float64
	Power  float64
	// Trials per stimulus per side; 0 with From takes the run's mean rated trials per cell.
	Trials float64
	// Models is how many models the gate compares (Holm's family); 0 takes the models of
	// From, else 1.
	Models int
	// Stimuli, when set, asks the power at that many matched stimuli instead of the
	// stimuli needed.
	Stimuli int64
	// From is a run whose within-stimulus correlation (and pass rate, trials, models) is
	// used.
	From string
	// Base is an earlier run of the same suite: with From it gives the pairing, the
	// correlation of a stimulus's pass rate between two runs.
	Base string
}

// PowerRow is the answer for one change to detect.
type PowerRow struct {
	DeltaPoints float64 `json:"deltaPoints"`
	// Stimuli are the matched stimuli the gate needs to catch a drop of DeltaPoints in one
	// of the models with probability Power (or the stimuli asked for with --stimuli).
	Stimuli int64 `json:"stimuli"`
	// StimuliOneTest is what a single test (one model, level alpha) would need.
	StimuliOneTest int64 `json:"stimuliOneTest"`
	// Outcomes is stimuli × trials on each side of the comparison.
	Outcomes int64 `json:"outcomesPerSide"`
	// OneTestPower is a single test's power at Stimuli; GatePower the gate's: the chance
	// the gate, Holm-corrected over the models, catches the drop in one of them.
	OneTestPower float64 `json:"power"`
	GatePower    float64 `json:"gatePower"`
}

// Power answers "how many stimuli do I need to detect a change of D points?".
type Power struct {
	Baseline float64 `json:"baseline"`
	Alpha    float64 `json:"alpha"`
	Power    float64 `json:"power"`
	// Models is the size of the gate's Holm family.
	Models int `json:"models"`
	// Trials is the mean rated trials per stimulus; EffectiveTrials the harmonic mean the
	// variance uses (cells with fewer trials are noisier: E[1/k] ≥ 1/E[k]).
	Trials          float64 `json:"trialsPerStimulus"`
	EffectiveTrials float64 `json:"effectiveTrials"`
	// ICC is the within-stimulus correlation of trials used: 1 (trials add nothing) when
	// no run is given, the conservative choice.
	ICC       float64 `json:"icc"`
	ICCSource string  `json:"iccSource"`
	// Pairing is the correlation of a stimulus's true pass rate between the two runs
	// compared: 0 (no credit for pairing, conservative) unless --base gives two runs to
	// estimate it from.
	Pairing       float64    `json:"pairing"`
	PairingSource string     `json:"pairingSource"`
	FromRun       *string    `json:"fromRun"`
	BaseRun       *string    `json:"baseRun"`
	Rows          []PowerRow `json:"rows"`

	perModel     []modelPlan // each model of From (its pass rate and correlation)
	fromBaseline *float64    // the baseline From gave (nil when one was asked for)
}

// PairedVariance is the variance of one stimulus's paired difference d_s when the pass
// rate moves from p to p − d (p + d when p − d < 0), with k trials per side, within-stimulus
// correlation rho and pairing r (the correlation of a stimulus's true rate between runs):
//
//	V = (p₁q₁ + p₂q₂) · (ρ(1 − r) + (1 − ρ)/k)
//
// With r = 0 the sides are taken as independent (no credit for pairing); with r = 1 only
// the trials' noise is left.
func PairedVariance(p, d, k, rho, r float64) float64 {
	p2 := p - d
	if p2 < 0 {
		p2 = p + d
	}
	return (p*(1-p) + p2*(1-p2)) * (rho*(1-r) + (1-rho)/k)
}

// StimuliFor is the number of stimuli a two-sided test at level alpha needs to detect a
// change d with the given power when a stimulus's difference has variance v:
// n = ⌈(z_{1−α/2} + z_{power})² · v / d²⌉.
func StimuliFor(v, d, alpha, power float64) int64 {
	z := NormalQuantile(1-alpha/2) + NormalQuantile(power)
	return int64(math.Ceil(z * z * v / (d * d)))
}

// PowerAt is the power of a two-sided test at level alpha with n stimuli to detect a
// change d when a stimulus's difference has variance v: Φ(d·sqrt(n/v) − z_{1−α/2}).
func PowerAt(n int64, v, d, alpha float64) float64 {
	return NormalCDF(d*math.Sqrt(float64(n)/v) - NormalQuantile(1-alpha/2))
}

// StimuliNeeded is the number of stimuli a paired, stimulus-level comparison needs to detect
// a drop of d (0..1) from pass rate p with two-sided level alpha and the given power, with k
// trials per stimulus whose within-stimulus correlation is rho, giving no credit for
// pairing (r = 0):
//
//	n = ⌈(z_{1−α/2} + z_{power})² · (p₁q₁ + p₂q₂) · (ρ + (1−ρ)/k) / d²⌉,  p₁ = p, p₂ = p − d
func StimuliNeeded(p, d, alpha, power float64, k float64, rho float64) int64 {
	return StimuliFor(PairedVariance(p, d, k, rho, 0), d, alpha, power)
}

// The gate runs Holm over its m model pairs; a drop in one model is caught when that
// pair's p-value clears the first step, α/m. So the gate plans (and its power is) that of
// one test at level α/m: GateStimuli and GatePower.

// GateStimuli is the stimuli the gate over m models needs.
func GateStimuli(v, d, alpha, power float64, m int) int64 {
	return StimuliFor(v, d, alpha/float64(max(1, m)), power)
}

// GatePower is the gate's power over m models at n stimuli.
func GatePower(n int64, v, d, alpha float64, m int) float64 {
	return PowerAt(n, v, d, alpha/float64(max(1, m)))
}

// EstimateICC estimates the within-stimulus correlation of trials from cells (one
// stimulus × model each) by one-way analysis of variance: the within-cell variance
// σ²_w = Σ_c rated_c·p̂_c(1−p̂_c) / Σ_c (rated_c − 1) over cells with two or more rated
// trials, against the total p̂(1−p̂); ρ = 1 − σ²_w / (p̂(1−p̂)), clipped to [0, 1]. ok is
// false when no cell has two rated trials or the pooled rate is 0 or 1.
func EstimateICC(cells []Cluster) (rho, p float64, ok bool) {
	var n, x int64
	var within, dof float64
	for _, c := range cells {
		n += c.Rated
		x += c.Passed
		if c.Rated >= 2 {
			pc := float64(c.Passed) / float64(c.Rated)
			within += float64(c.Rated) * pc * (1 - pc)
			dof += float64(c.Rated - 1)
		}
	}
	if n == 0 {
		return 0, 0, false
	}
	p = float64(x) / float64(n)
	total := p * (1 - p)
	if dof == 0 || total == 0 {
		return 1, p, false
	}
	return min(1, max(0, 1-within/dof/total)), p, true
}

// PowerOf builds the sample-size table.
func PowerOf(src Source, pp PowerParams) (Power, error) {
	if len(pp.Deltas) == 0 {
		pp.Deltas = []float64{1, 2, 5, 10}
	}
	if err := pp.validate(); err != nil {
		return Power{}, err
	}
	out := Power{Alpha: pp.Alpha, Power: pp.Power, ICC: 1, ICCSource: "conservative: no run given, trials of a stimulus taken as fully correlated",
		PairingSource: "none: the two runs taken as independent (give --from and --base to estimate it)", Models: max(1, pp.Models), Rows: []PowerRow{}}
	out.Trials, out.EffectiveTrials = pp.Trials, pp.Trials
	if pp.From != "" {
		if err := out.fromRuns(src, &pp); err != nil {
			return Power{}, err
		}
	}
	if pp.Baseline == nil {
		return Power{}, errs.E(errs.Invalid, "power needs a baseline pass rate: --baseline RATE or --from RUN")
	}
	out.Baseline = *pp.Baseline
	if pp.Baseline != out.fromBaseline || len(out.perModel) == 0 {
		// One pass rate for every model: the one given (or the run's, without per-model
		// estimates).
		out.perModel = []modelPlan{{p: out.Baseline, rho: out.ICC}}
	}
	for _, d := range pp.Deltas {
		out.Rows = append(out.Rows, out.row(d/100, pp))
	}
	return out, nil
}

// modelPlan is one model's pass rate and within-stimulus correlation.
type modelPlan struct{ p, rho float64 }

// row plans for a drop of d in one of the models, any of them: each power is the mean
// over the models of that model's power with its own pass rate and correlation, and the
// stimuli are the fewest that reach the power asked for (MeanGatePower).
func (out *Power) row(d float64, pp PowerParams) PowerRow {
	vs := make([]float64, len(out.perModel))
	for i, m := range out.perModel {
		vs[i] = PairedVariance(m.p, d, out.EffectiveTrials, m.rho, out.Pairing)
	}
	row := PowerRow{DeltaPoints: d * 100, StimuliOneTest: MeanStimuli(vs, d, pp.Alpha, pp.Power, 1)}
	row.Stimuli = MeanStimuli(vs, d, pp.Alpha, pp.Power, out.Models)
	if pp.Stimuli > 0 {
		row.Stimuli = pp.Stimuli
	}
	row.Outcomes = int64(math.Ceil(float64(row.Stimuli) * out.Trials))
	row.OneTestPower = round6(MeanGatePower(row.Stimuli, vs, d, pp.Alpha, 1))
	row.GatePower = round6(MeanGatePower(row.Stimuli, vs, d, pp.Alpha, out.Models))
	return row
}

// MeanGatePower is the gate's power over m models at n stimuli to catch a drop d in one
// model, any of them: the mean of GatePower over the models' variances vs.
func MeanGatePower(n int64, vs []float64, d, alpha float64, m int) float64 {
	var t float64
	for _, v := range vs {
		t += GatePower(n, v, d, alpha, m)
	}
	return t / float64(len(vs))
}

// MeanStimuli is the fewest stimuli at which MeanGatePower reaches power (with one
// variance, GateStimuli).
func MeanStimuli(vs []float64, d, alpha, power float64, m int) int64 {
	hi := int64(0)
	for _, v := range vs {
		hi = max(hi, GateStimuli(v, d, alpha, power, m)) // every model reaches it there
	}
	lo := int64(0) // MeanGatePower(lo) < power ≤ MeanGatePower(hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if MeanGatePower(mid, vs, d, alpha, m) >= power {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

func (pp *PowerParams) validate() error {
	switch {
	case pp.Alpha <= 0 || pp.Alpha >= 1:
		return errs.E(errs.Invalid, "alpha %v is outside (0, 1)", pp.Alpha)
	case pp.Power <= 0 || pp.Power >= 1:
		return errs.E(errs.Invalid, "power %v is outside (0, 1)", pp.Power)
	case pp.Trials < 0 || pp.Trials == 0 && pp.From == "" || pp.Trials > 0 && pp.Trials < 1:
		return errs.E(errs.Invalid, "trials %v must be at least 1", pp.Trials)
	case pp.Baseline != nil && (*pp.Baseline <= 0 || *pp.Baseline >= 1):
		return errs.E(errs.Invalid, "baseline %v is outside (0, 1)", *pp.Baseline)
	case pp.Models < 0:
		return errs.E(errs.Invalid, "models %d must be at least 1", pp.Models)
	case pp.Stimuli < 0:
		return errs.E(errs.Invalid, "stimuli %d must be at least 1", pp.Stimuli)
	case pp.Base != "" && pp.From == "":
		return errs.E(errs.Invalid, "--base estimates the pairing between two runs: give --from too")
	}
	for _, d := range pp.Deltas {
		if d <= 0 || d >= 100 {
			return errs.E(errs.Invalid, "delta %v points is outside (0, 100)", d)
		}
	}
	return nil
}

// fromRuns takes what the plan does not set from run From: the within-stimulus
// correlation, the pass rate, the mean rated trials per cell and the models; with Base,
// the pairing between the two runs.
func (out *Power) fromRuns(src Source, pp *PowerParams) error {
	refs := []string{pp.From}
	if pp.Base != "" {
		refs = append(refs, pp.Base)
	}
	runs, err := resolve(src, Scope{Runs: refs})
	if err != nil {
		return err
	}
	aggs, err := aggregateRuns(src, runs, perCell)
	if err != nil {
		return err
	}
	ra := aggs[0]
	cells := ratedCells(ra)
	rho, p, ok := EstimateICC(cells)
	id := ra.run.ID
	out.FromRun = &id
	if ok {
		out.ICC, out.ICCSource = rho, "estimated from run "+id
	} else {
		out.ICCSource = "run " + id + " has no stimulus with two rated trials of mixed verdicts: conservative"
	}
	if pp.Baseline == nil && p > 0 && p < 1 {
		pp.Baseline = &p
		out.fromBaseline = pp.Baseline
		out.perModel = modelPlans(ra, out.ICC)
	}
	if pp.Trials == 0 {
		mean, harmonic := meanTrials(cells)
		out.Trials, out.EffectiveTrials = round6(mean), round6(harmonic)
	}
	if pp.Models == 0 {
		out.Models = max(1, len(ra.models))
	}
	if len(aggs) > 1 && p > 0 && p < 1 {
		bid := aggs[1].run.ID
		out.BaseRun = &bid
		if r, n := pairing(ra, aggs[1], p*(1-p)*out.ICC); n > 2 {
			out.Pairing, out.PairingSource = r, fmt.Sprintf("estimated from runs %s and %s over %d matched cells", id, bid, n)
		} else {
			out.PairingSource = fmt.Sprintf("runs %s and %s share too few rated cells: none", id, bid)
		}
	}
	return nil
}

// modelPlans are each model's pass rate and within-stimulus correlation in run ra (the
// run's correlation rho where a model's own cannot be estimated).
func modelPlans(ra *runAgg, rho float64) []modelPlan {
	var out []modelPlan
	for m := range ra.models {
		var cells []Cluster
		for s := range ra.stimuli {
			if c := ra.cell(m, s); c != nil && c.rated() > 0 {
				cells = append(cells, Cluster{Rated: c.rated(), Passed: c.passed})
			}
		}
		r, p, ok := EstimateICC(cells)
		if len(cells) == 0 {
			continue
		}
		if !ok {
			r = rho
		}
		out = append(out, modelPlan{p: p, rho: r})
	}
	return out
}

// ratedCells are a run's cells with a rated trial.
func ratedCells(ra *runAgg) []Cluster {
	var cells []Cluster
	for m := range ra.cells {
		for s := range ra.cells[m] {
			if c := ra.cell(m, s); c != nil && c.rated() > 0 {
				cells = append(cells, Cluster{Rated: c.rated(), Passed: c.passed})
			}
		}
	}
	return cells
}

// meanTrials is the mean and the harmonic mean of the rated trials per cell.
func meanTrials(cells []Cluster) (mean, harmonic float64) {
	if len(cells) == 0 {
		return 1, 1
	}
	var sum, inv float64
	for _, c := range cells {
		sum += float64(c.Rated)
		inv += 1 / float64(c.Rated)
	}
	n := float64(len(cells))
	return sum / n, n / inv
}

// pairing estimates the correlation r of a stimulus's true pass rate between runs a and
// b: the covariance of the cells' observed rates (same model, same stimulus; centred on
// each model's mean, pooled) over the variance of the true rates, between (= p(1−p)·ρ).
// The trials' noise is independent between runs, so the observed covariance is the true
// one. Clipped to [0, 1]; n is the matched cells it used.
func pairing(a, b *runAgg, between float64) (r float64, n int) {
	bIdx := map[string]int{}
	for i, s := range b.stimuli {
		bIdx[s] = i
	}
	var cov float64
	models := 0
	for am, name := range a.models {
		bm := slices.Index(b.models, name)
		if bm < 0 {
			continue
		}
		var xs, ys []float64
		for si, s := range a.stimuli {
			bi, ok := bIdx[s]
			ac, bc := a.cell(am, si), (*acc)(nil)
			if ok {
				bc = b.cell(bm, bi)
			}
			if ac != nil && bc != nil && ac.rated() > 0 && bc.rated() > 0 {
				xs, ys = append(xs, ac.rate()), append(ys, bc.rate())
			}
		}
		if len(xs) < 2 {
			continue
		}
		mx, my := meanOf(xs), meanOf(ys)
		for i := range xs {
			cov += (xs[i] - mx) * (ys[i] - my)
		}
		n += len(xs)
		models++
	}
	if n-models < 1 || between <= 0 {
		return 0, n
	}
	return min(1, max(0, cov/float64(n-models)/between)), n
}

func meanOf(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
