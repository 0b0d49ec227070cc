package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
	"github.com/evals-dev/evals/errs"
	gcaws "gocloud.dev/aws"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://

	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"
	"golang.org/x/sync/errgroup"
)

// bucketBackend is a store in a bucket, through gocloud.dev/blob (one portable API, a
// driver per cloud). Keys are <prefix>/runs/<id>/<file> and <prefix>/digests/<digest>.
//
// Reads are few: one listing of runs/ answers the catalog (and every object's size and
// version); run.json and the Parquet footers are cached on disk keyed by that version
// (objects are never changed in place: a new version is a new cache entry); a scan fetches
// just the column chunks it needs, coalesced, in parallel.
type bucketBackend struct {
	url    string
	show   string       // the URL without its query, for messages
	bucket *blob.Bucket // opened once per process and URL, shared
	cache  string       // local cache folder for this bucket, "" when there is none

	// The last listing, kept for a second by this store value: a command lists the store
	// once, not once per question it asks of it; a long-lived server lists again.
	mu      sync.Mutex
	listing *bucketListing
	headsMu sync.Mutex
	heads_  *catHeads // the catalog's heads, listed by this store value within a second
	// The newest checkpoint this process parsed (shared by the process's store values of
	// this URL; readCheckpoint copies it).
	memo *ckptMemo
}

type ckptMemo struct {
	mu sync.Mutex
	st *catState
	// The runs of a listing, decoded once per process and catalog state.
	runsPath string
	runs     []Run
}

// bucketListing is one listing of runs/: every object's size and version.
type bucketListing struct {
	at      time.Time
	objects map[string]objInfo // key → info
	data    map[string][]byte  // the contents of run.json and overlay objects, from the catalog
	// head names the catalog state the listing folds, when it depends on nothing else (no
	// open intent): the key of the listed runs' memo.
	head    string
	stamp   string
	catalog string // the stamp of run.json objects and tombstones only
}

type objInfo struct {
	size    int64
	version string
	mod     time.Time
}

// Requests counts the requests made to buckets by kind, for `EVALS_TRACE=requests` and
// the benchmarks that report them.
var Requests struct{ List, Get, Put, Delete, Head atomic.Int64 }

// BytesRead counts the bytes scans and detail reads took from data files (a local file's
// reads, a bucket's ranged reads), for EVALS_TRACE=requests and docs/scale.md.
var BytesRead atomic.Int64

// RequestSummary formats Requests.
func RequestSummary() string {
	r := &Requests
	return fmt.Sprintf("bucket requests: %d in all (list %d, get %d, put %d, delete %d, head %d); data read: %d bytes",
		r.List.Load()+r.Get.Load()+r.Put.Load()+r.Delete.Load()+r.Head.Load(), r.List.Load(), r.Get.Load(), r.Put.Load(), r.Delete.Load(), r.Head.Load(), BytesRead.Load())
}

func openBucket(raw string) (*bucketBackend, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errs.E(errs.Invalid, "store URL %q: %w", raw, err)
	}
	prefix := strings.Trim(u.Path, "/")
	u.Path = ""
	if u.Scheme == "gs" && !gcsBuilt {
		return nil, errs.E(errs.Invalid, "this evals was built without Google Cloud Storage: opening %s needs a build with -tags gcs", raw).
			WithHint("go install -tags gcs github.com/evals-dev/evals@latest, or use the bucket's S3-compatible endpoint: s3://BUCKET/PREFIX?endpoint=https://storage.googleapis.com&region=auto with HMAC keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
	}
	var b *blob.Bucket
	if u.Scheme == "s3" {
		b, err = openS3(u)
	} else {
		b, err = blob.OpenBucket(context.Background(), u.String())
	}
	if err != nil {
		return nil, errs.E(errs.Invalid, "opening store %s: %w", raw, err).
			WithHint("a store is a folder or s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or azblob://CONTAINER/PREFIX")
	}
	if prefix != "" {
		b = blob.PrefixedBucket(b, prefix+"/")
	}
	show := *u
	show.RawQuery, show.Path = "", "/"+prefix
	be := &bucketBackend{url: raw, show: strings.TrimSuffix(show.String(), "/"), bucket: b, memo: &ckptMemo{}}
	if dir, err := os.UserCacheDir(); err == nil {
		sum := sha256.Sum256([]byte(raw))
		be.cache = filepath.Join(dir, "evals", "bucket", hex.EncodeToString(sum[:8]))
	}
	return be, nil
}

