// Package ingest turns result files into store runs: the native JSONL format (version 1,
// documented in docs/format.md) and the deterministic demo data.
//
// It imports store (and errs) only; it must not import query, format, tui, serve or cmd.
// Every import writes through store.Writer, so a failed or interrupted import leaves nothing.
package ingest
