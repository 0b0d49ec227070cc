package store

import (
	"encoding/json"
	"slices"
	"strings"
)

// EncodeTags is the canonical text of tags in the tags column: a JSON object with sorted
// keys ("" for none), so equal tags are equal strings and share a dictionary entry.
func EncodeTags(tags map[string]string) string {
	if len(tags) == 0 {
		return ""
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(tags[k])
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.String()
}

// DecodeTags reads the tags column's text; nil for none or for text that is not a JSON
// object of strings.
func DecodeTags(s string) map[string]string {
	if s == "" {
		return nil
	}
	var m map[string]string
	if json.Unmarshal([]byte(s), &m) != nil || len(m) == 0 {
		return nil
	}
	return m
}

// optionalColumns are columns added after the first stores were written: a file without
// one scans as if every row held its zero value (an empty string).
var optionalColumns = map[string]bool{"tags": true, "signature": true}
