// Command mangen writes a man page per evals command (evals.1, evals-ranking.1, …) into a
// folder, for packagers and for the release archives:
//
//	go run ./internal/mangen man/
//
// It lives outside the evals binary: the man page writer (cobra/doc and its Markdown
// renderer) would add 0.6 MB to every copy for a page set the archives already carry.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/evals-dev/evals/cmd"
	"github.com/spf13/cobra/doc"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mangen DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root := cmd.NewRootCmd(&cmd.Factory{IO: cmd.System(), Ctx: context.Background(), Now: time.Now})
	root.DisableAutoGenTag = true
	hdr := &doc.GenManHeader{Title: "EVALS", Section: "1", Source: "evals " + cmd.Version(), Manual: "evals manual"}
	return doc.GenManTree(root, hdr, dir)
}
