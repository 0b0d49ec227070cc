package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
)

// stimulusScreen shows one stimulus with every model's trials, as the web's stimulus page
// does: each trial's verdict, its reason and the start of its output. f hides the passed
// trials; enter opens the trial under the cursor.
type stimulusScreen struct {
	m             *Model
	run, name     string
	v             *query.StimulusView
	failOnly      bool
	cursor, top   int
	width, height int
}

func newStimulusScreen(m *Model, run, name string) *stimulusScreen {
	return &stimulusScreen{m: m, run: run, name: name}
}

func (s *stimulusScreen) title() string { return s.name }

func (s *stimulusScreen) init() tea.Cmd {
	src, run, name := s.m.opt.Source, s.run, s.name
	return load(s, func() (query.StimulusView, error) { return query.StimulusOf(src, run, name) })
}

// trials are the trials shown, in order.
func (s *stimulusScreen) trials() []query.OutcomeDetail {
	var out []query.OutcomeDetail
	for _, m := range s.v.Models {
		for _, t := range m.Trials {
			if !s.failOnly || t.DisplayStatus == "failed" || t.DisplayStatus == "error" {
				out = append(out, t)
			}
		}
	}
	return out
}

func (s *stimulusScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if v, ok := msg.value.(query.StimulusView); ok && msg.err == nil {
			s.v = &v
		}
	case tea.KeyPressMsg:
		if s.v == nil {
			return nil
		}
		k := s.m.keys
		if c, ok := k.moveCursor(msg, s.cursor, len(s.trials()), 0); ok {
			s.cursor = c
			return nil
		}
		switch {
		case key.Matches(msg, k.Failures):
			s.failOnly, s.cursor = !s.failOnly, 0
		case key.Matches(msg, k.Enter):
			if ts := s.trials(); s.cursor < len(ts) {
				return push(newOutcomeScreen(s.m, ts[s.cursor].ID))
			}
		}
		s.cursor = min(max(s.cursor, 0), max(len(s.trials())-1, 0))
	}
	return nil
}

func (s *stimulusScreen) view() string {
	if s.v == nil {
		return "loading " + s.name + "…"
	}
	st, w := &s.m.st, max(s.width, 20)
	head := []string{st.title.Render(s.v.StimulusName) + st.faint.Render(" · every model · run "+s.v.RunID)}
	if s.v.Disagree {
		head[0] += " " + st.bad.Render("models disagree")
	}
	head = append(head, st.faint.Render(oneLine(s.v.Input, w-2)))
	var lines []string
	at, cur := 0, -1
	for _, m := range s.v.Models {
		lines = append(lines, st.title.Render(m.Model)+" "+st.rate(m.PassRate).Render(format.Pct(m.PassRate)))
		for _, t := range m.Trials {
			if s.failOnly && t.DisplayStatus != "failed" && t.DisplayStatus != "error" {
				continue
			}
			line := fmt.Sprintf("  trial %d %s", t.TrialIndex, st.word(t.DisplayStatus).Render(fit(t.DisplayStatus, 7, false)))
			if t.Reason != nil {
				line += " " + st.bad.Render(*t.Reason)
			} else {
				line += " " + st.faint.Render(t.Output)
			}
			if at == s.cursor {
				line, cur = st.cursor.Render(ansi.Strip(fit(line, w, false))), len(lines)
			}
			lines = append(lines, ansi.Truncate(line, w, "…"))
			if t.Reason != nil && t.Output != "" {
				lines = append(lines, ansi.Truncate("      "+st.faint.Render(oneLine(t.Output, w)), w, "…"))
			}
			at++
		}
	}
	if at == 0 {
		lines = append(lines, st.faint.Render("no failed trial (f shows all)"))
	}
	room := max(s.height-len(head)-1, 1)
	if cur >= 0 && cur < s.top {
		s.top = cur
	}
	if cur >= s.top+room {
		s.top = cur - room + 1
	}
	s.top = min(max(s.top, 0), max(len(lines)-room, 0))
	end := min(s.top+room, len(lines))
	foot := st.faint.Render("f failures only · enter opens a trial")
	return strings.Join(append(append(head, lines[s.top:end]...), foot), "\n")
}

func (s *stimulusScreen) setSize(w, h int)       { s.width, s.height = w, max(h, 1) }
func (s *stimulusScreen) typing() bool           { return false }
func (s *stimulusScreen) click(int, int) tea.Cmd { return nil }

func (s *stimulusScreen) selected() any {
	if s.v == nil {
		return nil
	}
	return s.v
}

func (s *stimulusScreen) help() []key.Binding {
	k := s.m.keys
	return []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.Failures, k.Enter}
}
