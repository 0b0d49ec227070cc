package lake

import (
	"fmt"
	"strings"
)

// Tools is per tool (and slice): calls, successes and failures, the success rate, the mean
// recorded duration, the outcomes that used the tool and their pass rate; most called
// first, as evals tools orders them.
func Tools(t *Target) string {
	var b strings.Builder
	b.WriteString("-- evals tools: " + t.describe() + "\n")
	b.WriteString(t.withOutcomes())
	fmt.Fprintf(&b, `,
tc AS (
  SELECT c.tool, c.success, CASE WHEN c.duration_ms >= 0 THEN c.duration_ms END AS duration_ms,
    c.outcome_id, o.slice_value, o.rated_status
  FROM %s c JOIN o ON o.outcome_id = c.outcome_id
),
used AS (
  -- each outcome that called the tool, once
  SELECT tool, slice_value, outcome_id, MAX(rated_status) AS rated_status
  FROM tc GROUP BY tool, slice_value, outcome_id
),
calls AS (
  SELECT tool, slice_value, COUNT(*) AS calls, SUM(CASE WHEN success THEN 1 ELSE 0 END) AS successes,
    AVG(duration_ms) AS mean_duration_ms
  FROM tc GROUP BY tool, slice_value
),
outs AS (
  SELECT tool, slice_value, COUNT(*) AS outcomes, SUM(%s) AS rated, SUM(%s) AS passed
  FROM used GROUP BY tool, slice_value
)
SELECT c.tool, %s AS slice_key, CASE WHEN %s IS NOT NULL THEN c.slice_value END AS slice_value,
  c.calls, %s AS success_rate, c.calls - c.successes AS failures, u.outcomes,
  %s AS outcome_pass_rate, %s AS mean_duration_ms
FROM calls c JOIN outs u ON u.tool = c.tool AND u.slice_value = c.slice_value
ORDER BY LOWER(c.slice_value), c.slice_value, c.calls DESC, LOWER(c.tool), c.tool
`, t.from("tool_calls.parquet"), ratedTerm, passTerm, t.sliceKey(), t.sliceKey(),
		round6("CAST(c.successes AS DOUBLE) / NULLIF(c.calls, 0)"), round6("CAST(u.passed AS DOUBLE) / NULLIF(u.rated, 0)"), round6("c.mean_duration_ms"))
	return b.String()
}
