package cmd

import (
	"bufio"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
	"github.com/spf13/cobra"
)

// labelEdits reads KEY=VALUE (set) and KEY- (remove) arguments.
func labelEdits(args []string) (map[string]*string, error) {
	out := map[string]*string{}
	for _, a := range args {
		if k, ok := strings.CutSuffix(a, "-"); ok && !strings.Contains(a, "=") && k != "" {
			out[k] = nil
			continue
		}
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" || strings.ContainsAny(k, "~,") {
			return nil, errs.E(errs.Invalid, "invalid label %q: want KEY=VALUE, or KEY- to remove it", a)
		}
		out[k] = &v
	}
	return out, nil
}

func newAnnotateCmd(f *Factory) *cobra.Command {
	var verdict, note, by string
	var labels []string
	cmd := &cobra.Command{
		Use:   "annotate OUTCOME_ID",
		Short: "Record a human verdict, a note or labels on an outcome",
		Long: `Record a review of an outcome: a human verdict (pass, fail, or clear to remove it), a note and
labels. A human verdict overrides the graders' everywhere a verdict counts (ranking, graders,
matrix, compare and its gate, outcome filters) unless --verdicts graded is given. The run's
files are never changed: each write is a small object of its own beside the run, and the
history (who, when, what it was before) is kept: evals annotations lists it.`,
		Example: `  evals annotate 8b2d4e7f10-0000006 --verdict pass --note "the grader missed the edge case"
  evals annotate 8b2d4e7f10-0000006 --verdict clear
  evals annotate 8b2d4e7f10-0000006 --label triage=flaky-env`,
		Args: exactArgs(1, "one OUTCOME_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			a := store.Annotation{OutcomeID: args[0], Author: store.Author(by)}
			if cmd.Flags().Changed("verdict") {
				v := verdict
				switch v {
				case "pass", "fail":
				case "clear", "":
					v = ""
				default:
					return errs.E(errs.Invalid, "invalid --verdict %q: use pass, fail or clear", verdict)
				}
				a.Verdict = &v
			}
			if cmd.Flags().Changed("note") {
				a.Note = &note
			}
			if a.Labels, err = labelEdits(labels); err != nil {
				return err
			}
			done, err := s.Annotate(a)
			if err != nil {
				return err
			}
			return f.print(view{value: done, doc: func() format.Doc { return annotationsDoc([]store.Annotation{done}) },
				items: func() []any { return []any{done} }})
		},
	}
	cmd.Flags().StringVar(&verdict, "verdict", "", "human verdict: pass, fail, or clear")
	cmd.Flags().StringVar(&note, "note", "", "a note (an empty one clears it)")
	cmd.Flags().StringArrayVar(&labels, "label", nil, "KEY=VALUE to set, KEY- to remove (repeat)")
	cmd.Flags().StringVar(&by, "author", "", "who reviews (default: the OS user)")
	return cmd
}

// annotationList is the answer of evals annotations.
type annotationList struct {
	RunID       string             `json:"runId"`
	Annotations []store.Annotation `json:"annotations"`
}

func newAnnotationsCmd(f *Factory) *cobra.Command {
	var runRef string
	cmd := &cobra.Command{
		Use:   "annotations",
		Short: "The review history of a run: every annotation, oldest first",
		Example: `  evals annotations --run latest
  evals annotations --run candidate --json --jq '.annotations[] | select(.verdict == "pass") | .outcomeId'`,
		Args: exactArgs(0, "no arguments (use --run)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			r, err := s.Resolve(runRef)
			if err != nil {
				return err
			}
			anns, err := s.Annotations(r.ID)
			if err != nil {
				return err
			}
			if anns == nil {
				anns = []store.Annotation{}
			}
			res := annotationList{RunID: r.ID, Annotations: anns}
			return f.print(view{value: res, doc: func() format.Doc { return annotationsDoc(anns) }, items: func() []any { return toAny(anns) }})
		},
	}
	cmd.Flags().StringVar(&runRef, "run", "latest", "run reference")
	return cmd
}

