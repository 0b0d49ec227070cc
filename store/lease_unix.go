//go:build unix

package store

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// holdLease creates path and holds an exclusive advisory lock on it until unlock; the
// system drops the lock when the process ends, however it ends. The lease is locked
// before it has its name (made under a temporary one, then renamed): created first and
// locked after, a sweeper looking in between found it free and removed a live writer's
// folder (TestStagingRacesASweeper).
func holdLease(path string) (unlock func(), err error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".new*")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (func(), error) {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return fail(err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fail(err)
	}
	return func() { _ = f.Close() }, nil
}

// leaseFree reports whether nobody holds the lease at path (its writer is gone).
func leaseFree(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return false
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return true
}
