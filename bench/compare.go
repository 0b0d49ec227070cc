package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evals-dev/evals/store"
)

type benchCase struct {
	name  string
	evals []string
	sql   string
	check func(evalsOut, duckOut []byte) error
}

// sliceExpr is the SQL of a --by slice over the outcomes' tags column (JSON text), as evals
// groups it: a missing tag is the slice "(none)".
func sliceExpr(by string) string {
	if by == "" {
		return "''"
	}
	return fmt.Sprintf(`coalesce(json_extract_string(tags, '$.%s'), '(none)')`, by)
}

// rankingSQL reads the columns evals's ranking reads (not output or other text), grouped by
// model, and by slice with by.
func rankingSQL(path, by string) string {
	return fmt.Sprintf(`WITH o AS (SELECT model, run_id, stimulus, status, passed, duration_ms, turns, tool_calls,
  input_tokens, output_tokens, reasoning_tokens, total_tokens, cost_usd, %[2]s AS slice FROM read_parquet('%[1]s')),
cells AS (SELECT model, slice, run_id, stimulus,
  count(*) FILTER (WHERE status = 'error' OR (status = 'success' AND passed IS NOT NULL)) AS n,
  count(*) FILTER (WHERE status = 'success' AND passed) AS c FROM o GROUP BY ALL),
k AS (SELECT model, slice, avg(CASE WHEN n >= 3 THEN 1 - ((n-c)*(n-c-1)*(n-c-2))::DOUBLE / (n*(n-1)*(n-2)) END) AS pass_at_3 FROM cells GROUP BY model, slice),
m AS (SELECT model, slice,
  count(*) FILTER (WHERE status = 'success' AND passed)::DOUBLE
    / nullif(count(*) FILTER (WHERE status = 'error' OR (status = 'success' AND passed IS NOT NULL)), 0) AS pass_rate,
  avg(duration_ms) FILTER (WHERE status <> 'skipped') AS mean_duration,
  avg(turns) FILTER (WHERE status <> 'skipped') AS mean_turns,
  avg(tool_calls) FILTER (WHERE status <> 'skipped') AS mean_tools,
  sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(reasoning_tokens) AS reasoning_tokens,
  sum(total_tokens) AS total_tokens, sum(cost_usd) AS cost, count(*) AS n, count(*) FILTER (WHERE status = 'error') AS errors
  FROM o GROUP BY model, slice)
SELECT * FROM m JOIN k USING (model, slice) ORDER BY lower(slice), slice, pass_rate DESC, mean_duration, model`, path, sliceExpr(by))
}

// gradersSQL counts grader results, per slice of their outcome's tags with by.
func gradersSQL(graders, outcomes, by string) string {
	from := fmt.Sprintf(`(SELECT grader, grader_type, passed, score, evidence, '' AS slice FROM read_parquet('%s'))`, graders)
	if by != "" {
		from = fmt.Sprintf(`(SELECT g.grader, g.grader_type, g.passed, g.score, g.evidence, o.slice FROM read_parquet('%s') g
  JOIN (SELECT outcome_id, %s AS slice FROM read_parquet('%s')) o USING (outcome_id))`, graders, sliceExpr(by), outcomes)
	}
	return fmt.Sprintf(`SELECT grader, slice, any_value(grader_type) AS type, count(*) FILTER (WHERE passed) AS pass,
  count(*) FILTER (WHERE NOT passed) AS fail, avg(score) AS mean_score,
  any_value(evidence) FILTER (WHERE NOT passed) AS sample
FROM %s GROUP BY grader, slice ORDER BY lower(slice), slice, pass::DOUBLE / (pass + fail), grader`, from)
}

func toolsSQL(outcomes, calls, by string) string {
	return fmt.Sprintf(`WITH o AS (SELECT outcome_id, CASE WHEN status = 'error' THEN 0 WHEN status = 'success' AND passed IS NOT NULL THEN passed::INT END AS v,
  %[3]s AS slice FROM read_parquet('%[1]s')),
t AS (SELECT tool, outcome_id, count(*) AS calls, count(*) FILTER (WHERE success) AS ok, sum(duration_ms) AS dur, count(duration_ms) AS dn
  FROM read_parquet('%[2]s') GROUP BY tool, outcome_id)
SELECT tool, slice, sum(calls) AS calls, sum(ok) AS ok, count(*) AS outcomes, avg(o.v) AS outcome_pass, sum(dur) / sum(dn) AS mean_duration
FROM t JOIN o USING (outcome_id) GROUP BY tool, slice ORDER BY lower(slice), slice, calls DESC, tool`, outcomes, calls, sliceExpr(by))
}

