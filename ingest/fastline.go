package ingest

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// decodeLineFast decodes one outcome line into l (a zero Line) for lines in the shape
// harnesses write: the field names as documented, each once, strings of valid UTF-8, values
// of the field's type. It reports false for anything else, valid or not, and then the
// caller decodes the line with the general decoders, which agree with it wherever it
// answers (FuzzFastLine checks that against encoding/json) and say what is wrong with a
// line that is. Strings are cut from one copy of the line: one allocation for all of them.
//
// On bench/import.sh's lines (2.2 KB, 3 graders, 2 tool calls, 2 events) it decodes at
// about three times goccy/go-json's speed, which was a third of the import's CPU.
//
// owned says the caller hands the line over: nothing writes to it again, so the strings
// are cut from it as it is, not from a copy (the pipeline's lines are its own clones).
func decodeLineFast(line []byte, l *Line, owned bool) bool {
	p := lineParser{vals: l.vals}
	if owned && len(line) > 0 {
		p.s = unsafe.String(&line[0], len(line))
	} else {
		p.s = string(line)
	}
	if !p.line(l) {
		return false
	}
	p.ws()
	return p.i == len(p.s)
}

type lineParser struct {
	s    string
	i    int
	vals *valueSlab // where the values of pointer fields are put; nil: one allocation each
}

// valueSlab hands out the values a line's pointer fields point to (a score, a duration, a
// verdict, a time) from blocks, not one allocation each: 8 million small allocations of
// a 300k-outcome import. A block is never reused, so no two fields share a value; it
// lives while any outcome pointing into it does.
type valueSlab struct {
	i64 []int64
	f64 []float64
	b   []bool
	t   []time.Time
}

const slabBlock = 512

func slabPut[T any](block *[]T, v T) *T {
	if len(*block) == cap(*block) {
		*block = make([]T, 0, slabBlock)
	}
	*block = append(*block, v)
	return &(*block)[len(*block)-1]
}

func (p *lineParser) putInt64(v int64) *int64 {
	if p.vals == nil {
		x := new(int64) // not &v: v would then be moved to the heap on every call
		*x = v
		return x
	}
	return slabPut(&p.vals.i64, v)
}

func (p *lineParser) putFloat(v float64) *float64 {
	if p.vals == nil {
		x := new(float64) // not &v: v would then be moved to the heap on every call
		*x = v
		return x
	}
	return slabPut(&p.vals.f64, v)
}

func (p *lineParser) putBool(v bool) *bool {
	if p.vals == nil {
		x := new(bool) // not &v: v would then be moved to the heap on every call
		*x = v
		return x
	}
	return slabPut(&p.vals.b, v)
}

func (p *lineParser) putTime(v time.Time) *time.Time {
	if p.vals == nil {
		x := new(time.Time) // not &v: v would then be moved to the heap on every call
		*x = v
		return x
	}
	return slabPut(&p.vals.t, v)
}

