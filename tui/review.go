package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// Writer is what the explorer writes through: human verdicts, notes and run edits
// (*store.Store). Without one the explorer is read-only.
type Writer interface {
	Annotate(store.Annotation) (store.Annotation, error)
	EditRun(store.RunEdit) (store.Run, error)
	DeleteRun(id string) error
	RestoreRun(id string) (store.Run, error)
}

// prompt is a one-line question in the status bar: a note, a new name, a confirmation.
type prompt struct {
	label  string
	input  textinput.Model
	submit func(value string) tea.Cmd
}

func (m *Model) ask(label, value string, submit func(string) tea.Cmd) tea.Cmd {
	in := textinput.New()
	in.Prompt = ""
	st := in.Styles()
	st.Cursor.Blink = false // a steady cursor: no timer per key
	in.SetStyles(st)
	in.SetValue(value)
	in.CharLimit = 2000
	m.prompt = &prompt{label: label, input: in, submit: submit}
	return m.prompt.input.Focus()
}

func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.prompt
	switch msg.String() {
	case "esc":
		m.prompt = nil
		m.status = "cancelled"
		return nil
	case "enter":
		m.prompt = nil
		return p.submit(p.input.Value())
	}
	var c tea.Cmd
	p.input, c = p.input.Update(msg)
	return c
}

// writtenMsg reports a write: what it did, how to undo it, and the screens to reload.
type writtenMsg struct {
	label  string
	undo   *undo
	err    error
	reload []screen
}

// maxUndo is how many writes ctrl+z can take back, one by one.
const maxUndo = 50

// undo is a write ctrl+z takes back (the newest first).
type undo struct {
	label string
	do    func() error
}

// write runs fn off the update loop; the screens in reload are loaded again after it.
func (m *Model) write(label string, fn func() (*undo, error), reload ...screen) tea.Cmd {
	if m.opt.Writer == nil {
		m.status = "read-only: this explorer cannot write to the store"
		return nil
	}
	return func() tea.Msg {
		u, err := fn()
		return writtenMsg{label: label, undo: u, err: err, reload: reload}
	}
}

func (m *Model) written(msg writtenMsg) tea.Cmd {
	if msg.err != nil {
		m.err = format.Sanitize(msg.err.Error())
		return nil
	}
	m.status = msg.label
	if msg.undo != nil {
		m.undos = append(m.undos, msg.undo)
		if len(m.undos) > maxUndo {
			m.undos = m.undos[len(m.undos)-maxUndo:]
		}
		m.status += " · ctrl+z undoes"
	}
	var cmds []tea.Cmd
	for _, s := range msg.reload {
		cmds = append(cmds, m.track(s.init()))
	}
	return tea.Batch(cmds...)
}

func (m *Model) undoLast() tea.Cmd {
	if len(m.undos) == 0 {
		m.status = "nothing to undo"
		return nil
	}
	u := m.undos[len(m.undos)-1]
	m.undos = m.undos[:len(m.undos)-1]
	reload := append([]screen(nil), m.stack...)
	return func() tea.Msg {
		return writtenMsg{label: "undone: " + u.label, err: u.do(), reload: reload}
	}
}

// review records a human verdict and/or a note on an outcome; prev is its review before,
// which undo writes back.
func (m *Model) review(id string, prev *store.Review, verdict, note *string, reload ...screen) tea.Cmd {
	w := m.opt.Writer
	what := []string{}
	if verdict != nil {
		v := *verdict
		if v == "" {
			v = "cleared"
		}
		what = append(what, "verdict "+v)
	}
	if note != nil {
		what = append(what, "note")
	}
	label := strings.Join(what, " and ") + " on " + id
	return m.write(label, func() (*undo, error) {
		_, err := w.Annotate(store.Annotation{OutcomeID: id, Verdict: verdict, Note: note, Author: store.Author("")})
		if err != nil {
			return nil, err
		}
		var pv, pn string
		if prev != nil {
			pv, pn = prev.Verdict, prev.Note
		}
		back := store.Annotation{OutcomeID: id, Author: store.Author("")}
		if verdict != nil {
			back.Verdict = &pv
		}
		if note != nil {
			back.Note = &pn
		}
		return &undo{label: label, do: func() error { _, err := w.Annotate(back); return err }}, nil
	}, reload...)
}

