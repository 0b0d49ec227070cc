package store

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/evals-dev/evals/errs"
)

// FuzzScan feeds arbitrary bytes as outcomes.parquet: every failure must be corrupt_data
// naming the file, never a panic.
func FuzzScan(f *testing.F) {
	seedRoot := f.TempDir()
	writeRun(f, seedRoot, "seed", sampleOutcomes(30))
	good, err := os.ReadFile(filepath.Join(seedRoot, "runs/seed/outcomes.parquet"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-9])
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	root := f.TempDir()
	writeRun(f, root, "r", sampleOutcomes(5))
	path := filepath.Join(root, "runs/r/outcomes.parquet")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s := Open(root)
		err := s.Scan("r", Outcomes, []string{"model", "stimulus", "passed", "score", "duration_ms"}, func(*Batch) error { return nil })
		if err != nil && errs.CodeOf(err) != errs.Corrupt {
			t.Fatalf("scan: want corrupt_data, got %v", err)
		}
		_, err = s.Outcome(OutcomeID("r", 1), true)
		if err != nil && errs.CodeOf(err) != errs.Corrupt && errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("detail: want corrupt_data, got %v", err)
		}
	})
}
