package query

import (
	"slices"
	"testing"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/ingest"
)

// TestComparePlanted: the demo's candidate against its baseline reports exactly the
// planted regressions and improvements, and nothing else changes status.
func TestComparePlanted(t *testing.T) {
	c, err := CompareRuns(demo, CompareParams{Runs: []string{"candidate", "baseline"}})
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
		wantVerdict := "no_change"
		switch {
		case len(reg) > 0:
			wantVerdict = "regressed"
		case len(imp) >= 2:
			wantVerdict = "improved"
		}
		if p.Verdict != wantVerdict {
			t.Errorf("%s: verdict %s (p=%v), want %s", p.Model, p.Verdict, p.McNemar.PValue, wantVerdict)
		}
	}
	// Regressions come first in the rows.
	if c.Rows[0].Changes[0].Kind != "regressed" && !slices.ContainsFunc(c.Rows[0].Changes, func(r RowChange) bool { return r.Kind == "regressed" }) {
		t.Errorf("first row: %+v", c.Rows[0])
	}
}

func TestCompareSelfAndEdges(t *testing.T) {
	c, err := CompareRuns(demo, CompareParams{Runs: []string{"latest", "latest"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Summary {
		if p.Regressions != 0 || p.Improvements != 0 || p.Verdict != "no_change" || p.McNemar.PValue != 1 || *p.PassRateDelta != 0 {
			t.Errorf("self compare: %+v", p)
		}
	}
	// Underpowered with few matched stimuli.
	c, err = CompareRuns(demo, CompareParams{Runs: []string{"latest", "latest~1"}, MinMatched: 500})
	if err != nil || !c.Summary[0].Underpowered || c.Summary[0].Verdict != "underpowered" {
		t.Fatalf("underpowered: %v %+v", err, c.Summary)
	}
	if _, err := CompareRuns(demo, CompareParams{Runs: []string{"latest"}}); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("one run: %v", err)
	}
	if _, err := CompareRuns(demo, CompareParams{Runs: []string{"latest", "latest~1"}, Pairs: map[string]string{"gpt-5": "nope"}}); err != nil {
		t.Fatalf("pair to a missing model drops that pair only: %v", err)
	}
}

func TestChangeClassification(t *testing.T) {
	ok := &acc{n: 3, passed: 3}
	failed := &acc{n: 3, failed: 3}
	errored := &acc{n: 3, errored: 3}
	flakyHi := &acc{n: 3, passed: 2, failed: 1}
	flakyLo := &acc{n: 3, passed: 1, failed: 2}
	cases := []struct {
		base, nw *acc
		want     string
	}{
		{ok, failed, "regressed"}, {failed, ok, "improved"}, {ok, ok, "unchanged"},
		{nil, ok, "new"}, {ok, nil, "removed"}, {ok, errored, "errored"}, {errored, ok, "improved"},
		{flakyHi, flakyLo, "flaky"}, {ok, flakyLo, "regressed"}, {flakyLo, flakyHi, "flaky"},
		{errored, errored, "unchanged"}, {nil, nil, ""},
		{&acc{n: 1, passed: 1}, &acc{n: 1, failed: 1}, "regressed"}, // a single trial
	}
	for _, c := range cases {
		if got := change(c.base, c.nw, 0.5); got != c.want {
			t.Errorf("change(%+v → %+v) = %q, want %q", c.base, c.nw, got, c.want)
		}
	}
}
