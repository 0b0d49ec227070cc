package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompareGoldenAndGates(t *testing.T) {
	for name, args := range map[string][]string{
		"compare.tty.txt":  {"compare", "latest", "latest~1"},
		"compare.json":     {"compare", "latest", "latest~1", "--json"},
		"compare.md":       {"compare", "latest", "latest~1", "--format", "markdown"},
		"compare.csv":      {"compare", "latest", "latest~1", "--format", "csv"},
		"compare.pipe.txt": {"compare", "latest", "latest~1"},
		"compare3.tty.txt": {"compare", "latest", "latest~1", "latest~2"},
	} {
		r := run(t, strings.HasSuffix(name, "tty.txt"), args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.err)
		}
		golden(t, name, r.out)
	}
	cases := []struct {
		args []string
		code int
		err  string
	}{
		// The planted real regression (qwen3-coder) trips the gate; gpt-5's noise does not.
		{[]string{"compare", "latest", "latest~1", "--fail-on-regression"}, 1, "quality gate failed: qwen3-coder regressed"},
		// --strict implies --fail-on-regression, and fails on any regressed stimulus.
		{[]string{"compare", "latest", "latest~1", "--strict"}, 1, "gpt-5 regressed on 4 stimuli (--strict)"},
		// A run compared with itself is a usage error, whatever the number of runs.
		{[]string{"compare", "latest", "latest", "--fail-on-regression", "--strict"}, 2, "given twice"},
		{[]string{"compare", "latest", "latest~1", "latest"}, 2, "given twice"},
		// Explicit values are honoured or rejected, never replaced by defaults.
		{[]string{"compare", "latest", "latest~1", "--alpha", "0"}, 2, "alpha 0 is outside"},
		{[]string{"compare", "latest", "latest~1", "--min-matched", "0"}, 2, "min matched 0"},
		{[]string{"compare", "latest", "latest~1", "--threshold", "1.5"}, 2, "threshold 1.5"},
		{[]string{"compare", "latest", "latest~1", "--min-pass-rate", "0.9"}, 1, "below --min-pass-rate 90.0%"},
		{[]string{"compare", "latest", "latest~1", "--min-pass-rate", "0.3"}, 0, ""},
		{[]string{"compare", "latest"}, 2, "compare needs a new run and a baseline"},
		{[]string{"compare", "latest", "nope"}, 3, `run "nope" not found`},
		{[]string{"compare", "latest", "latest~1", "--pair", "x"}, 2, "invalid --pair"},
	}
	for _, c := range cases {
		r := run(t, false, c.args...)
		if r.code != c.code || !strings.Contains(r.err, c.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, r.code, r.err, c.code, c.err)
		}
	}
}

func TestCompareNothingInCommon(t *testing.T) {
	dir := t.TempDir()
	for i, stim := range []string{"a", "b"} {
		f := filepath.Join(dir, stim+".jsonl")
		os.WriteFile(f, []byte(`{"type":"run","name":"r`+stim+`","createdAt":"2026-01-0`+string(rune('1'+i))+`T00:00:00Z"}
{"stimulus":"`+stim+`","model":"m","passed":true}
`), 0o644)
		if r := run(t, false, "import", f, "--store", dir); r.code != 0 {
			t.Fatal(r.err)
		}
	}
	r := run(t, false, "compare", "latest", "latest~1", "--store", dir)
	if r.code != 3 || !strings.Contains(r.err, "no stimulus in common") {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	r = run(t, false, "compare", "latest", "latest~1", "--store", dir, "--json")
	if !strings.Contains(r.out, `"code":"incomparable"`) {
		t.Fatalf("json: %s", r.out)
	}
}

// TestCompareGateJSON: with --json a failed gate is inside the one document on stdout,
// and the exit code is 1.
func TestCompareGateJSON(t *testing.T) {
	r := run(t, false, "compare", "latest", "latest~1", "--fail-on-regression", "--json")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	var doc struct {
		Gate *struct {
			Failed  bool     `json:"failed"`
			Reasons []string `json:"reasons"`
		} `json:"gate"`
		Summary []struct {
			Model   string `json:"model"`
			Verdict string `json:"verdict"`
		} `json:"summary"`
	}
	dec := json.NewDecoder(strings.NewReader(r.out))
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document: %s", r.out)
	}
	if doc.Gate == nil || !doc.Gate.Failed || len(doc.Gate.Reasons) != 1 || !strings.Contains(doc.Gate.Reasons[0], "qwen3-coder") {
		t.Fatalf("gate %+v", doc.Gate)
	}
	// --threshold 0 is a value, honoured: every rated cell is ok, so nothing regressed.
	r = run(t, false, "compare", "latest", "latest~1", "--threshold", "0", "--json", "--jq", "[.threshold, ([.summary[].regressions] | add)]")
	if r.code != 0 || strings.Join(strings.Fields(r.out), "") != "[0,0]" {
		t.Fatalf("--threshold 0: exit %d, %s %s", r.code, r.out, r.err)
	}
	r = run(t, false, "compare", "latest", "latest~1", "--json")
	if r.code != 0 || !strings.Contains(r.out, `"gate":null`) {
		t.Fatalf("no gate asked: exit %d, %.200s", r.code, r.out)
	}
}

