package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evals-dev/evals/errs"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
	"golang.org/x/sync/errgroup"
)

// The catalog of a bucket store: what a listing of the whole bucket would say of its runs
// (every committed run's objects with their sizes and versions, run.json and the overlay
// objects with their contents, the trash tombstones), kept as a log so that a cold reader
// makes a few requests whatever the number of runs, where a listing makes one per 1,000
// objects and a read per run.json.
//
//	catalog/log/<block>/<seq>.json   one segment per change, created only if absent
//	catalog/ckpt/<inverted seq>.jsonl the fold of the log up to seq (the newest lists first)
//
// A writer announces the keys it is about to change (an intent segment), changes them,
// then logs what they are now (a put or del segment). A reader folds the newest checkpoint
// and the segments after it; a key announced and not yet settled is looked at (a HEAD), so
// a writer killed between its change and its log loses nothing. A writer that leaves more
// than foldAfter segments after the checkpoint folds them into a new one. The catalog is
// never the only copy: every object it names is in the bucket, a bucket without a
// checkpoint is listed whole (and a checkpoint written from that listing), and evals gc
// rewrites the checkpoint from a full listing (runs written by an evals without a catalog
// appear then).

const (
	catLogPrefix   = "catalog/log/"
	catCkptPrefix  = "catalog/ckpt/"
	catDeltaPrefix = "catalog/delta/"
	catBlock       = 1000
	// foldAfter is how many segments may follow the newest checkpoint and delta: a cold
	// read is 5 requests (two listings and two reads for them, one listing of the log)
	// plus one per segment, 10 at most.
	foldAfter = 5
	// A fold writes a delta (every change since the checkpoint) while those changes are
	// fewer than the checkpoint's entries over deltaRatio (and deltaMin), else a new
	// checkpoint: the cost of a change stays small however large the store grows.
	deltaRatio = 16
	deltaMin   = 256
	maxSeq     = 999_999_999_999
)

func segKey(seq int64) string {
	return fmt.Sprintf("%s%09d/%012d.json", catLogPrefix, seq/catBlock, seq)
}
func ckptKey(seq int64) string  { return fmt.Sprintf("%s%012d.jsonl", catCkptPrefix, maxSeq-seq) }
func deltaKey(seq int64) string { return fmt.Sprintf("%s%012d.json", catDeltaPrefix, maxSeq-seq) }

// delta is every change between a checkpoint (Base) and Seq, folded.
type delta struct {
	Base    int64                `json:"base"`
	Seq     int64                `json:"seq"`
	Put     []catEntry           `json:"put,omitempty"`
	Del     []string             `json:"del,omitempty"`
	Intents map[string]time.Time `json:"intents,omitempty"`
}

// inCatalog says whether a key is one the catalog keeps: commit objects, overlay objects,
// tombstones. A run's Parquet objects are not (a scan asks for the size of what it opens:
// one HEAD), so an entry costs a run once, not five times.
func inCatalog(key string) bool {
	return strings.HasSuffix(key, "/"+runFile) && strings.HasPrefix(key, "runs/") || strings.HasPrefix(key, "overlay/") || strings.HasPrefix(key, "trash/")
}

// catEntry is one object in a segment or a checkpoint; Data holds run.json and overlay
// objects whole (small JSON, read by every listing).
type catEntry struct {
	Key  string          `json:"k"`
	Size int64           `json:"s"`
	Ver  string          `json:"v"`
	Mod  time.Time       `json:"m"`
	Data json.RawMessage `json:"d,omitempty"`
}

type segment struct {
	Seq    int64      `json:"seq"`
	At     time.Time  `json:"at"`
	Intent []string   `json:"intent,omitempty"`
	Put    []catEntry `json:"put,omitempty"`
	Del    []string   `json:"del,omitempty"`
}

// ckptHead is a checkpoint's first line.
type ckptHead struct {
	Seq     int64                `json:"seq"`
	Intents map[string]time.Time `json:"intents,omitempty"`
}

// catState is a fold of the catalog.
type catState struct {
	seq     int64
	base    int64  // the checkpoint's seq
	ckpt    string // the checkpoint's key
	segs    []string
	changed map[string]bool // keys changed since the checkpoint
	// headKey names the immutable objects folded; announced counts the open intents met
	// (a fold with none depends on nothing but headKey).
	headKey   string
	announced int
	objects   map[string]objInfo
	data      map[string][]byte
	intents   map[string]time.Time
}

