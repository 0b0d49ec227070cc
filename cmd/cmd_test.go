package cmd

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/internal/s3test"
)

var update = flag.Bool("update", false, "rewrite golden files")

// demoDir is a demo store written once for all tests of this package.
var demoDir string

func TestMain(m *testing.M) {
	// Re-executed by tests that need a real evals process (see kill_test.go).
	if args := os.Getenv("EVALS_TEST_MAIN"); args != "" {
		os.Exit(Execute(context.Background(), strings.Fields(args), System()))
	}
	flag.Parse()
	// A helper process (TestAnnotateHelper) needs no demo store, and may be killed before
	// it could remove one.
	if os.Getenv("EVALS_ANNOTATE_IDS") != "" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "evals-cmd-test-")
	if err != nil {
		panic(err)
	}
	demoDir = filepath.Join(dir, "store")
	// The user cache of every command a test runs in this process, and the S3 test
	// servers' credentials, set once: tests with their own server run side by side.
	s3test.UseCredentials(filepath.Join(dir, "cache"))
	if _, err := ingest.Demo(context.Background(), demoDir, nil); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	out, err string
	code     int
}

// run executes the CLI against the demo store (unless args name another --store).
func run(t *testing.T, tty bool, args ...string) result {
	t.Helper()
	ios, _, out, errOut := Test(tty)
	if !strings.Contains(strings.Join(args, " "), "--store") {
		args = append(args, "--store", demoDir)
	}
	code := Execute(context.Background(), args, ios)
	return result{out.String(), errOut.String(), code}
}

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	if strings.HasSuffix(name, ".json") {
		// Stored indented, so a change to the API reads as a reviewable diff.
		got = string(format.Indent([]byte(got)))
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test ./cmd -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestGoldenOutputs(t *testing.T) {
	cases := []struct {
		name string
		tty  bool
		args []string
	}{
		{"runs.json", false, []string{"runs", "--json"}},
		{"runs.tty.txt", true, []string{"runs"}},
		{"runs.pipe.txt", false, []string{"runs"}},
		{"run.tty.txt", true, []string{"run", "latest"}},
		{"run.pipe.txt", false, []string{"run", "latest"}},
		{"run.json", false, []string{"run", "baseline", "--json"}},
		{"run.md", false, []string{"run", "latest~2", "--format", "markdown"}},
		{"run.csv", false, []string{"run", "latest~2", "--format", "csv"}},
	}
	oid := "8b2d4e7f10-0000006"
	kinds := map[string][]string{
		"ranking":    {"ranking"},
		"graders":    {"graders"},
		"tools":      {"tools", "--run", "all"},
		"matrix":     {"matrix", "--run", "latest~1"},
		"outcomes":   {"outcomes", "--model", "gpt-5", "--status", "failed,error", "--limit", "5"},
		"outcome":    {"outcome", oid},
		"tooluse":    {"outcome", oid, "--tools"},
		"trajectory": {"trajectory", oid},
		"mcompare":   {"compare", "latest", "--models", "gpt-5,qwen3-coder"},
		"metrics":    {"metrics"},
		// The rest of the questions, so every command's pipe is held to the data contract.
		"failures":    {"failures"},
		"trend":       {"trend"},
		"tags":        {"tags"},
		"sessions":    {"sessions"},
		"annotations": {"annotations", "--run", "latest"},
		"power":       {"power", "--from", "latest"},
	}
	for name, args := range kinds {
		cases = append(cases,
			struct {
				name string
				tty  bool
				args []string
			}{name + ".json", false, append(args, "--json")},
			struct {
				name string
				tty  bool
				args []string
			}{name + ".tty.txt", true, args},
			struct {
				name string
				tty  bool
				args []string
			}{name + ".pipe.txt", false, args},
			struct {
				name string
				tty  bool
				args []string
			}{name + ".csv", false, append(args, "--format", "csv")},
			struct {
				name string
				tty  bool
				args []string
			}{name + ".md", false, append(args, "--format", "markdown")},
		)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, c.tty, c.args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.err)
			}
			golden(t, c.name, r.out)
		})
	}
}

func TestExitCodesAndErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "nope"}, 3, `error: run "nope" not found`},
		{[]string{"run"}, 2, "error: evals run takes one run reference"},
		{[]string{"runs", "--limit", "0"}, 2, "limit 0 is out of range"},
		{[]string{"runs", "--limit", "1001"}, 2, "limit 1001 is out of range"},
		{[]string{"runs", "--cursor", "!!"}, 2, "malformed cursor"},
		{[]string{"runs", "--format", "xml"}, 2, `unknown --format "xml"`},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"runs", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"run", "latest~9"}, 3, "the store has 3 runs"},
	}
	for _, c := range cases {
		r := run(t, false, c.args...)
		if r.code != c.code || !strings.Contains(r.err, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, r.code, r.err, c.code, c.want)
		}
	}
	r := run(t, false, "run", "nope", "--json")
	if r.out != `{"error":{"code":"not_found","message":"run \"nope\" not found"}}`+"\n" {
		t.Errorf("JSON error envelope: %q", r.out)
	}
}

