package tui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
)

func openTranscript(m *Model, id string) *trajectoryScreen {
	s := newTrajectoryScreen(m, id)
	_, c := m.Update(pushMsg{s})
	settle(m, c)
	return s
}

// TestTranscriptSearchAndFailures: n/N walk the failed tool calls, / finds a step by its
// text and n/N then walk the matches, esc clears the search before it leaves the screen.
func TestTranscriptSearchAndFailures(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		m := newTestModel(size[0], size[1])
		s := openTranscript(m, "8b2d4e7f10-0001927") // three failed tool calls
		if s.tr.Failures != 3 {
			t.Fatalf("want 3 failed steps, got %d", s.tr.Failures)
		}
		var failed []int
		for i, st := range s.tr.Steps {
			if st.Failed {
				failed = append(failed, i)
			}
		}
		press(m, "n")
		if s.cursor != failed[0] || !strings.Contains(m.status, "1 of 3 failed steps") {
			t.Fatalf("n: cursor %d (want %d), status %q", s.cursor, failed[0], m.status)
		}
		press(m, "n", "n")
		if s.cursor != failed[2] {
			t.Fatalf("n n: cursor %d, want %d", s.cursor, failed[2])
		}
		press(m, "N")
		if s.cursor != failed[1] {
			t.Fatalf("N: cursor %d, want %d", s.cursor, failed[1])
		}
		text := screenText(m)
		checkSize(t, text, size[0], size[1])
		if !strings.Contains(text, "FAILED") || !strings.Contains(text, "→ error") {
			t.Fatalf("the failed step is open with its error:\n%s", text)
		}
		golden(t, "transcript."+itoa(size[0])+"x"+itoa(size[1])+".txt", text)

		press(m, "/", "u", "s", "a", "g", "e", "enter")
		if st := s.tr.Steps[s.cursor]; st.Label != "usage" {
			t.Fatalf("/usage: at step %+v", st)
		}
		if !strings.Contains(m.status, `holding "usage"`) {
			t.Fatalf("the search shows in the status line: %q", m.status)
		}
		press(m, "esc")
		if m.top() != screen(s) || s.query != "" {
			t.Fatalf("esc clears the search first: top %T, query %q", m.top(), s.query)
		}
		press(m, "esc")
		if m.top() == screen(s) {
			t.Fatal("a second esc leaves the transcript")
		}
	}
}

// TestFailuresTab: the run's failure modes are a tab; enter opens a mode's outcomes.
func TestFailuresTab(t *testing.T) {
	m := newTestModel(120, 30)
	settle(m, m.Init())
	press(m, "enter", "6")
	text := screenText(m)
	for _, planted := range []string{"tests failed", "ImportError", "AssertionError", "no such column", "timeout after", "rate limited"} {
		if !strings.Contains(text, planted) {
			t.Errorf("the failures tab lacks the planted mode %q:\n%s", planted, text)
		}
	}
	if !strings.Contains(text, "new") || !strings.Contains(text, "qwen3-coder regressed") {
		t.Errorf("the headline and the new mode:\n%s", text)
	}
	golden(t, "failures.120x30.txt", text)
	press(m, "G", "enter") // the smallest mode: the candidate's new sql failures
	text = screenText(m)
	if !strings.Contains(text, "mode=fm-23214997") || !strings.Contains(text, "sqlite3.OperationalError: no") || !strings.Contains(text, "1/33") {
		t.Errorf("enter on a mode lists its outcomes:\n%s", text)
	}
}

