package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/evals-dev/evals/query"
)

// trajectoryScreen lists an outcome's events; long content wraps, tool calls and results
// start collapsed and open with enter (e: all).
type trajectoryScreen struct {
	m      *Model
	id     string
	tr     *query.Trajectory
	open   []bool
	cursor int
	top    int // first line shown
	width  int
	height int
	starts []int // line where each event starts, from the last layout
	lines  []string
}

func newTrajectoryScreen(m *Model, id string) *trajectoryScreen {
	return &trajectoryScreen{m: m, id: id}
}

func (s *trajectoryScreen) title() string { return "trajectory" }

func (s *trajectoryScreen) init() tea.Cmd {
	src, id := s.m.opt.Source, s.id
	return load(s, func() (query.Trajectory, error) { return query.TrajectoryOf(src, id) })
}

func collapsedByDefault(t string) bool { return t == "tool_call" || t == "tool_result" || t == "usage" }

func (s *trajectoryScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if tr, ok := msg.value.(query.Trajectory); ok && msg.err == nil {
			s.tr = &tr
			s.open = make([]bool, len(tr.Events))
			for i, e := range tr.Events {
				s.open[i] = !collapsedByDefault(e.Type)
			}
			s.layout()
		}
		return nil
	case tea.KeyPressMsg:
		if s.tr == nil {
			return nil
		}
		k := s.m.keys
		n := len(s.tr.Events)
		switch {
		case key.Matches(msg, k.Up):
			s.cursor--
		case key.Matches(msg, k.Down):
			s.cursor++
		case key.Matches(msg, k.Top):
			s.cursor = 0
		case key.Matches(msg, k.Bottom):
			s.cursor = n - 1
		case key.Matches(msg, k.PageDown):
			s.scroll(s.height - 1)
			return nil
		case key.Matches(msg, k.PageUp):
			s.scroll(-(s.height - 1))
			return nil
		case key.Matches(msg, k.Expand):
			if s.cursor < n {
				s.open[s.cursor] = !s.open[s.cursor]
			}
		case key.Matches(msg, k.ExpandAll):
			all := true
			for _, o := range s.open {
				all = all && o
			}
			for i := range s.open {
				s.open[i] = !all
			}
		}
		s.cursor = min(max(s.cursor, 0), max(n-1, 0))
		s.layout()
		s.follow()
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			s.scroll(-3)
		case tea.MouseWheelDown:
			s.scroll(3)
		}
	}
	return nil
}

// scroll moves the view by lines and puts the cursor on the first event in view.
func (s *trajectoryScreen) scroll(d int) {
	s.top = min(max(s.top+d, 0), max(len(s.lines)-s.height, 0))
	for i, st := range s.starts {
		if st >= s.top {
			s.cursor = i
			break
		}
	}
	s.layout()
}

// follow keeps the cursor's event header in view.
func (s *trajectoryScreen) follow() {
	if s.cursor >= len(s.starts) {
		return
	}
	at := s.starts[s.cursor]
	if at < s.top {
		s.top = at
	}
	if at >= s.top+s.height {
		s.top = at - s.height + 1
	}
}

func (s *trajectoryScreen) layout() {
	if s.tr == nil {
		return
	}
	st := &s.m.st
	s.lines, s.starts = s.lines[:0], s.starts[:0]
	w := max(s.width, 20)
	for i, e := range s.tr.Events {
		s.starts = append(s.starts, len(s.lines))
		marker := "▸"
		if s.open[i] {
			marker = "▾"
		}
		head := fmt.Sprintf("%s %3d %s", marker, e.Seq, st.title.Render(e.Type))
		if e.Role != "" {
			head += " " + st.faint.Render(e.Role)
		}
		if e.Tool != "" {
			head += " " + st.mark.Render(e.Tool)
		}
		if e.TS != nil {
			head += " " + st.faint.Render(e.TS.Format("15:04:05"))
		}
		text := e.Content
		if text == "" {
			text = e.Data
		}
		if !s.open[i] {
			head += "  " + st.faint.Render(oneLine(text, max(w-ansi.StringWidth(head)-3, 10)))
		}
		if i == s.cursor {
			head = st.cursor.Render(ansi.Strip(fit(head, w, false)))
		}
		s.lines = append(s.lines, ansi.Truncate(head, w, "…"))
		if s.open[i] && text != "" {
			style := st.box
			if e.Type == "error" {
				style = st.errText
			}
			for _, l := range strings.Split(ansi.Wrap(text, w-6, " "), "\n") {
				s.lines = append(s.lines, "      "+style.Render(l))
			}
		}
	}
}

func (s *trajectoryScreen) view() string {
	if s.tr == nil {
		return "loading trajectory of " + s.id + "…"
	}
	if len(s.tr.Events) == 0 {
		return "this outcome has no trajectory events"
	}
	end := min(s.top+s.height, len(s.lines))
	return strings.Join(s.lines[s.top:end], "\n")
}

func (s *trajectoryScreen) setSize(w, h int) {
	s.width, s.height = w, max(h, 1)
	s.layout()
	s.follow()
}

func (s *trajectoryScreen) typing() bool { return false }

func (s *trajectoryScreen) click(_, y int) tea.Cmd {
	line := s.top + y
	for i := len(s.starts) - 1; i >= 0; i-- {
		if s.starts[i] <= line {
			s.cursor = i
			break
		}
	}
	s.layout()
	return nil
}

func (s *trajectoryScreen) selected() any {
	if s.tr == nil || s.cursor >= len(s.tr.Events) {
		return nil
	}
	return s.tr.Events[s.cursor]
}

func (s *trajectoryScreen) help() []key.Binding {
	k := s.m.keys
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Expand, k.ExpandAll}
}
