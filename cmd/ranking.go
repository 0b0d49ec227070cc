package cmd

import (
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/spf13/cobra"
)

// scopeFlag adds --run to an aggregate command.
func scopeFlag(cmd *cobra.Command, runs *[]string) {
	cmd.Flags().StringSliceVar(runs, "run", []string{"latest"}, "run references (comma list or repeated); all for the whole store")
}

func newRankingCmd(f *Factory) *cobra.Command {
	var runs []string
	cmd := &cobra.Command{
		Use:   "ranking",
		Short: "Rank models by pass rate, then duration",
		Long: `The model leaderboard: pass rate (passed / (passed + failed + error)), mean duration, turns,
tool calls, tokens, cost, and pass@k / pass^k when runs have several trials per stimulus.`,
		Example: `  evals ranking
  evals ranking --run latest --json --jq '.models[0].model'
  evals ranking --run all --format markdown`,
		Args: exactArgs(0, "no arguments (use --run)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			r, err := query.RankingOf(s, query.Scope{Runs: runs})
			if err != nil {
				return err
			}
			return f.print(view{value: r, doc: func() format.Doc { return format.Ranking(r) }, items: func() []any { return toAny(r.Models) }})
		},
	}
	scopeFlag(cmd, &runs)
	return cmd
}

func newGradersCmd(f *Factory) *cobra.Command {
	var runs []string
	cmd := &cobra.Command{
		Use:   "graders",
		Short: "Grader failure analysis, worst first, with sample evidence",
		Example: `  evals graders
  evals graders --run all --json --jq '.graders[] | {name, passRate}'`,
		Args: exactArgs(0, "no arguments (use --run)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			g, err := query.GradersOf(s, query.Scope{Runs: runs})
			if err != nil {
				return err
			}
			return f.print(view{value: g, doc: func() format.Doc { return format.Graders(g) }, items: func() []any { return toAny(g.Graders) }})
		},
	}
	scopeFlag(cmd, &runs)
	return cmd
}

func newToolsCmd(f *Factory) *cobra.Command {
	var runs []string
	cmd := &cobra.Command{
		Use:   "tools",
		Short: "Tool usage analysis: calls, success rate, pass rate of outcomes that used each tool",
		Example: `  evals tools
  evals tools --run latest~1 --format csv`,
		Args: exactArgs(0, "no arguments (use --run)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			t, err := query.ToolsOf(s, query.Scope{Runs: runs})
			if err != nil {
				return err
			}
			return f.print(view{value: t, doc: func() format.Doc { return format.Tools(t) }, items: func() []any { return toAny(t.Tools) }})
		},
	}
	scopeFlag(cmd, &runs)
	return cmd
}

func newMatrixCmd(f *Factory) *cobra.Command {
	var runs []string
	var metric string
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "A stimulus × model grid of any metric (pass_rate by default)",
		Example: `  evals matrix
  evals matrix --metric duration_ms
  evals matrix --json --jq '.rows | length'`,
		Args: exactArgs(0, "no arguments (use --run)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			m, err := query.MatrixOf(s, query.Scope{Runs: runs}, metric)
			if err != nil {
				return err
			}
			return f.print(view{value: m, doc: func() format.Doc { return format.Matrix(m) }})
		},
	}
	scopeFlag(cmd, &runs)
	cmd.Flags().StringVar(&metric, "metric", "pass_rate", "metric id (see `evals metrics`)")
	return cmd
}

func newMetricsCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "metrics",
		Short:   "The metric definitions used by matrix, sort and compare",
		Example: "  evals metrics\n  evals metrics --json",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			m := query.MetricsOf()
			return f.print(view{value: m, doc: func() format.Doc { return format.Metrics(m) }, items: func() []any { return toAny(m.Metrics) }})
		},
	}
}
