package ingest

import (
	"archive/zip"
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
	"github.com/klauspost/compress/zstd"
)

const fixtures = "../testdata/harness"

func TestDetect(t *testing.T) {
	cases := map[string]string{
		"inspect/log_read_sample.json":                                       FormatInspect,
		"inspect/log_formats.eval":                                           FormatInspect,
		"promptfoo/sample-export.json":                                       FormatPromptfoo,
		"waza/code-explainer-gpt4o.json":                                     FormatWaza,
		"lm-eval/gpt-4o/results_2024-12-23T14-29-31.806745.json":             FormatLMEval,
		"lm-eval/gpt-4o/samples_winogrande_2024-12-23T14-29-31.806745.jsonl": "",
		"vally/outcomes-r-2026-11-01-1.json":                                 FormatVally,
		"vally/runs.json":                                                    FormatVally,
		"vally/outcome-r-2026-11-01-0000001.json":                            FormatVally,
		"vally/trajectory-r-2026-11-01-0000001.json":                         FormatVally,
		"ezvals/export-baseline.json":                                        FormatEZVals,
		"ezvals/results-candidate.json":                                      FormatEZVals,
		"evallist/page-1.json":                                               FormatEvalList,
		"runtype/eval-b7f3c9d2.json":                                         FormatRuntype,
		"traceway/eval-01JA.json":                                            FormatTraceway,
	}
	for p, want := range cases {
		got, err := Detect(filepath.Join(fixtures, p))
		if err != nil || got != want {
			t.Errorf("Detect(%s) = %q, %v; want %q", p, got, err, want)
		}
	}
}

func outcomesOf(t *testing.T, root string, run store.Run) []*store.Outcome {
	t.Helper()
	var out []*store.Outcome
	for i := int64(0); i < run.Summary.OutcomeCount; i++ {
		o, err := store.Open(root).Outcome(store.OutcomeID(run.ID, i), true)
		if err != nil {
			t.Fatal(err)
		}
		o.ID, o.RunID = "", ""
		out = append(out, o)
	}
	return out
}

