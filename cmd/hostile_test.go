package cmd

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/evals-dev/evals/internal/hostile"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// TestHostileCorpus imports the hostile corpus (the Big List of Naughty Strings, escape
// sequences, bidi overrides, markup) as outputs, evidence, errors, tool calls, trajectories
// and stimulus and model names, then renders every command in every format and checks
// that none of it is obeyed: no control byte reaches a terminal or a pipe, Markdown has no
// markup of its own, CSV cells never start a formula, JSON stays exact, nothing panics.
func TestHostileCorpus(t *testing.T) {
	t.Parallel() // its own store, or the shared demo read only
	dir := t.TempDir()
	root := filepath.Join(dir, "store")
	for _, name := range []string{"evil-1", "evil-2"} {
		f := filepath.Join(dir, name+".jsonl")
		if err := hostile.WriteRun(f, name+" \x1b]0;PWNED\x07", 0); err != nil {
			t.Fatal(err)
		}
		if r := run(t, false, "import", f, "--name", name, "--store", root); r.code != 0 {
			t.Fatalf("import: %+v", r)
		}
	}
	ids := run(t, false, "outcomes", "--json", "--jq", ".items[].id", "--limit", "1000", "--store", root)
	var outcomeIDs []string
	for _, l := range strings.Fields(ids.out) {
		outcomeIDs = append(outcomeIDs, strings.Trim(l, `"`))
	}
	if len(outcomeIDs) < 400 {
		t.Fatalf("%d outcomes", len(outcomeIDs))
	}
	commands := [][]string{
		{"runs"}, {"run", "latest"}, {"ranking"}, {"graders"}, {"tools"}, {"matrix"},
		{"outcomes", "--limit", "1000"}, {"outcomes", "--passed", "false"},
		{"compare", "latest", "latest~1", "--all"}, {"compare", "latest", "--models", "model-a,<b>model-c</b>"},
	}
	// Details of a spread of outcomes: every one would make the test slow.
	for i := 0; i < len(outcomeIDs); i += 7 {
		commands = append(commands, []string{"outcome", outcomeIDs[i]}, []string{"trajectory", outcomeIDs[i]},
			[]string{"outcome", outcomeIDs[i], "--tools"})
	}
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	for _, args := range commands {
		args = append(args, "--store", root)
		for _, form := range []struct {
			name  string
			tty   bool
			extra []string
		}{
			{"tty", true, nil}, {"tty-color", true, []string{"--color", "always"}}, {"pipe", false, nil},
			{"markdown", false, []string{"--format", "markdown"}}, {"csv", false, []string{"--format", "csv"}},
			{"csv-tty", true, []string{"--format", "csv"}},
			{"json", false, []string{"--json"}}, {"jsonl", false, []string{"--format", "jsonl"}},
		} {
			r := run(t, form.tty, append(append([]string{}, args...), form.extra...)...)
			what := strings.Join(args[:len(args)-2], " ") + " [" + form.name + "]"
			if r.code != 0 && !(strings.HasPrefix(form.name, "csv") && strings.Contains(r.err, "no table")) {
				t.Errorf("%s: exit %d: %.300s", what, r.code, r.err)
				continue
			}
			if msg := inertText(r.err, false); msg != "" {
				t.Errorf("%s: stderr %s", what, msg)
			}
			switch form.name {
			case "tty", "pipe", "tty-color", "csv-tty": // CSV on a terminal is text for a person
				if msg := inertText(r.out, form.name == "tty-color"); msg != "" {
					t.Errorf("%s: %s", what, msg)
				}
			case "markdown":
				if msg := inertMarkdown(md, r.out); msg != "" {
					t.Errorf("%s: %s", what, msg)
				}
			case "csv":
				if msg := inertCSV(r.out); msg != "" {
					t.Errorf("%s: %s", what, msg)
				}
			case "json":
				if !json.Valid([]byte(r.out)) {
					t.Errorf("%s: invalid JSON", what)
				}
			case "jsonl":
				for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
					if l != "" && !json.Valid([]byte(l)) {
						t.Errorf("%s: invalid JSON line %.100q", what, l)
						break
					}
				}
			}
		}
	}
	// JSON is exact: the stored text comes back byte for byte; --jq prints a string raw
	// on a pipe (data), inert on a terminal (text for a person).
	corpus := map[string]bool{}
	for _, s := range hostile.Strings() {
		// JSON carries Unicode: bytes that are not UTF-8 were U+FFFD from the file on.
		b, _ := json.Marshal(s)
		var norm string
		_ = json.Unmarshal(b, &norm)
		corpus[norm] = true
	}
	exact := 0
	for _, id := range outcomeIDs {
		var o struct{ Output string }
		r := run(t, false, "outcome", id, "--json", "--store", root)
		if err := json.Unmarshal([]byte(r.out), &o); err != nil || !corpus[o.Output] {
			t.Fatalf("%s: JSON output is not exact: %q %v", id, o.Output, err)
		}
		if strings.Contains(o.Output, "\x1b]0;") {
			exact++
			pipe := run(t, false, "outcome", id, "--jq", ".output", "--store", root)
			tty := run(t, true, "outcome", id, "--jq", ".output", "--store", root)
			if pipe.out != o.Output+"\n" || inertText(tty.out, false) != "" {
				t.Errorf("--jq of a raw string: pipe %q, tty %q", pipe.out, tty.out)
			}
		}
	}
	if exact == 0 {
		t.Fatal("no outcome carries the OSC 0 title sequence")
	}
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// inertText says what in s a terminal would obey: a control character other than tab and
// newline (outside the SGR colour sequences evals draws itself when colour is on), a C1
// control, a bidi override, or bytes that are not UTF-8.
func inertText(s string, color bool) string {
	if color {
		s = sgr.ReplaceAllString(s, "")
	}
	if !utf8.ValidString(s) {
		return "bytes that are not UTF-8"
	}
	for i, r := range s {
		switch {
		case r < 0x20 && r != '\n' && r != '\t', r == 0x7f, r >= 0x80 && r <= 0x9f:
			return "control character " + strconv.QuoteRune(r) + " at " + strconv.Itoa(i) + ": " + strconv.Quote(s[max(0, i-40):min(len(s), i+40)])
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return "bidi control " + strconv.QuoteRune(r)
		}
	}
	return ""
}

