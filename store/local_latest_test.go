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

// TestLatestFast: latest~n from the memo's head is the run ResolveIn finds in the listing,
// for every n, with the memo fresh, with runs added, replaced, renamed (the overlay),
// removed, emptied of their run.json and tied on their creation time; and a run.json that
// cannot be read leaves the answer to the listing.
func TestLatestFast(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	root := t.TempDir()
	commit := func(id string, created time.Time) {
		t.Helper()
		commitRun(t, root, Run{ID: id, Name: "run " + id, CreatedAt: created})
	}
	base := time.Unix(1700000000, 0).UTC()
	for i := range memoMinRuns + 4 {
		// Every fourth run shares its creation time with the one before: ties go by id.
		commit(fmt.Sprintf("r%03d", i), base.Add(time.Duration(i-i%4/3)*time.Minute))
	}
	check := func(when string, wantFast bool) {
		t.Helper()
		// The fast path first: the listing rewrites the memo with what it read.
		ns := []int{0, 1, 2, 3, 5, 30, memoMinRuns - 1}
		fast := make([]Run, len(ns))
		for i, n := range ns {
			var ok bool
			if fast[i], ok = Open(root).latestFast(n); ok != wantFast {
				t.Fatalf("%s: latest~%d: fast path answered %v, want %v", when, n, ok, wantFast)
			}
		}
		runs, bad, err := Open(root).Runs()
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range ns {
			ref := fmt.Sprintf("latest~%d", n)
			want, err := ResolveAmong(runs, bad, ref)
			if err != nil {
				t.Fatalf("%s: %s from the listing: %v", when, ref, err)
			}
			got := fast[i]
			a, _ := json.Marshal(want)
			b, _ := json.Marshal(got)
			if wantFast && string(a) != string(b) {
				t.Fatalf("%s: %s:\nlisting %s\nfast    %s", when, ref, a, b)
			}
		}
	}
	check("no memo yet", false) // its listing writes the memo
	check("fresh memo", true)

	commit("r900", base.Add(time.Hour)) // newer than all, not in the memo
	check("a run added", true)

	dir := filepath.Join(root, "runs", "r010")
	raw, _ := os.ReadFile(filepath.Join(dir, runFile))
	newer := strings.Replace(string(raw), base.Add(10*time.Minute).Format(time.RFC3339), base.Add(2*time.Hour).Format(time.RFC3339), 1)
	if newer == string(raw) {
		t.Fatalf("the test's run.json has no created time to move: %s", raw)
	}
	os.WriteFile(filepath.Join(dir, "run.json.new"), []byte(newer), 0o644)
	if err := os.Rename(filepath.Join(dir, "run.json.new"), filepath.Join(dir, runFile)); err != nil {
		t.Fatal(err)
	}
	check("a run replaced, now the newest", true)

	name := "renamed"
	if _, err := Open(root).EditRun(RunEdit{RunID: "r010", Name: &name, Author: "t"}); err != nil {
		t.Fatal(err)
	}
	check("the newest run renamed", true)

	os.RemoveAll(filepath.Join(root, "runs", "r900"))
	os.Remove(filepath.Join(root, "runs", "r066", runFile))
	check("a run removed, a run.json removed", true)

	os.WriteFile(filepath.Join(root, "runs", "r066", runFile), []byte("{not json"), 0o644)
	if _, ok := Open(root).latestFast(0); ok {
		t.Fatal("a run.json that cannot be read was passed over by the fast path")
	}
	if got, err := Open(root).Resolve("latest"); err != nil || got.ID != "r010" {
		t.Fatalf("with a broken run.json: %s %v", got.ID, err)
	}
}

// TestResolveFastRefs: every kind of reference resolves as the listing resolves it (the
// same run, or the same error code and message), on a small store and a large one, with an
// edited run, a run.json that cannot be read and a run folder reached through a link.
func TestResolveFastRefs(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	for _, n := range []int{5, memoMinRuns + 3} {
		root := t.TempDir()
		for i := range n {
			commitRun(t, root, Run{ID: fmt.Sprintf("r%03d", i), Name: fmt.Sprintf("name%d", i%4),
				CreatedAt: time.Unix(1700000000+int64(i), 0).UTC(), Labels: map[string]string{"k": fmt.Sprint(i % 3)}})
		}
		name := "edited"
		if _, err := Open(root).EditRun(RunEdit{RunID: "r002", Name: &name, Author: "t"}); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(root, "runs", "r003", runFile), []byte("{broken"), 0o644)
		os.Symlink(filepath.Join(root, "runs", "r001"), filepath.Join(root, "runs", "linked"))
		refs := []string{"latest", "latest~2", " r001 ", "r002", "r003", "r00", "r0", "name1", "edited", "k=1", "k=2~1",
			"linked", "nope", "latest~x", "latest~999", "", "../r001", ".hidden"}
		for pass := range 2 { // without a memo, then with one
			runs, bad, err := Open(root).Runs()
			if err != nil {
				t.Fatal(err)
			}
			listed := Open(root)
			listed.Runs() // then resolved from the listing it keeps
			for _, ref := range refs {
				want, werr := ResolveAmong(runs, bad, ref)
				for i, s := range []*Store{Open(root), listed} {
					got, gerr := s.Resolve(ref)
					a, _ := json.Marshal(want)
					b, _ := json.Marshal(got)
					if string(a) != string(b) || fmt.Sprint(werr) != fmt.Sprint(gerr) {
						t.Fatalf("%d runs, pass %d, store %d, %q:\nlisting %s %v\nresolve %s %v", n, pass, i, ref, a, werr, b, gerr)
					}
				}
			}
		}
	}
}

// BenchmarkResolveLatest resolves latest again and again in one process, as a server does:
// from the order latestOrder keeps, and (listed) from the listing Runs keeps.
//
//	EVALS_BENCH_STORE=/tmp/s10k go test ./store -run '^$' -bench ResolveLatest
func BenchmarkResolveLatest(b *testing.B) {
	dir := os.Getenv("EVALS_BENCH_STORE")
	if dir == "" {
		b.Skip("set EVALS_BENCH_STORE")
	}
	for _, listed := range []bool{false, true} {
		b.Run(fmt.Sprint("listed=", listed), func(b *testing.B) {
			s := Open(dir)
			if listed {
				s.Runs()
			}
			for b.Loop() {
				if _, err := s.Resolve("latest"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// commitRun writes run with two sample outcomes.
func commitRun(t *testing.T, root string, run Run) {
	t.Helper()
	w, err := NewWriter(root, run)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range sampleOutcomes(2) {
		if err := w.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}
