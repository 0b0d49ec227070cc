package ingest

import (
	"encoding/json"
	"fmt"

	"github.com/evals-dev/evals/store"
)

// One file per source system: this one maps Traceway: GET /api/eval/:run_id (result_items).
// Its mapping table is in docs/import.md.

type tracewayRun struct {
	ID          string          `json:"id"`
	DatasetID   string          `json:"dataset_id"`
	Name        string          `json:"name"`
	Status      string          `json:"status"`
	Progress    *int64          `json:"progress"`
	Total       *int64          `json:"total"`
	Config      json.RawMessage `json:"config"`
	Scoring     string          `json:"scoring"`
	CreatedAt   json.RawMessage `json:"created_at"`
	ResultItems []struct {
		DatapointID string          `json:"datapoint_id"`
		Input       json.RawMessage `json:"input"`
		Output      json.RawMessage `json:"output"`
		Expected    json.RawMessage `json:"expected"`
		Score       *float64        `json:"score"`
		LatencyMs   *float64        `json:"latency_ms"`
		Tokens      *int64          `json:"tokens"`
		Cost        *float64        `json:"cost"`
		Status      string          `json:"status"`
		Error       json.RawMessage `json:"error"`
	} `json:"result_items"`
}

// TracewayPassAt is the score at which a Traceway scoring passes: ExactMatch and Contains
// score 0 or 1, so they pass at 1; an LLM judge's 0..1 score passes at 0.5; None grades
// nothing.
func TracewayPassAt(scoring string) (threshold float64, graded bool) {
	switch scoring {
	case "ExactMatch", "Contains":
		return 1, true
	case "LlmJudge":
		return 0.5, true
	}
	return 0, false
}

// readTraceway maps a Traceway eval run (GET /api/eval/:run_id): each result item an
// outcome of its datapoint by config.model, graded by the run's scoring (TracewayPassAt);
// a failed item an errored outcome, a pending or running one pending.
func readTraceway(path string) ([]built, error) {
	r, err := readJSONFile[tracewayRun](path, "a Traceway eval run")
	if err != nil {
		return nil, err
	}
	var cfg struct {
		Model        string   `json:"model"`
		Temperature  *float64 `json:"temperature"`
		ConnectionID string   `json:"connection_id"`
	}
	_ = json.Unmarshal(r.Config, &cfg)
	meta := store.Run{Name: cmpOr(r.Name, "traceway "+r.ID), Config: r.Config, CreatedAt: parseTime(r.CreatedAt), Labels: map[string]string{}}
	for k, v := range map[string]string{"traceway_run_id": r.ID, "dataset_id": r.DatasetID, "scoring": r.Scoring} {
		if v != "" {
			meta.Labels[k] = v
		}
	}
	meta.Status = map[string]string{"completed": store.RunCompleted, "failed": store.RunFailed, "cancelled": store.RunCancelled}[r.Status]
	if meta.Status == "" {
		meta.Status = store.RunRunning
	}
	meta.Metrics = map[string]float64{}
	if r.Progress != nil {
		meta.Metrics["progress"] = float64(*r.Progress)
	}
	if r.Total != nil {
		meta.Metrics["total"] = float64(*r.Total)
	}
	threshold, graded := TracewayPassAt(r.Scoring)
	model := cmpOr(cfg.Model, defaultModelFor)
	trials := map[string]int{}
	var outs []*store.Outcome
	for i, it := range r.ResultItems {
		stim := cmpOr(it.DatapointID, fmt.Sprintf("datapoint-%d", i))
		o := &store.Outcome{Stimulus: stim, Model: model, Trial: trials[stim], Status: store.StatusSuccess, Turns: 1,
			Input: text(it.Input), Output: text(it.Output), Expected: text(it.Expected), CostUSD: it.Cost, DurationMs: store.Unknown}
		unknownTokens(o) // Traceway gives one total, not its parts
		trials[stim]++
		if it.LatencyMs != nil && *it.LatencyMs >= 0 && *it.LatencyMs < 1e15 {
			o.DurationMs = int64(*it.LatencyMs)
		}
		if it.Tokens != nil && *it.Tokens >= 0 {
			o.TotalTokens = *it.Tokens
		}
		switch it.Status {
		case "failed":
			o.Status, o.Errors = store.StatusError, 1
			o.Error = cmpOr(text(it.Error), "failed")
		case "completed", "":
			if e := text(it.Error); e != "" {
				o.Status, o.Error, o.Errors = store.StatusError, e, 1
			}
		case "pending", "running":
		default:
			return nil, fmt.Errorf("result_items[%d]: status %q is not one of pending, running, completed, failed", i, it.Status)
		}
		if o.Status == store.StatusSuccess && it.Score != nil && (it.Status == "completed" || it.Status == "") {
			g := store.GraderResult{Name: cmpOr(r.Scoring, "score"), Type: "scoring", Weight: 1, Score: clamp01(*it.Score)}
			if graded {
				pass := *it.Score >= threshold
				g.Passed = &pass
				o.Passed = &pass
				g.Evidence = fmt.Sprintf("%s score %g (passes at %g)", r.Scoring, *it.Score, threshold)
			}
			o.Score = g.Score
			o.Graders = []store.GraderResult{g}
		}
		outs = append(outs, o)
	}
	if r.Total != nil && *r.Total > int64(len(outs)) {
		meta.Partial = &store.Partial{DeclaredSamples: *r.Total, ImportedSamples: int64(len(outs))}
	}
	if len(outs) == 0 && r.Total == nil {
		return nil, fmt.Errorf("a Traceway eval run with no result_items and no total")
	}
	return []built{{meta: meta, outcomes: outs}}, nil
}