func (p *lineParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next skips white space and reports whether the next byte is c, consuming it if so.
func (p *lineParser) next(c byte) bool {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// null consumes a null literal if one is next.
func (p *lineParser) null() bool {
	p.ws()
	if strings.HasPrefix(p.s[p.i:], "null") {
		p.i += 4
		return true
	}
	return false
}

// object calls field for each key of the object that comes next; field returns false to
// give up. seen catches a key given twice (the general decoders merge or overwrite, which
// this one leaves to them).
func (p *lineParser) object(known []string, field func(k int) bool) bool {
	if !p.next('{') {
		return false
	}
	if p.next('}') {
		return true
	}
	var seen uint64
	for {
		key, ok := p.str()
		if !ok || !p.next(':') {
			return false
		}
		k := -1
		for j, name := range known {
			if name == key {
				k = j
				break
			}
		}
		if k < 0 {
			for _, name := range known {
				if strings.EqualFold(name, key) { // the general decoders match it: theirs to say
					return false
				}
			}
			if _, ok := p.raw(); !ok {
				return false
			}
		} else {
			if seen&(1<<k) != 0 {
				return false
			}
			seen |= 1 << k
			if !field(k) {
				return false
			}
		}
		if p.next(',') {
			continue
		}
		return p.next('}')
	}
}

// array calls elem for each element of the array that comes next, or does nothing for null.
func (p *lineParser) array(elem func() bool) (isNull, ok bool) {
	if p.null() {
		return true, true
	}
	if !p.next('[') {
		return false, false
	}
	if p.next(']') {
		return false, true
	}
	for {
		if !elem() {
			return false, false
		}
		if p.next(',') {
			continue
		}
		return false, p.next(']')
	}
}

// str reads a string: its text cut from the line when it has no escapes, else unescaped.
// Invalid UTF-8 and lone surrogates (which the general decoders replace with U+FFFD) give up.
func (p *lineParser) str() (string, bool) {
	if !p.next('"') {
		return "", false
	}
	start := p.i
	end := strings.IndexByte(p.s[start:], '"')
	if end < 0 {
		return "", false
	}
	s := p.s[start : start+end]
	if bs := strings.IndexByte(s, '\\'); bs >= 0 {
		if plain(s[:bs]) == 0 { // a control character before the first escape
			return "", false
		}
		p.i = start + bs
		return p.escaped(start)
	}
	switch plain(s) {
	case 0:
		return "", false
	case 2:
		if !utf8.ValidString(s) {
			return "", false
		}
	}
	p.i = start + end + 1
	return s, true
}

// plain says what a string's bytes hold, eight at a time: 0 a control character (not
// allowed in a JSON string), 1 ASCII only, 2 some bytes past ASCII.
func plain(s string) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	var high uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if (w-lo*0x20)&^w&hi != 0 { // some byte below 0x20
			return 0
		}
		high |= w
	}
	for ; i < len(s); i++ {
		if s[i] < 0x20 {
			return 0
		}
		high |= uint64(s[i])
	}
	if high&hi != 0 {
		return 2
	}
	return 1
}

// escaped finishes a string that has escapes, from its first one at p.i.
func (p *lineParser) escaped(start int) (string, bool) {
	var b strings.Builder
	b.Grow(p.i - start + 16)
	b.WriteString(p.s[start:p.i])
	mark := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			b.WriteString(p.s[mark:p.i])
			p.i++
			s := b.String()
			if !utf8.ValidString(s) {
				return "", false
			}
			return s, true
		case c < 0x20:
			return "", false
		case c != '\\':
			p.i++
			continue
		}
		b.WriteString(p.s[mark:p.i])
		if p.i+1 >= len(p.s) {
			return "", false
		}
		switch e := p.s[p.i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4(p.i + 2)
			if !ok {
				return "", false
			}
			p.i += 4
			if utf16.IsSurrogate(r) {
				lo, ok := rune(0), false
				if p.i+7 < len(p.s) && p.s[p.i+2] == '\\' && p.s[p.i+3] == 'u' {
					lo, ok = p.hex4(p.i + 4)
				}
				if !ok {
					return "", false
				}
				if r = utf16.DecodeRune(r, lo); r == utf8.RuneError {
					return "", false
				}
				p.i += 6
			}
			b.WriteRune(r)
		default:
			return "", false
		}
		p.i += 2
		mark = p.i
	}
	return "", false
}

func (p *lineParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[at : at+4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number reads a number literal by JSON's grammar; integer says it has no fraction or
// exponent.
func (p *lineParser) number() (lit string, integer, ok bool) {
	p.ws()
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return "", false, false
	}
	integer = true
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		integer = false
		if digits() == 0 {
			return "", false, false
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		integer = false
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return "", false, false
		}
	}
	return p.s[start:p.i], integer, true
}

// raw reads any value and returns its text as it stands in the line.
func (p *lineParser) raw() (string, bool) {
	p.ws()
	start := p.i
	if !p.skip(0) {
		return "", false
	}
	return p.s[start:p.i], true
}

