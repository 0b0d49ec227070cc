package store_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
	"github.com/parquet-go/parquet-go"
)

// legacyOutcomeRow is OutcomeRow as stores wrote it before nulls: unrecorded durations and
// token counts are −1 in required columns.
type legacyOutcomeRow struct {
	RunID           string   `parquet:"run_id,dict,uncompressed"`
	OutcomeID       string   `parquet:"outcome_id,snappy"`
	Stimulus        string   `parquet:"stimulus,dict,uncompressed"`
	Model           string   `parquet:"model,dict,uncompressed"`
	Trial           int32    `parquet:"trial,delta,uncompressed"`
	Status          string   `parquet:"status,dict,uncompressed"`
	Passed          *bool    `parquet:"passed,optional,uncompressed"`
	Score           *float64 `parquet:"score,optional,uncompressed"`
	DurationMs      int64    `parquet:"duration_ms,delta,uncompressed"`
	Turns           int32    `parquet:"turns,delta,uncompressed"`
	ToolCalls       int32    `parquet:"tool_calls,delta,uncompressed"`
	Errors          int32    `parquet:"errors,delta,uncompressed"`
	InputTokens     int64    `parquet:"input_tokens,delta,uncompressed"`
	OutputTokens    int64    `parquet:"output_tokens,delta,uncompressed"`
	ReasoningTokens int64    `parquet:"reasoning_tokens,delta,uncompressed"`
	CachedTokens    int64    `parquet:"cached_tokens,delta,uncompressed"`
	TotalTokens     int64    `parquet:"total_tokens,delta,uncompressed"`
	CostUSD         *float64 `parquet:"cost_usd,optional,uncompressed"`
	StartedAt       int64    `parquet:"started_at,timestamp(millisecond),delta,uncompressed"`
	GradersRow      int64    `parquet:"graders_row,delta,uncompressed"`
	GradersLen      int32    `parquet:"graders_len,delta,uncompressed"`
	ToolsRow        int64    `parquet:"tools_row,delta,uncompressed"`
	ToolsLen        int32    `parquet:"tools_len,delta,uncompressed"`
	EventsRow       int64    `parquet:"events_row,delta,uncompressed"`
	EventsLen       int32    `parquet:"events_len,delta,uncompressed"`
	Tags            string   `parquet:"tags,dict"`
	Error           string   `parquet:"error"`
	Input           string   `parquet:"input"`
	Output          string   `parquet:"output"`
	Expected        string   `parquet:"expected"`
}

func minusOne(v *int64) int64 {
	if v == nil {
		return -1
	}
	return *v
}

// makeLegacy rewrites a run's outcomes.parquet the way stores were written before nulls.
func makeLegacy(t *testing.T, root, runID string) {
	t.Helper()
	path := filepath.Join(root, "runs", runID, "outcomes.parquet")
	rows, err := parquet.ReadFile[store.OutcomeRow](path)
	if err != nil {
		t.Fatal(err)
	}
	old := make([]legacyOutcomeRow, len(rows))
	for i, r := range rows {
		old[i] = legacyOutcomeRow{RunID: r.RunID, OutcomeID: r.OutcomeID, Stimulus: r.Stimulus, Model: r.Model, Trial: r.Trial,
			Status: r.Status, Passed: r.Passed, Score: r.Score, DurationMs: minusOne(r.DurationMs), Turns: zeroIfNil(r.Turns),
			ToolCalls: zeroIfNil(r.ToolCalls), Errors: r.Errors, InputTokens: minusOne(r.InputTokens), OutputTokens: minusOne(r.OutputTokens),
			ReasoningTokens: minusOne(r.ReasoningTokens), CachedTokens: minusOne(r.CachedTokens), TotalTokens: minusOne(r.TotalTokens),
			CostUSD: r.CostUSD, StartedAt: r.StartedAt, GradersRow: r.GradersRow, GradersLen: r.GradersLen, ToolsRow: r.ToolsRow,
			ToolsLen: r.ToolsLen, EventsRow: r.EventsRow, EventsLen: r.EventsLen, Tags: r.Tags, Error: r.Error, Input: r.Input,
			Output: r.Output, Expected: r.Expected}
	}
	if err := parquet.WriteFile(path, old); err != nil {
		t.Fatal(err)
	}
}

// zeroIfNil is a count as stores wrote it before nulls: 0 when not recorded.
func zeroIfNil(v *int32) int32 {
	if v == nil {
		return 0
	}
	return *v
}

