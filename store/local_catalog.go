package store

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// The runs of a local store as decoded from their run.json, kept in the user cache
// (evals/local/<store>/runs.gob) with each run.json's stamp (device and inode, size,
// modification time). A command lists every run of the store: with 10,000 runs reading and
// decoding each run.json took 300 ms of every command. A run is taken from the memo only
// when its run.json's stamp now is the one it was read under (a run.json is never written
// in place: a run is published and replaced by renaming a folder into runs/), else it is
// read again; a stamp is taken before its file is read, so a file that changes while it is
// read only makes the next command read it again. Human verdicts and edits (the overlay)
// are applied after, on every read. Stores of fewer than memoMinRuns runs keep no memo.
type localMemo struct {
	path string
	mu   sync.Mutex
	old  map[string]memoEntry
	// now holds this listing's runs and stamps, as read (before the overlay).
	now     map[string]memoEntry
	changed bool
}

type memoEntry struct {
	Stamp FileStamp
	Run   Run
}

// memoMinRuns is the fewest runs a store keeps a memo for (a smaller listing is fast).
const memoMinRuns = 64

// localMemoHead is the start of runs.gob: stamps and ids in order, and the lengths of the
// chunks that follow it, raw, each a gob-encoded []Run in ids order, decoded on every core
// straight from the file's bytes (a gob of the chunks copied all 24 MB of a 10,000-run memo
// once more).
type localMemoHead struct {
	Version int
	IDs     []string
	Stamps  []FileStamp
	// Created is each run's creation time: the newest runs are known from the head alone
	// (latestFast).
	Created []time.Time
	Chunks  []int
}

const localMemoVersion = 3

// memoFor opens the memo of a listing of n runs (nil when the store is small or the user
// cache is unavailable).
func (l *localBackend) memoFor(n int) *localMemo {
	if n < memoMinRuns {
		return nil
	}
	path := l.memoPath()
	if path == "" {
		return nil
	}
	m := &localMemo{path: path, now: map[string]memoEntry{}}
	m.old = loadLocalMemo(m.path)
	return m
}

// memoPath is where the store's memo is kept, "" without a user cache.
func (l *localBackend) memoPath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	abs, err := filepath.Abs(l.root)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, "evals", "local", hex.EncodeToString(sum[:8]), "runs.gob")
}

// memoFile is a memo's head and its chunks, not yet decoded: held (readMemoFile, for a
// listing, which decodes them all) or read when needed (readMemoHead, for latest~N, which
// decodes one or two: the chunks of 10,000 runs are 24 MB).
type memoFile struct {
	head   localMemoHead
	chunks [][]byte
	// Where the chunks are not held: the file, its stamp when the head was read (a memo
	// rewritten since is not read from), and where each chunk starts.
	path  string
	stamp FileStamp
	offs  []int64
}

func readMemoFile(path string) (memoFile, bool) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return memoFile{}, false
	}
	r := bytes.NewReader(raw)
	var m memoFile
	if !m.decodeHead(r) {
		return memoFile{}, false
	}
	at := len(raw) - r.Len()
	m.chunks = make([][]byte, len(m.head.Chunks))
	for i, n := range m.head.Chunks {
		if at+n > len(raw) {
			return memoFile{}, false
		}
		m.chunks[i], at = raw[at:at+n], at+n
	}
	return m, true
}