// skip reads past one value, checking it is valid JSON.
func (p *lineParser) skip(depth int) bool {
	if depth > 100 {
		return false
	}
	p.ws()
	if p.i >= len(p.s) {
		return false
	}
	switch c := p.s[p.i]; {
	case c == '"':
		_, ok := p.str()
		return ok
	case c == '{':
		p.i++
		if p.next('}') {
			return true
		}
		for {
			if _, ok := p.str(); !ok || !p.next(':') || !p.skip(depth+1) {
				return false
			}
			if p.next(',') {
				continue
			}
			return p.next('}')
		}
	case c == '[':
		p.i++
		if p.next(']') {
			return true
		}
		for {
			if !p.skip(depth + 1) {
				return false
			}
			if p.next(',') {
				continue
			}
			return p.next(']')
		}
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	default:
		_, _, ok := p.number()
		return ok
	}
}

func (p *lineParser) literal(w string) bool {
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

// Field readers: each reads one value into its destination (null leaves it as it is, as
// the general decoders do) and reports whether it could.

func (p *lineParser) strField(dst *string) bool {
	if p.null() {
		return true
	}
	s, ok := p.str()
	*dst = s
	return ok
}

func (p *lineParser) textField(dst *Text) bool {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '"' {
		s, ok := p.str()
		*dst = Text(s)
		return ok
	}
	if p.null() {
		*dst = ""
		return true
	}
	s, ok := p.raw() // structured text is kept as its JSON, as written
	*dst = Text(s)
	return ok
}

func (p *lineParser) intField(dst *int) bool {
	if p.null() {
		return true
	}
	lit, integer, ok := p.number()
	if !ok || !integer {
		return false
	}
	v, err := strconv.ParseInt(lit, 10, 64)
	*dst = int(v)
	return err == nil
}

func (p *lineParser) int64Ptr(dst **int64) bool {
	if p.null() {
		return true
	}
	lit, integer, ok := p.number()
	if !ok || !integer {
		return false
	}
	v, err := strconv.ParseInt(lit, 10, 64)
	*dst = p.putInt64(v)
	return err == nil
}

func (p *lineParser) floatPtr(dst **float64) bool {
	if p.null() {
		return true
	}
	lit, _, ok := p.number()
	if !ok {
		return false
	}
	v, err := strconv.ParseFloat(lit, 64)
	*dst = p.putFloat(v)
	return err == nil
}

func (p *lineParser) boolPtr(dst **bool) bool {
	if p.null() {
		return true
	}
	var v bool
	switch {
	case p.literal("true"):
		v = true
	case p.literal("false"):
	default:
		return false
	}
	*dst = p.putBool(v)
	return true
}

func (p *lineParser) timePtr(dst **time.Time) bool {
	if p.null() {
		return true
	}
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return false
	}
	raw, ok := p.raw()
	if !ok {
		return false
	}
	var t time.Time
	if t.UnmarshalJSON([]byte(raw)) != nil { // what the general decoders call
		return false
	}
	*dst = p.putTime(t)
	return true
}

var (
	lineKeys   = []string{"type", "stimulus", "model", "trial", "status", "passed", "score", "durationMs", "turns", "toolCallCount", "errors", "usage", "costUsd", "startedAt", "error", "input", "output", "expected", "tags", "graders", "toolCalls", "events"}
	usageKeys  = []string{"inputTokens", "outputTokens", "reasoningTokens", "cachedTokens", "totalTokens"}
	graderKeys = []string{"name", "type", "passed", "score", "weight", "evidence"}
	toolKeys   = []string{"tool", "success", "durationMs", "error", "arguments", "result", "argsBytes", "resultBytes"}
	eventKeys  = []string{"ts", "type", "role", "content", "tool", "toolCallId", "data"}
)

func (p *lineParser) line(l *Line) bool {
	return p.object(lineKeys, func(k int) bool {
		switch k {
		case 0:
			return p.strField(&l.Type)
		case 1:
			return p.strField(&l.Stimulus)
		case 2:
			return p.strField(&l.Model)
		case 3:
			return p.intField(&l.Trial)
		case 4:
			return p.strField(&l.Status)
		case 5:
			return p.boolPtr(&l.Passed)
		case 6:
			return p.floatPtr(&l.Score)
		case 7:
			return p.int64Ptr(&l.DurationMs)
		case 8:
			return p.int64Ptr(&l.Turns)
		case 9:
			return p.int64Ptr(&l.ToolCount)
		case 10:
			return p.intField(&l.Errors)
		case 11:
			return p.usage(&l.Usage)
		case 12:
			return p.floatPtr(&l.CostUSD)
		case 13:
			return p.timePtr(&l.StartedAt)
		case 14:
			return p.strField(&l.Error)
		case 15:
			return p.textField(&l.Input)
		case 16:
			return p.textField(&l.Output)
		case 17:
			return p.textField(&l.Expected)
		case 18:
			return p.tags(&l.Tags)
		case 19:
			return p.graders(l)
		case 20:
			return p.toolCalls(l)
		case 21:
			return p.events(l)
		}
		return false
	})
}

