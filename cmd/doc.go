// Package cmd holds the Cobra commands of evals: flags, environment, terminal detection,
// wiring, and the one place (Execute) where errors become exit codes and the JSON error
// envelope. Commands parse, call one query, and render; they never print-and-exit.
//
// It may import every other package of the module; nothing imports cmd.
package cmd
