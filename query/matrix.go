package query

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/evals-dev/evals/store"
)

// MatrixCell is one stimulus × model cell.
type MatrixCell struct {
	Value        *float64 `json:"value"`
	OutcomeCount int64    `json:"outcomeCount"`
	// Status is the cell's classification (ok, failed, error, ungraded, skipped).
	Status string `json:"status"`
	// PassRateInterval is the 95% Wilson interval of the cell's pass rate over its trials.
	PassRateInterval *Interval `json:"passRateInterval"`
	// Reviewed is set when a human verdict counts in the cell.
	Reviewed bool     `json:"reviewed"`
	Flags    []string `json:"flags,omitempty"`
}

// Matrix is a stimulus × model grid of one metric. cells[r][c] is null when the model has
// no outcome for the stimulus.
type Matrix struct {
	RunIDs []string `json:"runIds"`
	Metric Metric   `json:"metric"`
	Rows   []string `json:"rows"`
	// RowsBy is the tag whose values are the rows ("" when the rows are stimuli).
	RowsBy  string          `json:"rowsBy,omitempty"`
	Columns []string        `json:"columns"`
	Cells   [][]*MatrixCell `json:"cells"`
}

// MatrixOf computes a metric per stimulus and model. Flags mark cells that are "flaky"
// (0 < pass rate < 1 across trials) or "error" (every rated trial errored: the cell status).
func MatrixOf(src Source, sc Scope, metricID string) (Matrix, error) {
	if metricID == "" {
		metricID = "pass_rate"
	}
	m, err := MetricByID(metricID)
	if err != nil {
		return Matrix{}, err
	}
	runs, err := resolve(src, sc)
	if err != nil {
		return Matrix{}, err
	}
	// Each run's grid joins the dense one as soon as the runs before it have: a few grids
	// are alive at once, not one per run (the all-runs matrix of 10M outcomes held 100).
	d := newDenseGrid(sc.By)
	if !sc.Slicing.active() && colKind(m.col) != colFloat && len(runs) > 1 {
		err = tallyOnCores(src, runs, m.col, d)
	} else {
		err = matrixGrids(src, runs, sc, m.col, func(g cellGrid) {
			if !d.add(g) {
				recycle(g)
			}
		})
	}
	if err != nil {
		return Matrix{}, err
	}
	used, usedCols, n := d.used()
	out := Matrix{RunIDs: runIDs(runs), Metric: m, Rows: sortedNames(used), Columns: sortedNames(usedCols), RowsBy: sc.By}
	d.fill(&out, m, n)
	return out, nil
}

// tallyOnCores tallies the runs' cells on every core, each core into one grid of its own
// over all the runs it reads, merged at the end: no grid per run to clear and merge (at
// 10M outcomes those were two fifths of an all-runs matrix). Counts and integer sums add
// up the same in any order; a float column's sums would differ in their last bits with
// the order the runs come in, so those go run by run (matrixGrids).
func tallyOnCores(src Source, runs []store.Run, col string, d *denseGrid) error {
	var hint int64
	for _, r := range runs {
		hint = max(hint, r.Summary.StimulusCount)
	}
	w := min(workersFor(src), len(runs))
	tallies := make([]*cellTally, w)
	fails := make([]error, w)
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for k := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := newCellTally(col, int(min(hint, 1<<20)))
			for i := int(next.Add(1) - 1); i < len(runs) && !failed.Load(); i = int(next.Add(1) - 1) {
				if err := t.scan(src, runs[i]); err != nil {
					fails[k] = err
					failed.Store(true)
					return
				}
			}
			tallies[k] = t
		}()
	}
	wg.Wait()
	for _, err := range fails {
		if err != nil {
			return err
		}
	}
	for _, t := range tallies {
		d.add(t.g)
	}
	return nil
}

// matrixGrids scans each run into cells. The scan reads the metric's column, not all of
// them, into compact cells (cellAcc). A sliced matrix (by or where) comes from the general
// scan. (A large run cut in shares on both cores was no faster: merging the second
// share's cells cost what it saved.)
func matrixGrids(src Source, runs []store.Run, sc Scope, col string, sink func(cellGrid)) error {
	return inOrder(src, runs, func(r store.Run) (cellGrid, error) {
		if !sc.Slicing.active() {
			return scanCells(src, r, col)
		}
		// With By the rows are the tag's values instead of stimuli: each model's
		// outcomes of one value, over every stimulus that has it.
		mode := perCell
		if sc.By != "" {
			mode = perModel
		}
		ra, err := aggregateSliced(src, r, mode, &sc.Slicing)
		if err != nil {
			return cellGrid{}, err
		}
		return gridOf(ra, col), nil
	}, sink)
}

// denseGrid is the runs' cells kept densely: a column per model (by a global model id), a
// row per stimulus or tag value (by a global row id), ids given in order of appearance.
type denseGrid struct {
	by                 string
	rowID, colID       map[string]int32
	rowNames, colNames []string
	cols               [][]cellAcc // cols[model][row]; a cell with no outcome has n == 0
	started            bool        // a grid was added
}

func newDenseGrid(by string) *denseGrid {
	return &denseGrid{by: by, rowID: map[string]int32{}, colID: map[string]int32{}}
}

