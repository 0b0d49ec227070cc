package main

import (
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