// TestInspectZstdTwin: a .eval whose entries are zstd-compressed (zip method 93, as Inspect
// writes since 0.3.206) imports exactly like its DEFLATE twin.
func TestInspectZstdTwin(t *testing.T) {
	src := filepath.Join(fixtures, "inspect/log_read_sample.eval")
	twin := filepath.Join(t.TempDir(), "log_read_sample_zstd.eval")
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, _ := os.Create(twin)
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(93, func(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) })
	for _, e := range zr.File {
		r, _ := e.Open()
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: 93})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(w, r)
		r.Close()
	}
	zw.Close()
	f.Close()
	if b, _ := os.ReadFile(twin); !strings.Contains(string(b[:40]), "PK") {
		t.Fatal("twin is not a zip")
	}
	rootA, rootB := t.TempDir(), t.TempDir()
	a, err := ImportFile(context.Background(), rootA, src, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ImportFile(context.Background(), rootB, twin, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(outcomesOf(t, rootA, a[0].Run))
	jb, _ := json.Marshal(outcomesOf(t, rootB, b[0].Run))
	if string(ja) != string(jb) || len(ja) < 100 {
		t.Fatalf("zstd twin differs:\n%s\n%s", ja, jb)
	}
}

func TestReimportAndReplace(t *testing.T) {
	dir, root := t.TempDir(), t.TempDir()
	p := filepath.Join(dir, "out.json")
	b, _ := os.ReadFile(filepath.Join(fixtures, "promptfoo/sample-export.json"))
	os.WriteFile(p, b, 0o644)
	first, err := ImportFile(context.Background(), root, p, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := ImportFile(context.Background(), root, p, "", Options{})
	if err != nil || !again[0].Duplicate {
		t.Fatalf("unchanged re-import: %+v %v", again, err)
	}
	os.WriteFile(p, []byte(strings.Replace(string(b), `"success": false`, `"success": true`, 1)), 0o644)
	changed, err := ImportFile(context.Background(), root, p, "", Options{})
	if err != nil || !changed[0].Replaced || changed[0].Run.ID != first[0].Run.ID || changed[0].Run.Summary.Passed != 1 {
		t.Fatalf("changed re-import: %+v %v", changed, err)
	}
	runs, _, _ := store.Open(root).Runs()
	if len(runs) != 1 {
		t.Fatalf("%d runs after replace", len(runs))
	}
}

func TestMalformedHarnessFiles(t *testing.T) {
	dir := t.TempDir()
	pf, _ := os.ReadFile(filepath.Join(fixtures, "promptfoo/sample-export.json"))
	os.WriteFile(filepath.Join(dir, "truncated.json"), pf[:len(pf)/2], 0o644)
	os.WriteFile(filepath.Join(dir, "types.json"), []byte(`{"evalId":"x","results":{"version":3,"results":[{"score":"high","provider":"p"}]}}`), 0o644)
	// A .eval without header.json or _journal/start.json.
	f, _ := os.Create(filepath.Join(dir, "headless.eval"))
	zw := zip.NewWriter(f)
	w, _ := zw.Create("samples/1_epoch_1.json")
	w.Write([]byte(`{"id":1,"epoch":1}`))
	zw.Close()
	f.Close()
	cases := map[string]string{
		"truncated.json": "truncated.json:",
		"types.json":     "want a number",
		"headless.eval":  "neither header.json nor _journal/start.json",
	}
	for name, want := range cases {
		root := t.TempDir()
		format := ""
		if name == "truncated.json" {
			format = FormatPromptfoo // too short to detect
		}
		_, err := ImportFile(context.Background(), root, filepath.Join(dir, name), format, Options{})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), name) || errs.CodeOf(err) != errs.Corrupt {
			t.Errorf("%s: %v (%s); want corrupt_data naming the file and %q", name, err, errs.CodeOf(err), want)
		}
		if runs, _, _ := store.Open(root).Runs(); len(runs) != 0 {
			t.Errorf("%s wrote a run", name)
		}
	}
}

// TestInspectLogStillBeingWritten: a .eval with only _journal/start.json and some samples
// (Inspect has not written header.json yet) imports what is there as a running run.
func TestInspectLogStillBeingWritten(t *testing.T) {
	p := filepath.Join(t.TempDir(), "live.eval")
	f, _ := os.Create(p)
	zw := zip.NewWriter(f)
	w, _ := zw.Create("_journal/start.json")
	w.Write([]byte(`{"version":2,"eval":{"task":"live","model":"m","created":"2026-11-22T10:00:00Z"}}`))
	for i := 1; i <= 2; i++ {
		w, _ = zw.Create(fmt.Sprintf("samples/%d_epoch_1.json", i))
		fmt.Fprintf(w, `{"id":%d,"epoch":1,"input":"q","target":"a","scores":{"match":{"value":"C"}}}`, i)
	}
	zw.Close()
	f.Close()
	res, err := ImportFile(context.Background(), t.TempDir(), p, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0].Run; r.Status != store.RunRunning || r.Summary.OutcomeCount != 2 || r.Summary.Passed != 2 {
		t.Fatalf("live log: %+v", r)
	}
}

// FuzzHarnessFiles feeds arbitrary bytes to every harness reader: an error or a run,
// never a panic, and never an uncoded error.
func FuzzHarnessFiles(f *testing.F) {
	for _, p := range []string{"promptfoo/sample-export.json", "waza/code-explainer-gpt4o.json", "inspect/log_read_sample.json"} {
		b, _ := os.ReadFile(filepath.Join(fixtures, p))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "in.json")
		os.WriteFile(p, data, 0o644)
		for _, format := range []string{FormatPromptfoo, FormatWaza, FormatInspect, FormatLMEval} {
			_, err := ImportFile(context.Background(), filepath.Join(dir, "store"), p, format, Options{})
			if err != nil && errs.CodeOf(err) == errs.Internal {
				t.Fatalf("%s: uncoded error %v", format, err)
			}
		}
	})
}

