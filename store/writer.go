package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/parquet-go/parquet-go"
)

// chunkOutcomes bounds how many outcomes the writer buffers before it sorts them by
// model, stimulus and trial and writes them as row groups. A run that fits in one chunk is
// globally sorted; a larger one is sorted within each chunk.
const (
	chunkOutcomes = 1 << 15
	chunkBytes    = 8 << 20
)

// Writer writes one run into a staging folder (inside the store for a local store, in the
// temporary folder for a bucket); Commit publishes it: one rename on a local store, the data
// objects then run.json (create-if-absent) on a bucket. Nothing a reader can see exists
// until then.
type Writer struct {
	root    string
	be      backend
	tmp     string
	release func()
	claimed string // the digest this writer claimed, until it commits
	meta    Run
	// sumDuration and sumTokens are the run's totals so far, checked for overflow on Add.
	sumDuration, sumTokens int64
	files                  []*os.File
	out                    *parquet.GenericWriter[OutcomeRow]
	grd                    *parquet.GenericWriter[GraderRow]
	shapes                 map[string]string // DigitBlind shape → masked line (signature)
	shapeKey               []byte
	tools                  *parquet.GenericWriter[ToolCallRow]
	events                 *parquet.GenericWriter[EventRow]
	rowsAt                 [3]int64 // rows written so far to graders, tool_calls and events
	buf                    []*Outcome
	bufSize                int
	next                   int64
	sum                    Summary
	models                 map[string]struct{}
	stimuli                map[string]*[2]int64 // stimulus → rated, passed
	perModel               map[string]*modelAcc
	done                   bool
	replace                bool
	// keepOrder writes the outcomes in the order they came (a rewrite of a run keeps its
	// outcome ids, which reviews refer to).
	keepOrder bool

	// Two sets of rows: the chunk being encoded in the background (encoding, whose result
	// arrives on encoded) and the one being filled. Encoding one chunk while the next is
	// read and decoded keeps both cores busy through an import.
	sets    [2]rowSet
	cur     int
	encoded chan error
}

// rowSet holds one chunk's rows of the four files.
type rowSet struct {
	out    []OutcomeRow
	grd    []GraderRow
	tools  []ToolCallRow
	events []EventRow
	// The optional counts the rows point to, in blocks: seven small allocations per
	// outcome were 2.1M of a 300k-outcome import's.
	ints   []int64
	ints32 []int32
}

// known is a count for an optional column (nil when Unknown), kept in the set's block.
func (s *rowSet) known(v int64) *int64 {
	if v < 0 {
		return nil
	}
	return inBlock(&s.ints, v)
}

// known32 is known for an int32 column.
func (s *rowSet) known32(v int) *int32 {
	if v < 0 {
		return nil
	}
	return inBlock(&s.ints32, int32(v))
}

// inBlock stores v in the block and points to it; a full block is left to the rows that
// point into it and a new one started.
func inBlock[T any](block *[]T, v T) *T {
	if len(*block) == cap(*block) {
		*block = make([]T, 0, 4096)
	}
	*block = append(*block, v)
	return &(*block)[len(*block)-1]
}

// NewRunID returns a fresh random run id: ten lowercase hex digits.
func NewRunID() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// OutcomeID is the id of the n-th outcome (in stored order) of a run. Ids start with the
// run id so that a lookup goes straight to the run's folder.
func OutcomeID(runID string, n int64) string {
	if n < 0 || n > 9_999_999 {
		return runID + "-" + fmt.Sprintf("%07d", n)
	}
	// Seven digits, zero-padded, without fmt: an import names every outcome, and an
	// export every one it writes.
	b := make([]byte, 0, len(runID)+8)
	b = append(b, runID...)
	b = append(b, '-')
	var d [7]byte
	for i := 6; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return string(append(b, d[:]...))
}