func annotationsDoc(anns []store.Annotation) format.Doc {
	t := &format.Table{Columns: []format.Column{{Name: "WHEN", Kind: format.Text}, {Name: "WHO", Kind: format.Text},
		{Name: "OUTCOME", Kind: format.Text}, {Name: "VERDICT", Kind: format.Status}, {Name: "WAS", Kind: format.Status},
		{Name: "NOTE", Kind: format.Text}, {Name: "LABELS", Kind: format.Text}}, Empty: "no annotations"}
	t.Data = &format.Data{Columns: []string{"at", "author", "outcome_id", "verdict", "previous_verdict", "note", "labels"}}
	for _, a := range anns {
		verdict, was, note := "", "", ""
		if a.Verdict != nil {
			verdict = *a.Verdict
			if verdict == "" {
				verdict = "cleared"
			}
		}
		if a.Previous != nil {
			was = a.Previous.Verdict
		}
		if a.Note != nil {
			note = *a.Note
		}
		var ls []string
		for k, v := range a.Labels {
			if v == nil {
				ls = append(ls, k+"-")
			} else {
				ls = append(ls, k+"="+*v)
			}
		}
		slices.Sort(ls)
		t.Data.Add(a.At.UTC().Format(time.RFC3339Nano), a.Author, a.OutcomeID, verdict, was, note, strings.Join(ls, ";"))
		t.Rows = append(t.Rows, []string{format.Time(a.At), a.Author, a.OutcomeID, verdict, was, note, strings.Join(ls, " ")})
	}
	return format.Doc{Sections: []format.Section{{Table: t}}}
}

