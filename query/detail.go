package query

import (
	"slices"
	"time"

	"github.com/evals-dev/evals/store"
)

// GraderResult is one grader's full verdict on an outcome.
type GraderResult struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Passed   *bool    `json:"passed"`
	Score    *float64 `json:"score"`
	Weight   float64  `json:"weight"`
	Evidence string   `json:"evidence"`
}

// OutcomeDetail is one outcome in full.
type OutcomeDetail struct {
	OutcomeSummary
	// Review is the human review (verdict, note, labels, who and when), when there is
	// one; GradedPassed is then the graders' verdict, which a human verdict overrides.
	Review        *store.Review  `json:"review"`
	GradedPassed  *bool          `json:"gradedPassed,omitempty"`
	GraderResults []GraderResult `json:"graderResults"`
	Error         *string        `json:"error"`
	Input         string         `json:"input"`
	Output        string         `json:"output"`
	Expected      string         `json:"expected"`
}

// ToolEvent is one tool call of an outcome.
type ToolEvent struct {
	Seq             int     `json:"seq"`
	ToolName        string  `json:"toolName"`
	Success         bool    `json:"success"`
	ArgsSizeBytes   int64   `json:"argsSizeBytes"`
	ResultSizeBytes int64   `json:"resultSizeBytes"`
	DurationMs      *int64  `json:"durationMs"`
	Error           *string `json:"error"`
	Arguments       string  `json:"arguments"`
	Result          string  `json:"result"`
}

// ToolEvents is the answer for an outcome's tool calls.
type ToolEvents struct {
	Items []ToolEvent `json:"items"`
	Total int         `json:"total"`
}

// TrajectoryEvent is one event of a trajectory.
type TrajectoryEvent struct {
	Seq        int        `json:"seq"`
	Type       string     `json:"type"`
	TS         *time.Time `json:"ts"`
	Role       string     `json:"role,omitempty"`
	Content    string     `json:"content,omitempty"`
	Tool       string     `json:"tool,omitempty"`
	ToolCallID string     `json:"toolCallId,omitempty"`
	Data       string     `json:"data,omitempty"`
}

// Trajectory is an outcome's events in order.
type Trajectory struct {
	OutcomeID    string            `json:"outcomeId"`
	RunID        string            `json:"runId"`
	StimulusName string            `json:"stimulusName"`
	Model        string            `json:"model"`
	TrialIndex   int               `json:"trialIndex"`
	Events       []TrajectoryEvent `json:"events"`
}

func summaryOf(o *store.Outcome) OutcomeSummary {
	s := OutcomeSummary{
		ID: o.ID, RunID: o.RunID, StimulusName: o.Stimulus, Model: o.Model, TrialIndex: o.Trial, Status: o.Status,
		DisplayStatus: store.DisplayStatus(o.Status, o.Passed), Passed: o.Passed, Score: o.Score, DurationMs: store.Known(o.DurationMs),
		Turns: store.Known(int64(o.Turns)), ToolCalls: store.Known(int64(o.ToolCallCount)), Errors: o.Errors, InputTokens: store.Known(o.InputTokens), OutputTokens: store.Known(o.OutputTokens),
		ReasoningTokens: store.Known(o.ReasoningTokens), CachedTokens: store.Known(o.CachedTokens), TotalTokens: store.Known(o.TotalTokens), CostUSD: o.CostUSD,
		GraderSummary: []GraderBrief{},
	}
	if o.StartedAt.UnixMilli() > 0 {
		t := o.StartedAt
		s.StartedAt = &t
	}
	for _, g := range o.Graders {
		s.GraderSummary = append(s.GraderSummary, GraderBrief{Name: g.Name, Passed: g.Passed, Score: g.Score})
	}
	return s
}

// OutcomeOf answers one outcome's detail.
func OutcomeOf(src Source, id string) (OutcomeDetail, error) {
	o, err := src.Outcome(id, false)
	if err != nil {
		return OutcomeDetail{}, err
	}
	return detailOf(o), nil
}

