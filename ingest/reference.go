package ingest

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evals-dev/evals/store"
)

// The reference systems whose interfaces evals follows (shared/reference/): what each
// returns from one curl, saved as a file, imports as runs. docs/import.md has the mapping
// tables: what maps where and what is lost.

// Formats of the reference systems.
const (
	FormatVally     = "vally"    // the Results API: GET /api/outcomes pages, /api/outcomes/:id, runs, trajectories
	FormatEZVals    = "ezvals"   // /api/runs/{id}/export/json and GET /results
	FormatEvalList  = "evallist" // GET /evaluations/{id}/results pages (evaluationResults)
	FormatRuntype   = "runtype"  // GET /v1/eval/:id/results (resultsByRecord)
	FormatTraceway  = "traceway" // GET /api/eval/:run_id (result_items)
	defaultModelFor = "pipeline" // the model of a system that names none
)

// ReferenceFormats lists the reference systems' formats, for --from.
var ReferenceFormats = []string{FormatVally, FormatEZVals, FormatEvalList, FormatRuntype, FormatTraceway}

// detectReference tells a reference system's file by its top-level keys and, for the
// Results API's pages, by the first item's keys.
func detectReference(keys []string, head []byte) string {
	has := func(k ...string) bool {
		for _, x := range k {
			if !slices.Contains(keys, x) {
				return false
			}
		}
		return true
	}
	switch {
	case has("resultsByRecord"):
		return FormatRuntype
	case has("result_items") || has("dataset_id", "scoring"):
		return FormatTraceway
	case has("evaluationResults"):
		return FormatEvalList
	case has("results") && (has("total_evaluations") || has("run_name") || has("session_name") || has("score_chips")):
		return FormatEZVals
	case has("stimulusName", "trialIndex") || has("outcomeId", "events"):
		return FormatVally
	case has("items"):
		// A page of the Results API: its first item names a stimulus (an outcome) or counts
		// stimuli (a run summary). The page may be longer than the head, so look by hand.
		i := strings.Index(string(head), `"items"`)
		if i < 0 {
			return ""
		}
		first := string(head[i:min(len(head), i+4096)])
		if strings.Contains(first, `"stimulusName"`) || strings.Contains(first, `"stimulusCount"`) {
			return FormatVally
		}
	}
	return ""
}

// readJSONFile decodes a whole JSON file (past a BOM) into a T; what names the kind of
// file for the error.
func readJSONFile[T any](path, what string) (T, error) {
	var v T
	b, err := os.ReadFile(path)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(trimBOM(b), &v); err != nil {
		return v, fmt.Errorf("not %s: %s", what, jsonProblem(err))
	}
	return v, nil
}

// ---- the Results API (vally) ----

type vallyOutcome struct {
	ID            string             `json:"id"`
	RunID         string             `json:"runId"`
	StimulusName  string             `json:"stimulusName"`
	Model         string             `json:"model"`
	TrialIndex    int                `json:"trialIndex"`
	Status        string             `json:"status"`
	Passed        *bool              `json:"passed"`
	Score         *float64           `json:"score"`
	DurationMs    *float64           `json:"durationMs"`
	Turns         *float64           `json:"turns"`
	ToolCalls     *float64           `json:"toolCalls"`
	Errors        *float64           `json:"errors"`
	InputTokens   *float64           `json:"inputTokens"`
	OutputTokens  *float64           `json:"outputTokens"`
	Reasoning     *float64           `json:"reasoningTokens"`
	Cached        *float64           `json:"cachedTokens"`
	TotalTokens   *float64           `json:"totalTokens"`
	CostUSD       *float64           `json:"costUsd"`
	StartedAt     json.RawMessage    `json:"startedAt"`
	Tags          map[string]string  `json:"tags"`
	GraderSummary []vallyGrader      `json:"graderSummary"`
	GraderResults []vallyGrader      `json:"graderResults"`
	Error         string             `json:"error"`
	Input         json.RawMessage    `json:"input"`
	Output        json.RawMessage    `json:"output"`
	Expected      json.RawMessage    `json:"expected"`
	Metrics       map[string]float64 `json:"metrics"`
}

