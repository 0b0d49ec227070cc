package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	fastjson "github.com/goccy/go-json"
	"io"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// FormatVersion is the version of the native JSONL format this package reads.
const FormatVersion = 1

// DefaultMaxLine bounds one JSONL line (an outcome with its whole trajectory), and one
// Inspect sample, unless Options.MaxLine says otherwise. It is what the memory budget
// allows: peak import memory ≤ 2.5 × the longest line + 100 MB, measured by
// scripts/memory-check.sh (a 16 MB line peaks near 125 MB; past about 24 MB a line costs
// more than the budget gives it, so longer ones are refused with a coded error that says
// how to raise the cap).
const DefaultMaxLine = 16 << 20

// maxLine bounds the lines of files read line by line with no option (lm-eval samples).
const maxLine = DefaultMaxLine

// inFlight bounds the bytes of lines read but not yet handed to the writer: the reader
// waits while the parsers and the writer catch up, so memory does not grow with the input.
const inFlight = 16 << 20

// Options tune an import.
type Options struct {
	// SkipInvalid imports the valid lines and counts the others instead of stopping.
	SkipInvalid bool
	// Name overrides the run name of the header.
	Name string
	// Progress, when set, is called now and then with the bytes read so far.
	Progress func(read int64)
	// Labels are added to the run's labels (over the harness's own: branch, sha, …).
	Labels map[string]string
	// MaxLine bounds one line of a JSONL file in bytes (0: DefaultMaxLine).
	MaxLine int
	// MaxEvalBytes bounds what an Inspect .eval inflates to in all (0: DefaultMaxEvalBytes).
	MaxEvalBytes int64
	// Grow makes a native file one run that grows (import --watch): its run id comes from
	// the header's id, else from the file's path, and each import of the file replaces
	// that run with the whole file as it now is.
	Grow bool

	stimulusTags map[string]map[string]string // from a native header's stimuli section
}

// ErrNoOutcomes is the error of a native file without one outcome (errors.Is finds it:
// import --allow-empty accepts such a file).
var ErrNoOutcomes = errors.New("no outcomes to import")

// DefaultMaxEvalBytes bounds the inflated size of a whole .eval unless
// Options.MaxEvalBytes says otherwise.
const DefaultMaxEvalBytes = 1 << 30

func (o Options) maxEvalBytes() int64 {
	if o.MaxEvalBytes > 0 {
		return o.MaxEvalBytes
	}
	return DefaultMaxEvalBytes
}

func (o Options) maxLine() int {
	if o.MaxLine > 0 {
		return o.MaxLine
	}
	return DefaultMaxLine
}

// applyLabels merges the labels given on the command line into a run's.
func (o Options) applyLabels(m *store.Run) {
	if len(o.Labels) == 0 {
		return
	}
	if m.Labels == nil {
		m.Labels = map[string]string{}
	}
	for k, v := range o.Labels {
		m.Labels[k] = v
	}
}

// Result says what an import did.
type Result struct {
	Source    string    `json:"source"`
	Run       store.Run `json:"run"`
	Duplicate bool      `json:"duplicate"`
	Replaced  bool      `json:"replaced"`
	// Restored is set when the content was a deleted run's, brought back from the trash.
	Restored bool `json:"restored,omitempty"`
	Skipped  int  `json:"skipped"`
	// SkippedErrors holds the first few reasons lines were skipped.
	SkippedErrors []string `json:"skippedErrors,omitempty"`
}

// Header is the optional first line of a native file.
type Header struct {
	Type        string            `json:"type"`
	Version     int               `json:"version"`
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Source      string            `json:"source"`
	CreatedAt   *time.Time        `json:"createdAt"`
	StartedAt   *time.Time        `json:"startedAt"`
	CompletedAt *time.Time        `json:"completedAt"`
	Status      string            `json:"status"`
	Config      json.RawMessage   `json:"config"`
	Labels      map[string]string `json:"labels"`
	Session     string            `json:"session"`
	// Stimuli holds what stimuli share across their outcomes: their tags.
	Stimuli map[string]struct {
		Tags map[string]string `json:"tags"`
	} `json:"stimuli"`
}

