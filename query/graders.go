package query

import (
	"cmp"
	"math"
	"slices"

	"github.com/evals-dev/evals/store"
)

// GraderStats is one grader's record over the runs in scope.
type GraderStats struct {
	Name string `json:"name"`
	// Slice is the group of the line with --by (the grader's results on outcomes with that tag).
	Slice         *Slice   `json:"slice,omitempty"`
	Type          string   `json:"type"`
	ResultCount   int64    `json:"resultCount"`
	PassCount     int64    `json:"passCount"`
	FailCount     int64    `json:"failCount"`
	UngradedCount int64    `json:"ungradedCount"`
	PassRate      *float64 `json:"passRate"`
	// PassRateInterval is the 95% interval of the pass rate, clustered by stimulus.
	PassRateInterval      *Interval `json:"passRateInterval"`
	MeanScore             *float64  `json:"meanScore"`
	SampleFailureEvidence []string  `json:"sampleFailureEvidence"`
	// SampleFailureOutcomes are the outcome ids the evidence came from, in the same order.
	SampleFailureOutcomes []string `json:"sampleFailureOutcomes"`
}

// Graders is the grader failure analysis.
type Graders struct {
	RunIDs  []string      `json:"runIds"`
	Graders []GraderStats `json:"graders"`
}

type graderAcc struct {
	typ           string
	n, pass, fail int64
	score         float64
	scoreN        int64
	failRows      map[string][]int64 // run id → first failing rows
	// clusters[s] counts graded results per stimulus: by the run's stimulus id while
	// scanning, by the merged id after GradersOf merges runs.
	clusters []Cluster
}

type graderPart struct {
	accs    map[string]*graderAcc
	stimuli []string
}

const sampleEvidence = 3

// GradersOf analyses grader results: per grader pass and fail counts, pass rate, mean score
// and up to three distinct evidence strings of real failures; worst pass rate first.
func GradersOf(src Source, sc Scope) (Graders, error) {
	runs, err := resolve(src, sc)
	if err != nil {
		return Graders{}, err
	}
	// A large run's grader rows are read in shares on every core (not when slicing: the
	// slices come from one pass over the run's outcomes); shares merge like runs.
	shares := make([]share, 0, len(runs))
	if sc.Slicing.active() {
		for _, r := range runs {
			shares = append(shares, share{run: r, lo: 0, hi: math.MaxInt64, whole: true})
		}
	} else {
		shares = splitRunsBy(runs, src, func(r store.Run) int64 { return r.Summary.GraderResults })
	}
	parts, err := parallel(src, shares, func(sh share) (graderPart, error) { return graderScan(src, sh.run, &sc.Slicing, sh.lo, sh.hi) })
	if err != nil {
		return Graders{}, err
	}
	accs := map[string]*graderAcc{}
	var order []string
	stimID := map[string]int32{}
	var stimNames []string
	var local []int32
	for _, part := range parts {
		local = translateSame(local[:0], part.stimuli, stimID, &stimNames)
		for name, a := range part.accs {
			t := accs[name]
			if t == nil {
				t = &graderAcc{typ: a.typ, failRows: map[string][]int64{}}
				accs[name] = t
				order = append(order, name)
			}
			if len(t.clusters) < len(stimNames) {
				t.clusters = append(t.clusters, make([]Cluster, len(stimNames)-len(t.clusters))...)
			}
			for s, c := range a.clusters {
				t.clusters[local[s]].Rated += c.Rated
				t.clusters[local[s]].Passed += c.Passed
			}
			t.n, t.pass, t.fail, t.score, t.scoreN = t.n+a.n, t.pass+a.pass, t.fail+a.fail, t.score+a.score, t.scoreN+a.scoreN
			if t.typ == "" {
				t.typ = a.typ
			}
			for id, rows := range a.failRows {
				// A run's shares come in row order: its first failing rows, as one scan
				// would have kept them.
				all := append(t.failRows[id], rows...)
				t.failRows[id] = all[:min(len(all), 4*sampleEvidence)]
			}
		}
	}
	out := Graders{RunIDs: runIDs(runs), Graders: []GraderStats{}}
	var picked []*graderAcc
	for _, name := range order {
		a := accs[name]
		gname, slice := splitSliceName(name, sc.By)
		out.Graders = append(out.Graders, GraderStats{Name: gname, Slice: slice, Type: a.typ, ResultCount: a.n, PassCount: a.pass, FailCount: a.fail,
			UngradedCount: a.n - a.pass - a.fail, PassRate: ratio(a.pass, a.pass+a.fail), PassRateInterval: roundInterval(RateInterval(a.clusters)),
			MeanScore:             mean(a.score, a.scoreN),
			SampleFailureEvidence: []string{}, SampleFailureOutcomes: []string{}})
		picked = append(picked, a)
	}
	if err := sampleFailures(src, runs, picked, out.Graders); err != nil {
		return Graders{}, err
	}
	slices.SortFunc(out.Graders, func(a, b GraderStats) int {
		return cmp.Or(lessFold(a.Slice.value(), b.Slice.value()), cmpAsc(a.PassRate, b.PassRate), lessFold(a.Name, b.Name))
	})
	return out, nil
}

