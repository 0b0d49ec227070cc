package format

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

func scopeTitle(what string, ids []string) string {
	if len(ids) == 1 {
		return what + " · run " + ids[0]
	}
	return fmt.Sprintf("%s · %d runs", what, len(ids))
}

// Ranking renders the leaderboard.
func Ranking(r query.Ranking) Doc {
	cols := []Column{{"#", Number}, {"MODEL", Text}, {"PASS RATE", Rate}, {"", Text}, {"VS #1", Text}}
	var ks []string
	if len(r.Models) > 0 && r.Models[0].PassAtK != nil {
		for k := range r.Models[0].PassAtK {
			ks = append(ks, k)
		}
		slices.SortFunc(ks, func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return x - y })
		if len(ks) > 0 {
			cols = append(cols, Column{"PASS@" + ks[len(ks)-1], Rate}, Column{"PASS^" + ks[len(ks)-1], Rate})
		}
	}
	cols = append(cols, Column{"DURATION", Number}, Column{"TURNS", Number}, Column{"TOOLS", Number},
		Column{"TOKENS", Number}, Column{"COST", Number}, Column{"$/PASS", Number}, Column{"FRONTIER", Text}, Column{"OUTCOMES", Number}, Column{"ERRORS", Number})
	t := &Table{Columns: cols, Empty: "no outcomes"}
	t.Data = &Data{Columns: []string{"rank", "model", "slice_key", "slice_value", "pass_rate", "pass_rate_low", "pass_rate_high", "vs_leader", "vs_leader_p_value"}}
	if len(ks) > 0 {
		t.Data.Columns = append(t.Data.Columns, "pass_at_"+ks[len(ks)-1], "pass_hat_"+ks[len(ks)-1])
	}
	t.Data.Columns = append(t.Data.Columns, "mean_duration_ms", "mean_turns", "mean_tool_calls", "total_tokens", "cost_usd", "mean_cost_usd",
		"cost_per_pass_usd", "on_frontier", "dominated_by", "outcomes", "errors", "human_passed_errors")
	for _, m := range r.Models {
		d := []string{strconv.Itoa(m.Rank), m.Model, "", ""}
		if m.Slice != nil {
			d[2], d[3] = m.Slice.Key, m.Slice.Value
		}
		d = append(d, RawF(m.PassRate), RawLow(m.PassRateInterval), RawHigh(m.PassRateInterval), "", "")
		if v := m.VsLeader; v != nil {
			d[len(d)-2], d[len(d)-1] = RawF(v.Estimate), RawF(v.PValue)
		}
		if len(ks) > 0 {
			k := ks[len(ks)-1]
			d = append(d, RawF(m.PassAtK[k]), RawF(m.PassHatK[k]))
		}
		t.Data.Add(append(d, RawF(m.MeanDurationMs), RawF(m.MeanTurns), RawF(m.MeanToolCalls), RawIP(m.TotalTokens), RawF(m.CostUSD),
			RawF(m.MeanCostUSD), RawF(m.CostPerPassUSD), RawB(m.OnFrontier), m.DominatedBy, RawI(m.OutcomeCount), RawI(m.ErrorCount), RawI(m.HumanPassedErrorCount))...)
		row := []string{strconv.Itoa(m.Rank), ModelLabel(m.Model, m.Slice), PctPM(m.PassRate, m.PassRateInterval), Bar(m.PassRate, 10), VsLeader(m.VsLeader)}
		if len(ks) > 0 {
			k := ks[len(ks)-1]
			row = append(row, Pct(m.PassAtK[k]), Pct(m.PassHatK[k]))
		}
		cost := "–"
		if m.CostUSD != nil {
			cost = USD(*m.CostUSD)
		}
		perPass := "–"
		if m.CostPerPassUSD != nil {
			perPass = USD(*m.CostPerPassUSD)
		}
		row = append(row, Ms(m.MeanDurationMs), Float(m.MeanTurns, 1), Float(m.MeanToolCalls, 1), IntP(m.TotalTokens),
			cost, perPass, Frontier(m.OnFrontier, m.DominatedBy), Int(m.OutcomeCount), Int(m.ErrorCount))
		t.Rows = append(t.Rows, row)
	}
	secs := []Section{{Title: scopeTitle("Ranking", r.RunIDs), Table: t}}
	if len(r.PartialRuns) > 0 {
		secs = append(secs, Section{Title: "partial: run " + strings.Join(r.PartialRuns, ", ") +
			" holds fewer samples than its file summarises (evals run ID shows the file's own metrics)", Hint: true})
	}
	return Doc{Sections: secs}
}

