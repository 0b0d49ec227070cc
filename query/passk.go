package query

import "math"

// PassAtK is the unbiased estimator of the chance that at least one of k trials drawn
// without replacement from n passes, given c of the n passed (Chen et al. 2021, "Evaluating
// Large Language Models Trained on Code", eq. 1): 1 - C(n-c, k) / C(n, k).
func PassAtK(n, c, k int) float64 {
	if k <= 0 || n < k || c < 0 || c > n {
		return math.NaN()
	}
	if n-c < k {
		return 1
	}
	// 1 - prod_{i=n-c+1}^{n} (1 - k/i), the numerically stable form.
	p := 1.0
	for i := n - c + 1; i <= n; i++ {
		p *= 1 - float64(k)/float64(i)
	}
	return 1 - p
}

// PassHatK estimates the chance that all of k trials pass (pass^k, τ-bench): C(c, k) / C(n, k).
func PassHatK(n, c, k int) float64 {
	if k <= 0 || n < k || c < 0 || c > n {
		return math.NaN()
	}
	if c < k {
		return 0
	}
	p := 1.0
	for i := 0; i < k; i++ {
		p *= float64(c-i) / float64(n-i)
	}
	return p
}

// kStats averages pass@k and pass^k over cells for k = 1..maxK.
type kStats struct {
	at, hat []float64
	cells   []int64
}

func newKStats(maxK int) *kStats {
	return &kStats{at: make([]float64, maxK+1), hat: make([]float64, maxK+1), cells: make([]int64, maxK+1)}
}

func (s *kStats) add(n, c int64) {
	for k := 1; k < len(s.at) && int64(k) <= n; k++ {
		s.at[k] += PassAtK(int(n), int(c), k)
		s.hat[k] += PassHatK(int(n), int(c), k)
		s.cells[k]++
	}
}

func (s *kStats) merge(o *kStats) {
	if n := len(o.at) - len(s.at); n > 0 {
		s.at = append(s.at, make([]float64, n)...)
		s.hat = append(s.hat, make([]float64, n)...)
		s.cells = append(s.cells, make([]int64, n)...)
	}
	for k := range o.at {
		s.at[k] += o.at[k]
		s.hat[k] += o.hat[k]
		s.cells[k] += o.cells[k]
	}
}

// maps returns {"k": mean} for every k with cells; nil when there is only one trial.
func (s *kStats) maps() (at, hat map[string]*float64) {
	if len(s.at) <= 2 {
		return nil, nil
	}
	at, hat = map[string]*float64{}, map[string]*float64{}
	for k := 1; k < len(s.at); k++ {
		key := itoa(k)
		at[key] = mean(s.at[k], s.cells[k])
		hat[key] = mean(s.hat[k], s.cells[k])
	}
	return at, hat
}

func itoa(k int) string {
	if k < 10 {
		return string(rune('0' + k))
	}
	return itoa(k/10) + string(rune('0'+k%10))
}