// NewWriter starts writing a run. meta.ID is generated when empty.
func NewWriter(root string, meta Run) (*Writer, error) {
	if meta.ID == "" {
		meta.ID = NewRunID()
	}
	if !validID(meta.ID) {
		return nil, errs.E(errs.Invalid, "invalid run id %q: use letters, digits, '.', '_' and '-'", meta.ID)
	}
	be, err := backendFor(root)
	if err != nil {
		return nil, err
	}
	tmp, release, err := be.stage(meta.ID)
	if err != nil {
		return nil, err
	}
	w := &Writer{root: root, be: be, tmp: tmp, release: release, meta: meta, models: map[string]struct{}{}, stimuli: map[string]*[2]int64{}}
	open := func(name string) (*os.File, error) {
		f, err := os.Create(filepath.Join(tmp, name))
		if err == nil {
			w.files = append(w.files, f)
		}
		return f, err
	}
	kv := writerOptions{parquet.KeyValueMetadata("evals.schema_version", strconv.Itoa(SchemaVersion)),
		parquet.Compression(textCodec)} // for the text columns, which carry no codec tag
	// Text columns carry no page bounds: nothing searches them by range, and parquet-go
	// keeps every page's min and max until the file closes, so a run of long outputs would
	// hold a copy of each in memory (2 GB of 1 MB lines held 1.2 GB).
	// Page statistics of a text column would hold its min and max too, uncompressed in
	// each page header: a 16 MiB output was stored four times raw (a 65 MB file). A failure
	// signature is searched by value, never by range, and its bounds cost the most of any
	// column to find (the dictionary's values each page uses, compared: 0.2 s of CPU over
	// 900,000 grader rows of mostly distinct signatures).
	noBounds := func(cols ...string) parquet.WriterOption {
		o := make([]parquet.WriterOption, 0, 2*len(cols))
		for _, c := range cols {
			o = append(o, parquet.SkipPageBounds(c), parquet.SkipPageStatistics(c))
		}
		return writerOptions(o)
	}
	var f *os.File
	if f, err = open(outcomesFile); err == nil {
		w.out = parquet.NewGenericWriter[OutcomeRow](f, outcomeSchema(), kv, parquet.MaxRowsPerRowGroup(chunkOutcomes), noBounds("tags", "error", "input", "output", "expected"))
	}
	if f, err = open(gradersFile); err == nil {
		w.grd = parquet.NewGenericWriter[GraderRow](f, kv, noBounds("evidence", "signature"), parquet.PageBufferSize(graderPage))
	}
	if f, err = open(toolCallsFile); err == nil {
		w.tools = parquet.NewGenericWriter[ToolCallRow](f, kv, noBounds("error", "arguments", "result"))
	}
	if f, err = open(eventsFile); err == nil {
		w.events = parquet.NewGenericWriter[EventRow](f, kv, noBounds("content", "data"))
	}
	if err != nil {
		w.Abort()
		return nil, errs.E(errs.Internal, "creating run files: %w", err)
	}
	return w, nil
}

// graderPage is the page size of grader rows (parquet-go's default is 256 KB). A page of
// outcomes shows the first line of each failing grader's evidence, and an outcome's detail
// its evidence: one row, for which the page holding it is decompressed whole (seekPages
// skips the others). Measured on a 1M-outcome store of 100 runs (medians of 3 × 30):
// `outcomes --run all` 61.2 → 50.5 ms in process, `graders --run all` 48.1 → 50.6 (more
// page headers), the store 0.3% larger; at 32 KB 50.6 and 51.8 ms.
const graderPage = 64 << 10

// signature is a failing verdict's failure signature (its evidence's first line masked),
// "" for any other. Lines that differ only in digits mask alike (DigitBlind), so the
// writer masks each shape once while it has seen fewer than maxShapes of them.
func (w *Writer) signature(g GraderResult) string {
	if g.Passed == nil || *g.Passed {
		return ""
	}
	line := FirstLine(g.Evidence)
	w.shapeKey = DigitBlind(w.shapeKey[:0], line)
	if m, ok := w.shapes[string(w.shapeKey)]; ok {
		return m
	}
	m := Mask(line)
	if len(w.shapes) < maxShapes {
		if w.shapes == nil {
			w.shapes = map[string]string{}
		}
		w.shapes[string(w.shapeKey)] = m
	}
	return m
}

// maxShapes bounds the writer's cache of masked line shapes.
const maxShapes = 1 << 16

