package query

import (
	"io"
	"strconv"
)

// AppendJSON appends the matrix's JSON to b: the bytes encoding/json writes for it, in a
// tenth of the time (a 1M-outcome run's matrix is 333k cells and 54 MB of JSON, and
// encoding it by reflection was 46% of the command).
func (m Matrix) AppendJSON(b []byte) ([]byte, error) {
	return m.encodeJSON(b, func(b []byte) []byte { return b })
}

// WriteJSON streams the bytes of AppendJSON to w, 64 KB at a time.
func (m Matrix) WriteJSON(w io.Writer) error { return writeStreamed(w, m.encodeJSON) }

func (m Matrix) encodeJSON(b []byte, flush func([]byte) []byte) ([]byte, error) {
	type head struct {
		RunIDs  []string `json:"runIds"`
		Metric  Metric   `json:"metric"`
		Rows    []string `json:"rows"`
		RowsBy  string   `json:"rowsBy,omitempty"`
		Columns []string `json:"columns"`
	}
	h, err := marshalNoEscape(head{m.RunIDs, m.Metric, m.Rows, m.RowsBy, m.Columns})
	if err != nil {
		return nil, err
	}
	b = append(b, h[:len(h)-1]...) // without its closing brace
	b = append(b, `,"cells":`...)
	if m.Cells == nil {
		return append(b, "null}"...), nil
	}
	b = append(b, '[')
	for i, row := range m.Cells {
		if len(b) >= 64<<10 {
			b = flush(b)
		}
		if i > 0 {
			b = append(b, ',')
		}
		if row == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, c := range row {
			if j > 0 {
				b = append(b, ',')
			}
			b = c.appendJSON(b)
		}
		b = append(b, ']')
	}
	return append(b, "]}"...), nil
}

func (c *MatrixCell) appendJSON(b []byte) []byte {
	if c == nil {
		return append(b, "null"...)
	}
	b = appendOptFloat(append(b, `{"value":`...), c.Value)
	b = strconv.AppendInt(append(b, `,"outcomeCount":`...), c.OutcomeCount, 10)
	b = appendJSONString(append(b, `,"status":`...), c.Status)
	b = appendInterval(append(b, `,"passRateInterval":`...), c.PassRateInterval)
	b = strconv.AppendBool(append(b, `,"reviewed":`...), c.Reviewed)
	if len(c.Flags) > 0 {
		b = append(b, `,"flags":[`...)
		for i, f := range c.Flags {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendInterval(b []byte, iv *Interval) []byte {
	if iv == nil {
		return append(b, "null"...)
	}
	b = appendFloat(append(b, `{"low":`...), iv.Low)
	b = appendFloat(append(b, `,"high":`...), iv.High)
	b = appendFloat(append(b, `,"stderr":`...), iv.Stderr)
	return append(appendJSONString(append(b, `,"method":`...), iv.Method), '}')
}