func newCatState() *catState {
	return &catState{objects: map[string]objInfo{}, data: map[string][]byte{}, intents: map[string]time.Time{}, changed: map[string]bool{}}
}

func (st *catState) apply(s segment) {
	for _, k := range s.Intent {
		if _, ok := st.intents[k]; !ok {
			st.intents[k] = s.At
		}
	}
	for _, e := range s.Put {
		st.changed[e.Key] = true
		st.objects[e.Key] = objInfo{size: e.Size, version: e.Ver, mod: e.Mod}
		if len(e.Data) > 0 {
			st.data[e.Key] = e.Data
		} else {
			delete(st.data, e.Key)
		}
		delete(st.intents, e.Key)
	}
	for _, k := range s.Del {
		st.changed[k] = true
		delete(st.objects, k)
		delete(st.data, k)
		delete(st.intents, k)
	}
	st.seq = max(st.seq, s.Seq)
}

// getImmutable reads a catalog object, which never changes once written: from the local
// cache when it is there.
func (b *bucketBackend) getImmutable(ctx context.Context, key string) ([]byte, error) {
	cp := b.cachePath("catalog", key, "1")
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

// newestCheckpoint is the key of the newest checkpoint, "" when there is none (one request).
func (b *bucketBackend) newestCheckpoint(ctx context.Context) (string, error) {
	return b.newest(ctx, catCkptPrefix)
}

// newest is the first key under a prefix (inverted numbers: the newest), "" for none.
func (b *bucketBackend) newest(ctx context.Context, prefix string) (string, error) {
	Requests.List.Add(1)
	page, _, err := b.bucket.ListPage(ctx, blob.FirstPageToken, 1, &blob.ListOptions{Prefix: prefix})
	if err != nil {
		return "", err
	}
	if len(page) == 0 {
		return "", nil
	}
	return page[0].Key, nil
}

func ckptSeq(key string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(key, catCkptPrefix), ".jsonl"), 10, 64)
	return maxSeq - n
}

// applyDelta folds a delta (the newest) when it starts at the state's checkpoint.
func (b *bucketBackend) applyDelta(ctx context.Context, st *catState, key string) error {
	if key == "" {
		return nil
	}
	raw, err := b.getImmutable(ctx, key)
	if err != nil {
		return err
	}
	var d delta
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("catalog delta %s: %w", key, err)
	}
	if d.Base != st.base || d.Seq <= st.seq {
		return nil // a delta of an older checkpoint
	}
	st.apply(segment{Seq: d.Seq, Put: d.Put, Del: d.Del})
	for k, at := range d.Intents {
		st.intents[k] = at
	}
	return nil
}

// segmentsAfter lists the segments after seq, in order: one listing per block of 1,000
// (a block whose last number is there is full: the log goes on in the next one).
func (b *bucketBackend) segmentsAfter(ctx context.Context, seq int64) ([]string, error) {
	var out []string
	for block := (seq + 1) / catBlock; ; block++ {
		prefix := fmt.Sprintf("%s%09d/", catLogPrefix, block)
		full := false
		token := blob.FirstPageToken
		for {
			Requests.List.Add(1)
			page, next, err := b.bucket.ListPage(ctx, token, 1000, &blob.ListOptions{Prefix: prefix})
			if err != nil {
				return nil, err
			}
			for _, o := range page {
				n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(o.Key, prefix), ".json"), 10, 64)
				if err != nil {
					continue
				}
				if n > seq {
					out = append(out, o.Key)
				}
				full = full || n == (block+1)*catBlock-1
			}
			if len(next) == 0 {
				break
			}
			token = next
		}
		if !full {
			break
		}
	}
	slices.Sort(out)
	return out, nil
}

// readCheckpoint folds a checkpoint: parsed once per process (a copy of the parsed state
// for each caller: a checkpoint of 10,000 runs is megabytes of JSON).
func (b *bucketBackend) readCheckpoint(ctx context.Context, key string) (*catState, error) {
	b.memo.mu.Lock()
	defer b.memo.mu.Unlock()
	if b.memo.st == nil || b.memo.st.ckpt != key {
		st, err := b.parseCheckpoint(ctx, key)
		if err != nil {
			return nil, err
		}
		b.memo.st = st
	}
	c := b.memo.st
	st := &catState{seq: c.seq, base: c.base, ckpt: c.ckpt, changed: map[string]bool{},
		objects: maps.Clone(c.objects), data: maps.Clone(c.data), intents: maps.Clone(c.intents)}
	return st, nil
}

