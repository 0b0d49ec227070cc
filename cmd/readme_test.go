package cmd

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReadmeCommandsRun runs the README's evals commands as written, on a demo store of
// their own: every line of a sh block that starts with evals, except those that name a
// file, an ID or a bucket the reader brings, or that serve. Each must exit 0 (a gate that
// fails exits 1, as the README says it does).
func TestReadmeCommandsRun(t *testing.T) {
	t.Parallel() // its own store, or the shared demo read only
	dir := filepath.Join(t.TempDir(), "store")
	if r := run(t, false, "demo", "--store", dir); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	ran := 0
	for _, line := range readmeCommands(t) {
		for _, cmd := range strings.Split(line, "&&") {
			args := shellWords(strings.TrimSpace(cmd))
			if len(args) == 0 || args[0] != "evals" || bringsItsOwn(cmd) {
				continue
			}
			args = withoutDemo(args[1:])
			if i := slices.Index(args, "--store"); i >= 0 && i+1 < len(args) {
				args[i+1] = filepath.Join(t.TempDir(), args[i+1]) // a store of the line's own
			} else {
				args = append(args, "--store", dir)
			}
			ios, _, out, errOut := Test(false)
			code := Execute(context.Background(), args, ios)
			want := 0
			if strings.Contains(cmd, "--fail-on-regression") {
				want = 1
			}
			if code != want {
				t.Errorf("%s: exit %d, want %d\n%s%s", strings.TrimSpace(cmd), code, want, out.String(), errOut.String())
			}
			ran++
		}
	}
	if ran < 30 {
		t.Fatalf("ran %d README commands: the test does not find them", ran)
	}
	t.Logf("ran %d README commands", ran)
}

// readmeCommands are the lines of the README's sh blocks, comments cut.
func readmeCommands(t *testing.T) []string {
	f, err := os.Open(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "```sh"):
			in = true
		case strings.HasPrefix(l, "```"):
			in = false
		case in:
			if i := strings.Index(l, "  #"); i >= 0 {
				l = l[:i]
			}
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// bringsItsOwn: a line that needs what the reader brings (a file, an outcome ID, a run
// named old, a bucket), serves, pipes on, or writes the static report into the working
// folder (TestDashboardInChromium opens one).
func bringsItsOwn(cmd string) bool {
	for _, w := range []string{" ID", "<id>", " new old", "results", "logs/", "--watch", "import -", "serve", " mcp",
		"://", "GITHUB_STEP_SUMMARY", "|", "old-run", " > ", "report --html"} {
		if strings.Contains(cmd, w) {
			return true
		}
	}
	return false
}

func withoutDemo(args []string) []string {
	var out []string
	for _, a := range args {
		if a != "--demo" {
			out = append(out, a)
		}
	}
	return out
}

// shellWords splits a command line as sh does for plain words and '…' or "…" quotes.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	quote, has := rune(0), false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, has = r, true
		case r == ' ' || r == '\t':
			if cur.Len() > 0 || has {
				out = append(out, cur.String())
				cur.Reset()
				has = false
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 || has {
		out = append(out, cur.String())
	}
	return out
}