// list reads what the store holds, reusing a listing younger than a second: a command
// lists the store once, not once per question it asks of it. The catalog answers (a few
// requests whatever the number of runs); a bucket without one is listed whole, and a
// catalog written from that listing.
func (b *bucketBackend) list(ctx context.Context) (*bucketListing, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.listing != nil && time.Since(b.listing.at) < time.Second {
		return b.listing, nil
	}
	l, err := b.catalogListing(ctx)
	if err == nil && l == nil {
		if l, err = b.fullListLocked(ctx); err == nil {
			b.mu.Unlock()
			_ = b.rebuildCatalog(ctx) // best effort: a reader without write access lists again next time
			b.mu.Lock()
		}
	}
	if err != nil {
		return nil, errs.E(errs.Internal, "listing %s: %w", b.show, err)
	}
	b.listing = l
	return l, nil
}

// fullList lists the whole bucket (gc and the catalog's rebuild: uploads in progress,
// leases and claims are not in the catalog).
func (b *bucketBackend) fullList(ctx context.Context) (*bucketListing, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fullListLocked(ctx)
}

func (b *bucketBackend) fullListLocked(ctx context.Context) (*bucketListing, error) {
	l := &bucketListing{at: time.Now(), objects: map[string]objInfo{}}
	token := blob.FirstPageToken
	h, hc := sha256.New(), sha256.New()
	for {
		Requests.List.Add(1)
		// The whole store in one listing: runs, overlay objects, trash tombstones.
		page, next, err := b.bucket.ListPage(ctx, token, 1000, &blob.ListOptions{})
		if err != nil {
			return nil, errs.E(errs.Internal, "listing %s: %w", b.show, err)
		}
		for _, o := range page {
			v := objVersion(o.MD5, o.ModTime, o.Size)
			l.objects[o.Key] = objInfo{size: o.Size, version: v, mod: o.ModTime}
			if strings.HasSuffix(o.Key, "/"+runFile) || strings.HasPrefix(o.Key, "overlay/") || strings.HasPrefix(o.Key, "trash/") {
				fmt.Fprintf(h, "%s@%s\n", o.Key, v)
			}
			if strings.HasSuffix(o.Key, "/"+runFile) || strings.HasPrefix(o.Key, "trash/") {
				fmt.Fprintf(hc, "%s@%s\n", o.Key, v)
			}
		}
		if len(next) == 0 {
			break
		}
		token = next
	}
	l.stamp, l.catalog = hex.EncodeToString(h.Sum(nil)), hex.EncodeToString(hc.Sum(nil))
	return l, nil
}

// objVersion is an object's version: its MD5 (the ETag of a simple upload) where the
// listing gives one, else its modification time and size.
func objVersion(md5 []byte, mod time.Time, size int64) string {
	if len(md5) > 0 {
		return hex.EncodeToString(md5)
	}
	return fmt.Sprintf("%d-%d", mod.UnixNano(), size)
}

func (b *bucketBackend) forget() {
	b.mu.Lock()
	b.listing = nil
	b.mu.Unlock()
	b.headsMu.Lock()
	b.heads_ = nil
	b.headsMu.Unlock()
}

func runKey(id, name string) string { return "runs/" + id + "/" + name }

