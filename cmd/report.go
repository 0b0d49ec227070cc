package cmd

import (
	"fmt"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/store"
	"github.com/evals-dev/evals/web"
	"github.com/spf13/cobra"
)

func newReportCmd(f *Factory) *cobra.Command {
	var dir string
	var runs []string
	cmd := &cobra.Command{
		Use:   "report --html DIR",
		Short: "Write the dashboard for some runs as a static HTML bundle (a CI artifact)",
		Long: `Write the dashboard's pages for the chosen runs (default: the two newest) into DIR as plain
files with relative links: the runs list, each run's tabs, the page of every failed or
errored outcome, and the comparison of each run with the one before it. The folder opens
from disk or any static host, offline; it is what a CI job uploads as an artifact.`,
		Example: `  evals report --html report/
  evals report --html report/ --run sha=$GITHUB_SHA --run branch=main`,
		Args: exactArgs(0, "no arguments (use --html DIR and --run)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return errs.E(errs.Invalid, "report needs --html DIR")
			}
			s, err := f.Store()
			if err != nil {
				return err
			}
			if len(runs) == 0 {
				runs = []string{"latest", "latest~1"}
				if all, _, err := s.Runs(); err == nil && len(all) < 2 {
					runs = runs[:len(all)]
				}
			}
			var chosen []store.Run
			seen := map[string]bool{}
			for _, ref := range runs {
				r, err := s.Resolve(ref)
				if err != nil {
					return err
				}
				if !seen[r.ID] {
					seen[r.ID] = true
					chosen = append(chosen, r)
				}
			}
			store.SortRuns(chosen)
			st, err := web.WriteReport(s, dir, chosen)
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "wrote %d pages (%s bytes) for %d runs to %s: open %s/index.html\n", st.Pages, format.Int(st.Bytes), len(st.Runs), dir, dir)
			if f.JSON || f.JQ != "" {
				return f.print(view{value: st})
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "html", "", "the folder to write (created if needed)")
	cmd.Flags().StringSliceVar(&runs, "run", nil, "run references (default: latest and latest~1)")
	return cmd
}
