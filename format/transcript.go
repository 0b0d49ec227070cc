package format

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/evals-dev/evals/query"
)

// A transcript is a trajectory as people read it (Inspect's sample view): one column of
// steps in order, each tool call beside its result (paired by tool_call_id, or by order
// when a source records no ids), JSON pretty-printed, errors marked. The explorer, the web
// page and the static report all render this one structure, so the three faces agree.

// Step kinds of a transcript.
const (
	StepSystem    = "system"
	StepUser      = "user"
	StepAssistant = "assistant"
	StepReasoning = "reasoning"
	StepTool      = "tool"
	StepError     = "error"
	StepOther     = "event" // usage, scores and the other event types
)

// Step is one step of a transcript.
type Step struct {
	Kind string
	// Seq is the event's position in the trajectory (a tool step's call).
	Seq int
	// Label names the step: the role, the tool, or the event type.
	Label string
	// Text is the message, the reasoning, or the tool call's arguments (pretty-printed
	// when JSON).
	Text string
	// Result is a tool step's result (pretty-printed when JSON); HasResult says one came.
	Result    string
	HasResult bool
	// Failed marks an error step and a tool call that failed; Error is the tool's error.
	Failed bool
	Error  string
	// DurationMs is a tool call's duration, when recorded.
	DurationMs *int64
	TS         *time.Time
}

// Transcript is an outcome's trajectory as steps.
type Transcript struct {
	Steps []Step
	// Failures counts the failed steps (the targets of the explorer's n/N).
	Failures int
}

// TranscriptOf pairs a trajectory's tool calls with their results, and marks the calls
// that failed from the outcome's tool calls (tools may be empty: the k-th tool call event
// is the k-th tool call of the outcome when their tools agree).
func TranscriptOf(tr query.Trajectory, tools []query.ToolEvent) Transcript {
	var t Transcript
	open := map[string]int{} // tool_call_id → step
	var unpaired []int       // calls without an id still waiting for a result
	calls := 0
	for _, e := range tr.Events {
		switch e.Type {
		case "tool_call":
			s := Step{Kind: StepTool, Seq: e.Seq, Label: e.Tool, Text: Pretty(e.Content), TS: e.TS}
			if calls < len(tools) && tools[calls].ToolName == e.Tool {
				tc := tools[calls]
				s.DurationMs = tc.DurationMs
				if !tc.Success {
					s.Failed, s.Error = true, deref(tc.Error)
				}
			}
			calls++
			t.Steps = append(t.Steps, s)
			if e.ToolCallID != "" {
				open[e.ToolCallID] = len(t.Steps) - 1
			} else {
				unpaired = append(unpaired, len(t.Steps)-1)
			}
		case "tool_result":
			i, ok := open[e.ToolCallID]
			if ok && e.ToolCallID != "" {
				delete(open, e.ToolCallID)
			} else if e.ToolCallID == "" && len(unpaired) > 0 {
				i, ok, unpaired = unpaired[0], true, unpaired[1:]
			}
			if !ok {
				t.Steps = append(t.Steps, Step{Kind: StepTool, Seq: e.Seq, Label: e.Tool, Result: Pretty(e.Content), HasResult: true, TS: e.TS})
				continue
			}
			s := &t.Steps[i]
			s.Result, s.HasResult = Pretty(strings.TrimSuffix(e.Content, s.Error)), true
			if s.Error != "" && s.Result == "" {
				s.HasResult = false
			}
		default:
			t.Steps = append(t.Steps, stepOf(e))
		}
	}
	for _, s := range t.Steps {
		if s.Failed {
			t.Failures++
		}
	}
	return t
}

func stepOf(e query.TrajectoryEvent) Step {
	s := Step{Seq: e.Seq, Label: e.Type, Text: e.Content, TS: e.TS}
	switch {
	case e.Type == "error":
		s.Kind, s.Failed = StepError, true
		if s.Text == "" {
			s.Text = e.Data
		}
	case e.Type == "reasoning":
		s.Kind, s.Label = StepReasoning, "reasoning"
	case e.Type == "message" && (e.Role == "system" || e.Role == "user" || e.Role == "assistant"):
		s.Kind, s.Label = e.Role, e.Role
	case e.Type == "message":
		s.Kind, s.Label = StepOther, e.Role
	default:
		s.Kind = StepOther
		if s.Text == "" {
			s.Text = Pretty(e.Data)
		}
	}
	return s
}

// Pretty indents a JSON object or array (two spaces); any other text comes back as it is.
func Pretty(s string) string {
	t := strings.TrimSpace(s)
	if len(t) < 2 || (t[0] != '{' || t[len(t)-1] != '}') && (t[0] != '[' || t[len(t)-1] != ']') {
		return s
	}
	var b bytes.Buffer
	if json.Indent(&b, []byte(t), "", "  ") != nil {
		return s
	}
	return b.String()
}

// Fold cuts a text to its first n lines: the head, and how many lines are left out.
func Fold(s string, n int) (head string, more int) {
	lines := strings.Count(s, "\n") + 1
	if lines <= n {
		return s, 0
	}
	i := 0
	for k := 0; k < n; k++ {
		i += strings.IndexByte(s[i:], '\n') + 1
	}
	return strings.TrimSuffix(s[:i], "\n"), lines - n
}

// RefersToAnswer says whether an expected text is a reference answer that an output can be
// diffed against (an exact-match or includes target), not a rubric: the source says so
// through its graders' types, and a rubric reads as prose (several sentences).
func RefersToAnswer(expected string, graders []query.GraderResult) bool {
	if strings.TrimSpace(expected) == "" {
		return false
	}
	for _, g := range graders {
		switch strings.ToLower(g.Type) {
		case "equals", "exact", "exact_match", "exact-match", "match", "includes", "contains", "icontains", "starts-with", "regex", "reference":
			return true
		}
		n := strings.ToLower(g.Name)
		if strings.Contains(n, "exact") || strings.Contains(n, "match") || strings.Contains(n, "equals") || strings.Contains(n, "includes") {
			return true
		}
	}
	return false
}

// Title is an outcome's title: stimulus · model · trial · verdict.
func Title(o query.OutcomeSummary) string {
	return o.StimulusName + " · " + o.Model + " · trial " + strconv.Itoa(o.TrialIndex) + " · " + o.DisplayStatus
}
