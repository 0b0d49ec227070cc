package store

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evals-dev/evals/errs"
)

// Store is a store (a folder, or a bucket URL) opened for reading. It holds no open
// files; every call reads what is stored now, so runs written by another process appear
// without a restart.
type Store struct {
	root string
	ctx  context.Context
	cat  *catalog
	be   backend
	err  error // the backend could not be opened: every read answers it
	ov   *overlay
	// graded views ignore human verdicts (--verdicts graded).
	graded bool
	// pageByPage: scans read no chunk raw (rawchunk.go), for tests that compare the two.
	pageByPage bool
}

// catalog caches the run listing; shared by the context views of one store.
type catalog struct {
	mu     sync.Mutex
	stamp  string // the backend's stamp when cached was read
	cached []Run
	bad    []error
	latest *latestCache // the runs newest first, from a memo's head (latestFast)
}

// Open opens the store at root: a folder (a missing one is an empty store, not an error)
// or a bucket URL (s3://BUCKET/PREFIX?…, gs://…, azblob://…).
func Open(root string) *Store {
	be, err := backendFor(root)
	return &Store{root: root, ctx: context.Background(), cat: &catalog{}, be: be, err: err, ov: &overlay{}}
}

// Check reports whether the store's location could be opened.
func (s *Store) Check() error { return s.err }

// WithContext returns a view of the store whose scans stop, between row groups, once ctx
// is done (a cancelled request, an interrupt). It shares the run catalog.
func (s *Store) WithContext(ctx context.Context) *Store {
	c := *s
	c.ctx = ctx
	return &c
}

// Root is the store's location: a directory or a bucket URL.
func (s *Store) Root() string { return s.root }

// Remote reports whether the store is in a bucket, where reads wait on the network.
func (s *Store) Remote() bool {
	_, ok := s.be.(*bucketBackend)
	return ok
}

// Runs lists every readable run, newest first (created time, then id). Runs whose run.json
// cannot be read are returned in bad, so one broken run does not hide the others.
func (s *Store) Runs() (runs []Run, bad []error, err error) {
	if s.err != nil {
		return nil, nil, s.err
	}
	// A bucket's runs as decoded the last time the catalog was in this state (a command
	// decodes 10,000 run.json documents otherwise).
	b, bucket := s.be.(*bucketBackend)
	if bucket {
		if runs, ok := b.loadRuns(s.ctx, s.graded); ok {
			return runs, nil, nil
		}
	}
	// Runs are written once and appear or go with a new stamp: while it holds, the last
	// listing is still right.
	st := s.be.stamp(s.ctx)
	c := s.cat
	if st != "" {
		c.mu.Lock()
		if c.cached != nil && st == c.stamp {
			runs, bad = slices.Clone(c.cached), c.bad
			c.mu.Unlock()
			return runs, bad, nil
		}
		c.mu.Unlock()
	}
	runs, bad, err = s.list()
	if bucket && err == nil && len(bad) == 0 {
		b.saveRuns(s.graded, runs)
	}
	if err == nil && st != "" {
		c.mu.Lock()
		c.stamp, c.cached, c.bad = st, slices.Clone(runs), bad
		c.mu.Unlock()
	}
	return runs, bad, err
}

// resolveListed resolves ref in the listing this process keeps of a local store, while the
// store's stamp holds, without the copy of every run Runs hands out (1 ms for 10,000 runs,
// on every request of a server). ok is false without such a listing.
func (s *Store) resolveListed(ref string) (r Run, ok bool, err error) {
	if _, local := s.be.(*localBackend); !local || s.err != nil {
		return Run{}, false, nil
	}
	st := s.be.stamp(s.ctx)
	c := s.cat
	c.mu.Lock()
	defer c.mu.Unlock()
	if st == "" || c.cached == nil || st != c.stamp {
		return Run{}, false, nil
	}
	r, err = ResolveAmong(c.cached, c.bad, ref)
	return r, true, err
}

func (s *Store) list() (runs []Run, bad []error, err error) {
	ids, err := s.be.runIDs(s.ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, 0, len(ids))
	for id := range ids {
		names = append(names, id)
	}
	slices.Sort(names)
	// Read run.json in parallel: on a bucket each one is a request when it is not cached.
	// A large local store answers unchanged runs from its memo (local_catalog.go).
	out := make([]Run, len(names))
	errsOut := make([]error, len(names))
	var memo *localMemo
	lb, local := s.be.(*localBackend)
	if local {
		memo = lb.memoFor(len(names))
	}
	inParallel(len(names), func(i int) {
		id := names[i]
		read := func() (Run, error) { return s.readRun(id, ids[id]) }
		if memo != nil {
			out[i], errsOut[i] = memo.read(filepath.Join(lb.runsDir(), id, runFile), id, read)
		} else {
			out[i], errsOut[i] = read()
		}
	})
	if memo != nil {
		memo.save(names) // the runs as read, before the overlay changes them
	}
	inParallel(len(names), func(i int) {
		if errsOut[i] == nil {
			errsOut[i] = s.applyEdits(&out[i])
		}
		if errsOut[i] == nil {
			errsOut[i] = s.applyReviews(&out[i])
		}
	})
	for i := range names {
		if errsOut[i] != nil {
			if errs.CodeOf(errsOut[i]) != errs.NotFound { // a folder without run.json is no run
				bad = append(bad, &BadRun{ID: names[i], Err: errsOut[i]})
			}
			continue
		}
		runs = append(runs, out[i])
	}
	SortRuns(runs)
	return runs, bad, nil
}

