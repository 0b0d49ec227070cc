package store

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/parquet-go/parquet-go"
	pqdelta "github.com/parquet-go/parquet-go/encoding/delta"
	"github.com/parquet-go/parquet-go/encoding/plain"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/format"
)

// The raw chunk reader reads the columns evals writes without a codec (ids, counts,
// tokens, durations, scores, verdicts, the model and status dictionaries): one read of
// the chunk, its page headers parsed by hand (pageheader.go) and the values decoded by
// parquet-go's encodings straight into the batch. parquet-go's page reader costs more
// than the values: a page header decoded by reflection, a 4 KB buffered read per header
// and per body, and a page object with its buffers per page. Any other chunk (a codec, a
// page of another kind, an encoding not listed in rawEncoding) is read by parquet-go.

// rawChunkMax is the largest chunk read whole; a larger one goes page by page.
const rawChunkMax = 4 << 20

// errRawUnsupported says a page is of a kind the raw reader leaves to parquet-go.
var errRawUnsupported = errors.New("page not readable raw")

// rawScratch holds a raw read's buffers between chunks.
type rawScratch struct {
	buf  []byte
	defs []byte
	ints []int64
	i32  []int32
	f64  []float64
	bits []byte
}

var rawPool = sync.Pool{New: func() any { return &rawScratch{} }}

