package ingest

import _ "embed"

// JSONSchema is the JSON Schema of the native JSONL format, printed by `evals schema`.
//
//go:embed schema.json
var JSONSchema []byte
