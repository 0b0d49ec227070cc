package cmd

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/lake"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
	"github.com/spf13/cobra"
)

// sqlOptions are the flags every evals sql question shares.
type sqlOptions struct {
	dialect string
	exec    bool
	runs    []string
	by      string
	where   []string
}

func newSQLCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sql QUESTION",
		Short: "Print the SQL (DuckDB or Spark) that answers a question over the store's files",
		Long: `Print one query that gives a question's answer over the store's Parquet files, for DuckDB
or Spark: the same numbers as evals QUESTION --json (counts, pass rates, clustered standard
errors, pass@k, paired differences), with human verdicts applied unless --verdicts graded.
The runs in scope are resolved now; the arithmetic is in the SQL. Columns are named as the
question's CSV columns. --exec runs the DuckDB text with a duckdb binary on PATH.

Questions: ranking, graders, tools, matrix, outcomes, compare, trend; tables prints views
(outcomes, graders, tool_calls, events, verdicts) over the store. See docs/scale.md.`,
		Example: `  evals sql ranking --run latest --dialect duckdb | duckdb
  evals sql compare latest latest~1 --dialect spark > compare.sql
  evals sql ranking --by category --exec
  evals sql tables --dialect spark`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errs.E(errs.Invalid, "evals sql needs a question: ranking, graders, tools, matrix, outcomes, compare, trend or tables")
			}
			return errs.E(errs.Invalid, "unknown question %q: use ranking, graders, tools, matrix, outcomes, compare, trend or tables", args[0])
		},
		RunE: func(cmd *cobra.Command, args []string) error { return nil },
	}
	cmd.AddCommand(
		sqlScoped(f, "ranking", "the leaderboard: counts, pass rate, clustered SE and interval, pass@k", lake.Ranking),
		sqlScoped(f, "graders", "per grader: results, pass rate, clustered SE and interval, mean score", lake.Graders),
		sqlScoped(f, "tools", "per tool: calls, success rate, outcomes and their pass rate, mean duration", lake.Tools),
		sqlScoped(f, "matrix", "stimulus × model: pass rate, outcomes, interval and cell status", lake.Matrix),
		sqlOutcomes(f), sqlTrend(f), sqlCompare(f), sqlTables(f),
	)
	return cmd
}

func (o *sqlOptions) flags(cmd *cobra.Command, scoped bool) {
	cmd.Flags().StringVar(&o.dialect, "dialect", "duckdb", "the SQL dialect: duckdb or spark")
	cmd.Flags().BoolVar(&o.exec, "exec", false, "run the DuckDB text with the duckdb binary on PATH and print its rows")
	if scoped {
		scopeFlag(cmd, &o.runs)
		cmd.Flags().StringVar(&o.by, "by", "", "one line per value of this tag as well (a slice)")
		cmd.Flags().StringArrayVar(&o.where, "where", nil, "only outcomes with this tag: KEY=VALUE[,VALUE] (repeat)")
	}
}

// target resolves the scope for the dialect.
func (o *sqlOptions) target(f *Factory) (*lake.Target, error) {
	d, err := lake.ParseDialect(o.dialect)
	if err != nil {
		return nil, err
	}
	s, err := f.Store()
	if err != nil {
		return nil, err
	}
	sc := query.Scope{Runs: o.runs}
	sc.By = o.by
	if sc.Where, err = query.ParseWhere(o.where); err != nil {
		return nil, err
	}
	return lake.NewTarget(s, d, sc)
}

// emit prints the text, or runs it with duckdb (--exec).
func (o *sqlOptions) emit(f *Factory, text string) error {
	if !o.exec {
		_, err := fmt.Fprint(f.IO.Out, text)
		return err
	}
	if o.dialect != string(lake.DuckDB) {
		return errs.E(errs.Invalid, "--exec runs DuckDB text: use --dialect duckdb")
	}
	bin, err := exec.LookPath("duckdb")
	if err != nil {
		return errs.E(errs.NotFound, "--exec needs a duckdb binary on PATH").WithHint("install it from duckdb.org, or pipe the text: evals sql … | duckdb")
	}
	c := exec.CommandContext(context.Background(), bin, "-csv")
	c.Stdin, c.Stdout, c.Stderr = strings.NewReader(text), f.IO.Out, f.IO.ErrOut
	if err := c.Run(); err != nil {
		return errs.E(errs.Internal, "duckdb: %v", err)
	}
	return nil
}

func sqlScoped(f *Factory, name, short string, q func(*lake.Target) string) *cobra.Command {
	o := &sqlOptions{}
	cmd := &cobra.Command{
		Use:     name,
		Short:   "SQL for " + name + ": " + short,
		Example: fmt.Sprintf("  evals sql %s --run latest\n  evals sql %s --run all --by category --dialect spark", name, name),
		Args:    exactArgs(0, "no arguments (use --run)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := o.target(f)
			if err != nil {
				return err
			}
			return o.emit(f, q(t))
		},
	}
	o.flags(cmd, true)
	return cmd
}

