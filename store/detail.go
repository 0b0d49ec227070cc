package store

import (
	"strconv"
	"strings"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/parquet-go/parquet-go"
)

// SplitOutcomeID returns the run id and row number encoded in an outcome id.
func SplitOutcomeID(id string) (runID string, n int64, err error) {
	i := strings.LastIndexByte(id, '-')
	if i <= 0 {
		return "", 0, errs.E(errs.NotFound, "outcome %q not found", id)
	}
	n, perr := strconv.ParseInt(id[i+1:], 10, 64)
	if perr != nil || n < 0 || !validID(id[:i]) {
		return "", 0, errs.E(errs.NotFound, "outcome %q not found", id)
	}
	return id[:i], n, nil
}

// Outcome reads one outcome in full: its row, grader results and tool calls, and, when
// withEvents is set, its trajectory. Rows are read with seeks, never by scanning a run.
func (s *Store) Outcome(id string, withEvents bool) (*Outcome, error) {
	runID, n, err := SplitOutcomeID(id)
	if err != nil {
		return nil, err
	}
	r, err := s.outcomeRow(id, runID, n)
	if err != nil {
		return nil, err
	}
	o := outcomeOfRow(r)
	if err := s.applyReview(o, runID, n); err != nil {
		return nil, err
	}
	if err := s.readChildren(o, runID, r, withEvents); err != nil {
		return nil, err
	}
	return o, nil
}

// outcomeRow reads outcome n of a run, checking it is the outcome id names.
func (s *Store) outcomeRow(id, runID string, n int64) (OutcomeRow, error) {
	if s.err != nil {
		return OutcomeRow{}, s.err
	}
	if _, err := s.be.readRun(s.ctx, runID, ""); err != nil {
		return OutcomeRow{}, errs.E(errs.NotFound, "outcome %q not found: there is no run %s", id, runID)
	}
	rows, err := readRows[OutcomeRow](s, runID, outcomesFile, n, 1)
	if err == errRowRange {
		return OutcomeRow{}, errs.E(errs.NotFound, "outcome %q not found", id)
	}
	if err != nil {
		return OutcomeRow{}, err
	}
	if len(rows) == 0 || rows[0].OutcomeID != id {
		return OutcomeRow{}, errs.E(errs.NotFound, "outcome %q not found", id)
	}
	return rows[0], nil
}

// outcomeOfRow is an outcome as its row holds it, before its reviews and child rows.
func outcomeOfRow(r OutcomeRow) *Outcome {
	o := &Outcome{
		ID: r.OutcomeID, RunID: r.RunID, Stimulus: r.Stimulus, Model: r.Model, Trial: int(r.Trial),
		Status: r.Status, Passed: r.Passed, Score: r.Score, DurationMs: orUnknown(r.DurationMs), Turns: orUnknown32(r.Turns),
		ToolCallCount: orUnknown32(r.ToolCalls), Errors: int(r.Errors), InputTokens: orUnknown(r.InputTokens),
		OutputTokens: orUnknown(r.OutputTokens), ReasoningTokens: orUnknown(r.ReasoningTokens), CachedTokens: orUnknown(r.CachedTokens),
		TotalTokens: orUnknown(r.TotalTokens), CostUSD: r.CostUSD, StartedAt: time.UnixMilli(r.StartedAt).UTC(),
		Error: r.Error, Input: r.Input, Output: r.Output, Expected: r.Expected,
		Graders: []GraderResult{}, ToolCalls: []ToolCall{}, Events: []Event{},
	}
	o.Tags = DecodeTags(r.Tags)
	return o
}

// applyReview folds outcome n's human verdict into it (unless this view is graded; a
// skipped outcome takes none, and an errored one keeps status error beside the verdict).
func (s *Store) applyReview(o *Outcome, runID string, n int64) error {
	reviews, err := s.Reviews(runID)
	if err != nil {
		return err
	}
	rv, ok := reviews[n]
	if !ok {
		return nil
	}
	o.Review = &rv
	if rv.Verdict != "" && !s.graded && o.Status != StatusSkipped {
		v := rv.Verdict == VerdictPass
		o.GradedPassed, o.Passed, o.Reviewed = o.Passed, &v, true // an error stays one
	}
	return nil
}

