package lake

import (
	"fmt"
	"strings"

	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// TrendTarget is a target over the runs evals trend would pick (the newest that match,
// oldest first).
func TrendTarget(s *store.Store, d Dialect, p query.TrendParams) (*Target, error) {
	tr, err := query.TrendOf(s, p)
	if err != nil {
		return nil, err
	}
	var runs []store.Run
	for _, r := range tr.Runs {
		run, err := s.Run(r.ID)
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	t, err := newTarget(s, d, runs, query.Slicing{})
	if err != nil {
		return nil, err
	}
	t.models = p.Models
	return t, nil
}

// Trend is each model's pass rate in each run, with the run's clustered interval and its
// outcomes: one row per model and run, models by name, runs oldest first.
func Trend(t *Target) string {
	ord := "CASE t.run_id"
	names := "CASE t.run_id"
	created := "CASE t.run_id"
	for i, r := range t.Runs {
		ord += fmt.Sprintf(" WHEN %s THEN %d", lit(r.ID), i)
		names += fmt.Sprintf(" WHEN %s THEN %s", lit(r.ID), lit(r.Name))
		created += fmt.Sprintf(" WHEN %s THEN %s", lit(r.ID), lit(r.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")))
	}
	models := ""
	if len(t.models) > 0 {
		models = "\n  WHERE model IN (" + lits(t.models) + ")"
	}
	var b strings.Builder
	b.WriteString("-- evals trend: " + t.describe() + "\n")
	b.WriteString(t.withOutcomes())
	fmt.Fprintf(&b, `,
stims AS (
  SELECT run_id, model, stimulus, SUM(%s) AS n, SUM(%s) AS c FROM o%s GROUP BY run_id, model, stimulus
),
%s,
%s,
totals AS (
  SELECT run_id, model, COUNT(*) AS outcomes, SUM(%s) AS rated, SUM(%s) AS passed FROM o%s GROUP BY run_id, model
)
SELECT t.model, t.run_id, %s END AS run_name, %s END AS created_at,
  %s AS pass_rate, %s AS pass_rate_se, %s AS pass_rate_low, %s AS pass_rate_high, t.outcomes
FROM totals t LEFT JOIN iv ON iv.run_id = t.run_id AND iv.model = t.model
ORDER BY LOWER(t.model), t.model, %s END
`, ratedTerm, passTerm, models, moments("", "stims", "run_id, model"), interval(""), ratedTerm, passTerm, models,
		names, created, round6("CAST(t.passed AS DOUBLE) / NULLIF(t.rated, 0)"), round6("iv.se"), round6("iv.low"), round6("iv.high"), ord)
	return b.String()
}
