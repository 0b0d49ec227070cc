package tui

import (
	"github.com/charmbracelet/x/ansi"
	"github.com/evals-dev/evals/query"
	"strings"
	"testing"
)

func TestWordDiff(t *testing.T) {
	ident := func(_ int, s string) string { return s }
	got := diffText(wordDiff("the cat sat on the mat", "the dog sat on a mat today"), ident)
	if want := "the [-cat-] {+dog+} sat on [-the-] {+a+} mat {+today+}"; got != want {
		t.Errorf("diff:\n%s\nwant\n%s", got, want)
	}
	if got := diffText(wordDiff("", "new words"), ident); got != "{+new words+}" {
		t.Errorf("from nothing: %s", got)
	}
	long := strings.Repeat("w ", maxDiffWords+10)
	if ops := wordDiff(long, long); ops[len(ops)-1].word != "…(cut)" {
		t.Errorf("a diff past %d words does not say it was cut", maxDiffWords)
	}
}

// TestPairDiffAndOpen: the side-by-side of a changed stimulus shows the outputs' word diff,
// and [ and ] open the base and the new outcome.
func TestPairDiffAndOpen(t *testing.T) {
	m := newTestModel(120, 40)
	settle(m, m.Init())
	press(m, "c") // compare the newest run with the one before
	if _, ok := m.top().(*compareScreen); !ok {
		t.Fatalf("c opened %T", m.top())
	}
	press(m, "enter")
	pair, ok := m.top().(*pairScreen)
	if !ok {
		t.Fatalf("enter opened %T", m.top())
	}
	if s := screenText(m); !strings.Contains(s, "output diff") || !strings.ContainsAny(s, "[{") {
		t.Fatalf("no output diff:\n%s", s)
	}
	newID := pair.sides[1][0].ID
	press(m, "]")
	o, ok := m.top().(*outcomeScreen)
	if !ok || o.id != newID {
		t.Fatalf("] opened %T, want the new outcome %s", m.top(), newID)
	}
	press(m, "esc", "[")
	if o, ok := m.top().(*outcomeScreen); !ok || o.id != pair.sides[0][0].ID {
		t.Fatalf("[ opened %T", m.top())
	}
}

// TestToolArgumentsHang: long tool arguments wrap under themselves, not to column 0, and
// no line is wider than the screen.
func TestToolArgumentsHang(t *testing.T) {
	m := newTestModel(60, 30)
	s := &outcomeScreen{m: m, id: "x", width: 60,
		detail: &query.OutcomeDetail{OutcomeSummary: query.OutcomeSummary{DisplayStatus: "passed"}},
		tools: &query.ToolEvents{Total: 1, Items: []query.ToolEvent{{Seq: 0, ToolName: "bash", Success: true,
			Arguments: strings.Repeat("argument ", 40)}}}}
	lines := strings.Split(ansi.Strip(s.content()), "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, "bash") && strings.Contains(l, "argument") {
			at = i
		}
		if w := ansi.StringWidth(l); w > 60 {
			t.Errorf("a line of %d columns: %q", w, l)
		}
	}
	if at < 0 || at+1 >= len(lines) {
		t.Fatalf("no tool line:\n%s", strings.Join(lines, "\n"))
	}
	pre := ansi.StringWidth(lines[at][:strings.Index(lines[at], "argument")]) // columns, not bytes
	if next := lines[at+1]; !strings.HasPrefix(next, strings.Repeat(" ", pre)+"argument") {
		t.Errorf("the wrapped line does not hang under the arguments (at %d):\n%s\n%s", pre, lines[at], next)
	}
}

// TestMatrixNames: a matrix's stimulus names are cut in the middle (both ends kept), and
// the status line names the row and column under the cursor in full.
func TestMatrixNames(t *testing.T) {
	if got := fitMiddle("bugfix/add-cache-eviction-for-real", 16); got != "bugfix/a…or-real" || ansi.StringWidth(got) != 16 {
		t.Errorf("fitMiddle: %q", got)
	}
	m := newTestModel(60, 24)
	settle(m, m.Init())
	press(m, "enter", "4", "l")
	rs := m.top().(*runScreen)
	g := rs.grids[3]
	r, _ := g.current()
	if s := screenText(m); !strings.Contains(s, r.cells[0]+" × "+g.cols[g.focus].name) {
		t.Errorf("the status line does not name %s × %s:\n%s", r.cells[0], g.cols[g.focus].name, s)
	}
}

// TestMatrixLegend: the matrix says what its marks mean, err included.
func TestMatrixLegend(t *testing.T) {
	m := newTestModel(160, 24)
	settle(m, m.Init())
	press(m, "enter", "4")
	if s := screenText(m); !strings.Contains(s, "err every trial errored") || !strings.Contains(s, "~ flaky") {
		t.Errorf("no legend:\n%s", s)
	}
}
