package query

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/evals-dev/evals/store"
)

// RunSummary is one run in a list.
type RunSummary struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Suite groups the runs of one eval suite (trends and "vs previous" stay within it):
	// the run's suite label, else its config's suite, else its name up to " · " without
	// a trailing date or number.
	Suite         string   `json:"suite"`
	Source        string   `json:"source"`
	Status        string   `json:"status"`
	Models        []string `json:"models"`
	StimulusCount int64    `json:"stimulusCount"`
	OutcomeCount  int64    `json:"outcomeCount"`
	Trials        int64    `json:"trials"`
	PassRate      *float64 `json:"passRate"`
	// PassRateInterval is the 95% interval of the pass rate clustered by stimulus (null
	// for runs written before the store kept the sums it needs).
	PassRateInterval *Interval    `json:"passRateInterval"`
	Counts           StatusCounts `json:"counts"`
	// DurationMs and TotalTokens are sums over the outcomes that recorded them; null when
	// none did.
	DurationMs  *int64 `json:"durationMs"`
	TotalTokens *int64 `json:"totalTokens"`
	// CostUSD is the sum of the recorded costs; null when no outcome recorded one.
	CostUSD     *float64          `json:"costUsd"`
	Labels      map[string]string `json:"labels"`
	Session     string            `json:"session,omitempty"`
	CreatedAt   time.Time         `json:"createdAt"`
	StartedAt   *time.Time        `json:"startedAt"`
	CompletedAt *time.Time        `json:"completedAt"`
	// Partial is set when the source file summarises more samples than it holds.
	Partial *store.Partial `json:"partial"`
}

// StatusCounts counts outcomes by display status.
type StatusCounts struct {
	Passed int64 `json:"passed"`
	Failed int64 `json:"failed"`
	// Error counts the outcomes whose execution failed, a human's verdict or not;
	// HumanPassedErrors of them a human passed (counted in Passed too).
	Error             int64 `json:"error"`
	Skipped           int64 `json:"skipped"`
	Pending           int64 `json:"pending"`
	HumanPassedErrors int64 `json:"humanPassedErrors"`
}

// RunDetail adds the stimuli and config to a run summary.
type RunDetail struct {
	RunSummary
	Stimuli []string        `json:"stimuli"`
	Config  json.RawMessage `json:"config"`
	// Metrics are the source file's own summary metrics, as it gave them.
	Metrics map[string]float64 `json:"metrics"`
}

// SuiteOf is the suite a run belongs to (see RunSummary.Suite).
func SuiteOf(r store.Run) string {
	if v := r.Labels["suite"]; v != "" {
		return v
	}
	var cfg struct {
		Suite string `json:"suite"`
	}
	if len(r.Config) > 0 && json.Unmarshal(r.Config, &cfg) == nil && cfg.Suite != "" {
		return cfg.Suite
	}
	name, _, _ := strings.Cut(r.Name, " · ")
	if s := strings.TrimRight(name, "0123456789-_.:T "); s != "" {
		return s
	}
	return name
}

// Summarize turns stored run metadata into its public summary.
func Summarize(r store.Run) RunSummary {
	s := r.Summary
	labels := r.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	models := r.Models
	if models == nil {
		models = []string{}
	}
	return RunSummary{
		ID: r.ID, Name: r.Name, Suite: SuiteOf(r), Source: r.Source, Status: r.Status, Models: models,
		StimulusCount: s.StimulusCount, OutcomeCount: s.OutcomeCount, Trials: s.Trials, PassRate: ratio(s.Passed, s.Rated()),
		Counts: StatusCounts{Passed: s.Passed, Failed: s.Failed, Error: s.Errored, Skipped: s.Skipped, Pending: s.Pending,
			HumanPassedErrors: s.HumanPassedErrors},
		DurationMs:  knownSum(s.DurationMs, s, func(k *store.KnownCounts) int64 { return k.DurationMs }),
		TotalTokens: knownSum(s.TotalTokens, s, func(k *store.KnownCounts) int64 { return k.TotalTokens }), CostUSD: knownCost(s), Labels: labels, Session: r.Session,
		CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, CompletedAt: r.CompletedAt,
		PassRateInterval: runInterval(s), Partial: r.Partial,
	}
}

