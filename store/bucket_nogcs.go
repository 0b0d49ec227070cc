//go:build !gcs

package store

// gcsBuilt is false in the default build. Google's storage library brings gRPC and its
// metrics with it: 30 MB of binary and 7 ms of package initialisation on every command,
// local ones included (measured: `evals --version` 10.3 ms without it, 17.6 ms with it).
// Build with -tags gcs for gs:// URLs, or reach a GCS bucket through its S3-compatible
// endpoint (see docs/store.md).
const gcsBuilt = false