// inertMarkdown says what markup hostile text added: an unescaped < (other than the <br>
// that stands for a newline in a cell), or HTML a renderer made from it.
func inertMarkdown(md goldmark.Markdown, s string) string {
	if msg := inertText(s, false); msg != "" {
		return msg
	}
	if i := strings.Index(strings.ReplaceAll(s, "<br>", ""), "<"); i >= 0 {
		return "unescaped < in " + strconv.Quote(s[max(0, i-40):min(len(s), i+40)])
	}
	var html bytes.Buffer
	if err := md.Convert([]byte(s), &html); err != nil {
		return err.Error()
	}
	h := html.String()
	for _, bad := range []string{"<img", "<script", "<a ", "<b>", "<em>", "<code>", "<del>", "<iframe", "<div", "<input", "<svg"} {
		if strings.Contains(h, bad) {
			i := strings.Index(h, bad)
			return "rendered " + bad + " from text: " + strconv.Quote(h[max(0, i-60):min(len(h), i+60)])
		}
	}
	return ""
}

// inertCSV says which cell a spreadsheet would run as a formula.
func inertCSV(s string) string {
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		return "unreadable CSV: " + err.Error()
	}
	for _, rec := range recs {
		for _, c := range rec {
			if c == "" || !strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				continue
			}
			if _, err := strconv.ParseFloat(c, 64); err == nil {
				continue
			}
			return "formula cell " + strconv.Quote(c)
		}
	}
	return ""
}

