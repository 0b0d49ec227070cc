package query

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// GraderBrief is one grader's verdict in an outcome summary.
type GraderBrief struct {
	Name   string   `json:"name"`
	Passed *bool    `json:"passed"`
	Score  *float64 `json:"score"`
}

// OutcomeSummary is one outcome in a list.
type OutcomeSummary struct {
	ID            string   `json:"id"`
	RunID         string   `json:"runId"`
	StimulusName  string   `json:"stimulusName"`
	Model         string   `json:"model"`
	TrialIndex    int      `json:"trialIndex"`
	Status        string   `json:"status"`
	DisplayStatus string   `json:"displayStatus"`
	Passed        *bool    `json:"passed"`
	Score         *float64 `json:"score"`
	// Durations, turns, tool calls and token counts are null where the source did not
	// record them.
	DurationMs      *int64        `json:"durationMs"`
	Turns           *int64        `json:"turns"`
	ToolCalls       *int64        `json:"toolCalls"`
	Errors          int           `json:"errors"`
	InputTokens     *int64        `json:"inputTokens"`
	OutputTokens    *int64        `json:"outputTokens"`
	ReasoningTokens *int64        `json:"reasoningTokens"`
	CachedTokens    *int64        `json:"cachedTokens"`
	TotalTokens     *int64        `json:"totalTokens"`
	CostUSD         *float64      `json:"costUsd"`
	StartedAt       *time.Time    `json:"startedAt"`
	GraderSummary   []GraderBrief `json:"graderSummary"`
	// Reason says why a failed or errored outcome failed, in one line: the first failing
	// grader and the first line of its evidence, or the error (absent otherwise).
	Reason *string `json:"reason,omitempty"`
	// Reviewed is set when the verdict is a human's (it overrides the graders').
	Reviewed bool `json:"reviewed"`
	// Tags are the outcome's tags (category, difficulty, …).
	Tags map[string]string `json:"tags,omitempty"`

	row, gradersRow, gradersLen int64
	// firstFail is the first line of the first failing grader's evidence when read with the
	// briefs (knownFail); fillReasons turns it into Reason and clears it.
	firstFail string
	knownFail bool
}

// FailedGraders names the graders that failed this outcome, in grader order.
func (o OutcomeSummary) FailedGraders() []string {
	var out []string
	for _, g := range o.GraderSummary {
		if g.Passed != nil && !*g.Passed {
			out = append(out, g.Name)
		}
	}
	return out
}

// OutcomesParams are the filters, order and page of an outcome list.
type OutcomesParams struct {
	// Runs are run references; empty means every run of the store.
	Runs     []string
	Model    []string
	Stimulus []string
	// Status holds display statuses (passed, failed, error, skipped, pending) or the
	// execution status success (passed, failed or pending).
	Status []string
	Passed *bool
	Grader string
	// Sort is a metric id or one of stimulus, model, trial, status, started_at; "" keeps
	// the store order (runs newest first, then model, stimulus, trial).
	Sort  string
	Desc  bool
	Limit int
	// Where keeps outcomes whose tags match (KEY=VALUE[,VALUE] filters).
	Where []TagFilter
	// Text keeps outcomes whose stimulus or model contains every one of these words, in
	// any case (the explorer's filter over a whole run).
	Text []string
	// Cursor is the nextCursor of the previous page.
	Cursor string
	// Mode keeps the outcomes of one failure mode (an id from FailuresOf over the same runs).
	Mode string

	modeRows map[string][]int64 // Mode's rows by run id, filled by outcomeWindow
}

var validStatus = []string{"passed", "failed", "error", "skipped", "pending", "success"}

// SortFields lists what outcomes can be sorted by, besides the metrics.
var SortFields = []string{"stimulus", "model", "trial", "status", "started_at"}

func (p *OutcomesParams) check() error {
	for _, s := range p.Status {
		if !slices.Contains(validStatus, s) {
			return errs.E(errs.Invalid, "invalid status %q: use passed, failed, error, skipped, pending or success", s)
		}
	}
	if p.Sort != "" && !slices.Contains(SortFields, p.Sort) {
		if _, err := MetricByID(p.Sort); err != nil {
			return errs.E(errs.Invalid, "cannot sort by %q: use a metric id (see `evals metrics`) or one of %v", p.Sort, SortFields)
		}
	}
	if _, err := DecodeCursor(p.Cursor); err != nil {
		return err
	}
	return CheckLimit(p.Limit)
}

func (p *OutcomesParams) keepStatus(display string) bool {
	if len(p.Status) == 0 {
		return true
	}
	for _, s := range p.Status {
		if s == display || s == "success" && (display == "passed" || display == "failed" || display == "pending") {
			return true
		}
	}
	return false
}

var listCols = []string{"model", "stimulus", "trial", "status", "passed", "score", "duration_ms", "turns", "tool_calls", "errors",
	"input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens", "total_tokens", "cost_usd", "started_at",
	"graders_row", "graders_len", "tags"}

