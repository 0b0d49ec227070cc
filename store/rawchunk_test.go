package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// TestRawReaderMatchesPages: every column of every table, read by the raw chunk reader
// where it can and by parquet-go's pages where it cannot, gives what parquet-go's pages give
// for all of it: whole scans and scans of a few rows, nulls and several row groups included.
// It also checks the raw reader is used: on the columns evals filters and sums by.
func TestRawReaderMatchesPages(t *testing.T) {
	root := t.TempDir()
	n := chunkOutcomes + 3000 // two row groups
	outs := sampleOutcomes(n)
	for i, o := range outs {
		switch {
		case i%13 == 0:
			o.DurationMs, o.Turns = Unknown, int(Unknown)
		case i%5 == 0:
			o.Score, o.CostUSD = nil, nil
		}
		if i%9 == 0 {
			o.Tags = map[string]string{"category": fmt.Sprint("c", i%4)}
		}
	}
	run := writeRun(t, root, "raw", outs)
	raw, pages := Open(root), Open(root)
	pages.pageByPage = true
	rows := []int64{0, 1, 7, int64(n / 2), chunkOutcomes - 1, chunkOutcomes, int64(n - 1)}
	for _, table := range []Table{Outcomes, Graders, ToolCalls, Events} {
		cols := leafNames(t, filepath.Join(root, "runs", run.ID, string(table)))
		want := scanText(t, pages, run.ID, table, cols, nil)
		if got := scanText(t, raw, run.ID, table, cols, nil); got != want {
			t.Errorf("%s: the raw reader's scan differs from parquet-go's pages:\n%s", table, firstDiff(got, want))
		}
		if table != Outcomes {
			continue
		}
		want = scanText(t, pages, run.ID, table, cols, rows)
		if got := scanText(t, raw, run.ID, table, cols, rows); got != want {
			t.Errorf("%s rows %v: the raw reader's scan differs:\n%s", table, rows, firstDiff(got, want))
		}
	}
	pf := openTestFile(t, filepath.Join(root, "runs", run.ID, string(Outcomes)))
	leaves, err := leavesOf(pf, "outcomes", []string{"model", "status", "passed", "score", "duration_ms", "total_tokens", "cost_usd"})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leaves {
		if cm := &pf.Metadata().RowGroups[0].Columns[l.index].MetaData; !rawReadable(cm, l) {
			t.Errorf("column %s (%v, %v) is not read raw", l.name, cm.Codec, cm.EncodingStats)
		}
	}
}

func openTestFile(t *testing.T, path string) *parquet.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return pf
}

// leafNames lists a file's columns.
func leafNames(t *testing.T, path string) []string {
	var names []string
	for _, p := range openTestFile(t, path).Schema().Columns() {
		names = append(names, strings.Join(p, "."))
	}
	return names
}

