package query

import (
	"github.com/evals-dev/evals/errs"
)

// Metric is one entry of the metric registry used by matrix, sort and compare.
type Metric struct {
	ID          string `json:"id"`
	Label       string `json:"label"`
	Unit        string `json:"unit"`        // ratio | ms | count | tokens | usd
	Direction   string `json:"direction"`   // higher_is_better | lower_is_better | neutral
	Aggregation string `json:"aggregation"` // rate | mean | sum
	Description string `json:"description"`

	value func(a *acc) *float64
	// col is the outcome column value reads beyond the cell counts (model, status,
	// passed): "" for the rates. accSums says where its sums are kept.
	col string
}

// Metrics is the answer of `evals metrics` and GET /api/metrics: the metric registry and
// the definitions of the statistics every face uses (docs/statistics.md says more).
type Metrics struct {
	Metrics     []Metric     `json:"metrics"`
	Definitions []Definition `json:"definitions"`
}

// Definition names and states one statistic.
type Definition struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// Definitions are the statistics, written once here and in docs/statistics.md.
var Definitions = []Definition{
	{"cell_status", "a (stimulus, model) cell leaves skipped outcomes out and counts rated trials (passed, failed or errored): missing = no outcomes; skipped = every outcome skipped; ungraded = executed outcomes but none has a verdict; error = every rated trial errored; ok / failed = pass rate at or above / below the threshold (default 0.5)"},
	{"regression", "a stimulus whose cell went ok → failed, and nothing else; ungraded, skipped and missing cells are never regressions. Over the matched stimuli (rated on both sides) regressed, improved, errored, flaky and unchanged partition them"},
	{"coverage", "a stimulus is present for a subject only when its cell is ok, failed or error"},
	{"pass_rate_interval", "95% interval of a pass rate p̂ = passed / rated: p̂ ± 1.96·SE with SE clustered by stimulus, SE = sqrt(Σ_s (passed_s − rated_s·p̂)²) / N (Miller 2024, eq. 4), clipped to [0, 1]; where SE is 0 (every trial the same, or one stimulus) the Wilson interval with n = the number of stimuli. A single cell's interval is Wilson over its trials"},
	{"paired_delta", "the change between two subjects over the S stimuli both rated: d_s = pass rate of new on s − pass rate of base on s; estimate = mean(d), SE = sd(d)/sqrt(S), interval estimate ± t(1 − α/2, S − 1)·SE, two-sided p-value from the same t statistic. McNemar's exact test is also reported when every matched stimulus has one rated trial per side"},
	{"verdict", "regressed when the paired interval lies wholly below 0 and improved when wholly above, at alpha Holm-corrected across the pairs of one compare; no_change otherwise; underpowered with fewer than --min-matched stimuli. The reported interval is at the level the verdict uses, so the two never disagree"},
	{"min_detectable_effect", "the smallest true change a pair detects with 80% power at the gate's alpha: (z_{1−α/2} + z_{0.8})·SE"},
	{"vs_leader", "a ranked model's paired difference to the leader over their common stimuli, at 95%; a model whose interval contains 0 is not significantly behind (≈)"},
	{"power", "stimuli needed to detect a drop of d from rate p: ⌈(z_{1−α/2} + z_{power})²·(p₁q₁ + p₂q₂)·(ρ + (1−ρ)/k) / d²⌉ with k trials per stimulus and within-stimulus correlation ρ (1 unless estimated from a run)"},
}

// Registry lists every metric, in display order.
var Registry = []Metric{
	{ID: "pass_rate", Label: "Pass rate", Unit: "ratio", Direction: "higher_is_better", Aggregation: "rate",
		Description: "passed / (passed + failed + error); skipped and ungraded (pending) outcomes are left out, and an errored outcome is not a pass",
		value:       func(a *acc) *float64 { return a.passRate() }},
	{ID: "score", Label: "Score", Unit: "ratio", Direction: "higher_is_better", Aggregation: "mean",
		Description: "mean of the outcome scores (0..1) where a score was given",
		value:       floatMean("score"), col: "score"},
	{ID: "error_rate", Label: "Error rate", Unit: "ratio", Direction: "lower_is_better", Aggregation: "rate",
		Description: "errored / executed outcomes (skipped left out)",
		value:       func(a *acc) *float64 { return ratio(a.errors(), a.executed()) }},
	knownMean("duration_ms", "Duration", "ms", "lower_is_better", "wall-clock duration of an outcome in milliseconds"),
	knownMean("turns", "Turns", "count", "lower_is_better", "model turns per outcome"),
	knownMean("tool_calls", "Tool calls", "count", "neutral", "tool calls per outcome"),
	meanMetric("errors", "Errors", "count", "lower_is_better", "errors (failed tool calls, provider errors) per outcome"),
	knownMean("input_tokens", "Input tokens", "tokens", "lower_is_better", "input (prompt) tokens per outcome"),
	knownMean("output_tokens", "Output tokens", "tokens", "lower_is_better", "output (completion) tokens per outcome"),
	knownMean("reasoning_tokens", "Reasoning tokens", "tokens", "neutral", "reasoning tokens per outcome"),
	knownMean("total_tokens", "Total tokens", "tokens", "lower_is_better", "input + output + reasoning tokens per outcome"),
	{ID: "cost_usd", Label: "Cost", Unit: "usd", Direction: "lower_is_better", Aggregation: "mean",
		Description: "cost per outcome in USD, where the cost is known",
		value:       floatMean("cost_usd"), col: "cost_usd"},
}

// meanMetric is the mean of an integer column over executed (not skipped) outcomes.
func meanMetric(id, label, unit, dir, desc string) Metric {
	return Metric{ID: id, Label: label, Unit: unit, Direction: dir, Aggregation: "mean", Description: desc + "; mean over executed (not skipped) outcomes",
		value: func(a *acc) *float64 { sum, _, _ := accSums(a, id); return mean(float64(*sum), a.executed()) }, col: id}
}

// knownMean is meanMetric for a value an outcome may not have recorded (duration, tokens):
// the mean is over the outcomes that did, null when none did.
func knownMean(id, label, unit, dir, desc string) Metric {
	return Metric{ID: id, Label: label, Unit: unit, Direction: dir, Aggregation: "mean", Description: desc + "; mean over executed (not skipped) outcomes that recorded it",
		value: func(a *acc) *float64 { sum, _, n := accSums(a, id); return mean(float64(*sum), *n) }, col: id}
}

// floatMean is the mean of a float column over the outcomes where it is not null.
func floatMean(col string) func(a *acc) *float64 {
	return func(a *acc) *float64 { _, sum, n := accSums(a, col); return mean(*sum, *n) }
}

// MetricsOf returns the registry.
func MetricsOf() Metrics { return Metrics{Metrics: Registry, Definitions: Definitions} }

// MetricByID finds a metric of the registry.
func MetricByID(id string) (Metric, error) {
	for _, m := range Registry {
		if m.ID == id {
			return m, nil
		}
	}
	ids := make([]string, len(Registry))
	for i, m := range Registry {
		ids[i] = m.ID
	}
	return Metric{}, errs.E(errs.Invalid, "unknown metric %q: use one of %v (see `evals metrics`)", id, ids)
}
