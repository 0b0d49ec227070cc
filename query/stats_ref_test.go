package query

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestStatsAgainstR checks every statistic against the values R computed independently
// (testdata/stats/reference.R → reference.tsv), to 1e-9.
func TestStatsAgainstR(t *testing.T) {
	ref := readRef(t, "testdata/stats/reference.tsv")
	check := func(name string, got float64) {
		t.Helper()
		want, ok := ref[name]
		if !ok {
			t.Fatalf("no reference value %s", name)
		}
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %.12g, R says %.12g", name, got, want)
		}
		delete(ref, name)
	}
	clusters := func(trials ...[]int) []Cluster {
		var cs []Cluster
		for _, tr := range trials {
			c := Cluster{Rated: int64(len(tr))}
			for _, x := range tr {
				c.Passed += int64(x)
			}
			cs = append(cs, c)
		}
		return cs
	}
	for name, cs := range map[string][]Cluster{
		"multi":   clusters([]int{1, 1, 1}, []int{0, 0, 0}, []int{1, 1, 0}, []int{1, 0, 0}, []int{1, 1}),
		"single":  clusters([]int{1}, []int{0}, []int{1}, []int{1}, []int{0}, []int{1}, []int{1}, []int{1}),
		"unequal": clusters([]int{1, 0, 1, 0}, []int{1}, []int{0, 0}, []int{1, 1, 1, 0, 1}),
	} {
		p, se, _ := ClusteredSE(cs)
		check("clustered."+name+".p", p)
		check("clustered."+name+".se", se)
		iv := RateInterval(cs)
		if iv.Method != "clustered" || math.Abs(iv.Stderr-se) > 1e-12 {
			t.Errorf("%s: interval %+v, want clustered with se %v", name, iv, se)
		}
		check("clustered."+name+".low", iv.Low)
		check("clustered."+name+".high", iv.High)
		if name == "single" {
			check("clt.single.se", math.Sqrt(p*(1-p)/float64(len(cs))))
		}
	}
	wilson3030 := ref["wilson.30.30.low"]
	for _, w := range [][2]int64{{30, 30}, {0, 12}, {7, 10}, {1, 1}} {
		lo, hi := WilsonP(float64(w[0])/float64(w[1]), float64(w[1]), z95)
		check(fmt.Sprintf("wilson.%d.%d.low", w[0], w[1]), lo)
		check(fmt.Sprintf("wilson.%d.%d.high", w[0], w[1]), hi)
	}
	// 30 stimuli that all passed: SE 0, so the interval is Wilson with n = 30 stimuli.
	iv := RateInterval(clusters(repeat([]int{1, 1, 1}, 30)...))
	if iv.Method != "wilson" {
		t.Errorf("all passed: method %s, want wilson", iv.Method)
	}
	if want := wilson3030; math.Abs(iv.Low-want) > 1e-9 || iv.High != 1 {
		t.Errorf("30/30 stimuli: [%v, %v], want [%v, 1]", iv.Low, iv.High, want)
	}

	a := []float64{1, 2.0 / 3, 1, 0, 1.0 / 3, 1, 1, 0, 2.0 / 3, 1, 1, 1.0 / 3}
	b := []float64{1, 1, 1, 1.0 / 3, 1.0 / 3, 1, 2.0 / 3, 1.0 / 3, 1, 1, 1, 1}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	pd := PairedDiff(d, 0.05, Cluster{}, Cluster{})
	check("paired.estimate", pd.Estimate)
	check("paired.low", pd.Low)
	check("paired.high", pd.High)
	check("paired.p", pd.PValue)
	check("paired.se", pd.Stderr)
	pd90 := PairedDiff(d, 0.10, Cluster{}, Cluster{})
	check("paired90.low", pd90.Low)
	check("paired90.high", pd90.High)
	check("mde.paired", MinDetectableEffect(pd.Stderr, 0.05))
	check("mde.alpha01.se0.02", MinDetectableEffect(0.02, 0.01))
	for _, df := range []int{1, 4, 11, 119} {
		check(fmt.Sprintf("qt.975.%d", df), TQuantile(0.975, float64(df)))
		check(fmt.Sprintf("pt2.2.1.%d", df), TTwoSided(2.1, float64(df)))
	}
	for i, v := range Holm([]float64{0.01, 0.04, 0.03, 0.005, 0.2}) {
		check(fmt.Sprintf("holm.%d", i+1), v)
	}
	check("mcnemar.12.2", McNemarExact(12, 2))
	check("mcnemar.4.1", McNemarExact(4, 1))
	for _, dd := range []int{1, 2, 5, 10} {
		check(fmt.Sprintf("power.p0.7.d%d.k1.rho1", dd), float64(StimuliNeeded(0.7, float64(dd)/100, 0.05, 0.8, 1, 1)))
		check(fmt.Sprintf("power.p0.7.d%d.k3.rho0.4", dd), float64(StimuliNeeded(0.7, float64(dd)/100, 0.05, 0.8, 3, 0.4)))
		check(fmt.Sprintf("power.p0.05.d%d.k5.rho0", dd), float64(StimuliNeeded(0.05, float64(dd)/100, 0.01, 0.9, 5, 0)))
	}
	for _, c := range [][4]int64{{3, 6, 6, 6}, {0, 12, 12, 12}, {20, 40, 40, 40}, {10, 10, 5, 10}} {
		a, b := Cluster{Passed: c[0], Rated: c[1]}, Cluster{Passed: c[2], Rated: c[3]}
		lo, hi := Newcombe(a, b, z95)
		name := fmt.Sprintf("newcombe.%d.%d.%d.%d", c[0], c[1], c[2], c[3])
		check(name+".low", lo)
		check(name+".high", hi)
		check(name+".p", newcombeP(a, b))
	}
	for _, c := range []struct {
		p, d, k, rho, r float64
		m               int
	}{{0.6, 0.10, 3.1, 0.55, 0.9, 6}, {0.7, 0.05, 2.4, 0.4, 0, 1}, {0.3, 0.05, 1, 0.8, 0.5, 10}} {
		name := fmt.Sprintf("gate.p%g.d%g.k%g.rho%g.r%g.m%d", c.p, c.d, c.k, c.rho, c.r, c.m)
		v := PairedVariance(c.p, c.d, c.k, c.rho, c.r)
		check(name+".v", v)
		n := GateStimuli(v, c.d, 0.05, 0.8, c.m)
		check(name+".n", float64(n))
		check(name+".power131", GatePower(131, v, c.d, 0.05, c.m))
		check(name+".powerAtN", GatePower(n, v, c.d, 0.05, c.m))
	}
	var vs []float64
	for i, p := range []float64{0.3, 0.6, 0.9} {
		vs = append(vs, PairedVariance(p, 0.1, 2.5, []float64{0.5, 0.4, 0.6}[i], 0.8))
	}
	check("gate.mean.power131", MeanGatePower(131, vs, 0.1, 0.05, 6))
	check("gate.mean.n", float64(MeanStimuli(vs, 0.1, 0.05, 0.8, 6)))
	var trialCells []Cluster
	for _, k := range []int64{1, 2, 3, 4, 5, 5, 3} {
		trialCells = append(trialCells, Cluster{Rated: k})
	}
	mean, harmonic := meanTrials(trialCells)
	check("trials.mean", float64(mean))
	check("trials.harmonic", harmonic)
	ra, rb := runOf([][][]int{{{1, 1, 1}, {0, 0}, {1, 0, 1}, {1}, {0, 0, 1}}, {{1, 1}, {0, 1, 0}, {1, 1, 1}, {0}, {1, 0}}}),
		runOf([][][]int{{{0, 0}, {1}, {1, 0}, {1}, {0, 1}}, {{1}, {1, 1}, {1, 1, 1}, {0}, {1}}})
	rhoA, pA, _ := EstimateICC(ratedCells(ra))
	r, _ := pairing(ra, rb, pA*(1-pA)*rhoA)
	check("pairing.r", r)
	rho, p, ok := EstimateICC(clusters([]int{1, 1, 1}, []int{0, 0, 0}, []int{1, 1, 0}, []int{1, 0, 0}, []int{1, 1}, []int{0}))
	if !ok {
		t.Fatal("EstimateICC: not ok")
	}
	check("icc.rho", rho)
	check("icc.p", p)
	for name := range ref {
		t.Errorf("reference value %s is not checked", name)
	}
}

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func readRef(t *testing.T, path string) map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ref := map[string]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ref[name] = v
	}
	return ref
}