// readMemoHead reads a memo's head only.
func readMemoHead(path string) (memoFile, bool) {
	f, err := os.Open(path)
	if err != nil {
		return memoFile{}, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return memoFile{}, false
	}
	m := memoFile{path: path, stamp: StampOf(fi)}
	cr := &countReader{r: f}
	br := bufio.NewReaderSize(cr, 256<<10)
	if !m.stamp.Valid || !m.decodeHead(br) {
		return memoFile{}, false
	}
	at := cr.n - int64(br.Buffered())
	for _, n := range m.head.Chunks {
		m.offs = append(m.offs, at)
		at += int64(n)
	}
	return m, at <= fi.Size()
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (m *memoFile) decodeHead(r io.Reader) bool {
	h := &m.head
	if gob.NewDecoder(r).Decode(h) != nil || h.Version != localMemoVersion || len(h.IDs) != len(h.Stamps) || len(h.IDs) != len(h.Created) {
		return false
	}
	return !slices.ContainsFunc(h.Chunks, func(n int) bool { return n < 0 })
}

// chunk is chunk i's bytes.
func (m memoFile) chunk(i int) ([]byte, bool) {
	if m.chunks != nil {
		return m.chunks[i], true
	}
	f, err := os.Open(m.path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || StampOf(fi) != m.stamp {
		return nil, false
	}
	b := make([]byte, m.head.Chunks[i])
	_, err = f.ReadAt(b, m.offs[i])
	return b, err == nil
}

// runAt decodes the chunk that holds the k-th run of the head (chunks as encodeRunChunks
// cuts them), keeping what it decoded in decoded.
func (m memoFile) runAt(k int, decoded map[int][]Run) (Run, bool) {
	n, k2 := len(m.head.IDs), len(m.head.Chunks)
	for i := range k2 {
		lo, hi := n*i/k2, n*(i+1)/k2
		if k < lo || k >= hi {
			continue
		}
		runs, ok := decoded[i]
		if !ok {
			b, ok := m.chunk(i)
			if !ok || gob.NewDecoder(bytes.NewReader(b)).Decode(&runs) != nil || len(runs) != hi-lo {
				return Run{}, false
			}
			decoded[i] = runs
		}
		return runs[k-lo], runs[k-lo].ID == m.head.IDs[k]
	}
	return Run{}, false
}

func loadLocalMemo(path string) map[string]memoEntry {
	m, ok := readMemoFile(path)
	if !ok {
		return nil
	}
	runs, ok := decodeRunChunks(m.chunks)
	if !ok {
		return nil
	}
	if len(runs) != len(m.head.IDs) {
		return nil
	}
	out := make(map[string]memoEntry, len(runs))
	for i, id := range m.head.IDs {
		out[id] = memoEntry{m.head.Stamps[i], runs[i]}
	}
	return out
}

// read answers run id from the memo when its run.json is unchanged, else reads it (its
// stamp taken first) with read.
func (m *localMemo) read(path, id string, read func() (Run, error)) (Run, error) {
	st, err := os.Stat(path)
	if err != nil {
		return read() // missing or unreadable: the read says how
	}
	stamp := StampOf(st)
	if e, ok := m.old[id]; ok && e.Stamp == stamp && stamp.Valid {
		m.keep(id, e)
		return e.Run, nil
	}
	r, err := read()
	if err == nil && stamp.Valid {
		m.mu.Lock()
		m.changed = true
		m.mu.Unlock()
		m.keep(id, memoEntry{stamp, r})
	}
	return r, err
}

func (m *localMemo) keep(id string, e memoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now[id] = e
}

// save writes the memo when this listing read a run the memo did not hold, or the memo
// holds a run that is gone (a write that fails is no error: the memo is only a cache).
func (m *localMemo) save(ids []string) {
	if !m.changed && len(m.now) == len(m.old) {
		return
	}
	h := localMemoHead{Version: localMemoVersion}
	var runs []Run
	for _, id := range ids {
		if e, ok := m.now[id]; ok {
			h.IDs, h.Stamps, runs = append(h.IDs, id), append(h.Stamps, e.Stamp), append(runs, e.Run)
			h.Created = append(h.Created, e.Run.CreatedAt)
		}
	}
	// Chunks of about 128 runs: latest~n decodes the one it needs (latestFast).
	chunks, err := encodeRunChunks(runs, max(memoChunks, len(runs)/128))
	if err != nil {
		return
	}
	for _, c := range chunks {
		h.Chunks = append(h.Chunks, len(c))
	}
	var buf bytes.Buffer
	if gob.NewEncoder(&buf).Encode(h) == nil {
		cachePut(m.path, slices.Concat(append([][]byte{buf.Bytes()}, chunks...)...))
	}
}
