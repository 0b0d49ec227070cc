package query

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"slices"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// Failure modes: a run's failed and errored outcomes grouped by a deterministic signature
// (the failing grader, or the error, and the first line of its evidence with the variable
// parts masked; see signature.go), near-duplicate signatures merged by MinHash over word
// pairs. No model is called: the same input gives the same modes, and a mode's id is a
// hash of its most frequent signature, so it is the same in every face and every run.

// Sources of a failure that is not a grader's.
const (
	SourceError  = "error"  // the outcome errored: its error text
	SourceReview = "review" // a human failed it
	SourceNone   = "failed" // failed with no failing grader to say why
)

// Failures is the failure-mode analysis of the runs in scope.
type Failures struct {
	RunIDs []string `json:"runIds"`
	// BaseRunID is the run the trends compare with (the run before, or --base); null when
	// there is none.
	BaseRunID *string `json:"baseRunId"`
	// RatedCount counts the outcomes with a verdict or an error (the rates' denominator);
	// FailedCount and ErrorCount the ones the modes group.
	RatedCount  int64 `json:"ratedCount"`
	FailedCount int64 `json:"failedCount"`
	ErrorCount  int64 `json:"errorCount"`
	// Modes, largest first, at most the limit asked (50 by default); the baseline's modes
	// with no outcome in scope come last, with trend "gone".
	Modes []FailureMode `json:"modes"`
	// ModeCount counts every mode with outcomes in scope; OtherCount the outcomes of the
	// modes past the limit (the long tail).
	ModeCount  int   `json:"modeCount"`
	OtherCount int64 `json:"otherCount"`
}

// FailureMode is one way the runs fail.
type FailureMode struct {
	ID string `json:"id"`
	// Source is the failing grader, "error", "review" or "failed".
	Source string `json:"source"`
	// Signature is the masked first line of the mode's most frequent evidence or error.
	Signature string `json:"signature"`
	Count     int64  `json:"count"`
	// Share is Count over the failed and errored outcomes in scope; Rate over the rated ones.
	Share *float64 `json:"share"`
	Rate  *float64 `json:"rate"`
	// Variants counts the distinct masked lines merged into the mode (in scope; for a gone
	// mode, in the baseline).
	Variants int         `json:"variants"`
	ByModel  []ModeCount `json:"byModel"`
	BySlice  []ModeCount `json:"bySlice,omitempty"`
	// Trend against the baseline run: new, gone, grown, shrunk or steady (a two-proportion
	// z-test of the rates at 0.05); null without a baseline.
	Trend     *string       `json:"trend"`
	BaseCount *int64        `json:"baseCount"`
	BaseRate  *float64      `json:"baseRate"`
	Examples  []ModeExample `json:"examples"`
}

// ModeCount is a mode's count within one model (or one slice with --by).
type ModeCount struct {
	Model      string   `json:"model,omitempty"`
	Slice      *Slice   `json:"slice,omitempty"`
	Count      int64    `json:"count"`
	RatedCount int64    `json:"ratedCount"`
	Rate       *float64 `json:"rate"`
}

// ModeExample is one outcome of a mode, with its reason in full.
type ModeExample struct {
	OutcomeID    string `json:"outcomeId"`
	RunID        string `json:"runId"`
	StimulusName string `json:"stimulusName"`
	Model        string `json:"model"`
	TrialIndex   int    `json:"trialIndex"`
	Reason       string `json:"reason"`
}

// FailuresParams scope a failure analysis.
type FailuresParams struct {
	Scope
	// Base is the baseline run reference; "" is the run before the newest run in scope,
	// "none" compares with nothing.
	Base string
	// Limit is how many modes to list (0: DefaultModes; at most MaxLimit).
	Limit int
}

const modeExamples = 3