func (b *bucketBackend) runIDs(ctx context.Context) (map[string]string, error) {
	l, err := b.list(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, o := range l.objects {
		rest, ok := strings.CutPrefix(k, "runs/")
		if !ok {
			continue
		}
		if id, ok := strings.CutSuffix(rest, "/"+runFile); ok && !strings.Contains(id, "/") {
			if _, deleted := l.objects["trash/"+id]; !deleted {
				out[id] = o.version
			}
		}
	}
	return out, nil
}

// parallelism: a bucket read waits on the network, so many runs at once.
func (b *bucketBackend) parallelism() int { return 16 }

func (b *bucketBackend) stamp(ctx context.Context) string {
	l, err := b.list(ctx)
	if err != nil {
		return ""
	}
	return l.stamp
}

func (b *bucketBackend) catalogStamp(ctx context.Context) string {
	l, err := b.list(ctx)
	if err != nil {
		return ""
	}
	return l.catalog
}

func (b *bucketBackend) where(id, name string) string {
	return b.show + "/" + runKey(id, name)
}

// cachePath is where an immutable object version is cached; "" without a cache.
func (b *bucketBackend) cachePath(kind, key, version string) string {
	if b.cache == "" || version == "" {
		return ""
	}
	return filepath.Join(b.cache, kind, strings.ReplaceAll(key, "/", "_")+"@"+version)
}

func cacheGet(path string) ([]byte, bool) {
	if path == "" {
		return nil, false
	}
	data, err := os.ReadFile(path)
	return data, err == nil
}

// cachePut writes a cache entry atomically; a cache that cannot be written is no error.
func cachePut(path string, data []byte) {
	if path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if os.WriteFile(tmp, data, 0o644) == nil {
		_ = os.Rename(tmp, path)
	}
}

func (b *bucketBackend) readRun(ctx context.Context, id, version string) ([]byte, error) {
	key := runKey(id, runFile)
	if l, err := b.list(ctx); err == nil {
		if _, deleted := l.objects["trash/"+id]; deleted {
			return nil, os.ErrNotExist
		}
		if data, ok := l.data[key]; ok {
			return data, nil
		}
	}
	cp := b.cachePath("run", key, version)
	if data, ok := cacheGet(cp); ok {
		return data, nil
	}
	Requests.Get.Add(1)
	data, err := b.bucket.ReadAll(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, os.ErrNotExist
	}
	if err != nil {
		return nil, err
	}
	cachePut(cp, data)
	return data, nil
}

// tailSize is how much of an object's end is fetched and cached with its footer.
const tailSize = 64 << 10

func (b *bucketBackend) open(ctx context.Context, id, name string) (object, error) {
	key := runKey(id, name)
	l, err := b.list(ctx)
	if err != nil {
		return nil, err
	}
	info, ok := l.objects[key]
	if !ok {
		// Not in the last listing (written since): ask for it.
		Requests.Head.Add(1)
		a, err := b.bucket.Attributes(ctx, key)
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, os.ErrNotExist
		}
		if err != nil {
			return nil, err
		}
		info = objInfo{size: a.Size, version: objVersion(a.MD5, a.ModTime, a.Size), mod: a.ModTime}
	}
	o := &blobObject{ctx: ctx, b: b, key: key, size: info.size}
	// The head (magic bytes) and the tail (footer) of this version, from the cache or in
	// two parallel ranged reads.
	cp := b.cachePath("tail", key, info.version)
	if data, ok := cacheGet(cp); ok && len(data) >= 4 {
		o.addChunk(0, data[:4])
		o.addChunk(max(0, o.size-int64(len(data)-4)), data[4:])
		return o, nil
	}
	tail := min(o.size, tailSize)
	var head, end []byte
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { head, err = b.rangeRead(gctx, key, 0, min(4, o.size)); return })
	g.Go(func() (err error) { end, err = b.rangeRead(gctx, key, o.size-tail, tail); return })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	o.addChunk(0, head)
	o.addChunk(o.size-tail, end)
	if len(head) == 4 {
		cachePut(cp, append(slices.Clip(head), end...))
	}
	return o, nil
}

