package cmd

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// importFixtures imports testdata/harness into a fresh store and returns it with the runs.
func importFixtures(t *testing.T) (string, map[string]string) {
	t.Helper()
	root := t.TempDir()
	r := run(t, false, "import", "../testdata/harness", "--store", root, "--json")
	if r.code != 0 {
		t.Fatalf("import: exit %d: %s %s", r.code, r.err, r.out)
	}
	var tree struct {
		Results []struct {
			Source string
			Run    struct{ ID, Name, Source string }
		}
		Failed, Unrecognised []string
	}
	if err := json.Unmarshal([]byte(r.out), &tree); err != nil {
		t.Fatal(err)
	}
	if len(tree.Results) != 23 || len(tree.Failed) != 0 || len(tree.Unrecognised) != 0 {
		t.Fatalf("imported %d, failed %v, unrecognised %v", len(tree.Results), tree.Failed, tree.Unrecognised)
	}
	ids := map[string]string{}
	for _, res := range tree.Results {
		key := filepath.Base(res.Source)
		if _, dup := ids[key]; dup || filepath.Base(filepath.Dir(res.Source)) == "vally" {
			key += "#" + res.Run.Name // one source, several runs
		}
		ids[key] = res.Run.ID
	}
	return root, ids
}

// TestHarnessImportsGolden holds each imported fixture (run, ranking, graders, tools and its
// outcomes) to a golden file, with run ids masked: they depend on the file's path.
func TestHarnessImportsGolden(t *testing.T) {
	root, ids := importFixtures(t)
	for file, id := range ids {
		var parts []string
		for _, args := range [][]string{
			{"run", id}, {"ranking", "--run", id}, {"graders", "--run", id}, {"tools", "--run", id},
			{"outcomes", "--run", id, "--limit", "1000"}, {"outcome", id + "-0000000"}, {"outcome", id + "-0000000", "--tools"},
		} {
			if args[0] == "outcome" && strings.Contains(parts[0], `"outcomeCount":0,`) {
				continue // a partial run that holds no outcome
			}
			r := run(t, false, append(args, "--store", root, "--json")...)
			if r.code != 0 {
				t.Fatalf("%s %v: %s", file, args, r.err)
			}
			parts = append(parts, strings.TrimSpace(r.out))
		}
		out := strings.ReplaceAll("["+strings.Join(parts, ",")+"]", id, "RUNID")
		golden(t, "harness/"+file+".json", out)
	}
}

