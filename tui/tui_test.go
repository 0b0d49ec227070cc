package tui

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// updating reports -update, the flag teatest's golden package already defines.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

var demo *store.Store

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "evals-tui-test-")
	if err != nil {
		panic(err)
	}
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		panic(err)
	}
	demo = store.Open(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func newTestModel(w, h int) *Model {
	m := New(Options{Source: demo, StorePath: "demo-store", Color: false, Refresh: time.Hour, NoTimers: true})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// settle runs commands the way the program would, feeding their messages back into
// Update until nothing is left. Test models have no timers (Options.NoTimers), so every
// command finishes: settle waits for each, however loaded the machine is.
func settle(m *Model, cmds ...tea.Cmd) {
	queue := cmds
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case spinner.TickMsg, tickMsg, nil:
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "backspace":
			msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
		case "ctrl+u":
			msg = tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
		default:
			r := []rune(k)[0]
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		_, c := m.Update(msg)
		settle(m, c)
	}
}

func screenText(m *Model) string { return ansi.Strip(m.View().Content) }

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updating() {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./tui -update creates it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./tui -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func checkSize(t *testing.T, text string, w, h int) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Errorf("line %d is %d wide (max %d): %q", i, ansi.StringWidth(l), w, l)
		}
	}
}

// TestWalk drives the explorer from the runs list to a trajectory and back, checking each
// screen at 80×24, 100×30 and 160×48.
func TestWalk(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}, {160, 48}} {
		w, h := size[0], size[1]
		m := newTestModel(w, h)
		settle(m, m.Init())
		shot := func(name string) string {
			text := screenText(m)
			checkSize(t, text, w, h)
			golden(t, name+"."+itoa(w)+"x"+itoa(h)+".txt", text)
			return text
		}
		if s := shot("runs"); !strings.Contains(s, "candidate") || !strings.Contains(s, "baseline") {
			t.Fatalf("runs screen:\n%s", s)
		}
		press(m, "enter")
		if s := shot("ranking"); !strings.Contains(s, "claude-sonnet-4.5") && !strings.Contains(s, "claude-sonn") {
			t.Fatalf("ranking:\n%s", s)
		}
		press(m, "b")
		if s := shot("ranking-by"); strings.Count(s, "\nbugfix ") != 1 {
			t.Fatalf("ranking by category:\n%s", s)
		}
		press(m, "b", "b", "tab", "tab", "tab")
		if s := shot("matrix"); !strings.Contains(s, "STIMULUS") {
			t.Fatalf("matrix:\n%s", s)
		}
		press(m, "shift+tab", "shift+tab")
		shot("graders")
		press(m, "enter") // failures of the worst grader
		if s := shot("outcomes"); !strings.Contains(s, "grader=tests-pass") || !strings.Contains(s, "failed") {
			t.Fatalf("outcomes of a grader:\n%s", s)
		}
		press(m, "enter")
		if s := shot("outcome"); !strings.Contains(s, "FAILED") || !strings.Contains(s, "AssertionError") {
			t.Fatalf("outcome:\n%s", s)
		}
		press(m, "t")
		if s := shot("trajectory"); !strings.Contains(s, "tool search") || !strings.Contains(s, "AssertionError") {
			t.Fatalf("trajectory:\n%s", s)
		}
		press(m, "e")
		if s := screenText(m); !strings.Contains(s, "▾   2 tool search") || !strings.Contains(s, "→ result") {
			t.Fatalf("expand all:\n%s", s)
		}
		press(m, "esc", "esc", "esc")
		if rs, ok := m.top().(*runScreen); !ok || runTabs[rs.tab] != "graders" {
			t.Fatalf("esc ×3 pops transcript, outcome and the drill: back on the graders tab, at %T", m.top())
		}
		press(m, "esc")
		if _, ok := m.top().(*runsScreen); !ok {
			t.Fatalf("a 4th esc is back at the runs list, at %T", m.top())
		}
		press(m, "c")
		if s := shot("compare"); !strings.Contains(s, "regressed") || !strings.Contains(s, "no change") {
			t.Fatalf("compare:\n%s", s)
		}
		press(m, "?")
		if s := shot("help"); !strings.Contains(s, "filter") {
			t.Fatalf("help:\n%s", s)
		}
	}
}

