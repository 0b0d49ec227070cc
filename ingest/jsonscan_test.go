package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// scanDocs are documents whose values end in awkward places: escaped quotes, runs of
// backslashes, brackets inside strings, numbers at the end of the input.
var scanDocs = []string{
	`{"a":1,"b":[1,2,{"c":"]}"}],"d":"x\"y","e":"\\","f":"\\\"","g":null,"h":true,"i":-1.5e3}`,
	`[ {"k" : "v\\\\"} , "\u00e9\\n" , [[[]]] , {} , 0 ]`,
	`{"results":{"version":3,"results":[{"promptIdx":1,"x":"{[\"]"},{"promptIdx":0}],"stats":{"successes":1}}}`,
	`"just a string with \" and \\"`,
	`12345`,
}

// readAll cuts doc into its top-level values as the scanner sees them (an array or an
// object yields its members' values, recursively flattened by encoding/json for comparison).
func scanAll(t *testing.T, doc string, bufSize int) []string {
	t.Helper()
	s := newRawScanner(strings.NewReader(doc))
	s.buf = make([]byte, bufSize)
	raw, err := s.value()
	if err != nil {
		t.Fatalf("%q (buffer %d): %v", doc, bufSize, err)
	}
	return []string{string(raw)}
}

func TestRawScannerCutsWhatEncodingJSONCuts(t *testing.T) {
	for _, doc := range scanDocs {
		var want json.RawMessage
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatalf("bad fixture %q: %v", doc, err)
		}
		// Every buffer size from 1 byte up, so refills land inside strings, escapes and numbers.
		for size := 1; size <= len(doc)+1; size++ {
			got := scanAll(t, doc, size)
			if got[0] != strings.TrimSpace(doc) {
				t.Fatalf("buffer %d: got %q, want %q", size, got[0], doc)
			}
		}
	}
}

func TestRawScannerRefusesBrokenDocuments(t *testing.T) {
	for _, doc := range scanDocs[:3] {
		// Every truncation is an error, never a panic or a value.
		for cut := 0; cut < len(doc); cut++ {
			for _, size := range []int{1, 3, 1 << 10} {
				s := newRawScanner(strings.NewReader(doc[:cut]))
				s.buf = make([]byte, size)
				if raw, err := s.value(); err == nil {
					t.Fatalf("%q cut at %d (buffer %d): got %q, want an error", doc, cut, size, raw)
				}
			}
		}
	}
	for _, doc := range []string{`{"a":[1,2}`, `[1,2]]`, `}`, `{"a":"b"]`} {
		s := newRawScanner(strings.NewReader(doc))
		raw, err := s.value()
		if err == nil && string(raw) == doc {
			t.Errorf("%q: accepted whole", doc)
		}
	}
}

// TestSkipHoldsNoValue: skipping a 4 MB array leaves the buffer at its size.
func TestSkipHoldsNoValue(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"table":[`)
	for i := 0; i < 100_000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"text":"a long enough row \\\" with escapes \\\\","n":1}`)
	}
	b.WriteString(`],"evalId":"e1"}`)
	w := newJSONWalker(bytes.NewReader(b.Bytes()), 0)
	w.sc.buf = make([]byte, 4096)
	var id string
	err := w.object(func(key string) error {
		if key == "evalId" {
			return w.decode(&id)
		}
		return w.skip()
	})
	if err != nil || id != "e1" {
		t.Fatalf("got %q, %v", id, err)
	}
	if len(w.sc.buf) > 8192 {
		t.Errorf("the buffer grew to %d bytes skipping a %d-byte array", len(w.sc.buf), b.Len())
	}
}

// TestWalkerReadsPromptfooShapes: the walker hands every result of both promptfoo shapes,
// whatever the white space.
func TestWalkerReadsPromptfooShapes(t *testing.T) {
	for _, doc := range []string{
		`{"evalId":"e","results":{"version":3,"results":[{"promptIdx":0},{"promptIdx":1}],"stats":{"successes":2}}}`,
		"{ \"id\" : \"e\" ,\n \"results\" : [ {\"promptIdx\":0} ,\n{\"promptIdx\":1} ] }",
		`{"id":"e","results":null,"oldResults":{"results":[{"promptIdx":0},{"promptIdx":1}]}}`,
	} {
		var f pfFile
		var rs pfResults
		n := 0
		err := walkPromptfooRaw(strings.NewReader(doc), 0, &f, &rs, func(i int, raw json.RawMessage) error {
			var r struct{ PromptIdx int }
			if err := json.Unmarshal(raw, &r); err != nil || r.PromptIdx != i {
				t.Errorf("%q: result %d: %s", doc, i, raw)
			}
			n++
			return nil
		})
		if err != nil || n != 2 {
			t.Errorf("%q: %d results, %v", doc, n, err)
		}
	}
}

