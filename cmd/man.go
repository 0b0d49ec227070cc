package cmd

import (
	"os"

	"github.com/evals-dev/evals/errs"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newManCmd writes a man page per command (evals.1, evals-ranking.1, …) into a folder,
// for packagers: `evals man /usr/local/share/man/man1`.
func newManCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write man pages for every command into DIR",
		Args:   exactArgs(1, "one folder"),
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return errs.E(errs.Invalid, "creating %s: %w", args[0], err)
			}
			hdr := &doc.GenManHeader{Title: "EVALS", Section: "1", Source: "evals " + versionString(), Manual: "evals manual"}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			if err := doc.GenManTree(root, hdr, args[0]); err != nil {
				return errs.E(errs.Internal, "writing man pages: %w", err)
			}
			return nil
		},
	}
}