// TestSlices: the demo's planted regression is confined to category=sql, and compare --by
// category says so, gate included; ranking slices and filters by tags.
func TestSlices(t *testing.T) {
	r := run(t, false, "compare", "latest", "latest~1", "--by", "category", "--fail-on-regression", "--json",
		"--jq", `[.summary[] | select(.verdict == "regressed") | "\(.model) \(.slice.key)=\(.slice.value)"]`)
	if r.code != 1 || strings.TrimSpace(r.out) != `["qwen3-coder category=sql"]` {
		t.Fatalf("compare --by category: exit %d, %s %s", r.code, r.out, r.err)
	}
	if !strings.Contains(r.err, "qwen3-coder [category=sql] regressed") {
		t.Errorf("gate message: %s", r.err)
	}
	// Outside sql nothing regressed: the gate passes with --where.
	r = run(t, false, "compare", "latest", "latest~1", "--where", "category=bugfix,docs,refactor,shell,tests", "--fail-on-regression")
	if r.code != 0 {
		t.Errorf("compare without sql: exit %d %s", r.code, r.err)
	}
	r = run(t, false, "ranking", "--by", "difficulty", "--json", "--jq", `[.models[] | .slice.value] | unique`)
	if strings.Join(strings.Fields(r.out), "") != `["easy","hard","medium"]` {
		t.Errorf("ranking --by difficulty: %s %s", r.out, r.err)
	}
	r = run(t, false, "ranking", "--where", "category=sql", "--json", "--jq", `[.models[] | .outcomeCount] | unique`)
	if strings.Join(strings.Fields(r.out), "") != `[60]` {
		t.Errorf("ranking --where category=sql: %s %s", r.out, r.err)
	}
	r = run(t, false, "tags", "--json", "--jq", `[.tags[] | select(.key == "category") | .outcomes] | add`)
	if strings.TrimSpace(r.out) != "2160" {
		t.Errorf("tags: %s %s", r.out, r.err)
	}
	if r := run(t, false, "tags", "--by", "category"); r.code != 2 {
		t.Errorf("tags --by: exit %d (not grouped: a usage error, not a silent answer)", r.code)
	}
	r = run(t, false, "graders", "--by", "category", "--json", "--jq", `[.graders[] | select(.slice.value == "sql") | .resultCount] | add`)
	if strings.TrimSpace(r.out) != "1392" {
		t.Errorf("graders --by category, sql results: %s %s", r.out, r.err)
	}
	r = run(t, false, "tools", "--by", "category", "--json", "--jq", `[.tools[] | .slice.key] | unique | join(",")`)
	if strings.TrimSpace(r.out) != "category" {
		t.Errorf("tools --by category: %s %s", r.out, r.err)
	}
	// graders and tools filter: sql's outcomes are a sixth of the run's.
	all := run(t, false, "graders", "--json", "--jq", `[.graders[].resultCount] | add`)
	sql := run(t, false, "graders", "--where", "category=sql", "--json", "--jq", `[.graders[].resultCount] | add`)
	if a, b := strings.TrimSpace(all.out), strings.TrimSpace(sql.out); a == b || b == "" || b == "null" {
		t.Errorf("graders --where: %s of %s", b, a)
	}
	toolsAll := run(t, false, "tools", "--json", "--jq", `[.tools[].callCount] | add`)
	toolsSQL := run(t, false, "tools", "--where", "category=sql", "--json", "--jq", `[.tools[].callCount] | add`)
	if a, b := strings.TrimSpace(toolsAll.out), strings.TrimSpace(toolsSQL.out); a == b || b == "" || b == "null" {
		t.Errorf("tools --where: %s of %s", b, a)
	}
}