type vallyGrader struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Passed   *bool    `json:"passed"`
	Score    *float64 `json:"score"`
	Weight   *float64 `json:"weight"`
	Evidence string   `json:"evidence"`
}

type vallyRun struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Source        string            `json:"source"`
	Status        string            `json:"status"`
	CreatedAt     json.RawMessage   `json:"createdAt"`
	StimulusCount *int64            `json:"stimulusCount"`
	OutcomeCount  *int64            `json:"outcomeCount"`
	Labels        map[string]string `json:"labels"`
	Session       string            `json:"session"`
	Config        json.RawMessage   `json:"config"`
}

type vallyEvent struct {
	Seq        int             `json:"seq"`
	Type       string          `json:"type"`
	TS         json.RawMessage `json:"ts"`
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Tool       string          `json:"tool"`
	ToolCallID string          `json:"toolCallId"`
	Data       json.RawMessage `json:"data"`
}

type vallyTrajectory struct {
	OutcomeID string       `json:"outcomeId"`
	RunID     string       `json:"runId"`
	Events    []vallyEvent `json:"events"`
}

type vallyToolEvent struct {
	ToolName        string          `json:"toolName"`
	Success         *bool           `json:"success"`
	ArgsSizeBytes   *int64          `json:"argsSizeBytes"`
	ResultSizeBytes *int64          `json:"resultSizeBytes"`
	DurationMs      *int64          `json:"durationMs"`
	Arguments       json.RawMessage `json:"arguments"`
	Result          json.RawMessage `json:"result"`
	Error           string          `json:"error"`
}

// filesOf lists the JSON files of a folder that are of one format (saved API pages).
func filesOf(dir, format string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if f, err := Detect(p); err == nil && f == format {
			out = append(out, p)
		}
	}
	return out, nil
}

