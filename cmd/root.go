package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/store"
	"github.com/spf13/cobra"
)

// Execute runs the command line and returns the process exit code. It is the one place
// where errors are printed and mapped to exit codes.
func Execute(ctx context.Context, args []string, ios *IOStreams) int {
	if path := os.Getenv("EVALS_CPUPROFILE"); path != "" {
		// For profiling whole commands: EVALS_CPUPROFILE=cpu.prof evals ranking --run all
		if fh, err := os.Create(path); err == nil && pprof.StartCPUProfile(fh) == nil {
			defer fh.Close()
			defer pprof.StopCPUProfile()
		}
	}
	if path := os.Getenv("EVALS_MEMPROFILE"); path != "" {
		// What a whole command allocates, and where: go tool pprof -sample_index=alloc_space
		defer func() {
			if fh, err := os.Create(path); err == nil {
				runtime.GC() // the profile is as of the last collection: all of it
				pprof.Lookup("allocs").WriteTo(fh, 0)
				fh.Close()
			}
		}()
	}
	f := &Factory{IO: ios, Ctx: ctx, Now: time.Now}
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := root.ExecuteContext(ctx)
	if strings.Contains(os.Getenv("EVALS_TRACE"), "requests") {
		// EVALS_TRACE=requests: how many requests a command made of a bucket store.
		fmt.Fprintln(ios.ErrOut, store.RequestSummary())
	}
	if err == nil {
		return 0
	}
	if ctx.Err() != nil && errs.CodeOf(err) != errs.GateFailed && errs.CodeOf(err) != errs.Invalid {
		err = errs.E(errs.Interrupted, "interrupted")
	}
	var coded *errs.Error
	if !errors.As(err, &coded) {
		// Errors without a code come from Cobra itself: unknown commands, flags or arguments.
		coded = errs.E(errs.Invalid, "%s", err.Error()).WithHint("see `evals --help`")
		err = coded
	}
	code := errs.CodeOf(err)
	if (f.JSON || f.JQ != "" || f.Format == format.FormatJSON) && !coded.Answered {
		b, _ := format.JSON(map[string]any{"error": map[string]string{"code": string(code), "message": err.Error()}})
		if ios.OutTTY {
			b = format.Indent(b)
		}
		_, _ = ios.Out.Write(b)
	}
	if code != errs.GateFailed || err.Error() != "" {
		// Messages can quote file content and names from results: shown, never obeyed.
		fmt.Fprintf(ios.ErrOut, "error: %s\n", format.Sanitize(err.Error()))
		if h := errs.HintOf(err); h != "" {
			fmt.Fprintf(ios.ErrOut, "hint: %s\n", format.Sanitize(h))
		}
	}
	return errs.ExitCode(code)
}

// NewRootCmd builds the command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "evals",
		Short: "Explore LLM and agent evaluation results from the terminal",
		Long: `evals keeps eval results in an open Parquet store and answers, fast: which model is best,
why things fail, how tools behave, and what regressed.

On a terminal, evals without a command opens the explorer.`,
		Example: `  evals demo                         # write a demo store to ./.evals
  evals --demo ranking               # use a cached demo store, no files written here
  evals import results.jsonl         # import a native JSONL file
  evals ranking --run latest --json  # the leaderboard, for a pipeline
  evals compare latest latest~1 --fail-on-regression`,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			tuneGC(cmd.Name())
			f.resolveStorePath()
			switch f.Color {
			case "auto", "always", "never":
			default:
				return errs.E(errs.Invalid, "invalid --color %q: use auto, always or never", f.Color)
			}
			_, err := f.outputFormat()
			return err
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.IO.OutTTY && f.IO.InTTY {
				return startTUI(f, "", "")
			}
			return cmd.Help()
		},
	}
	root.SetVersionTemplate("evals {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return errs.E(errs.Invalid, "%s", err.Error()).WithHint("see `" + c.CommandPath() + " --help`")
	})
	pf := root.PersistentFlags()
	pf.StringVar(&f.StorePath, "store", "", "store directory (env EVALS_STORE, default ./.evals)")
	pf.BoolVar(&f.Demo, "demo", false, "use the built-in demo store (generated once into the user cache)")
	pf.BoolVar(&f.JSON, "json", false, "print JSON (the same bytes as the HTTP API)")
	pf.StringVar(&f.JQ, "jq", "", "filter the JSON output with a jq expression")
	pf.StringVar(&f.Format, "format", "", "output format: table, json, jsonl, csv, markdown")
	pf.StringVar(&f.Color, "color", "auto", "colour: auto, always, never (NO_COLOR is honoured)")
	pf.BoolVar(&f.NoPager, "no-pager", false, "do not page long output on a terminal (the pager is EVALS_PAGER, PAGER or less -FRX)")
	pf.StringVar(&f.Verdicts, "verdicts", "effective", "which verdicts count: effective (a human verdict overrides the graders') or graded")

	root.AddCommand(
		newRunsCmd(f, nil), newRunCmd(f, nil), newImportCmd(f, nil), newDemoCmd(f, nil),
		newSchemaCmd(f), newVersionCmd(f), newTrendCmd(f),
		newRankingCmd(f), newTagsCmd(f), newGradersCmd(f), newFailuresCmd(f), newToolsCmd(f), newMatrixCmd(f), newMetricsCmd(f), newPowerCmd(f), newGCCmd(f),
		newAnnotateCmd(f), newAnnotationsCmd(f), newSessionsCmd(f), newReportCmd(f),
		newOutcomesCmd(f), newOutcomeCmd(f), newTrajectoryCmd(f), newCompareCmd(f), newTUICmd(f), newServeCmd(f), newMCPCmd(f), newMigrateCmd(f), newSQLCmd(f),
	)
	registerCompletions(f, root)
	return root
}

// exactArgs is cobra.ExactArgs with a coded error and a usage line.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return errs.E(errs.Invalid, "%s takes %s (got %d arguments)", cmd.CommandPath(), what, len(args)).
				WithHint("usage: " + strings.TrimSpace(cmd.UseLine()))
		}
		return nil
	}
}