// add merges one run's grid into the dense grid (runs are added in order: float sums add
// up the same way every time); adopted says the grid's cells became the dense grid's.
func (d *denseGrid) add(g cellGrid) (adopted bool) {
	colOf := d.columnsOf(nil, g.models)
	var rowOf []int32
	if d.by == "" {
		rowOf = translate(nil, g.stimuli, d.rowID, &d.rowNames)
		if !d.started {
			// The first run's ids are its positions: its cells are the grid as they are
			// (a copy of a 1M-outcome run's 333k cells was a third of the matrix).
			d.cols, d.started = g.cells, true
			return true
		}
	}
	d.started = true
	for mi, row := range g.cells {
		for si := range row {
			c := &row[si]
			if c.n == 0 {
				continue
			}
			var r int32
			if d.by != "" {
				r = d.valueRow(g.models[mi])
			} else {
				r = rowOf[si]
			}
			m := colOf[mi]
			d.cols[m] = extend(d.cols[m], int(r)+1, len(d.rowNames))
			d.cols[m][r].merge(c)
		}
	}
	return false
}

// columnsOf gives a grid's models their column ids (a sliced name's model part).
func (d *denseGrid) columnsOf(dst []int32, models []string) []int32 {
	for _, name := range models {
		model := name
		if d.by != "" {
			model, _ = splitSliceName(name, d.by)
		}
		id, ok := d.colID[model]
		if !ok {
			id = int32(len(d.colNames))
			d.colID[model] = id
			d.colNames = append(d.colNames, model)
			d.cols = append(d.cols, nil)
		}
		dst = append(dst, id)
	}
	return dst
}

// valueRow is the row of a sliced model name's tag value (NoTag without one).
func (d *denseGrid) valueRow(name string) int32 {
	value := NoTag
	if _, slice := splitSliceName(name, d.by); slice != nil {
		value = slice.Value
	}
	id, ok := d.rowID[value]
	if !ok {
		id = int32(len(d.rowNames))
		d.rowID[value] = id
		d.rowNames = append(d.rowNames, value)
	}
	return id
}

func (d *denseGrid) has(m int, r int32) bool { return int(r) < len(d.cols[m]) && d.cols[m][r].n > 0 }

// used is the rows and columns with a cell (a filter may have kept none of some) and the
// number of cells with outcomes.
func (d *denseGrid) used() (rows, cols []string, n int) {
	for r, name := range d.rowNames {
		for m := range d.cols {
			if d.has(m, int32(r)) {
				rows = append(rows, name)
				break
			}
		}
	}
	for m, name := range d.colNames {
		k := 0
		for r := range d.cols[m] {
			if d.cols[m][r].n > 0 {
				k++
			}
		}
		if k > 0 {
			cols = append(cols, name)
		}
		n += k
	}
	return rows, cols, n
}

// fill sets the answer's n cells, from slabs: one allocation per kind, not three per cell.
func (d *denseGrid) fill(out *Matrix, m Metric, n int) {
	slab, values, intervals := make([]MatrixCell, 0, n), make([]float64, 0, n), make([]Interval, 0, n)
	out.Cells = make([][]*MatrixCell, len(out.Rows))
	rowSlab := make([]*MatrixCell, len(out.Rows)*len(out.Columns))
	mcs := make([]int32, len(out.Columns))
	for ci, model := range out.Columns {
		mcs[ci] = d.colID[model]
	}
	a := &acc{} // one for every cell: m.value keeps no pointer, but the compiler cannot know
	for ri, name := range out.Rows {
		r := d.rowID[name]
		out.Cells[ri] = rowSlab[ri*len(mcs) : (ri+1)*len(mcs) : (ri+1)*len(mcs)]
		for ci, mc := range mcs {
			if !d.has(int(mc), r) {
				continue
			}
			*a = d.cols[mc][r].toAcc(m.col)
			cell := MatrixCell{OutcomeCount: a.n, Status: cellStatus(a, DefaultThreshold), Reviewed: a.reviewed > 0}
			if v := m.value(a); v != nil {
				values = append(values, *v)
				cell.Value = &values[len(values)-1]
			}
			if rated := a.rated(); rated > 0 {
				intervals = append(intervals, roundedIv(trialIv(a.passed, rated)))
				cell.PassRateInterval = &intervals[len(intervals)-1]
			}
			if d.by == "" { // a tag's row spans stimuli: flaky and error are cell words
				cell.Flags = cellFlags(a)
			}
			slab = append(slab, cell)
			out.Cells[ri][ci] = &slab[len(slab)-1]
		}
	}
}

// The flag lists cells share (read only): a 1M-outcome matrix has 100k flaky cells.
var (
	flagsFlaky      = []string{"flaky"}
	flagsError      = []string{"error"}
	flagsFlakyError = []string{"flaky", "error"}
)

func cellFlags(a *acc) []string {
	flaky := a.passed > 0 && a.passed < a.rated()
	errored := cellStatus(a, DefaultThreshold) == CellError
	switch {
	case flaky && errored:
		return flagsFlakyError
	case flaky:
		return flagsFlaky
	case errored:
		return flagsError
	}
	return nil
}

func sortedNames(names []string) []string {
	out := append([]string{}, names...)
	slices.SortFunc(out, lessFold)
	return out
}