// Graders renders the grader failure analysis.
func Graders(g query.Graders) Doc {
	t := &Table{Columns: []Column{{"GRADER", Text}, {"TYPE", Text}, {"PASS RATE", Rate}, {"PASS", Number}, {"FAIL", Number},
		{"MEAN SCORE", Number}, {"SAMPLE FAILURE EVIDENCE", Text}}, Empty: "no grader results"}
	t.Data = &Data{Columns: []string{"grader", "slice_key", "slice_value", "type", "pass_rate", "pass_rate_low", "pass_rate_high", "pass", "fail", "ungraded", "mean_score", "sample_failure_evidence"}}
	for _, s := range g.Graders {
		sk, sv, ev0 := "", "", ""
		if s.Slice != nil {
			sk, sv = s.Slice.Key, s.Slice.Value
		}
		if len(s.SampleFailureEvidence) > 0 {
			ev0 = s.SampleFailureEvidence[0]
		}
		t.Data.Add(s.Name, sk, sv, s.Type, RawF(s.PassRate), RawLow(s.PassRateInterval), RawHigh(s.PassRateInterval), RawI(s.PassCount),
			RawI(s.FailCount), RawI(s.UngradedCount), RawF(s.MeanScore), ev0)
		ev := ""
		if len(s.SampleFailureEvidence) > 0 {
			ev = s.SampleFailureEvidence[0]
		}
		t.Rows = append(t.Rows, []string{ModelLabel(s.Name, s.Slice), s.Type, PctPM(s.PassRate, s.PassRateInterval), Int(s.PassCount), Int(s.FailCount), Float(s.MeanScore, 3), ev})
	}
	secs := []Section{{Title: scopeTitle("Graders", g.RunIDs), Table: t}}
	// Sample failures: a list per grader for people, one table for a pipe.
	ev := &Table{Data: &Data{Columns: []string{"grader", "slice_key", "slice_value", "outcome_id", "evidence"}}}
	for _, s := range g.Graders {
		if len(s.SampleFailureEvidence) == 0 {
			continue
		}
		var kv [][2]string
		for i, e := range s.SampleFailureEvidence {
			kv = append(kv, [2]string{s.SampleFailureOutcomes[i], e})
			sk, sv := "", ""
			if s.Slice != nil {
				sk, sv = s.Slice.Key, s.Slice.Value
			}
			ev.Data.Add(s.Name, sk, sv, s.SampleFailureOutcomes[i], e)
		}
		secs = append(secs, Section{Title: "Failures of " + ModelLabel(s.Name, s.Slice), KV: kv, Hint: true})
	}
	if len(ev.Data.Rows) > 0 {
		secs = append(secs, Section{Table: ev, DataOnly: true})
	}
	return Doc{Sections: secs}
}

// Tools renders the tool usage analysis.
func Tools(ts query.Tools) Doc {
	t := &Table{Columns: []Column{{"TOOL", Text}, {"CALLS", Number}, {"SUCCESS", Rate}, {"FAILURES", Number},
		{"OUTCOMES", Number}, {"OUTCOME PASS", Rate}, {"MEAN DURATION", Number}, {"MODELS", Text}}, Empty: "no tool calls"}
	t.Data = &Data{Columns: []string{"tool", "slice_key", "slice_value", "calls", "success_rate", "failures", "outcomes", "outcome_pass_rate", "mean_duration_ms", "models"}}
	for _, s := range ts.Tools {
		sk, sv := "", ""
		if s.Slice != nil {
			sk, sv = s.Slice.Key, s.Slice.Value
		}
		t.Data.Add(s.Name, sk, sv, RawI(s.CallCount), RawF(s.SuccessRate), RawI(s.FailureCount), RawI(s.OutcomeCount), RawF(s.OutcomePassRate),
			RawF(s.MeanDurationMs), strings.Join(s.Models, ";"))
		t.Rows = append(t.Rows, []string{ModelLabel(s.Name, s.Slice), Int(s.CallCount), Pct(s.SuccessRate), Int(s.FailureCount), Int(s.OutcomeCount),
			Pct(s.OutcomePassRate), Ms(s.MeanDurationMs), strings.Join(s.Models, ", ")})
	}
	return Doc{Sections: []Section{{Title: scopeTitle("Tools", ts.RunIDs), Table: t}}}
}