func (b *bucketBackend) parseCheckpoint(ctx context.Context, key string) (*catState, error) {
	raw, err := b.getImmutable(ctx, key)
	if err != nil {
		return nil, err
	}
	st := newCatState()
	st.ckpt = key
	defer func() { st.base = st.seq }()
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if first {
			var h ckptHead
			if err := json.Unmarshal(line, &h); err != nil {
				return nil, fmt.Errorf("checkpoint %s: %w", key, err)
			}
			st.seq = h.Seq
			for k, at := range h.Intents {
				st.intents[k] = at
			}
			first = false
			continue
		}
		var e catEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("checkpoint %s: %w", key, err)
		}
		st.objects[e.Key] = objInfo{size: e.Size, version: e.Ver, mod: e.Mod}
		if len(e.Data) > 0 {
			st.data[e.Key] = slices.Clone([]byte(e.Data))
		}
	}
	if first {
		return nil, fmt.Errorf("checkpoint %s is empty", key)
	}
	return st, sc.Err()
}

// catHeads is what a read of the catalog lists first: the newest checkpoint, the newest
// delta and the segments after the newer of them. They name immutable objects, so the
// same heads always fold to the same state.
type catHeads struct {
	at          time.Time
	ckpt, delta string
	from        int64 // the segments are those after this seq
	segs        []string
}

func (h *catHeads) key() string {
	k := h.ckpt + "|" + h.delta
	if n := len(h.segs); n > 0 {
		k += "|" + h.segs[n-1]
	}
	return k
}

func deltaSeq(key string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(key, catDeltaPrefix), ".json"), 10, 64)
	return maxSeq - n
}

// heads lists the catalog's heads (three requests), reusing a listing younger than a second.
func (b *bucketBackend) heads(ctx context.Context) (*catHeads, error) {
	b.headsMu.Lock()
	h := b.heads_
	b.headsMu.Unlock()
	if h != nil && time.Since(h.at) < time.Second {
		return h, nil
	}
	h = &catHeads{at: time.Now()}
	var err error
	if h.ckpt, err = b.newestCheckpoint(ctx); err != nil || h.ckpt == "" {
		return h, err
	}
	if h.delta, err = b.newest(ctx, catDeltaPrefix); err != nil {
		return nil, err
	}
	h.from = ckptSeq(h.ckpt)
	if h.delta != "" {
		h.from = max(h.from, deltaSeq(h.delta))
	}
	if h.segs, err = b.segmentsAfter(ctx, h.from); err != nil {
		return nil, err
	}
	b.headsMu.Lock()
	b.heads_ = h
	b.headsMu.Unlock()
	return h, nil
}

// catalogState folds the newest checkpoint and the segments after it; nil without a
// checkpoint.
func (b *bucketBackend) catalogState(ctx context.Context) (*catState, error) {
	h, err := b.heads(ctx)
	if err != nil || h.ckpt == "" {
		return nil, err
	}
	st, err := b.readCheckpoint(ctx, h.ckpt)
	if err != nil {
		return nil, err
	}
	if err := b.applyDelta(ctx, st, h.delta); err != nil {
		return nil, err
	}
	segs := h.segs
	if st.seq < h.from { // the delta was of an older checkpoint: the log from the checkpoint on
		if segs, err = b.segmentsAfter(ctx, st.seq); err != nil {
			return nil, err
		}
	}
	for _, k := range segs {
		raw, err := b.getImmutable(ctx, k)
		if err != nil {
			return nil, err
		}
		var s segment
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("catalog segment %s: %w", k, err)
		}
		st.apply(s)
	}
	st.segs = segs
	st.headKey = h.key()
	st.announced = len(st.intents)
	return st, nil
}

