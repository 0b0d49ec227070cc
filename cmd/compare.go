package cmd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/spf13/cobra"
)

type compareOptions struct {
	f            *Factory
	models       string
	params       query.CompareParams
	pairs        []string
	all          bool
	section      string
	failOnRegr   bool
	strict       bool
	minPassRate  float64
	minPassGiven bool
	where        []string
}

func newCompareCmd(f *Factory) *cobra.Command {
	o := &compareOptions{f: f}
	cmd := &cobra.Command{
		Use:   "compare NEW OLD [MORE...] | compare RUN --models A,B",
		Short: "What changed between runs: regressions, improvements, and whether they are real",
		Long: `Compare a new run against one or more baselines (up to 8 runs), model by model.

A cell (stimulus × model) leaves skipped outcomes out and is: missing (no outcomes), skipped
(every outcome skipped), ungraded (no verdict), error (every rated trial errored), ok (pass
rate ≥ --threshold) or failed. A regression is a stimulus whose cell went ok → failed;
ungraded, skipped and missing cells never are. A flip between two flaky cells (0 < pass
rate < 1) is counted as flaky, not as a change.

Each pair's verdict comes from the paired difference over the stimuli both sides rated
(trials of a stimulus move together, so the stimulus is the unit): a t interval on the mean
per-stimulus difference, Holm-corrected across pairs. regressed when the interval lies
wholly below 0, improved when wholly above, underpowered under --min-matched stimuli. See
docs/statistics.md and evals metrics.

Quality gates (exit 1): --fail-on-regression when a pair regressed significantly; --strict
(which implies --fail-on-regression) also when any stimulus regressed; --min-pass-rate when
the new run is below it. With --json the gate's result is part of the one document
("gate": {"failed", "reasons"}). Errors keep their own exit codes, so CI can tell
"regressed" (1) from "broken" (2–5).

With --models A,B, compare two models within one run instead.`,
		Example: `  evals compare latest latest~1
  evals compare candidate baseline --fail-on-regression --format markdown >> $GITHUB_STEP_SUMMARY
  evals compare latest latest~1 --json --jq '.summary[] | {model, verdict}'
  evals compare latest --models gpt-5,claude-sonnet-4.5`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return errs.E(errs.Invalid, "compare needs a new run and a baseline (or a run and --models A,B)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.minPassGiven = cmd.Flags().Changed("min-pass-rate")
			if o.strict {
				o.failOnRegr = true // --strict is a stricter --fail-on-regression
			}
			if o.models != "" {
				return runModelCompare(o, args)
			}
			return runCompare(o, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.models, "models", "", "compare two models within one run: A,B")
	def := query.NewCompareParams()
	fl.Float64Var(&o.params.Threshold, "threshold", def.Threshold, "pass rate at or above which a cell is ok (0..1)")
	fl.IntVar(&o.params.MinMatched, "min-matched", def.MinMatched, "matched stimuli below which a pair is underpowered (≥ 1)")
	fl.Float64Var(&o.params.Alpha, "alpha", def.Alpha, "significance level of the paired test, Holm-corrected across pairs (0..1)")
	fl.StringSliceVar(&o.pairs, "pair", nil, "pair a new model with another baseline model: NEW_MODEL=BASE_MODEL")
	fl.StringVar(&o.params.By, "by", "", "compare per slice: each model's outcomes of one value of this tag (the gate speaks per slice)")
	fl.StringArrayVar(&o.where, "where", nil, "only outcomes with this tag: KEY=VALUE[,VALUE] (repeat)")
	fl.BoolVar(&o.all, "all", false, "show unchanged stimuli too")
	fl.StringVar(&o.section, "section", "summary", "the table --format csv writes: summary (per model, with its verdict) or changes (the changed stimuli)")
	fl.BoolVar(&o.failOnRegr, "fail-on-regression", false, "exit 1 when a model regressed significantly")
	fl.BoolVar(&o.strict, "strict", false, "exit 1 when any stimulus regressed, significant or not (implies --fail-on-regression)")
	fl.Float64Var(&o.minPassRate, "min-pass-rate", 0, "exit 1 when the new run's pass rate is below this (0..1)")
	return cmd
}

func runCompare(o *compareOptions, args []string) error {
	if len(args) < 2 {
		return errs.E(errs.Invalid, "compare needs a new run and a baseline: evals compare NEW OLD").
			WithHint("to compare two models of one run: evals compare RUN --models A,B")
	}
	if o.minPassGiven && (o.minPassRate < 0 || o.minPassRate > 1) {
		return errs.E(errs.Invalid, "--min-pass-rate %v is outside 0..1", o.minPassRate)
	}
	pairs, err := query.ParsePairs(o.pairs)
	if err != nil {
		return err
	}
	p := o.params
	p.Runs, p.Pairs = args, pairs
	if p.Where, err = query.ParseWhere(o.where); err != nil {
		return err
	}
	s, err := o.f.Store()
	if err != nil {
		return err
	}
	if p.By != "" && o.failOnRegr {
		// Two families gate (the unsliced pairs and the sliced ones): each gets half of α
		// (Bonferroni over the two), so the gate's family-wise error stays at α.
		p.Alpha /= 2
	}
	c, err := query.CompareRuns(s, p)
	if err != nil {
		return err
	}
	// The gate's result goes into the one answer document; the exit code says it too.
	if o.failOnRegr || o.minPassGiven {
		why, err := o.gate(c)
		if err != nil {
			return err
		}
		var families []string
		if o.failOnRegr {
			families = []string{fmt.Sprintf("all: %d model pairs at α = %g", len(c.Summary), p.Alpha)}
		}
		if p.By != "" && o.failOnRegr {
			// The unsliced pairs stay in the gate: an overall regression fails it even when
			// no single slice has the power to show it.
			overall := p
			overall.By = ""
			oc, err := query.CompareRuns(s, overall)
			if err != nil {
				return err
			}
			owhy, err := o.gate(oc)
			if err != nil {
				return err
			}
			why = append(owhy, why...)
			families = []string{fmt.Sprintf("overall: %d model pairs at α = %g", len(oc.Summary), p.Alpha),
				fmt.Sprintf("by %s: %d model × slice pairs at α = %g (Bonferroni over the two families)", p.By, len(c.Summary), p.Alpha)}
		}
		c.Gate = &query.Gate{Failed: len(why) > 0, Reasons: slices.Compact(why), Families: families}
		if why == nil {
			c.Gate.Reasons = []string{}
		}
	}
	doc := format.Compare
	switch o.section {
	case "summary":
	case "changes":
		doc = format.CompareChanges
	default:
		return errs.E(errs.Invalid, "invalid --section %q: use summary or changes", o.section)
	}
	if err := o.f.print(view{value: c, doc: func() format.Doc { return doc(c, o.all) }, items: func() []any { return toAny(c.Rows) }}); err != nil {
		return err
	}
	if c.Gate != nil && c.Gate.Failed {
		return errs.E(errs.GateFailed, "quality gate failed: %s", strings.Join(c.Gate.Reasons, "; ")).InAnswer()
	}
	return nil
}

// gate applies the quality gates and says why they fail (nil when they pass).
func (o *compareOptions) gate(c query.Compare) ([]string, error) {
	var why []string
	if o.failOnRegr {
		for _, p := range c.Summary {
			switch {
			case p.Verdict == "regressed":
				why = append(why, fmt.Sprintf("%s regressed by %s points, interval [%s, %s], adjusted p = %.3g over %d stimuli",
					format.ModelLabel(p.Model, p.Slice), pts(p.Delta.Estimate), pts(p.Delta.Low), pts(p.Delta.High), deref(p.Delta.AdjustedPValue), p.MatchedStimuli))
			case o.strict && p.Regressions > 0:
				why = append(why, fmt.Sprintf("%s regressed on %d stimuli (--strict)", format.ModelLabel(p.Model, p.Slice), p.Regressions))
			}
		}
	}
	if o.minPassGiven {
		newRun := c.Subjects[0].RunID
		rate, err := o.newPassRate(newRun)
		if err != nil {
			return nil, err
		}
		if rate == nil || *rate < o.minPassRate {
			why = append(why, fmt.Sprintf("pass rate of %s is %s, below --min-pass-rate %s", newRun, format.Pct(rate), format.Pct(&o.minPassRate)))
		}
	}
	return why, nil
}

func pts(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%+.1f", *v*100)
}

func deref(v *float64) float64 {
	if v == nil {
		return 1
	}
	return *v
}

func (o *compareOptions) newPassRate(runID string) (*float64, error) {
	s, err := o.f.Store()
	if err != nil {
		return nil, err
	}
	r, err := s.Run(runID)
	if err != nil {
		return nil, err
	}
	return query.Summarize(r).PassRate, nil
}

func runModelCompare(o *compareOptions, args []string) error {
	if len(args) != 1 {
		return errs.E(errs.Invalid, "--models compares two models within one run; got %d runs", len(args))
	}
	ms := strings.Split(o.models, ",")
	if len(ms) != 2 {
		return errs.E(errs.Invalid, "--models takes exactly two models: A,B")
	}
	s, err := o.f.Store()
	if err != nil {
		return err
	}
	c, err := query.CompareModels(s, args[0], strings.TrimSpace(ms[0]), strings.TrimSpace(ms[1]))
	if err != nil {
		return err
	}
	return o.f.print(view{value: c, doc: func() format.Doc { return format.ModelCompare(c) }, items: func() []any { return toAny(c.Rows) }})
}
