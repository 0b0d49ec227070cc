package query

import (
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends the JSON of a comparison: the same bytes encoding/json writes with
// HTML escaping off (TestCompareAppendJSON), written by hand for its rows. A compare of two
// large runs has tens of thousands of cells, and reflection over them was most of the
// time of `compare --json`. The small parts still go through encoding/json.
func (c Compare) AppendJSON(b []byte) ([]byte, error) {
	// Room for the whole answer up front (a cell writes ~420 bytes): a 2.7 MB compare grew
	// its buffer twenty times, a fifth of the time `evals serve` spent answering one.
	cells := 0
	for i := range c.Rows {
		cells += len(c.Rows[i].Cells)
	}
	b = slices.Grow(b, 64<<10+len(c.Rows)*160+cells*440)
	return c.encodeJSON(b, func(b []byte) []byte { return b })
}

// WriteJSON streams the bytes of AppendJSON to w, 64 KB at a time: a compare of two large
// runs is tens of MB of JSON, and it is never held whole.
func (c Compare) WriteJSON(w io.Writer) error { return writeStreamed(w, c.encodeJSON) }

// writeStreamed runs an encoder that hands its buffer to flush every 64 KB or so, writing
// each piece to w and going on in the same buffer.
func writeStreamed(w io.Writer, encode func(b []byte, flush func([]byte) []byte) ([]byte, error)) error {
	var werr error
	b, err := encode(make([]byte, 0, 80<<10), func(b []byte) []byte {
		if werr == nil {
			_, werr = w.Write(b)
		}
		return b[:0]
	})
	if err != nil {
		return err
	}
	if werr == nil {
		_, werr = w.Write(b)
	}
	return werr
}

// encodeJSON appends the comparison's JSON to b, handing b to flush after each 64 KB of
// rows (flush returns what to go on appending to).
func (c Compare) encodeJSON(b []byte, flush func([]byte) []byte) ([]byte, error) {
	type head struct {
		Subjects []Subject     `json:"subjects"`
		Coverage Coverage      `json:"coverage"`
		Summary  []PairSummary `json:"summary"`
	}
	h, err := marshalNoEscape(head{c.Subjects, c.Coverage, c.Summary})
	if err != nil {
		return nil, err
	}
	b = append(b, h[:len(h)-1]...) // without its closing brace
	b = append(b, `,"rows":`...)
	if c.Rows == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		var keys []string
		var ivs ivText
		order := newCellOrder(c.Subjects)
		for i, r := range c.Rows {
			if len(b) >= 64<<10 {
				b = flush(b)
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(append(b, `{"stimulus":`...), r.Stimulus)
			b = append(b, `,"cells":`...)
			if r.Cells == nil {
				b = append(b, "null"...)
			} else {
				// The subjects' cells, in key order and keys quoted once per compare; a row
				// with a key that is not a subject's is written from its own sorted keys.
				mark, found := len(b), 0
				if b, found = order.appendCells(b, r.Cells, &ivs); found != len(r.Cells) {
					b, keys = appendCellsSorted(b[:mark], r.Cells, keys[:0], &ivs)
				}
			}
			b = append(b, `,"changes":`...)
			if r.Changes == nil {
				b = append(b, "null"...)
			} else {
				b = append(b, '[')
				for j, ch := range r.Changes {
					if j > 0 {
						b = append(b, ',')
					}
					b = appendJSONString(append(b, `{"pair":`...), ch.Pair)
					b = append(appendJSONString(append(b, `,"kind":`...), ch.Kind), '}')
				}
				b = append(b, ']')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendFloat(append(b, `,"threshold":`...), c.Threshold)
	b = appendFloat(append(b, `,"alpha":`...), c.Alpha)
	g, err := marshalNoEscape(c.Gate)
	if err != nil {
		return nil, err
	}
	b = append(append(b, `,"gate":`...), g...)
	return append(b, '}'), nil
}

// cellOrder is the subjects' IDs in the order encoding/json writes map keys, each quoted
// with its colon: every row of a compare has a cell per subject.
type cellOrder struct {
	ids    []string
	quoted [][]byte
}

func newCellOrder(subjects []Subject) cellOrder {
	ids := make([]string, len(subjects))
	for i, sj := range subjects {
		ids[i] = sj.SubjectID
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	o := cellOrder{ids: ids, quoted: make([][]byte, len(ids))}
	for i, id := range ids {
		o.quoted[i] = append(appendJSONString(nil, id), ':')
	}
	return o
}

// appendCells writes the object of cells that are under the subjects' IDs and returns how
// many it wrote: fewer than len(cells) means cells has other keys.
func (o cellOrder) appendCells(b []byte, cells map[string]CompareCell, ivs *ivText) ([]byte, int) {
	b = append(b, '{')
	found := 0
	for i, id := range o.ids {
		c, ok := cells[id]
		if !ok {
			continue
		}
		if found > 0 {
			b = append(b, ',')
		}
		found++
		b = c.appendJSON(append(b, o.quoted[i]...), ivs)
	}
	return append(b, '}'), found
}

// appendCellsSorted writes the object of cells with their keys sorted (keys is scratch).
func appendCellsSorted(b []byte, cells map[string]CompareCell, keys []string, ivs *ivText) ([]byte, []string) {
	for k := range cells {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for j, k := range keys {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(appendJSONString(b, k), ':')
		b = cells[k].appendJSON(b, ivs)
	}
	return append(b, '}'), keys
}

// ivText keeps the JSON of the intervals written last, by value: the cells of a compare
// of small samples have a few distinct ones (slab.rateOf). A slot holding another value is
// written again.
type ivText struct {
	iv   [64]Interval
	text [64][]byte
}

func (t *ivText) append(b []byte, iv *Interval) []byte {
	if iv == nil {
		return append(b, "null"...)
	}
	k := (math.Float64bits(iv.Low) ^ math.Float64bits(iv.High)) * 0x9E3779B97F4A7C15 >> 58
	if t.text[k] == nil || t.iv[k] != *iv {
		t.iv[k], t.text[k] = *iv, appendInterval(t.text[k][:0], iv)
	}
	return append(b, t.text[k]...)
}

func (c CompareCell) appendJSON(b []byte, ivs *ivText) []byte {
	b = appendJSONString(append(b, `{"status":`...), c.Status)
	b = strconv.AppendInt(append(b, `,"sampleSize":`...), c.SampleSize, 10)
	b = appendOptFloat(append(b, `,"passRate":`...), c.PassRate)
	b = ivs.append(append(b, `,"passRateInterval":`...), c.PassRateInterval)
	b = strconv.AppendBool(append(b, `,"flaky":`...), c.Flaky)
	b = strconv.AppendBool(append(b, `,"reviewed":`...), c.Reviewed)
	b = appendOptFloat(append(b, `,"meanDurationMs":`...), c.MeanDurationMs)
	b = appendOptFloat(append(b, `,"meanTurns":`...), c.MeanTurns)
	b = appendOptFloat(append(b, `,"meanToolCalls":`...), c.MeanToolCalls)
	b = strconv.AppendInt(append(b, `,"errorCount":`...), c.ErrorCount, 10)
	b = appendOptFloat(append(b, `,"meanInputTokens":`...), c.MeanInputTokens)
	b = appendOptFloat(append(b, `,"meanOutputTokens":`...), c.MeanOutputTokens)
	b = appendOptFloat(append(b, `,"meanTotalTokens":`...), c.MeanTotalTokens)
	b = appendOptFloat(append(b, `,"meanCostUsd":`...), c.MeanCostUSD)
	return append(b, '}')
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf appendBuffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf[:len(buf)-1], nil // without Encode's newline
}

type appendBuffer []byte

func (a *appendBuffer) Write(p []byte) (int, error) {
	*a = append(*a, p...)
	return len(p), nil
}

func appendOptFloat(b []byte, v *float64) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return appendFloat(b, *v)
}

// appendFloat formats as encoding/json does: shortest 'f', or 'e' for very small or very
// large magnitudes, with a two-digit negative exponent cleaned to one digit.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e9 {
		// Most numbers of an answer are rounded to 6 decimals (round6): f is then the
		// double nearest k/10⁶, whose shortest form is k's digits with the point put back
		// and trailing zeros cut, written here with integer arithmetic at twice the speed
		// of strconv's shortest search (a 1M-outcome matrix writes 1.3M of them).
		if k := math.Round(f * 1e6); k/1e6 == f {
			return appendMicros(b, int64(k))
		}
	}
	fm := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fm = 'e'
	}
	b = strconv.AppendFloat(b, f, fm, -1, 64)
	if fm == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendMicros writes k/10⁶ in decimal: the integer part, then the fraction without its
// trailing zeros (none at all when it is 0). |k| < 10¹⁵ (appendFloat's range); digits go
// two at a time from a table, as strconv does, without its general paths.
func appendMicros(b []byte, k int64) []byte {
	if k < 0 {
		b = append(b, '-')
		k = -k
	}
	b = appendSmall(b, uint64(k/1e6))
	frac := uint64(k % 1e6)
	if frac == 0 {
		return b
	}
	d := [7]byte{'.'}
	hi, mid, lo := frac/1e4, frac/100%100, frac%100
	d[1], d[2] = digitPairs[2*hi], digitPairs[2*hi+1]
	d[3], d[4] = digitPairs[2*mid], digitPairs[2*mid+1]
	d[5], d[6] = digitPairs[2*lo], digitPairs[2*lo+1]
	n := 7
	for d[n-1] == '0' {
		n--
	}
	return append(b, d[:n]...)
}

const digitPairs = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" +
	"60616263646566676869" + "70717273747576777879" + "80818283848586878889" + "90919293949596979899"

// appendSmall writes u < 10⁹ in decimal.
func appendSmall(b []byte, u uint64) []byte {
	if u < 10 {
		return append(b, byte('0'+u))
	}
	var d [10]byte
	i := len(d)
	for u >= 100 {
		q := u % 100
		u /= 100
		i -= 2
		d[i], d[i+1] = digitPairs[2*q], digitPairs[2*q+1]
	}
	if u >= 10 {
		i -= 2
		d[i], d[i+1] = digitPairs[2*u], digitPairs[2*u+1]
	} else {
		i--
		d[i] = byte('0' + u)
	}
	return append(b, d[i:]...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does without HTML escaping: \" \\ \n \r \t,
// other control characters as \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}
