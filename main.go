// Command evals is a terminal-first explorer for LLM and agent evaluation results.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/evals-dev/evals/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Execute(ctx, os.Args[1:], cmd.System())
	stop()
	os.Exit(code)
}
