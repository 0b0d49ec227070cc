package query

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// GraderBrief is one grader's verdict in an outcome summary.
type GraderBrief struct {
	Name   string   `json:"name"`
	Passed *bool    `json:"passed"`
	Score  *float64 `json:"score"`
}

// OutcomeSummary is one outcome in a list.
type OutcomeSummary struct {
	ID              string        `json:"id"`
	RunID           string        `json:"runId"`
	StimulusName    string        `json:"stimulusName"`
	Model           string        `json:"model"`
	TrialIndex      int           `json:"trialIndex"`
	Status          string        `json:"status"`
	DisplayStatus   string        `json:"displayStatus"`
	Passed          *bool         `json:"passed"`
	Score           *float64      `json:"score"`
	DurationMs      int64         `json:"durationMs"`
	Turns           int           `json:"turns"`
	ToolCalls       int           `json:"toolCalls"`
	Errors          int           `json:"errors"`
	InputTokens     int64         `json:"inputTokens"`
	OutputTokens    int64         `json:"outputTokens"`
	ReasoningTokens int64         `json:"reasoningTokens"`
	CachedTokens    int64         `json:"cachedTokens"`
	TotalTokens     int64         `json:"totalTokens"`
	CostUSD         *float64      `json:"costUsd"`
	StartedAt       *time.Time    `json:"startedAt"`
	GraderSummary   []GraderBrief `json:"graderSummary"`

	row, gradersRow, gradersLen int64
}

// OutcomesParams are the filters, order and page of an outcome list.
type OutcomesParams struct {
	// Runs are run references; empty means every run of the store.
	Runs     []string
	Model    []string
	Stimulus []string
	// Status holds display statuses (passed, failed, error, skipped, pending) or the
	// execution status success (passed, failed or pending).
	Status []string
	Passed *bool
	Grader string
	// Sort is a metric id or one of stimulus, model, trial, status, started_at; "" keeps
	// the store order (runs newest first, then model, stimulus, trial).
	Sort  string
	Desc  bool
	Limit int
	// Cursor is the nextCursor of the previous page.
	Cursor string
}

var validStatus = []string{"passed", "failed", "error", "skipped", "pending", "success"}

// SortFields lists what outcomes can be sorted by, besides the metrics.
var SortFields = []string{"stimulus", "model", "trial", "status", "started_at"}

func (p *OutcomesParams) check() error {
	for _, s := range p.Status {
		if !slices.Contains(validStatus, s) {
			return errs.E(errs.Invalid, "invalid status %q: use passed, failed, error, skipped, pending or success", s)
		}
	}
	if p.Sort != "" && !slices.Contains(SortFields, p.Sort) {
		if _, err := MetricByID(p.Sort); err != nil {
			return errs.E(errs.Invalid, "cannot sort by %q: use a metric id (see `evals metrics`) or one of %v", p.Sort, SortFields)
		}
	}
	if _, err := DecodeCursor(p.Cursor); err != nil {
		return err
	}
	return CheckLimit(p.Limit)
}

func (p *OutcomesParams) keepStatus(display string) bool {
	if len(p.Status) == 0 {
		return true
	}
	for _, s := range p.Status {
		if s == display || s == "success" && (display == "passed" || display == "failed" || display == "pending") {
			return true
		}
	}
	return false
}

var listCols = []string{"model", "stimulus", "trial", "status", "passed", "score", "duration_ms", "turns", "tool_calls", "errors",
	"input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens", "total_tokens", "cost_usd", "started_at",
	"graders_row", "graders_len"}

// Outcomes lists outcomes with filters, an order and cursor paging.
func Outcomes(src Source, p OutcomesParams) (Paged[OutcomeSummary], error) {
	if err := p.check(); err != nil {
		return Paged[OutcomeSummary]{}, err
	}
	sc := Scope{Runs: p.Runs}
	if len(sc.Runs) == 0 {
		sc.Runs = []string{"all"}
	}
	runs, err := resolve(src, sc)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound && len(p.Runs) == 0 {
			return Paged[OutcomeSummary]{Items: []OutcomeSummary{}, Page: Page{Limit: p.Limit}}, nil
		}
		return Paged[OutcomeSummary]{}, err
	}
	var all []OutcomeSummary
	for _, r := range runs {
		if all, err = listRun(src, r, &p, all); err != nil {
			return Paged[OutcomeSummary]{}, err
		}
	}
	sortOutcomes(all, p.Sort, p.Desc)
	page, err := PageOf(all, p.Cursor, p.Limit)
	if err != nil {
		return page, err
	}
	page.Items = slices.Clone(page.Items)
	return page, fillGraders(src, page.Items)
}