// Line is one outcome line of a native file.
type Line struct {
	Type       string     `json:"type"`
	Stimulus   string     `json:"stimulus"`
	Model      string     `json:"model"`
	Trial      int        `json:"trial"`
	Status     string     `json:"status"`
	Passed     *bool      `json:"passed"`
	Score      *float64   `json:"score"`
	DurationMs *int64     `json:"durationMs"`
	Turns      *int64     `json:"turns"`
	ToolCount  *int64     `json:"toolCallCount"`
	Errors     int        `json:"errors"`
	Usage      *Usage     `json:"usage"`
	CostUSD    *float64   `json:"costUsd"`
	StartedAt  *time.Time `json:"startedAt"`
	Error      string     `json:"error"`
	Input      Text       `json:"input"`
	Output     Text       `json:"output"`
	Expected   Text       `json:"expected"`
	// Tags are the outcome's own metadata; a stimulus's tags from the header fill in.
	Tags      map[string]string `json:"tags"`
	Graders   []LineGrader      `json:"graders"`
	ToolCalls []LineToolCall    `json:"toolCalls"`
	Events    []LineEvent       `json:"events"`

	vals *valueSlab // a parser's own (parseLineInto): where decodeLineFast puts pointer values
}

// LineGrader is one grader's verdict on an outcome line.
type LineGrader struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Passed   *bool    `json:"passed"`
	Score    *float64 `json:"score"`
	Weight   *float64 `json:"weight"`
	Evidence string   `json:"evidence"`
}

// LineToolCall is one tool call of an outcome line.
type LineToolCall struct {
	Tool        string `json:"tool"`
	Success     *bool  `json:"success"`
	DurationMs  *int64 `json:"durationMs"`
	Error       string `json:"error"`
	Arguments   Text   `json:"arguments"`
	Result      Text   `json:"result"`
	ArgsBytes   *int64 `json:"argsBytes"`
	ResultBytes *int64 `json:"resultBytes"`
}

// LineEvent is one trajectory event of an outcome line.
type LineEvent struct {
	TS         *time.Time `json:"ts"`
	Type       string     `json:"type"`
	Role       string     `json:"role"`
	Content    Text       `json:"content"`
	Tool       string     `json:"tool"`
	ToolCallID string     `json:"toolCallId"`
	Data       Text       `json:"data"`
}

// Usage holds token counts; a count left out was not recorded (null in the answers).
type Usage struct {
	InputTokens     *int64 `json:"inputTokens"`
	OutputTokens    *int64 `json:"outputTokens"`
	ReasoningTokens *int64 `json:"reasoningTokens"`
	CachedTokens    *int64 `json:"cachedTokens"`
	TotalTokens     *int64 `json:"totalTokens"`
}

// orUnknown is *p, or store.Unknown for a value left out.
func orUnknown(p *int64) int64 {
	if p == nil {
		return store.Unknown
	}
	return *p
}

// Text is a string field that also accepts any JSON value, kept as its JSON text, so a
// harness can put structured input, arguments or data there as they are.
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b[1:n-1], '\\') < 0 && bytes.IndexByte(b[1:n-1], '"') < 0 && utf8.Valid(b[1:n-1]) {
		*t = Text(b[1 : n-1]) // no escapes: the text is the bytes (the decoder has checked them)
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
		return nil
	}
	if string(b) == "null" {
		*t = ""
		return nil
	}
	*t = Text(b)
	return nil
}

