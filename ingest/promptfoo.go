package ingest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/evals-dev/evals/store"
)

type pfFile struct {
	EvalID    string          `json:"evalId"`
	Results   json.RawMessage `json:"results"`
	Config    json.RawMessage `json:"config"`
	CreatedAt json.RawMessage `json:"createdAt"`
}

type pfResults struct {
	Version   int             `json:"version"`
	Timestamp json.RawMessage `json:"timestamp"`
	Results   []pfResult      `json:"results"`
}

type pfResult struct {
	Cost          flexNum         `json:"cost"`
	Error         *string         `json:"error"`
	FailureReason int             `json:"failureReason"`
	LatencyMs     flexNum         `json:"latencyMs"`
	Prompt        json.RawMessage `json:"prompt"`
	PromptIdx     int             `json:"promptIdx"`
	Provider      json.RawMessage `json:"provider"`
	Response      *struct {
		Output     json.RawMessage `json:"output"`
		Error      string          `json:"error"`
		TokenUsage struct {
			Total             int64 `json:"total"`
			Prompt            int64 `json:"prompt"`
			Completion        int64 `json:"completion"`
			Cached            int64 `json:"cached"`
			CompletionDetails struct {
				Reasoning int64 `json:"reasoning"`
			} `json:"completionDetails"`
		} `json:"tokenUsage"`
	} `json:"response"`
	Score         flexNum `json:"score"`
	Success       bool    `json:"success"`
	GradingResult *struct {
		Pass             bool    `json:"pass"`
		Score            flexNum `json:"score"`
		Reason           string  `json:"reason"`
		ComponentResults []struct {
			Pass      bool    `json:"pass"`
			Score     flexNum `json:"score"`
			Reason    string  `json:"reason"`
			Assertion *struct {
				Type   string `json:"type"`
				Value  any    `json:"value"`
				Metric string `json:"metric"`
			} `json:"assertion"`
		} `json:"componentResults"`
	} `json:"gradingResult"`
	TestCase struct {
		Description string         `json:"description"`
		Vars        map[string]any `json:"vars"`
	} `json:"testCase"`
	TestIdx int            `json:"testIdx"`
	Vars    map[string]any `json:"vars"`
}

// readPromptfoo maps a `promptfoo eval -o out.json` file (version 3, and version 2):
// each provider a model, each test (× prompt, when there are several) a stimulus, each
// assertion a grader; repeats of the same cell become trials.
func readPromptfoo(path string) ([]built, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f pfFile
	if err := json.Unmarshal(trimBOM(b), &f); err != nil {
		return nil, fmt.Errorf("not a promptfoo output file: %s", jsonProblem(err))
	}
	var rs pfResults
	if len(f.Results) > 0 && f.Results[0] == '[' {
		err = json.Unmarshal(f.Results, &rs.Results) // very old files: results is the list
	} else {
		err = json.Unmarshal(f.Results, &rs)
	}
	if err != nil {
		return nil, fmt.Errorf("results: %s", jsonProblem(err))
	}
	if rs.Results == nil {
		return nil, fmt.Errorf("no results array: not a promptfoo output file")
	}
	var cfg struct {
		Description string `json:"description"`
	}
	_ = json.Unmarshal(f.Config, &cfg)
	meta := store.Run{Name: cfg.Description, Config: f.Config, Labels: map[string]string{}, Status: store.RunCompleted}
	if f.EvalID != "" {
		meta.Labels["evalId"] = f.EvalID
	}
	if meta.Name == "" {
		meta.Name = f.EvalID
	}
	if meta.Name == "" {
		meta.Name = strings.TrimSuffix(filepathBase(path), ".json")
	}
	meta.CreatedAt = parseTime(rs.Timestamp)
	if meta.CreatedAt.IsZero() {
		meta.CreatedAt = parseTime(f.CreatedAt)
	}
	prompts := map[int]bool{}
	for _, r := range rs.Results {
		prompts[r.PromptIdx] = true
	}
	trials := map[string]int{}
	var outs []*store.Outcome
	for _, r := range rs.Results {
		o := pfOutcome(r, len(prompts) > 1)
		key := o.Stimulus + "\x00" + o.Model
		o.Trial = trials[key]
		trials[key]++
		outs = append(outs, o)
	}
	return []built{{meta: meta, outcomes: outs}}, nil
}

