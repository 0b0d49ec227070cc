package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/evals-dev/evals/errs"
)

// flexNum is a number that a hand-written file may also give as a string or a boolean.
type flexNum struct {
	v  float64
	ok bool
}

func (n *flexNum) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch s {
	case "null", `""`:
		return nil
	case "true":
		n.v, n.ok = 1, true
		return nil
	case "false":
		n.v, n.ok = 0, true
		return nil
	}
	s = strings.Trim(s, `"`)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("want a number, found %s", b)
	}
	n.v, n.ok = v, true
	return nil
}

func (n flexNum) ptr() *float64 {
	if !n.ok {
		return nil
	}
	v := n.v
	return &v
}

// text renders any JSON value as text: strings as they are, the rest as JSON.
func text(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if s, ok := plainString(raw); ok {
		return s
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// textValue is a value kept as text (what text makes of it), decoded straight from the
// input: one copy of a large output, where a json.RawMessage and then its text were two.
type textValue string

func (t *textValue) UnmarshalJSON(b []byte) error {
	*t = textValue(text(b))
	return nil
}

// plainString is a JSON string without escapes or control characters, in valid UTF-8, as
// its text: what json.Unmarshal would make of it, at the cost of a copy.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c < 0x20 || c == '\\' || c == '"' {
			return "", false
		}
	}
	if !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}

func anyText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// parseTime reads RFC 3339 text or a Unix time in seconds (float) or milliseconds.
func parseTime(raw json.RawMessage) time.Time {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f > 1e12 {
			return time.UnixMilli(int64(f)).UTC()
		}
		return time.Unix(int64(f), int64((f-float64(int64(f)))*1e9)).UTC()
	}
	return time.Time{}
}

func ptrBool(b bool) *bool { return &b }

func ptrF(v float64) *float64 { return &v }

func clamp01(v float64) *float64 {
	if v < 0 || v > 1 {
		return nil
	}
	return &v
}

// uniqueName makes grader names unique within one outcome: a, a#2, a#3.
func uniqueName(seen map[string]int, name string) string {
	seen[name]++
	if n := seen[name]; n > 1 {
		return fmt.Sprintf("%s#%d", name, n)
	}
	return name
}

// bom is the UTF-8 byte-order mark some Windows tools write at the start of a text file.
var bom = []byte{0xEF, 0xBB, 0xBF}

// trimBOM drops a leading byte-order mark.
func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, bom) }

// skipBOM reads r past a leading byte-order mark.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 1<<20)
	if p, _ := br.Peek(3); bytes.Equal(p, bom) {
		br.Discard(3)
	}
	return br
}

// jsonWalker reads a JSON document's top-level object key by key, so that a large array in
// it can be visited an element at a time (or skipped) without holding the whole document.
type jsonWalker struct {
	sc *rawScanner
}

// newJSONWalker reads r; a value it hands over (an array's element, a decoded key's value)
// may be at most max bytes (0: any size), as a line of a JSONL file is (--max-line).
func newJSONWalker(r io.Reader, max int) *jsonWalker {
	sc := newRawScanner(r)
	sc.max = max
	return &jsonWalker{sc: sc}
}

// object calls fn with each key of the object that starts at the next token; fn must
// consume the key's value (decode, skip, or walk it).
func (w *jsonWalker) object(fn func(key string) error) error {
	c, err := w.sc.peek()
	if err != nil {
		return err
	}
	if c != '{' {
		return fmt.Errorf("want a JSON object, found %s", byteKind(c))
	}
	w.sc.pos++
	return w.objectBody(fn)
}

// objectBody is object after its opening brace was read.
func (w *jsonWalker) objectBody(fn func(key string) error) error {
	for n := 0; ; n++ {
		c, err := w.sc.peek()
		if err != nil {
			return err
		}
		if c == '}' {
			w.sc.pos++
			return nil
		}
		if n > 0 {
			if err := w.sc.expect(','); err != nil {
				return err
			}
		}
		key, err := w.key()
		if err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
	}
}

// key reads an object's key and the colon after it.
func (w *jsonWalker) key() (string, error) {
	if c, err := w.sc.peek(); err != nil {
		return "", err
	} else if c != '"' {
		return "", w.sc.problem(fmt.Sprintf("want a key, found %s", byteKind(c)))
	}
	raw, err := w.sc.value()
	if err != nil {
		return "", err
	}
	var key string
	if err := json.Unmarshal(raw, &key); err != nil {
		return "", jsonProblem(err)
	}
	return key, w.sc.expect(':')
}

// array calls fn with each element of the array at the next token, raw; a null is none.
func (w *jsonWalker) array(fn func(i int, raw json.RawMessage) error) error {
	c, err := w.sc.peek()
	if err != nil {
		return err
	}
	if c == 'n' {
		return w.decode(new(any))
	}
	if c != '[' {
		return fmt.Errorf("want a JSON array, found %s", byteKind(c))
	}
	w.sc.pos++
	return w.arrayBody(fn)
}

// arrayBody is array after its opening bracket was read. raw is valid until fn returns.
func (w *jsonWalker) arrayBody(fn func(i int, raw json.RawMessage) error) error {
	for i := 0; ; i++ {
		c, err := w.sc.peek()
		if err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
		if c == ']' {
			w.sc.pos++
			return nil
		}
		if i > 0 {
			if err := w.sc.expect(','); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		raw, err := w.sc.value()
		if errors.Is(err, errValueTooLarge) {
			return errs.E(errs.Corrupt, "[%d] is longer than %s (--max-line): %w", i, sizeText(w.sc.max), err).
				WithHint("raise --max-line if it is meant to be that long; nothing was written")
		}
		if err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
		if err := fn(i, raw); err != nil {
			return err
		}
	}
}

// next is the first byte of the next value, unconsumed: '{', '[', '"', 'n', a digit...
func (w *jsonWalker) next() (byte, error) { return w.sc.peek() }

// decode reads the next value into v.
func (w *jsonWalker) decode(v any) error {
	raw, err := w.sc.value()
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return jsonProblem(err)
	}
	return nil
}

// release gives the walker's buffer back for the next walker; the walker is not used after.
func (w *jsonWalker) release() { w.sc.release() }

// skip reads past the next value without holding it: a skipped array is never held whole.
func (w *jsonWalker) skip() error { return w.sc.skip() }

// notA frames why a file is not the format it was read as, unless the reading stopped on a
// value over --max-line, whose own error says what to do.
func notA(what string, err error) error {
	if err == nil || errors.Is(err, errValueTooLarge) {
		return err
	}
	return fmt.Errorf("not a %s: %w", what, err)
}

// byteKind names the JSON value that starts with c.
func byteKind(c byte) string {
	switch {
	case c == '{' || c == '[':
		return "JSON " + string(c)
	case c == '"':
		return "a string"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	case c == 't' || c == 'f':
		return "true or false"
	case c == 'n':
		return "null"
	}
	return fmt.Sprintf("%q", c)
}