// ImportNative reads one native JSONL source and writes it as one run. name is the
// source's name for messages (a path, or "-" for stdin). Lines are parsed by a few workers
// while the writer encodes, in the order of the file.
func ImportNative(ctx context.Context, root, name string, r io.Reader, opt Options) (Result, error) {
	res := Result{Source: name}
	hash := sha256.New()
	cr := &countingReader{r: io.TeeReader(r, hash), progress: opt.Progress}
	sc := bufio.NewScanner(skipBOM(cr))
	sc.Buffer(make([]byte, 0, min(64<<10, opt.maxLine())), opt.maxLine()) // the larger of the two is the limit

	// The first non-empty line may be the run header.
	lineNo := 0
	var first []byte
	for first == nil && sc.Scan() {
		lineNo++
		if b := bytes.TrimSpace(sc.Bytes()); len(b) > 0 {
			first = bytes.Clone(b)
		}
	}
	if err := sc.Err(); err != nil { // a scanner that failed must not be asked again
		return res, scanError(err, name, lineNo+1, opt)
	}
	var hdr *Header
	firstLine := lineNo
	if first != nil && isHeader(first) {
		h, err := parseHeader(first)
		if err != nil {
			return res, errs.E(errs.Corrupt, "%s:%d: %s", name, lineNo, err)
		}
		hdr, first = h, nil
	}
	if opt.Grow && (hdr == nil || hdr.ID == "") {
		if hdr == nil {
			hdr = &Header{}
		}
		hdr.ID = sourceID(FormatNative, name, "")
	}
	w, err := newWriter(root, hdr, opt)
	if err != nil {
		return res, err
	}
	w.SetReplace(opt.Grow)
	if hdr != nil && len(hdr.Stimuli) > 0 {
		opt.stimulusTags = map[string]map[string]string{}
		for name, st := range hdr.Stimuli {
			opt.stimulusTags[name] = st.Tags
		}
	}
	n, err := pipeline(ctx, sc, first, firstLine, lineNo, name, w, opt, &res)
	if ctx.Err() != nil {
		w.Abort()
		return res, errs.E(errs.Interrupted, "importing %s: interrupted; nothing was written", name)
	}
	if err != nil {
		w.Abort()
		return res, err
	}
	if n == 0 {
		w.Abort()
		return res, errs.E(errs.Corrupt, "%s: %w", name, ErrNoOutcomes)
	}
	w.SetDigest("sha256:"+hex.EncodeToString(hash.Sum(nil)), cr.n)
	c, err := w.Commit()
	if err != nil {
		return res, err
	}
	res.Run, res.Duplicate, res.Replaced, res.Restored = c.Run, c.Duplicate, c.Replaced, c.Restored
	return res, nil
}

type lineBatch struct {
	seq   int
	first int // line number of lines[0]
	lines [][]byte
	size  int // bytes of lines, held from the budget until the writer has them
}

type parsedBatch struct {
	seq  int
	size int
	outs []*store.Outcome
	bad  []string // "file:line: problem", in line order
	// badAt is the first invalid line's number (0: none).
	badAt int
}

// pipeline reads the remaining lines in batches, parses them on workers and adds the
// outcomes to w in file order. It returns the number of outcomes added.
func pipeline(ctx context.Context, sc *bufio.Scanner, first []byte, firstLine, lineNo int, name string, w *store.Writer, opt Options, res *Result) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan lineBatch, 8)
	parsed := make(chan parsedBatch, 8)
	var readErr error
	var lastLine int
	budget := newByteBudget(inFlight)
	go func() {
		defer close(batches)
		lastLine, readErr = readBatches(ctx, sc, first, firstLine, lineNo, budget, batches)
	}()
	workers := max(runtime.GOMAXPROCS(0), 2)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parseBatches(ctx, name, batches, parsed)
		}()
	}
	go func() { wg.Wait(); close(parsed) }()

	// The batches come back out of order: each is added when the ones before it are.
	pending := map[int]parsedBatch{}
	next, n := 0, 0
	for p := range parsed {
		pending[p.seq] = p
		for {
			q, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			k, err := addBatch(q, name, w, opt, res)
			n += k
			if err != nil {
				return n, err
			}
			budget.release(q.size)
			if ctx.Err() != nil {
				return n, errs.E(errs.Interrupted, "importing %s: interrupted; nothing was written", name)
			}
		}
	}
	if readErr != nil {
		return n, scanError(readErr, name, lastLine+1, opt)
	}
	return n, nil
}

// readBatches cuts the scanner's lines (after first, the header's line when it was an
// outcome) into numbered batches of at most 512 lines or an eighth of the bytes in flight;
// it returns the last line read and the scanner's error.
func readBatches(ctx context.Context, sc *bufio.Scanner, first []byte, firstLine, lineNo int, budget *byteBudget, batches chan<- lineBatch) (int, error) {
	seq := 0
	b := lineBatch{first: firstLine}
	if first != nil {
		b.lines, b.size = append(b.lines, first), len(first)
	} else {
		b.first = lineNo + 1
	}
	send := func() bool {
		if len(b.lines) == 0 {
			return true
		}
		b.seq = seq
		seq++
		if !budget.acquire(ctx, b.size) {
			return false
		}
		select {
		case batches <- b:
		case <-ctx.Done():
			return false
		}
		b = lineBatch{first: lineNo + 1}
		return true
	}
	for sc.Scan() {
		lineNo++
		if len(b.lines) == 0 {
			b.first = lineNo
		}
		b.lines = append(b.lines, bytes.Clone(sc.Bytes()))
		b.size += len(sc.Bytes())
		if (len(b.lines) == 512 || b.size >= inFlight/8) && !send() {
			return lineNo, nil
		}
	}
	send()
	return lineNo, sc.Err()
}

