package web

import (
	"fmt"
	"runtime"
	"sync"

	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// ReportStats says what a static report holds.
type ReportStats struct {
	Dir   string   `json:"dir"`
	Runs  []string `json:"runs"`
	Pages int      `json:"pages"`
	Bytes int64    `json:"bytes"`
}

// WriteReport writes the dashboard's pages for runs as static files in dir: index.html,
// each run's tabs (every page of its outcomes and matrix), the page of each failed or
// errored outcome, and the comparison of each run with the one before it. Links are
// relative, so the folder opens from disk or any static host; there is no script.
func WriteReport(src query.Source, dir string, runs []store.Run) (ReportStats, error) {
	st := ReportStats{Dir: dir}
	s := &Site{src: src, static: true, bundled: map[string]bool{}}
	s.tmpl = s.parse()
	s.only = map[string]bool{}
	for _, r := range runs {
		s.only[r.ID] = true
		st.Runs = append(st.Runs, r.ID)
	}
	if err := os.MkdirAll(filepath.Join(dir, "assets"), 0o755); err != nil {
		return st, errs.E(errs.Internal, "creating %s: %w", dir, err)
	}
	write := func(name string, b []byte, err error) error {
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return errs.E(errs.Internal, "writing %s: %w", name, err)
		}
		st.Pages++
		st.Bytes += int64(len(b))
		return nil
	}
	for _, name := range []string{"style.css", "favicon.svg"} {
		b, _ := fs.ReadFile(Assets, "assets/"+name)
		if err := os.WriteFile(filepath.Join(dir, "assets", name), b, 0o644); err != nil {
			return st, errs.E(errs.Internal, "writing %s: %w", name, err)
		}
	}
	// Outcome pages first: the tables link only the outcomes that have one.
	var outcomeIDs []string
	for _, r := range runs {
		items, _, err := query.OutcomeList(src, query.OutcomesParams{Runs: []string{r.ID}, Status: []string{"failed", "error"}}, 1_000_000)
		if err != nil {
			return st, err
		}
		for _, o := range items {
			s.bundled[o.ID] = true
			outcomeIDs = append(outcomeIDs, o.ID)
		}
	}
	index, err := s.Runs("", "", "")
	if err := write("index.html", index, err); err != nil {
		return st, err
	}
	for i, r := range runs {
		for _, t := range Tabs {
			b, err := s.Run(r.ID, t, url.Values{})
			if err := write(fmt.Sprintf("run-%s-%s.html", r.ID, t), b, err); err != nil {
				return st, err
			}
		}
		for _, t := range []string{"outcomes", "matrix"} {
			total := 0
			switch t {
			case "outcomes":
				total = (int(r.Summary.OutcomeCount) + OutcomesPerPage - 1) / OutcomesPerPage
			case "matrix":
				total = (int(r.Summary.StimulusCount) + MatrixRowsPage - 1) / MatrixRowsPage
			}
			for p := 2; p <= total; p++ {
				b, err := s.Run(r.ID, t, url.Values{"page": {fmt.Sprint(p)}})
				if err := write(fmt.Sprintf("run-%s-%s-%d.html", r.ID, t, p), b, err); err != nil {
					return st, err
				}
			}
		}
		if i+1 < len(runs) {
			b, err := s.Compare([]string{r.ID, runs[i+1].ID})
			if errs.CodeOf(err) == errs.Incomparable {
				continue
			}
			if err := write(fmt.Sprintf("compare-%s-%s.html", r.ID, runs[i+1].ID), b, err); err != nil {
				return st, err
			}
		}
	}
	// Outcome pages are most of the bundle: one worker per core.
	var mu sync.Mutex
	g := errgroup.Group{}
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, id := range outcomeIDs {
		g.Go(func() error {
			b, err := s.Outcome(id)
			mu.Lock()
			defer mu.Unlock()
			return write("outcome-"+id+".html", b, err)
		})
	}
	return st, g.Wait()
}
