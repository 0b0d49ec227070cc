package cmd

import (
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/spf13/cobra"
)

func newFailuresCmd(f *Factory) *cobra.Command {
	var runs, where []string
	var by, base string
	var limit int
	cmd := &cobra.Command{
		Use:   "failures",
		Short: "The ways a run fails: failed and errored outcomes grouped into modes",
		Long: `Failure modes: the failed and errored outcomes of the runs, grouped by a deterministic
signature (the failing grader, or the error, and the first line of its evidence with numbers,
ids, hex, paths, quoted strings and timestamps masked), near-duplicates merged. Each mode has a
count, its share per model, its trend against the baseline run (the run before, or --base) and
examples. No model is called: the same runs give the same modes, with the same ids.
Open a mode's outcomes with evals outcomes --mode ID (docs/failures.md).`,
		Example: `  evals failures
  evals failures --run latest --base baseline --json --jq '.modes[] | select(.trend == "new")'
  evals failures --by category
  evals outcomes --run latest --mode fm-1a2b3c4d`,
		Args: exactArgs(0, "no arguments (use --run)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			p := query.FailuresParams{Scope: query.Scope{Runs: runs}, Base: base, Limit: limit}
			if p.Where, err = query.ParseWhere(where); err != nil {
				return err
			}
			if by != "model" {
				p.By = by
			}
			v, err := query.FailuresOf(s, p)
			if err != nil {
				return err
			}
			return f.print(view{value: v, doc: func() format.Doc { return format.Failures(v) }, items: func() []any { return toAny(v.Modes) }})
		},
	}
	scopeFlag(cmd, &runs)
	cmd.Flags().StringVar(&base, "base", "", "baseline run for the trends (default: the run before; none for no trend)")
	cmd.Flags().IntVar(&limit, "limit", query.DefaultModes, "how many modes to list (1..1000); the rest are counted in otherCount")
	cmd.Flags().StringVar(&by, "by", "", "break each mode down by this tag (category, difficulty, …) besides the models")
	cmd.Flags().StringArrayVar(&where, "where", nil, "only outcomes with this tag: KEY=VALUE[,VALUE] (repeat)")
	return cmd
}
