// Package gen makes synthetic, realistic-looking eval results for benchmarks: models,
// stimuli, trials, ~1 KB of text per outcome, three graders and several tool calls each.
package gen

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/evals-dev/evals/store"
)

var words = strings.Fields(`the a to of and in is that for it with as on be this are by file test function return value error
list page item user request response config server client cache retry timeout parse json field string number
index loop bound check fix add remove update change handle case empty null missing invalid expected got line
module package import export build run step tool call result output input model agent task plan edit read write
search bash shell command exit status code path directory query table column row schema migration database`)

// Text returns about n bytes of words.
func Text(r *rand.Rand, n int) string {
	var b strings.Builder
	b.Grow(n + 16)
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
		b.WriteByte(' ')
	}
	return b.String()
}

var tools = []string{"bash", "read", "edit", "search", "write", "web_fetch", "list_dir", "run_tests"}

// Shape fixes the dimensions of one run.
type Shape struct {
	Models  int
	Trials  int
	Stimuli int
	// Templated makes failing evidence read like real grader output (a dozen kinds of
	// failure with varying names, numbers and paths) instead of random words.
	Templated bool
}

// ShapeFor picks 8 models × 3 trials and enough stimuli for about n outcomes.
func ShapeFor(n int) Shape {
	s := Shape{Models: 8, Trials: 3}
	s.Stimuli = max(1, n/(s.Models*s.Trials))
	return s
}

// Outcome makes outcome i of a run.
func Outcome(r *rand.Rand, sh Shape, i int, t0 time.Time) *store.Outcome {
	trial := i % sh.Trials
	model := (i / sh.Trials) % sh.Models
	stim := i / (sh.Trials * sh.Models)
	skill := 0.85 - 0.08*float64(model)
	pass := r.Float64() < skill-0.2*float64(stim%5)/5
	status := store.StatusSuccess
	var passed *bool
	if r.Float64() < 0.02 {
		status = store.StatusError
	} else {
		passed = &pass
	}
	score := r.Float64()
	cost := float64(r.IntN(20000)) / 1e6
	o := &store.Outcome{
		Stimulus: fmt.Sprintf("task-%05d", stim), Model: fmt.Sprintf("model-%d", model), Trial: trial,
		Tags:   map[string]string{"category": categories[stim%len(categories)], "difficulty": []string{"easy", "medium", "hard"}[stim%5%3]},
		Status: status, Passed: passed, Score: &score, DurationMs: int64(1000 + r.IntN(60000)),
		Turns: 1 + r.IntN(20), InputTokens: int64(r.IntN(30000)), OutputTokens: int64(r.IntN(4000)),
		ReasoningTokens: int64(r.IntN(3000)), CachedTokens: int64(r.IntN(10000)), CostUSD: &cost,
		StartedAt: t0.Add(time.Duration(i) * time.Second),
		Input:     Text(r, 400), Output: Text(r, 350), Expected: Text(r, 150),
	}
	o.TotalTokens = o.InputTokens + o.OutputTokens + o.ReasoningTokens
	if status == store.StatusError {
		o.Error = "timeout after 300s"
	}
	for g := range 3 {
		gp := pass || g > 0 && r.Float64() < 0.5
		gs := 0.0
		if gp {
			gs = 1
		}
		ev := "ok"
		if !gp {
			if sh.Templated {
				ev = templatedEvidence(r, stim)
			} else {
				ev = Text(r, 60)
			}
		}
		o.Graders = append(o.Graders, store.GraderResult{Name: []string{"tests", "lint", "rubric"}[g], Type: "code", Passed: &gp, Score: &gs, Weight: 1, Evidence: ev})
	}
	for k := range 2 + r.IntN(4) {
		d := int64(10 + r.IntN(3000))
		ok := r.Float64() > 0.07
		tc := store.ToolCall{Seq: k, Tool: tools[r.IntN(len(tools))], Success: ok, DurationMs: &d, Arguments: Text(r, 20), Result: Text(r, 20)}
		tc.ArgsBytes, tc.ResultBytes = int64(len(tc.Arguments)), int64(len(tc.Result))
		if !ok {
			tc.Error = "exit status 1"
		}
		o.ToolCalls = append(o.ToolCalls, tc)
	}
	o.Events = []store.Event{{Type: "message", Role: "user", Content: "see input"}, {Type: "message", Role: "assistant", Content: "see output"}}
	return o
}

// categories are the bench stimuli's category tags.
var categories = []string{"bugfix", "refactor", "shell", "sql", "docs", "tests", "security", "data"}

var evidenceKinds = []string{
	"%d tests failed: test_case_%d: expected %d items, got %d; see line %d of src/mod_%d.py",
	"ImportError: cannot import name 'helper_%d' from 'pkg.mod_%d' (src/pkg/mod_%d.py)",
	"AssertionError: assert None == [] in test_empty_%d (tests/test_%d.py:%d)",
	"timeout after %ds waiting for test_slow_%d (limit %ds)",
	"ruff: %d findings, first: F%d local variable 'x%d' is assigned to but never used",
	"KeyError: 'field_%d' while reading config_%d.yaml line %d",
	"expected exit code 0, got %d from `make test-%d` after %dms",
	"the answer %d does not match the reference %d (tolerance %d)",
	"sqlite3.OperationalError: no such column: table_%d.col_%d at query %d",
	"TypeError: unsupported operand type(s) for +: 'int' and 'str' in handler_%d (line %d, col %d)",
	"the explanation does not mention the root cause in file_%d.go (score %d of %d)",
	"HTTP %d from http://localhost:%d/api/v%d/items",
}

// templatedEvidence is one failure of one of a dozen kinds, the kind fixed by the
// stimulus, the variable parts random.
func templatedEvidence(r *rand.Rand, stim int) string {
	k := evidenceKinds[(stim*7+r.IntN(3))%len(evidenceKinds)]
	args := make([]any, strings.Count(k, "%d"))
	for i := range args {
		args[i] = r.IntN(1000)
	}
	return fmt.Sprintf(k, args...)
}
