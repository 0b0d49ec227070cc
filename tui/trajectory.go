package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
)

// trajectoryScreen shows an outcome's transcript (format.Transcript, as the web and the
// report do): the verdict and its reason on top, then one step per line, each tool call
// with its result. Reasoning and tool steps start folded (enter opens one, e all), failed
// steps start open. / searches the steps; n/N jump to the next or previous failed step,
// or, while a search is active, to the next or previous match; esc clears the search.
type trajectoryScreen struct {
	m      *Model
	id     string
	data   *query.OutcomeSteps
	tr     format.Transcript
	open   []bool
	cursor int
	top    int // first line shown
	width  int
	height int
	starts []int // line where each step starts, from the last layout
	lines  []string
	head   int // lines of the header above the steps

	searching bool
	input     textinput.Model
	query     string
}

func newTrajectoryScreen(m *Model, id string) *trajectoryScreen {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "search the transcript"
	return &trajectoryScreen{m: m, id: id, input: in}
}

func (s *trajectoryScreen) title() string { return "transcript" }

func (s *trajectoryScreen) init() tea.Cmd {
	src, id := s.m.opt.Source, s.id
	return load(s, func() (query.OutcomeSteps, error) { return query.OutcomeStepsOf(src, id) })
}

func foldedByDefault(st format.Step) bool {
	return !st.Failed && (st.Kind == format.StepTool || st.Kind == format.StepReasoning || st.Kind == format.StepOther)
}

