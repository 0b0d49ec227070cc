package store

import (
	"fmt"
	"strings"
	"testing"
)

// TestStringsSeekAcrossPages: picking a few rows of a text column whose row group spans many
// pages (2 MB of output in ~256 KB pages) seeks to each, and every row comes back whole,
// in the first page, between pages and in the last.
func TestStringsSeekAcrossPages(t *testing.T) {
	root := t.TempDir()
	w, err := NewWriter(root, Run{Name: "pages"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	text := func(i int) string {
		return fmt.Sprintf("output %04d ", i) + strings.Repeat(fmt.Sprintf("%08x", i*7919), 125)
	}
	for i := range n {
		o := sampleOutcomes(1)[0]
		// One model and stimulus order that keeps the rows in this order.
		o.Model, o.Stimulus, o.Output = "m", fmt.Sprintf("s%05d", i), text(i)
		if err := w.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	c, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	s := Open(root)
	rows := []int64{0, 5, 700, 701, 1500, n - 1}
	got, err := s.Strings(c.Run.ID, Outcomes, "output", rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if got[r] != text(int(r)) {
			t.Errorf("row %d: got %.20q…, want %.20q…", r, got[r], text(int(r)))
		}
	}
	if len(got) != len(rows) {
		t.Errorf("%d rows back, want %d", len(got), len(rows))
	}
}
