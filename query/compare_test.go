package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
)

// TestComparePlanted: the demo's candidate against its baseline reports exactly the
// planted regressions and improvements, and nothing else changes status.
func TestComparePlanted(t *testing.T) {
	c, err := CompareRuns(demo, NewCompareParams("candidate", "baseline"))
	if err != nil {
		t.Fatal(err)
	}
	want := ingest.Planted()
	if len(c.Summary) != 6 || c.Coverage.IntersectionCount != 120 || c.Coverage.UnionCount != 120 {
		t.Fatalf("summary %d pairs, coverage %+v", len(c.Summary), c.Coverage)
	}
	for _, p := range c.Summary {
		reg, imp := slices.Clone(want.Regressions[p.Model]), slices.Clone(want.Improvements[p.Model])
		slices.Sort(reg)
		slices.Sort(imp)
		gotReg, gotImp := slices.Clone(p.RegressedList), slices.Clone(p.ImprovedList)
		slices.Sort(gotReg)
		slices.Sort(gotImp)
		if !slices.Equal(gotReg, reg) || !slices.Equal(gotImp, imp) {
			t.Errorf("%s: regressions %v (want %v), improvements %v (want %v)", p.Model, gotReg, reg, gotImp, imp)
		}
		if p.Errored != 0 || p.NewStimuli != 0 || p.Removed != 0 {
			t.Errorf("%s: unexpected changes %+v", p.Model, p)
		}
		// The planted real regression (qwen3-coder, 16 stimuli) is caught; gpt-5's drop on 4
		// stimuli (12 discordant trials, which McNemar on trials called significant) and
		// gemini's 3 improvements are noise at the stimulus level.
		wantVerdict := "no_change"
		if p.Model == "qwen3-coder" {
			wantVerdict = "regressed"
		}
		if p.Verdict != wantVerdict {
			t.Errorf("%s: verdict %s (delta %+v), want %s", p.Model, p.Verdict, p.Delta, wantVerdict)
		}
		// A verdict and its own interval never disagree.
		lo, hi := *p.Delta.Low, *p.Delta.High
		switch p.Verdict {
		case "regressed":
			if hi >= 0 {
				t.Errorf("%s: regressed with interval [%v, %v]", p.Model, lo, hi)
			}
		case "improved":
			if lo <= 0 {
				t.Errorf("%s: improved with interval [%v, %v]", p.Model, lo, hi)
			}
		default:
			if lo > 0 || hi < 0 {
				t.Errorf("%s: %s with interval [%v, %v] excluding 0", p.Model, p.Verdict, lo, hi)
			}
		}
		if sum := p.Regressions + p.Improvements + p.Unchanged + p.Flaky + p.Errored; sum != p.MatchedStimuli {
			t.Errorf("%s: buckets add up to %d for %d matched stimuli", p.Model, sum, p.MatchedStimuli)
		}
		if p.McNemar != nil {
			t.Errorf("%s: McNemar reported with three trials per stimulus", p.Model)
		}
	}
	// Regressions come first in the rows.
	if c.Rows[0].Changes[0].Kind != "regressed" && !slices.ContainsFunc(c.Rows[0].Changes, func(r RowChange) bool { return r.Kind == "regressed" }) {
		t.Errorf("first row: %+v", c.Rows[0])
	}
}