// Outcomes lists outcomes with filters, an order and cursor paging. Memory stays
// proportional to the page, not the store: without filter or sort the page is located
// from the run summaries; otherwise a first scan keeps a small key per match, and only the
// page's rows are then built.
func Outcomes(src Source, p OutcomesParams) (Paged[OutcomeSummary], error) {
	if err := p.check(); err != nil {
		return Paged[OutcomeSummary]{}, err
	}
	off, _ := DecodeCursor(p.Cursor)
	var from *seekKey
	if sk, ok := cursorSeek(p.Cursor); ok && p.Sort != "" {
		from = &sk
	}
	items, total, last, err := outcomeSeek(src, p, off, p.Limit, from)
	if err != nil {
		return Paged[OutcomeSummary]{}, err
	}
	page := Paged[OutcomeSummary]{Items: items, Page: Page{Limit: p.Limit, Total: total}}
	if end := off + len(items); end < total {
		c := EncodeCursor(end)
		if last != nil && p.Sort != "" { // a sorted list's next page seeks past this one's last row
			last.off = end
			c = encodeSeek(*last)
		}
		page.Page.NextCursor, page.Page.HasMore = &c, true
	}
	return page, nil
}

// OutcomeList returns the first max outcomes of a filtered, sorted list in one pass, and
// how many match in all: for the explorer, which holds more than one API page.
func OutcomeList(src Source, p OutcomesParams, max int) ([]OutcomeSummary, int, error) {
	p.Limit, p.Cursor = 1, ""
	if err := p.check(); err != nil {
		return nil, 0, err
	}
	return outcomeWindow(src, p, 0, max)
}

// OutcomeWindow is OutcomeList from off: outcomes off..off+n-1 of the list p describes,
// and the total (the explorer fetches the next window as it scrolls).
func OutcomeWindow(src Source, p OutcomesParams, off, n int) ([]OutcomeSummary, int, error) {
	p.Limit, p.Cursor = 1, ""
	if err := p.check(); err != nil {
		return nil, 0, err
	}
	return outcomeWindow(src, p, max(off, 0), n)
}

// outcomeWindow answers outcomes off..off+limit-1 of the list p describes, and the total.
func outcomeWindow(src Source, p OutcomesParams, off, limit int) ([]OutcomeSummary, int, error) {
	items, total, _, err := outcomeSeek(src, p, off, limit, nil)
	return items, total, err
}

// outcomeSeek is outcomeWindow that starts, when from is set (a sorted list's seek cursor
// whose run is still listed), after from's row instead of at off, and also returns where
// the page ended.
func outcomeSeek(src Source, p OutcomesParams, off, limit int, from *seekKey) ([]OutcomeSummary, int, *seekKey, error) {
	sc := Scope{Runs: p.Runs}
	if len(sc.Runs) == 0 {
		sc.Runs = []string{"all"}
	}
	runs, err := resolve(src, sc)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound && len(p.Runs) == 0 {
			return []OutcomeSummary{}, 0, nil, nil
		}
		return nil, 0, nil, err
	}
	if p.Mode != "" {
		if p.modeRows, err = ModeMembers(src, runs, p.Mode); err != nil {
			return nil, 0, nil, err
		}
	}
	var window []hit
	total := 0
	if p.Sort == "" && !p.filtered() {
		window, total = windowByCounts(runs, off, limit, p.Desc)
	} else {
		sel := selector{sorted: p.Sort != "", desc: p.Desc, k: off + limit}
		if h, ok := seekHit(runs, from); ok {
			sel.from, sel.k, off = &h, limit, 0 // the page starts after the seek key's row
		}
		hits, n, err := collectHits(src, runs, &p, &sel)
		if err != nil {
			return nil, 0, nil, err
		}
		total = n
		if k := off + limit; sel.sorted && k < len(hits)/4 {
			// One page of many: select its rows (O(n log k)), do not sort them all.
			hits = topHits(hits, k, p.Desc)
		} else {
			sortHits(hits, sel.sorted, p.Desc)
		}
		if off < len(hits) {
			window = hits[off:min(off+limit, len(hits))]
		}
	}
	items, err := pageItems(src, runs, window)
	return items, total, lastOf(window, runs), err
}

// seekHit is from as a hit of this list; ok is false when there is no seek key or its run
// is no longer listed (the offset is used then).
func seekHit(runs []store.Run, from *seekKey) (hit, bool) {
	if from == nil {
		return hit{}, false
	}
	ri := slices.IndexFunc(runs, func(r store.Run) bool { return r.ID == from.run })
	if ri < 0 {
		return hit{}, false
	}
	return hit{run: int32(ri), row: from.row, num: from.num, str: from.str}, true
}

// lastOf is the seek key of a page's last row (its offset is the caller's).
func lastOf(window []hit, runs []store.Run) *seekKey {
	if len(window) == 0 {
		return nil
	}
	h := window[len(window)-1]
	return &seekKey{run: runs[h.run].ID, row: h.row, num: h.num, str: h.str}
}

