package cmd

import (
	"math"
	"os"
	"runtime/debug"
)

// tuneGC sets the collector for the command about to run, unless GOGC or GOMEMLIMIT say
// otherwise. Queries are short and allocate in bursts (a scan's batches, a JSON answer):
// collect less often, under an 80 MB soft limit. Commands that write a run hold a chunk of
// it in memory on purpose: under that limit the collector would run all the time.
func tuneGC(command string) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	switch command {
	case "import", "demo":
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	default:
		debug.SetGCPercent(400)
		debug.SetMemoryLimit(80 << 20)
	}
}
