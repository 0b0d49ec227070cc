package store

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evals-dev/evals/errs"
)

// Writes beside runs, never inside them: a run's Parquet files stay immutable. A human
// verdict, a note or a rename is a small object of its own under overlay/, one per write,
// named <run-id>~<kind>~<time>-<random>.json and published create-if-absent, so two
// reviewers writing at once lose nothing, a killed write leaves the previous state, and
// the history is every object in time order. Readers fold them into the effective state.

// Human verdicts.
const (
	VerdictPass = "pass"
	VerdictFail = "fail"
)

// Annotation is one reviewer's write on one outcome. A nil field is left as it was.
type Annotation struct {
	OutcomeID string `json:"outcomeId"`
	// Verdict is pass, fail, or "" to clear the human verdict.
	Verdict *string `json:"verdict,omitempty"`
	// Note replaces the note ("" clears it).
	Note *string `json:"note,omitempty"`
	// Labels sets labels; a nil value removes one.
	Labels map[string]*string `json:"labels,omitempty"`
	Author string             `json:"author"`
	At     time.Time          `json:"at"`
	// Previous is the outcome's review before this write.
	Previous *Review `json:"previous"`
	// Graded is the outcome's display status by the graders' verdict (passed, failed,
	// error, skipped, pending), so counts can be adjusted without reading the run.
	Graded string `json:"graded"`
}

