// Command calibrate checks the regression gate and `evals power` against simulation: it
// makes pairs of runs from a known model of an eval, imports them with the real importer
// (ingest.ImportNative into a store) and compares them with the real compare
// (query.CompareRuns, the gate's verdicts), then sets what happened beside what
// `evals power` (query.PowerOf on a null pair, as a team would plan from two earlier
// runs) predicted.
//
// The model of an eval (every part of it is in the report):
//   - S stimuli with a difficulty z_s ~ N(0, 1) shared by every model and both runs;
//   - M models of abilities evenly spread between logit(lo) and logit(hi), each with its
//     own stimulus effect u_{m,s} ~ N(0, 1) (also shared by the two runs):
//     π_{m,s} = logistic(μ_m + a·z_s + b·u_{m,s});
//   - every run draws, per cell, 1–5 trials (uniform), leaves a cell out with probability
//     miss, and errors a trial with probability perr (an error is rated, not passed);
//   - null pairs: both runs from the same π; planted pairs: in the new run one model
//     (chosen at random) has logit(π) − δ, δ solved so its mean rate over the stimuli drops
//     by exactly D points.
//
// Usage: go run ./calibrate -null 500 -planted 200 -stimuli 150 -delta 10
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

type config struct {
	stimuli, models, nullPairs, plantedPairs, workers int
	delta, lo, hi, a, b, miss, perr, alpha            float64
	seed                                              uint64
}