func TestFilterSortAndFailures(t *testing.T) {
	m := newTestModel(100, 30)
	settle(m, m.Init())
	press(m, "enter", "5") // outcomes tab
	rs := m.top().(*runScreen)
	g := rs.grids[4]
	all := len(g.view)
	if all != 2160 {
		t.Fatalf("outcomes listed: %d", all)
	}
	press(m, "/", "g", "p", "t", "-", "5")
	if !rs.typing() || len(g.view) != 360 {
		t.Fatalf("filter gpt-5: typing=%v, %d rows", rs.typing(), len(g.view))
	}
	if s := screenText(m); !strings.Contains(s, "/gpt-5") || !strings.Contains(s, "1/360 of 2160") {
		t.Fatalf("filter line:\n%s", s)
	}
	press(m, "q") // typed into the filter, not quitting
	if len(g.view) != 0 {
		t.Fatalf("q should be part of the filter")
	}
	press(m, "backspace", "enter")
	press(m, "f")
	for _, ix := range g.view {
		if !g.all[ix].failed {
			t.Fatal("f left a passing outcome")
		}
	}
	// Sort by duration (column 5), descending first for numbers.
	press(m, "l", "l", "l", "l", "l", "s")
	prev := 1e18
	for _, ix := range g.view {
		d := g.all[ix].nums[5]
		if d > prev {
			t.Fatalf("not sorted by duration: %v after %v", d, prev)
		}
		prev = d
	}
	press(m, "y")
	if !strings.Contains(m.status, "copied") {
		t.Fatalf("copy: status %q", m.status)
	}
}

func TestStartDeepAndErrors(t *testing.T) {
	m := New(Options{Source: demo, StorePath: "demo-store", Run: "baseline", Outcome: "5f3a9c1e02-0000001", Refresh: time.Hour, NoTimers: true})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	settle(m, m.Init())
	if _, ok := m.top().(*outcomeScreen); !ok || len(m.stack) != 3 {
		t.Fatalf("deep start: %T, %d screens", m.top(), len(m.stack))
	}
	m = New(Options{Source: demo, StorePath: "demo-store", Outcome: "nope-1", Refresh: time.Hour, NoTimers: true})
	settle(m, m.Init())
	if !strings.Contains(m.statusBar(), "not found") {
		t.Fatalf("error in status bar: %q", m.statusBar())
	}
	// Resizing at any time keeps the frame whole.
	for _, sz := range [][2]int{{40, 10}, {200, 60}, {80, 24}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		checkSize(t, screenText(m), sz[0], sz[1])
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

// TestNewRunsAppear: when the store's stamp changes, the runs list reloads by itself.
func TestNewRunsAppear(t *testing.T) {
	stamp := "a"
	m := New(Options{Source: demo, StorePath: "demo-store", Refresh: time.Hour, NoTimers: true, Stamp: func() string { return stamp }})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	settle(m, m.Init())
	rs := m.stack[0].(*runsScreen)
	rs.runs = nil // as if the list were stale
	_, c := m.Update(tickMsg{})
	settle(m, c) // first stamp: remembered, nothing reloads
	if rs.runs != nil {
		t.Fatal("reloaded without a change")
	}
	stamp = "b"
	_, c = m.Update(tickMsg{})
	settle(m, c)
	if len(rs.runs) != 3 {
		t.Fatalf("after a change: %d runs", len(rs.runs))
	}
}

func TestMouse(t *testing.T) {
	m := newTestModel(100, 30)
	settle(m, m.Init())
	// Row 2 of the runs grid is on screen line 3 (breadcrumb, header, first row).
	_, c := m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 5, Y: 3})
	settle(m, c)
	if r, _ := m.stack[0].(*runsScreen).current(); r.Name != "baseline" {
		t.Fatalf("click selected %q", r.Name)
	}
	press(m, "enter")
	rs := m.top().(*runScreen)
	// Tabs are on screen line 2: " 1 ranking  2 graders  3 tools …"; x=14 is "2 graders".
	_, c = m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 14, Y: 2})
	settle(m, c)
	if rs.tab != 1 || len(rs.grids[1].all) == 0 {
		t.Fatalf("tab click: tab %d, %d rows", rs.tab, len(rs.grids[1].all))
	}
	_, c = m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	settle(m, c)
	if rs.grids[1].cursor != 3 {
		t.Fatalf("wheel: cursor %d", rs.grids[1].cursor)
	}
}

