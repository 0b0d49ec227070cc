//go:build !linux

package store

import "os"

// readOnlyAsked: no readahead advice off Linux.
func readOnlyAsked(*os.File) {}
