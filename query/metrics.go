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
	// field is the outcome field this metric sorts outcomes by.
	field func(o *OutcomeSummary) *float64
}

// Metrics is the answer of `evals metrics` and GET /api/metrics.
type Metrics struct {
	Metrics []Metric `json:"metrics"`
}

func f64(v int64) *float64 { x := float64(v); return &x }

// Registry lists every metric, in display order.
var Registry = []Metric{
	{ID: "pass_rate", Label: "Pass rate", Unit: "ratio", Direction: "higher_is_better", Aggregation: "rate",
		Description: "passed / (passed + failed + error); skipped and ungraded (pending) outcomes are left out, and an errored outcome is not a pass",
		value:       func(a *acc) *float64 { return a.passRate() },
		field: func(o *OutcomeSummary) *float64 {
			if o.Passed == nil {
				return nil
			}
			if *o.Passed {
				return f64(1)
			}
			return f64(0)
		}},
	{ID: "score", Label: "Score", Unit: "ratio", Direction: "higher_is_better", Aggregation: "mean",
		Description: "mean of the outcome scores (0..1) where a score was given",
		value:       func(a *acc) *float64 { return mean(a.score, a.scoreN) },
		field:       func(o *OutcomeSummary) *float64 { return o.Score }},
	{ID: "error_rate", Label: "Error rate", Unit: "ratio", Direction: "lower_is_better", Aggregation: "rate",
		Description: "errored / executed outcomes (skipped left out)",
		value:       func(a *acc) *float64 { return ratio(a.errored, a.executed()) },
		field: func(o *OutcomeSummary) *float64 {
			if o.Status == "error" {
				return f64(1)
			}
			return f64(0)
		}},
	meanMetric("duration_ms", "Duration", "ms", "lower_is_better", "wall-clock duration of an outcome in milliseconds",
		func(a *acc) int64 { return a.dur }, func(o *OutcomeSummary) int64 { return o.DurationMs }),
	meanMetric("turns", "Turns", "count", "lower_is_better", "model turns per outcome",
		func(a *acc) int64 { return a.turns }, func(o *OutcomeSummary) int64 { return int64(o.Turns) }),
	meanMetric("tool_calls", "Tool calls", "count", "neutral", "tool calls per outcome",
		func(a *acc) int64 { return a.tools }, func(o *OutcomeSummary) int64 { return int64(o.ToolCalls) }),
	meanMetric("errors", "Errors", "count", "lower_is_better", "errors (failed tool calls, provider errors) per outcome",
		func(a *acc) int64 { return a.errs }, func(o *OutcomeSummary) int64 { return int64(o.Errors) }),
	meanMetric("input_tokens", "Input tokens", "tokens", "lower_is_better", "input (prompt) tokens per outcome",
		func(a *acc) int64 { return a.in }, func(o *OutcomeSummary) int64 { return o.InputTokens }),
	meanMetric("output_tokens", "Output tokens", "tokens", "lower_is_better", "output (completion) tokens per outcome",
		func(a *acc) int64 { return a.out }, func(o *OutcomeSummary) int64 { return o.OutputTokens }),
	meanMetric("reasoning_tokens", "Reasoning tokens", "tokens", "neutral", "reasoning tokens per outcome",
		func(a *acc) int64 { return a.reasoning }, func(o *OutcomeSummary) int64 { return o.ReasoningTokens }),
	meanMetric("total_tokens", "Total tokens", "tokens", "lower_is_better", "input + output + reasoning tokens per outcome",
		func(a *acc) int64 { return a.total }, func(o *OutcomeSummary) int64 { return o.TotalTokens }),
	{ID: "cost_usd", Label: "Cost", Unit: "usd", Direction: "lower_is_better", Aggregation: "mean",
		Description: "cost per outcome in USD, where the cost is known",
		value:       func(a *acc) *float64 { return mean(a.cost, a.costN) },
		field:       func(o *OutcomeSummary) *float64 { return o.CostUSD }},
}

func meanMetric(id, label, unit, dir, desc string, get func(*acc) int64, field func(*OutcomeSummary) int64) Metric {
	return Metric{ID: id, Label: label, Unit: unit, Direction: dir, Aggregation: "mean", Description: desc + "; mean over executed (not skipped) outcomes",
		value: func(a *acc) *float64 { return mean(float64(get(a)), a.executed()) },
		field: func(o *OutcomeSummary) *float64 { return f64(field(o)) }}
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
