package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One man page per command, each with its command's summary.
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	if err := write(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "evals-ranking.1"))
	if err != nil || !strings.Contains(string(b), "Rank models") {
		t.Fatalf("evals-ranking.1: %v", err)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	if len(pages) < 20 {
		t.Fatalf("%d man pages", len(pages))
	}
}
