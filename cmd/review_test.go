package cmd

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/internal/s3test"
	"github.com/evals-dev/evals/store"
)

// freshDemo writes a demo store of the test's own: review tests write to it.
func freshDemo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

func jq(t *testing.T, root string, args ...string) string {
	t.Helper()
	r := run(t, false, append(args, "--store", root)...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d %s", args, r.code, r.err)
	}
	return strings.TrimSpace(r.out)
}

// TestAnnotationFlipsVerdicts: human verdicts on qwen3-coder's planted regressions flip them
// back to passed, and ranking, matrix, compare and the gate follow; --verdicts graded
// shows the graders' numbers.
func TestAnnotationFlipsVerdicts(t *testing.T) {
	t.Parallel() // its own store, or the shared demo read only
	root := freshDemo(t)
	rate := `.models[] | select(.model == "qwen3-coder") | .passRate`
	before := jq(t, root, "ranking", "--json", "--jq", rate)
	if r := run(t, false, "compare", "latest", "latest~1", "--fail-on-regression", "--store", root); r.code != 1 {
		t.Fatalf("gate before review: exit %d", r.code)
	}
	ids := strings.Fields(jq(t, root, "outcomes", "--run", "latest", "--model", "qwen3-coder", "--status", "failed,error", "--limit", "1000", "--json", "--jq", ".items[].id"))
	if len(ids) < 48 {
		t.Fatalf("%d failed outcomes", len(ids))
	}
	for _, id := range ids {
		id = strings.Trim(id, `"`)
		if r := run(t, false, "annotate", id, "--verdict", "pass", "--note", "checked by hand", "--author", "alice", "--store", root); r.code != 0 {
			t.Fatalf("annotate: %+v", r)
		}
	}
	after := jq(t, root, "ranking", "--json", "--jq", rate)
	if after != "1" || before == after {
		t.Errorf("qwen3-coder pass rate %s → %s, want 1 once every failure is passed by hand", before, after)
	}
	if n := jq(t, root, "ranking", "--json", "--jq", `.models[] | select(.model == "qwen3-coder") | .reviewedCount`); n != fmt.Sprint(len(ids)) {
		t.Errorf("reviewedCount %s, want %d", n, len(ids))
	}
	if got := jq(t, root, "ranking", "--verdicts", "graded", "--json", "--jq", rate); got != before {
		t.Errorf("--verdicts graded: %s, want %s", got, before)
	}
	if r := run(t, false, "compare", "latest", "latest~1", "--fail-on-regression", "--store", root); r.code != 0 {
		t.Errorf("gate after review: exit %d %s", r.code, r.err)
	}
	if r := run(t, false, "compare", "latest", "latest~1", "--fail-on-regression", "--verdicts", "graded", "--store", root); r.code != 1 {
		t.Errorf("graded gate: exit %d", r.code)
	}
	cell := jq(t, root, "matrix", "--json", "--jq", `[.cells[][] | select(. != null and .reviewed)] | length`)
	if cell == "0" {
		t.Error("no matrix cell is marked reviewed")
	}
	if got := jq(t, root, "outcomes", "--run", "latest", "--model", "qwen3-coder", "--passed", "false", "--json", "--jq", ".page.total"); got != "0" {
		t.Errorf("outcome filter passed=false still finds %s", got)
	}
	o := jq(t, root, "outcome", strings.Trim(ids[0], `"`), "--json", "--jq", "[.passed, .gradedPassed, .reviewed, .review.author, .review.note] | @csv")
	if o != `true,false,true,"alice","checked by hand"` {
		t.Errorf("outcome detail: %s", o)
	}
	// The history keeps who, when and the previous value.
	id := strings.Trim(ids[0], `"`)
	run(t, false, "annotate", id, "--verdict", "clear", "--author", "bob", "--store", root)
	hist := jq(t, root, "annotations", "--run", "latest", "--json", "--jq", fmt.Sprintf(`[.annotations[] | select(.outcomeId == "%s") | [.author, (.verdict // "-"), (.previous.verdict // "none")] | join(":")] | join(" ")`, id))
	if hist != `alice:pass:none bob::pass` {
		t.Errorf("history: %s", hist)
	}
}

