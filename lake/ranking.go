package lake

import (
	"fmt"
	"strings"
)

// Ranking is the leaderboard: per model (and slice) the counts, the pass rate with its
// clustered standard error and 95% interval, pass@k and pass^k (k = 1..the runs' trials,
// averaged over the cells of k or more rated trials), means and sums; ordered and ranked
// as evals ranking orders them.
func Ranking(t *Target) string {
	var trials int64
	for _, r := range t.Runs {
		trials = max(trials, r.Summary.Trials)
	}
	var ks, kcols []string
	if trials > 1 {
		for k := 1; k <= int(trials); k++ {
			at, hat := []string{}, []string{}
			for j := 0; j < k; j++ {
				at = append(at, fmt.Sprintf("(CAST(n - c - %d AS DOUBLE) / (n - %d))", j, j))
				hat = append(hat, fmt.Sprintf("(CAST(c - %d AS DOUBLE) / (n - %d))", j, j))
			}
			ks = append(ks, fmt.Sprintf("AVG(CASE WHEN n >= %d THEN 1 - %s END) AS pass_at_%d", k, strings.Join(at, " * "), k),
				fmt.Sprintf("AVG(CASE WHEN n >= %d THEN %s END) AS pass_hat_%d", k, strings.Join(hat, " * "), k))
			kcols = append(kcols, fmt.Sprintf("%s AS pass_at_%d", round6(fmt.Sprintf("k.pass_at_%d", k)), k),
				fmt.Sprintf("%s AS pass_hat_%d", round6(fmt.Sprintf("k.pass_hat_%d", k)), k))
		}
	}
	var b strings.Builder
	b.WriteString("-- evals ranking: " + t.describe() + "\n")
	b.WriteString(t.withOutcomes())
	fmt.Fprintf(&b, `,
cells AS (
  -- run × model × slice × stimulus: rated trials (n) and passes (c)
  SELECT run_id, model, slice_value, stimulus, SUM(%s) AS n, SUM(%s) AS c
  FROM o GROUP BY run_id, model, slice_value, stimulus
),
stims AS (
  -- a stimulus is one cluster across runs
  SELECT model, slice_value, stimulus, SUM(n) AS n, SUM(c) AS c FROM cells GROUP BY model, slice_value, stimulus
),
%s,
%s,
totals AS (
  SELECT model, slice_value, COUNT(*) AS outcomes,
    SUM(CASE WHEN rated_status = 'passed' THEN 1 ELSE 0 END) AS passed,
    SUM(CASE WHEN rated_status = 'failed' THEN 1 ELSE 0 END) AS failed,
    SUM(CASE WHEN rated_status = 'error' THEN 1 ELSE 0 END) AS errors,
    SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS error_count,
    SUM(CASE WHEN status = 'error' AND reviewed AND passed THEN 1 ELSE 0 END) AS human_passed_errors,
    SUM(CASE WHEN rated_status = 'skipped' THEN 1 ELSE 0 END) AS skipped,
    SUM(CASE WHEN rated_status = 'pending' THEN 1 ELSE 0 END) AS pending,
    SUM(CASE WHEN reviewed THEN 1 ELSE 0 END) AS reviewed,
    AVG(CASE WHEN status <> 'skipped' THEN duration_ms END) AS mean_duration_ms,
    AVG(CASE WHEN status <> 'skipped' THEN turns END) AS mean_turns,
    AVG(CASE WHEN status <> 'skipped' THEN tool_calls END) AS mean_tool_calls,
    AVG(CASE WHEN status <> 'skipped' THEN score END) AS mean_score,
    SUM(CASE WHEN status <> 'skipped' THEN total_tokens END) AS total_tokens,
    SUM(CASE WHEN status <> 'skipped' THEN cost_usd END) AS cost_usd
  FROM o GROUP BY model, slice_value
)`, ratedTerm, passTerm, moments("", "stims", "model, slice_value"), interval(""))
	if len(ks) > 0 {
		fmt.Fprintf(&b, `,
k AS (
  -- pass@k = 1 - C(n-c, k)/C(n, k) and pass^k = C(c, k)/C(n, k) per cell, averaged
  SELECT model, slice_value, %s
  FROM cells WHERE n > 0 GROUP BY model, slice_value
)`, strings.Join(ks, ",\n    "))
	}
	kjoin := ""
	if len(ks) > 0 {
		kjoin = "\nLEFT JOIN k ON k.model = t.model AND k.slice_value = t.slice_value"
		kcols = append([]string{""}, kcols...)
	}
	fmt.Fprintf(&b, `
SELECT
  ROW_NUMBER() OVER (PARTITION BY t.slice_value ORDER BY CAST(t.passed AS DOUBLE) / NULLIF(t.passed + t.failed + t.errors, 0) DESC NULLS LAST,
    t.mean_duration_ms ASC NULLS LAST, LOWER(t.model), t.model) AS rank,
  t.model, %s AS slice_key, CASE WHEN %s IS NOT NULL THEN t.slice_value END AS slice_value,
  %s AS pass_rate, %s AS pass_rate_se, %s AS pass_rate_low, %s AS pass_rate_high%s,
  %s AS mean_duration_ms, %s AS mean_turns, %s AS mean_tool_calls, %s AS mean_score,
  t.total_tokens, %s AS cost_usd,
  t.outcomes, t.passed, t.failed, t.error_count AS errors, t.human_passed_errors, t.skipped, t.pending, t.reviewed
FROM totals t
LEFT JOIN iv ON iv.model = t.model AND iv.slice_value = t.slice_value%s
ORDER BY LOWER(t.slice_value), t.slice_value, rank
`, t.sliceKey(), t.sliceKey(), round6("CAST(t.passed AS DOUBLE) / NULLIF(t.passed + t.failed + t.errors, 0)"), round6("iv.se"), round6("iv.low"), round6("iv.high"),
		strings.Join(kcols, ",\n  "), round6("t.mean_duration_ms"), round6("t.mean_turns"), round6("t.mean_tool_calls"), round6("t.mean_score"), round6("t.cost_usd"), kjoin)
	return b.String()
}

// describe says in a comment what a query answers over.
func (t *Target) describe() string {
	ids := make([]string, len(t.Runs))
	for i, r := range t.Runs {
		ids[i] = r.ID
	}
	s := fmt.Sprintf("runs %s", strings.Join(ids, ", "))
	if t.sliced() {
		s += "; by " + t.Slicing.By
	}
	for _, f := range t.Slicing.Where {
		s += "; where " + f.Key + " in " + strings.Join(f.Values, ",")
	}
	if t.Graded {
		s += "; the graders' verdicts"
	} else if len(t.reviewed) > 0 {
		s += "; human verdicts applied"
	}
	return strings.ReplaceAll(s, "\n", " ")
}
