// Package query holds every question evals answers, one function and one result type each:
// runs, run detail, ranking, graders, tools, matrix, outcomes, outcome detail, trajectory,
// compare and metrics. The JSON form of each result type is the public contract shared by
// the CLI's --json, the HTTP API and the TUI.
//
// It reads only through the Source interface (implemented by *store.Store) and does no
// I/O of its own. It imports store (types and read interfaces) and errs; it must not
// import format, tui, serve, ingest or cmd.
package query