// settle looks at the keys announced and not yet logged: a writer may be at work on them,
// or may have died between its change and its log. What the bucket holds is folded in;
// an intent goes once its key is there, or once it is absent and old.
func (b *bucketBackend) settle(ctx context.Context, st *catState) {
	for k, at := range st.intents {
		Requests.Head.Add(1)
		a, err := b.bucket.Attributes(ctx, k)
		switch {
		case gcerrors.Code(err) == gcerrors.NotFound:
			st.changed[k] = true
			delete(st.objects, k)
			delete(st.data, k)
			if time.Since(at) > claimTTL {
				delete(st.intents, k)
			}
		case err == nil:
			st.changed[k] = true
			st.objects[k] = objInfo{size: a.Size, version: objVersion(a.MD5, a.ModTime, a.Size), mod: a.ModTime}
			if strings.HasSuffix(k, ".json") {
				Requests.Get.Add(1)
				if data, err := b.bucket.ReadAll(ctx, k); err == nil {
					st.data[k] = data
				}
			}
			delete(st.intents, k)
		}
	}
}

// catalogListing is the listing the catalog gives, or nil when the bucket has none yet.
func (b *bucketBackend) catalogListing(ctx context.Context) (*bucketListing, error) {
	st, err := b.catalogState(ctx)
	if err != nil || st == nil {
		return nil, err
	}
	if open := len(st.intents); open > 0 {
		b.settle(ctx, st)
		if len(st.intents) < open {
			// What this reader learned is written down (best effort: it may have no write
			// access), so the next one does not look again.
			_ = b.putFold(ctx, st)
		}
	}
	l := listingOf(st)
	if st.announced == 0 {
		l.head = st.headKey
	}
	return l, nil
}

// listingOf turns a fold into a listing, with its stamps.
func listingOf(st *catState) *bucketListing {
	l := &bucketListing{at: time.Now(), objects: st.objects, data: st.data}
	keys := make([]string, 0, len(st.objects))
	for k := range st.objects {
		if strings.HasSuffix(k, "/"+runFile) || strings.HasPrefix(k, "overlay/") || strings.HasPrefix(k, "trash/") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	h, hc := sha256.New(), sha256.New()
	for _, k := range keys {
		v := st.objects[k].version
		fmt.Fprintf(h, "%s@%s\n", k, v)
		if !strings.HasPrefix(k, "overlay/") {
			fmt.Fprintf(hc, "%s@%s\n", k, v)
		}
	}
	l.stamp, l.catalog = hex.EncodeToString(h.Sum(nil)), hex.EncodeToString(hc.Sum(nil))
	return l
}

// testHookLogged runs between a change and its log (tests kill the writer there).
var testHookLogged func() error

// logChange runs change between an intent segment naming keys and a segment saying what
// they are after it: puts (entries, with the contents of small JSON objects) and dels.
func (b *bucketBackend) logChange(ctx context.Context, keys []string, change func() (puts []catEntry, dels []string, err error)) error {
	if err := b.appendSegment(ctx, segment{Intent: keys}); err != nil {
		return err
	}
	puts, dels, err := change()
	if err != nil {
		return err
	}
	if testHookLogged != nil {
		if err := testHookLogged(); err != nil {
			return err // the writer "dies" between its change and its log
		}
	}
	return b.appendSegment(ctx, segment{Put: puts, Del: dels})
}

// appendSegment writes the next segment of the log (create-if-absent: of two writers at
// once, one takes the number and the other the next), initialising the catalog from a full
// listing when the bucket has none, and folds the log into a checkpoint when it has grown.
func (b *bucketBackend) appendSegment(ctx context.Context, s segment) error {
	defer b.forget()
	s.At = time.Now().UTC()
	for attempt := 0; attempt < 200; attempt++ {
		if attempt > 0 {
			// Another writer took the number: wait a little, more each time, at random, so
			// that many writers at once spread out.
			time.Sleep(time.Duration(rand.Int64N(int64(min(attempt, 20)) * int64(5*time.Millisecond))))
		}
		ckpt, err := b.newestCheckpoint(ctx)
		if err != nil {
			return errs.E(errs.Internal, "reading the catalog of %s: %w", b.show, err)
		}
		if ckpt == "" {
			if err := b.rebuildCatalog(ctx); err != nil {
				return err
			}
			continue
		}
		base := ckptSeq(ckpt)
		if dk, err := b.newest(ctx, catDeltaPrefix); err == nil && dk != "" {
			if n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(dk, catDeltaPrefix), ".json"), 10, 64); err == nil && maxSeq-n > base {
				base = maxSeq - n // the delta's own seq: only what follows it is pending
			}
		}
		segs, err := b.segmentsAfter(ctx, base)
		if err != nil {
			return errs.E(errs.Internal, "reading the catalog of %s: %w", b.show, err)
		}
		s.Seq = base + int64(len(segs)) + 1
		if n := len(segs); n > 0 {
			last, _ := strconv.ParseInt(strings.TrimSuffix(segs[n-1][strings.LastIndexByte(segs[n-1], '/')+1:], ".json"), 10, 64)
			s.Seq = last + 1
		}
		raw, _ := json.Marshal(s)
		Requests.Put.Add(1)
		err = b.bucket.WriteAll(ctx, segKey(s.Seq), raw, &blob.WriterOptions{ContentType: "application/json", IfNotExist: true})
		if gcerrors.Code(err) == gcerrors.FailedPrecondition {
			continue // another writer took this number
		}
		if err != nil {
			return errs.E(errs.Internal, "writing the catalog of %s: %w", b.show, err)
		}
		if s.Seq-base > foldAfter {
			_ = b.fold(ctx) // best effort: a reader folds the segments meanwhile
		}
		return nil
	}
	return errs.E(errs.Conflict, "the catalog of %s is busy: try again", b.show)
}

