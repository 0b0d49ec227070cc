package format

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/evals-dev/evals/query"
)

// Compare renders a cross-run comparison: the coverage, a summary per pair, then the
// changed stimuli, regressions first (all rows with all set). CSV carries the summary
// (Primary); CompareChanges makes the changed stimuli the CSV instead.
func Compare(c query.Compare, all bool) Doc {
	subj := map[string]query.Subject{}
	for _, s := range c.Subjects {
		subj[s.SubjectID] = s
	}
	runs := []string{}
	seen := map[string]bool{}
	for _, s := range c.Subjects {
		if !seen[s.RunID] {
			seen[s.RunID] = true
			runs = append(runs, s.RunName+" ("+s.RunID+")")
		}
	}
	head := [][2]string{
		{"new", runs[0]},
		{"baseline", strings.Join(runs[1:], ", ")},
		{"coverage", fmt.Sprintf("%d of %d stimuli in every subject", c.Coverage.IntersectionCount, c.Coverage.UnionCount)},
		{"rule", fmt.Sprintf("a cell is ok at pass rate ≥ %s; verdicts from the paired difference over stimuli (t interval, Holm-corrected across pairs) at α = %g", Pct(&c.Threshold), c.Alpha)},
		{"rates", "per stimulus over the matched ones: DELTA = NEW − BASE; RUN: each run's own rate"},
		{"interval", "DELTA's interval is at each pair's Holm-corrected level (95% with one pair); MDE the smallest change detectable with 80% power, in points"},
	}
	for _, p := range c.Summary {
		if p.Delta.Method == "newcombe" {
			head = append(head, [2]string{"no spread", ModelLabel(p.Model, p.Slice) + ": every matched stimulus changed by the same amount, so its interval and p come from the trials (Newcombe's score interval), not from a t statistic of 0/0"})
		}
	}
	if c.Gate != nil {
		g := "passed"
		if c.Gate.Failed {
			g = "FAILED: " + strings.Join(c.Gate.Reasons, "; ")
		}
		head = append(head, [2]string{"gate", g})
		if len(c.Gate.Families) > 0 {
			head = append(head, [2]string{"holm families", strings.Join(c.Gate.Families, "; ")})
		}
	}
	sum := &Table{Columns: []Column{{"MODEL", Text}, {"BASE", Rate}, {"NEW", Rate}, {"DELTA", Number}, {"INTERVAL", Number}, {"MDE", Number}, {"RUN BASE → NEW", Number},
		{"REGRESSED", Number}, {"IMPROVED", Number}, {"FLAKY", Number}, {"MATCHED", Number}, {"P", Number}, {"VERDICT", Status}}}
	sum.Data = &Data{Columns: []string{"model", "base_model", "slice_key", "slice_value", "new_run", "base_run", "matched_pass_rate_base", "matched_pass_rate_base_low",
		"matched_pass_rate_base_high", "matched_pass_rate_new", "matched_pass_rate_new_low", "matched_pass_rate_new_high", "stimulus_mean_base", "stimulus_mean_new", "run_pass_rate_base", "run_pass_rate_new",
		"delta", "delta_low", "delta_high", "delta_method", "mde", "regressed", "improved", "flaky", "matched", "p_value", "verdict"}}
	for _, p := range c.Summary {
		sk, sv := "", ""
		if p.Slice != nil {
			sk, sv = p.Slice.Key, p.Slice.Value
		}
		pval := p.Delta.AdjustedPValue
		if pval == nil {
			pval = p.Delta.PValue
		}
		sum.Data.Add(p.Model, subj[p.Base].Model, sk, sv, subj[p.New].RunID, subj[p.Base].RunID,
			RawF(p.MatchedPassRateBase), RawLow(p.MatchedPassRateBaseInterval), RawHigh(p.MatchedPassRateBaseInterval),
			RawF(p.MatchedPassRateNew), RawLow(p.MatchedPassRateNewInterval), RawHigh(p.MatchedPassRateNewInterval),
			RawF(p.StimulusMeanPassRateBase), RawF(p.StimulusMeanPassRateNew), RawF(p.RunPassRateBase), RawF(p.RunPassRateNew),
			RawF(p.Delta.Estimate), RawF(p.Delta.Low), RawF(p.Delta.High), p.Delta.Method, RawF(p.MinDetectableEffect), RawI(int64(p.Regressions)), RawI(int64(p.Improvements)), RawI(int64(p.Flaky)), RawI(int64(p.MatchedStimuli)), RawF(pval), p.Verdict)
		delta, ci, mde, pv := "–", "–", "–", "–"
		if d := p.Delta; d.Estimate != nil {
			delta = signedPct(*d.Estimate)
			if d.Low != nil && d.High != nil {
				ci = "[" + signedPct(*d.Low) + ", " + signedPct(*d.High) + "]"
			}
			if d.AdjustedPValue != nil {
				pv = fmt.Sprintf("%.3g", *d.AdjustedPValue)
			} else if d.PValue != nil {
				pv = fmt.Sprintf("%.3g", *d.PValue)
			}
		}
		if p.MinDetectableEffect != nil {
			mde = fmt.Sprintf("%.1f", *p.MinDetectableEffect*100)
		}
		label := ModelLabel(p.Model, p.Slice)
		if len(runs) > 2 {
			label += " vs " + subj[p.Base].RunName
		}
		if b := subj[p.Base].Model; b != p.Model {
			label = p.Model + " vs " + b
		}
		verdict := p.Verdict
		if verdict == "no_change" {
			verdict = "no significant change"
		}
		sum.Rows = append(sum.Rows, []string{label, Pct(p.StimulusMeanPassRateBase), Pct(p.StimulusMeanPassRateNew), delta, ci, mde,
			Pct(p.RunPassRateBase) + " → " + Pct(p.RunPassRateNew), fmt.Sprint(p.Regressions),
			fmt.Sprint(p.Improvements), fmt.Sprint(p.Flaky), fmt.Sprint(p.MatchedStimuli), pv, verdict})
	}
	changes := &Table{Columns: []Column{{"CHANGE", Status}, {"MODEL", Text}, {"STIMULUS", Text}, {"BASE", Text}, {"NEW", Text}},
		Empty: "no stimulus changed status"}
	changes.Data = &Data{Columns: []string{"change", "model", "slice_key", "slice_value", "base_run", "stimulus", "base_status", "base_pass_rate", "base_trials",
		"new_status", "new_pass_rate", "new_trials"}}
	pairs := map[string]query.PairSummary{}
	for _, p := range c.Summary {
		pairs[p.Pair] = p
	}
	for _, r := range c.Rows {
		for _, ch := range r.Changes {
			if ch.Kind == "unchanged" && !all {
				continue
			}
			p := pairs[ch.Pair]
			model := ModelLabel(p.Model, p.Slice)
			if len(runs) > 2 {
				model += " vs " + subj[p.Base].RunName
			}
			changes.Rows = append(changes.Rows, []string{ch.Kind, model, r.Stimulus, CompareCellText(r.Cells[p.Base]), CompareCellText(r.Cells[p.New])})
			sk, sv := "", ""
			if p.Slice != nil {
				sk, sv = p.Slice.Key, p.Slice.Value
			}
			b, n := r.Cells[p.Base], r.Cells[p.New]
			changes.Data.Add(ch.Kind, p.Model, sk, sv, subj[p.Base].RunID, r.Stimulus, b.Status, RawF(b.PassRate), RawI(b.SampleSize), n.Status, RawF(n.PassRate), RawI(n.SampleSize))
		}
	}
	title := "Changed stimuli"
	if all {
		title = "Stimuli"
	}
	return Doc{Sections: []Section{
		{Title: "Compare " + runs[0] + " against " + strings.Join(runs[1:], ", "), KV: head, KVData: compareData(c)},
		{Title: "Summary", Table: sum},
		{Title: title, Table: changes},
	}, Primary: 1}
}

