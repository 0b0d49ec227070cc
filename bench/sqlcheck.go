package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/big"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// sqlcheck holds every translation of evals sql to the answer of evals QUESTION --json:
// each case's DuckDB text runs in DuckDB over the store, and its rows must equal the rows
// the JSON gives, in the same order: counts exactly, fractions to the answers' six decimals
// (see same).
//
//	bench sqlcheck -evals ./evals -store DIR
func sqlcheck(args []string) error {
	fs := flag.NewFlagSet("sqlcheck", flag.ExitOnError)
	bin := fs.String("evals", "evals", "the evals binary")
	dir := fs.String("store", ".evals", "the store")
	_ = fs.Parse(args)
	failed := 0
	for _, c := range sqlCases() {
		n, err := checkCase(*bin, *dir, c)
		if err != nil {
			failed++
			fmt.Printf("FAIL %-60s %v\n", c.name(), err)
			continue
		}
		fmt.Printf("ok   %-60s %d rows\n", c.name(), n)
	}
	if failed > 0 {
		return fmt.Errorf("%d cases differ", failed)
	}
	return nil
}

// sqlCase is one question with its flags; rows turns its --json into SQL rows.
type sqlCase struct {
	question string
	args     []string
	rows     func(doc map[string]any) []map[string]any
}

func (c sqlCase) name() string {
	return strings.TrimSpace(c.question + " " + strings.Join(c.args, " "))
}

func sqlCases() []sqlCase {
	scopes := [][]string{{}, {"--by", "category"}, {"--where", "difficulty=hard"}, {"--run", "all"}, {"--run", "all", "--by", "difficulty", "--where", "category=sql,bugfix"}}
	var out []sqlCase
	for _, q := range []struct {
		name string
		rows func(map[string]any) []map[string]any
	}{{"ranking", rankingRows}, {"graders", graderRows}, {"tools", toolRows}, {"matrix", matrixRows}} {
		for _, s := range scopes {
			out = append(out, sqlCase{q.name, s, q.rows})
		}
	}
	out = append(out, extraCases()...)
	return out
}

func checkCase(bin, dir string, c sqlCase) (int, error) {
	text, err := run(bin, append([]string{"sql", c.question, "--store", dir, "--dialect", "duckdb"}, c.args...)...)
	if err != nil {
		return 0, err
	}
	answer, err := run(bin, append(append([]string{c.question}, c.args...), "--store", dir, "--json")...)
	if err != nil {
		return 0, err
	}
	var doc map[string]any
	if err := json.Unmarshal(answer, &doc); err != nil {
		return 0, err
	}
	want := c.rows(doc)
	got, err := sqlDuckRows(string(text))
	if err != nil {
		return 0, fmt.Errorf("duckdb: %v", err)
	}
	if len(got) != len(want) {
		return 0, fmt.Errorf("%d rows from SQL, %d in the answer", len(got), len(want))
	}
	for i := range want {
		for col, w := range want[i] {
			g, ok := got[i][col]
			if !ok {
				return 0, fmt.Errorf("row %d: no column %s in the SQL", i, col)
			}
			if !same(g, w) {
				return 0, fmt.Errorf("row %d (%v): %s = %v in SQL, %v in the answer", i, label(want[i]), col, g, w)
			}
		}
	}
	return len(want), nil
}

func label(r map[string]any) string {
	var parts []string
	for _, k := range []string{"model", "grader", "tool", "stimulus", "slice_value", "run_id", "id"} {
		if v, ok := r[k]; ok && v != nil {
			parts = append(parts, fmt.Sprint(v))
		}
	}
	return strings.Join(parts, " ")
}

