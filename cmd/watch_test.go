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
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			runs, _, _ := store.Open(root).Runs()
			if pred(runs) {
				return runs
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatal("timed out waiting for the watched import")
		return nil
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
