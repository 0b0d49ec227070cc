package store

import (
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"3 tests failed: test_fix_pagination_edge_cases: expected 26 items, got 25; see line 180 of fix_pagination_test.py",
			"<n> tests failed: <id>: expected <n> items, got <n>; see line <n> of <path>"},
		{"timeout after 300s waiting for the model (request req_0f54eb)", "timeout after <n>s waiting for the model (request <id>)"},
		{`ImportError: cannot import name 'parse' from "src.config" (src/config.py)`, "ImportError: cannot import name <str> from <str> (<path>)"},
		{"at 2026-11-19T09:30:00Z the job 3f9a2c1be4d5 failed", "at <ts> the job <hex> failed"},
		{"object 123e4567-e89b-12d3-a456-426614174000 missing", "object <hex> missing"},
		{"fetch https://example.com/a?b=1 failed: 0x1f", "fetch <path> failed: <hex>"},
		{"used 1.5GB of 2GB (75%)", "used <n>GB of <n>GB (<n>%)"},
		{"F841 local variable 'result' is assigned to but never used", "<id> local variable <str> is assigned to but never used"},
		{"the model doesn't answer", "the model doesn't answer"},
		{"Expected output to contain \"Paris\"", "Expected output to contain <str>"},
		{"  spaced   out  ", "spaced out"},
	} {
		if got := Mask(c.in); got != c.want {
			t.Errorf("Mask(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestFirstLine(t *testing.T) {
	if got := FirstLine("\n\n  first line  \nsecond"); got != "first line" {
		t.Errorf("got %q", got)
	}
	long := strings.Repeat("é", 200)
	if got := FirstLine(long); len(got) > MaxReasonLine+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("a long line is cut at %d bytes with …: got %d bytes", MaxReasonLine, len(got))
	}
}

// Mask never reads the value of a digit 1–9: lines that differ only in those mask alike
// (sign masks one line per digit-blind shape and relies on it).
func TestMaskIsDigitBlind(t *testing.T) {
	for _, line := range []string{"3 tests failed: test_a_12: expected 26 items, got 25; see line 180 of x_test.py",
		"at 2026-11-19T09:30:00Z job 3f9a2c1be4d5 took 1.5GB (75%) 0x1f abc1234 deadbeef1 abcdef1", "timeout after 300s (request req_0f54eb)"} {
		var b []byte
		for _, d := range "123456789" {
			alt := strings.Map(func(r rune) rune {
				if r >= '1' && r <= '9' {
					return d
				}
				return r
			}, line)
			if Mask(alt) != Mask(line) {
				t.Errorf("%q and %q mask differently", line, alt)
			}
			b = DigitBlind(b[:0], alt)
		}
		if string(b) != string(DigitBlind(nil, line)) {
			t.Errorf("DigitBlind differs")
		}
	}
}