// TestConcurrentAnnotations: two processes writing 50 annotations each at once lose none.
func TestConcurrentAnnotations(t *testing.T) {
	t.Parallel() // its own store, or the shared demo read only
	if testing.Short() {
		t.Skip("spawns processes")
	}
	root := freshDemo(t)
	ids := strings.Fields(jq(t, root, "outcomes", "--run", "latest", "--limit", "100", "--json", "--jq", ".items[].id"))
	var wg sync.WaitGroup
	for p := 0; p < 2; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One process per writer, each writing its 50 annotations in turn.
			script := ""
			for i := p; i < 100; i += 2 {
				script += strings.Trim(ids[i], `"`) + "\n"
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestAnnotateHelper$")
			cmd.Env = append(os.Environ(), "EVALS_ANNOTATE_IDS="+script, "EVALS_ANNOTATE_STORE="+root, fmt.Sprintf("EVALS_ANNOTATE_AUTHOR=writer-%d", p))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("writer %d: %v %s", p, err, out)
			}
		}()
	}
	wg.Wait()
	anns, err := store.Open(root).Annotations("8b2d4e7f10")
	if err != nil || len(anns) != 100 {
		t.Fatalf("%d annotations, %v", len(anns), err)
	}
	if n := jq(t, root, "ranking", "--json", "--jq", ".reviewedCount"); n != "100" {
		t.Errorf("reviewedCount %s", n)
	}
}

// TestAnnotateHelper is run in a child process by TestConcurrentAnnotations and
// TestKilledAnnotation: it annotates the outcomes of EVALS_ANNOTATE_IDS.
func TestAnnotateHelper(t *testing.T) {
	ids := os.Getenv("EVALS_ANNOTATE_IDS")
	if ids == "" {
		t.Skip("run by other tests")
	}
	s := store.Open(os.Getenv("EVALS_ANNOTATE_STORE"))
	for k := 0; ; k++ {
		for _, id := range strings.Fields(ids) {
			v := []string{"pass", "fail"}[k%2]
			note := strings.Repeat("note ", 200)
			if _, err := s.Annotate(store.Annotation{OutcomeID: id, Verdict: &v, Note: &note, Author: os.Getenv("EVALS_ANNOTATE_AUTHOR")}); err != nil {
				t.Fatal(err)
			}
		}
		if os.Getenv("EVALS_ANNOTATE_FOREVER") == "" {
			return
		}
	}
}

// TestKilledAnnotation: a writer killed at any moment leaves whole annotations only: every
// overlay object reads, and the reviews fold.
func TestKilledAnnotation(t *testing.T) {
	t.Parallel() // its own store, or the shared demo read only
	if testing.Short() {
		t.Skip("spawns processes")
	}
	root := freshDemo(t)
	ids := strings.Fields(jq(t, root, "outcomes", "--run", "latest", "--limit", "20", "--json", "--jq", ".items[].id"))
	list := ""
	for _, id := range ids {
		list += strings.Trim(id, `"`) + "\n"
	}
	overlay := filepath.Join(root, "overlay")
	count := func() int {
		entries, _ := os.ReadDir(overlay)
		return len(entries)
	}
	for round := 0; round < 5; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAnnotateHelper$")
		cmd.Env = append(os.Environ(), "EVALS_ANNOTATE_IDS="+list, "EVALS_ANNOTATE_STORE="+root, "EVALS_ANNOTATE_FOREVER=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		want := count() + 7*(round+1) // wait for the state: some writes landed since the start
		for count() < want {
			time.Sleep(time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		s := store.Open(root)
		if _, err := s.Reviews("8b2d4e7f10"); err != nil {
			t.Fatalf("round %d: reviews after a kill: %v", round, err)
		}
		anns, err := s.Annotations("8b2d4e7f10")
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		visible := 0
		_ = filepath.WalkDir(overlay, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
				visible++
			}
			return nil
		})
		if visible != len(anns) {
			t.Fatalf("round %d: %d objects but %d annotations read", round, visible, len(anns))
		}
	}
}