// readVally reads the Results API files saved in path's folder: outcome pages and details
// (a detail's grader evidence wins over a page's summary), run summaries and details,
// trajectories and tool events; one run per runId.
func readVally(path string) ([]built, []string, error) {
	files, err := filesOf(filepath.Dir(path), FormatVally)
	if err != nil {
		return nil, nil, err
	}
	outcomes := map[string]*vallyOutcome{} // by outcome id
	var order []string
	runs := map[string]vallyRun{}
	events := map[string][]vallyEvent{}
	tools := map[string][]vallyToolEvent{}
	declared := map[string]int64{} // run id → outcomes the API said it holds
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		b = trimBOM(b)
		var top map[string]json.RawMessage
		if err := json.Unmarshal(b, &top); err != nil {
			return nil, nil, fmt.Errorf("%s: %s", filepath.Base(f), jsonProblem(err))
		}
		add := func(o vallyOutcome) {
			if o.ID == "" {
				o.ID = fmt.Sprintf("%s/%s/%s/%d", o.RunID, o.Model, o.StimulusName, o.TrialIndex)
			}
			prev, ok := outcomes[o.ID]
			if !ok {
				order = append(order, o.ID)
				outcomes[o.ID] = &o
				return
			}
			// A detail (graderResults, text) completes a page's summary.
			if len(o.GraderResults) > 0 {
				prev.GraderResults = o.GraderResults
			}
			for _, fld := range []struct{ dst, src *json.RawMessage }{{&prev.Input, &o.Input}, {&prev.Output, &o.Output}, {&prev.Expected, &o.Expected}} {
				if len(*fld.src) > 0 {
					*fld.dst = *fld.src
				}
			}
			if o.Error != "" {
				prev.Error = o.Error
			}
		}
		switch {
		case top["items"] != nil && top["page"] != nil:
			var items []json.RawMessage
			if err := json.Unmarshal(top["items"], &items); err != nil {
				return nil, nil, fmt.Errorf("%s: items: %s", filepath.Base(f), jsonProblem(err))
			}
			for i, it := range items {
				var probe map[string]json.RawMessage
				json.Unmarshal(it, &probe)
				if _, ok := probe["stimulusCount"]; ok {
					var r vallyRun
					if err := json.Unmarshal(it, &r); err != nil {
						return nil, nil, fmt.Errorf("%s: items[%d]: %s", filepath.Base(f), i, jsonProblem(err))
					}
					runs[r.ID] = mergeRun(runs[r.ID], r)
					continue
				}
				var o vallyOutcome
				if err := json.Unmarshal(it, &o); err != nil {
					return nil, nil, fmt.Errorf("%s: items[%d]: %s", filepath.Base(f), i, jsonProblem(err))
				}
				add(o)
			}
			// A page of one run's outcomes says how many the run has.
			var page struct {
				Total *int64 `json:"total"`
			}
			json.Unmarshal(top["page"], &page)
			if page.Total != nil && len(items) > 0 {
				var first vallyOutcome
				json.Unmarshal(items[0], &first)
				if first.RunID != "" && first.StimulusName != "" {
					same := true
					for _, it := range items {
						var o vallyOutcome
						json.Unmarshal(it, &o)
						same = same && o.RunID == first.RunID
					}
					if same {
						declared[first.RunID] = max(declared[first.RunID], *page.Total)
					}
				}
			}
		case top["events"] != nil && top["outcomeId"] != nil:
			var t vallyTrajectory
			if err := json.Unmarshal(b, &t); err != nil {
				return nil, nil, fmt.Errorf("%s: %s", filepath.Base(f), jsonProblem(err))
			}
			events[t.OutcomeID] = t.Events
		case top["stimulusName"] != nil:
			var o vallyOutcome
			if err := json.Unmarshal(b, &o); err != nil {
				return nil, nil, fmt.Errorf("%s: %s", filepath.Base(f), jsonProblem(err))
			}
			add(o)
		case top["stimuli"] != nil && top["id"] != nil:
			var r vallyRun
			if err := json.Unmarshal(b, &r); err == nil {
				runs[r.ID] = mergeRun(runs[r.ID], r)
			}
		}
		// Tool events: {items: ToolEvent[], total} saved as <outcome id>.tools.json.
		if top["items"] != nil && top["total"] != nil && top["page"] == nil {
			var te struct {
				Items []vallyToolEvent `json:"items"`
			}
			if json.Unmarshal(b, &te) == nil {
				id := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".json"), ".tools")
				tools[id] = te.Items
			}
		}
	}
	byRun := map[string][]*store.Outcome{}
	var runOrder []string
	for _, id := range order {
		v := outcomes[id]
		o, err := vallyToOutcome(v, events[id], tools[id])
		if err != nil {
			return nil, nil, fmt.Errorf("outcome %s: %w", id, err)
		}
		if _, ok := byRun[v.RunID]; !ok {
			runOrder = append(runOrder, v.RunID)
		}
		byRun[v.RunID] = append(byRun[v.RunID], o)
	}
	if len(runOrder) == 0 {
		if len(runs) > 0 {
			return nil, nil, fmt.Errorf("run summaries without outcomes: save GET /api/outcomes?runId=… pages beside them")
		}
		return nil, nil, fmt.Errorf("no outcomes in the Results API files")
	}
	var out []built
	for _, rid := range runOrder {
		r := runs[rid]
		meta := store.Run{ID: "", Name: r.Name, Labels: r.Labels, Session: r.Session, Config: r.Config, CreatedAt: parseTime(r.CreatedAt), Status: store.RunCompleted}
		if meta.Name == "" {
			meta.Name = rid
		}
		if meta.Labels == nil {
			meta.Labels = map[string]string{}
		}
		meta.Labels["vally_run_id"] = rid
		if r.Status != "" {
			meta.Status = r.Status
		}
		n := int64(len(byRun[rid]))
		if d := max(declared[rid], ptrOr(r.OutcomeCount, 0)); d > n {
			meta.Partial = &store.Partial{DeclaredSamples: d, ImportedSamples: n}
		}
		out = append(out, built{meta: meta, outcomes: byRun[rid], part: rid})
	}
	return out, files, nil
}

