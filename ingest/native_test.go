package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// docExample returns the full example of docs/format.md, so the documentation cannot drift
// from what the importer accepts.
func docExample(t testing.TB) string {
	b, err := os.ReadFile("../docs/format.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```jsonl\n(.*?)```").FindSubmatch(b)
	if m == nil {
		t.Fatal("no jsonl example in docs/format.md")
	}
	return string(m[1])
}

func TestImportDocExample(t *testing.T) {
	root := t.TempDir()
	res, err := ImportNative(context.Background(), root, "example.jsonl", strings.NewReader(docExample(t)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Run.Summary
	if res.Run.Name != "nightly-2026-11-22" || s.OutcomeCount != 4 || s.Passed != 1 || s.Failed != 1 || s.Errored != 1 || s.Skipped != 1 {
		t.Fatalf("run: %+v", res.Run)
	}
	if res.Run.Labels["git_sha"] != "4e1f9a2" || len(res.Run.Models) != 2 {
		t.Fatalf("labels/models: %+v", res.Run)
	}
	st := store.Open(root)
	var found *store.Outcome
	for i := range 4 {
		o, err := st.Outcome(store.OutcomeID(res.Run.ID, int64(i)), true)
		if err != nil {
			t.Fatal(err)
		}
		if o.Model == "gpt-5" && o.Trial == 0 && o.Stimulus == "bugfix/pagination" {
			found = o
		}
	}
	if found == nil || len(found.Graders) != 2 || len(found.ToolCalls) != 3 || len(found.Events) != 6 {
		t.Fatalf("detail: %+v", found)
	}
	if found.ToolCalls[0].Arguments != `{"query":"paginate"}` || found.TotalTokens != 18234+1822+3100 {
		t.Fatalf("tool arguments or tokens: %+v", found)
	}

	again, err := ImportNative(context.Background(), root, "example.jsonl", strings.NewReader(docExample(t)), Options{})
	if err != nil || !again.Duplicate || again.Run.ID != res.Run.ID {
		t.Fatalf("second import: %+v %v", again, err)
	}
}

func TestImportInvalid(t *testing.T) {
	cases := []struct{ name, input, want string }{
		{"syntax", `{"stimulus":"a","model":"m"}` + "\n" + `{"stimulus":`, "x.jsonl:2: invalid JSON"},
		{"type", `{"stimulus":"a","model":"m","passed":"yes"}`, "x.jsonl:1: field passed"},
		{"missing model", `{"stimulus":"a"}`, "x.jsonl:1: model is missing"},
		{"status", `{"stimulus":"a","model":"m","status":"ok"}`, `x.jsonl:1: status "ok"`},
		{"score", `{"stimulus":"a","model":"m","score":2}`, "x.jsonl:1: score 2 is outside 0..1"},
		{"header late", `{"stimulus":"a","model":"m"}` + "\n" + `{"type":"run"}`, `x.jsonl:2: type "run"`},
		{"version", `{"type":"run","version":2}`, "x.jsonl:1: format version 2"},
		{"empty", "\n\n", "x.jsonl: no outcomes"},
		{"grader", `{"stimulus":"a","model":"m","graders":[{"passed":true}]}`, "graders[0].name is missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			_, err := ImportNative(context.Background(), root, "x.jsonl", strings.NewReader(c.input), Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) || errs.CodeOf(err) != errs.Corrupt {
				t.Fatalf("got %v (%s), want %q", err, errs.CodeOf(err), c.want)
			}
			if runs, _, _ := store.Open(root).Runs(); len(runs) != 0 {
				t.Fatalf("an invalid import wrote %d runs", len(runs))
			}
		})
	}
}

