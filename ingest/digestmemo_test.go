package ingest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/evals-dev/evals/store"
)

// rewriteInPlace writes b over path's bytes (same inode) and sets its mtime to mtime.
func rewriteInPlace(t *testing.T, path string, b []byte, mtime time.Time) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func TestDigestMemo(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no file stamps off Unix: no memo")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir, root := t.TempDir(), t.TempDir()
	p := filepath.Join(dir, "a.jsonl")
	one := `{"stimulus":"s1","model":"m","passed":true}` + "\n"
	two := strings.Replace(one, "s1", "s9", 1) // the same size, other content
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.WriteFile(p, []byte(one), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, old, old)
	importOnce := func(path string) Result {
		t.Helper()
		res, err := ImportFile(context.Background(), root, path, "", Options{SkipInvalid: true})
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	first := importOnce(p)
	if first.Duplicate || first.Run.Digest == "" {
		t.Fatalf("first import: %+v", first)
	}
	if d := knownDigest(stateOf(p)); d != first.Run.Digest {
		t.Fatalf("memo holds %q, the run %q", d, first.Run.Digest)
	}

	// Unchanged: a duplicate, known from the memo. The proof that the file was not read:
	// other bytes of the same size written in place, its mtime set back, are not seen (a
	// stamp cannot tell them apart; that is what it costs).
	rewriteInPlace(t, p, []byte(two), old)
	if again := importOnce(p); !again.Duplicate || again.Run.ID != first.Run.ID {
		t.Fatalf("unchanged stamp: %+v", again)
	}

	// Rewritten in place with the same size at a new mtime: read and imported.
	rewriteInPlace(t, p, []byte(one), old.Add(time.Minute))
	if d := knownDigest(stateOf(p)); d != "" {
		t.Fatalf("a moved mtime still answered from the memo: %q", d)
	}
	if again := importOnce(p); !again.Duplicate || again.Run.ID != first.Run.ID { // its content is the first's
		t.Fatalf("same content, new mtime: %+v", again)
	}

	// Racily clean: a file imported within memoRacy of its mtime is not trusted, so a
	// rewrite in the same mtime tick (a coarse filesystem) is still read.
	q := filepath.Join(dir, "fresh.jsonl")
	now := time.Now().Truncate(time.Second)
	if err := os.WriteFile(q, []byte(strings.Replace(one, "s1", "s2", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(q, now, now)
	fresh := importOnce(q)
	if d := knownDigest(stateOf(q)); d != "" {
		t.Fatalf("a file digested within %s of its mtime was trusted: %q", memoRacy, d)
	}
	rewriteInPlace(t, q, []byte(strings.Replace(one, "s1", "s3", 1)), now)
	if next := importOnce(q); next.Duplicate || next.Run.Digest == fresh.Run.Digest {
		t.Fatalf("a racy rewrite was taken for the old content: %+v", next)
	}

	// A copy at another path (no memo entry): a duplicate, and no run is added.
	c := filepath.Join(dir, "copy.jsonl")
	if err := os.WriteFile(c, []byte(one), 0o644); err != nil {
		t.Fatal(err)
	}
	if cp := importOnce(c); !cp.Duplicate || cp.Run.ID != first.Run.ID {
		t.Fatalf("copy: %+v", cp)
	}
	runs, _, _ := store.Open(root).Runs()
	if len(runs) != 3 {
		t.Fatalf("%d runs, want 3 (a.jsonl, fresh.jsonl twice)", len(runs))
	}

	// A broken memo is an empty one.
	if err := os.WriteFile(digestMemoPath(), []byte("not gob"), 0o644); err != nil {
		t.Fatal(err)
	}
	if again := importOnce(p); !again.Duplicate {
		t.Fatalf("broken memo: %+v", again)
	}
}

// TestSourceBytes: every import records the size of what its digest covers, and an import
// reads a file a second time for its digest (mayHoldCopy) only when a run's source has the
// file's size or a size not recorded (runs imported before sizes were).
func TestSourceBytes(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir, root := t.TempDir(), t.TempDir()
	line := `{"stimulus":"s1","model":"m","passed":true}` + "\n"
	p := filepath.Join(dir, "a.jsonl")
	if err := os.WriteFile(p, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	size := int64(len(line))
	if mayHoldCopy(root, size) {
		t.Fatal("an empty store may hold a copy")
	}
	res, err := ImportFile(context.Background(), root, p, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	native := res[0].Run.ID
	stdin, err := ImportNative(context.Background(), root, "-", strings.NewReader(strings.Repeat(line, 3)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pf := filepath.Join(fixtures, "promptfoo/sample-export.json")
	fi, err := os.Stat(pf)
	if err != nil {
		t.Fatal(err)
	}
	harness, err := ImportFile(context.Background(), root, pf, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := store.Open(root)
	for id, want := range map[string]int64{native: size, stdin.Run.ID: 3 * size, harness[0].Run.ID: fi.Size()} {
		if r, err := s.Run(id); err != nil || r.SourceBytes != want {
			t.Errorf("run %s: sourceBytes %d (%v), want %d", id, r.SourceBytes, err, want)
		}
	}
	for n, want := range map[int64]bool{size: true, 3 * size: true, fi.Size(): true, size + 1: false, 2 * size: false} {
		if got := mayHoldCopy(root, n); got != want {
			t.Errorf("mayHoldCopy(%d) = %v, want %v", n, got, want)
		}
	}

	// A run from before sizes were recorded may hold any size.
	rj := filepath.Join(root, "runs", native, "run.json")
	b, err := os.ReadFile(rj)
	if err != nil {
		t.Fatal(err)
	}
	old := regexp.MustCompile(`"sourceBytes":\s*\d+,`).ReplaceAllString(string(b), "")
	if old == string(b) {
		t.Fatalf("no sourceBytes in %s", b)
	}
	if err := os.WriteFile(rj, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mayHoldCopy(root, 2*size) {
		t.Error("a run without a recorded size was ruled out")
	}
}
