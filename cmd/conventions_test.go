package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConventions: what the user says wins over what is detected, a store that is not
// there is not_found, and import creates one.
func TestConventions(t *testing.T) {
	// On a pipe, --format table and --color always ask for the terminal's table.
	pipe := run(t, false, "ranking")
	table := run(t, false, "ranking", "--format", "table")
	color := run(t, false, "ranking", "--color", "always")
	if !strings.Contains(pipe.out, "\t") || strings.Contains(table.out, "\t") || !strings.Contains(table.out, "Ranking · run") {
		t.Errorf("--format table on a pipe:\n%s", table.out)
	}
	if !strings.Contains(color.out, "\x1b[") || strings.Contains(pipe.out, "\x1b[") {
		t.Errorf("--color always on a pipe: %q", color.out[:min(80, len(color.out))])
	}
	// A store that does not exist: not_found for every read command, with a hint.
	missing := filepath.Join(t.TempDir(), "nope")
	for _, args := range [][]string{{"runs"}, {"ranking"}, {"graders"}, {"outcomes"}, {"compare", "latest", "latest~1"}, {"tags"}} {
		r := run(t, false, append(args, "--store", missing)...)
		if r.code != 3 || !strings.Contains(r.err, "no store at") || !strings.Contains(r.err, "evals import") {
			t.Errorf("%v on a missing store: exit %d %s", args, r.code, r.err)
		}
	}
	// Import creates it (and takes --from; --format is the output's).
	f := filepath.Join(t.TempDir(), "x.jsonl")
	writeFile(t, f, `{"stimulus":"s","model":"m","passed":true}`+"\n")
	if r := run(t, false, "import", f, "--from", "native", "--store", missing); r.code != 0 {
		t.Fatalf("import into a new store: %d %s", r.code, r.err)
	}
	if r := run(t, false, "runs", "--store", missing, "--format", "csv"); r.code != 0 || !strings.HasPrefix(r.out, "ID,") {
		t.Errorf("runs after import: %d %s %s", r.code, r.out, r.err)
	}
	// --version says what was built.
	if r := run(t, false, "version"); r.code != 0 || !strings.HasPrefix(r.out, "evals ") {
		t.Errorf("version: %q %s", r.out, r.err)
	}
	if withCommit("v1.2.3", "abcdef123456", "2026-11-30T05:00:00Z", true) != "v1.2.3 (abcdef1-dirty, 2026-11-30)" {
		t.Errorf("withCommit: %s", withCommit("v1.2.3", "abcdef123456", "2026-11-30T05:00:00Z", true))
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
