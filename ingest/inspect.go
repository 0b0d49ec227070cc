package ingest

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/evals-dev/evals/errs"
	"io"
	"math"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/evals-dev/evals/store"
	"github.com/klauspost/compress/zstd"
)

type inspHeader struct {
	Version int    `json:"version"`
	Status  string `json:"status"`
	Eval    struct {
		RunID   string          `json:"run_id"`
		EvalID  string          `json:"eval_id"`
		Created json.RawMessage `json:"created"`
		Task    string          `json:"task"`
		Model   string          `json:"model"`
		Config  json.RawMessage `json:"config"`
		Dataset struct {
			Name string `json:"name"`
		} `json:"dataset"`
		Revision struct {
			Type   string `json:"type"`
			Commit string `json:"commit"`
		} `json:"revision"`
	} `json:"eval"`
	Stats struct {
		StartedAt   json.RawMessage `json:"started_at"`
		CompletedAt json.RawMessage `json:"completed_at"`
	} `json:"stats"`
	Samples []inspSample `json:"samples"`
	Results *struct {
		TotalSamples     int64 `json:"total_samples"`
		CompletedSamples int64 `json:"completed_samples"`
		Scores           []struct {
			Name    string `json:"name"`
			Metrics map[string]struct {
				Value flexNum `json:"value"`
			} `json:"metrics"`
		} `json:"scores"`
	} `json:"results"`
}

type inspSample struct {
	ID       json.RawMessage `json:"id"`
	Epoch    int             `json:"epoch"`
	Input    json.RawMessage `json:"input"`
	Target   json.RawMessage `json:"target"`
	Messages []inspMessage   `json:"messages"`
	Output   struct {
		Model      string `json:"model"`
		Completion string `json:"completion"`
		Choices    []struct {
			Message inspMessage `json:"message"`
		} `json:"choices"`
	} `json:"output"`
	Scores map[string]struct {
		Value       json.RawMessage `json:"value"`
		Answer      json.RawMessage `json:"answer"`
		Explanation json.RawMessage `json:"explanation"`
	} `json:"scores"`
	ModelUsage map[string]struct {
		InputTokens     int64 `json:"input_tokens"`
		OutputTokens    int64 `json:"output_tokens"`
		TotalTokens     int64 `json:"total_tokens"`
		CacheRead       int64 `json:"input_tokens_cache_read"`
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"model_usage"`
	TotalTime flexNum `json:"total_time"`
	// Metadata is the sample's metadata: its tags.
	Metadata map[string]json.RawMessage `json:"metadata"`
	Error    *struct {
		Message string `json:"message"`
	} `json:"error"`
	Attachments map[string]string `json:"attachments"`
	Events      []struct {
		Event       string  `json:"event"`
		ID          string  `json:"id"`
		WorkingTime flexNum `json:"working_time"`
	} `json:"events"`
}

type inspMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCallID string          `json:"tool_call_id"`
	Function   string          `json:"function"`
	ToolCalls  []struct {
		ID        string          `json:"id"`
		Function  string          `json:"function"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"tool_calls"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// readInspect maps an Inspect AI log, JSON or .eval (zip, DEFLATE or zstd): each sample ×
// epoch an outcome, each scorer a grader. A .eval still being written (no header.json
// yet) imports what is there as a running run.
func readInspect(p string, maxTotal, maxEntry int64) ([]built, error) {
	if strings.HasSuffix(p, ".eval") {
		return readInspectZip(p, maxTotal, maxEntry)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	// The file is read when the run is written: samples are decoded one at a time.
	stream := func(emit func(*store.Outcome) error) (store.Run, error) {
		defer f.Close()
		n := int64(0)
		h, err := streamInspectJSON(skipBOM(f), func(o *store.Outcome) error { n++; return emit(o) })
		if err != nil {
			return store.Run{}, err
		}
		return inspSummary(inspMeta(h), h, n)
	}
	return []built{{stream: stream}}, nil
}

// streamInspectJSON reads a JSON log's top-level keys in order, decoding samples one by one.
func streamInspectJSON(r io.Reader, emit func(*store.Outcome) error) (inspHeader, error) {
	var h inspHeader
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return h, fmt.Errorf("not an Inspect log: it does not start with a JSON object")
	}
	var pending []inspSample // samples that came before eval named the model
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return h, fmt.Errorf("not an Inspect log: %s", jsonProblem(err))
		}
		switch key, _ := t.(string); key {
		case "samples":
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return h, fmt.Errorf("samples: want an array")
			}
			for i := 0; dec.More(); i++ {
				var s inspSample
				if err := dec.Decode(&s); err != nil {
					return h, fmt.Errorf("samples[%d]: %s", i, jsonProblem(err))
				}
				if h.Eval.Model == "" {
					pending = append(pending, s)
					continue
				}
				if err := emit(inspOutcome(s, h.Eval.Model)); err != nil {
					return h, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return h, fmt.Errorf("samples: %s", jsonProblem(err))
			}
		case "version":
			err = dec.Decode(&h.Version)
		case "status":
			err = dec.Decode(&h.Status)
		case "eval":
			err = dec.Decode(&h.Eval)
		case "stats":
			err = dec.Decode(&h.Stats)
		case "results":
			err = dec.Decode(&h.Results)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return h, fmt.Errorf("not an Inspect log: %s", jsonProblem(err))
		}
	}
	if h.Eval.Model == "" && h.Eval.Task == "" {
		return h, fmt.Errorf("not an Inspect log: no eval.task or eval.model")
	}
	for _, s := range pending {
		if err := emit(inspOutcome(s, h.Eval.Model)); err != nil {
			return h, err
		}
	}
	return h, nil
}