func (b *bucketBackend) rangeRead(ctx context.Context, key string, off, n int64) ([]byte, error) {
	// A read that comes back short (a connection cut mid-body) is tried once more, then
	// is an error: a truncated chunk must never reach the Parquet decoder as data.
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		data, err := b.rangeReadOnce(ctx, key, off, n)
		if err == nil && int64(len(data)) == n {
			return data, nil
		}
		if errors.Is(err, os.ErrNotExist) || ctx.Err() != nil {
			return nil, err
		}
		if err == nil {
			err = fmt.Errorf("%s: read %d bytes at %d, got %d", key, n, off, len(data))
		}
		lastErr = err
	}
	return nil, lastErr
}

func (b *bucketBackend) rangeReadOnce(ctx context.Context, key string, off, n int64) ([]byte, error) {
	Requests.Get.Add(1)
	r, err := b.bucket.NewRangeReader(ctx, key, off, n, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, os.ErrNotExist
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	buf := bytes.NewBuffer(make([]byte, 0, n))
	if _, err := io.Copy(buf, r); err != nil {
		return nil, err
	}
	BytesRead.Add(int64(buf.Len()))
	return buf.Bytes(), nil
}

// blobObject reads an object by ranges: from chunks fetched before (head, tail, the
// prefetched column chunks), else by a ranged read of at least readAhead bytes.
type blobObject struct {
	ctx  context.Context
	b    *bucketBackend
	key  string
	size int64

	mu     sync.Mutex
	chunks []chunk
}

type chunk struct {
	off  int64
	data []byte
}

const readAhead = 256 << 10

func (o *blobObject) Size() int64  { return o.size }
func (o *blobObject) Close() error { return nil }

func (o *blobObject) addChunk(off int64, data []byte) {
	o.mu.Lock()
	o.chunks = append(o.chunks, chunk{off, data})
	o.mu.Unlock()
}

func (o *blobObject) ReadAt(p []byte, off int64) (int, error) {
	if off >= o.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), o.size-off)
	o.mu.Lock()
	for _, c := range o.chunks {
		if off >= c.off && off+want <= c.off+int64(len(c.data)) {
			n := copy(p, c.data[off-c.off:off-c.off+want])
			o.mu.Unlock()
			if int64(n) < int64(len(p)) {
				return n, io.EOF
			}
			return n, nil
		}
	}
	o.mu.Unlock()
	n := min(max(want, readAhead), o.size-off)
	data, err := o.b.rangeRead(o.ctx, o.key, off, n)
	if err != nil {
		return 0, err
	}
	o.addChunk(off, data)
	k := copy(p, data)
	if k < len(p) {
		return k, io.EOF
	}
	return k, nil
}

// prefetch fetches byte ranges (sorted, coalesced across small gaps) in parallel, so a scan
// costs one request per run of needed column chunks, not one per page.
func (o *blobObject) prefetch(ranges [][2]int64) error {
	merged := coalesce(ranges, readAhead)
	g, ctx := errgroup.WithContext(o.ctx)
	g.SetLimit(8)
	for _, r := range merged {
		g.Go(func() error {
			data, err := o.b.rangeRead(ctx, o.key, r[0], r[1]-r[0])
			if err == nil {
				o.addChunk(r[0], data)
			}
			return err
		})
	}
	return g.Wait()
}

// stage writes a run for a bucket in a local folder first.
func (b *bucketBackend) stage(id string) (string, func(), error) {
	dir := filepath.Join(os.TempDir(), "evals-staging")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, errs.E(errs.Internal, "creating %s: %w", dir, err)
	}
	sweepDead(dir, time.Hour)
	return stageIn(dir, id)
}

