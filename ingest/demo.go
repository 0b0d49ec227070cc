package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// The demo store: three runs of the same suite, six models, 120 stimuli, three trials.
// The candidate run equals the baseline cell for cell except for the planted changes
// below, so `evals compare candidate baseline` must report exactly those.
var (
	DemoModels = []string{"claude-sonnet-4.5", "gpt-5", "gemini-2.5-pro", "qwen3-coder", "llama-4-maverick", "mistral-large-3"}
	demoSkill  = []float64{1.6, 1.45, 1.2, 0.75, 0.35, 0.1}
	demoTools  = []string{"bash", "read", "edit", "search", "write", "web_fetch"}
	demoAreas  = []string{"bugfix", "refactor", "shell", "sql", "docs", "tests"}
	demoVerbs  = []string{"fix", "add", "rename", "split", "port", "speed-up", "document", "test", "harden", "migrate"}
	demoThings = []string{"pagination", "auth-middleware", "csv-export", "retry-loop", "date-parsing", "config-loader",
		"cache-eviction", "log-rotation", "rate-limiter", "json-schema", "cli-flags", "db-migration"}
	demoGraders = []struct{ name, typ string }{
		{"tests-pass", "code"}, {"lint-clean", "code"}, {"rubric-quality", "llm"}, {"no-forbidden-edits", "code"},
	}
)

// DemoRun describes one run of the demo store.
type DemoRun struct {
	ID, Name string
	Created  time.Time
	// Flips: stimulus → model → pass rate forced for every trial (1 pass, 0 fail, or in between).
	Flips map[string]map[string]float64
	Speed float64
}

// DemoPlanted lists the candidate's planted changes against the baseline: per model, the
// stimuli that regress (ok → failed) and improve (failed → ok).
type DemoPlanted struct {
	Regressions, Improvements map[string][]string
}

// DemoStimuli returns the demo suite's 120 stimulus names.
func DemoStimuli() []string {
	var out []string
	for i := 0; i < 120; i++ {
		area := demoAreas[i%len(demoAreas)]
		out = append(out, fmt.Sprintf("%s/%s-%s", area, demoVerbs[(i/6)%len(demoVerbs)], demoThings[(i*7+i/10)%len(demoThings)]))
	}
	return out
}

// Planted is the demo's set of planted regressions and improvements of candidate vs
// baseline. Each is chosen among cells that are decided in the baseline (not flaky, not
// errored) and in the right state, so compare must report exactly these.
func Planted() DemoPlanted {
	want := []struct {
		model   string
		regress bool
		n       int
		from    int
		area    string // only stimuli of this category, when set
	}{
		// gpt-5 drops on 4 of 120 stimuli (all three trials each): noise at the stimulus
		// level, so the gate must not fire. qwen3-coder drops on every sql stimulus it
		// passed: a real regression, confined to one category, which the gate must catch
		// (compare --by category finds where).
		{"gpt-5", true, 4, 3, ""}, {"qwen3-coder", true, 20, 5, "sql"},
		{"gpt-5", false, 1, 100, ""}, {"gemini-2.5-pro", false, 3, 7, ""}, {"llama-4-maverick", false, 1, 11, ""},
	}
	p := DemoPlanted{Regressions: map[string][]string{}, Improvements: map[string][]string{}}
	st := DemoStimuli()
	for _, w := range want {
		mi := slices.Index(DemoModels, w.model)
		for k := 0; k < len(st) && n(p, w.model, w.regress) < w.n; k++ {
			si := (w.from + 13*k) % len(st)
			c := demoCellOf(si, st[si], mi, w.model)
			if c.flaky || c.errored || c.pass != w.regress || isPlanted(p, st[si], w.model) || w.area != "" && !strings.HasPrefix(st[si], w.area+"/") {
				continue
			}
			if w.regress {
				p.Regressions[w.model] = append(p.Regressions[w.model], st[si])
			} else {
				p.Improvements[w.model] = append(p.Improvements[w.model], st[si])
			}
		}
	}
	return p
}

func n(p DemoPlanted, model string, regress bool) int {
	if regress {
		return len(p.Regressions[model])
	}
	return len(p.Improvements[model])
}

func isPlanted(p DemoPlanted, stim, model string) bool {
	return slices.Contains(p.Regressions[model], stim) || slices.Contains(p.Improvements[model], stim)
}

// demoCell is what a cell (stimulus × model) is in every run unless a run flips it.
type demoCell struct {
	pass, flaky, errored bool
}

