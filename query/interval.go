package query

import (
	"math"
	"slices"
	"sync"
)

// This file holds the statistics of the error bars: one definition each, pure functions
// over counts. docs/statistics.md and `evals metrics` describe them; testdata/stats holds
// the R script that checks them.

// Cluster is the rated and passed trials of one stimulus: the unit of resampling.
type Cluster struct{ Rated, Passed int64 }

// Interval is a 95% interval on a pass rate.
type Interval struct {
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
	Stderr float64 `json:"stderr"`
	// Method is clustered (the stimulus-clustered standard error) or wilson (where that
	// standard error is 0, or the rate is one cell's trials).
	Method string `json:"method"`
}

// z95 is the 0.975 quantile of the standard normal.
var z95 = NormalQuantile(0.975)

// ClusteredSE is the standard error of the pass rate p̂ = Σpassed / Σrated clustered by
// stimulus (Miller 2024, "Adding Error Bars to Evals", eq. 4):
// SE = sqrt(Σ_s (Σ_{i∈s} (x_i − p̂))²) / N = sqrt(Σ_s (passed_s − rated_s·p̂)²) / N.
// With one trial per stimulus it is the usual sqrt(p̂(1−p̂)/N).
func ClusteredSE(cs []Cluster) (p, se float64, ok bool) {
	var n, x int64
	for _, c := range cs {
		n += c.Rated
		x += c.Passed
	}
	if n == 0 {
		return 0, 0, false
	}
	p = float64(x) / float64(n)
	var ss float64
	for _, c := range cs {
		d := float64(c.Passed) - float64(c.Rated)*p
		ss += d * d
	}
	return p, math.Sqrt(ss) / float64(n), true
}

// clusterMoments are the sums Σrated², Σrated·passed, Σpassed² over clusters, from which
// the clustered SE follows without the clusters: Σ(passed − rated·p)² = C2 − 2p·NC + p²·N2.
type clusterMoments struct {
	n, x       int64 // Σrated, Σpassed
	n2, nc, c2 float64
	clusters   int64
}

func (m *clusterMoments) add(c Cluster) {
	if c.Rated == 0 {
		return
	}
	n, x := float64(c.Rated), float64(c.Passed)
	m.n += c.Rated
	m.x += c.Passed
	m.n2 += n * n
	m.nc += n * x
	m.c2 += x * x
	m.clusters++
}

// interval is RateInterval computed from the moments.
func (m *clusterMoments) interval() *Interval {
	if m.n == 0 {
		return nil
	}
	p := float64(m.x) / float64(m.n)
	ss := m.c2 - 2*p*m.nc + p*p*m.n2
	if ss < 1e-12*math.Max(1, m.c2) {
		ss = 0
	}
	return rateInterval(p, math.Sqrt(ss)/float64(m.n), m.clusters)
}

// RateInterval is the 95% interval on the pass rate of clusters: p̂ ± 1.96·SE with the
// clustered SE, clipped to [0, 1]; where SE is 0 (every trial the same, or one stimulus)
// the Wilson interval with n = the number of stimuli, so that 30/30 never reads as
// certain. Nil when nothing was rated.
func RateInterval(cs []Cluster) *Interval {
	var m clusterMoments
	for _, c := range cs {
		m.add(c)
	}
	return m.interval()
}

func rateInterval(p, se float64, stimuli int64) *Interval {
	if se > 0 {
		return &Interval{Low: max(0, p-z95*se), High: min(1, p+z95*se), Stderr: se, Method: "clustered"}
	}
	lo, hi := WilsonP(p, float64(stimuli), z95)
	return &Interval{Low: lo, High: hi, Stderr: 0, Method: "wilson"}
}

// trialInterval is the interval of one cell: the trials of a single stimulus are the
// sample, so it is the Wilson interval over its rated trials.
func trialInterval(passed, rated int64) *Interval {
	if rated == 0 {
		return nil
	}
	iv := trialIv(passed, rated)
	return &iv
}

// trialIv is trialInterval as a value, for rated > 0.
func trialIv(passed, rated int64) Interval {
	p := float64(passed) / float64(rated)
	lo, hi := WilsonP(p, float64(rated), z95)
	return Interval{Low: lo, High: hi, Stderr: math.Sqrt(p * (1 - p) / float64(rated)), Method: "wilson"}
}

