package store

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evals-dev/evals/errs"
)

// backend is the storage below the store: a local folder (the default, today's speed) or
// a bucket (s3://, gs://, azblob://). Everything above it (catalog, scans, detail reads,
// the writer's publish step, gc) is written once against it.
//
// Both publish a run the same way: its data objects first, then its commit object
// (runs/<id>/run.json), created only if absent. A run without run.json does not exist
// for readers.
type backend interface {
	// runIDs lists the committed runs (those with run.json), with a version per run.json
	// that changes when the object does (ETag, generation or modification time).
	runIDs(ctx context.Context) (map[string]string, error)
	// readRun reads runs/<id>/run.json; version is the one runIDs gave, or "".
	readRun(ctx context.Context, id, version string) ([]byte, error)
	// open opens runs/<id>/<name> for ranged reads.
	open(ctx context.Context, id, name string) (object, error)
	// parallelism is how many runs to read at once.
	parallelism() int
	// stamp changes whenever a run appears or goes; "" when unknown.
	stamp(ctx context.Context) string
	// catalogStamp changes when a run is published, replaced or deleted (not on overlay
	// writes: a verdict changes its run's overlay, see Store.StampFor).
	catalogStamp(ctx context.Context) string
	// where names runs/<id>/<name> for messages: a path or a URL.
	where(id, name string) string
	// stage returns a local folder to write a run's files into, held by this process
	// until release.
	stage(id string) (dir string, release func(), err error)
	// publish makes the staged run visible: data objects, then run.json created only if
	// absent. With replace, an existing run of that id is replaced whole.
	publish(ctx context.Context, id, dir string, replace bool) (replaced bool, err error)
	// claim records that digest is being imported as run id, unless another run holds
	// it: then it returns that run's id. unclaim drops a claim.
	claim(ctx context.Context, digest, id string) (holder string, err error)
	unclaim(ctx context.Context, digest string)
	// writerAlive says whether the writer of run id (not yet committed) is provably alive:
	// its staging lease is held (local), or it renewed its claim within claimTTL (bucket,
	// at is the claim's time).
	writerAlive(ctx context.Context, id string, at time.Time) bool
	// releaseClaim drops the claim of digest when run id holds it (its run was deleted).
	releaseClaim(ctx context.Context, digest, id string)
	// renewClaim refreshes a held claim (a bucket writer's heartbeat; local is a no-op).
	renewClaim(ctx context.Context, digest, id string)
	// overlayNames lists the overlay objects (annotations, run edits); readOverlay reads
	// one; putOverlay publishes one, whole, only if its name is free.
	overlayNames(ctx context.Context) ([]string, error)
	readOverlay(ctx context.Context, name string) ([]byte, error)
	putOverlay(ctx context.Context, name string, data []byte) error
	// trash hides a run whole, at once; restore brings it back; trashed lists the hidden
	// runs with the time they were deleted.
	trash(ctx context.Context, id string) error
	restore(ctx context.Context, id string) error
	trashed(ctx context.Context) (map[string]time.Time, error)
	// leftovers lists what dead or abandoned writers left behind, older than grace;
	// remove deletes one of them.
	leftovers(ctx context.Context, grace time.Duration) ([]Leftover, error)
	remove(ctx context.Context, l Leftover) error
}

// object is one stored file open for ranged reads.
type object interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// Leftover is something gc can remove: an unfinished upload or a dead writer's folder.
type Leftover struct {
	Kind  string    `json:"kind"` // upload | staging | claim | lease | trash | temp (a killed writer's temporary file)
	Key   string    `json:"key"`
	Bytes int64     `json:"bytes"`
	Age   time.Time `json:"lastModified"`

	ref string // what remove deletes: a bucket key or prefix, a local path
}

// IsURL reports whether a store location is a bucket URL rather than a path.
func IsURL(root string) bool {
	i := strings.Index(root, "://")
	return i > 0 && !strings.ContainsAny(root[:i], `/\.`)
}

var (
	bucketsMu sync.Mutex
	buckets   = map[string]*bucketBackend{}
)

// backendFor opens the backend of a store location. A bucket's client is opened once per
// process and URL; each store value gets its own listing memo.
func backendFor(root string) (backend, error) {
	if !IsURL(root) {
		return &localBackend{root: root, files: newOpenFiles()}, nil
	}
	bucketsMu.Lock()
	defer bucketsMu.Unlock()
	b, ok := buckets[root]
	if !ok {
		nb, err := openBucket(root)
		if err != nil {
			return nil, err
		}
		b = nb
		buckets[root] = b
	}
	return &bucketBackend{url: b.url, show: b.show, bucket: b.bucket, cache: b.cache, memo: b.memo}, nil
}

// localBackend is a store folder on a local disk.
type localBackend struct {
	root  string
	files *openFiles // Parquet files kept open between scans
}

func (l *localBackend) runsDir() string { return filepath.Join(l.root, "runs") }

func (l *localBackend) runIDs(ctx context.Context) (map[string]string, error) {
	entries, err := os.ReadDir(l.runsDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.E(errs.Internal, "listing runs in %s: %w", l.root, err)
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out[e.Name()] = ""
		}
	}
	return out, nil
}

