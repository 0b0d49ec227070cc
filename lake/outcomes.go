package lake

import (
	"fmt"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/query"
)

// sortable are the sort keys of evals outcomes and their SQL: a number (nulls last either
// way) or a string.
var sortable = map[string]string{
	"trial": "trial", "started_at": "started_at", "score": "score",
	"pass_rate":   "CASE WHEN passed IS NULL THEN NULL WHEN passed THEN 1.0 ELSE 0.0 END",
	"error_rate":  "CASE WHEN status = 'error' THEN 1.0 ELSE 0.0 END",
	"duration_ms": "CAST(duration_ms AS DOUBLE)", "turns": "CAST(turns AS DOUBLE)", "tool_calls": "CAST(tool_calls AS DOUBLE)",
	"errors": "CAST(errors AS DOUBLE)", "input_tokens": "CAST(input_tokens AS DOUBLE)", "output_tokens": "CAST(output_tokens AS DOUBLE)",
	"reasoning_tokens": "CAST(reasoning_tokens AS DOUBLE)", "total_tokens": "CAST(total_tokens AS DOUBLE)", "cost_usd": "cost_usd",
	"model": "model", "stimulus": "stimulus", "status": "display_status",
}

// Outcomes is the filtered, sorted list of evals outcomes: the same rows in the same order
// (ties in store order: the runs as listed, then row order), the first p.Limit of them.
// Failure modes (--mode) are not a column: they are refused here.
func Outcomes(t *Target, p query.OutcomesParams) (string, error) {
	if p.Mode != "" {
		return "", errs.E(errs.Invalid, "failure modes are computed by evals, not stored: evals sql outcomes takes no --mode")
	}
	key := ""
	if p.Sort != "" {
		var ok bool
		if key, ok = sortable[p.Sort]; !ok {
			return "", errs.E(errs.Invalid, "invalid sort %q for SQL", p.Sort)
		}
	}
	var conds []string
	if len(p.Model) > 0 {
		conds = append(conds, "model IN ("+lits(p.Model)+")")
	}
	if len(p.Stimulus) > 0 {
		conds = append(conds, "stimulus IN ("+lits(p.Stimulus)+")")
	}
	if len(p.Status) > 0 {
		var ss []string
		for _, s := range p.Status {
			if s == "success" {
				ss = append(ss, "passed", "failed", "pending")
			} else {
				ss = append(ss, s)
			}
		}
		conds = append(conds, "display_status IN ("+lits(ss)+")")
	}
	if p.Passed != nil {
		conds = append(conds, fmt.Sprintf("status = 'success' AND passed = %v", *p.Passed))
	}
	if p.Grader != "" {
		conds = append(conds, fmt.Sprintf("outcome_id IN (SELECT outcome_id FROM %s WHERE grader = %s)", t.from("graders.parquet"), lit(p.Grader)))
	}
	where := ""
	if len(conds) > 0 {
		where = "\nWHERE " + strings.Join(conds, "\n  AND ")
	}
	runOrd := "CASE run_id"
	for i, r := range t.Runs {
		runOrd += fmt.Sprintf(" WHEN %s THEN %d", lit(r.ID), i)
	}
	runOrd += " END"
	dir := ""
	if p.Desc {
		dir = " DESC"
	}
	order := fmt.Sprintf("%s%s, LENGTH(outcome_id)%s, outcome_id%s", runOrd, dir, dir, dir)
	if key != "" {
		order = fmt.Sprintf("%s%s NULLS LAST, %s, LENGTH(outcome_id), outcome_id", key, dir, runOrd)
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 50
	}
	var b strings.Builder
	b.WriteString("-- evals outcomes: " + t.describe() + "\n")
	b.WriteString(t.withOutcomes())
	fmt.Fprintf(&b, `
SELECT outcome_id AS id, run_id, stimulus, model, trial, display_status AS status, passed, score, duration_ms, turns,
  tool_calls, errors, input_tokens, output_tokens, total_tokens, cost_usd
FROM o%s
ORDER BY %s
LIMIT %d
`, where, order, limit)
	return b.String(), nil
}

func lits(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = lit(v)
	}
	return strings.Join(q, ", ")
}