// TestRenamedEvalStillReplacesItsRun: the run id follows the file, not the eval's name.
func TestRenamedEvalStillReplacesItsRun(t *testing.T) {
	dir, root := t.TempDir(), t.TempDir()
	p := filepath.Join(dir, "out.json")
	b, _ := os.ReadFile(filepath.Join(fixtures, "promptfoo/sample-export.json"))
	os.WriteFile(p, b, 0o644)
	if _, err := ImportFile(context.Background(), root, p, "", Options{}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, []byte(strings.Replace(string(b), "Comparing OpenAI", "Comparing two OpenAI", 1)), 0o644)
	res, err := ImportFile(context.Background(), root, p, "", Options{})
	if err != nil || !res[0].Replaced {
		t.Fatalf("%+v %v", res, err)
	}
	if runs, _, _ := store.Open(root).Runs(); len(runs) != 1 || !strings.HasPrefix(runs[0].Name, "Comparing two") {
		t.Fatalf("runs: %+v", runs)
	}
}

// zipBomb writes a .eval whose one sample entry inflates to size bytes of spaces; with lie,
// the entry's header claims 100 bytes.
func zipBomb(t testing.TB, path string, size int64, lie bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	w, _ := zw.Create("header.json")
	io.WriteString(w, `{"version":2,"status":"success","eval":{"task":"bomb","model":"m"}}`)
	// The entry's bytes: compressed once with flate, then stored raw with a header.
	var comp strings.Builder
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	chunk := []byte(`{"id":1,"epoch":1,"input":"` + strings.Repeat(" ", 1<<20))
	io.Copy(fw, io.LimitReader(&repeatReader{chunk: chunk}, size))
	fw.Close()
	h := &zip.FileHeader{Name: "samples/1_epoch_1.json", Method: zip.Deflate, CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(size)}
	if lie {
		h.UncompressedSize64 = 100
	}
	rw, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(rw, comp.String())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

type repeatReader struct {
	chunk []byte
	off   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.chunk[r.off:])
		n += c
		r.off = (r.off + c) % len(r.chunk)
		if r.off == 0 {
			r.off = 28 // repeat the spaces, not the opening
		}
	}
	return n, nil
}

// TestZipBomb: an entry that says it inflates past the limit, or says it is small and
// inflates past it, is refused as corrupt_data without being held in memory, and nothing
// is left behind.
func TestZipBomb(t *testing.T) {
	dir := t.TempDir()
	for _, lie := range []bool{false, true} {
		p := filepath.Join(dir, fmt.Sprintf("bomb-%v.eval", lie))
		zipBomb(t, p, 100<<20, lie)
		root := filepath.Join(dir, fmt.Sprintf("store-%v", lie))
		_, err := ImportFile(context.Background(), root, p, "", Options{})
		if errs.CodeOf(err) != errs.Corrupt || !strings.Contains(err.Error(), "samples/1_epoch_1.json") {
			t.Errorf("lie=%v: %v (code %s)", lie, err, errs.CodeOf(err))
		}
		for _, sub := range []string{"runs", "tmp"} {
			if entries, _ := os.ReadDir(filepath.Join(root, sub)); len(entries) != 0 {
				t.Errorf("lie=%v: %d entries left in %s", lie, len(entries), sub)
			}
		}
	}
}

// A .eval whose entries inflate past Options.MaxEvalBytes in all is refused with a coded
// error before anything is written, whatever each entry's own size.
func TestEvalTotalInflateCap(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(fixtures, "inspect/log_read_sample.eval")
	_, err := ImportFile(context.Background(), root, src, "", Options{MaxEvalBytes: 1 << 10})
	if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "--max-eval-bytes") {
		t.Fatalf("a .eval over the total cap: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "runs")); len(entries) != 0 {
		t.Fatalf("a refused .eval wrote %d runs", len(entries))
	}
	if _, err := ImportFile(context.Background(), root, src, "", Options{}); err != nil {
		t.Fatalf("under the default cap: %v", err)
	}
}
