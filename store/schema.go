package store

// SchemaVersion is the version of the on-disk layout. Readers refuse a newer major
// version with unsupported_schema; columns may be added without a bump, never renamed.
const SchemaVersion = 1

// Codec choice, measured by BenchmarkScanCodec (store/codec_bench_test.go) on this machine,
// scanning 1M rows of five metric columns: uncompressed 4.8 ms (20.2 B/row), delta-encoded
// uncompressed 6.0 ms (5.2 B/row), snappy 18.0 ms (9.6 B/row), zstd 20.4 ms (5.8 B/row).
// Decompression, not I/O, is the cost of a scan, so integer columns use DELTA_BINARY_PACKED
// with no codec (smaller than zstd, nearly as fast as plain), and floats, booleans and
// dictionary-encoded strings (model, stimulus, grader, tool: aggregated by dictionary
// index) are stored uncompressed. Text read only for detail (input, output, evidence,
// arguments) carries no codec tag and takes the writer's default, textCodec (ZSTD at its
// fastest level, textcodec.go); outcome ids use snappy.

// OutcomeRow is one row of outcomes.parquet: one trial of one stimulus by one model.
//
// A duration, token count, turn or tool call count the source did not record is a Parquet null, so other engines'
// sums and means leave it out (avg(duration_ms) in DuckDB agrees with evals). Stores
// written before that hold −1 there; they read the same (a scan reads both as Unknown),
// and evals migrate rewrites them with nulls.
type OutcomeRow struct {
	RunID           string   `parquet:"run_id,dict,uncompressed"`
	OutcomeID       string   `parquet:"outcome_id,snappy"`
	Stimulus        string   `parquet:"stimulus,dict,uncompressed"`
	Model           string   `parquet:"model,dict,uncompressed"`
	Trial           int32    `parquet:"trial,delta,uncompressed"`
	Status          string   `parquet:"status,dict,uncompressed"`
	Passed          *bool    `parquet:"passed,optional,uncompressed"`
	Score           *float64 `parquet:"score,optional,uncompressed"`
	DurationMs      *int64   `parquet:"duration_ms,optional,uncompressed"`
	Turns           *int32   `parquet:"turns,optional,uncompressed"`
	ToolCalls       *int32   `parquet:"tool_calls,optional,uncompressed"`
	Errors          int32    `parquet:"errors,delta,uncompressed"`
	InputTokens     *int64   `parquet:"input_tokens,optional,uncompressed"`
	OutputTokens    *int64   `parquet:"output_tokens,optional,uncompressed"`
	ReasoningTokens *int64   `parquet:"reasoning_tokens,optional,uncompressed"`
	CachedTokens    *int64   `parquet:"cached_tokens,optional,uncompressed"`
	TotalTokens     *int64   `parquet:"total_tokens,optional,uncompressed"`
	CostUSD         *float64 `parquet:"cost_usd,optional,uncompressed"`
	StartedAt       int64    `parquet:"started_at,timestamp(millisecond),delta,uncompressed"`
	// Where this outcome's rows start in the other files, and how many there are: the
	// writer keeps every file in outcome order, so a detail read seeks straight there.
	GradersRow int64 `parquet:"graders_row,delta,uncompressed"`
	GradersLen int32 `parquet:"graders_len,delta,uncompressed"`
	ToolsRow   int64 `parquet:"tools_row,delta,uncompressed"`
	ToolsLen   int32 `parquet:"tools_len,delta,uncompressed"`
	EventsRow  int64 `parquet:"events_row,delta,uncompressed"`
	EventsLen  int32 `parquet:"events_len,delta,uncompressed"`
	// Tags are the stimulus's tags and the outcome's metadata, as a canonical JSON object
	// (sorted keys; "" for none): few distinct values per run, so the dictionary holds them
	// and a slice groups by dictionary index. Stores written before it have no such column
	// and read as untagged.
	Tags     string `parquet:"tags,dict"`
	Error    string `parquet:"error"`
	Input    string `parquet:"input"`
	Output   string `parquet:"output"`
	Expected string `parquet:"expected"`
}

// GraderRow is one row of graders.parquet: one grader's verdict on one outcome.
type GraderRow struct {
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
	// Signature is a failing verdict's failure signature: the first line of its evidence
	// with the variable parts masked (Mask; "" when the grader did not fail). Failure modes
	// group by it without reading the evidence. Stores written before it have no such
	// column and mask the evidence when asked.
	Signature string `parquet:"signature,dict"`
}

// ToolCallRow is one row of tool_calls.parquet: one tool invocation in a trajectory.
type ToolCallRow struct {
	RunID       string `parquet:"run_id,dict,uncompressed"`
	OutcomeID   string `parquet:"outcome_id,snappy"`
	Stimulus    string `parquet:"stimulus,dict,uncompressed"`
	Model       string `parquet:"model,dict,uncompressed"`
	Trial       int32  `parquet:"trial,delta,uncompressed"`
	Seq         int32  `parquet:"seq,delta,uncompressed"`
	Tool        string `parquet:"tool,dict,uncompressed"`
	Success     bool   `parquet:"success,uncompressed"`
	ArgsBytes   int64  `parquet:"args_bytes,delta,uncompressed"`
	ResultBytes int64  `parquet:"result_bytes,delta,uncompressed"`
	DurationMs  *int64 `parquet:"duration_ms,optional,uncompressed"`
	Error       string `parquet:"error"`
	Arguments   string `parquet:"arguments"`
	Result      string `parquet:"result"`
}

// EventRow is one row of events.parquet: one trajectory event, read only for one outcome.
type EventRow struct {
	RunID      string `parquet:"run_id,dict,uncompressed"`
	OutcomeID  string `parquet:"outcome_id,snappy"`
	Seq        int32  `parquet:"seq,delta,uncompressed"`
	TS         int64  `parquet:"ts,timestamp(millisecond),delta,uncompressed"`
	Type       string `parquet:"type,dict,uncompressed"`
	Role       string `parquet:"role,dict,uncompressed"`
	Content    string `parquet:"content"`
	Tool       string `parquet:"tool,dict,uncompressed"`
	ToolCallID string `parquet:"tool_call_id,snappy"`
	Data       string `parquet:"data"`
}

// File names inside a run folder.
const (
	runFile       = "run.json"
	outcomesFile  = "outcomes.parquet"
	gradersFile   = "graders.parquet"
	toolCallsFile = "tool_calls.parquet"
	eventsFile    = "events.parquet"
)
