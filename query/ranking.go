package query

import (
	"cmp"
	"github.com/evals-dev/evals/store"
	"slices"
)

// ModelRank is one model's line of the leaderboard.
type ModelRank struct {
	Rank            int                 `json:"rank"`
	Model           string              `json:"model"`
	PassRate        *float64            `json:"passRate"`
	MeanScore       *float64            `json:"meanScore"`
	MeanDurationMs  *float64            `json:"meanDurationMs"`
	MeanTurns       *float64            `json:"meanTurns"`
	MeanToolCalls   *float64            `json:"meanToolCalls"`
	InputTokens     int64               `json:"inputTokens"`
	OutputTokens    int64               `json:"outputTokens"`
	ReasoningTokens int64               `json:"reasoningTokens"`
	CachedTokens    int64               `json:"cachedTokens"`
	TotalTokens     int64               `json:"totalTokens"`
	CostUSD         *float64            `json:"costUsd"`
	OutcomeCount    int64               `json:"outcomeCount"`
	PassedCount     int64               `json:"passedCount"`
	FailedCount     int64               `json:"failedCount"`
	ErrorCount      int64               `json:"errorCount"`
	SkippedCount    int64               `json:"skippedCount"`
	PendingCount    int64               `json:"pendingCount"`
	PassAtK         map[string]*float64 `json:"passAtK"`
	PassHatK        map[string]*float64 `json:"passHatK"`
}

// Ranking is the model leaderboard of one or more runs.
type Ranking struct {
	RunIDs []string    `json:"runIds"`
	Trials int64       `json:"trials"`
	Models []ModelRank `json:"models"`
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
	mode := perModel
	if trials > 1 {
		mode = perModelCounts
	}
	// Each worker reduces its run to per-model totals and pass@k sums before the next run,
	// so memory does not grow with the number of stimuli in the store.
	type part struct {
		models []string
		accs   []acc
		ks     []*kStats
	}
	parts, err := perRun(runs, func(r store.Run) (part, error) {
		ra, err := aggregateRun(src, r, mode)
		if err != nil {
			return part{}, err
		}
		p := part{models: ra.models}
		for m := range ra.models {
			p.accs = append(p.accs, ra.cells[m][0])
			ks := newKStats(int(trials))
			if mode == perModelCounts {
				for _, c := range ra.counts[m] {
					if c.n > 0 {
						ks.add(int64(c.n), int64(c.c))
					}
				}
			}
			p.ks = append(p.ks, ks)
		}
		return p, nil
	})
	if err != nil {
		return Ranking{}, err
	}
	totals := map[string]*acc{}
	ks := map[string]*kStats{}
	for _, p := range parts {
		for m, name := range p.models {
			if totals[name] == nil {
				totals[name], ks[name] = &acc{}, newKStats(int(trials))
			}
			totals[name].merge(&p.accs[m])
			ks[name].merge(p.ks[m])
		}
	}
	out := Ranking{RunIDs: runIDs(runs), Trials: trials, Models: make([]ModelRank, 0, len(totals))}
	for name, a := range totals {
		mr := rankOf(name, a)
		mr.PassAtK, mr.PassHatK = ks[name].maps()
		out.Models = append(out.Models, mr)
	}
	slices.SortFunc(out.Models, func(a, b ModelRank) int {
		return cmp.Or(cmpDesc(a.PassRate, b.PassRate), cmpAsc(a.MeanDurationMs, b.MeanDurationMs), lessFold(a.Model, b.Model))
	})
	for i := range out.Models {
		out.Models[i].Rank = i + 1
	}
	return out, nil
}

func rankOf(name string, a *acc) ModelRank {
	ex := a.executed()
	mr := ModelRank{
		Model: name, PassRate: a.passRate(), MeanScore: mean(a.score, a.scoreN),
		MeanDurationMs: mean(float64(a.dur), ex), MeanTurns: mean(float64(a.turns), ex), MeanToolCalls: mean(float64(a.tools), ex),
		InputTokens: a.in, OutputTokens: a.out, ReasoningTokens: a.reasoning, CachedTokens: a.cached, TotalTokens: a.total,
		OutcomeCount: a.n, PassedCount: a.passed, FailedCount: a.failed, ErrorCount: a.errored, SkippedCount: a.skipped, PendingCount: a.pending,
	}
	if a.costN > 0 {
		c := round6(a.cost)
		mr.CostUSD = &c
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
