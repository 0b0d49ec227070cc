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

// compareScreen compares a run with a baseline: the summary per model first, then the
// changed stimuli, regressions first.
type compareScreen struct {
	m      *Model
	newID  string
	baseID string
	c      *query.Compare
	g      *grid
	height int
	width  int
}

type changeRow struct {
	Kind     string            `json:"kind"`
	Model    string            `json:"model"`
	Stimulus string            `json:"stimulus"`
	Base     query.CompareCell `json:"base"`
	New      query.CompareCell `json:"new"`
	baseSubj string
	newSubj  string
}

func newCompareScreen(m *Model, newID, baseID string) *compareScreen {
	s := &compareScreen{m: m, newID: newID, baseID: baseID}
	s.g = newGrid(&m.st, &m.keys, []column{{"CHANGE", kindStatus, 0, false}, {"MODEL", kindText, 22, false}, {"STIMULUS", kindText, 40, false},
		{"BASE", kindText, 24, false}, {"NEW", kindText, 24, false}}, "no stimulus changed status")
	return s
}

func (s *compareScreen) title() string { return "compare " + s.newID + " vs " + s.baseID }

func (s *compareScreen) init() tea.Cmd {
	src, p := s.m.opt.Source, query.NewCompareParams(s.newID, s.baseID)
	return load(s, func() (query.Compare, error) { return query.CompareRuns(src, p) })
}

func (s *compareScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if c, ok := msg.value.(query.Compare); ok && msg.err == nil {
			s.c = &c
			s.fill()
			s.setSize(s.width, s.height)
		}
		return nil
	case tea.KeyPressMsg:
		if !s.g.filtering && key.Matches(msg, s.m.keys.Enter) {
			if r, ok := s.g.current(); ok {
				ch := r.value.(changeRow)
				return push(newPairScreen(s.m, ch, s.c))
			}
			return nil
		}
	}
	s.g.update(msg)
	return nil
}

func (s *compareScreen) fill() {
	pairs := map[string]query.PairSummary{}
	for _, p := range s.c.Summary {
		pairs[p.Pair] = p
	}
	var rows []row
	for _, r := range s.c.Rows {
		for _, ch := range r.Changes {
			if ch.Kind == "unchanged" {
				continue
			}
			p := pairs[ch.Pair]
			cr := changeRow{Kind: ch.Kind, Model: p.Model, Stimulus: r.Stimulus, Base: r.Cells[p.Base], New: r.Cells[p.New], baseSubj: p.Base, newSubj: p.New}
			rows = append(rows, row{cells: []string{ch.Kind, p.Model, r.Stimulus, cellLabel(cr.Base), cellLabel(cr.New)},
				value: cr, failed: ch.Kind == "regressed" || ch.Kind == "errored"})
		}
	}
	s.g.setRows(rows)
}

func cellLabel(c query.CompareCell) string {
	if c.Status == "missing" {
		return "missing"
	}
	l := c.Status + " " + format.Pct(c.PassRate)
	if c.Flaky {
		l += " ~"
	}
	return l
}

func (s *compareScreen) summary() []string {
	st := &s.m.st
	var lines []string
	first, base := s.c.Subjects[0], query.Subject{}
	for _, x := range s.c.Subjects {
		if x.RunID != first.RunID {
			base = x
			break
		}
	}
	lines = append(lines, fmt.Sprintf("%s %s against %s %s · %d/%d stimuli in common · %s",
		st.title.Render(first.RunName), st.faint.Render(first.RunID), st.title.Render(base.RunName), st.faint.Render(base.RunID),
		s.c.Coverage.IntersectionCount, s.c.Coverage.UnionCount, st.faint.Render("▼ regressed ▲ improved ~ flaky")))
	for _, p := range s.c.Summary {
		// The paired delta in points with its interval: the verdict's own evidence.
		delta := "–"
		if d := p.Delta; d.Estimate != nil {
			delta = fmt.Sprintf("%+.1f", *d.Estimate*100)
			if d.Low != nil && d.High != nil {
				delta += fmt.Sprintf(" [%+.1f,%+.1f]", *d.Low*100, *d.High*100)
			}
		}
		verdict := strings.ReplaceAll(p.Verdict, "_", " ")
		lines = append(lines, fmt.Sprintf("  %s %s %s → %s %s %s %s %s",
			fit(p.Model, 18, false), st.word(verdict).Render(fit(verdict, 12, false)), format.Pct(p.StimulusMeanPassRateBase), format.Pct(p.StimulusMeanPassRateNew),
			st.faint.Render(fit(delta, 19, false)), st.bad.Render(fmt.Sprintf("▼%d", p.Regressions)),
			st.good.Render(fmt.Sprintf("▲%d", p.Improvements)), st.warn.Render(fmt.Sprintf("~%d", p.Flaky))))
	}
	return lines
}

