package lake

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// Target is what a translation is written for: the dialect, where the store's files are,
// the runs in scope and which of them carry reviews.
type Target struct {
	D        Dialect
	base     string // the store's location as the engine names it
	Runs     []store.Run
	reviewed []string // runs in scope with annotations
	// Graded leaves human verdicts out (--verdicts graded).
	Graded  bool
	Slicing query.Slicing
	models  []string // trend: only these models
}

// NewTarget resolves a scope of the store for a dialect.
func NewTarget(s *store.Store, d Dialect, sc query.Scope) (*Target, error) {
	runs, err := query.ResolveScope(s, sc)
	if err != nil {
		return nil, err
	}
	return newTarget(s, d, runs, sc.Slicing)
}

func newTarget(s *store.Store, d Dialect, runs []store.Run, sl query.Slicing) (*Target, error) {
	base, err := location(s.Root(), d)
	if err != nil {
		return nil, err
	}
	t := &Target{D: d, base: base, Runs: runs, Graded: s.IsGraded(), Slicing: sl}
	if !t.Graded {
		for _, r := range runs {
			anns, err := s.Annotations(r.ID)
			if err != nil {
				return nil, err
			}
			if len(anns) > 0 {
				t.reviewed = append(t.reviewed, r.ID)
			}
		}
	}
	return t, nil
}

// location is the store's root as an engine reads it: an absolute path, or the bucket URL
// without its query (endpoint and region are the engine's settings: see docs/scale.md).
func location(root string, d Dialect) (string, error) {
	if u, err := url.Parse(root); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		scheme := u.Scheme
		if d == Spark && scheme == "s3" {
			scheme = "s3a"
		}
		return scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/"), nil
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", errs.E(errs.Invalid, "store path %q: %v", root, err)
	}
	if strings.ContainsAny(abs, "`'{},") {
		return "", errs.E(errs.Invalid, "the store path %q holds a character SQL paths cannot carry", abs)
	}
	return abs, nil
}

// files lists one file of every run in scope.
func (t *Target) files(name string) []string {
	out := make([]string, len(t.Runs))
	for i, r := range t.Runs {
		out[i] = t.base + "/runs/" + r.ID + "/" + name
	}
	return out
}

// from is the FROM item of one of the runs' Parquet files.
func (t *Target) from(name string) string { return t.D.parquet(t.files(name)) }

// sliced says whether answers are per tag value.
func (t *Target) sliced() bool { return t.Slicing.By != "" }

// sliceKey is the slice_key column's value.
func (t *Target) sliceKey() string {
	if !t.sliced() {
		return "CAST(NULL AS STRING)"
	}
	return lit(t.Slicing.By)
}

// withOutcomes opens a query with the CTEs every question starts from: reviews (the
// effective human verdicts) and o (the outcomes in scope, verdicts applied, the where
// filters kept, each with its slice value and display status).
func (t *Target) withOutcomes() string {
	var b strings.Builder
	b.WriteString("WITH ")
	review := len(t.reviewed) > 0
	if review {
		globs := make([]string, len(t.reviewed))
		for i, id := range t.reviewed {
			globs[i] = t.base + "/overlay/" + id + "~a~*.json"
		}
		oid, verdict := t.D.jsonString("content", "outcomeId"), t.D.jsonString("content", "verdict")
		fmt.Fprintf(&b, `reviews AS (
  -- the latest verdict of each reviewed outcome (overlay objects sort by time in their names)
  SELECT outcome_id, verdict FROM (
    SELECT %s AS outcome_id, %s AS verdict,
      ROW_NUMBER() OVER (PARTITION BY %s ORDER BY filename DESC) AS rn
    FROM %s
    WHERE %s IS NOT NULL) r
  WHERE rn = 1 AND verdict <> ''
),
`, oid, verdict, oid, t.D.text(globs), verdict)
	}
	rv := "CAST(NULL AS STRING)"
	join := ""
	if review {
		rv = "rv.verdict"
		join = "\n  LEFT JOIN reviews rv ON rv.outcome_id = x.outcome_id"
	}
	slice := "''"
	if t.sliced() {
		slice = fmt.Sprintf("COALESCE(%s, %s)", t.D.tag(t.Slicing.By), lit(query.NoTag))
	}
	var where []string
	for _, f := range t.Slicing.Where {
		vals := make([]string, len(f.Values))
		for i, v := range f.Values {
			vals[i] = lit(v)
		}
		where = append(where, fmt.Sprintf("%s IN (%s)", t.D.tag(f.Key), strings.Join(vals, ", ")))
	}
	filter := ""
	if len(where) > 0 {
		filter = "\n  WHERE " + strings.Join(where, " AND ")
	}
	fmt.Fprintf(&b, `o0 AS (
  -- the outcomes in scope; a human verdict replaces passed (not on a skipped outcome) and
  -- rates an errored outcome, which keeps status error; -1 (stores before nulls) reads as NULL
  SELECT x.run_id, x.outcome_id, x.stimulus, x.model, x.trial, x.tags, x.status,
    CASE WHEN %[1]s IS NOT NULL AND x.status <> 'skipped' THEN %[1]s = 'pass' ELSE x.passed END AS passed,
    %[1]s IS NOT NULL AND x.status <> 'skipped' AS reviewed,
    x.score, x.turns, x.tool_calls, x.errors, x.cost_usd,
    CASE WHEN x.duration_ms >= 0 THEN x.duration_ms END AS duration_ms,
    CASE WHEN x.input_tokens >= 0 THEN x.input_tokens END AS input_tokens,
    CASE WHEN x.output_tokens >= 0 THEN x.output_tokens END AS output_tokens,
    CASE WHEN x.reasoning_tokens >= 0 THEN x.reasoning_tokens END AS reasoning_tokens,
    CASE WHEN x.cached_tokens >= 0 THEN x.cached_tokens END AS cached_tokens,
    CASE WHEN x.total_tokens >= 0 THEN x.total_tokens END AS total_tokens,
    x.started_at, x.error, %[2]s AS slice_value
  FROM %[3]s x%[4]s%[5]s
),
o AS (
  SELECT o0.*,
    CASE WHEN status = 'skipped' THEN 'skipped' WHEN status = 'error' THEN 'error'
      WHEN passed IS NULL THEN 'pending' WHEN passed THEN 'passed' ELSE 'failed' END AS display_status,
    -- how the outcome is rated: a human's verdict rates an errored outcome
    CASE WHEN status = 'skipped' THEN 'skipped' WHEN status = 'error' AND NOT reviewed THEN 'error'
      WHEN passed IS NULL THEN 'pending' WHEN passed THEN 'passed' ELSE 'failed' END AS rated_status
  FROM o0
)`, rv, slice, t.from("outcomes.parquet"), join, filter)
	return b.String()
}