func (p *lineParser) usage(dst **Usage) bool {
	if p.null() {
		return true
	}
	u := &Usage{}
	*dst = u
	return p.object(usageKeys, func(k int) bool {
		switch k {
		case 0:
			return p.int64Ptr(&u.InputTokens)
		case 1:
			return p.int64Ptr(&u.OutputTokens)
		case 2:
			return p.int64Ptr(&u.ReasoningTokens)
		case 3:
			return p.int64Ptr(&u.CachedTokens)
		case 4:
			return p.int64Ptr(&u.TotalTokens)
		}
		return false
	})
}

func (p *lineParser) tags(dst *map[string]string) bool {
	if p.null() {
		return true
	}
	if !p.next('{') {
		return false
	}
	m := map[string]string{}
	*dst = m
	if p.next('}') {
		return true
	}
	for {
		k, ok := p.str()
		if !ok || !p.next(':') {
			return false
		}
		v, ok := p.str() // a null or non-string value is the general decoders' to judge
		if !ok {
			return false
		}
		m[k] = v
		if p.next(',') {
			continue
		}
		return p.next('}')
	}
}

// objects reads an array of objects into *dst (nil for null, empty for []), field reading
// each known key of each object.
func objects[T any](p *lineParser, dst *[]T, known []string, field func(e *T, k int) bool) bool {
	isNull, ok := p.array(func() bool {
		if *dst == nil {
			*dst = make([]T, 0, 4)
		}
		var zero T
		*dst = append(*dst, zero)
		e := &(*dst)[len(*dst)-1]
		return p.object(known, func(k int) bool { return field(e, k) })
	})
	if ok && !isNull && *dst == nil {
		*dst = []T{}
	}
	return ok
}

func (p *lineParser) graders(l *Line) bool {
	return objects(p, &l.Graders, graderKeys, func(g *LineGrader, k int) bool {
		switch k {
		case 0:
			return p.strField(&g.Name)
		case 1:
			return p.strField(&g.Type)
		case 2:
			return p.boolPtr(&g.Passed)
		case 3:
			return p.floatPtr(&g.Score)
		case 4:
			return p.floatPtr(&g.Weight)
		case 5:
			return p.strField(&g.Evidence)
		}
		return false
	})
}

func (p *lineParser) toolCalls(l *Line) bool {
	return objects(p, &l.ToolCalls, toolKeys, func(t *LineToolCall, k int) bool {
		switch k {
		case 0:
			return p.strField(&t.Tool)
		case 1:
			return p.boolPtr(&t.Success)
		case 2:
			return p.int64Ptr(&t.DurationMs)
		case 3:
			return p.strField(&t.Error)
		case 4:
			return p.textField(&t.Arguments)
		case 5:
			return p.textField(&t.Result)
		case 6:
			return p.int64Ptr(&t.ArgsBytes)
		case 7:
			return p.int64Ptr(&t.ResultBytes)
		}
		return false
	})
}

func (p *lineParser) events(l *Line) bool {
	return objects(p, &l.Events, eventKeys, func(e *LineEvent, k int) bool {
		switch k {
		case 0:
			return p.timePtr(&e.TS)
		case 1:
			return p.strField(&e.Type)
		case 2:
			return p.strField(&e.Role)
		case 3:
			return p.textField(&e.Content)
		case 4:
			return p.strField(&e.Tool)
		case 5:
			return p.strField(&e.ToolCallID)
		case 6:
			return p.textField(&e.Data)
		}
		return false
	})
}
