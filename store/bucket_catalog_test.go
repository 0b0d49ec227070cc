package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/evals-dev/evals/internal/s3test"
)

func commitTo(t *testing.T, url string, name string) (Committed, error) {
	t.Helper()
	w, err := NewWriter(url, Run{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range sampleOutcomes(3) {
		if err := w.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	return w.Commit()
}

func fresh(url string) *Store {
	s := Open(url)
	if b, ok := s.be.(*bucketBackend); ok {
		b.forget()
	}
	return s
}

// TestCatalogSettlesAWriterThatDied: a writer that committed run.json and died before it
// logged it loses nothing: its intent is in the log, and a reader looks.
func TestCatalogSettlesAWriterThatDied(t *testing.T) {
	srv := s3test.Start(t)
	url := srv.Bucket(t, "evals", "died")
	if _, err := commitTo(t, url, "first"); err != nil {
		t.Fatal(err)
	}
	testHookLogged = func() error { return errors.New("killed") }
	_, err := commitTo(t, url, "second")
	testHookLogged = nil
	if err == nil {
		t.Fatal("the hook did not stop the writer")
	}
	runs, bad, err := fresh(url).Runs()
	if err != nil || len(bad) > 0 || len(runs) != 2 {
		t.Fatalf("after a writer died between its commit and its log: %d runs %v %v", len(runs), bad, err)
	}
	ids, _ := fresh(url).ListedRuns()
	if len(ids) != 2 {
		t.Fatalf("the bucket holds %v", ids)
	}
}

// TestCatalogFoldsAndRebuilds: past foldAfter segments a writer folds the log into a new
// checkpoint; a run put into the bucket behind the catalog's back (an older evals) shows
// once the catalog is rebuilt from a full listing, as evals gc does.
func TestCatalogFoldsAndRebuilds(t *testing.T) {
	srv := s3test.Start(t)
	url := srv.Bucket(t, "evals", "fold")
	for i := 0; i < 8; i++ {
		if _, err := commitTo(t, url, "r"); err != nil {
			t.Fatal(err)
		}
	}
	b := fresh(url).be.(*bucketBackend)
	ctx := context.Background()
	st, err := b.catalogState(ctx)
	if err != nil || st == nil || st.seq != 16 {
		t.Fatalf("the fold of 16 segments: %+v %v", st, err)
	}
	if len(st.segs) > foldAfter {
		t.Fatalf("%d segments after the newest checkpoint and delta", len(st.segs))
	}
	if d, _ := b.newest(ctx, catDeltaPrefix); d == "" {
		t.Fatal("16 segments folded into no delta")
	}
	// An old writer: run.json without a log entry.
	if err := b.bucket.WriteAll(ctx, runKey("legacy1", runFile), []byte(`{"schemaVersion":1,"id":"legacy1","name":"old","createdAt":"2026-01-01T00:00:00Z","summary":{}}`), nil); err != nil {
		t.Fatal(err)
	}
	runs, _, _ := fresh(url).Runs()
	if len(runs) != 8 {
		t.Fatalf("%d runs before the rebuild, want the 8 logged", len(runs))
	}
	if err := fresh(url).RebuildCatalog(); err != nil {
		t.Fatal(err)
	}
	runs, _, _ = fresh(url).Runs()
	if len(runs) != 9 {
		t.Fatalf("%d runs after the rebuild, want 9", len(runs))
	}
}

// The runs memo decodes, chunk by chunk, to the runs it was made of, in order; another
// head's memo is a miss.
func TestRunsMemoRoundTrip(t *testing.T) {
	var runs []Run
	for i := range 10 {
		runs = append(runs, Run{ID: fmt.Sprintf("run%04d", i), Name: "r", Labels: map[string]string{"k": "v"}, Summary: Summary{OutcomeCount: int64(i)}})
	}
	for _, n := range []int{0, 1, 3, 10} {
		raw, err := encodeRunsMemo("head", runs[:n])
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeRunsMemo(raw, "head")
		if !ok || len(got) != n {
			t.Fatalf("%d runs: got %d, %v", n, len(got), ok)
		}
		for i := range got {
			if got[i].ID != runs[i].ID || got[i].Summary.OutcomeCount != int64(i) || got[i].Labels["k"] != "v" {
				t.Fatalf("run %d: %+v", i, got[i])
			}
		}
		if _, ok := decodeRunsMemo(raw, "other"); ok {
			t.Fatal("another head's memo was read")
		}
	}
}