func TestImportSkipInvalid(t *testing.T) {
	in := `{"stimulus":"a","model":"m","passed":true}
{"stimulus":"b","model":"m","passed":"nope"}
not json
{"stimulus":"c","model":"m","passed":false}`
	res, err := ImportNative(context.Background(), t.TempDir(), "x.jsonl", strings.NewReader(in), Options{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped != 2 || res.Run.Summary.OutcomeCount != 2 || !strings.HasPrefix(res.SkippedErrors[1], "x.jsonl:3:") {
		t.Fatalf("%+v", res)
	}
}

func TestImportInterrupted(t *testing.T) {
	root := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ImportNative(ctx, root, "x.jsonl", strings.NewReader(docExample(t)), Options{})
	if errs.CodeOf(err) != errs.Interrupted {
		t.Fatalf("got %v", err)
	}
	if runs, _, _ := store.Open(root).Runs(); len(runs) != 0 {
		t.Fatal("an interrupted import wrote a run")
	}
}

// FuzzParseLine: any bytes give an outcome or an error, never a panic.
func FuzzParseLine(f *testing.F) {
	for _, l := range strings.Split(docExample(f), "\n") {
		f.Add([]byte(l))
	}
	f.Add([]byte(`{"stimulus":"a","model":"m","score":-0}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := parseLine(b)
		if err == nil && (o.Stimulus == "" || o.Model == "") {
			t.Fatalf("accepted a line without stimulus or model: %q", b)
		}
	})
}

// TestMaxLine: a line longer than --max-line is an error naming it, also when it is the
// first line (a scanner that failed is not asked again), and nothing is written.
func TestMaxLine(t *testing.T) {
	long := `{"stimulus":"s","model":"m","output":"` + strings.Repeat("x", 4096) + `"}`
	for _, in := range []string{long + "\n", `{"stimulus":"a","model":"m"}` + "\n" + long + "\n"} {
		root := t.TempDir()
		_, err := ImportNative(context.Background(), root, "x.jsonl", strings.NewReader(in), Options{MaxLine: 1024})
		line := strings.Count(in, "\n")
		if errs.CodeOf(err) != errs.Corrupt || !strings.Contains(err.Error(), fmt.Sprintf("x.jsonl:%d: line longer than 1 KB", line)) {
			t.Errorf("%d lines: %v", line, err)
		}
		if entries, _ := os.ReadDir(filepath.Join(root, "runs")); len(entries) != 0 {
			t.Errorf("a refused import left %d runs", len(entries))
		}
	}
}

// TestByteBudget: the reader waits while the bytes in flight would pass the budget, and a
// batch larger than the whole budget still goes when nothing else is in flight.
func TestByteBudget(t *testing.T) {
	b := newByteBudget(100)
	ctx := context.Background()
	if !b.acquire(ctx, 60) {
		t.Fatal("first acquire")
	}
	got := make(chan bool)
	go func() { got <- b.acquire(ctx, 60) }()
	select {
	case <-got:
		t.Fatal("acquired past the budget")
	default:
	}
	b.release(60)
	if !<-got {
		t.Fatal("not acquired after release")
	}
	b.release(60)
	if !b.acquire(ctx, 500) { // alone, a batch over the budget goes
		t.Fatal("a lone large batch waited")
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { got <- b.acquire(cctx, 1) }()
	cancel()
	if <-got {
		t.Fatal("acquired after cancel")
	}
}

// A line that leaves out turns or toolCallCount has them unknown (a Parquet null), not 0;
// a negative one is refused.
func TestCountsLeftOutAreUnknown(t *testing.T) {
	o, err := parseLineOwned([]byte(`{"stimulus":"s","model":"m","passed":true}`), false)
	if err != nil || o.Turns != int(store.Unknown) || o.ToolCallCount != int(store.Unknown) {
		t.Fatalf("left out: turns %d, tool calls %d, %v", o.Turns, o.ToolCallCount, err)
	}
	o, err = parseLineOwned([]byte(`{"stimulus":"s","model":"m","turns":3,"toolCallCount":0}`), false)
	if err != nil || o.Turns != 3 || o.ToolCallCount != 0 {
		t.Fatalf("given: turns %d, tool calls %d, %v", o.Turns, o.ToolCallCount, err)
	}
	for _, l := range []string{`{"stimulus":"s","model":"m","turns":-1}`, `{"stimulus":"s","model":"m","toolCallCount":3000000000}`} {
		if _, err := parseLineOwned([]byte(l), false); err == nil {
			t.Errorf("%s: accepted", l)
		}
	}
}

// TestParseLineIntoReuse: a parser's scratch line and value blocks, reused from line to
// line, never change an outcome parsed before: each outcome equals the one a fresh parse
// gives, after 2,000 more lines (past several value blocks) went through the same scratch,
// whatever they held (more or fewer graders, nulls, a line only the general decoder reads).
func TestParseLineIntoReuse(t *testing.T) {
	lines := []string{
		`{"stimulus":"a","model":"m","tags":{"k":"v"},"passed":true,"score":0.5,"durationMs":10,"startedAt":"2026-01-02T03:04:05Z","graders":[{"name":"g1","passed":true,"score":1},{"name":"g2","passed":false,"score":0,"evidence":"e"}],"toolCalls":[{"tool":"bash","durationMs":5,"success":true}],"events":[{"ts":"2026-01-02T03:04:06Z","type":"message","content":"hi"}]}`,
		`{"stimulus":"b","model":"m","passed":false,"score":null,"durationMs":7,"graders":[{"name":"g3","passed":null,"weight":2}]}`,
		`{"stimulus":"c","model":"m","passed":null,"usage":{"inputTokens":3,"outputTokens":4}}`,
		`{"model":"m","stimulus":"d","passed":true,"graders":[],"toolCalls":[{"tool":"x","success":false,"error":"boom","argsBytes":9}]}`,
		"{\"stimulus\":\"e\",\"model\":\"m\",\"passed\":true,\"input\":\"tab\\there \\u00e9\"}",
		`{"stimulus": "f" , "model":"m", "passed": false, "score": 1e-3 }`,
	}
	var scratch Line
	var kept []*store.Outcome
	var want []*store.Outcome
	for i := range 2000 {
		l := lines[i%len(lines)]
		o, err := parseLineInto([]byte(l), false, &scratch)
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		w, err := parseLineOwned([]byte(l), false)
		if err != nil {
			t.Fatal(err)
		}
		kept, want = append(kept, o), append(want, w)
	}
	for i := range kept {
		if !reflect.DeepEqual(kept[i], want[i]) {
			t.Fatalf("outcome %d changed after later lines:\n got %+v\nwant %+v", i, kept[i], want[i])
		}
	}
	if kept[0].Passed == kept[len(lines)].Passed || kept[0].Score == kept[len(lines)].Score {
		t.Fatal("two outcomes share a value")
	}
}
