package query

import (
	"math"
	"sync"

	"github.com/evals-dev/evals/store"
)

// cellAcc is a matrix cell's tally: the counts every cell shows (status, outcomes, pass
// rate and its interval) and the sums of one metric column, in 80 bytes where acc keeps
// every metric in 216. A 1M-outcome run's matrix has 333k cells: 27 MB instead of 72.
type cellAcc struct {
	tally
	isum int64   // an integer column's sum
	fsum float64 // a float column's sum
	cnt  int64   // values counted (known ints, non-null floats)
}

func (c *cellAcc) merge(o *cellAcc) {
	c.tally.merge(&o.tally)
	c.isum += o.isum
	c.fsum += o.fsum
	c.cnt += o.cnt
}

// How a metric column adds up, as aggregateRange adds it into acc.
const (
	colNone  = iota
	colKnown // an integer an outcome may not have recorded (Unknown is left out)
	colPlain // an integer every outcome has
	colFloat // a float that may be null (NaN)
)

func colKind(col string) int {
	var a acc
	i, f, n := accSums(&a, col) // where acc keeps the column's sums says how it adds up
	switch {
	case f != nil:
		return colFloat
	case i != nil && n != nil:
		return colKnown
	case i != nil:
		return colPlain
	}
	return colNone
}

// accSums points at the fields of a that hold column col's sums: an integer sum, a float
// sum and the count of values (nil where col has none).
func accSums(a *acc, col string) (isum *int64, fsum *float64, cnt *int64) {
	switch col {
	case "duration_ms":
		return &a.dur, nil, &a.nDur
	case "turns":
		return &a.turns, nil, &a.nTurns
	case "tool_calls":
		return &a.tools, nil, &a.nTools
	case "errors":
		return &a.errs, nil, nil
	case "input_tokens":
		return &a.in, nil, &a.nIn
	case "output_tokens":
		return &a.out, nil, &a.nOut
	case "reasoning_tokens":
		return &a.reasoning, nil, &a.nReasoning
	case "total_tokens":
		return &a.total, nil, &a.nTotal
	case "score":
		return nil, &a.score, &a.scoreN
	case "cost_usd":
		return nil, &a.cost, &a.costN
	}
	return nil, nil, nil
}

// toAcc is the cell as the acc a full scan would have made, for the metric of column col.
func (c *cellAcc) toAcc(col string) acc {
	a := acc{tally: c.tally}
	i, f, n := accSums(&a, col)
	if i != nil {
		*i = c.isum
	}
	if f != nil {
		*f = c.fsum
	}
	if n != nil {
		*n = c.cnt
	}
	return a
}

// cellOf is the inverse of toAcc.
func cellOf(a *acc, col string) cellAcc {
	c := cellAcc{tally: a.tally}
	i, f, n := accSums(a, col)
	if i != nil {
		c.isum = *i
	}
	if f != nil {
		c.fsum = *f
	}
	if n != nil {
		c.cnt = *n
	}
	return c
}

// cellGrid is one run's matrix cells: cells[model][stimulus].
type cellGrid struct {
	models, stimuli []string
	cells           [][]cellAcc
}

// gridOf turns aggregateRange's cells (a sliced scan) into a grid.
func gridOf(ra *runAgg, col string) cellGrid {
	g := cellGrid{models: ra.models, stimuli: ra.stimuli, cells: make([][]cellAcc, len(ra.cells))}
	if len(g.stimuli) == 0 {
		g.stimuli = []string{""} // per model only: one column of cells
	}
	for m, row := range ra.cells {
		g.cells[m] = make([]cellAcc, len(row))
		for s := range row {
			g.cells[m][s] = cellOf(&row[s], col)
		}
	}
	return g
}

// cellRows recycles the cells of run grids once merged: a 100,000-outcome run's grid is
// 10 MB, and clearing fresh memory for each of 100 runs (page faults included) was a fifth
// of an all-runs matrix.
var cellRows sync.Pool

// recycle hands a merged grid's cells back for the next run's scan.
func recycle(g cellGrid) {
	cells := g.cells[:cap(g.cells)]
	cellRows.Put(&cells)
}

// scanCells tallies one run's outcomes per model × stimulus for a metric of column col
// ("" for the pass and error rates), reading that column and the cell counts only.
func scanCells(src Source, r store.Run, col string) (cellGrid, error) {
	t := newCellTally(col, int(min(r.Summary.StimulusCount, 1<<20)))
	if rows, ok := cellRows.Get().(*[][]cellAcc); ok {
		t.g.cells = (*rows)[:0] // a grid an earlier run's merge let go of: its memory is warm
	}
	err := t.scan(src, r)
	return t.g, err
}

// cellTally tallies outcomes into a grid, run after run: ids are given to models and
// stimuli as they appear.
type cellTally struct {
	g               cellGrid
	col             string
	kind            int
	cols            []string
	hint            int
	modelID, stimID map[string]int32
	mt, stt         []int32
	sc              []int8
}

func newCellTally(col string, hint int) *cellTally {
	t := &cellTally{col: col, kind: colKind(col), cols: []string{"model", "stimulus", "status", "passed"}, hint: hint,
		modelID: map[string]int32{}, stimID: make(map[string]int32, hint)}
	if t.kind != colNone {
		t.cols = append(t.cols, col)
	}
	t.g.stimuli = make([]string, 0, hint)
	return t
}

// scan adds run r's outcomes.
func (t *cellTally) scan(src Source, r store.Run) error {
	return src.Scan(r.ID, store.Outcomes, t.cols, func(b *store.Batch) error {
		t.batch(b)
		return nil
	})
}

func (t *cellTally) batch(b *store.Batch) {
	g := &t.g
	md, sd, std := b.Dict("model"), b.Dict("stimulus"), b.Dict("status")
	t.mt = translate(t.mt[:0], md.Values, t.modelID, &g.models)
	t.stt = translate(t.stt[:0], sd.Values, t.stimID, &g.stimuli)
	t.sc = t.sc[:0]
	for _, v := range std.Values {
		t.sc = append(t.sc, statusCode(v))
	}
	for len(g.cells) < len(g.models) {
		if n := len(g.cells); n < cap(g.cells) {
			g.cells = g.cells[:n+1]
			g.cells[n] = g.cells[n][:0] // extend clears what it hands out
			continue
		}
		g.cells = append(g.cells, nil)
	}
	for m := range g.cells {
		g.cells[m] = extend(g.cells[m], len(g.stimuli), max(t.hint, len(g.stimuli)))
	}
	passed, reviewed := b.Bool("passed"), b.AnyReviewed()
	var ints []int64
	var floats []float64
	switch t.kind {
	case colKnown, colPlain:
		ints = b.Int(t.col)
	case colFloat:
		floats = b.Float(t.col)
	}
	mt, stt, sc := t.mt, t.stt, t.sc
	for i := 0; i < b.N; i++ {
		c := &g.cells[mt[md.Index[i]]][stt[sd.Index[i]]]
		if c.add(sc[std.Index[i]], passed[i], reviewed && b.Reviewed(i)) == kSkipped {
			continue
		}
		switch t.kind {
		case colKnown:
			if v := ints[i]; v >= 0 {
				c.isum += v
				c.cnt++
			}
		case colPlain:
			c.isum += ints[i]
		case colFloat:
			if v := floats[i]; !math.IsNaN(v) {
				c.fsum += v
				c.cnt++
			}
		}
	}
}
