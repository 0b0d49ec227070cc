package query

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/evals-dev/evals/store"
)

// benchStore is a large store made by `bench gen-store` (see bench/README.md); the
// benchmarks below skip without it.
func benchStore(b *testing.B) *store.Store {
	dir := os.Getenv("EVALS_BENCH_STORE")
	if dir == "" {
		b.Skip("set EVALS_BENCH_STORE to a store made by bench gen-store")
	}
	return store.Open(dir)
}

func BenchmarkRankingAll(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := RankingOf(s, Scope{Runs: []string{"all"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGradersAll(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := GradersOf(s, Scope{Runs: []string{"all"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToolsAll(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := ToolsOf(s, Scope{Runs: []string{"all"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGradersLatest(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := GradersOf(s, Scope{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompareLatest(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := CompareRuns(s, NewCompareParams("latest", "latest~1")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompareLatestJSON(b *testing.B) {
	s := benchStore(b)
	c, err := CompareRuns(s, NewCompareParams("latest", "latest~1"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := json.Marshal(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRankingAllByCategory(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := RankingOf(s, Scope{Runs: []string{"all"}, Slicing: Slicing{By: "category"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGradersAllByCategory(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := GradersOf(s, Scope{Runs: []string{"all"}, Slicing: Slicing{By: "category"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRankingLatest(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := RankingOf(s, Scope{Runs: []string{"latest"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFailuresLatest(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := FailuresOf(s, FailuresParams{Scope: Scope{Runs: []string{"latest"}}, Base: "none"}); err != nil {
			b.Fatal(err)
		}
	}
}

// The outcome list: one model's failures over every run, longest first, a page.
func BenchmarkOutcomesAllSorted(b *testing.B) {
	s := benchStore(b)
	p := OutcomesParams{Model: []string{"model-3"}, Status: []string{"failed"}, Sort: "duration_ms", Desc: true, Limit: 100}
	for b.Loop() {
		if _, err := Outcomes(s, p); err != nil {
			b.Fatal(err)
		}
	}
}

// The same page of the newest run only.
func BenchmarkOutcomesLatestSorted(b *testing.B) {
	s := benchStore(b)
	p := OutcomesParams{Runs: []string{"latest"}, Model: []string{"model-3"}, Status: []string{"failed"}, Sort: "duration_ms", Desc: true, Limit: 100}
	for b.Loop() {
		if _, err := Outcomes(s, p); err != nil {
			b.Fatal(err)
		}
	}
}

// A deep page of all runs' outcomes by duration (rows 500,000..500,049 of 1M), reached by
// an offset cursor (the first 500,050 rows sorted to keep 50) and by the seek cursor the
// page before it hands out (the 50 rows after its last); and page 1, for scale.
func BenchmarkOutcomesDeepPage(b *testing.B) {
	s := benchStore(b)
	p := OutcomesParams{Sort: "duration_ms", Desc: true, Limit: 50}
	before := p
	before.Cursor = EncodeCursor(499950)
	prev, err := Outcomes(s, before)
	if err != nil || prev.Page.NextCursor == nil {
		b.Fatalf("the page before: %v", err)
	}
	for _, c := range []struct{ name, cursor string }{{"first", ""}, {"offset", EncodeCursor(500000)}, {"seek", *prev.Page.NextCursor}} {
		b.Run(c.name, func(b *testing.B) {
			q := p
			q.Cursor = c.cursor
			for b.Loop() {
				if _, err := Outcomes(s, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The compare answer as the server writes it (AppendJSON, not encoding/json).
func BenchmarkCompareLatestAppendJSON(b *testing.B) {
	s := benchStore(b)
	c, err := CompareRuns(s, NewCompareParams("latest", "latest~1"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.AppendJSON(nil); err != nil {
			b.Fatal(err)
		}
	}
}

// The outcome list as `evals outcomes` runs it: a fresh store each time (no footer
// decoded before), keeping the files it reads twice open as the command does.
func BenchmarkOutcomesAllCommand(b *testing.B) {
	benchStore(b)
	p := OutcomesParams{Model: []string{"model-3"}, Status: []string{"failed"}, Sort: "duration_ms", Desc: true, Limit: 100}
	for b.Loop() {
		s := store.Open(os.Getenv("EVALS_BENCH_STORE"))
		s.KeepFilesOpen(12<<20, 12<<20/100)
		if _, err := Outcomes(s, p); err != nil {
			b.Fatal(err)
		}
	}
}