func detailOf(o *store.Outcome) OutcomeDetail {
	d := OutcomeDetail{OutcomeSummary: summaryOf(o), GraderResults: []GraderResult{}, Input: o.Input, Output: o.Output, Expected: o.Expected,
		Review: o.Review, GradedPassed: o.GradedPassed}
	d.Reviewed = o.Reviewed
	d.Tags = o.Tags
	if o.Error != "" {
		e := o.Error
		d.Error = &e
	}
	for _, g := range o.Graders {
		d.GraderResults = append(d.GraderResults, GraderResult{Name: g.Name, Type: g.Type, Passed: g.Passed, Score: g.Score, Weight: g.Weight, Evidence: g.Evidence})
	}
	d.Reason = reasonOf(d)
	return d
}

// reasonOf is a failed or errored outcome's one-line reason (nil for the others).
func reasonOf(d OutcomeDetail) *string {
	var r string
	switch d.DisplayStatus {
	case "error":
		r = Reason(SourceError, store.FirstLine(derefString(d.Error)))
	case "failed":
		i := slices.IndexFunc(d.GraderResults, func(g GraderResult) bool { return g.Passed != nil && !*g.Passed })
		switch {
		case i >= 0:
			r = Reason(d.GraderResults[i].Name, store.FirstLine(d.GraderResults[i].Evidence))
		case d.Reviewed:
			r = Reason(SourceReview, "")
		default:
			r = Reason(SourceNone, "")
		}
	default:
		return nil
	}
	return &r
}

func derefString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ToolEventsOf answers an outcome's tool calls.
func ToolEventsOf(src Source, id string) (ToolEvents, error) {
	o, err := src.Outcome(id, false)
	if err != nil {
		return ToolEvents{}, err
	}
	return toolEventsOf(o), nil
}

func toolEventsOf(o *store.Outcome) ToolEvents {
	out := ToolEvents{Items: []ToolEvent{}, Total: len(o.ToolCalls)}
	for _, t := range o.ToolCalls {
		ev := ToolEvent{Seq: t.Seq, ToolName: t.Tool, Success: t.Success, ArgsSizeBytes: t.ArgsBytes, ResultSizeBytes: t.ResultBytes,
			DurationMs: t.DurationMs, Arguments: t.Arguments, Result: t.Result}
		if t.Error != "" {
			e := t.Error
			ev.Error = &e
		}
		out.Items = append(out.Items, ev)
	}
	return out
}

// TrajectoryOf answers an outcome's trajectory.
func TrajectoryOf(src Source, id string) (Trajectory, error) {
	o, err := src.Outcome(id, true)
	if err != nil {
		return Trajectory{}, err
	}
	return trajectoryOf(o), nil
}

func trajectoryOf(o *store.Outcome) Trajectory {
	out := Trajectory{OutcomeID: o.ID, RunID: o.RunID, StimulusName: o.Stimulus, Model: o.Model, TrialIndex: o.Trial, Events: []TrajectoryEvent{}}
	for _, e := range o.Events {
		te := TrajectoryEvent{Seq: e.Seq, Type: e.Type, Role: e.Role, Content: e.Content, Tool: e.Tool, ToolCallID: e.ToolCallID, Data: e.Data}
		if !e.TS.IsZero() {
			t := e.TS
			te.TS = &t
		}
		out.Events = append(out.Events, te)
	}
	return out
}

// OutcomeSteps is an outcome with its trajectory and tool calls: what a transcript is made
// of (format.TranscriptOf), read in one go.
type OutcomeSteps struct {
	Outcome    OutcomeDetail
	Trajectory Trajectory
	Tools      ToolEvents
}

// OutcomeStepsOf reads an outcome once, with its events, for a transcript.
func OutcomeStepsOf(src Source, id string) (OutcomeSteps, error) {
	o, err := src.Outcome(id, true)
	if err != nil {
		return OutcomeSteps{}, err
	}
	return OutcomeSteps{Outcome: detailOf(o), Trajectory: trajectoryOf(o), Tools: toolEventsOf(o)}, nil
}
