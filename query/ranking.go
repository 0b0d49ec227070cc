package query

import (
	"cmp"
	"maps"
	"math"
	"slices"

	"github.com/evals-dev/evals/store"
)

// ModelRank is one model's line of the leaderboard.
type ModelRank struct {
	Rank  int    `json:"rank"`
	Model string `json:"model"`
	// Slice is the group of the line with --by (the model's outcomes with that tag).
	Slice    *Slice   `json:"slice,omitempty"`
	PassRate *float64 `json:"passRate"`
	// PassRateInterval is the 95% interval of the pass rate, clustered by stimulus.
	PassRateInterval *Interval `json:"passRateInterval"`
	// VsLeader is the paired difference against the first model over their common
	// stimuli (null for the leader).
	VsLeader       *VsLeader `json:"vsLeader"`
	MeanScore      *float64  `json:"meanScore"`
	MeanDurationMs *float64  `json:"meanDurationMs"`
	MeanTurns      *float64  `json:"meanTurns"`
	MeanToolCalls  *float64  `json:"meanToolCalls"`
	// Token totals over the outcomes that recorded them; null when none did.
	InputTokens     *int64   `json:"inputTokens"`
	OutputTokens    *int64   `json:"outputTokens"`
	ReasoningTokens *int64   `json:"reasoningTokens"`
	CachedTokens    *int64   `json:"cachedTokens"`
	TotalTokens     *int64   `json:"totalTokens"`
	CostUSD         *float64 `json:"costUsd"`
	OutcomeCount    int64    `json:"outcomeCount"`
	PassedCount     int64    `json:"passedCount"`
	FailedCount     int64    `json:"failedCount"`
	// ErrorCount counts the outcomes whose execution failed (status error), a human's
	// verdict or not; HumanPassedErrorCount of them a human passed (they count as passes).
	ErrorCount            int64 `json:"errorCount"`
	HumanPassedErrorCount int64 `json:"humanPassedErrorCount"`
	SkippedCount          int64 `json:"skippedCount"`
	PendingCount          int64 `json:"pendingCount"`
	// ReviewedCount is how many of the model's verdicts are a human's (overriding the
	// graders' where they differ).
	ReviewedCount int64               `json:"reviewedCount"`
	PassAtK       map[string]*float64 `json:"passAtK"`
	PassHatK      map[string]*float64 `json:"passHatK"`
	// MeanCostUSD is the mean cost of an executed outcome (over those that recorded one);
	// CostPerPassUSD is what one passed outcome costs: MeanCostUSD × executed / passed
	// (null without a pass or a cost).
	MeanCostUSD    *float64 `json:"meanCostUsd"`
	CostPerPassUSD *float64 `json:"costPerPassUsd"`
	// OnFrontier says the model is on the pass-rate/cost Pareto frontier (of its slice with
	// --by): no model that costs at most as much per outcome is significantly better
	// (paired difference over their common stimuli, 95%). DominatedBy names the cheapest
	// such model when it is not. Null without a cost.
	OnFrontier  *bool  `json:"onFrontier"`
	DominatedBy string `json:"dominatedBy,omitempty"`
}

// VsLeader is a model's paired, stimulus-level difference to the leader (model − leader):
// the estimate, its 95% t interval and p-value. Behind is true when the interval lies
// wholly below 0; otherwise the model is not significantly behind the leader (a tie).
type VsLeader struct {
	Estimate *float64 `json:"estimate"`
	Low      *float64 `json:"low"`
	High     *float64 `json:"high"`
	PValue   *float64 `json:"pValue"`
	Matched  int      `json:"matched"`
	Behind   bool     `json:"behind"`
}

// Ranking is the model leaderboard of one or more runs.
type Ranking struct {
	RunIDs []string `json:"runIds"`
	Trials int64    `json:"trials"`
	// PartialRuns are the runs in scope whose source file summarises samples it does not
	// hold: their numbers are of what was imported.
	PartialRuns []string    `json:"partialRuns"`
	Models      []ModelRank `json:"models"`
	// ReviewedCount is how many verdicts in scope are a human's.
	ReviewedCount int64 `json:"reviewedCount"`
}