func mergeRun(a, b vallyRun) vallyRun {
	if a.ID == "" {
		return b
	}
	if b.Name != "" {
		a.Name = b.Name
	}
	if len(b.Config) > 0 {
		a.Config = b.Config
	}
	if b.OutcomeCount != nil {
		a.OutcomeCount = b.OutcomeCount
	}
	return a
}

func ptrOr(p *int64, v int64) int64 {
	if p == nil {
		return v
	}
	return *p
}

func vallyToOutcome(v *vallyOutcome, evs []vallyEvent, tcs []vallyToolEvent) (*store.Outcome, error) {
	if v.StimulusName == "" || v.Model == "" {
		return nil, fmt.Errorf("stimulusName and model are required")
	}
	o := &store.Outcome{Stimulus: v.StimulusName, Model: v.Model, Trial: v.TrialIndex, Status: v.Status, Passed: v.Passed,
		Score: v.Score, CostUSD: v.CostUSD, Error: v.Error, Input: text(v.Input), Output: text(v.Output), Expected: text(v.Expected),
		Tags: v.Tags, StartedAt: parseTime(v.StartedAt)}
	switch o.Status {
	case store.StatusSuccess, store.StatusError, store.StatusSkipped:
	case "":
		o.Status = store.StatusSuccess
	default:
		return nil, fmt.Errorf("status %q is not one of success, error, skipped", v.Status)
	}
	// A value the API gave as null (or out of range) was not recorded.
	known := func(p *float64) int64 {
		if p == nil || math.IsNaN(*p) || *p < 0 || *p > math.MaxInt64/2 {
			return store.Unknown
		}
		return int64(*p)
	}
	count := func(p *float64) int { return int(max(known(p), 0)) }
	o.DurationMs, o.Turns, o.ToolCallCount, o.Errors = known(v.DurationMs), count(v.Turns), count(v.ToolCalls), count(v.Errors)
	o.InputTokens, o.OutputTokens, o.ReasoningTokens, o.CachedTokens, o.TotalTokens = known(v.InputTokens), known(v.OutputTokens), known(v.Reasoning), known(v.Cached), known(v.TotalTokens)
	gs := v.GraderResults
	if len(gs) == 0 {
		gs = v.GraderSummary
	}
	seen := map[string]int{}
	for _, g := range gs {
		w := 1.0
		if g.Weight != nil {
			w = *g.Weight
		}
		o.Graders = append(o.Graders, store.GraderResult{Name: uniqueName(seen, g.Name), Type: g.Type, Passed: g.Passed, Score: g.Score, Weight: w, Evidence: g.Evidence})
	}
	for i, e := range evs {
		o.Events = append(o.Events, store.Event{Seq: i, Type: e.Type, TS: parseTime(e.TS), Role: e.Role, Content: text(e.Content), Tool: e.Tool, ToolCallID: e.ToolCallID, Data: text(e.Data)})
	}
	for i, t := range tcs {
		tc := store.ToolCall{Seq: i, Tool: t.ToolName, Success: t.Success == nil || *t.Success, DurationMs: t.DurationMs, Error: t.Error,
			Arguments: text(t.Arguments), Result: text(t.Result), ArgsBytes: ptrOr(t.ArgsSizeBytes, 0), ResultBytes: ptrOr(t.ResultSizeBytes, 0)}
		o.ToolCalls = append(o.ToolCalls, tc)
	}
	return o, nil
}

