package store

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestLiveWriterIsNeverSwept: a writer that has been writing for days keeps its staging
// folder while other imports start (its lease is held), and commits.
func TestLiveWriterIsNeverSwept(t *testing.T) {
	root := t.TempDir()
	w, err := NewWriter(root, Run{ID: "slow"})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Add(sampleOutcomes(1)[0])
	old := time.Now().Add(-72 * time.Hour)
	os.Chtimes(w.tmp, old, old)
	os.Chtimes(w.tmp+leaseSuffix, old, old)
	writeRun(t, root, "other", sampleOutcomes(3)) // starts a writer: sweeps tmp/
	if _, err := os.Stat(w.tmp); err != nil {
		t.Fatalf("another import removed a live writer's folder: %v", err)
	}
	if left, _ := Open(root).Leftovers(time.Hour); len(left) != 0 {
		t.Fatalf("gc would remove a live writer's work: %+v", left)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatalf("the slow writer could not commit: %v", err)
	}
}

// TestDeadWriterIsSweptAtNextStart: what a killed writer left (its lease free) goes at the
// next writer's start, whatever its age, and gc lists it before that.
func TestDeadWriterIsSweptAtNextStart(t *testing.T) {
	root := t.TempDir()
	dead := filepath.Join(root, "tmp", "killed.123")
	os.MkdirAll(dead, 0o755)
	os.WriteFile(filepath.Join(dead, outcomesFile), make([]byte, 1<<20), 0o644)
	os.WriteFile(dead+leaseSuffix, nil, 0o644) // nobody holds it: the writer is gone
	left, err := Open(root).Leftovers(time.Hour)
	if err != nil || len(left) != 1 || left[0].Kind != "staging" || left[0].Bytes != 1<<20 {
		t.Fatalf("leftovers: %+v %v", left, err)
	}
	writeRun(t, root, "next", sampleOutcomes(2))
	if _, err := os.Stat(dead); err == nil {
		t.Fatal("a dead writer's folder survived the next start")
	}
	entries, _ := os.ReadDir(filepath.Join(root, "tmp"))
	if len(entries) != 0 {
		t.Fatalf("tmp/ after a commit: %v", entries)
	}
}

// TestSameContentAtOnceLandsOnce: two writers of the same content committing at the same
// time make one run; the other answers Duplicate.
func TestSameContentAtOnceLandsOnce(t *testing.T) {
	for round := 0; round < 20; round++ {
		root := t.TempDir()
		var ws []*Writer
		for range 2 {
			w, err := NewWriter(root, Run{Digest: "sha256:same"})
			if err != nil {
				t.Fatal(err)
			}
			_ = w.Add(sampleOutcomes(1)[0])
			ws = append(ws, w)
		}
		res := make([]Committed, 2)
		errsOut := make([]error, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, w := range ws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res[i], errsOut[i] = w.Commit()
			}()
		}
		close(start)
		wg.Wait()
		runs, _, _ := Open(root).Runs()
		if errsOut[0] != nil || errsOut[1] != nil || len(runs) != 1 || res[0].Duplicate == res[1].Duplicate {
			t.Fatalf("round %d: %d runs, results %+v, errors %v", round, len(runs), res, errsOut)
		}
	}
}

// TestStagingRacesASweeper: a writer's folder is never swept while it starts. Its lease
// is locked before it carries its name; a lease created first and locked after let a
// sweeper that looked in between take the writer for dead and remove its folder (two
// concurrent imports into one bucket: "open …/events.parquet: no such file or directory").
func TestStagingRacesASweeper(t *testing.T) {
	dir := t.TempDir()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				sweepDead(dir, time.Hour)
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	for i := range 3000 {
		tmp, release, err := stageIn(dir, "run")
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		if _, err := os.Stat(tmp); err != nil {
			t.Fatalf("start %d: the sweeper removed a live writer's folder", i)
		}
		if err := os.WriteFile(filepath.Join(tmp, "f"), nil, 0o644); err != nil {
			t.Fatalf("start %d: writing in its folder: %v", i, err)
		}
		release()
	}
}
