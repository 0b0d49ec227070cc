package format

import (
	"testing"

	"github.com/evals-dev/evals/query"
)

func tr(events ...query.TrajectoryEvent) query.Trajectory {
	for i := range events {
		events[i].Seq = i
	}
	return query.Trajectory{Events: events}
}

func TestTranscriptPairsCallsAndResults(t *testing.T) {
	errText := "exit status 1"
	got := TranscriptOf(tr(
		query.TrajectoryEvent{Type: "message", Role: "system", Content: "be brief"},
		query.TrajectoryEvent{Type: "message", Role: "user", Content: "hi"},
		query.TrajectoryEvent{Type: "reasoning", Content: "think"},
		query.TrajectoryEvent{Type: "tool_call", Tool: "bash", ToolCallID: "a", Content: `{"cmd":"ls"}`},
		query.TrajectoryEvent{Type: "tool_call", Tool: "read", ToolCallID: "b", Content: `{"path":"x"}`},
		query.TrajectoryEvent{Type: "tool_result", Tool: "read", ToolCallID: "b", Content: "contents"},
		query.TrajectoryEvent{Type: "tool_result", Tool: "bash", ToolCallID: "a", Content: "exit status 1"},
		query.TrajectoryEvent{Type: "tool_call", Tool: "grep", Content: "x"},
		query.TrajectoryEvent{Type: "tool_result", Tool: "grep", Content: "found"},
		query.TrajectoryEvent{Type: "error", Content: "boom"},
		query.TrajectoryEvent{Type: "usage", Data: `{"in":1}`},
	), []query.ToolEvent{{ToolName: "bash", Error: &errText}, {ToolName: "read", Success: true}, {ToolName: "grep", Success: true}})
	kinds := ""
	for _, s := range got.Steps {
		kinds += s.Kind + " "
	}
	if kinds != "system user reasoning tool tool tool error event " {
		t.Fatalf("steps: %s", kinds)
	}
	bash, read, grep := got.Steps[3], got.Steps[4], got.Steps[5]
	if bash.Text != "{\n  \"cmd\": \"ls\"\n}" || !bash.Failed || bash.Error != errText || bash.HasResult {
		t.Errorf("bash: %+v", bash)
	}
	if read.Result != "contents" || !read.HasResult || read.Failed {
		t.Errorf("read, paired by id although its result came first: %+v", read)
	}
	if grep.Result != "found" {
		t.Errorf("grep, paired by order without ids: %+v", grep)
	}
	if got.Failures != 2 || got.Steps[7].Text != "{\n  \"in\": 1\n}" {
		t.Errorf("failures %d, usage %q", got.Failures, got.Steps[7].Text)
	}
}

func TestFoldAndPretty(t *testing.T) {
	if h, more := Fold("a\nb\nc\nd", 2); h != "a\nb" || more != 2 {
		t.Errorf("Fold: %q %d", h, more)
	}
	if h, more := Fold("a\nb", 2); h != "a\nb" || more != 0 {
		t.Errorf("Fold of a short text: %q %d", h, more)
	}
	if Pretty("not {json") != "not {json" || Pretty("[1,2]") != "[\n  1,\n  2\n]" || Pretty("{bad}") != "{bad}" {
		t.Error("Pretty")
	}
}

func TestRefersToAnswer(t *testing.T) {
	if RefersToAnswer("Paris", []query.GraderResult{{Name: "llm-rubric", Type: "llm-rubric"}}) {
		t.Error("a rubric is not a reference answer")
	}
	if !RefersToAnswer("Paris", []query.GraderResult{{Name: "answer", Type: "includes"}}) || !RefersToAnswer("B", []query.GraderResult{{Name: "exact_match", Type: "metric"}}) {
		t.Error("an includes or exact-match target is")
	}
	if RefersToAnswer("", []query.GraderResult{{Type: "equals"}}) {
		t.Error("nothing to diff against")
	}
}

func TestDiffTranscriptsMarksTheDivergence(t *testing.T) {
	base := TranscriptOf(tr(
		query.TrajectoryEvent{Type: "message", Role: "user", Content: "task"},
		query.TrajectoryEvent{Type: "tool_call", Tool: "read", ToolCallID: "1", Content: "a.py"},
		query.TrajectoryEvent{Type: "tool_result", ToolCallID: "1", Content: "code"},
		query.TrajectoryEvent{Type: "tool_call", Tool: "edit", ToolCallID: "2", Content: "fix"},
		query.TrajectoryEvent{Type: "message", Role: "assistant", Content: "done"},
	), nil)
	nw := TranscriptOf(tr(
		query.TrajectoryEvent{Type: "message", Role: "user", Content: "task"},
		query.TrajectoryEvent{Type: "tool_call", Tool: "read", ToolCallID: "1", Content: "a.py"},
		query.TrajectoryEvent{Type: "tool_result", ToolCallID: "1", Content: "code"},
		query.TrajectoryEvent{Type: "tool_call", Tool: "bash", ToolCallID: "2", Content: "rm -rf"},
		query.TrajectoryEvent{Type: "tool_call", Tool: "bash", ToolCallID: "3", Content: "ls"},
		query.TrajectoryEvent{Type: "message", Role: "assistant", Content: "done"},
	), nil)
	d := DiffTranscripts(base, nw)
	var aligns []string
	for _, r := range d.Rows {
		aligns = append(aligns, r.Align)
	}
	want := []string{AlignSame, AlignSame, AlignChanged, AlignNew, AlignSame}
	if len(aligns) != len(want) {
		t.Fatalf("rows %v, want %v", aligns, want)
	}
	for i := range want {
		if aligns[i] != want[i] {
			t.Fatalf("rows %v, want %v", aligns, want)
		}
	}
	if d.Diverges != 2 || !d.Rows[2].Divergence || d.Rows[3].Divergence {
		t.Errorf("divergence at %d", d.Diverges)
	}
	if same := DiffTranscripts(base, base); same.Diverges != -1 {
		t.Errorf("a transcript against itself diverges at %d", same.Diverges)
	}
}
