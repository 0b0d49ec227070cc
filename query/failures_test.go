package query

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
)

func TestJaccardMerge(t *testing.T) {
	a := shingles(store.Mask("timeout after 300s waiting for the model"))
	b := shingles(store.Mask("timeout after 240s waiting for the model (request req_0f54eb)"))
	c := shingles(store.Mask("provider returned 429: rate limited"))
	if j := jaccard(a, b); j < mergeSimilarity {
		t.Errorf("two wordings of a timeout: similarity %.2f, want ≥ %.2f", j, mergeSimilarity)
	}
	if j := jaccard(a, c); j >= mergeSimilarity {
		t.Errorf("a timeout and a rate limit: similarity %.2f, want < %.2f", j, mergeSimilarity)
	}
}

// TestFailureModesFindThePlanted scores the modes found in each demo run against the modes
// planted in it, from the rows read independently: purity (the outcomes of a found mode
// share one planted mode) and recall (a planted mode's outcomes land in one found mode).
func TestFailureModesFindThePlanted(t *testing.T) {
	for _, ref := range []string{"latest", "latest~1", "latest~2"} {
		run, err := demo.Resolve(ref)
		if err != nil {
			t.Fatal(err)
		}
		planted := plantedModes(t, run.ID)
		f, err := FailuresOf(demo, FailuresParams{Scope: Scope{Runs: []string{run.ID}}, Base: "none"})
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]string{} // outcome id → found mode
		for _, m := range f.Modes {
			members, err := ModeMembers(demo, []store.Run{run}, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(members[run.ID])) != m.Count {
				t.Errorf("%s: mode %s counts %d, opens %d outcomes", ref, m.ID, m.Count, len(members[run.ID]))
			}
			for _, row := range members[run.ID] {
				found[store.OutcomeID(run.ID, row)] = m.ID
			}
		}
		if len(found) != len(planted) {
			t.Fatalf("%s: %d failed or errored outcomes in modes, %d planted", ref, len(found), len(planted))
		}
		purity, recall := scoreModes(found, planted)
		t.Logf("%s: %d modes over %d outcomes (planted %d): purity %.3f, recall %.3f", ref, len(f.Modes), len(found), len(distinct(planted)), purity, recall)
		if purity < 0.95 || recall < 0.9 {
			t.Errorf("%s: purity %.3f (want ≥ 0.95), recall %.3f (want ≥ 0.9)", ref, purity, recall)
		}
	}
}

// plantedModes reads which planted mode each failed or errored outcome of a run was written
// in, from its tests-pass evidence or its error.
func plantedModes(t *testing.T, runID string) map[string]string {
	t.Helper()
	out := map[string]string{}
	failed := map[string]bool{}
	for _, o := range readAll[store.OutcomeRow](t, runID, "outcomes.parquet") {
		switch {
		case o.Status == store.StatusError:
			out[o.OutcomeID] = ingest.DemoModeOfText(o.Error)
		case o.Passed != nil && !*o.Passed:
			failed[o.OutcomeID] = true
		}
	}
	for _, g := range readAll[store.GraderRow](t, runID, "graders.parquet") {
		if failed[g.OutcomeID] && g.Grader == "tests-pass" {
			out[g.OutcomeID] = ingest.DemoModeOfText(g.Evidence)
		}
	}
	for id, m := range out {
		if m == "" {
			t.Fatalf("outcome %s fails in no planted mode", id)
		}
	}
	return out
}

func scoreModes(found, planted map[string]string) (purity, recall float64) {
	tally := func(a, b map[string]string) float64 {
		// For each group of a, the size of its largest part in b, summed over a's groups.
		parts := map[string]map[string]int{}
		for id, ga := range a {
			if parts[ga] == nil {
				parts[ga] = map[string]int{}
			}
			parts[ga][b[id]]++
		}
		best := 0
		for _, p := range parts {
			m := 0
			for _, n := range p {
				m = max(m, n)
			}
			best += m
		}
		return float64(best) / float64(len(a))
	}
	return tally(found, planted), tally(planted, found)
}

