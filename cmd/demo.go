package cmd

import (
	"fmt"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
	"github.com/spf13/cobra"
)

func newDemoCmd(f *Factory, runF func(*Factory) error) *cobra.Command {
	var reset bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Write a deterministic demo store (3 runs, 6 models, 120 stimuli, 3 trials)",
		Long: `Write the demo store into --store (default ./.evals): a baseline run, a candidate run with
planted regressions and improvements, and an older nightly run, with grader evidence, tool
calls and trajectories. The global --demo flag uses the same data from the user cache instead.`,
		Example: `  evals demo --store /tmp/demo && evals runs --store /tmp/demo
  evals compare latest latest~1 --store /tmp/demo
  evals demo --store /tmp/demo --reset       # the demo as new: its runs rewritten, reviews gone`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(f)
			}
			if f.Demo {
				return errs.E(errs.Invalid, "demo writes to --store; --demo already uses the cached demo store")
			}
			s := store.Open(f.StorePath)
			if reset {
				if err := s.PurgeDemo(); err != nil {
					return err
				}
			}
			if runs, _, _ := s.Runs(); len(runs) > 0 {
				for _, r := range runs {
					if r.Source == "demo" {
						return errs.E(errs.Conflict, "%s already holds the demo runs", f.StorePath).
							WithHint("evals demo --reset writes it anew (its reviews go), or use another --store")
					}
				}
			}
			bar := newProgress(f.IO, "writing demo runs", 3)
			runs, err := ingest.Demo(f.Ctx, f.StorePath, func(done, total int) { bar.set(int64(done)) })
			bar.done()
			if err != nil {
				return err
			}
			for _, r := range runs {
				fmt.Fprintf(f.IO.ErrOut, "wrote run %s (%s): %d outcomes\n", r.ID, r.Name, r.Summary.OutcomeCount)
			}
			fmt.Fprintf(f.IO.ErrOut, "demo store ready in %s: try `evals runs --store %s`\n", f.StorePath, f.StorePath)
			return nil
		},
	}
	cmd.Flags().BoolVar(&reset, "reset", false, "remove the demo runs (and their reviews) first, then write them anew; other runs stay")
	return cmd
}