func (s *trajectoryScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if d, ok := msg.value.(query.OutcomeSteps); ok && msg.err == nil {
			s.data = &d
			s.tr = format.TranscriptOf(d.Trajectory, d.Tools.Items)
			s.open = make([]bool, len(s.tr.Steps))
			for i, st := range s.tr.Steps {
				s.open[i] = !foldedByDefault(st)
			}
			s.layout()
		}
		return nil
	case tea.KeyPressMsg:
		if s.data == nil {
			return nil
		}
		if s.searching {
			return s.searchKey(msg)
		}
		s.key(msg)
		s.cursor = min(max(s.cursor, 0), max(len(s.tr.Steps)-1, 0))
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

func (s *trajectoryScreen) key(msg tea.KeyPressMsg) {
	k := s.m.keys
	n := len(s.tr.Steps)
	switch {
	case key.Matches(msg, k.Filter):
		s.searching = true
		s.input.SetValue(s.query)
		s.input.Focus()
	case msg.String() == "n":
		s.jump(1)
	case msg.String() == "N":
		s.jump(-1)
	case key.Matches(msg, k.Up), key.Matches(msg, k.Down), key.Matches(msg, k.Top), key.Matches(msg, k.Bottom):
		s.cursor, _ = k.moveCursor(msg, s.cursor, n, 0)
	case key.Matches(msg, k.PageDown):
		s.scroll(s.height - 1)
	case key.Matches(msg, k.PageUp):
		s.scroll(-(s.height - 1))
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
}

// searchKey edits the search; enter jumps to the first match from the cursor.
func (s *trajectoryScreen) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.searching = false
		s.input.Blur()
		return nil
	case "enter":
		s.searching = false
		s.input.Blur()
		s.query = strings.TrimSpace(s.input.Value())
		if s.query != "" && !s.matches(s.cursor) {
			s.jump(1)
		}
		if s.query != "" && !s.matches(s.cursor) {
			s.m.status = fmt.Sprintf("no step holds %q", s.query)
		}
		s.layout()
		s.follow()
		return nil
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return cmd
}

// escape clears an active search before esc leaves the screen.
func (s *trajectoryScreen) escape() (bool, tea.Cmd) {
	if s.query == "" {
		return false, nil
	}
	s.query = ""
	s.layout()
	return true, nil
}

// matches says whether step i is a target of n/N: it holds the search, or, without one,
// it failed.
func (s *trajectoryScreen) matches(i int) bool {
	if i < 0 || i >= len(s.tr.Steps) {
		return false
	}
	st := s.tr.Steps[i]
	if s.query == "" {
		return st.Failed
	}
	q := strings.ToLower(s.query)
	for _, t := range []string{st.Label, st.Text, st.Result, st.Error} {
		if strings.Contains(strings.ToLower(t), q) {
			return true
		}
	}
	return false
}

// jump moves the cursor to the next (d 1) or previous (d -1) target, wrapping around,
// and opens it.
func (s *trajectoryScreen) jump(d int) {
	n := len(s.tr.Steps)
	for k := 1; k <= n; k++ {
		i := ((s.cursor+d*k)%n + n) % n
		if s.matches(i) {
			s.cursor = i
			s.open[i] = true
			s.m.status = s.jumpStatus()
			return
		}
	}
	if s.query == "" {
		s.m.status = "no failed step in this transcript"
	} else {
		s.m.status = fmt.Sprintf("no step holds %q", s.query)
	}
}

func (s *trajectoryScreen) jumpStatus() string {
	total, at := 0, 0
	for i := range s.tr.Steps {
		if s.matches(i) {
			total++
			if i <= s.cursor {
				at = total
			}
		}
	}
	what := "failed steps"
	if s.query != "" {
		what = fmt.Sprintf("steps holding %q", s.query)
	}
	return fmt.Sprintf("%d of %d %s", at, total, what)
}

// scroll moves the view by lines and puts the cursor on the first step in view.
func (s *trajectoryScreen) scroll(d int) {
	s.top = min(max(s.top+d, 0), max(len(s.lines)-s.height, 0))
	for i, st := range s.starts {
		if st >= s.top+s.head {
			s.cursor = i
			break
		}
	}
	s.layout()
}

// follow keeps the cursor's step header in view.
func (s *trajectoryScreen) follow() {
	if s.cursor >= len(s.starts) {
		return
	}
	at := s.starts[s.cursor]
	if at < s.top {
		s.top = at
	}
	if at >= s.top+s.height-1 {
		s.top = at - s.height + 2
	}
	s.top = max(s.top, 0)
}

func (s *trajectoryScreen) layout() {
	if s.data == nil {
		return
	}
	s.lines, s.starts = s.lines[:0], s.starts[:0]
	w := max(s.width, 20)
	s.header(w)
	s.head = len(s.lines)
	for i, st := range s.tr.Steps {
		s.starts = append(s.starts, len(s.lines))
		s.step(i, st, w)
	}
}

// header is the outcome's verdict line, its reason and its graders' verdicts.
func (s *trajectoryScreen) header(w int) {
	st, o := &s.m.st, s.data.Outcome
	verdict := strings.ToUpper(o.DisplayStatus)
	line := st.word(o.DisplayStatus).Render(verdict) + " " + st.title.Render(o.StimulusName) + st.faint.Render(fmt.Sprintf(" · %s · trial %d", o.Model, o.TrialIndex))
	s.lines = append(s.lines, ansi.Truncate(line, w, "…"))
	if o.Reason != nil {
		for _, l := range strings.Split(ansi.Wrap(*o.Reason, w-2, " "), "\n") {
			s.lines = append(s.lines, "  "+st.bad.Render(l))
		}
	}
	var gs []string
	for _, g := range o.GraderResults {
		v := "ungraded"
		if g.Passed != nil {
			v = map[bool]string{true: "pass", false: "fail"}[*g.Passed]
		}
		gs = append(gs, g.Name+" "+st.word(v).Render(v))
	}
	if len(gs) > 0 {
		s.lines = append(s.lines, ansi.Truncate("  "+strings.Join(gs, st.faint.Render(" · ")), w, "…"))
	}
	sum := fmt.Sprintf("%d steps", len(s.tr.Steps))
	if s.tr.Failures > 0 {
		sum += fmt.Sprintf(" · %d failed (n/N)", s.tr.Failures)
	}
	if s.query != "" {
		sum += fmt.Sprintf(" · search %q (n/N, esc clears)", s.query)
	}
	s.lines = append(s.lines, st.faint.Render(sum))
}

var stepMarks = map[string]string{
	format.StepSystem: "system", format.StepUser: "user", format.StepAssistant: "assistant",
	format.StepReasoning: "reasoning", format.StepTool: "tool", format.StepError: "error",
}

// step lays out one step: a header line (folded: with a preview), and when open its text,
// and for a tool its result under an arrow.
func (s *trajectoryScreen) step(i int, stp format.Step, w int) {
	st := &s.m.st
	marker := "▸"
	if s.open[i] {
		marker = "▾"
	}
	label := stepMarks[stp.Kind]
	if label == "" {
		label = stp.Label
	}
	head := fmt.Sprintf("%s %3d %s", marker, stp.Seq, st.title.Render(label))
	if stp.Kind == format.StepTool {
		head += " " + st.mark.Render(stp.Label)
		if stp.DurationMs != nil {
			head += " " + st.faint.Render(format.MsP(stp.DurationMs))
		}
	}
	if stp.Failed {
		head += " " + st.bad.Render("FAILED")
	}
	if s.query != "" && s.matches(i) {
		head += " " + st.warn.Render("◆")
	}
	if !s.open[i] {
		head += "  " + st.faint.Render(oneLine(s.preview(stp), max(w-ansi.StringWidth(head)-3, 10)))
	}
	if i == s.cursor {
		head = st.cursor.Render(ansi.Strip(fit(head, w, false)))
	}
	s.lines = append(s.lines, ansi.Truncate(head, w, "…"))
	if !s.open[i] {
		return
	}
	body := st.box
	if stp.Kind == format.StepError {
		body = st.errText
	}
	s.text(stp.Text, "      ", body, w)
	if stp.Kind == format.StepTool {
		if stp.HasResult {
			s.lines = append(s.lines, "    "+st.faint.Render("→ result"))
			s.text(stp.Result, "      ", st.box, w)
		}
		if stp.Error != "" {
			s.lines = append(s.lines, "    "+st.bad.Render("→ error"))
			s.text(stp.Error, "      ", st.errText, w)
		}
	}
}

// maxStepLines folds a long text in the explorer (the rest: `evals trajectory ID`).
const maxStepLines = 40

func (s *trajectoryScreen) text(t, indent string, style interface{ Render(...string) string }, w int) {
	if t == "" {
		return
	}
	head, more := format.Fold(ansi.Wrap(t, max(w-len(indent), 10), " "), maxStepLines)
	for _, l := range strings.Split(head, "\n") {
		s.lines = append(s.lines, indent+style.Render(l))
	}
	if more > 0 {
		s.lines = append(s.lines, indent+s.m.st.faint.Render(fmt.Sprintf("… %d more lines (evals trajectory %s)", more, s.id)))
	}
}

func (s *trajectoryScreen) preview(st format.Step) string {
	if st.Kind != format.StepTool {
		return st.Text
	}
	p := st.Text
	switch {
	case st.Error != "":
		p += " → " + st.Error
	case st.HasResult:
		p += " → " + st.Result
	}
	return p
}

func (s *trajectoryScreen) view() string {
	if s.data == nil {
		return "loading the transcript of " + s.id + "…"
	}
	end := min(s.top+s.height, len(s.lines))
	out := strings.Join(s.lines[s.top:end], "\n")
	if len(s.tr.Steps) == 0 {
		out += "\nthis outcome has no trajectory events"
	}
	if s.searching {
		lines := strings.Split(out, "\n")
		if len(lines) >= s.height {
			lines = lines[:s.height-1]
		}
		out = strings.Join(append(lines, s.input.View()), "\n")
	}
	return out
}

func (s *trajectoryScreen) setSize(w, h int) {
	s.width, s.height = w, max(h, 1)
	s.input.SetWidth(max(w-4, 10))
	s.layout()
	s.follow()
}

func (s *trajectoryScreen) typing() bool { return s.searching }

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
	if s.data == nil || s.cursor >= len(s.tr.Steps) {
		return nil
	}
	return s.tr.Steps[s.cursor]
}

func (s *trajectoryScreen) help() []key.Binding {
	k := s.m.keys
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Expand, k.ExpandAll,
		key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search the transcript")),
		key.NewBinding(key.WithKeys("n"), key.WithHelp("n/N", "next/previous failed step (or search match)"))}
}
