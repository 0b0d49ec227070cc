package cmd

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/evals-dev/evals/internal/s3test"
	"github.com/evals-dev/evals/store"
)

// TestS3StoreAnswersLikeLocal: the demo written to a real S3 server answers every
// question byte for byte as the same demo on a local disk.
func TestS3StoreAnswersLikeLocal(t *testing.T) {
	t.Parallel() // its own S3 server (s3test.StartParallel)
	srv := s3test.StartParallel(t)
	url := srv.Bucket(t, "evals", "team/a")
	if r := run(t, false, "demo", "--store", url); r.code != 0 {
		t.Fatalf("demo into S3: %+v", r)
	}
	for _, args := range [][]string{
		{"runs", "--json"},
		{"run", "latest", "--json"},
		{"ranking", "--json"},
		{"ranking", "--run", "all", "--json"},
		{"graders", "--json"},
		{"tools", "--json"},
		{"matrix", "--json"},
		{"compare", "latest", "latest~1", "--json"},
		{"compare", "latest", "--models", "gpt-5,qwen3-coder", "--json"},
		{"outcomes", "--json", "--limit", "50"},
		{"outcomes", "--json", "--model", "gpt-5", "--passed", "false", "--limit", "20"},
		{"outcome", "8b2d4e7f10-0000006", "--json"},
		{"trajectory", "8b2d4e7f10-0000006", "--json"},
	} {
		local := run(t, false, append(args, "--store", demoDir)...)
		remote := run(t, false, append(args, "--store", url)...)
		if local.code != 0 || remote.code != local.code || remote.out != local.out {
			t.Errorf("%v: local exit %d (%d bytes), S3 exit %d (%d bytes) %s", args, local.code, len(local.out), remote.code, len(remote.out), remote.err)
		}
	}
	// The gate over S3.
	if r := run(t, false, "compare", "latest", "latest~1", "--fail-on-regression", "--store", url); r.code != 1 {
		t.Errorf("gate over S3: exit %d %s", r.code, r.err)
	}
}

