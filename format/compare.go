package format

import (
	"fmt"
	"strings"

	"github.com/evals-dev/evals/query"
)

// Compare renders a cross-run comparison: the coverage, a summary per pair, then the
// changed stimuli, regressions first (all rows with all set).
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
		{"rule", fmt.Sprintf("a cell is ok at pass rate ≥ %s; verdicts from an exact McNemar test on paired trials at α = %g", Pct(&c.Threshold), c.Alpha)},
	}
	sum := &Table{Columns: []Column{{"MODEL", Text}, {"BASE", Rate}, {"NEW", Rate}, {"DELTA", Number}, {"95% CI", Number},
		{"REGRESSED", Number}, {"IMPROVED", Number}, {"FLAKY", Number}, {"MATCHED", Number}, {"P", Number}, {"VERDICT", Status}}}
	for _, p := range c.Summary {
		delta, ci := "–", "–"
		if p.PassRateDelta != nil {
			delta = signedPct(*p.PassRateDelta)
			ci = "[" + signedPct(p.DeltaCI95[0]) + ", " + signedPct(p.DeltaCI95[1]) + "]"
		}
		label := p.Model
		if len(runs) > 2 {
			label += " vs " + subj[p.Base].RunName
		}
		if b := subj[p.Base].Model; b != p.Model {
			label = p.Model + " vs " + b
		}
		sum.Rows = append(sum.Rows, []string{label, Pct(p.PassRateBase), Pct(p.PassRateNew), delta, ci, fmt.Sprint(p.Regressions),
			fmt.Sprint(p.Improvements), fmt.Sprint(p.Flaky), fmt.Sprint(p.MatchedStimuli), fmt.Sprintf("%.3g", p.McNemar.PValue),
			strings.ReplaceAll(p.Verdict, "_", " ")})
	}
	changes := &Table{Columns: []Column{{"CHANGE", Status}, {"MODEL", Text}, {"STIMULUS", Text}, {"BASE", Text}, {"NEW", Text}},
		Empty: "no stimulus changed status"}
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
			model := p.Model
			if len(runs) > 2 {
				model += " vs " + subj[p.Base].RunName
			}
			changes.Rows = append(changes.Rows, []string{ch.Kind, model, r.Stimulus, cellText(r.Cells[p.Base]), cellText(r.Cells[p.New])})
		}
	}
	title := "Changed stimuli"
	if all {
		title = "Stimuli"
	}
	return Doc{Sections: []Section{
		{Title: "Compare " + runs[0] + " against " + strings.Join(runs[1:], ", "), KV: head},
		{Title: "Summary", Table: sum},
		{Title: title, Table: changes},
	}, Primary: 2}
}

func cellText(c query.CompareCell) string {
	if c.Status == "missing" {
		return "missing"
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