// outcomesSQL is evals outcomes --model M --status failed --sort duration_ms --order desc
// --limit N: the failed outcomes of a model, longest first.
func outcomesSQL(path, model string, limit int) string {
	return fmt.Sprintf(`SELECT outcome_id, duration_ms FROM read_parquet('%s')
WHERE model = '%s' AND status = 'success' AND passed = false
ORDER BY duration_ms DESC NULLS LAST LIMIT %d`, path, model, limit)
}

// checkOutcomes: the same durations in the same order (ties may list other ids: evals
// breaks them by store order) and the same ids wherever the duration is unique.
func checkOutcomes(e, d []byte) error {
	var o struct {
		Items []struct {
			ID         string
			DurationMs *float64
		}
	}
	if err := json.Unmarshal(e, &o); err != nil {
		return err
	}
	rows, err := duckRows(d)
	if err != nil {
		return err
	}
	if len(rows) != len(o.Items) {
		return fmt.Errorf("%d outcomes vs %d", len(o.Items), len(rows))
	}
	count := map[float64]int{}
	for _, r := range rows {
		count[num(r["duration_ms"])]++
	}
	if len(rows) == 0 {
		return nil
	}
	last := num(rows[len(rows)-1]["duration_ms"]) // may tie with rows past the page
	for i, x := range o.Items {
		dd := num(rows[i]["duration_ms"])
		if x.DurationMs == nil || *x.DurationMs != dd || count[dd] == 1 && dd != last && rows[i]["outcome_id"] != x.ID {
			got := "null"
			if x.DurationMs != nil {
				got = fmt.Sprint(*x.DurationMs)
			}
			return fmt.Errorf("row %d: evals %s %s, duckdb %v", i, x.ID, got, rows[i])
		}
	}
	return nil
}

// compareSQL is evals compare NEW OLD --json: one row per stimulus with every subject's
// (run × model) cell: status, pass rate with its Wilson interval, flakiness and the means.
// DuckDB writes the JSON itself (COPY … TO stdout), as evals does. The per-pair summaries
// (a few numbers per model) are left out: the cells are the work.
func compareSQL(newRun, oldRun string) string {
	return fmt.Sprintf(`COPY (
WITH o AS (SELECT run_id, model, stimulus, status, passed, duration_ms, turns, tool_calls, input_tokens, output_tokens, total_tokens, cost_usd
  FROM read_parquet(['%[1]s', '%[2]s'])),
c AS (SELECT stimulus, run_id || ':' || model AS subject,
  count(*) FILTER (WHERE status <> 'skipped') AS n,
  count(*) FILTER (WHERE status = 'error' OR (status = 'success' AND passed IS NOT NULL)) AS rated,
  count(*) FILTER (WHERE status = 'success' AND passed) AS pass,
  count(*) FILTER (WHERE status = 'error') AS errors,
  avg(duration_ms) FILTER (WHERE status <> 'skipped') AS dur, avg(turns) FILTER (WHERE status <> 'skipped') AS turns,
  avg(tool_calls) FILTER (WHERE status <> 'skipped') AS tools, avg(input_tokens) FILTER (WHERE status <> 'skipped') AS tin,
  avg(output_tokens) FILTER (WHERE status <> 'skipped') AS tout, avg(total_tokens) FILTER (WHERE status <> 'skipped') AS ttot,
  avg(cost_usd) FILTER (WHERE status <> 'skipped') AS cost
  FROM o GROUP BY ALL),
w AS (SELECT *, pass::DOUBLE / nullif(rated, 0) AS p, 3.841458820694124 AS z2 FROM c)
SELECT stimulus, map_from_entries(list({'k': subject, 'v': {
  'status': CASE WHEN n = 0 THEN 'skipped' WHEN rated = 0 THEN 'ungraded' WHEN errors = rated THEN 'error' WHEN p >= 0.5 THEN 'ok' ELSE 'failed' END,
  'sampleSize': rated, 'passRate': round(p, 6),
  'low': round(greatest(0, (p + z2 / (2 * rated) - sqrt(z2) * sqrt(p * (1 - p) / rated + z2 / (4 * rated * rated))) / (1 + z2 / rated)), 6),
  'high': round(least(1, (p + z2 / (2 * rated) + sqrt(z2) * sqrt(p * (1 - p) / rated + z2 / (4 * rated * rated))) / (1 + z2 / rated)), 6),
  'flaky': p > 0 AND p < 1, 'meanDurationMs': dur, 'meanTurns': turns, 'meanToolCalls': tools, 'errorCount': errors,
  'meanInputTokens': tin, 'meanOutputTokens': tout, 'meanTotalTokens': ttot, 'meanCostUsd': cost}} ORDER BY subject)) AS cells
FROM w GROUP BY stimulus ORDER BY stimulus
) TO '/dev/stdout' (FORMAT json)`, newRun, oldRun)
}

