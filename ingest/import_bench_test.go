package ingest

import (
	"context"
	"os"
	"testing"
)

// BenchmarkImportNative imports EVALS_BENCH_JSONL (a native file, e.g. from bench
// gen-jsonl) into a fresh store per iteration: allocations and CPU of the whole pipeline.
//
//	EVALS_BENCH_JSONL=/tmp/in.jsonl go test ./ingest -run '^$' -bench ImportNative -benchmem -memprofile mem.prof
func BenchmarkImportNative(b *testing.B) {
	path := os.Getenv("EVALS_BENCH_JSONL")
	if path == "" {
		b.Skip("EVALS_BENCH_JSONL names a native JSONL file")
	}
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ImportNative(context.Background(), b.TempDir(), path, f, Options{}); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
