package cmd

import (
	"context"
	"io"
	"os"
	"os/signal"

	"github.com/evals-dev/evals/mcp"
	"github.com/evals-dev/evals/store"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"
)

func newMCPCmd(f *Factory) *cobra.Command {
	var allowWrites bool
	var by string
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Answer agents: a Model Context Protocol server over stdio, the questions as tools",
		Long: `Run a Model Context Protocol (MCP) server on stdin and stdout, for coding agents and
editors: each question (runs, ranking, compare, failures, graders, outcomes, trajectory, …)
is a tool whose answer is the same JSON as the CLI's --json, with input and output schemas.
Answers keep to a budget (a page of 20, long strings cut) and say how to get more.

Reads only, unless --allow-writes: then the annotate tool records human verdicts.
evals serve offers the same server over HTTP at /mcp. Set-up for Claude Code, Cursor and
VS Code: docs/agents.md.`,
		Example: `  evals mcp --demo                       # try it on the demo store
  evals mcp --store ./.evals --allow-writes
  claude mcp add evals -- evals mcp --store "$PWD/.evals"`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var s *store.Store
			var err error
			if allowWrites {
				s, err = f.StoreToWrite()
			} else {
				s, err = f.Store()
			}
			if err != nil {
				return err
			}
			s.KeepFilesOpen(openFilesBudget, openFilesBudget)
			srv := mcp.New(mcp.Deps{Store: s, AllowWrites: allowWrites, Author: store.Author(by), Version: versionString()})
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			err = srv.Run(ctx, &sdk.IOTransport{Reader: io.NopCloser(f.IO.In), Writer: nopWriteCloser{f.IO.Out}})
			if ctx.Err() != nil || err == io.EOF {
				return nil // the client closed stdin or the user pressed ^C: a normal end
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&allowWrites, "allow-writes", false, "offer the annotate tool (human verdicts, notes, labels)")
	cmd.Flags().StringVar(&by, "author", "", "who the annotations are from (default: the OS user)")
	return cmd
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
