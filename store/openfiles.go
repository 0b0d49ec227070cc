package store

import (
	"os"
	"runtime"
	"sync"

	"github.com/parquet-go/parquet-go"
)

// openFiles keeps a local store's Parquet files open with their footers decoded, so a file
// read by several scans (a page of outcomes reads a run's outcomes three times and its
// grader rows twice; a server reads the same runs all day) decodes its footer once: on a
// page over 100 runs of the 10M store, decoding footers was a fifth of the time.
//
// A run's files are never changed in place (a replaced run is a new folder: new files),
// and each open checks the path's identity (device and inode, size, modification time),
// so a replaced, deleted or trashed file is never answered from the cache. Entries are
// dropped least recently used first once their footers' estimated memory passes budget; a
// dropped file is closed when its last reader is done. Off Unix nothing is kept open (an
// open file there blocks the renames that trash and replace runs).
//
// Long-lived processes keep files open (Store.KeepFilesOpen: serve, mcp, the explorer), and
// `evals outcomes` the small files it reads twice; other commands read most files once, and
// 100 decoded footers of the 10M store hold 43 MB (an all-runs matrix kept them from 110 to
// 200 MB for nothing). A kept *parquet.File is read by concurrent scans (each makes its own
// page readers); TestKeepFilesOpenConcurrent runs them under the race detector.
type openFiles struct {
	mu      sync.Mutex
	entries map[string]*openFile
	clock   uint64
	bytes   int64
	budget  int64
	largest int64 // the costliest footer kept
}

// openFile is one cached file; refs counts the scans reading it.
type openFile struct {
	path    string
	st      os.FileInfo
	obj     *localObject
	pf      *parquet.File
	cost    int64
	refs    int
	dropped bool
	used    uint64
}

// footerCost estimates the memory a decoded footer of n bytes holds (measured: 100
// outcomes footers of 42.8 KB each, 100,000 outcomes per run, held 42.6 MB).
func footerCost(n int64) int64 { return 10*n + 4<<10 }

func newOpenFiles() *openFiles { return &openFiles{entries: map[string]*openFile{}} }

// KeepFilesOpen lets a local store keep its Parquet files open, their decoded footers
// holding up to budget bytes (estimated), none of more than largest; 0 keeps none. It is for
// processes that answer many questions (a server): a command reads most files once.
func (s *Store) KeepFilesOpen(budget, largest int64) {
	lb, ok := s.be.(*localBackend)
	if !ok || runtime.GOOS == "windows" {
		return
	}
	c := lb.files
	c.mu.Lock()
	defer c.mu.Unlock()
	c.budget, c.largest = budget, largest
	c.evict(nil)
}

// keeping says whether files are kept open at all.
func (c *openFiles) keeping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.budget > 0
}

// sameFile reports whether two stats are of the same, unchanged file.
func sameFile(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// get answers the open file at path when it is cached and unchanged (st is the path's
// stat now), counting a reader.
func (c *openFiles) get(path string, st os.FileInfo) (*cachedObject, *parquet.File, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[path]
	if e == nil || !sameFile(e.st, st) {
		return nil, nil, false
	}
	e.refs++
	c.clock++
	e.used = c.clock
	return &cachedObject{localObject: e.obj, c: c, e: e}, e.pf, true
}

// put caches a file just opened and counts its reader; it drops older entries past the
// budget, and what it replaces.
func (c *openFiles) put(path string, st os.FileInfo, obj *localObject, pf *parquet.File, footer int64) object {
	e := &openFile{path: path, st: st, obj: obj, pf: pf, cost: footerCost(footer), refs: 1}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.cost > min(c.budget, c.largest) {
		return obj // too big to keep: the caller's alone
	}
	if old := c.entries[path]; old != nil {
		c.drop(old)
	}
	c.clock++
	e.used = c.clock
	c.entries[path] = e
	c.bytes += e.cost
	c.evict(e)
	return &cachedObject{localObject: obj, c: c, e: e}
}

// evict drops the least recently used entries but keep until the budget holds.
func (c *openFiles) evict(keep *openFile) {
	for c.bytes > c.budget {
		var lru *openFile
		for _, x := range c.entries {
			if x != keep && (lru == nil || x.used < lru.used) {
				lru = x
			}
		}
		if lru == nil {
			return
		}
		c.drop(lru)
	}
}

// drop forgets an entry; its file closes now or when its last reader is done.
func (c *openFiles) drop(e *openFile) {
	delete(c.entries, e.path)
	c.bytes -= e.cost
	e.dropped = true
	if e.refs == 0 {
		e.obj.Close()
	}
}

// cachedObject is a reader's hold on a cached file: Close lets go of it.
type cachedObject struct {
	*localObject
	c    *openFiles
	e    *openFile
	once sync.Once
}

func (o *cachedObject) Close() error {
	o.once.Do(func() {
		o.c.mu.Lock()
		defer o.c.mu.Unlock()
		if o.e.refs--; o.e.refs == 0 && o.e.dropped {
			o.e.obj.Close()
		}
	})
	return nil
}