// pageItems reads the page's outcomes, their grader briefs and reasons: run by run, the
// runs on every core (a page of the longest failures of 100 runs touches most of them).
func pageItems(src Source, runs []store.Run, window []hit) ([]OutcomeSummary, error) {
	groups := pageGroups(window, workersFor(src))
	items := make([]OutcomeSummary, len(window))
	fails := make([]error, len(groups))
	eachOf(src, len(groups), func(g int) {
		pos := groups[g]
		sub := make([]hit, len(pos))
		for k, p := range pos {
			sub[k] = window[p]
		}
		its, err := materialize(src, runs, sub)
		if err == nil {
			err = fillGraders(src, its, true)
		}
		if err == nil {
			err = fillReasons(src, its)
		}
		fails[g] = err
		for k, p := range pos {
			if err == nil {
				items[p] = its[k]
			}
		}
	})
	for _, err := range fails {
		if err != nil {
			return nil, err
		}
	}
	return items, nil
}

// pageGroups splits a page's rows by run (positions in window), in the order runs first
// appear. When there are fewer runs than workers, a run's rows are cut by row into as many
// groups, each read on its own core: a page of the newest run alone reads its rows, their
// grader briefs and reasons on every core.
func pageGroups(window []hit, workers int) [][]int {
	byRun := map[int32][]int{} // run → positions in window
	var order []int32
	for i, h := range window {
		if byRun[h.run] == nil {
			order = append(order, h.run)
		}
		byRun[h.run] = append(byRun[h.run], i)
	}
	var groups [][]int
	for _, r := range order {
		pos := byRun[r]
		k := 1
		if len(order) < workers {
			k = min(workers, len(pos)/minPageGroup)
		}
		if k <= 1 {
			groups = append(groups, pos)
			continue
		}
		slices.SortFunc(pos, func(a, b int) int { return cmp.Compare(window[a].row, window[b].row) })
		for i := range k {
			groups = append(groups, pos[i*len(pos)/k:(i+1)*len(pos)/k])
		}
	}
	return groups
}

// minPageGroup is the fewest rows of one run worth a core of their own.
const minPageGroup = 32

// fillReasons gives each failed or errored outcome of a page its one-line reason: one read
// of the evidence of the first failing graders and one of the errors, per run.
func fillReasons(src Source, items []OutcomeSummary) error {
	type want struct {
		item int
		row  int64
	}
	evRows, errRows := map[string][]want{}, map[string][]want{}
	for i := range items {
		o := &items[i]
		switch o.DisplayStatus {
		case "error":
			errRows[o.RunID] = append(errRows[o.RunID], want{i, o.row})
		case "failed":
			at := firstFailing(o.GraderSummary)
			if o.knownFail { // read with the briefs
				r := Reason(o.FailedGraders()[0], o.firstFail)
				o.Reason, o.firstFail, o.knownFail = &r, "", false
				continue
			}
			if at < 0 {
				r := Reason(SourceNone, "")
				if o.Reviewed {
					r = Reason(SourceReview, "")
				}
				o.Reason = &r
				continue
			}
			evRows[o.RunID] = append(evRows[o.RunID], want{i, o.gradersRow + int64(at)})
		}
	}
	read := func(t store.Table, col string, byRun map[string][]want, reason func(o *OutcomeSummary, text string) string) error {
		for runID, ws := range byRun {
			rows := make([]int64, len(ws))
			for k, w := range ws {
				rows[k] = w.row
			}
			slices.Sort(rows)
			texts, err := src.Strings(runID, t, col, rows)
			if err != nil {
				return err
			}
			for _, w := range ws {
				r := reason(&items[w.item], store.FirstLine(texts[w.row]))
				items[w.item].Reason = &r
			}
		}
		return nil
	}
	if err := read(store.Outcomes, "error", errRows, func(_ *OutcomeSummary, text string) string { return Reason(SourceError, text) }); err != nil {
		return err
	}
	return read(store.Graders, "evidence", evRows, func(o *OutcomeSummary, text string) string {
		return Reason(o.FailedGraders()[0], text)
	})
}

// firstFailing is the index of the first grader that failed, or -1.
func firstFailing(gs []GraderBrief) int {
	return slices.IndexFunc(gs, func(g GraderBrief) bool { return g.Passed != nil && !*g.Passed })
}

func (p *OutcomesParams) filtered() bool {
	return len(p.Model) > 0 || len(p.Stimulus) > 0 || len(p.Status) > 0 || p.Passed != nil || p.Grader != "" || len(p.Where) > 0 || len(p.Text) > 0 || p.Mode != ""
}

// hit is one matching outcome: where it is, and its sort key.
type hit struct {
	run int32
	row int64
	num float64
	str string
}

