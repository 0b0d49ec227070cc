// Command evals is a terminal-first explorer for LLM and agent evaluation results.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/evals-dev/evals/cmd"
)

func main() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		// Commands are short and allocate in bursts (a scan's batches, a JSON answer):
		// collect less often, but never let the heap pass the soft limit.
		debug.SetGCPercent(400)
		debug.SetMemoryLimit(80 << 20)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Execute(ctx, os.Args[1:], cmd.System())
	stop()
	os.Exit(code)
}