// RankingOf ranks the models of the runs in scope: pass rate descending, then mean
// duration ascending, then model name. pass@k and pass^k appear when runs have several
// trials per stimulus (averaged over stimulus cells; k up to the most trials of a run).
func RankingOf(src Source, sc Scope) (Ranking, error) {
	runs, err := resolve(src, sc)
	if err != nil {
		return Ranking{}, err
	}
	var trials int64
	for _, r := range runs {
		trials = max(trials, r.Summary.Trials)
	}
	// A large run is cut into shares scanned on several cores (shares of one run are
	// merged like runs; their pass@k waits for the merged cells, as a share may hold part
	// of a cell).
	parts, err := parallel(src, splitRuns(runs, src), func(sh share) (rankPart, error) {
		// Per-stimulus counts feed pass@k, the clustered intervals and the paired
		// differences.
		ra, err := aggregateRange(src, sh.run, perModelCounts, &sc.Slicing, sh.lo, sh.hi)
		if err != nil {
			return rankPart{}, err
		}
		return rankPartOf(ra, sh, trials), nil
	})
	if err != nil {
		return Ranking{}, err
	}
	rm := mergeRankParts(parts, runs)
	names := slices.Sorted(maps.Keys(rm.totals))
	out := Ranking{RunIDs: runIDs(runs), Trials: trials, Models: make([]ModelRank, len(names)), PartialRuns: []string{}}
	for _, r := range runs {
		if r.Partial != nil {
			out.PartialRuns = append(out.PartialRuns, r.ID)
		}
	}
	// What is left is per model (pass@k of the cells of runs read in shares, the clustered
	// interval, then the paired difference to the leader): each model's work touches only
	// its own sums, so it runs on every core.
	eachOf(src, len(names), func(i int) {
		out.Models[i] = rm.rank(names[i], trials, sc.By)
	})
	for _, mr := range out.Models {
		out.ReviewedCount += mr.ReviewedCount
	}
	rankWithinSlices(src, out.Models, rm.perStim, sc.By)
	return out, nil
}

// rankPart is one run (or share of a run) reduced to per-model totals, pass@k sums and
// per-stimulus counts.
type rankPart struct {
	models  []string
	stimuli []string
	accs    []acc
	ks      []*kStats
	// counts[m] are model m's rated stimuli: a slice of a model rates few of the run's.
	counts [][]stimCount
	share  share
}

func rankPartOf(ra *runAgg, sh share, trials int64) rankPart {
	p := rankPart{models: ra.models, stimuli: ra.stimuli, counts: make([][]stimCount, len(ra.models)), share: sh}
	for m := range ra.models {
		p.accs = append(p.accs, ra.cells[m][0])
		rated, maxN := 0, int32(0)
		for _, c := range ra.counts[m] {
			if c.n > 0 {
				rated++
				maxN = max(maxN, c.n)
			}
		}
		// k runs to the trials a cell has, never to a trial number read from the data.
		ks := newKStats(int(min(trials, int64(maxN))))
		p.counts[m] = make([]stimCount, 0, rated)
		for s, c := range ra.counts[m] {
			if c.n > 0 {
				p.counts[m] = append(p.counts[m], stimCount{int32(s), c})
				if trials > 1 && sh.whole {
					ks.add(int64(c.n), int64(c.c))
				}
			}
		}
		p.ks = append(p.ks, ks)
	}
	return p
}

// rankMerge is the parts merged by model: totals, pass@k sums, per-stimulus clusters, and
// the cells of runs read in shares (their pass@k is counted once merged).
type rankMerge struct {
	totals  map[string]*acc
	ks      map[string]*kStats
	perStim map[string][]Cluster
	splitOf map[string][][]passCount
}

func mergeRankParts(parts []rankPart, runs []store.Run) *rankMerge {
	rm := &rankMerge{totals: map[string]*acc{}, ks: map[string]*kStats{}, perStim: map[string][]Cluster{}, splitOf: map[string][][]passCount{}}
	// Stimuli are clusters by name across runs: the same stimulus in two runs is one
	// cluster (the conservative choice: larger clusters, wider intervals).
	var most int64 // the union has at least as many stimuli as the largest run
	for _, r := range runs {
		most = max(most, r.Summary.StimulusCount)
	}
	most = min(most, 1<<20)
	stimID := make(map[string]int32, most)
	stimNames := make([]string, 0, most)
	var local []int32
	splitCells := map[splitCell][]passCount{} // the cells of runs scanned in shares, by stimulus
	for _, p := range parts {
		local = translateSame(local[:0], p.stimuli, stimID, &stimNames)
		for m, name := range p.models {
			if rm.totals[name] == nil {
				rm.totals[name], rm.ks[name] = &acc{}, newKStats(0)
			}
			rm.totals[name].merge(&p.accs[m])
			rm.ks[name].merge(p.ks[m])
			cl := extend(rm.perStim[name], len(stimNames), int(most))
			var cells []passCount // this run's cells of the model, by stimulus, when it is in shares
			if !p.share.whole {
				cells = extend(splitCells[splitCell{p.share.run.ID, name}], len(stimNames), int(most))
			}
			for _, c := range p.counts[m] {
				g := local[c.s]
				cl[g].Rated += int64(c.n)
				cl[g].Passed += int64(c.c)
				if !p.share.whole {
					cells[g].n += c.n
					cells[g].c += c.c
				}
			}
			if !p.share.whole {
				splitCells[splitCell{p.share.run.ID, name}] = cells
			}
			rm.perStim[name] = cl
		}
	}
	for key, cells := range splitCells {
		rm.splitOf[key.model] = append(rm.splitOf[key.model], cells)
	}
	return rm
}