// windowByCounts finds the page's rows from the run summaries alone.
func windowByCounts(runs []store.Run, off, limit int, desc bool) ([]hit, int) {
	total := 0
	for _, r := range runs {
		total += int(r.Summary.OutcomeCount)
	}
	var out []hit
	for pos := off; pos < off+limit && pos < total; pos++ {
		g := pos
		if desc {
			g = total - 1 - pos
		}
		for ri, r := range runs {
			n := int(r.Summary.OutcomeCount)
			if g < n {
				out = append(out, hit{run: int32(ri), row: int64(g)})
				break
			}
			g -= n
		}
	}
	return out, total
}

// hitCols are the columns an outcome list's first scan reads: the status and verdict, and
// only the columns its filters and sort use (a stimulus dictionary is the costliest
// column of that scan, and most lists do not look at it).
func (p *OutcomesParams) hitCols() []string {
	cols := []string{"status", "passed"}
	if len(p.Model) > 0 || len(p.Text) > 0 || p.Sort == "model" {
		cols = append(cols, "model")
	}
	if len(p.Stimulus) > 0 || len(p.Text) > 0 || p.Sort == "stimulus" {
		cols = append(cols, "stimulus")
	}
	if p.Grader != "" {
		cols = append(cols, "graders_row", "graders_len")
	}
	if len(p.Where) > 0 {
		cols = append(cols, "tags")
	}
	return append(cols, sortCols[p.Sort]...)
}

// sortCols are the columns a sort key is read from.
var sortCols = map[string][]string{
	"trial": {"trial"}, "started_at": {"started_at"}, "pass_rate": {}, "error_rate": {}, "score": {"score"},
	"duration_ms": {"duration_ms"}, "turns": {"turns"}, "tool_calls": {"tool_calls"}, "errors": {"errors"},
	"input_tokens": {"input_tokens"}, "output_tokens": {"output_tokens"}, "reasoning_tokens": {"reasoning_tokens"},
	"total_tokens": {"total_tokens"}, "cost_usd": {"cost_usd"},
}

// collectHits scans the runs for the list's hits and keeps what sel says a page can take
// of each run; n counts every hit.
func collectHits(src Source, runs []store.Run, p *OutcomesParams, sel *selector) (hits []hit, n int, err error) {
	cols := p.hitCols()
	// Runs are scanned on every core (a large run alone in shares of its rows); their
	// hits join in run order (the store order ties keep).
	ri := make(map[string]int32, len(runs))
	for i, r := range runs {
		ri[r.ID] = int32(i)
	}
	parts, err := parallel(src, splitRuns(runs, src), func(sh share) (keeper, error) {
		kp := keeper{sel: sel}
		err := runHits(src, ri[sh.run.ID], sh, p, cols, &kp)
		return kp, err
	})
	if err != nil {
		return nil, 0, err
	}
	lists := make([][]hit, len(parts))
	for i := range parts {
		lists[i] = parts[i].hits()
		n += parts[i].n
	}
	return slices.Concat(lists...), n, nil
}

// maxTop is the most hits a run keeps in a heap for a sorted page; deeper pages by offset
// keep every hit and sort them.
const maxTop = 1 << 16

// selector says what a list's page can take of each run's hits: the hits after from (a
// seek cursor's row), and of those the first k in the list's order.
type selector struct {
	sorted, desc bool
	k            int
	from         *hit
}

// keeper holds what one run's hits can add to a page (sel's first k in the list's order:
// the heap of a sorted list, the first or last k of one in store order) and counts every
// hit, so a page of a million matches keeps a few hundred.
type keeper struct {
	sel *selector
	n   int
	top topK
	all []hit
}

func (kp *keeper) add(h hit) {
	kp.n++
	s := kp.sel
	switch {
	case s.from != nil && !hitAfter(h, *s.from, s.desc):
	case s.sorted && s.k <= maxTop:
		kp.top.k, kp.top.desc = s.k, s.desc
		kp.top.push(h)
	case !s.sorted && !s.desc && len(kp.all) >= s.k: // store order: the first k are kept
	default:
		if !s.sorted && s.desc && len(kp.all) == 2*s.k { // the last k: drop the older half
			kp.all = append(kp.all[:0], kp.all[s.k:]...)
		}
		kp.all = append(kp.all, h)
	}
}

// room makes room for n more hits kept whole (every row of a batch is a hit): at once,
// not by doubling.
func (kp *keeper) room(n int) {
	if s := kp.sel; s.sorted && s.k > maxTop {
		kp.all = slices.Grow(kp.all, n)
	}
}

// hits are the run's kept hits (in no particular order when sorted).
func (kp *keeper) hits() []hit {
	s := kp.sel
	if s.sorted && s.k <= maxTop {
		return kp.top.h
	}
	if !s.sorted && s.desc && len(kp.all) > s.k {
		return kp.all[len(kp.all)-s.k:]
	}
	return kp.all
}