// TestMatrixCell: enter on a matrix cell opens that cell's outcomes (stimulus × model),
// error cells read err, and widening the window brings back the columns scrolled off.
func TestMatrixCell(t *testing.T) {
	m := newTestModel(50, 30)
	settle(m, m.Init())
	press(m, "enter", "4") // the matrix
	rs := m.top().(*runScreen)
	g := rs.grids[3]
	if len(g.view) == 0 {
		t.Fatal("empty matrix")
	}
	if s := screenText(m); !strings.Contains(s, "err") {
		t.Errorf("no err cell on the matrix:\n%s", s)
	}
	press(m, "l", "l", "l", "l", "l") // focus a model scrolled to the right
	if g.xoff == 0 {
		t.Fatalf("no horizontal scroll at 50 columns (focus %d)", g.focus)
	}
	model := g.cols[g.focus].name
	stim := g.all[g.view[g.cursor]].cells[0]
	// A wider window: the scroll starts over.
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 30})
	if g.xoff != 0 {
		t.Errorf("xoff %d after widening", g.xoff)
	}
	press(m, "enter")
	if rs.tab != 4 || len(rs.filter.Stimulus) != 1 || rs.filter.Stimulus[0] != stim || len(rs.filter.Model) != 1 || rs.filter.Model[0] != model {
		t.Fatalf("enter on %s × %s: tab %d, filter %+v", stim, model, rs.tab, rs.filter)
	}
	for _, ix := range rs.grids[4].view {
		if o := rs.grids[4].all[ix].value.(query.OutcomeSummary); o.Model != model || o.StimulusName != stim {
			t.Fatalf("outcome %s × %s in the cell's list", o.StimulusName, o.Model)
		}
	}
}

