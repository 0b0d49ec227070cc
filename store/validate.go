package store

import (
	"fmt"
	"math"
)

// MaxTrial is the largest trial number a run may hold. Trials are counted from 0; a
// million is far beyond any eval, and small enough that nothing sized by it can hurt.
const MaxTrial = 1_000_000

// Validate checks an outcome's numbers against the format's ranges: trial 0..MaxTrial;
// durations, turns, counts and tokens ≥ 0 or Unknown; scores in 0..1; grader weights and costs finite
// and ≥ 0; token totals that fit in 64 bits. Every importer's outcomes pass through it (the
// writer refuses what fails), so a query never meets a value it must not size by.
func (o *Outcome) Validate() error {
	switch {
	case o.Trial < 0 || o.Trial > MaxTrial:
		return fmt.Errorf("trial %d is outside 0..%d", o.Trial, MaxTrial)
	case o.DurationMs < Unknown:
		return fmt.Errorf("durationMs %d is negative", o.DurationMs)
	case o.Turns < int(Unknown) || o.ToolCallCount < int(Unknown) || o.Errors < 0:
		return fmt.Errorf("turns, toolCallCount and errors must not be negative")
	case o.InputTokens < Unknown || o.OutputTokens < Unknown || o.ReasoningTokens < Unknown || o.CachedTokens < Unknown || o.TotalTokens < Unknown:
		return fmt.Errorf("token counts must not be negative")
	}
	if err := checkUnit("score", o.Score); err != nil {
		return err
	}
	if o.CostUSD != nil && !finiteNonNeg(*o.CostUSD) {
		return fmt.Errorf("costUsd %v must be a finite number ≥ 0", *o.CostUSD)
	}
	if _, ok := AddTokens(max(o.InputTokens, 0), max(o.OutputTokens, 0), max(o.ReasoningTokens, 0)); !ok {
		return fmt.Errorf("token counts add up past %d", int64(math.MaxInt64))
	}
	for i, g := range o.Graders {
		if g.Score != nil && !inUnit(*g.Score) { // the field's name only when it is wrong
			return checkUnit(fmt.Sprintf("graders[%d].score", i), g.Score)
		}
		if !finiteNonNeg(g.Weight) {
			return fmt.Errorf("graders[%d].weight %v must be a finite number ≥ 0", i, g.Weight)
		}
	}
	for i, t := range o.ToolCalls {
		if t.DurationMs != nil && *t.DurationMs < 0 {
			return fmt.Errorf("toolCalls[%d].durationMs %d is negative", i, *t.DurationMs)
		}
		if t.ArgsBytes < 0 || t.ResultBytes < 0 {
			return fmt.Errorf("toolCalls[%d]: argsBytes and resultBytes must not be negative", i)
		}
	}
	return nil
}

// AddTokens adds non-negative counts; ok is false when the sum would overflow.
func AddTokens(v ...int64) (sum int64, ok bool) {
	for _, x := range v {
		if x > math.MaxInt64-sum {
			return 0, false
		}
		sum += x
	}
	return sum, true
}

func inUnit(v float64) bool { return !math.IsNaN(v) && v >= 0 && v <= 1 }

func checkUnit(field string, v *float64) error {
	if v != nil && !inUnit(*v) {
		return fmt.Errorf("%s %v is outside 0..1", field, *v)
	}
	return nil
}

func finiteNonNeg(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0 }