// runHits are the outcomes of run ri that the list's filters keep, with their sort keys.
func runHits(src Source, ri int32, sh share, p *OutcomesParams, cols []string, kp *keeper) error {
	r := sh.run
	var tc *tagCache
	if len(p.Where) > 0 {
		tc = &tagCache{sl: &Slicing{Where: p.Where}, seen: map[string]tagInfo{}}
	}
	var graded func(from, n int64) bool
	if p.Grader != "" {
		var err error
		if graded, err = gradedBy(src, r.ID, p.Grader); err != nil {
			return err
		}
	}
	var mode *rowSet
	if p.Mode != "" {
		if mode = (&rowSet{rows: p.modeRows[r.ID]}); len(mode.rows) == 0 {
			return nil
		}
	}
	// Row groups are sorted by model, then stimulus: a filter on either skips groups.
	where := store.Where{Column: "model", Values: p.Model}
	if len(p.Model) == 0 {
		where = store.Where{Column: "stimulus", Values: p.Stimulus}
	}
	return src.ScanWhere(r.ID, store.Outcomes, cols, where, sh.lo, sh.hi, func(b *store.Batch) error {
		f := newHitFilter(b, p, tc)
		if !p.filtered() {
			kp.room(b.N)
		}
		// A row group that straddles the share's bounds is read by both shares: each
		// keeps its own rows.
		from, to := max(sh.lo-b.Row0, 0), min(sh.hi-b.Row0, int64(b.N))
		for i := int(from); i < int(to); i++ {
			display, ok := f.keep(i)
			if !ok || graded != nil && !graded(f.gRow[i], f.gLen[i]) || mode != nil && !mode.has(b.Row0+int64(i)) {
				continue
			}
			h := hit{run: ri, row: b.Row0 + int64(i), num: math.NaN()}
			f.sortKey(&h, i, display)
			kp.add(h)
		}
		return nil
	})
}

// hitFilter is an outcome list's filter over one batch, each dictionary read once.
type hitFilter struct {
	b            *store.Batch
	p            *OutcomesParams
	md, sd, std  *store.Dict
	td           *store.Dict
	keepM, keepS []bool
	keepT        []bool
	// Per dictionary value, a bit per word it holds (Text): a row matches when every word
	// is in its model or its stimulus ("model-3 task-01000" matches model-3's outcomes of
	// task-01000).
	textM, textS []uint64
	passed       []int8
	gRow, gLen   []int64
	// verdicts[3*j+v+1] is the display status of status value j with verdict v (-1 none,
	// 0 failed, 1 passed), and whether the status and verdict filters keep it.
	verdicts []verdictKeep
	// The sort column's values, when the sort is by a metric column.
	sortF []float64
	sortI []int64
}

type verdictKeep struct {
	display string
	keep    bool
}

func newHitFilter(b *store.Batch, p *OutcomesParams, tc *tagCache) *hitFilter {
	f := &hitFilter{b: b, p: p, md: b.Dict("model"), sd: b.Dict("stimulus"), std: b.Dict("status"),
		passed: b.Bool("passed"), gRow: b.Int("graders_row"), gLen: b.Int("graders_len")}
	if f.md != nil {
		f.keepM = keepSet(f.md.Values, p.Model)
	}
	if f.sd != nil {
		f.keepS = keepSet(f.sd.Values, p.Stimulus)
	}
	if len(p.Text) > 0 {
		f.textM, f.textS = wordBits(f.md.Values, p.Text), wordBits(f.sd.Values, p.Text)
	}
	if tc != nil {
		f.td = b.Dict("tags")
		for _, v := range f.td.Values {
			f.keepT = append(f.keepT, tc.info(v).keep)
		}
	}
	for _, status := range f.std.Values {
		for v := int8(-1); v <= 1; v++ {
			pv := verdictOf(v)
			display := store.DisplayStatus(status, pv)
			keep := p.keepStatus(display) && (p.Passed == nil || pv != nil && *pv == *p.Passed && status == store.StatusSuccess)
			f.verdicts = append(f.verdicts, verdictKeep{display, keep})
		}
	}
	if cols := sortCols[p.Sort]; len(cols) > 0 {
		f.sortF, f.sortI = b.Float(cols[0]), b.Int(cols[0])
	}
	return f
}

// keep says whether row i passes the model, stimulus, tag, text, status and verdict
// filters, and gives its display status.
func (f *hitFilter) keep(i int) (string, bool) {
	md, sd, p := f.md, f.sd, f.p
	if f.keepM != nil && !f.keepM[md.Index[i]] || f.keepS != nil && !f.keepS[sd.Index[i]] {
		return "", false
	}
	if f.keepT != nil && !f.keepT[f.td.Index[i]] {
		return "", false
	}
	if f.textM != nil && f.textM[md.Index[i]]|f.textS[sd.Index[i]] != allWords(len(p.Text)) {
		return "", false
	}
	v := f.verdicts[3*int(f.std.Index[i])+int(f.passed[i])+1]
	return v.display, v.keep
}

