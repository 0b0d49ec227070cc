package query

import (
	"slices"

	"github.com/evals-dev/evals/errs"
)

// StimulusView is one stimulus of a run with every model's trials side by side: each
// trial's verdict, output and reason.
type StimulusView struct {
	RunID        string          `json:"runId"`
	StimulusName string          `json:"stimulusName"`
	Input        string          `json:"input"`
	Expected     string          `json:"expected"`
	Models       []StimulusModel `json:"models"`
	// Disagree is set when some model's cell passes and another's fails or errors.
	Disagree bool `json:"disagree"`
}

// StimulusModel is one model's trials of a stimulus.
type StimulusModel struct {
	Model    string          `json:"model"`
	PassRate *float64        `json:"passRate"`
	Trials   []OutcomeDetail `json:"trials"`
}

// maxStimulusTrials bounds the trials a stimulus view reads in full.
const maxStimulusTrials = 200

// StimulusOf answers one stimulus of a run: every model's trials with their outputs and
// reasons, models in the run's order.
func StimulusOf(src Source, runRef, name string) (StimulusView, error) {
	run, err := src.Resolve(runRef)
	if err != nil {
		return StimulusView{}, err
	}
	page, err := Outcomes(src, OutcomesParams{Runs: []string{run.ID}, Stimulus: []string{name}, Limit: maxStimulusTrials})
	if err != nil {
		return StimulusView{}, err
	}
	if len(page.Items) == 0 {
		return StimulusView{}, errs.E(errs.NotFound, "stimulus %q not found in run %s", name, run.ID)
	}
	v := StimulusView{RunID: run.ID, StimulusName: name, Models: []StimulusModel{}}
	at := map[string]int{}
	for _, o := range page.Items {
		d, err := OutcomeOf(src, o.ID)
		if err != nil {
			return StimulusView{}, err
		}
		if v.Input == "" {
			v.Input, v.Expected = d.Input, d.Expected
		}
		i, ok := at[o.Model]
		if !ok {
			i = len(v.Models)
			at[o.Model] = i
			v.Models = append(v.Models, StimulusModel{Model: o.Model})
		}
		v.Models[i].Trials = append(v.Models[i].Trials, d)
	}
	ok, bad := false, false
	for i := range v.Models {
		m := &v.Models[i]
		var passed, rated int64
		for _, t := range m.Trials {
			switch t.DisplayStatus {
			case "passed":
				passed++
				rated++
			case "failed", "error":
				rated++
			}
		}
		m.PassRate = ratio(passed, rated)
		if m.PassRate != nil {
			ok = ok || *m.PassRate >= DefaultThreshold
			bad = bad || *m.PassRate < DefaultThreshold
		}
	}
	v.Disagree = ok && bad
	return v, nil
}

// StimuliWhere lists a pass-rate matrix's stimuli that hold filter: "failures" (some cell
// failed or errored), "disagree" (some cell ok and another failed or errored), or "" (all).
func StimuliWhere(m Matrix, filter string) ([]string, error) {
	if !slices.Contains([]string{"", "failures", "disagree"}, filter) {
		return nil, errs.E(errs.Invalid, "unknown stimulus filter %q: use failures or disagree", filter)
	}
	var out []string
	for r, name := range m.Rows {
		ok, bad := false, false
		for _, c := range m.Cells[r] {
			if c == nil {
				continue
			}
			ok = ok || c.Status == "ok"
			bad = bad || c.Status == "failed" || c.Status == "error"
		}
		if filter == "" || filter == "failures" && bad || filter == "disagree" && ok && bad {
			out = append(out, name)
		}
	}
	return out, nil
}
