package main

import "fmt"

// extraCases are the questions with flags of their own (outcomes, compare, trend).
func extraCases() []sqlCase {
	var out []sqlCase
	for _, args := range [][]string{
		{"--limit", "200"},
		{"--run", "all", "--order", "desc", "--limit", "100"},
		{"--model", "gpt-5", "--status", "failed", "--sort", "duration_ms", "--order", "desc", "--limit", "100"},
		{"--run", "all", "--model", "qwen3-coder", "--status", "failed", "--sort", "duration_ms", "--order", "desc", "--limit", "100"},
		{"--status", "error,pending", "--sort", "cost_usd", "--limit", "1000"},
		{"--passed", "true", "--where", "category=sql", "--sort", "model", "--order", "desc", "--limit", "1000"},
		{"--grader", "tests-pass", "--status", "success", "--sort", "pass_rate", "--limit", "300"},
		{"--run", "all", "--sort", "started_at", "--order", "desc", "--limit", "500"},
		{"--stimulus", "bugfix/add-cache-eviction", "--sort", "error_rate", "--order", "desc"},
	} {
		out = append(out, sqlCase{"outcomes", args, outcomeRows})
	}
	out = append(out, trendCases()...)
	for _, args := range [][]string{{"latest", "latest~1"}, {"latest", "latest~1", "latest~2"}, {"latest", "latest~1", "--by", "category"},
		{"latest", "latest~2", "--where", "difficulty=hard", "--threshold", "0.7"}, {"latest", "latest~1", "--pair", "gpt-5=claude-sonnet-4.5"}} {
		out = append(out, sqlCase{"compare", args, compareRows})
	}
	return out
}

func outcomeRows(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, o := range items(doc, "items") {
		out = append(out, map[string]any{"id": o["id"], "run_id": o["runId"], "model": o["model"], "stimulus": o["stimulusName"],
			"status": o["displayStatus"], "passed": o["passed"], "duration_ms": o["durationMs"], "total_tokens": o["totalTokens"],
			"cost_usd": o["costUsd"], "trial": o["trialIndex"]})
	}
	return out
}

var _ = fmt.Sprint

func trendCases() []sqlCase {
	var out []sqlCase
	for _, args := range [][]string{{}, {"--last", "2"}, {"--model", "gpt-5,qwen3-coder"}} {
		out = append(out, sqlCase{"trend", args, trendRows})
	}
	return out
}

func trendRows(doc map[string]any) []map[string]any {
	names := map[string]any{}
	created := map[string]any{}
	for _, r := range items(doc, "runs") {
		names[fmt.Sprint(r["id"])] = r["name"]
		created[fmt.Sprint(r["id"])] = r["createdAt"]
	}
	var out []map[string]any
	for _, m := range items(doc, "models") {
		for _, p := range asSlice(m["points"]) {
			pt, _ := p.(map[string]any)
			if n, _ := sqlNum(pt["outcomeCount"]); n == 0 {
				continue
			}
			id := fmt.Sprint(pt["runId"])
			out = append(out, map[string]any{"model": m["model"], "run_id": id, "run_name": names[id], "created_at": created[id],
				"pass_rate": pt["passRate"], "pass_rate_se": get(pt, "passRateInterval", "stderr"),
				"pass_rate_low": get(pt, "passRateInterval", "low"), "pass_rate_high": get(pt, "passRateInterval", "high"),
				"outcomes": pt["outcomeCount"]})
		}
	}
	return out
}

func compareRows(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, p := range items(doc, "summary") {
		base := fmt.Sprint(p["base"])
		i := len(base) - 1
		for i > 0 && base[i] != ':' {
			i--
		}
		_ = i
		out = append(out, map[string]any{"model": p["model"], "slice_value": get(p, "slice", "value"),
			"pass_rate_base": p["matchedPassRateBase"], "pass_rate_new": p["matchedPassRateNew"],
			"delta": get(p, "delta", "estimate"), "delta_se": get(p, "delta", "stderr"), "matched": p["matchedStimuli"],
			"regressed": p["regressions"], "improved": p["improvements"], "unchanged": p["unchanged"], "flaky": p["flaky"],
			"errored": p["errored"], "added": p["added"], "removed": p["removed"], "unrated": p["unrated"]})
	}
	return out
}
