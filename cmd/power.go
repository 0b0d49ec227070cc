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
		Long: `Plan an eval's size: the number of stimuli a paired comparison needs to detect a drop of
D percentage points from a baseline pass rate, at --alpha (two-sided) and --power, with
--trials trials per stimulus.

Trials of one stimulus are correlated (a hard stimulus is hard every time), so more trials
help less than more stimuli. With --from RUN the within-stimulus correlation (and, unless
--baseline is given, the pass rate) is estimated from that run; without it the plan assumes
trials are fully correlated, the conservative choice. See docs/statistics.md.`,
		Example: `  evals power --baseline 0.7
  evals power --from latest --trials 3
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
	fl.IntVar(&p.Trials, "trials", 1, "trials per stimulus (default: the run's with --from, else 1)")
	fl.StringVar(&p.From, "from", "", "a run to estimate the within-stimulus correlation (and pass rate) from")
	return cmd
}
