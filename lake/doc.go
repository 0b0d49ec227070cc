// Package lake translates the questions evals answers into SQL for other engines (DuckDB,
// Spark), over the store's own files: one query per question, giving the same numbers as
// the question's --json. It is a translation, not a second engine: the runs in scope, the
// files and which runs carry reviews are resolved here, from the store, when the text is
// written; the arithmetic (counts, rates, clustered standard errors, pass@k, paired
// differences) is in the SQL. One file per question; the dialects differ in a small table
// (dialect.go). bench/ holds every translation to query's answers through DuckDB.
//
// It imports store, query and errs; nothing but cmd imports it.
package lake
