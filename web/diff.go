package web

import "strings"

// diffLine is one line of a line diff of output against expected.
type diffLine struct {
	Kind string // "", add (only in the output) or del (only in the expected)
	Mark string
	Text string
}

// maxDiffLines bounds the diff: longer texts are shown as they are.
const maxDiffLines = 400

// lineDiff is a longest-common-subsequence line diff of expected → output; nil when either
// side is empty or too long.
func lineDiff(expected, output string) []diffLine {
	if expected == "" || output == "" {
		return nil
	}
	a, b := strings.Split(expected, "\n"), strings.Split(output, "\n")
	if len(a) > maxDiffLines || len(b) > maxDiffLines {
		return nil
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out = append(out, diffLine{Mark: " ", Text: a[i]})
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, diffLine{Kind: "add", Mark: "+", Text: b[j]})
			j++
		default:
			out = append(out, diffLine{Kind: "del", Mark: "-", Text: a[i]})
			i++
		}
	}
	return out
}
