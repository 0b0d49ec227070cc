package ingest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/evals-dev/evals/store"
)

// One file per source system: this one maps list-evaluation-results: saved GET /evaluations/{id}/results pages (evaluationResults).
// Its mapping table is in docs/import.md.

type evalListPage struct {
	EvaluationResults []evalListResult `json:"evaluationResults"`
	Total             *int64           `json:"total"`
	Page              *int64           `json:"page"`
	PageSize          *int64           `json:"pageSize"`
}

type evalListResult struct {
	EvaluationResultID string          `json:"evaluationResultId"`
	EvaluationID       string          `json:"evaluationId"`
	ExampleID          string          `json:"exampleId"`
	ExecutionID        string          `json:"executionId"`
	Status             string          `json:"status"`
	MappedInput        json.RawMessage `json:"mappedInput"`
	ActualOutput       json.RawMessage `json:"actualOutput"`
	Score              *float64        `json:"score"`
	Feedback           *string         `json:"feedback"`
	ErrorMessage       *string         `json:"errorMessage"`
	StartedAt          json.RawMessage `json:"startedAt"`
	CompletedAt        json.RawMessage `json:"completedAt"`
	CreatedAt          json.RawMessage `json:"createdAt"`
}

// readEvalList maps pages of evaluationResults saved in path's folder (every page file of
// the folder): one run per evaluationId, each example a stimulus of the model "pipeline";
// passed/failed the verdict, error an errored outcome, skipped skipped, pending pending;
// feedback the evaluator's evidence.
func readEvalList(path string) ([]built, []string, error) {
	files, err := filesOf(filepath.Dir(path), FormatEvalList)
	if err != nil {
		return nil, nil, err
	}
	runs := map[string]*evalListRun{}
	var order []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		var p evalListPage
		if err := json.Unmarshal(trimBOM(b), &p); err != nil {
			return nil, nil, fmt.Errorf("%s: %s", filepath.Base(f), jsonProblem(err))
		}
		for i, r := range p.EvaluationResults {
			if r.EvaluationID == "" || r.ExampleID == "" {
				return nil, nil, fmt.Errorf("%s: evaluationResults[%d]: evaluationId and exampleId are required", filepath.Base(f), i)
			}
			a := runs[r.EvaluationID]
			if a == nil {
				a = &evalListRun{seen: map[string]bool{}, trials: map[string]int{}, statuses: map[string]int64{}}
				runs[r.EvaluationID] = a
				order = append(order, r.EvaluationID)
			}
			if p.Total != nil {
				a.total = max(a.total, *p.Total)
			}
			if err := a.add(r, cmpOr(r.EvaluationResultID, fmt.Sprintf("%s#%d", f, i))); err != nil {
				return nil, nil, fmt.Errorf("%s: evaluationResults[%d]: %w", filepath.Base(f), i, err)
			}
		}
	}
	if len(order) == 0 {
		return nil, nil, fmt.Errorf("no evaluationResults in the saved pages")
	}
	var out []built
	for _, id := range order {
		out = append(out, runs[id].built(id))
	}
	return out, files, nil
}

// evalListRun gathers one evaluation's results across the saved pages.
type evalListRun struct {
	outs     []*store.Outcome
	seen     map[string]bool
	total    int64
	created  time.Time
	trials   map[string]int
	statuses map[string]int64
}

// add takes one result (id: its result id, once however many pages hold it).
func (a *evalListRun) add(r evalListResult, id string) error {
	if a.seen[id] { // the same result on two saved pages
		return nil
	}
	a.seen[id] = true
	a.statuses[r.Status]++
	o := &store.Outcome{Stimulus: r.ExampleID, Model: defaultModelFor, Trial: a.trials[r.ExampleID], Status: store.StatusSuccess,
		Input: text(r.MappedInput), Output: text(r.ActualOutput), Score: clamp01Ptr(r.Score), Turns: 1, DurationMs: store.Unknown}
	unknownTokens(o) // the API records no tokens
	a.trials[r.ExampleID]++
	start, end := parseTime(r.StartedAt), parseTime(r.CompletedAt)
	if !start.IsZero() {
		o.StartedAt = start
		if !end.IsZero() && !end.Before(start) {
			o.DurationMs = end.Sub(start).Milliseconds()
		}
	}
	if c := parseTime(r.CreatedAt); !c.IsZero() && (a.created.IsZero() || c.Before(a.created)) {
		a.created = c
	}
	if err := evalListVerdict(o, r); err != nil {
		return err
	}
	if r.ExecutionID != "" {
		o.Tags = map[string]string{"executionId": r.ExecutionID}
	}
	a.outs = append(a.outs, o)
	return nil
}

// evalListVerdict sets an outcome's status and verdict from a result's status, and its
// evaluator as a grader.
func evalListVerdict(o *store.Outcome, r evalListResult) error {
	evidence := ""
	if r.Feedback != nil {
		evidence = *r.Feedback
	}
	g := store.GraderResult{Name: "evaluator", Type: "evaluator", Weight: 1, Score: o.Score, Evidence: evidence}
	switch r.Status {
	case "passed":
		o.Passed, g.Passed = ptrBool(true), ptrBool(true)
	case "failed":
		o.Passed, g.Passed = ptrBool(false), ptrBool(false)
		if r.ErrorMessage != nil && *r.ErrorMessage != "" && evidence == "" {
			g.Evidence = *r.ErrorMessage
		}
	case "error":
		o.Status, o.Errors = store.StatusError, 1
		if r.ErrorMessage != nil {
			o.Error = *r.ErrorMessage
		}
	case "skipped":
		o.Status = store.StatusSkipped
		if r.ErrorMessage != nil {
			o.Error = *r.ErrorMessage
		}
	case "pending":
	default:
		return fmt.Errorf("status %q is not one of pending, passed, failed, error, skipped", r.Status)
	}
	if o.Status == store.StatusSuccess && (g.Passed != nil || g.Score != nil || evidence != "") {
		o.Graders = []store.GraderResult{g}
	}
	return nil
}

// built is the evaluation's run.
func (a *evalListRun) built(id string) built {
	meta := store.Run{Name: "evaluation " + id, CreatedAt: a.created, Status: store.RunCompleted, Labels: map[string]string{"evaluation_id": id}}
	if a.statuses["pending"] > 0 {
		meta.Status = store.RunRunning
	}
	meta.Metrics = map[string]float64{}
	for st, n := range a.statuses {
		meta.Metrics["status/"+st] = float64(n)
	}
	if a.total > int64(len(a.outs)) {
		meta.Partial = &store.Partial{DeclaredSamples: a.total, ImportedSamples: int64(len(a.outs))}
	}
	return built{meta: meta, outcomes: a.outs, part: id}
}