func distinct(m map[string]string) []string {
	var out []string
	for _, v := range m {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func TestFailureModesTrendAndIDs(t *testing.T) {
	f, err := FailuresOf(demo, FailuresParams{Scope: Scope{Runs: []string{"candidate"}}, Base: "baseline"})
	if err != nil {
		t.Fatal(err)
	}
	alone, err := FailuresOf(demo, FailuresParams{Scope: Scope{Runs: []string{"candidate"}}, Base: "none"})
	if err != nil {
		t.Fatal(err)
	}
	var ids, aloneIDs []string
	var newModes []FailureMode
	for _, m := range f.Modes {
		ids = append(ids, m.ID)
		if m.Trend != nil && *m.Trend == "new" {
			newModes = append(newModes, m)
		}
	}
	for _, m := range alone.Modes {
		aloneIDs = append(aloneIDs, m.ID)
		if m.Trend != nil || m.BaseCount != nil {
			t.Errorf("without a baseline, mode %s has a trend", m.ID)
		}
	}
	if !slices.Equal(ids, aloneIDs) {
		t.Errorf("a run's mode ids depend on its baseline: %v vs %v", ids, aloneIDs)
	}
	if len(newModes) != 1 || !strings.Contains(newModes[0].Signature, "no such column") || newModes[0].ByModel[0].Model != "qwen3-coder" {
		t.Fatalf("want one new mode, the candidate's planted sql failures (mostly qwen3-coder): %+v", newModes)
	}
	if f.BaseRunID == nil || *f.BaseRunID != "5f3a9c1e02" {
		t.Errorf("base run: %v", f.BaseRunID)
	}
	// The default baseline is the run before.
	def, err := FailuresOf(demo, FailuresParams{Scope: Scope{Runs: []string{"candidate"}}})
	if err != nil {
		t.Fatal(err)
	}
	if def.BaseRunID == nil || *def.BaseRunID != "5f3a9c1e02" {
		t.Errorf("default base run: %v", def.BaseRunID)
	}
	// The baseline's modes that are gone come last with count 0; here, none is gone.
	gone, err := FailuresOf(demo, FailuresParams{Scope: Scope{Runs: []string{"baseline"}}, Base: "candidate"})
	if err != nil {
		t.Fatal(err)
	}
	last := gone.Modes[len(gone.Modes)-1]
	if last.Count != 0 || last.Trend == nil || *last.Trend != "gone" || !strings.Contains(last.Signature, "no such column") {
		t.Errorf("the candidate's sql mode, seen from the baseline, is gone: %+v", last)
	}
	if _, err := FailuresOf(demo, FailuresParams{Scope: Scope{Runs: []string{"candidate"}}, Base: "candidate"}); err == nil {
		t.Error("a baseline that is one of the runs is refused")
	}
}

func TestTrendOf(t *testing.T) {
	for _, c := range []struct {
		n, rated, bn, brated int64
		want                 string
	}{
		{5, 100, 0, 100, "new"}, {0, 100, 5, 100, "gone"}, {30, 100, 10, 100, "grown"}, {10, 100, 30, 100, "shrunk"}, {11, 100, 10, 100, "steady"},
	} {
		if got := trendOf(c.n, c.rated, c.bn, c.brated); got != c.want {
			t.Errorf("trendOf(%d/%d vs %d/%d) = %s, want %s", c.n, c.rated, c.bn, c.brated, got, c.want)
		}
	}
}

func TestHeadline(t *testing.T) {
	h, err := HeadlineOf(demo, "candidate")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Best) == 0 || h.Best[0] != "claude-sonnet-4.5" || h.BaseRunID == nil || *h.BaseRunID != "5f3a9c1e02" {
		t.Fatalf("best %v, base %v", h.Best, h.BaseRunID)
	}
	var regressed []string
	for _, r := range h.Regressed {
		regressed = append(regressed, r.Model)
	}
	if !slices.Equal(regressed, []string{"qwen3-coder"}) {
		t.Errorf("regressed: %v, want the planted qwen3-coder only", regressed)
	}
	if len(h.NewModes) != 1 || !strings.Contains(h.NewModes[0].Signature, "no such column") || len(h.TopModes) != 3 {
		t.Errorf("new modes %+v, top %d", h.NewModes, len(h.TopModes))
	}
	first, err := HeadlineOf(demo, "latest~2")
	if err != nil {
		t.Fatal(err)
	}
	if first.BaseRunID != nil || len(first.Regressed) != 0 || len(first.NewModes) != 0 {
		t.Errorf("the oldest run has no baseline: %+v", first)
	}
}

func TestStimulusView(t *testing.T) {
	v, err := StimulusOf(demo, "candidate", "sql/fix-json-schema")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Models) != 6 || len(v.Models[0].Trials) != 3 || v.Input == "" {
		t.Fatalf("models %d, trials %d", len(v.Models), len(v.Models[0].Trials))
	}
	for _, m := range v.Models {
		for _, tr := range m.Trials {
			if (tr.DisplayStatus == "failed" || tr.DisplayStatus == "error") != (tr.Reason != nil) {
				t.Errorf("%s trial %d: %s with reason %v", m.Model, tr.TrialIndex, tr.DisplayStatus, tr.Reason)
			}
		}
	}
	m, err := MatrixOf(demo, Scope{Runs: []string{"candidate"}}, "pass_rate")
	if err != nil {
		t.Fatal(err)
	}
	all, _ := StimuliWhere(m, "")
	failing, _ := StimuliWhere(m, "failures")
	disagree, _ := StimuliWhere(m, "disagree")
	if len(all) != 120 || len(disagree) == 0 || len(disagree) > len(failing) || len(failing) > len(all) {
		t.Errorf("all %d, failures %d, disagree %d", len(all), len(failing), len(disagree))
	}
	for _, name := range disagree[:3] {
		v, err := StimulusOf(demo, "candidate", name)
		if err != nil || !v.Disagree {
			t.Errorf("%s is listed as a disagreement: %v %v", name, v.Disagree, err)
		}
	}
	if _, err := StimuliWhere(m, "nope"); err == nil {
		t.Error("an unknown filter is refused")
	}
}

