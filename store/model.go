package store

import (
	"encoding/json"
	"time"
)

// Run is the metadata of one run, kept in run.json beside its Parquet files.
type Run struct {
	SchemaVersion int               `json:"schemaVersion"`
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Source        string            `json:"source"`
	Models        []string          `json:"models"`
	Config        json.RawMessage   `json:"config,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
	Session       string            `json:"session,omitempty"`
	CreatedAt     time.Time         `json:"createdAt"`
	StartedAt     *time.Time        `json:"startedAt,omitempty"`
	CompletedAt   *time.Time        `json:"completedAt,omitempty"`
	Status        string            `json:"status"`
	Digest        string            `json:"digest,omitempty"`
	// SourceBytes is the size of what Digest covers (0: not recorded, runs imported before
	// it was). Content of another size cannot be this run's: an import reads a file a
	// second time for its digest only when some run's source has its size.
	SourceBytes int64  `json:"sourceBytes,omitempty"`
	SourcePath  string `json:"sourcePath,omitempty"`
	// Partial is set when the source file's own summary covers samples it does not hold
	// (a summary-only or trimmed log): the run's numbers are of what it holds.
	Partial *Partial `json:"partial,omitempty"`
	// Metrics are the source file's own summary metrics as it gave them
	// ("match/accuracy": 0.431), kept beside the numbers evals computes.
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Summary Summary            `json:"summary"`
}

// Partial says how much of what a file summarises it holds.
type Partial struct {
	DeclaredSamples int64 `json:"declaredSamples"`
	ImportedSamples int64 `json:"importedSamples"`
}

// Rated is the denominator of the run's pass rate: passed, failed and errored outcomes,
// each once.
func (s Summary) Rated() int64 { return s.Passed + s.Failed + s.Errored - s.ReviewedErrors }

// Summary is the cached summary of a run, computed once by the writer.
type Summary struct {
	OutcomeCount  int64 `json:"outcomeCount"`
	StimulusCount int64 `json:"stimulusCount"`
	Trials        int64 `json:"trials"`
	Passed        int64 `json:"passed"`
	Failed        int64 `json:"failed"`
	Errored       int64 `json:"errored"`
	Skipped       int64 `json:"skipped"`
	Pending       int64 `json:"pending"`
	// ReviewedErrors are errored outcomes a human gave a verdict: counted in Errored (the
	// execution failed) and in Passed or Failed (how they are rated); HumanPassedErrors
	// of them passed. Never written: the overlay's reviews set them on read.
	ReviewedErrors    int64   `json:"reviewedErrors,omitempty"`
	HumanPassedErrors int64   `json:"humanPassedErrors,omitempty"`
	GraderResults     int64   `json:"graderResults"`
	ToolCalls         int64   `json:"toolCalls"`
	Events            int64   `json:"events"`
	DurationMs        int64   `json:"durationMs"`
	TotalTokens       int64   `json:"totalTokens"`
	CostUSD           float64 `json:"costUsd"`
	// Known counts the outcomes whose duration and total tokens were recorded (the sums
	// above are over them). Absent in runs written before missing values were kept
	// apart: there every value counts.
	Known *KnownCounts `json:"known,omitempty"`
	// Clusters holds the per-stimulus sums of rated and passed outcomes from which the
	// query layer derives the clustered standard error of the run's pass rate without a
	// scan. Absent in runs written before it existed.
	Clusters *ClusterSums `json:"clusterSums,omitempty"`
	// Models holds each model's counts and cluster sums (a JSON object of ModelSums by
	// model, read by ModelSums), so a trend of many runs reads them instead of scanning
	// every run. Kept as raw JSON: a listing of 10,000 runs does not decode what only a
	// trend reads. Absent in runs written before it existed, and dropped from the listing
	// of a run with human verdicts (they change the counts of models the overlay does not
	// name): those runs are scanned.
	Models json.RawMessage `json:"models,omitempty"`
}

// ModelSums decodes Models; false when the run has none.
func (s Summary) ModelSums() (map[string]ModelSums, bool) {
	if len(s.Models) == 0 {
		return nil, false
	}
	var out map[string]ModelSums
	if err := json.Unmarshal(s.Models, &out); err != nil {
		return nil, false
	}
	return out, true
}

// ModelSums are one model's outcome counts in a run and the sums of its rated and passed
// outcomes per stimulus (the clustered interval of its pass rate).
type ModelSums struct {
	Outcomes int64       `json:"outcomes"`
	Passed   int64       `json:"passed"`
	Failed   int64       `json:"failed"`
	Errored  int64       `json:"errored"`
	Skipped  int64       `json:"skipped"`
	Pending  int64       `json:"pending"`
	Clusters ClusterSums `json:"clusterSums"`
}

// KnownCounts count the outcomes with a recorded value.
type KnownCounts struct {
	DurationMs  int64 `json:"durationMs"`
	TotalTokens int64 `json:"totalTokens"`
	// CostUSD counts the outcomes with a cost (absent in runs written before it was kept).
	CostUSD *int64 `json:"costUsd,omitempty"`
}

// Unknown is the value of an outcome's duration or token count that was not recorded: the
// answers show it as null, and sums and means leave it out.
const Unknown int64 = -1

// Known returns v, or nil when it is Unknown.
func Known(v int64) *int64 {
	if v < 0 {
		return nil
	}
	return &v
}

// ClusterSums are Σrated², Σrated·passed and Σpassed² over the stimuli with a rated
// outcome (rated = passed + failed + errored), and how many there are.
type ClusterSums struct {
	Clusters int64   `json:"clusters"`
	N2       float64 `json:"n2"`
	NC       float64 `json:"nc"`
	C2       float64 `json:"c2"`
}

// Run statuses.
const (
	RunCompleted = "completed"
	RunRunning   = "running"
	RunFailed    = "failed"
	RunCancelled = "cancelled"
)

// Outcome execution statuses, as stored in the status column.
const (
	StatusSuccess = "success"
	StatusError   = "error"
	StatusSkipped = "skipped"
)

// Outcome is one trial as handed to the writer, with its grader results, tool calls and
// trajectory events inline. It is also what a detail read returns.
type Outcome struct {
	ID       string `json:"id"`
	RunID    string `json:"runId"`
	Stimulus string `json:"stimulus"`
	Model    string `json:"model"`
	Trial    int    `json:"trial"`
	Status   string `json:"status"`
	Passed   *bool  `json:"passed"`
	// Review is the human review, when there is one; with a human verdict (and a view
	// that counts it) Passed is that verdict and GradedPassed the graders'.
	Review       *Review `json:"review,omitempty"`
	GradedPassed *bool   `json:"gradedPassed,omitempty"`
	Reviewed     bool    `json:"reviewed,omitempty"` // Passed is the human verdict
	// Tags are the stimulus's tags and the outcome's metadata (category, difficulty, …).
	Tags            map[string]string `json:"tags,omitempty"`
	Score           *float64          `json:"score"`
	DurationMs      int64             `json:"durationMs"`
	Turns           int               `json:"turns"`         // Unknown when not recorded
	ToolCallCount   int               `json:"toolCallCount"` // Unknown when not recorded
	Errors          int               `json:"errors"`
	InputTokens     int64             `json:"inputTokens"`
	OutputTokens    int64             `json:"outputTokens"`
	ReasoningTokens int64             `json:"reasoningTokens"`
	CachedTokens    int64             `json:"cachedTokens"`
	TotalTokens     int64             `json:"totalTokens"`
	CostUSD         *float64          `json:"costUsd"`
	StartedAt       time.Time         `json:"startedAt"`
	Error           string            `json:"error"`
	Input           string            `json:"input"`
	Output          string            `json:"output"`
	Expected        string            `json:"expected"`
	Graders         []GraderResult    `json:"graders"`
	ToolCalls       []ToolCall        `json:"toolCalls"`
	Events          []Event           `json:"events"`
}

// GraderResult is one grader's verdict on one outcome.
type GraderResult struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Passed   *bool    `json:"passed"`
	Score    *float64 `json:"score"`
	Weight   float64  `json:"weight"`
	Evidence string   `json:"evidence"`
}

// ToolCall is one tool invocation.
type ToolCall struct {
	Seq         int    `json:"seq"`
	Tool        string `json:"tool"`
	Success     bool   `json:"success"`
	ArgsBytes   int64  `json:"argsBytes"`
	ResultBytes int64  `json:"resultBytes"`
	DurationMs  *int64 `json:"durationMs"`
	Error       string `json:"error"`
	Arguments   string `json:"arguments"`
	Result      string `json:"result"`
}

// Event is one trajectory event.
type Event struct {
	Seq        int       `json:"seq"`
	TS         time.Time `json:"ts"`
	Type       string    `json:"type"`
	Role       string    `json:"role,omitempty"`
	Content    string    `json:"content,omitempty"`
	Tool       string    `json:"tool,omitempty"`
	ToolCallID string    `json:"toolCallId,omitempty"`
	Data       string    `json:"data,omitempty"`
}