// inspSummary keeps the log's own results as run metrics and flags a run whose results
// cover samples the log does not hold. A log with neither samples nor results is an error.
func inspSummary(m store.Run, h inspHeader, imported int64) (store.Run, error) {
	if h.Results == nil {
		if imported == 0 {
			return m, fmt.Errorf("the log has neither samples nor results: nothing to import")
		}
		return m, nil
	}
	for _, sc := range h.Results.Scores {
		for name, v := range sc.Metrics {
			if v.Value.ok && !math.IsNaN(v.Value.v) && !math.IsInf(v.Value.v, 0) {
				if m.Metrics == nil {
					m.Metrics = map[string]float64{}
				}
				m.Metrics[sc.Name+"/"+name] = v.Value.v
			}
		}
	}
	declared := h.Results.CompletedSamples // what the results cover
	if declared == 0 {
		declared = h.Results.TotalSamples
	}
	if declared > imported {
		m.Partial = &store.Partial{DeclaredSamples: declared, ImportedSamples: imported}
	}
	return m, nil
}

func inspMeta(h inspHeader) store.Run {
	name := h.Eval.Task
	if name == "" {
		name = "inspect"
	}
	m := store.Run{Name: name + " · " + h.Eval.Model, Config: h.Eval.Config, CreatedAt: parseTime(h.Eval.Created),
		Labels: map[string]string{"task": h.Eval.Task}}
	if h.Eval.RunID != "" {
		m.Labels["inspect_run_id"] = h.Eval.RunID
	}
	if h.Eval.Revision.Type == "git" && h.Eval.Revision.Commit != "" {
		m.Labels["sha"] = h.Eval.Revision.Commit
	}
	if t := parseTime(h.Stats.StartedAt); !t.IsZero() {
		m.StartedAt = &t
	}
	if t := parseTime(h.Stats.CompletedAt); !t.IsZero() {
		m.CompletedAt = &t
	}
	switch h.Status {
	case "success":
		m.Status = store.RunCompleted
	case "error":
		m.Status = store.RunFailed
	case "cancelled":
		m.Status = store.RunCancelled
	default:
		m.Status = store.RunRunning
	}
	return m
}

func zstdDecompressor(r io.Reader) io.ReadCloser {
	d, err := zstd.NewReader(r)
	if err != nil {
		return io.NopCloser(errorReader{err})
	}
	return d.IOReadCloser()
}

type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }

func readInspectZip(p string, maxTotal, maxEntry int64) ([]built, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("not a readable .eval (zip) file: %v", err)
	}
	keep := false
	defer func() {
		if !keep {
			zr.Close()
		}
	}()
	zr.RegisterDecompressor(93, zstdDecompressor) // Inspect ≥ 0.3.206 writes zstd entries
	entries := map[string]*zip.File{}
	var samples []string
	var total uint64
	for _, f := range zr.File {
		entries[f.Name] = f
		total += f.UncompressedSize64
		if strings.HasPrefix(f.Name, "samples/") && strings.HasSuffix(f.Name, ".json") {
			samples = append(samples, f.Name)
		}
	}
	// Every entry may pass its own bounds and the whole still be out of proportion (2,000
	// entries of 1 MiB in a 2.5 MB file): the total is bounded too, before anything is read.
	if total > uint64(maxTotal) {
		return nil, errs.E(errs.Invalid, "the .eval inflates to %d MB, over the %d MB an import takes (raise it with --max-eval-bytes)", total>>20, maxTotal>>20)
	}
	var h inspHeader
	switch {
	case entries["header.json"] != nil:
		err = readZipJSON(entries["header.json"], &h, maxEntry)
	case entries["_journal/start.json"] != nil:
		err = readZipJSON(entries["_journal/start.json"], &h, maxEntry)
		h.Status = "started"
	default:
		return nil, fmt.Errorf("the .eval file has neither header.json nor _journal/start.json")
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(samples, func(i, j int) bool { return sampleKey(samples[i]) < sampleKey(samples[j]) })
	// Samples are decoded one at a time as the run is written; the zip stays open till then.
	stream := func(emit func(*store.Outcome) error) (store.Run, error) {
		defer zr.Close()
		for _, name := range samples {
			var s inspSample
			if err := readZipJSON(entries[name], &s, maxEntry); err != nil {
				return store.Run{}, err
			}
			if err := emit(inspOutcome(s, h.Eval.Model)); err != nil {
				return store.Run{}, err
			}
		}
		return inspSummary(inspMeta(h), h, int64(len(samples)))
	}
	keep = true
	return []built{{meta: inspMeta(h), stream: stream}}, nil
}

