package tui

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
)

// TestReviewWalk drives review mode through the real program loop: R on a run walks its
// failed and ungraded outcomes; p records a human verdict and moves on, a writes a note,
// ctrl+z takes the last write back; then the runs list renames a run and undoes it.
func TestReviewWalk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	s := store.Open(dir)
	m := New(Options{Source: s, Writer: s, StorePath: "review-store", Refresh: time.Hour, NoTimers: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 36})
	settle(m, m.Init())
	expect := func(step, what string) {
		t.Helper()
		if txt := screenText(m); !bytes.Contains([]byte(txt), []byte(what)) {
			t.Fatalf("%s: no %q on screen:\n%s", step, what, txt)
		}
	}
	press(m, "enter")
	press(m, "R")
	expect("review mode", "review 1/")
	press(m, "p") // pass the first one, which moves to the second
	expect("after p", "review 2/")
	expect("after p", "verdict pass on 8b2d4e7f10-")
	press(m, "a")
	expect("note prompt", "note on 8b2d4e7f10-")
	for _, r := range "flaky environment" {
		press(m, string(r))
	}
	press(m, "enter")
	expect("note saved", "note: flaky environment")
	press(m, "x")
	expect("after x", "review 3/")
	_, c := m.Update(tea.KeyPressMsg{Code: 'z', Mod: tea.ModCtrl})
	settle(m, c)
	expect("undo", "undone: verdict fail")
	// Undo goes back step by step, and the list is never left loading.
	_, c = m.Update(tea.KeyPressMsg{Code: 'z', Mod: tea.ModCtrl})
	settle(m, c)
	expect("second undo", "undone: note")
	_, c = m.Update(tea.KeyPressMsg{Code: 'z', Mod: tea.ModCtrl})
	settle(m, c)
	expect("third undo", "undone: verdict pass")
	if txt := screenText(m); strings.Contains(txt, "loading") {
		t.Fatalf("after undo the list is loading:\n%s", txt)
	}
	press(m, "esc", "esc")
	expect("runs", "nightly-2026-11-19")
	press(m, "r")
	expect("rename prompt", "rename 8b2d4e7f10 to:")
	for range len("candidate") {
		press(m, "backspace")
	}
	for _, r := range "reviewed-candidate" {
		press(m, string(r))
	}
	press(m, "enter")
	expect("renamed", "reviewed-candidate")

	// Review mode through the real program loop (teatest): R opens it, q quits there. (The
	// writes are driven above: the renderer redraws only what changes, so waiting on its
	// output for a status word is a guess; the final model is not.)
	m2 := New(Options{Source: store.Open(dir), Writer: store.Open(dir), StorePath: "review-store", Refresh: time.Hour, NoTimers: true})
	tm := teatest.NewTestModel(t, m2, teatest.WithInitialTermSize(120, 36))
	waitFor := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(60*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	waitFor("reviewed-candidate")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor("ranking")
	tm.Type("R")
	waitFor("p pass · x fail · u clear") // review mode's key line
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(60*time.Second)).(*Model)
	if _, ok := final.top().(*reviewScreen); !ok {
		t.Fatalf("teatest: ended on %T, want the review screen", final.top())
	}

	anns, err := store.Open(dir).Annotations("8b2d4e7f10")
	if err != nil {
		t.Fatal(err)
	}
	// pass, note, fail, then their undos newest first: the fail's (back to no verdict),
	// the note's (back to none), the pass's (back to no verdict). Nothing is left reviewed.
	if len(anns) != 6 || *anns[0].Verdict != "pass" || *anns[1].Note != "flaky environment" || *anns[2].Verdict != "fail" ||
		*anns[3].Verdict != "" || *anns[4].Note != "" || *anns[5].Verdict != "" {
		t.Fatalf("annotations: %+v", anns)
	}
	reviews, _ := store.Open(dir).Reviews("8b2d4e7f10")
	passed, noted := 0, 0
	for _, r := range reviews {
		if r.Verdict == "pass" {
			passed++
		}
		if r.Note != "" && r.Verdict == "" {
			noted++
		}
	}
	if passed != 0 || noted != 0 {
		t.Errorf("effective reviews: %d passed, %d noted: %+v", passed, noted, reviews)
	}
	if r, _ := store.Open(dir).Run("8b2d4e7f10"); r.Name != "reviewed-candidate" {
		t.Errorf("run name %q", r.Name)
	}
}

// TestGroupBy: b groups the ranking by each tag key of the run in turn, then by none.
func TestGroupBy(t *testing.T) {
	m := newTestModel(140, 40)
	settle(m, m.Init())
	press(m, "enter")
	press(m, "b")
	// Grouped, the group is a column of its own, named once per block of rows.
	txt := screenText(m)
	if !strings.Contains(txt, "CATEGORY  ") || !strings.Contains(txt, "ranking by category") || strings.Count(txt, "\nbugfix ") != 1 || strings.Count(txt, "\ndocs ") != 1 {
		t.Fatalf("b once: want a CATEGORY column naming each category once:\n%s", txt)
	}
	press(m, "b")
	if txt := screenText(m); !strings.Contains(txt, "DIFFICULTY") || strings.Count(txt, "\nhard ") != 1 {
		t.Fatalf("b twice:\n%s", txt)
	}
	press(m, "b")
	if txt := screenText(m); strings.Contains(txt, "DIFFICULTY") || strings.Contains(txt, "CATEGORY") {
		t.Fatalf("b three times is back to no grouping:\n%s", txt)
	}
}
