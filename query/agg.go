package query

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// Scope selects the runs an aggregate reads: run references, or "all" for the whole store.
type Scope struct {
	Runs []string
}

// resolve turns a scope into runs (newest first, no duplicates).
func resolve(src Source, sc Scope) ([]store.Run, error) {
	refs := sc.Runs
	if len(refs) == 0 {
		refs = []string{"latest"}
	}
	all, _, err := src.Runs()
	if err != nil {
		return nil, err
	}
	var out []store.Run
	seen := map[string]bool{}
	for _, ref := range refs {
		if ref == "all" || ref == "*" {
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
		r, err := store.ResolveIn(all, ref)
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
	n, passed, failed, errored, skipped, pending int64
	dur, turns, tools, errs                      int64
	in, out, reasoning, cached, total            int64
	cost                                         float64
	costN                                        int64
	score                                        float64
	scoreN                                       int64
}

func (a *acc) merge(b *acc) {
	a.n += b.n
	a.passed += b.passed
	a.failed += b.failed
	a.errored += b.errored
	a.skipped += b.skipped
	a.pending += b.pending
	a.dur += b.dur
	a.turns += b.turns
	a.tools += b.tools
	a.errs += b.errs
	a.in += b.in
	a.out += b.out
	a.reasoning += b.reasoning
	a.cached += b.cached
	a.total += b.total
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
	// cells[m][s] is nil when model m has no outcome for stimulus s.
	cells [][]*acc
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

// aggregateRun scans one run's outcomes into cells. With perStimulus false every outcome
// of a model lands in one cell (stimulus 0), and the stimulus column is not read.
func aggregateRun(src Source, r store.Run, perStimulus bool) (*runAgg, error) {
	ra := &runAgg{run: r}
	cols := outcomeCols
	if perStimulus {
		cols = append(slices.Clip(cols), "stimulus")
	} else {
		ra.stimuli = []string{""}
	}
	modelID := map[string]int32{}
	stimID := map[string]int32{}
	var mt, stt []int32
	var sc []int8
	err := src.Scan(r.ID, store.Outcomes, cols, func(b *store.Batch) error {
		md := b.Dict("model")
		mt = translate(mt[:0], md.Values, modelID, &ra.models)
		var si []int32
		if perStimulus {
			sd := b.Dict("stimulus")
			stt = translate(stt[:0], sd.Values, stimID, &ra.stimuli)
			si = sd.Index
		}
		std := b.Dict("status")
		sc = sc[:0]
		for _, v := range std.Values {
			sc = append(sc, statusCode(v))
		}
		for len(ra.cells) < len(ra.models) {
			ra.cells = append(ra.cells, nil)
		}
		passed, score, cost := b.Bool("passed"), b.Float("score"), b.Float("cost_usd")
		dur, turns, tools, nerr := b.Int("duration_ms"), b.Int("turns"), b.Int("tool_calls"), b.Int("errors")
		in, out, rea, cac, tot := b.Int("input_tokens"), b.Int("output_tokens"), b.Int("reasoning_tokens"), b.Int("cached_tokens"), b.Int("total_tokens")
		for i := 0; i < b.N; i++ {
			m := mt[md.Index[i]]
			s := int32(0)
			if perStimulus {
				s = stt[si[i]]
			}
			row := ra.cells[m]
			if int(s) >= len(row) {
				row = append(row, make([]*acc, int(s)+1-len(row))...)
				ra.cells[m] = row
			}
			a := row[s]
			if a == nil {
				a = &acc{}
				row[s] = a
			}
			a.n++
			switch sc[std.Index[i]] {
			case stSkipped:
				a.skipped++
				continue
			case stError:
				a.errored++
			default:
				switch passed[i] {
				case 1:
					a.passed++
				case 0:
					a.failed++
				default:
					a.pending++
				}
			}
			a.dur += dur[i]
			a.turns += turns[i]
			a.tools += tools[i]
			a.errs += nerr[i]
			a.in += in[i]
			a.out += out[i]
			a.reasoning += rea[i]
			a.cached += cac[i]
			a.total += tot[i]
			if c := cost[i]; !math.IsNaN(c) {
				a.cost += c
				a.costN++
			}
			if v := score[i]; !math.IsNaN(v) {
				a.score += v
				a.scoreN++
			}
		}
		return nil
	})
	return ra, err
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
func aggregateRuns(src Source, runs []store.Run, perStimulus bool) ([]*runAgg, error) {
	out := make([]*runAgg, len(runs))
	errsOut := make([]error, len(runs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, r := range runs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], errsOut[i] = aggregateRun(src, r, perStimulus)
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