// rawReadable says whether the chunk of leaf l can be read raw, from its metadata: no
// codec, and every page (by its encoding stats) a dictionary page or a v2 data page in an
// encoding rawEncoding lists.
func rawReadable(cm *format.ColumnMetaData, l leaf) bool {
	if !l.flat || cm.Codec != format.Uncompressed || len(cm.EncodingStats) == 0 ||
		cm.TotalCompressedSize <= 0 || cm.TotalCompressedSize > rawChunkMax {
		return false
	}
	for _, es := range cm.EncodingStats {
		switch es.PageType {
		case format.DictionaryPage:
			if l.kind != parquet.ByteArray || es.Encoding != format.Plain && es.Encoding != format.PlainDictionary {
				return false
			}
		case format.DataPageV2:
			if !rawEncoding(l.kind, es.Encoding) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// rawEncoding lists the encodings of a v2 data page the raw reader decodes, per type.
func rawEncoding(k parquet.Kind, e format.Encoding) bool {
	switch k {
	case parquet.Int64, parquet.Int32:
		return e == format.DeltaBinaryPacked || e == format.Plain
	case parquet.Double:
		return e == format.Plain
	case parquet.Boolean:
		return e == format.RLE || e == format.Plain
	case parquet.ByteArray:
		return e == format.RLEDictionary || e == format.PlainDictionary
	}
	return false
}

// readRaw reads b.N values of a chunk (rows skip.. of it) from r, the file, into col.
func (b *Batch) readRaw(r io.ReaderAt, cm *format.ColumnMetaData, l leaf, skip int64, col *columnValues) error {
	start, end, ok := chunkSpan(cm)
	if !ok {
		return errRawUnsupported
	}
	s := rawPool.Get().(*rawScratch)
	defer rawPool.Put(s)
	if int64(cap(s.buf)) < end-start {
		s.buf = make([]byte, end-start)
	}
	buf := s.buf[:end-start]
	if _, err := r.ReadAt(buf, start); err != nil {
		return err
	}
	want := skip + int64(b.N)
	pos := int64(0)
	for off := 0; off < len(buf) && pos < want; {
		h, n, err := parsePageHeader(buf[off:])
		if err != nil {
			return err
		}
		off += n
		if int64(h.compressed) > int64(len(buf)-off) {
			return fmt.Errorf("page of %d bytes past the chunk's end", h.compressed)
		}
		body := buf[off : off+int(h.compressed)]
		off += int(h.compressed)
		switch format.PageType(h.typ) {
		case format.DictionaryPage:
			err = col.rawDictionary(h, body, l)
		case format.DataPageV2:
			rows := int64(h.rows)
			if rows < 0 {
				return fmt.Errorf("page of %d rows", rows)
			}
			if pos+rows > skip {
				err = col.rawPage(s, h, body, max(skip-pos, 0), min(want-pos, rows), l)
			}
			pos += rows
		default:
			err = errRawUnsupported
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// rawDictionary reads a dictionary page of plain byte arrays into the column's values.
func (c *columnValues) rawDictionary(h pageHeader, body []byte, l leaf) error {
	if l.kind != parquet.ByteArray || c.rawDict {
		return errRawUnsupported // a second dictionary, or one for a type without
	}
	if h.dictValues < 0 || int(h.dictValues) > len(body)/4 {
		return fmt.Errorf("dictionary of %d values in %d bytes", h.dictValues, len(body))
	}
	c.rawDict = true
	for range h.dictValues {
		if len(body) < 4 {
			return errors.New("dictionary value past the page's end")
		}
		n := int(uint32(body[0]) | uint32(body[1])<<8 | uint32(body[2])<<16 | uint32(body[3])<<24)
		if n < 0 || n > len(body)-4 {
			return errors.New("dictionary value past the page's end")
		}
		c.d.Values = append(c.d.Values, string(body[4:4+n]))
		body = body[4+n:]
	}
	return nil
}

// rawPage appends rows from..to-1 of a v2 data page.
func (c *columnValues) rawPage(s *rawScratch, h pageHeader, body []byte, from, to int64, l leaf) error {
	if !rawEncoding(l.kind, format.Encoding(h.encoding)) {
		return errRawUnsupported
	}
	if h.repBytes < 0 || h.defBytes < 0 || int64(h.repBytes)+int64(h.defBytes) > int64(len(body)) {
		return errors.New("levels past the page's end")
	}
	levels := body[h.repBytes : h.repBytes+h.defBytes]
	data := body[h.repBytes+h.defBytes:]
	var defs []byte
	va, vb := int(from), int(to)
	if l.optional {
		if h.defBytes == 0 && h.rows > 0 {
			return errRawUnsupported // an optional column's page without its levels
		}
		var err error
		lv := rle.Encoding{BitWidth: 1}
		if s.defs, err = lv.DecodeLevels(s.defs[:0], levels); err != nil {
			return err
		}
		if int64(len(s.defs)) < to || h.rows < 0 || len(s.defs) < int(h.rows) {
			return fmt.Errorf("page has %d definition levels for %d rows", len(s.defs), h.rows)
		}
		defs = s.defs[from:to]
		va = nonNull(s.defs[:from])
		vb = va + nonNull(defs)
	} else if h.defBytes > 0 {
		return errRawUnsupported // levels on a required column: parquet-go skips them
	}
	return c.rawValues(s, h, data, va, vb, defs, l)
}

// rawValues decodes a page's values and appends va..vb-1 of them (defs: the rows' levels).
func (c *columnValues) rawValues(s *rawScratch, h pageHeader, data []byte, va, vb int, defs []byte, l leaf) error {
	enc := format.Encoding(h.encoding)
	if w := plainWidth(l.kind); enc == format.Plain && w > 0 {
		// Plain values have a fixed width: only the wanted ones are decoded (a page of
		// outcomes wants one row of each of its runs' pages).
		if va > vb || vb > len(data)/w {
			return fmt.Errorf("page has %d values, %d wanted", len(data)/w, vb)
		}
		data, va, vb = data[va*w:vb*w], 0, vb-va
	}
	var err error
	switch l.kind {
	case parquet.Int64:
		if s.ints, err = decodeInts64(s.ints, data, enc); err == nil {
			var vals []int64
			if vals, err = window(s.ints, va, vb); err == nil {
				c.ints = appendExpand(c.ints, vals, defs, -1)
			}
		}
	case parquet.Int32:
		if s.i32, err = decodeInts32(s.i32, data, enc); err == nil {
			var vals []int32
			if vals, err = window(s.i32, va, vb); err == nil {
				c.ints = appendInt32(c.ints, vals, defs)
			}
		}
	case parquet.Double:
		if s.f64, err = (&plain.Encoding{}).DecodeDouble(s.f64[:0], data); err == nil {
			var vals []float64
			if vals, err = window(s.f64, va, vb); err == nil {
				c.floats = appendExpand(c.floats, vals, defs, math.NaN())
			}
		}
	case parquet.Boolean:
		bits := data
		if enc == format.RLE {
			if s.bits, err = (&rle.Encoding{BitWidth: 1}).DecodeBoolean(s.bits[:0], data); err != nil {
				return err
			}
			bits = s.bits
		}
		c.bools, err = appendBools(c.bools, bits, int(h.values-h.nulls), va, vb, defs)
	case parquet.ByteArray:
		err = c.rawIndexes(s, data, va, vb, defs)
	default:
		err = errRawUnsupported
	}
	return err
}

// rawIndexes appends the dictionary indexes va..vb-1 of a page.
func (c *columnValues) rawIndexes(s *rawScratch, data []byte, va, vb int, defs []byte) error {
	if !c.rawDict {
		return errors.New("dictionary-encoded page without a dictionary")
	}
	var err error
	if s.i32, err = (&rle.DictionaryEncoding{}).DecodeInt32(s.i32[:0], data); err != nil {
		return err
	}
	idx, err := window(s.i32, va, vb)
	if err != nil {
		return err
	}
	n := int32(len(c.d.Values))
	for _, x := range idx {
		if x < 0 || x >= n {
			return fmt.Errorf("dictionary index %d out of range", x)
		}
	}
	c.d.Index = appendExpand(c.d.Index, idx, defs, c.dc.null(c.d, defs))
	return nil
}

func decodeInts64(dst []int64, data []byte, enc format.Encoding) ([]int64, error) {
	if enc == format.Plain {
		return (&plain.Encoding{}).DecodeInt64(dst[:0], data)
	}
	return (&pqdelta.BinaryPackedEncoding{}).DecodeInt64(dst[:0], data)
}

func decodeInts32(dst []int32, data []byte, enc format.Encoding) ([]int32, error) {
	if enc == format.Plain {
		return (&plain.Encoding{}).DecodeInt32(dst[:0], data)
	}
	return (&pqdelta.BinaryPackedEncoding{}).DecodeInt32(dst[:0], data)
}

// chunkSpan is where a column chunk lies in its file, dictionary page included.
func chunkSpan(cm *format.ColumnMetaData) (start, end int64, ok bool) {
	start = cm.DataPageOffset
	if cm.DictionaryPageOffset > 0 && cm.DictionaryPageOffset < start {
		start = cm.DictionaryPageOffset
	}
	return start, start + cm.TotalCompressedSize, start >= 0 && cm.TotalCompressedSize > 0
}

// plainWidth is the bytes of a plain value of kind k, 0 for booleans and byte arrays.
func plainWidth(k parquet.Kind) int {
	switch k {
	case parquet.Int64, parquet.Double:
		return 8
	case parquet.Int32:
		return 4
	}
	return 0
}