// matrixSQL is evals matrix --json (pass rate): one row per stimulus with each model's cell
// (pass rate, outcome count, status, Wilson interval), written by DuckDB itself.
func matrixSQL(path string) string {
	return fmt.Sprintf(`COPY (
WITH c AS (SELECT stimulus, model, count(*) AS n,
  count(*) FILTER (WHERE status = 'error' OR (status = 'success' AND passed IS NOT NULL)) AS rated,
  count(*) FILTER (WHERE status = 'success' AND passed) AS pass,
  count(*) FILTER (WHERE status = 'error') AS errors
  FROM read_parquet('%s') GROUP BY ALL),
w AS (SELECT *, pass::DOUBLE / nullif(rated, 0) AS p, 3.841458820694124 AS z2 FROM c)
SELECT stimulus, list({'model': model, 'value': round(p, 6), 'outcomeCount': n,
  'status': CASE WHEN rated = 0 THEN 'ungraded' WHEN errors = rated THEN 'error' WHEN p >= 0.5 THEN 'ok' ELSE 'failed' END,
  'low': round(greatest(0, (p + z2 / (2 * rated) - sqrt(z2) * sqrt(p * (1 - p) / rated + z2 / (4 * rated * rated))) / (1 + z2 / rated)), 6),
  'high': round(least(1, (p + z2 / (2 * rated) + sqrt(z2) * sqrt(p * (1 - p) / rated + z2 / (4 * rated * rated))) / (1 + z2 / rated)), 6)}
  ORDER BY model) AS cells
FROM w GROUP BY stimulus ORDER BY stimulus
) TO '/dev/stdout' (FORMAT json)`, path)
}

// checkMatrix: the same rows, and in every cell the same value, count and interval.
func checkMatrix(e, d []byte) error {
	var ev struct {
		Rows    []string
		Columns []string
		Cells   [][]*struct {
			Value            *float64
			OutcomeCount     int64
			Status           string
			PassRateInterval *struct{ Low, High float64 }
		}
	}
	if err := json.Unmarshal(e, &ev); err != nil {
		return err
	}
	row := map[string]int{}
	for i, r := range ev.Rows {
		row[r] = i
	}
	col := map[string]int{}
	for i, c := range ev.Columns {
		col[c] = i
	}
	dec := json.NewDecoder(strings.NewReader(string(d)))
	n := 0
	for ; dec.More(); n++ {
		var r struct {
			Stimulus string
			Cells    []struct {
				Model        string
				Value        *float64
				OutcomeCount int64
				Status       string
				Low, High    float64
			}
		}
		if err := dec.Decode(&r); err != nil {
			return err
		}
		i, ok := row[r.Stimulus]
		if !ok {
			return fmt.Errorf("stimulus %q: not in evals's rows", r.Stimulus)
		}
		for _, dc := range r.Cells {
			ec := ev.Cells[i][col[dc.Model]]
			if ec == nil || ec.OutcomeCount != dc.OutcomeCount || ec.Status != dc.Status || (ec.Value == nil) != (dc.Value == nil) ||
				ec.Value != nil && (!approx(*ec.Value, *dc.Value) || !approx(ec.PassRateInterval.Low, dc.Low) || !approx(ec.PassRateInterval.High, dc.High)) {
				return fmt.Errorf("%s × %s differs", r.Stimulus, dc.Model)
			}
		}
	}
	if n != len(ev.Rows) {
		return fmt.Errorf("%d rows, duckdb %d", len(ev.Rows), n)
	}
	return nil
}

