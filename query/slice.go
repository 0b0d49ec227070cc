package query

import (
	"slices"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// Slices ask every question per group of outcomes that share a tag (category=security,
// difficulty=hard): --by KEY groups, --where KEY=VALUE[,VALUE] keeps. Tags live in the
// outcomes' tags column, a dictionary of few distinct values per run, so a slice is a
// dictionary-id grouping like the model: each distinct tags value is read once per batch.

// Slicing is a grouping key and filters over outcome tags.
type Slicing struct {
	By    string
	Where []TagFilter
}

// TagFilter keeps outcomes whose tag Key has one of Values.
type TagFilter struct {
	Key    string
	Values []string
}

// Slice names the group an answer line belongs to.
type Slice struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// value is the slice's value, "" for no slice.
func (s *Slice) value() string {
	if s == nil {
		return ""
	}
	return s.Value
}

// NoTag is the slice value of outcomes without the grouping tag.
const NoTag = "(none)"

// ParseWhere reads --where KEY=VALUE[,VALUE] arguments.
func ParseWhere(args []string) ([]TagFilter, error) {
	var out []TagFilter
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" || v == "" {
			return nil, errs.E(errs.Invalid, "invalid --where %q: want KEY=VALUE[,VALUE]", a)
		}
		out = append(out, TagFilter{Key: k, Values: strings.Split(v, ",")})
	}
	return out, nil
}

func (sl *Slicing) active() bool { return sl != nil && (sl.By != "" || len(sl.Where) > 0) }

// keeps reports whether tags pass every filter.
func (sl *Slicing) keeps(tags map[string]string) bool {
	for _, f := range sl.Where {
		if v, ok := tags[f.Key]; !ok || !slices.Contains(f.Values, v) {
			return false
		}
	}
	return true
}

// group is the slice value of tags ("" without By).
func (sl *Slicing) group(tags map[string]string) string {
	if sl.By == "" {
		return ""
	}
	if v, ok := tags[sl.By]; ok {
		return v
	}
	return NoTag
}

// sliceName is the name a model takes in a sliced answer: "gpt-5 [category=sql]". Compare
// pairs subjects by name, so each slice of a model is compared with the same slice.
func sliceName(model, key, value string) string {
	if key == "" {
		return model
	}
	return model + " [" + key + "=" + value + "]"
}

// splitSliceName undoes sliceName.
func splitSliceName(name, key string) (string, *Slice) {
	if key == "" {
		return name, nil
	}
	i := strings.LastIndex(name, " ["+key+"=")
	if i < 0 || !strings.HasSuffix(name, "]") {
		return name, nil
	}
	return name[:i], &Slice{Key: key, Value: name[i+len(key)+3 : len(name)-1]}
}

// tagCache parses each distinct tags text once: whether it is kept, and its group.
type tagCache struct {
	sl   *Slicing
	seen map[string]tagInfo
}

type tagInfo struct {
	keep  bool
	group string
}

func (c *tagCache) info(text string) tagInfo {
	if t, ok := c.seen[text]; ok {
		return t
	}
	tags := store.DecodeTags(text)
	t := tagInfo{keep: c.sl.keeps(tags), group: c.sl.group(tags)}
	c.seen[text] = t
	return t
}

// TagCount is one tag value and how many outcomes carry it.
type TagCount struct {
	Key      string `json:"key"`
	Value    string `json:"value"`
	Outcomes int64  `json:"outcomes"`
}

// Tags lists the tag keys and values of the runs in scope, with outcome counts.
type Tags struct {
	RunIDs []string   `json:"runIds"`
	Tags   []TagCount `json:"tags"`
}

// TagsOf counts the tags of the runs in scope, by dictionary value: one decode per
// distinct tags text.
func TagsOf(src Source, sc Scope) (Tags, error) {
	runs, err := resolve(src, sc)
	if err != nil {
		return Tags{}, err
	}
	counts := map[[2]string]int64{}
	for _, r := range runs {
		byText := map[string]int64{}
		err := src.Scan(r.ID, store.Outcomes, []string{"tags"}, func(b *store.Batch) error {
			d := b.Dict("tags")
			n := make([]int64, len(d.Values))
			for i := 0; i < b.N; i++ {
				n[d.Index[i]]++
			}
			for j, v := range d.Values {
				byText[v] += n[j]
			}
			return nil
		})
		if err != nil {
			return Tags{}, err
		}
		for text, n := range byText {
			for k, v := range store.DecodeTags(text) {
				counts[[2]string{k, v}] += n
			}
		}
	}
	out := Tags{RunIDs: runIDs(runs), Tags: []TagCount{}}
	for kv, n := range counts {
		out.Tags = append(out.Tags, TagCount{Key: kv[0], Value: kv[1], Outcomes: n})
	}
	slices.SortFunc(out.Tags, func(a, b TagCount) int {
		if c := lessFold(a.Key, b.Key); c != 0 {
			return c
		}
		return lessFold(a.Value, b.Value)
	})
	return out, nil
}

// childGroups gives the slice of each row of a child table (graders, tool_calls): the index
// in groups of its outcome's --by value, or -1 where sl's filters drop the outcome. Outcomes
// record where their child rows start and how many there are (rowCol, lenCol); limit is the
// child table's row count from run.json, so no size is taken from a column's values.
// nil when sl neither groups nor filters.
func childGroups(src Source, runID string, sl *Slicing, rowCol, lenCol string, limit int64) (rows []int32, groups []string, err error) {
	if !sl.active() {
		return nil, nil, nil
	}
	tc := &tagCache{sl: sl, seen: map[string]tagInfo{}}
	gid := map[string]int32{}
	rows = make([]int32, 0, min(limit, 1<<22)) // run.json's count, trusted only so far
	err = src.Scan(runID, store.Outcomes, []string{"tags", rowCol, lenCol}, func(b *store.Batch) error {
		td, from, n := b.Dict("tags"), b.Int(rowCol), b.Int(lenCol)
		g := make([]int32, len(td.Values))
		for j, v := range td.Values {
			t := tc.info(v)
			g[j] = -1
			if t.keep {
				id, ok := gid[t.group]
				if !ok {
					id = int32(len(groups))
					gid[t.group] = id
					groups = append(groups, t.group)
				}
				g[j] = id
			}
		}
		for i := 0; i < b.N; i++ {
			end := from[i] + n[i]
			if from[i] < 0 || n[i] < 0 || end > limit {
				return errs.E(errs.Corrupt, "run %s: outcome row %d points at %s rows %d..%d of %d", runID, b.Row0+int64(i), rowCol, from[i], end, limit)
			}
			for int64(len(rows)) < from[i] {
				rows = append(rows, -1)
			}
			gi := g[td.Index[i]]
			for k := from[i]; k < end; k++ {
				if k < int64(len(rows)) {
					rows[k] = gi
				} else {
					rows = append(rows, gi)
				}
			}
		}
		return nil
	})
	return rows, groups, err
}

// groupAt is the group of child row row under childGroups' answer (0 without groups); ok is
// false when the row's outcome is filtered out.
func groupAt(rows []int32, row int64) (int32, bool) {
	if rows == nil {
		return 0, true
	}
	if row >= int64(len(rows)) || rows[row] < 0 {
		return 0, false
	}
	return rows[row], true
}