// publish uploads the data objects in parallel, then creates run.json only if absent:
// until then no reader sees the run, and of two writers of one id only one commits.
func (b *bucketBackend) publish(ctx context.Context, id, dir string, replace bool) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, errs.E(errs.Internal, "reading %s: %w", dir, err)
	}
	// The upload's lease: gc leaves the objects of a run whose lease was renewed lately,
	// whatever --grace says (the writer renews it while it uploads).
	stop := b.holdLease(ctx, id)
	defer stop()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	var uploaded []string
	for _, e := range entries {
		if e.Name() == runFile || e.IsDir() {
			continue
		}
		uploaded = append(uploaded, runKey(id, e.Name()))
		g.Go(func() error {
			f, err := os.Open(filepath.Join(dir, e.Name()))
			if err != nil {
				return err
			}
			defer f.Close()
			Requests.Put.Add(1)
			return b.bucket.Upload(gctx, runKey(id, e.Name()), f, &blob.WriterOptions{ContentType: "application/vnd.apache.parquet"})
		})
	}
	if err := g.Wait(); err != nil {
		return false, errs.E(errs.Internal, "uploading run %s to %s: %w", id, b.show, err)
	}
	meta, err := os.ReadFile(filepath.Join(dir, runFile))
	if err != nil {
		return false, errs.E(errs.Internal, "reading %s: %w", runFile, err)
	}
	// Every object is checked before the commit object is written: a run whose data was
	// removed meanwhile (a gc that did not see the lease) is never published.
	for _, k := range uploaded {
		Requests.Head.Add(1)
		if _, err := b.bucket.Attributes(ctx, k); err != nil {
			return false, errs.E(errs.Conflict, "uploading run %s to %s: %s was removed while the run was written (a gc at the same time?); nothing was published: import again", id, b.show, k)
		}
	}
	key := runKey(id, runFile)
	err = b.logChange(ctx, []string{key}, func() ([]catEntry, []string, error) {
		Requests.Put.Add(1)
		err := b.bucket.WriteAll(ctx, key, meta, &blob.WriterOptions{ContentType: "application/json", IfNotExist: true})
		b.forget()
		if gcerrors.Code(err) == gcerrors.FailedPrecondition {
			return nil, nil, errs.E(errs.Conflict, "run %s already exists in the store", id)
		}
		if err != nil {
			return nil, nil, errs.E(errs.Internal, "committing run %s to %s: %w", id, b.show, err)
		}
		e, err := b.entryOf(ctx, key, meta)
		if err != nil {
			return nil, nil, errs.E(errs.Internal, "committing run %s to %s: %w", id, b.show, err)
		}
		return []catEntry{e}, nil, nil
	})
	return false, err
}

func (b *bucketBackend) claim(ctx context.Context, digest, id string) (string, error) {
	key := "digests/" + claimKey(digest)
	for attempt := 0; attempt < 3; attempt++ {
		Requests.Put.Add(1)
		err := b.bucket.WriteAll(ctx, key, []byte(id), &blob.WriterOptions{ContentType: "text/plain", IfNotExist: true})
		if err == nil {
			return "", nil
		}
		if gcerrors.Code(err) != gcerrors.FailedPrecondition {
			return "", errs.E(errs.Internal, "claiming %s in %s: %w", digest, b.show, err)
		}
		Requests.Get.Add(1)
		holderB, rerr := b.bucket.ReadAll(ctx, key)
		Requests.Head.Add(1)
		a, aerr := b.bucket.Attributes(ctx, key)
		if rerr != nil || aerr != nil {
			continue
		}
		holder := strings.TrimSpace(string(holderB))
		if holder == id {
			return "", nil
		}
		if claimLive(ctx, b, holder, digest, a.ModTime) {
			return holder, nil
		}
		Requests.Delete.Add(1)
		_ = b.bucket.Delete(ctx, key)
	}
	return "", errs.E(errs.Conflict, "content %s is being claimed by several writers at once; try again", digest)
}

// claimTTL is how long a bucket claim is honoured after its writer last renewed it (a
// writer renews it every claimTTL/4 until its run is published, and an import that meets
// a live claim waits for its run, or for the claim to go stale). EVALS_CLAIM_TTL sets it
// (tests shorten it).
var claimTTL = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("EVALS_CLAIM_TTL")); err == nil && d > 0 {
		return d
	}
	return 30 * time.Second
}()

