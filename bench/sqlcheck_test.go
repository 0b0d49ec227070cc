package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSQLMatchesEvals: every evals sql translation, run by DuckDB over the demo store and
// over a copy with human verdicts (passes on errors and failures, fails on passes, a
// cleared verdict, a note alone, reviews in two runs), gives the rows of evals … --json.
func TestSQLMatchesEvals(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "evals")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	demo := filepath.Join(dir, "demo")
	mustRun(t, bin, "demo", "--store", demo)
	reviewed := filepath.Join(dir, "reviewed")
	mustRun(t, bin, "demo", "--store", reviewed)
	ids := func(args ...string) []string {
		out := mustRun(t, bin, append(args, "--store", reviewed, "--json", "--jq", ".items[].id")...)
		return strings.Fields(strings.ReplaceAll(out, `"`, ""))
	}
	for _, id := range ids("outcomes", "--status", "error", "--limit", "5") {
		mustRun(t, bin, "annotate", id, "--verdict", "pass", "--store", reviewed)
	}
	for _, id := range ids("outcomes", "--status", "failed", "--limit", "7") {
		mustRun(t, bin, "annotate", id, "--verdict", "pass", "--store", reviewed)
	}
	passed := ids("outcomes", "--status", "passed", "--limit", "5")
	for _, id := range passed[:4] {
		mustRun(t, bin, "annotate", id, "--verdict", "fail", "--store", reviewed)
	}
	mustRun(t, bin, "annotate", passed[4], "--verdict", "fail", "--store", reviewed)
	mustRun(t, bin, "annotate", passed[4], "--verdict", "clear", "--store", reviewed)
	mustRun(t, bin, "annotate", passed[4], "--note", "a note alone", "--store", reviewed)
	for _, id := range ids("outcomes", "--run", "latest~1", "--status", "failed", "--limit", "3") {
		mustRun(t, bin, "annotate", id, "--verdict", "pass", "--store", reviewed)
	}
	for _, store := range []string{demo, reviewed} {
		for _, c := range sqlCases() {
			if n, err := checkCase(bin, store, c); err != nil {
				t.Errorf("%s on %s: %v", c.name(), filepath.Base(store), err)
			} else if n == 0 {
				t.Errorf("%s on %s: no rows to compare", c.name(), filepath.Base(store))
			}
		}
	}
}

func mustRun(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := run(bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
