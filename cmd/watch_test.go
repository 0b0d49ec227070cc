package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evals-dev/evals/store"
)

// TestWatchImportsNewAndChangedFiles runs import --watch, adds a file, then changes it:
// the run appears, then is replaced, without restarting.
func TestWatchImportsNewAndChangedFiles(t *testing.T) {
	dir, root := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ios, _, _, _ := Test(false)
	done := make(chan int)
	go func() { done <- Execute(ctx, []string{"import", "--watch", dir, "--store", root}, ios) }()
	waitRuns := func(pred func([]store.Run) bool) []store.Run {
		t.Helper()
		// Polls for the state it needs; a watch that never imports is caught by the
		// test binary's -timeout, not by a deadline a loaded machine could miss.
		for {
			runs, _, _ := store.Open(root).Runs()
			if pred(runs) {
				return runs
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	pf, _ := os.ReadFile("../testdata/harness/promptfoo/sample-export.json")
	p := filepath.Join(dir, "eval.json")
	os.WriteFile(p, pf, 0o644)
	runs := waitRuns(func(r []store.Run) bool { return len(r) == 1 })
	if runs[0].Summary.Passed != 0 {
		t.Fatalf("first import: %+v", runs[0].Summary)
	}
	time.Sleep(20 * time.Millisecond) // a new modification time
	os.WriteFile(p, []byte(strings.Replace(string(pf), `"success": false`, `"success": true`, 1)), 0o644)
	waitRuns(func(r []store.Run) bool { return len(r) == 1 && r[0].Summary.Passed == 1 })
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("watch exit %d", code)
	}
}

// TestWatchGrowsANativeRun: lines appended to a native file three times make one run that
// grows (each append created a second, partial run before, and latest~1 was a copy of
// latest); with an id in the header, the run with that id grows too.
func TestWatchGrowsANativeRun(t *testing.T) {
	t.Parallel() // its own store, or the shared demo read only
	for _, header := range []string{"", `{"type":"run","id":"grows0001","name":"growing","status":"running"}` + "\n"} {
		dir, root := t.TempDir(), t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		ios, _, _, _ := Test(false)
		done := make(chan int)
		go func() { done <- Execute(ctx, []string{"import", "--watch", dir, "--store", root}, ios) }()
		p := filepath.Join(dir, "run.jsonl")
		os.WriteFile(p, []byte(header), 0o644)
		for i := 1; i <= 3; i++ {
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0o644)
			for j := 0; j < 2; j++ {
				f.WriteString(`{"stimulus":"s` + string(rune('0'+i)) + string(rune('0'+j)) + `","model":"m","passed":true}` + "\n")
			}
			f.Close()
			for { // until the append is imported (a hang is the -timeout's)
				runs, _, _ := store.Open(root).Runs()
				if len(runs) == 1 && runs[0].Summary.OutcomeCount == int64(2*i) {
					if header != "" && runs[0].ID != "grows0001" {
						t.Fatalf("the header's id: %s", runs[0].ID)
					}
					break
				}
				if len(runs) > 1 {
					t.Fatalf("after append %d: %d runs (want one with %d outcomes)", i, len(runs), 2*i)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("watch exit %d", code)
		}
	}
}