// holdLease writes leases/<id> and renews it every claimTTL/4 until stop.
func (b *bucketBackend) holdLease(ctx context.Context, id string) (stop func()) {
	key := "leases/" + id
	put := func() {
		Requests.Put.Add(1)
		_ = b.bucket.WriteAll(ctx, key, []byte(time.Now().UTC().Format(time.RFC3339Nano)), &blob.WriterOptions{ContentType: "text/plain"})
	}
	put()
	renewing := renewEvery(claimTTL/4, put)
	return func() {
		renewing()
		Requests.Delete.Add(1)
		_ = b.bucket.Delete(context.WithoutCancel(ctx), key)
	}
}

func (b *bucketBackend) writerAlive(ctx context.Context, id string, at time.Time) bool {
	return time.Since(at) < claimTTL
}

func (b *bucketBackend) renewClaim(ctx context.Context, digest, id string) {
	Requests.Put.Add(1)
	_ = b.bucket.WriteAll(ctx, "digests/"+claimKey(digest), []byte(id), &blob.WriterOptions{ContentType: "text/plain"})
}

func (b *bucketBackend) releaseClaim(ctx context.Context, digest, id string) {
	key := "digests/" + claimKey(digest)
	Requests.Get.Add(1)
	if holder, err := b.bucket.ReadAll(ctx, key); err == nil && strings.TrimSpace(string(holder)) == id {
		Requests.Delete.Add(1)
		_ = b.bucket.Delete(ctx, key)
	}
}

func (b *bucketBackend) unclaim(ctx context.Context, digest string) {
	Requests.Delete.Add(1)
	_ = b.bucket.Delete(ctx, "digests/"+claimKey(digest))
}

func (b *bucketBackend) leftovers(ctx context.Context, grace time.Duration) ([]Leftover, error) {
	b.forget()
	l, err := b.fullList(ctx)
	if err != nil {
		return nil, err
	}
	type run struct {
		bytes     int64
		newest    time.Time
		committed bool
	}
	runs := map[string]*run{}
	for k, o := range l.objects {
		rest, isRun := strings.CutPrefix(k, "runs/")
		if !isRun {
			continue
		}
		id, name, ok := strings.Cut(rest, "/")
		if !ok {
			continue
		}
		r := runs[id]
		if r == nil {
			r = &run{}
			runs[id] = r
		}
		r.bytes += o.size
		if o.mod.After(r.newest) {
			r.newest = o.mod
		}
		if name == runFile {
			r.committed = true
		}
	}
	var out []Leftover
	for id, r := range runs {
		if lease, ok := l.objects["leases/"+id]; ok && b.writerAlive(ctx, id, lease.mod) {
			continue // its writer is uploading: never a leftover, whatever the grace
		}
		if !r.committed && time.Since(r.newest) > grace {
			out = append(out, Leftover{Kind: "upload", Key: b.where(id, ""), Bytes: r.bytes, Age: r.newest, ref: runKey(id, "")})
		}
	}
	for k, o := range l.objects {
		if id, ok := strings.CutPrefix(k, "leases/"); ok && !b.writerAlive(ctx, id, o.mod) {
			out = append(out, Leftover{Kind: "lease", Key: b.show + "/" + k, Bytes: o.size, Age: o.mod, ref: k})
		}
	}
	for k, o := range l.objects {
		if id, ok := strings.CutPrefix(k, "trash/"); ok && time.Since(o.mod) > TrashDays*24*time.Hour {
			out = append(out, Leftover{Kind: "trash", Key: b.where(id, ""), Bytes: o.size, Age: o.mod, ref: id})
		}
	}
	iter := b.bucket.List(&blob.ListOptions{Prefix: "digests/"})
	Requests.List.Add(1)
	for {
		o, err := iter.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errs.E(errs.Internal, "listing %s: %w", b.show, err)
		}
		if b.writerAlive(ctx, "", o.ModTime) {
			continue // renewed lately: its writer may be uploading
		}
		Requests.Get.Add(1)
		holder, err := b.bucket.ReadAll(ctx, o.Key)
		if err != nil {
			continue
		}
		if _, ok := l.objects[runKey(strings.TrimSpace(string(holder)), runFile)]; !ok {
			out = append(out, Leftover{Kind: "claim", Key: b.show + "/" + o.Key, Bytes: o.Size, Age: o.ModTime, ref: o.Key})
		}
	}
	out = append(out, deadStaging(filepath.Join(os.TempDir(), "evals-staging"), grace)...)
	slices.SortFunc(out, func(x, y Leftover) int { return strings.Compare(x.Key, y.Key) })
	return out, nil
}

