package cmd

import (
	"fmt"

	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
	"github.com/spf13/cobra"
)

type runsOptions struct {
	f       *Factory
	cursor  string
	limit   int
	labels  []string
	session string
}

func newRunsCmd(f *Factory, runF func(*runsOptions) error) *cobra.Command {
	opts := &runsOptions{f: f}
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List runs, newest first",
		Example: `  evals runs
  evals runs --json --jq '.items[].id'
  evals runs --limit 10 --cursor <nextCursor>
  evals runs --label branch=main`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runRuns(opts)
		},
	}
	cmd.Flags().StringVar(&opts.cursor, "cursor", "", "page cursor (the nextCursor of the previous page)")
	cmd.Flags().IntVar(&opts.limit, "limit", 50, "page size (1..1000)")
	cmd.Flags().StringArrayVar(&opts.labels, "label", nil, "only runs with this label KEY=VALUE (repeat: all of them)")
	cmd.Flags().StringVar(&opts.session, "session", "", "only runs of this session")
	cmd.AddCommand(runsSubcommands(f)...)
	return cmd
}

func runRuns(o *runsOptions) error {
	s, err := o.f.Store()
	if err != nil {
		return err
	}
	labels, err := store.ParseLabels(o.labels)
	if err != nil {
		return err
	}
	p, err := query.Runs(s, query.RunsParams{Cursor: o.cursor, Limit: o.limit, Labels: labels, Session: o.session})
	if err != nil {
		return err
	}
	// A broken run does not hide the others, but it is not hidden either.
	if _, bad, _ := s.Runs(); len(bad) > 0 {
		for _, e := range bad {
			fmt.Fprintf(o.f.IO.ErrOut, "warning: skipping a run: %s\n", format.Sanitize(e.Error()))
		}
	}
	return o.f.print(view{value: p, doc: func() format.Doc { return format.Runs(p) }, items: func() []any { return toAny(p.Items) }})
}

func newRunCmd(f *Factory, runF func(*Factory, string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "run REF",
		Short: "Show one run: summary, models, stimuli and config",
		Long:  "REF is a run id, a unique id prefix, a run name, latest, or latest~N.",
		Example: `  evals run latest
  evals run latest~1 --json
  evals run 5f3a --format markdown`,
		Args: exactArgs(1, "one run reference"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(f, args[0])
			}
			s, err := f.Store()
			if err != nil {
				return err
			}
			r, err := query.Run(s, args[0])
			if err != nil {
				return err
			}
			return f.print(view{value: r, doc: func() format.Doc { return format.Run(r) }})
		},
	}
}
