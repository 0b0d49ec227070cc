package format

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/evals-dev/evals/query"
)

// Failures renders the failure modes: one line per mode (largest first) with its share,
// trend and the models it hits most, then each mode's examples.
func Failures(f query.Failures) Doc {
	t := &Table{Columns: []Column{{"MODE", Text}, {"COUNT", Number}, {"SHARE", Number}, {"TREND", Text}, {"SIGNATURE", Text}, {"MODELS", Text}},
		Empty: "no failed or errored outcomes"}
	t.Data = &Data{Columns: []string{"mode", "count", "share", "rate", "trend", "base_count", "source", "signature", "variants", "models"}}
	for _, m := range f.Modes {
		trend, base := "", ""
		if m.Trend != nil {
			trend = *m.Trend
		}
		if m.BaseCount != nil {
			base = RawI(*m.BaseCount)
		}
		t.Data.Add(m.ID, RawI(m.Count), RawF(m.Share), RawF(m.Rate), trend, base, m.Source, m.Signature, RawI(int64(m.Variants)), modeModels(m, true))
		t.Rows = append(t.Rows, []string{m.ID, Int(m.Count), Pct(m.Share), TrendLabel(m), query.Reason(m.Source, m.Signature), modeModels(m, false)})
	}
	title := scopeTitle("Failure modes", f.RunIDs)
	if f.BaseRunID != nil {
		title += " · trend against " + *f.BaseRunID
	}
	secs := []Section{{Title: title, Table: t}}
	if more := f.ModeCount - countPresent(f.Modes); more > 0 && f.OtherCount > 0 {
		secs = append(secs, Section{KV: [][2]string{{"more", fmt.Sprintf("%s more modes hold %s outcomes (--limit shows more)", Int(int64(more)), Int(f.OtherCount))}},
			KVData: [][2]string{{"more_modes", RawI(int64(more))}, {"more_outcomes", RawI(f.OtherCount)}}})
	}
	// Examples: a list per mode for people, one table for a pipe.
	ex := &Table{Data: &Data{Columns: []string{"mode", "outcome_id", "run_id", "stimulus", "model", "trial", "reason"}}}
	for _, m := range f.Modes {
		if len(m.Examples) == 0 {
			continue
		}
		var kv [][2]string
		for _, e := range m.Examples {
			kv = append(kv, [2]string{e.OutcomeID, fmt.Sprintf("%s · %s · #%d — %s", e.StimulusName, e.Model, e.TrialIndex, e.Reason)})
			ex.Data.Add(m.ID, e.OutcomeID, e.RunID, e.StimulusName, e.Model, strconv.Itoa(e.TrialIndex), e.Reason)
		}
		secs = append(secs, Section{Title: "Examples of " + m.ID + " (evals outcomes --mode " + m.ID + ")", KV: kv, Hint: true})
	}
	if len(ex.Data.Rows) > 0 {
		secs = append(secs, Section{Table: ex, DataOnly: true})
	}
	return Doc{Sections: secs}
}

// TrendLabel is a mode's trend as shown: new, gone, grown (+n), shrunk (−n), steady.
func TrendLabel(m query.FailureMode) string {
	if m.Trend == nil {
		return "–"
	}
	switch *m.Trend {
	case "grown", "shrunk", "steady":
		if m.BaseCount != nil {
			d := m.Count - *m.BaseCount
			sign := "+"
			if d < 0 {
				sign, d = "−", -d
			}
			return fmt.Sprintf("%s %s%s", *m.Trend, sign, Int(d))
		}
	}
	return *m.Trend
}

// modeModels lists the models a mode hits, most first: "name 12" each (raw: name=12;…).
func modeModels(m query.FailureMode, raw bool) string {
	var parts []string
	for _, c := range m.ByModel {
		if c.Count == 0 {
			continue
		}
		if raw {
			parts = append(parts, c.Model+"="+RawI(c.Count))
		} else if len(parts) < 3 {
			parts = append(parts, c.Model+" "+Int(c.Count))
		}
	}
	if raw {
		return strings.Join(parts, ";")
	}
	return strings.Join(parts, ", ")
}

func countPresent(ms []query.FailureMode) int {
	n := 0
	for _, m := range ms {
		if m.Count > 0 {
			n++
		}
	}
	return n
}
