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

// genPromptfoo writes a promptfoo v3 output of about mb megabytes.
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
	io.WriteString(w, `{"evalId":"eval-bench","config":{"description":"bench","providers":["openai:a","openai:b"]},"results":{"version":3,"timestamp":"2026-01-01T00:00:00Z","results":[`)
	enc := json.NewEncoder(w)
	n := *mb * 1024 * 1024 / 2200
	for i := 0; i < n; i++ {
		if i > 0 {
			w.WriteByte(',')
		}
		pass := r.IntN(3) > 0
		res := map[string]any{"cost": 0.001, "latencyMs": r.IntN(9000), "promptIdx": 0, "testIdx": i / 2, "success": pass, "score": map[bool]float64{true: 1, false: 0}[pass],
			"provider": map[string]string{"id": []string{"openai:a", "openai:b"}[i%2]}, "prompt": map[string]string{"raw": gen.Text(r, 500), "label": "p"},
			"response": map[string]any{"output": gen.Text(r, 800), "tokenUsage": map[string]int{"total": 900, "prompt": 500, "completion": 400}},
			"gradingResult": map[string]any{"pass": pass, "score": 1, "reason": "ok", "componentResults": []map[string]any{
				{"pass": pass, "score": 1, "reason": gen.Text(r, 120), "assertion": map[string]any{"type": "llm-rubric", "value": gen.Text(r, 80)}},
				{"pass": true, "score": 1, "reason": "ok", "assertion": map[string]any{"type": "contains", "value": "x"}}}},
			"testCase": map[string]any{"vars": map[string]string{"q": gen.Text(r, 100)}}, "failureReason": map[bool]int{true: 0, false: 1}[pass]}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	io.WriteString(w, `],"stats":{}}}`+"\n")
	return w.Flush()
}
