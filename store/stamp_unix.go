//go:build unix

package store

import (
	"os"
	"syscall"
)

// FileStamp says which file a path names and whether it changed: device and inode, size,
// modification time.
type FileStamp struct {
	Dev, Ino   uint64
	Size, Nsec int64
	Valid      bool
}

// StampOf is the stamp of a file's stat (not Valid where the stat has no device and inode).
func StampOf(fi os.FileInfo) FileStamp {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return FileStamp{}
	}
	return FileStamp{Dev: uint64(st.Dev), Ino: uint64(st.Ino), Size: fi.Size(), Nsec: fi.ModTime().UnixNano(), Valid: true}
}