// ---- EZVals ----

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
	trials := map[string]int{}
	var outs []*store.Outcome
	pending := 0
	for _, it := range f.Results {
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
		case r.Status == "pending" || r.Status == "running" || r.Status == "not_started":
			pending++
		}
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

// unknownTokens marks an outcome's token counts as not recorded.
func unknownTokens(o *store.Outcome) {
	o.InputTokens, o.OutputTokens, o.ReasoningTokens, o.CachedTokens, o.TotalTokens = store.Unknown, store.Unknown, store.Unknown, store.Unknown, store.Unknown
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ---- list-evaluation-results ----

type evalListPage struct {
	EvaluationResults []struct {
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
	} `json:"evaluationResults"`
	Total    *int64 `json:"total"`
	Page     *int64 `json:"page"`
	PageSize *int64 `json:"pageSize"`
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
	type acc struct {
		outs     []*store.Outcome
		seen     map[string]bool
		total    int64
		created  time.Time
		trials   map[string]int
		statuses map[string]int64
	}
	runs := map[string]*acc{}
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
				a = &acc{seen: map[string]bool{}, trials: map[string]int{}, statuses: map[string]int64{}}
				runs[r.EvaluationID] = a
				order = append(order, r.EvaluationID)
			}
			if p.Total != nil {
				a.total = max(a.total, *p.Total)
			}
			id := cmpOr(r.EvaluationResultID, fmt.Sprintf("%s#%d", f, i))
			if a.seen[id] { // the same result on two saved pages
				continue
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
				return nil, nil, fmt.Errorf("%s: evaluationResults[%d]: status %q is not one of pending, passed, failed, error, skipped", filepath.Base(f), i, r.Status)
			}
			if r.ExecutionID != "" {
				o.Tags = map[string]string{"executionId": r.ExecutionID}
			}
			if o.Status == store.StatusSuccess && (g.Passed != nil || g.Score != nil || evidence != "") {
				o.Graders = []store.GraderResult{g}
			}
			a.outs = append(a.outs, o)
		}
	}
	if len(order) == 0 {
		return nil, nil, fmt.Errorf("no evaluationResults in the saved pages")
	}
	var out []built
	for _, id := range order {
		a := runs[id]
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
		out = append(out, built{meta: meta, outcomes: a.outs, part: id})
	}
	return out, files, nil
}

// ---- Runtype ----

type runtypeFile struct {
	BatchExecutionID string                   `json:"batchExecutionId"`
	FailedRecords    *int64                   `json:"failedRecords"`
	FlowID           *string                  `json:"flowId"`
	ProcessedRecords *int64                   `json:"processedRecords"`
	TotalRecords     *int64                   `json:"totalRecords"`
	ResultsByRecord  map[string][]runtypeStep `json:"resultsByRecord"`
	StartedAt        json.RawMessage          `json:"startedAt"`
	CompletedAt      json.RawMessage          `json:"completedAt"`
	Status           string                   `json:"status"`
	EvalGroupID      string                   `json:"evalGroupId"`
	EvalName         string                   `json:"evalName"`
	EvalConfig       json.RawMessage          `json:"evalConfig"`
}