// sampleKey orders samples/12_epoch_2.json by id, then epoch.
func sampleKey(name string) string {
	base := strings.TrimSuffix(path.Base(name), ".json")
	id, epoch, _ := strings.Cut(base, "_epoch_")
	if n, err := strconv.Atoi(id); err == nil {
		id = fmt.Sprintf("%012d", n)
	}
	if n, err := strconv.Atoi(epoch); err == nil {
		epoch = fmt.Sprintf("%06d", n)
	}
	return id + "/" + epoch
}

// maxEntry (--max-line, DefaultMaxLine by default: one sample is what a JSONL line is)
// bounds the inflated size of one .eval entry (a sample with its messages and
// attachments), and maxZipRatio how much an entry may inflate: beyond either it is a zip
// bomb or no Inspect log, and is refused before it can fill memory.
const maxZipRatio = 1000

func readZipJSON(f *zip.File, v any, maxZipEntry int64) error {
	if f.UncompressedSize64 > uint64(maxZipEntry) {
		return fmt.Errorf("entry %s inflates to %d bytes, over the %s an entry may hold (raise it with --max-line)", f.Name, f.UncompressedSize64, sizeText(int(maxZipEntry)))
	}
	if f.UncompressedSize64 > 1<<20 && f.UncompressedSize64/max(f.CompressedSize64, 1) > maxZipRatio {
		return fmt.Errorf("entry %s inflates %d times (%d to %d bytes): refused as a zip bomb", f.Name,
			f.UncompressedSize64/max(f.CompressedSize64, 1), f.CompressedSize64, f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("entry %s: %v", f.Name, err)
	}
	defer rc.Close()
	// The sizes above are the archive's word; the reader holds the entry to them anyway.
	lr := &capReader{r: rc, left: maxZipEntry}
	if err := json.NewDecoder(lr).Decode(v); err != nil {
		if lr.over {
			return fmt.Errorf("entry %s inflates past %s (its header said %d bytes): refused as a zip bomb", f.Name, sizeText(int(maxZipEntry)), f.UncompressedSize64)
		}
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) {
			return fmt.Errorf("entry %s does not inflate to what its header says (%v)", f.Name, err)
		}
		return fmt.Errorf("entry %s: %s", f.Name, jsonProblem(err))
	}
	return nil
}