func TestCompareSelfAndEdges(t *testing.T) {
	// A run compared with itself is a usage error, whatever the number of runs.
	for _, runs := range [][]string{{"latest", "latest"}, {"latest", "latest~1", "latest"}, {"candidate", "8b2d4e7f10"}} {
		if _, err := CompareRuns(demo, NewCompareParams(runs...)); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("compare %v: %v, want invalid_params", runs, err)
		}
	}
	// Underpowered with few matched stimuli.
	p := NewCompareParams("latest", "latest~1")
	p.MinMatched = 500
	c, err := CompareRuns(demo, p)
	if err != nil || !c.Summary[0].Underpowered || c.Summary[0].Verdict != "underpowered" {
		t.Fatalf("underpowered: %v %+v", err, c.Summary)
	}
	if _, err := CompareRuns(demo, NewCompareParams("latest")); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("one run: %v", err)
	}
	p = NewCompareParams("latest", "latest~1")
	p.Pairs = map[string]string{"gpt-5": "nope"}
	if _, err := CompareRuns(demo, p); err != nil {
		t.Fatalf("pair to a missing model drops that pair only: %v", err)
	}
	// Explicit values are honoured, never replaced by defaults: threshold 0 makes every
	// rated cell ok; alpha 0 and min-matched 0 are rejected.
	p = NewCompareParams("candidate", "baseline")
	p.Threshold = 0
	c, err = CompareRuns(demo, p)
	if err != nil || c.Threshold != 0 {
		t.Fatalf("threshold 0: %v %v", err, c.Threshold)
	}
	for _, ps := range c.Summary {
		if ps.Regressions != 0 {
			t.Errorf("threshold 0: %s has %d regressions; every rated cell is ok", ps.Model, ps.Regressions)
		}
	}
	for _, bad := range []func(*CompareParams){func(p *CompareParams) { p.Alpha = 0 }, func(p *CompareParams) { p.MinMatched = 0 }} {
		p = NewCompareParams("candidate", "baseline")
		bad(&p)
		if _, err := CompareRuns(demo, p); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%+v: %v, want invalid_params", p, err)
		}
	}
}

// TestPassRateDeltaUnrounded: the delta is computed from exact rates, rounded once.
func TestPassRateDeltaUnrounded(t *testing.T) {
	// 3/360 − 0/360 = 0.008333…, which rounds to 0.008333; from rounded rates it was 0.008334.
	base, nw := &runAgg{run: store.Run{ID: "b"}, models: []string{"m"}}, &runAgg{run: store.Run{ID: "n"}, models: []string{"m"}}
	for i := 0; i < 120; i++ {
		s := fmt.Sprintf("s%03d", i)
		base.stimuli, nw.stimuli = append(base.stimuli, s), append(nw.stimuli, s)
	}
	base.cells, nw.cells = [][]acc{make([]acc, 120)}, [][]acc{make([]acc, 120)}
	for i := range 120 {
		base.cells[0][i] = acc{tally: tally{n: 3, failed: 3}}
		nw.cells[0][i] = acc{tally: tally{n: 3, failed: 3}}
	}
	nw.cells[0][0] = acc{tally: tally{n: 3, passed: 3}}
	idx := map[string]int{}
	for i, s := range base.stimuli {
		idx[s] = i
	}
	ps := comparePair(nw, 0, base, 0, idx, NewCompareParams("n", "b"))
	if *ps.MatchedPassRateDelta != 0.008333 {
		t.Errorf("matchedPassRateDelta = %v, want 0.008333", *ps.MatchedPassRateDelta)
	}
}

func TestChangeClassification(t *testing.T) {
	ok := &acc{tally: tally{n: 3, passed: 3}}
	failed := &acc{tally: tally{n: 3, failed: 3}}
	errored := &acc{tally: tally{n: 3, errored: 3}}
	flakyHi := &acc{tally: tally{n: 3, passed: 2, failed: 1}}
	flakyLo := &acc{tally: tally{n: 3, passed: 1, failed: 2}}
	cases := []struct {
		base, nw *acc
		want     string
	}{
		{ok, failed, "regressed"}, {failed, ok, "improved"}, {ok, ok, "unchanged"},
		{nil, ok, "new"}, {ok, nil, "removed"}, {ok, errored, "errored"}, {errored, ok, "improved"},
		{flakyHi, flakyLo, "flaky"}, {ok, flakyLo, "regressed"}, {flakyLo, flakyHi, "flaky"},
		{errored, errored, "unchanged"}, {nil, nil, ""},
		{&acc{tally: tally{n: 1, passed: 1}}, &acc{tally: tally{n: 1, failed: 1}}, "regressed"}, // a single trial
		// Ungraded (passed null), skipped and missing cells are never regressions.
		{ok, &acc{tally: tally{n: 3, pending: 3}}, "unrated"}, {ok, &acc{tally: tally{n: 3, skipped: 3}}, "unrated"},
		{&acc{tally: tally{n: 3, pending: 3}}, failed, "unrated"}, {&acc{tally: tally{n: 3, skipped: 3}}, nil, "unrated"},
		// 2 errors and 1 ungraded: every rated trial errored.
		{ok, &acc{tally: tally{n: 3, errored: 2, pending: 1}}, "errored"},
	}
	for _, c := range cases {
		if got := change(c.base, c.nw, 0.5); got != c.want {
			t.Errorf("change(%+v → %+v) = %q, want %q", c.base, c.nw, got, c.want)
		}
	}
}

