package store

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestScanRowSet: a scan of a set of rows gives, at each of them, what a whole scan gives
// (nulls, booleans and multi-page text included), and reads only the row groups they are in.
func TestScanRowSet(t *testing.T) {
	root := t.TempDir()
	n := chunkOutcomes + chunkOutcomes/2 // two row groups
	outs := sampleOutcomes(n)
	for i, o := range outs {
		o.Model, o.Stimulus, o.Trial = "m", fmt.Sprintf("s%06d", i), 0 // rows stay in this order
		if i%13 == 0 {
			o.DurationMs = Unknown
		}
		if i%5 == 0 {
			o.Score = nil
		}
		o.Output = fmt.Sprintf("out %06d ", i) + strings.Repeat("x", 150) // many pages
	}
	run := writeRun(t, root, "rowset", outs)
	s := Open(root)
	cols := []string{"stimulus", "passed", "score", "duration_ms", "turns", "output"}
	type row struct {
		stim, out  string
		passed     int8
		score      float64
		dur, turns int64
	}
	all := map[int64]row{}
	read := func(into map[int64]row, batches *[][2]int64) func(b *Batch) error {
		return func(b *Batch) error {
			*batches = append(*batches, [2]int64{b.Row0, b.Row0 + int64(b.N)})
			sd, od := b.Dict("stimulus"), b.Dict("output")
			for i := 0; i < b.N; i++ {
				into[b.Row0+int64(i)] = row{sd.Values[sd.Index[i]], od.Values[od.Index[i]], b.Bool("passed")[i],
					b.Float("score")[i], b.Int("duration_ms")[i], b.Int("turns")[i]}
			}
			return nil
		}
	}
	var groups [][2]int64 // the row groups: a whole scan's batches
	if err := s.Scan(run.ID, Outcomes, cols, read(all, &groups)); err != nil {
		t.Fatal(err)
	}
	if len(all) != n || len(groups) < 2 {
		t.Fatalf("whole scan: %d rows in %d batches, want %d in 2 or more", len(all), len(groups), n)
	}
	groupOf := func(r int64) int {
		return slices.IndexFunc(groups, func(g [2]int64) bool { return r >= g[0] && r < g[1] })
	}
	same := func(a, b row) bool {
		return a.stim == b.stim && a.out == b.out && a.passed == b.passed && a.dur == b.dur && a.turns == b.turns &&
			(a.score == b.score || math.IsNaN(a.score) && math.IsNaN(b.score))
	}
	for _, rows := range [][]int64{
		{0}, {5, 6, 7, 65}, {1000, 9000}, {int64(chunkOutcomes) - 1, int64(chunkOutcomes)}, {int64(n) - 1},
		{3, int64(n) - 3}, {groups[1][0] + 4000, groups[1][0] + 4001},
	} {
		got := map[int64]row{}
		var batches [][2]int64
		if err := s.ScanRowSet(run.ID, Outcomes, cols, rows, read(got, &batches)); err != nil {
			t.Fatal(err)
		}
		var want, read []int
		for _, r := range rows {
			if g := groupOf(r); !slices.Contains(want, g) {
				want = append(want, g)
			}
		}
		for _, b := range batches {
			read = append(read, groupOf(b[0]))
		}
		if !slices.Equal(read, want) {
			t.Errorf("%v: read row groups %v, want %v", rows, read, want)
		}
		for _, r := range rows {
			if g, ok := got[r]; !ok || !same(g, all[r]) {
				t.Errorf("%v: row %d reads %+v, want %+v", rows, r, g, all[r])
			}
		}
		for r, g := range got { // a batch may hold rows around the wanted ones: the same values
			if !same(g, all[r]) {
				t.Errorf("%v: row %d reads %+v, want %+v", rows, r, g, all[r])
			}
		}
	}
}

// TestSeekPages: reading a few rows of a large local chunk moves to their page by the
// chunk's offset index (seekPages) without decoding the pages before, and gives what a
// whole scan gives, for grader evidence (ScanRowSet and Strings) at page boundaries and in
// every row group.
func TestSeekPages(t *testing.T) {
	root := t.TempDir()
	outs := sampleOutcomes(9000)
	for i, o := range outs {
		o.Model, o.Stimulus = "m", fmt.Sprintf("s%06d", i) // rows stay in this order
		o.Graders = []GraderResult{
			{Name: "a", Passed: ptr(i%2 == 0), Weight: 1, Evidence: fmt.Sprintf("ev %06d a ", i) + strings.Repeat("y", 40+i%50)},
			{Name: "b", Passed: ptr(i%3 == 0), Weight: 1, Evidence: fmt.Sprintf("ev %06d b ", i) + strings.Repeat("z", 30+i%70)},
		}
	}
	run := writeRun(t, root, "seek", outs)
	s := Open(root)
	var all []string
	if err := s.Scan(run.ID, Graders, []string{"evidence"}, func(b *Batch) error {
		d := b.Dict("evidence")
		for i := range b.N {
			all = append(all, d.Values[d.Index[i]])
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(all) != 2*len(outs) {
		t.Fatalf("%d grader rows, want %d", len(all), 2*len(outs))
	}

	// The chunk has several pages, and a row past the first is reached by seeking.
	f, pf, _, err := s.openParquet(run.ID, gradersFile)
	if err != nil {
		t.Fatal(err)
	}
	lc, _ := pf.Schema().Lookup("evidence")
	cc := pf.RowGroups()[0].ColumnChunks()[lc.ColumnIndex]
	idx, err := cc.(*parquet.FileColumnChunk).OffsetIndex()
	if err != nil || idx.NumPages() < 4 {
		t.Fatalf("evidence of row group 0: %v pages (%v), want several", idx, err)
	}
	second := idx.FirstRowIndex(1)
	pages := cc.Pages()
	if at, err := seekPages(cc, pages, second+3); err != nil || at != second+3 {
		t.Fatalf("seekPages to row %d: at %d (%v)", second+3, at, err)
	}
	pages.Close()
	f.Close()

	var rows []int64
	for p := range idx.NumPages() {
		r := idx.FirstRowIndex(p)
		rows = append(rows, max(r-1, 0), r)
	}
	rows = append(rows, int64(len(all))-1, int64(len(all))/2+7)
	slices.Sort(rows)
	rows = slices.Compact(rows)
	for _, keep := range []bool{false, true} {
		s := Open(root)
		if keep {
			s.KeepFilesOpen(1<<20, 1<<20)
		}
		for _, r := range rows {
			got := ""
			if err := s.ScanRowSet(run.ID, Graders, []string{"evidence"}, []int64{r}, func(b *Batch) error {
				if d := b.Dict("evidence"); r >= b.Row0 && r < b.Row0+int64(b.N) {
					got = d.Values[d.Index[r-b.Row0]]
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if got != all[r] {
				t.Errorf("ScanRowSet row %d (kept open %v): %q, want %q", r, keep, got, all[r])
			}
		}
		texts, err := s.Strings(run.ID, Graders, "evidence", rows)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if texts[r] != all[r] {
				t.Errorf("Strings row %d (kept open %v): %q, want %q", r, keep, texts[r], all[r])
			}
		}
	}
}
