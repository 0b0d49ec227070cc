// Package hostile is a corpus of attacker-shaped text for tests: the Big List of Naughty
// Strings (testdata/hostile/blns.json, MIT, see LICENSE.blns beside it) plus terminal
// escape sequences, bidirectional overrides and markup aimed at each output format. Only
// tests import it.
package hostile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Escapes are the sequences a terminal would obey, and markup a renderer would run.
var Escapes = []string{
	"\x1b]0;PWNED-TITLE\x07",                              // OSC 0: retitle the window
	"\x1b]52;c;cm0gLXJmIH4=\x07",                          // OSC 52: write the clipboard
	"\x1b[2J\x1b[Hall tests passed",                       // clear the screen, fake a result
	"\x1b[8mhidden\x1b[0m",                                // conceal text
	"\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\", // OSC 8 hyperlink
	"\x9b31mC1 CSI\x9b0m",                                 // C1 CSI as a rune
	"\xc2\x9b2J raw C1 bytes",                             // U+009B encoded
	"\x9b\xff invalid bytes",                              // not UTF-8
	"bell\x07 backspace\x08 del\x7f nul\x00 cr\r end",
	"\u202eevil\u202c \u2066isolate\u2069 reversed",
	"<img src=x onerror=alert(1)>",
	"<script>alert('x')</script>",
	"[click](javascript:alert(1)) ![img](http://evil.example/x.png)",
	"| broken | table |\n\nnew paragraph",
	"`code` **bold** _em_ ~~strike~~ <b>b</b> &amp; &lt;",
	"=HYPERLINK(\"http://evil.example\",\"x\")",
	"+cmd|' /C calc'!A0",
	"-2+3+cmd|' /C calc'!A0",
	"@SUM(1+1)*cmd|' /C calc'!A0",
}

// Strings is the whole corpus: the escapes, then the naughty strings.
func Strings() []string {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "hostile", "blns.json")
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	var blns []string
	if err := json.Unmarshal(b, &blns); err != nil {
		panic(err)
	}
	return append(append([]string{}, Escapes...), blns...)
}

// WriteRun writes a native JSONL run (see docs/format.md) whose every text field carries
// hostile strings: outputs, inputs, expected, errors, grader evidence, tool names,
// arguments and results, trajectory content, and stimulus and model names. n bounds how
// many strings of the corpus it uses (0: all).
func WriteRun(path, name string, n int) error {
	corpus := Strings()
	if n > 0 && n < len(corpus) {
		corpus = corpus[:n]
	}
	var b strings.Builder
	hdr, _ := json.Marshal(map[string]any{"type": "run", "name": name, "labels": map[string]string{"evil": corpus[0]}})
	b.Write(hdr)
	b.WriteByte('\n')
	for i, s := range corpus {
		model := []string{"model-a", "model-b\x1b]0;PWNED-TITLE\x07", "<b>model-c</b>"}[i%3]
		stim := fmt.Sprintf("stim-%03d %s", i/3, corpus[(i/3)%len(corpus)])
		passed := i%4 != 0
		line := map[string]any{
			"stimulus": stim, "model": model, "trial": 0, "passed": passed,
			"input": s, "output": s, "expected": s, "durationMs": i,
			"graders":   []map[string]any{{"name": "judge " + corpus[i%len(Escapes)], "passed": passed, "evidence": s}},
			"toolCalls": []map[string]any{{"tool": "bash" + corpus[i%len(Escapes)], "arguments": s, "result": s, "error": s}},
			"events": []map[string]any{
				{"type": "message", "role": "assistant", "content": s},
				{"type": "tool_call", "tool": "bash", "content": s},
			},
		}
		if i%5 == 0 {
			line["status"], line["error"], line["passed"] = "error", s, nil
		}
		j, err := json.Marshal(line)
		if err != nil {
			return err
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
