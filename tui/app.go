package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
)

// screen is what every screen implements: the root model only routes to the top one.
type screen interface {
	title() string
	init() tea.Cmd
	update(msg tea.Msg) tea.Cmd
	view() string
	setSize(w, h int)
	help() []key.Binding
	// typing reports whether keys go to a text input (a filter), not to navigation.
	typing() bool
	// selected is the value y copies as JSON (nil: nothing).
	selected() any
	click(x, y int) tea.Cmd
}

// Messages between screens and the root.
type (
	pushMsg   struct{ s screen }
	popMsg    struct{}
	statusMsg struct{ text string }
	// loadedMsg carries the result of a load back to the screen that asked for it.
	loadedMsg struct {
		to    screen
		value any
		err   error
	}
	tickMsg  struct{}
	storeMsg struct{ stamp string }
)

// Options configure the explorer.
type Options struct {
	Source    query.Source
	StorePath string
	Color     bool
	// Run and Outcome open the explorer deeper than the runs list.
	Run, Outcome string
	// Refresh is how often the store is checked for new runs (0: every 2 s).
	Refresh time.Duration
	// Stamp changes when runs appear or go (store.Store.Stamp); nil: no watching.
	Stamp func() string
	// Writer records reviews and run edits; nil: read-only.
	Writer Writer
	// NoTimers leaves out the background timers (the store watch, the spinner): for tests,
	// which then wait for every command to finish instead of guessing how long to wait.
	NoTimers bool
}

// Model is the root model: a stack of screens, a status bar and the help overlay.
type Model struct {
	opt      Options
	st       styles
	keys     keyMap
	stack    []screen
	width    int
	height   int
	showHelp bool
	status   string
	err      string
	loading  int
	spin     spinner.Model
	stamp    string
	prompt   *prompt // a question in the status bar, when one is asked
	undos    []*undo // the writes ctrl+z takes back, newest last (at most maxUndo)
}

// New builds the explorer.
func New(opt Options) *Model {
	if opt.Refresh == 0 {
		opt.Refresh = 2 * time.Second
	}
	m := &Model{opt: opt, st: newStyles(opt.Color), keys: newKeyMap(), width: 80, height: 24}
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	runs := newRunsScreen(m)
	m.stack = []screen{runs}
	if opt.Run != "" {
		m.stack = append(m.stack, newRunScreen(m, opt.Run))
	}
	if opt.Outcome != "" {
		m.stack = append(m.stack, newOutcomeScreen(m, opt.Outcome))
	}
	m.resize()
	return m
}

// Init loads every screen on the stack and starts watching the store.
func (m *Model) Init() tea.Cmd {
	var cmds []tea.Cmd
	if !m.opt.NoTimers {
		cmds = append(cmds, m.spin.Tick, m.tick())
	}
	if m.opt.Stamp != nil {
		cmds = append(cmds, watch(m.opt.Stamp)) // the stamp the first listing goes with
	}
	for _, s := range m.stack {
		cmds = append(cmds, m.track(s.init()))
	}
	return tea.Batch(cmds...)
}

// track counts a load in flight so the status bar can show a spinner.
func (m *Model) track(c tea.Cmd) tea.Cmd {
	if c == nil {
		return nil
	}
	m.loading++
	return c
}

func (m *Model) tick() tea.Cmd {
	if m.opt.NoTimers {
		return nil
	}
	return tea.Tick(m.opt.Refresh, func(time.Time) tea.Msg { return tickMsg{} })
}

// watch asks the store for its stamp, off the update loop.
func watch(stamp func() string) tea.Cmd {
	return func() tea.Msg { return storeMsg{stamp: stamp()} }
}

func (m *Model) top() screen { return m.stack[len(m.stack)-1] }

// Update routes a message: global keys first, then the top screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return m, nil
	case spinner.TickMsg:
		if m.opt.NoTimers {
			return m, nil
		}
		var c tea.Cmd
		m.spin, c = m.spin.Update(msg)
		return m, c
	case tickMsg:
		if m.opt.Stamp == nil {
			return m, nil
		}
		return m, tea.Batch(watch(m.opt.Stamp), m.tick())
	case storeMsg:
		if m.stamp != "" && msg.stamp != m.stamp {
			m.stamp = msg.stamp
			return m, m.track(m.stack[0].init())
		}
		m.stamp = msg.stamp
		return m, nil
	case loadedMsg:
		m.loading = max(m.loading-1, 0)
		if msg.err != nil {
			m.err = format.Sanitize(msg.err.Error())
		}
		return m, msg.to.update(msg)
	case pushMsg:
		m.stack = append(m.stack, msg.s)
		m.resize()
		m.status = ""
		return m, m.track(msg.s.init())
	case popMsg:
		m.back()
		return m, nil
	case statusMsg:
		m.status = msg.text
		return m, nil
	case writtenMsg:
		return m, m.written(msg)
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.MouseClickMsg:
		if msg.Button == tea.MouseLeft && msg.Y >= 1 && !m.showHelp {
			return m, m.top().click(msg.X, msg.Y-1)
		}
		return m, nil
	}
	return m, m.top().update(msg)
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if m.showHelp {
		m.showHelp = false
		return nil
	}
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if m.prompt != nil {
		return m.promptKey(msg)
	}
	if key.Matches(msg, m.keys.Undo) {
		return m.undoLast()
	}
	if m.top().typing() {
		return m.top().update(msg)
	}
	m.err = ""
	switch {
	case key.Matches(msg, m.keys.Quit):
		return tea.Quit
	case key.Matches(msg, m.keys.Help):
		m.showHelp = true
		return nil
	case key.Matches(msg, m.keys.Back):
		// A screen with something to clear (a search, a filter) clears it before esc pops it.
		if e, ok := m.top().(interface{ escape() (bool, tea.Cmd) }); ok {
			if done, cmd := e.escape(); done {
				return m.track(cmd)
			}
		}
		m.back()
		return nil
	case key.Matches(msg, m.keys.Copy):
		v := m.top().selected()
		if v == nil {
			return nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		m.status = fmt.Sprintf("copied %d bytes of JSON to the clipboard (OSC 52)", len(b))
		return tea.SetClipboard(string(b))
	case key.Matches(msg, m.keys.Refresh):
		return m.track(m.top().init())
	}
	return m.top().update(msg)
}