func TestHolmKeepsOrderAndMonotone(t *testing.T) {
	got := Holm([]float64{0.5, 0.001})
	if got[0] != 0.5 || got[1] != 0.002 {
		t.Errorf("Holm = %v", got)
	}
	if len(Holm(nil)) != 0 {
		t.Error("Holm of nothing")
	}
}

func TestPairedDiffDegenerate(t *testing.T) {
	none := Cluster{}
	if p := PairedDiff([]float64{0.5}, 0.05, none, none); p.Defined {
		t.Errorf("one stimulus has no spread: %+v", p)
	}
	if p := PairedDiff([]float64{0, 0, 0}, 0.05, Cluster{Rated: 6, Passed: 6}, Cluster{Rated: 6, Passed: 6}); p.PValue != 1 || p.Low != 0 || p.High != 0 {
		t.Errorf("no change anywhere: %+v", p)
	}
	// Every stimulus 2/2 → 1/2: sd(d) = 0, so the t statistic is −0.5/0. The trials are the
	// sample: Newcombe's interval and the p-value inverting it (R: newcombe.3.6.6.6.*),
	// never [−50, −50] with p = 0.
	p := PairedDiff([]float64{-0.5, -0.5, -0.5}, 0.05, Cluster{Rated: 6, Passed: 3}, Cluster{Rated: 6, Passed: 6})
	if p.Method != "newcombe" || p.PValue <= 0 || p.PValue >= 0.05 || p.Low >= p.High || p.High >= 0 || p.Stderr <= 0 {
		t.Errorf("the same drop everywhere: %+v", p)
	}
	// At the level Holm might give it (0.01 here) the same data no longer excludes 0, and
	// the verdict follows the interval: p = 0.04997 > 0.01.
	if _, hi := p.At(0.01); hi <= 0 {
		t.Errorf("99%% interval ends at %v, want above 0 (p = %v)", hi, p.PValue)
	}
	// Without trials to fall back on there is no interval.
	if p := PairedDiff([]float64{-1, -1, -1}, 0.05, none, none); p.Defined {
		t.Errorf("no spread and no trials: %+v", p)
	}
}