// MetricValue formats a value in its metric's unit.
func MetricValue(m query.Metric, v *float64) string {
	if v == nil {
		return "–"
	}
	switch m.Unit {
	case "ratio":
		return Pct(v)
	case "ms":
		return Ms(v)
	case "usd":
		return USD(*v)
	case "tokens":
		return Int(int64(*v + 0.5))
	default:
		return Float(v, 1)
	}
}

// Matrix renders the stimulus × model grid.
func Matrix(m query.Matrix) Doc {
	first := "STIMULUS"
	if m.RowsBy != "" {
		first = strings.ToUpper(m.RowsBy)
	}
	cols := []Column{{first, Text}}
	kind := Number
	if m.Metric.Unit == "ratio" && m.Metric.Direction == "higher_is_better" {
		kind = Rate
	}
	for _, c := range m.Columns {
		cols = append(cols, Column{c, kind})
	}
	t := &Table{Columns: cols, Empty: "no outcomes"}
	// Long form: a line per cell. The metric's id names the value and carries its unit
	// (duration_ms, cost_usd).
	t.Data = &Data{Columns: []string{strings.ToLower(first), "model", m.Metric.ID, "outcomes", "status", "flags"}}
	for r, s := range m.Rows {
		for c, cell := range m.Cells[r] {
			if cell != nil {
				t.Data.Add(s, m.Columns[c], RawF(cell.Value), RawI(cell.OutcomeCount), cell.Status, strings.Join(cell.Flags, ";"))
			}
		}
	}
	for r, s := range m.Rows {
		row := []string{s}
		for _, c := range m.Cells[r] {
			if c == nil {
				row = append(row, "·")
				continue
			}
			row = append(row, MatrixCellText(m.Metric, c))
		}
		t.Rows = append(t.Rows, row)
	}
	return Doc{Sections: []Section{{Title: scopeTitle("Matrix of "+m.Metric.Label, m.RunIDs) + "  (· no outcomes, ~ flaky, err every trial errored)", Table: t}}}
}

// MatrixCellText is a matrix cell as the terminal shows it (the CLI's table and the
// explorer): the value and one marker column, so that a flaky "~" shifts nothing; a
// pass-rate cell whose every rated trial errored reads "err", not a 0.0% that reads as a
// failure.
func MatrixCellText(m query.Metric, c *query.MatrixCell) string {
	v := MetricValue(m, c.Value)
	switch {
	case c.Status == query.CellError && m.ID == "pass_rate":
		return "err "
	case slices.Contains(c.Flags, "flaky"):
		return v + "~"
	}
	return v + " "
}

