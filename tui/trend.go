package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
)

// trendScreen shows each model's pass rate across the last runs: evals trend, in the
// explorer (T on the runs list).
type trendScreen struct {
	m      *Model
	tr     *query.Trend
	top    int
	width  int
	height int
}

func newTrendScreen(m *Model) *trendScreen { return &trendScreen{m: m} }

func (s *trendScreen) title() string { return "trend" }

func (s *trendScreen) init() tea.Cmd {
	src := s.m.opt.Source
	return load(s, func() (query.Trend, error) { return query.TrendOf(src, query.TrendParams{Last: 20}) })
}

func (s *trendScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if v, ok := msg.value.(query.Trend); ok && msg.err == nil {
			s.tr = &v
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, s.m.keys.Down):
			s.top++
		case key.Matches(msg, s.m.keys.Up):
			s.top = max(s.top-1, 0)
		}
	}
	return nil
}

func (s *trendScreen) view() string {
	if s.tr == nil {
		return "loading the trend…"
	}
	var b strings.Builder
	if err := format.WriteDoc(&b, format.Trend(*s.tr), format.Facts{TTY: true, Width: s.width, Color: s.m.opt.Color}); err != nil {
		return ansi.Strip(err.Error())
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	s.top = min(s.top, max(len(lines)-s.height, 0))
	return strings.Join(lines[s.top:min(len(lines), s.top+s.height)], "\n")
}

func (s *trendScreen) setSize(w, h int)       { s.width, s.height = w, h }
func (s *trendScreen) typing() bool           { return false }
func (s *trendScreen) click(int, int) tea.Cmd { return nil }
func (s *trendScreen) selected() any {
	if s.tr == nil {
		return nil
	}
	return s.tr
}

func (s *trendScreen) help() []key.Binding {
	k := s.m.keys
	return []key.Binding{k.Up, k.Down}
}