// rank is one model's row: its totals, pass@k (with the cells of runs read in shares) and
// clustered interval.
func (rm *rankMerge) rank(name string, trials int64, by string) ModelRank {
	k := rm.ks[name]
	for _, cells := range rm.splitOf[name] {
		if trials <= 1 {
			break
		}
		for _, c := range cells {
			if c.n == 0 {
				continue
			}
			if need := int(min(trials, int64(c.n))); len(k.at) <= need {
				k.merge(newKStats(need))
			}
			k.add(int64(c.n), int64(c.c))
		}
	}
	mr := rankOf(name, rm.totals[name])
	mr.Model, mr.Slice = splitSliceName(name, by)
	mr.PassAtK, mr.PassHatK = k.maps()
	mr.PassRateInterval = roundInterval(RateInterval(rm.perStim[name]))
	return mr
}

// rankWithinSlices orders the models (by slice, then pass rate, speed and name), ranks
// them within each slice and gives each its paired difference to its slice's leader.
func rankWithinSlices(src Source, models []ModelRank, perStim map[string][]Cluster, by string) {
	group := func(m ModelRank) string { return m.Slice.value() }
	slices.SortFunc(models, func(a, b ModelRank) int {
		return cmp.Or(lessFold(group(a), group(b)), cmpDesc(a.PassRate, b.PassRate), cmpAsc(a.MeanDurationMs, b.MeanDurationMs), lessFold(a.Model, b.Model))
	})
	key := func(m ModelRank) string { return sliceName(m.Model, by, group(m)) }
	leads := make([]int, len(models))
	for i := range models {
		if i > 0 && group(models[i]) == group(models[i-1]) {
			leads[i] = leads[i-1]
		} else {
			leads[i] = i
		}
		models[i].Rank = i - leads[i] + 1
	}
	eachOf(src, len(models), func(i int) {
		if lead := leads[i]; i > lead && models[lead].PassRate != nil {
			models[i].VsLeader = vsLeader(perStim[key(models[i])], perStim[key(models[lead])])
		}
	})
	for lo := 0; lo < len(models); {
		hi := lo + 1
		for hi < len(models) && leads[hi] == lo {
			hi++
		}
		frontier(models[lo:hi], perStim, key)
		lo = hi
	}
}

// frontier marks the models of one group (sorted by pass rate, best first) on the
// pass-rate/cost Pareto frontier: a model is dominated only when another that costs at
// most as much per outcome is significantly better than it (the paired difference over
// their common stimuli lies wholly above 0 at 95%), so a difference the eval cannot tell
// apart never pushes a model off. Models without a cost are left unmarked.
func frontier(models []ModelRank, perStim map[string][]Cluster, key func(ModelRank) string) {
	for i := range models {
		b := &models[i]
		if b.MeanCostUSD == nil || b.PassRate == nil {
			continue
		}
		by := -1 // the cheapest model that dominates b
		for j := range models {
			a := &models[j]
			if j == i || a.MeanCostUSD == nil || a.PassRate == nil || *a.MeanCostUSD > *b.MeanCostUSD || *a.PassRate <= *b.PassRate {
				continue
			}
			if by >= 0 && *models[by].MeanCostUSD <= *a.MeanCostUSD {
				continue
			}
			if v := vsLeader(perStim[key(*b)], perStim[key(*a)]); v.High != nil && *v.High < 0 {
				by = j
			}
		}
		on := by < 0
		b.OnFrontier = &on
		if !on {
			b.DominatedBy = models[by].Model
		}
	}
}