func TestCellStatus(t *testing.T) {
	cases := []struct {
		a    *acc
		want string
	}{
		{nil, CellMissing}, {&acc{}, CellMissing},
		{&acc{tally: tally{n: 3, skipped: 3}}, CellSkipped},
		{&acc{tally: tally{n: 3, pending: 3}}, CellUngraded}, {&acc{tally: tally{n: 3, pending: 2, skipped: 1}}, CellUngraded},
		{&acc{tally: tally{n: 3, errored: 2, pending: 1}}, CellError}, {&acc{tally: tally{n: 3, errored: 2, skipped: 1}}, CellError},
		{&acc{tally: tally{n: 3, passed: 2, errored: 1}}, CellOK}, {&acc{tally: tally{n: 3, passed: 1, failed: 2}}, CellFailed},
	}
	for _, c := range cases {
		if got := cellStatus(c.a, 0.5); got != c.want {
			t.Errorf("cellStatus(%+v) = %s, want %s", c.a, got, c.want)
		}
	}
	// The matrix flags the same cells as error.
	if f := cellFlags(&acc{tally: tally{n: 3, errored: 2, pending: 1}}); !slices.Contains(f, "error") {
		t.Errorf("matrix flags of 2 errors + 1 ungraded: %v", f)
	}
}

// TestCompareHandMade: a small store with skipped, ungraded and errored cells. A baseline
// that passed against an ungraded new cell is no regression; skipped cells are neither
// removed nor present in coverage; the buckets partition the matched stimuli.
func TestCompareHandMade(t *testing.T) {
	src := handMade(t)
	c, err := CompareRuns(src, NewCompareParams("new", "old"))
	if err != nil {
		t.Fatal(err)
	}
	ps := c.Summary[0]
	if ps.Regressions != 0 || ps.Removed != 0 || ps.Unrated != 2 || ps.MatchedStimuli != 2 {
		t.Errorf("summary %+v", ps)
	}
	if sum := ps.Regressions + ps.Improvements + ps.Unchanged + ps.Flaky + ps.Errored; sum != ps.MatchedStimuli {
		t.Errorf("buckets add up to %d for %d matched", sum, ps.MatchedStimuli)
	}
	for _, cv := range c.Coverage.Subjects {
		if want := map[bool]int{true: 2, false: 4}[cv.SubjectID == "n:m"]; cv.Total != want || cv.Matched != 2 {
			t.Errorf("coverage %+v counts unrated cells", cv)
		}
	}
	var cells = map[string]string{}
	for _, r := range c.Rows {
		cells[r.Stimulus] = r.Cells["n:m"].Status
	}
	if cells["ungraded"] != CellUngraded || cells["skipped"] != CellSkipped || cells["err"] != CellError {
		t.Errorf("cells %v", cells)
	}
	mc, err := CompareModels(src, "new", "m", "m2")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range mc.Rows {
		if r.Stimulus == "ungraded" && (r.A.Passed != nil || r.Divergent) {
			t.Errorf("model compare counts an ungraded cell as failed: %+v", r)
		}
	}
}