func sqlOutcomes(f *Factory) *cobra.Command {
	o := &sqlOptions{}
	var p query.OutcomesParams
	var passed, order string
	cmd := &cobra.Command{
		Use:     "outcomes",
		Short:   "SQL for outcomes: the filtered, sorted list (the first --limit rows)",
		Example: "  evals sql outcomes --model gpt-5 --status failed --sort duration_ms --order desc --limit 100",
		Args:    exactArgs(0, "no arguments (use the filter flags)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch passed {
			case "":
			case "true", "false":
				v := passed == "true"
				p.Passed = &v
			default:
				return errs.E(errs.Invalid, "invalid --passed %q: use true or false", passed)
			}
			switch order {
			case "asc":
			case "desc":
				p.Desc = true
			default:
				return errs.E(errs.Invalid, "invalid --order %q: use asc or desc", order)
			}
			t, err := o.target(f)
			if err != nil {
				return err
			}
			text, err := lake.Outcomes(t, p)
			if err != nil {
				return err
			}
			return o.emit(f, text)
		},
	}
	o.flags(cmd, true)
	fl := cmd.Flags()
	fl.StringSliceVar(&p.Model, "model", nil, "only these models (comma list)")
	fl.StringSliceVar(&p.Stimulus, "stimulus", nil, "only these stimuli (comma list)")
	fl.StringSliceVar(&p.Status, "status", nil, "only these statuses: passed, failed, error, skipped, pending, success")
	fl.StringVar(&passed, "passed", "", "only passed (true) or failed (false) outcomes")
	fl.StringVar(&p.Grader, "grader", "", "only outcomes with a result from this grader")
	fl.StringVar(&p.Sort, "sort", "", "sort by a metric id or stimulus, model, trial, status, started_at")
	fl.StringVar(&order, "order", "asc", "sort order: asc or desc")
	fl.IntVar(&p.Limit, "limit", 50, "how many rows")
	return cmd
}

func sqlTrend(f *Factory) *cobra.Command {
	o := &sqlOptions{}
	var p query.TrendParams
	var labels []string
	cmd := &cobra.Command{
		Use:     "trend",
		Short:   "SQL for trend: each model's pass rate and interval in each of the last runs",
		Example: "  evals sql trend --last 20 --label branch=main",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := lake.ParseDialect(o.dialect)
			if err != nil {
				return err
			}
			s, err := f.Store()
			if err != nil {
				return err
			}
			if p.Labels, err = store.ParseLabels(labels); err != nil {
				return err
			}
			t, err := lake.TrendTarget(s, d, p)
			if err != nil {
				return err
			}
			return o.emit(f, lake.Trend(t))
		},
	}
	o.flags(cmd, false)
	cmd.Flags().IntVar(&p.Last, "last", 10, "how many of the newest runs (1..200)")
	cmd.Flags().StringArrayVar(&labels, "label", nil, "only runs with this label KEY=VALUE (repeat)")
	cmd.Flags().StringVar(&p.Session, "session", "", "only the runs of this session")
	cmd.Flags().StringSliceVar(&p.Models, "model", nil, "only these models (comma list)")
	return cmd
}

func sqlCompare(f *Factory) *cobra.Command {
	o := &sqlOptions{}
	var pairs []string
	def := query.NewCompareParams()
	p := def
	cmd := &cobra.Command{
		Use:     "compare NEW OLD [MORE...]",
		Short:   "SQL for compare: per model pair the paired delta and its SE, regressions and improvements",
		Example: "  evals sql compare latest latest~1\n  evals sql compare candidate baseline --by category --dialect spark",
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := lake.ParseDialect(o.dialect)
			if err != nil {
				return err
			}
			if p.Pairs, err = query.ParsePairs(pairs); err != nil {
				return err
			}
			if p.Where, err = query.ParseWhere(o.where); err != nil {
				return err
			}
			if p.Threshold < 0 || p.Threshold > 1 {
				return errs.E(errs.Invalid, "--threshold %v is outside 0..1", p.Threshold)
			}
			p.Runs, p.By = args, o.by
			s, err := f.Store()
			if err != nil {
				return err
			}
			t, err := lake.CompareTarget(s, d, p)
			if err != nil {
				return err
			}
			return o.emit(f, lake.Compare(t, p))
		},
	}
	o.flags(cmd, false)
	cmd.Flags().Float64Var(&p.Threshold, "threshold", def.Threshold, "pass rate at or above which a cell is ok (0..1)")
	cmd.Flags().StringSliceVar(&pairs, "pair", nil, "pair a new model with another baseline model: NEW_MODEL=BASE_MODEL")
	cmd.Flags().StringVar(&o.by, "by", "", "compare per slice: each model's outcomes of one value of this tag")
	cmd.Flags().StringArrayVar(&o.where, "where", nil, "only outcomes with this tag: KEY=VALUE[,VALUE] (repeat)")
	return cmd
}

func sqlTables(f *Factory) *cobra.Command {
	o := &sqlOptions{}
	cmd := &cobra.Command{
		Use:     "tables",
		Short:   "Views over the store: outcomes (verdicts applied), graders, tool_calls, events, verdicts",
		Example: "  evals sql tables --run all | duckdb evals.duckdb\n  evals sql tables --run all --dialect spark",
		Args:    exactArgs(0, "no arguments (use --run)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := o.target(f)
			if err != nil {
				return err
			}
			return o.emit(f, lake.Tables(t))
		},
	}
	o.flags(cmd, false)
	scopeFlag(cmd, &o.runs)
	return cmd
}
