package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
)

// diffScreen shows a regression's base and new trial side by side, step by step
// (format.DiffTranscripts, as the web's transcript diff): same steps plain, changed ones
// marked ≠, one-sided ones − and +, the first divergence marked and put under the cursor.
// enter opens a row's two steps in full; [ and ] open either trial's transcript.
type diffScreen struct {
	m              *Model
	baseID, newID  string
	diff           *format.TranscriptDiff
	cursor, top    int
	open           map[int]bool
	width, height  int
	baseOK, newOut string
}

func newDiffScreen(m *Model, baseID, newID string) *diffScreen {
	return &diffScreen{m: m, baseID: baseID, newID: newID, open: map[int]bool{}}
}

func (s *diffScreen) title() string { return "transcript diff" }

type diffLoaded struct {
	diff       format.TranscriptDiff
	base, next query.OutcomeDetail
}

func (s *diffScreen) init() tea.Cmd {
	src, ids := s.m.opt.Source, []string{s.baseID, s.newID}
	return load(s, func() (diffLoaded, error) {
		var trs [2]format.Transcript
		var out diffLoaded
		for i, id := range ids {
			steps, err := query.OutcomeStepsOf(src, id)
			if err != nil {
				return out, err
			}
			trs[i] = format.TranscriptOf(steps.Trajectory, steps.Tools.Items)
			if i == 0 {
				out.base = steps.Outcome
			} else {
				out.next = steps.Outcome
			}
		}
		out.diff = format.DiffTranscripts(trs[0], trs[1])
		return out, nil
	})
}

func (s *diffScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if v, ok := msg.value.(diffLoaded); ok && msg.err == nil {
			s.diff = &v.diff
			s.baseOK = fmt.Sprintf("BASE %s trial %d %s", v.base.RunID, v.base.TrialIndex, v.base.DisplayStatus)
			s.newOut = fmt.Sprintf("NEW %s trial %d %s", v.next.RunID, v.next.TrialIndex, v.next.DisplayStatus)
			if v.next.Reason != nil {
				s.newOut += " · " + *v.next.Reason
			}
			s.cursor = max(v.diff.Diverges, 0)
		}
	case tea.KeyPressMsg:
		if s.diff == nil {
			return nil
		}
		k := s.m.keys
		if c, ok := k.moveCursor(msg, s.cursor, len(s.diff.Rows), max(s.height/2, 1)); ok {
			s.cursor = c
			return nil
		}
		switch {
		case key.Matches(msg, k.Expand):
			s.open[s.cursor] = !s.open[s.cursor]
		case key.Matches(msg, k.OpenBase):
			return push(newTrajectoryScreen(s.m, s.baseID))
		case key.Matches(msg, k.OpenNew):
			return push(newTrajectoryScreen(s.m, s.newID))
		}
		s.cursor = min(max(s.cursor, 0), max(len(s.diff.Rows)-1, 0))
	}
	return nil
}

var alignMarks = map[string]string{format.AlignSame: " ", format.AlignChanged: "≠", format.AlignBase: "−", format.AlignNew: "+"}

// lines lays the rows out; starts[i] is row i's first line.
func (s *diffScreen) lines() (out []string, starts []int) {
	st := &s.m.st
	w := max((s.width-4)/2, 10)
	cell := func(p *format.Step, n int, full bool) []string {
		if p == nil {
			return []string{st.faint.Render("—")}
		}
		head := fmt.Sprintf("%3d %s", p.Seq, p.Label)
		if p.Failed {
			head += " " + st.bad.Render("FAILED")
		}
		if !full {
			return []string{ansi.Truncate(head+"  "+st.faint.Render(oneLine(p.Text+" "+p.Result+" "+p.Error, n)), n, "…")}
		}
		body := strings.TrimSpace(strings.Join([]string{p.Text, p.Result, p.Error}, "\n"))
		folded, more := format.Fold(ansi.Wrap(body, n-2, " "), 20)
		ls := []string{head}
		for _, l := range strings.Split(folded, "\n") {
			ls = append(ls, "  "+l)
		}
		if more > 0 {
			ls = append(ls, st.faint.Render(fmt.Sprintf("  … %d more lines", more)))
		}
		return ls
	}
	for i, r := range s.diff.Rows {
		starts = append(starts, len(out))
		mark := alignMarks[r.Align]
		if r.Divergence {
			out = append(out, st.bad.Render("▶ first divergence"))
		}
		left, right := cell(r.Base, w, s.open[i]), cell(r.New, w, s.open[i])
		for len(left) < len(right) {
			left = append(left, "")
		}
		for len(right) < len(left) {
			right = append(right, "")
		}
		for k := range left {
			l := lipgloss.NewStyle().Width(w).MaxWidth(w).Render(left[k])
			line := mark + " " + l + " │ " + right[k]
			if k == 0 && i == s.cursor {
				line = st.cursor.Render(ansi.Strip(fit(line, s.width, false)))
			} else if r.Align != format.AlignSame {
				line = st.warn.Render(mark) + line[len(mark):]
			}
			out = append(out, ansi.Truncate(line, s.width, "…"))
			mark = " "
		}
	}
	return out, starts
}

func (s *diffScreen) view() string {
	if s.diff == nil {
		return "loading the two transcripts…"
	}
	st := &s.m.st
	head := []string{ansi.Truncate(st.title.Render(s.baseOK)+st.faint.Render("  │  ")+s.newOut, s.width, "…")}
	if s.diff.Diverges < 0 {
		head = append(head, st.faint.Render("the two transcripts are the same step for step"))
	} else {
		head = append(head, st.faint.Render(fmt.Sprintf("%d rows · first divergence at row %d · ≠ changed, − base only, + new only · enter opens a row · [ ] open a transcript", len(s.diff.Rows), s.diff.Diverges+1)))
	}
	lines, starts := s.lines()
	room := max(s.height-len(head), 1)
	if s.cursor < len(starts) {
		at := starts[s.cursor]
		if at < s.top {
			s.top = at
		}
		if at >= s.top+room-1 {
			s.top = at - room + 2
		}
	}
	s.top = min(max(s.top, 0), max(len(lines)-room, 0))
	end := min(s.top+room, len(lines))
	return strings.Join(append(head, lines[s.top:end]...), "\n")
}

func (s *diffScreen) setSize(w, h int)       { s.width, s.height = w, max(h, 1) }
func (s *diffScreen) typing() bool           { return false }
func (s *diffScreen) click(int, int) tea.Cmd { return nil }

func (s *diffScreen) selected() any {
	if s.diff == nil || s.cursor >= len(s.diff.Rows) {
		return nil
	}
	return s.diff.Rows[s.cursor]
}

func (s *diffScreen) help() []key.Binding {
	k := s.m.keys
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Expand, k.OpenBase, k.OpenNew}
}