// scanText writes every value a scan gives (of rows, when set), row by row.
func scanText(t *testing.T, s *Store, runID string, table Table, cols []string, rows []int64) string {
	t.Helper()
	var sb strings.Builder
	fn := func(b *Batch) error {
		for i := 0; i < b.N; i++ {
			fmt.Fprintf(&sb, "%d:", b.Row0+int64(i))
			for _, c := range cols {
				switch {
				case b.Dict(c) != nil:
					d := b.Dict(c)
					fmt.Fprintf(&sb, " %q", d.Values[d.Index[i]])
				case b.Int(c) != nil:
					fmt.Fprintf(&sb, " %d", b.Int(c)[i])
				case b.Float(c) != nil:
					fmt.Fprintf(&sb, " %x", math.Float64bits(b.Float(c)[i]))
				case b.Bool(c) != nil:
					fmt.Fprintf(&sb, " b%d", b.Bool(c)[i])
				default:
					return fmt.Errorf("column %s not read", c)
				}
			}
			sb.WriteByte('\n')
		}
		return nil
	}
	var err error
	if rows != nil {
		err = s.ScanRowSet(runID, table, cols, rows, fn)
	} else {
		err = s.Scan(runID, table, cols, fn)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i, g[i], w[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(g), len(w))
}

// TestParsePageHeader: page headers written by parquet-go's Thrift encoder, with every
// optional part set or not, read back the fields the raw reader uses.
func TestParsePageHeader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for k := range 2000 {
		h := randomPageHeader(rng)
		b, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
		if err != nil {
			t.Fatal(err)
		}
		tail := []byte{0xde, 0xad} // the page body follows the header
		got, n, err := parsePageHeader(append(b, tail...))
		if err != nil || n != len(b) {
			t.Fatalf("header %d (%+v): read %d of %d bytes, %v", k, h, n, len(b), err)
		}
		want := pageHeader{typ: int32(h.Type), compressed: h.CompressedPageSize}
		if d, ok := h.DictionaryPageHeader.Get(); ok {
			want.dictValues, want.dictEncoding = d.NumValues, int32(d.Encoding)
		}
		if d, ok := h.DataPageHeaderV2.Get(); ok {
			want.values, want.nulls, want.rows, want.encoding = d.NumValues, d.NumNulls, d.NumRows, int32(d.Encoding)
			want.defBytes, want.repBytes = d.DefinitionLevelsByteLength, d.RepetitionLevelsByteLength
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("header %d (%+v):\n got %+v\nwant %+v", k, h, got, want)
		}
		for cut := range len(b) { // a header cut short is an error, never a panic
			if _, _, err := parsePageHeader(b[:cut]); err == nil {
				t.Fatalf("header %d cut to %d of %d bytes: no error", k, cut, len(b))
			}
		}
	}
}

func randomPageHeader(rng *rand.Rand) format.PageHeader {
	i32 := func() int32 { return int32(rng.Uint32()) >> rng.IntN(31) }
	stats := func() format.Statistics {
		s := format.Statistics{NullCount: int64(i32()), DistinctCount: int64(i32())}
		if rng.IntN(2) == 0 {
			s.MinValue, s.MaxValue = []byte(strings.Repeat("a", rng.IntN(40))), []byte("zz")
			s.Min, s.Max = []byte("m"), []byte{}
		}
		return s
	}
	// A page's size is never negative (parsePageHeader refuses one); other fields may be.
	h := format.PageHeader{Type: format.PageType(rng.IntN(4)), UncompressedPageSize: i32(), CompressedPageSize: int32(rng.Uint32() >> (1 + rng.IntN(31)))}
	if rng.IntN(2) == 0 {
		h.CRC = i32()
	}
	switch rng.IntN(4) {
	case 0:
		h.DataPageHeader = thrift.New(format.DataPageHeader{NumValues: i32(), Encoding: format.Encoding(rng.IntN(10)), Statistics: stats()})
	case 1:
		h.DictionaryPageHeader = thrift.New(format.DictionaryPageHeader{NumValues: i32(), Encoding: format.Encoding(rng.IntN(10)), IsSorted: rng.IntN(2) == 0})
	case 2:
		v2 := format.DataPageHeaderV2{NumValues: i32(), NumNulls: i32(), NumRows: i32(),
			Encoding: format.Encoding(rng.IntN(10)), DefinitionLevelsByteLength: i32(), RepetitionLevelsByteLength: i32(),
			Statistics: stats()}
		if rng.IntN(2) == 0 {
			v2.IsCompressed = thrift.New(rng.IntN(2) == 0)
		}
		h.DataPageHeaderV2 = thrift.New(v2)
	case 3:
		h.IndexPageHeader = thrift.New(format.IndexPageHeader{})
	}
	return h
}

// FuzzPageHeader: any bytes give a header or an error, never a panic, and a header never
// claims more bytes than it was given.
func FuzzPageHeader(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 8 {
		h := randomPageHeader(rng)
		b, _ := thrift.Marshal(new(thrift.CompactProtocol), &h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, n, err := parsePageHeader(b); err == nil && (n <= 0 || n > len(b)) {
			t.Fatalf("read %d of %d bytes", n, len(b))
		}
	})
}
