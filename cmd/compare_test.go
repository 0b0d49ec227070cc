package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompareGoldenAndGates(t *testing.T) {
	for name, args := range map[string][]string{
		"compare.tty.txt":  {"compare", "latest", "latest~1"},
		"compare.json":     {"compare", "latest", "latest~1", "--json"},
		"compare.md":       {"compare", "latest", "latest~1", "--format", "markdown"},
		"compare.csv":      {"compare", "latest", "latest~1", "--format", "csv"},
		"compare3.tty.txt": {"compare", "latest", "latest~1", "latest~2"},
	} {
		r := run(t, strings.HasSuffix(name, "tty.txt"), args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.err)
		}
		golden(t, name, r.out)
	}
	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"compare", "latest", "latest~1", "--fail-on-regression"}, 1, "quality gate failed: gpt-5 regressed"},
		{[]string{"compare", "latest", "latest", "--fail-on-regression", "--strict"}, 0, ""},
		{[]string{"compare", "latest", "latest~1", "--min-pass-rate", "0.9"}, 1, "below --min-pass-rate 90.0%"},
		{[]string{"compare", "latest", "latest~1", "--min-pass-rate", "0.3"}, 0, ""},
		{[]string{"compare", "latest"}, 2, "compare needs a new run and a baseline"},
		{[]string{"compare", "latest", "nope"}, 3, `run "nope" not found`},
		{[]string{"compare", "latest", "latest~1", "--pair", "x"}, 2, "invalid --pair"},
	}
	for _, c := range cases {
		r := run(t, false, c.args...)
		if r.code != c.code || !strings.Contains(r.err, c.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, r.code, r.err, c.code, c.err)
		}
	}
}

func TestCompareNothingInCommon(t *testing.T) {
	dir := t.TempDir()
	for i, stim := range []string{"a", "b"} {
		f := filepath.Join(dir, stim+".jsonl")
		os.WriteFile(f, []byte(`{"type":"run","name":"r`+stim+`","createdAt":"2026-01-0`+string(rune('1'+i))+`T00:00:00Z"}
{"stimulus":"`+stim+`","model":"m","passed":true}
`), 0o644)
		if r := run(t, false, "import", f, "--store", dir); r.code != 0 {
			t.Fatal(r.err)
		}
	}
	r := run(t, false, "compare", "latest", "latest~1", "--store", dir)
	if r.code != 3 || !strings.Contains(r.err, "no stimulus in common") {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	r = run(t, false, "compare", "latest", "latest~1", "--store", dir, "--json")
	if !strings.Contains(r.out, `"code":"incomparable"`) {
		t.Fatalf("json: %s", r.out)
	}
}
