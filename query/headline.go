package query

import (
	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// Headline is what a run says at a glance: the best model (with the models it cannot be
// told apart from), what changed against the baseline run, and the top failure modes.
type Headline struct {
	RunID string `json:"runId"`
	// Best is the leader and every model not significantly behind it (the paired
	// difference's interval reaches 0); BestPassRate is the leader's.
	Best         []string `json:"best"`
	BestPassRate *float64 `json:"bestPassRate"`
	// BaseRunID is the baseline (the run before); null when there is none or it shares no
	// stimulus with the run.
	BaseRunID   *string       `json:"baseRunId"`
	BaseRunName string        `json:"baseRunName,omitempty"`
	Regressed   []ModelChange `json:"regressed"`
	Improved    []ModelChange `json:"improved"`
	// NewModes are failure modes the baseline did not have; TopModes the largest.
	NewModes []FailureMode `json:"newModes"`
	TopModes []FailureMode `json:"topModes"`
}

// ModelChange is one model's verdict against the baseline.
type ModelChange struct {
	Model        string   `json:"model"`
	Delta        *float64 `json:"delta"`
	Regressions  int      `json:"regressions"`
	Improvements int      `json:"improvements"`
}

const headlineModes = 3

// HeadlineOf answers a run's headline.
func HeadlineOf(src Source, ref string) (Headline, error) {
	run, err := src.Resolve(ref)
	if err != nil {
		return Headline{}, err
	}
	h := Headline{RunID: run.ID, Best: []string{}, Regressed: []ModelChange{}, Improved: []ModelChange{}, NewModes: []FailureMode{}, TopModes: []FailureMode{}}
	rk, err := RankingOf(src, Scope{Runs: []string{run.ID}})
	if err != nil {
		return Headline{}, err
	}
	for i, m := range rk.Models {
		if i == 0 {
			h.BestPassRate = m.PassRate
		}
		if m.PassRate != nil && (i == 0 || m.VsLeader != nil && !m.VsLeader.Behind) {
			h.Best = append(h.Best, m.Model)
		}
	}
	f, err := FailuresOf(src, FailuresParams{Scope: Scope{Runs: []string{run.ID}}})
	if err != nil {
		return Headline{}, err
	}
	for _, m := range f.Modes {
		m.Examples, m.ByModel = nil, topModels(m.ByModel)
		if m.Trend != nil && *m.Trend == "new" && len(h.NewModes) < headlineModes {
			h.NewModes = append(h.NewModes, m)
		}
		if m.Count > 0 && len(h.TopModes) < headlineModes {
			h.TopModes = append(h.TopModes, m)
		}
	}
	if f.BaseRunID != nil {
		if err := h.changes(src, run, *f.BaseRunID); err != nil {
			return Headline{}, err
		}
	}
	return h, nil
}

// topModels keeps the models a mode hits, at most three.
func topModels(ms []ModeCount) []ModeCount {
	out := []ModeCount{}
	for _, m := range ms {
		if m.Count > 0 && len(out) < 3 {
			out = append(out, m)
		}
	}
	return out
}

// changes fills the models that regressed or improved against base (nothing when the two
// runs share no stimulus).
func (h *Headline) changes(src Source, run store.Run, base string) error {
	c, err := CompareRuns(src, NewCompareParams(run.ID, base))
	if err != nil {
		if errs.CodeOf(err) == errs.Incomparable {
			return nil
		}
		return err
	}
	h.BaseRunID = &base
	for _, sj := range c.Subjects {
		if sj.RunID == base {
			h.BaseRunName = sj.RunName
		}
	}
	for _, p := range c.Summary {
		mc := ModelChange{Model: p.Model, Delta: p.Delta.Estimate, Regressions: p.Regressions, Improvements: p.Improvements}
		switch p.Verdict {
		case "regressed":
			h.Regressed = append(h.Regressed, mc)
		case "improved":
			h.Improved = append(h.Improved, mc)
		}
	}
	return nil
}