// TestDeleteRestore: a deleted run disappears whole, comes back byte for byte, and a
// delete needs --yes off a terminal; on S3 too.
func TestDeleteRestore(t *testing.T) {
	t.Parallel() // its own S3 server (s3test.StartParallel)
	check := func(t *testing.T, root string, files func(id string) map[string][32]byte) {
		before := files("5f3a9c1e02")
		if r := run(t, false, "runs", "delete", "baseline", "--store", root); r.code != 2 || !strings.Contains(r.err, "--yes") {
			t.Fatalf("delete without --yes on a pipe: %+v", r)
		}
		if r := run(t, false, "runs", "delete", "baseline", "--yes", "--store", root); r.code != 0 {
			t.Fatalf("delete: %+v", r)
		}
		if got := jq(t, root, "runs", "--json", "--jq", "[.items[].id] | join(\",\")"); got != "8b2d4e7f10,1c9e0a3b44" {
			t.Fatalf("runs after delete: %s", got)
		}
		if r := run(t, false, "outcome", "5f3a9c1e02-0000001", "--store", root); r.code != 3 {
			t.Errorf("an outcome of a deleted run: exit %d", r.code)
		}
		if r := run(t, false, "runs", "restore", "5f3a9c1e02", "--store", root); r.code != 0 {
			t.Fatalf("restore: %+v", r)
		}
		after := files("5f3a9c1e02")
		if len(before) != 5 || fmt.Sprint(before) != fmt.Sprint(after) {
			t.Errorf("restore changed the run's bytes: %d files before, %d after", len(before), len(after))
		}
		if r := run(t, false, "compare", "latest", "baseline", "--fail-on-regression", "--store", root); r.code != 1 {
			t.Errorf("the restored baseline does not gate: %+v", r)
		}
	}
	t.Run("local", func(t *testing.T) {
		root := freshDemo(t)
		check(t, root, func(id string) map[string][32]byte {
			out := map[string][32]byte{}
			entries, _ := os.ReadDir(filepath.Join(root, "runs", id))
			for _, e := range entries {
				b, _ := os.ReadFile(filepath.Join(root, "runs", id, e.Name()))
				out[e.Name()] = sha256.Sum256(b)
			}
			return out
		})
	})
	t.Run("s3", func(t *testing.T) {
		srv := s3test.StartParallel(t)
		url := srv.Bucket(t, "evals", "trash")
		if r := run(t, false, "demo", "--store", url); r.code != 0 {
			t.Fatalf("demo: %+v", r)
		}
		check(t, url, func(id string) map[string][32]byte {
			out := map[string][32]byte{}
			dir := filepath.Join(srv.Dir, "evals", "trash", "runs", id)
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
				out[e.Name()] = sha256.Sum256(b)
			}
			return out
		})
	})
}

// TestRunManagement: rename, session and labels are overlays; sessions list them.
func TestRunManagement(t *testing.T) {
	root := freshDemo(t)
	run(t, false, "runs", "rename", "latest", "candidate 2", "--store", root)
	run(t, false, "runs", "session", "latest", "release-1", "--store", root)
	run(t, false, "runs", "label", "latest", "reviewed=yes", "branch-", "--store", root)
	got := jq(t, root, "run", "latest", "--json", "--jq", `[.name, .session, (.labels | keys | join(","))] | join("|")`)
	if got != "candidate 2|release-1|ci_job,git_sha,reviewed" {
		t.Errorf("run after edits: %s", got)
	}
	if got := jq(t, root, "runs", "--session", "release-1", "--json", "--jq", "[.items[].id] | join(\",\")"); got != "8b2d4e7f10" {
		t.Errorf("runs --session: %s", got)
	}
	if got := jq(t, root, "sessions", "--json", "--jq", `[.items[] | "\(.name):\(.runCount)"] | join(",")`); got != "release-1:1,demo:2" {
		t.Errorf("sessions: %s", got)
	}
	// The run's own files are untouched.
	b, _ := os.ReadFile(filepath.Join(root, "runs", "8b2d4e7f10", "run.json"))
	if !strings.Contains(string(b), `"name": "candidate"`) {
		t.Error("run.json was rewritten")
	}
}

