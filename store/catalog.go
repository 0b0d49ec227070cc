package store

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evals-dev/evals/errs"
)

// Store is a store directory opened for reading. It holds no open files; every call reads
// what is on disk now, so runs written by another process appear without a restart.
type Store struct {
	root string
	ctx  context.Context
	cat  *catalog
}

// catalog caches the run listing; shared by the context views of one store.
type catalog struct {
	mu     sync.Mutex
	stamp  time.Time // modification time of runs/ when cached was read
	cached []Run
	bad    []error
}

// Open opens the store at root. A missing directory is an empty store, not an error.
func Open(root string) *Store {
	return &Store{root: root, ctx: context.Background(), cat: &catalog{}}
}

// WithContext returns a view of the store whose scans stop, between row groups, once ctx
// is done (a cancelled request, an interrupt). It shares the run catalog.
func (s *Store) WithContext(ctx context.Context) *Store {
	c := *s
	c.ctx = ctx
	return &c
}

// Root is the store's directory.
func (s *Store) Root() string { return s.root }

func (s *Store) runDir(id string) string { return filepath.Join(s.root, "runs", id) }

// Runs lists every readable run, newest first (created time, then id). Runs whose run.json
// cannot be read are returned in bad, so one broken run does not hide the others.
func (s *Store) Runs() (runs []Run, bad []error, err error) {
	// Runs are written once and appear or go by renames in runs/, which change its
	// modification time: while it holds, the last listing is still right.
	st, err := os.Stat(filepath.Join(s.root, "runs"))
	c := s.cat
	if err == nil {
		c.mu.Lock()
		if c.cached != nil && st.ModTime().Equal(c.stamp) {
			runs, bad = slices.Clone(c.cached), c.bad
			c.mu.Unlock()
			return runs, bad, nil
		}
		c.mu.Unlock()
	}
	runs, bad, err = s.list()
	if err == nil && st != nil {
		c.mu.Lock()
		c.stamp, c.cached, c.bad = st.ModTime(), slices.Clone(runs), bad
		c.mu.Unlock()
	}
	return runs, bad, err
}

func (s *Store) list() (runs []Run, bad []error, err error) {
	entries, err := os.ReadDir(filepath.Join(s.root, "runs"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, errs.E(errs.Internal, "listing runs in %s: %w", s.root, err)
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		r, err := s.readRun(e.Name())
		if err != nil {
			bad = append(bad, err)
			continue
		}
		runs = append(runs, r)
	}
	SortRuns(runs)
	return runs, bad, nil
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

func (s *Store) readRun(id string) (Run, error) {
	path := filepath.Join(s.runDir(id), runFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Run{}, errs.E(errs.NotFound, "run %s not found", id)
	}
	if err != nil {
		return Run{}, errs.E(errs.Corrupt, "reading %s: %w", path, err)
	}
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
	st, err := os.Stat(filepath.Join(s.root, "runs"))
	if err != nil {
		return ""
	}
	return st.ModTime().String()
}

// Run reads one run's metadata by exact id.
func (s *Store) Run(id string) (Run, error) {
	if !validID(id) {
		return Run{}, errs.E(errs.NotFound, "run %q not found", id)
	}
	return s.readRun(id)
}

// Resolve turns a run reference into a run: latest, latest~N, a full id, a unique id
// prefix, or a run name (the newest run of that name).
func (s *Store) Resolve(ref string) (Run, error) {
	runs, _, err := s.Runs()
	if err != nil {
		return Run{}, err
	}
	return ResolveIn(runs, ref)
}

// ResolveIn resolves ref against runs, which must be sorted newest first.
func ResolveIn(runs []Run, ref string) (Run, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Run{}, errs.E(errs.Invalid, "empty run reference")
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
	return findDigest(s.root, digest)
}

func findDigest(root, digest string) (Run, bool) {
	runs, _, _ := Open(root).Runs()
	for _, r := range runs {
		if r.Digest == digest {
			return r, true
		}
	}
	return Run{}, false
}
