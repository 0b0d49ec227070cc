package store

import (
	"errors"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/evals-dev/evals/errs"
	"github.com/parquet-go/parquet-go"
)

// Strings reads one string column at the given row positions, decoding only the pages
// that hold them: the way to fetch a few evidence texts without reading every row.
func (s *Store) Strings(runID string, t Table, col string, rows []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(rows))
	if !slices.IsSorted(rows) {
		rows = slices.Clone(rows)
		slices.Sort(rows)
	}
	rows = slices.Compact(slices.Clip(rows))
	err := s.eachString(runID, t, col, rows, func(k int, v string) { out[rows[k]] = v })
	return out, err
}

// StringList reads one string column at the given rows, which must be sorted and
// distinct: out[k] is row rows[k]'s value ("" for null). For many rows it is cheaper than
// Strings' map.
func (s *Store) StringList(runID string, t Table, col string, rows []int64) ([]string, error) {
	out := make([]string, len(rows))
	if !slices.IsSorted(rows) {
		return nil, errs.E(errs.Internal, "StringList needs sorted rows")
	}
	err := s.eachStringShared(runID, t, col, rows, func(k int, v string) { out[k] = v })
	return out, err
}

// eachString calls put with the index in rows (sorted, distinct) and the value of every
// row read.
func (s *Store) eachString(runID string, t Table, col string, rows []int64, put func(k int, v string)) error {
	return s.eachStringIn(runID, t, col, rows, put, 0, 1)
}

// eachStringShared is eachString on every core: the row groups are shared among workers,
// each with its own open file, so put must be safe for concurrent calls on distinct k.
func (s *Store) eachStringShared(runID string, t Table, col string, rows []int64, put func(k int, v string)) error {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(rows)/50_000))
	if workers <= 1 {
		return s.eachString(runID, t, col, rows, put)
	}
	fails := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fails[w] = s.eachStringIn(runID, t, col, rows, put, w, workers)
		}()
	}
	wg.Wait()
	return errors.Join(fails...)
}

// eachStringIn reads the row groups g with g % of == part.
func (s *Store) eachStringIn(runID string, t Table, col string, rows []int64, put func(k int, v string), part, of int) error {
	if !validID(runID) {
		return errs.E(errs.NotFound, "run %q not found", runID)
	}
	if len(rows) == 0 {
		return nil
	}
	f, pf, path, err := s.openParquet(runID, string(t))
	if err != nil {
		return err
	}
	defer f.Close()
	lc, ok := pf.Schema().Lookup(col)
	if !ok || lc.Node.Type().Kind() != parquet.ByteArray {
		return errs.E(errs.Corrupt, "reading %s: string column %q is missing", path, col)
	}
	return func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = errs.E(errs.Corrupt, "reading %s: malformed parquet data (%v)", path, r)
			}
		}()
		_, remote := f.(*blobObject)
		md := pf.Metadata()
		var row0 int64
		for g, rg := range pf.RowGroups() {
			n := rg.NumRows()
			if g%of == part && hasRowIn(rows, row0, row0+n) {
				cc := rg.ColumnChunks()[lc.ColumnIndex]
				if !remote && md.RowGroups[g].Columns[lc.ColumnIndex].MetaData.TotalUncompressedSize >= seekChunkBytes {
					if fc, ok := cc.(*parquet.FileColumnChunk); ok {
						fc.OffsetIndex() // read once per open file; SeekToRow then skips pages undecoded
					}
				}
				if err := pickStrings(cc, row0, n, rows, lc.MaxDefinitionLevel > 0, put); err != nil {
					return errs.E(errs.Corrupt, "reading column %q of %s: %w", col, path, err)
				}
			}
			row0 += n
		}
		return nil
	}()
}

// hasRowIn says whether sorted rows hold one in lo..hi-1.
func hasRowIn(rows []int64, lo, hi int64) bool {
	i, _ := slices.BinarySearch(rows, lo)
	return i < len(rows) && rows[i] < hi
}

// pickStrings decodes the pages of a chunk (rows row0..row0+count-1) holding wanted rows:
// it seeks to each wanted row past the page it has and stops after the last one. Files are
// opened without their page index: a seek decodes the pages before its row within the
// chunk, unless the chunk's offset index was read (eachStringIn does for a large local
// chunk: see seekPages).
func pickStrings(cc parquet.ColumnChunk, row0, count int64, rows []int64, optional bool, put func(k int, v string)) error {
	pages := cc.Pages()
	defer pages.Close()
	at := row0
	for {
		next, _ := slices.BinarySearch(rows, at)
		if next == len(rows) || rows[next] >= row0+count {
			return nil
		}
		if rows[next] > at {
			if err := pages.SeekToRow(rows[next] - row0); err != nil {
				return err
			}
			at = rows[next]
		}
		p, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n := p.NumRows()
		if hasRowIn(rows, at, at+n) {
			vals := p.Data()
			var dict []string
			var idx []int32
			var data []byte
			var offs []uint32
			if d := p.Dictionary(); d != nil {
				idx = vals.Int32()
				for i := range d.Len() {
					dict = append(dict, string(d.Index(int32(i)).ByteArray()))
				}
			} else {
				data, offs = vals.ByteArray()
			}
			defs := p.DefinitionLevels()
			j := 0 // position among non-null values
			k, _ := slices.BinarySearch(rows, at)
			for i := int64(0); i < n; i++ {
				null := optional && i < int64(len(defs)) && defs[i] == 0
				want := k < len(rows) && rows[k] == at+i
				if want {
					k++
				}
				if want && !null {
					switch {
					case dict != nil && j < len(idx) && int(idx[j]) < len(dict):
						put(k-1, dict[idx[j]])
					case dict == nil && j+1 < len(offs) && offs[j] <= offs[j+1] && int(offs[j+1]) <= len(data):
						put(k-1, string(data[offs[j]:offs[j+1]]))
					}
				}
				if !null {
					j++
				}
			}
		}
		parquet.Release(p)
		at += n
	}
}
