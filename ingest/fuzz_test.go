package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// The fuzzers feed each importer arbitrary bytes as a file of its format. An import may
// fail, with a coded error that is not internal, and then leaves nothing behind; when it
// succeeds every run it wrote reads back. Nothing panics. Seeds: the importer's fixtures,
// hostile cases below, and testdata/fuzz/<Fuzzer>/ (where go test keeps what it finds).
// .ci/run runs each for a few seconds; longer by hand:
//
//	go test ./ingest -run '^$' -fuzz '^FuzzNative$' -fuzztime 60s

var hostileSeeds = []string{
	``, `{}`, `[]`, `null`, `[1,2,3]`, "\xef\xbb\xbf{}", `{"results":`, `{"results":{"results":[{"testIdx":-1}]}}`,
	`{"stimulus":"s","model":"m","trial":2147483648}`, `{"stimulus":"s","model":"m","usage":{"inputTokens":9223372036854775807,"outputTokens":1}}`,
	`{"items":[{"stimulusName":"s","model":"m","trialIndex":-5}],"page":{"total":99999999999}}`,
	`{"result_items":[{"datapoint_id":"d","score":1e308,"latency_ms":-1,"tokens":-5}],"total":-3,"scoring":"LlmJudge"}`,
	`{"resultsByRecord":{"r":[{"durationMs":1e300,"promptTokens":9223372036854775807,"completionTokens":9223372036854775807}]}}`,
	`{"evaluationResults":[{"evaluationId":"e","exampleId":"x","status":"passed","score":-1,"startedAt":"2026-01-01T00:00:00Z","completedAt":"1999-01-01T00:00:00Z"}],"total":5}`,
	`{"results":[{"function":"f","result":{"latency":-1e308,"scores":[{"key":"k","value":"NaN"}]}}],"total_evaluations":-1,"run_name":"x"}`,
	`{"tasks":[{"test_id":"t","runs":[{"run_number":-2147483648,"duration_ms":1e30}]}],"eval_name":"x"}`,
	`{"eval":{"task":"t","model":"m"},"samples":[{"id":1,"epoch":-9,"total_time":1e300}],"results":{"completed_samples":-1}}`,
}

func fuzzFormat(f *testing.F, format, ext string, fixtures ...string) {
	for _, p := range fixtures {
		if b, err := os.ReadFile(filepath.Join(fixtures0, p)); err == nil {
			f.Add(b)
		}
	}
	for _, s := range hostileSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		src := filepath.Join(dir, "in", "file"+ext)
		os.MkdirAll(filepath.Dir(src), 0o755)
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		root := filepath.Join(dir, "store")
		res, err := ImportFile(context.Background(), root, src, format, Options{MaxLine: 1 << 20})
		if err != nil {
			if c := errs.CodeOf(err); c == errs.Internal || c == "" {
				t.Fatalf("an import error without a code: %v", err)
			}
			if strings.Contains(err.Error(), "ingest.") || strings.Contains(err.Error(), "store.") {
				t.Fatalf("a Go name in the error: %v", err)
			}
			entries, _ := os.ReadDir(filepath.Join(root, "runs"))
			if len(entries) > 0 {
				t.Fatalf("a failed import left %d runs", len(entries))
			}
			return
		}
		s := store.Open(root)
		for _, r := range res {
			got, err := s.Run(r.Run.ID)
			if err != nil {
				t.Fatalf("run %s does not read back: %v", r.Run.ID, err)
			}
			for i := int64(0); i < min(got.Summary.OutcomeCount, 3); i++ {
				if _, err := s.Outcome(store.OutcomeID(got.ID, i), true); err != nil {
					t.Fatalf("outcome %d of %s: %v", i, got.ID, err)
				}
			}
		}
	})
}

const fixtures0 = "../testdata/harness"

func FuzzNative(f *testing.F) { fuzzFormat(f, FormatNative, ".jsonl") }
func FuzzInspect(f *testing.F) {
	fuzzFormat(f, FormatInspect, ".json", "inspect/log_read_sample.json")
}
func FuzzPromptfoo(f *testing.F) {
	fuzzFormat(f, FormatPromptfoo, ".json", "promptfoo/sample-export.json", "promptfoo/eval-object.json")
}
func FuzzLMEval(f *testing.F) {
	fuzzFormat(f, FormatLMEval, ".json", "lm-eval/gpt-4o/results_2024-12-23T14-29-31.806745.json")
}
func FuzzWaza(f *testing.F) { fuzzFormat(f, FormatWaza, ".json", "waza/azure-deploy-claude.json") }
func FuzzReference(f *testing.F) {
	// One fuzzer for the five reference systems: the bytes pick the format by their shape,
	// as detection does; undetected bytes are tried as each format in turn.
	for _, p := range []string{"vally/outcomes-r-2026-11-01-1.json", "ezvals/export-baseline.json", "evallist/page-1.json",
		"runtype/eval-b7f3c9d2.json", "traceway/eval-01JA.json"} {
		if b, err := os.ReadFile(filepath.Join(fixtures0, p)); err == nil {
			f.Add(b)
		}
	}
	for _, s := range hostileSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range ReferenceFormats {
			dir := t.TempDir()
			src := filepath.Join(dir, "in", "file.json")
			os.MkdirAll(filepath.Dir(src), 0o755)
			os.WriteFile(src, data, 0o644)
			root := filepath.Join(dir, "store")
			if _, err := ImportFile(context.Background(), root, src, format, Options{}); err != nil {
				if c := errs.CodeOf(err); c == errs.Internal || c == "" {
					t.Fatalf("%s: an import error without a code: %v", format, err)
				}
				if entries, _ := os.ReadDir(filepath.Join(root, "runs")); len(entries) > 0 {
					t.Fatalf("%s: a failed import left %d runs", format, len(entries))
				}
			}
		}
	})
}