func (b *bucketBackend) remove(ctx context.Context, lo Leftover) error {
	switch lo.Kind {
	case "staging":
		removeStaging(lo.ref)
		return nil
	case "claim", "lease":
		Requests.Delete.Add(1)
		return b.bucket.Delete(ctx, lo.ref)
	case "trash":
		// The run's objects first, its tombstone last: a gc killed halfway leaves a
		// tombstone, so the run stays hidden and the next gc finishes.
		if err := b.remove(ctx, Leftover{Kind: "trash-run", ref: runKey(lo.ref, "")}); err != nil {
			return err
		}
		return b.logChange(ctx, []string{"trash/" + lo.ref}, func() ([]catEntry, []string, error) {
			Requests.Delete.Add(1)
			if err := b.bucket.Delete(ctx, "trash/"+lo.ref); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
				return nil, nil, err
			}
			return nil, []string{"trash/" + lo.ref}, nil
		})
	}
	prefix := lo.ref
	l, err := b.fullList(ctx)
	if err != nil {
		return err
	}
	var keys []string
	for k := range l.objects {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	del := func() ([]catEntry, []string, error) {
		for _, k := range keys {
			Requests.Delete.Add(1)
			if err := b.bucket.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
				return nil, nil, errs.E(errs.Internal, "removing %s: %w", k, err)
			}
		}
		return nil, keys, nil
	}
	if _, committed := l.objects[prefix+runFile]; committed || lo.Kind == "trash-run" {
		return b.logChange(ctx, keys, del) // a committed run's objects are in the catalog
	}
	_, _, err = del()
	b.forget()
	return err
}

// openS3 opens an s3:// bucket as gocloud's URL opener does (the same parameters:
// region, endpoint, profile, use_path_style, disable_https, …), with two changes: the AWS
// SDK's log goes nowhere (it would print a warning per read to stderr, which carries only
// evals' own messages), and responses are checksummed only where S3 requires it, so an
// S3-compatible server without checksums reads the same.
func openS3(u *url.URL) (*blob.Bucket, error) {
	q := u.Query()
	var s3opts []func(*s3.Options)
	for _, p := range []struct {
		keys []string
		set  func(o *s3.Options, v bool)
	}{
		{[]string{"use_path_style", "s3ForcePathStyle"}, func(o *s3.Options, v bool) { o.UsePathStyle = v }},
		{[]string{"disable_https"}, func(o *s3.Options, v bool) { o.EndpointOptions.DisableHTTPS = v }},
		{[]string{"accelerate"}, func(o *s3.Options, v bool) { o.UseAccelerate = v }},
	} {
		for _, k := range p.keys {
			if raw := q.Get(k); raw != "" {
				q.Del(k)
				v, err := strconv.ParseBool(raw)
				if err != nil {
					return nil, fmt.Errorf("invalid value for %q: %w", k, err)
				}
				s3opts = append(s3opts, func(o *s3.Options) { p.set(o, v) })
			}
		}
	}
	cfg, err := gcaws.V2ConfigFromURLParams(context.Background(), q)
	if err != nil {
		return nil, err
	}
	cfg.Logger = logging.Nop{}
	cfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	client := s3.NewFromConfig(cfg, s3opts...)
	return s3blob.OpenBucket(context.Background(), client, u.Host, nil)
}

