package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// The numeric columns of an outcome under three codecs. BenchmarkScanCodec measures what a
// projected aggregate scan pays for each, and reports bytes per row.
type numSnappy struct {
	Model    string `parquet:"model,dict,snappy"`
	Passed   *bool  `parquet:"passed,optional,snappy"`
	Duration int64  `parquet:"duration_ms,snappy"`
	Turns    int32  `parquet:"turns,snappy"`
	Tokens   int64  `parquet:"total_tokens,snappy"`
}

type numPlain struct {
	Model    string `parquet:"model,dict,uncompressed"`
	Passed   *bool  `parquet:"passed,optional,uncompressed"`
	Duration int64  `parquet:"duration_ms,uncompressed"`
	Turns    int32  `parquet:"turns,uncompressed"`
	Tokens   int64  `parquet:"total_tokens,uncompressed"`
}

type numZstd struct {
	Model    string `parquet:"model,dict,zstd"`
	Passed   *bool  `parquet:"passed,optional,zstd"`
	Duration int64  `parquet:"duration_ms,zstd"`
	Turns    int32  `parquet:"turns,zstd"`
	Tokens   int64  `parquet:"total_tokens,zstd"`
}

type numDelta struct {
	Model    string `parquet:"model,dict,uncompressed"`
	Passed   *bool  `parquet:"passed,optional,uncompressed"`
	Duration int64  `parquet:"duration_ms,delta,uncompressed"`
	Turns    int32  `parquet:"turns,delta,uncompressed"`
	Tokens   int64  `parquet:"total_tokens,delta,uncompressed"`
}

func writeCodecFile[T any](b *testing.B, path string, n int, mk func(i int, r *rand.Rand) T) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f, parquet.MaxRowsPerRowGroup(chunkOutcomes))
	r := rand.New(rand.NewPCG(1, 2))
	rows := make([]T, 0, 4096)
	for i := 0; i < n; i++ {
		rows = append(rows, mk(i, r))
		if len(rows) == cap(rows) {
			w.Write(rows)
			rows = rows[:0]
		}
	}
	w.Write(rows)
	w.Close()
	st, _ := f.Stat()
	f.Close()
	return st.Size()
}

func BenchmarkScanCodec(b *testing.B) {
	const n = 1_000_000
	root := b.TempDir()
	dir := filepath.Join(root, "runs", "x")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	vals := func(i int, r *rand.Rand) (string, *bool, int64, int32, int64) {
		p := r.IntN(2) == 0
		return fmt.Sprintf("model-%d", i/125000), &p, int64(1000 + r.IntN(60000)), int32(1 + r.IntN(20)), int64(r.IntN(40000))
	}
	files := map[string]int64{
		"snappy": writeCodecFile(b, filepath.Join(dir, "snappy"), n, func(i int, r *rand.Rand) numSnappy {
			m, p, d, t, k := vals(i, r)
			return numSnappy{m, p, d, t, k}
		}),
		"uncompressed": writeCodecFile(b, filepath.Join(dir, "uncompressed"), n, func(i int, r *rand.Rand) numPlain {
			m, p, d, t, k := vals(i, r)
			return numPlain{m, p, d, t, k}
		}),
		"zstd": writeCodecFile(b, filepath.Join(dir, "zstd"), n, func(i int, r *rand.Rand) numZstd {
			m, p, d, t, k := vals(i, r)
			return numZstd{m, p, d, t, k}
		}),
		"delta": writeCodecFile(b, filepath.Join(dir, "delta"), n, func(i int, r *rand.Rand) numDelta {
			m, p, d, t, k := vals(i, r)
			return numDelta{m, p, d, t, k}
		}),
	}
	for _, name := range []string{"uncompressed", "snappy", "zstd", "delta"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				var sum int64
				err := Open(root).scanFile("x", name, []string{"model", "passed", "duration_ms", "turns", "total_tokens"}, scanSpec{hi: math.MaxInt64}, func(bt *Batch) error {
					for _, v := range bt.Int("duration_ms") {
						sum += v
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(files[name])/n, "bytes/row")
		})
	}
}

// BenchmarkScanProjected scans model, passed and duration_ms of every outcome of the store
// named by EVALS_BENCH_STORE (made by bench/import.sh or bench gen-store).
func BenchmarkScanProjected(b *testing.B) {
	dir := os.Getenv("EVALS_BENCH_STORE")
	if dir == "" {
		b.Skip("set EVALS_BENCH_STORE")
	}
	s := Open(dir)
	runs, _, err := s.Runs()
	if err != nil {
		b.Fatal(err)
	}
	var rows int64
	for b.Loop() {
		rows = 0
		for _, r := range runs {
			err := s.Scan(r.ID, Outcomes, []string{"model", "passed", "duration_ms"}, func(bt *Batch) error {
				rows += int64(bt.N)
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(rows), "outcomes")
}
