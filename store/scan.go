package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"sync"

	"github.com/evals-dev/evals/errs"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Table names one of the Parquet files of a run.
type Table string

// The tables of a run.
const (
	Outcomes  Table = outcomesFile
	Graders   Table = gradersFile
	ToolCalls Table = toolCallsFile
	Events    Table = eventsFile
)

// Dict is a dictionary-encoded string column of one batch: row i holds Values[Index[i]].
// Aggregations key on Index and look Values up once per distinct value.
type Dict struct {
	Values []string
	Index  []int32
	// Missing says the file predates this optional column: every row reads "".
	Missing bool
}

// Batch is the projected columns of one row group. Only the columns asked for are set.
// Nulls: floats are NaN, booleans are -1 (false 0, true 1); integers are never null
// (an optional integer column reads null as -1).
type Batch struct {
	RunID string
	// Row0 is the position of the batch's first row in its file.
	Row0     int64
	reviewed []bool // rows with a human verdict, when the run has any
	// pageByPage reads every chunk through parquet-go's pages, not the raw reader (tests
	// compare the two)
	pageByPage bool
	N          int
	dicts      map[string]*Dict
	ints       map[string][]int64
	floats     map[string][]float64
	bools      map[string][]int8
}

// Dict returns a projected string column (nil for a column the scan does not read).
func (b *Batch) Dict(col string) *Dict { return b.dicts[col] }

// Int returns a projected integer column (nil for a column the scan does not read).
func (b *Batch) Int(col string) []int64 { return b.ints[col] }

// Float returns a projected floating-point column; NaN marks null (nil for a column the
// scan does not read).
func (b *Batch) Float(col string) []float64 { return b.floats[col] }

// Bool returns a projected boolean column: 1 true, 0 false, -1 null (nil for a column the
// scan does not read).
func (b *Batch) Bool(col string) []int8 { return b.bools[col] }

// Scan reads the projected columns of one table of one run, one row group at a time,
// straight from the column pages. fn must not keep the batch after it returns.
func (s *Store) Scan(runID string, t Table, cols []string, fn func(*Batch) error) error {
	return s.ScanRows(runID, t, cols, 0, math.MaxInt64, fn)
}

// ScanRows is Scan limited to the row groups that hold rows lo..hi-1: the others are
// skipped before any page is read. Batches still cover whole row groups.
func (s *Store) ScanRows(runID string, t Table, cols []string, lo, hi int64, fn func(*Batch) error) error {
	if !validID(runID) {
		return errs.E(errs.NotFound, "run %q not found", runID)
	}
	return s.scanFile(runID, string(t), cols, scanSpec{lo: lo, hi: hi}, fn)
}

// ScanRowSet is Scan limited to the row groups that hold one of rows (sorted, ascending):
// the others are skipped before any page is read, and a kept group's batch holds only its
// rows from the first wanted to the last when they are few (no page after the last is
// read). A page of outcomes spread over a run reads the groups its rows are in, not every
// group between them.
func (s *Store) ScanRowSet(runID string, t Table, cols []string, rows []int64, fn func(*Batch) error) error {
	if !validID(runID) {
		return errs.E(errs.NotFound, "run %q not found", runID)
	}
	if len(rows) == 0 {
		return nil
	}
	return s.scanFile(runID, string(t), cols, scanSpec{lo: rows[0], hi: rows[len(rows)-1] + 1, rows: rows}, fn)
}

// Where narrows a scan to the row groups whose statistics say they may hold one of these
// values of a string column. Rows are sorted by model, then stimulus, so a filter on them
// skips most row groups of a large run. Rows of kept groups still need filtering.
type Where struct {
	Column string
	Values []string
}

// ScanWhere is ScanRows that also skips the row groups w rules out, before reading their
// pages.
func (s *Store) ScanWhere(runID string, t Table, cols []string, w Where, lo, hi int64, fn func(*Batch) error) error {
	if !validID(runID) {
		return errs.E(errs.NotFound, "run %q not found", runID)
	}
	return s.scanFile(runID, string(t), cols, scanSpec{lo: lo, hi: hi, where: &w}, fn)
}

// mayHold reports whether row group rg can hold one of w's values, from its min/max.
func mayHold(pf *parquet.File, rg int, col int, w *Where) bool {
	md := pf.Metadata()
	if rg >= len(md.RowGroups) || col >= len(md.RowGroups[rg].Columns) {
		return true
	}
	st := md.RowGroups[rg].Columns[col].MetaData.Statistics
	lo, hi := st.MinValue, st.MaxValue
	if lo == nil || hi == nil {
		return true
	}
	for _, v := range w.Values {
		if v >= string(lo) && v <= string(hi) {
			return true
		}
	}
	return false
}