// Review is the effective review of an outcome: every annotation folded in time order.
type Review struct {
	Graded  string            `json:"graded,omitempty"`  // the graders' display status
	Verdict string            `json:"verdict,omitempty"` // pass | fail | "" (none)
	Note    string            `json:"note,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
	Author  string            `json:"author,omitempty"`
	At      time.Time         `json:"at"`
}

// RunEdit is one change to a run's metadata. A nil field is left as it was.
type RunEdit struct {
	RunID   string             `json:"runId"`
	Name    *string            `json:"name,omitempty"`
	Session *string            `json:"session,omitempty"`
	Labels  map[string]*string `json:"labels,omitempty"`
	Author  string             `json:"author"`
	At      time.Time          `json:"at"`
}

const (
	kindAnnotation = "a"
	kindEdit       = "e"
)

// overlayName names one write.
func overlayName(runID, kind string, at time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s~%s~%019d-%s.json", runID, kind, at.UnixNano(), hex.EncodeToString(r[:]))
}

func parseOverlayName(name string) (runID, kind string, ok bool) {
	parts := strings.Split(strings.TrimSuffix(name, ".json"), "~")
	if len(parts) != 3 || !strings.HasSuffix(name, ".json") || !validID(parts[0]) {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// overlay is the index of overlay objects by run, read once per store value.
type overlay struct {
	mu      sync.Mutex
	checked time.Time // when stamp was last compared with the store's
	stamp   string
	byRun   map[string][]string // run id → object names of every kind, in time order
	reviews map[string]map[int64]Review
}

func (s *Store) overlayIndex() (map[string][]string, error) { return s.overlayIndexAt(false) }

// overlayIndexAt is overlayIndex; fresh compares the store's stamp now, not within the
// index's half second (a stamp must see another process's write at once).
func (s *Store) overlayIndexAt(fresh bool) (map[string][]string, error) {
	if s.err != nil {
		return nil, s.err
	}
	o := s.ov
	o.mu.Lock()
	defer o.mu.Unlock()
	// A command asks once per run scanned: the store's stamp is compared at most every
	// half second (writes through this store value reset the index at once).
	if o.byRun != nil && !fresh && time.Since(o.checked) < 500*time.Millisecond {
		return o.byRun, nil
	}
	st := s.be.stamp(s.ctx)
	o.checked = time.Now()
	if o.byRun != nil && st != "" && st == o.stamp {
		return o.byRun, nil
	}
	names, err := s.be.overlayNames(s.ctx)
	if err != nil {
		return nil, err
	}
	by := map[string][]string{}
	for _, n := range names {
		if id, _, ok := parseOverlayName(n); ok {
			by[id] = append(by[id], n)
		}
	}
	for id := range by {
		slices.SortFunc(by[id], func(a, b string) int {
			return strings.Compare(a[strings.Index(a, "~")+3:], b[strings.Index(b, "~")+3:])
		})
	}
	o.byRun, o.stamp, o.reviews = by, st, map[string]map[int64]Review{}
	return by, nil
}

func (s *Store) readOverlay(runID, kind string, fn func(b []byte) error) error {
	idx, err := s.overlayIndex()
	if err != nil {
		return err
	}
	for _, name := range idx[runID] {
		if _, k, _ := parseOverlayName(name); k != kind {
			continue
		}
		b, err := s.be.readOverlay(s.ctx, name)
		if err != nil {
			return errs.E(errs.Corrupt, "reading overlay %s: %w", name, err)
		}
		if err := fn(b); err != nil {
			return errs.E(errs.Corrupt, "reading overlay %s: %w", name, err)
		}
	}
	return nil
}

// Annotations lists every annotation of a run, oldest first: the review history.
func (s *Store) Annotations(runID string) ([]Annotation, error) {
	var out []Annotation
	err := s.readOverlay(runID, kindAnnotation, func(b []byte) error {
		var a Annotation
		if err := json.Unmarshal(b, &a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// Reviews folds a run's annotations into each outcome's effective review, by row.
func (s *Store) Reviews(runID string) (map[int64]Review, error) {
	if _, err := s.overlayIndex(); err != nil {
		return nil, err
	}
	s.ov.mu.Lock()
	r, ok := s.ov.reviews[runID]
	s.ov.mu.Unlock()
	if ok {
		return r, nil
	}
	anns, err := s.Annotations(runID)
	if err != nil {
		return nil, err
	}
	out := map[int64]Review{}
	for _, a := range anns {
		_, n, err := SplitOutcomeID(a.OutcomeID)
		if err != nil {
			continue
		}
		out[n] = a.apply(out[n])
	}
	for n, r := range out {
		if r.Verdict == "" && r.Note == "" && len(r.Labels) == 0 {
			delete(out, n)
		}
	}
	s.ov.mu.Lock()
	s.ov.reviews[runID] = out
	s.ov.mu.Unlock()
	return out, nil
}

// apply is one annotation on top of a review.
func (a Annotation) apply(r Review) Review {
	if a.Verdict != nil {
		r.Verdict = *a.Verdict
	}
	if a.Note != nil {
		r.Note = *a.Note
	}
	if len(a.Labels) > 0 {
		labels := map[string]string{}
		for k, v := range r.Labels {
			labels[k] = v
		}
		for k, v := range a.Labels {
			if v == nil {
				delete(labels, k)
			} else {
				labels[k] = *v
			}
		}
		r.Labels = labels
	}
	r.Author, r.At = a.Author, a.At
	if a.Graded != "" {
		r.Graded = a.Graded
	}
	return r
}

// Annotate records an annotation on an outcome of a committed run.
func (s *Store) Annotate(a Annotation) (Annotation, error) {
	runID, n, err := SplitOutcomeID(a.OutcomeID)
	if err != nil {
		return Annotation{}, err
	}
	if a.Verdict != nil && *a.Verdict != VerdictPass && *a.Verdict != VerdictFail && *a.Verdict != "" {
		return Annotation{}, errs.E(errs.Invalid, "invalid verdict %q: use pass, fail or clear", *a.Verdict)
	}
	if a.Verdict == nil && a.Note == nil && len(a.Labels) == 0 {
		return Annotation{}, errs.E(errs.Invalid, "nothing to annotate: give a verdict, a note or a label")
	}
	o, err := s.Graded().Outcome(a.OutcomeID, false)
	if err != nil {
		return Annotation{}, err
	}
	a.Graded = DisplayStatus(o.Status, o.Passed)
	if o.Status == StatusSkipped && a.Verdict != nil && *a.Verdict != "" {
		// A skipped outcome was never run: no rate counts it, so a verdict would be listed
		// and change nothing. It is refused; a note or a label is taken.
		return Annotation{}, errs.E(errs.Invalid, "outcome %s was skipped (never run): a verdict on it would change no number; add a note or a label instead", a.OutcomeID)
	}
	reviews, err := s.Reviews(runID)
	if err != nil {
		return Annotation{}, err
	}
	if prev, ok := reviews[n]; ok {
		a.Previous = &prev
	}
	if a.At.IsZero() {
		a.At = time.Now().UTC()
	}
	b, _ := json.Marshal(a)
	if err := s.be.putOverlay(s.ctx, overlayName(runID, kindAnnotation, a.At), b); err != nil {
		return Annotation{}, err
	}
	s.ov.mu.Lock()
	s.ov.byRun = nil
	s.ov.mu.Unlock()
	s.forgetCatalog()
	return a, nil
}

// EditRun records a change to a run's name, session or labels.
func (s *Store) EditRun(e RunEdit) (Run, error) {
	r, err := s.Run(e.RunID)
	if err != nil {
		return Run{}, err
	}
	if e.Name != nil && strings.TrimSpace(*e.Name) == "" {
		return Run{}, errs.E(errs.Invalid, "a run name cannot be empty")
	}
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	b, _ := json.Marshal(e)
	if err := s.be.putOverlay(s.ctx, overlayName(r.ID, kindEdit, e.At), b); err != nil {
		return Run{}, err
	}
	s.ov.mu.Lock()
	s.ov.byRun = nil
	s.ov.mu.Unlock()
	s.forgetCatalog()
	return s.Run(r.ID)
}

// applyReviews adjusts a run's cached counts for its human verdicts: each reviewed
// outcome leaves its graded status for the human one, except an errored one, which stays
// counted in Errored and is counted again in Passed or Failed (ReviewedErrors says how
// many; Summary.Rated leaves them out once). (The clustered interval of the run
// list stays the graded one; the per-model intervals of ranking count human verdicts.)
func (s *Store) applyReviews(r *Run) error {
	if s.graded {
		return nil
	}
	idx, err := s.overlayIndex()
	if err != nil || len(idx[r.ID]) == 0 {
		return err
	}
	reviews, err := s.Reviews(r.ID)
	if err != nil {
		return err
	}
	sum := &r.Summary
	count := func(status string, d int64) {
		switch status {
		case "passed":
			sum.Passed += d
		case "failed":
			sum.Failed += d
		case "error":
			sum.Errored += d
		case "skipped":
			sum.Skipped += d
		case "pending":
			sum.Pending += d
		}
	}
	for _, rv := range reviews {
		if rv.Verdict == "" || rv.Graded == "" || rv.Graded == "skipped" {
			continue
		}
		if rv.Graded == "error" {
			// It stays an error (the execution failed) and is rated by the human verdict.
			sum.ReviewedErrors++
			if rv.Verdict == VerdictPass {
				sum.HumanPassedErrors++
			}
		} else {
			count(rv.Graded, -1)
		}
		sum.Models = nil // which model's counts changed is the outcome's, not the overlay's: scan
		if rv.Verdict == VerdictPass {
			count("passed", 1)
		} else {
			count("failed", 1)
		}
	}
	return nil
}

// applyEdits folds a run's edits into its metadata.
func (s *Store) applyEdits(r *Run) error {
	return s.readOverlay(r.ID, kindEdit, func(b []byte) error {
		var e RunEdit
		if err := json.Unmarshal(b, &e); err != nil {
			return err
		}
		if e.Name != nil {
			r.Name = *e.Name
		}
		if e.Session != nil {
			r.Session = *e.Session
		}
		if len(e.Labels) > 0 {
			labels := map[string]string{}
			for k, v := range r.Labels {
				labels[k] = v
			}
			for k, v := range e.Labels {
				if v == nil {
					delete(labels, k)
				} else {
					labels[k] = *v
				}
			}
			r.Labels = labels
		}
		return nil
	})
}

func (s *Store) forgetCatalog() {
	s.cat.mu.Lock()
	s.cat.cached, s.cat.stamp = nil, ""
	s.cat.mu.Unlock()
}

// Graded returns a view of the store that ignores human verdicts: the numbers as the
// graders gave them (--verdicts graded).
func (s *Store) Graded() *Store {
	c := *s
	c.graded = true
	return &c
}

// IsGraded reports whether the view ignores human verdicts.
func (s *Store) IsGraded() bool { return s.graded }

// reviewPatch applies human verdicts to an outcomes batch: passed takes the human verdict
// and the row is marked reviewed. An errored outcome keeps status error (its execution
// failed); the query layer rates it by the human verdict because the row is reviewed.
func (b *Batch) reviewPatch(reviews map[int64]Review) {
	b.reviewed = b.reviewed[:0]
	for n, r := range reviews {
		i := n - b.Row0
		if i < 0 || i >= int64(b.N) {
			continue
		}
		if r.Verdict == "" || r.Graded == "skipped" {
			continue // a skipped outcome stays out of every rate
		}
		for len(b.reviewed) < b.N {
			b.reviewed = append(b.reviewed, false)
		}
		b.reviewed[i] = true
		if p, ok := b.bools["passed"]; ok {
			p[i] = 0
			if r.Verdict == VerdictPass {
				p[i] = 1
			}
		}
	}
}

// Reviewed reports whether row i of the batch carries a human verdict.
func (b *Batch) Reviewed(i int) bool { return i < len(b.reviewed) && b.reviewed[i] }

// AnyReviewed reports whether some row of the batch carries a human verdict.
func (b *Batch) AnyReviewed() bool { return len(b.reviewed) > 0 }

// DeleteRun moves a run to the trash: it disappears whole, at once, and RestoreRun brings it
// back until gc empties the trash (after TrashDays).
func (s *Store) DeleteRun(id string) error {
	r, err := s.Run(id)
	if err != nil {
		return err
	}
	if err := s.be.trash(s.ctx, id); err != nil {
		return err
	}
	// Its content claim goes with it: importing the same file again lands a new run
	// (docs/store.md). A claim another run holds stays.
	if r.Digest != "" {
		s.be.releaseClaim(s.ctx, r.Digest, id)
	}
	s.forgetCatalog()
	return nil
}

// RestoreRun brings a deleted run back.
func (s *Store) RestoreRun(id string) (Run, error) {
	if s.err != nil {
		return Run{}, s.err
	}
	if !validID(id) {
		return Run{}, errs.E(errs.NotFound, "run %q not found in the trash", id)
	}
	if err := s.be.restore(s.ctx, id); err != nil {
		return Run{}, err
	}
	s.forgetCatalog()
	return s.Run(id)
}

// TrashDays is how long a deleted run can be restored before gc removes it.
const TrashDays = 7

// Trashed lists the deleted runs and when they were deleted.
func (s *Store) Trashed() (map[string]time.Time, error) {
	if s.err != nil {
		return nil, s.err
	}
	return s.be.trashed(s.ctx)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// PurgeDemo removes the demo's runs for good (evals demo --reset): their folders, what the
// trash holds of them, their reviews and edits, and their content claims. Only runs whose
// source is "demo" are touched, and only in a local store.
func (s *Store) PurgeDemo() error {
	l, ok := s.be.(*localBackend)
	if !ok {
		return errs.E(errs.Invalid, "demo --reset works on a local store; on a bucket, delete the demo runs with evals runs delete")
	}
	runs, _, err := s.Runs()
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return err
	}
	for _, r := range runs {
		if r.Source != "demo" {
			continue
		}
		if err := s.DeleteRun(r.ID); err != nil {
			return err
		}
		for _, pattern := range []string{filepath.Join(l.root, "trash", r.ID+"@*"), filepath.Join(l.root, "overlay", r.ID+"~*")} {
			matches, _ := filepath.Glob(pattern)
			for _, m := range matches {
				if err := os.RemoveAll(m); err != nil {
					return errs.E(errs.Internal, "removing %s: %w", m, err)
				}
			}
		}
	}
	s.ov.mu.Lock()
	s.ov.byRun = nil
	s.ov.mu.Unlock()
	s.forgetCatalog()
	return nil
}

// Author is who writes an annotation or a run edit: name when given, else the OS user,
// else "unknown".
func Author(name string) string {
	if name != "" {
		return name
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}
