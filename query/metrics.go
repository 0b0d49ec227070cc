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
}

// Metrics is the answer of `evals metrics` and GET /api/metrics.
type Metrics struct {
	Metrics []Metric `json:"metrics"`
}

// Registry lists every metric, in display order.
var Registry = []Metric{
	{ID: "pass_rate", Label: "Pass rate", Unit: "ratio", Direction: "higher_is_better", Aggregation: "rate",
		Description: "passed / (passed + failed + error); skipped and ungraded (pending) outcomes are left out, and an errored outcome is not a pass",
		value:       func(a *acc) *float64 { return a.passRate() }},
	{ID: "score", Label: "Score", Unit: "ratio", Direction: "higher_is_better", Aggregation: "mean",
		Description: "mean of the outcome scores (0..1) where a score was given",
		value:       func(a *acc) *float64 { return mean(a.score, a.scoreN) }},
	{ID: "error_rate", Label: "Error rate", Unit: "ratio", Direction: "lower_is_better", Aggregation: "rate",
		Description: "errored / executed outcomes (skipped left out)",
		value:       func(a *acc) *float64 { return ratio(a.errored, a.executed()) }},
	meanMetric("duration_ms", "Duration", "ms", "lower_is_better", "wall-clock duration of an outcome in milliseconds",
		func(a *acc) int64 { return a.dur }),
	meanMetric("turns", "Turns", "count", "lower_is_better", "model turns per outcome",
		func(a *acc) int64 { return a.turns }),
	meanMetric("tool_calls", "Tool calls", "count", "neutral", "tool calls per outcome",
		func(a *acc) int64 { return a.tools }),
	meanMetric("errors", "Errors", "count", "lower_is_better", "errors (failed tool calls, provider errors) per outcome",
		func(a *acc) int64 { return a.errs }),
	meanMetric("input_tokens", "Input tokens", "tokens", "lower_is_better", "input (prompt) tokens per outcome",
		func(a *acc) int64 { return a.in }),
	meanMetric("output_tokens", "Output tokens", "tokens", "lower_is_better", "output (completion) tokens per outcome",
		func(a *acc) int64 { return a.out }),
	meanMetric("reasoning_tokens", "Reasoning tokens", "tokens", "neutral", "reasoning tokens per outcome",
		func(a *acc) int64 { return a.reasoning }),
	meanMetric("total_tokens", "Total tokens", "tokens", "lower_is_better", "input + output + reasoning tokens per outcome",
		func(a *acc) int64 { return a.total }),
	{ID: "cost_usd", Label: "Cost", Unit: "usd", Direction: "lower_is_better", Aggregation: "mean",
		Description: "cost per outcome in USD, where the cost is known",
		value:       func(a *acc) *float64 { return mean(a.cost, a.costN) }},
}

func meanMetric(id, label, unit, dir, desc string, get func(*acc) int64) Metric {
	return Metric{ID: id, Label: label, Unit: unit, Direction: dir, Aggregation: "mean", Description: desc + "; mean over executed (not skipped) outcomes",
		value: func(a *acc) *float64 { return mean(float64(get(a)), a.executed()) }}
}

// MetricsOf returns the registry.
func MetricsOf() Metrics { return Metrics{Metrics: Registry} }

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