// TestHarnessNumbersAgree checks the imports against each harness's own summary in the file.
func TestHarnessNumbersAgree(t *testing.T) {
	root, ids := importFixtures(t)
	rank := func(id string) []map[string]any {
		r := run(t, false, "ranking", "--run", id, "--store", root, "--json")
		var v struct{ Models []map[string]any }
		json.Unmarshal([]byte(r.out), &v)
		return v.Models
	}
	// lm-eval: exact_match in the results file is the pass rate; gpt-4o ranks above EXAONE.
	for file, want := range map[string]float64{"results_2024-12-23T14-29-31.806745.json": 0.3, "results_2024-12-23T14-45-44.695233.json": 0} {
		if m := rank(ids[file]); len(m) != 1 || m[0]["passRate"].(float64) != want {
			t.Errorf("lm-eval %s: %v, want pass rate %v", file, m, want)
		}
	}
	r := run(t, false, "ranking", "--run", ids["results_2024-12-23T14-29-31.806745.json"]+","+ids["results_2024-12-23T14-45-44.695233.json"], "--store", root, "--jq", ".models[].model")
	if r.out != "gpt-4o\nLGAI-EXAONE/EXAONE-3.0-7.8B-Instruct\n" {
		t.Errorf("lm-eval models ranked: %q", r.out)
	}
	// promptfoo: per-provider success counts from the file's results.
	var pf struct {
		Results struct {
			Results []struct {
				Success  bool
				Provider struct{ ID string }
			}
			Stats struct{ Successes, Failures int }
		}
	}
	b, _ := os.ReadFile("../testdata/harness/promptfoo/sample-export.json")
	json.Unmarshal(b, &pf)
	want := map[string][2]float64{}
	for _, x := range pf.Results.Results {
		c := want[x.Provider.ID]
		if x.Success {
			c[0]++
		} else {
			c[1]++
		}
		want[x.Provider.ID] = c
	}
	for _, m := range rank(ids["sample-export.json"]) {
		w := want[m["model"].(string)]
		if m["passedCount"].(float64) != w[0] || m["failedCount"].(float64) != w[1] {
			t.Errorf("promptfoo %s: %v/%v, want %v", m["model"], m["passedCount"], m["failedCount"], w)
		}
	}
	if pf.Results.Stats.Successes != 0 || pf.Results.Stats.Failures != 4 {
		t.Errorf("fixture stats changed: %+v", pf.Results.Stats)
	}
	// Inspect: the match scorer's accuracy is the pass rate.
	if m := rank(ids["log_read_sample.json"]); m[0]["passRate"].(float64) != 1 {
		t.Errorf("inspect accuracy: %v", m)
	}
	// waza: succeeded/failed tasks of the summary are the ok/failed cells of the matrix.
	for _, f := range []string{"azure-deploy-claude.json", "code-explainer-gpt4o.json"} {
		var wz struct {
			Summary struct{ Succeeded, Failed int }
		}
		b, _ := os.ReadFile("../testdata/harness/waza/" + f)
		json.Unmarshal(b, &wz)
		r := run(t, false, "matrix", "--run", ids[f], "--store", root, "--json")
		var mx struct{ Cells [][]*struct{ Value *float64 } }
		json.Unmarshal([]byte(r.out), &mx)
		ok, failed := 0, 0
		for _, row := range mx.Cells {
			if row[0] != nil && row[0].Value != nil && *row[0].Value >= 0.5 {
				ok++
			} else {
				failed++
			}
		}
		if ok != wz.Summary.Succeeded || failed != wz.Summary.Failed {
			t.Errorf("waza %s: %d ok / %d failed cells, summary %+v\nout %.400s\nerr %s", f, ok, failed, wz.Summary, r.out, r.err)
		}
	}
	// waza groups are slices: per group, the passed runs of the file's tasks.
	var wzg struct {
		Tasks []struct {
			Group string
			Runs  []struct{ Status string }
		}
	}
	b, _ = os.ReadFile("../testdata/harness/waza/azure-deploy-claude.json")
	json.Unmarshal(b, &wzg)
	groups := map[string]string{}
	pass, total := map[string]int{}, map[string]int{}
	for _, tk := range wzg.Tasks {
		for _, r := range tk.Runs {
			total[tk.Group]++
			if r.Status == "passed" {
				pass[tk.Group]++
			}
		}
	}
	for g := range total {
		groups[g] = fmt.Sprintf("%d/%d", pass[g], total[g])
	}
	r = run(t, false, "ranking", "--run", ids["azure-deploy-claude.json"], "--store", root, "--by", "group", "--json",
		"--jq", `[.models[] | {(.slice.value): "\(.passedCount)/\(.outcomeCount)"}] | add | tojson`)
	var got map[string]string
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.out)), &got); err != nil || len(total) < 2 || !maps.Equal(got, groups) {
		t.Errorf("waza by group: %s (%v), want %v; %s", r.out, err, groups, r.err)
	}
}