// ID is the id of the run being written.
func (w *Writer) ID() string { return w.meta.ID }

// Add buffers one outcome. The writer keeps the pointer until the next flush.
func (w *Writer) Add(o *Outcome) error {
	if w.done {
		return errs.E(errs.Internal, "adding to a finished run writer")
	}
	if err := o.Validate(); err != nil {
		return errs.E(errs.Corrupt, "outcome %d (%s × %s): %s", w.next+int64(len(w.buf)), o.Stimulus, o.Model, err)
	}
	// The run's sums must fit too: a run whose totals would overflow is refused whole.
	if _, ok := AddTokens(w.sumDuration, max(o.DurationMs, 0)); !ok {
		return errs.E(errs.Corrupt, "outcome %d (%s × %s): the run's total duration would pass %d ms", w.next+int64(len(w.buf)), o.Stimulus, o.Model, int64(math.MaxInt64))
	}
	if _, ok := AddTokens(w.sumTokens, max(o.TotalTokens, 0)); !ok {
		return errs.E(errs.Corrupt, "outcome %d (%s × %s): the run's total tokens would pass %d", w.next+int64(len(w.buf)), o.Stimulus, o.Model, int64(math.MaxInt64))
	}
	w.sumDuration += max(o.DurationMs, 0)
	w.sumTokens += max(o.TotalTokens, 0)
	w.buf = append(w.buf, o)
	w.bufSize += len(o.Input) + len(o.Output) + len(o.Expected) + len(o.Error) + 256
	for i := range o.Events {
		w.bufSize += len(o.Events[i].Content) + len(o.Events[i].Data)
	}
	for i := range o.ToolCalls {
		w.bufSize += len(o.ToolCalls[i].Arguments) + len(o.ToolCalls[i].Result)
	}
	if len(w.buf) >= chunkOutcomes || w.bufSize >= chunkBytes {
		return w.flush()
	}
	return nil
}

// flush sorts the buffered outcomes, turns them into rows and hands the rows to a
// background encode, after the previous chunk's encode has finished (the files take row
// groups in order). The outcomes' memory goes with their rows.
func (w *Writer) flush() error {
	if !w.keepOrder {
		slices.SortStableFunc(w.buf, func(a, b *Outcome) int {
			return cmp.Or(cmp.Compare(a.Model, b.Model), cmp.Compare(a.Stimulus, b.Stimulus), cmp.Compare(a.Trial, b.Trial))
		})
	}
	set := &w.sets[w.cur]
	set.out, set.grd, set.tools, set.events = set.out[:0], set.grd[:0], set.tools[:0], set.events[:0]
	for _, o := range w.buf {
		w.rows(o, set)
	}
	clear(w.buf)
	w.buf, w.bufSize = w.buf[:0], 0
	if err := w.wait(); err != nil {
		return err
	}
	done := make(chan error, 1)
	w.encoded = done
	w.cur ^= 1
	go func() { done <- w.encode(set) }()
	return nil
}

// wait waits for the background encode, if any, and returns its error.
func (w *Writer) wait() error {
	if w.encoded == nil {
		return nil
	}
	err := <-w.encoded
	w.encoded = nil
	return err
}

// encode writes one chunk as a row group of each file. The four files are encoded and
// compressed at once, each on its own goroutine (parquet-go holds a row group in memory
// until it is flushed, so a row group per chunk bounds the writer's memory whatever the
// size of the run).
func (w *Writer) encode(set *rowSet) error {
	var wg sync.WaitGroup
	errOut := make([]error, 4)
	for i, job := range []func() error{
		func() error { return writeGroup(w.out, set.out, "outcomes") },
		func() error { return writeGroup(w.grd, set.grd, "grader results") },
		func() error { return writeGroup(w.tools, set.tools, "tool calls") },
		func() error { return writeGroup(w.events, set.events, "events") },
	} {
		wg.Add(1)
		go func() { defer wg.Done(); errOut[i] = job() }()
	}
	wg.Wait()
	// The rows point into the chunk's outcomes: let them go before the set is reused.
	clear(set.out)
	clear(set.grd)
	clear(set.tools)
	clear(set.events)
	for _, err := range errOut {
		if err != nil {
			return err
		}
	}
	return nil
}

