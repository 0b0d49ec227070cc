package lake

import (
	"fmt"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// CompareTarget is a target over the runs of a compare: the new run first, then its
// baselines, each named once.
func CompareTarget(s *store.Store, d Dialect, p query.CompareParams) (*Target, error) {
	if len(p.Runs) < 2 {
		return nil, errs.E(errs.Invalid, "compare needs a new run and a baseline: evals sql compare NEW OLD")
	}
	var runs []store.Run
	for _, ref := range p.Runs {
		r, err := s.Resolve(ref)
		if err != nil {
			return nil, err
		}
		for _, prev := range runs {
			if prev.ID == r.ID {
				return nil, errs.E(errs.Invalid, "run %s is given twice", r.ID)
			}
		}
		runs = append(runs, r)
	}
	return newTarget(s, d, runs, p.Slicing)
}

// Compare is, per model pair (a model of the new run and its baseline model in each base
// run), what evals compare's summary says: matched stimuli, the paired stimulus-level
// difference of pass rates (mean and standard error), the pass rates over the matched
// stimuli, and the stimuli that regressed (ok → failed at the threshold), improved,
// stayed, flipped between flaky cells, errored, appeared, went or were not rated.
func Compare(t *Target, p query.CompareParams) string {
	newRun := lit(t.Runs[0].ID)
	var bases []string
	baseOrd := "CASE p.base_run"
	for i, r := range t.Runs[1:] {
		bases = append(bases, lit(r.ID))
		baseOrd += fmt.Sprintf(" WHEN %s THEN %d", lit(r.ID), i)
	}
	baseOrd += " END"
	mapped := "nm.model"
	if len(p.Pairs) > 0 && !t.sliced() {
		mapped = "CASE nm.model"
		for k, v := range p.Pairs {
			mapped += fmt.Sprintf(" WHEN %s THEN %s", lit(k), lit(v))
		}
		mapped += " ELSE nm.model END"
	}
	name := "p.model"
	if t.sliced() {
		name = fmt.Sprintf("CONCAT(p.model, ' [', %s, '=', p.slice_value, ']')", lit(t.Slicing.By))
	}
	present := func(c string) string { return c + " IN ('ok', 'failed', 'error')" }
	var b strings.Builder
	b.WriteString("-- evals compare: " + t.describe() + fmt.Sprintf("; threshold %g\n", p.Threshold))
	b.WriteString(t.withOutcomes())
	fmt.Fprintf(&b, compareSQL, p.Threshold, ratedTerm, passTerm, newRun, strings.Join(bases, ", "), mapped, present("bs"), present("ns"),
		t.sliceKey(), round6("CASE WHEN p.new_rated > 0 AND p.base_rated > 0 THEN CAST(p.base_passed AS DOUBLE) / p.base_rated END"),
		round6("CASE WHEN p.new_rated > 0 AND p.base_rated > 0 THEN CAST(p.new_passed AS DOUBLE) / p.new_rated END"),
		round6("p.delta"), round6("CASE WHEN p.sd / SQRT(p.matched) < 1e-15 THEN 0.0 ELSE p.sd / SQRT(p.matched) END"), baseOrd, name)
	return b.String()
}

// compareSQL is the body of Compare's query (after the outcomes CTEs). Its verbs: 1 the
// threshold, 2 and 3 the rated and passed terms, 4 the new run, 5 the base runs, 6 the
// base model a new model pairs with, 7 and 8 whether the base and new cells are present,
// 9 the slice key, 10 and 11 the pass rates, 12 the delta, 13 its standard error, 14 the
// base runs' order, 15 the pair's name.
const compareSQL = `,
cells AS (
  -- run × model × slice × stimulus, with the cell's status at the threshold
  SELECT run_id, model, slice_value, stimulus, n, rated, passed,
    CASE WHEN skipped = n THEN 'skipped' WHEN rated = 0 THEN 'ungraded' WHEN errs = rated THEN 'error'
      WHEN CAST(passed AS DOUBLE) / rated >= %[1]g THEN 'ok' ELSE 'failed' END AS status,
    passed > 0 AND passed < rated AS flaky
  FROM (SELECT run_id, model, slice_value, stimulus, COUNT(*) AS n,
          SUM(CASE WHEN rated_status = 'skipped' THEN 1 ELSE 0 END) AS skipped,
          SUM(CASE WHEN rated_status = 'error' THEN 1 ELSE 0 END) AS errs,
          SUM(%[2]s) AS rated, SUM(%[3]s) AS passed
        FROM o GROUP BY run_id, model, slice_value, stimulus) c
),
pairs AS (
  SELECT DISTINCT nm.model, nm.slice_value, bm.run_id AS base_run, bm.model AS base_model
  FROM (SELECT DISTINCT model, slice_value FROM cells WHERE run_id = %[4]s) nm
  JOIN (SELECT DISTINCT run_id, model, slice_value FROM cells WHERE run_id IN (%[5]s)) bm
    ON bm.model = %[6]s AND bm.slice_value = nm.slice_value
),
nside AS (
  SELECT p.model, p.slice_value, p.base_run, p.base_model, c.stimulus, c.status, c.flaky, c.rated, c.passed
  FROM pairs p JOIN cells c ON c.run_id = %[4]s AND c.model = p.model AND c.slice_value = p.slice_value
),
bside AS (
  SELECT p.model, p.slice_value, p.base_run, p.base_model, c.stimulus, c.status, c.flaky, c.rated, c.passed
  FROM pairs p JOIN cells c ON c.run_id = p.base_run AND c.model = p.base_model AND c.slice_value = p.slice_value
),
j AS (
  SELECT COALESCE(n.model, b.model) AS model, COALESCE(n.slice_value, b.slice_value) AS slice_value,
    COALESCE(n.base_run, b.base_run) AS base_run, COALESCE(n.base_model, b.base_model) AS base_model,
    COALESCE(n.status, 'missing') AS ns, COALESCE(b.status, 'missing') AS bs, n.flaky AS nf, b.flaky AS bf,
    n.rated AS nr, n.passed AS np, b.rated AS br, b.passed AS bp
  FROM nside n FULL OUTER JOIN bside b
    ON n.model = b.model AND n.slice_value = b.slice_value AND n.base_run = b.base_run AND n.stimulus = b.stimulus
),
k AS (
  SELECT *, %[7]s AND %[8]s AS matched,
    CASE WHEN %[7]s AND %[8]s THEN CAST(np AS DOUBLE) / nr - CAST(bp AS DOUBLE) / br END AS d,
    CASE
      WHEN NOT (%[7]s) OR NOT (%[8]s) THEN
        CASE WHEN bs = 'missing' AND %[8]s THEN 'new' WHEN ns = 'missing' AND %[7]s THEN 'removed' ELSE 'unrated' END
      WHEN ns = 'error' AND bs <> 'error' THEN 'errored'
      WHEN bs = ns THEN 'unchanged'
      WHEN bf AND nf THEN 'flaky'
      WHEN bs = 'ok' AND ns = 'failed' THEN 'regressed'
      WHEN ns = 'ok' THEN 'improved'
      ELSE 'unchanged' END AS kind
  FROM j
),
p AS (
  SELECT model, slice_value, base_run, base_model,
    SUM(CASE WHEN matched THEN 1 ELSE 0 END) AS matched,
    AVG(d) AS delta, STDDEV_SAMP(d) AS sd,
    SUM(CASE WHEN matched THEN np END) AS new_passed, SUM(CASE WHEN matched THEN nr END) AS new_rated,
    SUM(CASE WHEN matched THEN bp END) AS base_passed, SUM(CASE WHEN matched THEN br END) AS base_rated,
    SUM(CASE WHEN kind = 'regressed' THEN 1 ELSE 0 END) AS regressed,
    SUM(CASE WHEN kind = 'improved' THEN 1 ELSE 0 END) AS improved,
    SUM(CASE WHEN kind = 'unchanged' THEN 1 ELSE 0 END) AS unchanged,
    SUM(CASE WHEN kind = 'flaky' THEN 1 ELSE 0 END) AS flaky,
    SUM(CASE WHEN kind = 'errored' THEN 1 ELSE 0 END) AS errored,
    SUM(CASE WHEN kind = 'new' THEN 1 ELSE 0 END) AS added,
    SUM(CASE WHEN kind = 'removed' THEN 1 ELSE 0 END) AS removed,
    SUM(CASE WHEN kind = 'unrated' THEN 1 ELSE 0 END) AS unrated
  FROM k GROUP BY model, slice_value, base_run, base_model
)
SELECT p.model, p.base_model, %[9]s AS slice_key, CASE WHEN %[9]s IS NOT NULL THEN p.slice_value END AS slice_value,
  %[4]s AS new_run, p.base_run,
  %[10]s AS pass_rate_base, %[11]s AS pass_rate_new,
  %[12]s AS delta,
  CASE WHEN p.matched >= 2 THEN %[13]s END AS delta_se,
  p.matched, p.regressed, p.improved, p.unchanged, p.flaky, p.errored, p.added, p.removed, p.unrated
FROM p
ORDER BY %[14]s, LOWER(%[15]s), %[15]s
`
