package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/evals-dev/evals/"

// allowed holds the import directions of design.md: a package's non-test files may import
// only these packages of this module (errs is the leaf every package may use).
var allowed = map[string][]string{
	"cmd":    {"errs", "store", "query", "format", "ingest", "tui", "serve", "web", "mcp", "lake"},
	"serve":  {"errs", "query", "format", "store", "web", "mcp"},
	"mcp":    {"errs", "query", "format", "store"},
	"lake":   {"errs", "query", "store"},
	"web":    {"errs", "query", "format", "store"},
	"tui":    {"errs", "query", "store", "format"},
	"ingest": {"errs", "store"},
	"format": {"errs", "query", "store"},
	"query":  {"errs", "store"},
	"store":  {"errs"},
	"errs":   {},
}

func TestImportDirections(t *testing.T) {
	for pkg, ok := range allowed {
		files, _ := filepath.Glob(filepath.Join(pkg, "*.go"))
		for _, file := range files {
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if strings.Contains(path, "parquet-go/parquet-go") && pkg != "store" && !strings.HasSuffix(file, "_test.go") {
					t.Errorf("%s imports parquet-go: only store may", file)
				}
				dep, mine := strings.CutPrefix(path, module)
				// Tests may build fixtures with any package (the demo data lives in ingest).
				if !mine || strings.HasSuffix(file, "_test.go") {
					continue
				}
				if !slices.Contains(ok, strings.Split(dep, "/")[0]) {
					t.Errorf("%s imports %s: %s may import only %v", file, dep, pkg, ok)
				}
			}
		}
	}
	// Every package says what it owns in a doc.go.
	for pkg := range allowed {
		if _, err := os.Stat(filepath.Join(pkg, "doc.go")); err != nil {
			t.Errorf("%s has no doc.go", pkg)
		}
	}
}

// TestFunctionsFit: no function in the core packages is one a reader must scroll (80
// lines, its signature and closing brace included). It names every one over, longest
// first, and logs the spread: `go test -run TestFunctionsFit -v .`
func TestFunctionsFit(t *testing.T) {
	const limit = 80
	type fn struct {
		lines int
		where string
	}
	var all []int
	var over []fn
	for _, pkg := range []string{"query", "ingest", "store", "serve", "cmd"} {
		files, _ := filepath.Glob(filepath.Join(pkg, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
				all = append(all, n)
				if n >= limit {
					over = append(over, fn{n, file + ":" + fd.Name.Name})
				}
			}
		}
	}
	slices.SortFunc(over, func(a, b fn) int { return b.lines - a.lines })
	for _, f := range over {
		t.Errorf("%d lines: %s (split it into steps whose names say what they do)", f.lines, f.where)
	}
	slices.Sort(all)
	at := func(q float64) int { return all[int(q*float64(len(all)-1))] }
	t.Logf("%d functions: median %d lines, p90 %d, p99 %d, longest %d", len(all), at(.5), at(.9), at(.99), all[len(all)-1])
}