// Outcomes renders a page of outcomes.
func Outcomes(p query.Paged[query.OutcomeSummary]) Doc {
	t := &Table{Columns: []Column{{"ID", Text}, {"STIMULUS", Text}, {"MODEL", Text}, {"TRIAL", Number}, {"STATUS", Status},
		{"SCORE", Number}, {"DURATION", Number}, {"TURNS", Number}, {"TOOLS", Number}, {"TOKENS", Number}, {"REASON", Text}}, Empty: "no outcomes match"}
	t.Data = &Data{Columns: []string{"id", "stimulus", "model", "trial", "status", "passed", "score", "duration_ms", "turns", "tool_calls",
		"errors", "input_tokens", "output_tokens", "total_tokens", "cost_usd", "failed_graders", "reason"}}
	for _, o := range p.Items {
		passed := ""
		if o.Passed != nil {
			passed = strconv.FormatBool(*o.Passed)
		}
		t.Data.Add(o.ID, o.StimulusName, o.Model, strconv.Itoa(o.TrialIndex), o.DisplayStatus, passed, RawF(o.Score), RawIP(o.DurationMs),
			RawIP(o.Turns), RawIP(o.ToolCalls), strconv.Itoa(o.Errors), RawIP(o.InputTokens), RawIP(o.OutputTokens),
			RawIP(o.TotalTokens), RawF(o.CostUSD), strings.Join(o.FailedGraders(), ";"), deref(o.Reason))
		t.Rows = append(t.Rows, []string{o.ID, o.StimulusName, o.Model, strconv.Itoa(o.TrialIndex), o.DisplayStatus,
			Float(o.Score, 2), MsP(o.DurationMs), IntP(o.Turns), IntP(o.ToolCalls), IntP(o.TotalTokens), deref(o.Reason)})
	}
	d := Doc{Sections: []Section{{Table: t}}}
	kv := [][2]string{{"shown", fmt.Sprintf("%d of %d", len(p.Items), p.Page.Total)}}
	if p.Page.NextCursor != nil {
		kv = append(kv, [2]string{"next page", "--cursor " + *p.Page.NextCursor})
	}
	d.Sections = append(d.Sections, Section{KV: kv, Hint: true})
	return d
}

func verdict(p *bool) string {
	switch {
	case p == nil:
		return "–"
	case *p:
		return "pass"
	default:
		return "fail"
	}
}

// Outcome renders one outcome's detail.
func Outcome(o query.OutcomeDetail) Doc {
	cost := "–"
	if o.CostUSD != nil {
		cost = USD(*o.CostUSD)
	}
	kv := [][2]string{{"id", o.ID}, {"run", o.RunID}, {"stimulus", o.StimulusName}, {"model", o.Model},
		{"trial", strconv.Itoa(o.TrialIndex)}, {"status", o.DisplayStatus}, {"score", Float(o.Score, 3)},
		{"duration", MsP(o.DurationMs)}, {"turns", IntP(o.Turns)}, {"tool calls", IntP(o.ToolCalls)},
		{"tokens", fmt.Sprintf("%s in · %s out · %s reasoning · %s cached", IntP(o.InputTokens), IntP(o.OutputTokens), IntP(o.ReasoningTokens), IntP(o.CachedTokens))},
		{"cost", cost}}
	data := [][2]string{{"id", o.ID}, {"run_id", o.RunID}, {"stimulus", o.StimulusName}, {"model", o.Model},
		{"trial", strconv.Itoa(o.TrialIndex)}, {"status", o.DisplayStatus}, {"score", RawF(o.Score)},
		{"duration_ms", RawIP(o.DurationMs)}, {"turns", RawIP(o.Turns)}, {"tool_calls", RawIP(o.ToolCalls)},
		{"input_tokens", RawIP(o.InputTokens)}, {"output_tokens", RawIP(o.OutputTokens)}, {"reasoning_tokens", RawIP(o.ReasoningTokens)},
		{"cached_tokens", RawIP(o.CachedTokens)}, {"total_tokens", RawIP(o.TotalTokens)}, {"cost_usd", RawF(o.CostUSD)}}
	if o.Error != nil {
		kv = append(kv, [2]string{"error", *o.Error})
		data = append(data, [2]string{"error", *o.Error})
	}
	g := &Table{Columns: []Column{{"GRADER", Text}, {"TYPE", Text}, {"VERDICT", Status}, {"SCORE", Number}, {"WEIGHT", Number}, {"EVIDENCE", Text}}, Empty: "no grader results",
		Data: &Data{Columns: []string{"grader", "type", "passed", "score", "weight", "evidence"}}}
	for _, r := range o.GraderResults {
		w := r.Weight
		g.Rows = append(g.Rows, []string{r.Name, r.Type, verdict(r.Passed), Float(r.Score, 2), Float(&w, 2), r.Evidence})
		passed := ""
		if r.Passed != nil {
			passed = strconv.FormatBool(*r.Passed)
		}
		g.Data.Add(r.Name, r.Type, passed, RawF(r.Score), RawF(&w), r.Evidence)
	}
	text := [][2]string{{"input", o.Input}, {"output", o.Output}, {"expected", o.Expected}}
	return Doc{Sections: []Section{{Title: "Outcome " + o.ID, KV: kv, KVData: data}, {Title: "Graders", Table: g}, {Title: "Text", KV: text}}, Primary: 1}
}