// TestS3KilledImport kills an import into S3 ten times, at several states of its work,
// and checks that no reader ever sees a partial run.
func TestS3KilledImport(t *testing.T) {
	t.Parallel() // its own S3 server (s3test.StartParallel)
	if testing.Short() {
		t.Skip("spawns processes")
	}
	srv := s3test.StartParallel(t)
	url := srv.Bucket(t, "evals", "kill")
	dir := t.TempDir()
	file := filepath.Join(dir, "big.jsonl")
	writeBigJSONL(t, file, 40000)
	prefix := filepath.Join(srv.Dir, "evals", "kill", "runs")
	staging := filepath.Join(os.TempDir(), "evals-staging")
	// Kill points, as states to wait for: the process started; it is staging Parquet
	// locally; its first data object is in the bucket.
	stagingBusy := func() bool {
		m, _ := filepath.Glob(filepath.Join(staging, "*", "outcomes.parquet"))
		return len(m) > 0
	}
	uploaded := func() bool {
		m, _ := filepath.Glob(filepath.Join(prefix, "*", "*.parquet"))
		return len(m) > 0
	}
	states := []func() bool{func() bool { return true }, stagingBusy, uploaded}
	finished := 0
	for i := 0; i < 10; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		// A killed writer's claim is honoured for a second at most (it renews none).
		cmd.Env = append(os.Environ(), "EVALS_TEST_MAIN=import "+file+" --store "+url, "EVALS_CLAIM_TTL=1s")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
	wait:
		for {
			select {
			case err = <-done:
				break wait
			default:
			}
			if states[i%len(states)]() {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				err = <-done
				break
			}
			time.Sleep(time.Millisecond)
		}
		runs, bad, lerr := store.Open(url).Runs()
		if lerr != nil || len(bad) > 0 {
			t.Fatalf("kill %d: store unreadable: %v %v", i, lerr, bad)
		}
		if err == nil {
			finished++
			if len(runs) != 1 || runs[0].Summary.OutcomeCount != 40000 {
				t.Fatalf("a finished import left %+v", runs)
			}
			// Start again from an empty prefix.
			if err := os.RemoveAll(prefix); err != nil {
				t.Fatal(err)
			}
			os.RemoveAll(filepath.Join(srv.Dir, "evals", "kill", "digests"))
			os.RemoveAll(filepath.Join(srv.Dir, "evals", "kill", "catalog")) // behind the catalog's back: it goes too
			continue
		}
		if len(runs) != 0 {
			t.Fatalf("kill %d left a visible run: %+v", i, runs[0])
		}
	}
	t.Logf("%d of 10 imports finished before their kill point", finished)
	// Whatever was killed left at most invisible uploads; gc with no grace removes them
	// (no writer is alive), and a full import then lands.
	// (A killed writer's upload lease is honoured until it goes stale: a second with
	// EVALS_CLAIM_TTL=1s. gc runs until it has removed them; each pass is a state check.)
	for pass := 0; ; pass++ {
		gc := exec.Command(os.Args[0], "-test.run=^$")
		gc.Env = append(os.Environ(), "EVALS_TEST_MAIN=gc --grace 0s --store "+url, "EVALS_CLAIM_TTL=1s")
		if out, err := gc.CombinedOutput(); err != nil {
			t.Fatalf("gc: %v\n%s", err, out)
		}
		m, _ := filepath.Glob(filepath.Join(prefix, "*", "*"))
		if len(m) == 0 {
			break
		}
		if pass == 600 {
			t.Fatalf("gc left %v", m)
		}
		time.Sleep(50 * time.Millisecond) // between passes: the lease goes stale by the clock
	}
	// gc leaves the last kill's claim (renewed under a second ago, as far as gc can tell):
	// the import waits for it to go stale and lands.
	imp := exec.Command(os.Args[0], "-test.run=^$")
	imp.Env = append(os.Environ(), "EVALS_TEST_MAIN=import "+file+" --store "+url, "EVALS_CLAIM_TTL=1s")
	if out, err := imp.CombinedOutput(); err != nil || strings.Contains(string(out), "nothing to do") {
		t.Fatalf("import after kills: %v\n%s", err, out)
	}
	runs, _, _ := store.Open(url).Runs()
	if len(runs) != 1 || runs[0].Summary.OutcomeCount != 40000 {
		t.Fatalf("runs after kills: %+v", runs)
	}
}

// TestS3ConcurrentImports: two jobs importing different results at once both land; two
// importing the same content at once land once.
func TestS3ConcurrentImports(t *testing.T) {
	t.Parallel() // its own S3 server (s3test.StartParallel)
	srv := s3test.StartParallel(t)
	url := srv.Bucket(t, "evals", "ci")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	writeSmallRun(t, a, "job-a", true)
	writeSmallRun(t, b, "job-b", false)
	together := func(files ...string) {
		var wg sync.WaitGroup
		for _, f := range files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), "EVALS_TEST_MAIN=import "+f+" --store "+url)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("import %s: %v\n%s", f, err, out)
				}
			}()
		}
		wg.Wait()
	}
	together(a, b)
	runs, _, err := store.Open(url).Runs()
	if err != nil || len(runs) != 2 {
		t.Fatalf("two different imports at once: %v %d runs", err, len(runs))
	}
	together(a, a, a)
	runs, _, _ = store.Open(url).Runs()
	if len(runs) != 2 {
		names := []string{}
		for _, r := range runs {
			names = append(names, r.ID+" "+r.Name)
		}
		t.Fatalf("the same content three times at once: %d runs %v", len(runs), names)
	}
	// The same harness file imported from two places: one run (its id is its content).
	c := filepath.Join(dir, "copy")
	os.MkdirAll(c, 0o755)
	for _, p := range []string{"../testdata/harness/promptfoo"} {
		matches, _ := filepath.Glob(filepath.Join(p, "*.json"))
		if len(matches) == 0 {
			t.Fatal("no promptfoo fixture")
		}
		data, _ := os.ReadFile(matches[0])
		os.WriteFile(filepath.Join(c, "x.json"), data, 0o644)
		together(matches[0], filepath.Join(c, "x.json"))
	}
	runs, _, _ = store.Open(url).Runs()
	if len(runs) != 3 {
		t.Fatalf("one harness file from two paths: %d runs", len(runs))
	}
}

