package cmd

import (
	"github.com/evals-dev/evals/ingest"
	"github.com/spf13/cobra"
)

func newSchemaCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "schema",
		Short:   "Print the JSON Schema of the native JSONL import format",
		Example: "  evals schema > evals-jsonl.schema.json",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := f.IO.Out.Write(ingest.JSONSchema)
			return err
		},
	}
}
