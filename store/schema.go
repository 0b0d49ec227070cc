package store

// SchemaVersion is the version of the on-disk layout. Readers refuse a newer major
// version with unsupported_schema; columns may be added without a bump, never renamed.
const SchemaVersion = 1

// Codec choice (measured by BenchmarkScanCodec in scan_bench_test.go): numeric columns are
// small and read by every aggregate, so they use snappy, whose decompression is several
// times cheaper than zstd's for a few percent more bytes. Text columns are large and read
// only for detail, so they use zstd. Low-cardinality strings are dictionary encoded so that
// scans aggregate by dictionary index.

// OutcomeRow is one row of outcomes.parquet: one trial of one stimulus by one model.
type OutcomeRow struct {
	RunID           string   `parquet:"run_id,dict,snappy"`
	OutcomeID       string   `parquet:"outcome_id,snappy"`
	Stimulus        string   `parquet:"stimulus,dict,snappy"`
	Model           string   `parquet:"model,dict,snappy"`
	Trial           int32    `parquet:"trial,snappy"`
	Status          string   `parquet:"status,dict,snappy"`
	Passed          *bool    `parquet:"passed,optional,snappy"`
	Score           *float64 `parquet:"score,optional,snappy"`
	DurationMs      int64    `parquet:"duration_ms,snappy"`
	Turns           int32    `parquet:"turns,snappy"`
	ToolCalls       int32    `parquet:"tool_calls,snappy"`
	Errors          int32    `parquet:"errors,snappy"`
	InputTokens     int64    `parquet:"input_tokens,snappy"`
	OutputTokens    int64    `parquet:"output_tokens,snappy"`
	ReasoningTokens int64    `parquet:"reasoning_tokens,snappy"`
	CachedTokens    int64    `parquet:"cached_tokens,snappy"`
	TotalTokens     int64    `parquet:"total_tokens,snappy"`
	CostUSD         *float64 `parquet:"cost_usd,optional,snappy"`
	StartedAt       int64    `parquet:"started_at,timestamp(millisecond),snappy"`
	// Where this outcome's rows start in the other files, and how many there are: the
	// writer keeps every file in outcome order, so a detail read seeks straight there.
	GradersRow int64  `parquet:"graders_row,snappy"`
	GradersLen int32  `parquet:"graders_len,snappy"`
	ToolsRow   int64  `parquet:"tools_row,snappy"`
	ToolsLen   int32  `parquet:"tools_len,snappy"`
	EventsRow  int64  `parquet:"events_row,snappy"`
	EventsLen  int32  `parquet:"events_len,snappy"`
	Error      string `parquet:"error,zstd"`
	Input      string `parquet:"input,zstd"`
	Output     string `parquet:"output,zstd"`
	Expected   string `parquet:"expected,zstd"`
}

// GraderRow is one row of graders.parquet: one grader's verdict on one outcome.
type GraderRow struct {
	RunID      string   `parquet:"run_id,dict,snappy"`
	OutcomeID  string   `parquet:"outcome_id,snappy"`
	Stimulus   string   `parquet:"stimulus,dict,snappy"`
	Model      string   `parquet:"model,dict,snappy"`
	Trial      int32    `parquet:"trial,snappy"`
	Grader     string   `parquet:"grader,dict,snappy"`
	GraderType string   `parquet:"grader_type,dict,snappy"`
	Passed     *bool    `parquet:"passed,optional,snappy"`
	Score      *float64 `parquet:"score,optional,snappy"`
	Weight     float64  `parquet:"weight,snappy"`
	Evidence   string   `parquet:"evidence,zstd"`
}

// ToolCallRow is one row of tool_calls.parquet: one tool invocation in a trajectory.
type ToolCallRow struct {
	RunID       string `parquet:"run_id,dict,snappy"`
	OutcomeID   string `parquet:"outcome_id,snappy"`
	Stimulus    string `parquet:"stimulus,dict,snappy"`
	Model       string `parquet:"model,dict,snappy"`
	Trial       int32  `parquet:"trial,snappy"`
	Seq         int32  `parquet:"seq,snappy"`
	Tool        string `parquet:"tool,dict,snappy"`
	Success     bool   `parquet:"success,snappy"`
	ArgsBytes   int64  `parquet:"args_bytes,snappy"`
	ResultBytes int64  `parquet:"result_bytes,snappy"`
	DurationMs  *int64 `parquet:"duration_ms,optional,snappy"`
	Error       string `parquet:"error,zstd"`
	Arguments   string `parquet:"arguments,zstd"`
	Result      string `parquet:"result,zstd"`
}

// EventRow is one row of events.parquet: one trajectory event, read only for one outcome.
type EventRow struct {
	RunID      string `parquet:"run_id,dict,snappy"`
	OutcomeID  string `parquet:"outcome_id,snappy"`
	Seq        int32  `parquet:"seq,snappy"`
	TS         int64  `parquet:"ts,timestamp(millisecond),snappy"`
	Type       string `parquet:"type,dict,snappy"`
	Role       string `parquet:"role,dict,snappy"`
	Content    string `parquet:"content,zstd"`
	Tool       string `parquet:"tool,dict,snappy"`
	ToolCallID string `parquet:"tool_call_id,snappy"`
	Data       string `parquet:"data,zstd"`
}

// File names inside a run folder.
const (
	runFile       = "run.json"
	outcomesFile  = "outcomes.parquet"
	gradersFile   = "graders.parquet"
	toolCallsFile = "tool_calls.parquet"
	eventsFile    = "events.parquet"
)
