//go:build !unix

package store

import "os"

// FileStamp off Unix is never valid: a local store there keeps no memo of its runs (a
// file's identity is not in its stat).
type FileStamp struct {
	Dev, Ino   uint64
	Size, Nsec int64
	Valid      bool
}

// StampOf is never Valid off Unix.
func StampOf(os.FileInfo) FileStamp { return FileStamp{} }
