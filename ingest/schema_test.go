package ingest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evals-dev/evals/internal/hostile"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchema compiles evals schema (JSON Schema 2020-12) with a standard validator,
// formats asserted.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(JSONSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("evals.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("evals.schema.json")
	if err != nil {
		t.Fatalf("evals schema does not compile as JSON Schema 2020-12: %v", err)
	}
	return sch
}

func validLine(sch *jsonschema.Schema, line string) error {
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(line))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

// TestSchemaValidatesTheDocs: every line of every example in docs/format.md, and the
// native files the tests write, validate against evals schema.
func TestSchemaValidatesTheDocs(t *testing.T) {
	sch := compileSchema(t)
	md, err := os.ReadFile(filepath.Join("..", "docs", "format.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := 0
	for _, block := range strings.Split(string(md), "```jsonl")[1:] {
		block = block[:strings.Index(block, "```")]
		for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			examples++
			if err := validLine(sch, line); err != nil {
				t.Errorf("docs/format.md example does not validate: %v\n%s", err, line)
			}
		}
	}
	if examples < 5 {
		t.Fatalf("found %d example lines in docs/format.md", examples)
	}
	// The hostile corpus run: every text field filled with naughty strings.
	f := filepath.Join(t.TempDir(), "corpus.jsonl")
	if err := hostile.WriteRun(f, "corpus", 0); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f)
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if err := validLine(sch, line); err != nil {
			t.Errorf("corpus line %d does not validate: %v", i+1, err)
			break
		}
	}
}

// TestSchemaRejectsInvalidLines: the lines the importer rejects, the schema rejects too,
// except what a schema of one line cannot say (documented in docs/format.md).
func TestSchemaRejectsInvalidLines(t *testing.T) {
	sch := compileSchema(t)
	for _, c := range []struct{ name, line string }{
		{"type", `{"stimulus":"a","model":"m","passed":"yes"}`},
		{"missing model", `{"stimulus":"a"}`},
		{"status", `{"stimulus":"a","model":"m","status":"ok"}`},
		{"score", `{"stimulus":"a","model":"m","score":2}`},
		{"version", `{"type":"run","version":2}`},
		{"grader", `{"stimulus":"a","model":"m","graders":[{"passed":true}]}`},
		{"negative trial", `{"stimulus":"a","model":"m","trial":-1}`},
		{"negative cost", `{"stimulus":"a","model":"m","costUsd":-1}`},
		{"tool without name", `{"stimulus":"a","model":"m","toolCalls":[{"durationMs":3}]}`},
		{"event without type", `{"stimulus":"a","model":"m","events":[{"content":"x"}]}`},
	} {
		if err := validLine(sch, c.line); err == nil {
			t.Errorf("%s: the schema accepts %s, the importer rejects it", c.name, c.line)
		}
	}
	// What one line's schema cannot see: a header after the first outcome, and a file
	// with no outcome. Both are valid lines; the importer rejects the file.
	for _, line := range []string{`{"type":"run"}`} {
		if err := validLine(sch, line); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
	var any map[string]any
	if json.Unmarshal([]byte(`{"stimulus":`), &any) == nil {
		t.Fatal("a truncated line parsed")
	}
}
