package format

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evals-dev/evals/query"
)

// Runs renders a page of runs.
func Runs(p query.Paged[query.RunSummary]) Doc {
	t := &Table{
		Columns: []Column{{"ID", Text}, {"NAME", Text}, {"CREATED", Text}, {"SOURCE", Text}, {"MODELS", Number},
			{"STIMULI", Number}, {"OUTCOMES", Number}, {"PASS RATE", Rate}, {"", Text}, {"STATUS", Status}},
		Empty: "no runs in the store: import results with `evals import FILE`, or try `evals demo`",
	}
	t.Data = &Data{Columns: []string{"id", "name", "created_at", "source", "models", "stimuli", "outcomes", "pass_rate", "pass_rate_low", "pass_rate_high", "status", "partial"}}
	for _, r := range p.Items {
		status := r.Status
		if r.Partial != nil {
			status += " (partial)"
		}
		t.Data.Add(r.ID, r.Name, r.CreatedAt.UTC().Format(time.RFC3339), r.Source, RawI(int64(len(r.Models))), RawI(r.StimulusCount), RawI(r.OutcomeCount),
			RawF(r.PassRate), RawLow(r.PassRateInterval), RawHigh(r.PassRateInterval), r.Status, strconv.FormatBool(r.Partial != nil))
		t.Rows = append(t.Rows, []string{r.ID, r.Name, Time(r.CreatedAt), r.Source, fmt.Sprint(len(r.Models)),
			Int(r.StimulusCount), Int(r.OutcomeCount), PctPM(r.PassRate, r.PassRateInterval), Bar(r.PassRate, 10), status})
	}
	d := Doc{Sections: []Section{{Table: t}}}
	if p.Page.HasMore {
		d.Sections = append(d.Sections, Section{KV: [][2]string{{"more", fmt.Sprintf("%d of %d shown; next page: --cursor %s", len(p.Items), p.Page.Total, *p.Page.NextCursor)}}, Hint: true})
	}
	return d
}

// Run renders one run's detail.
func Run(r query.RunDetail) Doc {
	kv := [][2]string{
		{"id", r.ID}, {"name", r.Name}, {"source", r.Source}, {"status", r.Status},
		{"created", Time(r.CreatedAt)},
		{"models", strings.Join(r.Models, ", ")},
		{"stimuli", Int(r.StimulusCount)}, {"trials", Int(r.Trials)}, {"outcomes", Int(r.OutcomeCount)},
		{"pass rate", PctPM(r.PassRate, r.PassRateInterval) + "  " + Bar(r.PassRate, 20)},
		{"counts", fmt.Sprintf("%s passed · %s failed · %s error · %s skipped · %s pending",
			Int(r.Counts.Passed), Int(r.Counts.Failed), Int(r.Counts.Error), Int(r.Counts.Skipped), Int(r.Counts.Pending))},
		{"tokens", IntP(r.TotalTokens)}, {"cost", usdP(r.CostUSD)},
	}
	if r.Partial != nil {
		kv = append(kv, [2]string{"partial", fmt.Sprintf("holds %d of the %d samples its file summarises", r.Partial.ImportedSamples, r.Partial.DeclaredSamples)})
	}
	mk := make([]string, 0, len(r.Metrics))
	for k := range r.Metrics {
		mk = append(mk, k)
	}
	slices.Sort(mk)
	for _, k := range mk {
		kv = append(kv, [2]string{"file metric " + k, strconv.FormatFloat(r.Metrics[k], 'g', 6, 64)})
	}
	keys := make([]string, 0, len(r.Labels))
	for k := range r.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		kv = append(kv, [2]string{"label " + k, r.Labels[k]})
	}
	if len(r.Config) > 2 {
		kv = append(kv, [2]string{"config", string(r.Config)})
	}
	t := &Table{Columns: []Column{{"STIMULUS", Text}}}
	t.Data = &Data{Columns: []string{"stimulus"}}
	for _, s := range r.Stimuli {
		t.Rows = append(t.Rows, []string{s})
		t.Data.Add(s)
	}
	return Doc{Sections: []Section{{Title: "Run " + r.ID, KV: kv, KVData: runData(r, mk, keys)}, {Title: fmt.Sprintf("Stimuli (%d)", len(r.Stimuli)), Table: t}}, Primary: 1}
}

// runData is a run's head as data, for a pipe: snake_case keys, raw values (a time in
// RFC 3339, rates and counts as numbers, an unknown as an empty value).
func runData(r query.RunDetail, metrics, labels []string) [][2]string {
	d := [][2]string{
		{"id", r.ID}, {"name", r.Name}, {"source", r.Source}, {"status", r.Status},
		{"created_at", r.CreatedAt.UTC().Format(time.RFC3339)}, {"models", strings.Join(r.Models, ",")},
		{"stimuli", RawI(r.StimulusCount)}, {"trials", RawI(r.Trials)}, {"outcomes", RawI(r.OutcomeCount)},
		{"pass_rate", RawF(r.PassRate)}, {"pass_rate_low", RawLow(r.PassRateInterval)}, {"pass_rate_high", RawHigh(r.PassRateInterval)},
		{"passed", RawI(r.Counts.Passed)}, {"failed", RawI(r.Counts.Failed)}, {"errors", RawI(r.Counts.Error)},
		{"skipped", RawI(r.Counts.Skipped)}, {"pending", RawI(r.Counts.Pending)},
		{"total_tokens", RawIP(r.TotalTokens)}, {"cost_usd", RawF(r.CostUSD)},
	}
	if r.Partial != nil {
		d = append(d, [2]string{"imported_samples", RawI(r.Partial.ImportedSamples)}, [2]string{"declared_samples", RawI(r.Partial.DeclaredSamples)})
	}
	for _, k := range metrics {
		d = append(d, [2]string{"file_metric." + k, strconv.FormatFloat(r.Metrics[k], 'g', -1, 64)})
	}
	for _, k := range labels {
		d = append(d, [2]string{"label." + k, r.Labels[k]})
	}
	if len(r.Config) > 2 {
		d = append(d, [2]string{"config", string(r.Config)})
	}
	return d
}

// usdP is a cost, – when unknown.
func usdP(v *float64) string {
	if v == nil {
		return "–"
	}
	return USD(*v)
}