// inParallel calls fn(0..n-1), 16 at a time.
func inParallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}()
	}
	wg.Wait()
}

// SortRuns orders runs newest first, by created time then id.
func SortRuns(runs []Run) {
	slices.SortStableFunc(runs, func(a, b Run) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
}

func (s *Store) readRun(id, version string) (Run, error) {
	path := s.be.where(id, runFile)
	b, err := s.be.readRun(s.ctx, id, version)
	if errors.Is(err, fs.ErrNotExist) {
		return Run{}, errs.E(errs.NotFound, "run %s not found", id)
	}
	if err != nil {
		return Run{}, errs.E(errs.Corrupt, "reading %s: %w", path, err)
	}
	return decodeRun(b, path, id)
}

// decodeRun reads run.json's bytes, checking its schema version and id.
func decodeRun(b []byte, path, id string) (Run, error) {
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return Run{}, errs.E(errs.Corrupt, "reading %s: %w", path, err)
	}
	if r.SchemaVersion > SchemaVersion {
		return Run{}, errs.E(errs.Unsupported, "%s has schema version %d; this evals reads up to %d", path, r.SchemaVersion, SchemaVersion).
			WithHint("upgrade evals to read this store")
	}
	if r.ID != id {
		return Run{}, errs.E(errs.Corrupt, "%s names run %q, but lives in folder %q", path, r.ID, id)
	}
	return r, nil
}

// Stamp changes whenever a run appears in or leaves the store (the modification time of
// runs/); watchers compare it instead of listing runs.
func (s *Store) Stamp() string {
	if s.err != nil {
		return ""
	}
	return s.be.stamp(s.ctx)
}

// StampFor is a stamp for answers about some runs only (refs: ids, names, latest~N): it
// changes when a run is published, replaced or deleted, or when one of these runs gets a
// verdict, a note or an edit, and not when another run does. With no refs, or a ref that
// does not resolve, it is Stamp.
func (s *Store) StampFor(refs []string) string {
	if len(refs) == 0 || s.err != nil {
		return s.Stamp()
	}
	// The overlay index is checked against the store now: a verdict written by another
	// process changes the stamp at once.
	idx, err := s.overlayIndexAt(true)
	if err != nil {
		return s.Stamp()
	}
	var b strings.Builder
	b.WriteString(s.be.catalogStamp(s.ctx))
	for _, ref := range refs {
		r, err := s.Resolve(ref)
		if err != nil {
			return s.Stamp()
		}
		names := idx[r.ID]
		b.WriteString("|" + r.ID + ":" + strconv.Itoa(len(names)))
		if len(names) > 0 {
			b.WriteString(":" + names[len(names)-1])
		}
	}
	return b.String()
}

// Run reads one run's metadata by exact id.
func (s *Store) Run(id string) (Run, error) {
	if !validID(id) {
		return Run{}, errs.E(errs.NotFound, "run %q not found", id)
	}
	if s.err != nil {
		return Run{}, s.err
	}
	r, err := s.readRun(id, "")
	if err == nil {
		err = s.applyEdits(&r)
	}
	if err == nil {
		err = s.applyReviews(&r)
	}
	return r, err
}

// Resolve turns a run reference into a run: latest, latest~N, a full id, a unique id
// prefix, or a run name (the newest run of that name).
func (s *Store) Resolve(ref string) (Run, error) {
	if r, ok, err := s.resolveListed(ref); ok {
		return r, err
	}
	if r, ok := s.resolveFast(ref); ok {
		return r, nil
	}
	runs, bad, err := s.Runs()
	if err != nil {
		return Run{}, err
	}
	return ResolveAmong(runs, bad, ref)
}

// ResolveAmong is ResolveIn that knows the runs that could not be read (Runs' bad): a
// reference to one of them is corrupt_data, not not_found.
func ResolveAmong(runs []Run, bad []error, ref string) (Run, error) {
	r, err := ResolveIn(runs, ref)
	if errs.CodeOf(err) == errs.NotFound && len(bad) > 0 {
		// A run that is there but cannot be read is corrupt, not missing: by its id, or
		// when no run of the store can be read at all.
		for _, b := range bad {
			var br *BadRun
			if errors.As(b, &br) && (strings.HasPrefix(br.ID, strings.TrimSpace(ref)) || len(runs) == 0) {
				return Run{}, errs.E(errs.Corrupt, "run %s cannot be read: %w", br.ID, br.Err)
			}
		}
	}
	return r, err
}