// TestWholeRunQueries: when a run has more outcomes than the tab holds, the filter,
// failures-only and sort are answered over the whole run, with true totals.
func TestWholeRunQueries(t *testing.T) {
	defer func(n int) { maxListed = n }(maxListed)
	maxListed = 100 // the demo's 2,160 outcomes are then more than the tab holds
	m := newTestModel(120, 30)
	settle(m, m.Init())
	press(m, "enter", "5")
	rs := m.top().(*runScreen)
	if !rs.remote || rs.total != 2160 || len(rs.grids[4].all) != 100 {
		t.Fatalf("remote %v, total %d, listed %d", rs.remote, rs.total, len(rs.grids[4].all))
	}
	press(m, "/")
	for _, r := range "qwen3 status:failed" {
		press(m, string(r))
	}
	press(m, "enter")
	want, err := query.Outcomes(demo, query.OutcomesParams{Runs: []string{rs.detail.ID}, Text: []string{"qwen3"}, Status: []string{"failed"}, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rs.total != want.Page.Total || want.Page.Total <= 100 && len(rs.grids[4].view) != want.Page.Total {
		t.Fatalf("filtered over the whole run: total %d, view %d; the query says %d", rs.total, len(rs.grids[4].view), want.Page.Total)
	}
	for _, ix := range rs.grids[4].view {
		o := rs.grids[4].all[ix].value.(query.OutcomeSummary)
		if o.Model != "qwen3-coder" || o.DisplayStatus != "failed" {
			t.Fatalf("%s %s in the filtered list", o.Model, o.DisplayStatus)
		}
	}
	if s := screenText(m); !strings.Contains(s, fmt.Sprint(want.Page.Total)) {
		t.Errorf("the true total %d is not shown:\n%s", want.Page.Total, s)
	}
	// Free words alone (no status term) are asked of the query too.
	press(m, "/", "ctrl+u")
	for _, r := range "mistral" {
		press(m, string(r))
	}
	press(m, "enter")
	if rs.total != 360 {
		t.Errorf("free words over the whole run: total %d, want mistral-large-3's 360", rs.total)
	}
	press(m, "/", "ctrl+u")
	for _, r := range "qwen3 status:failed" {
		press(m, string(r))
	}
	press(m, "enter")
	// Sort by duration: the longest over the whole filtered run comes first.
	press(m, "l", "l", "l", "l", "l", "s")
	top, err := query.Outcomes(demo, query.OutcomesParams{Runs: []string{rs.detail.ID}, Text: []string{"qwen3"}, Status: []string{"failed"},
		Sort: "duration_ms", Desc: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	g := rs.grids[4]
	if got := g.all[g.view[0]].value.(query.OutcomeSummary); got.ID != top.Items[0].ID {
		t.Errorf("sorted by duration: first %s, the whole run's longest is %s", got.ID, top.Items[0].ID)
	}
}

// TestTrendScreen: T on the runs list shows each model's pass rate across the runs.
func TestTrendScreen(t *testing.T) {
	m := newTestModel(100, 30)
	settle(m, m.Init())
	press(m, "T")
	if _, ok := m.top().(*trendScreen); !ok {
		t.Fatalf("T opened %T", m.top())
	}
	s := screenText(m)
	for _, want := range []string{"Pass rate over 3 runs", "claude-sonnet-4.5", "qwen3-coder", "-8.3"} {
		if !strings.Contains(s, want) {
			t.Errorf("trend screen lacks %q:\n%s", want, s)
		}
	}
	if !strings.ContainsAny(s, "▁▂▃▄▅▆▇█") {
		t.Errorf("no sparkline:\n%s", s)
	}
}

// TestScrollFetches: scrolling to the end of the outcomes held fetches the next window.
func TestScrollFetches(t *testing.T) {
	defer func(n int) { maxListed = n }(maxListed)
	maxListed = 100
	m := newTestModel(120, 30)
	settle(m, m.Init())
	press(m, "enter", "5")
	rs := m.top().(*runScreen)
	g := rs.grids[4]
	press(m, "G") // the bottom: row 100 of 2,160
	if len(g.all) != 200 {
		t.Fatalf("after scrolling to the end: %d rows held, want 200", len(g.all))
	}
	want, _ := query.Outcomes(demo, query.OutcomesParams{Runs: []string{rs.detail.ID}, Limit: 101})
	if got := g.all[100].value.(query.OutcomeSummary).ID; got != want.Items[100].ID {
		t.Errorf("row 101 is %s, the list's 101st is %s", got, want.Items[100].ID)
	}
	if g.cursor != 99 {
		t.Errorf("the cursor moved to %d", g.cursor)
	}
}

// TestLateAnswersAndHelp: an answer to a question since replaced is dropped; a status
// word filters the whole run by status; the help lists pgup.
func TestLateAnswersAndHelp(t *testing.T) {
	defer func(n int) { maxListed = n }(maxListed)
	maxListed = 100
	m := newTestModel(120, 40)
	settle(m, m.Init())
	press(m, "enter", "5")
	rs := m.top().(*runScreen)
	held := len(rs.grids[4].all)
	rs.update(loadedMsg{to: rs, value: outcomeList{items: nil, total: 1, asked: "an older question"}})
	if len(rs.grids[4].all) != held || rs.total != 2160 {
		t.Errorf("a late answer replaced the list: %d rows, total %d", len(rs.grids[4].all), rs.total)
	}
	press(m, "/")
	for _, r := range "error" {
		press(m, string(r))
	}
	press(m, "enter")
	want, _ := query.Outcomes(demo, query.OutcomesParams{Runs: []string{rs.detail.ID}, Status: []string{"error"}, Limit: 1})
	if rs.total != want.Page.Total {
		t.Errorf("the status word over the whole run: total %d, want %d", rs.total, want.Page.Total)
	}
	press(m, "esc", "esc", "?")
	if s := screenText(m); !strings.Contains(s, "pgup") {
		t.Errorf("help without pgup:\n%s", s)
	}
}

// TestSupersededQueryIsCancelled: a new outcomes query cancels the scan of the one before.
func TestSupersededQueryIsCancelled(t *testing.T) {
	m := newTestModel(120, 30)
	settle(m, m.Init())
	press(m, "enter", "5")
	rs := m.top().(*runScreen)
	first := rs.cancellable(demo)
	second := rs.cancellable(demo)
	p := query.OutcomesParams{Runs: []string{rs.detail.ID}, Text: []string{"qwen3"}, Limit: 10}
	if _, err := query.Outcomes(first, p); err == nil {
		t.Error("the superseded query's scan was not cancelled")
	}
	if _, err := query.Outcomes(second, p); err != nil {
		t.Errorf("the current query: %v", err)
	}
}

// A two-word filter (a model's word and a stimulus's) finds the same outcomes on a run the
// tab holds whole and on one it queries (more outcomes than it holds, as past 10,000).
func TestTwoWordFilterOnSmallAndLargeRuns(t *testing.T) {
	count := func(limit int) (int, []string) {
		defer func(n int) { maxListed = n }(maxListed)
		maxListed = limit
		m := newTestModel(120, 30)
		settle(m, m.Init())
		press(m, "enter", "5")
		rs := m.top().(*runScreen)
		press(m, "/")
		for _, r := range "qwen3 fix-json-schema" {
			press(m, string(r))
		}
		press(m, "enter")
		var ids []string
		for _, ix := range rs.grids[4].view {
			o := rs.grids[4].all[ix].value.(query.OutcomeSummary)
			if o.Model != "qwen3-coder" || !strings.Contains(o.StimulusName, "fix-json-schema") {
				t.Fatalf("limit %d: %s × %s in the filtered list", limit, o.Model, o.StimulusName)
			}
			ids = append(ids, o.ID)
		}
		slices.Sort(ids)
		if rs.remote {
			return rs.total, ids
		}
		return len(rs.grids[4].view), ids
	}
	small, smallIDs := count(10000)
	large, largeIDs := count(100)
	if small == 0 || small != large || !slices.Equal(smallIDs, largeIDs) {
		t.Fatalf("held whole: %d outcomes, queried: %d (%v vs %v)", small, large, smallIDs, largeIDs)
	}
}

// TestHelpFits: the help of the busiest screens lists every key at 80×24 (in two columns
// when one does not fit).
func TestHelpFits(t *testing.T) {
	m := newTestModel(80, 24)
	settle(m, m.Init())
	for _, keys := range [][]string{{"enter"}, {"5", "enter"}} {
		press(m, keys...)
		want := append(m.top().help(), m.keys.Help, m.keys.Back, m.keys.Copy, m.keys.Refresh, m.keys.Quit)
		press(m, "?")
		txt := screenText(m)
		checkSize(t, txt, 80, 24)
		for _, k := range want {
			if h := k.Help(); h.Key != "" && !strings.Contains(txt, h.Key) {
				t.Errorf("%T: help lacks %q (%s):\n%s", m.top(), h.Key, h.Desc, txt)
			}
		}
		press(m, "?") // any key closes
	}
}
