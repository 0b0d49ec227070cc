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