// WilsonP is the Wilson score interval of a proportion p observed over n units at z.
func WilsonP(p, n, z float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	den := 1 + z*z/n
	mid := (p + z*z/(2*n)) / den
	half := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / den
	return math.Max(0, mid-half), math.Min(1, mid+half)
}

// Paired is the paired, stimulus-level difference of two subjects (Miller 2024, §4): over
// the S stimuli both rated, d_s = rate of A on s − rate of B on s; the estimate is mean(d),
// SE = sd(d)/sqrt(S) (S−1 denominator), the interval estimate ± t(1−α/2, S−1)·SE and the
// two-sided p-value comes from the same t statistic (Method "paired-t").
//
// Where every stimulus changed by the same amount (sd(d) = 0 with a mean that is not 0)
// the t statistic is d/0: no interval and no p-value come from it. There the trials are
// the sample (Method "newcombe"): Newcombe's hybrid score interval on the difference of
// the two sides' pooled rates over the matched stimuli, and the p-value that inverts it
// (the largest level at which the interval still leaves out 0), never 0 from 0/0.
type Paired struct {
	Estimate float64
	Stderr   float64
	Low      float64
	High     float64
	PValue   float64
	S        int
	Method   string
	// Defined is false below two stimuli: no spread, no interval.
	Defined bool
	// a and b are the two sides' trials over the matched stimuli (Method newcombe).
	a, b Cluster
}

// PairedDiff computes the paired difference of per-stimulus differences d at level 1−alpha;
// a and b are the trials of the two sides (A, B) over the same stimuli, for the case
// where d has no spread.
func PairedDiff(d []float64, alpha float64, a, b Cluster) Paired {
	s := len(d)
	out := Paired{S: s, Method: "paired-t", a: a, b: b}
	if s == 0 {
		return out
	}
	var sum float64
	for _, v := range d {
		sum += v
	}
	m := sum / float64(s)
	out.Estimate = m
	if s < 2 {
		return out
	}
	var ss float64
	for _, v := range d {
		ss += (v - m) * (v - m)
	}
	se := math.Sqrt(ss/float64(s-1)) / math.Sqrt(float64(s))
	if se < 1e-15 {
		se = 0
	}
	out.Stderr, out.Defined = se, true
	df := float64(s - 1)
	switch {
	case se == 0 && math.Abs(m) < 1e-12:
		out.Low, out.High, out.PValue = 0, 0, 1
	case se == 0 && a.Rated > 0 && b.Rated > 0:
		out.Method = "newcombe"
		z := NormalQuantile(1 - alpha/2)
		out.Low, out.High = out.At(alpha)
		out.Stderr = (out.High - out.Low) / (2 * z)
		out.PValue = newcombeP(a, b)
	case se == 0:
		out.Defined = false // no trials to fall back on
	default:
		tq := TQuantile(1-alpha/2, df)
		out.Low, out.High = m-tq*se, m+tq*se
		out.PValue = TTwoSided(m/se, df)
	}
	return out
}

// At is the interval at level 1−alpha.
func (p Paired) At(alpha float64) (lo, hi float64) {
	switch {
	case p.Method == "newcombe":
		return Newcombe(p.a, p.b, NormalQuantile(1-alpha/2))
	case p.Stderr > 0:
		tq := TQuantile(1-alpha/2, float64(p.S-1))
		return p.Estimate - tq*p.Stderr, p.Estimate + tq*p.Stderr
	}
	return p.Low, p.High
}

// Newcombe is the hybrid score interval (Newcombe 1998, method 10) on p_a − p_b, the
// difference of two proportions, from the Wilson intervals of each at z.
func Newcombe(a, b Cluster, z float64) (lo, hi float64) {
	pa, pb := float64(a.Passed)/float64(a.Rated), float64(b.Passed)/float64(b.Rated)
	la, ua := WilsonP(pa, float64(a.Rated), z)
	lb, ub := WilsonP(pb, float64(b.Rated), z)
	d := pa - pb
	return d - math.Sqrt((pa-la)*(pa-la)+(ub-pb)*(ub-pb)), d + math.Sqrt((ua-pa)*(ua-pa)+(pb-lb)*(pb-lb))
}

