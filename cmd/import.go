package cmd

import (
	"fmt"
	"io"
	"os"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/ingest"
	"github.com/spf13/cobra"
)

type importOptions struct {
	f           *Factory
	paths       []string
	skipInvalid bool
	name        string
}

func newImportCmd(f *Factory, runF func(*importOptions) error) *cobra.Command {
	opts := &importOptions{f: f}
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import result files into the store, one run per file",
		Long: `Import native JSONL result files (see docs/format.md and ` + "`evals schema`" + `), one run per
source. Use - to read standard input. Invalid input stops with file:line and writes nothing,
unless --skip-invalid is given. Importing the same content twice is a no-op.`,
		Example: `  evals import results.jsonl
  my-harness --emit-jsonl | evals import -
  evals import --skip-invalid partial.jsonl --store ./team-store`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errs.E(errs.Invalid, "import needs at least one FILE (or - for stdin)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			if opts.name != "" && len(args) > 1 {
				return errs.E(errs.Invalid, "--name applies to a single source; got %d", len(args))
			}
			if runF != nil {
				return runF(opts)
			}
			return runImport(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.skipInvalid, "skip-invalid", false, "import the valid lines and report how many were skipped")
	cmd.Flags().StringVar(&opts.name, "name", "", "run name (default: the header's name, or the run id)")
	return cmd
}

func runImport(o *importOptions) error {
	s, err := o.f.Store()
	if err != nil {
		return err
	}
	var results []ingest.Result
	failed := 0
	var last error
	for _, p := range o.paths {
		res, err := importOne(o, s.Root(), p)
		if err != nil {
			failed++
			last = err
			if len(o.paths) > 1 {
				fmt.Fprintf(o.f.IO.ErrOut, "error: %s\n", err)
			}
			continue
		}
		results = append(results, res)
		if !o.f.JSON && o.f.JQ == "" {
			reportImport(o.f, res)
		}
	}
	if o.f.JSON || o.f.JQ != "" {
		if results == nil {
			results = []ingest.Result{}
		}
		if err := o.f.print(view{value: results}); err != nil {
			return err
		}
	}
	switch {
	case failed == 1 && len(o.paths) == 1:
		return last
	case failed > 0:
		return errs.E(errs.CodeOf(last), "%d of %d sources failed to import", failed, len(o.paths))
	}
	return nil
}

func importOne(o *importOptions, root, path string) (ingest.Result, error) {
	var r io.Reader
	var size int64
	name := path
	if path == "-" {
		r, name = o.f.IO.In, "stdin"
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return ingest.Result{}, errs.E(errs.NotFound, "opening %s: %w", path, err)
		}
		defer fh.Close()
		if st, err := fh.Stat(); err == nil {
			if st.IsDir() {
				return ingest.Result{}, errs.E(errs.Invalid, "%s is a directory: pass the result files", path)
			}
			size = st.Size()
		}
		r = fh
	}
	bar := newProgress(o.f.IO, "importing "+name, size)
	defer bar.done()
	return ingest.ImportNative(o.f.Ctx, root, name, r, ingest.Options{SkipInvalid: o.skipInvalid, Name: o.name, Progress: bar.set})
}

func reportImport(f *Factory, res ingest.Result) {
	w := f.IO.Out
	if res.Duplicate {
		fmt.Fprintf(w, "%s: already imported as run %s (%s); nothing to do\n", res.Source, res.Run.ID, res.Run.Name)
		return
	}
	s := res.Run.Summary
	fmt.Fprintf(w, "%s: imported run %s (%s): %d outcomes, %d stimuli, %d models\n",
		res.Source, res.Run.ID, res.Run.Name, s.OutcomeCount, s.StimulusCount, len(res.Run.Models))
	if res.Skipped > 0 {
		fmt.Fprintf(f.IO.ErrOut, "warning: skipped %d invalid lines of %s\n", res.Skipped, res.Source)
		for _, e := range res.SkippedErrors {
			fmt.Fprintf(f.IO.ErrOut, "  %s\n", e)
		}
	}
}