// handMade writes two runs "old" and "new" of models m and m2 over four stimuli: ok in
// both, ok → ungraded, ok → skipped (every trial), ok → error (2 errors, 1 ungraded).
func handMade(t *testing.T) *store.Store {
	t.Helper()
	dir := t.TempDir()
	yes, no := true, false
	type trial struct {
		status string
		passed *bool
	}
	ok3 := []trial{{store.StatusSuccess, &yes}, {store.StatusSuccess, &yes}, {store.StatusSuccess, &yes}}
	fail3 := []trial{{store.StatusSuccess, &no}, {store.StatusSuccess, &no}, {store.StatusSuccess, &no}}
	cells := map[string]map[string][2][]trial{ // stimulus → model → {old, new}
		"fine":     {"m": {ok3, ok3}, "m2": {ok3, ok3}},
		"ungraded": {"m": {ok3, {{store.StatusSuccess, nil}, {store.StatusSuccess, nil}, {store.StatusSuccess, nil}}}, "m2": {fail3, fail3}},
		"skipped":  {"m": {ok3, {{store.StatusSkipped, nil}, {store.StatusSkipped, nil}, {store.StatusSkipped, nil}}}, "m2": {ok3, ok3}},
		"err":      {"m": {ok3, {{store.StatusError, nil}, {store.StatusError, nil}, {store.StatusSuccess, nil}}}, "m2": {ok3, ok3}},
	}
	for side, name := range []string{"old", "new"} {
		w, err := store.NewWriter(dir, store.Run{ID: name[:1], Name: name, CreatedAt: time.Date(2026, 1, 1+side, 0, 0, 0, 0, time.UTC), Source: "test"})
		if err != nil {
			t.Fatal(err)
		}
		for _, stim := range []string{"err", "fine", "skipped", "ungraded"} {
			for _, model := range []string{"m", "m2"} {
				for i, tr := range cells[stim][model][side] {
					if err := w.Add(&store.Outcome{Stimulus: stim, Model: model, Trial: i, Status: tr.status, Passed: tr.passed}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if _, err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	return store.Open(dir)
}

// sameAsEncodingJSON checks that a hand-written JSON encoder gives encoding/json's bytes for
// the same value (v: the value as a type without AppendJSON), and returns them.
func sameAsEncodingJSON(t *testing.T, name string, appendJSON func([]byte) ([]byte, error), v any) []byte {
	t.Helper()
	var want appendBuffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got, err := appendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(got)+"\n" != string(want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: differs at byte %d:\ngot  %.200s\nwant %.200s", name, i, got[max(0, i-50):], want[max(0, i-50):])
	}
	return got
}

// TestCompareAppendJSON: the hand-written JSON of a comparison is byte for byte what
// encoding/json writes, hostile strings and odd numbers included.
func TestCompareAppendJSON(t *testing.T) {
	c, err := CompareRuns(demo, NewCompareParams("candidate", "baseline"))
	if err != nil {
		t.Fatal(err)
	}
	v := func(f float64) *float64 { return &f }
	c.Gate = &Gate{Failed: true, Reasons: []string{"x <b> & \u2028"}}
	c.Rows = append(c.Rows, CompareRow{Stimulus: "evil \"quote\" \\ \n\r\t \x00\x1f \xff <script>&amp; \u2028\u2029 ünï 😀",
		Cells: map[string]CompareCell{"b": {Status: CellOK, MeanToolCalls: v(1e-7), MeanInputTokens: v(1e22), MeanCostUSD: v(-0.000123)},
			"a": {Status: CellMissing}}, Changes: nil}, CompareRow{Stimulus: "nil cells"})
	// Intervals past what the writer keeps (ivText: 64 slots), repeated, and values that
	// share a slot (the same low and high, another stderr or method): each written as it is.
	for i := range 300 {
		iv := &Interval{Low: float64(i%97) / 100, High: 0.99, Stderr: float64(i%5) / 10, Method: []string{"wilson", "clustered"}[i%2]}
		c.Rows = append(c.Rows, CompareRow{Stimulus: fmt.Sprint("iv", i), Cells: map[string]CompareCell{"x": {Status: CellOK, PassRateInterval: iv}}})
	}
	type plain Compare // no AppendJSON
	got := sameAsEncodingJSON(t, "compare", c.AppendJSON, plain(c))
	// Streamed in 64 KB pieces (the demo's compare is larger than one), the same bytes.
	var streamed bytes.Buffer
	if err := c.WriteJSON(&streamed); err != nil {
		t.Fatal(err)
	}
	if streamed.String() != string(got) || len(got) < 64<<10 {
		t.Errorf("WriteJSON differs from AppendJSON (%d vs %d bytes)", streamed.Len(), len(got))
	}
}

// TestMatrixAppendJSON: the hand-written JSON of a matrix is byte for byte what
// encoding/json writes, for stimuli and tag rows, every metric, hostile names, null cells.
func TestMatrixAppendJSON(t *testing.T) {
	type plain Matrix // no AppendJSON
	for _, tc := range []struct {
		metric string
		sc     Scope
	}{
		{"pass_rate", Scope{Runs: []string{"latest"}}},
		{"duration_ms", Scope{Runs: []string{"all"}}},
		{"cost_usd", Scope{Runs: []string{"latest"}, Slicing: Slicing{By: "category"}}},
	} {
		m, err := MatrixOf(demo, tc.sc, tc.metric)
		if err != nil {
			t.Fatal(err)
		}
		if tc.metric == "cost_usd" {
			v := -1.23e-9
			m.Rows = append(m.Rows, "evil \"quote\" \\ \n\x00 \xff <b>&amp; \u2028 ünï 😀")
			m.Cells = append(m.Cells, []*MatrixCell{nil, {Value: &v, Status: CellOK, Flags: []string{"flaky", "error"}}}, nil)
		}
		got := sameAsEncodingJSON(t, tc.metric, m.AppendJSON, plain(m))
		var streamed bytes.Buffer
		if err := m.WriteJSON(&streamed); err != nil {
			t.Fatal(err)
		}
		if streamed.String() != string(got) {
			t.Errorf("%s: WriteJSON differs from AppendJSON", tc.metric)
		}
	}
}

// TestMatrixReadsItsMetric: a matrix reads only its metric's column, and every metric's
// cells equal the value over a scan of every column.
func TestMatrixReadsItsMetric(t *testing.T) {
	r := mustResolve(t, "latest")
	ra, err := aggregateRun(demo, r, perCell)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range Registry {
		mx, err := MatrixOf(demo, Scope{Runs: []string{r.ID}}, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for mi, model := range ra.models {
			ci := slices.Index(mx.Columns, model)
			for si, stim := range ra.stimuli {
				a := ra.cell(mi, si)
				if a == nil {
					continue
				}
				cell := mx.Cells[slices.Index(mx.Rows, stim)][ci]
				want, got := m.value(a), cell.Value
				if (want == nil) != (got == nil) || want != nil && *want != *got {
					t.Fatalf("%s %s × %s: matrix %v, full scan %v", m.ID, stim, model, got, want)
				}
				checked++
			}
		}
		if checked == 0 {
			t.Fatalf("%s: no cells", m.ID)
		}
		// A filter that keeps every outcome goes through the general scan: the same matrix.
		all := Scope{Runs: []string{r.ID}, Slicing: Slicing{Where: []TagFilter{{Key: "difficulty", Values: []string{"easy", "medium", "hard"}}}}}
		wm, err := MatrixOf(demo, all, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := mx.AppendJSON(nil)
		b, _ := wm.AppendJSON(nil)
		if string(a) != string(b) {
			t.Fatalf("%s: the matrix through the general scan differs", m.ID)
		}
	}
}

// TestAppendFloat: appendFloat writes what encoding/json writes, for rounded values (its
// integer path) and any others.
func TestAppendFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vals := []float64{0, 1, -1, 0.5, 1e-6, -1e-6, 9.99999e-7, 1e9, 999999999.999999, 1e21, 123456.000001, 0.1, 0.000123, math.MaxFloat64, math.SmallestNonzeroFloat64, -0.438503}
	for range 200000 {
		x := (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(24)-10))
		vals = append(vals, x, round6(x), math.Round(x))
	}
	for _, v := range vals {
		want, _ := json.Marshal(v)
		if got := appendFloat(nil, v); string(got) != string(want) {
			t.Fatalf("appendFloat(%v) = %s, want %s", v, got, want)
		}
	}
}

// Sliced (--by), the coverage compares subjects within their slice: every demo stimulus
// is rated by every subject of its category, so all 120 are in every subject, as unsliced.
func TestCompareCoverageBySlice(t *testing.T) {
	p := NewCompareParams("latest", "latest~1")
	whole, err := CompareRuns(demo, p)
	if err != nil {
		t.Fatal(err)
	}
	p.By = "category"
	sliced, err := CompareRuns(demo, p)
	if err != nil {
		t.Fatal(err)
	}
	if sliced.Coverage.IntersectionCount != whole.Coverage.IntersectionCount || sliced.Coverage.IntersectionCount == 0 {
		t.Fatalf("in every subject: %d sliced, %d whole", sliced.Coverage.IntersectionCount, whole.Coverage.IntersectionCount)
	}
	for _, s := range sliced.Coverage.Subjects {
		if s.Matched != s.Total || s.Total == 0 {
			t.Errorf("%s: %d of %d matched", s.SubjectID, s.Matched, s.Total)
		}
	}
}
