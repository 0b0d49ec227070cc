package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
)

// outcomeScreen shows one outcome: verdict, metrics, grader evidence, text, tool calls.
type outcomeScreen struct {
	m      *Model
	id     string
	detail *query.OutcomeDetail
	tools  *query.ToolEvents
	vp     viewport.Model
	width  int
}

type outcomeData struct {
	d query.OutcomeDetail
	t query.ToolEvents
}

func newOutcomeScreen(m *Model, id string) *outcomeScreen {
	s := &outcomeScreen{m: m, id: id, vp: viewport.New()}
	s.vp.SoftWrap = true
	return s
}

func (s *outcomeScreen) title() string { return s.id }

func (s *outcomeScreen) init() tea.Cmd {
	src, id := s.m.opt.Source, s.id
	return load(s, func() (outcomeData, error) {
		d, err := query.OutcomeOf(src, id)
		if err != nil {
			return outcomeData{}, err
		}
		t, err := query.ToolEventsOf(src, id)
		return outcomeData{d, t}, err
	})
}

func (s *outcomeScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if v, ok := msg.value.(outcomeData); ok && msg.err == nil {
			s.detail, s.tools = &v.d, &v.t
			s.vp.SetContent(s.content())
		}
		return nil
	case tea.KeyPressMsg:
		k := s.m.keys
		// A review reloads this outcome and the list it was opened from.
		reload := []screen{s}
		if n := len(s.m.stack); n >= 2 && s.m.stack[n-1] == screen(s) {
			reload = append(reload, s.m.stack[n-2])
		}
		if c, ok := s.m.reviewKeys(msg, s.detail, func() tea.Cmd { return nil }, reload...); ok {
			return c
		}
		switch {
		case key.Matches(msg, k.Trajectory), key.Matches(msg, k.Enter):
			return push(newTrajectoryScreen(s.m, s.id))
		case key.Matches(msg, k.Top):
			s.vp.GotoTop()
			return nil
		case key.Matches(msg, k.Bottom):
			s.vp.GotoBottom()
			return nil
		}
	}
	var c tea.Cmd
	s.vp, c = s.vp.Update(msg)
	return c
}