func (l *localBackend) readRun(ctx context.Context, id, version string) ([]byte, error) {
	return os.ReadFile(filepath.Join(l.runsDir(), id, runFile))
}

func (l *localBackend) open(ctx context.Context, id, name string) (object, error) {
	f, err := os.Open(filepath.Join(l.runsDir(), id, name))
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	readOnlyAsked(f)
	return &localObject{File: f, size: st.Size(), st: st}, nil
}

type localObject struct {
	*os.File
	size int64
	st   os.FileInfo
}

func (o *localObject) Size() int64 { return o.size }

// ReadAt reads as the file does, counting the bytes (EVALS_TRACE=requests says them).
func (o *localObject) ReadAt(p []byte, off int64) (int, error) {
	n, err := o.File.ReadAt(p, off)
	BytesRead.Add(int64(n))
	return n, err
}

// parallelism: a local read waits on a core, so one run per core.
func (l *localBackend) parallelism() int { return runtime.GOMAXPROCS(0) }

// stamp: runs appear, go (to the trash) and come back by renames in runs/, and overlay
// objects are created in overlay/: the two folders' modification times say when.
func (l *localBackend) stamp(ctx context.Context) string {
	st, err := os.Stat(l.runsDir())
	if err != nil {
		return ""
	}
	stamp := st.ModTime().String()
	if ov, err := os.Stat(filepath.Join(l.root, "overlay")); err == nil {
		stamp += "|" + ov.ModTime().String()
	}
	return stamp
}

func (l *localBackend) catalogStamp(ctx context.Context) string {
	st, err := os.Stat(l.runsDir())
	if err != nil {
		return ""
	}
	return st.ModTime().String()
}

func (l *localBackend) overlayNames(ctx context.Context) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(l.root, "overlay"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.E(errs.Internal, "listing %s: %w", filepath.Join(l.root, "overlay"), err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

func (l *localBackend) readOverlay(ctx context.Context, name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(l.root, "overlay", name))
}

// putOverlay writes the object aside, syncs it, then hard-links it into place: the name
// appears whole or not at all, and never over another object.
func (l *localBackend) putOverlay(ctx context.Context, name string, data []byte) error {
	dir := filepath.Join(l.root, "overlay")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errs.E(errs.Internal, "creating %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return errs.E(errs.Internal, "writing to %s: %w", dir, err)
	}
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	defer os.Remove(tmp.Name())
	if werr != nil {
		return errs.E(errs.Internal, "writing to %s: %w", dir, werr)
	}
	if err := os.Link(tmp.Name(), filepath.Join(dir, name)); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errs.E(errs.Conflict, "overlay object %s already exists", name)
		}
		return errs.E(errs.Internal, "writing %s: %w", name, err)
	}
	syncDir(dir)
	return nil
}

// trash renames runs/<id> to trash/<id>@<unix nanoseconds>: one step, the run is gone whole.
func (l *localBackend) trash(ctx context.Context, id string) error {
	dir := filepath.Join(l.root, "trash")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errs.E(errs.Internal, "creating %s: %w", dir, err)
	}
	to := filepath.Join(dir, id+"@"+itoa(time.Now().UnixNano()))
	if err := os.Rename(filepath.Join(l.runsDir(), id), to); err != nil {
		return errs.E(errs.Internal, "deleting run %s: %w", id, err)
	}
	syncDir(l.runsDir())
	return nil
}

func (l *localBackend) trashEntries() map[string][]string {
	entries, _ := os.ReadDir(filepath.Join(l.root, "trash"))
	out := map[string][]string{}
	for _, e := range entries {
		if id, _, ok := strings.Cut(e.Name(), "@"); ok {
			out[id] = append(out[id], e.Name())
		}
	}
	return out
}

func (l *localBackend) restore(ctx context.Context, id string) error {
	names := l.trashEntries()[id]
	if len(names) == 0 {
		return errs.E(errs.NotFound, "run %s is not in the trash", id).WithHint("evals runs deleted lists the deleted runs")
	}
	slices.Sort(names)
	if _, err := os.Stat(filepath.Join(l.runsDir(), id)); err == nil {
		return errs.E(errs.Conflict, "a run %s exists already; it cannot be restored over", id)
	}
	if err := os.Rename(filepath.Join(l.root, "trash", names[len(names)-1]), filepath.Join(l.runsDir(), id)); err != nil {
		return errs.E(errs.Internal, "restoring run %s: %w", id, err)
	}
	syncDir(l.runsDir())
	return nil
}

func (l *localBackend) trashed(ctx context.Context) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for id, names := range l.trashEntries() {
		slices.Sort(names)
		_, at, _ := strings.Cut(names[len(names)-1], "@")
		ns, _ := strconv.ParseInt(at, 10, 64)
		out[id] = time.Unix(0, ns).UTC()
	}
	return out, nil
}

func (l *localBackend) where(id, name string) string {
	if name == "" {
		return filepath.Join(l.runsDir(), id)
	}
	return filepath.Join(l.runsDir(), id, name)
}