// checkCompare: the same stimuli, and in every cell the same status, pass rate and interval.
func checkCompare(e, d []byte) error {
	type cell struct {
		Status           string
		SampleSize       int64
		PassRate         *float64
		PassRateInterval *struct{ Low, High float64 }
		Low, High        float64
		MeanDurationMs   float64
	}
	var ev struct {
		Rows []struct {
			Stimulus string
			Cells    map[string]cell
		}
	}
	if err := json.Unmarshal(e, &ev); err != nil {
		return err
	}
	byName := map[string]map[string]cell{}
	for _, r := range ev.Rows {
		byName[r.Stimulus] = r.Cells
	}
	dec := json.NewDecoder(strings.NewReader(string(d)))
	i := 0
	for ; dec.More(); i++ { // evals orders rows by change, DuckDB by name
		var row struct {
			Stimulus string
			Cells    map[string]cell
		}
		if err := dec.Decode(&row); err != nil {
			return err
		}
		cells, ok := byName[row.Stimulus]
		if !ok {
			return fmt.Errorf("stimulus %q: not in evals's rows", row.Stimulus)
		}
		for subj, dc := range row.Cells {
			ec, ok := cells[subj]
			if !ok || ec.Status != dc.Status || ec.SampleSize != dc.SampleSize || !approx(ec.MeanDurationMs, dc.MeanDurationMs) {
				return fmt.Errorf("%s %s: evals %+v, duckdb %+v", row.Stimulus, subj, ec, dc)
			}
			if (ec.PassRate == nil) != (dc.PassRate == nil) || ec.PassRate != nil && (!approx(*ec.PassRate, *dc.PassRate) ||
				!approx(ec.PassRateInterval.Low, dc.Low) || !approx(ec.PassRateInterval.High, dc.High)) {
				return fmt.Errorf("%s %s: pass rate or interval differs", row.Stimulus, subj)
			}
		}
	}
	if i != len(ev.Rows) {
		return fmt.Errorf("%d stimuli, duckdb %d", len(ev.Rows), i)
	}
	return nil
}