// writeGroup writes rows as one row group of a file.
func writeGroup[T any](pw *parquet.GenericWriter[T], rows []T, what string) error {
	if _, err := pw.Write(rows); err != nil {
		return errs.E(errs.Internal, "writing %s: %w", what, err)
	}
	if err := pw.Flush(); err != nil {
		return errs.E(errs.Internal, "writing a row group of %s: %w", what, err)
	}
	return nil
}

// rows converts one outcome into its rows and updates the summary.
func (w *Writer) rows(o *Outcome, set *rowSet) {
	id := OutcomeID(w.meta.ID, w.next)
	w.next++
	trial := int32(o.Trial)
	toolCalls := o.ToolCallCount
	if toolCalls <= 0 && len(o.ToolCalls) > 0 {
		toolCalls = len(o.ToolCalls)
	}
	set.out = append(set.out, OutcomeRow{
		RunID: w.meta.ID, OutcomeID: id, Stimulus: o.Stimulus, Model: o.Model, Trial: trial,
		Status: o.Status, Passed: o.Passed, Score: o.Score, DurationMs: set.known(o.DurationMs),
		Turns: set.known32(o.Turns), ToolCalls: set.known32(toolCalls), Errors: int32(o.Errors),
		InputTokens: set.known(o.InputTokens), OutputTokens: set.known(o.OutputTokens), ReasoningTokens: set.known(o.ReasoningTokens),
		CachedTokens: set.known(o.CachedTokens), TotalTokens: set.known(o.TotalTokens), CostUSD: o.CostUSD,
		StartedAt:  o.StartedAt.UnixMilli(),
		GradersRow: w.rowsAt[0], GradersLen: int32(len(o.Graders)),
		ToolsRow: w.rowsAt[1], ToolsLen: int32(len(o.ToolCalls)),
		EventsRow: w.rowsAt[2], EventsLen: int32(len(o.Events)), Tags: EncodeTags(o.Tags),
		Error: o.Error, Input: o.Input, Output: o.Output, Expected: o.Expected,
	})
	for _, g := range o.Graders {
		set.grd = append(set.grd, GraderRow{
			RunID: w.meta.ID, OutcomeID: id, Stimulus: o.Stimulus, Model: o.Model, Trial: trial,
			Grader: g.Name, GraderType: g.Type, Passed: g.Passed, Score: g.Score, Weight: g.Weight, Evidence: g.Evidence,
			Signature: w.signature(g),
		})
	}
	for i, t := range o.ToolCalls {
		set.tools = append(set.tools, ToolCallRow{
			RunID: w.meta.ID, OutcomeID: id, Stimulus: o.Stimulus, Model: o.Model, Trial: trial, Seq: int32(i),
			Tool: t.Tool, Success: t.Success, ArgsBytes: t.ArgsBytes, ResultBytes: t.ResultBytes,
			DurationMs: t.DurationMs, Error: t.Error, Arguments: t.Arguments, Result: t.Result,
		})
	}
	for i, e := range o.Events {
		var ts int64
		if !e.TS.IsZero() {
			ts = e.TS.UnixMilli()
		}
		set.events = append(set.events, EventRow{
			RunID: w.meta.ID, OutcomeID: id, Seq: int32(i), TS: ts, Type: e.Type, Role: e.Role,
			Content: e.Content, Tool: e.Tool, ToolCallID: e.ToolCallID, Data: e.Data,
		})
	}
	w.rowsAt[0] += int64(len(o.Graders))
	w.rowsAt[1] += int64(len(o.ToolCalls))
	w.rowsAt[2] += int64(len(o.Events))
	w.count(o)
}