type runtypeStep struct {
	CompletionTokens   *int64          `json:"completionTokens"`
	PromptTokens       *int64          `json:"promptTokens"`
	ReasoningTokens    *int64          `json:"reasoningTokens"`
	DurationMs         *float64        `json:"durationMs"`
	ErrorMessage       *string         `json:"errorMessage"`
	ErrorStack         *string         `json:"errorStack"`
	ExecutedAt         json.RawMessage `json:"executedAt"`
	ExecutionSessionID string          `json:"executionSessionId"`
	MessageHistory     []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messageHistory"`
	ModelUsed        string          `json:"modelUsed"`
	Output           json.RawMessage `json:"output"`
	ReasoningContent *string         `json:"reasoningContent"`
	RecordName       string          `json:"recordName"`
	ResolvedPrompt   json.RawMessage `json:"resolvedPrompt"`
	RetryCount       *int64          `json:"retryCount"`
	StepID           string          `json:"stepId"`
	StepName         string          `json:"stepName"`
	StepType         string          `json:"stepType"`
	TotalCost        *float64        `json:"totalCost"`
	// Graded steps (Analyze step results) carry a verdict and a score.
	Passed    *bool    `json:"passed"`
	Score     *float64 `json:"score"`
	Feedback  *string  `json:"feedback"`
	ToolCalls []struct {
		ErrorMessage    *string         `json:"errorMessage"`
		ExecutedAt      json.RawMessage `json:"executedAt"`
		ExecutionTimeMs *float64        `json:"executionTimeMs"`
		Model           string          `json:"model"`
		Status          string          `json:"status"`
		ToolName        string          `json:"toolName"`
		ToolID          string          `json:"toolId"`
		InputParameters json.RawMessage `json:"inputParameters"`
		OutputResult    json.RawMessage `json:"outputResult"`
	} `json:"toolCalls"`
}

