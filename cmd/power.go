package cmd

import (
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/spf13/cobra"
)

func newPowerCmd(f *Factory) *cobra.Command {
	p := query.PowerParams{}
	var baseline float64
	cmd := &cobra.Command{
		Use:   "power",
		Short: "How many stimuli (and trials) you need to detect a change of D points",
		Long: `Plan an eval's size: the number of stimuli the regression gate (compare
--fail-on-regression) needs to catch a drop of D percentage points in one model, from a
baseline pass rate, at --alpha (two-sided) and --power, with --trials trials per stimulus.
The gate runs Holm over --models model pairs, so the plan is for level α/models; the table
gives the gate's power beside a single test's.

Trials of one stimulus are correlated (a hard stimulus is hard every time), so more trials
help less than more stimuli. With --from RUN the within-stimulus correlation (and, unless
--baseline is given, the pass rate) is estimated from that run; without it the plan assumes
trials are fully correlated, the conservative choice. With --base RUN2 as well, the
pairing (how much of a stimulus's difficulty two runs share) is estimated and credited;
without it the runs are taken as independent, again conservative. --stimuli N gives the
power at N matched stimuli instead. See docs/statistics.md.`,
		Example: `  evals power --baseline 0.7
  evals power --from latest --trials 3
  evals power --from latest --base latest~1 --stimuli 120
  evals power --baseline 0.9 --delta 3 --alpha 0.01 --power 0.9 --json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if p.From != "" && !cmd.Flags().Changed("trials") {
				p.Trials = 0 // the run's
			}
			if cmd.Flags().Changed("baseline") {
				p.Baseline = &baseline
			}
			var src query.Source
			if p.From != "" {
				s, err := f.Store()
				if err != nil {
					return err
				}
				src = s
			}
			v, err := query.PowerOf(src, p)
			if err != nil {
				return err
			}
			return f.print(view{value: v, doc: func() format.Doc { return format.Power(v) }, items: func() []any { return toAny(v.Rows) }})
		},
	}
	fl := cmd.Flags()
	fl.Float64Var(&baseline, "baseline", 0, "expected pass rate, 0..1 (default: the pass rate of --from)")
	fl.Float64SliceVar(&p.Deltas, "delta", nil, "changes to detect, in points (default 1,2,5,10)")
	fl.Float64Var(&p.Alpha, "alpha", query.DefaultAlpha, "two-sided significance level")
	fl.Float64Var(&p.Power, "power", 0.8, "chance to detect a change of that size")
	fl.Float64Var(&p.Trials, "trials", 1, "trials per stimulus (default: the run's mean rated trials per cell with --from, else 1)")
	fl.IntVar(&p.Models, "models", 0, "models the gate compares, Holm's family (default: the models of --from, else 1)")
	fl.Int64Var(&p.Stimuli, "stimuli", 0, "give the power at this many matched stimuli instead of the stimuli needed")
	fl.StringVar(&p.From, "from", "", "a run to estimate the within-stimulus correlation, pass rate, trials and models from")
	fl.StringVar(&p.Base, "base", "", "an earlier run of the same suite: with --from, estimates how a stimulus's pass rate carries over between runs (the pairing)")
	return cmd
}
