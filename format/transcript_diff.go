package format

import "strings"

// A transcript diff aligns two trials' steps (a base and a new one, as a regression has):
// steps that are the same (kind, tool or role, and text) align by a longest common
// subsequence; a run of steps only on one side beside a run only on the other pairs up as
// changed where the kinds agree. The first row that is not the same is the divergence.

// Alignments of a transcript diff row.
const (
	AlignSame    = "same"
	AlignChanged = "changed"
	AlignBase    = "base-only"
	AlignNew     = "new-only"
)

// DiffRow is one aligned row: a base step, a new step, or both.
type DiffRow struct {
	Align      string
	Base, New  *Step
	Divergence bool // the first row that is not the same
}

// TranscriptDiff is two transcripts aligned.
type TranscriptDiff struct {
	Rows []DiffRow
	// Diverges is the index of the first row that differs, -1 when none does.
	Diverges int
}

// maxDiffSteps bounds the alignment's table (steps beyond it are compared in order).
const maxDiffSteps = 2000

// DiffTranscripts aligns base against new.
func DiffTranscripts(base, new Transcript) TranscriptDiff {
	a, b := base.Steps, new.Steps
	if len(a) > maxDiffSteps {
		a = a[:maxDiffSteps]
	}
	if len(b) > maxDiffSteps {
		b = b[:maxDiffSteps]
	}
	ops := align(a, b)
	d := TranscriptDiff{Diverges: -1}
	for _, r := range pairChanges(ops) {
		if r.Align != AlignSame && d.Diverges < 0 {
			d.Diverges = len(d.Rows)
			r.Divergence = true
		}
		d.Rows = append(d.Rows, r)
	}
	return d
}

func stepKey(s Step) string {
	return s.Kind + "\x00" + s.Label + "\x00" + strings.TrimSpace(s.Text) + "\x00" + strings.TrimSpace(s.Result) + "\x00" + s.Error
}

// align is the LCS alignment of two step lists as same, base-only and new-only rows.
func align(a, b []Step) []DiffRow {
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i] = stepKey(a[i])
	}
	for j := range b {
		kb[j] = stepKey(b[j])
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:], in one flat table.
	w := len(b) + 1
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if ka[i] == kb[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	var out []DiffRow
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && ka[i] == kb[j]:
			out = append(out, DiffRow{Align: AlignSame, Base: &a[i], New: &b[j]})
			i++
			j++
		case j < len(b) && (i == len(a) || lcs[i*w+j+1] >= lcs[(i+1)*w+j]):
			out = append(out, DiffRow{Align: AlignNew, New: &b[j]})
			j++
		default:
			out = append(out, DiffRow{Align: AlignBase, Base: &a[i]})
			i++
		}
	}
	return out
}

// pairChanges turns a run of base-only rows next to a run of new-only rows into changed
// rows, step by step while their kinds agree.
func pairChanges(rows []DiffRow) []DiffRow {
	var out []DiffRow
	for k := 0; k < len(rows); {
		if rows[k].Align == AlignSame {
			out = append(out, rows[k])
			k++
			continue
		}
		end := k
		var bs, ns []*Step
		for end < len(rows) && rows[end].Align != AlignSame {
			if rows[end].Base != nil {
				bs = append(bs, rows[end].Base)
			} else {
				ns = append(ns, rows[end].New)
			}
			end++
		}
		n := 0
		for n < len(bs) && n < len(ns) && bs[n].Kind == ns[n].Kind {
			out = append(out, DiffRow{Align: AlignChanged, Base: bs[n], New: ns[n]})
			n++
		}
		for _, s := range bs[n:] {
			out = append(out, DiffRow{Align: AlignBase, Base: s})
		}
		for _, s := range ns[n:] {
			out = append(out, DiffRow{Align: AlignNew, New: s})
		}
		k = end
	}
	return out
}
