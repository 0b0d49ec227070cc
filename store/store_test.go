package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/parquet-go/parquet-go"
)

func ptr[T any](v T) *T { return &v }

// sampleOutcomes builds n outcomes over 3 models with graders, tool calls and events.
func sampleOutcomes(n int) []*Outcome {
	var out []*Outcome
	for i := range n {
		var passed *bool
		if i%7 != 0 {
			passed = ptr(i%3 != 0)
		}
		status := StatusSuccess
		if i%11 == 0 {
			status = StatusError
		}
		dur := int64(i)
		out = append(out, &Outcome{
			Stimulus: fmt.Sprintf("s%03d", i%17), Model: fmt.Sprintf("m%d", i%3), Trial: i % 2,
			Status: status, Passed: passed, Score: ptr(float64(i%10) / 10), DurationMs: int64(i * 10),
			Turns: i % 5, InputTokens: int64(i), TotalTokens: int64(2 * i), CostUSD: ptr(0.001 * float64(i)),
			StartedAt: time.Unix(1700000000, 0), Input: "in", Output: fmt.Sprintf("out %d", i),
			Graders:   []GraderResult{{Name: "exact", Type: "code", Passed: passed, Weight: 1, Evidence: "e"}},
			ToolCalls: []ToolCall{{Tool: "bash", Success: i%4 != 0, ArgsBytes: 3, DurationMs: &dur}},
			Events:    []Event{{Type: "message", Role: "user", Content: "hi"}, {Type: "message", Role: "assistant", Content: "yo"}},
		})
	}
	return out
}

func writeRun(t testing.TB, root, id string, outs []*Outcome) Run {
	t.Helper()
	w, err := NewWriter(root, Run{ID: id, Name: "run " + id, CreatedAt: time.Unix(1700000000, 0).UTC()})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if err := w.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	c, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return c.Run
}