// CompareCellText is a compare cell in words: "ok 100.0% (n=3) flaky", "missing".
func CompareCellText(c query.CompareCell) string {
	switch c.Status {
	case query.CellMissing, query.CellSkipped, query.CellUngraded:
		if c.SampleSize > 0 {
			return fmt.Sprintf("%s (n=%d)", c.Status, c.SampleSize)
		}
		return c.Status
	}
	s := c.Status + " " + Pct(c.PassRate)
	if c.SampleSize > 1 {
		s += fmt.Sprintf(" (n=%d)", c.SampleSize)
	}
	if c.Flaky {
		s += " flaky"
	}
	return s
}

func signedPct(v float64) string {
	s := fmt.Sprintf("%+.1f%%", v*100)
	if s == "-0.0%" {
		return "+0.0%"
	}
	return s
}

// Points is a difference of rates in percentage points (+1.5 pts; – when unknown).
func Points(v *float64) string {
	if v == nil {
		return "–"
	}
	return strings.TrimSuffix(signedPct(*v), "%") + " pts"
}

// CompareChanges is Compare with the changed stimuli as the primary table (CSV).
func CompareChanges(c query.Compare, all bool) Doc {
	d := Compare(c, all)
	d.Primary = 2
	return d
}

// compareData is a compare's head as data, for a pipe: the runs, the coverage counts, the
// threshold and α, and the gate's result when there is one.
func compareData(c query.Compare) [][2]string {
	var ids []string
	seen := map[string]bool{}
	for _, s := range c.Subjects {
		if !seen[s.RunID] {
			seen[s.RunID] = true
			ids = append(ids, s.RunID)
		}
	}
	d := [][2]string{{"new_run", ids[0]}, {"base_runs", strings.Join(ids[1:], ",")},
		{"stimuli_in_every_subject", RawI(int64(c.Coverage.IntersectionCount))}, {"stimuli_in_any_subject", RawI(int64(c.Coverage.UnionCount))},
		{"threshold", strconv.FormatFloat(c.Threshold, 'f', -1, 64)}, {"alpha", strconv.FormatFloat(c.Alpha, 'f', -1, 64)}}
	if c.Gate != nil {
		d = append(d, [2]string{"gate_failed", strconv.FormatBool(c.Gate.Failed)}, [2]string{"gate_reasons", strings.Join(c.Gate.Reasons, "; ")})
	}
	return d
}
