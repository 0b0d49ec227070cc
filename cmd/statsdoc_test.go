package cmd

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/evals-dev/evals/query"
)

// TestStatisticsDocExamples: every number in docs/statistics.md's worked examples is what
// evals answers on the demo today. Each check formats the answer the way the page writes
// it and looks for that text, so a changed demo or formula fails here until the page
// says the new number.
func TestStatisticsDocExamples(t *testing.T) {
	b, err := os.ReadFile("../docs/statistics.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(b)), " ") // lines wrap anywhere
	says := func(what, text string) {
		t.Helper()
		if !strings.Contains(doc, text) {
			t.Errorf("%s: docs/statistics.md does not say %q", what, text)
		}
	}
	pts := func(v float64) string { // −2.5, +2.2: points, signed, as the page writes them
		s := fmt.Sprintf("%+.1f", v*100)
		return strings.Replace(s, "-", "−", 1)
	}
	abs := func(v float64) string { return fmt.Sprintf("%.1f", math.Abs(v*100)) }
	get := func(v any, args ...string) {
		t.Helper()
		r := run(t, false, append(args, "--json")...)
		if err := json.Unmarshal([]byte(r.out), v); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, r.err)
		}
	}

	// The worked compare.
	var c query.Compare
	get(&c, "compare", "candidate", "baseline")
	pair := func(model string) query.PairSummary {
		for _, p := range c.Summary {
			if p.Model == model {
				return p
			}
		}
		t.Fatalf("no pair for %s", model)
		return query.PairSummary{}
	}
	g := pair("gpt-5")
	says("gpt-5 counts", fmt.Sprintf("gpt-5 fails %d of %d stimuli it passed before (all three trials each) and passes %d it failed", g.Regressions, g.MatchedStimuli, g.Improvements))
	says("McNemar on trials", fmt.Sprintf("%d against %d discordant pairs, and McNemar on trials says p = %.3f", 3*g.Regressions, 3*g.Improvements, query.McNemarExact(3*g.Regressions, 3*g.Improvements)))
	d := g.Delta
	says("gpt-5 delta", fmt.Sprintf("the mean change is %s points, SE %s, so p = %.2f (%.2f after Holm over six pairs)", pts(*d.Estimate), abs(*d.Stderr), *d.PValue, *d.AdjustedPValue))
	says("gpt-5 interval", fmt.Sprintf("[%s, %s] contains 0: `no_change`, with an MDE of %s points", pts(*d.Low), pts(*d.High), abs(*g.MinDetectableEffect)))
	if g.Verdict != "no_change" {
		t.Errorf("gpt-5: %s", g.Verdict)
	}
	q := pair("qwen3-coder")
	says("qwen3-coder", fmt.Sprintf("qwen3-coder fails the %d sql stimuli it passed before: %s points, interval [%s, %s] (at the Holm-adjusted level), corrected p = %.3f: `regressed`",
		q.Regressions, pts(*q.Delta.Estimate), pts(*q.Delta.Low), pts(*q.Delta.High), *q.Delta.AdjustedPValue))
	if r := run(t, false, "compare", "candidate", "baseline", "--fail-on-regression"); r.code != 1 || q.Verdict != "regressed" {
		t.Errorf("the gate: exit %d, qwen3-coder %s", r.code, q.Verdict)
	}
	// The gate with slices: the overall drop fails it at α/2.
	says("sliced gate", fmt.Sprintf("exits 1 on qwen3-coder's overall %s points (adjusted p %.3f < 0.025)", pts(*q.Delta.Estimate), *q.Delta.AdjustedPValue))
	if r := run(t, false, "compare", "candidate", "baseline", "--by", "difficulty", "--fail-on-regression"); r.code != 1 {
		t.Errorf("sliced gate: exit %d", r.code)
	}

	// The worked ranking.
	var rk query.Ranking
	get(&rk, "ranking")
	m := map[string]query.ModelRank{}
	for _, r := range rk.Models {
		m[r.Model] = r
	}
	pm := func(r query.ModelRank) string {
		return fmt.Sprintf("%s %.1f%% ±%.1f", r.Model, *r.PassRate*100, (r.PassRateInterval.High-r.PassRateInterval.Low)*50)
	}
	says("ranking", fmt.Sprintf("`evals --demo ranking`: %s and %s;", pm(m["claude-sonnet-4.5"]), pm(m["gpt-5"])))
	v := m["gpt-5"].VsLeader
	says("vs leader", fmt.Sprintf("the paired difference over the %d common stimuli is %s points, interval [%s, %s], so gpt-5 is marked `≈`", v.Matched, pts(*v.Estimate), pts(*v.Low), pts(*v.High)))
	v = m["gemini-2.5-pro"].VsLeader
	says("behind", fmt.Sprintf("gemini-2.5-pro, %s points behind with [%s, %s], is behind", abs(*v.Estimate), pts(*v.Low), pts(*v.High)))
	on := 0
	for _, r := range rk.Models {
		if r.OnFrontier != nil && *r.OnFrontier {
			on++
		}
	}
	if on == len(rk.Models) {
		says("frontier", "so all six models are on it")
	} else {
		t.Errorf("%d of %d demo models on the frontier; the page says all", on, len(rk.Models))
	}

	// The worked plan.
	var pw, at, plain query.Power
	get(&pw, "power", "--from", "candidate", "--base", "baseline", "--delta", "10")
	get(&at, "power", "--from", "candidate", "--base", "baseline", "--delta", "10", "--stimuli", "120")
	get(&plain, "power", "--from", "candidate", "--delta", "10")
	says("power", fmt.Sprintf("%d models, %g trials, ρ = %.3f, r = %.3f: the gate needs **%d** stimuli (a single test %d); the demo's 120 give it %.1f%% (`--stimuli 120`). Without `--base` (no pairing credit) the plan asks for %d.",
		pw.Models, pw.Trials, pw.ICC, pw.Pairing, pw.Rows[0].Stimuli, pw.Rows[0].StimuliOneTest, at.Rows[0].GatePower*100, plain.Rows[0].Stimuli))

	// No spread: three stimuli 2/2 → 1/2.
	p := query.PairedDiff([]float64{-0.5, -0.5, -0.5}, 0.05, query.Cluster{Rated: 6, Passed: 3}, query.Cluster{Rated: 6, Passed: 6})
	says("no spread", fmt.Sprintf("Three stimuli 2/2 → 1/2 read %s points, [%s, %s], p = %.5f", strings.TrimPrefix(pts(p.Estimate), "+"), pts(p.Low), pts(p.High), p.PValue))
}