// ToolEvents renders an outcome's tool calls.
func ToolEvents(te query.ToolEvents) Doc {
	t := &Table{Columns: []Column{{"#", Number}, {"TOOL", Text}, {"OK", Status}, {"ARGS", Number}, {"RESULT", Number},
		{"DURATION", Number}, {"ERROR", Text}, {"ARGUMENTS", Text}}, Empty: "no tool calls"}
	t.Data = &Data{Columns: []string{"seq", "tool", "success", "args_bytes", "result_bytes", "duration_ms", "error", "arguments", "result"}}
	for _, e := range te.Items {
		t.Data.Add(strconv.Itoa(e.Seq), e.ToolName, strconv.FormatBool(e.Success), RawI(e.ArgsSizeBytes), RawI(e.ResultSizeBytes), RawIP(e.DurationMs),
			deref(e.Error), e.Arguments, e.Result)
		dur, errText, ok := "–", "", "ok"
		if e.DurationMs != nil {
			dur = MsInt(*e.DurationMs)
		}
		if e.Error != nil {
			errText = *e.Error
		}
		if !e.Success {
			ok = "failed"
		}
		t.Rows = append(t.Rows, []string{strconv.Itoa(e.Seq), e.ToolName, ok, Int(e.ArgsSizeBytes) + " B", Int(e.ResultSizeBytes) + " B", dur, errText, e.Arguments})
	}
	return Doc{Sections: []Section{{Table: t}}}
}

// Trajectory renders an outcome's events in order.
func Trajectory(tr query.Trajectory) Doc {
	t := &Table{Columns: []Column{{"#", Number}, {"TYPE", Text}, {"ROLE", Text}, {"TOOL", Text}, {"CONTENT", Text}}, Empty: "no events"}
	t.Data = &Data{Columns: []string{"seq", "ts", "type", "role", "tool", "tool_call_id", "content", "data"}}
	for _, e := range tr.Events {
		ts := ""
		if e.TS != nil {
			ts = e.TS.UTC().Format(time.RFC3339Nano)
		}
		t.Data.Add(strconv.Itoa(e.Seq), ts, e.Type, e.Role, e.Tool, e.ToolCallID, e.Content, e.Data)
		content := e.Content
		if content == "" {
			content = e.Data
		}
		t.Rows = append(t.Rows, []string{strconv.Itoa(e.Seq), e.Type, e.Role, e.Tool, content})
	}
	title := fmt.Sprintf("Trajectory of %s · %s · %s · trial %d", tr.OutcomeID, tr.StimulusName, tr.Model, tr.TrialIndex)
	return Doc{Sections: []Section{{Title: title, Table: t}}}
}