// TestS3Review: reviews, run edits and the trash work the same on a bucket, where the one
// listing of the store carries them (no extra request per run).
func TestS3Review(t *testing.T) {
	t.Parallel() // its own S3 server (s3test.StartParallel)
	srv := s3test.StartParallel(t)
	url := srv.Bucket(t, "evals", "review")
	if r := run(t, false, "demo", "--store", url); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	rate := `.models[] | select(.model == "gpt-5") | .reviewedCount`
	id := strings.Trim(jq(t, url, "outcomes", "--run", "latest", "--model", "gpt-5", "--passed", "false", "--limit", "1", "--json", "--jq", ".items[0].id"), `"`)
	if r := run(t, false, "annotate", id, "--verdict", "pass", "--store", url); r.code != 0 {
		t.Fatalf("annotate on S3: %+v", r)
	}
	if got := jq(t, url, "ranking", "--json", "--jq", rate); got != "1" {
		t.Errorf("reviewedCount on S3: %s", got)
	}
	run(t, false, "runs", "rename", "latest", "renamed-on-s3", "--store", url)
	if got := jq(t, url, "run", "latest", "--json", "--jq", ".name"); got != "renamed-on-s3" {
		t.Errorf("rename on S3: %s", got)
	}
}

// TestGCEmptiesTrash: gc removes runs deleted more than 7 days ago, and only those.
func TestGCEmptiesTrash(t *testing.T) {
	root := freshDemo(t)
	run(t, false, "runs", "delete", "baseline", "nightly-2026-11-19", "--yes", "--store", root)
	entries, _ := os.ReadDir(filepath.Join(root, "trash"))
	if len(entries) != 2 {
		t.Fatalf("trash: %v", entries)
	}
	// Make one deletion 8 days old: its name carries the time of the delete.
	old := entries[0].Name()
	id, _, _ := strings.Cut(old, "@")
	aged := fmt.Sprintf("%s@%d", id, time.Now().Add(-8*24*time.Hour).UnixNano())
	if err := os.Rename(filepath.Join(root, "trash", old), filepath.Join(root, "trash", aged)); err != nil {
		t.Fatal(err)
	}
	if r := run(t, false, "gc", "--store", root); r.code != 0 {
		t.Fatalf("gc: %+v", r)
	}
	entries, _ = os.ReadDir(filepath.Join(root, "trash"))
	if len(entries) != 1 || strings.HasPrefix(entries[0].Name(), id+"@") {
		t.Errorf("trash after gc: %v (the 8-day-old %s should be gone, the fresh one kept)", entries, id)
	}
	if r := run(t, false, "runs", "restore", id, "--store", root); r.code != 3 {
		t.Errorf("restoring an emptied run: exit %d", r.code)
	}
}

// An import that imports nothing fails with a coded error (a CI step must not pass on an
// empty folder); --allow-empty accepts it.
func TestImportOfNothing(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(t.TempDir(), "store")
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	sub := filepath.Join(dir, "nothing")
	os.MkdirAll(sub, 0o755)
	for _, c := range []struct {
		path string
		want int
	}{{sub, 3}, {empty, 4}} {
		if r := run(t, false, "import", c.path, "--store", root); r.code != c.want {
			t.Errorf("import %s: exit %d, want %d (%s)", c.path, r.code, c.want, r.err)
		}
		if r := run(t, false, "import", c.path, "--allow-empty", "--store", root); r.code != 0 {
			t.Errorf("import %s --allow-empty: exit %d (%s)", c.path, r.code, r.err)
		}
	}
}

// evals demo --reset writes the demo anew: its reviews go, the store's other runs stay.
func TestDemoReset(t *testing.T) {
	t.Parallel() // its own store, or the shared demo read only
	root := filepath.Join(t.TempDir(), "store")
	if r := run(t, false, "demo", "--store", root); r.code != 0 {
		t.Fatal(r)
	}
	run(t, false, "annotate", "8b2d4e7f10-0000006", "--verdict", "pass", "--store", root)
	other := filepath.Join(t.TempDir(), "o.jsonl")
	os.WriteFile(other, []byte(`{"stimulus":"s","model":"m","passed":true}`+"\n"), 0o644)
	run(t, false, "import", other, "--store", root)
	if r := run(t, false, "demo", "--store", root); r.code == 0 {
		t.Fatal("demo over the demo runs is refused without --reset")
	}
	if r := run(t, false, "demo", "--reset", "--store", root); r.code != 0 {
		t.Fatalf("demo --reset: %+v", r)
	}
	runs, _, _ := store.Open(root).Runs()
	if len(runs) != 4 {
		t.Fatalf("%d runs after the reset, want the 3 demo runs and the other", len(runs))
	}
	if r := run(t, false, "annotations", "--json", "--store", root); strings.Contains(r.out, "8b2d4e7f10-0000006") {
		t.Fatalf("the demo's review survived the reset: %s", r.out)
	}
}