// graderScan tallies one run's grader results in rows lo..hi-1 and remembers its first
// failing rows.
func graderScan(src Source, r store.Run, sl *Slicing, lo, hi int64) (graderPart, error) {
	rows, groups, err := childGroups(src, r.ID, sl, "graders_row", "graders_len", r.Summary.GraderResults)
	if err != nil {
		return graderPart{}, err
	}
	ng := max(1, len(groups))
	accs := map[string]*graderAcc{}
	var local []*graderAcc // [group*len(dict) + dict index], filled as met
	stimID := map[string]int32{}
	var stimuli []string
	var st []int32
	err = src.ScanRows(r.ID, store.Graders, []string{"grader", "grader_type", "passed", "score", "stimulus"}, lo, hi, func(b *store.Batch) error {
		first, last := int(max(lo-b.Row0, 0)), int(min(hi-b.Row0, int64(b.N)))
		d, td, sd := b.Dict("grader"), b.Dict("grader_type"), b.Dict("stimulus")
		st = translate(st[:0], sd.Values, stimID, &stimuli)
		local = append(local[:0], make([]*graderAcc, ng*len(d.Values))...)
		passed, score := b.Bool("passed"), b.Float("score")
		for i := first; i < last; i++ {
			gi, ok := groupAt(rows, b.Row0+int64(i))
			if !ok {
				continue
			}
			k := int(gi)*len(d.Values) + int(d.Index[i])
			a := local[k]
			if a == nil {
				name := d.Values[d.Index[i]]
				if groups != nil {
					name = sliceName(name, sl.By, groups[gi])
				}
				if a = accs[name]; a == nil {
					a = &graderAcc{failRows: map[string][]int64{}}
					accs[name] = a
				}
				local[k] = a
			}
			if a.typ == "" {
				a.typ = td.Values[td.Index[i]]
			}
			a.n++
			if passed[i] >= 0 {
				s := st[sd.Index[i]]
				if int(s) >= len(a.clusters) { // to the stimuli met so far, at once
					a.clusters = append(a.clusters, make([]Cluster, len(stimuli)-len(a.clusters))...)
				}
				a.clusters[s].Rated++
				a.clusters[s].Passed += int64(passed[i])
			}
			switch passed[i] {
			case 1:
				a.pass++
			case 0:
				a.fail++
				if rows := a.failRows[r.ID]; len(rows) < 4*sampleEvidence {
					a.failRows[r.ID] = append(rows, b.Row0+int64(i))
				}
			}
			if v := score[i]; !math.IsNaN(v) {
				a.score += v
				a.scoreN++
			}
		}
		return nil
	})
	return graderPart{accs: accs, stimuli: stimuli}, err
}

// sampleFailures reads the evidence of the recorded failing rows, keeping distinct texts:
// run by run, one read of the rows every grader still short of samples recorded there.
func sampleFailures(src Source, runs []store.Run, accs []*graderAcc, gs []GraderStats) error {
	for _, r := range runs {
		var rows []int64
		for i, a := range accs {
			if len(gs[i].SampleFailureEvidence) < sampleEvidence {
				rows = append(rows, a.failRows[r.ID]...)
			}
		}
		if len(rows) == 0 {
			continue
		}
		slices.Sort(rows)
		rows = slices.Compact(rows)
		ev, err := src.Strings(r.ID, store.Graders, "evidence", rows)
		if err != nil {
			return err
		}
		ids, err := src.Strings(r.ID, store.Graders, "outcome_id", rows)
		if err != nil {
			return err
		}
		for i, a := range accs {
			g := &gs[i]
			for _, row := range a.failRows[r.ID] {
				e := ev[row]
				if e == "" || slices.Contains(g.SampleFailureEvidence, e) || len(g.SampleFailureEvidence) >= sampleEvidence {
					continue
				}
				g.SampleFailureEvidence = append(g.SampleFailureEvidence, e)
				g.SampleFailureOutcomes = append(g.SampleFailureOutcomes, ids[row])
			}
		}
	}
	return nil
}
