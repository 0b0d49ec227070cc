package lake

import (
	"fmt"
	"strings"
)

// Tables is one view per kind of row over the runs in scope, for exploring the store in
// an engine: outcomes (with the effective verdict applied, the display status and the
// slice columns left out), graders, tool_calls, events, and verdicts (each reviewed
// outcome's latest human verdict).
func Tables(t *Target) string {
	var b strings.Builder
	b.WriteString("-- evals tables: " + t.describe() + "\n")
	create := "CREATE OR REPLACE VIEW"
	if t.D == Spark {
		create = "CREATE OR REPLACE TEMPORARY VIEW"
	}
	verdicts := "SELECT CAST(NULL AS STRING) AS outcome_id, CAST(NULL AS STRING) AS verdict WHERE 1 = 0"
	if len(t.reviewed) > 0 {
		verdicts = "SELECT outcome_id, verdict FROM reviews"
		sub := t.withOutcomes()
		sub = sub[:strings.Index(sub, "o0 AS (")]
		verdicts = strings.TrimSuffix(strings.TrimSpace(sub), ",") + "\n" + verdicts
	}
	fmt.Fprintf(&b, "%s verdicts AS\n%s;\n\n", create, verdicts)
	fmt.Fprintf(&b, `%s outcomes AS
SELECT x.*, CASE WHEN v.verdict IS NOT NULL AND x.status <> 'skipped' THEN v.verdict = 'pass' ELSE x.passed END AS effective_passed,
  CASE
    WHEN x.status = 'skipped' THEN 'skipped' WHEN x.status = 'error' THEN 'error'
    WHEN v.verdict IS NOT NULL THEN CASE WHEN v.verdict = 'pass' THEN 'passed' ELSE 'failed' END
    WHEN x.passed IS NULL THEN 'pending' WHEN x.passed THEN 'passed' ELSE 'failed' END AS display_status,
  CASE
    WHEN x.status = 'skipped' THEN 'skipped'
    WHEN v.verdict IS NOT NULL THEN CASE WHEN v.verdict = 'pass' THEN 'passed' ELSE 'failed' END
    WHEN x.status = 'error' THEN 'error' WHEN x.passed IS NULL THEN 'pending' WHEN x.passed THEN 'passed' ELSE 'failed' END AS rated_status
FROM %s x LEFT JOIN verdicts v ON v.outcome_id = x.outcome_id;

`, create, t.from("outcomes.parquet"))
	for _, name := range []string{"graders", "tool_calls", "events"} {
		fmt.Fprintf(&b, "%s %s AS SELECT * FROM %s;\n\n", create, name, t.from(name+".parquet"))
	}
	return b.String()
}
