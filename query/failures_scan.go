package query

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/evals-dev/evals/store"
)

// The scan behind failure modes: each share of a run (a row range of its outcomes, read on
// every core) finds its failed and errored outcomes, their first failing graders and
// their signatures; the shares then merge into one set.

// failure is one failed or errored outcome. It holds no pointers, so a million of them cost
// the collector nothing; its text (the first line of its evidence or error) is in
// failureSet.texts when known.
type failure struct {
	row       int64 // in its run's outcomes
	graderRow int64 // the first failing grader's row, -1 when none
	gRow      int64 // the outcome's first grader row
	gLen      int32
	run       int32
	model     int32
	stim      int32
	trial     int32
	slice     int32 // index in failureSet.slices, -1 unsliced
	sig       int32 // index in failureSet.sigs, -1 before signing
	source    int32 // index in failureSet.sources (a share's; merged sets keep it unread)
	errored   bool
	reviewed  bool
	hasText   bool
}

// sigInfo is one distinct signature (source and masked line).
type sigInfo struct {
	source, masked string
	count          int64    // outcomes of the set it came from
	hash           *sigHash // set once the set is merged
}

// sigHash is what near-duplicate signatures are found by: the masked line's word pairs and
// their MinHash.
type sigHash struct {
	shingles []uint64
	mh       [minHashes]uint64
}

// failureSet is what one scan of some runs gives: the failures and their signatures, and
// the rated outcomes by model and slice.
type failureSet struct {
	runs         []store.Run
	fails        []failure
	texts        map[int32]string // failure index → text, for the failures whose text was read
	sigs         []sigInfo
	bySig        map[string]map[string]int32 // source → masked line → index in sigs
	sources      []string                    // a share's failure sources: error, review, failed, then graders
	models       []string
	stimuli      []string
	slices       []string
	rated        int64
	ratedByModel []int64
	ratedBySlice []int64
}

// The first sources of every share.
const (
	srcError = iota
	srcReview
	srcNone
)

func collectFailures(src Source, runs []store.Run, sl *Slicing) (*failureSet, error) {
	// A large run is read in shares on every core (row ranges of its outcomes; their
	// failures come back in row order, signed), runs one after another.
	var parts []*failureSet
	for ri, r := range runs {
		shares := splitRunsBy([]store.Run{r}, src, func(r store.Run) int64 { return r.Summary.OutcomeCount })
		got, err := parallel(src, shares, func(sh share) (*failureSet, error) {
			return collectShare(src, runs, int32(ri), sh, sl)
		})
		if err != nil {
			return nil, err
		}
		parts = append(parts, got...)
	}
	fs := merge(runs, parts)
	hashes := make([]sigHash, len(fs.sigs))
	eachShare(len(fs.sigs), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			h := &hashes[i]
			h.shingles = shingles(fs.sigs[i].masked)
			h.mh = minHash(h.shingles)
			fs.sigs[i].hash = h
		}
	})
	return fs, nil
}

// collectShare reads one share of run ri: its failures, their first failing graders and
// reasons, each signed.
func collectShare(src Source, runs []store.Run, ri int32, sh share, sl *Slicing) (*failureSet, error) {
	r := runs[ri]
	part := &failureSet{runs: runs, texts: map[int32]string{}, bySig: map[string]map[string]int32{},
		sources: []string{srcError: SourceError, srcReview: SourceReview, srcNone: SourceNone}}
	lo, hi := sh.lo, sh.hi
	if sh.whole {
		lo, hi = 0, math.MaxInt64
	}
	// The share's failures, sized from run.json's counts (a hint: growing the slice to
	// 500,000 of them copied 160 ms' worth).
	if n := r.Summary.OutcomeCount; n > 0 {
		span := min(hi, n) - lo
		part.fails = make([]failure, 0, min((r.Summary.Failed+r.Summary.Errored)*span/n*11/10+16, 1<<22))
	}
	if err := part.scanOutcomes(src, ri, r, sl, lo, hi); err != nil {
		return nil, err
	}
	if err := part.firstFailingGraders(src, r); err != nil {
		return nil, err
	}
	if err := part.readReasons(src, r); err != nil {
		return nil, err
	}
	part.sign()
	return part, nil
}

