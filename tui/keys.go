package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// keyMap is every binding of the explorer; the ? help is generated from it.
type keyMap struct {
	Up, Down, Left, Right, Top, Bottom, PageUp, PageDown key.Binding
	OpenBase, OpenNew, Trend                             key.Binding
	Enter, Back, Tab, ShiftTab                           key.Binding
	Filter, Sort, Reverse, Failures, Copy, Compare, Mark key.Binding
	Trajectory, Expand, ExpandAll, Refresh, Help, Quit   key.Binding
	// Review and run management.
	Pass, Fail, Clear, Note, Review, Next, Prev, Undo, Rename, Delete key.Binding
	GroupBy                                                           key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:       key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "column left")),
		Right:      key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "column right")),
		Top:        key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:     key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		PageUp:     key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown", "ctrl+d", "space"), key.WithHelp("pgdn", "page down")),
		Enter:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:       key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back")),
		Tab:        key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next tab")),
		ShiftTab:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous tab")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by column")),
		Reverse:    key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse sort")),
		Failures:   key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "failures only")),
		Copy:       key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy row as JSON")),
		Compare:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "compare with previous/marked run")),
		Mark:       key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mark run for compare")),
		Trajectory: key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "trajectory")),
		Expand:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "expand/collapse")),
		ExpandAll:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "expand/collapse all")),
		Refresh:    key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "reload")),
		Pass:       key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "human verdict: pass")),
		Fail:       key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "human verdict: fail")),
		Clear:      key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "clear the human verdict")),
		Note:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "write a note")),
		Review:     key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "review failed and ungraded outcomes")),
		Next:       key.NewBinding(key.WithKeys("n", "right"), key.WithHelp("n/→", "next outcome")),
		Prev:       key.NewBinding(key.WithKeys("N", "left"), key.WithHelp("N/←", "previous outcome")),
		Undo:       key.NewBinding(key.WithKeys("ctrl+z"), key.WithHelp("ctrl+z", "undo the last write")),
		Rename:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rename the run")),
		Delete:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete the run (to the trash)")),
		GroupBy:    key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "ranking: group by the next tag (category, …)")),
		OpenBase:   key.NewBinding(key.WithKeys("["), key.WithHelp("[", "open the base outcome")),
		Trend:      key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "each model's pass rate across the last runs")),
		OpenNew:    key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "open the new outcome")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// moveCursor moves a list cursor over n items by the motion keys (up, down, top, bottom,
// and by page rows for page up and down when page > 0), kept in 0..n-1; ok says whether
// msg was one of them.
func (k keyMap) moveCursor(msg tea.KeyPressMsg, cursor, n, page int) (int, bool) {
	switch {
	case key.Matches(msg, k.Up):
		cursor--
	case key.Matches(msg, k.Down):
		cursor++
	case key.Matches(msg, k.Top):
		cursor = 0
	case key.Matches(msg, k.Bottom):
		cursor = n - 1
	case page > 0 && key.Matches(msg, k.PageDown):
		cursor += page
	case page > 0 && key.Matches(msg, k.PageUp):
		cursor -= page
	default:
		return cursor, false
	}
	return min(max(cursor, 0), max(n-1, 0)), true
}