// ModelCompare renders a within-run comparison of two models.
func ModelCompare(c query.ModelCompare) Doc {
	s := c.Summary
	kv := [][2]string{{"run", c.RunID}, {"models", c.ModelA + " (A) vs " + c.ModelB + " (B)"},
		{"pass rate", Pct(s.APassRate) + " (A) vs " + Pct(s.BPassRate) + " (B)"},
		{"agreement", fmt.Sprintf("%s of %d compared stimuli", Pct(s.AgreementRate), s.ComparedCount)},
		{"divergent", fmt.Sprintf("%d (A only passed %d, B only passed %d)", s.DivergentCount, s.AOnlyPassed, s.BOnlyPassed)}}
	t := &Table{Columns: []Column{{"STIMULUS", Text}, {"A", Status}, {"A PASS", Rate}, {"B", Status}, {"B PASS", Rate}, {"", Text}}, Empty: "no stimuli"}
	t.Data = &Data{Columns: []string{"stimulus", "model_a", "status_a", "pass_rate_a", "model_b", "status_b", "pass_rate_b", "divergent"}}
	for _, r := range c.Rows {
		mark := ""
		if r.Divergent {
			mark = "≠"
		}
		t.Rows = append(t.Rows, []string{r.Stimulus, r.A.Status, Pct(r.A.PassRate), r.B.Status, Pct(r.B.PassRate), mark})
		t.Data.Add(r.Stimulus, c.ModelA, r.A.Status, RawF(r.A.PassRate), c.ModelB, r.B.Status, RawF(r.B.PassRate), strconv.FormatBool(r.Divergent))
	}
	data := [][2]string{{"run_id", c.RunID}, {"model_a", c.ModelA}, {"model_b", c.ModelB},
		{"pass_rate_a", RawF(s.APassRate)}, {"pass_rate_b", RawF(s.BPassRate)},
		{"agreement_rate", RawF(s.AgreementRate)}, {"compared_stimuli", strconv.Itoa(s.ComparedCount)},
		{"divergent", strconv.Itoa(s.DivergentCount)}, {"a_only_passed", strconv.Itoa(s.AOnlyPassed)}, {"b_only_passed", strconv.Itoa(s.BOnlyPassed)}}
	return Doc{Sections: []Section{{Title: "Compare " + c.ModelA + " vs " + c.ModelB, KV: kv, KVData: data}, {Title: "Stimuli", Table: t}}, Primary: 1}
}

// Metrics renders the metric registry.
func Metrics(m query.Metrics) Doc {
	t := &Table{Columns: []Column{{"ID", Text}, {"LABEL", Text}, {"UNIT", Text}, {"DIRECTION", Text}, {"AGGREGATION", Text}, {"DESCRIPTION", Text}},
		Data: &Data{Columns: []string{"id", "label", "unit", "direction", "aggregation", "description"}}}
	for _, x := range m.Metrics {
		t.Rows = append(t.Rows, []string{x.ID, x.Label, x.Unit, x.Direction, x.Aggregation, x.Description})
		t.Data.Add(x.ID, x.Label, x.Unit, x.Direction, x.Aggregation, x.Description)
	}
	d := &Table{Columns: []Column{{"STATISTIC", Text}, {"DEFINITION", Text}}, Data: &Data{Columns: []string{"statistic", "definition"}}}
	for _, x := range m.Definitions {
		d.Rows = append(d.Rows, []string{x.ID, x.Description})
		d.Data.Add(x.ID, x.Description)
	}
	return Doc{Sections: []Section{{Table: t}, {Title: "Statistics (docs/statistics.md)", Table: d}}}
}

// VsLeader marks a model's standing against the leader: "≈" when it is not significantly
// behind (its paired interval contains 0), else the difference in points.
func VsLeader(v *query.VsLeader) string {
	switch {
	case v == nil:
		return ""
	case v.Estimate == nil || v.Low == nil:
		return "?"
	case !v.Behind:
		return "≈"
	}
	return strconv.FormatFloat(*v.Estimate*100, 'f', 1, 64)
}

