package cmd

import (
	tea "charm.land/bubbletea/v2"
	"fmt"
	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/tui"
	"github.com/spf13/cobra"
)

// The xterm title stack: save the window and icon titles, and restore them.
const (
	titlePush = "\x1b[22;0t"
	titlePop  = "\x1b[23;0t"
)

func newTUICmd(f *Factory) *cobra.Command {
	var run, outcome string
	cmd := &cobra.Command{
		Use:   "tui",
		Short: "Open the explorer: runs → run (ranking, graders, tools, matrix, outcomes) → outcome → trajectory",
		Long: `Open the interactive explorer. evals without a command does the same on a terminal.

Keys: ↑↓/jk move, enter opens, esc goes back, tab switches tabs, / filters, s sorts by the
focused column (←→ to focus), f shows failures only, y copies the row as JSON, c compares a
run with the previous (or the one marked with m), ? lists every key, q quits.`,
		Example: `  evals tui --demo
  evals tui --run latest
  evals tui --outcome 8b2d4e7f10-0000042`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return startTUI(f, run, outcome)
		},
	}
	cmd.Flags().StringVar(&run, "run", "", "open this run (any run reference)")
	cmd.Flags().StringVar(&outcome, "outcome", "", "open this outcome")
	return cmd
}

// startTUI runs the explorer on the terminal.
func startTUI(f *Factory, run, outcome string) error {
	if !f.IO.OutTTY || !f.IO.InTTY {
		return errs.E(errs.Invalid, "the explorer needs a terminal; use the commands (evals --help) in pipes and CI")
	}
	s, err := f.Store()
	if err != nil {
		return err
	}
	s.KeepFilesOpen(openFilesBudget, openFilesBudget)
	m := tui.New(tui.Options{Source: s, Writer: s, StorePath: s.Root(), Stamp: s.Stamp, Color: f.IO.colorEnabled(f.Color), Run: run, Outcome: outcome})
	p := tea.NewProgram(m, tea.WithContext(f.Ctx))
	// The explorer titles the pane "evals"; the terminal's title stack (XTWINOPS 22/23:
	// push before, pop after) gives the pane its own title back on quit, however it quits.
	fmt.Fprint(f.IO.Out, titlePush)
	defer fmt.Fprint(f.IO.Out, titlePop)
	if _, err := p.Run(); err != nil && f.Ctx.Err() == nil {
		return errs.E(errs.Internal, "running the explorer: %w", err)
	}
	return nil
}