// scanSpec says which rows a scan reads: rows lo..hi-1, and of those only the row groups
// that hold one of rows (when set) and that where does not rule out.
type scanSpec struct {
	lo, hi   int64
	rows     []int64
	where    *Where
	whereCol int
}

// span is the part of row group rg (rows row0..row0+n-1) a scan reads, relative to row0:
// ok is false when it reads none of it. A narrow part (a page of outcomes, a few grader
// rows) is the batch, and no page after it is read; a wide one reads the whole group.
func (sp *scanSpec) span(pf *parquet.File, rg int, row0, n int64) (skip, count int64, ok bool) {
	if row0 >= sp.hi || row0+n <= sp.lo || sp.whereCol >= 0 && !mayHold(pf, rg, sp.whereCol, sp.where) {
		return 0, 0, false
	}
	wlo, whi := max(sp.lo, row0)-row0, min(sp.hi, row0+n)-row0
	if sp.rows != nil {
		i, _ := slices.BinarySearch(sp.rows, row0)
		j, _ := slices.BinarySearch(sp.rows, row0+n)
		if i == j {
			return 0, 0, false
		}
		wlo, whi = sp.rows[i]-row0, sp.rows[j-1]-row0+1
	}
	if whi-wlo < n/4 {
		return wlo, whi - wlo, true
	}
	return 0, n, true
}

type leaf struct {
	name     string
	index    int
	kind     parquet.Kind
	optional bool
	absent   bool // an optional column this file predates: every row is ""
	flat     bool // neither repeated nor nested: at most one definition level
}

func (s *Store) scanFile(runID, name string, cols []string, sp scanSpec, fn func(*Batch) error) (err error) {
	ctx := s.ctx
	f, pf, path, err := s.openParquet(runID, name)
	if err != nil {
		return err
	}
	defer f.Close()
	defer func() {
		if r := recover(); r != nil {
			err = errs.E(errs.Corrupt, "reading %s: malformed parquet data (%v)", path, r)
		}
	}()
	leaves, err := leavesOf(pf, path, cols)
	if err != nil {
		return err
	}
	sp.whereCol = -1
	if sp.where != nil && len(sp.where.Values) > 0 {
		if lc, ok := pf.Schema().Lookup(sp.where.Column); ok {
			sp.whereCol = lc.ColumnIndex
		}
	}
	_, remote := f.(*blobObject)
	if p, ok := f.(prefetcher); ok {
		if err := p.prefetch(chunkRanges(pf, leaves, &sp)); err != nil {
			return errs.E(errs.Corrupt, "reading %s: %w", path, err)
		}
	}
	// Human verdicts overlay the graded ones in every outcomes scan (unless this view is
	// graded): every question then counts the effective verdict.
	var reviews map[int64]Review
	if name == outcomesFile && !s.graded {
		if reviews, err = s.Reviews(runID); err != nil {
			return err
		}
	}
	var row0 int64
	md := pf.Metadata()
	b := batchPool.Get().(*Batch)
	defer batchPool.Put(b)
	b.RunID, b.pageByPage = runID, s.pageByPage
	b.project(leaves)
	for i, rg := range pf.RowGroups() {
		if ctx.Err() != nil {
			return errs.E(errs.Interrupted, "reading %s: %v", path, ctx.Err())
		}
		skip, n, ok := sp.span(pf, i, row0, rg.NumRows())
		if !ok {
			row0 += rg.NumRows()
			continue
		}
		b.reset(n, row0+skip)
		chunks := rg.ColumnChunks()
		for _, l := range leaves {
			if l.absent {
				b.emptyStrings(l.name)
				continue
			}
			if l.index >= len(chunks) {
				return errs.E(errs.Corrupt, "reading %s: column %q has no data", path, l.name)
			}
			cm := &md.RowGroups[i].Columns[l.index].MetaData
			seek := !remote && skip > 0 && cm.TotalUncompressedSize >= seekChunkBytes
			if err := b.readChunk(chunks[l.index], cm, l, skip, seek, f); err != nil {
				return errs.E(errs.Corrupt, "reading column %q of %s: %w", l.name, path, err)
			}
		}
		if len(reviews) > 0 {
			b.reviewPatch(reviews)
		}
		if err := fn(b); err != nil {
			return err
		}
		row0 += rg.NumRows()
	}
	return nil
}