// readRuntype maps a Runtype eval batch: each record's step result an outcome (stimulus
// record/step when a record has several steps) of the step's model; messages, reasoning
// and tool calls the trajectory; an errored step an errored outcome, an ungraded one pending.
func readRuntype(path string) ([]built, error) {
	f, err := readJSONFile[runtypeFile](path, "a Runtype eval result")
	if err != nil {
		return nil, err
	}
	meta := store.Run{Name: cmpOr(f.EvalName, "runtype "+f.BatchExecutionID), CreatedAt: parseTime(f.StartedAt), Config: f.EvalConfig, Labels: map[string]string{}}
	for k, v := range map[string]string{"batch_execution_id": f.BatchExecutionID, "eval_group_id": f.EvalGroupID} {
		if v != "" {
			meta.Labels[k] = v
		}
	}
	if f.FlowID != nil && *f.FlowID != "" {
		meta.Labels["flow_id"] = *f.FlowID
	}
	if t := parseTime(f.StartedAt); !t.IsZero() {
		meta.StartedAt = &t
	}
	if t := parseTime(f.CompletedAt); !t.IsZero() {
		meta.CompletedAt = &t
	}
	meta.Status = map[string]string{"completed": store.RunCompleted, "failed": store.RunFailed, "cancelled": store.RunCancelled}[f.Status]
	if meta.Status == "" {
		meta.Status = store.RunRunning
	}
	meta.Metrics = map[string]float64{}
	for k, v := range map[string]*int64{"total_records": f.TotalRecords, "processed_records": f.ProcessedRecords, "failed_records": f.FailedRecords} {
		if v != nil {
			meta.Metrics[k] = float64(*v)
		}
	}
	records := make([]string, 0, len(f.ResultsByRecord))
	for r := range f.ResultsByRecord {
		records = append(records, r)
	}
	slices.Sort(records)
	var outs []*store.Outcome
	for _, rec := range records {
		steps := f.ResultsByRecord[rec]
		for si, s := range steps {
			stim := rec
			if len(steps) > 1 {
				stim = rec + "/" + cmpOr(s.StepID, strconv.Itoa(si))
			}
			o := &store.Outcome{Stimulus: stim, Model: cmpOr(s.ModelUsed, defaultModelFor), Status: store.StatusSuccess, Turns: 1,
				Input: text(s.ResolvedPrompt), Output: text(s.Output), CostUSD: s.TotalCost, StartedAt: parseTime(s.ExecutedAt),
				InputTokens: ptrOr(s.PromptTokens, store.Unknown), OutputTokens: ptrOr(s.CompletionTokens, store.Unknown),
				ReasoningTokens: ptrOr(s.ReasoningTokens, store.Unknown), CachedTokens: store.Unknown, TotalTokens: store.Unknown, DurationMs: store.Unknown}
			if s.DurationMs != nil && *s.DurationMs >= 0 && *s.DurationMs < 1e15 {
				o.DurationMs = int64(*s.DurationMs)
			}
			if s.PromptTokens != nil || s.CompletionTokens != nil || s.ReasoningTokens != nil {
				if t, ok := store.AddTokens(max(o.InputTokens, 0), max(o.OutputTokens, 0), max(o.ReasoningTokens, 0)); ok {
					o.TotalTokens = t
				}
			}
			tags := map[string]string{}
			for k, v := range map[string]string{"record": rec, "recordName": s.RecordName, "step": s.StepName, "stepType": s.StepType} {
				if v != "" {
					tags[k] = v
				}
			}
			if s.RetryCount != nil {
				tags["retries"] = strconv.FormatInt(*s.RetryCount, 10)
			}
			o.Tags = tags
			if s.ErrorMessage != nil && *s.ErrorMessage != "" {
				o.Status, o.Error, o.Errors = store.StatusError, *s.ErrorMessage, 1
				if s.ErrorStack != nil && *s.ErrorStack != "" {
					o.Error += "\n" + *s.ErrorStack
				}
			}
			if s.Passed != nil || s.Score != nil {
				g := store.GraderResult{Name: "runtype", Type: "analysis", Weight: 1, Passed: s.Passed, Score: clamp01Ptr(s.Score)}
				if s.Feedback != nil {
					g.Evidence = *s.Feedback
				}
				o.Graders = append(o.Graders, g)
				if o.Status == store.StatusSuccess {
					o.Passed, o.Score = s.Passed, g.Score
				}
			}
			for _, m := range s.MessageHistory {
				o.Events = append(o.Events, store.Event{Seq: len(o.Events), Type: "message", Role: m.Role, Content: text(m.Content)})
			}
			if s.ReasoningContent != nil && *s.ReasoningContent != "" {
				o.Events = append(o.Events, store.Event{Seq: len(o.Events), Type: "reasoning", Role: "assistant", Content: *s.ReasoningContent})
			}
			for i, tc := range s.ToolCalls {
				call := store.ToolCall{Seq: i, Tool: cmpOr(tc.ToolName, tc.ToolID), Success: tc.Status == "" || tc.Status == "success",
					Arguments: text(tc.InputParameters), Result: text(tc.OutputResult)}
				call.ArgsBytes, call.ResultBytes = int64(len(call.Arguments)), int64(len(call.Result))
				if tc.ExecutionTimeMs != nil && *tc.ExecutionTimeMs >= 0 {
					d := int64(*tc.ExecutionTimeMs)
					call.DurationMs = &d
				}
				if tc.ErrorMessage != nil && *tc.ErrorMessage != "" {
					call.Error, call.Success = *tc.ErrorMessage, false
				}
				o.ToolCalls = append(o.ToolCalls, call)
				o.Events = append(o.Events, store.Event{Seq: len(o.Events), Type: "tool_call", Role: "assistant", Tool: call.Tool, Content: call.Arguments, TS: parseTime(tc.ExecutedAt)})
				o.Events = append(o.Events, store.Event{Seq: len(o.Events), Type: "tool_result", Role: "tool", Tool: call.Tool, Content: call.Result})
			}
			if o.Output != "" {
				o.Events = append(o.Events, store.Event{Seq: len(o.Events), Type: "message", Role: "assistant", Content: o.Output})
			}
			outs = append(outs, o)
		}
	}
	if len(outs) == 0 && f.TotalRecords == nil {
		return nil, fmt.Errorf("a Runtype eval result with no resultsByRecord and no counts")
	}
	if f.TotalRecords != nil && *f.TotalRecords > int64(len(records)) {
		meta.Partial = &store.Partial{DeclaredSamples: *f.TotalRecords, ImportedSamples: int64(len(records))}
	}
	return []built{{meta: meta, outcomes: outs}}, nil
}

// ---- Traceway ----

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