func (s *compareScreen) view() string {
	if s.c == nil {
		return "comparing " + s.newID + " with " + s.baseID + "…"
	}
	var b strings.Builder
	for _, l := range s.summary() {
		b.WriteString(ansi.Truncate(l, s.width, "…") + "\n")
	}
	b.WriteString(s.g.render())
	return b.String()
}

func (s *compareScreen) setSize(w, h int) {
	s.width, s.height = w, h
	head := 1
	if s.c != nil {
		head = len(s.summary())
	}
	s.g.setSize(w, max(h-head, 3))
}

func (s *compareScreen) typing() bool { return s.g.filtering }

// escape clears a committed filter before esc leaves the screen.
func (s *compareScreen) escape() (bool, tea.Cmd) { return s.g.clearFilter(), nil }

func (s *compareScreen) click(_, y int) tea.Cmd {
	if s.c != nil {
		s.g.click(y - len(s.summary()))
	}
	return nil
}

func (s *compareScreen) selected() any {
	if r, ok := s.g.current(); ok {
		return r.value
	}
	return nil
}

func (s *compareScreen) help() []key.Binding {
	k := s.m.keys
	return []key.Binding{k.Up, k.Down, k.Enter, k.Filter, k.Left, k.Right, k.Sort, k.Reverse, k.Failures}
}

// pairScreen shows the outcomes of one stimulus and model in both runs, side by side.
type pairScreen struct {
	m      *Model
	ch     changeRow
	runs   [2]string
	sides  [2][]query.OutcomeDetail
	done   bool
	top    int
	width  int
	height int
}

func newPairScreen(m *Model, ch changeRow, c *query.Compare) *pairScreen {
	s := &pairScreen{m: m, ch: ch}
	s.runs[0] = strings.SplitN(ch.baseSubj, ":", 2)[0]
	s.runs[1] = strings.SplitN(ch.newSubj, ":", 2)[0]
	return s
}

func (s *pairScreen) title() string { return s.ch.Stimulus + " · " + s.ch.Model }

func (s *pairScreen) init() tea.Cmd {
	src, ch, runs := s.m.opt.Source, s.ch, s.runs
	return load(s, func() ([2][]query.OutcomeDetail, error) {
		var out [2][]query.OutcomeDetail
		for i, run := range runs {
			subj := ch.baseSubj
			if i == 1 {
				subj = ch.newSubj
			}
			model := strings.SplitN(subj, ":", 2)[1]
			page, err := query.Outcomes(src, query.OutcomesParams{Runs: []string{run}, Model: []string{model}, Stimulus: []string{ch.Stimulus}, Limit: 50})
			if err != nil {
				return out, err
			}
			for _, o := range page.Items {
				d, err := query.OutcomeOf(src, o.ID)
				if err != nil {
					return out, err
				}
				out[i] = append(out[i], d)
			}
		}
		return out, nil
	})
}