func demoCellOf(si int, stim string, mi int, model string) demoCell {
	difficulty := float64(si%10)/4 - 0.4 + float64(si%3)*0.15
	p := 1 / (1 + math.Exp(-3*(demoSkill[mi]-difficulty)))
	cell := rand.New(rand.NewPCG(seed(stim, model), 11))
	c := demoCell{pass: cell.Float64() < p}
	c.flaky = cell.Float64() < 0.06
	c.errored = !c.flaky && !c.pass && cell.Float64() < 0.12
	return c
}

func demoRuns() []DemoRun {
	p := Planted()
	flips := map[string]map[string]float64{}
	set := func(stim, model string, v float64) {
		if flips[stim] == nil {
			flips[stim] = map[string]float64{}
		}
		flips[stim][model] = v
	}
	for m, ss := range p.Regressions {
		for _, s := range ss {
			set(s, m, 0)
		}
	}
	for m, ss := range p.Improvements {
		for _, s := range ss {
			set(s, m, 1)
		}
	}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 30, 0, 0, time.UTC) }
	return []DemoRun{
		{ID: "1c9e0a3b44", Name: "nightly-2026-11-19", Created: day(19), Speed: 1.1,
			Flips: map[string]map[string]float64{DemoStimuli()[3]: {"gpt-5": 0}, DemoStimuli()[64]: {"claude-sonnet-4.5": 0}}},
		{ID: "5f3a9c1e02", Name: "baseline", Created: day(20), Speed: 1},
		{ID: "8b2d4e7f10", Name: "candidate", Created: day(21), Speed: 0.9, Flips: flips},
	}
}

// Demo writes the demo store into root, one run at a time. It is deterministic: the same
// bytes of data every time (run ids and times included).
func Demo(ctx context.Context, root string, progress func(done, total int)) ([]store.Run, error) {
	var runs []store.Run
	dr := demoRuns()
	for i, r := range dr {
		if ctx.Err() != nil {
			return runs, errs.E(errs.Interrupted, "writing the demo store: interrupted")
		}
		run, err := writeDemoRun(root, r)
		if err != nil {
			return runs, err
		}
		runs = append(runs, run)
		if progress != nil {
			progress(i+1, len(dr))
		}
	}
	return runs, nil
}

func writeDemoRun(root string, r DemoRun) (store.Run, error) {
	cfg, _ := json.Marshal(map[string]any{"suite": "agent-coding-v3", "trials": 3, "temperature": 0.2, "maxTurns": 30, "timeoutSec": 300})
	meta := store.Run{ID: r.ID, Name: r.Name, Source: "demo", CreatedAt: r.Created, Config: cfg,
		Labels: map[string]string{"branch": "main", "git_sha": r.ID[:7], "ci_job": "evals-" + r.Name}, Session: "demo"}
	w, err := store.NewWriter(root, meta)
	if err != nil {
		return store.Run{}, err
	}
	for si, stim := range DemoStimuli() {
		for mi, model := range DemoModels {
			for trial := 0; trial < 3; trial++ {
				if err := w.Add(demoOutcome(r, si, stim, mi, model, trial)); err != nil {
					w.Abort()
					return store.Run{}, err
				}
			}
		}
	}
	c, err := w.Commit()
	if err != nil {
		return store.Run{}, err
	}
	return c.Run, nil
}

