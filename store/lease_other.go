//go:build !unix

package store

import (
	"os"
	"time"
)

// holdLease creates the lease file; without advisory locks a lease is judged by the age
// of the file, which the writer does not refresh: leftovers go after a day.
func holdLease(path string) (unlock func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	f.Close()
	return func() {}, nil
}

func leaseFree(path string) bool {
	info, err := os.Stat(path)
	return err == nil && time.Since(info.ModTime()) > 24*time.Hour
}