func compare(args []string) error {
	fs := flag.NewFlagSet("compare", flag.ExitOnError)
	dir := fs.String("store", "", "store directory")
	evalsBin := fs.String("evals", "evals", "evals binary")
	reps := fs.Int("n", 7, "repetitions per command (median reported)")
	only := fs.String("only", "", "run only cases whose name contains this")
	fs.Parse(args)
	runs, _, err := store.Open(*dir).Runs()
	if err != nil || len(runs) == 0 {
		return fmt.Errorf("no runs in %s (%v)", *dir, err)
	}
	latest := runs[0].ID
	var n int64
	for _, r := range runs {
		n += r.Summary.OutcomeCount
	}
	self, _ := os.Executable()
	var cases []benchCase
	if len(runs) > 1 {
		cases = append(cases, benchCase{"compare", []string{"compare", runs[0].ID, runs[1].ID},
			compareSQL(glob(*dir, runs[0].ID, "outcomes.parquet"), glob(*dir, runs[1].ID, "outcomes.parquet")), checkCompare})
	}
	cases = append(cases, benchCase{"matrix latest", []string{"matrix", "--run", "latest"}, matrixSQL(glob(*dir, latest, "outcomes.parquet")), checkMatrix},
		benchCase{"matrix all", []string{"matrix", "--run", "all"}, matrixSQL(glob(*dir, "", "outcomes.parquet")), checkMatrix})
	model := runs[0].Models[min(3, len(runs[0].Models)-1)]
	for _, scope := range []struct{ name, run, flag string }{{"latest", latest, "latest"}, {"all", "", "all"}} {
		cases = append(cases, benchCase{"outcomes " + scope.name, []string{"outcomes", "--run", scope.flag, "--model", model, "--status", "failed", "--sort", "duration_ms", "--order", "desc", "--limit", "100"},
			outcomesSQL(glob(*dir, scope.run, "outcomes.parquet"), model, 100), checkOutcomes})
	}
	for _, scope := range []struct{ name, run, flag string }{{"latest", latest, "latest"}, {"all", "", "all"}} {
		cases = append(cases,
			benchCase{"ranking " + scope.name, []string{"ranking", "--run", scope.flag}, rankingSQL(glob(*dir, scope.run, "outcomes.parquet"), ""), checkRanking},
			benchCase{"ranking/cat " + scope.name, []string{"ranking", "--run", scope.flag, "--by", "category"}, rankingSQL(glob(*dir, scope.run, "outcomes.parquet"), "category"), checkRanking},
			benchCase{"graders " + scope.name, []string{"graders", "--run", scope.flag}, gradersSQL(glob(*dir, scope.run, "graders.parquet"), "", ""), checkGraders},
			benchCase{"graders/cat " + scope.name, []string{"graders", "--run", scope.flag, "--by", "category"},
				gradersSQL(glob(*dir, scope.run, "graders.parquet"), glob(*dir, scope.run, "outcomes.parquet"), "category"), checkGraders},
			benchCase{"tools " + scope.name, []string{"tools", "--run", scope.flag}, toolsSQL(glob(*dir, scope.run, "outcomes.parquet"), glob(*dir, scope.run, "tool_calls.parquet"), ""), checkTools},
			benchCase{"tools/cat " + scope.name, []string{"tools", "--run", scope.flag, "--by", "category"},
				toolsSQL(glob(*dir, scope.run, "outcomes.parquet"), glob(*dir, scope.run, "tool_calls.parquet"), "category"), checkTools},
		)
	}
	fmt.Printf("store %s: %d runs, %d outcomes; median of %d warm runs, whole processes, evals and DuckDB interleaved\n\n", *dir, len(runs), n, *reps)
	fmt.Printf("%-16s %12s %10s %12s %10s %8s  %s\n", "query", "evals", "evals RSS", "duckdb", "duck RSS", "ratio", "same numbers")
	for _, c := range cases {
		if *only != "" && !strings.Contains(c.name, *only) {
			continue
		}
		eargs := append(append([]string{}, c.evals...), "--store", *dir, "--json")
		r, err := timeInterleaved(*reps, [2][]string{append([]string{*evalsBin}, eargs...), {self, "duckq", c.sql}})
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		et, erss, eout, dt, drss, dout := r[0].median, r[0].rss, r[0].out, r[1].median, r[1].rss, r[1].out
		same := "yes"
		if err := c.check(eout, dout); err != nil {
			same = "NO: " + err.Error()
		}
		fmt.Printf("%-16s %12s %8dMB %12s %8dMB %8.2f  %s\n", c.name, et.Round(100*time.Microsecond), erss>>10, dt.Round(100*time.Microsecond), drss>>10, float64(et)/float64(dt), same)
	}
	return nil
}

type timing struct {
	median time.Duration
	rss    int64 // the largest peak RSS of the process itself (its own rusage), KB
	out    []byte
}

// timeInterleaved runs two commands alternately (a, b, a, b, …) reps times after one
// warm-up each, so a slow patch of the machine falls on both sides: the median wall time,
// each process's own largest peak RSS, and its last output.
func timeInterleaved(reps int, cmds [2][]string) ([2]timing, error) {
	var out [2]timing
	var times [2][]time.Duration
	for i := 0; i <= reps; i++ {
		for k, c := range cmds {
			d, rss, b, err := runOnce(c[0], c[1:]...)
			if err != nil {
				return out, fmt.Errorf("%s: %w", c[0], err)
			}
			out[k].rss, out[k].out = max(out[k].rss, rss), b
			if i > 0 {
				times[k] = append(times[k], d)
			}
		}
	}
	for k := range out {
		slices.Sort(times[k])
		out[k].median = times[k][len(times[k])/2]
	}
	return out, nil
}