// fold writes what the log holds since the checkpoint as a delta, or as a new checkpoint
// once the changes are many.
func (b *bucketBackend) fold(ctx context.Context) error {
	st, err := b.catalogState(ctx)
	if err != nil || st == nil {
		return err
	}
	if len(st.intents) > 0 {
		b.settle(ctx, st) // what dead writers left announced is looked at once, here
	}
	return b.putFold(ctx, st)
}

// putFold writes a fold as a delta or a checkpoint.
func (b *bucketBackend) putFold(ctx context.Context, st *catState) error {
	if len(st.changed) > max(deltaMin, len(st.objects)/deltaRatio) {
		return b.putCheckpoint(ctx, st)
	}
	d := delta{Base: st.base, Seq: st.seq, Intents: st.intents}
	keys := make([]string, 0, len(st.changed))
	for k := range st.changed {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		o, ok := st.objects[k]
		if !ok {
			d.Del = append(d.Del, k)
			continue
		}
		e := catEntry{Key: k, Size: o.size, Ver: o.version, Mod: o.mod}
		if data := st.data[k]; json.Valid(data) {
			e.Data = data
		}
		d.Put = append(d.Put, e)
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	Requests.Put.Add(1)
	err = b.bucket.WriteAll(ctx, deltaKey(st.seq), raw, &blob.WriterOptions{ContentType: "application/json", IfNotExist: true})
	if gcerrors.Code(err) == gcerrors.FailedPrecondition {
		return nil
	}
	return err
}

func (b *bucketBackend) putCheckpoint(ctx context.Context, st *catState) error {
	var buf bytes.Buffer
	head, _ := json.Marshal(ckptHead{Seq: st.seq, Intents: st.intents})
	buf.Write(head)
	buf.WriteByte('\n')
	keys := make([]string, 0, len(st.objects))
	for k := range st.objects {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	enc := json.NewEncoder(&buf)
	for _, k := range keys {
		o := st.objects[k]
		e := catEntry{Key: k, Size: o.size, Ver: o.version, Mod: o.mod}
		if d := st.data[k]; json.Valid(d) {
			e.Data = d // a malformed object is left to a GET: it stays the reader's error to report
		}
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	Requests.Put.Add(1)
	err := b.bucket.WriteAll(ctx, ckptKey(st.seq), buf.Bytes(), &blob.WriterOptions{ContentType: "application/jsonl", IfNotExist: true})
	if gcerrors.Code(err) == gcerrors.FailedPrecondition {
		return nil // another writer folded the same log
	}
	return err
}

// rebuildCatalog writes a checkpoint from a full listing of the bucket, at the log's head
// (0 for a bucket without a log): what the listing shows is the truth, and the segments
// after the head still apply on top.
func (b *bucketBackend) rebuildCatalog(ctx context.Context) error {
	// The head first, the listing after: every change logged up to the head happened
	// before the listing, and what is logged after it applies on top. Open intents carry
	// over (their writers may change their keys after the listing).
	st := newCatState()
	if cur, err := b.catalogState(ctx); err == nil && cur != nil {
		st.seq, st.intents = cur.seq, cur.intents
	}
	l, err := b.fullList(ctx)
	if err != nil {
		return err
	}
	for k, o := range l.objects {
		if !inCatalog(k) {
			continue
		}
		st.objects[k] = o
		if strings.HasSuffix(k, "/"+runFile) || strings.HasPrefix(k, "overlay/") {
			data, err := b.readCached(ctx, k, o.version)
			if err != nil {
				if gcerrors.Code(err) == gcerrors.NotFound {
					delete(st.objects, k)
					continue
				}
				return errs.E(errs.Internal, "reading %s: %w", k, err)
			}
			st.data[k] = data
		}
	}
	if err := b.putCheckpoint(ctx, st); err != nil {
		return errs.E(errs.Internal, "writing the catalog of %s: %w", b.show, err)
	}
	return nil
}

// entryOf reads an object's catalog entry after a write (a HEAD), with its contents when
// given.
func (b *bucketBackend) entryOf(ctx context.Context, key string, data []byte) (catEntry, error) {
	Requests.Head.Add(1)
	a, err := b.bucket.Attributes(ctx, key)
	if err != nil {
		return catEntry{}, err
	}
	e := catEntry{Key: key, Size: a.Size, Ver: objVersion(a.MD5, a.ModTime, a.Size), Mod: a.ModTime}
	if json.Valid(data) {
		e.Data = data
	}
	return e, nil
}

// RebuildCatalog rewrites a bucket store's catalog checkpoint from a full listing (evals gc
// does it); a local store has none.
func (s *Store) RebuildCatalog() error {
	b, ok := s.be.(*bucketBackend)
	if !ok {
		return nil
	}
	return b.rebuildCatalog(s.ctx)
}

// readCached reads a small object of a version, through the local cache.
func (b *bucketBackend) readCached(ctx context.Context, key, version string) ([]byte, error) {
	cp := b.cachePath("obj", key, version)
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

// ListedRuns is the committed, undeleted runs as a full listing of the bucket shows them
// (never the catalog): what gc and the tests hold the catalog to. On a local store it is
// the folder's listing.
func (s *Store) ListedRuns() ([]string, error) {
	var ids []string
	b, ok := s.be.(*bucketBackend)
	if !ok {
		m, err := s.be.runIDs(s.ctx)
		if err != nil {
			return nil, err
		}
		for id := range m {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		return ids, nil
	}
	l, err := b.fullList(s.ctx)
	if err != nil {
		return nil, err
	}
	for k := range l.objects {
		id, ok := strings.CutSuffix(strings.TrimPrefix(k, "runs/"), "/"+runFile)
		if ok && strings.HasPrefix(k, "runs/") && !strings.Contains(id, "/") {
			if _, deleted := l.objects["trash/"+id]; !deleted {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// compactCatalog removes what no reader needs: checkpoints but the newest two, and the
// segments folded into the older of those, once they are an hour old (a reader that
// listed the older checkpoint a moment ago still finds its segments).
func (b *bucketBackend) compactCatalog(ctx context.Context) error {
	var ckpts []*blob.ListObject
	iter := b.bucket.List(&blob.ListOptions{Prefix: catCkptPrefix})
	Requests.List.Add(1)
	for {
		o, err := iter.Next(ctx)
		if err != nil {
			break
		}
		ckpts = append(ckpts, o)
	}
	if len(ckpts) < 3 {
		return nil
	}
	keep := ckptSeq(ckpts[1].Key) // listed newest first
	for _, o := range ckpts[2:] {
		if time.Since(o.ModTime) > time.Hour {
			Requests.Delete.Add(1)
			_ = b.bucket.Delete(ctx, o.Key)
		}
	}
	for _, prefix := range []string{catDeltaPrefix, catLogPrefix} {
		b.compactBelow(ctx, prefix, keep)
	}
	return nil
}

// compactBelow removes the deltas or segments of seq up to keep, once an hour old.
func (b *bucketBackend) compactBelow(ctx context.Context, prefix string, keep int64) {
	iter := b.bucket.List(&blob.ListOptions{Prefix: prefix})
	Requests.List.Add(1)
	for {
		o, err := iter.Next(ctx)
		if err != nil {
			break
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(o.Key[strings.LastIndexByte(o.Key, '/')+1:], ".json"), 10, 64)
		if prefix == catDeltaPrefix {
			n = maxSeq - n
		}
		if err == nil && n <= keep && time.Since(o.ModTime) > time.Hour {
			Requests.Delete.Add(1)
			_ = b.bucket.Delete(ctx, o.Key)
		}
	}
}

// MaintainCatalog rewrites a bucket store's catalog from a full listing and removes the
// log it no longer needs (evals gc); a local store has no catalog.
func (s *Store) MaintainCatalog() error {
	b, ok := s.be.(*bucketBackend)
	if !ok {
		return nil
	}
	if err := b.rebuildCatalog(s.ctx); err != nil {
		return err
	}
	return b.compactCatalog(s.ctx)
}

// runsMemo is a listing's runs as the catalog state they come from decoded them.
// runsMemo is the runs of one catalog state, in chunks decoded on every core (10,000 runs
// took 29 ms to decode as one gob stream, the most of a warm `evals runs`).
type runsMemo struct {
	Head   string
	Chunks [][]byte // each a gob-encoded []Run, in order
}

// memoChunks is how many chunks a runs memo is cut into.
const memoChunks = 4

func (b *bucketBackend) runsMemoPath(head string, graded bool) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|graded=%v", head, graded)))
	return b.cachePath("runs", hex.EncodeToString(sum[:12]), "2")
}

// encodeRunsMemo cuts runs into chunks and encodes each.
func encodeRunsMemo(head string, runs []Run) ([]byte, error) {
	chunks, err := encodeRunChunks(runs, memoChunks)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = gob.NewEncoder(&buf).Encode(runsMemo{Head: head, Chunks: chunks})
	return buf.Bytes(), err
}

// decodeRunsMemo decodes a memo's chunks in parallel; ok is false for a memo of another
// head or one that does not decode.
func decodeRunsMemo(raw []byte, head string) ([]Run, bool) {
	var m runsMemo
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&m); err != nil || m.Head != head || len(m.Chunks) == 0 {
		return nil, false
	}
	return decodeRunChunks(m.Chunks)
}

// encodeRunChunks cuts runs into k gob streams, encoded on every core (a memo of
// runs, of a bucket's catalog state or of a large local store).
func encodeRunChunks(runs []Run, k int) ([][]byte, error) {
	chunks := make([][]byte, k)
	var g errgroup.Group
	for i := range k {
		lo, hi := len(runs)*i/k, len(runs)*(i+1)/k
		g.Go(func() error {
			var buf bytes.Buffer
			err := gob.NewEncoder(&buf).Encode(runs[lo:hi])
			chunks[i] = buf.Bytes()
			return err
		})
	}
	return chunks, g.Wait()
}

// decodeRunChunks decodes what encodeRunChunks wrote, on every core, in order.
func decodeRunChunks(chunks [][]byte) ([]Run, bool) {
	parts := make([][]Run, len(chunks))
	var g errgroup.Group
	for i, c := range chunks {
		g.Go(func() error { return gob.NewDecoder(bytes.NewReader(c)).Decode(&parts[i]) })
	}
	if g.Wait() != nil {
		return nil, false
	}
	return slices.Concat(parts...), true
}

// loadRuns reads the runs decoded for the catalog's current heads, if a command saved
// them: the heads name immutable objects, so the same heads list the same runs.
func (b *bucketBackend) loadRuns(ctx context.Context, graded bool) ([]Run, bool) {
	h, err := b.heads(ctx)
	if err != nil || h.ckpt == "" {
		return nil, false
	}
	path := b.runsMemoPath(h.key(), graded)
	b.memo.mu.Lock()
	if b.memo.runsPath == path {
		runs := slices.Clone(b.memo.runs)
		b.memo.mu.Unlock()
		return runs, true
	}
	b.memo.mu.Unlock()
	raw, ok := cacheGet(path)
	if !ok {
		return nil, false
	}
	runs, ok := decodeRunsMemo(raw, h.key())
	if !ok {
		return nil, false
	}
	b.memo.mu.Lock()
	b.memo.runsPath, b.memo.runs = path, runs
	b.memo.mu.Unlock()
	return slices.Clone(runs), true
}

// saveRuns keeps the runs of the listing just made, when that listing depends on its
// catalog state alone (no open intent).
func (b *bucketBackend) saveRuns(graded bool, runs []Run) {
	b.mu.Lock()
	l := b.listing
	b.mu.Unlock()
	if l == nil || l.head == "" || b.cache == "" {
		return
	}
	if raw, err := encodeRunsMemo(l.head, runs); err == nil {
		cachePut(b.runsMemoPath(l.head, graded), raw)
	}
}
