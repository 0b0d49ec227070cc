package lake

import (
	"fmt"
	"strings"
)

// Graders is per grader (and slice): results, passes, failures, ungraded, the pass rate
// passed / (passed + failed) with its stimulus-clustered SE and interval, and the mean
// score; worst first, as evals graders orders them.
func Graders(t *Target) string {
	var b strings.Builder
	b.WriteString("-- evals graders: " + t.describe() + "\n")
	b.WriteString(t.withOutcomes())
	fmt.Fprintf(&b, `,
g AS (
  SELECT r.grader, r.grader_type, r.passed, r.score, r.stimulus, o.slice_value
  FROM %s r JOIN o ON o.outcome_id = r.outcome_id
),
gstims AS (
  SELECT grader, slice_value, stimulus, SUM(CASE WHEN passed IS NOT NULL THEN 1 ELSE 0 END) AS n,
    SUM(CASE WHEN passed THEN 1 ELSE 0 END) AS c
  FROM g GROUP BY grader, slice_value, stimulus
),
%s,
%s,
totals AS (
  SELECT grader, slice_value, MAX(grader_type) AS type, COUNT(*) AS results,
    SUM(CASE WHEN passed THEN 1 ELSE 0 END) AS pass, SUM(CASE WHEN NOT passed THEN 1 ELSE 0 END) AS fail,
    AVG(score) AS mean_score
  FROM g GROUP BY grader, slice_value
)
SELECT t.grader, %s AS slice_key, CASE WHEN %s IS NOT NULL THEN t.slice_value END AS slice_value, t.type,
  %s AS pass_rate, %s AS pass_rate_se, %s AS pass_rate_low, %s AS pass_rate_high,
  t.pass, t.fail, t.results - t.pass - t.fail AS ungraded, t.results, %s AS mean_score
FROM totals t LEFT JOIN iv ON iv.grader = t.grader AND iv.slice_value = t.slice_value
ORDER BY LOWER(t.slice_value), t.slice_value, CAST(t.pass AS DOUBLE) / NULLIF(t.pass + t.fail, 0) ASC NULLS LAST, LOWER(t.grader), t.grader
`, t.from("graders.parquet"), moments("", "gstims", "grader, slice_value"), interval(""),
		t.sliceKey(), t.sliceKey(), round6("CAST(t.pass AS DOUBLE) / NULLIF(t.pass + t.fail, 0)"), round6("iv.se"), round6("iv.low"), round6("iv.high"), round6("t.mean_score"))
	return b.String()
}
