package ingest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/evals-dev/evals/store"
)

// One file per source system: this one maps Runtype: GET /v1/eval/:id/results (resultsByRecord).
// Its mapping table is in docs/import.md.

type runtypeFile struct {
	BatchExecutionID string                   `json:"batchExecutionId"`
	FailedRecords    *int64                   `json:"failedRecords"`
	FlowID           *string                  `json:"flowId"`
	ProcessedRecords *int64                   `json:"processedRecords"`
	TotalRecords     *int64                   `json:"totalRecords"`
	ResultsByRecord  map[string][]runtypeStep `json:"resultsByRecord"`
	StartedAt        json.RawMessage          `json:"startedAt"`
	CompletedAt      json.RawMessage          `json:"completedAt"`
	Status           string                   `json:"status"`
	EvalGroupID      string                   `json:"evalGroupId"`
	EvalName         string                   `json:"evalName"`
	EvalConfig       json.RawMessage          `json:"evalConfig"`
}

type runtypeStep struct {
	CompletionTokens   *int64          `json:"completionTokens"`
	PromptTokens       *int64          `json:"promptTokens"`
	ReasoningTokens    *int64          `json:"reasoningTokens"`
	DurationMs         *float64        `json:"durationMs"`
	ErrorMessage       *string         `json:"errorMessage"`
	ErrorStack         *string         `json:"errorStack"`
	ExecutedAt         json.RawMessage `json:"executedAt"`
	ExecutionSessionID string          `json:"executionSessionId"`
	MessageHistory     []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messageHistory"`
	ModelUsed        string          `json:"modelUsed"`
	Output           json.RawMessage `json:"output"`
	ReasoningContent *string         `json:"reasoningContent"`
	RecordName       string          `json:"recordName"`
	ResolvedPrompt   json.RawMessage `json:"resolvedPrompt"`
	RetryCount       *int64          `json:"retryCount"`
	StepID           string          `json:"stepId"`
	StepName         string          `json:"stepName"`
	StepType         string          `json:"stepType"`
	TotalCost        *float64        `json:"totalCost"`
	// Graded steps (Analyze step results) carry a verdict and a score.
	Passed    *bool    `json:"passed"`
	Score     *float64 `json:"score"`
	Feedback  *string  `json:"feedback"`
	ToolCalls []struct {
		ErrorMessage    *string         `json:"errorMessage"`
		ExecutedAt      json.RawMessage `json:"executedAt"`
		ExecutionTimeMs *float64        `json:"executionTimeMs"`
		Model           string          `json:"model"`
		Status          string          `json:"status"`
		ToolName        string          `json:"toolName"`
		ToolID          string          `json:"toolId"`
		InputParameters json.RawMessage `json:"inputParameters"`
		OutputResult    json.RawMessage `json:"outputResult"`
	} `json:"toolCalls"`
}

// readRuntype maps a Runtype eval batch: each record's step result an outcome (stimulus
// record/step when a record has several steps) of the step's model; messages, reasoning
// and tool calls the trajectory; an errored step an errored outcome, an ungraded one pending.
func readRuntype(path string) ([]built, error) {
	f, err := readJSONFile[runtypeFile](path, "a Runtype eval result")
	if err != nil {
		return nil, err
	}
	meta := runtypeMeta(&f)
	records := make([]string, 0, len(f.ResultsByRecord))
	for r := range f.ResultsByRecord {
		records = append(records, r)
	}
	slices.Sort(records)
	var outs []*store.Outcome
	for _, rec := range records {
		steps := f.ResultsByRecord[rec]
		for si, s := range steps {
			stim := rec
			if len(steps) > 1 {
				stim = rec + "/" + cmpOr(s.StepID, strconv.Itoa(si))
			}
			o := runtypeOutcome(rec, stim, s)
			runtypeEvents(o, s)
			outs = append(outs, o)
		}
	}
	if len(outs) == 0 && f.TotalRecords == nil {
		return nil, fmt.Errorf("a Runtype eval result with no resultsByRecord and no counts")
	}
	if f.TotalRecords != nil && *f.TotalRecords > int64(len(records)) {
		meta.Partial = &store.Partial{DeclaredSamples: *f.TotalRecords, ImportedSamples: int64(len(records))}
	}
	return []built{{meta: meta, outcomes: outs}}, nil
}

// runtypeMeta is a Runtype result's run: name, labels, times, status and its counts.
func runtypeMeta(f *runtypeFile) store.Run {
	meta := store.Run{Name: cmpOr(f.EvalName, "runtype "+f.BatchExecutionID), CreatedAt: parseTime(f.StartedAt), Config: f.EvalConfig, Labels: map[string]string{}}
	for k, v := range map[string]string{"batch_execution_id": f.BatchExecutionID, "eval_group_id": f.EvalGroupID} {
		if v != "" {
			meta.Labels[k] = v
		}
	}
	if f.FlowID != nil && *f.FlowID != "" {
		meta.Labels["flow_id"] = *f.FlowID
	}
	if t := parseTime(f.StartedAt); !t.IsZero() {
		meta.StartedAt = &t
	}
	if t := parseTime(f.CompletedAt); !t.IsZero() {
		meta.CompletedAt = &t
	}
	meta.Status = map[string]string{"completed": store.RunCompleted, "failed": store.RunFailed, "cancelled": store.RunCancelled}[f.Status]
	if meta.Status == "" {
		meta.Status = store.RunRunning
	}
	meta.Metrics = map[string]float64{}
	for k, v := range map[string]*int64{"total_records": f.TotalRecords, "processed_records": f.ProcessedRecords, "failed_records": f.FailedRecords} {
		if v != nil {
			meta.Metrics[k] = float64(*v)
		}
	}
	return meta
}

