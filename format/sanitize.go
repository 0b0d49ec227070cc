package format

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sanitize makes text from results safe to show to a person: it never controls the
// terminal. Model outputs, tool results and other harnesses' files are attacker-shaped
// (a prompt-injected agent writes whatever it is told), and a terminal obeys what it is
// sent: OSC 0 retitles the window, OSC 52 writes the clipboard, CSI sequences repaint the
// screen to hide or fake results.
//
//   - C0 and C1 control characters and DEL, but tab and newline, become visible escapes
//     (ESC is shown as \x1b).
//   - Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder
//     text visually, are shown as \u202e.
//   - Bytes that are not UTF-8 are shown as \xff: no terminal can read them as controls.
//
// It is applied when text is rendered for people (tables, details, trajectories,
// messages, the explorer), never to stored data or JSON, which escapes controls itself.
func Sanitize(s string) string {
	if safe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f, isBidiControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// safe is the fast path: most text has nothing to escape.
func safe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' && c != '\n' || c == 0x7f {
			return false
		}
		if c >= utf8.RuneSelf {
			return safeRunes(s[i:])
		}
	}
	return true
}

func safeRunes(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r < 0x20 && r != '\t' && r != '\n' || r >= 0x7f && r <= 0x9f || isBidiControl(r) {
			return false
		}
		i += size
	}
	return true
}

func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// SanitizeLine is Sanitize for a single line: newlines and tabs become spaces too.
func SanitizeLine(s string) string { return Sanitize(cleaner.Replace(s)) }
