package query

import "math"

// McNemarExact is the exact (binomial) two-sided McNemar test on discordant pairs: b pairs
// passed before and failed after, c the reverse. p = min(1, 2·P(X ≤ min(b, c))) with
// X ~ Binomial(b + c, 1/2). With no discordant pairs there is no evidence of change: p = 1.
func McNemarExact(b, c int) float64 {
	n := b + c
	if n == 0 {
		return 1
	}
	k := min(b, c)
	// Sum the binomial probabilities in log space: n can be in the thousands.
	var sum float64
	lnHalfN := float64(n) * math.Log(0.5)
	for i := 0; i <= k; i++ {
		sum += math.Exp(lnChoose(n, i) + lnHalfN)
	}
	return math.Min(1, 2*sum)
}

func lnChoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// Wilson is the Wilson score interval of x successes in n trials at z (1.96 for 95%).
func Wilson(x, n int64, z float64) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	p := float64(x) / float64(n)
	nf := float64(n)
	den := 1 + z*z/nf
	mid := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return math.Max(0, mid-half), math.Min(1, mid+half)
}

// NewcombeDiff is the hybrid score interval for the difference of two proportions
// x1/n1 − x2/n2 (Newcombe 1998, "Interval estimation for the difference between
// independent proportions: comparison of eleven methods", Statistics in Medicine 17,
// method 10), built from the two Wilson intervals.
func NewcombeDiff(x1, n1, x2, n2 int64, z float64) (lo, hi float64) {
	if n1 == 0 || n2 == 0 {
		return -1, 1
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	l1, u1 := Wilson(x1, n1, z)
	l2, u2 := Wilson(x2, n2, z)
	d := p1 - p2
	lo = d - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	hi = d + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	return lo, hi
}