// readChildren reads an outcome's grader results, tool calls and (withEvents) events.
func (s *Store) readChildren(o *Outcome, runID string, r OutcomeRow, withEvents bool) error {
	outOfStep := func(file string) error {
		return errs.E(errs.Corrupt, "%s of run %s is out of step with its outcomes", file, runID)
	}
	grs, err := readRows[GraderRow](s, runID, gradersFile, r.GradersRow, int(r.GradersLen))
	if err != nil {
		return err
	}
	for _, g := range grs {
		if g.OutcomeID != o.ID {
			return outOfStep(gradersFile)
		}
		o.Graders = append(o.Graders, GraderResult{Name: g.Grader, Type: g.GraderType, Passed: g.Passed, Score: g.Score, Weight: g.Weight, Evidence: g.Evidence})
	}
	tcs, err := readRows[ToolCallRow](s, runID, toolCallsFile, r.ToolsRow, int(r.ToolsLen))
	if err != nil {
		return err
	}
	for _, t := range tcs {
		if t.OutcomeID != o.ID {
			return outOfStep(toolCallsFile)
		}
		o.ToolCalls = append(o.ToolCalls, ToolCall{Seq: int(t.Seq), Tool: t.Tool, Success: t.Success, ArgsBytes: t.ArgsBytes,
			ResultBytes: t.ResultBytes, DurationMs: t.DurationMs, Error: t.Error, Arguments: t.Arguments, Result: t.Result})
	}
	if !withEvents {
		return nil
	}
	evs, err := readRows[EventRow](s, runID, eventsFile, r.EventsRow, int(r.EventsLen))
	if err != nil {
		return err
	}
	for _, e := range evs {
		if e.OutcomeID != o.ID {
			return outOfStep(eventsFile)
		}
		ev := Event{Seq: int(e.Seq), Type: e.Type, Role: e.Role, Content: e.Content, Tool: e.Tool, ToolCallID: e.ToolCallID, Data: e.Data}
		if e.TS != 0 {
			ev.TS = time.UnixMilli(e.TS).UTC()
		}
		o.Events = append(o.Events, ev)
	}
	return nil
}

var errRowRange = errs.E(errs.Corrupt, "rows out of range: the run's files are out of step")

// readRows reads n rows from row `at` of a file with the generic row reader: the right
// tool for a few rows of detail, the wrong one for aggregates (see Scan).
func readRows[T any](s *Store, runID, name string, at int64, n int) (out []T, err error) {
	if n <= 0 {
		return nil, nil
	}
	f, pf, path, err := s.openParquet(runID, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errs.E(errs.Corrupt, "reading %s: malformed parquet data (%v)", path, r)
		}
	}()
	if at < 0 || at >= pf.NumRows() || int64(n) > pf.NumRows()-at {
		return nil, errRowRange
	}
	r := parquet.NewGenericReader[T](pf)
	defer r.Close()
	if err := r.SeekToRow(at); err != nil {
		return nil, errs.E(errs.Corrupt, "reading %s: %w", path, err)
	}
	out = make([]T, n)
	got := 0
	for got < n {
		k, err := r.Read(out[got:])
		got += k
		if err != nil {
			break
		}
	}
	if got < n {
		return nil, errs.E(errs.Corrupt, "reading %s: wanted %d rows at %d, found %d", path, n, at, got)
	}
	return out, nil
}

// orUnknown reads an optional count: null (and the −1 of stores written before nulls) is
// Unknown.
// orUnknown32 is a stored count, Unknown for null.
func orUnknown32(v *int32) int {
	if v == nil || *v < 0 {
		return int(Unknown)
	}
	return int(*v)
}

func orUnknown(v *int64) int64 {
	if v == nil || *v < 0 {
		return Unknown
	}
	return *v
}
