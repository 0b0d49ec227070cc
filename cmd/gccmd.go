package cmd

import (
	"fmt"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/store"
	"github.com/spf13/cobra"
)

// gcResult is what `evals gc` found and did.
type gcResult struct {
	Store     string           `json:"store"`
	Grace     string           `json:"grace"`
	DryRun    bool             `json:"dryRun"`
	Leftovers []store.Leftover `json:"leftovers"`
	Removed   int              `json:"removed"`
	Bytes     int64            `json:"bytes"`
}

func newGCCmd(f *Factory) *cobra.Command {
	var grace time.Duration
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Remove what killed or abandoned imports left in the store",
		Long: `Remove the leftovers of imports that never finished: on a bucket, uploads without their
run.json older than --grace; on a local store, staging folders whose writer is gone (their
lease is free); and content claims of runs that never committed. Committed runs are never
touched, nor is the work of a writer still alive (a fresh upload, a held lease).`,
		Example: `  evals gc --dry-run
  evals gc --store 's3://bucket/evals?region=eu-west-1' --grace 6h`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if grace < 0 {
				return errs.E(errs.Invalid, "--grace %v is negative", grace)
			}
			s, err := f.Store()
			if err != nil {
				return err
			}
			left, err := s.Leftovers(grace)
			if err != nil {
				return err
			}
			res := gcResult{Store: s.Root(), Grace: grace.String(), DryRun: dryRun, Leftovers: left}
			if res.Leftovers == nil {
				res.Leftovers = []store.Leftover{}
			}
			for _, l := range left {
				res.Bytes += l.Bytes
				if dryRun {
					continue
				}
				if err := s.RemoveLeftover(l); err != nil {
					return err
				}
				res.Removed++
			}
			if !dryRun {
				// On a bucket: the catalog rewritten from a full listing (runs written by an
				// evals without one appear) and its old log removed.
				if err := s.MaintainCatalog(); err != nil {
					return err
				}
			}
			return f.print(view{value: res, doc: func() format.Doc { return gcDoc(res) }, items: func() []any { return toAny(res.Leftovers) }})
		},
	}
	cmd.Flags().DurationVar(&grace, "grace", time.Hour, "leave uploads younger than this alone (a writer may still be at work)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be removed, remove nothing")
	return cmd
}

func gcDoc(r gcResult) format.Doc {
	t := &format.Table{Columns: []format.Column{{Name: "KIND", Kind: format.Text}, {Name: "WHAT", Kind: format.Text},
		{Name: "SIZE", Kind: format.Number}, {Name: "LAST WRITTEN", Kind: format.Text}}, Empty: "nothing to remove"}
	for _, l := range r.Leftovers {
		t.Rows = append(t.Rows, []string{l.Kind, l.Key, format.Int(l.Bytes), l.Age.UTC().Format("2006-01-02 15:04")})
	}
	verb := "removed"
	if r.DryRun {
		verb = "would remove"
	}
	return format.Doc{Sections: []format.Section{
		{Title: fmt.Sprintf("gc %s (grace %s): %s %d, %s bytes", r.Store, r.Grace, verb, len(r.Leftovers), format.Int(r.Bytes)), Table: t},
	}}
}