// parseBatches parses the lines of each batch into outcomes, the bad ones kept as
// "file:line: problem".
func parseBatches(ctx context.Context, name string, batches <-chan lineBatch, parsed chan<- parsedBatch) {
	var scratch Line
	for b := range batches {
		p := parsedBatch{seq: b.seq, size: b.size}
		for i, l := range b.lines {
			l = bytes.TrimSpace(l)
			if len(l) == 0 {
				continue
			}
			o, err := parseLineInto(l, true, &scratch) // the line is this batch's own clone
			if err != nil {
				if p.badAt == 0 {
					p.badAt = b.first + i
				}
				p.bad = append(p.bad, fmt.Sprintf("%s:%d: %s", name, b.first+i, err))
				continue
			}
			p.outs = append(p.outs, o)
		}
		select {
		case parsed <- p:
		case <-ctx.Done():
			return
		}
	}
}

// addBatch adds a parsed batch's outcomes to the run (each with its stimulus's tags under
// its own); a bad line stops the import unless --skip-invalid.
func addBatch(q parsedBatch, name string, w *store.Writer, opt Options, res *Result) (int, error) {
	if len(q.bad) > 0 {
		if !opt.SkipInvalid {
			return 0, errs.E(errs.Corrupt, "%s", q.bad[0]).
				WithHint("fix the line, or pass --skip-invalid to import the valid lines; nothing was written")
		}
		res.Skipped += len(q.bad)
		for _, e := range q.bad {
			if len(res.SkippedErrors) < 5 {
				res.SkippedErrors = append(res.SkippedErrors, e)
			}
		}
	}
	n := 0
	for _, o := range q.outs {
		if tags := opt.stimulusTags[o.Stimulus]; len(tags) > 0 {
			merged := map[string]string{}
			for k, v := range tags {
				merged[k] = v
			}
			for k, v := range o.Tags { // the outcome's own win
				merged[k] = v
			}
			o.Tags = merged
		}
		if err := w.Add(o); err != nil {
			return n, fmt.Errorf("%s: %w", name, err)
		}
		n++
	}
	return n, nil
}

func isHeader(b []byte) bool {
	var probe struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(b, &probe) == nil && probe.Type == "run"
}

func parseHeader(b []byte) (*Header, error) {
	var h Header
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, jsonProblem(err)
	}
	if h.Version > FormatVersion {
		return nil, fmt.Errorf("format version %d is newer than this evals reads (%d)", h.Version, FormatVersion)
	}
	switch h.Status {
	case "", store.RunCompleted, store.RunRunning, store.RunFailed, store.RunCancelled:
	default:
		return nil, fmt.Errorf("run status %q is not one of completed, running, failed, cancelled", h.Status)
	}
	return &h, nil
}

func newWriter(root string, h *Header, opt Options) (*store.Writer, error) {
	meta := store.Run{Source: "native"}
	if h != nil {
		meta.ID, meta.Name, meta.Config, meta.Labels, meta.Session, meta.Status = h.ID, h.Name, h.Config, h.Labels, h.Session, h.Status
		if h.Source != "" {
			meta.Source = h.Source
		}
		if h.CreatedAt != nil {
			meta.CreatedAt = h.CreatedAt.UTC()
		}
		meta.StartedAt, meta.CompletedAt = h.StartedAt, h.CompletedAt
	}
	if opt.Name != "" {
		meta.Name = opt.Name
	}
	opt.applyLabels(&meta)
	return store.NewWriter(root, meta)
}

// parseLine decodes and validates one outcome line. decodeLineFast answers lines in the
// usual shape; goccy/go-json decodes the others (twice encoding/json's speed on this shape,
// bench/decoders); a line it refuses is decoded again by encoding/json, whose errors say
// what is wrong in the words jsonProblem knows.
func parseLine(b []byte) (*store.Outcome, error) { return parseLineOwned(b, false) }

// parseLineOwned is parseLine for a line the caller hands over (decodeLineFast's owned).
func parseLineOwned(b []byte, owned bool) (*store.Outcome, error) {
	return parseLineInto(b, owned, new(Line))
}