func TestDirectoryImportGoesOnPastBadFiles(t *testing.T) {
	dir, root := t.TempDir(), t.TempDir()
	b, _ := os.ReadFile("../testdata/harness/promptfoo/sample-export.json")
	os.WriteFile(filepath.Join(dir, "good.json"), b, 0o644)
	os.WriteFile(filepath.Join(dir, "bad.jsonl"), []byte("{\"stimulus\":\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	r := run(t, false, "import", dir, "--store", root)
	if r.code != 4 || !strings.Contains(r.err, "1 of 2 files failed") || !strings.Contains(r.err, "bad.jsonl:1") || !strings.Contains(r.err, "skipped "+filepath.Join(dir, "notes.txt")) {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.out, r.err)
	}
	if !strings.Contains(r.out, "good.json: imported run") {
		t.Fatalf("good file not imported: %s", r.out)
	}
}

// TestLMEvalGroupSlices: an lm-eval run's tasks, subgroups and groups are slices whose pass
// rates are the results file's own acc for each of them.
func TestLMEvalGroupSlices(t *testing.T) {
	root, ids := importFixtures(t)
	const name = "results_2025-03-04T10-11-12.000001.json"
	var res struct {
		Results map[string]map[string]any
	}
	b, _ := os.ReadFile("../testdata/harness/lm-eval/pythia-160m-mmlu/" + name)
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, by := range []string{"task", "subgroup", "group"} {
		r := run(t, false, "ranking", "--run", ids[name], "--store", root, "--by", by, "--json")
		var rk struct {
			Models []struct {
				Slice    struct{ Value string }
				PassRate float64
			}
		}
		if err := json.Unmarshal([]byte(r.out), &rk); err != nil {
			t.Fatalf("ranking --by %s: %v %s", by, err, r.err)
		}
		for _, m := range rk.Models {
			want, ok := res.Results[m.Slice.Value]["acc,none"].(float64)
			if !ok || math.Abs(m.PassRate-want) > 5e-7 { // JSON rates carry 6 decimals
				t.Errorf("--by %s %s: pass rate %v, the file says %v", by, m.Slice.Value, m.PassRate, want)
			}
			seen++
		}
	}
	if seen != 6 { // 3 tasks, 2 subgroups, 1 group
		t.Errorf("%d slices, want 6", seen)
	}
}

// TestPartialImports: a file whose summary covers samples it does not hold imports as a run
// flagged partial, with a warning naming the file and the counts, the file's own metrics
// kept; the runs list, the ranking and the run say so. A file with neither samples nor a
// summary is an error. Inspect and lm-eval follow the same rule.
func TestPartialImports(t *testing.T) {
	dir, root := t.TempDir(), filepath.Join(t.TempDir(), "store")
	var log map[string]any
	b, _ := os.ReadFile("../testdata/harness/inspect/log_read_sample.json")
	json.Unmarshal(b, &log)
	write := func(name string, v any) string {
		p := filepath.Join(dir, name)
		b, _ := json.Marshal(v)
		os.WriteFile(p, b, 0o644)
		return p
	}
	// A trimmed log: 1 sample of the 80 its results cover.
	log["results"] = map[string]any{"total_samples": 80, "completed_samples": 80, "scores": []any{}}
	trimmed := write("trimmed.json", log)
	if r := run(t, false, "import", trimmed, "--store", root, "--name", "trimmed"); r.code != 0 || !strings.Contains(r.err, "trimmed.json holds 1 of the 80 samples") {
		t.Errorf("trimmed: exit %d %s", r.code, r.err)
	}
	delete(log, "samples")
	log["results"] = map[string]any{"total_samples": 1000, "completed_samples": 1000, "scores": []any{
		map[string]any{"name": "match", "metrics": map[string]any{"accuracy": map[string]any{"value": 0.431}}}}}
	summary := write("summary-only.json", log)
	delete(log, "results")
	empty := write("empty.json", log)

	r := run(t, false, "import", summary, "--store", root, "--name", "summary-only")
	if r.code != 0 || !strings.Contains(r.err, "summary-only.json holds 0 of the 1000 samples") {
		t.Fatalf("summary-only: exit %d %s", r.code, r.err)
	}
	if r := run(t, false, "import", empty, "--store", root); r.code != 4 || !strings.Contains(r.err, "neither samples nor results") {
		t.Errorf("empty log: exit %d %s", r.code, r.err)
	}
	r = run(t, false, "run", "summary-only", "--store", root, "--json", "--jq", `[.partial.declaredSamples, .metrics["match/accuracy"]] | @csv`)
	if strings.TrimSpace(r.out) != "1000,0.431" {
		t.Errorf("run: %s %s", r.out, r.err)
	}
	if r := run(t, false, "runs", "--store", root, "--json", "--jq", `.items[] | select(.name == "summary-only") | .partial.importedSamples`); strings.TrimSpace(r.out) != "0" {
		t.Errorf("runs: %s %s", r.out, r.err)
	}
	if r := run(t, false, "ranking", "--run", "summary-only", "--store", root, "--json", "--jq", `.partialRuns | length`); strings.TrimSpace(r.out) != "1" {
		t.Errorf("ranking: %s %s", r.out, r.err)
	}

	// lm-eval: a results file whose samples files are missing.
	lm := filepath.Join(dir, "lm")
	os.MkdirAll(lm, 0o755)
	const res = "results_2024-12-23T14-29-31.806745.json"
	b, _ = os.ReadFile("../testdata/harness/lm-eval/gpt-4o/" + res)
	os.WriteFile(filepath.Join(lm, res), b, 0o644)
	r = run(t, false, "import", filepath.Join(lm, res), "--store", root)
	if r.code != 0 || !strings.Contains(r.err, "holds 0 of the 10 samples") {
		t.Errorf("lm-eval without samples: exit %d %s", r.code, r.err)
	}
	r = run(t, false, "run", "results="+res, "--store", root, "--json", "--jq", `.metrics["winogrande/exact_match,get-answer"]`)
	if strings.TrimSpace(r.out) != "0.3" {
		t.Errorf("lm-eval metrics: %s %s", r.out, r.err)
	}
}

// TestReferenceFigures: each reference system's fixture imports to the figures its own
// file gives, computed independently by testdata/reference/gen.py (expected.json): counts
// by status, pass rate, tokens, cost and duration, run by run.
func TestReferenceFigures(t *testing.T) {
	root, _ := importFixtures(t)
	b, err := os.ReadFile("../testdata/reference/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]struct {
		Outcomes, Passed, Failed, Error, Skipped, Pending int64
		PassRate                                          *float64
		TotalTokens, DurationMs                           *int64
		CostUsd                                           float64
		SourceTotalPassed                                 *int64
		PartialDeclared                                   *int64
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	r := run(t, false, "runs", "--store", root, "--json", "--limit", "1000")
	var runs struct {
		Items []struct {
			ID, Name, Source string
			OutcomeCount     int64
			PassRate         *float64
			Counts           struct{ Passed, Failed, Error, Skipped, Pending int64 }
			TotalTokens      *int64
			DurationMs       *int64
			CostUsd          float64
			Partial          *struct{ DeclaredSamples int64 }
		}
	}
	if err := json.Unmarshal([]byte(r.out), &runs); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, got := range runs.Items {
		w, ok := want[got.Source+":"+got.Name]
		if !ok {
			continue
		}
		seen++
		c := got.Counts
		if got.OutcomeCount != w.Outcomes || c.Passed != w.Passed || c.Failed != w.Failed || c.Error != w.Error || c.Skipped != w.Skipped ||
			c.Pending != w.Pending || !eqPtr(got.TotalTokens, w.TotalTokens) || !eqPtr(got.DurationMs, w.DurationMs) || math.Abs(got.CostUsd-w.CostUsd) > 1e-6 ||
			(w.PassRate == nil) != (got.PassRate == nil) || (w.PassRate != nil && math.Abs(*got.PassRate-*w.PassRate) > 1e-6) {
			t.Errorf("%s %s: got %+v, the file says %+v", got.Source, got.Name, got, w)
		}
		if w.PartialDeclared != nil && (got.Partial == nil || got.Partial.DeclaredSamples != *w.PartialDeclared) {
			t.Errorf("%s: partial %+v, the file's counts cover %d", got.Name, got.Partial, *w.PartialDeclared)
		}
		if w.SourceTotalPassed != nil && *w.SourceTotalPassed != c.Passed {
			t.Errorf("%s: %d passed, EZVals' total_passed is %d", got.Name, c.Passed, *w.SourceTotalPassed)
		}
	}
	if seen != len(want) {
		t.Errorf("checked %d runs of %d", seen, len(want))
	}

	// The Results API: a detail's evidence and text complete its page's summary, and the
	// trajectory is its events.
	r = run(t, false, "outcome", "r-2026-11-01-0000001", "--store", root, "--json")
	if r.code == 0 {
		t.Errorf("an outcome id of the source is not an evals id: %s", r.out)
	}
	r = run(t, false, "outcomes", "--run", "vally_run_id=r-2026-11-01", "--store", root, "--json", "--jq", `[.items[] | select(.trialIndex == 1 and .stimulusName == "sql/join-order" and .model == "gpt-5")][0].id`)
	id := strings.Trim(strings.TrimSpace(r.out), `"`)
	r = run(t, false, "outcome", id, "--store", root, "--json", "--jq", `[.graderResults[0].evidence, .expected, (.events | length)] | @csv`)
	if !strings.Contains(r.out, "2 tests failed") || !strings.Contains(r.out, "3 rows") {
		t.Errorf("vally detail: %s %s", r.out, r.err)
	}
	// Traceway: an LLM judge passes at 0.5, ExactMatch at 1.
	r = run(t, false, "graders", "--run", "traceway_run_id=01JB", "--store", root, "--json", "--jq", `.graders[0].name`)
	if strings.TrimSpace(r.out) != "LlmJudge" {
		t.Errorf("traceway grader: %s %s", r.out, r.err)
	}
	// EZVals: score chips are the run's own metrics; the runtype run is partial (6 of 8 records).
	r = run(t, false, "run", "ezvals_run_id=1764547200", "--store", root, "--json", "--jq", `.metrics["chip/correctness/passed"]`)
	if strings.TrimSpace(r.out) != "10" {
		t.Errorf("ezvals chips: %s %s", r.out, r.err)
	}
	r = run(t, false, "run", "batch_execution_id=b7f3c9d2-4a1e-4f6a-9c3e-2d5a7b8e9f01", "--store", root, "--json", "--jq", `.partial | "\(.importedSamples)/\(.declaredSamples)"`)
	if strings.TrimSpace(r.out) != "6/8" {
		t.Errorf("runtype partial: %s %s", r.out, r.err)
	}
}

func eqPtr(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
