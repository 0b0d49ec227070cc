package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The budgets an agent's context gets unless it asks for more.
const (
	DefaultMaxText  = 2000 // characters of one string
	DefaultMaxItems = 20   // items of one list (and the page size of paged tools)
)

// Budget is what every tool takes besides its question: how much of a long answer to keep.
type Budget struct {
	MaxText  *int `json:"maxText,omitempty" desc:"cut longer strings (default 2000 characters; 0: no cut)"`
	MaxItems *int `json:"maxItems,omitempty" desc:"cut longer lists (default 20 items; 0: no cut)"`
}

func (b Budget) limits() (text, items int) {
	text, items = DefaultMaxText, DefaultMaxItems
	if b.MaxText != nil {
		text = *b.MaxText
	}
	if b.MaxItems != nil {
		items = *b.MaxItems
	}
	return text, items
}

// Cut is one value the budget shortened: where (a JSON pointer), its full size and what was
// kept (characters of a string, items of a list).
type Cut struct {
	Path string `json:"path"`
	Size int    `json:"size"`
	Kept int    `json:"kept"`
	List bool   `json:"list,omitempty"`
}

// fit applies a budget to an answer: it re-reads the answer's JSON (keys in their order,
// numbers as written) and cuts strings over maxText characters and lists over maxItems
// items. keep names lists the budget leaves alone (a page's items: its limit is their
// budget). The result marshals to the same bytes as the answer when nothing was cut.
func fit(answer any, maxText, maxItems int, keep ...string) (any, []Cut, error) {
	raw, err := json.Marshal(answer)
	if err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil {
		return nil, nil, err
	}
	var cuts []Cut
	var walk func(v any, path string) any
	walk = func(v any, path string) any {
		switch x := v.(type) {
		case string:
			if n := utf8.RuneCountInString(x); maxText > 0 && n > maxText {
				cuts = append(cuts, Cut{Path: path, Size: n, Kept: maxText})
				return string([]rune(x)[:maxText]) + fmt.Sprintf("… [cut: %d of %d characters; maxText=0 for all]", maxText, n)
			}
		case []any:
			if maxItems > 0 && len(x) > maxItems && !slices.Contains(keep, path) {
				cuts = append(cuts, Cut{Path: path, Size: len(x), Kept: maxItems, List: true})
				x = x[:maxItems]
			}
			for i := range x {
				x[i] = walk(x[i], path+"/"+strconv.Itoa(i))
			}
			return x
		case object:
			for i := range x {
				x[i].v = walk(x[i].v, path+"/"+escapePointer(x[i].k))
			}
		}
		return v
	}
	return walk(v, ""), cuts, nil
}

// object is a JSON object with its keys in the order they came.
type object []member

type member struct {
	k string
	v any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// decodeOrdered reads one JSON value: objects as object, arrays as []any, numbers as
// json.Number.
func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				o = append(o, member{k: kt.(string), v: v})
			}
			_, err := dec.Token() // }
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token() // ]
			return a, err
		}
	}
	return tok, nil
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// cutNote says in words what a budget cut and how to get the rest; "" when nothing was cut.
func cutNote(cuts []Cut) string {
	var lists, texts []string
	for _, c := range cuts {
		s := fmt.Sprintf("%s (%d of %d)", c.Path, c.Kept, c.Size)
		if c.List {
			lists = append(lists, s)
		} else {
			texts = append(texts, s)
		}
	}
	var parts []string
	if len(lists) > 0 {
		parts = append(parts, fmt.Sprintf("%d lists cut to their first items: %s; call again with maxItems=0 (or a larger number) for all", len(lists), strings.Join(first(lists, 5), ", ")))
	}
	if len(texts) > 0 {
		parts = append(parts, fmt.Sprintf("%d strings cut (characters kept of all): %s; call again with maxText=0 for whole strings", len(texts), strings.Join(first(texts, 5), ", ")))
	}
	return strings.Join(parts, ". ")
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
	}
	return s
}