func (m *Model) back() {
	if len(m.stack) > 1 {
		m.stack = m.stack[:len(m.stack)-1]
		m.status = ""
	}
}

// resize gives every screen the room between the breadcrumb and the status bar.
func (m *Model) resize() {
	for _, s := range m.stack {
		s.setSize(m.width, max(m.height-2, 1))
	}
}

// View draws the breadcrumb, the top screen and the status bar.
func (m *Model) View() tea.View {
	var b strings.Builder
	crumbs := []string{"evals"}
	for _, s := range m.stack[1:] {
		crumbs = append(crumbs, s.title())
	}
	b.WriteString(ansi.Truncate(m.st.crumb.Render(strings.Join(crumbs, " › ")), m.width, "…") + "\n")
	body := m.top().view()
	if m.showHelp {
		body = m.helpView()
	}
	b.WriteString(clip(body, m.width, max(m.height-2, 1)))
	b.WriteString(m.statusBar())
	v := tea.NewView(inertFrame(b.String()))
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "evals"
	return v
}

// clip makes s exactly h lines of at most w cells.
func clip(s string, w, h int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "")
	}
	return strings.Join(lines, "\n") + "\n"
}

func (m *Model) statusBar() string {
	left := m.opt.StorePath
	if rs, ok := m.stack[0].(*runsScreen); ok && rs.loaded {
		left += fmt.Sprintf(" · %d run", len(rs.runs))
		if len(rs.runs) != 1 {
			left += "s"
		}
	}
	if m.loading > 0 {
		left = m.spin.View() + " loading… · " + left
	}
	msg := m.status
	if m.err != "" {
		msg = "error: " + m.err
	}
	if m.prompt != nil {
		line := m.prompt.label + " " + m.prompt.input.View() + "  (enter saves · esc cancels)"
		return m.st.status.Render(ansi.Truncate(line+strings.Repeat(" ", max(m.width-ansi.StringWidth(line), 0)), m.width, ""))
	}
	right := "? help · q quit"
	line := left
	if msg != "" {
		line += " · " + msg
	}
	gap := m.width - ansi.StringWidth(line) - ansi.StringWidth(right)
	if gap < 1 {
		line = ansi.Truncate(line, max(m.width-ansi.StringWidth(right)-1, 0), "…")
		gap = max(m.width-ansi.StringWidth(line)-ansi.StringWidth(right), 0)
	}
	out := line + strings.Repeat(" ", gap) + right
	if m.err != "" {
		return m.st.errText.Render(ansi.Truncate(out, m.width, ""))
	}
	return m.st.status.Render(ansi.Truncate(out, m.width, ""))
}

// helpView lists the keys of the screen on top: in one column when they fit the height,
// else in two side by side (each description cut to its column).
func (m *Model) helpView() string {
	var b strings.Builder
	b.WriteString(m.st.title.Render("Keys") + "  (any key closes)\n\n")
	seen := map[string]bool{}
	all := append(m.top().help(), m.keys.Help, m.keys.Back, m.keys.Copy, m.keys.Refresh, m.keys.Quit)
	var keys, descs []string
	for _, k := range all {
		h := k.Help()
		if h.Key == "" || seen[h.Key+h.Desc] {
			continue
		}
		seen[h.Key+h.Desc] = true
		keys, descs = append(keys, h.Key), append(descs, h.Desc)
	}
	room := m.height - 6 // crumbs, title, blank lines, mouse line, status bar
	rows, colW := len(keys), m.width
	if rows > room && m.width >= 60 {
		rows, colW = (len(keys)+1)/2, m.width/2
	}
	for r := range rows {
		line := ""
		for i := r; i < len(keys); i += rows {
			cell := fit(ansi.Truncate(fmt.Sprintf("  %s  %s", fit(keys[i], 10, false), descs[i]), colW-1, "…"), colW, false)
			line += strings.Replace(cell, keys[i], m.st.key.Render(keys[i]), 1)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	b.WriteString("\nMouse: the wheel scrolls, a click selects a row.\n")
	return b.String()
}

// load runs fn in a command and returns its value to screen s.
func load[T any](s screen, fn func() (T, error)) tea.Cmd {
	return func() tea.Msg {
		v, err := fn()
		return loadedMsg{to: s, value: inert(v), err: err}
	}
}

func push(s screen) tea.Cmd { return func() tea.Msg { return pushMsg{s} } }

func status(text string) tea.Cmd { return func() tea.Msg { return statusMsg{text} } }
