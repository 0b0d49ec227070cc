package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	fastjson "github.com/goccy/go-json"

	"github.com/evals-dev/evals/store"
)

// pfFile is a promptfoo output file (`promptfoo eval -o out.json`: evalId and a results
// object) or an Eval object as promptfoo keeps it (id, createdAt, results as a list, or the
// older form in oldResults, and prompts with their metrics).
type pfFile struct {
	EvalID      string          `json:"evalId"`
	ID          string          `json:"id"`
	Description string          `json:"description"`
	Results     json.RawMessage `json:"results"`
	OldResults  json.RawMessage `json:"oldResults"`
	Config      json.RawMessage `json:"config"`
	CreatedAt   json.RawMessage `json:"createdAt"`
	Prompts     []pfPrompt      `json:"prompts"`
}

type pfResults struct {
	Version   int             `json:"version"`
	Timestamp json.RawMessage `json:"timestamp"`
	Results   []pfResult      `json:"results"`
	Prompts   []pfPrompt      `json:"prompts"`
	Stats     *struct {
		Successes, Failures, Errors int64
	} `json:"stats"`
}

type pfPrompt struct {
	Provider string `json:"provider"`
	Metrics  *struct {
		TestPassCount  int64   `json:"testPassCount"`
		TestFailCount  int64   `json:"testFailCount"`
		TestErrorCount int64   `json:"testErrorCount"`
		Score          flexNum `json:"score"`
		Cost           flexNum `json:"cost"`
	} `json:"metrics"`
}

// pfComponent is one assertion's result; assert-sets nest them.
type pfComponent struct {
	Pass      bool    `json:"pass"`
	Score     flexNum `json:"score"`
	Reason    string  `json:"reason"`
	Assertion *struct {
		Type   string `json:"type"`
		Value  any    `json:"value"`
		Metric string `json:"metric"`
	} `json:"assertion"`
	ComponentResults []pfComponent `json:"componentResults"`
}

type pfResult struct {
	Cost          flexNum         `json:"cost"`
	Error         *string         `json:"error"`
	FailureReason int             `json:"failureReason"`
	LatencyMs     flexNum         `json:"latencyMs"`
	Prompt        json.RawMessage `json:"prompt"`
	PromptIdx     int             `json:"promptIdx"`
	Provider      json.RawMessage `json:"provider"`
	Response      *struct {
		Output     textValue `json:"output"`
		Error      string    `json:"error"`
		TokenUsage *struct {
			Total             int64 `json:"total"`
			Prompt            int64 `json:"prompt"`
			Completion        int64 `json:"completion"`
			Cached            int64 `json:"cached"`
			CompletionDetails struct {
				Reasoning int64 `json:"reasoning"`
			} `json:"completionDetails"`
		} `json:"tokenUsage"`
	} `json:"response"`
	Score         flexNum `json:"score"`
	Success       bool    `json:"success"`
	GradingResult *struct {
		Pass             bool          `json:"pass"`
		Score            flexNum       `json:"score"`
		Reason           string        `json:"reason"`
		ComponentResults []pfComponent `json:"componentResults"`
	} `json:"gradingResult"`
	TestCase struct {
		Description string         `json:"description"`
		Vars        map[string]any `json:"vars"`
	} `json:"testCase"`
	TestIdx int            `json:"testIdx"`
	Vars    map[string]any `json:"vars"`
}

// decodeResult decodes one result. goccy/go-json decodes it 2–3× faster than
// encoding/json (the import's largest cost); a result it refuses is decoded again by
// encoding/json, whose error reads in JSON's words.
func decodeResult[T any](i int, raw json.RawMessage, res *T) error {
	// A result of a megabyte or more (a long output) goes to encoding/json, which decodes
	// from raw where goccy first copies it: one copy fewer of a 15 MB output.
	if len(raw) >= 1<<20 {
		if err := json.Unmarshal(raw, res); err != nil {
			return fmt.Errorf("results[%d]: %s", i, jsonProblem(err))
		}
		return nil
	}
	if fastjson.Unmarshal(raw, res) != nil {
		var zero T
		*res = zero
		if err := json.Unmarshal(raw, res); err != nil {
			return fmt.Errorf("results[%d]: %s", i, jsonProblem(err))
		}
	}
	return nil
}