// sortKey sets a hit's sort key: a string (model, stimulus, status) or a number (NaN, the
// nulls, sorts last).
func (f *hitFilter) sortKey(h *hit, i int, display string) {
	switch f.p.Sort {
	case "":
	case "model":
		h.str = f.md.Values[f.md.Index[i]]
	case "stimulus":
		h.str = f.sd.Values[f.sd.Index[i]]
	case "status":
		h.str = display
	case "pass_rate":
		if f.passed[i] >= 0 {
			h.num = float64(f.passed[i])
		}
	case "error_rate":
		h.num = 0
		if f.std.Values[f.std.Index[i]] == store.StatusError {
			h.num = 1
		}
	default:
		if f.sortF != nil {
			h.num = f.sortF[i]
		} else if v := f.sortI[i]; v >= 0 { // store.Unknown sorts with the nulls, last
			h.num = float64(v)
		}
	}
}

// rowSet answers whether ascending rows, asked in ascending order, are in a sorted set.
type rowSet struct {
	rows []int64
	at   int
}

func (s *rowSet) has(row int64) bool {
	for s.at < len(s.rows) && s.rows[s.at] < row {
		s.at++
	}
	return s.at < len(s.rows) && s.rows[s.at] == row
}

// sortHits orders by key (nulls last in both directions), ties in store order.
func sortHits(hits []hit, byKey, desc bool) {
	if !byKey {
		if desc {
			slices.Reverse(hits)
		}
		return
	}
	// Ties in store order: the hits come from each run's heap, in no order.
	slices.SortFunc(hits, listOrder(desc))
}

// listOrder orders hits as a sorted list does: by key, then store order (run, then row).
func listOrder(desc bool) func(a, b hit) int {
	return func(a, b hit) int { return listCompare(a, b, desc) }
}

func listCompare(a, b hit, desc bool) int {
	if c := compareHits(a, b, desc); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(a.run, b.run), cmp.Compare(a.row, b.row))
}

