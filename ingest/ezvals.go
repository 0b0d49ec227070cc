package ingest

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/evals-dev/evals/store"
)

// One file per source system: this one maps EZVals: /api/runs/{id}/export/json and GET /results.
// Its mapping table is in docs/import.md.

type ezFile struct {
	SessionName      string            `json:"session_name"`
	RunName          string            `json:"run_name"`
	RunID            json.RawMessage   `json:"run_id"`
	Timestamp        json.RawMessage   `json:"timestamp"`
	TotalEvaluations *float64          `json:"total_evaluations"`
	TotalErrors      *float64          `json:"total_errors"`
	TotalPassed      *float64          `json:"total_passed"`
	AverageLatency   *float64          `json:"average_latency"`
	EvalPath         string            `json:"eval_path"`
	Path             string            `json:"path"`
	Results          []ezItem          `json:"results"`
	ScoreChips       []json.RawMessage `json:"score_chips"`
}

type ezItem struct {
	Function string   `json:"function"`
	Dataset  string   `json:"dataset"`
	Labels   []string `json:"labels"`
	Result   struct {
		Input       json.RawMessage            `json:"input"`
		Output      json.RawMessage            `json:"output"`
		Reference   json.RawMessage            `json:"reference"`
		Metadata    map[string]json.RawMessage `json:"metadata"`
		Error       string                     `json:"error"`
		Latency     flexNum                    `json:"latency"`
		Status      string                     `json:"status"`
		Annotation  json.RawMessage            `json:"annotation"`
		Annotations json.RawMessage            `json:"annotations"`
		TraceData   json.RawMessage            `json:"trace_data"`
		Scores      []struct {
			Key    string  `json:"key"`
			Value  flexNum `json:"value"`
			Passed *bool   `json:"passed"`
			Notes  string  `json:"notes"`
		} `json:"scores"`
	} `json:"result"`
}

// readEZVals maps an EZVals run (export/json or the GET /results body): each result an
// outcome of its function (the stimulus) by metadata.model (else "pipeline"); each score
// a grader; latency seconds to ms; dataset and labels as tags; annotations as events.
func readEZVals(path string) ([]built, error) {
	f, err := readJSONFile[ezFile](path, "an EZVals run")
	if err != nil {
		return nil, err
	}
	meta := ezMeta(&f)
	trials := map[string]int{}
	var outs []*store.Outcome
	pending := 0
	for _, it := range f.Results {
		o := ezOutcome(it, trials)
		if r := it.Result.Status; it.Result.Error == "" && (r == "pending" || r == "running" || r == "not_started") {
			pending++
		}
		ezScores(o, it)
		outs = append(outs, o)
	}
	if len(outs) == 0 {
		if f.TotalEvaluations != nil && *f.TotalEvaluations > 0 {
			meta.Partial = &store.Partial{DeclaredSamples: int64(*f.TotalEvaluations)}
			return []built{{meta: meta}}, nil
		}
		return nil, fmt.Errorf("an EZVals run with no results")
	}
	if pending > 0 {
		meta.Status = store.RunRunning
	}
	if f.TotalEvaluations != nil && int64(*f.TotalEvaluations) > int64(len(outs)) {
		meta.Partial = &store.Partial{DeclaredSamples: int64(*f.TotalEvaluations), ImportedSamples: int64(len(outs))}
	}
	return []built{{meta: meta, outcomes: outs}}, nil
}