func seed(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func demoOutcome(r DemoRun, si int, stim string, mi int, model string, trial int) *store.Outcome {
	// The verdict depends on stimulus, model and trial only, so runs agree cell by cell.
	rng := rand.New(rand.NewPCG(seed(stim, model, fmt.Sprint(trial)), 7))
	// Most cells are decided: the same verdict on every trial. A few are flaky.
	c := demoCellOf(si, stim, mi, model)
	flaky := c.flaky
	pass := c.pass
	if flaky {
		pass = rng.Float64() < 0.5
	}
	if v, ok := r.Flips[stim][model]; ok {
		pass = float64(trial)/3 < v
	}
	// Variation of this run: durations and tokens (never verdicts outside the flips).
	vr := rand.New(rand.NewPCG(seed(r.ID, stim, model, fmt.Sprint(trial)), 3))
	status := store.StatusSuccess
	_, flipped := r.Flips[stim][model]
	errored := c.errored && !flipped
	if errored {
		status = store.StatusError
	}
	o := &store.Outcome{
		Stimulus: stim, Model: model, Trial: trial, Status: status, Tags: demoTags(si, stim),
		DurationMs: int64((8000 + 40000*vr.Float64() + 9000*float64(mi)) * r.Speed),
		Turns:      3 + vr.IntN(12),
		StartedAt:  r.Created.Add(time.Duration(si*len(DemoModels)*3+mi*3+trial) * 7 * time.Second),
		Input:      demoInput(stim),
		Expected:   "All tests in " + strings.SplitN(stim, "/", 2)[0] + "_test pass; no unrelated files change.",
	}
	o.InputTokens = int64(2000 + vr.IntN(20000))
	o.OutputTokens = int64(300 + vr.IntN(4000))
	if mi < 3 {
		o.ReasoningTokens = int64(vr.IntN(6000))
	}
	o.CachedTokens = o.InputTokens / 3
	o.TotalTokens = o.InputTokens + o.OutputTokens + o.ReasoningTokens
	cost := float64(o.InputTokens)*(3-0.4*float64(mi))/1e6 + float64(o.OutputTokens+o.ReasoningTokens)*(15-2*float64(mi))/1e6
	cost = math.Round(cost*1e6) / 1e6
	o.CostUSD = &cost
	demoTrajectory(o, vr, pass)
	if errored {
		o.Error = demoError(vr.IntN(3), stim, model, trial)
		o.Errors = 1
		o.Output = ""
		return o
	}
	o.Passed = &pass
	score := 0.0
	for gi, g := range demoGraders {
		gp := pass || (gi > 0 && vr.Float64() < 0.6)
		if !pass && gi == 0 {
			gp = false
		}
		s := 0.0
		if gp {
			s = 1
		}
		if g.typ == "llm" {
			s = math.Round((0.55+0.45*vr.Float64())*100) / 100
			if !gp {
				s = math.Round(0.45*vr.Float64()*100) / 100
			}
		}
		score += s / float64(len(demoGraders))
		ev := demoEvidence(g.name, gp, stim, vr)
		if gi == 0 && !gp {
			ev = DemoFailure(demoModeOf(r, stim, model), stim, model, trial)
		}
		o.Graders = append(o.Graders, store.GraderResult{Name: g.name, Type: g.typ, Passed: &gp, Score: &s, Weight: 1, Evidence: ev})
	}
	score = math.Round(score*1000) / 1000
	o.Score = &score
	return o
}

// The demo's planted failure modes: every failed outcome fails its first grader
// (tests-pass) in one of these ways, chosen per cell, each with varied surface text (names,
// numbers, paths, quoted strings, and a second wording); an errored outcome errs in one of
// the two error modes. The candidate's planted sql regressions fail in a mode of their own
// that no other run has (a new mode against the baseline).
const (
	DemoModeOffByOne  = "off-by-one"
	DemoModeImport    = "import-error"
	DemoModeNone      = "returns-none"
	DemoModeSQLColumn = "sql-no-column"
	DemoModeTimeout   = "timeout"
	DemoModeRateLimit = "rate-limit"
)

// demoModeOf is the planted mode a failing cell fails in.
func demoModeOf(r DemoRun, stim, model string) string {
	if v, ok := r.Flips[stim][model]; ok && v == 0 && strings.HasPrefix(stim, "sql/") && r.Name == "candidate" {
		return DemoModeSQLColumn
	}
	switch k := rand.New(rand.NewPCG(seed(stim, model, "mode"), 5)).IntN(10); {
	case k < 5:
		return DemoModeOffByOne
	case k < 8:
		return DemoModeImport
	}
	return DemoModeNone
}

// DemoFailure is the tests-pass evidence of a failure in a planted mode.
func DemoFailure(mode, stim, model string, trial int) string {
	rng := rand.New(rand.NewPCG(seed(stim, model, fmt.Sprint(trial), "evidence"), 9))
	area, task, _ := strings.Cut(stim, "/")
	fn := strings.ReplaceAll(task, "-", "_")
	second := rng.IntN(3) == 0
	switch mode {
	case DemoModeOffByOne:
		n, want, line := 1+rng.IntN(4), 5+rng.IntN(40), 20+rng.IntN(300)
		if second {
			return fmt.Sprintf("%d tests failed: test_%s_bounds: expected %d items but got %d; see line %d of %s_test.py", n, fn, want, want-1, line, fn)
		}
		ev := fmt.Sprintf("%d tests failed: test_%s_edge_cases: expected %d items, got %d; see line %d of %s_test.py", n, fn, want, want-1, line, fn)
		if n > 1 {
			ev += fmt.Sprintf("\n(and %d more like it)", n-1)
		}
		return ev
	case DemoModeImport:
		if second {
			return fmt.Sprintf("ImportError: cannot import name '%s_v%d' from '%s' (unknown location)", fn, 2+rng.IntN(3), area)
		}
		return fmt.Sprintf("ImportError: cannot import name '%s' from 'src.%s' (src/%s/%s.py)", fn, area, area, fn)
	case DemoModeNone:
		if second {
			return fmt.Sprintf("AssertionError: assert None == {} in test_%s_missing (tests/test_%s.py:%d)", fn, fn, 10+rng.IntN(200))
		}
		return fmt.Sprintf("AssertionError: assert None == [] in test_%s_empty (tests/test_%s.py:%d)", fn, fn, 10+rng.IntN(200))
	default: // DemoModeSQLColumn
		col := []string{"orders.created_at", "users.updated_at", "invoices.paid_at"}[rng.IntN(3)]
		if second {
			return fmt.Sprintf("sqlite3.OperationalError: no such column: %s in query", col)
		}
		return fmt.Sprintf("sqlite3.OperationalError: no such column: %s", col)
	}
}

// demoError is an errored outcome's error: kind 0 and 2 time out (two wordings), 1 is
// rate limited.
func demoError(kind int, stim, model string, trial int) string {
	rng := rand.New(rand.NewPCG(seed(stim, model, fmt.Sprint(trial), "error"), 13))
	secs := []int{120, 240, 300, 600}[rng.IntN(4)]
	switch kind {
	case 1:
		if rng.IntN(2) == 0 {
			return fmt.Sprintf("provider returned %d: rate limited upstream", []int{429, 503}[rng.IntN(2)])
		}
		return "provider returned 429: rate limited"
	case 2:
		return fmt.Sprintf("timeout after %ds waiting for the model (request req_%06x)", secs, rng.IntN(1<<24))
	}
	return fmt.Sprintf("timeout after %ds waiting for the model", secs)
}

// DemoModeOfText names the planted mode a demo failure's text was written in ("" when it
// is not one): how the tests score the failure modes found against the planted ones.
func DemoModeOfText(text string) string {
	switch {
	case strings.Contains(text, "tests failed: test_"):
		return DemoModeOffByOne
	case strings.HasPrefix(text, "ImportError: cannot import name"):
		return DemoModeImport
	case strings.HasPrefix(text, "AssertionError: assert None"):
		return DemoModeNone
	case strings.HasPrefix(text, "sqlite3.OperationalError: no such column"):
		return DemoModeSQLColumn
	case strings.HasPrefix(text, "timeout after"):
		return DemoModeTimeout
	case strings.HasPrefix(text, "provider returned"):
		return DemoModeRateLimit
	}
	return ""
}

func demoInput(stim string) string {
	area, task, _ := strings.Cut(stim, "/")
	return fmt.Sprintf("Repository: acme/%s-service. Task: %s. Make the change, keep the public API stable, and make the test suite pass. Explain what you changed in one paragraph.", area, strings.ReplaceAll(task, "-", " "))
}

func demoEvidence(grader string, passed bool, stim string, rng *rand.Rand) string {
	_, task, _ := strings.Cut(stim, "/")
	fn := strings.ReplaceAll(task, "-", "_")
	switch {
	case grader == "tests-pass" && passed:
		n := 12 + rng.IntN(20)
		return fmt.Sprintf("%d of %d tests passed", n, n)
	case grader == "tests-pass":
		n := 1 + rng.IntN(4)
		return fmt.Sprintf("%d tests failed: test_%s_edge_cases: expected %d items, got %d; see line %d of %s_test.py", n, fn, 10, 9, 40+rng.IntN(200), fn)
	case grader == "lint-clean" && passed:
		return "no lint findings"
	case grader == "lint-clean":
		return fmt.Sprintf("ruff: %d findings, first: F841 local variable 'result' is assigned to but never used (src/%s.py:%d)", 1+rng.IntN(5), fn, 10+rng.IntN(90))
	case grader == "rubric-quality" && passed:
		return "The change is focused and the explanation names the root cause."
	case grader == "rubric-quality":
		return "The explanation does not match the diff: it claims to handle the empty case, but the code path for an empty list is unchanged."
	case passed:
		return "only files under src/ and tests/ changed"
	default:
		return fmt.Sprintf("edited a forbidden file: .github/workflows/ci.yml (%d lines)", 1+rng.IntN(30))
	}
}

func demoTrajectory(o *store.Outcome, rng *rand.Rand, pass bool) {
	t := o.StartedAt
	next := func(ms int) time.Time { t = t.Add(time.Duration(ms) * time.Millisecond); return t }
	o.Events = append(o.Events, store.Event{Type: "message", Role: "user", Content: o.Input, TS: next(0)})
	o.Events = append(o.Events, store.Event{Type: "reasoning", Role: "assistant", TS: next(800),
		Content: "Let me look at the repository layout and find where " + o.Stimulus + " is handled before changing anything."})
	calls := 2 + rng.IntN(7)
	for i := 0; i < calls; i++ {
		tool := demoTools[rng.IntN(len(demoTools))]
		if i == 0 {
			tool = "search"
		}
		args, result, errText := demoToolIO(tool, o.Stimulus, rng)
		dur := int64(20 + rng.IntN(4000))
		id := fmt.Sprintf("call_%02d", i)
		o.ToolCalls = append(o.ToolCalls, store.ToolCall{Tool: tool, Success: errText == "", ArgsBytes: int64(len(args)),
			ResultBytes: int64(len(result)), DurationMs: &dur, Error: errText, Arguments: args, Result: result})
		o.Events = append(o.Events, store.Event{Type: "tool_call", Role: "assistant", Tool: tool, ToolCallID: id, Content: args, TS: next(300)})
		o.Events = append(o.Events, store.Event{Type: "tool_result", Role: "tool", Tool: tool, ToolCallID: id, Content: result + errText, TS: next(int(dur))})
		if errText != "" {
			o.Errors++
		}
	}
	final := "I changed the handler so the last page is included and added a test for the empty case."
	if !pass {
		final = "I updated the loop bounds; the remaining failure looks unrelated to this change."
	}
	o.Output = final
	o.Events = append(o.Events, store.Event{Type: "message", Role: "assistant", Content: final, TS: next(1200)})
	o.Events = append(o.Events, store.Event{Type: "usage", TS: next(0),
		Data: fmt.Sprintf(`{"inputTokens":%d,"outputTokens":%d,"reasoningTokens":%d}`, o.InputTokens, o.OutputTokens, o.ReasoningTokens)})
}

func demoToolIO(tool, stim string, rng *rand.Rand) (args, result, errText string) {
	_, task, _ := strings.Cut(stim, "/")
	fn := strings.ReplaceAll(task, "-", "_")
	fail := rng.Float64() < 0.08
	switch tool {
	case "bash":
		args = `{"command":"pytest -q tests/test_` + fn + `.py"}`
		result = "collected 14 items\n\n....F.........\n"
		if fail {
			errText = "exit status 127: rg: command not found"
		}
	case "read":
		args = `{"path":"src/` + fn + `.py"}`
		result = "def " + fn + "(items, page, size):\n    start = page * size\n    return items[start:start + size]\n"
		if fail {
			errText = "no such file: src/" + fn + "_legacy.py"
		}
	case "edit":
		args = `{"path":"src/` + fn + `.py","old":"start + size","new":"min(start + size, len(items))"}`
		result = "applied 1 edit"
		if fail {
			errText = "old string not found in file"
		}
	case "search":
		args = `{"query":"` + fn + `"}`
		result = "src/" + fn + ".py:12\ntests/test_" + fn + ".py:3"
	case "write":
		args = `{"path":"tests/test_` + fn + `_empty.py","bytes":412}`
		result = "wrote 412 bytes"
	default:
		args = `{"url":"https://docs.python.org/3/library/itertools.html"}`
		result = "<html>… 48 KB …</html>"
		if fail {
			errText = "network disabled in sandbox"
		}
	}
	if errText != "" {
		result = ""
	}
	return args, result, errText
}

// demoTags are a demo stimulus's tags: its category (the area of its name) and its
// difficulty (the bucket of the difficulty its cells are drawn with).
func demoTags(si int, stim string) map[string]string {
	difficulty := float64(si%10)/4 - 0.4 + float64(si%3)*0.15
	d := "hard"
	switch {
	case difficulty < 0.5:
		d = "easy"
	case difficulty < 1.3:
		d = "medium"
	}
	return map[string]string{"category": strings.SplitN(stim, "/", 2)[0], "difficulty": d}
}