// Run management: evals runs rename | delete | restore | label | session.
func runsSubcommands(f *Factory) []*cobra.Command {
	var by string
	edit := func(ref string, e store.RunEdit) error {
		s, err := f.Store()
		if err != nil {
			return err
		}
		r, err := s.Resolve(ref)
		if err != nil {
			return err
		}
		e.RunID, e.Author = r.ID, store.Author(by)
		done, err := s.EditRun(e)
		if err != nil {
			return err
		}
		sum := query.Summarize(done)
		return f.print(view{value: sum, doc: func() format.Doc { return format.Runs(query.Paged[query.RunSummary]{Items: []query.RunSummary{sum}}) }, items: func() []any { return []any{sum} }})
	}
	rename := &cobra.Command{
		Use: "rename REF NAME", Short: "Rename a run", Args: exactArgs(2, "a run and its new name"),
		Example: `  evals runs rename latest "nightly 2026-11-30"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[1]
			return edit(args[0], store.RunEdit{Name: &name})
		},
	}
	session := &cobra.Command{
		Use: "session REF NAME", Short: "Put a run in a session (\"\" takes it out)", Args: exactArgs(2, "a run and a session name"),
		Example: `  evals runs session latest release-2.4`,
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[1]
			return edit(args[0], store.RunEdit{Session: &name})
		},
	}
	label := &cobra.Command{
		Use: "label REF KEY=VALUE|KEY-...", Short: "Set (KEY=VALUE) or remove (KEY-) labels of a run",
		Example: `  evals runs label latest branch=main reviewed=yes
  evals runs label latest reviewed-`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return errs.E(errs.Invalid, "runs label needs a run and at least one KEY=VALUE or KEY-")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			labels, err := labelEdits(args[1:])
			if err != nil {
				return err
			}
			return edit(args[0], store.RunEdit{Labels: labels})
		},
	}
	del, restore := newRunsDeleteCmd(f), newRunsRestoreCmd(f)
	for _, c := range []*cobra.Command{rename, session, label} {
		c.Flags().StringVar(&by, "author", "", "who edits (default: the OS user)")
	}
	return []*cobra.Command{rename, session, label, del, restore, newDeletedCmd(f)}
}

// newRunsDeleteCmd: evals runs delete REF... (asks on a terminal, needs --yes on a pipe).
func newRunsDeleteCmd(f *Factory) *cobra.Command {
	var yes bool
	del := &cobra.Command{
		Use: "delete REF...", Short: "Delete runs (to the trash: evals runs restore brings one back for 7 days)",
		Long: `Delete runs. Each disappears whole, at once, into the trash, where evals runs restore ID finds
it until evals gc empties the trash (after 7 days). On a terminal it asks first; on a pipe it
needs --yes.`,
		Example: `  evals runs delete 8b2d4e7f10
  evals runs delete old-run another --yes`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errs.E(errs.Invalid, "runs delete needs at least one run")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			var runs []store.Run
			for _, ref := range args {
				r, err := s.Resolve(ref)
				if err != nil {
					return err
				}
				runs = append(runs, r)
			}
			if err := confirmDelete(f, runs, yes); err != nil {
				return err
			}
			var ids []string
			for _, r := range runs {
				if err := s.DeleteRun(r.ID); err != nil {
					return err
				}
				ids = append(ids, r.ID)
				fmt.Fprintf(f.IO.ErrOut, "deleted run %s (%s); evals runs restore %s brings it back for %d days\n", r.ID, format.SanitizeLine(r.Name), r.ID, store.TrashDays)
			}
			if f.JSON || f.JQ != "" {
				return f.print(view{value: map[string]any{"deleted": ids}})
			}
			return nil
		},
	}
	del.Flags().BoolVar(&yes, "yes", false, "do not ask")
	return del
}

// confirmDelete asks on a terminal before runs are deleted (yes: --yes was given).
func confirmDelete(f *Factory, runs []store.Run, yes bool) error {
	if yes {
		return nil
	}
	if !f.IO.InTTY {
		return errs.E(errs.Invalid, "deleting %d runs needs --yes when not on a terminal", len(runs))
	}
	for _, r := range runs {
		fmt.Fprintf(f.IO.ErrOut, "  %s  %s  %d outcomes\n", r.ID, format.SanitizeLine(r.Name), r.Summary.OutcomeCount)
	}
	fmt.Fprintf(f.IO.ErrOut, "delete %d runs? [y/N] ", len(runs))
	line, _ := bufio.NewReader(f.IO.In).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return errs.E(errs.Invalid, "nothing deleted")
	}
	return nil
}

// newRunsRestoreCmd: evals runs restore ID.
func newRunsRestoreCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use: "restore ID", Short: "Bring a deleted run back from the trash", Args: exactArgs(1, "the id of a deleted run"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			r, err := s.RestoreRun(args[0])
			if err != nil {
				return err
			}
			sum := query.Summarize(r)
			return f.print(view{value: sum, doc: func() format.Doc { return format.Runs(query.Paged[query.RunSummary]{Items: []query.RunSummary{sum}}) }, items: func() []any { return []any{sum} }})
		},
	}
}

// deletedRun is one run in the trash.
type deletedRun struct {
	ID        string    `json:"id"`
	DeletedAt time.Time `json:"deletedAt"`
}

// newDeletedCmd lists the trash: the ids runs restore takes.
func newDeletedCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use: "deleted", Short: "List the deleted runs (in the trash for 7 days; runs restore ID brings one back)", Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			trashed, err := s.Trashed()
			if err != nil {
				return err
			}
			items := []deletedRun{}
			for id, at := range trashed {
				items = append(items, deletedRun{ID: id, DeletedAt: at.UTC()})
			}
			slices.SortFunc(items, func(a, b deletedRun) int { return b.DeletedAt.Compare(a.DeletedAt) })
			return f.print(view{value: map[string]any{"items": items}, doc: func() format.Doc {
				t := &format.Table{Columns: []format.Column{{Name: "ID", Kind: format.Text}, {Name: "DELETED", Kind: format.Text}}, Empty: "the trash is empty"}
				t.Data = &format.Data{Columns: []string{"id", "deleted_at"}}
				for _, d := range items {
					t.Data.Add(d.ID, d.DeletedAt.Format(time.RFC3339))
					t.Rows = append(t.Rows, []string{d.ID, format.Time(d.DeletedAt)})
				}
				return format.Doc{Sections: []format.Section{{Title: "Deleted runs", Table: t}}}
			}, items: func() []any { return toAny(items) }})
		},
	}
}

// SessionSummary is one session in evals sessions and GET /api/sessions.
type sessionsAnswer struct {
	Items []query.SessionSummary `json:"items"`
}

func newSessionsCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "sessions",
		Short:   "Sessions (groups of runs) with their run counts and pass rates",
		Example: "  evals sessions\n  evals runs --session release-2.4",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Store()
			if err != nil {
				return err
			}
			ss, err := query.Sessions(s)
			if err != nil {
				return err
			}
			res := sessionsAnswer{Items: ss}
			return f.print(view{value: res, doc: func() format.Doc { return sessionsDoc(ss) }, items: func() []any { return toAny(ss) }})
		},
	}
}

func sessionsDoc(ss []query.SessionSummary) format.Doc {
	t := &format.Table{Columns: []format.Column{{Name: "SESSION", Kind: format.Text}, {Name: "RUNS", Kind: format.Number},
		{Name: "OUTCOMES", Kind: format.Number}, {Name: "PASS RATE", Kind: format.Rate}, {Name: "LATEST", Kind: format.Text}}, Empty: "no sessions"}
	t.Data = &format.Data{Columns: []string{"session", "runs", "outcomes", "pass_rate", "latest_at"}}
	for _, s := range ss {
		t.Data.Add(s.Name, format.RawI(int64(s.RunCount)), format.RawI(s.OutcomeCount), format.RawF(s.PassRate), s.LatestAt.UTC().Format(time.RFC3339))
		t.Rows = append(t.Rows, []string{s.Name, format.Int(int64(s.RunCount)), format.Int(s.OutcomeCount), format.Pct(s.PassRate), format.Time(s.LatestAt)})
	}
	return format.Doc{Sections: []format.Section{{Table: t}}}
}