// world is one suite: the true pass probabilities π[m][s].
type world struct {
	pi [][]float64
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
func logit(p float64) float64    { return math.Log(p / (1 - p)) }

func newWorld(c config, r *rand.Rand) world {
	z := make([]float64, c.stimuli)
	for s := range z {
		z[s] = r.NormFloat64()
	}
	w := world{pi: make([][]float64, c.models)}
	for m := range w.pi {
		mu := logit(c.lo) + (logit(c.hi)-logit(c.lo))*float64(m)/float64(max(1, c.models-1))
		w.pi[m] = make([]float64, c.stimuli)
		for s := range w.pi[m] {
			w.pi[m][s] = logistic(mu + c.a*z[s] + c.b*r.NormFloat64())
		}
	}
	return w
}

// dropped is model m's π with its logits shifted so the mean falls by d exactly.
func (w world) dropped(m int, d float64) []float64 {
	mean := func(shift float64) float64 {
		var t float64
		for _, p := range w.pi[m] {
			t += logistic(logit(p) - shift)
		}
		return t / float64(len(w.pi[m]))
	}
	target := mean(0) - d
	lo, hi := 0.0, 20.0
	for range 100 {
		mid := (lo + hi) / 2
		if mean(mid) > target {
			lo = mid
		} else {
			hi = mid
		}
	}
	out := make([]float64, len(w.pi[m]))
	for s, p := range w.pi[m] {
		out[s] = logistic(logit(p) - (lo+hi)/2)
	}
	return out
}

// runLines draws one run of the world (model planted uses pi2 when not nil) as native JSONL.
func runLines(c config, w world, name string, day int, planted int, pi2 []float64, r *rand.Rand) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"type":"run","name":%q,"createdAt":"2026-01-%02dT00:00:00Z"}`+"\n", name, day)
	for m := range w.pi {
		for s := range w.pi[m] {
			if r.Float64() < c.miss {
				continue
			}
			p := w.pi[m][s]
			if m == planted && pi2 != nil {
				p = pi2[s]
			}
			for k := range 1 + r.IntN(5) {
				line := map[string]any{"stimulus": fmt.Sprintf("s%03d", s), "model": fmt.Sprintf("model-%d", m), "trial": k}
				if r.Float64() < c.perr {
					line["status"], line["error"] = "error", "timeout"
				} else {
					line["passed"] = r.Float64() < p
				}
				j, _ := json.Marshal(line)
				b.Write(j)
				b.WriteByte('\n')
			}
		}
	}
	return b.Bytes()
}

type outcome struct {
	planted    bool
	failed     bool // the gate failed
	caught     bool // the planted model's pair was the one regressed
	matched    float64
	predicted  float64 // evals power's gate power (from a null pair with --base)
	predictedC float64 // the same without --base (no pairing credit)
}

// pair makes, imports and compares one pair of runs; with plan it also asks evals power.
func pair(c config, seed uint64, planted bool, plan bool) (outcome, error) {
	r := rand.New(rand.NewPCG(c.seed, seed))
	w := newWorld(c, r)
	dir, err := os.MkdirTemp("", "calibrate-")
	if err != nil {
		return outcome{}, err
	}
	defer os.RemoveAll(dir)
	target, pi2 := -1, []float64(nil)
	if planted {
		target = r.IntN(c.models)
		pi2 = w.dropped(target, c.delta/100)
	}
	ctx := context.Background()
	if _, err := ingest.ImportNative(ctx, dir, "base.jsonl", bytes.NewReader(runLines(c, w, "base", 1, -1, nil, r)), ingest.Options{}); err != nil {
		return outcome{}, err
	}
	if _, err := ingest.ImportNative(ctx, dir, "new.jsonl", bytes.NewReader(runLines(c, w, "new", 2, target, pi2, r)), ingest.Options{}); err != nil {
		return outcome{}, err
	}
	st := store.Open(dir)
	p := query.NewCompareParams("latest", "latest~1")
	p.Alpha = c.alpha
	cmp, err := query.CompareRuns(st, p)
	if err != nil {
		return outcome{}, err
	}
	o := outcome{planted: planted}
	for _, s := range cmp.Summary {
		o.matched += float64(s.MatchedStimuli) / float64(len(cmp.Summary))
		if s.Verdict == "regressed" {
			o.failed = true
			if s.Model == fmt.Sprintf("model-%d", target) {
				o.caught = true
			}
		}
	}
	if plan {
		n := int64(math.Round(o.matched))
		for i, base := range []string{"latest~1", ""} {
			pw, err := query.PowerOf(st, query.PowerParams{From: "latest", Base: base, Deltas: []float64{c.delta}, Alpha: c.alpha, Power: 0.8, Stimuli: n})
			if err != nil {
				return outcome{}, err
			}
			if i == 0 {
				o.predicted = pw.Rows[0].GatePower
			} else {
				o.predictedC = pw.Rows[0].GatePower
			}
		}
	}
	return o, nil
}

func main() {
	var c config
	flag.IntVar(&c.stimuli, "stimuli", 150, "stimuli per suite")
	flag.IntVar(&c.models, "models", 6, "models per run (the gate's Holm family)")
	flag.IntVar(&c.nullPairs, "null", 500, "null pairs (nothing changed)")
	flag.IntVar(&c.plantedPairs, "planted", 200, "planted pairs (one model drops by -delta points)")
	flag.IntVar(&c.workers, "workers", 2, "pairs simulated at once")
	flag.Float64Var(&c.delta, "delta", 10, "the planted drop, in points")
	flag.Float64Var(&c.lo, "lo", 0.45, "the weakest model's typical pass rate")
	flag.Float64Var(&c.hi, "hi", 0.75, "the strongest model's typical pass rate")
	flag.Float64Var(&c.a, "a", 1.5, "spread of stimulus difficulty (logit sd, shared by the models)")
	flag.Float64Var(&c.b, "b", 0.5, "spread of each model's own stimulus effect (logit sd)")
	flag.Float64Var(&c.miss, "miss", 0.05, "chance a cell is missing from a run")
	flag.Float64Var(&c.perr, "perr", 0.03, "chance a trial errors")
	flag.Float64Var(&c.alpha, "alpha", 0.05, "the gate's family-wise level")
	flag.Uint64Var(&c.seed, "seed", 2026, "seed")
	out := flag.String("o", "", "also write the report here (markdown)")
	flag.Parse()

	type job struct {
		i       int
		planted bool
	}
	jobs := make(chan job)
	results := make([]outcome, c.nullPairs+c.plantedPairs)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	for range c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				// Every pair also asks evals power: a null pair is what a team plans from
				// (two earlier runs); a planted one shows the plan is not swayed by the drop.
				o, err := pair(c, uint64(j.i), j.planted, true)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				results[j.i] = o
				mu.Unlock()
			}
		}()
	}
	for i := range results {
		jobs <- job{i, i >= c.nullPairs}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		fmt.Fprintln(os.Stderr, "calibrate:", firstErr)
		os.Exit(1)
	}
	report := summarize(c, results)
	fmt.Print(report)
	if *out != "" {
		if err := os.WriteFile(filepath.Clean(*out), []byte(report), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "calibrate:", err)
			os.Exit(1)
		}
	}
}

func summarize(c config, rs []outcome) string {
	var nullFail, planFail, caught int
	var predNull, predPlanted, predPlantedC, matched []float64
	for _, o := range rs {
		matched = append(matched, o.matched)
		switch {
		case !o.planted:
			if o.failed {
				nullFail++
			}
			if o.predicted > 0 {
				predNull = append(predNull, o.predicted)
			}
		default:
			if o.failed {
				planFail++
			}
			if o.caught {
				caught++
			}
			predPlanted, predPlantedC = append(predPlanted, o.predicted), append(predPlantedC, o.predictedC)
		}
	}
	fpr := float64(nullFail) / float64(c.nullPairs)
	power := float64(caught) / float64(c.plantedPairs)
	pred := median(predNull)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Gate calibration\n\n")
	fmt.Fprintf(&b, "Model: %d stimuli (difficulty logit sd %.2g shared, model effect sd %.2g), %d models from %.0f%% to %.0f%%, 1–5 trials per cell, %.0f%% cells missing, %.0f%% trials errored; α = %g; planted drop %.0f points in one model; seed %d.\n\n",
		c.stimuli, c.a, c.b, c.models, c.lo*100, c.hi*100, c.miss*100, c.perr*100, c.alpha, c.delta, c.seed)
	fmt.Fprintf(&b, "| | pairs | gate failed | rate | 95%% interval |\n|---|---|---|---|---|\n")
	lo, hi := wilson(nullFail, c.nullPairs)
	fmt.Fprintf(&b, "| null (nothing changed) | %d | %d | **%.1f%%** (false positives; α = %g) | %.1f–%.1f%% |\n", c.nullPairs, nullFail, fpr*100, c.alpha, lo*100, hi*100)
	lo, hi = wilson(caught, c.plantedPairs)
	fmt.Fprintf(&b, "| planted (one model −%.0f) | %d | %d (%d on the planted model) | **%.1f%%** (power) | %.1f–%.1f%% |\n\n", c.delta, c.plantedPairs, planFail, caught, power*100, lo*100, hi*100)
	fmt.Fprintf(&b, "Matched stimuli per pair: median %.1f.\n\n", median(matched))
	fmt.Fprintf(&b, "`evals power --from NEW --base BASE --delta %.0f --stimuli <matched>` (models and trials from the run):\n\n", c.delta)
	fmt.Fprintf(&b, "- gate power predicted from each null pair (as a team plans from two earlier runs): median **%.1f%%** over %d pairs; observed %.1f%%: **%+.1f points**. (From the planted pairs themselves: %.1f%%.)\n",
		pred*100, len(predNull), power*100, (power-pred)*100, median(predPlanted)*100)
	fmt.Fprintf(&b, "- without --base (no credit for pairing, the conservative default): median %.1f%%.\n", median(predPlantedC)*100)
	return b.String()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func wilson(x, n int) (float64, float64) {
	return query.WilsonP(float64(x)/float64(n), float64(n), 1.959963984540054)
}