// parseLineInto is parseLineOwned decoding into scratch, whose graders, tool calls and
// events slices are reused from line to line (a parser's own: the outcome copies what it
// keeps). Decoded into a fresh Line each, they were a fifth of the import's allocations.
func parseLineInto(b []byte, owned bool, scratch *Line) (*store.Outcome, error) {
	if scratch.vals == nil {
		scratch.vals = &valueSlab{}
	}
	*scratch = Line{Graders: scratch.Graders[:0], ToolCalls: scratch.ToolCalls[:0], Events: scratch.Events[:0], vals: scratch.vals}
	l := scratch
	if !decodeLineFast(b, l, owned) {
		*l = Line{} // the general decoders start from an empty line
		if err := fastjson.Unmarshal(b, l); err != nil {
			*l = Line{}
			if err := json.Unmarshal(b, l); err != nil {
				return nil, jsonProblem(err)
			}
		}
	}
	if l.Type != "" && l.Type != "outcome" {
		return nil, fmt.Errorf("type %q: want \"outcome\" (a \"run\" header may only come first)", l.Type)
	}
	if strings.TrimSpace(l.Stimulus) == "" {
		return nil, fmt.Errorf("stimulus is missing")
	}
	if strings.TrimSpace(l.Model) == "" {
		return nil, fmt.Errorf("model is missing")
	}
	switch l.Status {
	case "":
		l.Status = store.StatusSuccess
		if l.Error != "" {
			l.Status = store.StatusError
		}
	case store.StatusSuccess, store.StatusError, store.StatusSkipped:
	default:
		return nil, fmt.Errorf("status %q is not one of success, error, skipped", l.Status)
	}
	u, total, err := lineUsage(l)
	if err != nil {
		return nil, err
	}
	o := &store.Outcome{
		Stimulus: l.Stimulus, Model: l.Model, Trial: l.Trial, Status: l.Status, Passed: l.Passed, Score: l.Score,
		DurationMs: orUnknown(l.DurationMs), Turns: countOf(l.Turns), ToolCallCount: countOf(l.ToolCount), Errors: l.Errors,
		InputTokens: orUnknown(u.InputTokens), OutputTokens: orUnknown(u.OutputTokens), ReasoningTokens: orUnknown(u.ReasoningTokens),
		CachedTokens: orUnknown(u.CachedTokens), TotalTokens: total, CostUSD: l.CostUSD,
		Error: l.Error, Input: string(l.Input), Output: string(l.Output), Expected: string(l.Expected),
		Tags: l.Tags,
	}
	if l.StartedAt != nil {
		o.StartedAt = l.StartedAt.UTC()
	}
	if err := lineChildren(o, l); err != nil {
		return nil, err
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return o, nil
}

// lineUsage checks a line's duration and token counts and gives its usage and total
// tokens (the sum of the parts when the total is not given).
func lineUsage(l *Line) (Usage, int64, error) {
	var u Usage
	if l.Usage != nil {
		u = *l.Usage
	}
	if l.DurationMs != nil && *l.DurationMs < 0 {
		return u, 0, fmt.Errorf("durationMs %d is negative", *l.DurationMs)
	}
	for _, c := range []struct {
		name string
		v    *int64
	}{{"turns", l.Turns}, {"toolCallCount", l.ToolCount}} {
		if c.v != nil && (*c.v < 0 || *c.v > math.MaxInt32) {
			return u, 0, fmt.Errorf("%s %d is outside 0..%d", c.name, *c.v, math.MaxInt32)
		}
	}
	for _, p := range []*int64{u.InputTokens, u.OutputTokens, u.ReasoningTokens, u.CachedTokens, u.TotalTokens} {
		if p != nil && *p < 0 {
			return u, 0, fmt.Errorf("token counts must not be negative")
		}
	}
	total := orUnknown(u.TotalTokens)
	if total < 0 && (u.InputTokens != nil || u.OutputTokens != nil || u.ReasoningTokens != nil) {
		t, ok := store.AddTokens(max(orUnknown(u.InputTokens), 0), max(orUnknown(u.OutputTokens), 0), max(orUnknown(u.ReasoningTokens), 0))
		if !ok {
			return u, 0, fmt.Errorf("token counts add up past %d", int64(math.MaxInt64))
		}
		total = t
	}
	return u, total, nil
}

// countOf is a count a line may leave out: store.Unknown when it does.
func countOf(p *int64) int {
	if p == nil {
		return int(store.Unknown)
	}
	return int(*p)
}

// lineChildren adds a line's graders, tool calls and events to its outcome.
func lineChildren(o *store.Outcome, l *Line) error {
	// Each slice at its final size at once: grown by appending, the import allocated 468 MB
	// for them where 300 MB hold them (bench/import.sh's 670 MB file).
	o.Graders = slices.Grow(o.Graders, len(l.Graders))
	o.ToolCalls = slices.Grow(o.ToolCalls, len(l.ToolCalls))
	o.Events = slices.Grow(o.Events, len(l.Events))
	for i, g := range l.Graders {
		if g.Name == "" {
			return fmt.Errorf("graders[%d].name is missing", i)
		}
		wt := 1.0
		if g.Weight != nil {
			wt = *g.Weight
		}
		o.Graders = append(o.Graders, store.GraderResult{Name: g.Name, Type: g.Type, Passed: g.Passed, Score: g.Score, Weight: wt, Evidence: g.Evidence})
	}
	for i, t := range l.ToolCalls {
		if t.Tool == "" {
			return fmt.Errorf("toolCalls[%d].tool is missing", i)
		}
		tc := store.ToolCall{Seq: i, Tool: t.Tool, Success: t.Success == nil || *t.Success, DurationMs: t.DurationMs,
			Error: t.Error, Arguments: string(t.Arguments), Result: string(t.Result),
			ArgsBytes: int64(len(t.Arguments)), ResultBytes: int64(len(t.Result))}
		if t.Success == nil && t.Error != "" {
			tc.Success = false
		}
		if t.ArgsBytes != nil {
			tc.ArgsBytes = *t.ArgsBytes
		}
		if t.ResultBytes != nil {
			tc.ResultBytes = *t.ResultBytes
		}
		o.ToolCalls = append(o.ToolCalls, tc)
	}
	for i, e := range l.Events {
		if e.Type == "" {
			return fmt.Errorf("events[%d].type is missing", i)
		}
		ev := store.Event{Seq: i, Type: e.Type, Role: e.Role, Content: string(e.Content), Tool: e.Tool, ToolCallID: e.ToolCallID, Data: string(e.Data)}
		if e.TS != nil {
			ev.TS = e.TS.UTC()
		}
		o.Events = append(o.Events, ev)
	}
	return nil
}

// jsonProblem rewords encoding/json errors into what is wrong with the line, in JSON's
// words (an object, an array, an integer), never a Go type's name.
func jsonProblem(err error) error {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Errorf("invalid JSON at byte %d: %s", e.Offset, e.Error())
	case *json.UnmarshalTypeError:
		where := "the value"
		if e.Field != "" {
			where = "field " + e.Field
		}
		return fmt.Errorf("%s: want %s, found JSON %s", where, jsonKind(e.Type), e.Value)
	}
	return fmt.Errorf("invalid JSON: %s", err.Error())
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprintf("an integer that fits in %d bits", t.Bits())
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a value of another type"
}

