// Package decoders measures JSON decoders on the native import's line shape, to choose by
// numbers (issue 15): go test ./decoders -bench . -benchmem (needs bench/import.sh's file).
package decoders

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/bytedance/sonic"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	goccy "github.com/goccy/go-json"

	"github.com/evals-dev/evals/ingest"
)

func lines(b *testing.B) [][]byte {
	path := os.Getenv("EVALS_BENCH_JSONL")
	if path == "" {
		path = "/tmp/evals-import-bench/in.jsonl"
	}
	f, err := os.Open(path)
	if err != nil {
		b.Skip("no JSONL: run bench/import.sh first")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var out [][]byte
	for sc.Scan() && len(out) < 20000 {
		if len(out) == 0 && sc.Bytes()[2] == 't' { // the header
			out = append(out, nil)
			continue
		}
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out[1:]
}

func run(b *testing.B, dec func([]byte, *ingest.Line) error) {
	ls := lines(b)
	var n int64
	for _, l := range ls {
		n += int64(len(l))
	}
	b.SetBytes(n)
	b.ResetTimer()
	for b.Loop() {
		for _, l := range ls {
			var x ingest.Line
			if err := dec(l, &x); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(ls))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkEncodingJSON(b *testing.B) {
	run(b, func(l []byte, x *ingest.Line) error { return json.Unmarshal(l, x) })
}
func BenchmarkGoccy(b *testing.B) {
	run(b, func(l []byte, x *ingest.Line) error { return goccy.Unmarshal(l, x) })
}
func BenchmarkJSONv2(b *testing.B) {
	run(b, func(l []byte, x *ingest.Line) error { return jsonv2.Unmarshal(l, x) })
}
func BenchmarkSonic(b *testing.B) {
	run(b, func(l []byte, x *ingest.Line) error { return sonic.Unmarshal(l, x) })
}

// v1Compatible are the options the native importer uses: names matched without regard to
// case, duplicate names and invalid UTF-8 accepted, as encoding/json did.
var v1Compatible = jsonv2.JoinOptions(jsonv2.MatchCaseInsensitiveNames(true), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

func BenchmarkJSONv2Compatible(b *testing.B) {
	run(b, func(l []byte, x *ingest.Line) error { return jsonv2.Unmarshal(l, x, v1Compatible) })
}
