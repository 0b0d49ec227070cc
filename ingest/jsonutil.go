package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
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
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
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
	dec *json.Decoder
}

func newJSONWalker(r io.Reader) *jsonWalker {
	return &jsonWalker{dec: json.NewDecoder(skipBOM(r))}
}

// object calls fn with each key of the object that starts at the next token; fn must
// consume the key's value (decode, skip, or walk it).
func (w *jsonWalker) object(fn func(key string) error) error {
	t, err := w.dec.Token()
	if err != nil {
		return jsonProblem(err)
	}
	if t != json.Delim('{') {
		return fmt.Errorf("want a JSON object, found %v", tokenKind(t))
	}
	return w.objectBody(fn)
}

// objectBody is object after its opening brace was read.
func (w *jsonWalker) objectBody(fn func(key string) error) error {
	for w.dec.More() {
		t, err := w.dec.Token()
		if err != nil {
			return jsonProblem(err)
		}
		key, _ := t.(string)
		if err := fn(key); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil {
		return jsonProblem(err)
	}
	return nil
}

// array calls fn with each element of the array at the next token, raw; a null is none.
func (w *jsonWalker) array(fn func(i int, raw json.RawMessage) error) error {
	t, err := w.dec.Token()
	if err != nil {
		return jsonProblem(err)
	}
	if t == nil {
		return nil
	}
	if t != json.Delim('[') {
		return fmt.Errorf("want a JSON array, found %v", tokenKind(t))
	}
	return w.arrayBody(fn)
}

// arrayBody is array after its opening bracket was read.
func (w *jsonWalker) arrayBody(fn func(i int, raw json.RawMessage) error) error {
	for i := 0; w.dec.More(); i++ {
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return fmt.Errorf("[%d]: %s", i, jsonProblem(err))
		}
		if err := fn(i, raw); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil {
		return jsonProblem(err)
	}
	return nil
}

// decode reads the next value into v.
func (w *jsonWalker) decode(v any) error {
	if err := w.dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	return nil
}

// skip reads past the next value token by token: a skipped array is never held whole.
func (w *jsonWalker) skip() error {
	depth := 0
	for {
		t, err := w.dec.Token()
		if err != nil {
			return jsonProblem(err)
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

func tokenKind(t json.Token) string {
	switch t.(type) {
	case json.Delim:
		return "JSON " + t.(json.Delim).String()
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "true or false"
	case nil:
		return "null"
	}
	return "a value"
}