func (s *outcomeScreen) content() string {
	d, st := s.detail, &s.m.st
	var b strings.Builder
	verdict := st.word(d.DisplayStatus).Render(strings.ToUpper(d.DisplayStatus))
	fmt.Fprintf(&b, "%s  %s · %s · trial %d\n", verdict, d.StimulusName, d.Model, d.TrialIndex)
	if r := d.Review; r != nil {
		line := "reviewed"
		if d.Reviewed {
			line = "human verdict " + strings.ToUpper(r.Verdict)
			if d.GradedPassed != nil {
				line += fmt.Sprintf(" (graders: %s)", verdictWord(*d.GradedPassed))
			}
		}
		line += " by " + r.Author + " " + r.At.Format("2006-01-02 15:04")
		b.WriteString(st.mark.Render("✎ "+line) + "\n")
		if r.Note != "" {
			b.WriteString(s.indent("note: "+r.Note, "  ") + "\n")
		}
	}
	cost := "–"
	if d.CostUSD != nil {
		cost = format.USD(*d.CostUSD)
	}
	b.WriteString(ansi.Wrap(fmt.Sprintf("score %s · %s · %s turns · %s tool calls · %d errors · %s tokens (%s in, %s out, %s reasoning) · %s",
		format.Float(d.Score, 3), format.MsP(d.DurationMs), format.IntP(d.Turns), format.IntP(d.ToolCalls), d.Errors, format.IntP(d.TotalTokens),
		format.IntP(d.InputTokens), format.IntP(d.OutputTokens), format.IntP(d.ReasoningTokens), cost), max(s.width-1, 20), " ") + "\n")
	if d.Error != nil {
		fmt.Fprintf(&b, "\n%s\n%s\n", st.errText.Render("error:"), s.indent(*d.Error, "  "))
	}
	b.WriteString("\n" + st.title.Render("Graders") + "\n")
	if len(d.GraderResults) == 0 {
		b.WriteString(st.faint.Render("  no grader results") + "\n")
	}
	for _, g := range d.GraderResults {
		v := "–"
		if g.Passed != nil {
			v = map[bool]string{true: "pass", false: "fail"}[*g.Passed]
		}
		fmt.Fprintf(&b, "  %s  %s %s score %s\n", st.word(v).Render(fit(v, 4, false)), st.title.Render(g.Name), st.faint.Render("("+g.Type+")"), format.Float(g.Score, 2))
		if g.Evidence != "" {
			b.WriteString(s.indent(g.Evidence, "        ") + "\n")
		}
	}
	section := func(name, text string) {
		b.WriteString("\n" + st.title.Render(name) + "\n")
		if text == "" {
			text = st.faint.Render("(empty)")
		}
		b.WriteString(s.indent(text, "  ") + "\n")
	}
	section("Input", d.Input)
	section("Output", d.Output)
	section("Expected", d.Expected)
	b.WriteString("\n" + st.title.Render(fmt.Sprintf("Tool calls (%d)", s.tools.Total)) + "\n")
	for _, t := range s.tools.Items {
		ok := st.good.Render("ok  ")
		if !t.Success {
			ok = st.bad.Render("FAIL")
		}
		dur := "–"
		if t.DurationMs != nil {
			dur = format.MsInt(*t.DurationMs)
		}
		// Long arguments wrap under themselves (a hanging indent), not back to column 0.
		head := fmt.Sprintf("  %2d %s %-10s %7s  ", t.Seq, ok, t.ToolName, dur)
		pre := strings.Repeat(" ", ansi.StringWidth(head))
		args := ansi.Wrap(oneLine(t.Arguments, 2000), max(s.width-len(pre)-1, 20), " ")
		b.WriteString(head + strings.TrimPrefix(indent(args, pre), pre) + "\n")
		if t.Error != nil {
			b.WriteString("        " + st.errText.Render(*t.Error) + "\n")
		}
	}
	b.WriteString("\n" + st.faint.Render("t or enter: trajectory · esc: back") + "\n")
	return b.String()
}

// indent word-wraps s to the screen width and prefixes every line.
func (s *outcomeScreen) indent(text, pre string) string {
	w := max(s.width-len(pre)-1, 20)
	return indent(ansi.Wrap(text, w, " "), pre)
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pre + l
	}
	return strings.Join(lines, "\n")
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func (s *outcomeScreen) view() string {
	if s.detail == nil {
		return "loading outcome " + s.id + "…"
	}
	// Where the view is in a long outcome: its lines shown, of how many, and the percent.
	total := s.vp.TotalLineCount()
	first := s.vp.YOffset() + 1
	last := min(s.vp.YOffset()+s.vp.Height(), total)
	pos := fmt.Sprintf("lines %d–%d of %d · %d%%", first, last, total, int(s.vp.ScrollPercent()*100+0.5))
	return s.vp.View() + "\n" + s.m.st.faint.Render(pos)
}

func (s *outcomeScreen) setSize(w, h int) {
	s.width = w
	s.vp.SetWidth(w)
	s.vp.SetHeight(max(h-1, 1)) // the last line says where the view is
	if s.detail != nil {
		s.vp.SetContent(s.content())
	}
}

func (s *outcomeScreen) typing() bool           { return false }
func (s *outcomeScreen) click(int, int) tea.Cmd { return nil }

func (s *outcomeScreen) selected() any {
	if s.detail == nil {
		return nil
	}
	return s.detail
}

func (s *outcomeScreen) help() []key.Binding {
	k := s.m.keys
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Trajectory, k.Pass, k.Fail, k.Clear, k.Note, k.Undo}
}

func verdictWord(passed bool) string {
	if passed {
		return "pass"
	}
	return "fail"
}
