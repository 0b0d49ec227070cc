package store

import (
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/evals-dev/evals/errs"
)

// TestRandomCorruption flips bytes and truncates a real file many times (a cheap, seeded
// cousin of FuzzScan that runs in every CI): errors must be corrupt_data, never a panic.
func TestRandomCorruption(t *testing.T) {
	seedRoot := t.TempDir()
	writeRun(t, seedRoot, "seed", sampleOutcomes(30))
	good, _ := os.ReadFile(filepath.Join(seedRoot, "runs/seed/outcomes.parquet"))
	root := t.TempDir()
	writeRun(t, root, "r", sampleOutcomes(5))
	path := filepath.Join(root, "runs/r/outcomes.parquet")
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		data := append([]byte{}, good...)
		for range 1 + rng.Intn(8) {
			data[rng.Intn(len(data))] = byte(rng.Intn(256))
		}
		if rng.Intn(4) == 0 {
			data = data[:rng.Intn(len(data))]
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s := Open(root)
		err := s.Scan("r", Outcomes, []string{"model", "stimulus", "passed", "score", "duration_ms"}, func(*Batch) error { return nil })
		if err != nil && errs.CodeOf(err) != errs.Corrupt {
			t.Fatalf("iteration %d: scan: %v", i, err)
		}
		if _, err := s.Outcome(OutcomeID("r", 1), true); err != nil && errs.CodeOf(err) != errs.Corrupt && errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("iteration %d: detail: %v", i, err)
		}
	}
}