func listRun(src Source, r store.Run, p *OutcomesParams, all []OutcomeSummary) ([]OutcomeSummary, error) {
	var graded func(from, n int64) bool
	if p.Grader != "" {
		var err error
		if graded, err = gradedBy(src, r.ID, p.Grader); err != nil {
			return nil, err
		}
	}
	err := src.Scan(r.ID, store.Outcomes, listCols, func(b *store.Batch) error {
		md, sd, std := b.Dict("model"), b.Dict("stimulus"), b.Dict("status")
		keepM := keepSet(md.Values, p.Model)
		keepS := keepSet(sd.Values, p.Stimulus)
		passed, score, cost := b.Bool("passed"), b.Float("score"), b.Float("cost_usd")
		gRow, gLen := b.Int("graders_row"), b.Int("graders_len")
		for i := 0; i < b.N; i++ {
			if keepM != nil && !keepM[md.Index[i]] || keepS != nil && !keepS[sd.Index[i]] {
				continue
			}
			var pv *bool
			if passed[i] >= 0 {
				v := passed[i] == 1
				pv = &v
			}
			status := std.Values[std.Index[i]]
			display := store.DisplayStatus(status, pv)
			if !p.keepStatus(display) || p.Passed != nil && (pv == nil || *pv != *p.Passed || status != store.StatusSuccess) {
				continue
			}
			if graded != nil && !graded(gRow[i], gLen[i]) {
				continue
			}
			row := b.Row0 + int64(i)
			o := OutcomeSummary{
				ID: store.OutcomeID(r.ID, row), RunID: r.ID, StimulusName: sd.Values[sd.Index[i]], Model: md.Values[md.Index[i]],
				TrialIndex: int(b.Int("trial")[i]), Status: status, DisplayStatus: display, Passed: pv, Score: optFloat(score[i]),
				DurationMs: b.Int("duration_ms")[i], Turns: int(b.Int("turns")[i]), ToolCalls: int(b.Int("tool_calls")[i]),
				Errors: int(b.Int("errors")[i]), InputTokens: b.Int("input_tokens")[i], OutputTokens: b.Int("output_tokens")[i],
				ReasoningTokens: b.Int("reasoning_tokens")[i], CachedTokens: b.Int("cached_tokens")[i],
				TotalTokens: b.Int("total_tokens")[i], CostUSD: optFloat(cost[i]),
				row: row, gradersRow: gRow[i], gradersLen: gLen[i],
			}
			if ms := b.Int("started_at")[i]; ms > 0 {
				t := time.UnixMilli(ms).UTC()
				o.StartedAt = &t
			}
			all = append(all, o)
		}
		return nil
	})
	return all, err
}

func optFloat(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// keepSet marks the dictionary entries named in want; nil keeps everything.
func keepSet(values, want []string) []bool {
	if len(want) == 0 {
		return nil
	}
	keep := make([]bool, len(values))
	for i, v := range values {
		keep[i] = slices.Contains(want, v)
	}
	return keep
}

// gradedBy reports whether a grader row range holds a result of the named grader.
func gradedBy(src Source, runID, grader string) (func(from, n int64) bool, error) {
	var rows []bool
	err := src.Scan(runID, store.Graders, []string{"grader"}, func(b *store.Batch) error {
		d := b.Dict("grader")
		for _, ix := range d.Index {
			rows = append(rows, d.Values[ix] == grader)
		}
		return nil
	})
	return func(from, n int64) bool {
		for r := from; r < from+n && r < int64(len(rows)); r++ {
			if rows[r] {
				return true
			}
		}
		return false
	}, err
}

func sortOutcomes(all []OutcomeSummary, field string, desc bool) {
	if field == "" {
		if desc {
			slices.Reverse(all)
		}
		return
	}
	var key func(a, b *OutcomeSummary) int
	switch field {
	case "stimulus":
		key = func(a, b *OutcomeSummary) int { return strings.Compare(a.StimulusName, b.StimulusName) }
	case "model":
		key = func(a, b *OutcomeSummary) int { return strings.Compare(a.Model, b.Model) }
	case "trial":
		key = func(a, b *OutcomeSummary) int { return cmp.Compare(a.TrialIndex, b.TrialIndex) }
	case "status":
		key = func(a, b *OutcomeSummary) int { return strings.Compare(a.DisplayStatus, b.DisplayStatus) }
	case "started_at":
		key = func(a, b *OutcomeSummary) int {
			return cmpAsc(timeKey(a.StartedAt), timeKey(b.StartedAt))
		}
	default:
		m, _ := MetricByID(field)
		key = func(a, b *OutcomeSummary) int { return cmpAsc(m.field(a), m.field(b)) }
	}
	slices.SortStableFunc(all, func(a, b OutcomeSummary) int {
		c := key(&a, &b)
		if desc {
			c = -c
		}
		return c
	})
}

func timeKey(t *time.Time) *float64 {
	if t == nil {
		return nil
	}
	v := float64(t.UnixMilli())
	return &v
}

// fillGraders adds the grader summary to the outcomes of one page.
func fillGraders(src Source, items []OutcomeSummary) error {
	byRun := map[string][]int{}
	for i := range items {
		items[i].GraderSummary = []GraderBrief{}
		if items[i].gradersLen > 0 {
			byRun[items[i].RunID] = append(byRun[items[i].RunID], i)
		}
	}
	for runID, idx := range byRun {
		lo, hi := int64(math.MaxInt64), int64(0)
		for _, i := range idx {
			lo = min(lo, items[i].gradersRow)
			hi = max(hi, items[i].gradersRow+items[i].gradersLen)
		}
		briefs := map[int64]GraderBrief{}
		err := src.Scan(runID, store.Graders, []string{"grader", "passed", "score"}, func(b *store.Batch) error {
			if b.Row0+int64(b.N) <= lo || b.Row0 >= hi {
				return nil
			}
			d, passed, score := b.Dict("grader"), b.Bool("passed"), b.Float("score")
			for i := 0; i < b.N; i++ {
				r := b.Row0 + int64(i)
				if r < lo || r >= hi {
					continue
				}
				g := GraderBrief{Name: d.Values[d.Index[i]], Score: optFloat(score[i])}
				if passed[i] >= 0 {
					v := passed[i] == 1
					g.Passed = &v
				}
				briefs[r] = g
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, i := range idx {
			for r := items[i].gradersRow; r < items[i].gradersRow+items[i].gradersLen; r++ {
				if g, ok := briefs[r]; ok {
					items[i].GraderSummary = append(items[i].GraderSummary, g)
				}
			}
		}
	}
	return nil
}