// TestTranscriptDiff: a regression's two trials side by side, the cursor on the first
// divergence.
func TestTranscriptDiff(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		m := newTestModel(size[0], size[1])
		s := newDiffScreen(m, "5f3a9c1e02-0000774", "8b2d4e7f10-0000774")
		_, c := m.Update(pushMsg{s})
		settle(m, c)
		if s.diff == nil || s.diff.Diverges < 0 || s.cursor != s.diff.Diverges {
			t.Fatalf("the cursor starts on the divergence: %+v", s.diff)
		}
		text := screenText(m)
		checkSize(t, text, size[0], size[1])
		if !strings.Contains(text, "▶ first divergence") || !strings.Contains(text, "tests-pass") {
			t.Errorf("diff screen:\n%s", text)
		}
		golden(t, "diff."+itoa(size[0])+"x"+itoa(size[1])+".txt", text)
		press(m, "enter")
		if !s.open[s.cursor] {
			t.Error("enter opens the row")
		}
		press(m, "]")
		if _, ok := m.top().(*trajectoryScreen); !ok {
			t.Errorf("] opens the new trial's transcript, at %T", m.top())
		}
	}
}

// TestMatrixReasonsAndStimulus: the matrix line says why the focused cell failed; enter
// on a stimulus's name opens every model's trials of it.
func TestMatrixReasonsAndStimulus(t *testing.T) {
	m := newTestModel(120, 30)
	settle(m, m.Init())
	press(m, "enter", "4", "l")
	if text := screenText(m); !strings.Contains(text, "error: timeout after 120s waiting for the model") {
		t.Fatalf("the focused cell's reason:\n%s", text)
	}
	press(m, "h", "enter")
	s, ok := m.top().(*stimulusScreen)
	if !ok {
		t.Fatalf("enter on a stimulus opens its view, at %T", m.top())
	}
	text := screenText(m)
	if len(s.v.Models) != 6 || !strings.Contains(text, "claude-sonnet-4.5") || !strings.Contains(text, "trial 0 error") {
		t.Fatalf("stimulus view:\n%s", text)
	}
	press(m, "f")
	for _, tr := range s.trials() {
		if tr.DisplayStatus == "passed" {
			t.Fatal("f hides the passed trials")
		}
	}
	golden(t, "stimulus.120x30.txt", screenText(m))
}

// TestEscStack: esc clears a filter first, then pops a drill-down back to the tab it came
// from, then leaves the run (as lazygit, k9s and gh-dash do).
func TestEscStack(t *testing.T) {
	m := newTestModel(120, 30)
	settle(m, m.Init())
	press(m, "enter", "4", "l", "enter") // matrix cell → its outcomes
	rs := m.top().(*runScreen)
	if runTabs[rs.tab] != "outcomes" {
		t.Fatalf("drilled to %s", runTabs[rs.tab])
	}
	press(m, "/", "t", "r", "i", "a", "l", "enter")
	press(m, "esc")
	if m.top() != screen(rs) || rs.grids[4].filter != "" || runTabs[rs.tab] != "outcomes" {
		t.Fatalf("esc clears the filter first: tab %s, filter %q", runTabs[rs.tab], rs.grids[4].filter)
	}
	press(m, "esc")
	if m.top() != screen(rs) || runTabs[rs.tab] != "matrix" {
		t.Fatalf("esc pops the drill back to the matrix: tab %s", runTabs[rs.tab])
	}
	press(m, "esc")
	if _, ok := m.top().(*runsScreen); !ok {
		t.Fatalf("then esc leaves the run, at %T", m.top())
	}
}

// A partial run (its file summarises more samples than it holds) is marked in the runs list.
func TestPartialRunMarked(t *testing.T) {
	root := filepath.Join(t.TempDir(), "store")
	matches, _ := filepath.Glob(filepath.Join("..", "testdata", "harness", "runtype", "*.json"))
	if len(matches) == 0 {
		t.Fatal("no runtype fixture")
	}
	if _, err := ingest.ImportFile(context.Background(), root, matches[0], "", ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	m := New(Options{Source: store.Open(root), StorePath: "s", Refresh: time.Hour, NoTimers: true})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 20})
	settle(m, m.Init())
	if text := screenText(m); !strings.Contains(text, "(partial ") {
		t.Fatalf("the partial run is not marked:\n%s", text)
	}
}