func (b *bucketBackend) overlayNames(ctx context.Context) ([]string, error) {
	l, err := b.list(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for k := range l.objects {
		if name, ok := strings.CutPrefix(k, "overlay/"); ok {
			out = append(out, name)
		}
	}
	return out, nil
}

func (b *bucketBackend) readOverlay(ctx context.Context, name string) ([]byte, error) {
	key := "overlay/" + name
	version := ""
	if l, err := b.list(ctx); err == nil {
		if data, ok := l.data[key]; ok {
			return data, nil
		}
		version = l.objects[key].version
	}
	cp := b.cachePath("overlay", key, version)
	if data, ok := cacheGet(cp); ok {
		return data, nil
	}
	Requests.Get.Add(1)
	data, err := b.bucket.ReadAll(ctx, key)
	if err != nil {
		return nil, err
	}
	cachePut(cp, data)
	return data, nil
}

func (b *bucketBackend) putOverlay(ctx context.Context, name string, data []byte) error {
	key := "overlay/" + name
	return b.logChange(ctx, []string{key}, func() ([]catEntry, []string, error) {
		Requests.Put.Add(1)
		err := b.bucket.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: "application/json", IfNotExist: true})
		b.forget()
		if gcerrors.Code(err) == gcerrors.FailedPrecondition {
			return nil, nil, errs.E(errs.Conflict, "overlay object %s already exists", name)
		}
		if err != nil {
			return nil, nil, errs.E(errs.Internal, "writing to %s: %w", b.show, err)
		}
		e, err := b.entryOf(ctx, key, data)
		if err != nil {
			return nil, nil, errs.E(errs.Internal, "writing to %s: %w", b.show, err)
		}
		return []catEntry{e}, nil, nil
	})
}

// trash writes the run's tombstone (trash/<id>), created only if absent: one object, so the
// run disappears whole, at once; its data stays until gc, after TrashDays.
func (b *bucketBackend) trash(ctx context.Context, id string) error {
	key := "trash/" + id
	return b.logChange(ctx, []string{key}, func() ([]catEntry, []string, error) {
		Requests.Put.Add(1)
		err := b.bucket.WriteAll(ctx, key, []byte(time.Now().UTC().Format(time.RFC3339Nano)), &blob.WriterOptions{ContentType: "text/plain", IfNotExist: true})
		b.forget()
		if err != nil && gcerrors.Code(err) != gcerrors.FailedPrecondition {
			return nil, nil, errs.E(errs.Internal, "deleting run %s: %w", id, err)
		}
		e, err := b.entryOf(ctx, key, nil)
		if err != nil {
			return nil, nil, errs.E(errs.Internal, "deleting run %s: %w", id, err)
		}
		return []catEntry{e}, nil, nil
	})
}

func (b *bucketBackend) restore(ctx context.Context, id string) error {
	l, err := b.list(ctx)
	if err != nil {
		return err
	}
	if _, ok := l.objects["trash/"+id]; !ok {
		return errs.E(errs.NotFound, "run %s is not in the trash", id).WithHint("evals runs deleted lists the deleted runs")
	}
	return b.logChange(ctx, []string{"trash/" + id}, func() ([]catEntry, []string, error) {
		Requests.Delete.Add(1)
		err := b.bucket.Delete(ctx, "trash/"+id)
		b.forget()
		if err != nil {
			return nil, nil, errs.E(errs.Internal, "restoring run %s: %w", id, err)
		}
		return nil, []string{"trash/" + id}, nil
	})
}

func (b *bucketBackend) trashed(ctx context.Context) (map[string]time.Time, error) {
	l, err := b.list(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for k, o := range l.objects {
		if id, ok := strings.CutPrefix(k, "trash/"); ok {
			out[id] = o.mod
		}
	}
	return out, nil
}
