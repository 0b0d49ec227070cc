package query

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestSeekCursorPages: a sorted list paged with its cursors gives the rows of one long list,
// in order (ties, nulls and string keys included); the cursors after page 1 seek (they carry
// the last row and its key), and an offset cursor of the same place gives the same page.
func TestSeekCursorPages(t *testing.T) {
	f := false
	lists := []OutcomesParams{
		{Sort: "duration_ms"},
		{Sort: "duration_ms", Desc: true, Status: []string{"failed", "error"}},
		{Sort: "cost_usd", Desc: true, Runs: []string{"latest", "latest~1"}},
		{Sort: "score", Passed: &f},
		{Sort: "model", Desc: true},
		{Sort: "stimulus", Model: []string{"gpt-5"}},
	}
	for _, p := range lists {
		one, _, err := OutcomeList(demo, p, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(one) <= 997 {
			t.Fatalf("%+v: %d rows, one page: nothing to seek", p, len(one))
		}
		var got []string
		p.Limit = 997
		for n := 0; ; n++ {
			page, err := Outcomes(demo, p)
			if err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				// The same place by offset: the page a seek found is the page an offset finds.
				b, _ := base64.RawURLEncoding.DecodeString(p.Cursor)
				if !strings.HasPrefix(string(b), "k:") {
					t.Fatalf("%+v: page 2's cursor %q does not seek", p, b)
				}
				byOffset := p
				byOffset.Cursor = EncodeCursor(997)
				other, err := Outcomes(demo, byOffset)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.EqualFunc(page.Items, other.Items, func(a, b OutcomeSummary) bool { return a.ID == b.ID }) {
					t.Errorf("%+v: page 2 by seek and by offset differ", p)
				}
			}
			for _, o := range page.Items {
				got = append(got, o.ID)
			}
			if page.Page.NextCursor == nil {
				break
			}
			p.Cursor = *page.Page.NextCursor
		}
		want := make([]string, len(one))
		for i, o := range one {
			want[i] = o.ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: paged by 997, %d rows differ from one list of %d", p, len(got), len(want))
		}
	}
	if _, err := DecodeCursor(base64.RawURLEncoding.EncodeToString([]byte("k:7:run:x:0:"))); err == nil {
		t.Error("a seek cursor with a malformed row was accepted")
	}
}

// TestOutcomeListInShares: a run scanned in shares of its rows (on several cores) lists
// what one scan lists: sorted and in store order, both directions, filtered, paged.
func TestOutcomeListInShares(t *testing.T) {
	f := false
	lists := []OutcomesParams{
		{Runs: []string{"latest"}, Sort: "duration_ms", Desc: true, Limit: 40},
		{Runs: []string{"latest"}, Status: []string{"failed"}, Limit: 40},
		{Runs: []string{"latest"}, Status: []string{"failed", "error"}, Desc: true, Limit: 40},
		{Runs: []string{"latest"}, Sort: "stimulus", Passed: &f, Limit: 40},
		{Runs: []string{"latest"}, Sort: "cost_usd", Model: []string{"gpt-5"}, Limit: 40, Cursor: EncodeCursor(45)},
	}
	pages := func(p OutcomesParams) ([]string, int) {
		page, err := Outcomes(demo, p)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, o := range page.Items {
			ids = append(ids, o.ID)
		}
		return ids, page.Page.Total
	}
	for _, p := range lists {
		want, wantTotal := pages(p)
		// The page is that part of the whole list (which keeps every hit: no first or last k).
		all, n, err := OutcomeList(demo, p, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		off, _ := DecodeCursor(p.Cursor)
		var whole []string
		for _, o := range all[min(off, len(all)):min(off+p.Limit, len(all))] {
			whole = append(whole, o.ID)
		}
		if !slices.Equal(want, whole) || n != wantTotal {
			t.Errorf("%+v: page %v of %d, the whole list's %v of %d", p, want, wantTotal, whole, n)
		}
		// 7 shares read only their rows; 3 read whole row groups, each keeping its own rows.
		for _, k := range []int{3, 7} {
			func() {
				defer func(v int64, k int) { minShare, sharesPerRun = v, k }(minShare, sharesPerRun)
				minShare, sharesPerRun = 97, k
				got, total := pages(p)
				if !slices.Equal(got, want) || total != wantTotal {
					t.Errorf("%+v: in %d shares %d of %d rows %v, in one scan %d of %d %v", p, k, len(got), total, got, len(want), wantTotal, want)
				}
			}()
		}
		if len(want) == 0 {
			t.Errorf("%+v: an empty page proves nothing", p)
		}
	}
}

// TestPageGroups: a page of one run is cut by row into a group per worker, each position
// once; a page of several runs keeps a group per run.
func TestPageGroups(t *testing.T) {
	var window []hit
	for i := range 100 {
		window = append(window, hit{run: 0, row: int64((i * 37) % 100)})
	}
	groups := pageGroups(window, 2)
	if len(groups) != 2 {
		t.Fatalf("%d groups, want 2", len(groups))
	}
	seen := map[int]bool{}
	var last int64 = -1
	for _, g := range groups {
		for _, p := range g {
			if seen[p] || window[p].row <= last {
				t.Fatalf("position %d twice or out of row order", p)
			}
			seen[p], last = true, window[p].row
		}
	}
	if len(seen) != len(window) {
		t.Errorf("%d positions of %d", len(seen), len(window))
	}
	window[3].run = 1
	if g := pageGroups(window, 2); len(g) != 2 || len(g[1]) != 1 {
		t.Errorf("two runs: %d groups, want one per run", len(g))
	}
	// End to end: a long page of the newest run alone (cut in groups) is the pages of 30
	// (not cut) one after another.
	p := OutcomesParams{Runs: []string{"latest"}, Sort: "duration_ms", Desc: true}
	one, _, err := OutcomeList(demo, p, 300)
	if err != nil {
		t.Fatal(err)
	}
	p.Limit = 30
	for i := 0; i < len(one); i += 30 {
		p.Cursor = EncodeCursor(i)
		page, err := Outcomes(demo, p)
		if err != nil {
			t.Fatal(err)
		}
		for k, o := range page.Items {
			a, _ := json.Marshal(one[i+k])
			b, _ := json.Marshal(o)
			if string(a) != string(b) {
				t.Fatalf("row %d: the long list has %s, the page %s", i+k, a, b)
			}
		}
	}
}
