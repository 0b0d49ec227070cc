package tui

import (
	"charm.land/lipgloss/v2"
)

// styles holds every style of the explorer. With colour off (NO_COLOR, --color never) they
// keep only bold, reverse and underline, so the screen stays usable in plain text.
type styles struct {
	plain                        bool
	title, crumb, tab, tabActive lipgloss.Style
	header, cursor, mark, faint  lipgloss.Style
	good, warn, bad, status      lipgloss.Style
	errText, key, box            lipgloss.Style
}

func newStyles(color bool) styles {
	s := styles{plain: !color}
	s.title = lipgloss.NewStyle().Bold(true)
	s.crumb = lipgloss.NewStyle().Bold(true)
	s.tab = lipgloss.NewStyle().Padding(0, 1)
	s.tabActive = lipgloss.NewStyle().Padding(0, 1).Bold(true).Reverse(true)
	s.header = lipgloss.NewStyle().Bold(true).Underline(true)
	s.cursor = lipgloss.NewStyle().Reverse(true)
	s.mark = lipgloss.NewStyle().Bold(true)
	s.faint = lipgloss.NewStyle()
	s.good, s.warn, s.bad = lipgloss.NewStyle(), lipgloss.NewStyle(), lipgloss.NewStyle().Bold(true)
	s.status = lipgloss.NewStyle().Reverse(true)
	s.errText = lipgloss.NewStyle().Bold(true)
	s.key = lipgloss.NewStyle().Bold(true)
	s.box = lipgloss.NewStyle()
	if color {
		// ANSI colours 1–6 follow the terminal's palette, so they read on dark and light
		// backgrounds alike; no hard-coded greys.
		s.crumb = s.crumb.Foreground(lipgloss.Color("6"))
		s.tabActive = lipgloss.NewStyle().Padding(0, 1).Bold(true).Foreground(lipgloss.Color("0")).Background(lipgloss.Color("6"))
		s.faint = lipgloss.NewStyle().Faint(true)
		s.good = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
		s.warn = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
		s.bad = lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
		s.errText = lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
		s.key = lipgloss.NewStyle().Foreground(lipgloss.Color("6")).Bold(true)
		s.mark = lipgloss.NewStyle().Foreground(lipgloss.Color("5")).Bold(true)
	}
	return s
}

// rate picks the colour of a pass rate.
func (s styles) rate(v *float64) lipgloss.Style {
	switch {
	case v == nil:
		return s.faint
	case *v >= 0.8:
		return s.good
	case *v >= 0.5:
		return s.warn
	default:
		return s.bad
	}
}

// word picks the colour of a status word.
func (s styles) word(w string) lipgloss.Style {
	switch w {
	case "passed", "ok", "pass", "improved", "completed", "success", "no change":
		return s.good
	case "failed", "fail", "regressed", "error", "errored":
		return s.bad
	case "flaky", "pending", "skipped", "missing", "running", "underpowered":
		return s.warn
	}
	return lipgloss.NewStyle()
}