// FailuresOf groups the failed and errored outcomes of the runs in scope into modes.
func FailuresOf(src Source, p FailuresParams) (Failures, error) {
	runs, err := resolve(src, p.Scope)
	if err != nil {
		return Failures{}, err
	}
	cur, err := collectFailures(src, runs, &p.Slicing)

	if err != nil {
		return Failures{}, err
	}
	base, err := baselineOf(src, runs, p.Base)
	if err != nil {
		return Failures{}, err
	}
	var old *failureSet
	if base != nil {
		if old, err = collectFailures(src, []store.Run{*base}, &p.Slicing); err != nil {
			return Failures{}, err
		}
	}
	cl := clusterFailures(cur, old)

	out := Failures{RunIDs: runIDs(runs), Modes: []FailureMode{}, RatedCount: cur.rated}
	for _, f := range cur.fails {
		if f.errored {
			out.ErrorCount++
		} else {
			out.FailedCount++
		}
	}
	if base != nil {
		out.BaseRunID = &base.ID
	}
	limit := p.Limit
	if limit == 0 {
		limit = DefaultModes
	}
	if err := CheckLimit(limit); err != nil {
		return Failures{}, err
	}
	if err := buildModes(src, cur, old, cl, p.By, limit, &out); err != nil {
		return Failures{}, err
	}

	return out, nil
}

// baselineOf is the run the trends compare with: ref, or the run listed after the oldest
// of runs (the run before); nil for "none" or when there is no run before.
func baselineOf(src Source, runs []store.Run, ref string) (*store.Run, error) {
	switch ref {
	case "none":
		return nil, nil
	case "":
		all, _, err := src.Runs()
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(all, func(r store.Run) bool { return r.ID == runs[len(runs)-1].ID })
		if i < 0 || i+1 >= len(all) {
			return nil, nil
		}
		return &all[i+1], nil
	}
	r, err := src.Resolve(ref)
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(runs, func(x store.Run) bool { return x.ID == r.ID }) {
		return nil, errs.E(errs.Invalid, "the baseline run %s is one of the runs analysed: pass another --base, or --base none", r.ID)
	}
	return &r, nil
}

// Reason is the one-line reason of a failure: its source and the first line of its text.
func Reason(source, text string) string {
	switch {
	case text == "" && source == SourceReview:
		return "failed by a reviewer"
	case text == "" && source == SourceNone:
		return "failed (no grader says why)"
	case text == "":
		return source + " failed"
	}
	return source + ": " + text
}

// signatureText is how a signature reads: its source and masked line.
func signatureText(s sigInfo) string { return Reason(s.source, s.masked) }

// modeID is the stable id of a mode whose most frequent signature is s.
func modeID(s sigInfo) string {
	h := fnv.New64a()
	h.Write([]byte(s.source))
	h.Write([]byte{0})
	h.Write([]byte(s.masked))
	return fmt.Sprintf("fm-%08x", uint32(h.Sum64()>>32))
}

// clustering maps every signature of the current set (and of the baseline's, after them)
// to a cluster.
type clustering struct {
	cur, old []int32 // cluster of each signature
	n        int
}

// clusterFailures merges near-duplicate signatures. The current set's signatures are
// clustered first, in a fixed order (most frequent first); the baseline's then join a
// current cluster they resemble, or cluster among themselves. A baseline signature never
// joins two current clusters together, so the modes of a run do not depend on its baseline.
func clusterFailures(cur, old *failureSet) clustering {
	all := []*sigInfo{}
	isCur := []bool{}
	at := []int32{} // each one's index in its set
	order := func(fs *failureSet, current bool) {
		// Most frequent first; ties in the order the signatures were met (scan order), so
		// the same input clusters the same way.
		idx := make([]int, len(fs.sigs))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(fs.sigs[b].count, fs.sigs[a].count) })
		for _, i := range idx {
			all = append(all, &fs.sigs[i])
			isCur = append(isCur, current)
			at = append(at, int32(i))
		}
	}
	order(cur, true)
	if old != nil {
		order(old, false)
	}
	uf := newUnionFind(len(all), isCur)
	buckets := make(map[uint64]int32, min(len(all), maxBucketed)*minHashes/bandRows)
	for i, s := range all {
		mh := &s.hash.mh
		src := fnvString(s.source)
		for band := 0; band < minHashes/bandRows; band++ {
			key := mix64(src ^ uint64(band+1)*0x9e3779b97f4a7c15)
			for r := 0; r < bandRows; r++ {
				key = mix64(key ^ mh[band*bandRows+r])
			}
			first, ok := buckets[key]
			if !ok {
				if i < maxBucketed {
					buckets[key] = int32(i)
				}
				continue
			}
			if uf.find(int32(i)) != uf.find(first) && jaccard(all[first].hash.shingles, s.hash.shingles) >= mergeSimilarity {
				uf.union(first, int32(i), !isCur[i])
			}
		}
	}
	// Number the clusters and map back to each set's signature order.
	cl := clustering{cur: make([]int32, len(cur.sigs))}
	if old != nil {
		cl.old = make([]int32, len(old.sigs))
	}
	num := map[int32]int32{}
	for i := range all {
		root := uf.find(int32(i))
		c, ok := num[root]
		if !ok {
			c = int32(len(num))
			num[root] = c
		}
		if isCur[i] {
			cl.cur[at[i]] = c
		} else {
			cl.old[at[i]] = c
		}
	}
	cl.n = len(num)
	return cl
}