func run(bin string, args ...string) ([]byte, error) {
	var out, errb bytes.Buffer
	c := exec.Command(bin, args...)
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("evals %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.Bytes(), nil
}

func sqlDuckRows(text string) ([]map[string]any, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), text)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := map[string]any{}
		for i, c := range cols {
			m[c] = vals[i]
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// same compares an SQL value with a JSON one: whole numbers (counts) exactly; fractions
// as the answers give them, rounded to six decimals, where a value that lands on a rounding
// tie may round either way in the last digit (DuckDB sums in its own order: 0.9144375 −
// 1e-17 or + 1e-17), so within one unit of the sixth decimal; strings and booleans exactly;
// NULL with null.
func same(g, w any) bool {
	if g == nil || w == nil {
		return g == nil && w == nil
	}
	gf, gok := sqlNum(g)
	wf, wok := sqlNum(w)
	if gok && wok {
		if gf == math.Trunc(gf) && wf == math.Trunc(wf) {
			return gf == wf
		}
		return math.Abs(gf-wf) <= 1e-6+1e-12
	}
	return fmt.Sprint(g) == fmt.Sprint(w)
}

func sqlNum(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case int:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case *big.Int: // DuckDB's SUM of BIGINT is a HUGEINT
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	return 0, false
}

func get(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

func items(doc map[string]any, key string) []map[string]any {
	var out []map[string]any
	arr, _ := doc[key].([]any)
	for _, a := range arr {
		if m, ok := a.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func rankingRows(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, m := range items(doc, "models") {
		r := map[string]any{"rank": m["rank"], "model": m["model"], "slice_value": get(m, "slice", "value"),
			"pass_rate": m["passRate"], "pass_rate_se": get(m, "passRateInterval", "stderr"),
			"pass_rate_low": get(m, "passRateInterval", "low"), "pass_rate_high": get(m, "passRateInterval", "high"),
			"mean_duration_ms": m["meanDurationMs"], "mean_turns": m["meanTurns"], "mean_tool_calls": m["meanToolCalls"],
			"mean_score": m["meanScore"], "total_tokens": m["totalTokens"], "cost_usd": m["costUsd"],
			"outcomes": m["outcomeCount"], "passed": m["passedCount"], "failed": m["failedCount"], "errors": m["errorCount"],
			"skipped": m["skippedCount"], "pending": m["pendingCount"], "reviewed": m["reviewedCount"]}
		for _, k := range []string{"passAtK", "passHatK"} {
			col := map[string]string{"passAtK": "pass_at_", "passHatK": "pass_hat_"}[k]
			ks, _ := m[k].(map[string]any)
			for key, v := range ks {
				r[col+key] = v
			}
		}
		out = append(out, r)
	}
	return out
}

func graderRows(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, g := range items(doc, "graders") {
		out = append(out, map[string]any{"grader": g["name"], "slice_value": get(g, "slice", "value"), "type": g["type"],
			"pass_rate": g["passRate"], "pass_rate_se": get(g, "passRateInterval", "stderr"),
			"pass_rate_low": get(g, "passRateInterval", "low"), "pass_rate_high": get(g, "passRateInterval", "high"),
			"pass": g["passCount"], "fail": g["failCount"], "ungraded": g["ungradedCount"], "results": g["resultCount"],
			"mean_score": g["meanScore"]})
	}
	return out
}

func toolRows(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, t := range items(doc, "tools") {
		out = append(out, map[string]any{"tool": t["name"], "slice_value": get(t, "slice", "value"), "calls": t["callCount"],
			"success_rate": t["successRate"], "failures": t["failureCount"], "outcomes": t["outcomeCount"],
			"outcome_pass_rate": t["outcomePassRate"], "mean_duration_ms": t["meanDurationMs"]})
	}
	return out
}

func matrixRows(doc map[string]any) []map[string]any {
	rows, _ := doc["rows"].([]any)
	cols, _ := doc["columns"].([]any)
	cells, _ := doc["cells"].([]any)
	rowCol := "stimulus"
	if by, _ := doc["rowsBy"].(string); by != "" {
		rowCol = by
	}
	type keyed struct {
		row, col string
		m        map[string]any
	}
	var all []keyed
	for i, r := range rows {
		line, _ := cells[i].([]any)
		for j, c := range cols {
			cell, ok := line[j].(map[string]any)
			if !ok {
				continue
			}
			var flags []string
			for _, f := range asSlice(cell["flags"]) {
				flags = append(flags, fmt.Sprint(f))
			}
			all = append(all, keyed{fmt.Sprint(r), fmt.Sprint(c), map[string]any{rowCol: r, "model": c, "pass_rate": cell["value"],
				"outcomes": cell["outcomeCount"], "status": cell["status"], "flags": strings.Join(flags, ";"),
				"pass_rate_low": get(cell, "passRateInterval", "low"), "pass_rate_high": get(cell, "passRateInterval", "high")}})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if a, b := strings.ToLower(all[i].row), strings.ToLower(all[j].row); a != b {
			return a < b
		}
		if all[i].row != all[j].row {
			return all[i].row < all[j].row
		}
		if a, b := strings.ToLower(all[i].col), strings.ToLower(all[j].col); a != b {
			return a < b
		}
		return all[i].col < all[j].col
	})
	out := make([]map[string]any, len(all))
	for i, k := range all {
		out[i] = k.m
	}
	return out
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

var _ = os.Stdout
