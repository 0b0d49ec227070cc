package tui

import (
	"bytes"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestEndToEnd runs the real program loop: open, drill to a trajectory, back, quit.
func TestEndToEnd(t *testing.T) {
	m := New(Options{Source: demo, StorePath: "demo-store", Refresh: time.Hour, NoTimers: true})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	waitFor := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(60*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	waitFor("candidate")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor("ranking")
	tm.Type("5")
	waitFor("STIMULUS")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor("Graders")
	tm.Type("t")
	waitFor("tool search")
	for range 3 {
		tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	}
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(60*time.Second)).(*Model)
	if len(final.stack) != 1 {
		t.Fatalf("ended %d screens deep, want back at the runs list", len(final.stack))
	}
}
