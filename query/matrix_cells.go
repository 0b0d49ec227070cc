package query

import (
	"math"

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

// scanCells tallies one run's outcomes per model × stimulus for a metric of column col
// ("" for the pass and error rates), reading that column and the cell counts only.
func scanCells(src Source, r store.Run, col string) (cellGrid, error) {
	var g cellGrid
	cols := []string{"model", "stimulus", "status", "passed"}
	kind := colKind(col)
	if kind != colNone {
		cols = append(cols, col)
	}
	hint := int(min(r.Summary.StimulusCount, 1<<20))
	modelID, stimID := map[string]int32{}, make(map[string]int32, hint)
	g.stimuli = make([]string, 0, hint)
	var mt, stt []int32
	var sc []int8
	err := src.Scan(r.ID, store.Outcomes, cols, func(b *store.Batch) error {
		md, sd, std := b.Dict("model"), b.Dict("stimulus"), b.Dict("status")
		mt = translate(mt[:0], md.Values, modelID, &g.models)
		stt = translate(stt[:0], sd.Values, stimID, &g.stimuli)
		sc = sc[:0]
		for _, v := range std.Values {
			sc = append(sc, statusCode(v))
		}
		for len(g.cells) < len(g.models) {
			g.cells = append(g.cells, nil)
		}
		for m := range g.cells {
			g.cells[m] = extend(g.cells[m], len(g.stimuli), hint)
		}
		passed, reviewed := b.Bool("passed"), b.AnyReviewed()
		var ints []int64
		var floats []float64
		switch kind {
		case colKnown, colPlain:
			ints = b.Int(col)
		case colFloat:
			floats = b.Float(col)
		}
		for i := 0; i < b.N; i++ {
			c := &g.cells[mt[md.Index[i]]][stt[sd.Index[i]]]
			if c.add(sc[std.Index[i]], passed[i], reviewed && b.Reviewed(i)) == kSkipped {
				continue
			}
			switch kind {
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
		return nil
	})
	return g, err
}