// TestHostileNumbers: values outside the format's ranges are refused on import with the
// line and the rule (exit 4, nothing written); a BOM is no problem; JSON errors name JSON
// kinds, never Go types; a run.json that cannot be read is corrupt_data, not not_found.
func TestHostileNumbers(t *testing.T) {
	dir := t.TempDir()
	const ok = `{"stimulus":"s1","model":"m","trial":0,"passed":true}`
	cases := []struct {
		name, body string
		code       int
		want       string
	}{
		{"trial-huge", `{"stimulus":"s1","model":"m","trial":2000000000,"passed":true}`, 4, "trial 2000000000 is outside 0..1000000"},
		{"trial-int32", `{"stimulus":"s1","model":"m","trial":2147483648,"passed":true}`, 4, "trial 2147483648 is outside"},
		{"trial-max", `{"stimulus":"s1","model":"m","trial":1000000,"passed":true}`, 0, ""},
		{"tokens-overflow", `{"stimulus":"s1","model":"m","passed":true,"usage":{"inputTokens":9223372036854775807,"outputTokens":9223372036854775807}}`, 4, "token counts add up past"},
		{"run-tokens-overflow", `{"stimulus":"s1","model":"m","usage":{"totalTokens":9223372036854775807}}` + "\n" + `{"stimulus":"s2","model":"m","usage":{"totalTokens":9223372036854775807}}`, 4, "the run's total tokens would pass"},
		{"duration-negative", `{"stimulus":"s1","model":"m","durationMs":-5}`, 4, "durationMs -5 is negative"},
		{"weight-negative", `{"stimulus":"s1","model":"m","graders":[{"name":"g","passed":true,"weight":-1e308}]}`, 4, "graders[0].weight -1e+308 must be a finite number ≥ 0"},
		{"tool-duration-negative", `{"stimulus":"s1","model":"m","toolCalls":[{"tool":"x","durationMs":-1}]}`, 4, "toolCalls[0].durationMs -1 is negative"},
		{"cost-negative", `{"stimulus":"s1","model":"m","costUsd":-0.5}`, 4, "costUsd -0.5 must be a finite number ≥ 0"},
		{"array-line", `[1,2,3]`, 4, "want an object, found JSON array"},
		{"string-trial", `{"stimulus":"s1","model":"m","trial":"x"}`, 4, "field trial: want an integer that fits in 64 bits, found JSON string"},
		{"bom", "\xef\xbb\xbf" + ok, 0, ""},
	}
	for _, c := range cases {
		f := filepath.Join(dir, c.name+".jsonl")
		if err := os.WriteFile(f, []byte(c.body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		root := filepath.Join(dir, "store-"+c.name)
		r := run(t, false, "import", f, "--store", root)
		if r.code != c.code || !strings.Contains(r.err, c.want) {
			t.Errorf("%s: exit %d, %q; want exit %d and %q", c.name, r.code, r.err, c.code, c.want)
		}
		if regexp.MustCompile(`ingest\.|store\.|\*json|int64|float64`).MatchString(r.err) && !strings.Contains(r.err, "64 bits") {
			t.Errorf("%s: a Go name in the error: %s", c.name, r.err)
		}
		if c.code != 0 {
			if entries, _ := os.ReadDir(filepath.Join(root, "runs")); len(entries) != 0 {
				t.Errorf("%s: a refused import left %d runs", c.name, len(entries))
			}
			continue
		}
		// What is accepted answers every query at once: nothing is sized by a trial number.
		for _, args := range [][]string{{"ranking"}, {"matrix"}, {"graders"}, {"outcomes"}} {
			if r := run(t, false, append(args, "--store", root, "--json")...); r.code != 0 {
				t.Errorf("%s: %v: exit %d %s", c.name, args, r.code, r.err)
			}
		}
	}

	// A run.json that cannot be read: the listing warns and goes on, a query is corrupt_data.
	root := filepath.Join(dir, "store-bom")
	runs, _ := filepath.Glob(filepath.Join(root, "runs", "*", "run.json"))
	if len(runs) != 1 {
		t.Fatalf("runs: %v", runs)
	}
	os.WriteFile(runs[0], []byte(`{"id": broken`), 0o644)
	if r := run(t, false, "ranking", "--store", root); r.code != 4 || !strings.Contains(r.err, "cannot be read") {
		t.Errorf("ranking over a corrupt run.json: exit %d %s", r.code, r.err)
	}
	if r := run(t, false, "run", filepath.Base(filepath.Dir(runs[0])), "--store", root); r.code != 4 {
		t.Errorf("run ID of a corrupt run.json: exit %d %s", r.code, r.err)
	}
	if r := run(t, false, "runs", "--store", root); r.code != 0 || !strings.Contains(r.err, "warning: skipping a run") {
		t.Errorf("runs over a corrupt run.json: exit %d %s", r.code, r.err)
	}
}

// TestMissingIsNull: a duration or token count a source did not record is null from the
// importer to every answer, and means leave it out rather than count it as 0.
func TestMissingIsNull(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "mixed.jsonl")
	os.WriteFile(f, []byte(`{"stimulus":"a","model":"m","passed":true,"durationMs":100,"usage":{"inputTokens":10,"outputTokens":5}}
{"stimulus":"b","model":"m","passed":false}
{"stimulus":"c","model":"n","passed":true}
`), 0o644)
	root := filepath.Join(dir, "store")
	if r := run(t, false, "import", f, "--store", root); r.code != 0 {
		t.Fatalf("import: %s", r.err)
	}
	checks := []struct {
		args []string
		jq   string
		want string
	}{
		{[]string{"outcomes", "--sort", "duration_ms"}, `[.items[] | .durationMs] | tojson`, `[100,null,null]`},
		{[]string{"outcomes"}, `[.items[] | .totalTokens] | tojson`, `[15,null,null]`},
		{[]string{"ranking"}, `[.models[] | [.model, .meanDurationMs, .totalTokens]] | tojson`, `[["n",null,null],["m",100,15]]`},
		{[]string{"runs"}, `[.items[0] | .durationMs, .totalTokens] | tojson`, `[100,15]`},
		{[]string{"matrix", "--metric", "duration_ms"}, `[.cells[][] | .value] | tojson`, `[100,null,null,null,null,null]`},
	}
	for _, c := range checks {
		r := run(t, false, append(c.args, "--store", root, "--json", "--jq", c.jq)...)
		if strings.TrimSpace(r.out) != c.want {
			t.Errorf("%v: %s, want %s (%s)", c.args, r.out, c.want, r.err)
		}
	}
}