// rated and passes are the per-outcome terms of a pass rate: passed / (passed + failed +
// error); skipped and pending outcomes are left out.
const (
	ratedTerm = "CASE WHEN rated_status IN ('passed', 'failed', 'error') THEN 1 ELSE 0 END"
	passTerm  = "CASE WHEN rated_status = 'passed' THEN 1 ELSE 0 END"
)

// interval writes the columns of a 95% interval on p from the cluster moments of a CTE
// (n, x, n2, nc, c2, clusters): the stimulus-clustered standard error (Miller 2024), and
// the Wilson interval over the clusters where it is 0, as query.RateInterval does.
func interval(prefix string) string {
	return fmt.Sprintf(`%[1]sse AS (
  SELECT *, CASE WHEN ss < 1e-12 * GREATEST(1.0, c2) THEN 0.0 ELSE SQRT(ss) / n END AS se,
    1 + %[2]s * %[2]s / clusters AS wden
  FROM (SELECT *, CAST(x AS DOUBLE) / n AS p, c2 - 2 * (CAST(x AS DOUBLE) / n) * nc + (CAST(x AS DOUBLE) / n) * (CAST(x AS DOUBLE) / n) * n2 AS ss
        FROM %[1]smoments WHERE n > 0) m
),
%[1]siv AS (
  SELECT *,
    CASE WHEN se > 0 THEN GREATEST(0.0, p - %[2]s * se)
      ELSE GREATEST(0.0, (p + %[2]s * %[2]s / (2 * clusters)) / wden - %[2]s * SQRT(p * (1 - p) / clusters + %[2]s * %[2]s / (4.0 * clusters * clusters)) / wden) END AS low,
    CASE WHEN se > 0 THEN LEAST(1.0, p + %[2]s * se)
      ELSE LEAST(1.0, (p + %[2]s * %[2]s / (2 * clusters)) / wden + %[2]s * SQRT(p * (1 - p) / clusters + %[2]s * %[2]s / (4.0 * clusters * clusters)) / wden) END AS high
  FROM %[1]sse
)`, prefix, z95)
}

// moments writes the cluster moments of per-stimulus counts (a CTE with the group columns,
// n rated and c passed): Σn, Σc, Σn², Σn·c, Σc² and the number of clusters.
func moments(prefix, from, groups string) string {
	return fmt.Sprintf(`%[1]smoments AS (
  SELECT %[3]s, SUM(n) AS n, SUM(c) AS x, SUM(CAST(n AS DOUBLE) * n) AS n2, SUM(CAST(n AS DOUBLE) * c) AS nc,
    SUM(CAST(c AS DOUBLE) * c) AS c2, COUNT(*) AS clusters
  FROM %[2]s WHERE n > 0 GROUP BY %[3]s
)`, prefix, from, groups)
}