// walkPromptfooRaw reads a promptfoo file key by key: the header into f and rs (results'
// version, timestamp, prompts, stats), and each result, undecoded and one at a time, to
// each (raw is valid until it returns; a result over max bytes is refused, as a JSONL line
// over --max-line is). results may be the list itself (an Eval object, very old files) or
// an object holding it; an Eval object of the older form holds it in oldResults.
func walkPromptfooRaw(r io.Reader, max int, f *pfFile, rs *pfResults, each func(i int, raw json.RawMessage) error) error {
	w := newJSONWalker(r, max)
	defer w.release()
	results := func() error {
		c, err := w.next()
		if err != nil {
			return err
		}
		switch c {
		case 'n':
			return w.skip()
		case '[':
			return w.array(each)
		case '{':
			return w.object(func(key string) error {
				switch key {
				case "results":
					return w.array(each)
				case "version":
					return w.decode(&rs.Version)
				case "timestamp":
					return w.decode(&rs.Timestamp)
				case "prompts":
					return w.decode(&rs.Prompts)
				case "stats":
					return w.decode(&rs.Stats)
				}
				return w.skip()
			})
		}
		return fmt.Errorf("want an object or an array, found %s", byteKind(c))
	}
	return w.object(func(key string) error {
		switch key {
		case "results", "oldResults":
			if err := results(); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			return nil
		case "evalId":
			return w.decode(&f.EvalID)
		case "id":
			return w.decode(&f.ID)
		case "description":
			return w.decode(&f.Description)
		case "config":
			return w.decode(&f.Config)
		case "createdAt":
			return w.decode(&f.CreatedAt)
		case "prompts":
			return w.decode(&f.Prompts)
		}
		return w.skip()
	})
}

// readPromptfoo maps a `promptfoo eval -o out.json` file (version 3, and version 2), or an
// Eval object: each provider a model, each test (× prompt, when there are several) a
// stimulus, each assertion a grader; repeats of the same cell become trials. The file is
// read twice, a result at a time, so memory does not grow with it: once for its header and
// prompts, once to write the outcomes.
func readPromptfoo(path string, max int) ([]built, error) {
	f, rs, prompts, n, err := pfSurvey(path, max)
	if err != nil {
		return nil, notA("promptfoo output file", err)
	}
	meta := pfMeta(&f, rs, path)
	declared := pfDeclared(&meta, rs)
	if declared > int64(n) {
		meta.Partial = &store.Partial{DeclaredSamples: declared, ImportedSamples: int64(n)}
	}
	if n == 0 && declared == 0 {
		return nil, fmt.Errorf("no results and no counts: nothing to import (an Eval object whose results were never loaded?)")
	}
	if !prompts.many() {
		prompts = nil
	}
	stream := func(emit func(*store.Outcome) error) (store.Run, error) {
		return meta, pfStream(path, max, prompts, emit)
	}
	return []built{{meta: meta, stream: stream}}, nil
}

// pfSurvey is the first reading of a promptfoo file: its header, its prompts and how many
// results it holds. It needs only each result's prompt and provider, and not even those
// when the prompts came first (promptfoo writes them before the results): promptIdx
// indexes that list.
func pfSurvey(path string, max int) (f pfFile, rs pfResults, prompts pfPromptSet, n int, err error) {
	first, err := os.Open(path)
	if err != nil {
		return f, rs, nil, 0, err
	}
	defer first.Close()
	prompts = pfPromptSet{}
	listed := false
	err = walkPromptfooRaw(first, max, &f, &rs, func(i int, raw json.RawMessage) error {
		n++
		if listed = len(rs.Prompts)+len(f.Prompts) > 0; listed {
			return nil
		}
		var r struct {
			PromptIdx int             `json:"promptIdx"`
			Provider  json.RawMessage `json:"provider"`
		}
		if err := decodeResult(i, raw, &r); err != nil {
			return err
		}
		prompts.add(pfProvider(r.Provider), r.PromptIdx)
		return nil
	})
	if len(rs.Prompts) == 0 {
		rs.Prompts = f.Prompts
	}
	if listed {
		for i, p := range rs.Prompts {
			prompts.add(p.Provider, i)
		}
	}
	return f, rs, prompts, n, err
}

