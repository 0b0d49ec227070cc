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

// TestNullsReadRightInDuckDB: for each column a source may leave out (the duration, each
// token count, the cost), an outcome that did not record it is NULL in the Parquet file:
// DuckDB's avg() and sum() leave it out, as evals does.
func TestNullsReadRightInDuckDB(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "evals")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "nulls.jsonl")
	lines := `{"stimulus":"s1","model":"m","passed":true,"durationMs":1000,"turns":4,"toolCallCount":6,"costUsd":0.5,"usage":{"inputTokens":10,"outputTokens":20,"reasoningTokens":30,"cachedTokens":40,"totalTokens":60}}
{"stimulus":"s2","model":"m","passed":false}
`
	if err := os.WriteFile(file, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")
	mustRun(t, bin, "import", file, "--store", store)
	got, err := sqlDuckRows(`SELECT avg(duration_ms) AS duration_ms, avg(input_tokens) AS input_tokens, avg(output_tokens) AS output_tokens,
	  avg(reasoning_tokens) AS reasoning_tokens, avg(cached_tokens) AS cached_tokens, avg(total_tokens) AS total_tokens,
	  avg(cost_usd) AS cost_usd, avg(turns) AS turns, avg(tool_calls) AS tool_calls, count(duration_ms) AS recorded
	FROM read_parquet('` + store + `/runs/*/outcomes.parquet')`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"duration_ms": 1000, "input_tokens": 10, "output_tokens": 20, "reasoning_tokens": 30, "cached_tokens": 40, "total_tokens": 60, "cost_usd": 0.5, "turns": 4, "tool_calls": 6, "recorded": 1}
	for col, w := range want {
		if g, ok := sqlNum(got[0][col]); !ok || g != w {
			t.Errorf("DuckDB avg(%s) = %v, want %v (the unrecorded outcome must be NULL, not -1 or 0)", col, got[0][col], w)
		}
	}
	out := mustRun(t, bin, "ranking", "--store", store, "--json", "--jq", `.models[0] | [.meanDurationMs, .inputTokens, .outputTokens, .reasoningTokens, .cachedTokens, .totalTokens, .costUsd, .meanTurns, .meanToolCalls] | map(tostring) | join(",")`)
	if strings.TrimSpace(strings.Trim(strings.TrimSpace(out), `"`)) != "1000,10,20,30,40,60,0.5,4,6" {
		t.Errorf("evals ranking: %s", out)
	}
}
