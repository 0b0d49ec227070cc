package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moneyStore writes one run of four models over 40 stimuli (one trial each): cheap-good
// passes 36 at $0.01, close-second 34 at $0.02 (not significantly behind cheap-good),
// pricey-bad 16 at $0.05 (significantly worse and dearer: dominated), free-unknown records
// no cost. Stimuli carry a tag half "easy", half "hard".
func moneyStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(`{"type":"run","name":"money","createdAt":"2026-01-01T00:00:00Z"}` + "\n")
	models := []struct {
		name   string
		passes int
		cost   string
	}{{"cheap-good", 36, "0.01"}, {"close-second", 34, "0.02"}, {"pricey-bad", 16, "0.05"}, {"free-unknown", 30, ""}}
	for _, m := range models {
		for s := range 40 {
			cost := ""
			if m.cost != "" {
				cost = `,"costUsd":` + m.cost
			}
			level := "easy"
			if s%2 == 1 {
				level = "hard"
			}
			fmt.Fprintf(&b, `{"stimulus":"s%02d","model":"%s","passed":%v,"tags":{"level":"%s"}%s}`+"\n", s, m.name, s < m.passes, level, cost)
		}
	}
	f := filepath.Join(dir, "money.jsonl")
	os.WriteFile(f, []byte(b.String()), 0o644)
	if r := run(t, false, "import", f, "--store", dir); r.code != 0 {
		t.Fatal(r.err)
	}
	return dir
}

// TestCostPerPassAndFrontier: ranking answers the money question: cost per passed outcome,
// and which models are on the pass-rate/cost frontier, where a model is dominated only by
// one as cheap and significantly better.
func TestCostPerPassAndFrontier(t *testing.T) {
	dir := moneyStore(t)
	got := jq(t, dir, "ranking", "--json", "--jq", `[.models[] | [.model, .costPerPassUsd, .onFrontier, .dominatedBy // ""] | map(tostring) | join(":")] | join(" ")`)
	want := "cheap-good:0.011111:true: close-second:0.023529:true: free-unknown:null:null: pricey-bad:0.125:false:cheap-good"
	if got != want {
		t.Errorf("ranking:\n got %s\nwant %s", got, want)
	}
	// By slice: each level has its own frontier. On hard stimuli (the odd ones) pricey-bad
	// passes 8 of 20 against cheap-good's 18: still dominated; on easy ones too.
	by := jq(t, dir, "ranking", "--by", "level", "--json", "--jq", `[.models[] | select(.model == "pricey-bad" or .model == "close-second") | [.slice.value, .model, .onFrontier] | map(tostring) | join(":")] | sort | join(" ")`)
	if by != "easy:close-second:true easy:pricey-bad:false hard:close-second:true hard:pricey-bad:false" {
		t.Errorf("--by level: %s", by)
	}
	text := run(t, true, "ranking", "--store", dir).out
	for _, w := range []string{"$/PASS", "FRONTIER", "◆", "< cheap-good"} {
		if !strings.Contains(text, w) {
			t.Errorf("ranking text lacks %q:\n%s", w, text)
		}
	}
}

// TestPowerPlansForTheGate: evals power plans for the gate's Holm family (the models of
// --from), with the run's mean rated trials per cell (not its largest), and says the
// gate's power beside a single test's.
func TestPowerPlansForTheGate(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(`{"type":"run","name":"uneven","createdAt":"2026-01-01T00:00:00Z"}` + "\n")
	for m := range 4 {
		for s := range 30 {
			for k := range 1 + s%5 { // 1..5 trials: mean 3, largest 5
				fmt.Fprintf(&b, `{"stimulus":"s%02d","model":"m%d","trial":%d,"passed":%v}`+"\n", s, m, k, (s*7+k*3+m)%5 < 3)
			}
		}
	}
	f := filepath.Join(dir, "uneven.jsonl")
	os.WriteFile(f, []byte(b.String()), 0o644)
	if r := run(t, false, "import", f, "--store", dir); r.code != 0 {
		t.Fatal(r.err)
	}
	got := jq(t, dir, "power", "--from", "latest", "--delta", "10", "--json", "--jq", `[.models, .trialsPerStimulus, (.effectiveTrials < 3), (.rows[0] | .stimuli > .stimuliOneTest, (.gatePower | . >= 0.8 and . < 0.81), .power > .gatePower)] | @csv`)
	if got != "4,3,true,true,true,true" {
		t.Errorf("power --from: %s, want the 4-model gate, 3 trials (mean), the gate's stimuli above one test's", got)
	}
	// At a fixed number of stimuli: the gate's power below the single test's.
	got = jq(t, dir, "power", "--from", "latest", "--delta", "10", "--stimuli", "131", "--json", "--jq", `.rows[0] | [.stimuli, .gatePower < .power] | @csv`)
	if got != "131,true" {
		t.Errorf("power --stimuli 131: %s", got)
	}
	if r := run(t, false, "power", "--baseline", "0.7", "--base", "latest", "--store", dir); r.code != 2 || !strings.Contains(r.err, "--from") {
		t.Errorf("--base without --from: exit %d %s", r.code, r.err)
	}
}
