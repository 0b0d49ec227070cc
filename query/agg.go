package query

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// Scope selects the runs an aggregate reads: run references, or "all" for the whole store,
// and, with Slicing, the outcomes (Where) and groups (By) within them.
type Scope struct {
	Runs []string
	Slicing
}

// resolve turns a scope into runs (newest first, no duplicates).
func resolve(src Source, sc Scope) ([]store.Run, error) {
	refs := sc.Runs
	if len(refs) == 0 {
		refs = []string{"latest"}
	}
	if !slices.ContainsFunc(refs, func(ref string) bool { return ref == "all" || ref == "*" }) {
		// Named runs: the store resolves each, without listing every run where it can
		// (latest~n and exact ids of a local store; Store.Resolve).
		var out []store.Run
		for _, ref := range refs {
			r, err := src.Resolve(ref)
			if err != nil {
				return nil, err
			}
			if !slices.ContainsFunc(out, func(o store.Run) bool { return o.ID == r.ID }) {
				out = append(out, r)
			}
		}
		return out, nil
	}
	all, bad, err := src.Runs()
	if err != nil {
		return nil, err
	}
	var out []store.Run
	seen := map[string]bool{}
	for _, ref := range refs {
		if ref == "all" || ref == "*" {
			if len(all) == 0 && len(bad) > 0 {
				return nil, errs.E(errs.Corrupt, "no run of the store can be read: %w", bad[0])
			}
			if len(all) == 0 {
				return nil, errs.E(errs.NotFound, "no runs in the store").WithHint("import results with `evals import FILE`, or try `evals demo`")
			}
			for _, r := range all {
				if !seen[r.ID] {
					seen[r.ID] = true
					out = append(out, r)
				}
			}
			continue
		}
		r, err := store.ResolveAmong(all, bad, ref)
		if err != nil {
			return nil, err
		}
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// acc accumulates the outcome metrics of one group (a model, or a stimulus × model cell).
type acc struct {
	tally
	dur, turns, tools, errs           int64
	in, out, reasoning, cached, total int64
	// n* count the executed outcomes whose value was recorded (store.Unknown is left out
	// of the sums and of the means' denominators).
	nDur, nIn, nOut, nReasoning, nCached, nTotal int64
	nTurns, nTools                               int64
	cost                                         float64
	costN                                        int64
	score                                        float64
	scoreN                                       int64
}

// tally counts outcomes by verdict: the one place a status and a verdict become counts
// (ranking's cells and the matrix's alike).
type tally struct {
	n, passed, failed, errored, skipped, pending int64
	reviewed                                     int64 // outcomes whose verdict is a human's
	// errored outcomes a human gave a verdict: rated by it (counted in passed or failed,
	// not in errored), still errors (errors() counts them); errPassed of them passed.
	errReviewed, errPassed int64
}

// What tally.add counted an outcome as.
const (
	kSkipped int8 = iota
	kErrored
	kPassed
	kFailed
	kPending
)

// add counts one outcome of status code status and verdict passed (1, 0, -1 for none).
func (t *tally) add(status, passed int8, reviewed bool) int8 {
	t.n++
	if reviewed {
		t.reviewed++
	}
	switch {
	case status == stSkipped:
		t.skipped++
		return kSkipped
	case status == stError && reviewed && passed >= 0:
		t.errReviewed++
		if passed == 1 {
			t.errPassed++
			t.passed++
			return kPassed
		}
		t.failed++
		return kFailed
	case status == stError:
		t.errored++
		return kErrored
	case passed == 1:
		t.passed++
		return kPassed
	case passed == 0:
		t.failed++
		return kFailed
	}
	t.pending++
	return kPending
}

func (t *tally) merge(o *tally) {
	t.n += o.n
	t.passed += o.passed
	t.failed += o.failed
	t.errored += o.errored
	t.skipped += o.skipped
	t.pending += o.pending
	t.reviewed += o.reviewed
	t.errReviewed += o.errReviewed
	t.errPassed += o.errPassed
}

// errors counts the outcomes whose execution failed (status error), rated by a human or
// not.
func (t *tally) errors() int64 { return t.errored + t.errReviewed }

// addKnown adds a value an outcome recorded (store.Unknown is left out) and counts it.
func addKnown(sum, n *int64, v int64) {
	if v >= 0 {
		*sum += v
		*n++
	}
}

// sum is a sum over the outcomes that recorded the value: nil when none did.
func sum(v, n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &v
}

func (a *acc) merge(b *acc) {
	a.tally.merge(&b.tally)
	a.dur += b.dur
	a.turns += b.turns
	a.tools += b.tools
	a.errs += b.errs
	a.in += b.in
	a.out += b.out
	a.reasoning += b.reasoning
	a.cached += b.cached
	a.total += b.total
	a.nDur += b.nDur
	a.nIn += b.nIn
	a.nOut += b.nOut
	a.nReasoning += b.nReasoning
	a.nCached += b.nCached
	a.nTotal += b.nTotal
	a.nTurns += b.nTurns
	a.nTools += b.nTools
	a.cost += b.cost
	a.costN += b.costN
	a.score += b.score
	a.scoreN += b.scoreN
}

// rated is the denominator of the pass rate: passed + failed + errored.
func (a *acc) rated() int64 { return a.passed + a.failed + a.errored }

// passRate is passed / (passed + failed + errored), the one definition of every face.
func (a *acc) passRate() *float64 { return ratio(a.passed, a.rated()) }

// executed counts outcomes that ran (not skipped): the denominator of metric means.
func (a *acc) executed() int64 { return a.n - a.skipped }

// runAgg is one run's outcomes aggregated per model × stimulus cell.
type runAgg struct {
	run     store.Run
	models  []string
	stimuli []string
	// cells[m][s] holds model m on stimulus s; n == 0 when there is no outcome. Values,
	// not pointers: a whole-store scan makes hundreds of thousands of cells.
	cells [][]acc
	// counts[m][s] holds rated and passed outcomes per stimulus when only the per-model
	// totals are kept in cells (mode perModelCounts): all pass@k needs, in 8 bytes a cell.
	counts [][]passCount
}

type passCount struct{ n, c int32 }

// stimCount is a stimulus's passCount, for sparse lists.
type stimCount struct {
	s int32
	passCount
}

// aggMode chooses the grain of aggregateRun.
type aggMode int

const (
	perModel       aggMode = iota // cells[m][0] only; the stimulus column is not read
	perModelCounts                // cells[m][0] plus counts[m][s]
	perCell                       // cells[m][s]
)

// cell returns model m's cell for stimulus s, or nil when it has no outcome.
func (ra *runAgg) cell(m, s int) *acc {
	if m < len(ra.cells) && s < len(ra.cells[m]) && ra.cells[m][s].n > 0 {
		return &ra.cells[m][s]
	}
	return nil
}

var outcomeCols = []string{"model", "status", "passed", "score", "duration_ms", "turns", "tool_calls", "errors",
	"input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens", "total_tokens", "cost_usd"}

// status codes of the status column, by dictionary value.
const (
	stSuccess = iota
	stError
	stSkipped
)

func statusCode(s string) int8 {
	switch s {
	case store.StatusError:
		return stError
	case store.StatusSkipped:
		return stSkipped
	}
	return stSuccess
}

// aggregateRun scans one run's outcomes into cells of the grain mode asks for.
func aggregateRun(src Source, r store.Run, mode aggMode) (*runAgg, error) {
	return aggregateSliced(src, r, mode, nil)
}

// aggregateSliced is aggregateRun over the outcomes sl keeps, with each model split by the
// slice of its outcomes (sliceName) when sl groups.
func aggregateSliced(src Source, r store.Run, mode aggMode, sl *Slicing) (*runAgg, error) {
	return aggregateRange(src, r, mode, sl, 0, math.MaxInt64)
}

// aggregateRange is aggregateSliced over the outcome rows lo..hi-1 only: a share of one
// large run, so that its shares are scanned on several cores. A row group that straddles
// lo or hi is read by both shares, each counting its own rows.
func aggregateRange(src Source, r store.Run, mode aggMode, sl *Slicing, lo, hi int64) (*runAgg, error) {
	rs := newRangeScan(r, mode, sl, lo, hi)
	err := src.ScanRows(r.ID, store.Outcomes, rs.cols, lo, hi, func(b *store.Batch) error {
		rs.batch(b)
		return nil
	})
	return rs.ra, err
}

// rangeScan is aggregateRange's state across the batches of one row range.
type rangeScan struct {
	ra          *runAgg
	mode        aggMode
	sl          *Slicing
	tc          *tagCache
	cols        []string
	lo, hi      int64
	hint        int
	perStimulus bool
	modelID     map[string]int32
	stimID      map[string]int32
	// per batch: model, stimulus and model × tag ids by dictionary index, status codes,
	// and which tags the filter keeps
	mt, stt, comp []int32
	sc            []int8
	keep          []bool
	md, td, sd    *store.Dict // the batch's model, tags and stimulus columns
}

func newRangeScan(r store.Run, mode aggMode, sl *Slicing, lo, hi int64) *rangeScan {
	rs := &rangeScan{ra: &runAgg{run: r}, mode: mode, sl: sl, lo: lo, hi: hi, cols: outcomeCols,
		perStimulus: mode != perModel, modelID: map[string]int32{}}
	if sl.active() {
		rs.cols = append(slices.Clip(rs.cols), "tags")
		rs.tc = &tagCache{sl: sl, seen: map[string]tagInfo{}}
	}
	if rs.perStimulus {
		rs.cols = append(slices.Clip(rs.cols), "stimulus")
		// The run says how many stimuli it has: sized once, the stimulus index and the
		// per-model counts do not grow by doubling through a large run (a 1M-outcome run
		// has 41,666; the rehashing was 6% of its ranking).
		rs.hint = int(min(r.Summary.StimulusCount, 1<<20))
		if n := r.Summary.OutcomeCount; n > 0 && hi-lo < n {
			rs.hint = int(min(int64(rs.hint), (min(hi, n)-lo)*int64(rs.hint)/n+1024))
		}
	}
	rs.stimID = make(map[string]int32, rs.hint)
	rs.ra.stimuli = make([]string, 0, rs.hint)
	return rs
}

// names translates a batch's dictionaries to the run's ids: models (or, sliced, model ×
// tag names "model [key=value]", each named once), stimuli and status codes.
func (rs *rangeScan) names(b *store.Batch) {
	md := b.Dict("model")
	rs.md, rs.td, rs.sd = md, b.Dict("tags"), b.Dict("stimulus")
	if rs.tc != nil {
		td := rs.td
		infos := make([]tagInfo, len(td.Values))
		rs.keep = rs.keep[:0]
		for j, v := range td.Values {
			infos[j] = rs.tc.info(v)
			rs.keep = append(rs.keep, infos[j].keep)
		}
		names := make([]string, 0, len(md.Values)*len(td.Values))
		for _, m := range md.Values {
			for _, t := range infos {
				names = append(names, sliceName(m, rs.sl.By, t.group))
			}
		}
		rs.comp = translate(rs.comp[:0], names, rs.modelID, &rs.ra.models)
	} else {
		rs.mt = translate(rs.mt[:0], md.Values, rs.modelID, &rs.ra.models)
	}
	if rs.perStimulus {
		rs.stt = translate(rs.stt[:0], rs.sd.Values, rs.stimID, &rs.ra.stimuli)
	}
	rs.sc = rs.sc[:0]
	for _, v := range b.Dict("status").Values {
		rs.sc = append(rs.sc, statusCode(v))
	}
}

// grow makes room for the models and stimuli met so far.
func (rs *rangeScan) grow() {
	ra := rs.ra
	for len(ra.cells) < len(ra.models) {
		ra.cells = append(ra.cells, nil)
		ra.counts = append(ra.counts, nil)
	}
	for m := range ra.cells {
		if rs.mode == perCell {
			ra.cells[m] = extend(ra.cells[m], len(ra.stimuli), rs.hint)
		} else {
			ra.cells[m] = extend(ra.cells[m], 1, 1)
		}
		if rs.mode == perModelCounts {
			ra.counts[m] = extend(ra.counts[m], len(ra.stimuli), rs.hint)
		}
	}
}

// cellOf is row i's model and stimulus ids; ok is false for a row the filter drops.
func (rs *rangeScan) cellOf(i int) (m, s int32, ok bool) {
	if rs.tc != nil {
		t := rs.td.Index[i]
		if !rs.keep[t] {
			return 0, 0, false
		}
		m = rs.comp[int(rs.md.Index[i])*len(rs.td.Values)+int(t)]
	} else {
		m = rs.mt[rs.md.Index[i]]
	}
	if rs.perStimulus {
		s = rs.stt[rs.sd.Index[i]]
	}
	return m, s, true
}

// batch adds the rows of one batch in the range.
func (rs *rangeScan) batch(b *store.Batch) {
	rs.names(b)
	rs.grow()
	ra := rs.ra
	first, last := int(max(rs.lo-b.Row0, 0)), int(min(rs.hi-b.Row0, int64(b.N)))
	std := b.Dict("status")
	passed, score, cost := b.Bool("passed"), b.Float("score"), b.Float("cost_usd")
	reviewed := b.AnyReviewed()
	dur, turns, tools, nerr := b.Int("duration_ms"), b.Int("turns"), b.Int("tool_calls"), b.Int("errors")
	in, out, rea, cac, tot := b.Int("input_tokens"), b.Int("output_tokens"), b.Int("reasoning_tokens"), b.Int("cached_tokens"), b.Int("total_tokens")
	for i := first; i < last; i++ {
		m, s, ok := rs.cellOf(i)
		if !ok {
			continue
		}
		a := &ra.cells[m][0]
		if rs.mode == perCell {
			a = &ra.cells[m][s]
		}
		k := a.add(rs.sc[std.Index[i]], passed[i], reviewed && b.Reviewed(i))
		if k == kSkipped {
			continue
		}
		if rs.mode == perModelCounts && k != kPending {
			c := &ra.counts[m][s]
			c.n++
			if k == kPassed {
				c.c++
			}
		}
		addKnown(&a.dur, &a.nDur, dur[i])
		addKnown(&a.turns, &a.nTurns, turns[i])
		addKnown(&a.tools, &a.nTools, tools[i])
		a.errs += nerr[i]
		addKnown(&a.in, &a.nIn, in[i])
		addKnown(&a.out, &a.nOut, out[i])
		addKnown(&a.reasoning, &a.nReasoning, rea[i])
		addKnown(&a.cached, &a.nCached, cac[i])
		addKnown(&a.total, &a.nTotal, tot[i])
		if c := cost[i]; !math.IsNaN(c) {
			a.cost += c
			a.costN++
		}
		if v := score[i]; !math.IsNaN(v) {
			a.score += v
			a.scoreN++
		}
	}
}

// extend returns s grown to length n with zero values; when it must allocate, it reserves
// room for hint elements at once.
func extend[T any](s []T, n, hint int) []T {
	if n <= len(s) {
		return s
	}
	if n > cap(s) {
		// make, not slices.Grow: fresh memory is zeroed once (or not at all when it comes
		// zeroed from the system), where Grow copies in a zero slice and clears its tail.
		t := make([]T, n, max(n, hint))
		copy(t, s)
		return t
	}
	l := len(s)
	s = s[:n]
	clear(s[l:])
	return s
}

// translateSame is translate with a fast path for the usual case across runs of one suite:
// values are the first names, in the same order, so ids are positions (string compares
// instead of map lookups: a whole-store ranking merges millions of cells).
func translateSame(dst []int32, values []string, ids map[string]int32, names *[]string) []int32 {
	if len(values) <= len(*names) {
		same := true
		for i, v := range values {
			if (*names)[i] != v {
				same = false
				break
			}
		}
		if same {
			for i := range values {
				dst = append(dst, int32(i))
			}
			return dst
		}
	}
	return translate(dst, values, ids, names)
}

// translate maps a batch dictionary onto stable per-run ids, growing names as needed.
func translate(dst []int32, values []string, ids map[string]int32, names *[]string) []int32 {
	for _, v := range values {
		id, ok := ids[v]
		if !ok {
			id = int32(len(*names))
			ids[v] = id
			*names = append(*names, v)
		}
		dst = append(dst, id)
	}
	return dst
}

// aggregateRuns scans runs in parallel, one run per worker.
func aggregateRuns(src Source, runs []store.Run, mode aggMode) ([]*runAgg, error) {
	return aggregateRunsSliced(src, runs, mode, nil)
}

func aggregateRunsSliced(src Source, runs []store.Run, mode aggMode, sl *Slicing) ([]*runAgg, error) {
	return perRun(src, runs, func(r store.Run) (*runAgg, error) { return aggregateSliced(src, r, mode, sl) })
}

// parallelSource is a source that says how many runs to read at once: a bucket store,
// where a read waits on the network rather than on a core.
type parallelSource interface{ Parallelism() int }

// perRun calls fn for every run on GOMAXPROCS workers (or as many as the source asks for)
// and returns the results in order; the first error (in run order) wins.
func perRun[T any](src Source, runs []store.Run, fn func(store.Run) (T, error)) ([]T, error) {
	return parallel(src, runs, fn)
}

// inOrder calls fn on each item on as many goroutines as the source can use and hands the
// answers to sink in the items' order, each as soon as those before it are in: at most
// twice the workers' answers wait, so a long list's answers are not all alive at once. It
// returns the first error (and calls sink no more after it).
func inOrder[T, I any](src Source, items []I, fn func(I) (T, error), sink func(T)) error {
	type result struct {
		v   T
		err error
	}
	w := workersFor(src)
	ready := make([]chan result, len(items))
	for i := range ready {
		ready[i] = make(chan result, 1)
	}
	window := make(chan struct{}, 2*w) // answers made and not yet sunk
	sem := make(chan struct{}, w)
	go func() {
		for i, it := range items {
			window <- struct{}{}
			sem <- struct{}{}
			go func() {
				v, err := fn(it)
				<-sem
				ready[i] <- result{v, err}
			}()
		}
	}()
	var first error
	for i := range items {
		r := <-ready[i]
		<-window
		if first == nil && r.err != nil {
			first = r.err
		}
		if first == nil {
			sink(r.v)
		}
	}
	return first
}

// workersFor is how many scans run at once: a core each, or more where the source says so
// (a bucket store waits on the network).
func workersFor(src Source) int {
	w := runtime.GOMAXPROCS(0)
	if ps, ok := src.(parallelSource); ok {
		w = max(w, ps.Parallelism())
	}
	return w
}

// parallel calls fn on each item on as many goroutines as the source can use, and returns
// the answers in the items' order (the first error, if any).
func parallel[T, I any](src Source, items []I, fn func(I) (T, error)) ([]T, error) {
	out := make([]T, len(items))
	errsOut := make([]error, len(items))
	var wg sync.WaitGroup
	sem := make(chan struct{}, workersFor(src))
	for i, it := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], errsOut[i] = fn(it)
		}()
	}
	wg.Wait()
	for _, err := range errsOut {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// eachOf calls fn(0) … fn(n-1) on as many goroutines as the source can use. fn must touch
// only what belongs to its index.
func eachOf(src Source, n int, fn func(i int)) {
	w := min(workersFor(src), n)
	if w <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// runIDs lists the ids of runs.
func runIDs(runs []store.Run) []string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	return ids
}

// lessFold orders names case-insensitively, then exactly.
func lessFold(a, b string) int {
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// ResolveScope is the runs a scope names, as every question resolves them (lake writes its
// SQL for the same runs).
func ResolveScope(src Source, sc Scope) ([]store.Run, error) { return resolve(src, sc) }
