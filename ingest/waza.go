package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/evals-dev/evals/store"
)

type wazaFile struct {
	EvalID    string          `json:"eval_id"`
	Skill     string          `json:"skill"`
	EvalName  string          `json:"eval_name"`
	Timestamp json.RawMessage `json:"timestamp"`
	Config    json.RawMessage `json:"config"`
}

type wazaTask struct {
	TestID      string          `json:"test_id"`
	DisplayName string          `json:"display_name"`
	Group       string          `json:"group"`
	Prompt      json.RawMessage `json:"prompt"`
	Input       json.RawMessage `json:"input"`
	Runs        []wazaRun       `json:"runs"`
}

type wazaRun struct {
	RunNumber   int             `json:"run_number"`
	Status      string          `json:"status"`
	DurationMs  flexNum         `json:"duration_ms"`
	Error       json.RawMessage `json:"error"`
	FinalOutput json.RawMessage `json:"final_output"`
	Validations map[string]struct {
		Identifier string          `json:"identifier"`
		Type       string          `json:"type"`
		Score      flexNum         `json:"score"`
		Weight     flexNum         `json:"weight"`
		Passed     *bool           `json:"passed"`
		Feedback   json.RawMessage `json:"feedback"`
	} `json:"validations"`
	Digest struct {
		TotalTurns int             `json:"total_turns"`
		ToolCalls  int             `json:"tool_call_count"`
		TokensIn   *int64          `json:"tokens_in"`
		TokensOut  *int64          `json:"tokens_out"`
		Total      *int64          `json:"tokens_total"`
		Errors     json.RawMessage `json:"errors"`
	} `json:"session_digest"`
	Transcript []struct {
		Type       string          `json:"type"`
		Content    json.RawMessage `json:"content"`
		ToolCallID string          `json:"tool_call_id"`
		ToolName   string          `json:"tool_name"`
		Arguments  json.RawMessage `json:"arguments"`
		ToolResult json.RawMessage `json:"tool_result"`
		Success    *bool           `json:"success"`
		Error      json.RawMessage `json:"error"`
	} `json:"transcript"`
}

// readWaza maps a waza EvaluationOutcome: tasks × runs as stimuli × trials (a task's group
// as the tag group), validations as
// graders with their feedback, session digests' counts, transcripts as events and tool
// calls. Unknown keys are ignored and missing ones left empty.
func readWaza(path string, max int) ([]built, error) {
	// Two passes, a task at a time: the header (config names the model every outcome
	// needs, and may come after the tasks), then the tasks.
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var f wazaFile
	tasks := 0
	err = walkWaza(fh, max, &f, func(int, json.RawMessage) error { tasks++; return nil })
	if err != nil {
		return nil, notA("waza outcome", err)
	}
	meta, model := wazaMeta(f)
	if tasks == 0 {
		return nil, fmt.Errorf("a waza outcome with no tasks")
	}
	stream := func(emit func(*store.Outcome) error) (store.Run, error) {
		fh, err := os.Open(path)
		if err != nil {
			return store.Run{}, err
		}
		defer fh.Close()
		var f2 wazaFile
		err = walkWaza(fh, max, &f2, func(ti int, raw json.RawMessage) error {
			return wazaTaskOutcomes(ti, raw, model, emit)
		})
		return meta, err
	}
	return []built{{meta: meta, stream: stream}}, nil
}

// wazaMeta is a waza file's run, from its header, and the model its config names.
func wazaMeta(f wazaFile) (store.Run, string) {
	var cfg struct {
		ModelID    string `json:"model_id"`
		Engine     string `json:"engine_type"`
		JudgeModel string `json:"judge_model"`
	}
	_ = json.Unmarshal(f.Config, &cfg)
	model := cfg.ModelID
	if model == "" {
		model = "unknown-model"
	}
	name := f.EvalName
	if name == "" {
		name = f.Skill
	}
	meta := store.Run{Name: name + " · " + model, Config: f.Config, CreatedAt: parseTime(f.Timestamp), Status: store.RunCompleted,
		Labels: map[string]string{}}
	for k, v := range map[string]string{"skill": f.Skill, "eval_id": f.EvalID, "engine": cfg.Engine, "judge_model": cfg.JudgeModel} {
		if v != "" {
			meta.Labels[k] = v
		}
	}
	return meta, model
}

// wazaTaskOutcomes emits the outcomes of task ti, one per run of it.
func wazaTaskOutcomes(ti int, raw json.RawMessage, model string, emit func(*store.Outcome) error) error {
	var t wazaTask
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("tasks[%d]: %s", ti, jsonProblem(err))
	}
	stim := t.TestID
	if stim == "" {
		stim = t.DisplayName
	}
	if stim == "" {
		stim = fmt.Sprintf("task-%03d", ti)
	}
	input := text(t.Prompt)
	if input == "" {
		input = text(t.Input)
	}
	for ri, r := range t.Runs {
		o := wazaOutcome(r, stim, model)
		o.Input = input
		if t.Group != "" {
			o.Tags = map[string]string{"group": t.Group}
		}
		o.Trial = ri
		if r.RunNumber > 0 {
			o.Trial = r.RunNumber - 1
		}
		if err := emit(o); err != nil {
			return err
		}
	}
	return nil
}

