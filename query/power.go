package query

import (
	"math"

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
	// Trials per stimulus per side; 0 with From takes the run's.
	Trials int
	// From is a run whose within-stimulus correlation (and pass rate) is used.
	From string
}

// PowerRow is the answer for one change to detect.
type PowerRow struct {
	DeltaPoints float64 `json:"deltaPoints"`
	Stimuli     int64   `json:"stimuli"`
	// Outcomes is stimuli × trials on each side of the comparison.
	Outcomes int64 `json:"outcomesPerSide"`
}

// Power answers "how many stimuli do I need to detect a change of D points?".
type Power struct {
	Baseline float64 `json:"baseline"`
	Alpha    float64 `json:"alpha"`
	Power    float64 `json:"power"`
	Trials   int     `json:"trialsPerStimulus"`
	// ICC is the within-stimulus correlation of trials used: 1 (trials add nothing) when
	// no run is given, the conservative choice.
	ICC       float64    `json:"icc"`
	ICCSource string     `json:"iccSource"`
	FromRun   *string    `json:"fromRun"`
	Rows      []PowerRow `json:"rows"`
}

// StimuliNeeded is the number of stimuli a paired, stimulus-level comparison needs to detect
// a drop of d (0..1) from pass rate p with two-sided level alpha and the given power, with k
// trials per stimulus whose within-stimulus correlation is rho:
//
//	n = ⌈(z_{1−α/2} + z_{power})² · (p₁q₁ + p₂q₂) · (ρ + (1−ρ)/k) / d²⌉,  p₁ = p, p₂ = p − d
//
// (p₂ = p + d when p − d < 0). It gives no credit for pairing (the two sides' per-stimulus
// rates are taken as uncorrelated), so it errs on the side of more stimuli.
func StimuliNeeded(p, d, alpha, power float64, k int, rho float64) int64 {
	p2 := p - d
	if p2 < 0 {
		p2 = p + d
	}
	z := NormalQuantile(1-alpha/2) + NormalQuantile(power)
	v := (p*(1-p) + p2*(1-p2)) * (rho + (1-rho)/float64(k))
	return int64(math.Ceil(z * z * v / (d * d)))
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
	switch {
	case pp.Alpha <= 0 || pp.Alpha >= 1:
		return Power{}, errs.E(errs.Invalid, "alpha %v is outside (0, 1)", pp.Alpha)
	case pp.Power <= 0 || pp.Power >= 1:
		return Power{}, errs.E(errs.Invalid, "power %v is outside (0, 1)", pp.Power)
	case pp.Trials < 0 || pp.Trials == 0 && pp.From == "":
		return Power{}, errs.E(errs.Invalid, "trials %d must be at least 1", pp.Trials)
	case pp.Baseline != nil && (*pp.Baseline <= 0 || *pp.Baseline >= 1):
		return Power{}, errs.E(errs.Invalid, "baseline %v is outside (0, 1)", *pp.Baseline)
	}
	for _, d := range pp.Deltas {
		if d <= 0 || d >= 100 {
			return Power{}, errs.E(errs.Invalid, "delta %v points is outside (0, 100)", d)
		}
	}
	out := Power{Alpha: pp.Alpha, Power: pp.Power, ICC: 1, ICCSource: "conservative: no run given, trials of a stimulus taken as fully correlated", Rows: []PowerRow{}}
	if pp.From != "" {
		runs, err := resolve(src, Scope{Runs: []string{pp.From}})
		if err != nil {
			return Power{}, err
		}
		ra, err := aggregateRun(src, runs[0], perCell)
		if err != nil {
			return Power{}, err
		}
		var cells []Cluster
		for m := range ra.cells {
			for s := range ra.cells[m] {
				if c := ra.cell(m, s); c != nil && c.rated() > 0 {
					cells = append(cells, Cluster{Rated: c.rated(), Passed: c.passed})
				}
			}
		}
		rho, p, ok := EstimateICC(cells)
		id := runs[0].ID
		if pp.Trials == 0 {
			pp.Trials = int(max(1, runs[0].Summary.Trials))
		}
		out.FromRun = &id
		if ok {
			out.ICC, out.ICCSource = rho, "estimated from run "+id
		} else {
			out.ICCSource = "run " + id + " has no stimulus with two rated trials of mixed verdicts: conservative"
		}
		if pp.Baseline == nil && p > 0 && p < 1 {
			pp.Baseline = &p
		}
	}
	if pp.Baseline == nil {
		return Power{}, errs.E(errs.Invalid, "power needs a baseline pass rate: --baseline RATE or --from RUN")
	}
	out.Baseline = *pp.Baseline
	out.Trials = pp.Trials
	for _, d := range pp.Deltas {
		n := StimuliNeeded(out.Baseline, d/100, pp.Alpha, pp.Power, pp.Trials, out.ICC)
		out.Rows = append(out.Rows, PowerRow{DeltaPoints: d, Stimuli: n, Outcomes: n * int64(pp.Trials)})
	}
	return out, nil
}