// reviewKeys handles p, x, u and a on an outcome; it reports whether the key was one.
func (m *Model) reviewKeys(msg tea.KeyPressMsg, d *query.OutcomeDetail, after func() tea.Cmd, reload ...screen) (tea.Cmd, bool) {
	k := m.keys
	if d == nil {
		if key.Matches(msg, k.Pass, k.Fail, k.Clear, k.Note) {
			return status("the outcome is still loading: try again in a moment"), true
		}
		return nil, false
	}
	set := func(v string) tea.Cmd {
		return tea.Batch(m.review(d.ID, d.Review, &v, nil, reload...), after())
	}
	switch {
	case key.Matches(msg, k.Pass):
		return set(store.VerdictPass), true
	case key.Matches(msg, k.Fail):
		return set(store.VerdictFail), true
	case key.Matches(msg, k.Clear):
		return set(""), true
	case key.Matches(msg, k.Note):
		old := ""
		if d.Review != nil {
			old = d.Review.Note
		}
		return m.ask("note on "+d.ID+":", old, func(v string) tea.Cmd {
			return m.review(d.ID, d.Review, nil, &v, reload...)
		}), true
	}
	return nil, false
}

// reviewScreen walks a run's failed and ungraded outcomes one by one: a verdict moves on
// to the next.
type reviewScreen struct {
	m     *Model
	runID string
	ids   []string
	at    int
	cur   *outcomeScreen
	w, h  int
}

func newReviewScreen(m *Model, runID string) *reviewScreen {
	return &reviewScreen{m: m, runID: runID}
}

func (s *reviewScreen) title() string { return "review " + s.runID }

func (s *reviewScreen) init() tea.Cmd {
	if s.ids != nil {
		return s.open()
	}
	src, run := s.m.opt.Source, s.runID
	return load(s, func() ([]query.OutcomeSummary, error) {
		// Failed, errored and ungraded outcomes by the effective verdict: what still needs
		// a look (an outcome passed by hand is done).
		items, _, err := query.OutcomeList(src, query.OutcomesParams{Runs: []string{run}, Status: []string{"failed", "error", "pending"}}, 100000)
		return items, err
	})
}

func (s *reviewScreen) open() tea.Cmd {
	if len(s.ids) == 0 {
		return nil
	}
	s.cur = newOutcomeScreen(s.m, s.ids[s.at])
	s.cur.setSize(s.w, max(s.h-1, 1))
	return s.cur.init() // the caller tracks it (init's caller does: a reload counted twice spun forever)
}

func (s *reviewScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if items, ok := msg.value.([]query.OutcomeSummary); ok && msg.err == nil {
			s.ids = []string{}
			for _, o := range items {
				s.ids = append(s.ids, o.ID)
			}
			return s.m.track(s.open())
		}
		return nil
	case tea.KeyPressMsg:
		k := s.m.keys
		switch {
		case key.Matches(msg, k.Next):
			return s.move(1)
		case key.Matches(msg, k.Prev):
			return s.move(-1)
		}
		if s.cur != nil {
			if c, ok := s.m.reviewKeys(msg, s.cur.detail, func() tea.Cmd { return s.move(1) }, s.cur); ok {
				return c
			}
			return s.cur.update(msg)
		}
	}
	return nil
}

func (s *reviewScreen) move(d int) tea.Cmd {
	if len(s.ids) == 0 {
		return nil
	}
	n := s.at + d
	if n < 0 || n >= len(s.ids) {
		if n >= len(s.ids) {
			return status("review done: the last outcome of " + s.runID)
		}
		return nil
	}
	s.at = n
	return s.m.track(s.open())
}

func (s *reviewScreen) view() string {
	if s.ids == nil {
		return "loading the outcomes to review…"
	}
	if len(s.ids) == 0 {
		return "nothing to review: no failed or ungraded outcome in run " + s.runID
	}
	head := s.m.st.title.Render(fmt.Sprintf("review %d/%d", s.at+1, len(s.ids))) + s.m.st.faint.Render("  p pass · x fail · u clear · a note · n/→ next · N/← previous · esc done")
	body := "loading…"
	if s.cur != nil && s.cur.detail != nil && s.cur.detail.ID == s.ids[s.at] {
		body = s.cur.view()
	}
	return head + "\n" + body
}

func (s *reviewScreen) setSize(w, h int) {
	s.w, s.h = w, h
	if s.cur != nil {
		s.cur.setSize(w, max(h-1, 1))
	}
}

func (s *reviewScreen) help() []key.Binding {
	k := s.m.keys
	return []key.Binding{k.Pass, k.Fail, k.Clear, k.Note, k.Next, k.Prev, k.Undo}
}

func (s *reviewScreen) typing() bool { return false }

func (s *reviewScreen) selected() any {
	if s.cur != nil && s.cur.detail != nil {
		return s.cur.detail
	}
	return nil
}

func (s *reviewScreen) click(x, y int) tea.Cmd { return nil }
