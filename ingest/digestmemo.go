package ingest

import (
	"bytes"
	"cmp"
	"encoding/gob"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/evals-dev/evals/store"
)

// The digest memo remembers, in the user cache (evals/imports.gob), the digest of each file
// imported by path with the file's stamp (device, inode, size, mtime) when it was read, so
// that importing an unchanged file again is known for a duplicate from one stat instead
// of reading it all (a 670 MB file: 0.45 s).
//
// A stamp says a file is unchanged only when a change would have moved its mtime: a file
// rewritten in place within its filesystem's mtime granularity keeps size and mtime. So,
// as git does with racily clean files, an entry is trusted only when its digest was taken
// at least memoRacy after the mtime it holds: a later write then has a later mtime even
// at a granularity of two seconds. A file imported just after it was written is digested
// again the next time, and then remembered for good.
type digestEntry struct {
	Stamp  store.FileStamp
	Digest string
	Taken  int64 // unix ns when the read that made the digest began
}

const (
	memoRacy       = 3 * time.Second
	memoMaxEntries = 4096 // the newest kept: a few hundred KB
)

// digestMemoPath is the memo's file, "" when there is no user cache.
func digestMemoPath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "evals", "imports.gob")
}

func loadDigestMemo(path string) map[string]digestEntry {
	m := map[string]digestEntry{}
	raw, err := os.ReadFile(path)
	if err != nil {
		return m
	}
	if gob.NewDecoder(bytes.NewReader(raw)).Decode(&m) != nil {
		return map[string]digestEntry{} // a broken memo is an empty one
	}
	return m
}

// fileState is a source file's absolute path and its stamp, taken before it is read.
type fileState struct {
	abs     string
	stamp   store.FileStamp
	taken   time.Time
	regular bool // a regular file (not a pipe or a device, which can be read only once)
}

func stateOf(path string) fileState {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fileState{}
	}
	st := fileState{abs: abs, taken: time.Now()}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		st.stamp, st.regular = store.StampOf(fi), true
	}
	return st
}

// knownDigest is the digest the memo holds for the file in state st, "" when it has none
// it can trust.
func knownDigest(st fileState) string {
	if !st.stamp.Valid {
		return ""
	}
	p := digestMemoPath()
	if p == "" {
		return ""
	}
	e, ok := loadDigestMemo(p)[st.abs]
	if !ok || e.Stamp != st.stamp || e.Taken-e.Stamp.Nsec < int64(memoRacy) {
		return ""
	}
	return e.Digest
}

// rememberDigest records the digest of the file read from state st, when the file has not
// changed since (its stamp now is the one taken before the read). Losing an entry to
// another process writing the memo at the same time only costs a digest later.
func rememberDigest(st fileState, digest string) {
	if !st.stamp.Valid || digest == "" {
		return
	}
	if fi, err := os.Stat(st.abs); err != nil || store.StampOf(fi) != st.stamp {
		return
	}
	p := digestMemoPath()
	if p == "" {
		return
	}
	m := loadDigestMemo(p)
	m[st.abs] = digestEntry{Stamp: st.stamp, Digest: digest, Taken: st.taken.UnixNano()}
	if len(m) > memoMaxEntries {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int { return cmp.Compare(m[b].Taken, m[a].Taken) })
		for _, k := range keys[memoMaxEntries:] {
			delete(m, k)
		}
	}
	var buf bytes.Buffer
	if gob.NewEncoder(&buf).Encode(m) != nil {
		return
	}
	_ = os.MkdirAll(filepath.Dir(p), 0o755)
	tmp, err := os.CreateTemp(filepath.Dir(p), ".imports-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(buf.Bytes())
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), p) != nil {
		os.Remove(tmp.Name())
	}
}
