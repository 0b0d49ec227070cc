//go:build unix

package store

import (
	"os"
	"syscall"
)

// fileStamp says which file a path names and whether it changed: device and inode, size,
// modification time.
type fileStamp struct {
	Dev, Ino   uint64
	Size, Nsec int64
	Valid      bool
}

func stampOf(fi os.FileInfo) fileStamp {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStamp{}
	}
	return fileStamp{Dev: uint64(st.Dev), Ino: uint64(st.Ino), Size: fi.Size(), Nsec: fi.ModTime().UnixNano(), Valid: true}
}