// TestHarnessTags: Inspect sample metadata, promptfoo vars and lm-eval tasks import as tags.
func TestHarnessTags(t *testing.T) {
	root := t.TempDir()
	if r := run(t, false, "import", "../testdata/harness", "--store", root); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	r := run(t, false, "tags", "--run", "all", "--json", "--jq", `[.tags[].key] | unique | join(",")`, "--store", root)
	for _, key := range []string{"label_confidence", "riddle", "task"} {
		if !strings.Contains(r.out, key) {
			t.Errorf("no %s tag: %s %s", key, r.out, r.err)
		}
	}
	r = run(t, false, "ranking", "--run", "all", "--by", "task", "--json", "--jq", `[.models[] | select(.slice.value == "winogrande") | .outcomeCount] | add`, "--store", root)
	if strings.TrimSpace(r.out) != "20" {
		t.Errorf("lm-eval winogrande outcomes by task: %s %s", r.out, r.err)
	}
}

// TestOutcomesWhere: the outcomes list filters by tags, on the CLI and over HTTP.
func TestOutcomesWhere(t *testing.T) {
	r := run(t, false, "outcomes", "--where", "category=sql", "--where", "difficulty=hard,medium", "--json", "--jq", ".page.total")
	all := run(t, false, "outcomes", "--where", "category=sql", "--json", "--jq", ".page.total")
	if strings.TrimSpace(all.out) != "360" || r.out == "" || strings.TrimSpace(r.out) == "360" || strings.TrimSpace(r.out) == "0" {
		t.Errorf("outcomes --where: %s of %s", strings.TrimSpace(r.out), strings.TrimSpace(all.out))
	}
	if r := run(t, false, "outcomes", "--where", "category"); r.code != 2 {
		t.Errorf("a bad --where: exit %d", r.code)
	}
}

// TestMatrixBy: the matrix takes a tag's values as rows, and filters by tags.
func TestMatrixBy(t *testing.T) {
	r := run(t, false, "matrix", "--by", "category", "--json", "--jq", `[.rowsBy, (.rows | join(",")), (.cells[4][5].value)] | @csv`)
	// qwen3-coder (column 6) on sql (row 5): every outcome failed after the planted regression.
	if strings.TrimSpace(r.out) != `"category","bugfix,docs,refactor,shell,sql,tests",0` {
		t.Errorf("matrix --by category: %s %s", r.out, r.err)
	}
	r = run(t, false, "matrix", "--where", "difficulty=hard", "--json", "--jq", `.rows | length`)
	if n := strings.TrimSpace(r.out); n == "" || n == "0" || n == "120" {
		t.Errorf("matrix --where difficulty=hard: %s rows %s", n, r.err)
	}
}

// --by keeps the unsliced pairs in the gate: the demo's qwen3-coder regression (overall
// adjusted p 0.008) fails it under --by difficulty too, where no slice shows it (exit 0
// before). The two families share α (Bonferroni), and the JSON says so.
func TestSlicedGateKeepsTheOverallPairs(t *testing.T) {
	r := run(t, false, "compare", "latest", "latest~1", "--by", "difficulty", "--fail-on-regression", "--json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.code, r.err)
	}
	var c struct {
		Gate struct {
			Failed   bool     `json:"failed"`
			Reasons  []string `json:"reasons"`
			Families []string `json:"families"`
		} `json:"gate"`
	}
	if err := json.Unmarshal([]byte(r.out), &c); err != nil {
		t.Fatal(err)
	}
	if !c.Gate.Failed || len(c.Gate.Families) != 2 || !strings.HasPrefix(c.Gate.Reasons[0], "qwen3-coder regressed") || !strings.Contains(c.Gate.Families[0], "α = 0.025") {
		t.Fatalf("gate %+v", c.Gate)
	}
}

// TestZeroVarianceDelta: every stimulus went 2/2 → 1/2, so the per-stimulus differences
// have no spread. The interval comes from the trials (Newcombe) and p from inverting it:
// never [−50, −50] with p = 0.
func TestZeroVarianceDelta(t *testing.T) {
	dir := t.TempDir()
	for i, name := range []string{"base", "new"} {
		var b strings.Builder
		fmt.Fprintf(&b, `{"type":"run","name":"%s","createdAt":"2026-01-0%dT00:00:00Z"}`+"\n", name, i+1)
		for s := range 12 {
			fmt.Fprintf(&b, `{"stimulus":"s%02d","model":"m","trial":0,"passed":true}`+"\n", s)
			fmt.Fprintf(&b, `{"stimulus":"s%02d","model":"m","trial":1,"passed":%v}`+"\n", s, name == "base")
		}
		f := filepath.Join(dir, name+".jsonl")
		os.WriteFile(f, []byte(b.String()), 0o644)
		if r := run(t, false, "import", f, "--store", dir); r.code != 0 {
			t.Fatal(r.err)
		}
	}
	got := jq(t, dir, "compare", "new", "base", "--json", "--jq", `.summary[0].delta | [.estimate, .method, (.low < .high), (.high < 0), (.pValue > 0), .stderr > 0] | @csv`)
	if got != `-0.5,"newcombe",true,true,true,true` {
		t.Errorf("delta: %s", got)
	}
	if r := run(t, false, "compare", "new", "base", "--store", dir); !strings.Contains(r.out, "newcombe") {
		t.Errorf("the text does not say the interval is from the trials:\n%s", r.out)
	}
}

