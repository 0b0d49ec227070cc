package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evals-dev/evals/store"
)

type lmResults struct {
	Results        map[string]map[string]any  `json:"results"`
	HigherIsBetter map[string]map[string]bool `json:"higher_is_better"`
	GroupSubtasks  map[string][]string        `json:"group_subtasks"`
	Config         json.RawMessage            `json:"config"`
	Versions       json.RawMessage            `json:"versions"`
	NShot          json.RawMessage            `json:"n-shot"`
	NSamples       map[string]struct {
		Effective int64 `json:"effective"`
	} `json:"n-samples"`
	ModelName    string          `json:"model_name"`
	Date         json.RawMessage `json:"date"`
	GitHash      string          `json:"git_hash"`
	TotalSeconds flexNum         `json:"total_evaluation_time_seconds"`
}

// readLMEval maps an lm-evaluation-harness results file and the samples files beside it
// (samples_<task>_<timestamp>.jsonl): one run per results file, each document a stimulus,
// each task metric a grader, the task and its groups as tags. It returns the companion files for the digest.
func readLMEval(path string) ([]built, []string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var r lmResults
	if err := json.Unmarshal(trimBOM(b), &r); err != nil {
		return nil, nil, fmt.Errorf("not an lm-eval results file: %s", jsonProblem(err))
	}
	if len(r.Results) == 0 {
		return nil, nil, fmt.Errorf("no \"results\" in an lm-eval results file")
	}
	model := r.ModelName
	if model == "" {
		var c struct {
			Model     string `json:"model"`
			ModelArgs string `json:"model_args"`
		}
		_ = json.Unmarshal(r.Config, &c)
		model = c.Model
		if i := strings.Index(c.ModelArgs, "pretrained="); i >= 0 {
			model = strings.SplitN(c.ModelArgs[i+len("pretrained="):], ",", 2)[0]
		}
	}
	if model == "" {
		model = filepath.Base(filepath.Dir(path))
	}
	stamp := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "results_"), ".json")
	tasks := make([]string, 0, len(r.Results))
	for t := range r.Results {
		tasks = append(tasks, t)
	}
	slices.Sort(tasks)
	cfg, _ := json.Marshal(map[string]json.RawMessage{"config": r.Config, "versions": r.Versions, "n-shot": r.NShot})
	meta := store.Run{Name: model + " · " + strings.Join(tasks, ","), Config: cfg, CreatedAt: parseTime(r.Date),
		Labels: map[string]string{"results": filepath.Base(path)}, Status: store.RunCompleted}
	if r.GitHash != "" {
		meta.Labels["git_sha"] = r.GitHash
		meta.Labels["sha"] = r.GitHash
	}
	var outs []*store.Outcome
	var companions []string
	for _, task := range tasks {
		sp := filepath.Join(filepath.Dir(path), "samples_"+task+"_"+stamp+".jsonl")
		if _, err := os.Stat(sp); err != nil {
			continue // results without samples: nothing per document to import
		}
		companions = append(companions, sp)
		o, err := readLMSamples(sp, lmTags(task, r.GroupSubtasks), model, r.HigherIsBetter[task])
		if err != nil {
			return nil, nil, err
		}
		outs = append(outs, o...)
	}
	// The file's own numbers are kept as run metrics; a file whose samples files are
	// missing (or short) imports what it holds, flagged partial.
	for task, ms := range r.Results {
		for k, v := range ms {
			if f, ok := v.(float64); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
				if meta.Metrics == nil {
					meta.Metrics = map[string]float64{}
				}
				meta.Metrics[task+"/"+k] = f
			}
		}
	}
	var declared int64
	for _, task := range tasks {
		declared += r.NSamples[task].Effective
	}
	if declared > int64(len(outs)) {
		meta.Partial = &store.Partial{DeclaredSamples: declared, ImportedSamples: int64(len(outs))}
	}
	if len(outs) == 0 && len(meta.Metrics) == 0 {
		return nil, nil, fmt.Errorf("no samples_<task>_%s.jsonl beside the results file and no numbers in it: run lm-eval with --log_samples", stamp)
	}
	return []built{{meta: meta, outcomes: outs}}, companions, nil
}

// lmTags are a task's tags: task, and from group_subtasks the group at the top of its tree
// (mmlu) and, when it differs, the subgroup it sits in (mmlu_stem).
func lmTags(task string, subtasks map[string][]string) map[string]string {
	parent := map[string]string{}
	for g, ts := range subtasks {
		for _, t := range ts {
			if t != g {
				parent[t] = g
			}
		}
	}
	tags := map[string]string{"task": task}
	up, ok := parent[task]
	if !ok {
		return tags
	}
	root := up
	for range len(parent) { // bounded: a cycle in a hand-made file ends here
		p, ok := parent[root]
		if !ok {
			break
		}
		root = p
	}
	tags["group"] = root
	if up != root {
		tags["subgroup"] = up
	}
	return tags
}

func readLMSamples(path string, tags map[string]string, model string, higher map[string]bool) ([]*store.Outcome, error) {
	task := tags["task"]
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(skipBOM(f))
	sc.Buffer(make([]byte, 0, 1<<20), maxLine)
	var outs []*store.Outcome
	line := 0
	for sc.Scan() {
		line++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var s map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("%s:%d: %s", path, line, jsonProblem(err))
		}
		var docID any
		_ = json.Unmarshal(s["doc_id"], &docID)
		var metrics []string
		_ = json.Unmarshal(s["metrics"], &metrics)
		// lm-eval records neither durations nor tokens: unknown, not zero.
		o := &store.Outcome{Stimulus: fmt.Sprintf("%s/%v", task, docID), Model: model, Status: store.StatusSuccess, Turns: 1,
			Expected: text(s["target"]), Tags: tags, DurationMs: store.Unknown, InputTokens: store.Unknown, OutputTokens: store.Unknown,
			ReasoningTokens: store.Unknown, CachedTokens: store.Unknown, TotalTokens: store.Unknown}
		var args map[string]struct {
			Arg0 json.RawMessage `json:"arg_0"`
		}
		if json.Unmarshal(s["arguments"], &args) == nil && len(args) > 0 {
			keys := make([]string, 0, len(args))
			for k := range args {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			o.Input = text(args[keys[0]].Arg0)
		} else {
			o.Input = text(s["doc"])
		}
		var filtered []any
		if json.Unmarshal(s["filtered_resps"], &filtered) == nil && len(filtered) == 1 {
			o.Output = anyText(filtered[0])
		} else {
			o.Output = text(s["filtered_resps"])
		}
		for i, m := range metrics {
			var v flexNum
			if err := json.Unmarshal(s[m], &v); err != nil || !v.ok {
				continue
			}
			hib, known := higher[m]
			if !known {
				hib = true
			}
			g := store.GraderResult{Name: m, Type: "metric", Weight: 1, Score: clamp01(v.v),
				Evidence: fmt.Sprintf("%s = %g (%s)", m, v.v, map[bool]string{true: "higher is better", false: "lower is better"}[hib])}
			if v.v == 0 || v.v == 1 { // a 0/1 metric (acc, exact_match) is a verdict
				pass := v.v == 1 == hib
				g.Passed = &pass
			}
			o.Graders = append(o.Graders, g)
			if i == 0 {
				o.Passed, o.Score = g.Passed, g.Score
			}
		}
		outs = append(outs, o)
	}
	return outs, sc.Err()
}
