package cmd

import (
	"math"
	"os"
	"runtime/debug"
	"slices"
	"sync"
)

// tuneGC sets the collector for the command about to run, unless GOGC or GOMEMLIMIT say
// otherwise. Queries are short and allocate in bursts (a scan's batches, a JSON answer):
// collect less often, under a 1 GB ceiling. Commands that write a run hold a chunk of it
// in memory on purpose and set their own limit (import: 250 MB).
func tuneGC(command string) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	switch command {
	case "import", "demo":
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	case "serve":
		// A server runs for long: the heap it settles at is its footprint. GOGC 100 under a
		// soft limit a little above the answer cache (serveMemoryLimit): at GOGC 200 under
		// 1 GB the 1M store's wrk suite (cache-miss outcome pages, compare pairs, all-runs
		// pages, health) peaked at 1.08 GB RSS; here at under 500 MB, for 13% fewer
		// cache-miss compares a second (221 -> 192 at c=64).
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(serveMemoryFloor)
	default:
		// Queries allocate in bursts and most answers are small: a lazy collector, but not
		// too lazy. At GOGC 400 `matrix --run all` on the 10M store peaked at 184 MB for a
		// live heap of 29 MB, and fresh memory costs page faults: GOGC 200 halved its peak
		// and ran as fast or faster on every bench shape (outcomes --run all 0.76×, matrix
		// all 0.88×, interleaved); GOGC 100 ran outcomes --run all 1.37× slower. The soft
		// limit is only a ceiling: at 80 MB a large answer (a 1M-outcome matrix holds
		// 150 MB) kept the collector running back to back, 47% of the CPU.
		debug.SetGCPercent(200)
		debug.SetMemoryLimit(1 << 30)
		// The heap a query starts from is a few MB, so its first collections come after a
		// few MB of allocation, while the answer it is building is live (decoding 10,000
		// runs of a catalog: 53 MB, 2–3 collections, 30 ms of a 100 ms command). A 16 MB
		// ballast, never written so never resident, moves the first collection to 80 MB.
		ballastOnce.Do(func() { ballast = make([]byte, 16<<20) })
	}
}

// serveMemoryLimit keeps the server's soft memory limit above what its answer cache may
// hold: the cache plus 164 MB for the queries in flight, serveMemoryFloor at least. Under
// a limit the cache alone nearly filled (--cache-mb 1200 under 1 GB), the collector ran
// back to back: 2,149 collections in 41 s, health from 28k to 16k requests a second.
// GOMEMLIMIT and GOGC override both.
func serveMemoryLimit(cacheBytes int64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(max(serveMemoryFloor, cacheBytes+164<<20))
}

// serveMemoryFloor is the server's soft memory limit with the default 256 MB cache. The
// process's RSS runs ~31 MB above it: over two runs of the 1M store's wrk suite, 487 MiB
// at 456 MB and 451–452 MiB at 420 MB, with as many answers a second (outcome pages
// 921/1,110 vs 1,115/1,202, compares 153/144 vs 167/144, interleaved). 420 keeps the
// server clear of 500 MB.
const serveMemoryFloor = 420 << 20

// openFilesBudget is what a long-lived process (serve, mcp, the explorer) lets decoded
// Parquet footers hold, so the files it reads again are not opened and decoded again
// (store.KeepFilesOpen): 32 MB is about 75 runs of 100,000 outcomes, or all of a store of
// small runs. On the 1M store's wrk suite ... (see README Speed).
const openFilesBudget = 32 << 20

// listFilesBudget is what `evals outcomes` lets the footers of the files it reads twice
// hold, over every run each at most a hundredth of it (listLargest): the footers of small
// runs, whose decoding is much of what reading them costs (outcomes --run all on the 1M
// store: 79 -> 73 ms, medians of 40 interleaved). Over every run a large run's footer
// (430 KB decoded at 100,000 outcomes) is decoded again: keeping 100 of them took that list
// from 77 to 104 MB. Over the runs named it is kept (--run latest on the 10M store: 21.8 ->
// 20.4 ms, medians of 21). Other commands read each file once and keep none.
const listFilesBudget = 12 << 20

// listLargest is the largest footer a list keeps: a hundredth of listFilesBudget over all
// runs (or an unknown number), a share of it over the runs named. A list of the newest run
// of the 10M store (100,000 outcomes) decoded its 43 KB outcomes footer twice and its
// graders footer twice.
func listLargest(refs []string) int64 {
	if len(refs) == 0 || slices.Contains(refs, "all") {
		return listFilesBudget / 100
	}
	return listFilesBudget / int64(2*len(refs))
}

// ballast is held for the process's life (see tuneGC), made once: tests run commands
// side by side in one process.
var (
	ballast     []byte
	ballastOnce sync.Once
)