// answers is what a run answers, as JSON: ranking, matrix of durations, one outcome page.
func answers(t *testing.T, s *store.Store, runID string) string {
	t.Helper()
	sc := query.Scope{Runs: []string{runID}}
	r, err := query.RankingOf(s, sc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := query.MatrixOf(s, sc, "duration_ms")
	if err != nil {
		t.Fatal(err)
	}
	o, err := query.Outcomes(s, query.OutcomesParams{Runs: []string{runID}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	d, err := query.OutcomeOf(s, store.OutcomeID(runID, 1))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal([]any{r, m, o, d})
	return string(b)
}

// TestMigrateKeepsTheAnswers: a run stored with −1 (an Inspect log records no durations)
// answers the same before and after evals migrate, its review still names its outcome, and
// the migrated files hold nulls.
func TestMigrateKeepsTheAnswers(t *testing.T) {
	root := t.TempDir()
	files, _ := filepath.Glob("../testdata/harness/inspect/*.eval")
	if len(files) == 0 {
		t.Skip("no Inspect fixture")
	}
	res, err := ingest.ImportFile(context.Background(), root, files[0], "", ingest.Options{})
	if err != nil || len(res) == 0 {
		t.Fatal(err)
	}
	id := res[0].Run.ID
	makeLegacy(t, root, id)
	s := store.Open(root)
	if need, err := s.NeedsMigration(id); err != nil || !need {
		t.Fatalf("a legacy run: needs migration %v, %v", need, err)
	}
	v := store.VerdictFail
	if _, err := s.Annotate(store.Annotation{OutcomeID: store.OutcomeID(id, 1), Verdict: &v, Author: "t"}); err != nil {
		t.Fatal(err)
	}
	before := answers(t, s, id)
	if done, err := s.Migrate(id); err != nil || !done {
		t.Fatalf("migrate: %v %v", done, err)
	}
	if after := answers(t, store.Open(root), id); after != before {
		t.Fatalf("answers changed by the migration:\nbefore %.600s\nafter  %.600s", before, after)
	}
	if need, _ := store.Open(root).NeedsMigration(id); need {
		t.Fatal("still needs migration after it")
	}
	if done, err := store.Open(root).Migrate(id); err != nil || done {
		t.Fatalf("a second migrate: %v %v", done, err)
	}
	rows, err := parquet.ReadFile[store.OutcomeRow](filepath.Join(root, "runs", id, "outcomes.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	nulls := 0
	for _, r := range rows {
		if r.DurationMs == nil {
			nulls++
		}
		if r.DurationMs != nil && *r.DurationMs < 0 {
			t.Fatalf("a −1 left after migration: %+v", r)
		}
	}
	if nulls == 0 {
		t.Fatal("the fixture records every duration: the test does not test")
	}
	if e, _ := os.ReadDir(filepath.Join(root, "tmp")); len(e) != 0 {
		t.Fatalf("tmp after migrate: %v", e)
	}
}

// legacyGraderRow is GraderRow as stores wrote it before failure signatures.
type legacyGraderRow struct {
	RunID      string   `parquet:"run_id,dict,uncompressed"`
	OutcomeID  string   `parquet:"outcome_id,snappy"`
	Stimulus   string   `parquet:"stimulus,dict,uncompressed"`
	Model      string   `parquet:"model,dict,uncompressed"`
	Trial      int32    `parquet:"trial,delta,uncompressed"`
	Grader     string   `parquet:"grader,dict,uncompressed"`
	GraderType string   `parquet:"grader_type,dict,uncompressed"`
	Passed     *bool    `parquet:"passed,optional,uncompressed"`
	Score      *float64 `parquet:"score,optional,uncompressed"`
	Weight     float64  `parquet:"weight,uncompressed"`
	Evidence   string   `parquet:"evidence"`
}

// TestMigrateSignsVerdicts: a run written before failure signatures needs migration; after
// it its failing verdicts carry their signatures and its failure modes read the same.
func TestMigrateSignsVerdicts(t *testing.T) {
	root := t.TempDir()
	res, err := ingest.ImportFile(context.Background(), root, "../testdata/harness/promptfoo/sample-export.json", "", ingest.Options{})
	if err != nil || len(res) == 0 {
		t.Fatal("importing the promptfoo fixture:", err)
	}
	id := res[0].Run.ID
	path := filepath.Join(root, "runs", id, "graders.parquet")
	rows, err := parquet.ReadFile[store.GraderRow](path)
	if err != nil {
		t.Fatal(err)
	}
	old, signed := make([]legacyGraderRow, len(rows)), 0
	for i, r := range rows {
		if r.Signature != "" {
			signed++
		}
		old[i] = legacyGraderRow{RunID: r.RunID, OutcomeID: r.OutcomeID, Stimulus: r.Stimulus, Model: r.Model, Trial: r.Trial,
			Grader: r.Grader, GraderType: r.GraderType, Passed: r.Passed, Score: r.Score, Weight: r.Weight, Evidence: r.Evidence}
	}
	if signed == 0 {
		t.Fatal("the fixture has no signed failing verdict: the test does not test")
	}
	if err := parquet.WriteFile(path, old); err != nil {
		t.Fatal(err)
	}
	s := store.Open(root)
	failures := func(s *store.Store) string {
		f, err := query.FailuresOf(s, query.FailuresParams{Scope: query.Scope{Runs: []string{id}}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(f)
		return string(b)
	}
	before := failures(s)
	if need, err := s.NeedsMigration(id); err != nil || !need {
		t.Fatalf("an unsigned run: needs migration %v, %v", need, err)
	}
	if done, err := s.Migrate(id); err != nil || !done {
		t.Fatalf("migrate: %v %v", done, err)
	}
	if after := failures(store.Open(root)); after != before {
		t.Fatalf("failure modes changed by the migration:\nbefore %.600s\nafter  %.600s", before, after)
	}
	rows, err = parquet.ReadFile[store.GraderRow](path)
	if err != nil {
		t.Fatal(err)
	}
	again := 0
	for _, r := range rows {
		if r.Signature != "" {
			again++
		}
	}
	if again != signed {
		t.Fatalf("%d signed verdicts after migration, %d when imported", again, signed)
	}
}