// newcombeP is the two-sided p-value that inverts Newcombe's interval: 2·(1 − Φ(z*)) for
// the z* at which the interval's bound nearest 0 reaches it (bisection; at least
// 2·Φ(−37), the smallest this reports).
func newcombeP(a, b Cluster) float64 {
	d := float64(a.Passed)/float64(a.Rated) - float64(b.Passed)/float64(b.Rated)
	if d == 0 {
		return 1
	}
	excludes := func(z float64) bool {
		lo, hi := Newcombe(a, b, z)
		return lo > 0 || hi < 0
	}
	lo, hi := 0.0, 37.0
	if excludes(hi) {
		return 2 * NormalCDF(-hi)
	}
	for range 100 {
		mid := (lo + hi) / 2
		if excludes(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return 2 * NormalCDF(-(lo+hi)/2)
}

// MinDetectableEffect is the smallest true change a paired comparison with standard
// error se detects with 80% power at two-sided level alpha: (z_{1−α/2} + z_{0.8})·SE.
func MinDetectableEffect(se, alpha float64) float64 {
	return (NormalQuantile(1-alpha/2) + NormalQuantile(0.8)) * se
}

// Holm adjusts p-values for multiple comparisons (Holm 1979, step-down): sorted
// ascending, p_(i) becomes max_{j≤i} min(1, (m−j+1)·p_(j)); the result keeps the input order.
func Holm(ps []float64) []float64 {
	m := len(ps)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case ps[a] < ps[b]:
			return -1
		case ps[a] > ps[b]:
			return 1
		}
		return 0
	})
	out := make([]float64, m)
	run := 0.0
	for rank, i := range order {
		v := math.Min(1, float64(m-rank)*ps[i])
		run = math.Max(run, v)
		out[i] = run
	}
	return out
}

// NormalQuantile is the p quantile of the standard normal distribution.
func NormalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// TTwoSided is the two-sided p-value P(|T| ≥ |t|) of Student's t with df degrees of
// freedom: I_{df/(df+t²)}(df/2, 1/2).
func TTwoSided(t, df float64) float64 {
	if math.IsInf(t, 0) {
		return 0
	}
	return RegIncBeta(df/2, 0.5, df/(df+t*t))
}

// TQuantile is the p quantile (p > 0.5) of Student's t with df degrees of freedom, found
// by bisection on TTwoSided to full double precision. Answers are remembered: a ranking by
// slice asks for one per model and slice, mostly of the same few (p, df), and each is ~55
// incomplete beta functions (2 ms of a 20 ms `ranking --by category`).
func TQuantile(p, df float64) float64 {
	key := [2]float64{p, df}
	tq.mu.Lock()
	q, ok := tq.m[key]
	tq.mu.Unlock()
	if ok {
		return q
	}
	q = tQuantile(p, df)
	tq.mu.Lock()
	if len(tq.m) < 4096 {
		tq.m[key] = q
	}
	tq.mu.Unlock()
	return q
}

// tq holds TQuantile's answers (at most 4,096).
var tq = struct {
	mu sync.Mutex
	m  map[[2]float64]float64
}{m: map[[2]float64]float64{}}

func tQuantile(p, df float64) float64 {
	target := 2 * (1 - p) // two-sided tail mass
	lo, hi := 0.0, 1.0
	for TTwoSided(hi, df) > target {
		lo, hi = hi, hi*2
		if hi > 1e12 {
			return math.Inf(1)
		}
	}
	for i := 0; i < 200 && hi-lo > 1e-15*hi; i++ {
		mid := (lo + hi) / 2
		if TTwoSided(mid, df) > target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// RegIncBeta is the regularized incomplete beta function I_x(a, b), by its continued
// fraction (Numerical Recipes §6.4, modified Lentz).
func RegIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

func betaCF(a, b, x float64) float64 {
	qab, qap, qam := a+b, a+1, a-1
	// One modified-Lentz update of c and d by coefficient aa; returns the factor for h.
	c, d := 1.0, 1/nonZero(1-qab*x/qap)
	step := func(aa float64) float64 {
		d = 1 / nonZero(1+aa*d)
		c = nonZero(1 + aa/c)
		return d * c
	}
	h := d
	for m := 1; m <= 10000; m++ {
		fm := float64(m)
		m2 := 2 * fm
		h *= step(fm * (b - fm) * x / ((qam + m2) * (a + m2)))
		del := step(-(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2)))
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return h
}

// nonZero keeps a continued fraction's terms away from 0 (Lentz's tiny).
func nonZero(v float64) float64 {
	if math.Abs(v) < 1e-300 {
		return 1e-300
	}
	return v
}

// NormalCDF is Φ(x), the standard normal distribution function.
func NormalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }
