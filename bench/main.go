// Command bench generates large stores and times evals against DuckDB on the same Parquet
// files, end to end as processes. It is its own module so that the product stays pure Go
// (DuckDB needs cgo). See README.md in this folder.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/evals-dev/evals/bench/internal/gen"
	"github.com/evals-dev/evals/store"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench gen-store|gen-jsonl|gen-inspect|gen-promptfoo|duckq|compare|load|proxy [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen-store":
		err = genStore(os.Args[2:])
	case "gen-jsonl":
		err = genJSONL(os.Args[2:])
	case "duckq":
		err = duckq(os.Args[2:])
	case "compare":
		err = compare(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	case "gen-inspect":
		err = genInspect(os.Args[2:])
	case "gen-promptfoo":
		err = genPromptfoo(os.Args[2:])
	case "sqlcheck":
		err = sqlcheck(os.Args[2:])
	case "reqproxy":
		err = reqProxy(os.Args[2:])
	case "proxy":
		err = latencyProxy(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// genStore writes runs × perRun outcomes straight through the store writer.
func genStore(args []string) error {
	fs := flag.NewFlagSet("gen-store", flag.ExitOnError)
	out := fs.String("o", "", "store directory")
	runs := fs.Int("runs", 100, "runs")
	first := fs.Int("first", 0, "the number of the first run (to add runs to a store)")
	total := fs.Int("n", 1_000_000, "outcomes in all")
	templated := fs.Bool("templated-evidence", false, "failing evidence reads like real grader output (a dozen kinds) instead of random words")
	fs.Parse(args)
	if *out == "" {
		return fmt.Errorf("-o is required")
	}
	per := *total / *runs
	sh := gen.ShapeFor(per)
	sh.Templated = *templated
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, *runs)
	par := runtime.GOMAXPROCS(0)
	if store.IsURL(*out) {
		par = 16 // a bucket's writes wait on the network
	}
	sem := make(chan struct{}, par)
	for i := *first; i < *first+*runs; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
			w, err := store.NewWriter(*out, store.Run{ID: fmt.Sprintf("run%04d", i), Name: fmt.Sprintf("bench-%d", i), CreatedAt: t0, Source: "bench"})
			if err != nil {
				errs <- err
				return
			}
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for k := 0; k < sh.Stimuli*sh.Models*sh.Trials; k++ {
				if err := w.Add(gen.Outcome(r, sh, k, t0)); err != nil {
					errs <- err
					return
				}
			}
			if _, err := w.Commit(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d runs × %d outcomes in %v\n", *runs, sh.Stimuli*sh.Models*sh.Trials, time.Since(start).Round(time.Millisecond))
	return nil
}

// genJSONL writes n outcomes as native JSONL (about 1 KB of text each).
func genJSONL(args []string) error {
	fs := flag.NewFlagSet("gen-jsonl", flag.ExitOnError)
	out := fs.String("o", "", "file")
	n := fs.Int("n", 1_000_000, "outcomes")
	fs.Parse(args)
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintf(w, `{"type":"run","version":1,"name":"bench-%d","source":"bench"}`+"\n", *n)
	r := rand.New(rand.NewPCG(42, 1))
	sh := gen.ShapeFor(*n)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	enc := json.NewEncoder(w)
	for i := 0; i < *n; i++ {
		o := gen.Outcome(r, sh, i, t0)
		line := map[string]any{"stimulus": o.Stimulus, "model": o.Model, "trial": o.Trial, "status": o.Status, "passed": o.Passed,
			"score": o.Score, "durationMs": o.DurationMs, "turns": o.Turns, "costUsd": o.CostUSD, "startedAt": o.StartedAt,
			"usage": map[string]int64{"inputTokens": o.InputTokens, "outputTokens": o.OutputTokens, "reasoningTokens": o.ReasoningTokens},
			"input": o.Input, "output": o.Output, "expected": o.Expected, "error": o.Error,
			"graders": o.Graders, "toolCalls": toolsJSON(o.ToolCalls), "events": o.Events}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return w.Flush()
}

func toolsJSON(ts []store.ToolCall) []map[string]any {
	var out []map[string]any
	for _, t := range ts {
		out = append(out, map[string]any{"tool": t.Tool, "success": t.Success, "durationMs": t.DurationMs, "error": t.Error, "arguments": t.Arguments, "result": t.Result})
	}
	return out
}

// duckq runs one SQL query in DuckDB and prints each row as a JSON object.
func duckq(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: bench duckq SQL")
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	if strings.HasPrefix(args[0], "COPY") { // DuckDB writes the answer itself
		_, err := db.ExecContext(context.Background(), args[0])
		return err
	}
	rows, err := db.QueryContext(context.Background(), args[0])
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		m := map[string]any{}
		for i, c := range cols {
			m[c] = vals[i]
		}
		if err := enc.Encode(m); err != nil {
			return err
		}
	}
	return rows.Err()
}

func glob(storeDir, run, file string) string {
	if run == "" {
		return filepath.Join(storeDir, "runs", "*", file)
	}
	return filepath.Join(storeDir, "runs", run, file)
}
