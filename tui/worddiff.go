package tui

import "strings"

// wordOp is one step of a word diff: a word both sides keep (0), the base's only (-1) or
// the new side's only (+1).
type wordOp struct {
	op   int
	word string
}

// maxDiffWords bounds a word diff (its table is words × words).
const maxDiffWords = 1500

// wordDiff compares two texts word by word (longest common subsequence): what a reader
// needs to see between two outputs that pass and fail. Past maxDiffWords words a side is
// cut, and the diff says so with its last op.
func wordDiff(a, b string) []wordOp {
	x, y := strings.Fields(a), strings.Fields(b)
	cut := len(x) > maxDiffWords || len(y) > maxDiffWords
	x, y = x[:min(len(x), maxDiffWords)], y[:min(len(y), maxDiffWords)]
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []wordOp
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			out = append(out, wordOp{0, x[i]})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]): // removals before additions
			out = append(out, wordOp{-1, x[i]})
			i++
		default:
			out = append(out, wordOp{+1, y[j]})
			j++
		}
	}
	if cut {
		out = append(out, wordOp{0, "…(cut)"})
	}
	return out
}

// diffText renders a word diff: removed words as [-…-], added as {+…+} (visible with no
// colour), runs of the same kind merged; paint colours them.
func diffText(ops []wordOp, paint func(op int, s string) string) string {
	var b strings.Builder
	for k := 0; k < len(ops); {
		op := ops[k].op
		var words []string
		for k < len(ops) && ops[k].op == op {
			words = append(words, ops[k].word)
			k++
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		s := strings.Join(words, " ")
		switch op {
		case -1:
			s = "[-" + s + "-]"
		case +1:
			s = "{+" + s + "+}"
		}
		b.WriteString(paint(op, s))
	}
	return b.String()
}
