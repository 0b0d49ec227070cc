package cmd

import (
	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/spf13/cobra"
)

func newOutcomesCmd(f *Factory) *cobra.Command {
	var p query.OutcomesParams
	var passed, order string
	var where []string
	cmd := &cobra.Command{
		Use:   "outcomes",
		Short: "List outcomes with filters, sorting and paging",
		Example: `  evals outcomes --model gpt-5 --status failed
  evals outcomes --grader tests-pass --passed false --sort duration_ms --order desc
  evals outcomes --run all --json --limit 1000 --cursor <nextCursor>`,
		Args: exactArgs(0, "no arguments (use the filter flags)"),
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
			if len(p.Runs) == 1 && p.Runs[0] == "all" {
				p.Runs = nil
			}
			var err error
			if p.Where, err = query.ParseWhere(where); err != nil {
				return err
			}
			s, err := f.Store()
			if err != nil {
				return err
			}
			// A list reads each run's outcomes and grader rows twice (the matches, then the
			// page's rows): their files stay open between (outcomes --run all on the 1M
			// store: 100 runs' footers, 6 MB).
			s.KeepFilesOpen(listFilesBudget, listLargest(p.Runs))
			page, err := query.Outcomes(s, p)
			if err != nil {
				return err
			}
			return f.print(view{value: page, doc: func() format.Doc { return format.Outcomes(page) }, items: func() []any { return toAny(page.Items) }})
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&p.Runs, "run", []string{"latest"}, "run references; all for the whole store")
	fl.StringSliceVar(&p.Model, "model", nil, "only these models (comma list)")
	fl.StringSliceVar(&p.Stimulus, "stimulus", nil, "only these stimuli (comma list)")
	fl.StringSliceVar(&p.Status, "status", nil, "only these statuses: passed, failed, error, skipped, pending (comma list)")
	fl.StringVar(&passed, "passed", "", "only passed (true) or failed (false) outcomes")
	fl.StringVar(&p.Grader, "grader", "", "only outcomes with a result from this grader")
	fl.StringVar(&p.Mode, "mode", "", "only outcomes of this failure mode (an id from `evals failures` over the same --run)")
	fl.StringArrayVar(&where, "where", nil, "only outcomes with this tag: KEY=VALUE[,VALUE] (repeat)")
	fl.StringVar(&p.Sort, "sort", "", "sort by a metric id or stimulus, model, trial, status, started_at")
	fl.StringVar(&order, "order", "asc", "sort order: asc or desc")
	fl.IntVar(&p.Limit, "limit", 50, "page size (1..1000)")
	fl.StringVar(&p.Cursor, "cursor", "", "page cursor (the nextCursor of the previous page)")
	return cmd
}

func newOutcomeCmd(f *Factory) *cobra.Command {
	var tools bool
	cmd := &cobra.Command{
		Use:   "outcome ID",
		Short: "Show one outcome: grader evidence, error, input/output/expected (--tools: its tool calls)",
		Example: `  evals outcome 8b2d4e7f10-0000042
  evals outcome 8b2d4e7f10-0000042 --tools --json`,
		Args: exactArgs(1, "one outcome id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			if tools {
				te, err := query.ToolEventsOf(s, args[0])
				if err != nil {
					return err
				}
				return f.print(view{value: te, doc: func() format.Doc { return format.ToolEvents(te) }, items: func() []any { return toAny(te.Items) }})
			}
			o, err := query.OutcomeOf(s, args[0])
			if err != nil {
				return err
			}
			return f.print(view{value: o, doc: func() format.Doc { return format.Outcome(o) }})
		},
	}
	cmd.Flags().BoolVar(&tools, "tools", false, "show the outcome's tool calls")
	return cmd
}

func newTrajectoryCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "trajectory ID",
		Short:   "Show an outcome's trajectory: messages, reasoning, tool calls and results, in order",
		Example: "  evals trajectory 8b2d4e7f10-0000042\n  evals trajectory 8b2d4e7f10-0000042 --format jsonl",
		Args:    exactArgs(1, "one outcome id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			t, err := query.TrajectoryOf(s, args[0])
			if err != nil {
				return err
			}
			return f.print(view{value: t, doc: func() format.Doc { return format.Trajectory(t) }, items: func() []any { return toAny(t.Events) }})
		},
	}
}
