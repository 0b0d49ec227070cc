package cmd

import (
	"fmt"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
	"github.com/spf13/cobra"
)

// migrated is evals migrate's answer.
type migrated struct {
	Migrated []string `json:"migrated"`
	Current  []string `json:"current"`
	DryRun   bool     `json:"dryRun"`
}

func newMigrateCmd(f *Factory) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "migrate [RUN...]",
		Short: "Rewrite runs stored before nulls or failure signatures",
		Long: `Stores written before nulls keep an unrecorded duration or token count as −1. evals reads
them right, but other engines (DuckDB, Spark, pandas) sum and average the −1. Stores written
before failure signatures make evals failures read and mask every failing verdict's evidence
on each ask. migrate rewrites such runs with Parquet nulls and signed verdicts: every outcome
in its order (ids, reviews and labels hold), whole or not at all, one run at a time. Runs
that need nothing are left alone. Without RUN arguments it looks at every run. See
docs/store.md.`,
		Example: `  evals migrate --dry-run
  evals migrate
  evals migrate latest --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.StoreToWrite()
			if err != nil {
				return err
			}
			ids, err := runIDs(s, args)
			if err != nil {
				return err
			}
			out := migrated{Migrated: []string{}, Current: []string{}, DryRun: dryRun}
			for _, id := range ids {
				need, err := s.NeedsMigration(id)
				if err != nil {
					return err
				}
				if !need {
					out.Current = append(out.Current, id)
					continue
				}
				if !dryRun {
					if _, err := s.Migrate(id); err != nil {
						return errs.E(errs.CodeOf(err), "migrating run %s: %v (the run is as it was)", id, err)
					}
				}
				out.Migrated = append(out.Migrated, id)
				if !f.JSON && f.JQ == "" {
					verb := "migrated"
					if dryRun {
						verb = "would migrate"
					}
					fmt.Fprintf(f.IO.ErrOut, "%s %s\n", verb, id)
				}
			}
			if f.JSON || f.JQ != "" {
				return f.print(view{value: out})
			}
			verb := "migrated"
			if dryRun {
				verb = "to migrate"
			}
			_, err = fmt.Fprintf(f.IO.Out, "%d runs %s, %d already current\n", len(out.Migrated), verb, len(out.Current))
			return err
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only say which runs would be rewritten")
	return cmd
}

// runIDs resolves run references (every run when there are none).
func runIDs(s *store.Store, refs []string) ([]string, error) {
	if len(refs) == 0 {
		runs, _, err := s.Runs()
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(runs))
		for i, r := range runs {
			ids[i] = r.ID
		}
		return ids, nil
	}
	var ids []string
	for _, ref := range refs {
		r, err := s.Resolve(ref)
		if err != nil {
			return nil, err
		}
		ids = append(ids, r.ID)
	}
	return ids, nil
}
