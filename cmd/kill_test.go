package cmd

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/evals-dev/evals/store"
)

// TestKilledImportLeavesNoRun kills a real import process with SIGKILL at several moments
// and checks that the store stays readable and holds no partial run.
func TestKilledImportLeavesNoRun(t *testing.T) {
	t.Parallel() // its own store, or the shared demo read only
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "big.jsonl")
	writeBigJSONL(t, file, 60000)
	root := filepath.Join(dir, "store")
	for _, delay := range []time.Duration{30 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond, 900 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "EVALS_TEST_MAIN=import "+file+" --store "+root)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		runs, bad, lerr := store.Open(root).Runs()
		if lerr != nil || len(bad) > 0 {
			t.Fatalf("after kill at %v: store unreadable: %v %v", delay, lerr, bad)
		}
		if err == nil {
			// The import finished before the kill: then the run must be whole.
			if len(runs) != 1 || runs[0].Summary.OutcomeCount != 60000 {
				t.Fatalf("finished import left %+v", runs)
			}
			return
		}
		if len(runs) != 0 {
			t.Fatalf("kill at %v left a run: %+v", delay, runs[0])
		}
	}
	// A complete import after the kills works and sees no leftovers.
	r := run(t, false, "import", file, "--store", root)
	if r.code != 0 {
		t.Fatalf("import after kills: %+v", r)
	}
	runs, _, _ := store.Open(root).Runs()
	if len(runs) != 1 || runs[0].Summary.OutcomeCount != 60000 {
		t.Fatalf("runs after kills: %+v", runs)
	}
}

func writeBigJSONL(t *testing.T, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	text := strings.Repeat("lorem ipsum dolor sit amet ", 36)
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, `{"stimulus":"s%d","model":"m%d","trial":%d,"passed":%v,"durationMs":%d,"input":%q,"graders":[{"name":"g","passed":true,"evidence":"ok"}],"toolCalls":[{"tool":"bash","durationMs":5}]}`+"\n",
			i/30, i%5, (i/5)%3, i%3 != 0, i, text)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}