// maxBucketed bounds the signatures that open LSH buckets: past the first maxBucketed
// (most frequent first), a signature only joins a cluster it resembles, so a long tail of
// one-off lines costs lookups, not a table that grows with it.
const maxBucketed = 50_000

func fnvString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

type unionFind struct {
	parent []int32
	hasCur []bool // the cluster holds a current signature
}

func newUnionFind(n int, isCur []bool) *unionFind {
	u := &unionFind{parent: make([]int32, n), hasCur: slices.Clone(isCur)}
	for i := range u.parent {
		u.parent[i] = int32(i)
	}
	return u
}

func (u *unionFind) find(x int32) int32 {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

// union joins a's and b's clusters (a's root stays the root); a baseline signature
// (fromOld) does not bridge two clusters that both hold current signatures.
func (u *unionFind) union(a, b int32, fromOld bool) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb || fromOld && u.hasCur[ra] && u.hasCur[rb] {
		return
	}
	if rb < ra {
		ra, rb = rb, ra
	}
	u.parent[rb] = ra
	u.hasCur[ra] = u.hasCur[ra] || u.hasCur[rb]
}

// modeAcc gathers one listed cluster's counts.
type modeAcc struct {
	count, baseCount int64
	rep              *sigInfo
	variants         int
	byModel, bySlice []int64
	examples         []int // indexes into cur.fails
	exampleText      map[string]bool
	candidates       []int // indexes into cur.fails the examples are chosen from
}

// DefaultModes is how many modes an answer lists unless asked for another number; the
// rest are summed in OtherCount.
const DefaultModes = 50

// clusterTotals are every cluster's counts and most frequent signature: enough to rank
// the clusters before the listed ones are built in full.
type clusterTotals struct {
	count, base []int64
	rep         []*sigInfo
	repOld      []bool
	variants    []int
}

func totalsOf(cur, old *failureSet, cl clustering) clusterTotals {
	t := clusterTotals{count: make([]int64, cl.n), base: make([]int64, cl.n), rep: make([]*sigInfo, cl.n), repOld: make([]bool, cl.n), variants: make([]int, cl.n)}
	better := func(c int32, s *sigInfo, isOld bool) {
		r := t.rep[c]
		if r == nil || t.repOld[c] && !isOld || t.repOld[c] == isOld && (s.count > r.count || s.count == r.count && cmp.Or(cmp.Compare(s.source, r.source), cmp.Compare(s.masked, r.masked)) < 0) {
			t.rep[c], t.repOld[c] = s, isOld
		}
	}
	for i := range cur.sigs {
		c := cl.cur[i]
		t.count[c] += cur.sigs[i].count
		t.variants[c]++
		better(c, &cur.sigs[i], false)
	}
	if old != nil {
		for i := range old.sigs {
			c := cl.old[i]
			t.base[c] += old.sigs[i].count
			if t.count[c] == 0 { // a gone mode: its variants are the baseline's
				t.variants[c]++
				better(c, &old.sigs[i], true)
			}
		}
	}
	return t
}