func TestPowerOf(t *testing.T) {
	b := 0.7
	p, err := PowerOf(nil, PowerParams{Baseline: &b, Alpha: 0.05, Power: 0.8, Trials: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The same numbers as R's (reference.tsv, power.p0.7.d*.k1.rho1).
	want := []int64{33272, 8391, 1374, 354}
	for i, r := range p.Rows {
		if r.Stimuli != want[i] || p.ICC != 1 {
			t.Errorf("row %d: %+v (icc %v), want %d stimuli", i, r, p.ICC, want[i])
		}
	}
	// From a run: its trials and an estimated correlation below 1, so fewer outcomes
	// than the conservative plan with the same trials.
	q, err := PowerOf(demo, PowerParams{From: "latest", Alpha: 0.05, Power: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if q.Trials != 3 || q.ICC <= 0 || q.ICC >= 1 || q.FromRun == nil {
		t.Errorf("from run: %+v", q)
	}
	for _, bad := range []PowerParams{{Alpha: 0, Power: 0.8, Trials: 1, Baseline: &b}, {Alpha: 0.05, Power: 0.8, Trials: 1},
		{Alpha: 0.05, Power: 0.8, Trials: 1, Baseline: &b, Deltas: []float64{0}}} {
		if _, err := PowerOf(nil, bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// TestRunIntervalMatchesScan: the runs list's interval, from the sums the writer keeps,
// equals the interval computed from a scan clustered by stimulus.
func TestRunIntervalMatchesScan(t *testing.T) {
	runs, _, err := demo.Runs()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		ra, err := aggregateRun(demo, r, perCell)
		if err != nil {
			t.Fatal(err)
		}
		cl := make([]Cluster, len(ra.stimuli))
		for m := range ra.cells {
			for s := range ra.cells[m] {
				cl[s].Rated += ra.cells[m][s].rated()
				cl[s].Passed += ra.cells[m][s].passed
			}
		}
		got, want := Summarize(r).PassRateInterval, roundInterval(RateInterval(cl))
		if got == nil || *got != *want {
			t.Errorf("%s: runs list %+v, scan %+v", r.ID, got, want)
		}
	}
}

// runOf is an aggregated run of cells[m][s] = the 0/1 trials of model m on stimulus s.
func runOf(cells [][][]int) *runAgg {
	ra := &runAgg{cells: make([][]acc, len(cells))}
	for m, row := range cells {
		ra.models = append(ra.models, fmt.Sprintf("m%d", m+1))
		for s, trials := range row {
			if m == 0 {
				ra.stimuli = append(ra.stimuli, fmt.Sprintf("s%d", s))
			}
			var a acc
			for _, x := range trials {
				a.add(stSuccess, int8(x), false)
			}
			ra.cells[m] = append(ra.cells[m], a)
		}
	}
	return ra
}
