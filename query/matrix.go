package query

import (
	"slices"

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
	// The scan reads the metric's column, not all of them, into compact cells (cellAcc).
	// A sliced matrix (by or where) comes from the general scan. (A large run cut in shares
	// on both cores was no faster: merging the second share's cells cost what it saved.)
	col := m.col
	grids, err := perRun(src, runs, func(r store.Run) (cellGrid, error) {
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
	})
	if err != nil {
		return Matrix{}, err
	}
	// Cells are kept densely: a column per model (by a global model id), a row per
	// stimulus or tag value (by a global row id), ids given in order of appearance.
	rowID, colID := map[string]int32{}, map[string]int32{}
	var rowNames, colNames []string
	var cols [][]cellAcc // cols[model][row]; a cell with no outcome has n == 0
	var rowOf, colOf []int32
	for gi, g := range grids {
		colOf = colOf[:0]
		for _, name := range g.models {
			model := name
			if sc.By != "" {
				model, _ = splitSliceName(name, sc.By)
			}
			id, ok := colID[model]
			if !ok {
				id = int32(len(colNames))
				colID[model] = id
				colNames = append(colNames, model)
				cols = append(cols, nil)
			}
			colOf = append(colOf, id)
		}
		rowOf = rowOf[:0]
		if sc.By == "" {
			rowOf = translate(rowOf, g.stimuli, rowID, &rowNames)
			if gi == 0 {
				// The first run's ids are its positions: its cells are the grid as they are
				// (a copy of a 1M-outcome run's 333k cells was a third of the matrix).
				cols = g.cells
				continue
			}
		}
		for mi, row := range g.cells {
			for si := range row {
				c := &row[si]
				if c.n == 0 {
					continue
				}
				var r int32
				if sc.By != "" {
					value := NoTag
					if _, slice := splitSliceName(g.models[mi], sc.By); slice != nil {
						value = slice.Value
					}
					id, ok := rowID[value]
					if !ok {
						id = int32(len(rowNames))
						rowID[value] = id
						rowNames = append(rowNames, value)
					}
					r = id
				} else {
					r = rowOf[si]
				}
				m := colOf[mi]
				cols[m] = extend(cols[m], int(r)+1, len(rowNames))
				cols[m][r].merge(c)
			}
		}
	}
	// Rows are the stimuli (or values) with a cell: a filter may have kept none of some.
	has := func(m int, r int32) bool { return int(r) < len(cols[m]) && cols[m][r].n > 0 }
	var used []string
	for r, name := range rowNames {
		for m := range cols {
			if has(m, int32(r)) {
				used = append(used, name)
				break
			}
		}
	}
	var usedCols []string
	n := 0 // cells with outcomes
	for m, name := range colNames {
		k := 0
		for r := range cols[m] {
			if cols[m][r].n > 0 {
				k++
			}
		}
		if k > 0 {
			usedCols = append(usedCols, name)
		}
		n += k
	}
	out := Matrix{RunIDs: runIDs(runs), Metric: m, Rows: sortedNames(used), Columns: sortedNames(usedCols), RowsBy: sc.By}
	// The answer's cells come from slabs: one allocation per kind, not three per cell.
	slab, values, intervals := make([]MatrixCell, 0, n), make([]float64, 0, n), make([]Interval, 0, n)
	out.Cells = make([][]*MatrixCell, len(out.Rows))
	rowSlab := make([]*MatrixCell, len(out.Rows)*len(out.Columns))
	mcs := make([]int32, len(out.Columns))
	for ci, model := range out.Columns {
		mcs[ci] = colID[model]
	}
	a := &acc{} // one for every cell: m.value keeps no pointer, but the compiler cannot know
	for ri, name := range out.Rows {
		r := rowID[name]
		out.Cells[ri] = rowSlab[ri*len(mcs) : (ri+1)*len(mcs) : (ri+1)*len(mcs)]
		for ci, mc := range mcs {
			if !has(int(mc), r) {
				continue
			}
			*a = cols[mc][r].toAcc(col)
			cell := MatrixCell{OutcomeCount: a.n, Status: cellStatus(a, DefaultThreshold), Reviewed: a.reviewed > 0}
			if v := m.value(a); v != nil {
				values = append(values, *v)
				cell.Value = &values[len(values)-1]
			}
			if rated := a.rated(); rated > 0 {
				intervals = append(intervals, roundedIv(trialIv(a.passed, rated)))
				cell.PassRateInterval = &intervals[len(intervals)-1]
			}
			if sc.By == "" { // a tag's row spans stimuli: flaky and error are cell words
				cell.Flags = cellFlags(a)
			}
			slab = append(slab, cell)
			out.Cells[ri][ci] = &slab[len(slab)-1]
		}
	}
	return out, nil
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