// ezMeta is an EZVals file's run: name, session, time, labels and its own counts as metrics.
func ezMeta(f *ezFile) store.Run {
	runID := strings.Trim(string(f.RunID), `"`)
	meta := store.Run{Name: f.RunName, Session: f.SessionName, Status: store.RunCompleted, CreatedAt: parseTime(f.Timestamp), Labels: map[string]string{}}
	if meta.Name == "" {
		meta.Name = "ezvals " + runID
	}
	if runID != "" {
		meta.Labels["ezvals_run_id"] = runID
		if meta.CreatedAt.IsZero() {
			meta.CreatedAt = parseTime(json.RawMessage(runID)) // EZVals run ids are Unix seconds
		}
	}
	if p := cmpOr(f.EvalPath, f.Path); p != "" {
		meta.Labels["eval_path"] = p
	}
	meta.Metrics = map[string]float64{}
	for k, v := range map[string]*float64{"total_evaluations": f.TotalEvaluations, "total_errors": f.TotalErrors, "total_passed": f.TotalPassed, "average_latency_s": f.AverageLatency} {
		if v != nil {
			meta.Metrics[k] = *v
		}
	}
	for _, raw := range f.ScoreChips {
		var c struct {
			Key                       string
			Passed, Total, Count, Avg *float64
		}
		if json.Unmarshal(raw, &c) != nil || c.Key == "" {
			continue
		}
		for k, v := range map[string]*float64{"passed": c.Passed, "total": c.Total, "avg": c.Avg, "count": c.Count} {
			if v != nil {
				meta.Metrics["chip/"+c.Key+"/"+k] = *v
			}
		}
	}
	return meta
}

// ezOutcome is one EZVals result as an outcome (before its scores): stimulus, model,
// trial, texts, latency, tags and status.
func ezOutcome(it ezItem, trials map[string]int) *store.Outcome {
	r := it.Result
	stim := cmpOr(it.Function, "result")
	model := defaultModelFor
	if m, ok := r.Metadata["model"]; ok && text(m) != "" {
		model = text(m)
	}
	o := &store.Outcome{Stimulus: stim, Model: model, Trial: trials[stim+"\x00"+model], Status: store.StatusSuccess,
		Input: text(r.Input), Output: text(r.Output), Expected: text(r.Reference), Error: r.Error, Turns: 1, DurationMs: store.Unknown}
	unknownTokens(o) // EZVals records no tokens
	trials[stim+"\x00"+model]++
	if r.Latency.ok && r.Latency.v >= 0 && r.Latency.v < 1e12 {
		o.DurationMs = int64(math.Round(r.Latency.v * 1000))
	}
	tags := tagsOf(r.Metadata)
	if tags == nil {
		tags = map[string]string{}
	}
	delete(tags, "model")
	if it.Dataset != "" {
		tags["dataset"] = it.Dataset
	}
	if len(it.Labels) > 0 {
		tags["labels"] = strings.Join(it.Labels, ",")
	}
	if len(tags) > 0 {
		o.Tags = tags
	}
	switch {
	case r.Error != "":
		o.Status, o.Errors = store.StatusError, 1
	case r.Status == "cancelled":
		o.Status = store.StatusSkipped
	}
	return o
}

// ezScores adds a result's scores as graders; the result passed when any score passed
// (EZVals' total_passed), its score is their mean. Annotations become events.
func ezScores(o *store.Outcome, it ezItem) {
	r := it.Result
	seen := map[string]int{}
	var anyBool, anyTrue bool
	var sum float64
	var nv int
	for _, s := range r.Scores {
		g := store.GraderResult{Name: uniqueName(seen, cmpOr(s.Key, "score")), Type: "score", Weight: 1, Passed: s.Passed, Evidence: s.Notes}
		if s.Value.ok {
			g.Score = clamp01(s.Value.v)
			sum += s.Value.v
			nv++
		}
		if s.Passed != nil {
			anyBool = true
			anyTrue = anyTrue || *s.Passed
		}
		o.Graders = append(o.Graders, g)
	}
	// EZVals counts a result passed when any of its scores passed (total_passed).
	if anyBool && o.Status == store.StatusSuccess {
		o.Passed = ptrBool(anyTrue)
	}
	if nv > 0 {
		o.Score = clamp01(sum / float64(nv))
	}
	for i, a := range []json.RawMessage{r.Annotation, r.Annotations} {
		if t := text(a); t != "" && t != "[]" {
			o.Events = append(o.Events, store.Event{Seq: len(o.Events), Type: "annotation", Role: "human", Content: t, Data: []string{"annotation", "annotations"}[i]})
		}
	}
}