func TestRunsPaging(t *testing.T) {
	r := run(t, false, "runs", "--limit", "2", "--jq", ".page.nextCursor")
	cursor := strings.TrimSpace(r.out)
	r = run(t, false, "runs", "--limit", "2", "--cursor", cursor, "--jq", ".items[].name, .page.hasMore")
	if r.out != "nightly-2026-11-19\nfalse\n" {
		t.Fatalf("second page: %q %s", r.out, r.err)
	}
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "r.jsonl")
	os.WriteFile(file, []byte(`{"stimulus":"a","model":"m","passed":true}`+"\n"), 0o644)
	r := run(t, false, "import", file, "--store", dir)
	if r.code != 0 || !strings.Contains(r.out, "imported run") {
		t.Fatalf("import: %+v", r)
	}
	r = run(t, false, "import", file, "--store", dir)
	if r.code != 0 || !strings.Contains(r.out, "already imported") {
		t.Fatalf("re-import: %+v", r)
	}
	os.WriteFile(file, []byte(`{"stimulus":"a","model":"m","passed":"x"}`+"\n"), 0o644)
	r = run(t, false, "import", file, "--store", dir)
	if r.code != 4 || !strings.Contains(r.err, "r.jsonl:1: field passed") {
		t.Fatalf("invalid import: %+v", r)
	}
}

// TestNoCommandOnAPipePrintsHelp: evals without a command starts the explorer only on a
// terminal; in a pipe or CI it prints the help and exits 0.
func TestNoCommandOnAPipePrintsHelp(t *testing.T) {
	r := run(t, false)
	if r.code != 0 || !strings.Contains(r.out, "Available Commands") || !strings.Contains(r.out, "compare") {
		t.Fatalf("exit %d: %q", r.code, r.out)
	}
	r = run(t, false, "tui")
	if r.code != 2 || !strings.Contains(r.err, "needs a terminal") {
		t.Fatalf("tui on a pipe: exit %d %q", r.code, r.err)
	}
}

func TestRunsWarnsAboutBrokenRuns(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "r.jsonl"), []byte(`{"stimulus":"a","model":"m","passed":true}`+"\n"), 0o644)
	if r := run(t, false, "import", filepath.Join(root, "r.jsonl"), "--store", root); r.code != 0 {
		t.Fatal(r.err)
	}
	os.MkdirAll(filepath.Join(root, "runs", "broken"), 0o755)
	os.WriteFile(filepath.Join(root, "runs", "broken", "run.json"), []byte("{not json"), 0o644)
	r := run(t, false, "runs", "--store", root, "--json", "--jq", ".page.total")
	if r.code != 0 || r.out != "1\n" || !strings.Contains(r.err, "warning: skipping a run") || !strings.Contains(r.err, "broken") {
		t.Fatalf("exit %d out %q err %q", r.code, r.out, r.err)
	}
}

// TestPipesCarryData holds every command's pipe golden to the README's contract: snake_case
// names (a table's header, a head's keys) and raw numbers (no thousands separators, %, ±,
// units or currency signs in a cell that is a number).
func TestPipesCarryData(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pipe.txt"))
	if len(files) < 15 {
		t.Fatalf("%d pipe goldens", len(files))
	}
	name := regexp.MustCompile(`^[a-z][a-z0-9_.]*$`)
	display := regexp.MustCompile(`^[−+-]?(\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?(%|ms|s|m|h)|\$\d.*)$|^.{0,20}±`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for bi, block := range strings.Split(strings.TrimRight(string(b), "\n"), "\n\n") {
			lines := strings.Split(block, "\n")
			kv := true
			for _, l := range lines {
				kv = kv && len(strings.Split(l, "\t")) == 2
			}
			var names []string
			if kv {
				for _, l := range lines {
					names = append(names, strings.Split(l, "\t")[0])
				}
			} else {
				names = strings.Split(lines[0], "\t")
			}
			for _, n := range names {
				if !name.MatchString(n) && !strings.HasPrefix(n, "label.") {
					t.Errorf("%s block %d: %q is not a snake_case name", f, bi, n)
				}
			}
			for _, l := range lines[1:] {
				for _, c := range strings.Split(l, "\t") {
					if display.MatchString(c) {
						t.Errorf("%s block %d: %q is a display number", f, bi, c)
					}
				}
			}
		}
	}
}

// TestListLargest: a list over every run keeps only small footers; over named runs, each
// run's two files share the budget.
func TestListLargest(t *testing.T) {
	for _, c := range []struct {
		refs []string
		want int64
	}{
		{nil, listFilesBudget / 100},
		{[]string{"all"}, listFilesBudget / 100},
		{[]string{"latest", "all"}, listFilesBudget / 100},
		{[]string{"latest"}, listFilesBudget / 2},
		{[]string{"a", "b", "c"}, listFilesBudget / 6},
	} {
		if got := listLargest(c.refs); got != c.want {
			t.Errorf("listLargest(%q) = %d, want %d", c.refs, got, c.want)
		}
	}
}