// leavesOf finds the columns a scan reads (an optional column a file predates reads as
// absent).
func leavesOf(pf *parquet.File, path string, cols []string) ([]leaf, error) {
	leaves := make([]leaf, len(cols))
	for i, c := range cols {
		lc, ok := pf.Schema().Lookup(c)
		if !ok && optionalColumns[c] {
			leaves[i] = leaf{name: c, index: -1, absent: true}
			continue
		}
		if !ok {
			return nil, errs.E(errs.Corrupt, "reading %s: column %q is missing", path, c)
		}
		leaves[i] = leaf{name: c, index: lc.ColumnIndex, kind: lc.Node.Type().Kind(), optional: lc.MaxDefinitionLevel > 0,
			flat: lc.MaxRepetitionLevel == 0 && lc.MaxDefinitionLevel <= 1}
	}
	return leaves, nil
}

// batchPool recycles batches across scans: a whole-store aggregate scans hundreds of files.
var batchPool = sync.Pool{New: func() any { return &Batch{} }}

// prefetcher is an object that can fetch byte ranges ahead of reading them: a bucket
// object, where each read is a request.
type prefetcher interface {
	prefetch(ranges [][2]int64) error
}

// chunkRanges lists the byte ranges of the column chunks a scan will read.
func chunkRanges(pf *parquet.File, leaves []leaf, sp *scanSpec) [][2]int64 {
	var out [][2]int64
	md := pf.Metadata()
	var row0 int64
	for i, rg := range md.RowGroups {
		n := rg.NumRows
		_, _, ok := sp.span(pf, i, row0, n)
		if row0 += n; !ok {
			continue
		}
		for _, l := range leaves {
			if l.absent || l.index >= len(rg.Columns) {
				continue
			}
			if start, end, ok := chunkSpan(&rg.Columns[l.index].MetaData); ok {
				out = append(out, [2]int64{start, end})
			}
		}
	}
	return out
}

