package store

import (
	"github.com/evals-dev/evals/errs"
)

// NeedsMigration says whether a run's files predate nulls (its unrecorded durations and
// token counts are stored as −1, which other engines would sum and average) or failure
// signatures (its failing verdicts carry no graders.signature, so failure modes read and
// mask their evidence on every ask).
func (s *Store) NeedsMigration(runID string) (bool, error) {
	f, pf, path, err := s.openParquet(runID, outcomesFile)
	if err != nil {
		return false, err
	}
	defer f.Close()
	col, ok := pf.Schema().Lookup("duration_ms")
	if !ok {
		return false, errs.E(errs.Corrupt, "%s has no duration_ms column", path)
	}
	if !col.Node.Optional() {
		return true, nil
	}
	g, gf, _, err := s.openParquet(runID, gradersFile)
	if err != nil {
		return false, err
	}
	defer g.Close()
	_, signed := gf.Schema().Lookup("signature")
	return !signed, nil
}

// Migrate rewrites a run written before nulls or signatures: every outcome read back (grader results,
// tool calls, events, as imported: no human verdict folded in) and written again in the
// same order, so outcome ids and the reviews that name them hold, with −1 stored as null
// and each failing verdict signed.
// The new files replace the old ones the way an import replaces a run: whole or not at
// all. It answers false when the run needed nothing.
func (s *Store) Migrate(runID string) (bool, error) {
	need, err := s.NeedsMigration(runID)
	if err != nil || !need {
		return false, err
	}
	meta, err := s.readRun(runID, "")
	if err != nil {
		return false, err
	}
	w, err := NewWriter(s.root, meta)
	if err != nil {
		return false, err
	}
	defer w.Abort()
	w.keepOrder, w.replace = true, true
	graded := s.Graded()
	for n := int64(0); n < meta.Summary.OutcomeCount; n++ {
		o, err := graded.Outcome(OutcomeID(runID, n), true)
		if err != nil {
			return false, err
		}
		o.ID, o.RunID, o.Review, o.Reviewed = "", "", nil, false
		if err := w.Add(o); err != nil {
			return false, err
		}
	}
	c, err := w.Commit()
	if err != nil {
		return false, err
	}
	if c.Run.Summary.OutcomeCount != meta.Summary.OutcomeCount {
		return false, errs.E(errs.Internal, "migrating run %s: %d outcomes written of %d", runID, c.Run.Summary.OutcomeCount, meta.Summary.OutcomeCount)
	}
	return true, nil
}
