package store

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestKeepFilesOpen: a store that keeps its files open decodes a footer once for many
// scans, yet reads a file replaced under it (a new inode) and fails on a removed one as a
// store that keeps nothing does; past its budget it drops files, least recently used first.
func TestKeepFilesOpen(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("nothing is kept open on Windows")
	}
	root := t.TempDir()
	a := writeRun(t, root, "a", sampleOutcomes(30))
	b := writeRun(t, root, "b", sampleOutcomes(70))
	s := Open(root)
	s.KeepFilesOpen(8<<20, 8<<20)
	files := s.be.(*localBackend).files
	count := func(id string) int {
		t.Helper()
		n := 0
		if err := s.Scan(id, Outcomes, []string{"model"}, func(bt *Batch) error { n += bt.N; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count(a.ID) != 30 || count(a.ID) != 30 || count(b.ID) != 70 {
		t.Fatal("wrong row counts")
	}
	pathA := filepath.Join(root, "runs", a.ID, outcomesFile)
	first := files.entries[pathA]
	if len(files.entries) != 2 || first == nil || first.refs != 0 {
		t.Fatalf("entries %d, a's %+v: want 2, a's released", len(files.entries), first)
	}
	count(a.ID)
	if files.entries[pathA] != first {
		t.Error("a second scan opened the file again")
	}
	// A file replaced by a rename (a new inode) is read anew.
	if err := os.Rename(filepath.Join(root, "runs", b.ID, outcomesFile), pathA); err != nil {
		t.Fatal(err)
	}
	if n := count(a.ID); n != 70 {
		t.Errorf("after the replace a reads %d rows, want 70", n)
	}
	if !first.dropped {
		t.Error("the replaced file's entry was not dropped")
	}
	// A removed file is missing, not answered from the cache.
	if err := os.Remove(pathA); err != nil {
		t.Fatal(err)
	}
	if err := s.Scan(a.ID, Outcomes, []string{"model"}, func(*Batch) error { return nil }); err == nil {
		t.Error("a removed file was read from the cache")
	}
	// A budget of one footer keeps one file.
	c := writeRun(t, root, "c", sampleOutcomes(10))
	d := writeRun(t, root, "d", sampleOutcomes(10))
	count(c.ID)
	one := files.entries[filepath.Join(root, "runs", c.ID, outcomesFile)].cost
	s.KeepFilesOpen(one+one/2, 8<<20)
	count(d.ID)
	if len(files.entries) != 1 || files.entries[filepath.Join(root, "runs", d.ID, outcomesFile)] == nil {
		t.Errorf("with a budget of one footer: %d entries, want d's alone", len(files.entries))
	}
	// A footer dearer than largest is not kept, whatever the budget.
	s.KeepFilesOpen(8<<20, one/2)
	count(c.ID)
	if len(files.entries) > 1 {
		t.Errorf("with largest under a footer's cost: %d entries, want the one kept before", len(files.entries))
	}
	s.KeepFilesOpen(0, 0)
	if len(files.entries) != 0 {
		t.Errorf("a budget of 0 keeps %d files", len(files.entries))
	}
}

// TestKeepFilesOpenConcurrent: scans at once of the same kept files (one decoded footer,
// one file) read what scans of files opened apart read (run it with -race).
func TestKeepFilesOpenConcurrent(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("nothing is kept open on Windows")
	}
	root := t.TempDir()
	run := writeRun(t, root, "c", sampleOutcomes(500))
	sum := func(s *Store) (int64, error) {
		var total int64
		err := s.Scan(run.ID, Outcomes, []string{"model", "duration_ms", "passed"}, func(b *Batch) error {
			for i, d := range b.Int("duration_ms") {
				total += d + int64(b.Bool("passed")[i]) + int64(len(b.Dict("model").Values[b.Dict("model").Index[i]]))
			}
			return nil
		})
		return total, err
	}
	want, err := sum(Open(root))
	if err != nil {
		t.Fatal(err)
	}
	s := Open(root)
	s.KeepFilesOpen(8<<20, 8<<20)
	errc := make(chan error, 16)
	for range 16 {
		go func() {
			got, err := sum(s)
			if err == nil && got != want {
				err = fmt.Errorf("a scan read %d, want %d", got, want)
			}
			errc <- err
		}()
	}
	for range 16 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
	if n := len(s.be.(*localBackend).files.entries); n != 1 {
		t.Errorf("%d files kept, want 1", n)
	}
}