// scanOutcomes finds one run's failed and errored outcomes and counts its rated ones.
func (fs *failureSet) scanOutcomes(src Source, ri int32, r store.Run, sl *Slicing, lo, hi int64) error {
	modelID, stimID, sliceID := map[string]int32{}, map[string]int32{}, map[string]int32{}
	cols := []string{"model", "stimulus", "trial", "status", "passed", "graders_row", "graders_len"}
	var tc *tagCache
	if sl.active() {
		cols = append(cols, "tags")
		tc = &tagCache{sl: sl, seen: map[string]tagInfo{}}
	}
	var mt, st []int32
	var kinds []int8
	return src.ScanRows(r.ID, store.Outcomes, cols, lo, hi, func(b *store.Batch) error {
		first, last := int(max(lo-b.Row0, 0)), int(min(hi-b.Row0, int64(b.N)))
		md, sd, std := b.Dict("model"), b.Dict("stimulus"), b.Dict("status")
		mt = translate(mt[:0], md.Values, modelID, &fs.models)
		st = translate(st[:0], sd.Values, stimID, &fs.stimuli)
		kinds = statusKinds(kinds[:0], std.Values)
		fs.ratedByModel = grow(fs.ratedByModel, len(fs.models))
		passed, trial := b.Bool("passed"), b.Int("trial")
		gRow, gLen := b.Int("graders_row"), b.Int("graders_len")
		var td *store.Dict
		if tc != nil {
			td = b.Dict("tags")
		}
		for i := first; i < last; i++ {
			slice := int32(-1)
			if td != nil {
				info := tc.info(td.Values[td.Index[i]])
				if !info.keep {
					continue
				}
				if sl.By != "" {
					slice = internSlice(info.group, sliceID, &fs.slices)
					fs.ratedBySlice = grow(fs.ratedBySlice, len(fs.slices))
				}
			}
			kind := kinds[std.Index[i]]
			errored := kind == kindError
			if kind == kindOther || kind == kindSuccess && passed[i] < 0 {
				continue
			}
			m := mt[md.Index[i]]
			fs.rated++
			fs.ratedByModel[m]++
			if slice >= 0 {
				fs.ratedBySlice[slice]++
			}
			if (!errored || b.Reviewed(i)) && passed[i] == 1 { // a human may pass an errored one
				continue
			}
			fs.fails = append(fs.fails, failure{run: ri, row: b.Row0 + int64(i), model: m, stim: st[sd.Index[i]], trial: int32(trial[i]),
				slice: slice, gRow: gRow[i], gLen: int32(gLen[i]), errored: errored, reviewed: b.Reviewed(i), graderRow: -1, sig: -1, source: srcNone})
		}
		return nil
	})
}

// Statuses as scanOutcomes reads them.
const (
	kindOther int8 = iota
	kindSuccess
	kindError
)

func statusKinds(dst []int8, values []string) []int8 {
	for _, v := range values {
		k := kindOther
		switch v {
		case store.StatusSuccess:
			k = kindSuccess
		case store.StatusError:
			k = kindError
		}
		dst = append(dst, k)
	}
	return dst
}

func internSlice(v string, ids map[string]int32, names *[]string) int32 {
	id, ok := ids[v]
	if !ok {
		id = int32(len(*names))
		ids[v] = id
		*names = append(*names, v)
	}
	return id
}

// grow extends counts with zeros to n entries.
func grow(counts []int64, n int) []int64 {
	for len(counts) < n {
		counts = append(counts, 0)
	}
	return counts
}