// TestCompareRatesAddUp: with uneven trials and stimuli on one side only, compare names its
// rates by what they cover: the runs' own rates equal ranking's, the per-stimulus means
// differ by exactly the delta, and the matched (trial-weighted) rates are apart from both.
func TestCompareRatesAddUp(t *testing.T) {
	dir := t.TempDir()
	sides := map[string]map[string][]bool{
		"base": {"a": {true, true, true, true, true}, "b": {false}, "c": {true, false}, "only-base": {true, true}},
		"new":  {"a": {false}, "b": {false, false, true, true}, "c": {false, false, false}, "only-new": {false}},
	}
	for i, name := range []string{"base", "new"} {
		var b strings.Builder
		fmt.Fprintf(&b, `{"type":"run","name":"%s","createdAt":"2026-01-0%dT00:00:00Z"}`+"\n", name, i+1)
		for s, trials := range sides[name] {
			for k, v := range trials {
				fmt.Fprintf(&b, `{"stimulus":"%s","model":"m","trial":%d,"passed":%v}`+"\n", s, k, v)
			}
		}
		f := filepath.Join(dir, name+".jsonl")
		os.WriteFile(f, []byte(b.String()), 0o644)
		if r := run(t, false, "import", f, "--store", dir); r.code != 0 {
			t.Fatal(r.err)
		}
	}
	var c struct {
		Summary []struct {
			MatchedBase float64 `json:"matchedPassRateBase"`
			MatchedNew  float64 `json:"matchedPassRateNew"`
			MeanBase    float64 `json:"stimulusMeanPassRateBase"`
			MeanNew     float64 `json:"stimulusMeanPassRateNew"`
			RunBase     float64 `json:"runPassRateBase"`
			RunNew      float64 `json:"runPassRateNew"`
			Delta       struct{ Estimate float64 }
		}
	}
	if err := json.Unmarshal([]byte(jq(t, dir, "compare", "new", "base", "--min-matched", "1", "--json")), &c); err != nil {
		t.Fatal(err)
	}
	p := c.Summary[0]
	near := func(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }
	// Matched a, b, c. Base: 5/5, 0/1, 1/2 → trials 6/8, stimulus mean (1 + 0 + 0.5)/3.
	// New: 0/1, 2/4, 0/3 → trials 2/8, mean (0 + 0.5 + 0)/3. Runs: base 8/10, new 2/9.
	if !near(p.MatchedBase, 6.0/8) || !near(p.MatchedNew, 2.0/8) || !near(p.MeanBase, 1.5/3) || !near(p.MeanNew, 0.5/3) ||
		!near(p.RunBase, 8.0/10) || !near(p.RunNew, 2.0/9) {
		t.Errorf("rates: %+v", p)
	}
	if !near(p.MeanNew-p.MeanBase, p.Delta.Estimate) {
		t.Errorf("NEW − BASE = %v, delta %v", p.MeanNew-p.MeanBase, p.Delta.Estimate)
	}
	for run, want := range map[string]float64{"new": p.RunNew, "base": p.RunBase} {
		got := jq(t, dir, "ranking", "--run", run, "--json", "--jq", ".models[0].passRate")
		if got != fmt.Sprintf("%.6f", want) && got != fmt.Sprint(want) {
			t.Errorf("ranking of %s: %s, compare's run rate %v", run, got, want)
		}
	}
	text := run(t, true, "compare", "new", "base", "--min-matched", "1", "--store", dir).out
	if !strings.Contains(text, "per stimulus") || !strings.Contains(text, "50.0%") || !strings.Contains(text, "16.7%") || !strings.Contains(text, "-33.3") {
		t.Errorf("the text's rates do not add up to its delta:\n%s", text)
	}
}