// Text words match in the model or the stimulus, each on its own: "gpt-5 sql/" finds
// gpt-5's outcomes of the sql stimuli (a two-term filter over a large run found nothing).
func TestTextWordsMatchEitherName(t *testing.T) {
	items, total, err := OutcomeList(demo, OutcomesParams{Runs: []string{"candidate"}, Text: []string{"gpt-5", "sql/"}}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if total != 60 || len(items) != 60 { // 20 sql stimuli × 3 trials
		t.Fatalf("gpt-5 × sql: %d outcomes (%d listed), want 60", total, len(items))
	}
	for _, o := range items {
		if o.Model != "gpt-5" || !strings.HasPrefix(o.StimulusName, "sql/") {
			t.Fatalf("%s × %s matched", o.Model, o.StimulusName)
		}
	}
}

// A run read in shares gives the same modes as one read whole.
func TestFailuresInShares(t *testing.T) {
	whole, err := FailuresOf(demo, FailuresParams{Scope: Scope{Runs: []string{"candidate"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer func(m int64, k int) { minShare, sharesPerRun = m, k }(minShare, sharesPerRun)
	minShare, sharesPerRun = 100, 3
	shared, err := FailuresOf(demo, FailuresParams{Scope: Scope{Runs: []string{"candidate"}}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(whole)
	b, _ := json.Marshal(shared)
	if string(a) != string(b) {
		t.Fatalf("in shares the modes differ:\n%s\n%s", a, b)
	}
}

// OutcomeStepsOf reads once what OutcomeOf, TrajectoryOf and ToolEventsOf answer apart.
func TestOutcomeStepsAreTheThreeAnswers(t *testing.T) {
	id := "8b2d4e7f10-0001927"
	steps, err := OutcomeStepsOf(demo, id)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := OutcomeOf(demo, id)
	tr, _ := TrajectoryOf(demo, id)
	te, _ := ToolEventsOf(demo, id)
	for _, pair := range [][2]any{{steps.Outcome, o}, {steps.Trajectory, tr}, {steps.Tools, te}} {
		a, _ := json.Marshal(pair[0])
		b, _ := json.Marshal(pair[1])
		if string(a) != string(b) {
			t.Errorf("differs:\n%s\n%s", a, b)
		}
	}
}

// unsigned is a store read as one written before graders carried their failure signature:
// the signature column reads as missing, so failures mask the evidence themselves.
type unsigned struct{ *store.Store }

func (u unsigned) ScanRows(runID string, t store.Table, cols []string, lo, hi int64, fn func(*store.Batch) error) error {
	return u.Store.ScanRows(runID, t, cols, lo, hi, func(b *store.Batch) error {
		if d := b.Dict("signature"); d != nil {
			d.Values, d.Missing = append(d.Values[:0], ""), true
			for i := range d.Index {
				d.Index[i] = 0
			}
		}
		return fn(b)
	})
}

// The signature stored at write and the one masked at read give the same modes, examples
// and all (a store written before the column reads as it did).
func TestFailuresSignedAsUnsigned(t *testing.T) {
	for _, p := range []FailuresParams{{Scope: Scope{Runs: []string{"latest"}}}, {Scope: Scope{Runs: []string{"all"}}, Base: "none", Limit: 500},
		{Scope: Scope{Runs: []string{"latest"}, Slicing: Slicing{By: "category"}}}} {
		signed, err := FailuresOf(demo, p)
		if err != nil {
			t.Fatal(err)
		}
		masked, err := FailuresOf(unsigned{demo}, p)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(signed)
		b, _ := json.Marshal(masked)
		if string(a) != string(b) {
			t.Fatalf("%+v: signed and unsigned differ:\n%s\n%s", p, a, b)
		}
		if len(signed.Modes) < 3 || len(signed.Modes[0].Examples) == 0 {
			t.Fatalf("%+v: too few modes to compare: %s", p, a)
		}
	}
	// The demo's failing graders carry signatures: the test above compares two paths.
	n := 0
	err := demo.Scan(mustResolve(t, "latest").ID, store.Graders, []string{"signature"}, func(b *store.Batch) error {
		d := b.Dict("signature")
		for _, x := range d.Index {
			if !d.Missing && d.Values[x] != "" {
				n++
			}
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("no signed verdict in the demo (%v)", err)
	}
}
