package cmd

import (
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/spf13/cobra"
)

type compareOptions struct {
	f      *Factory
	models string
}

func newCompareCmd(f *Factory) *cobra.Command {
	o := &compareOptions{f: f}
	cmd := &cobra.Command{
		Use:   "compare RUN --models A,B",
		Short: "Compare two models within a run",
		Example: `  evals compare latest --models gpt-5,claude-sonnet-4.5
  evals compare latest --models gpt-5,qwen3-coder --json --jq .summary`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return errs.E(errs.Invalid, "compare needs a run (and --models A,B)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCompare(o, args)
		},
	}
	cmd.Flags().StringVar(&o.models, "models", "", "two models of the run to compare: A,B")
	return cmd
}

func runCompare(o *compareOptions, args []string) error {
	if o.models == "" {
		return errs.E(errs.Invalid, "comparing runs is not built yet; compare two models of one run with --models A,B")
	}
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