// runtypeOutcome is one step of record rec as an outcome: tokens, duration, tags, error
// and its analysis as a grader.
func runtypeOutcome(rec, stim string, s runtypeStep) *store.Outcome {
	o := &store.Outcome{Stimulus: stim, Model: cmpOr(s.ModelUsed, defaultModelFor), Status: store.StatusSuccess, Turns: 1,
		Input: text(s.ResolvedPrompt), Output: text(s.Output), CostUSD: s.TotalCost, StartedAt: parseTime(s.ExecutedAt),
		InputTokens: ptrOr(s.PromptTokens, store.Unknown), OutputTokens: ptrOr(s.CompletionTokens, store.Unknown),
		ReasoningTokens: ptrOr(s.ReasoningTokens, store.Unknown), CachedTokens: store.Unknown, TotalTokens: store.Unknown, DurationMs: store.Unknown}
	if s.DurationMs != nil && *s.DurationMs >= 0 && *s.DurationMs < 1e15 {
		o.DurationMs = int64(*s.DurationMs)
	}
	if s.PromptTokens != nil || s.CompletionTokens != nil || s.ReasoningTokens != nil {
		if t, ok := store.AddTokens(max(o.InputTokens, 0), max(o.OutputTokens, 0), max(o.ReasoningTokens, 0)); ok {
			o.TotalTokens = t
		}
	}
	tags := map[string]string{}
	for k, v := range map[string]string{"record": rec, "recordName": s.RecordName, "step": s.StepName, "stepType": s.StepType} {
		if v != "" {
			tags[k] = v
		}
	}
	if s.RetryCount != nil {
		tags["retries"] = strconv.FormatInt(*s.RetryCount, 10)
	}
	o.Tags = tags
	if s.ErrorMessage != nil && *s.ErrorMessage != "" {
		o.Status, o.Error, o.Errors = store.StatusError, *s.ErrorMessage, 1
		if s.ErrorStack != nil && *s.ErrorStack != "" {
			o.Error += "\n" + *s.ErrorStack
		}
	}
	if s.Passed != nil || s.Score != nil {
		g := store.GraderResult{Name: "runtype", Type: "analysis", Weight: 1, Passed: s.Passed, Score: clamp01Ptr(s.Score)}
		if s.Feedback != nil {
			g.Evidence = *s.Feedback
		}
		o.Graders = append(o.Graders, g)
		if o.Status == store.StatusSuccess {
			o.Passed, o.Score = s.Passed, g.Score
		}
	}
	return o
}

// runtypeEvents adds a step's trajectory: its messages, reasoning, tool calls with their
// results, and its output.
func runtypeEvents(o *store.Outcome, s runtypeStep) {
	for _, m := range s.MessageHistory {
		o.Events = append(o.Events, store.Event{Seq: len(o.Events), Type: "message", Role: m.Role, Content: text(m.Content)})
	}
	if s.ReasoningContent != nil && *s.ReasoningContent != "" {
		o.Events = append(o.Events, store.Event{Seq: len(o.Events), Type: "reasoning", Role: "assistant", Content: *s.ReasoningContent})
	}
	for i, tc := range s.ToolCalls {
		call := store.ToolCall{Seq: i, Tool: cmpOr(tc.ToolName, tc.ToolID), Success: tc.Status == "" || tc.Status == "success",
			Arguments: text(tc.InputParameters), Result: text(tc.OutputResult)}
		call.ArgsBytes, call.ResultBytes = int64(len(call.Arguments)), int64(len(call.Result))
		if tc.ExecutionTimeMs != nil && *tc.ExecutionTimeMs >= 0 {
			d := int64(*tc.ExecutionTimeMs)
			call.DurationMs = &d
		}
		if tc.ErrorMessage != nil && *tc.ErrorMessage != "" {
			call.Error, call.Success = *tc.ErrorMessage, false
		}
		o.ToolCalls = append(o.ToolCalls, call)
		o.Events = append(o.Events, store.Event{Seq: len(o.Events), Type: "tool_call", Role: "assistant", Tool: call.Tool, Content: call.Arguments, TS: parseTime(tc.ExecutedAt)})
		o.Events = append(o.Events, store.Event{Seq: len(o.Events), Type: "tool_result", Role: "tool", Tool: call.Tool, Content: call.Result})
	}
	if o.Output != "" {
		o.Events = append(o.Events, store.Event{Seq: len(o.Events), Type: "message", Role: "assistant", Content: o.Output})
	}
}
