package cmd

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
	"github.com/spf13/cobra"
)

type importOptions struct {
	f           *Factory
	paths       []string
	skipInvalid bool
	allowEmpty  bool
	maxLine     string
	maxEval     string
	name        string
	format      string
	watch       bool
	labelArgs   []string
	labels      map[string]string
}

func newImportCmd(f *Factory, runF func(*importOptions) error) *cobra.Command {
	opts := &importOptions{f: f}
	cmd := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import result files (native JSONL, Inspect, promptfoo, lm-eval, waza, and the answers of vally, EZVals, Runtype, Traceway and evaluationResults APIs) into the store",
		Long: `Import result files into the store, one run per source. The format of each file is detected
(or set with --format); a directory is walked and every recognised file imported, and the
files it does not recognise are listed. Use - to read native JSONL from standard input.

Invalid input stops that file with file:line (or the entry) and what is wrong, and writes
nothing for it; the rest of a directory goes on, and the command exits non-zero saying how
many files failed. Importing unchanged content again is a no-op; a changed harness file
replaces its run atomically. --watch keeps importing new and updated files in a directory.
See docs/format.md and docs/import.md.`,
		Example: `  evals import results.jsonl
  my-harness --emit-jsonl | evals import -
  evals import logs/                       # Inspect .eval/.json, promptfoo, lm-eval, waza files
  evals import out.json --from promptfoo
  evals import --watch logs/               # a run in progress appears and grows
  evals import results.json --label branch=main --label sha=$GITHUB_SHA`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errs.E(errs.Invalid, "import needs at least one PATH (or - for stdin)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			if opts.name != "" && len(args) > 1 {
				return errs.E(errs.Invalid, "--name applies to a single source; got %d", len(args))
			}
			labels, err := store.ParseLabels(opts.labelArgs)
			if err != nil {
				return err
			}
			opts.labels = labels
			if opts.format != "" && !slices.Contains(ingest.Formats, opts.format) {
				return errs.E(errs.Invalid, "unknown --format %q: use one of %s", opts.format, strings.Join(ingest.Formats, ", "))
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.watch {
				return runWatch(opts)
			}
			return runImport(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.skipInvalid, "skip-invalid", false, "native JSONL: import the valid lines and report how many were skipped")
	cmd.Flags().BoolVar(&opts.allowEmpty, "allow-empty", false, "exit 0 when there is nothing to import (no result file, or files without outcomes)")
	cmd.Flags().StringVar(&opts.maxLine, "max-line", "16MB", "the longest JSONL line (and Inspect sample, promptfoo result or waza task) accepted (KB, MB or GB); a longer one is an error naming it. At the default, import memory stays under 2.5× it plus 100 MB")
	cmd.Flags().StringVar(&opts.maxEval, "max-eval-bytes", "1GB", "the most an Inspect .eval may inflate to in all (KB, MB or GB)")
	cmd.Flags().StringVar(&opts.name, "name", "", "run name (default: from the file)")
	cmd.Flags().StringArrayVar(&opts.labelArgs, "label", nil, "label the run KEY=VALUE (repeat); a run reference KEY=VALUE finds the newest run with it")
	cmd.Flags().StringVar(&opts.format, "from", "", "input format: "+strings.Join(ingest.Formats, ", ")+" (default: detect)")
	cmd.Flags().BoolVar(&opts.watch, "watch", false, "keep importing new and changed files in the given directories")
	return cmd
}

func runImport(o *importOptions) error {
	// Import holds a bounded amount of data (lines in flight, one chunk of outcomes, about
	// 110 MB live on bench/import.sh) under a soft memory limit. GOGC stays 100: at 200 the
	// heap could grow to three times what was live at a collection, and a collection that
	// met a long value in four copies at once (a 15 MB promptfoo result: the raw bytes, the
	// string, Parquet's column buffer and page) let the import peak at 150 MB instead of
	// 118 (scripts/memory-check.sh's budget is 137.5). Since the import allocates a third
	// of what it did, 200 no longer buys time (300k native: 3.96 s either way).
	// GOMEMLIMIT, when set, wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(250 << 20)
	}
	s, err := o.f.StoreToWrite()
	if err != nil {
		return err
	}
	tree := ingest.Tree{Results: []ingest.Result{}, Failed: []string{}, Unrecognised: []string{}}
	var last error
	for _, p := range o.paths {
		res, err := importPath(o, s.Root(), p, &tree)
		if err != nil && o.allowEmpty && errors.Is(err, ingest.ErrNoOutcomes) {
			err = nil // an empty file, accepted
		}
		if err != nil {
			if errs.CodeOf(err) == errs.Interrupted {
				return err
			}
			last = err
			tree.Failed = append(tree.Failed, err.Error())
		}
		tree.Results = append(tree.Results, res...)
	}
	for _, r := range tree.Results {
		if p := r.Run.Partial; p != nil && !r.Duplicate {
			fmt.Fprintf(o.f.IO.ErrOut, "warning: %s holds %d of the %d samples its summary covers: imported as a partial run (its own metrics are kept: evals run %s)\n",
				format.SanitizeLine(r.Source), p.ImportedSamples, p.DeclaredSamples, r.Run.ID)
		}
	}
	if o.f.JSON || o.f.JQ != "" {
		if err := o.f.print(view{value: tree}); err != nil {
			return err
		}
	} else {
		for _, r := range tree.Results {
			reportImport(o.f, r)
		}
		for _, u := range tree.Unrecognised {
			fmt.Fprintf(o.f.IO.ErrOut, "skipped %s: not a result file evals recognises\n", format.SanitizeLine(u))
		}
	}
	n := len(tree.Failed)
	switch {
	case n == 1 && last != nil && len(o.paths) == 1 && len(tree.Results) == 0:
		return last
	case n > 0:
		if !o.f.JSON {
			for _, f := range tree.Failed {
				fmt.Fprintf(o.f.IO.ErrOut, "error: %s\n", format.Sanitize(f))
			}
		}
		code := errs.Corrupt
		if last != nil {
			code = errs.CodeOf(last)
		}
		return errs.E(code, "%d of %d files failed to import; the others were imported", n, n+len(tree.Results))
	case len(tree.Results) == 0 && !o.allowEmpty && !o.watch:
		// Nothing was imported and nothing failed: a CI step that imported no file must
		// not pass as if it had.
		return errs.E(errs.NotFound, "nothing to import in %s: no result file evals recognises", strings.Join(o.paths, ", ")).
			WithHint("point it at result files (docs/import.md lists the formats), or pass --allow-empty to accept an empty import")
	}
	return nil
}

