// Package store owns the on-disk Parquet store of evals: its schema, the atomic run writer,
// the run catalog with run references, and the projected columnar scans.
//
// It is the only package that imports parquet-go. It must not import query, format, tui,
// serve, ingest or cmd. Errors from parquet-go and the file system are translated at this
// boundary into errs codes (corrupt_data naming the file, not_found, …).
package store
