package query

import "slices"

// shingles are the hashes of a masked line's word pairs (its words when it has one), in
// lower case, punctuation dropped: what near-duplicate signatures are compared by. Words
// are hashed as they are read (FNV-1a), pairs by mixing two word hashes: no allocation but
// the answer.
func shingles(masked string) []uint64 {
	out := make([]uint64, 0, 16)
	const offset, prime = 14695981039346656037, 1099511628211
	var prev, h uint64
	words, inWord := 0, false
	end := func() {
		if !inWord {
			return
		}
		if words > 0 {
			out = append(out, mix64(prev*31+h))
		}
		prev, inWord = h, false
		words++
	}
	for i := 0; i < len(masked); i++ {
		c := masked[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '<' || c == '>' || c == '_' || c >= 0x80 {
			if !inWord {
				h, inWord = offset, true
			}
			h = (h ^ uint64(c)) * prime
			continue
		}
		end()
	}
	end()
	if words == 1 {
		out = append(out, mix64(prev))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// jaccard is |a∩b| / |a∪b| of two sorted sets.
func jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	i, j, both := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			both++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// MinHash banding: minHashes values per signature, in bands of bandRows. Two signatures
// that share a band are candidates; they merge when their exact Jaccard similarity is at
// least mergeSimilarity.
const (
	minHashes       = 12
	bandRows        = 2
	mergeSimilarity = 0.5
)

func minHash(sh []uint64) [minHashes]uint64 {
	var m [minHashes]uint64
	for k := range m {
		m[k] = ^uint64(0)
	}
	for _, x := range sh {
		for k := range m {
			v := mix64(x ^ (uint64(k+1) * 0x9e3779b97f4a7c15))
			if v < m[k] {
				m[k] = v
			}
		}
	}
	return m
}

// mix64 is splitmix64's finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
