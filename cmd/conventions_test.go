package cmd

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
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
	if r := run(t, false, "runs", "--store", missing, "--format", "csv"); r.code != 0 || !strings.HasPrefix(r.out, "id,") {
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

// TestCSVIsData: CSV carries data, not display text: snake_case names with the units in
// them, raw numbers (no %, $, bars, thousands separators or unit suffixes), full ids.
func TestCSVIsData(t *testing.T) {
	for _, args := range [][]string{{"runs"}, {"ranking"}, {"ranking", "--by", "category"}, {"graders"}, {"tools"}, {"outcomes", "--limit", "50"}, {"matrix", "--metric", "duration_ms"}} {
		r := run(t, false, append(args, "--format", "csv")...)
		rows, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("%v: %v %q", args, err, r.out)
		}
		for _, h := range rows[0] {
			if h == "" || h != strings.ToLower(h) || strings.Contains(h, " ") {
				t.Errorf("%v: column %q is not a data name", args, h)
			}
		}
		for _, row := range rows[1:] {
			for i, c := range row {
				name := rows[0][i]
				if strings.ContainsAny(c, "%$█░±") || regexp.MustCompile(`^\d{1,3}(,\d{3})+$`).MatchString(c) ||
					regexp.MustCompile(`^[\d.]+(ms|s)$`).MatchString(c) {
					t.Errorf("%v: %s = %q is display text", args, name, c)
				}
				if c != "" && (strings.HasSuffix(name, "_ms") || strings.HasSuffix(name, "_usd") || strings.HasSuffix(name, "_rate") || name == "outcomes" || name == "total_tokens") {
					if _, err := strconv.ParseFloat(c, 64); err != nil {
						t.Errorf("%v: %s = %q is not a number", args, name, c)
					}
				}
			}
		}
	}
	// Ids are whole: pasted into `evals outcome ID` they work.
	r := run(t, false, "outcomes", "--limit", "1", "--format", "csv")
	rows, _ := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if o := run(t, false, "outcome", rows[1][0]); o.code != 0 {
		t.Errorf("the CSV's id %q does not open: %s", rows[1][0], o.err)
	}
}

// TestCompletions: run references, models, graders and metrics complete from the store.
func TestCompletions(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"ranking", "--run", ""}, []string{"latest\t", "8b2d4e7f10\tcandidate"}},
		{[]string{"compare", ""}, []string{"latest~1\t", "5f3a9c1e02\tbaseline"}},
		{[]string{"outcomes", "--model", "gp"}, []string{"gpt-5"}},
		{[]string{"outcomes", "--grader", "t"}, []string{"tests-pass"}},
		{[]string{"matrix", "--metric", "cost"}, []string{"cost_usd\tCost"}},
	} {
		r := run(t, false, append([]string{"__complete", "--store", demoDir}, c.args...)...)
		for _, w := range c.want {
			if !strings.Contains(r.out, w) {
				t.Errorf("%v: %q lacks %q", c.args, r.out, w)
			}
		}
	}
}

// TestTablesFit: at 80, 100 and 160 columns every command's table fits the terminal (no
// line wider, so nothing wraps), ids are whole, and the golden files show which columns
// each width keeps.
func TestTablesFit(t *testing.T) {
	oid := strings.Trim(strings.TrimSpace(run(t, false, "outcomes", "--limit", "1", "--json", "--jq", ".items[0].id").out), `"`)
	cmds := map[string][]string{
		"runs": {"runs"}, "ranking": {"ranking"}, "graders": {"graders"}, "tools": {"tools"}, "matrix": {"matrix"},
		"outcomes": {"outcomes", "--limit", "5"}, "compare": {"compare", "latest", "latest~1"}, "trend": {"trend"}, "tags": {"tags"},
		"run": {"run", "latest"}, "metrics": {"metrics"}, "power": {"power", "--from", "latest"}, "outcome": {"outcome", oid},
		"tooluse": {"outcome", oid, "--tools"}, "mcompare": {"compare", "latest", "--models", "gpt-5,qwen3-coder"}, "sessions": {"sessions"},
	}
	for _, width := range []int{80, 100, 160} {
		for name, args := range cmds {
			ios, _, out, errOut := Test(true)
			ios.Width = width
			if code := Execute(context.Background(), append(args, "--store", demoDir), ios); code != 0 {
				t.Fatalf("%s: exit %d %s", name, code, errOut)
			}
			for _, line := range strings.Split(out.String(), "\n") {
				if w := ansi.StringWidth(line); w > width {
					t.Errorf("%s at %d: a line of %d columns: %q", name, width, w, line)
				}
			}
			if name == "outcomes" && !strings.Contains(out.String(), oid) {
				t.Errorf("outcomes at %d: the id %s is cut", width, oid)
			}
			golden(t, fmt.Sprintf("fit/%s.%d.txt", name, width), out.String())
		}
	}
}

// TestPager: long output on a terminal goes through the pager; short output, a pipe or
// --no-pager do not.
func TestPager(t *testing.T) {
	if _, err := exec.LookPath("tr"); err != nil {
		t.Skip("no tr to stand in for a pager")
	}
	page := func(height int, args ...string) string {
		ios, _, out, errOut := Test(true)
		ios.Height, ios.Pager = height, "tr a-z A-Z" // a pager that shows it paged
		if code := Execute(context.Background(), append(args, "--store", demoDir), ios); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
		return out.String()
	}
	if s := page(10, "outcomes", "--limit", "50"); !strings.Contains(s, "BUGFIX/") {
		t.Errorf("long output was not paged:\n%.300s", s)
	}
	if s := page(200, "outcomes", "--limit", "50"); strings.Contains(s, "BUGFIX/") {
		t.Errorf("output shorter than the terminal was paged")
	}
	if s := page(10, "outcomes", "--limit", "50", "--no-pager"); strings.Contains(s, "BUGFIX/") {
		t.Errorf("--no-pager paged")
	}
}