// importPath imports a file, stdin or a directory.
func importPath(o *importOptions, root, p string, tree *ingest.Tree) ([]ingest.Result, error) {
	maxLine, err := parseSize(o.maxLine)
	if err != nil {
		return nil, err
	}
	maxEval, err := parseSize(o.maxEval)
	if err != nil {
		return nil, err
	}
	opt := ingest.Options{SkipInvalid: o.skipInvalid, Name: o.name, Labels: o.labels, MaxLine: maxLine, MaxEvalBytes: int64(maxEval)}
	if p == "-" {
		if o.format != "" && o.format != ingest.FormatNative {
			return nil, errs.E(errs.Invalid, "stdin takes native JSONL only")
		}
		bar := newProgress(o.f.IO, "importing stdin", 0)
		defer bar.done()
		opt.Progress = bar.set
		res, err := ingest.ImportNative(o.f.Ctx, root, "stdin", o.f.IO.In, opt)
		if err != nil {
			return nil, err
		}
		return []ingest.Result{res}, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, errs.E(errs.NotFound, "opening %s: %w", p, err)
	}
	if st.IsDir() {
		t, err := ingest.ImportTree(o.f.Ctx, root, p, o.format, opt)
		tree.Failed = append(tree.Failed, t.Failed...)
		tree.Unrecognised = append(tree.Unrecognised, t.Unrecognised...)
		return t.Results, err
	}
	bar := newProgress(o.f.IO, "importing "+p, st.Size())
	defer bar.done()
	opt.Progress = bar.set
	return ingest.ImportFile(o.f.Ctx, root, p, o.format, opt)
}

func reportImport(f *Factory, res ingest.Result) {
	w := f.IO.Out
	if res.Duplicate {
		fmt.Fprintf(w, "%s: already imported as run %s (%s); nothing to do\n", format.SanitizeLine(res.Source), res.Run.ID, format.SanitizeLine(res.Run.Name))
		return
	}
	s := res.Run.Summary
	verb := "imported"
	if res.Replaced {
		verb = "re-imported (changed)"
	}
	if res.Restored {
		verb = "restored (it was deleted)"
	}
	fmt.Fprintf(w, "%s: %s run %s (%s): %s, %s, %s\n",
		format.SanitizeLine(res.Source), verb, res.Run.ID, format.SanitizeLine(res.Run.Name), format.Count(s.OutcomeCount, "outcome"), format.Count(s.StimulusCount, "stimulus"), format.Count(int64(len(res.Run.Models)), "model"))
	if res.Skipped > 0 {
		fmt.Fprintf(f.IO.ErrOut, "warning: skipped %d invalid lines of %s\n", res.Skipped, format.SanitizeLine(res.Source))
		for _, e := range res.SkippedErrors {
			fmt.Fprintf(f.IO.ErrOut, "  %s\n", format.Sanitize(fmt.Sprint(e)))
		}
	}
}

// parseSize reads a byte size: 64MB, 512KB, 1GB or a plain number of bytes.
func parseSize(s string) (int, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := 1
	for _, u := range []struct {
		suffix string
		m      int
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.m
			break
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 || n > (4<<30)/mult {
		return 0, errs.E(errs.Invalid, "invalid size %q: want a size such as 64MB (at most 4GB)", s)
	}
	return n * mult, nil
}