// runOnce runs a command once: its wall time, its own peak RSS (KB) and its output.
//
// The peak RSS comes from /usr/bin/time (GNU time, -f %M), not from this process's
// wait4: Linux carries the parent's high-water mark across fork and exec into the child's
// ru_maxrss, so a child of this process (which links DuckDB, ~80 MB) never reports less
// than that. A child of time (a small process) reports its own.
func runOnce(bin string, args ...string) (time.Duration, int64, []byte, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "maxrss=%M", bin}, args...)...)
	cmd.Stderr = &stderr
	start := time.Now()
	b, err := cmd.Output()
	d := time.Since(start)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("%w: %s", err, stderr.String())
	}
	var rss int64
	if i := strings.LastIndex(stderr.String(), "maxrss="); i >= 0 {
		rss, _ = strconv.ParseInt(strings.TrimSpace(stderr.String()[i+len("maxrss="):]), 10, 64)
	}
	return d, rss, b, nil
}

func duckRows(b []byte) ([]map[string]any, error) {
	var rows []map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		rows = append(rows, m)
	}
	return rows, nil
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case string:
		var f float64
		fmt.Sscan(x, &f)
		return f
	case nil:
		return math.NaN()
	}
	return math.NaN()
}

func approx(a, b float64) bool {
	return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b))
}

func checkRanking(e, d []byte) error {
	var r struct {
		Models []struct {
			Model          string
			Slice          struct{ Value string }
			PassRate       float64
			MeanDurationMs float64
			OutcomeCount   float64
			ErrorCount     float64
			TotalTokens    float64
			PassAtK        map[string]float64
		}
	}
	if err := json.Unmarshal(e, &r); err != nil {
		return err
	}
	rows, err := duckRows(d)
	if err != nil {
		return err
	}
	if len(rows) != len(r.Models) {
		return fmt.Errorf("%d models vs %d", len(r.Models), len(rows))
	}
	for i, m := range r.Models {
		x := rows[i]
		if x["model"] != m.Model || x["slice"] != m.Slice.Value || !approx(m.PassRate, num(x["pass_rate"])) || !approx(m.MeanDurationMs, num(x["mean_duration"])) ||
			m.OutcomeCount != num(x["n"]) || m.ErrorCount != num(x["errors"]) || m.TotalTokens != num(x["total_tokens"]) ||
			(m.PassAtK != nil && !approx(m.PassAtK["3"], num(x["pass_at_3"]))) {
			return fmt.Errorf("row %d: evals %+v, duckdb %v", i, m, x)
		}
	}
	return nil
}

func checkGraders(e, d []byte) error {
	var g struct {
		Graders []struct {
			Name                 string
			Slice                struct{ Value string }
			PassCount, FailCount float64
		}
	}
	if err := json.Unmarshal(e, &g); err != nil {
		return err
	}
	rows, err := duckRows(d)
	if err != nil {
		return err
	}
	if len(rows) != len(g.Graders) {
		return fmt.Errorf("%d graders vs %d", len(g.Graders), len(rows))
	}
	for i, x := range g.Graders {
		if rows[i]["grader"] != x.Name || rows[i]["slice"] != x.Slice.Value || x.PassCount != num(rows[i]["pass"]) || x.FailCount != num(rows[i]["fail"]) {
			return fmt.Errorf("row %d: evals %+v, duckdb %v", i, x, rows[i])
		}
	}
	return nil
}

func checkTools(e, d []byte) error {
	var t struct {
		Tools []struct {
			Name                                  string
			Slice                                 *struct{ Value string }
			CallCount, SuccessCount, OutcomeCount float64
			OutcomePassRate                       float64
		}
	}
	if err := json.Unmarshal(e, &t); err != nil {
		return err
	}
	rows, err := duckRows(d)
	if err != nil {
		return err
	}
	if len(rows) != len(t.Tools) {
		return fmt.Errorf("%d tools vs %d", len(t.Tools), len(rows))
	}
	for i, x := range t.Tools {
		r := rows[i]
		slice := ""
		if x.Slice != nil {
			slice = x.Slice.Value
		}
		if r["tool"] != x.Name || r["slice"] != slice || x.CallCount != num(r["calls"]) || x.SuccessCount != num(r["ok"]) || x.OutcomeCount != num(r["outcomes"]) || !approx(x.OutcomePassRate, num(r["outcome_pass"])) {
			return fmt.Errorf("row %d: evals %+v, duckdb %v", i, x, r)
		}
	}
	return nil
}
