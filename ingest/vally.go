package ingest

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/evals-dev/evals/store"
)

// One file per source system: this one maps the Results API (vally): saved GET /api/outcomes pages, outcome details, runs and trajectories.
// Its mapping table is in docs/import.md.

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

// readVally reads the Results API files saved in path's folder: outcome pages and details
// (a detail's grader evidence wins over a page's summary), run summaries and details,
// trajectories and tool events; one run per runId.
func readVally(path string) ([]built, []string, error) {
	files, err := filesOf(filepath.Dir(path), FormatVally)
	if err != nil {
		return nil, nil, err
	}
	d := &vallyDir{outcomes: map[string]*vallyOutcome{}, runs: map[string]vallyRun{}, events: map[string][]vallyEvent{},
		tools: map[string][]vallyToolEvent{}, declared: map[string]int64{}}
	for _, f := range files {
		if err := d.read(f); err != nil {
			return nil, nil, err
		}
	}
	out, err := d.built()
	return out, files, err
}

// vallyDir is what a folder of saved Results API answers holds, gathered file by file.
type vallyDir struct {
	outcomes map[string]*vallyOutcome // by outcome id
	order    []string
	runs     map[string]vallyRun
	events   map[string][]vallyEvent
	tools    map[string][]vallyToolEvent
	declared map[string]int64 // run id → outcomes the API said it holds
}

// read takes one saved answer: a page of runs or outcomes, an outcome, a trajectory, a run
// or an outcome's tool events.
func (d *vallyDir) read(f string) error {
	b, err := os.ReadFile(f)
	if err != nil {
		return err
	}
	b = trimBOM(b)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return fmt.Errorf("%s: %s", filepath.Base(f), jsonProblem(err))
	}
	switch {
	case top["items"] != nil && top["page"] != nil:
		if err := d.page(f, top); err != nil {
			return err
		}
	case top["events"] != nil && top["outcomeId"] != nil:
		var t vallyTrajectory
		if err := json.Unmarshal(b, &t); err != nil {
			return fmt.Errorf("%s: %s", filepath.Base(f), jsonProblem(err))
		}
		d.events[t.OutcomeID] = t.Events
	case top["stimulusName"] != nil:
		var o vallyOutcome
		if err := json.Unmarshal(b, &o); err != nil {
			return fmt.Errorf("%s: %s", filepath.Base(f), jsonProblem(err))
		}
		d.add(o)
	case top["stimuli"] != nil && top["id"] != nil:
		var r vallyRun
		if err := json.Unmarshal(b, &r); err == nil {
			d.runs[r.ID] = mergeRun(d.runs[r.ID], r)
		}
	}
	// Tool events: {items: ToolEvent[], total} saved as <outcome id>.tools.json.
	if top["items"] != nil && top["total"] != nil && top["page"] == nil {
		var te struct {
			Items []vallyToolEvent `json:"items"`
		}
		if json.Unmarshal(b, &te) == nil {
			id := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".json"), ".tools")
			d.tools[id] = te.Items
		}
	}
	return nil
}

// add takes an outcome; a detail (graderResults, text) completes a page's summary of it.
func (d *vallyDir) add(o vallyOutcome) {
	if o.ID == "" {
		o.ID = fmt.Sprintf("%s/%s/%s/%d", o.RunID, o.Model, o.StimulusName, o.TrialIndex)
	}
	prev, ok := d.outcomes[o.ID]
	if !ok {
		d.order = append(d.order, o.ID)
		d.outcomes[o.ID] = &o
		return
	}
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

// page takes a page of runs or outcomes; a page of one run's outcomes says how many the
// run has.
func (d *vallyDir) page(f string, top map[string]json.RawMessage) error {
	var items []json.RawMessage
	if err := json.Unmarshal(top["items"], &items); err != nil {
		return fmt.Errorf("%s: items: %s", filepath.Base(f), jsonProblem(err))
	}
	for i, it := range items {
		var probe map[string]json.RawMessage
		json.Unmarshal(it, &probe)
		if _, ok := probe["stimulusCount"]; ok {
			var r vallyRun
			if err := json.Unmarshal(it, &r); err != nil {
				return fmt.Errorf("%s: items[%d]: %s", filepath.Base(f), i, jsonProblem(err))
			}
			d.runs[r.ID] = mergeRun(d.runs[r.ID], r)
			continue
		}
		var o vallyOutcome
		if err := json.Unmarshal(it, &o); err != nil {
			return fmt.Errorf("%s: items[%d]: %s", filepath.Base(f), i, jsonProblem(err))
		}
		d.add(o)
	}
	var page struct {
		Total *int64 `json:"total"`
	}
	json.Unmarshal(top["page"], &page)
	if page.Total == nil || len(items) == 0 {
		return nil
	}
	var first vallyOutcome
	json.Unmarshal(items[0], &first)
	if first.RunID == "" || first.StimulusName == "" {
		return nil
	}
	for _, it := range items {
		var o vallyOutcome
		json.Unmarshal(it, &o)
		if o.RunID != first.RunID {
			return nil
		}
	}
	d.declared[first.RunID] = max(d.declared[first.RunID], *page.Total)
	return nil
}

// built is one run per Results API run id met, its outcomes in the order read.
func (d *vallyDir) built() ([]built, error) {
	byRun := map[string][]*store.Outcome{}
	var runOrder []string
	for _, id := range d.order {
		v := d.outcomes[id]
		o, err := vallyToOutcome(v, d.events[id], d.tools[id])
		if err != nil {
			return nil, fmt.Errorf("outcome %s: %w", id, err)
		}
		if _, ok := byRun[v.RunID]; !ok {
			runOrder = append(runOrder, v.RunID)
		}
		byRun[v.RunID] = append(byRun[v.RunID], o)
	}
	if len(runOrder) == 0 {
		if len(d.runs) > 0 {
			return nil, fmt.Errorf("run summaries without outcomes: save GET /api/outcomes?runId=… pages beside them")
		}
		return nil, fmt.Errorf("no outcomes in the Results API files")
	}
	var out []built
	for _, rid := range runOrder {
		r := d.runs[rid]
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
		if dc := max(d.declared[rid], ptrOr(r.OutcomeCount, 0)); dc > n {
			meta.Partial = &store.Partial{DeclaredSamples: dc, ImportedSamples: n}
		}
		out = append(out, built{meta: meta, outcomes: byRun[rid], part: rid})
	}
	return out, nil
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
	knownCount := func(p *float64) int { return int(min(known(p), math.MaxInt32)) } // null stays unknown
	o.DurationMs, o.Turns, o.ToolCallCount, o.Errors = known(v.DurationMs), knownCount(v.Turns), knownCount(v.ToolCalls), count(v.Errors)
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
