//go:build !unix

package store

import "os"

// fileStamp off Unix is never valid: a local store there keeps no memo of its runs (a
// file's identity is not in its stat).
type fileStamp struct {
	Dev, Ino   uint64
	Size, Nsec int64
	Valid      bool
}

func stampOf(os.FileInfo) fileStamp { return fileStamp{} }
