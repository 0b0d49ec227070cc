package ingest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evals-dev/evals/store"
)

// The reference systems whose interfaces evals follows (shared/reference/): what each
// returns from one curl, saved as a file, imports as runs. docs/import.md has the mapping
// tables: what maps where and what is lost.

// Formats of the reference systems.
const (
	FormatVally     = "vally"    // the Results API: GET /api/outcomes pages, /api/outcomes/:id, runs, trajectories
	FormatEZVals    = "ezvals"   // /api/runs/{id}/export/json and GET /results
	FormatEvalList  = "evallist" // GET /evaluations/{id}/results pages (evaluationResults)
	FormatRuntype   = "runtype"  // GET /v1/eval/:id/results (resultsByRecord)
	FormatTraceway  = "traceway" // GET /api/eval/:run_id (result_items)
	defaultModelFor = "pipeline" // the model of a system that names none
)

// ReferenceFormats lists the reference systems' formats, for --from.
var ReferenceFormats = []string{FormatVally, FormatEZVals, FormatEvalList, FormatRuntype, FormatTraceway}

// detectReference tells a reference system's file by its top-level keys and, for the
// Results API's pages, by the first item's keys.
func detectReference(keys []string, head []byte) string {
	has := func(k ...string) bool {
		for _, x := range k {
			if !slices.Contains(keys, x) {
				return false
			}
		}
		return true
	}
	switch {
	case has("resultsByRecord"):
		return FormatRuntype
	case has("result_items") || has("dataset_id", "scoring"):
		return FormatTraceway
	case has("evaluationResults"):
		return FormatEvalList
	case has("results") && (has("total_evaluations") || has("run_name") || has("session_name") || has("score_chips")):
		return FormatEZVals
	case has("stimulusName", "trialIndex") || has("outcomeId", "events"):
		return FormatVally
	case has("items"):
		// A page of the Results API: its first item names a stimulus (an outcome) or counts
		// stimuli (a run summary). The page may be longer than the head, so look by hand.
		i := strings.Index(string(head), `"items"`)
		if i < 0 {
			return ""
		}
		first := string(head[i:min(len(head), i+4096)])
		if strings.Contains(first, `"stimulusName"`) || strings.Contains(first, `"stimulusCount"`) {
			return FormatVally
		}
	}
	return ""
}

// readJSONFile decodes a whole JSON file (past a BOM) into a T; what names the kind of
// file for the error.
func readJSONFile[T any](path, what string) (T, error) {
	var v T
	b, err := os.ReadFile(path)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(trimBOM(b), &v); err != nil {
		return v, fmt.Errorf("not %s: %s", what, jsonProblem(err))
	}
	return v, nil
}

// Decoding helpers the reference systems share.

// filesOf lists the JSON files of a folder that are of one format (saved API pages).
func filesOf(dir, format string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if f, err := Detect(p); err == nil && f == format {
			out = append(out, p)
		}
	}
	return out, nil
}

func ptrOr(p *int64, v int64) int64 {
	if p == nil {
		return v
	}
	return *p
}

// unknownTokens marks an outcome's token counts as not recorded.
func unknownTokens(o *store.Outcome) {
	o.InputTokens, o.OutputTokens, o.ReasoningTokens, o.CachedTokens, o.TotalTokens = store.Unknown, store.Unknown, store.Unknown, store.Unknown, store.Unknown
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