// Power renders a sample-size plan.
func Power(p query.Power) Doc {
	from, base := "–", "–"
	if p.FromRun != nil {
		from = *p.FromRun
	}
	if p.BaseRun != nil {
		base = *p.BaseRun
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	head := [][2]string{
		{"baseline pass rate", Pct(&p.Baseline)},
		{"alpha / power", fmt.Sprintf("%g / %g", p.Alpha, p.Power)},
		{"gate", fmt.Sprintf("Holm over %d models: a drop in one clears α/%d = %.4g", p.Models, p.Models, p.Alpha/float64(p.Models))},
		{"trials per stimulus", fmt.Sprintf("%s mean, %s harmonic (the variance's)", num(p.Trials), num(p.EffectiveTrials))},
		{"within-stimulus correlation", fmt.Sprintf("%.3f (%s)", p.ICC, p.ICCSource)},
		{"pairing between runs", fmt.Sprintf("%.3f (%s)", p.Pairing, p.PairingSource)},
		{"from run", from},
	}
	if p.BaseRun != nil {
		head = append(head, [2]string{"base run", base})
	}
	t := &Table{Columns: []Column{{"DROP (PTS)", Number}, {"STIMULI", Number}, {"OUTCOMES/SIDE", Number}, {"GATE POWER", Rate},
		{"1 TEST: POWER", Rate}, {"1 TEST: N", Number}}}
	t.Data = &Data{Columns: []string{"delta_points", "stimuli", "outcomes_per_side", "gate_power", "power", "stimuli_one_test", "models", "baseline", "alpha",
		"target_power", "trials", "effective_trials", "icc", "pairing"}}
	for _, r := range p.Rows {
		gp, op := r.GatePower, r.OneTestPower
		t.Rows = append(t.Rows, []string{num(r.DeltaPoints), Int(r.Stimuli), Int(r.Outcomes), Pct(&gp), Pct(&op), Int(r.StimuliOneTest)})
		t.Data.Add(num(r.DeltaPoints), RawI(r.Stimuli), RawI(r.Outcomes), RawF(&gp), RawF(&op), RawI(r.StimuliOneTest), strconv.Itoa(p.Models), RawF(&p.Baseline),
			num(p.Alpha), num(p.Power), num(p.Trials), num(p.EffectiveTrials), num(p.ICC), num(p.Pairing))
	}
	data := [][2]string{{"baseline", RawF(&p.Baseline)}, {"alpha", num(p.Alpha)}, {"power", num(p.Power)}, {"models", strconv.Itoa(p.Models)},
		{"trials", num(p.Trials)}, {"effective_trials", num(p.EffectiveTrials)}, {"icc", num(p.ICC)}, {"icc_source", p.ICCSource},
		{"pairing", num(p.Pairing)}, {"pairing_source", p.PairingSource}, {"from_run", strings.TrimPrefix(from, "–")}, {"base_run", strings.TrimPrefix(base, "–")}}
	return Doc{Sections: []Section{{Title: "Stimuli the gate needs to catch a drop", KV: head, KVData: data}, {Table: t}}, Primary: 1}
}

// ReviewedOutcomes is the outcomes table with each one's human review: the export's CSV.
func ReviewedOutcomes(items []query.OutcomeSummary, reviews map[string]store.Review) Doc {
	d := Outcomes(query.Paged[query.OutcomeSummary]{Items: items})
	t := d.Sections[0].Table
	t.Columns = append(t.Columns, Column{"HUMAN VERDICT", Status}, Column{"NOTE", Text}, Column{"REVIEWED BY", Text})
	t.Data.Columns = append(t.Data.Columns, "human_verdict", "review_note", "reviewed_by")
	for i, o := range items {
		r := reviews[o.ID]
		t.Rows[i] = append(t.Rows[i], r.Verdict, r.Note, r.Author)
		t.Data.Rows[i] = append(t.Data.Rows[i], r.Verdict, r.Note, r.Author)
	}
	d.Sections = d.Sections[:1]
	return d
}

// ReviewsSection lists the reviewed outcomes of a report.
func ReviewsSection(reviews map[string]store.Review) Section {
	t := &Table{Columns: []Column{{"OUTCOME", Text}, {"HUMAN VERDICT", Status}, {"NOTE", Text}, {"BY", Text}, {"WHEN", Text}}, Empty: "no outcome was reviewed"}
	ids := make([]string, 0, len(reviews))
	for id := range reviews {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r := reviews[id]
		t.Rows = append(t.Rows, []string{id, r.Verdict, r.Note, r.Author, Time(r.At)})
	}
	return Section{Title: "Human reviews", Table: t}
}

// ModelLabel is a model's (grader's, tool's) name with its slice, when the answer is sliced.
func ModelLabel(model string, s *query.Slice) string {
	if s == nil {
		return model
	}
	return model + " [" + s.Key + "=" + s.Value + "]"
}

// Tags renders the tag keys and values of runs.
func Tags(t query.Tags) Doc {
	tb := &Table{Columns: []Column{{"KEY", Text}, {"VALUE", Text}, {"OUTCOMES", Number}}, Empty: "no tags: import outcomes with tags (docs/format.md) to slice by them",
		Data: &Data{Columns: []string{"key", "value", "outcomes"}}}
	for _, x := range t.Tags {
		tb.Rows = append(tb.Rows, []string{x.Key, x.Value, Int(x.Outcomes)})
		tb.Data.Add(x.Key, x.Value, RawI(x.Outcomes))
	}
	return Doc{Sections: []Section{{Title: scopeTitle("Tags", t.RunIDs), Table: tb}}}
}

// Spark draws a series of rates as a sparkline over the scale lo..hi (ChartScale: the
// data's range, so an 8-point drop is a drop, not three equal bars); a missing point is a
// space.
func Spark(vs []*float64, lo, hi float64) string {
	const bars = "▁▂▃▄▅▆▇█"
	r := []rune(bars)
	var b strings.Builder
	for _, v := range vs {
		if v == nil {
			b.WriteByte(' ')
			continue
		}
		i := int((*v-lo)/(hi-lo)*float64(len(r)-1) + 0.5)
		b.WriteRune(r[max(0, min(len(r)-1, i))])
	}
	return b.String()
}

// ChartScale is the range a chart of rates draws: the values' minimum and maximum widened
// to whole 5-point steps, at least 10 points wide, within 0..1.
func ChartScale(vs ...float64) (lo, hi float64) {
	if len(vs) == 0 {
		return 0, 1
	}
	lo, hi = slices.Min(vs), slices.Max(vs)
	lo, hi = math.Floor(lo*20)/20, math.Ceil(hi*20)/20
	for hi-lo < 0.1-1e-9 {
		lo, hi = max(0, lo-0.05), min(1, hi+0.05)
		if lo == 0 && hi == 1 {
			break
		}
	}
	return max(0, lo), min(1, hi)
}

// Trend renders each model's pass rate across runs: a sparkline, the first and last values
// and the change.
func Trend(tr query.Trend) Doc {
	t := &Table{Columns: []Column{{"MODEL", Text}, {"TREND", Text}, {"FIRST", Rate}, {"LAST", Rate}, {"CHANGE", Number}, {"RUNS", Number}}, Empty: "no models"}
	t.Data = &Data{Columns: []string{"model", "run_id", "run_name", "created_at", "pass_rate", "pass_rate_low", "pass_rate_high", "outcomes"}}
	for _, s := range tr.Models {
		var vs []*float64
		var first, last *float64
		var known []float64
		n := 0
		for i, p := range s.Points {
			vs = append(vs, p.PassRate)
			if p.PassRate != nil {
				known = append(known, *p.PassRate)
				if first == nil {
					first = p.PassRate
				}
				last = p.PassRate
				n++
			}
			r := tr.Runs[i]
			t.Data.Add(s.Model, r.ID, r.Name, r.CreatedAt.UTC().Format(time.RFC3339), RawF(p.PassRate), RawLow(p.PassRateInterval), RawHigh(p.PassRateInterval), RawI(p.OutcomeCount))
		}
		change := "–"
		if first != nil && last != nil {
			change = fmt.Sprintf("%+.1f", (*last-*first)*100)
		}
		// Each row on its own scale, at least 10 points tall: a model's 8-point drop shows
		// as a drop, and a 1-point wobble stays a wobble.
		lo, hi := ChartScale(known...)
		t.Rows = append(t.Rows, []string{s.Model, Spark(vs, lo, hi), Pct(first), Pct(last), change, strconv.Itoa(n)})
	}
	title := "Pass rate over " + Count(int64(len(tr.Runs)), "run")
	if len(tr.Runs) > 0 {
		title += fmt.Sprintf(" · %s … %s", tr.Runs[0].ID, tr.Runs[len(tr.Runs)-1].ID)
	}
	return Doc{Sections: []Section{{Title: title, Table: t}}}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Frontier is a model's place on the pass-rate/cost frontier in words: "◆" on it, "< M"
// when model M (as cheap and significantly better) dominates it, "–" without a cost.
func Frontier(on *bool, by string) string {
	switch {
	case on == nil:
		return "–"
	case *on:
		return "◆"
	}
	return "< " + by
}