func filepathBase(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func pfProvider(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var p struct{ ID, Label string }
	_ = json.Unmarshal(raw, &p)
	if p.Label != "" {
		return p.Label
	}
	if p.ID != "" {
		return p.ID
	}
	return "unknown-provider"
}

func pfOutcome(r pfResult, manyPrompts bool) *store.Outcome {
	stim := r.TestCase.Description
	if stim == "" {
		stim = fmt.Sprintf("test-%03d", r.TestIdx)
	}
	var prompt struct{ Raw, Label string }
	if json.Unmarshal(r.Prompt, &prompt) != nil {
		prompt.Raw = text(r.Prompt)
	}
	if manyPrompts {
		label := prompt.Label
		if label == "" {
			label = fmt.Sprintf("prompt-%d", r.PromptIdx)
		}
		stim += " · " + label
	}
	o := &store.Outcome{Stimulus: stim, Model: pfProvider(r.Provider), Status: store.StatusSuccess,
		DurationMs: int64(r.LatencyMs.v), Turns: 1, Input: prompt.Raw, CostUSD: r.Cost.ptr(), Score: clamp01Ptr(r.Score.ptr())}
	vars := r.Vars
	if vars == nil {
		vars = r.TestCase.Vars
	}
	if len(vars) > 0 {
		b, _ := json.Marshal(vars)
		o.Expected = "vars: " + string(b)
		raw := map[string]json.RawMessage{}
		for k, v := range vars {
			raw[k], _ = json.Marshal(v)
		}
		o.Tags = tagsOf(raw)
	}
	if r.Response != nil {
		o.Output = text(r.Response.Output)
		u := r.Response.TokenUsage
		o.InputTokens, o.OutputTokens, o.CachedTokens, o.ReasoningTokens = u.Prompt, u.Completion, u.Cached, u.CompletionDetails.Reasoning
		o.TotalTokens = u.Total
		if o.TotalTokens == 0 {
			o.TotalTokens = u.Prompt + u.Completion
		}
	}
	// promptfoo's failureReason: 1 an assertion failed, 2 the provider or test errored.
	if r.FailureReason == 2 || r.Response == nil && r.Error != nil {
		o.Status = store.StatusError
		if r.Error != nil {
			o.Error = *r.Error
		}
		o.Errors = 1
		return o
	}
	o.Passed = ptrBool(r.Success)
	if g := r.GradingResult; g != nil {
		seen := map[string]int{}
		for _, c := range g.ComponentResults {
			name, typ := "assertion", ""
			if c.Assertion != nil {
				typ = c.Assertion.Type
				name = typ
				if c.Assertion.Metric != "" {
					name = c.Assertion.Metric
				} else if v, ok := c.Assertion.Value.(string); ok && len(v) <= 24 && v != "" {
					name = typ + ":" + v
				}
			}
			o.Graders = append(o.Graders, store.GraderResult{Name: uniqueName(seen, name), Type: typ, Passed: ptrBool(c.Pass),
				Score: clamp01Ptr(c.Score.ptr()), Weight: 1, Evidence: c.Reason})
		}
		if len(g.ComponentResults) == 0 {
			o.Graders = append(o.Graders, store.GraderResult{Name: "grading", Passed: ptrBool(g.Pass), Score: clamp01Ptr(g.Score.ptr()), Weight: 1, Evidence: g.Reason})
		}
	}
	return o
}

func clamp01Ptr(v *float64) *float64 {
	if v == nil {
		return nil
	}
	return clamp01(*v)
}
