package store

import (
	"strings"
	"unicode/utf8"
)

// A failure's signature is where it came from (the failing grader, or "error") and the
// first line of its evidence or error with the variable parts masked, as Sentry's
// fingerprints strip parameters from a message: numbers become <n> (a unit stays: 300s
// is <n>s), quoted strings <str>, paths and URLs <path>, timestamps <ts>, hex and UUIDs
// <hex>, identifiers (snake_case, or letters mixed with digits) <id>. The rules are
// documented in docs/failures.md; TestMask holds each.

// MaxReasonLine is how much of a first line a signature or a reason keeps (bytes).
const MaxReasonLine = 240

// FirstLine is the first non-empty line of a text, trimmed and cut to MaxReasonLine bytes
// (at a rune boundary, with … when cut).
func FirstLine(s string) string {
	for s != "" {
		line, rest, _ := strings.Cut(s, "\n")
		line = strings.TrimSpace(line)
		if line != "" {
			return cutLine(line)
		}
		s = rest
	}
	return ""
}

func cutLine(s string) string {
	if len(s) <= MaxReasonLine {
		return s
	}
	i := MaxReasonLine
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// Mask returns a line with its variable parts masked (see the package comment above).
func Mask(line string) string {
	b := make([]byte, 0, len(line))
	i := 0
	for i < len(line) {
		c := line[i]
		if c == ' ' || c == '\t' {
			if len(b) > 0 && b[len(b)-1] != ' ' {
				b = append(b, ' ')
			}
			i++
			continue
		}
		if isQuote(c) && (i == 0 || !isWordByte(line[i-1])) {
			if j := closingQuote(line, i); j > 0 {
				b = append(b, "<str>"...)
				i = j + 1
				continue
			}
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && !(isQuote(line[j]) && j > i && !isWordByte(line[j-1])) {
			j++
		}
		b = maskToken(b, line[i:j])
		i = j
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return string(b)
}

func isQuote(c byte) bool { return c == '\'' || c == '"' || c == '`' }

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

// closingQuote finds the quote that closes the one at i: the same character, not followed
// by a letter or digit (so an apostrophe inside a word does not close it).
func closingQuote(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		if s[j] == q && (j+1 == len(s) || !isWordByte(s[j+1])) {
			return j
		}
	}
	return -1
}

// maskToken writes one whitespace-separated token: its leading and trailing punctuation
// as they are, its core masked.
func maskToken(b []byte, tok string) []byte {
	lo, hi := 0, len(tok)
	for lo < hi && strings.IndexByte("([{<,;:", tok[lo]) >= 0 {
		lo++
	}
	for hi > lo && strings.IndexByte(")]}>,;:.!?", tok[hi-1]) >= 0 {
		hi--
	}
	b = append(b, tok[:lo]...)
	b = append(b, maskCore(tok[lo:hi])...)
	return append(b, tok[hi:]...)
}

func maskCore(w string) string {
	if w == "" || plainWord(w) {
		return w
	}
	switch {
	case looksTimestamp(w):
		return "<ts>"
	case strings.Contains(w, "://") || strings.ContainsAny(w, "/\\") && len(w) > 1 || looksFile(w):
		return "<path>"
	case looksHex(w):
		return "<hex>"
	}
	if unit, ok := numberUnit(w); ok {
		return "<n>" + unit
	}
	letters, digits, under := 0, 0, false
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '_':
			under = true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
		}
	}
	if under && letters > 0 || letters > 0 && digits > 0 {
		return "<id>"
	}
	return w
}

// plainWord: letters only, with inner hyphens or apostrophes (most words of a message),
// which no rule masks.
func plainWord(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (c == '-' || c == '\'') && i > 0 && i < len(w)-1) {
			return false
		}
	}
	return true
}

// numberUnit recognises a number with an optional unit of up to three letters (300s,
// 1.5GB, -12, 42%; 3/4 is a path-like token and handled before) and returns the unit.
func numberUnit(w string) (unit string, ok bool) {
	i := 0
	if i < len(w) && (w[i] == '-' || w[i] == '+') {
		i++
	}
	start := i
	for i < len(w) && (w[i] >= '0' && w[i] <= '9' || w[i] == '.' || w[i] == ',' || w[i] == ':') {
		i++
	}
	if i == start || w[start] < '0' || w[start] > '9' {
		return "", false
	}
	rest := w[i:]
	if rest == "%" || len(rest) <= 3 && allLetters(rest) {
		return rest, true
	}
	return "", false
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// looksTimestamp: an ISO date (2026-11-19…) or a clock time (09:30:00…).
func looksTimestamp(w string) bool {
	digitsAt := func(s string, pos ...int) bool {
		for _, p := range pos {
			if p >= len(s) || s[p] < '0' || s[p] > '9' {
				return false
			}
		}
		return true
	}
	if len(w) >= 10 && digitsAt(w, 0, 1, 2, 3, 5, 6, 8, 9) && w[4] == '-' && w[7] == '-' {
		return true
	}
	return len(w) >= 8 && digitsAt(w, 0, 1, 3, 4, 6, 7) && w[2] == ':' && w[5] == ':'
}

// looksHex: 0x…, a UUID, or 8+ hex digits holding both a digit and a letter.
func looksHex(w string) bool {
	if len(w) > 2 && (w[:2] == "0x" || w[:2] == "0X") {
		return isHex(w[2:])
	}
	if len(w) == 36 && w[8] == '-' && w[13] == '-' && w[18] == '-' && w[23] == '-' {
		return isHex(strings.ReplaceAll(w, "-", ""))
	}
	if len(w) < 8 || !isHex(w) {
		return false
	}
	return strings.IndexAny(w, "0123456789") >= 0 && strings.IndexAny(w, "abcdefABCDEF") >= 0
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// looksFile: name.ext with a short lowercase extension (config.py, app.log, a.tar.gz).
func looksFile(w string) bool {
	dot := strings.LastIndexByte(w, '.')
	if dot <= 0 || dot == len(w)-1 || len(w)-dot-1 > 5 {
		return false
	}
	for i := dot + 1; i < len(w); i++ {
		if c := w[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	c := w[0]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.'
}

// DigitBlind is a line with every digit 1–9 written as 1 (0 stays: "0x" starts hex): the
// key of its mask.
func DigitBlind(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '2' && c <= '9' {
			c = '1'
		}
		dst = append(dst, c)
	}
	return dst
}