// capReader reads at most left bytes, then fails, remembering that it did.
type capReader struct {
	r    io.Reader
	left int64
	over bool
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		c.over = true
		return 0, fmt.Errorf("entry too large")
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func inspOutcome(s inspSample, model string) *store.Outcome {
	res := func(t string) string {
		if h, ok := strings.CutPrefix(t, "attachment://"); ok {
			if v, ok := s.Attachments[h]; ok {
				return v
			}
		}
		return t
	}
	id := strings.Trim(string(s.ID), `"`)
	o := &store.Outcome{Stimulus: id, Model: model, Trial: max(s.Epoch-1, 0), Status: store.StatusSuccess,
		DurationMs: store.Unknown, Input: res(inspContent(s.Input, res)), Expected: res(inspTarget(s.Target)),
		Output: res(s.Output.Completion), Tags: tagsOf(s.Metadata)}
	if s.TotalTime.ok && s.TotalTime.v >= 0 && s.TotalTime.v < 1e12 {
		o.DurationMs = int64(s.TotalTime.v * 1000)
	}
	if len(s.ModelUsage) == 0 { // no usage recorded: not zero tokens
		o.InputTokens, o.OutputTokens, o.TotalTokens, o.CachedTokens, o.ReasoningTokens = store.Unknown, store.Unknown, store.Unknown, store.Unknown, store.Unknown
	}
	if s.Output.Model != "" && model == "" {
		o.Model = s.Output.Model
	}
	if o.Output == "" && len(s.Output.Choices) > 0 {
		o.Output = res(inspContent(s.Output.Choices[0].Message.Content, res))
	}
	for _, u := range s.ModelUsage {
		o.InputTokens += u.InputTokens
		o.OutputTokens += u.OutputTokens
		o.TotalTokens += u.TotalTokens
		o.CachedTokens += u.CacheRead
		o.ReasoningTokens += u.ReasoningTokens
	}
	if s.Error != nil {
		o.Status, o.Error, o.Errors = store.StatusError, s.Error.Message, 1
	}
	names := make([]string, 0, len(s.Scores))
	for k := range s.Scores {
		names = append(names, k)
	}
	sort.Strings(names)
	for i, name := range names {
		sc := s.Scores[name]
		passed, score := inspValue(sc.Value)
		ev := res(text(sc.Explanation))
		if a := res(text(sc.Answer)); a != "" {
			ev = "answer: " + a + "\n" + ev
		}
		o.Graders = append(o.Graders, store.GraderResult{Name: name, Type: "scorer", Passed: passed, Score: score, Weight: 1, Evidence: strings.TrimSpace(ev)})
		if i == 0 && o.Status == store.StatusSuccess {
			o.Passed, o.Score = passed, score
		}
	}
	dur := map[string]int64{}
	for _, e := range s.Events {
		if e.Event == "tool" && e.WorkingTime.ok {
			dur[e.ID] = int64(e.WorkingTime.v * 1000)
		}
	}
	inspTrajectory(o, s.Messages, res, dur)
	return o
}

// inspValue maps a score value: C correct, I incorrect, P partial (0.5, not a pass), N no
// answer; booleans; numbers in 0..1 pass at 0.5 and above.
func inspValue(raw json.RawMessage) (*bool, *float64) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil, nil
	}
	switch x := v.(type) {
	case string:
		switch strings.ToUpper(x) {
		case "C":
			return ptrBool(true), ptrF(1)
		case "I":
			return ptrBool(false), ptrF(0)
		case "P":
			return ptrBool(false), ptrF(0.5)
		case "N":
			return ptrBool(false), ptrF(0)
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return ptrBool(f >= 0.5), clamp01(f)
		}
	case bool:
		f := 0.0
		if x {
			f = 1
		}
		return ptrBool(x), &f
	case float64:
		return ptrBool(x >= 0.5), clamp01(x)
	}
	return nil, nil
}

func inspTarget(raw json.RawMessage) string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, "\n")
	}
	return text(raw)
}

// inspContent renders message content: a string, or a list of parts.
func inspContent(raw json.RawMessage, res func(string) string) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return res(s)
	}
	var parts []map[string]json.RawMessage
	if json.Unmarshal(raw, &parts) != nil {
		return text(raw)
	}
	var out []string
	for _, p := range parts {
		for _, k := range []string{"text", "content", "reasoning"} {
			if v := text(p[k]); v != "" {
				out = append(out, res(v))
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

func inspTrajectory(o *store.Outcome, msgs []inspMessage, res func(string) string, dur map[string]int64) {
	open := map[string]int{}
	for _, m := range msgs {
		content := inspContent(m.Content, res)
		switch m.Role {
		case "tool":
			ev := store.Event{Type: "tool_result", Role: "tool", Tool: m.Function, ToolCallID: m.ToolCallID, Content: content}
			if i, ok := open[m.ToolCallID]; ok {
				tc := &o.ToolCalls[i]
				tc.Result, tc.ResultBytes = content, int64(len(content))
				if m.Error != nil {
					tc.Success, tc.Error = false, m.Error.Message
					o.Errors++
				}
			}
			if m.Error != nil {
				ev.Content += m.Error.Message
			}
			o.Events = append(o.Events, ev)
		default:
			if content != "" {
				o.Events = append(o.Events, store.Event{Type: "message", Role: m.Role, Content: content})
			}
			for _, tc := range m.ToolCalls {
				args := text(tc.Arguments)
				call := store.ToolCall{Tool: tc.Function, Success: true, Arguments: args, ArgsBytes: int64(len(args))}
				if d, ok := dur[tc.ID]; ok {
					call.DurationMs = &d
				}
				open[tc.ID] = len(o.ToolCalls)
				o.ToolCalls = append(o.ToolCalls, call)
				o.Events = append(o.Events, store.Event{Type: "tool_call", Role: "assistant", Tool: tc.Function, ToolCallID: tc.ID, Content: args})
			}
			if m.Role == "assistant" {
				o.Turns++
			}
		}
	}
}
