package query

import "math"

// round6 keeps JSON numbers short and stable across platforms.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// ratio returns num/den rounded, or nil when den is 0 (missing is null, never NaN).
func ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	r := round6(float64(num) / float64(den))
	return &r
}

// mean returns sum/n rounded, or nil when n is 0.
func mean(sum float64, n int64) *float64 {
	if n == 0 {
		return nil
	}
	r := round6(sum / float64(n))
	return &r
}
