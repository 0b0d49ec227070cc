package query

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
	"github.com/parquet-go/parquet-go"
)

var demo *store.Store

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "evals-query-test-")
	if err != nil {
		panic(err)
	}
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		panic(err)
	}
	demo = store.Open(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// readAll reads a whole table row by row with parquet-go's generic reader: the
// independent path the aggregates are checked against.
func readAll[T any](t *testing.T, runID, file string) []T {
	t.Helper()
	rows, err := parquet.ReadFile[T](filepath.Join(demo.Root(), "runs", runID, file))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func near(a *float64, b float64) bool { return a != nil && math.Abs(*a-b) < 1e-6 }

func TestRankingAgreesWithRowReads(t *testing.T) {
	run, _ := demo.Resolve("latest")
	rows := readAll[store.OutcomeRow](t, run.ID, "outcomes.parquet")
	type tally struct{ passed, rated, dur, executed, errors, total int64 }
	want := map[string]*tally{}
	for _, r := range rows {
		w := want[r.Model]
		if w == nil {
			w = &tally{}
			want[r.Model] = w
		}
		if r.Status == "skipped" {
			continue
		}
		w.executed++
		if r.DurationMs != nil {
			w.dur += *r.DurationMs
		}
		if r.TotalTokens != nil {
			w.total += *r.TotalTokens
		}
		switch {
		case r.Status == "error":
			w.errors++
			w.rated++
		case r.Passed != nil:
			w.rated++
			if *r.Passed {
				w.passed++
			}
		}
	}
	got, err := RankingOf(demo, Scope{Runs: []string{"latest"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Models) != 6 {
		t.Fatalf("models: %d", len(got.Models))
	}
	for i, m := range got.Models {
		w := want[m.Model]
		if !near(m.PassRate, float64(w.passed)/float64(w.rated)) || !near(m.MeanDurationMs, float64(w.dur)/float64(w.executed)) ||
			m.ErrorCount != w.errors || m.TotalTokens == nil || *m.TotalTokens != w.total {
			t.Errorf("%s: got %+v, want %+v", m.Model, m, w)
		}
		if i > 0 && *got.Models[i-1].PassRate < *m.PassRate {
			t.Errorf("not sorted by pass rate at %d", i)
		}
		if m.PassAtK == nil || m.PassAtK["1"] == nil || !near(m.PassAtK["1"], *m.PassRate) {
			// With equal trials per stimulus, pass@1 equals the pass rate.
			t.Errorf("%s: pass@1 %v vs pass rate %v", m.Model, m.PassAtK, *m.PassRate)
		}
	}
}

func TestGradersAndToolsAgreeWithRowReads(t *testing.T) {
	run, _ := demo.Resolve("latest")
	grs := readAll[store.GraderRow](t, run.ID, "graders.parquet")
	pass, fail := map[string]int64{}, map[string]int64{}
	for _, g := range grs {
		if g.Passed != nil && *g.Passed {
			pass[g.Grader]++
		} else if g.Passed != nil {
			fail[g.Grader]++
		}
	}
	gs, err := GradersOf(demo, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs.Graders {
		if g.PassCount != pass[g.Name] || g.FailCount != fail[g.Name] || len(g.SampleFailureEvidence) == 0 {
			t.Errorf("%s: got %d/%d, want %d/%d; evidence %v", g.Name, g.PassCount, g.FailCount, pass[g.Name], fail[g.Name], g.SampleFailureEvidence)
		}
	}
	// Sample evidence really comes from failing results of that grader.
	for _, g := range gs.Graders {
		for i, id := range g.SampleFailureOutcomes {
			o, err := demo.Outcome(id, false)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range o.Graders {
				found = found || r.Name == g.Name && r.Passed != nil && !*r.Passed && r.Evidence == g.SampleFailureEvidence[i]
			}
			if !found {
				t.Errorf("%s: evidence %q is not a failure of outcome %s", g.Name, g.SampleFailureEvidence[i], id)
			}
		}
	}

	outs := readAll[store.OutcomeRow](t, run.ID, "outcomes.parquet")
	verdict := map[string]int{} // outcome id → 1 pass, 0 fail/error, -1 not rated
	for _, o := range outs {
		v := -1
		switch {
		case o.Status == "error":
			v = 0
		case o.Status == "success" && o.Passed != nil && *o.Passed:
			v = 1
		case o.Status == "success" && o.Passed != nil:
			v = 0
		}
		verdict[o.OutcomeID] = v
	}
	calls := readAll[store.ToolCallRow](t, run.ID, "tool_calls.parquet")
	type tt struct{ calls, ok, outcomes, passed, rated int64 }
	want := map[string]*tt{}
	seen := map[[2]string]bool{}
	for _, c := range calls {
		w := want[c.Tool]
		if w == nil {
			w = &tt{}
			want[c.Tool] = w
		}
		w.calls++
		if c.Success {
			w.ok++
		}
		if !seen[[2]string{c.Tool, c.OutcomeID}] {
			seen[[2]string{c.Tool, c.OutcomeID}] = true
			w.outcomes++
			if v := verdict[c.OutcomeID]; v >= 0 {
				w.rated++
				w.passed += int64(v)
			}
		}
	}
	ts, err := ToolsOf(demo, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ts.Tools {
		w := want[x.Name]
		if x.CallCount != w.calls || x.SuccessCount != w.ok || x.OutcomeCount != w.outcomes || !near(x.OutcomePassRate, float64(w.passed)/float64(w.rated)) {
			t.Errorf("%s: got %+v, want %+v", x.Name, x, w)
		}
	}
}

func TestOutcomePagingVisitsEachOnce(t *testing.T) {
	f := false
	filters := []OutcomesParams{
		{},
		{Runs: []string{"latest"}, Model: []string{"gpt-5"}},
		{Runs: []string{"latest", "latest~1"}, Status: []string{"failed", "error"}},
		{Passed: &f, Grader: "tests-pass", Sort: "duration_ms", Desc: true},
		{Stimulus: []string{"shell/fix-auth-middleware"}, Sort: "model"},
	}
	for _, p := range filters {
		p.Limit = 997
		seen := map[string]int{}
		total := -1
		for pages := 0; ; pages++ {
			page, err := Outcomes(demo, p)
			if err != nil {
				t.Fatal(err)
			}
			total = page.Page.Total
			for _, o := range page.Items {
				seen[o.ID]++
			}
			if page.Page.NextCursor == nil {
				break
			}
			p.Cursor = *page.Page.NextCursor
		}
		if len(seen) != total {
			t.Errorf("%+v: visited %d distinct of %d", p, len(seen), total)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s visited %d times", id, n)
			}
		}
	}
}

func TestMatrixAndModelCompare(t *testing.T) {
	m, err := MatrixOf(demo, Scope{}, "pass_rate")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Rows) != 120 || len(m.Columns) != 6 {
		t.Fatalf("matrix %dx%d", len(m.Rows), len(m.Columns))
	}
	if _, err := MatrixOf(demo, Scope{}, "nope"); err == nil {
		t.Fatal("unknown metric accepted")
	}
	c, err := CompareModels(demo, "latest", "gpt-5", "qwen3-coder")
	if err != nil {
		t.Fatal(err)
	}
	if c.Summary.DivergentCount != c.Summary.AOnlyPassed+c.Summary.BOnlyPassed || c.Summary.StimulusCount != 120 {
		t.Fatalf("summary %+v", c.Summary)
	}
}

func TestPassAtK(t *testing.T) {
	// Reference values computed by the numpy implementation in Chen et al. 2021 (Codex
	// paper, figure 3): pass_at_k(n, c, k) = 1 - prod(1 - k / arange(n - c + 1, n + 1)).
	cases := []struct {
		n, c, k int
		at, hat float64
	}{
		{3, 0, 1, 0, 0}, {3, 3, 3, 1, 1}, {3, 1, 1, 1.0 / 3, 1.0 / 3}, {3, 1, 2, 2.0 / 3, 0},
		{3, 2, 2, 1, 1.0 / 3}, {10, 3, 5, 1 - 21.0/252, 0}, {5, 5, 2, 1, 1}, {4, 2, 2, 5.0 / 6, 1.0 / 6},
	}
	for _, c := range cases {
		if got := PassAtK(c.n, c.c, c.k); math.Abs(got-c.at) > 1e-12 {
			t.Errorf("pass@%d(n=%d,c=%d) = %v, want %v", c.k, c.n, c.c, got, c.at)
		}
		if got := PassHatK(c.n, c.c, c.k); math.Abs(got-c.hat) > 1e-12 {
			t.Errorf("pass^%d(n=%d,c=%d) = %v, want %v", c.k, c.n, c.c, got, c.hat)
		}
	}
	if !math.IsNaN(PassAtK(2, 1, 3)) {
		t.Error("k > n must be undefined")
	}
}

// TestGradersAndToolsBySlice: each --by line equals the unsliced answer filtered to that
// slice (--where), and the slices add up to the whole.
func TestGradersAndToolsBySlice(t *testing.T) {
	type key struct{ name, value string }
	by, err := GradersOf(demo, Scope{Slicing: Slicing{By: "category"}})
	if err != nil {
		t.Fatal(err)
	}
	all, err := GradersOf(demo, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	sum := map[string]int64{}
	lines := map[key]GraderStats{}
	values := map[string]bool{}
	for _, g := range by.Graders {
		if g.Slice == nil || g.Slice.Key != "category" {
			t.Fatalf("grader line without its slice: %+v", g)
		}
		sum[g.Name] += g.ResultCount
		lines[key{g.Name, g.Slice.Value}] = g
		values[g.Slice.Value] = true
	}
	for _, g := range all.Graders {
		if sum[g.Name] != g.ResultCount {
			t.Errorf("grader %s: slices add to %d results, whole is %d", g.Name, sum[g.Name], g.ResultCount)
		}
	}
	if len(values) < 2 {
		t.Fatalf("demo category slices: %v", values)
	}
	for v := range values {
		one, err := GradersOf(demo, Scope{Slicing: Slicing{Where: []TagFilter{{Key: "category", Values: []string{v}}}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range one.Graders {
			l := lines[key{g.Name, v}]
			if l.ResultCount != g.ResultCount || l.PassCount != g.PassCount || *l.PassRateInterval != *g.PassRateInterval ||
				!slices.Equal(l.SampleFailureEvidence, g.SampleFailureEvidence) {
				t.Errorf("grader %s [category=%s]: by gives %+v, where gives %+v", g.Name, v, l, g)
			}
		}
	}

	tby, err := ToolsOf(demo, Scope{Slicing: Slicing{By: "difficulty"}})
	if err != nil {
		t.Fatal(err)
	}
	tlines := map[key]ToolStats{}
	for _, s := range tby.Tools {
		tlines[key{s.Name, s.Slice.Value}] = s
	}
	for _, v := range []string{"easy", "hard"} {
		one, err := ToolsOf(demo, Scope{Slicing: Slicing{Where: []TagFilter{{Key: "difficulty", Values: []string{v}}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(one.Tools) == 0 {
			t.Fatalf("no tools in difficulty=%s", v)
		}
		for _, s := range one.Tools {
			l := tlines[key{s.Name, v}]
			if l.CallCount != s.CallCount || l.OutcomeCount != s.OutcomeCount || !slices.Equal(l.Models, s.Models) || *l.OutcomePassRate != *s.OutcomePassRate {
				t.Errorf("tool %s [difficulty=%s]: by gives %+v, where gives %+v", s.Name, v, l, s)
			}
		}
	}
}

// TestRankingInShares: a run scanned in shares on several cores ranks exactly as the whole
// run does, pass@k included (a cell may straddle two shares).
func TestRankingInShares(t *testing.T) {
	whole, err := RankingOf(demo, Scope{Runs: []string{"latest"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func(v int64, k int) { minShare, sharesPerRun = v, k }(minShare, sharesPerRun)
	minShare, sharesPerRun = 97, 7 // the demo's run in 7 shares of 308-309 rows: cells of 3 trials are cut
	shares, err := RankingOf(demo, Scope{Runs: []string{"latest"}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(whole)
	b, _ := json.Marshal(shares)
	if string(a) != string(b) {
		t.Errorf("ranking in shares differs:\n%s\n%s", a, b)
	}
	if n := len(splitRuns([]store.Run{mustResolve(t, "latest")}, demo)); n != 7 {
		t.Errorf("the demo run was cut in %d shares", n)
	}
}

// TestGradersInShares: a run's grader rows read in shares give exactly the whole run's
// answer, sample evidence and its outcomes included.
func TestGradersInShares(t *testing.T) {
	for _, runs := range [][]string{{"latest"}, {"latest", "latest~1"}} {
		whole, err := GradersOf(demo, Scope{Runs: runs})
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func(v int64, k int) { minShare, sharesPerRun = v, k }(minShare, sharesPerRun)
			minShare, sharesPerRun = 97, 7
			shares, err := GradersOf(demo, Scope{Runs: runs})
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(whole)
			b, _ := json.Marshal(shares)
			if string(a) != string(b) {
				t.Errorf("%v: graders in shares differ:\n%s\n%s", runs, a, b)
			}
			r := mustResolve(t, "latest")
			if n := len(splitRunsBy([]store.Run{r}, demo, func(r store.Run) int64 { return r.Summary.GraderResults })); n != 7 {
				t.Errorf("the demo run's grader rows were cut in %d shares", n)
			}
		}()
	}
}

func mustResolve(t *testing.T, ref string) store.Run {
	t.Helper()
	r, err := demo.Resolve(ref)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTrend: a trend's points are each run's ranking, oldest run first; filters hold.
func TestTrend(t *testing.T) {
	tr, err := TrendOf(demo, TrendParams{Last: 2, Models: []string{"gpt-5", "qwen3-coder"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Runs) != 2 || len(tr.Models) != 2 || tr.Runs[0].Name != "baseline" || tr.Runs[1].Name != "candidate" {
		t.Fatalf("trend: %+v", tr)
	}
	for i, r := range tr.Runs {
		rk, err := RankingOf(demo, Scope{Runs: []string{r.ID}})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tr.Models {
			for _, m := range rk.Models {
				if m.Model == s.Model && *m.PassRate != *s.Points[i].PassRate {
					t.Errorf("%s in %s: %v, ranking says %v", s.Model, r.Name, *s.Points[i].PassRate, *m.PassRate)
				}
			}
		}
	}
	if _, err := TrendOf(demo, TrendParams{Last: 500}); err == nil {
		t.Error("--last 500 accepted")
	}
	if _, err := TrendOf(demo, TrendParams{Session: "nope"}); err == nil {
		t.Error("a trend of no run answered")
	}
}

// TestEachOutcomeIsThePages: an export's one pass over a run gives the outcomes the API's
// pages give, in the same order, in chunks of any size.
func TestEachOutcomeIsThePages(t *testing.T) {
	for _, ref := range []string{"latest", "latest~1"} {
		r := mustResolve(t, ref)
		var want []OutcomeSummary
		p := OutcomesParams{Runs: []string{r.ID}, Limit: MaxLimit}
		for {
			page, err := Outcomes(demo, p)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, page.Items...)
			if page.Page.NextCursor == nil {
				break
			}
			p.Cursor = *page.Page.NextCursor
		}
		for _, chunk := range []int{7, MaxLimit} {
			var got []OutcomeSummary
			err := EachOutcome(demo, r.ID, chunk, func(items []OutcomeSummary) error {
				if len(items) > chunk {
					t.Fatalf("%d items in a chunk of %d", len(items), chunk)
				}
				got = append(got, items...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s chunk %d: %d outcomes, the pages %d (or they differ)", ref, chunk, len(got), len(want))
			}
		}
	}
}

// topHits gives the first k of the stable sort, whatever the keys: numbers with ties and
// nulls, strings, both directions.
func TestTopHitsIsTheSortedPrefix(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + rng.IntN(300)
		hits := make([]hit, n)
		for i := range hits {
			hits[i] = hit{run: int32(i / 100), row: int64(i % 100), num: float64(rng.IntN(7))}
			switch {
			case trial%3 == 1 && rng.IntN(4) == 0:
				hits[i].num = math.NaN()
			case trial%3 == 2:
				hits[i].str, hits[i].num = string(rune('a'+rng.IntN(5))), math.NaN()
			}
		}
		desc := trial%2 == 0
		k := rng.IntN(n + 1)
		want := slices.Clone(hits)
		sortHits(want, true, desc)
		got := topHits(slices.Clone(hits), k, desc)
		if len(got) != k {
			t.Fatalf("trial %d: %d hits, want %d", trial, len(got), k)
		}
		for i := range got {
			if got[i].run != want[i].run || got[i].row != want[i].row {
				t.Fatalf("trial %d (desc %v, k %d): position %d is %+v, the sort has %+v", trial, desc, k, i, got[i], want[i])
			}
		}
	}
}

// TestNarrowReadsAreTheScan: a narrow row range reads only the pages that hold it (from
// its first row, the pages sliced); every column of every type gives the values a whole
// scan gives, at any offset (booleans are bit-packed: a slice starts mid-byte).
func TestNarrowReadsAreTheScan(t *testing.T) {
	r := mustResolve(t, "latest")
	cols := map[store.Table][]string{
		store.Outcomes: {"model", "stimulus", "status", "passed", "score", "duration_ms", "turns", "tool_calls", "trial", "cost_usd", "tags", "error", "graders_row"},
		store.Graders:  {"grader", "passed", "score", "weight", "evidence", "signature"},
	}
	rng := rand.New(rand.NewPCG(7, 9))
	for table, cs := range cols {
		full := map[string][]string{} // column → each row's value as text
		err := demo.Scan(r.ID, table, cs, func(b *store.Batch) error {
			for _, c := range cs {
				full[c] = append(full[c], batchColumn(b, c)...)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		n := int64(len(full[cs[0]]))
		for range 60 {
			lo := rng.Int64N(n)
			hi := min(n, lo+1+rng.Int64N(200))
			got := map[string][]string{}
			var first int64 = -1
			err := demo.ScanRows(r.ID, table, cs, lo, hi, func(b *store.Batch) error {
				if first < 0 {
					first = b.Row0
				}
				for _, c := range cs {
					got[c] = append(got[c], batchColumn(b, c)...)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				want := full[c][first : first+int64(len(got[c]))]
				if first > lo || first+int64(len(got[c])) < hi || !slices.Equal(got[c], want) {
					t.Fatalf("%s %s rows %d..%d: read from %d, %d values, not the scan's", table, c, lo, hi, first, len(got[c]))
				}
			}
		}
	}
}

func batchColumn(b *store.Batch, c string) []string {
	out := make([]string, b.N)
	for i := range b.N {
		switch {
		case b.Dict(c) != nil:
			out[i] = b.Dict(c).Values[b.Dict(c).Index[i]]
		case b.Bool(c) != nil:
			out[i] = fmt.Sprint(b.Bool(c)[i])
		case b.Float(c) != nil:
			out[i] = fmt.Sprint(b.Float(c)[i])
		case b.Int(c) != nil:
			out[i] = fmt.Sprint(b.Int(c)[i])
		}
	}
	return out
}
