package store

import (
	"github.com/evals-dev/evals/errs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func commitDigest(t *testing.T, root, digest string) Committed {
	t.Helper()
	w, err := NewWriter(root, Run{Digest: digest})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Add(sampleOutcomes(1)[0])
	c, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A claim whose writer died before it published (killed in the claim window: the claim
// names a run that is not there and no staging lease is held) is not honoured: the next
// import lands its run, whatever the claim's age. gc lists it too, whatever --grace says.
func TestClaimOfADeadWriterIsNotHonoured(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "digests")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, claimKey("sha256:dead")), []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	left, err := Open(root).Leftovers(24 * time.Hour)
	if err != nil || len(left) != 1 || left[0].Kind != "claim" {
		t.Fatalf("gc lists the orphan claim at any age: %+v %v", left, err)
	}
	c := commitDigest(t, root, "sha256:dead")
	if c.Duplicate {
		t.Fatalf("a dead writer's claim made the import a no-op: %+v", c)
	}
	if _, err := Open(root).Run(c.Run.ID); err != nil {
		t.Fatalf("the import landed no run: %v", err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, claimKey("sha256:dead")))
	if string(b) != c.Run.ID {
		t.Errorf("the claim now names the new run: %q", b)
	}
}

// A claim whose writer is alive (between its claim and its publish, lease held) is
// honoured: a second import of the same content is a duplicate of the first.
func TestClaimOfALiveWriterIsHonoured(t *testing.T) {
	root := t.TempDir()
	second := make(chan Committed, 1)
	waiting := make(chan struct{})
	var once sync.Once
	testHookWaiting = func() { once.Do(func() { close(waiting) }) }
	testHookClaimed = func() {
		testHookClaimed = nil
		go func() { second <- commitDigest(t, root, "sha256:live") }()
		<-waiting // the second import met the live claim and waits for its run
	}
	defer func() { testHookClaimed, testHookWaiting = nil, nil }()
	first := commitDigest(t, root, "sha256:live")
	got := <-second
	if first.Duplicate || !got.Duplicate || got.Run.ID != first.Run.ID {
		t.Fatalf("first %+v, second %+v", first, got)
	}
	runs, _, _ := Open(root).Runs()
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
}

// Deleting a run releases its claim: importing the same content again lands a run.
func TestDeleteReleasesTheClaim(t *testing.T) {
	root := t.TempDir()
	first := commitDigest(t, root, "sha256:again")
	if err := Open(root).DeleteRun(first.Run.ID); err != nil {
		t.Fatal(err)
	}
	again := commitDigest(t, root, "sha256:again")
	if again.Duplicate {
		t.Fatalf("re-importing a deleted run's content was a no-op: %+v", again)
	}
	runs, _, _ := Open(root).Runs()
	if len(runs) != 1 || runs[0].ID != again.Run.ID {
		t.Fatalf("runs after the re-import: %+v", runs)
	}
}

// gc removes the temporary files killed writers leave (overlay/.tmp-*, digests/.claim-*)
// once they are older than tempFloor, whatever --grace says; a fresh one is a live
// writer's and stays even at grace 0.
func TestGCTakesDeadTempFiles(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"overlay/.tmp-123", "digests/.claim-456", "overlay/.tmp-fresh", "digests/.claim-fresh"} {
		path := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, []byte("x"), 0o644)
		if !strings.Contains(p, "fresh") {
			old := time.Now().Add(-time.Hour)
			os.Chtimes(path, old, old)
		}
	}
	left, err := Open(root).Leftovers(0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, l := range left {
		if l.Kind == "temp" {
			keys = append(keys, filepath.Base(l.Key))
		}
	}
	if len(keys) != 2 || !slices.Contains(keys, ".tmp-123") || !slices.Contains(keys, ".claim-456") {
		t.Fatalf("temp leftovers: %v", keys)
	}
}

// A long text value is stored once, compressed: a 16 MiB output of one letter was four
// raw copies (page statistics), a 65 MB file.
func TestLongValueStoredOnce(t *testing.T) {
	root := t.TempDir()
	w, err := NewWriter(root, Run{})
	if err != nil {
		t.Fatal(err)
	}
	o := sampleOutcomes(1)[0]
	o.Output = strings.Repeat("a", 16<<20)
	_ = w.Add(o)
	c, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(root, "runs", c.Run.ID, "outcomes.parquet"))
	if err != nil || info.Size() > 1<<20 {
		t.Fatalf("outcomes.parquet of one 16 MiB output: %d bytes, want < 1 MiB (%v)", info.Size(), err)
	}
	back, err := Open(root).Outcome(OutcomeID(c.Run.ID, 0), false)
	if err != nil || back.Output != o.Output {
		t.Fatalf("the value reads back whole: %v", err)
	}
}

// A verdict on a skipped outcome is refused with a coded error (it would be listed and
// change nothing); a note on it is taken.
func TestVerdictOnSkippedIsRefused(t *testing.T) {
	root := t.TempDir()
	w, _ := NewWriter(root, Run{})
	o := sampleOutcomes(1)[0]
	o.Status, o.Passed, o.Graders = StatusSkipped, nil, nil
	_ = w.Add(o)
	c, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	s := Open(root)
	pass, note := VerdictPass, "the sandbox was down"
	id := OutcomeID(c.Run.ID, 0)
	if _, err := s.Annotate(Annotation{OutcomeID: id, Verdict: &pass, Author: "t"}); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("a verdict on a skipped outcome: %v", err)
	}
	if _, err := s.Annotate(Annotation{OutcomeID: id, Note: &note, Author: "t"}); err != nil {
		t.Fatalf("a note on a skipped outcome: %v", err)
	}
}