func (w *Writer) count(o *Outcome) {
	s := &w.sum
	s.OutcomeCount++
	s.GraderResults += int64(len(o.Graders))
	s.ToolCalls += int64(len(o.ToolCalls))
	s.Events += int64(len(o.Events))
	if s.Known == nil {
		s.Known = &KnownCounts{CostUSD: new(int64)}
	}
	if o.DurationMs >= 0 {
		s.DurationMs += o.DurationMs
		s.Known.DurationMs++
	}
	if o.TotalTokens >= 0 {
		s.TotalTokens += o.TotalTokens
		s.Known.TotalTokens++
	}
	if o.CostUSD != nil {
		s.CostUSD += *o.CostUSD
		if s.Known.CostUSD != nil {
			*s.Known.CostUSD++
		}
	}
	switch DisplayStatus(o.Status, o.Passed) {
	case "passed":
		s.Passed++
	case "failed":
		s.Failed++
	case "error":
		s.Errored++
	case "skipped":
		s.Skipped++
	default:
		s.Pending++
	}
	if int64(o.Trial)+1 > s.Trials {
		s.Trials = int64(o.Trial) + 1
	}
	// Map keys are cloned: an outcome's strings may be cut from a larger buffer (the
	// importer's lines), which a key kept for the whole run would keep alive.
	if _, ok := w.models[o.Model]; !ok {
		w.models[strings.Clone(o.Model)] = struct{}{}
	}
	c := w.stimuli[o.Stimulus]
	if c == nil {
		c = &[2]int64{}
		w.stimuli[strings.Clone(o.Stimulus)] = c
	}
	display := DisplayStatus(o.Status, o.Passed)
	switch display {
	case "passed":
		c[0]++
		c[1]++
	case "failed", "error":
		c[0]++
	}
	w.countModel(o, display)
}

// modelAcc is one model's counts and per-stimulus rated and passed outcomes.
type modelAcc struct {
	sums    ModelSums
	stimuli map[string]*[2]int32
}

func (w *Writer) countModel(o *Outcome, display string) {
	if w.perModel == nil {
		w.perModel = map[string]*modelAcc{}
	}
	a := w.perModel[o.Model]
	if a == nil {
		a = &modelAcc{stimuli: map[string]*[2]int32{}}
		w.perModel[strings.Clone(o.Model)] = a
	}
	a.sums.Outcomes++
	// The counts are updated through a pointer: storing them again under o.Stimulus would
	// replace the map's cloned key with o's string (Go updates string keys on assignment),
	// which points into the importer's line buffer and kept every buffer alive: a 300k
	// outcome import grew its live heap from 100 to 330 MB and ran 1.6× slower.
	c := a.stimuli[o.Stimulus]
	if c == nil {
		c = &[2]int32{}
		a.stimuli[strings.Clone(o.Stimulus)] = c
	}
	switch display {
	case "passed":
		a.sums.Passed++
		c[0]++
		c[1]++
	case "failed":
		a.sums.Failed++
		c[0]++
	case "error":
		a.sums.Errored++
		c[0]++
	case "skipped":
		a.sums.Skipped++
	default:
		a.sums.Pending++
	}
}

// modelSums are the per-model sums of the run, with each model's cluster sums.
func (w *Writer) modelSums() map[string]ModelSums {
	out := make(map[string]ModelSums, len(w.perModel))
	for m, a := range w.perModel {
		s := a.sums
		for _, c := range a.stimuli {
			if c[0] > 0 {
				n, x := float64(c[0]), float64(c[1])
				s.Clusters.Clusters++
				s.Clusters.N2 += n * n
				s.Clusters.NC += n * x
				s.Clusters.C2 += x * x
			}
		}
		out[m] = s
	}
	return out
}

// DisplayStatus derives passed|failed|error|skipped|pending from the execution status and
// the verdict, the one definition used by every face.
func DisplayStatus(status string, passed *bool) string {
	switch {
	case status == StatusError:
		return "error"
	case status == StatusSkipped:
		return "skipped"
	case passed == nil:
		return "pending"
	case *passed:
		return "passed"
	default:
		return "failed"
	}
}

// Abort removes everything written so far. It is safe to call more than once.
func (w *Writer) Abort() {
	_ = w.wait() // the files are closed under no encode
	for _, f := range w.files {
		_ = f.Close()
	}
	w.files = nil
	w.done = true
	if w.claimed != "" {
		w.be.unclaim(context.Background(), w.claimed)
		w.claimed = ""
	}
	if w.release != nil {
		w.release()
		w.release = nil
	}
}