// writeSmallRun writes a native JSONL run with a header.
func writeSmallRun(t *testing.T, path, name string, better bool) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `{"type":"run","name":%q,"labels":{"job":%q}}`+"\n", name, name)
	for i := 0; i < 40; i++ {
		pass := i%3 != 0 || better
		fmt.Fprintf(&b, `{"stimulus":"s%02d","model":"m","trial":0,"passed":%v}`+"\n", i, pass)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestS3Labels: labels given at import resolve as run references over S3.
func TestS3Labels(t *testing.T) {
	t.Parallel() // its own S3 server (s3test.StartParallel)
	srv := s3test.StartParallel(t)
	url := srv.Bucket(t, "evals", "labels")
	dir := t.TempDir()
	for i, spec := range []struct{ branch, sha string }{{"main", "aaa1"}, {"main", "bbb2"}, {"pr-7", "ccc3"}} {
		f := filepath.Join(dir, fmt.Sprintf("r%d.jsonl", i))
		writeSmallRun(t, f, "run-"+spec.sha, i%2 == 0)
		// Created one after the other: a later import is a newer run.
		content, _ := os.ReadFile(f)
		content = []byte(strings.Replace(string(content), `"labels"`, fmt.Sprintf(`"createdAt":"2026-11-0%dT00:00:00Z","labels"`, i+1), 1))
		os.WriteFile(f, content, 0o644)
		if r := run(t, false, "import", f, "--label", "branch="+spec.branch, "--label", "sha="+spec.sha, "--store", url); r.code != 0 {
			t.Fatalf("import: %+v", r)
		}
	}
	for ref, want := range map[string]string{"branch=main": "run-bbb2", "branch=main~1": "run-aaa1", "sha=ccc3": "run-ccc3"} {
		r := run(t, false, "run", ref, "--json", "--jq", ".name", "--store", url)
		if strings.TrimSpace(r.out) != want {
			t.Errorf("%s: %q %s, want %s", ref, r.out, r.err, want)
		}
	}
	if r := run(t, false, "run", "branch=nope", "--store", url); r.code != 3 {
		t.Errorf("unknown label: exit %d", r.code)
	}
	r := run(t, false, "runs", "--label", "branch=main", "--json", "--jq", "[.items[].name]", "--store", url)
	if strings.Join(strings.Fields(r.out), "") != `["run-bbb2","run-aaa1"]` {
		t.Errorf("runs --label: %s %s", r.out, r.err)
	}
}

// TestS3GC: gc removes an abandoned upload (no run.json, older than the grace) and leaves a
// live one (fresh) and every committed run alone.
func TestS3GC(t *testing.T) {
	t.Parallel() // its own S3 server (s3test.StartParallel)
	srv := s3test.StartParallel(t)
	url := srv.Bucket(t, "evals", "gc")
	dir := t.TempDir()
	f := filepath.Join(dir, "r.jsonl")
	writeSmallRun(t, f, "kept", true)
	if r := run(t, false, "import", f, "--store", url); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	runsDir := filepath.Join(srv.Dir, "evals", "gc", "runs")
	// Two uploads that never wrote their run.json: the data objects go through the S3 API
	// by a real import into a second prefix, then moved under this one without run.json.
	other := srv.Bucket(t, "evals", "gc-src")
	for _, name := range []string{"abandoned", "live"} {
		g := filepath.Join(dir, name+".jsonl")
		writeSmallRun(t, g, name, false)
		if r := run(t, false, "import", g, "--store", other); r.code != 0 {
			t.Fatalf("import: %+v", r)
		}
	}
	srcRuns, _, _ := store.Open(other).Runs()
	for _, r := range srcRuns {
		src := filepath.Join(srv.Dir, "evals", "gc-src", "runs", r.ID)
		os.Remove(filepath.Join(src, "run.json"))
		if err := os.Rename(src, filepath.Join(runsDir, r.ID)); err != nil {
			t.Fatal(err)
		}
		if r.Name == "abandoned" {
			old := time.Now().Add(-2 * time.Hour)
			files, _ := filepath.Glob(filepath.Join(runsDir, r.ID, "*"))
			for _, p := range files {
				os.Chtimes(p, old, old)
			}
		}
	}
	var abandoned, live string
	for _, r := range srcRuns {
		if r.Name == "abandoned" {
			abandoned = r.ID
		} else {
			live = r.ID
		}
	}
	dry := run(t, false, "gc", "--dry-run", "--json", "--store", url)
	if dry.code != 0 || !strings.Contains(dry.out, "runs/"+abandoned) || strings.Contains(dry.out, live) {
		t.Fatalf("gc --dry-run: %+v", dry)
	}
	if _, err := os.Stat(filepath.Join(runsDir, abandoned)); err != nil {
		t.Fatal("--dry-run removed something")
	}
	if r := run(t, false, "gc", "--store", url); r.code != 0 {
		t.Fatalf("gc: %+v", r)
	}
	if m, _ := filepath.Glob(filepath.Join(runsDir, abandoned, "*")); len(m) != 0 {
		t.Errorf("abandoned upload still there: %v", m)
	}
	if m, _ := filepath.Glob(filepath.Join(runsDir, live, "*")); len(m) == 0 {
		t.Errorf("gc removed a live upload")
	}
	runs, _, _ := store.Open(url).Runs()
	if len(runs) != 1 || runs[0].Name != "kept" {
		t.Errorf("committed runs after gc: %+v", runs)
	}
}

// TestS3ClaimsFollowTheirRuns: on a bucket, a claim its writer stopped renewing (killed
// between claim and publish) does not make the next import a no-op; a deleted harness run
// imported again comes back; a deleted native run imported again lands.
func TestS3ClaimsFollowTheirRuns(t *testing.T) {
	t.Parallel() // its own S3 server (s3test.StartParallel)
	srv := s3test.StartParallel(t)
	url := srv.Bucket(t, "evals", "claims")
	fixture := filepath.Join("..", "testdata", "harness", "inspect", "log_read_sample.json")
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	// A killed writer's claim: it names a run that never came, last renewed 10 minutes ago.
	claim := filepath.Join(srv.Dir, "evals", "claims", "digests", "sha256_"+hex.EncodeToString(sum[:]))
	os.MkdirAll(filepath.Dir(claim), 0o755)
	if err := os.WriteFile(claim, []byte("ffffffffff"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-10 * time.Minute)
	os.Chtimes(claim, old, old)
	r := run(t, false, "import", fixture, "--store", url, "--json")
	if r.code != 0 || strings.Contains(r.out, `"duplicate":true`) {
		t.Fatalf("import past a dead claim: %+v", r)
	}
	runs, _, _ := store.Open(url).Runs()
	if len(runs) != 1 {
		t.Fatalf("runs: %+v", runs)
	}
	id := runs[0].ID
	if r := run(t, false, "runs", "delete", id, "--yes", "--store", url); r.code != 0 {
		t.Fatalf("delete: %+v", r)
	}
	r = run(t, false, "import", fixture, "--store", url)
	if r.code != 0 || !strings.Contains(r.out, "restored") {
		t.Fatalf("re-import of a deleted harness run: %+v", r)
	}
	runs, _, _ = store.Open(url).Runs()
	if len(runs) != 1 || runs[0].ID != id {
		t.Fatalf("after the re-import: %+v", runs)
	}
	// A native file: import, delete, import lands a run again.
	native := filepath.Join(t.TempDir(), "n.jsonl")
	writeSmallRun(t, native, "native", true)
	if r := run(t, false, "import", native, "--store", url); r.code != 0 {
		t.Fatal(r)
	}
	runs, _, _ = store.Open(url).Runs()
	nid := runs[0].ID
	if runs[0].Name != "native" {
		t.Fatalf("newest run %+v", runs[0])
	}
	run(t, false, "runs", "delete", nid, "--yes", "--store", url)
	if r := run(t, false, "import", native, "--store", url); r.code != 0 || strings.Contains(r.out, "nothing to do") {
		t.Fatalf("re-import of a deleted native run: %+v", r)
	}
	runs, _, _ = store.Open(url).Runs()
	if len(runs) != 2 {
		t.Fatalf("runs after the native re-import: %d", len(runs))
	}
}

// TestGCRacesImports: gc --grace 0s in a loop while 8 imports run, on versitygw and on a
// local folder. gc never breaks a live writer: every import exits 0 and its run reads
// whole (each table of each run scanned), or fails with a coded error and publishes
// nothing. (On S3, 4 of 8 imports exited 0 with runs whose Parquet objects gc had deleted.)
func TestGCRacesImports(t *testing.T) {
	t.Parallel() // its own S3 server (s3test.StartParallel)
	if testing.Short() {
		t.Skip("spawns processes")
	}
	srv := s3test.StartParallel(t)
	for _, where := range []string{srv.Bucket(t, "evals", "gcrace"), filepath.Join(t.TempDir(), "store")} {
		dir := t.TempDir()
		var files []string
		for i := range 8 {
			f := filepath.Join(dir, fmt.Sprintf("f%d.jsonl", i))
			writeBigJSONL(t, f, 5000+i) // different content each
			files = append(files, f)
		}
		var wg sync.WaitGroup
		codes := make([]error, len(files))
		outs := make([][]byte, len(files))
		for i, f := range files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), "EVALS_TEST_MAIN=import "+f+" --store "+where)
				outs[i], codes[i] = cmd.CombinedOutput()
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		sweeps := 0
	loop:
		for {
			select {
			case <-done:
				break loop
			default:
			}
			if r := run(t, false, "gc", "--grace", "0s", "--store", where); r.code != 0 && !strings.Contains(r.err, "no store at") {
				t.Errorf("gc: %+v", r) // (a local store exists once the first import made it)
			}
			sweeps++
		}
		landed := 0
		for i, err := range codes {
			if err != nil {
				t.Logf("%s: import %d: %s", where, i, strings.TrimSpace(string(outs[i])))
			}
			if err != nil && !strings.Contains(string(outs[i]), "error:") {
				t.Errorf("%s: import failed without a coded error: %v\n%s", where, err, outs[i])
			}
			if err == nil {
				landed++
			}
		}
		s := store.Open(where)
		runs, bad, err := s.Runs()
		if err != nil || len(bad) > 0 || len(runs) != landed {
			t.Fatalf("%s: %d runs (%d bad, %v) for %d imports that exited 0", where, len(runs), len(bad), err, landed)
		}
		for _, r := range runs {
			for _, tb := range []store.Table{store.Outcomes, store.Graders, store.ToolCalls, store.Events} {
				if err := s.Scan(r.ID, tb, []string{"run_id"}, func(*store.Batch) error { return nil }); err != nil {
					t.Errorf("%s: run %s: %v", where, r.ID, err)
				}
			}
		}
		t.Logf("%s: %d of 8 imports landed whole while gc --grace 0s swept %d times", where, landed, sweeps)
	}
}
