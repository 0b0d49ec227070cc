package store

import (
	"cmp"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evals-dev/evals/errs"
)

// latestN is n of a reference latest or latest~n; false for any other reference (or a
// malformed one, which ResolveIn refuses).
func latestN(ref string) (int, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "latest" {
		return 0, true
	}
	rest, ok := strings.CutPrefix(ref, "latest~")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}

// resolveFast answers the references a local store can answer without listing every run:
// latest~n (latestFast) and a run's exact id (its run.json, read and given its overlay:
// an id matches before any prefix or name does). ok is false for the others, and wherever
// the listing would answer otherwise (a run.json or overlay that cannot be read).
func (s *Store) resolveFast(ref string) (Run, bool) {
	if n, ok := latestN(ref); ok {
		return s.latestFast(n)
	}
	id := strings.TrimSpace(ref)
	lb, local := s.be.(*localBackend)
	if !local || s.err != nil || !validID(id) {
		return Run{}, false
	}
	if fi, err := os.Lstat(filepath.Join(lb.runsDir(), id)); err != nil || !fi.IsDir() {
		return Run{}, false // the listing takes folders only (not a link to one)
	}
	r, err := s.readRun(id, "")
	if err != nil || s.applyEdits(&r) != nil || s.applyReviews(&r) != nil {
		return Run{}, false
	}
	return r, true
}

// latestFast is latest~n of a large local store, as ResolveIn over Runs would answer it,
// without decoding every run: an unchanged run's creation time comes from its memo's head
// (local_catalog.go), a changed one's run.json is read, and only the runs from the newest
// down to the n-th are decoded and given their overlay. A listing of 10,000 runs decodes
// all of them (a 24 MB memo) for every `--run latest`. ok is false wherever this cannot
// answer as the listing would (no memo, a run.json that cannot be read, fewer runs than
// n+1): the caller lists.
func (s *Store) latestFast(n int) (Run, bool) {
	lb, local := s.be.(*localBackend)
	if !local || s.err != nil {
		return Run{}, false
	}
	l, ok := s.latestOrder(lb)
	if !ok || n >= len(l.cands) {
		return Run{}, false
	}
	good := 0
	for _, c := range l.cands {
		r, ok := l.runOf(c)
		if !ok {
			return Run{}, false
		}
		if s.applyEdits(&r) != nil || s.applyReviews(&r) != nil {
			continue // a run whose overlay cannot be read is no run of the listing either
		}
		if good == n {
			return r, true
		}
		good++
	}
	return Run{}, false
}

// latestCand is a run of the store: at its place in the memo's head (at ≥ 0), or read.
type latestCand struct {
	id      string
	created time.Time
	at      int
	run     *Run
}

// latestOrder is the memo and the store's runs newest first, kept for the process while
// the store's stamp holds (as Runs keeps its listing): compare resolves latest and
// latest~1 one after the other, and a server resolves latest for request after request.
func (s *Store) latestOrder(lb *localBackend) (*latestCache, bool) {
	st := s.be.stamp(s.ctx)
	c := s.cat
	c.mu.Lock()
	if c.latest != nil && st != "" && c.latest.stamp == st {
		l := c.latest
		c.mu.Unlock()
		return l, true
	}
	c.mu.Unlock()
	ids, err := lb.runIDs(s.ctx)
	if err != nil || len(ids) < memoMinRuns {
		return nil, false
	}
	path := lb.memoPath()
	if path == "" {
		return nil, false
	}
	m, ok := readMemoHead(path)
	if !ok {
		return nil, false
	}
	cands, ok := s.latestCandidates(lb, ids, m)
	if !ok {
		return nil, false
	}
	l := &latestCache{stamp: st, memo: m, cands: cands, decoded: map[int][]Run{}}
	if st != "" {
		c.mu.Lock()
		c.latest = l
		c.mu.Unlock()
	}
	return l, true
}

// latestCache is what latestOrder keeps, with the memo's chunks decoded so far.
type latestCache struct {
	stamp string
	memo  memoFile
	cands []latestCand
	mu    sync.Mutex
	// decoded holds chunks of the memo decoded so far (runs as read, before the overlay).
	decoded map[int][]Run
}

// runOf is a candidate's run as read (before its overlay).
func (l *latestCache) runOf(c latestCand) (Run, bool) {
	if c.at < 0 {
		return *c.run, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.memo.runAt(c.at, l.decoded)
}

// latestCandidates lists the store's runs newest first, as SortRuns orders them, each
// from the memo's head when its run.json is unchanged, else read; false when a run.json
// cannot be read (the listing reports those).
func (s *Store) latestCandidates(lb *localBackend, ids map[string]string, m memoFile) ([]latestCand, bool) {
	at := make(map[string]int, len(m.head.IDs))
	for k, id := range m.head.IDs {
		at[id] = k
	}
	names := make([]string, 0, len(ids))
	for id := range ids {
		names = append(names, id)
	}
	cands := make([]latestCand, len(names))
	var failed atomic.Bool
	eachOnCores(len(names), func(i int) {
		id := names[i]
		c := &cands[i]
		c.id, c.at = id, -1
		if st, err := os.Stat(filepath.Join(lb.runsDir(), id, runFile)); err == nil {
			stamp := StampOf(st)
			if k, ok := at[id]; ok && stamp.Valid && m.head.Stamps[k] == stamp {
				c.created, c.at = m.head.Created[k], k
				return
			}
		}
		r, err := s.readRun(id, ids[id])
		switch {
		case errs.CodeOf(err) == errs.NotFound:
			c.id = "" // a folder without run.json is no run
		case err != nil:
			failed.Store(true)
		default:
			c.created, c.run = r.CreatedAt, &r
		}
	})
	if failed.Load() {
		return nil, false
	}
	cands = slices.DeleteFunc(cands, func(c latestCand) bool { return c.id == "" })
	slices.SortFunc(cands, func(a, b latestCand) int {
		return cmp.Or(b.created.Compare(a.created), strings.Compare(b.id, a.id))
	})
	return cands, true
}

// eachOnCores calls fn(0..n-1) on two goroutines a core, each taking the next index: a stat
// is a microsecond, and a goroutine for each of 10,000 (inParallel) cost more than it.
func eachOnCores(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, 2*runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
