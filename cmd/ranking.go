package cmd

import (
	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
	"github.com/spf13/cobra"
)

// scopeFlag adds --run to an aggregate command.
func scopeFlag(cmd *cobra.Command, runs *[]string) {
	cmd.Flags().StringSliceVar(runs, "run", []string{"latest"}, "run references (comma list or repeated); all for the whole store")
}

// aggregateCmd builds a command that answers one aggregate over --run: the same flags,
// arguments and rendering path for ranking, graders and tools.
func aggregateCmd[T any](f *Factory, cmd *cobra.Command, ask func(query.Source, query.Scope) (T, error), doc func(T) format.Doc, items func(T) []any) *cobra.Command {
	var runs, where []string
	var by string
	cmd.Args = exactArgs(0, "no arguments (use --run)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		s, err := f.Store()
		if err != nil {
			return err
		}
		sc := query.Scope{Runs: runs}
		if sc.Where, err = query.ParseWhere(where); err != nil {
			return err
		}
		sc.By = by
		// ranking, graders and tools group (--by) and filter (--where); tags counts.
		if by != "" && cmd.Name() == "tags" {
			return errs.E(errs.Invalid, "tags lists every tag: it takes no --by")
		}
		if len(where) > 0 && cmd.Name() == "tags" {
			return errs.E(errs.Invalid, "tags lists every tag: it takes no --where")
		}
		v, err := ask(s, sc)
		if err != nil {
			return err
		}
		return f.print(view{value: v, doc: func() format.Doc { return doc(v) }, items: func() []any { return items(v) }})
	}
	scopeFlag(cmd, &runs)
	cmd.Flags().StringVar(&by, "by", "", "one line per "+map[string]string{"ranking": "model", "graders": "grader", "tools": "tool"}[cmd.Name()]+" and value of this tag (a slice): category, difficulty, …")
	cmd.Flags().StringArrayVar(&where, "where", nil, "only outcomes with this tag: KEY=VALUE[,VALUE] (repeat)")
	return cmd
}

func newRankingCmd(f *Factory) *cobra.Command {
	return aggregateCmd(f, &cobra.Command{
		Use:   "ranking",
		Short: "Rank models by pass rate, then duration",
		Long: `The model leaderboard: pass rate (passed / (passed + failed + error)), mean duration, turns,
tool calls, tokens, cost, and pass@k / pass^k when runs have several trials per stimulus.`,
		Example: `  evals ranking
  evals ranking --run latest --json --jq '.models[0].model'
  evals ranking --run all --format markdown`,
	}, query.RankingOf, format.Ranking, func(r query.Ranking) []any { return toAny(r.Models) })
}

func newGradersCmd(f *Factory) *cobra.Command {
	return aggregateCmd(f, &cobra.Command{
		Use:   "graders",
		Short: "Grader failure analysis, worst first, with sample evidence",
		Example: `  evals graders
  evals graders --run all --json --jq '.graders[] | {name, passRate}'`,
	}, query.GradersOf, format.Graders, func(g query.Graders) []any { return toAny(g.Graders) })
}

func newToolsCmd(f *Factory) *cobra.Command {
	return aggregateCmd(f, &cobra.Command{
		Use:   "tools",
		Short: "Tool usage analysis: calls, success rate, pass rate of outcomes that used each tool",
		Example: `  evals tools
  evals tools --run latest~1 --format csv`,
	}, query.ToolsOf, format.Tools, func(t query.Tools) []any { return toAny(t.Tools) })
}

func newMatrixCmd(f *Factory) *cobra.Command {
	var runs []string
	var metric, by string
	var where []string
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "A stimulus × model grid of any metric (pass_rate by default)",
		Example: `  evals matrix
  evals matrix --metric duration_ms
  evals matrix --json --jq '.rows | length'
  evals matrix --by category            # rows are the tag's values`,
		Args: exactArgs(0, "no arguments (use --run)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			sc := query.Scope{Runs: runs}
			sc.By = by
			if sc.Where, err = query.ParseWhere(where); err != nil {
				return err
			}
			m, err := query.MatrixOf(s, sc, metric)
			if err != nil {
				return err
			}
			return f.print(view{value: m, doc: func() format.Doc { return format.Matrix(m) }})
		},
	}
	scopeFlag(cmd, &runs)
	cmd.Flags().StringVar(&metric, "metric", "pass_rate", "metric id (see `evals metrics`)")
	cmd.Flags().StringVar(&by, "by", "", "rows are the values of this tag instead of stimuli")
	cmd.Flags().StringArrayVar(&where, "where", nil, "only outcomes with this tag: KEY=VALUE[,VALUE] (repeat)")
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

func newTagsCmd(f *Factory) *cobra.Command {
	return aggregateCmd(f, &cobra.Command{
		Use:   "tags",
		Short: "Tag keys and values of the outcomes (the slices --by and --where take)",
		Example: `  evals tags
  evals ranking --by category
  evals compare latest latest~1 --by category --fail-on-regression`,
	}, query.TagsOf, format.Tags, func(t query.Tags) []any { return toAny(t.Tags) })
}

func newTrendCmd(f *Factory) *cobra.Command {
	var p query.TrendParams
	var labels []string
	cmd := &cobra.Command{
		Use:   "trend",
		Short: "Each model's pass rate across the last runs (a sparkline on a terminal)",
		Long: `Each model's pass rate, with its interval, in each of the last --last runs (oldest first),
of one session or with given labels: on a terminal a sparkline per model, the first and last
rates and the change; --json gives the series.`,
		Example: `  evals trend --last 20
  evals trend --label branch=main --model gpt-5 --json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			if p.Labels, err = store.ParseLabels(labels); err != nil {
				return err
			}
			tr, err := query.TrendOf(s, p)
			if err != nil {
				return err
			}
			return f.print(view{value: tr, doc: func() format.Doc { return format.Trend(tr) }, items: func() []any { return toAny(tr.Models) }})
		},
	}
	cmd.Flags().IntVar(&p.Last, "last", 10, "how many of the newest runs (1..200)")
	cmd.Flags().StringArrayVar(&labels, "label", nil, "only runs with this label KEY=VALUE (repeat)")
	cmd.Flags().StringVar(&p.Session, "session", "", "only the runs of this session")
	cmd.Flags().StringSliceVar(&p.Models, "model", nil, "only these models (comma list)")
	return cmd
}