// FuzzRawScanner: on any input the scanner never panics, and a valid document comes back
// whole, whatever the buffer size.
func FuzzRawScanner(f *testing.F) {
	for _, d := range scanDocs {
		f.Add(d, uint8(3))
	}
	f.Fuzz(func(t *testing.T, doc string, size uint8) {
		s := newRawScanner(strings.NewReader(doc))
		s.buf = make([]byte, int(size)+1)
		raw, err := s.value()
		if !json.Valid([]byte(doc)) {
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if string(raw) != strings.TrimSpace(doc) {
			t.Fatalf("%q: got %q", doc, raw)
		}
	})
}

// TestPromptfooPromptsAndProviders: promptfoo numbers prompts × providers, so two providers
// on one prompt share their stimuli, and a provider's second prompt (unlabelled) is its own
// stimulus, named the same for every provider.
func TestPromptfooPromptsAndProviders(t *testing.T) {
	stimuli := func(results string, prompts ...string) map[string][]string {
		t.Helper()
		path := t.TempDir() + "/pf.json"
		doc := `{"evalId":"e","results":{"version":3,"prompts":[` + strings.Join(prompts, ",") + `],"results":[` + results + `]}}`
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		built, err := readPromptfoo(path, DefaultMaxLine)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		_, err = built[0].stream(func(o *store.Outcome) error {
			got[o.Model] = append(got[o.Model], o.Stimulus)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	r := func(idx, test int, provider string) string {
		return fmt.Sprintf(`{"promptIdx":%d,"testIdx":%d,"provider":{"id":%q},"prompt":{"raw":"q"},"success":true,"response":{"output":"a"}}`, idx, test, provider)
	}
	one := stimuli(strings.Join([]string{r(0, 0, "a"), r(1, 0, "b"), r(0, 1, "a"), r(1, 1, "b")}, ","))
	if want := []string{"test-000", "test-001"}; !slices.Equal(one["a"], want) || !slices.Equal(one["b"], want) {
		t.Errorf("one prompt on two providers: %v, want both %v", one, want)
	}
	two := stimuli(strings.Join([]string{r(0, 0, "a"), r(1, 0, "b"), r(2, 0, "a"), r(3, 0, "b")}, ","))
	if want := []string{"test-000 · prompt-0", "test-000 · prompt-1"}; !slices.Equal(two["a"], want) || !slices.Equal(two["b"], want) {
		t.Errorf("two prompts on two providers: %v, want both %v", two, want)
	}
	// The same, told by the prompts listed before the results (as promptfoo writes them).
	p := func(provider string) string { return fmt.Sprintf(`{"raw":"{{q}}","provider":%q}`, provider) }
	listed := stimuli(strings.Join([]string{r(0, 0, "a"), r(1, 0, "b"), r(2, 0, "a"), r(3, 0, "b")}, ","), p("a"), p("b"), p("a"), p("b"))
	if !slices.Equal(listed["a"], two["a"]) || !slices.Equal(listed["b"], two["b"]) {
		t.Errorf("two prompts listed: %v, want %v", listed, two)
	}
	one = stimuli(strings.Join([]string{r(0, 0, "a"), r(1, 0, "b")}, ","), p("a"), p("b"))
	if want := []string{"test-000"}; !slices.Equal(one["a"], want) || !slices.Equal(one["b"], want) {
		t.Errorf("one prompt listed on two providers: %v, want both %v", one, want)
	}
}

// TestPromptfooResultOverMaxLine: one result longer than --max-line is refused with a coded
// error before it is held whole, as a JSONL line is; under it, it imports.
func TestPromptfooResultOverMaxLine(t *testing.T) {
	path := t.TempDir() + "/pf.json"
	big := strings.Repeat("x", 64<<10)
	doc := `{"evalId":"e","results":{"version":3,"results":[{"promptIdx":0,"testIdx":0,"provider":"a","success":true,"response":{"output":"` + big + `"}}]}}`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := readPromptfoo(path, 16<<10)
	var e *errs.Error
	if !errors.Is(err, errValueTooLarge) || !errors.As(err, &e) || e.Code != errs.Corrupt || !strings.Contains(err.Error(), "--max-line") {
		t.Fatalf("a 64 KB result under a 16 KB cap: %v, want a corrupt-input error naming --max-line", err)
	}
	if _, err := readPromptfoo(path, 128<<10); err != nil {
		t.Fatalf("under the cap: %v", err)
	}
}

// TestWalkerPassesOverABOM: a byte-order mark before the document is passed over, even when
// the reader hands it over a byte at a time.
func TestWalkerPassesOverABOM(t *testing.T) {
	doc := "\xef\xbb\xbf" + `{"evalId":"e","results":[{"promptIdx":0}]}`
	for _, r := range []io.Reader{strings.NewReader(doc), iotest.OneByteReader(strings.NewReader(doc))} {
		var f pfFile
		var rs pfResults
		n := 0
		err := walkPromptfooRaw(r, 0, &f, &rs, func(int, json.RawMessage) error { n++; return nil })
		if err != nil || n != 1 || f.EvalID != "e" {
			t.Errorf("%T: %d results, evalId %q, %v", r, n, f.EvalID, err)
		}
	}
}
