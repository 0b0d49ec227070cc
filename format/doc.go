// Package format renders query results: tables for a terminal (lipgloss, colour, fitted
// widths) and for a pipe (tab-separated, no colour, no truncation), JSON, JSONL, CSV with
// formula cells escaped, and Markdown.
//
// It is handed the terminal facts (Facts) and never detects a terminal itself. It imports
// query and store (types only) and errs; it must not import tui, serve, ingest or cmd.
package format
