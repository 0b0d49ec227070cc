package cmd

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/evals-dev/evals/internal/s3test"
	"github.com/evals-dev/evals/store"
)

var requestCount = regexp.MustCompile(`bucket requests: (\d+) in all`)

// evalsProc runs this test binary as evals with args; it returns the output and the
// number of bucket requests the command reported (EVALS_TRACE=requests).
func evalsProc(t *testing.T, cache string, args ...string) (string, int, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "EVALS_TRACE=requests", "XDG_CACHE_HOME="+cache, "EVALS_TEST_MAIN="+strings.Join(args, " "))
	out, err := cmd.CombinedOutput()
	n := 0
	if m := requestCount.FindSubmatch(out); m != nil {
		n, _ = strconv.Atoi(string(m[1]))
	}
	return string(out), n, err
}

func tinyRun(t *testing.T, dir string, i int) string {
	t.Helper()
	f := filepath.Join(dir, fmt.Sprintf("r%03d.jsonl", i))
	body := fmt.Sprintf("{\"stimulus\":\"s%d\",\"model\":\"m\",\"passed\":true}\n{\"stimulus\":\"t\",\"model\":\"m\",\"passed\":false}\n", i)
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestS3CatalogListsInFewRequests: with 40 runs in a bucket, a cold `evals runs` (an
// empty cache) makes at most 10 requests, a warm one 3 (listings of the checkpoints, the
// deltas and the log); a full listing would read every run.json.
func TestS3CatalogListsInFewRequests(t *testing.T) {
	t.Parallel() // its own S3 server (s3test.StartParallel)
	if testing.Short() {
		t.Skip("spawns processes")
	}
	srv := s3test.StartParallel(t)
	url := srv.Bucket(t, "evals", "catalog")
	dir := t.TempDir()
	for i := 0; i < 40; i++ {
		if r := run(t, false, "import", tinyRun(t, dir, i), "--store", url); r.code != 0 {
			t.Fatalf("import %d: %+v", i, r)
		}
	}
	cache := t.TempDir()
	out, cold, err := evalsProc(t, cache, "runs", "--json", "--limit", "1000", "--store", url)
	if err != nil {
		t.Fatalf("runs: %v\n%s", err, out)
	}
	_, warm, _ := evalsProc(t, cache, "runs", "--json", "--limit", "1000", "--store", url)
	t.Logf("40 runs: cold evals runs %d requests, warm %d", cold, warm)
	if cold == 0 || cold > 10 || warm > 3 {
		t.Fatalf("cold %d requests (want 1..10), warm %d (want ≤ 3)", cold, warm)
	}
	if got, _, _ := store.Open(url).Runs(); len(got) != 40 {
		t.Fatalf("%d runs listed, want 40", len(got))
	}
}

// TestS3CatalogLosesNoRun: imports, deletes, renames and gc --grace 0s racing each other,
// some imports killed at random: afterwards the catalog lists exactly the runs a full
// listing of the bucket shows.
func TestS3CatalogLosesNoRun(t *testing.T) {
	t.Parallel() // its own S3 server (s3test.StartParallel)
	if testing.Short() {
		t.Skip("spawns processes")
	}
	srv := s3test.StartParallel(t)
	url := srv.Bucket(t, "evals", "race")
	dir := t.TempDir()
	for i := 0; i < 6; i++ {
		if r := run(t, false, "import", tinyRun(t, dir, i), "--store", url); r.code != 0 {
			t.Fatalf("import %d: %+v", i, r)
		}
	}
	var wg sync.WaitGroup
	proc := func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "EVALS_CLAIM_TTL=1s", "XDG_CACHE_HOME="+t.TempDir(), "EVALS_TEST_MAIN="+strings.Join(args, " "))
		return cmd
	}
	killed := 0
	var mu sync.Mutex
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 6; i++ {
				cmd := proc("import", tinyRun(t, dir, 100+w*10+i), "--store", url)
				if rand.IntN(3) == 0 { // killed somewhere in its work
					if err := cmd.Start(); err != nil {
						t.Error(err)
						return
					}
					time.Sleep(time.Duration(rand.IntN(60)) * time.Millisecond)
					_ = cmd.Process.Signal(syscall.SIGKILL)
					_ = cmd.Wait()
					mu.Lock()
					killed++
					mu.Unlock()
					continue
				}
				_, _ = cmd.CombinedOutput()
			}
		}()
	}
	wg.Add(1)
	go func() { // deletes and renames of the first runs, and gc, meanwhile
		defer wg.Done()
		for i := 0; i < 6; i++ {
			_, _ = proc("runs", "delete", "latest~"+strconv.Itoa(5-i), "--yes", "--store", url).CombinedOutput()
			_, _ = proc("runs", "rename", "latest", fmt.Sprintf("renamed-%d", i), "--store", url).CombinedOutput()
			_, _ = proc("gc", "--grace", "0s", "--store", url).CombinedOutput()
		}
	}()
	wg.Wait()
	truth, err := store.Open(url).ListedRuns()
	if err != nil {
		t.Fatal(err)
	}
	// A killed writer's intent settles once its claim's time is up (EVALS_CLAIM_TTL=1s):
	// the catalog is compared when it has no open intent left, waited for by state.
	var listed []string
	for attempt := 0; ; attempt++ {
		runs, bad, err := store.Open(url).Runs()
		if err != nil || len(bad) > 0 {
			t.Fatalf("listing: %v %v", err, bad)
		}
		listed = listed[:0]
		for _, r := range runs {
			listed = append(listed, r.ID)
		}
		slices.Sort(listed)
		if slices.Equal(listed, truth) || attempt == 100 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d runs after the race (%d imports killed)", len(truth), killed)
	if !slices.Equal(listed, truth) {
		t.Fatalf("the catalog lists %v, the bucket holds %v", listed, truth)
	}
}