// compareHits orders two hits by key: strings, else numbers with NaN (null) last in both
// directions; 0 for a tie.
func compareHits(a, b hit, desc bool) int {
	an, bn := math.IsNaN(a.num), math.IsNaN(b.num)
	switch {
	case a.str != "" || b.str != "":
		c := strings.Compare(a.str, b.str)
		if desc {
			c = -c
		}
		return c
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	c := cmp.Compare(a.num, b.num)
	if desc {
		c = -c
	}
	return c
}

// hitAfter reports whether a comes after b in a sorted list: by key, then store order.
func hitAfter(a, b hit, desc bool) bool {
	return listCompare(a, b, desc) > 0
}

// topHits is the first k hits in sortHits' order (ties in store order: run, then row),
// selected with a bounded heap instead of a sort of all.
func topHits(hits []hit, k int, desc bool) []hit {
	t := topK{k: k, desc: desc, h: make([]hit, 0, k)}
	for _, x := range hits {
		t.push(x)
	}
	slices.SortFunc(t.h, listOrder(desc))
	return t.h
}

// topK keeps the first k hits pushed, in the list's order: a max-heap, h[0] the last of them.
type topK struct {
	h    []hit
	k    int
	desc bool
}

func (t *topK) push(x hit) {
	h, desc := t.h, t.desc
	switch {
	case len(h) < t.k:
		h = append(h, x)
		for i := len(h) - 1; i > 0 && hitAfter(h[i], h[(i-1)/2], desc); i = (i - 1) / 2 {
			h[i], h[(i-1)/2] = h[(i-1)/2], h[i]
		}
		t.h = h
	case t.k > 0 && hitAfter(h[0], x, desc):
		h[0] = x
		for i := 0; ; {
			l, m := 2*i+1, i
			if l < len(h) && hitAfter(h[l], h[m], desc) {
				m = l
			}
			if r := l + 1; r < len(h) && hitAfter(h[r], h[m], desc) {
				m = r
			}
			if m == i {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
}

// materialize builds the summaries of the page's rows, in page order, reading only the
// row groups they are in.
func materialize(src Source, runs []store.Run, window []hit) ([]OutcomeSummary, error) {
	items := make([]OutcomeSummary, len(window))
	byRun := map[int32]map[int64]int{}
	for i, h := range window {
		if byRun[h.run] == nil {
			byRun[h.run] = map[int64]int{}
		}
		byRun[h.run][h.row] = i
	}
	for ri, at := range byRun {
		r := runs[ri]
		rows := slices.Sorted(maps.Keys(at))
		err := src.ScanRowSet(r.ID, store.Outcomes, listCols, rows, func(b *store.Batch) error {
			td, tags := batchTags(b)
			for i := 0; i < b.N; i++ {
				if pos, ok := at[b.Row0+int64(i)]; ok {
					items[pos] = summaryAt(r.ID, b, i)
					items[pos].Tags = tags[td.Index[i]]
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return items, nil
}

func summaryAt(runID string, b *store.Batch, i int) OutcomeSummary {
	md, sd, std := b.Dict("model"), b.Dict("stimulus"), b.Dict("status")
	passed := b.Bool("passed")
	pv := verdictOf(passed[i])
	status := std.Values[std.Index[i]]
	row := b.Row0 + int64(i)
	o := OutcomeSummary{
		ID: store.OutcomeID(runID, row), RunID: runID, StimulusName: sd.Values[sd.Index[i]], Model: md.Values[md.Index[i]],
		TrialIndex: int(b.Int("trial")[i]), Status: status, DisplayStatus: store.DisplayStatus(status, pv), Passed: pv,
		Score: optFloat(b.Float("score")[i]), DurationMs: store.Known(b.Int("duration_ms")[i]), Turns: store.Known(b.Int("turns")[i]),
		ToolCalls: store.Known(b.Int("tool_calls")[i]), Errors: int(b.Int("errors")[i]), InputTokens: store.Known(b.Int("input_tokens")[i]),
		OutputTokens: store.Known(b.Int("output_tokens")[i]), ReasoningTokens: store.Known(b.Int("reasoning_tokens")[i]), CachedTokens: store.Known(b.Int("cached_tokens")[i]),
		TotalTokens: store.Known(b.Int("total_tokens")[i]), CostUSD: optFloat(b.Float("cost_usd")[i]),
		row: row, gradersRow: b.Int("graders_row")[i], gradersLen: b.Int("graders_len")[i], Reviewed: b.Reviewed(i),
	}
	if ms := b.Int("started_at")[i]; ms > 0 {
		t := time.UnixMilli(ms).UTC()
		o.StartedAt = &t
	}
	return o
}

// verdictOf turns a scanned boolean (1, 0, -1 for null) into a nullable verdict.
func verdictOf(b int8) *bool {
	if b < 0 {
		return nil
	}
	v := b == 1
	return &v
}

func optFloat(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// keepSet marks the dictionary entries named in want; nil keeps everything.
func keepSet(values, want []string) []bool {
	if len(want) == 0 {
		return nil
	}
	keep := make([]bool, len(values))
	for i, v := range values {
		keep[i] = slices.Contains(want, v)
	}
	return keep
}

// gradedBy reports whether a grader row range holds a result of the named grader.
func gradedBy(src Source, runID, grader string) (func(from, n int64) bool, error) {
	var rows []bool
	err := src.Scan(runID, store.Graders, []string{"grader"}, func(b *store.Batch) error {
		d := b.Dict("grader")
		for _, ix := range d.Index {
			rows = append(rows, d.Values[ix] == grader)
		}
		return nil
	})
	return func(from, n int64) bool {
		for r := from; r < from+n && r < int64(len(rows)); r++ {
			if rows[r] {
				return true
			}
		}
		return false
	}, err
}

// fillGraders adds the grader summary to the outcomes of one page.
func fillGraders(src Source, items []OutcomeSummary, withEvidence bool) error {
	byRun := map[string][]int{}
	for i := range items {
		items[i].GraderSummary = []GraderBrief{}
		if items[i].gradersLen > 0 {
			byRun[items[i].RunID] = append(byRun[items[i].RunID], i)
		}
	}
	for runID, idx := range byRun {
		// Only the grader rows of these outcomes are read: a page of a large run spreads
		// its outcomes over most of its grader rows.
		var rows []int64
		for _, i := range idx {
			for r := range items[i].gradersLen {
				rows = append(rows, items[i].gradersRow+r)
			}
		}
		slices.Sort(rows)
		rows = slices.Compact(rows)
		var ev *[]string
		failed := slices.ContainsFunc(idx, func(i int) bool { return items[i].DisplayStatus == "failed" })
		if withEvidence && failed && rows[len(rows)-1]-rows[0] <= 16*int64(len(idx))*8 {
			// A narrow range (a few outcomes of this run): their evidence comes with the
			// briefs, one read. A wide one leaves it to fillReasons, which makes strings
			// only of the rows it needs. Only a failed outcome's reason is its evidence:
			// a page of passed or errored outcomes decompresses none.
			ev = new([]string)
		}
		briefs, have, err := readBriefs(src, runID, rows[0], rows[len(rows)-1]+1, rows, nil, nil, ev)
		if err != nil {
			return err
		}
		for _, i := range idx {
			o := &items[i]
			k, _ := slices.BinarySearch(rows, o.gradersRow)
			o.GraderSummary = briefsIn(briefs[k:k+int(o.gradersLen)], have[k:k+int(o.gradersLen)])
			for j := k; ev != nil && j < k+int(o.gradersLen); j++ {
				if g := briefs[j]; have[j] && g.Passed != nil && !*g.Passed {
					o.firstFail, o.knownFail = store.FirstLine((*ev)[j]), true
					break
				}
			}
		}
	}
	return nil
}

// batchTags decodes a batch's tags once per distinct value of its dictionary: tags[j] are
// the tags of dictionary entry j.
func batchTags(b *store.Batch) (*store.Dict, []map[string]string) {
	td := b.Dict("tags")
	tags := make([]map[string]string, len(td.Values))
	for j, v := range td.Values {
		tags[j] = store.DecodeTags(v)
	}
	return td, tags
}

// readBriefs reads the grader rows lo..hi-1 of a run as briefs[r-lo], or, when rows is set
// (sorted, distinct, within lo..hi-1), just those as briefs[k] for rows[k]; have marks the
// rows read, and the slices given are reused.
func readBriefs(src Source, runID string, lo, hi int64, rows []int64, briefs []GraderBrief, have []bool, evidence *[]string) ([]GraderBrief, []bool, error) {
	if lo >= hi {
		return briefs[:0], have[:0], nil
	}
	n := int(hi - lo)
	slot := func(r int64) int { return int(r - lo) }
	scan := func(cols []string, fn func(*store.Batch) error) error {
		return src.ScanRows(runID, store.Graders, cols, lo, hi, fn)
	}
	if rows != nil {
		n = len(rows)
		k := 0
		slot = func(r int64) int { // batches come in row order
			for k < len(rows) && rows[k] < r {
				k++
			}
			if k < len(rows) && rows[k] == r {
				return k
			}
			return -1
		}
		scan = func(cols []string, fn func(*store.Batch) error) error {
			return src.ScanRowSet(runID, store.Graders, cols, rows, fn)
		}
	}
	briefs = extend(briefs[:0], n, n)
	have = extend(have[:0], n, n)
	cols := []string{"grader", "passed", "score"}
	if evidence != nil { // the first line of each row's evidence too (pages: their reasons)
		cols = append(cols, "evidence")
		*evidence = make([]string, n)
	}
	err := scan(cols, func(g *store.Batch) error {
		d, passed, score, ev := g.Dict("grader"), g.Bool("passed"), g.Float("score"), g.Dict("evidence")
		for i := 0; i < g.N; i++ {
			r := g.Row0 + int64(i)
			if r < lo || r >= hi {
				continue
			}
			if k := slot(r); k >= 0 {
				briefs[k] = GraderBrief{Name: d.Values[d.Index[i]], Passed: verdictOf(passed[i]), Score: optFloat(score[i])}
				have[k] = true
				if evidence != nil {
					(*evidence)[k] = ev.Values[ev.Index[i]] // whole: the first line is cut where used
				}
			}
		}
		return nil
	})
	return briefs, have, err
}

// briefsOf is an outcome's grader summary from the briefs of rows lo..hi-1.
func briefsOf(o OutcomeSummary, lo, hi int64, briefs []GraderBrief, have []bool) []GraderBrief {
	from, to := max(o.gradersRow, lo), min(o.gradersRow+o.gradersLen, hi)
	if from >= to {
		return []GraderBrief{}
	}
	return briefsIn(briefs[from-lo:to-lo], have[from-lo:to-lo])
}

// briefsIn is the briefs that were read (have), in order.
func briefsIn(briefs []GraderBrief, have []bool) []GraderBrief {
	out := make([]GraderBrief, 0, len(briefs))
	for k, g := range briefs {
		if have[k] {
			out = append(out, g)
		}
	}
	return out
}

// wordBits gives each value a bit per word it contains, in any case (the first 64 words).
func wordBits(values, words []string) []uint64 {
	out := make([]uint64, len(values))
	for i, v := range values {
		lv := strings.ToLower(v)
		for w, word := range words[:min(len(words), 64)] {
			if strings.Contains(lv, strings.ToLower(word)) {
				out[i] |= 1 << w
			}
		}
	}
	return out
}

// allWords is the bits of n words.
func allWords(n int) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<n - 1
}

// EachOutcome calls fn with every outcome of one run, in stored order, up to chunk at a
// time (fn must not keep the slice): an export. It reads the run once, a row group at a
// time, with one read of the grader rows each row group's outcomes point at; paging
// through Outcomes instead re-read a 32k-row group for every 1,000-row page, 32 times over.
func EachOutcome(src Source, runID string, chunk int, fn func([]OutcomeSummary) error) error {
	items := make([]OutcomeSummary, 0, chunk)
	var briefs []GraderBrief
	var have []bool
	err := src.Scan(runID, store.Outcomes, listCols, func(b *store.Batch) error {
		td, tags := batchTags(b)
		// The grader rows of this batch's outcomes, read once.
		grow, glen := b.Int("graders_row"), b.Int("graders_len")
		lo, hi := int64(math.MaxInt64), int64(0)
		for i := 0; i < b.N; i++ {
			if glen[i] > 0 {
				lo, hi = min(lo, grow[i]), max(hi, grow[i]+glen[i])
			}
		}
		var err error
		if briefs, have, err = readBriefs(src, runID, lo, hi, nil, briefs, have, nil); err != nil {
			return err
		}
		for i := 0; i < b.N; i++ {
			o := summaryAt(runID, b, i)
			o.Tags = tags[td.Index[i]]
			o.GraderSummary = briefsOf(o, lo, hi, briefs, have)
			items = append(items, o)
			if len(items) == chunk {
				if err := fillReasons(src, items); err != nil {
					return err
				}
				if err := fn(items); err != nil {
					return err
				}
				clear(items)
				items = items[:0]
			}
		}
		return nil
	})
	if err == nil && len(items) > 0 {
		if err = fillReasons(src, items); err == nil {
			err = fn(items)
		}
	}
	return err
}