// knownSum is a run's sum, or nil when no outcome recorded the value (runs written before
// the store kept missing apart count every value).
func knownSum(v int64, s store.Summary, n func(*store.KnownCounts) int64) *int64 {
	if s.OutcomeCount == 0 || s.Known != nil && n(s.Known) == 0 {
		return nil
	}
	return &v
}

// knownCost is a run's total cost, nil when none of its outcomes recorded one (runs written
// before the store counted them keep their sum).
func knownCost(s store.Summary) *float64 {
	if s.OutcomeCount == 0 || s.Known != nil && s.Known.CostUSD != nil && *s.Known.CostUSD == 0 {
		return nil
	}
	v := round6(s.CostUSD)
	return &v
}

func runInterval(s store.Summary) *Interval {
	if s.Clusters == nil {
		return nil
	}
	m := clusterMoments{n: s.Rated(), x: s.Passed, n2: s.Clusters.N2, nc: s.Clusters.NC, c2: s.Clusters.C2, clusters: s.Clusters.Clusters}
	return roundInterval(m.interval())
}

// RunsParams selects a page of runs.
type RunsParams struct {
	Cursor string
	Limit  int
	// Labels keeps the runs that carry every one of these labels.
	Labels map[string]string
	// Session keeps the runs of one session.
	Session string
}

// Runs lists runs newest first, paged.
func Runs(src Source, p RunsParams) (Paged[RunSummary], error) {
	runs, _, err := src.Runs()
	if err != nil {
		return Paged[RunSummary]{}, err
	}
	all := make([]RunSummary, 0, len(runs))
	for _, r := range runs {
		if store.HasLabels(r, p.Labels) && (p.Session == "" || r.Session == p.Session) {
			all = append(all, Summarize(r))
		}
	}
	return PageOf(all, p.Cursor, p.Limit)
}

// Run answers the detail of one run: its summary, its stimuli (sorted) and its config.
func Run(src Source, ref string) (RunDetail, error) {
	r, err := src.Resolve(ref)
	if err != nil {
		return RunDetail{}, err
	}
	seen := map[string]struct{}{}
	err = src.Scan(r.ID, store.Outcomes, []string{"stimulus"}, func(b *store.Batch) error {
		for _, v := range b.Dict("stimulus").Values {
			seen[v] = struct{}{}
		}
		return nil
	})
	if err != nil {
		return RunDetail{}, err
	}
	stimuli := make([]string, 0, len(seen))
	for s := range seen {
		stimuli = append(stimuli, s)
	}
	slices.Sort(stimuli)
	cfg := json.RawMessage("{}")
	var buf bytes.Buffer
	if len(r.Config) > 0 && json.Compact(&buf, r.Config) == nil {
		cfg = buf.Bytes()
	}
	metrics := r.Metrics
	if metrics == nil {
		metrics = map[string]float64{}
	}
	return RunDetail{RunSummary: Summarize(r), Stimuli: stimuli, Config: cfg, Metrics: metrics}, nil
}

// SessionSummary is one session: a group of runs.
type SessionSummary struct {
	Name         string    `json:"name"`
	RunCount     int       `json:"runCount"`
	OutcomeCount int64     `json:"outcomeCount"`
	PassRate     *float64  `json:"passRate"`
	LatestAt     time.Time `json:"latestAt"`
	RunIDs       []string  `json:"runIds"`
}

// Sessions lists the sessions of the store, newest first, with their runs' pass rate
// (passed / rated over all their outcomes).
func Sessions(src Source) ([]SessionSummary, error) {
	runs, _, err := src.Runs()
	if err != nil {
		return nil, err
	}
	by := map[string]*SessionSummary{}
	var order []string
	var passed, rated = map[string]int64{}, map[string]int64{}
	for _, r := range runs {
		if r.Session == "" {
			continue
		}
		s := by[r.Session]
		if s == nil {
			s = &SessionSummary{Name: r.Session, LatestAt: r.CreatedAt, RunIDs: []string{}}
			by[r.Session] = s
			order = append(order, r.Session)
		}
		s.RunCount++
		s.OutcomeCount += r.Summary.OutcomeCount
		s.RunIDs = append(s.RunIDs, r.ID)
		passed[r.Session] += r.Summary.Passed
		rated[r.Session] += r.Summary.Rated()
	}
	out := make([]SessionSummary, 0, len(order))
	for _, name := range order {
		s := by[name]
		s.PassRate = ratio(passed[name], rated[name])
		out = append(out, *s)
	}
	return out, nil
}