// TestVerdictOnAnErroredOutcome: a human verdict rates an errored outcome but does not
// hide that its execution failed: status stays error, --status error still finds it,
// errorCount holds, and the counts say how many errors a human passed.
func TestVerdictOnAnErroredOutcome(t *testing.T) {
	root := freshDemo(t)
	id := strings.Trim(jq(t, root, "outcomes", "--run", "latest", "--model", "mistral-large-3", "--status", "error", "--limit", "1", "--json", "--jq", ".items[0].id"), `"`)
	counts := func() string {
		return jq(t, root, "ranking", "--json", "--jq", `.models[] | select(.model == "mistral-large-3") | [.errorCount, .humanPassedErrorCount, .passedCount, .failedCount] | @csv`)
	}
	errorsListed := func() string {
		return jq(t, root, "outcomes", "--run", "latest", "--model", "mistral-large-3", "--status", "error", "--json", "--jq", ".page.total")
	}
	runCounts := func() string {
		return jq(t, root, "runs", "--json", "--jq", `.items[0].counts | [.error, .humanPassedErrors, .passed] | @csv`)
	}
	before, listed, runBefore := counts(), errorsListed(), runCounts()
	if r := run(t, false, "annotate", id, "--verdict", "pass", "--note", "the work was done before the timeout", "--store", root); r.code != 0 {
		t.Fatalf("annotate: %+v", r)
	}
	var e, hp, p, f int
	fmt.Sscanf(before, "%d,%d,%d,%d", &e, &hp, &p, &f)
	if got, want := counts(), fmt.Sprintf("%d,%d,%d,%d", e, hp+1, p+1, f); got != want {
		t.Errorf("ranking counts %s → %s, want %s (errors kept, one passed by a human)", before, got, want)
	}
	if got := errorsListed(); got != listed {
		t.Errorf("--status error lists %s after the verdict, %s before", got, listed)
	}
	var re, rh, rp int
	fmt.Sscanf(runBefore, "%d,%d,%d", &re, &rh, &rp)
	if got, want := runCounts(), fmt.Sprintf("%d,%d,%d", re, rh+1, rp+1); got != want {
		t.Errorf("runs counts %s → %s, want %s", runBefore, got, want)
	}
	if o := jq(t, root, "outcome", id, "--json", "--jq", `[.status, .passed, .reviewed, (.error != "")] | @csv`); o != `"error",true,true,true` {
		t.Errorf("outcome detail: %s, want status error beside the human pass", o)
	}
	if got := jq(t, root, "ranking", "--verdicts", "graded", "--json", "--jq", `.models[] | select(.model == "mistral-large-3") | [.errorCount, .humanPassedErrorCount, .passedCount, .failedCount] | @csv`); got != before {
		t.Errorf("--verdicts graded: %s, want %s", got, before)
	}
	// The run's rate and the ranking's agree on how the error is rated.
	rate := jq(t, root, "runs", "--json", "--jq", `.items[0] | .passRate`)
	sum := jq(t, root, "ranking", "--run", "latest", "--json", "--jq", `[.models[] | .passedCount] | add`)
	rated := jq(t, root, "ranking", "--run", "latest", "--json", "--jq", `[.models[] | .passedCount + .failedCount + .errorCount - .humanPassedErrorCount] | add`)
	var ps, rs float64
	fmt.Sscan(sum, &ps)
	fmt.Sscan(rated, &rs)
	var rr float64
	fmt.Sscan(rate, &rr)
	if d := rr - ps/rs; d > 1e-6 || d < -1e-6 {
		t.Errorf("run pass rate %v, ranking's counts give %v", rr, ps/rs)
	}
}