// Committed describes the result of a commit.
type Committed struct {
	Run Run
	// Duplicate is set when a run with the same content digest already existed; Run is then
	// that run and nothing was written.
	Duplicate bool
	// Replaced is set when the run took the place of an older run with the same id.
	Replaced bool
	// Restored is set when the content was a deleted run's: that run is back.
	Restored bool
}

// Commit finishes the files, fsyncs them and publishes the run. Content already in the
// store (by digest) is not written twice, even by two writers at once: the first to claim
// the digest publishes, the other answers Duplicate.
func (w *Writer) Commit() (Committed, error) {
	if w.done {
		return Committed{}, errs.E(errs.Internal, "committing a finished run writer")
	}
	defer w.Abort()
	if err := w.finish(); err != nil {
		return Committed{}, err
	}
	ctx := context.Background()
	if d := w.meta.Digest; d != "" {
		holder, err := w.be.claim(ctx, d, w.meta.ID)
		if err != nil {
			return Committed{}, err
		}
		if holder != "" {
			// Its writer is alive: wait until its run is committed (a duplicate) or its
			// writer is gone (then claim again: the stale claim is replaced).
			prev, err := w.awaitHolder(ctx, d, holder)
			if err != nil {
				return Committed{}, err
			}
			if prev != nil {
				return Committed{Run: *prev, Duplicate: true}, nil
			}
		}
		if holder == "" {
			w.claimed = d
		}
	}
	if testHookClaimed != nil {
		testHookClaimed()
	}
	stop := w.heartbeat(ctx)
	replaced, err := w.be.publish(ctx, w.meta.ID, w.tmp, w.replace)
	stop()
	if err != nil {
		if errs.CodeOf(err) == errs.Conflict && w.meta.Digest != "" {
			// The same id was committed meanwhile: on a bucket, ids of imported files
			// come from their content, so it holds this content.
			if prev, perr := Open(w.root).Run(w.meta.ID); perr == nil && prev.Digest == w.meta.Digest {
				w.claimed = ""
				return Committed{Run: prev, Duplicate: true}, nil
			}
			// A deleted run of this content (on a bucket, trash is a marker beside the run):
			// importing it again brings it back.
			if prev, ok, rerr := w.restoreSame(ctx); rerr != nil || ok {
				if rerr != nil {
					return Committed{}, rerr
				}
				w.claimed = "" // the claim names the restored run
				return Committed{Run: prev, Restored: true}, nil
			}
		}
		return Committed{}, err
	}
	w.claimed = "" // the claim now names a committed run
	return Committed{Run: w.meta, Replaced: replaced}, nil
}

// awaitHolder waits while the writer holding digest is alive and its run not committed:
// the committed run (a duplicate), or nil once the claim is this writer's.
func (w *Writer) awaitHolder(ctx context.Context, digest, holder string) (*Run, error) {
	for {
		if prev, err := Open(w.root).Run(holder); err == nil && prev.Digest == digest {
			return &prev, nil
		}
		if testHookWaiting != nil {
			testHookWaiting()
		}
		select {
		case <-ctx.Done():
			return nil, errs.E(errs.Interrupted, "waiting for run %s, which imports the same content", holder)
		case <-time.After(claimPoll):
		}
		h, err := w.be.claim(ctx, digest, w.meta.ID)
		if err != nil {
			return nil, err
		}
		if h == "" {
			w.claimed = digest
			return nil, nil
		}
		holder = h
	}
}

// claimPoll is how often an import waiting on another writer's claim looks again.
var claimPoll = 200 * time.Millisecond

// testHookClaimed runs between the claim and the publish (tests make the claim window
// deterministic with it).
var testHookClaimed, testHookWaiting func()

// heartbeat renews the writer's claim every claimTTL/4 while it publishes; stop ends it.
func (w *Writer) heartbeat(ctx context.Context) (stop func()) {
	if w.claimed == "" {
		return func() {}
	}
	return renewEvery(claimTTL/4, func() { w.be.renewClaim(ctx, w.claimed, w.meta.ID) })
}

