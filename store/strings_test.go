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
	const n = 2000
	text := func(i int) string {
		return fmt.Sprintf("output %04d ", i) + strings.Repeat(fmt.Sprintf("%08x", i*7919), 125)
	}
	outs := sampleOutcomes(n)
	for i, o := range outs {
		// One model and stimulus order that keeps the rows in this order.
		o.Model, o.Stimulus, o.Trial, o.Output = "m", fmt.Sprintf("s%05d", i), 0, text(i)
	}
	run := writeRun(t, root, "pages", outs)
	s := Open(root)
	rows := []int64{0, 5, 700, 701, 1500, n - 1}
	got, err := s.Strings(run.ID, Outcomes, "output", rows)
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
