package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLocalRunsMemo: a large local store lists its runs from the memo exactly as from their
// run.json files, and a replaced, removed or edited run, or a broken memo, is never
// answered from it.
func TestLocalRunsMemo(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	root := t.TempDir()
	for i := range memoMinRuns + 2 {
		w, err := NewWriter(root, Run{ID: fmt.Sprintf("r%03d", i), Name: fmt.Sprintf("run %d", i),
			CreatedAt: time.Unix(1700000000+int64(i), 0).UTC(), Labels: map[string]string{"branch": "main"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range sampleOutcomes(2 + i%3) {
			if err := w.Add(o); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	listing := func() string {
		t.Helper()
		runs, bad, err := Open(root).Runs()
		if err != nil || len(bad) > 0 {
			t.Fatalf("listing: %v %v", err, bad)
		}
		b, _ := json.Marshal(runs)
		return string(b)
	}
	memoPath := func() string {
		m := (&localBackend{root: root}).memoFor(memoMinRuns)
		return m.path
	}
	first := listing() // read from run.json, the memo written
	if _, err := os.Stat(memoPath()); err != nil {
		t.Fatalf("no memo after the first listing: %v", err)
	}
	if again := listing(); again != first {
		t.Fatalf("from the memo:\n%s\nfrom run.json:\n%s", again, first)
	}
	// A run replaced by a rename (what publishing does) is read anew.
	dir := filepath.Join(root, "runs", "r005")
	raw, err := os.ReadFile(filepath.Join(dir, runFile))
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "run.json.new")
	if err := os.WriteFile(tmp, []byte(strings.Replace(string(raw), `"run 5"`, `"run five"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, runFile)); err != nil {
		t.Fatal(err)
	}
	if got := listing(); !strings.Contains(got, `"run five"`) || strings.Contains(got, `"run 5"`) {
		t.Error("a replaced run.json was answered from the memo")
	}
	// A removed run is gone; an edit (the overlay) applies once, from the memo too.
	if err := os.RemoveAll(filepath.Join(root, "runs", "r007")); err != nil {
		t.Fatal(err)
	}
	name := "renamed"
	if _, err := Open(root).EditRun(RunEdit{RunID: "r008", Name: &name, Author: "t"}); err != nil {
		t.Fatal(err)
	}
	got := listing()
	if strings.Contains(got, `"r007"`) || !strings.Contains(got, `"renamed"`) {
		t.Error("a removed run listed, or an edit not applied")
	}
	if again := listing(); again != got {
		t.Error("the second listing after an edit differs from the first")
	}
	// A memo that does not decode is no memo.
	if err := os.WriteFile(memoPath(), []byte("not a memo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if again := listing(); again != got {
		t.Error("a broken memo changed the listing")
	}
}
