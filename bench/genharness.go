package main

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/evals-dev/evals/bench/internal/gen"
)

// genInspect writes an Inspect log of about mb megabytes: a .json log, or a .eval zip when
// the output name ends in .eval.
func genInspect(args []string) error {
	fs := flag.NewFlagSet("gen-inspect", flag.ExitOnError)
	out := fs.String("o", "", "output file (.json or .eval)")
	mb := fs.Int("mb", 100, "approximate size in MB")
	fs.Parse(args)
	r := rand.New(rand.NewPCG(7, 7))
	header := map[string]any{"version": 2, "status": "success",
		"eval":  map[string]any{"task": "bench", "model": "openai/gpt-bench", "created": "2026-01-01T00:00:00Z", "run_id": "benchrun"},
		"stats": map[string]any{"started_at": "2026-01-01T00:00:00Z", "completed_at": "2026-01-01T01:00:00Z"}}
	sample := func(i int) map[string]any {
		msgs := []map[string]any{{"role": "user", "content": gen.Text(r, 600)}}
		for k := range 3 {
			id := fmt.Sprintf("call_%d_%d", i, k)
			msgs = append(msgs, map[string]any{"role": "assistant", "content": gen.Text(r, 200),
				"tool_calls": []map[string]any{{"id": id, "function": "bash", "arguments": map[string]string{"cmd": gen.Text(r, 40)}}}})
			msgs = append(msgs, map[string]any{"role": "tool", "tool_call_id": id, "function": "bash", "content": gen.Text(r, 500)})
		}
		v := []string{"C", "I", "P"}[r.IntN(3)]
		return map[string]any{"id": i/2 + 1, "epoch": i%2 + 1, "input": gen.Text(r, 600), "target": "yes", "messages": msgs,
			"output": map[string]any{"completion": gen.Text(r, 300)}, "total_time": r.Float64() * 30,
			"scores":      map[string]any{"match": map[string]any{"value": v, "answer": "yes", "explanation": gen.Text(r, 200)}},
			"model_usage": map[string]any{"openai/gpt-bench": map[string]int{"input_tokens": r.IntN(5000), "output_tokens": r.IntN(900), "total_tokens": 6000}}}
	}
	n := *mb * 1024 * 1024 / 4300
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	if strings.HasSuffix(*out, ".eval") {
		zw := zip.NewWriter(f)
		write := func(name string, v any) error {
			w, err := zw.Create(name)
			if err != nil {
				return err
			}
			return json.NewEncoder(w).Encode(v)
		}
		if err := write("header.json", header); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := write(fmt.Sprintf("samples/%d_epoch_%d.json", i/2+1, i%2+1), sample(i)); err != nil {
				return err
			}
		}
		return zw.Close()
	}
	w := bufio.NewWriterSize(f, 1<<20)
	b, _ := json.Marshal(header)
	w.Write(b[:len(b)-1])
	io.WriteString(w, `,"samples":[`)
	enc := json.NewEncoder(w)
	for i := 0; i < n; i++ {
		if i > 0 {
			w.WriteByte(',')
		}
		if err := enc.Encode(sample(i)); err != nil {
			return err
		}
	}
	io.WriteString(w, "]}\n")
	return w.Flush()
}

// genPromptfoo writes a promptfoo v3 output (`promptfoo eval -o out.json`) of about mb
// megabytes: one prompt on two providers, each test a stimulus, two assertions a result.
// promptfoo itself accepts it (`promptfoo import`, bench/promptfoo-check.sh): results'
// version 3 with the prompts list (one per prompt × provider, with their metrics) and stats.
func genPromptfoo(args []string) error {
	fs := flag.NewFlagSet("gen-promptfoo", flag.ExitOnError)
	out := fs.String("o", "", "output file")
	mb := fs.Int("mb", 100, "approximate size in MB")
	fs.Parse(args)
	r := rand.New(rand.NewPCG(9, 9))
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	providers := []string{"openai:a", "openai:b"}
	n := *mb * 1024 * 1024 / 2400
	// Outcomes first (their own generator), so the prompts' metrics can come before the
	// results, where promptfoo writes them.
	dr := rand.New(rand.NewPCG(7, 7))
	oks, lats := make([]bool, n), make([]int, n)
	var pass, fail, latency [2]int
	for i := range n {
		p := i % 2
		oks[i], lats[i] = dr.IntN(3) > 0, dr.IntN(9000)
		latency[p] += lats[i]
		if oks[i] {
			pass[p]++
		} else {
			fail[p]++
		}
	}
	io.WriteString(w, `{"evalId":"eval-bench-2026-01-01T00:00:00","config":{"description":"bench","prompts":["{{q}}"],"providers":["openai:a","openai:b"]},"shareableUrl":null,"results":{"version":3,"timestamp":"2026-01-01T00:00:00.000Z","prompts":[`)
	enc := json.NewEncoder(w)
	for p, id := range providers {
		if p > 0 {
			w.WriteByte(',')
		}
		m := map[string]any{"score": pass[p], "testPassCount": pass[p], "testFailCount": fail[p], "testErrorCount": 0,
			"assertPassCount": 2*pass[p] + fail[p], "assertFailCount": fail[p], "totalLatencyMs": latency[p], "cost": 0.001 * float64(pass[p]+fail[p]),
			"tokenUsage":  map[string]int{"total": 900 * (pass[p] + fail[p]), "prompt": 500 * (pass[p] + fail[p]), "completion": 400 * (pass[p] + fail[p])},
			"namedScores": map[string]float64{}, "namedScoresCount": map[string]int{}}
		enc.Encode(map[string]any{"raw": "{{q}}", "label": "{{q}}", "id": "p1", "provider": id, "metrics": m})
	}
	io.WriteString(w, `],"results":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			w.WriteByte(',')
		}
		p, ok := i%2, oks[i]
		score := map[bool]float64{true: 1, false: 0}[ok]
		q := gen.Text(r, 100)
		res := map[string]any{"id": fmt.Sprintf("r%07d", i), "cost": 0.001, "latencyMs": lats[i], "promptIdx": p, "testIdx": i / 2,
			"promptId": "p1", "success": ok, "score": score, "namedScores": map[string]float64{},
			"provider": map[string]string{"id": providers[p], "label": ""}, "prompt": map[string]string{"raw": gen.Text(r, 500), "label": "{{q}}"},
			"vars":     map[string]string{"q": q},
			"response": map[string]any{"output": gen.Text(r, 800), "tokenUsage": map[string]int{"total": 900, "prompt": 500, "completion": 400}},
			"gradingResult": map[string]any{"pass": ok, "score": score, "reason": "ok", "namedScores": map[string]float64{}, "componentResults": []map[string]any{
				{"pass": ok, "score": score, "reason": gen.Text(r, 120), "assertion": map[string]any{"type": "llm-rubric", "value": gen.Text(r, 80)}},
				{"pass": true, "score": 1, "reason": "ok", "assertion": map[string]any{"type": "contains", "value": "x"}}}},
			"testCase":      map[string]any{"vars": map[string]string{"q": q}, "assert": []map[string]any{{"type": "llm-rubric"}, {"type": "contains", "value": "x"}}},
			"failureReason": map[bool]int{true: 0, false: 1}[ok]}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, `],"stats":{"successes":%d,"failures":%d,"errors":0,"tokenUsage":{"total":%d,"prompt":%d,"completion":%d}}}}`+"\n",
		pass[0]+pass[1], fail[0]+fail[1], 900*n, 500*n, 400*n)
	return w.Flush()
}
