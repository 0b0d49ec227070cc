package query

import (
	"math"
	"testing"
)

func TestMcNemarExact(t *testing.T) {
	cases := []struct {
		b, c int
		p    float64
		src  string
	}{
		{0, 0, 1, "no discordant pairs: no evidence"},
		{10, 2, 158.0 / 4096, "2·(C(12,0)+C(12,1)+C(12,2))/2^12 = 2·79/4096, by hand"},
		{2, 10, 158.0 / 4096, "symmetric"},
		{5, 5, 1, "balanced: capped at 1"},
		{0, 6, 2.0 / 64, "2·(1/2)^6"},
		{1, 0, 1, "2·P(X≤0), n=1 = 1"},
		// Agresti, Categorical Data Analysis (2nd ed.), presidential approval example
		// has b=150, c=86: the exact two-sided p is 3.7159e-05 (R: binom.test(86, 236); also
		// python3: 2*sum(comb(236, i) for i in range(87)) / 2**236).
		{150, 86, 3.715936e-05, "binom.test(86, 236)"},
	}
	for _, c := range cases {
		got := McNemarExact(c.b, c.c)
		if math.Abs(got-c.p) > 1e-4*math.Max(c.p, 1e-3) && math.Abs(got-c.p) > 1e-9 {
			t.Errorf("McNemar(%d, %d) = %.6g, want %.6g (%s)", c.b, c.c, got, c.p, c.src)
		}
	}
}

func TestWilsonAndNewcombe(t *testing.T) {
	// Newcombe 1998 (Statistics in Medicine 17:873–890), table II, example (a): 56/70 − 48/80,
	// method 10 gives 0.0524 to 0.3339.
	lo, hi := NewcombeDiff(56, 70, 48, 80, 1.959964)
	if math.Abs(lo-0.0524) > 5e-4 || math.Abs(hi-0.3339) > 5e-4 {
		t.Errorf("Newcombe(56/70 − 48/80) = [%.4f, %.4f], want [0.0524, 0.3339]", lo, hi)
	}
	// Example (d) of the same table: 0/10 − 0/20 gives −0.1611 to 0.2775.
	lo, hi = NewcombeDiff(0, 10, 0, 20, 1.959964)
	if math.Abs(lo+0.1611) > 5e-4 || math.Abs(hi-0.2775) > 5e-4 {
		t.Errorf("Newcombe(0/10 − 0/20) = [%.4f, %.4f], want [-0.1611, 0.2775]", lo, hi)
	}
	lo, hi = Wilson(0, 0, 1.96)
	if lo != 0 || hi != 1 {
		t.Errorf("Wilson of nothing: [%v, %v]", lo, hi)
	}
}