func TestWriteReadBack(t *testing.T) {
	root := t.TempDir()
	outs := sampleOutcomes(100)
	run := writeRun(t, root, "abc123", outs)
	if run.Summary.OutcomeCount != 100 || run.Summary.StimulusCount != 17 || len(run.Models) != 3 {
		t.Fatalf("summary: %+v models %v", run.Summary, run.Models)
	}
	// Every file opens in parquet-go's generic reader with the row counts written.
	checkRows[OutcomeRow](t, filepath.Join(root, "runs/abc123/outcomes.parquet"), 100)
	checkRows[GraderRow](t, filepath.Join(root, "runs/abc123/graders.parquet"), 100)
	checkRows[ToolCallRow](t, filepath.Join(root, "runs/abc123/tool_calls.parquet"), 100)
	checkRows[EventRow](t, filepath.Join(root, "runs/abc123/events.parquet"), 200)

	// The columnar scan agrees with the input.
	s := Open(root)
	var n int
	var durSum, passedN, nulls int64
	models := map[string]int{}
	err := s.Scan("abc123", Outcomes, []string{"model", "passed", "duration_ms", "score"}, func(b *Batch) error {
		d := b.Dict("model")
		for i := range b.N {
			models[d.Values[d.Index[i]]]++
			durSum += b.Int("duration_ms")[i]
			switch b.Bool("passed")[i] {
			case 1:
				passedN++
			case -1:
				nulls++
			}
		}
		n += b.N
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var wantDur, wantPassed, wantNulls int64
	for _, o := range outs {
		wantDur += o.DurationMs
		if o.Passed == nil {
			wantNulls++
		} else if *o.Passed {
			wantPassed++
		}
	}
	if n != 100 || durSum != wantDur || passedN != wantPassed || nulls != wantNulls || models["m0"] != 34 {
		t.Fatalf("scan: n=%d dur=%d/%d passed=%d/%d nulls=%d/%d models=%v", n, durSum, wantDur, passedN, wantPassed, nulls, wantNulls, models)
	}

	// Detail reads seek to the right rows.
	o, err := s.Outcome(OutcomeID("abc123", 42), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Graders) != 1 || len(o.ToolCalls) != 1 || len(o.Events) != 2 || o.Events[1].Content != "yo" {
		t.Fatalf("detail: %+v", o)
	}
	if _, err := s.Outcome("abc123-9999999", false); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("missing outcome: %v", err)
	}
}

func checkRows[T any](t *testing.T, path string, want int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := parquet.NewGenericReader[T](f)
	rows := make([]T, want+10)
	n, err := r.Read(rows)
	if err != nil && !errors.Is(err, os.ErrClosed) && err.Error() != "EOF" {
		t.Fatalf("%s: %v", path, err)
	}
	if n != want {
		t.Fatalf("%s: %d rows, want %d", path, n, want)
	}
}

func TestResolve(t *testing.T) {
	root := t.TempDir()
	for i, id := range []string{"aaa111", "aab222", "bbb333"} {
		w, _ := NewWriter(root, Run{ID: id, Name: "n" + id, CreatedAt: time.Unix(int64(1000+i), 0)})
		_ = w.Add(sampleOutcomes(1)[0])
		if _, err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	s := Open(root)
	cases := []struct {
		ref, want string
		code      errs.Code
	}{
		{"latest", "bbb333", ""}, {"latest~1", "aab222", ""}, {"latest~2", "aaa111", ""},
		{"latest~3", "", errs.NotFound}, {"latest~x", "", errs.Invalid},
		{"aaa", "aaa111", ""}, {"aa", "", errs.Invalid}, {"naab222", "aab222", ""},
		{"zzz", "", errs.NotFound}, {"bbb333", "bbb333", ""},
	}
	for _, c := range cases {
		r, err := s.Resolve(c.ref)
		if errs.CodeOf(err) != c.code || r.ID != c.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %q", c.ref, r.ID, err, c.want, c.code)
		}
	}
}

func TestWriterAbortLeavesNothing(t *testing.T) {
	root := t.TempDir()
	w, err := NewWriter(root, Run{ID: "half"})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range sampleOutcomes(10) {
		_ = w.Add(o)
	}
	w.Abort() // a writer failing midway
	runs, bad, err := Open(root).Runs()
	if err != nil || len(runs) != 0 || len(bad) != 0 {
		t.Fatalf("after abort: %v %v %v", runs, bad, err)
	}
	left, _ := os.ReadDir(filepath.Join(root, "tmp"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestDuplicateDigest(t *testing.T) {
	root := t.TempDir()
	for i := range 2 {
		w, _ := NewWriter(root, Run{Digest: "sha256:x"})
		_ = w.Add(sampleOutcomes(1)[0])
		c, err := w.Commit()
		if err != nil || c.Duplicate != (i == 1) {
			t.Fatalf("commit %d: %+v %v", i, c, err)
		}
	}
	runs, _, _ := Open(root).Runs()
	if len(runs) != 1 {
		t.Fatalf("runs: %d", len(runs))
	}
}

func TestCorruptFiles(t *testing.T) {
	root := t.TempDir()
	writeRun(t, root, "good", sampleOutcomes(20))
	writeRun(t, root, "bad", sampleOutcomes(20))
	p := filepath.Join(root, "runs/bad/outcomes.parquet")
	b, _ := os.ReadFile(p)
	for _, mut := range [][]byte{b[:len(b)/2], []byte("not parquet at all"), append(append([]byte{}, b[:100]...), b...)} {
		_ = os.WriteFile(p, mut, 0o644)
		err := Open(root).Scan("bad", Outcomes, []string{"model", "passed"}, func(*Batch) error { return nil })
		if errs.CodeOf(err) != errs.Corrupt {
			t.Fatalf("corrupt file: %v", err)
		}
	}
	if err := Open(root).Scan("good", Outcomes, []string{"model"}, func(*Batch) error { return nil }); err != nil {
		t.Fatalf("good run after a bad one: %v", err)
	}
}

// TestScanWherePrunesRowGroups: rows are sorted by model, so a model filter reads only the
// row groups that can hold the model, judged from their statistics.
func TestScanWherePrunesRowGroups(t *testing.T) {
	root := t.TempDir()
	var outs []*Outcome
	for i := range 3 * chunkOutcomes {
		outs = append(outs, &Outcome{Stimulus: fmt.Sprintf("s%05d", i%1000), Model: fmt.Sprintf("m%d", i*3/(3*chunkOutcomes)),
			Status: StatusSuccess, Passed: ptr(true), DurationMs: int64(i)})
	}
	// One writer flush per chunk: give it the models in order so each chunk holds one model.
	writeRun(t, root, "big", outs)
	s := Open(root)
	count := func(w Where) (groups, rows int) {
		err := s.ScanWhere("big", Outcomes, []string{"model"}, w, 0, math.MaxInt64, func(b *Batch) error {
			groups++
			d := b.Dict("model")
			for _, ix := range d.Index {
				if len(w.Values) == 0 || d.Values[ix] == w.Values[0] {
					rows++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	allGroups, _ := count(Where{})
	groups, rows := count(Where{Column: "model", Values: []string{"m1"}})
	if allGroups != 3 || groups != 1 || rows != chunkOutcomes {
		t.Fatalf("all: %d groups; m1: %d groups, %d rows", allGroups, groups, rows)
	}
	if groups, _ := count(Where{Column: "model", Values: []string{"zzz"}}); groups != 0 {
		t.Fatalf("a model in no group read %d groups", groups)
	}
}

func TestScanStopsWhenContextIsDone(t *testing.T) {
	root := t.TempDir()
	writeRun(t, root, "r", sampleOutcomes(10))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Open(root).WithContext(ctx).Scan("r", Outcomes, []string{"model"}, func(*Batch) error {
		t.Fatal("a batch after cancellation")
		return nil
	})
	if errs.CodeOf(err) != errs.Interrupted {
		t.Fatalf("got %v", err)
	}
}

// TestColumnCodecs: text columns are ZSTD (textCodec, the writer's default), the columns
// a scan reads are stored as schema.go says, and every file reads back whole.
func TestColumnCodecs(t *testing.T) {
	root := t.TempDir()
	r := writeRun(t, root, "codecs", sampleOutcomes(500))
	want := map[string]map[string]string{
		outcomesFile:  {"input": "ZSTD", "output": "ZSTD", "expected": "ZSTD", "error": "ZSTD", "tags": "ZSTD", "model": "UNCOMPRESSED", "duration_ms": "UNCOMPRESSED", "outcome_id": "SNAPPY"},
		gradersFile:   {"evidence": "ZSTD", "grader": "UNCOMPRESSED"},
		toolCallsFile: {"arguments": "ZSTD", "result": "ZSTD", "error": "ZSTD", "tool": "UNCOMPRESSED"},
		eventsFile:    {"content": "ZSTD", "data": "ZSTD"},
	}
	for file, cols := range want {
		f, err := os.Open(filepath.Join(root, "runs", r.ID, file))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		pf, err := parquet.OpenFile(f, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, rg := range pf.Metadata().RowGroups {
			for _, c := range rg.Columns {
				got[c.MetaData.PathInSchema[0]] = c.MetaData.Codec.String()
			}
		}
		for col, codec := range cols {
			if got[col] != codec {
				t.Errorf("%s %s: codec %s, want %s", file, col, got[col], codec)
			}
		}
		f.Close()
	}
	// And the text reads back.
	d, err := Open(root).Outcome(OutcomeID(r.ID, 3), true)
	if err != nil {
		t.Fatal(err)
	}
	if d.Output == "" || len(d.Events) != 2 || d.Events[1].Content != "yo" {
		t.Fatalf("detail read back wrong: %+v", d)
	}
}

// TestScanAnswersOnlyItsColumns: a batch comes from a pool; a column an earlier scan read
// and this one does not is nil, never the earlier file's values.
func TestScanAnswersOnlyItsColumns(t *testing.T) {
	root := t.TempDir()
	big := writeRun(t, root, "big", sampleOutcomes(300))
	small := writeRun(t, root, "small", sampleOutcomes(5))
	s := Open(root)
	for range 3 { // the pool may hand out another batch; a few rounds reuse one
		if err := s.Scan(big.ID, Outcomes, []string{"model", "duration_ms", "score", "passed"}, func(b *Batch) error { return nil }); err != nil {
			t.Fatal(err)
		}
		err := s.Scan(small.ID, Outcomes, []string{"model"}, func(b *Batch) error {
			if b.Int("duration_ms") != nil || b.Float("score") != nil || b.Bool("passed") != nil || b.Dict("stimulus") != nil {
				t.Fatalf("a column this scan does not read answers: %d durations", len(b.Int("duration_ms")))
			}
			if d := b.Dict("model"); d == nil || len(d.Index) != 5 {
				t.Fatalf("model column: %+v", d)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestOutcomeID(t *testing.T) {
	for n, want := range map[int64]string{0: "r-0000000", 7: "r-0000007", 1234567: "r-1234567", 9999999: "r-9999999", 10000000: "r-10000000", -1: "r--000001"} {
		if got := OutcomeID("r", n); got != want {
			t.Errorf("OutcomeID(r, %d) = %s, want %s", n, got, want)
		}
	}
}

// TestRemote: a folder is local, a bucket URL remote (serve sizes its query slots by it).
func TestRemote(t *testing.T) {
	if Open(t.TempDir()).Remote() {
		t.Error("a folder is remote")
	}
	if !Open("s3://bucket/prefix?endpoint=http://127.0.0.1:1&region=us-east-1&use_path_style=true").Remote() {
		t.Error("an s3:// store is not remote")
	}
}