func (s *pairScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if v, ok := msg.value.([2][]query.OutcomeDetail); ok && msg.err == nil {
			s.sides, s.done = v, true
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, s.m.keys.Down):
			s.top++
		case key.Matches(msg, s.m.keys.Up):
			s.top = max(s.top-1, 0)
		case key.Matches(msg, s.m.keys.PageDown):
			s.top += s.height
		case key.Matches(msg, s.m.keys.PageUp):
			s.top = max(s.top-s.height, 0)
		case key.Matches(msg, s.m.keys.Top):
			s.top = 0
		case key.Matches(msg, s.m.keys.OpenBase), key.Matches(msg, s.m.keys.OpenNew):
			side := 0
			if key.Matches(msg, s.m.keys.OpenNew) {
				side = 1
			}
			if len(s.sides[side]) == 0 {
				return status("no outcome on that side")
			}
			return push(newOutcomeScreen(s.m, s.sides[side][0].ID))
		case key.Matches(msg, s.m.keys.Trajectory):
			if len(s.sides[0]) == 0 || len(s.sides[1]) == 0 {
				return status("a transcript diff needs an outcome on both sides")
			}
			return push(newDiffScreen(s.m, s.sides[0][0].ID, s.sides[1][0].ID))
		}
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelDown {
			s.top += 3
		} else if msg.Button == tea.MouseWheelUp {
			s.top = max(s.top-3, 0)
		}
	}
	return nil
}

func (s *pairScreen) side(i int, w int) string {
	st := &s.m.st
	var b strings.Builder
	label := []string{"BASE " + s.runs[0], "NEW " + s.runs[1]}[i]
	b.WriteString(st.title.Render(label) + "\n")
	if len(s.sides[i]) == 0 {
		b.WriteString(st.faint.Render("no outcomes") + "\n")
	}
	for _, o := range s.sides[i] {
		fmt.Fprintf(&b, "%s trial %d  score %s  %s\n", st.word(o.DisplayStatus).Render(fit(o.DisplayStatus, 7, false)), o.TrialIndex,
			format.Float(o.Score, 2), st.faint.Render(o.ID))
		if o.Error != nil {
			b.WriteString(ansi.Wrap("  error: "+*o.Error, w, " ") + "\n")
		}
		for _, g := range o.GraderResults {
			if g.Passed != nil && !*g.Passed {
				b.WriteString(ansi.Wrap("  ✗ "+g.Name+": "+g.Evidence, w, " ") + "\n")
			}
		}
		b.WriteString(ansi.Wrap("  output: "+oneLine(o.Output, 300), w, " ") + "\n")
	}
	return b.String()
}

func (s *pairScreen) view() string {
	if !s.done {
		return "loading outcomes…"
	}
	w := max((s.width-3)/2, 10)
	left := lipgloss.NewStyle().Width(w).Render(s.side(0, w))
	right := lipgloss.NewStyle().Width(w).Render(s.side(1, w))
	body := lipgloss.JoinHorizontal(lipgloss.Top, left, " │ ", right)
	if len(s.sides[0]) > 0 && len(s.sides[1]) > 0 {
		// The outputs of the first trial of each side, word by word.
		st := &s.m.st
		d := diffText(wordDiff(s.sides[0][0].Output, s.sides[1][0].Output), func(op int, t string) string {
			switch op {
			case -1:
				return st.bad.Render(t)
			case +1:
				return st.good.Render(t)
			}
			return t
		})
		body += "\n\n" + st.title.Render("output diff, trial "+fmt.Sprint(s.sides[0][0].TrialIndex)+" → "+fmt.Sprint(s.sides[1][0].TrialIndex)) +
			st.faint.Render("  [-base only-] {+new only+}") + "\n" + ansi.Wrap(d, max(s.width-1, 20), " ")
	}
	lines := strings.Split(body, "\n")
	s.top = min(s.top, max(len(lines)-s.height, 0))
	head := fmt.Sprintf("%s  %s → %s", s.m.st.word(s.ch.Kind).Render(s.ch.Kind), cellLabel(s.ch.Base), cellLabel(s.ch.New)) + s.m.st.faint.Render("  t transcript diff")
	end := min(s.top+s.height-1, len(lines))
	return head + "\n" + strings.Join(lines[s.top:end], "\n")
}

func (s *pairScreen) setSize(w, h int)       { s.width, s.height = w, h }
func (s *pairScreen) typing() bool           { return false }
func (s *pairScreen) click(int, int) tea.Cmd { return nil }
func (s *pairScreen) selected() any          { return s.sides }

func (s *pairScreen) help() []key.Binding {
	k := s.m.keys
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.OpenBase, k.OpenNew,
		key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "transcript diff of the first trials"))}
}
