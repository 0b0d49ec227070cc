package tui

import (
	"fmt"
	"math"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// runsScreen lists every run, newest first.
type runsScreen struct {
	m      *Model
	g      *grid
	runs   []query.RunSummary
	marked string
	loaded bool
}

func newRunsScreen(m *Model) *runsScreen {
	s := &runsScreen{m: m}
	s.g = newGrid(&m.st, &m.keys, []column{{"ID", kindText, 12, false}, {"NAME", kindText, 28, false}, {"CREATED", kindText, 16, false},
		{"MODELS", kindNum, 0, false}, {"OUTCOMES", kindNum, 0, false}, {"PASS", kindRate, 0, false}, {"", kindText, 10, true}, {"STATUS", kindStatus, 0, true}},
		"no runs yet: import results with `evals import FILE`, or try `evals demo`")
	return s
}

func (s *runsScreen) title() string { return "runs" }

func (s *runsScreen) init() tea.Cmd {
	src := s.m.opt.Source
	return load(s, func() ([]query.RunSummary, error) {
		var all []query.RunSummary
		cursor := ""
		for {
			p, err := query.Runs(src, query.RunsParams{Cursor: cursor, Limit: query.MaxLimit})
			if err != nil {
				return nil, err
			}
			all = append(all, p.Items...)
			if p.Page.NextCursor == nil {
				return all, nil
			}
			cursor = *p.Page.NextCursor
		}
	})
}

func (s *runsScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if runs, ok := msg.value.([]query.RunSummary); ok && msg.err == nil {
			s.runs, s.loaded = runs, true
			s.fill()
		}
		return nil
	case tea.KeyPressMsg:
		if !s.g.filtering {
			switch {
			case key.Matches(msg, s.m.keys.Enter):
				if r, ok := s.current(); ok {
					return push(newRunScreen(s.m, r.ID))
				}
				return nil
			case key.Matches(msg, s.m.keys.Mark):
				if r, ok := s.current(); ok {
					if s.marked == r.ID {
						s.marked = ""
					} else {
						s.marked = r.ID
					}
					s.fill()
					return status("marked " + r.Name + ": press c on another run to compare")
				}
			case key.Matches(msg, s.m.keys.Compare):
				return s.compare()
			case key.Matches(msg, s.m.keys.Trend):
				return push(newTrendScreen(s.m))
			case key.Matches(msg, s.m.keys.Rename):
				return s.rename()
			case key.Matches(msg, s.m.keys.Delete):
				return s.delete()
			}
		}
	}
	s.g.update(msg)
	return nil
}

// compare opens the comparison of the run under the cursor with the marked run, or with
// the run just older than it.
func (s *runsScreen) compare() tea.Cmd {
	r, ok := s.current()
	if !ok {
		return nil
	}
	base := s.marked
	if base == "" || base == r.ID {
		base = ""
		for i, x := range s.runs {
			if x.ID == r.ID && i+1 < len(s.runs) {
				base = s.runs[i+1].ID
			}
		}
	}
	if base == "" {
		return status("no older run to compare with: mark one with m")
	}
	return push(newCompareScreen(s.m, r.ID, base))
}

func (s *runsScreen) current() (query.RunSummary, bool) {
	r, ok := s.g.current()
	if !ok {
		return query.RunSummary{}, false
	}
	return r.value.(query.RunSummary), true
}

func (s *runsScreen) fill() {
	rows := make([]row, 0, len(s.runs))
	for _, r := range s.runs {
		id := r.ID
		if id == s.marked {
			id = "*" + id
		}
		pr := math.NaN()
		if r.PassRate != nil {
			pr = *r.PassRate
		}
		rows = append(rows, row{
			cells: []string{id, r.Name, format.Time(r.CreatedAt), fmt.Sprint(len(r.Models)), format.Int(r.OutcomeCount),
				format.PctPM(r.PassRate, r.PassRateInterval), format.Bar(r.PassRate, 10), runStatus(r)},
			nums:   []float64{math.NaN(), math.NaN(), float64(-r.CreatedAt.Unix()), float64(len(r.Models)), float64(r.OutcomeCount), pr},
			value:  r,
			failed: r.PassRate != nil && *r.PassRate < 0.5 || r.Status == "failed",
			rates:  []*float64{nil, nil, nil, nil, nil, r.PassRate, r.PassRate},
		})
	}
	s.g.setRows(rows)
}

func (s *runsScreen) view() string {
	if !s.loaded {
		return "loading runs…"
	}
	return s.g.render()
}

func (s *runsScreen) setSize(w, h int) { s.g.setSize(w, h) }
func (s *runsScreen) typing() bool     { return s.g.filtering }

// escape clears a committed filter before esc leaves the screen.
func (s *runsScreen) escape() (bool, tea.Cmd) { return s.g.clearFilter(), nil }
func (s *runsScreen) click(_, y int) tea.Cmd  { s.g.click(y); return nil }

// rename asks for a new name; undo gives the old one back.
func (s *runsScreen) rename() tea.Cmd {
	r, ok := s.current()
	if !ok {
		return nil
	}
	w := s.m.opt.Writer
	return s.m.ask("rename "+r.ID+" to:", r.Name, func(name string) tea.Cmd {
		if strings.TrimSpace(name) == "" || name == r.Name {
			return status("not renamed")
		}
		old := r.Name
		return s.m.write("renamed "+r.ID+" to "+name, func() (*undo, error) {
			if _, err := w.EditRun(store.RunEdit{RunID: r.ID, Name: &name, Author: store.Author("")}); err != nil {
				return nil, err
			}
			return &undo{label: "rename of " + r.ID, do: func() error {
				_, err := w.EditRun(store.RunEdit{RunID: r.ID, Name: &old, Author: store.Author("")})
				return err
			}}, nil
		}, s)
	})
}

// delete asks first; the run goes to the trash, and undo restores it.
func (s *runsScreen) delete() tea.Cmd {
	r, ok := s.current()
	if !ok {
		return nil
	}
	w := s.m.opt.Writer
	return s.m.ask(fmt.Sprintf("delete run %s (%s, %d outcomes)? type y to confirm:", r.ID, r.Name, r.OutcomeCount), "", func(answer string) tea.Cmd {
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return status("nothing deleted")
		}
		return s.m.write("deleted run "+r.ID+" (to the trash)", func() (*undo, error) {
			if err := w.DeleteRun(r.ID); err != nil {
				return nil, err
			}
			return &undo{label: "delete of " + r.ID, do: func() error { _, err := w.RestoreRun(r.ID); return err }}, nil
		}, s)
	})
}

func (s *runsScreen) selected() any {
	if r, ok := s.current(); ok {
		return r
	}
	return nil
}

func (s *runsScreen) help() []key.Binding {
	k := s.m.keys
	return []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.Enter, k.Compare, k.Trend, k.Mark, k.Rename, k.Delete, k.Undo, k.Filter, k.Left, k.Right, k.Sort, k.Reverse, k.Failures}
}

// runStatus is a run's status, marked when the run is partial (its file summarises more
// samples than it holds: its rates cover only those).
func runStatus(r query.RunSummary) string {
	if r.Partial != nil {
		return fmt.Sprintf("%s (partial %d/%d)", r.Status, r.Partial.ImportedSamples, r.Partial.DeclaredSamples)
	}
	return r.Status
}