type countingReader struct {
	r        io.Reader
	n        int64
	last     int64
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && (c.n-c.last >= 4<<20 || err == io.EOF) {
		c.last = c.n
		c.progress(c.n)
	}
	return n, err
}

// scanError reports why reading lines stopped.
func scanError(err error, name string, line int, opt Options) error {
	if err == bufio.ErrTooLong {
		return errs.E(errs.Corrupt, "%s:%d: line longer than %s (--max-line)", name, line, sizeText(opt.maxLine())).
			WithHint("raise --max-line if the line is meant to be that long; nothing was written")
	}
	return errs.E(errs.Corrupt, "reading %s: %w", name, err)
}

// byteBudget lets the reader run ahead of the writer by at most max bytes (one batch larger
// than that goes alone).
type byteBudget struct {
	mu   sync.Mutex
	cond *sync.Cond
	used int
	max  int
}

func newByteBudget(max int) *byteBudget {
	b := &byteBudget{max: max}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire waits until n bytes fit; false when ctx ends first.
func (b *byteBudget) acquire(ctx context.Context, n int) bool {
	stop := context.AfterFunc(ctx, func() { b.mu.Lock(); b.cond.Broadcast(); b.mu.Unlock() })
	defer stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used > 0 && b.used+n > b.max {
		if ctx.Err() != nil {
			return false
		}
		b.cond.Wait()
	}
	b.used += n
	return true
}

func (b *byteBudget) release(n int) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// sizeText writes a byte count in MB or KB.
func sizeText(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	if n >= 1<<10 {
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