// firstFailingGraders finds each failed outcome's first failing grader, in one pass over
// the run's grader rows (an outcome's rows are contiguous, in outcome order). A verdict
// written with its signature signs the failure here.
func (fs *failureSet) firstFailingGraders(src Source, r store.Run) error {
	var todo []int // indexes of failed (not errored) outcomes with graders
	for i, f := range fs.fails {
		if !f.errored && f.gLen > 0 {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	slices.SortFunc(todo, func(a, b int) int { return cmp.Compare(fs.fails[a].gRow, fs.fails[b].gRow) })
	lo := fs.fails[todo[0]].gRow
	last := fs.fails[todo[len(todo)-1]]
	hi := last.gRow + int64(last.gLen)
	k := 0
	graderID := map[string]int32{}
	var gt []int32
	var signed sigCache
	return src.ScanRows(r.ID, store.Graders, []string{"grader", "passed", "signature"}, lo, hi, func(b *store.Batch) error {
		d, sd, passed := b.Dict("grader"), b.Dict("signature"), b.Bool("passed")
		gt = translateSources(gt[:0], d.Values, graderID, &fs.sources)
		signed.reset(len(sd.Values))
		end := b.Row0 + int64(b.N)
		for k < len(todo) {
			f := &fs.fails[todo[k]]
			fEnd := f.gRow + int64(f.gLen)
			for g := max(f.gRow, b.Row0); g < min(fEnd, end) && f.graderRow < 0; g++ {
				if at := g - b.Row0; passed[at] == 0 {
					f.graderRow, f.source = g, gt[d.Index[at]]
					if !sd.Missing {
						f.sig = fs.signedAs(&signed, f.source, sd, sd.Index[at])
					}
				}
			}
			if fEnd > end && f.graderRow < 0 {
				return nil // the rest of its rows are in the next batch
			}
			k++
		}
		return nil
	})
}

// translateSources maps a batch's grader names to source indexes.
func translateSources(dst []int32, values []string, ids map[string]int32, sources *[]string) []int32 {
	return translate(dst, values, ids, sources)
}

// sigCache remembers, per signature dictionary index of a batch, the sig it gave and its
// source (a signature is nearly always failed by one grader).
type sigCache struct{ sig, source []int32 }

func (c *sigCache) reset(n int) {
	c.sig, c.source = c.sig[:0], c.source[:0]
	for range n {
		c.sig, c.source = append(c.sig, -1), append(c.source, -1)
	}
}

// signedAs is the sig of a failing verdict by source whose stored signature is sd's value x.
func (fs *failureSet) signedAs(c *sigCache, source int32, sd *store.Dict, x int32) int32 {
	if c.source[x] == source {
		return c.sig[x]
	}
	sg := fs.sigID(fs.sources[source], sd.Values[x])
	c.sig[x], c.source[x] = sg, source
	return sg
}

// sigID is the index of the signature (source, masked), added when new.
func (fs *failureSet) sigID(source, masked string) int32 {
	bySource := fs.bySig[source]
	if bySource == nil {
		bySource = map[string]int32{}
		fs.bySig[source] = bySource
	}
	sg, ok := bySource[masked]
	if !ok {
		sg = int32(len(fs.sigs))
		bySource[masked] = sg
		fs.sigs = append(fs.sigs, sigInfo{source: source, masked: masked})
	}
	return sg
}

// readReasons reads the evidence of each failing grader not signed at write and each
// error, and names the source of failures without one.
func (fs *failureSet) readReasons(src Source, r store.Run) error {
	var gAt, eAt []int // indexes of failures, in the order of their rows to read
	for i := range fs.fails {
		f := &fs.fails[i]
		switch {
		case f.errored:
			f.source = srcError
			eAt = append(eAt, i)
		case f.graderRow >= 0:
			if f.sig < 0 {
				gAt = append(gAt, i)
			}
		case f.reviewed:
			f.source = srcReview
		}
	}
	slices.SortFunc(gAt, func(a, b int) int { return cmp.Compare(fs.fails[a].graderRow, fs.fails[b].graderRow) })
	read := func(t store.Table, col string, at []int, row func(f *failure) int64) error {
		want := make([]int64, len(at))
		for k, i := range at {
			want[k] = row(&fs.fails[i])
		}
		texts, err := src.StringList(r.ID, t, col, want)
		if err != nil {
			return err
		}
		for k, i := range at {
			fs.fails[i].hasText = true
			if line := store.FirstLine(texts[k]); line != "" {
				fs.texts[int32(i)] = line
			}
		}
		return nil
	}
	if err := read(store.Graders, "evidence", gAt, func(f *failure) int64 { return f.graderRow }); err != nil {
		return err
	}
	return read(store.Outcomes, "error", eAt, func(f *failure) int64 { return f.row })
}

// sign gives every failure of a share not signed at write its signature: its line masked.
// Mask reads digits only as digits (their values only in "0x"), so lines that differ only
// in digits 1–9 mask alike: a share masks one line per digit-blind shape.
func (fs *failureSet) sign() {
	shapes := map[string]string{}
	var buf []byte
	for i := range fs.fails {
		f := &fs.fails[i]
		if f.sig >= 0 {
			fs.sigs[f.sig].count++
			continue
		}
		m := ""
		if text := fs.texts[int32(i)]; text != "" {
			buf = store.DigitBlind(buf[:0], text)
			var ok bool
			if m, ok = shapes[string(buf)]; !ok {
				m = store.Mask(text)
				shapes[string(buf)] = m
			}
		}
		f.sig = fs.sigID(fs.sources[f.source], m)
		fs.sigs[f.sig].count++
	}
}

// merge makes one set of the shares' failures, signatures and rated counts, their names and
// signatures translated to the set's (the failures copied on every core).
func merge(runs []store.Run, parts []*failureSet) *failureSet {
	fs := &failureSet{runs: runs, texts: map[int32]string{}, bySig: map[string]map[string]int32{}}
	nSigs := 0
	for _, part := range parts {
		nSigs += len(part.sigs)
	}
	fs.sigs = make([]sigInfo, 0, nSigs)
	index := [3]map[string]int32{{}, {}, {}}
	type tr struct{ m, st, sl, sg []int32 }
	trs := make([]tr, len(parts))
	total := 0
	for pi, part := range parts {
		t := &trs[pi]
		t.m = translate(nil, part.models, index[0], &fs.models)
		t.st = translate(nil, part.stimuli, index[1], &fs.stimuli)
		t.sl = translate(nil, part.slices, index[2], &fs.slices)
		fs.ratedByModel = grow(fs.ratedByModel, len(fs.models))
		fs.ratedBySlice = grow(fs.ratedBySlice, len(fs.slices))
		for i, n := range part.ratedByModel {
			fs.ratedByModel[t.m[i]] += n
		}
		for i, n := range part.ratedBySlice {
			fs.ratedBySlice[t.sl[i]] += n
		}
		fs.rated += part.rated
		for _, sg := range part.sigs {
			id := fs.sigID(sg.source, sg.masked)
			fs.sigs[id].count += sg.count
			t.sg = append(t.sg, id)
		}
		for i, text := range part.texts {
			fs.texts[int32(total)+i] = text
		}
		total += len(part.fails)
	}
	fs.fails = make([]failure, total)
	var wg sync.WaitGroup
	at := 0
	for pi, part := range parts {
		wg.Add(1)
		go func(dst []failure) {
			defer wg.Done()
			t := &trs[pi]
			for i, f := range part.fails {
				f.model, f.stim, f.sig = t.m[f.model], t.st[f.stim], t.sg[f.sig]
				if f.slice >= 0 {
					f.slice = t.sl[f.slice]
				}
				dst[i] = f
			}
		}(fs.fails[at : at+len(part.fails)])
		at += len(part.fails)
	}
	wg.Wait()
	return fs
}

// eachShare calls fn on n items cut in one share per core (in parallel when there is
// enough to share).
func eachShare(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 4096 || workers < 2 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	step := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += step {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, min(lo+step, n))
	}
	wg.Wait()
}