// BadRun is a run folder whose run.json cannot be read.
type BadRun struct {
	ID  string
	Err error
}

func (b *BadRun) Error() string { return b.Err.Error() }
func (b *BadRun) Unwrap() error { return b.Err }

// ResolveIn resolves ref against runs, which must be sorted newest first.
func ResolveIn(runs []Run, ref string) (Run, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Run{}, errs.E(errs.Invalid, "empty run reference")
	}
	if k, v, ok := strings.Cut(ref, "="); ok {
		return resolveLabel(runs, ref, k, v)
	}
	if ref == "latest" || strings.HasPrefix(ref, "latest~") {
		n := 0
		if rest, ok := strings.CutPrefix(ref, "latest~"); ok {
			v, err := strconv.Atoi(rest)
			if err != nil || v < 0 {
				return Run{}, errs.E(errs.Invalid, "invalid run reference %q: want latest~N with N ≥ 0", ref)
			}
			n = v
		}
		if n >= len(runs) {
			if len(runs) == 0 {
				return Run{}, errs.E(errs.NotFound, "no runs in the store").WithHint("import results with `evals import FILE`, or try `evals demo`")
			}
			return Run{}, errs.E(errs.NotFound, "run %s not found: the store has %d runs", ref, len(runs))
		}
		return runs[n], nil
	}
	for _, r := range runs {
		if r.ID == ref {
			return r, nil
		}
	}
	var byPrefix []Run
	for _, r := range runs {
		if strings.HasPrefix(r.ID, ref) {
			byPrefix = append(byPrefix, r)
		}
	}
	if len(byPrefix) == 1 {
		return byPrefix[0], nil
	}
	if len(byPrefix) > 1 {
		ids := make([]string, 0, len(byPrefix))
		for _, r := range byPrefix {
			ids = append(ids, r.ID+" ("+r.Name+")")
		}
		return Run{}, errs.E(errs.Invalid, "run reference %q is ambiguous: it matches %s", ref, strings.Join(ids, ", "))
	}
	for _, r := range runs {
		if r.Name == ref {
			return r, nil
		}
	}
	return Run{}, errs.E(errs.NotFound, "run %q not found", ref).WithHint("list runs with `evals runs`")
}

// ByDigest finds the run imported from content with this digest.
func (s *Store) ByDigest(digest string) (Run, bool) {
	runs, _, _ := s.Runs()
	for _, r := range runs {
		if r.Digest == digest {
			return r, true
		}
	}
	return Run{}, false
}

// resolveLabel finds the newest run with label k=v, or with KEY=VALUE~N the N-th newer one.
func resolveLabel(runs []Run, ref, k, v string) (Run, error) {
	n := 0
	if i := strings.LastIndex(v, "~"); i >= 0 {
		m, err := strconv.Atoi(v[i+1:])
		if err != nil || m < 0 {
			return Run{}, errs.E(errs.Invalid, "invalid run reference %q: want KEY=VALUE or KEY=VALUE~N", ref)
		}
		v, n = v[:i], m
	}
	if k == "" {
		return Run{}, errs.E(errs.Invalid, "invalid run reference %q: want KEY=VALUE", ref)
	}
	var with []Run
	for _, r := range runs {
		if lv, ok := r.Labels[k]; ok && lv == v {
			with = append(with, r)
		}
	}
	if n >= len(with) {
		if len(with) == 0 {
			return Run{}, errs.E(errs.NotFound, "no run has label %s=%s", k, v).WithHint("list labelled runs with `evals runs --label KEY=VALUE`")
		}
		return Run{}, errs.E(errs.NotFound, "run %s not found: %d runs have label %s=%s", ref, len(with), k, v)
	}
	return with[n], nil
}

// ParseLabels reads KEY=VALUE arguments.
func ParseLabels(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" || strings.ContainsAny(k, "~,") {
			return nil, errs.E(errs.Invalid, "invalid label %q: want KEY=VALUE", a)
		}
		out[k] = v
	}
	return out, nil
}

// HasLabels reports whether a run carries every label of want.
func HasLabels(r Run, want map[string]string) bool {
	for k, v := range want {
		if lv, ok := r.Labels[k]; !ok || lv != v {
			return false
		}
	}
	return true
}

// Leftovers lists what dead or abandoned writers left in the store: uploads that never
// committed (older than grace), staging folders whose writer is gone, stale claims.
func (s *Store) Leftovers(grace time.Duration) ([]Leftover, error) {
	if s.err != nil {
		return nil, s.err
	}
	return s.be.leftovers(s.ctx, grace)
}

// RemoveLeftover deletes one leftover.
func (s *Store) RemoveLeftover(l Leftover) error {
	if s.err != nil {
		return s.err
	}
	return s.be.remove(s.ctx, l)
}

// Parallelism is how many runs a query should read at once: one per core on a local
// disk; more on a bucket, where each read waits on the network.
func (s *Store) Parallelism() int {
	if s.err != nil {
		return 1
	}
	return s.be.parallelism()
}