// listed picks the clusters an answer lists: the limit largest with outcomes in scope,
// then the baseline's largest that are gone (at most limit of those too).
func (t clusterTotals) listed(limit int) []int32 {
	var present, gone []int32
	for c := range t.count {
		if t.count[c] > 0 {
			present = append(present, int32(c))
		} else if t.base[c] > 0 {
			gone = append(gone, int32(c))
		}
	}
	order := func(a, b int32) int {
		// Ties keep the clusters' order: most frequent signature first, then as met.
		return cmp.Or(cmp.Compare(t.count[b], t.count[a]), cmp.Compare(t.base[b], t.base[a]), cmp.Compare(a, b))
	}
	slices.SortFunc(present, order)
	slices.SortFunc(gone, order)
	return append(present[:min(limit, len(present))], gone[:min(limit, len(gone))]...)
}

// exampleCandidates is how many of a listed mode's failures, in row order, its examples
// are chosen from (the first modeExamples with distinct reasons): only theirs are read.
const exampleCandidates = 64

// readExampleTexts reads the evidence of the example candidates whose failure was signed
// at write (so its text was not read), one read per run.
func readExampleTexts(src Source, cur *failureSet, accs []modeAcc) error {
	byRun := map[int32][]int{}
	for _, a := range accs {
		for _, i := range a.candidates {
			if f := &cur.fails[i]; !f.hasText && f.graderRow >= 0 {
				byRun[f.run] = append(byRun[f.run], i)
			}
		}
	}
	for run, at := range byRun {
		want := make([]int64, len(at))
		for k, i := range at {
			want[k] = cur.fails[i].graderRow
		}
		texts, err := src.Strings(cur.runs[run].ID, store.Graders, "evidence", want)
		if err != nil {
			return err
		}
		for _, i := range at {
			if line := store.FirstLine(texts[cur.fails[i].graderRow]); line != "" {
				cur.texts[int32(i)] = line
			}
			cur.fails[i].hasText = true
		}
	}
	return nil
}

// text is failure i's text ("" when none is known).
func (fs *failureSet) text(i int) string { return fs.texts[int32(i)] }

func buildModes(src Source, cur, old *failureSet, cl clustering, by string, limit int, out *Failures) error {
	t := totalsOf(cur, old, cl)
	list := t.listed(limit)
	slot := make(map[int32]int, len(list))
	accs := make([]modeAcc, len(list))
	for i, c := range list {
		slot[c] = i
		accs[i] = modeAcc{count: t.count[c], baseCount: t.base[c], rep: t.rep[c], variants: t.variants[c],
			byModel: make([]int64, len(cur.models)), bySlice: make([]int64, len(cur.slices)), exampleText: map[string]bool{}}
	}
	for c := range t.count {
		if t.count[c] > 0 {
			out.ModeCount++
			if _, ok := slot[int32(c)]; !ok {
				out.OtherCount += t.count[c]
			}
		}
	}
	for i, f := range cur.fails {
		k, ok := slot[cl.cur[f.sig]]
		if !ok {
			continue
		}
		a := &accs[k]
		a.byModel[f.model]++
		if f.slice >= 0 {
			a.bySlice[f.slice]++
		}
		if len(a.candidates) < exampleCandidates {
			a.candidates = append(a.candidates, i)
		}
	}
	if err := readExampleTexts(src, cur, accs); err != nil {
		return err
	}
	for i := range accs {
		a := &accs[i]
		for _, ri := range a.candidates {
			if t := cur.text(ri); len(a.examples) < modeExamples && !a.exampleText[t] {
				a.examples = append(a.examples, ri)
				a.exampleText[t] = true
			}
		}
	}
	for i := range accs {
		out.Modes = append(out.Modes, modeOf(cur, old, &accs[i], by))
	}
	return nil
}

