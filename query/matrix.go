package query

import (
	"slices"
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
	// With By the rows are the tag's values instead of stimuli: each model's outcomes of
	// one value, over every stimulus that has it.
	mode := perCell
	if sc.By != "" {
		mode = perModel
	}
	aggs, err := aggregateRunsSliced(src, runs, mode, &sc.Slicing)
	if err != nil {
		return Matrix{}, err
	}
	cells := map[[2]string]*acc{}
	models, stimuli := map[string]bool{}, map[string]bool{}
	for _, ra := range aggs {
		for mi, row := range ra.cells {
			for si := range row {
				c := ra.cell(mi, si)
				if c == nil {
					continue
				}
				var k [2]string
				if sc.By != "" {
					model, slice := splitSliceName(ra.models[mi], sc.By)
					k = [2]string{NoTag, model}
					if slice != nil {
						k[0] = slice.Value
					}
				} else {
					k = [2]string{ra.stimuli[si], ra.models[mi]}
				}
				if cells[k] == nil {
					cells[k] = &acc{}
				}
				cells[k].merge(c)
				models[k[1]], stimuli[k[0]] = true, true
			}
		}
	}
	out := Matrix{RunIDs: runIDs(runs), Metric: m, Rows: sortedKeys(stimuli), Columns: sortedKeys(models), RowsBy: sc.By}
	out.Cells = make([][]*MatrixCell, len(out.Rows))
	for r, s := range out.Rows {
		out.Cells[r] = make([]*MatrixCell, len(out.Columns))
		for c, model := range out.Columns {
			a := cells[[2]string{s, model}]
			if a == nil {
				continue
			}
			out.Cells[r][c] = &MatrixCell{Value: m.value(a), OutcomeCount: a.n, Status: cellStatus(a, DefaultThreshold),
				PassRateInterval: roundInterval(trialInterval(a.passed, a.rated())), Reviewed: a.reviewed > 0}
			if sc.By == "" { // a tag's row spans stimuli: flaky and error are cell words
				out.Cells[r][c].Flags = cellFlags(a)
			}
		}
	}
	return out, nil
}

func cellFlags(a *acc) []string {
	var f []string
	if a.passed > 0 && a.passed < a.rated() {
		f = append(f, "flaky")
	}
	if cellStatus(a, DefaultThreshold) == CellError {
		f = append(f, "error")
	}
	return f
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, lessFold)
	return out
}