// pfStream is the second reading: each result an outcome, decoded on every core, numbered
// (trials of a cell) and written in the file's order.
func pfStream(path string, max int, prompts pfPromptSet, emit func(*store.Outcome) error) error {
	second, err := os.Open(path)
	if err != nil {
		return err
	}
	defer second.Close()
	trials := map[string]int{}
	var f pfFile
	var rs pfResults
	produce := func(yield func([]byte) error) error {
		return walkPromptfooRaw(second, max, &f, &rs, func(_ int, raw json.RawMessage) error { return yield(raw) })
	}
	decode := func(i int, raw []byte) (*store.Outcome, error) {
		var r pfResult
		if err := decodeResult(i, raw, &r); err != nil {
			return nil, err
		}
		return pfOutcome(r, prompts), nil
	}
	return decodeOrdered(produce, decode, func(o *store.Outcome) error {
		key := o.Stimulus + "\x00" + o.Model
		o.Trial = trials[key]
		trials[key]++
		return emit(o)
	})
}

// pfMeta is a promptfoo file's run: its name (the config's description, the file's, its
// eval id or the file name), labels and time.
func pfMeta(f *pfFile, rs pfResults, path string) store.Run {
	var cfg struct {
		Description string `json:"description"`
	}
	_ = json.Unmarshal(f.Config, &cfg)
	meta := store.Run{Name: cmpOr(cfg.Description, f.Description), Config: f.Config, Labels: map[string]string{}, Status: store.RunCompleted}
	if f.EvalID == "" {
		f.EvalID = f.ID
	}
	if f.EvalID != "" {
		meta.Labels["evalId"] = f.EvalID
	}
	if meta.Name == "" {
		meta.Name = f.EvalID
	}
	if meta.Name == "" {
		meta.Name = strings.TrimSuffix(filepathBase(path), ".json")
	}
	meta.CreatedAt = parseTime(rs.Timestamp)
	if meta.CreatedAt.IsZero() {
		meta.CreatedAt = parseTime(f.CreatedAt)
	}
	return meta
}

// pfDeclared is how many results a promptfoo file says it has, also set in meta's metrics:
// the stats of the results, else the prompts' metrics. A file whose counts cover results
// it does not hold (an Eval object whose results were not loaded) imports what it holds,
// flagged partial; with neither, it is an error.
func pfDeclared(meta *store.Run, rs pfResults) int64 {
	var declared int64
	meta.Metrics = map[string]float64{}
	if st := rs.Stats; st != nil {
		declared = st.Successes + st.Failures + st.Errors
		meta.Metrics["successes"], meta.Metrics["failures"], meta.Metrics["errors"] = float64(st.Successes), float64(st.Failures), float64(st.Errors)
	} else {
		var pass, fail, errd int64
		for _, p := range rs.Prompts {
			if p.Metrics != nil {
				pass, fail, errd = pass+p.Metrics.TestPassCount, fail+p.Metrics.TestFailCount, errd+p.Metrics.TestErrorCount
			}
		}
		if pass+fail+errd > 0 {
			declared = pass + fail + errd
			meta.Metrics["successes"], meta.Metrics["failures"], meta.Metrics["errors"] = float64(pass), float64(fail), float64(errd)
		}
	}
	return declared
}

// pfGraders flattens an assertion tree into graders: a nested assertion's name carries its
// parents' ("assert-set/contains:echo"), so no component is lost.
func pfGraders(cs []pfComponent, prefix string, seen map[string]int, out []store.GraderResult) []store.GraderResult {
	for _, c := range cs {
		name, typ := "assertion", ""
		if c.Assertion != nil {
			typ = c.Assertion.Type
			name = cmpOr(typ, name)
			if c.Assertion.Metric != "" {
				name = c.Assertion.Metric
			} else if v, ok := c.Assertion.Value.(string); ok && len(v) <= 24 && v != "" {
				name = typ + ":" + v
			}
		}
		if prefix != "" {
			name = prefix + "/" + name
		}
		name = uniqueName(seen, name)
		out = append(out, store.GraderResult{Name: name, Type: typ, Passed: ptrBool(c.Pass),
			Score: clamp01Ptr(c.Score.ptr()), Weight: 1, Evidence: c.Reason})
		if len(c.ComponentResults) > 0 {
			out = pfGraders(c.ComponentResults, name, seen, out)
		}
	}
	return out
}