// modeOf is one listed mode in full.
func modeOf(cur, old *failureSet, a *modeAcc, by string) FailureMode {
	failed := int64(len(cur.fails))
	m := FailureMode{ID: modeID(*a.rep), Source: a.rep.source, Signature: a.rep.masked, Count: a.count,
		Share: ratio(a.count, failed), Rate: ratio(a.count, cur.rated), Variants: a.variants,
		ByModel: []ModeCount{}, Examples: []ModeExample{}}
	for mi, name := range cur.models {
		m.ByModel = append(m.ByModel, ModeCount{Model: name, Count: a.byModel[mi], RatedCount: cur.ratedByModel[mi], Rate: ratio(a.byModel[mi], cur.ratedByModel[mi])})
	}
	slices.SortStableFunc(m.ByModel, func(x, y ModeCount) int { return cmp.Or(cmp.Compare(y.Count, x.Count), lessFold(x.Model, y.Model)) })
	if by != "" {
		m.BySlice = []ModeCount{}
		for si, v := range cur.slices {
			m.BySlice = append(m.BySlice, ModeCount{Slice: &Slice{Key: by, Value: v}, Count: a.bySlice[si], RatedCount: cur.ratedBySlice[si], Rate: ratio(a.bySlice[si], cur.ratedBySlice[si])})
		}
		slices.SortStableFunc(m.BySlice, func(x, y ModeCount) int {
			return cmp.Or(cmp.Compare(y.Count, x.Count), lessFold(x.Slice.Value, y.Slice.Value))
		})
	}
	for _, ei := range a.examples {
		f := cur.fails[ei]
		r := cur.runs[f.run]
		m.Examples = append(m.Examples, ModeExample{OutcomeID: store.OutcomeID(r.ID, f.row), RunID: r.ID, StimulusName: cur.stimuli[f.stim],
			Model: cur.models[f.model], TrialIndex: int(f.trial), Reason: Reason(cur.sigs[f.sig].source, cur.text(ei))})
	}
	if old != nil {
		bc := a.baseCount
		m.BaseCount, m.BaseRate = &bc, ratio(bc, old.rated)
		t := trendOf(a.count, cur.rated, bc, old.rated)
		m.Trend = &t
	}
	return m
}

func derefOr(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// trendOf says how a mode moved from the baseline: new, gone, or grown/shrunk when a
// two-proportion z-test of the rates rejects equality at 0.05 (steady otherwise).
func trendOf(n, rated, baseN, baseRated int64) string {
	switch {
	case baseN == 0 && n > 0:
		return "new"
	case n == 0 && baseN > 0:
		return "gone"
	case rated == 0 || baseRated == 0:
		return "steady"
	}
	p1, p0 := float64(n)/float64(rated), float64(baseN)/float64(baseRated)
	pool := float64(n+baseN) / float64(rated+baseRated)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(rated) + 1/float64(baseRated)))
	if se == 0 {
		return "steady"
	}
	z := (p1 - p0) / se
	switch {
	case z >= 1.959963984540054:
		return "grown"
	case z <= -1.959963984540054:
		return "shrunk"
	}
	return "steady"
}

// ModeMembers gives the rows of each run (by run id) whose failure belongs to mode id in
// the failure analysis of runs: a mode matches when id names any signature merged into it.
func ModeMembers(src Source, runs []store.Run, id string) (map[string][]int64, error) {
	fs, err := collectFailures(src, runs, &Slicing{})
	if err != nil {
		return nil, err
	}
	cl := clusterFailures(fs, nil)
	want := map[int32]bool{}
	for i, s := range fs.sigs {
		if modeID(s) == id {
			want[cl.cur[i]] = true
		}
	}
	if len(want) == 0 {
		return nil, errs.E(errs.NotFound, "failure mode %q not found in these runs", id).WithHint("list the modes with `evals failures --run REF`, and pass the same runs")
	}
	out := map[string][]int64{}
	for _, f := range fs.fails {
		if want[cl.cur[f.sig]] {
			id := runs[f.run].ID
			out[id] = append(out[id], f.row)
		}
	}
	return out, nil
}