// coalesce sorts byte ranges and joins those less than gap apart, so a prefetch asks
// once for each run of nearby column chunks.
func coalesce(ranges [][2]int64, gap int64) [][2]int64 {
	slices.SortFunc(ranges, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
	var merged [][2]int64
	for _, r := range ranges {
		if n := len(merged); n > 0 && r[0] <= merged[n-1][1]+gap {
			merged[n-1][1] = max(merged[n-1][1], r[1])
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// openParquet opens runs/<id>/<name> as a Parquet file; path names it in messages.
func (s *Store) openParquet(runID, name string) (f object, pf *parquet.File, path string, err error) {
	if s.err != nil {
		return nil, nil, "", s.err
	}
	path = s.be.where(runID, name)
	lb, _ := s.be.(*localBackend)
	if lb != nil && lb.files.keeping() {
		if st, err := os.Stat(path); err == nil {
			if f, pf, ok := lb.files.get(path, st); ok {
				return f, pf, path, nil
			}
		}
	}
	f, err = s.be.open(s.ctx, runID, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, path, errs.E(errs.Corrupt, "%s is missing", path)
	}
	if err != nil {
		return nil, nil, path, errs.E(errs.Corrupt, "opening %s: %w", path, err)
	}
	pf, footer, err := openParquetSafe(f, f.Size())
	if err != nil {
		f.Close()
		return nil, nil, path, errs.E(errs.Corrupt, "%s is not a readable Parquet file: %w", path, err)
	}
	if lo, ok := f.(*localObject); ok && lb != nil && lb.files.keeping() {
		f = lb.files.put(path, lo.st, lo, pf, footer)
	}
	return f, pf, path, nil
}

// openParquetSafe opens a Parquet file, refusing a malformed footer with an error (not a
// panic); footer is its length.
func openParquetSafe(r io.ReaderAt, size int64) (pf *parquet.File, footer int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			pf, err = nil, fmt.Errorf("malformed footer (%v)", r)
		}
	}()
	// parquet-go trusts the footer length and allocates it; check it against the file first.
	var head, tail [8]byte
	if size < 12 {
		return nil, 0, fmt.Errorf("file too short (%d bytes)", size)
	}
	if _, err := r.ReadAt(head[:4], 0); err != nil {
		return nil, 0, err
	}
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, 0, err
	}
	if string(head[:4]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return nil, 0, fmt.Errorf("no Parquet magic bytes")
	}
	if footer = int64(binary.LittleEndian.Uint32(tail[:4])); footer+12 > size {
		return nil, 0, fmt.Errorf("footer length %d exceeds the file size %d", footer, size)
	}
	pf, err = parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	return pf, footer, err
}

// project forgets the columns of an earlier scan that this one does not read: a batch
// comes from a pool, and a column left over from another file would answer for this one
// (with another length, or worse, the same).
func (b *Batch) project(leaves []leaf) {
	keep := func(name string) bool {
		for _, l := range leaves {
			if l.name == name {
				return true
			}
		}
		return false
	}
	for k := range b.dicts {
		if !keep(k) {
			delete(b.dicts, k)
		}
	}
	for k := range b.ints {
		if !keep(k) {
			delete(b.ints, k)
		}
	}
	for k := range b.floats {
		if !keep(k) {
			delete(b.floats, k)
		}
	}
	for k := range b.bools {
		if !keep(k) {
			delete(b.bools, k)
		}
	}
}

func (b *Batch) reset(n, row0 int64) {
	b.N, b.Row0 = int(n), row0
	b.reviewed = b.reviewed[:0]
	if b.dicts == nil {
		b.dicts, b.ints, b.floats, b.bools = map[string]*Dict{}, map[string][]int64{}, map[string][]float64{}, map[string][]int8{}
	}
}

// readChunk reads b.N values of a column chunk from its row skip. Pages are taken whole and
// their wanted rows copied out (parquet-go's row seek slices a page into fresh buffers,
// which cost more than the rows they leave out).
func (b *Batch) readChunk(cc parquet.ColumnChunk, cm *format.ColumnMetaData, l leaf, skip int64, seek bool, f io.ReaderAt) error {
	col := b.column(l)
	if !seek && !b.pageByPage && rawReadable(cm, l) {
		err := b.readRaw(f, cm, l, skip, col)
		if !errors.Is(err, errRawUnsupported) {
			if err != nil {
				return err
			}
			return col.check(b, l)
		}
		col = b.column(l) // start again, page by page
	}
	pages := cc.Pages()
	defer pages.Close()
	end := skip + int64(b.N) // the rows wanted are skip..end-1 of the chunk
	pos := int64(0)
	if seek {
		at, err := seekPages(cc, pages, skip)
		if err != nil {
			return err
		}
		pos = at
	}
	for pos < end {
		p, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n := p.NumRows()
		if pos+n > skip {
			err = col.add(p, max(skip-pos, 0), min(end-pos, n), l)
		}
		pos += n
		parquet.Release(p)
		if err != nil {
			return err
		}
	}
	return col.check(b, l)
}

// check hands the values to the batch, checking there is one per row.
func (c *columnValues) check(b *Batch, l leaf) error {
	if n := c.done(b, l); n != b.N {
		return fmt.Errorf("read %d values for %d rows", n, b.N)
	}
	return nil
}

// seekPages moves pages to row skip of their chunk without decoding the pages before it,
// when its offset index says row skip is past the first page: at is then skip (the next page read starts there), else 0 (pages
// read from the start, decoding each). Files are opened without their page index (it
// would be decoded for every column at every open); a chunk's offset index is read here,
// once per open file. Only for local files: on a bucket it would be another request, for
// what costs a page's decompression.
//
// Measured: a page of outcomes over 100 runs shows one reason per failing row, each the
// first line of one grader row's evidence; decoding the evidence pages before that row was
// 19% of the list's CPU.
func seekPages(cc parquet.ColumnChunk, pages parquet.Pages, skip int64) (at int64, err error) {
	fc, ok := cc.(*parquet.FileColumnChunk)
	if !ok || skip == 0 {
		return 0, nil
	}
	idx, err := fc.OffsetIndex()
	if err != nil || idx.NumPages() < 2 || idx.FirstRowIndex(1) > skip {
		return 0, nil // no index (files written without one), or row skip is in page 0
	}
	if err := pages.SeekToRow(skip); err != nil {
		return 0, err
	}
	return skip, nil
}

// seekChunkBytes is the smallest chunk (uncompressed) worth reading the offset index of
// (seekPages): decoding the pages of a smaller one costs less.
const seekChunkBytes = 64 << 10

// columnValues are one column's values as a batch holds them, while its pages are read.
type columnValues struct {
	d      *Dict
	dc     dictCache
	ints   []int64
	floats []float64
	bools  []int8
	// rawDict: the raw reader has read the chunk's dictionary
	rawDict bool
}

// column starts reading column l into the batch's buffers for it.
func (b *Batch) column(l leaf) *columnValues {
	c := &columnValues{}
	switch l.kind {
	case parquet.ByteArray:
		c.d = b.dicts[l.name]
		if c.d == nil {
			c.d = &Dict{}
			b.dicts[l.name] = c.d
		}
		c.d.Values, c.d.Index, c.d.Missing = c.d.Values[:0], c.d.Index[:0], false
	case parquet.Boolean:
		c.bools = b.bools[l.name][:0]
	case parquet.Double, parquet.Float:
		c.floats = b.floats[l.name][:0]
	default:
		c.ints = b.ints[l.name][:0]
	}
	return c
}

// add appends the values of a page's rows from..to-1.
func (c *columnValues) add(p parquet.Page, from, to int64, l leaf) error {
	data := p.Data()
	defs := p.DefinitionLevels()
	if !l.optional {
		defs = nil
	}
	// The rows' values: with definition levels, a null row has no value.
	va, vb := int(from), int(to)
	if defs != nil {
		if int(to) > len(defs) {
			return fmt.Errorf("page has %d definition levels for %d rows", len(defs), p.NumRows())
		}
		if from == 0 && int(to) == len(defs) { // the whole page, as most are
			va, vb = 0, int(p.NumValues()-p.NumNulls())
		} else {
			va = nonNull(defs[:from])
			vb = va + nonNull(defs[from:to])
		}
		defs = defs[from:to]
	}
	var err error
	switch l.kind {
	case parquet.ByteArray:
		err = c.dc.appendStrings(c.d, p, va, vb, defs)
	case parquet.Boolean:
		c.bools, err = appendBools(c.bools, data.Boolean(), int(p.NumValues()-p.NumNulls()), va, vb, defs)
	case parquet.Double:
		var vals []float64
		if vals, err = window(data.Double(), va, vb); err == nil {
			c.floats = appendExpand(c.floats, vals, defs, math.NaN())
		}
	case parquet.Float:
		var vals []float32
		if vals, err = window(data.Float(), va, vb); err == nil {
			c.floats = appendFloat32(c.floats, vals, defs)
		}
	case parquet.Int32:
		var vals []int32
		if vals, err = window(data.Int32(), va, vb); err == nil {
			c.ints = appendInt32(c.ints, vals, defs)
		}
	case parquet.Int64:
		var vals []int64
		if vals, err = window(data.Int64(), va, vb); err == nil {
			c.ints = appendExpand(c.ints, vals, defs, -1)
		}
	default:
		err = fmt.Errorf("unsupported physical type %v", l.kind)
	}
	return err
}

// nonNull counts the defined values among definition levels.
func nonNull(defs []byte) int {
	n := 0
	for _, lv := range defs {
		if lv != 0 {
			n++
		}
	}
	return n
}

// window is vals[a:b], or an error when the page holds fewer values than its levels say.
func window[T any](vals []T, a, b int) ([]T, error) {
	if b > len(vals) || a > b {
		return nil, fmt.Errorf("page has %d values, %d wanted", len(vals), b)
	}
	return vals[a:b], nil
}

// done hands the values to the batch and says how many there are.
func (c *columnValues) done(b *Batch, l leaf) int {
	switch l.kind {
	case parquet.ByteArray:
		return len(c.d.Index)
	case parquet.Boolean:
		b.bools[l.name] = c.bools
		return len(c.bools)
	case parquet.Double, parquet.Float:
		b.floats[l.name] = c.floats
		return len(c.floats)
	}
	b.ints[l.name] = c.ints
	return len(c.ints)
}

// dictCache turns a chunk's dictionary into strings once, and folds plain-encoded pages
// (a writer may fall back from dictionary encoding) into the same batch dictionary.
type dictCache struct {
	dict   parquet.Dictionary
	lookup map[string]int32
}

// appendStrings appends the page's values va..vb-1 (defs, when set, are the levels of the
// rows they belong to).
func (c *dictCache) appendStrings(d *Dict, p parquet.Page, va, vb int, defs []byte) error {
	if pd := p.Dictionary(); pd != nil {
		if pd != c.dict {
			if c.dict != nil {
				return errors.New("column chunk has two dictionaries")
			}
			c.dict = pd
			for i := range pd.Len() {
				d.Values = append(d.Values, string(pd.Index(int32(i)).ByteArray()))
			}
		}
		data := p.Data()
		idx, err := window(data.Int32(), va, vb)
		if err != nil {
			return err
		}
		for _, x := range idx {
			if x < 0 || int(x) >= len(d.Values) {
				return fmt.Errorf("dictionary index %d out of range", x)
			}
		}
		d.Index = appendExpand(d.Index, idx, defs, c.null(d, defs))
		return nil
	}
	values := p.Data()
	data, offsets := values.ByteArray()
	if va == vb {
		if defs != nil {
			d.Index = appendExpand(d.Index, nil, defs, c.null(d, defs))
		}
		return nil
	}
	if vb >= len(offsets) {
		return fmt.Errorf("page has %d values, %d wanted", max(len(offsets)-1, 0), vb)
	}
	idx := make([]int32, 0, vb-va)
	for i := va; i < vb; i++ {
		if offsets[i] > offsets[i+1] || int(offsets[i+1]) > len(data) {
			return errors.New("byte array offsets out of range")
		}
		idx = append(idx, c.intern(d, string(data[offsets[i]:offsets[i+1]])))
	}
	d.Index = appendExpand(d.Index, idx, defs, c.null(d, defs))
	return nil
}

// null is the index that stands for a null string: the empty string.
func (c *dictCache) null(d *Dict, defs []byte) int32 {
	if defs == nil {
		return 0
	}
	return c.intern(d, "")
}

func (c *dictCache) intern(d *Dict, s string) int32 {
	if c.lookup == nil {
		c.lookup = make(map[string]int32, len(d.Values))
		for i, v := range d.Values {
			if _, ok := c.lookup[v]; !ok {
				c.lookup[v] = int32(i)
			}
		}
	}
	if i, ok := c.lookup[s]; ok {
		return i
	}
	d.Values = append(d.Values, s)
	c.lookup[s] = int32(len(d.Values) - 1)
	return int32(len(d.Values) - 1)
}

// appendExpand appends vals to dst; with definition levels, a level of 0 is a null that
// takes the value null and consumes nothing from vals.
func appendExpand[T any](dst, vals []T, defs []byte, null T) []T {
	if defs == nil {
		return append(dst, vals...)
	}
	j := 0
	for _, lv := range defs {
		if lv == 0 || j >= len(vals) {
			dst = append(dst, null)
			continue
		}
		dst = append(dst, vals[j])
		j++
	}
	return dst
}

func appendInt32(dst []int64, vals []int32, defs []byte) []int64 {
	j := 0
	if defs == nil {
		for _, v := range vals {
			dst = append(dst, int64(v))
		}
		return dst
	}
	for _, lv := range defs {
		if lv == 0 || j >= len(vals) {
			dst = append(dst, -1)
			continue
		}
		dst = append(dst, int64(vals[j]))
		j++
	}
	return dst
}

func appendFloat32(dst []float64, vals []float32, defs []byte) []float64 {
	j := 0
	for i := 0; defs == nil && i < len(vals) || defs != nil && i < len(defs); i++ {
		if defs != nil && (defs[i] == 0 || j >= len(vals)) {
			dst = append(dst, math.NaN())
			continue
		}
		dst = append(dst, float64(vals[j]))
		j++
	}
	return dst
}

// appendBools appends the bit-packed values va..vb-1 of a page that holds n (defs, when
// set, are the levels of the rows they belong to).
func appendBools(dst []int8, bits []byte, n, va, vb int, defs []byte) ([]int8, error) {
	if vb > min(n, len(bits)*8) || va > vb {
		return dst, fmt.Errorf("page has %d booleans, %d wanted", min(n, len(bits)*8), vb)
	}
	j := va
	get := func() int8 { v := int8(bits[j>>3] >> (j & 7) & 1); j++; return v }
	if defs == nil {
		for j < vb {
			dst = append(dst, get())
		}
		return dst, nil
	}
	for _, lv := range defs {
		if lv == 0 || j >= vb {
			dst = append(dst, -1)
			continue
		}
		dst = append(dst, get())
	}
	return dst, nil
}

// emptyStrings fills a string column whose file predates it: one dictionary value, "".
func (b *Batch) emptyStrings(col string) {
	d := b.dicts[col]
	if d == nil {
		d = &Dict{}
		b.dicts[col] = d
	}
	d.Values = append(d.Values[:0], "")
	d.Index = d.Index[:0]
	d.Missing = true
	for i := 0; i < b.N; i++ {
		d.Index = append(d.Index, 0)
	}
}
