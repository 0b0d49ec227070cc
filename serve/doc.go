// Package serve is `evals serve`: net/http handlers over the same query functions and the
// same JSON bytes as the CLI. It imports query, format, store and errs; it must not import
// tui, ingest or cmd.
package serve
