package query

import (
	"encoding/json"
	"testing"

	"github.com/evals-dev/evals/store"
)

// noSums is a source whose runs carry no per-model sums (runs written before them): every
// point comes from a scan.
type noSums struct{ Source }

func (n noSums) Runs() ([]store.Run, []error, error) {
	runs, bad, err := n.Source.Runs()
	for i := range runs {
		runs[i].Summary.Models = nil
	}
	return runs, bad, err
}

// TestTrendFromSumsEqualsTheScan: the trend read from the runs' per-model sums is the trend
// of a ranking of each run, value for value.
func TestTrendFromSumsEqualsTheScan(t *testing.T) {
	src := demo
	runs, _, _ := src.Runs()
	if len(runs) == 0 || runs[0].Summary.Models == nil {
		t.Fatal("the demo's runs carry no per-model sums: the test does not test")
	}
	fast, err := TrendOf(src, TrendParams{})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := TrendOf(noSums{src}, TrendParams{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fast)
	b, _ := json.Marshal(slow)
	if string(a) != string(b) {
		t.Fatalf("from the sums:\n%s\nfrom scans:\n%s", a, b)
	}
}
