package store

import (
	"encoding/binary"
	"errors"
	"math"
)

// A Parquet page header is a Thrift struct in the compact protocol. parquet-go decodes it
// by reflection, a tenth of the CPU of a filtered outcome list; the raw chunk reader
// (rawchunk.go) reads the few fields it needs here and skips the rest.

// pageHeader is the part of a page header the raw reader uses.
type pageHeader struct {
	typ        int32 // format.PageType
	compressed int32 // the page's bytes after its header
	// dictionary page
	dictValues, dictEncoding int32
	// data page v2
	values, nulls, rows, encoding int32
	defBytes, repBytes            int32
}

var errThrift = errors.New("malformed page header")

// compact reads Thrift's compact protocol from b.
type compact struct {
	b   []byte
	i   int
	bad bool
}

func (c *compact) byte() byte {
	if c.i >= len(c.b) {
		c.bad = true
		return 0
	}
	c.i++
	return c.b[c.i-1]
}

func (c *compact) uvarint() uint64 {
	v, n := binary.Uvarint(c.b[min(c.i, len(c.b)):])
	if n <= 0 {
		c.bad = true
		return 0
	}
	c.i += n
	return v
}

// int reads a zigzag varint (i16, i32 and i64 alike).
func (c *compact) int() int64 {
	u := c.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// i32 reads an i32 field's value, refusing one out of range.
func (c *compact) i32() int32 {
	v := c.int()
	if v < math.MinInt32 || v > math.MaxInt32 {
		c.bad = true
		return 0
	}
	return int32(v)
}

// field reads a field header: its id and type, or stop at the struct's end.
func (c *compact) field(last int16) (id int16, typ byte, stop bool) {
	h := c.byte()
	if typ = h & 0x0f; typ == 0 || c.bad {
		return 0, 0, true
	}
	if d := int16(h >> 4); d != 0 {
		return last + d, typ, false
	}
	v := c.int()
	if v < math.MinInt16 || v > math.MaxInt16 {
		c.bad = true
		return 0, 0, true
	}
	return int16(v), typ, false
}

// skip passes over a value of type typ (depth bounds nesting).
func (c *compact) skip(typ byte, depth int) {
	if depth > 16 {
		c.bad = true
		return
	}
	switch typ {
	case 1, 2: // a boolean field's value is in its type
	case 3:
		c.byte()
	case 4, 5, 6:
		c.uvarint()
	case 7:
		c.bytes(8)
	case 8:
		c.bytes(c.uvarint())
	case 9, 10:
		h := c.byte()
		n := uint64(h >> 4)
		if n == 15 {
			n = c.uvarint()
		}
		c.skipN(h&0x0f, n, depth)
	case 11:
		if n := c.uvarint(); n > 0 {
			kv := c.byte()
			for k := uint64(0); k < n && !c.bad; k++ {
				c.skipElem(kv>>4, depth)
				c.skipElem(kv&0x0f, depth)
			}
		}
	case 12:
		c.skipStruct(depth + 1)
	default:
		c.bad = true
	}
}

// skipN skips n elements of a list or set.
func (c *compact) skipN(typ byte, n uint64, depth int) {
	if n > uint64(len(c.b)) { // every element takes at least a byte
		c.bad = true
		return
	}
	for k := uint64(0); k < n && !c.bad; k++ {
		c.skipElem(typ, depth)
	}
}

// skipElem skips a list, set or map element: a boolean there is a byte of its own.
func (c *compact) skipElem(typ byte, depth int) {
	if typ == 1 || typ == 2 {
		c.byte()
		return
	}
	c.skip(typ, depth+1)
}

func (c *compact) skipStruct(depth int) {
	var last int16
	for !c.bad {
		id, typ, stop := c.field(last)
		if stop {
			return
		}
		c.skip(typ, depth)
		last = id
	}
}

func (c *compact) bytes(n uint64) {
	if n > uint64(len(c.b)-min(c.i, len(c.b))) {
		c.bad = true
		return
	}
	c.i += int(n)
}

// parsePageHeader reads the page header at the start of b: the header and its length.
func parsePageHeader(b []byte) (h pageHeader, n int, err error) {
	c := compact{b: b}
	h.typ, h.compressed = -1, -1
	var last int16
	for !c.bad {
		id, typ, stop := c.field(last)
		if stop {
			break
		}
		switch {
		case id == 1 && typ == 5:
			h.typ = c.i32()
		case id == 3 && typ == 5:
			h.compressed = c.i32()
		case id == 7 && typ == 12:
			c.dictionaryHeader(&h)
		case id == 8 && typ == 12:
			c.dataHeaderV2(&h)
		default:
			c.skip(typ, 0)
		}
		last = id
	}
	if c.bad || h.typ < 0 || h.compressed < 0 {
		return h, 0, errThrift
	}
	return h, c.i, nil
}

func (c *compact) dictionaryHeader(h *pageHeader) {
	var last int16
	for !c.bad {
		id, typ, stop := c.field(last)
		if stop {
			return
		}
		switch {
		case id == 1 && typ == 5:
			h.dictValues = c.i32()
		case id == 2 && typ == 5:
			h.dictEncoding = c.i32()
		default:
			c.skip(typ, 1)
		}
		last = id
	}
}

func (c *compact) dataHeaderV2(h *pageHeader) {
	var last int16
	for !c.bad {
		id, typ, stop := c.field(last)
		if stop {
			return
		}
		if typ != 5 || id < 1 || id > 6 {
			c.skip(typ, 1)
			last = id
			continue
		}
		v := c.i32()
		switch id {
		case 1:
			h.values = v
		case 2:
			h.nulls = v
		case 3:
			h.rows = v
		case 4:
			h.encoding = v
		case 5:
			h.defBytes = v
		case 6:
			h.repBytes = v
		}
		last = id
	}
}
