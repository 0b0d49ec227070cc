//go:build gcs

package store

import _ "gocloud.dev/blob/gcsblob" // gs://

// gcsBuilt: this binary opens gs:// stores (built with -tags gcs).
const gcsBuilt = true
