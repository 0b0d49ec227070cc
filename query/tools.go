package query

import (
	"cmp"
	"slices"

	"github.com/evals-dev/evals/store"
)

// ToolStats is one tool's record over the runs in scope.
type ToolStats struct {
	Name string `json:"name"`
	// Slice is the group of the line with --by (the tool's calls in outcomes with that tag).
	Slice           *Slice   `json:"slice,omitempty"`
	CallCount       int64    `json:"callCount"`
	SuccessCount    int64    `json:"successCount"`
	FailureCount    int64    `json:"failureCount"`
	SuccessRate     *float64 `json:"successRate"`
	OutcomeCount    int64    `json:"outcomeCount"`
	OutcomePassRate *float64 `json:"outcomePassRate"`
	MeanDurationMs  *float64 `json:"meanDurationMs"`
	Models          []string `json:"models"`
}

// Tools is the tool usage analysis.
type Tools struct {
	RunIDs []string    `json:"runIds"`
	Tools  []ToolStats `json:"tools"`
}

type toolAcc struct {
	calls, ok, durSum, durN int64
	outcomes, passed, rated int64
	models                  map[string]struct{}
	lastOutcome             int64
}

// ToolsOf analyses tool calls: per tool the calls, success rate, mean duration where
// known, the models that used it, and the pass rate of the outcomes that used it (each
// outcome counted once per tool); most called first.
func ToolsOf(src Source, sc Scope) (Tools, error) {
	runs, err := resolve(src, sc)
	if err != nil {
		return Tools{}, err
	}
	parts, err := perRun(src, runs, func(r store.Run) (map[string]*toolAcc, error) { return toolScan(src, r, &sc.Slicing) })
	if err != nil {
		return Tools{}, err
	}
	accs := map[string]*toolAcc{}
	for _, part := range parts {
		for name, a := range part {
			t := accs[name]
			if t == nil {
				accs[name] = a
				continue
			}
			t.calls, t.ok, t.durSum, t.durN = t.calls+a.calls, t.ok+a.ok, t.durSum+a.durSum, t.durN+a.durN
			t.outcomes, t.passed, t.rated = t.outcomes+a.outcomes, t.passed+a.passed, t.rated+a.rated
			for m := range a.models {
				t.models[m] = struct{}{}
			}
		}
	}
	out := Tools{RunIDs: runIDs(runs), Tools: []ToolStats{}}
	for name, a := range accs {
		tname, slice := splitSliceName(name, sc.By)
		ts := ToolStats{Name: tname, Slice: slice, CallCount: a.calls, SuccessCount: a.ok, FailureCount: a.calls - a.ok,
			SuccessRate: ratio(a.ok, a.calls), OutcomeCount: a.outcomes, OutcomePassRate: ratio(a.passed, a.rated),
			MeanDurationMs: mean(float64(a.durSum), a.durN), Models: []string{}}
		for m := range a.models {
			ts.Models = append(ts.Models, m)
		}
		slices.SortFunc(ts.Models, lessFold)
		out.Tools = append(out.Tools, ts)
	}
	slices.SortFunc(out.Tools, func(a, b ToolStats) int {
		return cmp.Or(lessFold(a.Slice.value(), b.Slice.value()), cmp.Compare(b.CallCount, a.CallCount), lessFold(a.Name, b.Name))
	})
	return out, nil
}

// toolScan joins tool calls to their outcomes by position: the writer stores an outcome's
// tool calls contiguously at tools_row, so no id column is read.
// toolOwners reads which outcome each tool call row belongs to (owner: tool row → outcome
// row) and each outcome's verdict (1 passed, 0 failed or errored, -1 not rated).
func toolOwners(src Source, r store.Run) (owner []int32, verdict []int8, err error) {
	owner = make([]int32, 0, r.Summary.ToolCalls)
	verdict = make([]int8, 0, r.Summary.OutcomeCount)
	err = src.Scan(r.ID, store.Outcomes, []string{"status", "passed", "tools_row", "tools_len"}, func(b *store.Batch) error {
		sd, passed, from, n := b.Dict("status"), b.Bool("passed"), b.Int("tools_row"), b.Int("tools_len")
		for i := 0; i < b.N; i++ {
			row := int32(b.Row0) + int32(i)
			v := int8(-1)
			switch statusCode(sd.Values[sd.Index[i]]) {
			case stError:
				v = 0
				if b.Reviewed(i) { // a human's verdict rates an errored outcome
					v = passed[i]
				}
			case stSuccess:
				v = passed[i]
			}
			verdict = append(verdict, v)
			for k := int64(0); k < n[i]; k++ {
				if int(from[i]+k) == len(owner) {
					owner = append(owner, row)
				}
			}
		}
		return nil
	})
	return owner, verdict, err
}

// countOutcome counts outcome o for a tool once (a tool's calls of one outcome are
// contiguous), and its verdict.
func (a *toolAcc) countOutcome(o int64, verdict []int8) {
	if a.lastOutcome == o {
		return
	}
	a.lastOutcome = o
	a.outcomes++
	if v := verdict[o]; v >= 0 {
		a.rated++
		if v == 1 {
			a.passed++
		}
	}
}

func toolScan(src Source, r store.Run, sl *Slicing) (map[string]*toolAcc, error) {
	rows, groups, err := childGroups(src, r.ID, sl, "tools_row", "tools_len", r.Summary.ToolCalls)
	if err != nil {
		return nil, err
	}
	ng := max(1, len(groups))
	accs := map[string]*toolAcc{}
	owner, verdict, err := toolOwners(src, r)
	if err != nil {
		return nil, err
	}
	var local []*toolAcc
	err = src.Scan(r.ID, store.ToolCalls, []string{"tool", "model", "success", "duration_ms"}, func(b *store.Batch) error {
		td, md := b.Dict("tool"), b.Dict("model")
		local = append(local[:0], make([]*toolAcc, ng*len(td.Values))...)
		seenModel := make([]map[int32]bool, len(local))
		success, dur := b.Bool("success"), b.Int("duration_ms")
		for i := 0; i < b.N; i++ {
			gi, ok := groupAt(rows, b.Row0+int64(i))
			if !ok {
				continue
			}
			ti := int(gi)*len(td.Values) + int(td.Index[i])
			a := local[ti]
			if a == nil {
				name := td.Values[td.Index[i]]
				if groups != nil {
					name = sliceName(name, sl.By, groups[gi])
				}
				if a = accs[name]; a == nil {
					a = &toolAcc{models: map[string]struct{}{}, lastOutcome: -1}
					accs[name] = a
				}
				local[ti] = a
			}
			a.calls++
			if success[i] == 1 {
				a.ok++
			}
			if dur[i] >= 0 {
				a.durSum += dur[i]
				a.durN++
			}
			if seenModel[ti] == nil {
				seenModel[ti] = map[int32]bool{}
			}
			if mi := md.Index[i]; !seenModel[ti][mi] {
				seenModel[ti][mi] = true
				a.models[md.Values[mi]] = struct{}{}
			}
			if row := b.Row0 + int64(i); row < int64(len(owner)) {
				a.countOutcome(int64(owner[row]), verdict)
			}
		}
		return nil
	})
	return accs, err
}
