package tui

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/internal/hostile"
	"github.com/evals-dev/evals/store"
)

var sgrSeq = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// TestHostileScreens walks the explorer over runs made of the hostile corpus (escape
// sequences, bidi overrides, the Big List of Naughty Strings in outputs, evidence, errors,
// trajectories, stimulus and model names), colour on, and checks every frame: besides its
// own colour sequences, nothing a terminal would obey.
func TestHostileScreens(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "store")
	for _, name := range []string{"evil-1", "evil-2"} {
		f := filepath.Join(dir, name+".jsonl")
		if err := hostile.WriteRun(f, name+"\x1b]0;PWNED\x07", 120); err != nil {
			t.Fatal(err)
		}
		if _, err := ingest.ImportFile(context.Background(), root, f, "", ingest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	m := New(Options{Source: store.Open(root), StorePath: root, Color: true, Refresh: time.Hour, NoTimers: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	settle(m, m.Init())
	check := func(step string) {
		t.Helper()
		frame := sgrSeq.ReplaceAllString(m.View().Content, "")
		for i, r := range frame {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				t.Fatalf("%s: %s at %d: %q", step, strconv.QuoteRune(r), i, frame[max(0, i-40):min(len(frame), i+40)])
			}
		}
	}
	check("runs")
	press(m, "enter")
	check("ranking")
	for _, tab := range []string{"2", "3", "4", "5"} {
		press(m, tab)
		check("tab " + tab)
	}
	for i := 0; i < 12; i++ { // several outcomes, each with its details and trajectory
		press(m, "enter")
		check("outcome")
		press(m, "t")
		check("trajectory")
		press(m, "e")
		check("trajectory expanded")
		press(m, "esc", "esc", "down", "down", "down")
		check("outcomes")
	}
	press(m, "esc", "esc", "c")
	check("compare")
	press(m, "enter")
	check("pair")
}

// TestDataSGRShownEscaped: colour sequences inside results (a model's output that paints
// the terminal, a model name that blinks) are shown as text, \x1b[…m, on every screen that
// shows them; the only SGR the frame carries is the explorer's own. The hostile corpus test
// above strips every SGR before it looks, so it cannot see this.
func TestDataSGRShownEscaped(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "store")
	f := filepath.Join(dir, "sgr.jsonl")
	const paint = "\x1b[5;41;97m"
	lines := `{"stimulus":"s1","model":"m` + `\u001b[5;41;97mBLINK","passed":false,"output":"before ` + `\u001b[5;41;97m` + `RED after","graders":[{"name":"g","passed":false,"evidence":"` + `\u001b[5;41;97m` + `evidence"}]}
{"stimulus":"s2","model":"m` + `\u001b[5;41;97mBLINK","passed":true,"output":"fine"}
`
	if err := os.WriteFile(f, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.ImportFile(context.Background(), root, f, "", ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	m := New(Options{Source: store.Open(root), StorePath: root, Color: true, Refresh: time.Hour, NoTimers: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	settle(m, m.Init())
	seen := 0
	check := func(step string) {
		t.Helper()
		frame := m.View().Content
		if strings.Contains(frame, paint) {
			t.Fatalf("%s: the data's SGR reached the terminal:\n%q", step, frame)
		}
		if strings.Contains(frame, `\x1b[5;41;97m`) {
			seen++
		}
	}
	check("runs")
	press(m, "enter")
	check("ranking")
	press(m, "5")
	check("outcomes")
	press(m, "enter")
	check("outcome")
	press(m, "t")
	check("trajectory")
	if seen < 3 {
		t.Fatalf("the escaped sequence shows on %d screens; want it on the ranking, the outcomes and the outcome", seen)
	}
}
