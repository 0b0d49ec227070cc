package query

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// Source is what the queries read from; *store.Store implements it.
type Source interface {
	Runs() ([]store.Run, []error, error)
	Resolve(ref string) (store.Run, error)
	Scan(runID string, t store.Table, cols []string, fn func(*store.Batch) error) error
	ScanRows(runID string, t store.Table, cols []string, lo, hi int64, fn func(*store.Batch) error) error
	// ScanRowSet scans the row groups that hold one of rows (sorted, distinct).
	ScanRowSet(runID string, t store.Table, cols []string, rows []int64, fn func(*store.Batch) error) error
	ScanWhere(runID string, t store.Table, cols []string, w store.Where, lo, hi int64, fn func(*store.Batch) error) error
	Outcome(id string, withEvents bool) (*store.Outcome, error)
	Strings(runID string, t store.Table, col string, rows []int64) (map[int64]string, error)
	// StringList reads a string column at sorted, distinct rows: out[k] is rows[k]'s value.
	StringList(runID string, t store.Table, col string, rows []int64) ([]string, error)
}

// MaxLimit is the largest page size any paged query accepts.
const MaxLimit = 1000

// Page is the paging block of every list answer.
type Page struct {
	NextCursor *string `json:"nextCursor"`
	Limit      int     `json:"limit"`
	HasMore    bool    `json:"hasMore"`
	Total      int     `json:"total"`
}

// Paged is the {items, page} envelope.
type Paged[T any] struct {
	Items []T  `json:"items"`
	Page  Page `json:"page"`
}

// PageOf cuts one page out of all items, starting at cursor.
func PageOf[T any](all []T, cursor string, limit int) (Paged[T], error) {
	if err := CheckLimit(limit); err != nil {
		return Paged[T]{}, err
	}
	off, err := DecodeCursor(cursor)
	if err != nil {
		return Paged[T]{}, err
	}
	if off > len(all) {
		off = len(all)
	}
	end := min(off+limit, len(all))
	p := Paged[T]{Items: all[off:end], Page: Page{Limit: limit, Total: len(all), HasMore: end < len(all)}}
	if p.Items == nil {
		p.Items = []T{}
	}
	if p.Page.HasMore {
		c := EncodeCursor(end)
		p.Page.NextCursor = &c
	}
	return p, nil
}

// CheckLimit validates a page size.
func CheckLimit(limit int) error {
	if limit < 1 || limit > MaxLimit {
		return errs.E(errs.Invalid, "limit %d is out of range: use 1..%d", limit, MaxLimit)
	}
	return nil
}

// EncodeCursor makes the opaque cursor for an offset.
func EncodeCursor(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(off)))
}

// DecodeCursor reads a cursor made by EncodeCursor or encodeSeek (its offset); "" is the
// first page.
func DecodeCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), "o:"); ok {
			if n, err := strconv.Atoi(rest); err == nil && n >= 0 {
				return n, nil
			}
		}
		if sk, ok := decodeSeek(string(b)); ok {
			return sk.off, nil
		}
	}
	return 0, errs.E(errs.Invalid, "malformed cursor %q: pass the nextCursor of a previous page", c)
}

// seekKey is where a page of a sorted list ended: its last row (run and row) and that row's
// sort key, with the page's end as an offset. The next page starts after that row, so page
// 100 selects its rows as page 1 does, instead of the first 100 pages' worth.
type seekKey struct {
	off int
	run string
	row int64
	num float64
	str string
}

// encodeSeek is the cursor of a seekKey: k:OFF:RUN:ROW:NUMBITS:STR (the number's bits in
// hex, so a null (NaN) and every value come back exact; STR may hold colons: it is last).
func encodeSeek(k seekKey) string {
	s := fmt.Sprintf("k:%d:%s:%d:%x:%s", k.off, k.run, k.row, math.Float64bits(k.num), k.str)
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// decodeSeek reads the text of a seek cursor.
func decodeSeek(s string) (seekKey, bool) {
	rest, ok := strings.CutPrefix(s, "k:")
	parts := strings.SplitN(rest, ":", 5)
	if !ok || len(parts) != 5 {
		return seekKey{}, false
	}
	off, err1 := strconv.Atoi(parts[0])
	row, err2 := strconv.ParseInt(parts[2], 10, 64)
	bits, err3 := strconv.ParseUint(parts[3], 16, 64)
	if err1 != nil || err2 != nil || err3 != nil || off < 0 || row < 0 || parts[1] == "" {
		return seekKey{}, false
	}
	return seekKey{off: off, run: parts[1], row: row, num: math.Float64frombits(bits), str: parts[4]}, true
}

// cursorSeek is the seek key a cursor carries, if it is a seek cursor.
func cursorSeek(c string) (seekKey, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if c == "" || err != nil {
		return seekKey{}, false
	}
	return decodeSeek(string(b))
}

// Reviewer is a source that keeps human reviews beside its runs (a store does).
type Reviewer interface {
	Annotations(runID string) ([]store.Annotation, error)
	Reviews(runID string) (map[int64]store.Review, error)
}

// ReviewsOf reads a run's review history and its effective reviews by outcome id; a source
// that keeps no reviews has none.
func ReviewsOf(src Source, runID string) ([]store.Annotation, map[string]store.Review, error) {
	anns, reviews := []store.Annotation{}, map[string]store.Review{}
	rv, ok := src.(Reviewer)
	if !ok {
		return anns, reviews, nil
	}
	all, err := rv.Annotations(runID)
	if err != nil {
		return nil, nil, err
	}
	anns = append(anns, all...)
	byRow, err := rv.Reviews(runID)
	if err != nil {
		return nil, nil, err
	}
	for n, r := range byRow {
		reviews[store.OutcomeID(runID, n)] = r
	}
	return anns, reviews, nil
}
