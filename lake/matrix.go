package lake

import (
	"fmt"
	"strings"
)

// Matrix is the stimulus × model grid of the pass rate (tag value × model with by): per
// cell its outcomes, pass rate, the Wilson interval over its rated trials, its status (ok
// at a pass rate of 0.5 or more) and, per stimulus, its flags.
func Matrix(t *Target) string {
	row := "stimulus"
	if t.sliced() {
		row = "slice_value"
	}
	var b strings.Builder
	b.WriteString("-- evals matrix (pass_rate): " + t.describe() + "\n")
	b.WriteString(t.withOutcomes())
	fmt.Fprintf(&b, `,
cells AS (
  SELECT %s AS row_name, model, COUNT(*) AS outcomes,
    SUM(CASE WHEN rated_status = 'skipped' THEN 1 ELSE 0 END) AS skipped,
    SUM(CASE WHEN rated_status = 'error' THEN 1 ELSE 0 END) AS errors,
    SUM(%s) AS rated, SUM(%s) AS passed
  FROM o GROUP BY %s, model
),
w AS (
  SELECT *, CAST(passed AS DOUBLE) / NULLIF(rated, 0) AS p, 1 + %[5]s * %[5]s / rated AS wden FROM cells
)
SELECT row_name AS %[6]s, model, %[7]s AS pass_rate, outcomes,
  CASE WHEN skipped = outcomes THEN 'skipped' WHEN rated = 0 THEN 'ungraded' WHEN errors = rated THEN 'error'
    WHEN p >= 0.5 THEN 'ok' ELSE 'failed' END AS status,
  %[8]s AS flags,
  %[9]s AS pass_rate_low, %[10]s AS pass_rate_high
FROM w
ORDER BY LOWER(row_name), row_name, LOWER(model), model
`, rowExpr(row), ratedTerm, passTerm, rowExpr(row), z95, rowColumn(t), round6("p"), flags(t),
		round6(fmt.Sprintf("GREATEST(0.0, (p + %[1]s * %[1]s / (2 * rated)) / wden - %[1]s * SQRT(p * (1 - p) / rated + %[1]s * %[1]s / (4.0 * rated * rated)) / wden)", z95)),
		round6(fmt.Sprintf("LEAST(1.0, (p + %[1]s * %[1]s / (2 * rated)) / wden + %[1]s * SQRT(p * (1 - p) / rated + %[1]s * %[1]s / (4.0 * rated * rated)) / wden)", z95)))
	return b.String()
}

func rowExpr(row string) string { return row }

// rowColumn names the row column as the CSV does: stimulus, or the tag's key.
func rowColumn(t *Target) string {
	if t.sliced() {
		return t.D.ident(t.Slicing.By)
	}
	return "stimulus"
}

// flags are the cell words of a stimulus row: flaky (some rated trials passed, not all),
// error (every rated trial errored).
func flags(t *Target) string {
	if t.sliced() {
		return "''"
	}
	return `CASE WHEN passed > 0 AND passed < rated AND rated > 0 AND errors = rated THEN 'flaky;error'
    WHEN passed > 0 AND passed < rated THEN 'flaky' WHEN rated > 0 AND errors = rated AND skipped < outcomes THEN 'error' ELSE '' END`
}