// walkWaza reads a waza file's header into f and hands each task, raw, to fn.
func walkWaza(r io.Reader, max int, f *wazaFile, fn func(int, json.RawMessage) error) error {
	w := newJSONWalker(r, max)
	defer w.release()
	return w.object(func(key string) error {
		switch key {
		case "tasks":
			if err := w.array(fn); err != nil {
				return fmt.Errorf("tasks%w", err)
			}
			return nil
		case "eval_id":
			return w.decode(&f.EvalID)
		case "skill":
			return w.decode(&f.Skill)
		case "eval_name":
			return w.decode(&f.EvalName)
		case "timestamp":
			return w.decode(&f.Timestamp)
		case "config":
			return w.decode(&f.Config)
		}
		return w.skip()
	})
}

func wazaOutcome(r wazaRun, stim, model string) *store.Outcome {
	o := &store.Outcome{Stimulus: stim, Model: model, Status: store.StatusSuccess, DurationMs: store.Unknown,
		Turns: r.Digest.TotalTurns, ToolCallCount: r.Digest.ToolCalls, InputTokens: orUnknown(r.Digest.TokensIn), OutputTokens: orUnknown(r.Digest.TokensOut),
		TotalTokens: orUnknown(r.Digest.Total), ReasoningTokens: store.Unknown, CachedTokens: store.Unknown, Output: text(r.FinalOutput)}
	if r.DurationMs.ok && r.DurationMs.v >= 0 && r.DurationMs.v < 1e15 {
		o.DurationMs = int64(r.DurationMs.v)
	}
	if o.TotalTokens <= 0 && (o.InputTokens >= 0 || o.OutputTokens >= 0) {
		if t, ok := store.AddTokens(max(o.InputTokens, 0), max(o.OutputTokens, 0)); ok {
			o.TotalTokens = t
		}
	}
	wazaStatus(o, r)
	wazaGraders(o, r)
	wazaTranscript(o, r)
	return o
}

// wazaStatus sets an outcome's status, verdict and error count from its waza run.
func wazaStatus(o *store.Outcome, r wazaRun) {
	var digestErrs []any
	_ = json.Unmarshal(r.Digest.Errors, &digestErrs)
	o.Errors = len(digestErrs)
	switch strings.ToLower(r.Status) {
	case "error", "errored", "timeout":
		o.Status = store.StatusError
		o.Error = text(r.Error)
		if o.Error == "" {
			o.Error = r.Status
		}
	case "skipped":
		o.Status = store.StatusSkipped
	case "passed", "pass", "success":
		o.Passed = ptrBool(true)
	case "failed", "fail":
		o.Passed = ptrBool(false)
	}
}

// wazaGraders adds a waza run's validations as graders (sorted by id) and their weighted
// mean score.
func wazaGraders(o *store.Outcome, r wazaRun) {
	ids := make([]string, 0, len(r.Validations))
	for k := range r.Validations {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	var sum, wsum float64
	for _, id := range ids {
		v := r.Validations[id]
		name := v.Identifier
		if name == "" {
			name = id
		}
		w := 1.0
		if v.Weight.ok {
			w = v.Weight.v
		}
		g := store.GraderResult{Name: name, Type: v.Type, Passed: v.Passed, Score: clamp01Ptr(v.Score.ptr()), Weight: w, Evidence: text(v.Feedback)}
		if g.Score != nil {
			sum += *g.Score * w
			wsum += w
		}
		o.Graders = append(o.Graders, g)
	}
	if wsum > 0 {
		o.Score = ptrF(sum / wsum)
	}
}

// wazaTranscript adds a waza run's transcript as events and tool calls (a call paired with
// its completion by tool call id).
func wazaTranscript(o *store.Outcome, r wazaRun) {
	open := map[string]int{} // tool call id → index in o.ToolCalls
	for _, e := range r.Transcript {
		switch e.Type {
		case "ToolExecutionStart":
			open[e.ToolCallID] = len(o.ToolCalls)
			o.ToolCalls = append(o.ToolCalls, store.ToolCall{Tool: e.ToolName, Success: true, Arguments: text(e.Arguments), ArgsBytes: int64(len(e.Arguments))})
			o.Events = append(o.Events, store.Event{Type: "tool_call", Role: "assistant", Tool: e.ToolName, ToolCallID: e.ToolCallID, Content: text(e.Arguments)})
		case "ToolExecutionComplete":
			res := text(e.ToolResult)
			if i, ok := open[e.ToolCallID]; ok {
				tc := &o.ToolCalls[i]
				tc.Result, tc.ResultBytes = res, int64(len(res))
				if e.Success != nil {
					tc.Success = *e.Success
				}
				tc.Error = text(e.Error)
			}
			o.Events = append(o.Events, store.Event{Type: "tool_result", Role: "tool", Tool: e.ToolName, ToolCallID: e.ToolCallID, Content: res + text(e.Error)})
		case "Turn", "Message", "AssistantMessage":
			o.Events = append(o.Events, store.Event{Type: "message", Role: "assistant", Content: text(e.Content)})
		case "UserMessage":
			o.Events = append(o.Events, store.Event{Type: "message", Role: "user", Content: text(e.Content)})
		case "Error":
			o.Events = append(o.Events, store.Event{Type: "error", Content: text(e.Content) + text(e.Error)})
		default:
			if e.Type != "" {
				o.Events = append(o.Events, store.Event{Type: strings.ToLower(e.Type), Content: text(e.Content)})
			}
		}
	}
	if o.ToolCallCount < len(o.ToolCalls) {
		o.ToolCallCount = len(o.ToolCalls)
	}
}