// renewEvery calls renew every period until stop, which returns once it has ended: the
// heartbeat of claims and upload leases, whose holders are alive while they renew.
func renewEvery(period time.Duration, renew func()) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				renew()
			}
		}
	}()
	return func() { close(done); <-finished }
}

// restoreSame brings back the writer's run id from the trash when it holds the same
// content (it is restored, read, and put back when its digest differs).
func (w *Writer) restoreSame(ctx context.Context) (Run, bool, error) {
	trashed, err := w.be.trashed(ctx)
	if err != nil {
		return Run{}, false, err
	}
	if _, ok := trashed[w.meta.ID]; !ok {
		return Run{}, false, nil
	}
	if err := w.be.restore(ctx, w.meta.ID); err != nil {
		return Run{}, false, err
	}
	raw, err := w.be.readRun(ctx, w.meta.ID, "")
	if err == nil {
		r, derr := decodeRun(raw, w.be.where(w.meta.ID, runFile), w.meta.ID)
		if derr == nil && r.Digest == w.meta.Digest {
			return r, true, nil
		}
	}
	return Run{}, false, w.be.trash(ctx, w.meta.ID)
}

func (w *Writer) finish() error {
	if len(w.buf) > 0 {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if err := w.wait(); err != nil {
		return err
	}
	for _, c := range []interface{ Close() error }{w.out, w.grd, w.tools, w.events} {
		if err := c.Close(); err != nil {
			return errs.E(errs.Internal, "finishing run files: %w", err)
		}
	}
	for _, f := range w.files {
		if err := f.Sync(); err != nil {
			return errs.E(errs.Internal, "syncing %s: %w", f.Name(), err)
		}
		if err := f.Close(); err != nil {
			return errs.E(errs.Internal, "closing %s: %w", f.Name(), err)
		}
	}
	w.files = nil
	m := &w.meta
	m.SchemaVersion = SchemaVersion
	m.Summary = w.sum
	m.Summary.StimulusCount = int64(len(w.stimuli))
	var cs ClusterSums
	for _, c := range w.stimuli {
		if c[0] > 0 {
			n, x := float64(c[0]), float64(c[1])
			cs.Clusters++
			cs.N2 += n * n
			cs.NC += n * x
			cs.C2 += x * x
		}
	}
	m.Summary.Clusters = &cs
	m.Summary.Models, _ = json.Marshal(w.modelSums())
	m.Models = m.Models[:0]
	for k := range w.models {
		m.Models = append(m.Models, k)
	}
	slices.Sort(m.Models)
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now().UTC()
	}
	if m.Status == "" {
		m.Status = RunCompleted
	}
	if m.Name == "" {
		m.Name = m.ID
	}
	if m.Source == "" {
		m.Source = "native"
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return errs.E(errs.Internal, "encoding run.json: %w", err)
	}
	if err := writeSynced(filepath.Join(w.tmp, runFile), append(b, '\n')); err != nil {
		return err
	}
	syncDir(w.tmp)
	return nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return errs.E(errs.Internal, "creating %s: %w", path, err)
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errs.E(errs.Internal, "writing %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

func validID(id string) bool {
	if id == "" || len(id) > 128 || id[0] == '.' {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// SetReplace lets Commit replace a run with the same id (a changed source file).
func (w *Writer) SetReplace(r bool) { w.replace = r }

// SetMeta replaces the run's metadata but its id (fixed by the outcome ids already
// written); for sources whose header is complete only at their end.
func (w *Writer) SetMeta(m Run) {
	m.ID = w.meta.ID
	w.meta = m
}

// SetDigest records the content digest of the run's source, of size bytes; Commit makes
// importing the same content twice a no-op.
func (w *Writer) SetDigest(d string, size int64) { w.meta.Digest, w.meta.SourceBytes = d, size }

// writerOptions applies several parquet writer options as one.
type writerOptions []parquet.WriterOption

func (o writerOptions) ConfigureWriter(c *parquet.WriterConfig) {
	for _, x := range o {
		x.ConfigureWriter(c)
	}
}