func filepathBase(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func pfProvider(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var p struct{ ID, Label string }
	_ = json.Unmarshal(raw, &p)
	if p.Label != "" {
		return p.Label
	}
	if p.ID != "" {
		return p.ID
	}
	return "unknown-provider"
}

// pfPromptSet tells a file's prompts apart: provider → the promptIdx values of its results.
// promptfoo numbers prompts × providers (promptIdx 0 is the first prompt on the first
// provider, 1 the same prompt on the second), so a file has several prompts only when one
// provider ran more than one of them; two providers on one prompt share its stimuli.
type pfPromptSet map[string][]int

func (s pfPromptSet) add(provider string, idx int) {
	if l := s[provider]; !slices.Contains(l, idx) {
		s[provider] = append(l, idx)
	}
}

// many reports whether some provider ran several prompts; it sorts each provider's list.
func (s pfPromptSet) many() bool {
	many := false
	for _, l := range s {
		slices.Sort(l)
		many = many || len(l) > 1
	}
	return many
}

// name is a prompt's part of a stimulus: its label, else its place among its provider's
// prompts (prompt-0 is each provider's first).
func (s pfPromptSet) name(provider string, idx int, label string) string {
	if label != "" {
		return label
	}
	return fmt.Sprintf("prompt-%d", max(slices.Index(s[provider], idx), 0))
}

// pfOutcome maps one result; prompts is nil when the file ran one prompt.
func pfOutcome(r pfResult, prompts pfPromptSet) *store.Outcome {
	stim := r.TestCase.Description
	if stim == "" {
		stim = fmt.Sprintf("test-%03d", r.TestIdx)
	}
	var prompt struct {
		Raw   string `json:"raw"`
		Label string `json:"label"`
	}
	if len(r.Prompt) == 0 || r.Prompt[0] != '{' || fastjson.Unmarshal(r.Prompt, &prompt) != nil {
		prompt.Raw, prompt.Label = text(r.Prompt), ""
	}
	model := pfProvider(r.Provider)
	if prompts != nil {
		stim += " · " + prompts.name(model, r.PromptIdx, prompt.Label)
	}
	o := &store.Outcome{Stimulus: stim, Model: model, Status: store.StatusSuccess,
		DurationMs: store.Unknown, Turns: 1, Input: prompt.Raw, CostUSD: r.Cost.ptr(), Score: clamp01Ptr(r.Score.ptr())}
	vars := r.Vars
	if vars == nil {
		vars = r.TestCase.Vars
	}
	if len(vars) > 0 {
		b, _ := json.Marshal(vars)
		o.Expected = "vars: " + string(b)
		raw := map[string]json.RawMessage{}
		for k, v := range vars {
			raw[k], _ = json.Marshal(v)
		}
		o.Tags = tagsOf(raw)
	}
	if r.LatencyMs.ok && r.LatencyMs.v >= 0 && r.LatencyMs.v < 1e15 {
		o.DurationMs = int64(r.LatencyMs.v)
	}
	o.InputTokens, o.OutputTokens, o.CachedTokens, o.ReasoningTokens, o.TotalTokens = store.Unknown, store.Unknown, store.Unknown, store.Unknown, store.Unknown
	if r.Response != nil {
		o.Output = string(r.Response.Output)
		if u := r.Response.TokenUsage; u != nil {
			o.InputTokens, o.OutputTokens, o.CachedTokens, o.ReasoningTokens = u.Prompt, u.Completion, u.Cached, u.CompletionDetails.Reasoning
			o.TotalTokens = u.Total
			if o.TotalTokens == 0 {
				if t, ok := store.AddTokens(max(u.Prompt, 0), max(u.Completion, 0)); ok {
					o.TotalTokens = t
				}
			}
		}
	}
	// promptfoo's failureReason: 1 an assertion failed, 2 the provider or test errored.
	if r.FailureReason == 2 || r.Response == nil && r.Error != nil {
		o.Status = store.StatusError
		if r.Error != nil {
			o.Error = *r.Error
		}
		o.Errors = 1
		return o
	}
	o.Passed = ptrBool(r.Success)
	if g := r.GradingResult; g != nil {
		o.Graders = pfGraders(g.ComponentResults, "", map[string]int{}, o.Graders)
		if len(g.ComponentResults) == 0 {
			o.Graders = append(o.Graders, store.GraderResult{Name: "grading", Passed: ptrBool(g.Pass), Score: clamp01Ptr(g.Score.ptr()), Weight: 1, Evidence: g.Reason})
		}
	}
	return o
}

func clamp01Ptr(v *float64) *float64 {
	if v == nil {
		return nil
	}
	return clamp01(*v)
}