// vsLeader is the paired difference a − leader over the stimuli both rated, at 95%.
func vsLeader(a, leader []Cluster) *VsLeader {
	d := make([]float64, 0, min(len(a), len(leader)))
	var ta, tl Cluster
	for s := range min(len(a), len(leader)) {
		if a[s].Rated > 0 && leader[s].Rated > 0 {
			d = append(d, float64(a[s].Passed)/float64(a[s].Rated)-float64(leader[s].Passed)/float64(leader[s].Rated))
			ta.Rated, ta.Passed = ta.Rated+a[s].Rated, ta.Passed+a[s].Passed
			tl.Rated, tl.Passed = tl.Rated+leader[s].Rated, tl.Passed+leader[s].Passed
		}
	}
	v := &VsLeader{Matched: len(d)}
	if len(d) == 0 {
		return v
	}
	pd := PairedDiff(d, DefaultAlpha, ta, tl)
	v.Estimate = f6(pd.Estimate)
	if pd.Defined {
		v.Low, v.High, v.PValue = f6(pd.Low), f6(pd.High), f6(pd.PValue)
		v.Behind = pd.High < 0
	}
	return v
}

func rankOf(name string, a *acc) ModelRank {
	mr := ModelRank{
		Model: name, PassRate: a.passRate(), MeanScore: mean(a.score, a.scoreN),
		MeanDurationMs: mean(float64(a.dur), a.nDur), MeanTurns: mean(float64(a.turns), a.nTurns), MeanToolCalls: mean(float64(a.tools), a.nTools),
		InputTokens: sum(a.in, a.nIn), OutputTokens: sum(a.out, a.nOut), ReasoningTokens: sum(a.reasoning, a.nReasoning),
		CachedTokens: sum(a.cached, a.nCached), TotalTokens: sum(a.total, a.nTotal),
		OutcomeCount: a.n, PassedCount: a.passed, FailedCount: a.failed, ErrorCount: a.errors(), HumanPassedErrorCount: a.errPassed, SkippedCount: a.skipped, PendingCount: a.pending,
		ReviewedCount: a.reviewed,
	}
	if a.costN > 0 {
		c := round6(a.cost)
		mr.CostUSD = &c
		mean := a.cost / float64(a.costN)
		mr.MeanCostUSD = f6(mean)
		if a.passed > 0 {
			mr.CostPerPassUSD = f6(mean * float64(a.executed()) / float64(a.passed))
		}
	}
	return mr
}

// cmpDesc orders larger first, nil last.
func cmpDesc(a, b *float64) int { return cmpNilLast(a, b, -1) }

// cmpAsc orders smaller first, nil last.
func cmpAsc(a, b *float64) int { return cmpNilLast(a, b, 1) }

func cmpNilLast(a, b *float64, dir int) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return dir * cmp.Compare(*a, *b)
}

// share is rows lo..hi-1 of a run's outcomes; whole when it is all of them.
type share struct {
	run    store.Run
	lo, hi int64
	whole  bool
}

type splitCell struct{ run, model string }

// minShare is the fewest rows worth a core of their own. A share costs its own cell
// tables and dictionaries and a merge, under a millisecond: at 200,000 the newest run of
// the 10M store (100k outcomes, 300k grader rows) was read on one core, and ranking and
// graders --run latest took 10.9 and 9.5 ms in process; in two shares 6.5 and 5.5 ms.
var minShare int64 = 25_000

// sharesPerRun, when set, is how many shares a large run is cut in (tests); else one per core.
var sharesPerRun int

// splitRuns cuts runs into shares: whole runs when there are enough of them to keep every
// core busy, else each large run in as many shares as there are cores.
func splitRuns(runs []store.Run, src Source) []share {
	return splitRunsBy(runs, src, func(r store.Run) int64 { return r.Summary.OutcomeCount })
}

// splitRunsBy is splitRuns over the rows of another file: rows gives a run's count.
func splitRunsBy(runs []store.Run, src Source, rows func(store.Run) int64) []share {
	workers := workersFor(src)
	out := make([]share, 0, len(runs))
	for _, r := range runs {
		n := rows(r)
		k := int64(1)
		if len(runs) < workers && n >= 2*minShare {
			k = min(int64(workers), n/minShare)
			if sharesPerRun > 0 {
				k = int64(sharesPerRun)
			}
		}
		if k <= 1 {
			out = append(out, share{run: r, lo: 0, hi: math.MaxInt64, whole: true})
			continue
		}
		for i := range k {
			hi := (i + 1) * n / k
			if i == k-1 {
				hi = math.MaxInt64
			}
			out = append(out, share{run: r, lo: i * n / k, hi: hi})
		}
	}
	return out
}
