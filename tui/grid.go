package tui

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/evals-dev/evals/query"
)

// cellKind tells the grid how to align and colour a column.
type cellKind int

const (
	kindText cellKind = iota
	kindNum
	kindRate
	kindStatus
)

type column struct {
	name string
	kind cellKind
	max  int // widest a text column may grow (0: 48)
	// optional columns (a pass-rate bar) are dropped first when the grid is too narrow.
	optional bool
}

// row is one line of a grid: display cells, numeric sort keys (NaN: sort by text), the
// value copied as JSON with y, and whether it counts as a failure for f.
type row struct {
	cells  []string
	nums   []float64
	value  any
	failed bool
	rates  []*float64 // for kindRate colouring, aligned with cells (nil entries allowed)
}

// grid is the list component every tabular screen uses: cursor, scrolling both ways,
// incremental filter with a match count, sort by the focused column, failures-only.
type grid struct {
	cols    []column
	all     []row
	view    []int
	cursor  int
	offset  int
	xoff    int // first scrolled column (column 0 stays)
	focus   int
	sortCol int
	// grouped: the first column heads blocks of rows; its value shows on a block's first
	// row (and at the top of the screen), blank below while it repeats.
	grouped   bool
	desc      bool
	filter    string
	filtering bool
	failOnly  bool
	width     int
	height    int
	empty     string
	natural   []int // widest cell per column over the visible rows, kept by apply
	data      []int // the same without the header: how narrow a header may be cut
	// middleFirst cuts the first column's long values in the middle (a matrix's stimuli).
	middleFirst bool
	st          *styles
	keys        *keyMap
}

func newGrid(st *styles, keys *keyMap, cols []column, empty string) *grid {
	return &grid{cols: cols, st: st, keys: keys, sortCol: -1, empty: empty}
}

func (g *grid) setRows(rows []row) {
	var keep any
	if r, ok := g.current(); ok {
		keep = r.cells[0]
	}
	g.all = rows
	g.apply()
	if keep != nil {
		for i, ix := range g.view {
			if g.all[ix].cells[0] == keep {
				g.cursor = i
				break
			}
		}
	}
	g.clamp()
}

// appendRows adds rows after those held, keeping the cursor where it is.
func (g *grid) appendRows(rows []row) {
	cur := g.cursor
	g.all = append(g.all, rows...)
	g.apply()
	g.cursor = cur
	g.clamp()
}

func (g *grid) setSize(w, h int) {
	if w > g.width {
		// A wider window may show every column again: the horizontal scroll starts over
		// (the focused column scrolls back into view when it is needed).
		g.xoff = 0
	}
	g.width, g.height = w, max(h, 3)
	g.clamp()
}

// apply recomputes the visible rows from filter, failures-only and sort.
func (g *grid) apply() {
	g.view = g.view[:0]
	// Terms are ANDed: KEY:VALUE matches a row's tag, anything else its text.
	var terms []string
	for _, t := range strings.Fields(strings.ToLower(g.filter)) {
		terms = append(terms, t)
	}
	for i, r := range g.all {
		if g.failOnly && !r.failed {
			continue
		}
		if !matches(r, terms, g.cols) {
			continue
		}
		g.view = append(g.view, i)
	}
	g.measure()
	if g.sortCol >= 0 {
		c := g.sortCol
		slices.SortStableFunc(g.view, func(a, b int) int {
			ra, rb := g.all[a], g.all[b]
			x := compareCells(ra, rb, c)
			if g.desc {
				x = -x
			}
			return x
		})
	}
	g.clamp()
}

func compareCells(a, b row, c int) int {
	na, nb := math.NaN(), math.NaN()
	if c < len(a.nums) {
		na = a.nums[c]
	}
	if c < len(b.nums) {
		nb = b.nums[c]
	}
	if math.IsNaN(na) {
		na = parseNum(cellAt(a, c))
	}
	if math.IsNaN(nb) {
		nb = parseNum(cellAt(b, c))
	}
	switch {
	case !math.IsNaN(na) && !math.IsNaN(nb):
		return cmp.Compare(na, nb)
	case !math.IsNaN(na):
		return -1
	case !math.IsNaN(nb):
		return 1
	}
	return strings.Compare(strings.ToLower(cellAt(a, c)), strings.ToLower(cellAt(b, c)))
}

func cellAt(r row, c int) string {
	if c < len(r.cells) {
		return r.cells[c]
	}
	return ""
}

func parseNum(s string) float64 {
	s = strings.TrimSpace(strings.NewReplacer(",", "", "%", "", "$", "", "~", "").Replace(s))
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return v
	}
	return math.NaN()
}

func (g *grid) clamp() {
	if g.cursor >= len(g.view) {
		g.cursor = len(g.view) - 1
	}
	if g.cursor < 0 {
		g.cursor = 0
	}
	body := g.bodyHeight()
	if g.cursor < g.offset {
		g.offset = g.cursor
	}
	if g.cursor >= g.offset+body {
		g.offset = g.cursor - body + 1
	}
	if g.offset < 0 {
		g.offset = 0
	}
	g.focus = min(max(g.focus, 0), len(g.cols)-1)
}

// question is what the rows are asked for: filter, failures-only and sort.
func (g *grid) question() string {
	return fmt.Sprintf("%s|%v|%d|%v", g.filter, g.failOnly, g.sortCol, g.desc)
}

// bodyHeight is the rows of data shown: the height minus the header and the filter line.
func (g *grid) bodyHeight() int { return max(g.height-2, 1) }

func (g *grid) current() (row, bool) {
	if g.cursor < 0 || g.cursor >= len(g.view) {
		return row{}, false
	}
	return g.all[g.view[g.cursor]], true
}

// update handles the grid's keys; it reports whether it used the message.
func (g *grid) update(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if g.filtering {
			return g.filterKey(msg)
		}
		k := g.keys
		switch {
		case key.Matches(msg, k.Up):
			g.cursor--
		case key.Matches(msg, k.Down):
			g.cursor++
		case key.Matches(msg, k.Top):
			g.cursor = 0
		case key.Matches(msg, k.Bottom):
			g.cursor = len(g.view) - 1
		case key.Matches(msg, k.PageUp):
			g.cursor -= g.bodyHeight()
		case key.Matches(msg, k.PageDown):
			g.cursor += g.bodyHeight()
		case key.Matches(msg, k.Left):
			g.focus--
			if g.xoff > 0 && g.focus <= g.xoff {
				g.xoff = max(g.focus-1, 0)
			}
		case key.Matches(msg, k.Right):
			g.focus++
			g.clamp()
			g.scrollToFocus()
		case key.Matches(msg, k.Filter):
			g.filtering = true
		case key.Matches(msg, k.Sort):
			if g.sortCol == g.focus {
				g.sortCol = -1
			} else {
				g.sortCol, g.desc = g.focus, g.cols[g.focus].kind == kindRate || g.cols[g.focus].kind == kindNum
			}
			g.apply()
		case key.Matches(msg, k.Reverse):
			if g.sortCol < 0 {
				g.sortCol = g.focus
			}
			g.desc = !g.desc
			g.apply()
		case key.Matches(msg, k.Failures):
			g.failOnly = !g.failOnly
			g.apply()
		default:
			return false
		}
		g.clamp()
		return true
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			g.cursor -= 3
		case tea.MouseWheelDown:
			g.cursor += 3
		default:
			return false
		}
		g.clamp()
		return true
	}
	return false
}

// clearFilter drops a committed filter and failures-only: what esc undoes first.
func (g *grid) clearFilter() bool {
	if g.filter == "" && !g.failOnly {
		return false
	}
	g.filter, g.failOnly = "", false
	g.apply()
	g.clamp()
	return true
}

func (g *grid) filterKey(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "esc":
		g.filtering, g.filter = false, ""
	case "enter":
		g.filtering = false
	case "backspace":
		if r := []rune(g.filter); len(r) > 0 {
			g.filter = string(r[:len(r)-1])
		}
	case "ctrl+u":
		g.filter = ""
	default:
		if msg.Text == "" {
			return true
		}
		g.filter += msg.Text
	}
	g.cursor = 0
	g.apply()
	return true
}

// click moves the cursor to the row at line y of the grid (0 is the header).
func (g *grid) click(y int) {
	if y >= 1 && y <= g.bodyHeight() {
		g.cursor = g.offset + y - 1
		g.clamp()
	}
}

func (g *grid) scrollToFocus() {
	widths := g.widths()
	for {
		used := widths[0]
		visible := false
		for c := max(g.xoff, 1); c < len(g.cols); c++ {
			used += 2 + widths[c]
			if used > g.width {
				break
			}
			if c == g.focus {
				visible = true
			}
		}
		if visible || g.focus == 0 || g.xoff >= g.focus {
			return
		}
		g.xoff++
	}
}

// measure computes the natural column widths once per change of rows, not per frame.
func (g *grid) measure() {
	w, d := make([]int, len(g.cols)), make([]int, len(g.cols))
	for _, ix := range g.view {
		for c := range g.cols {
			d[c] = max(d[c], ansi.StringWidth(cellAt(g.all[ix], c)))
		}
	}
	for c, col := range g.cols {
		w[c] = max(d[c], ansi.StringWidth(col.name)+1)
	}
	g.natural, g.data = w, d
}

func (g *grid) widths() []int {
	if len(g.natural) != len(g.cols) {
		g.measure()
	}
	w := slices.Clone(g.natural)
	for c, col := range g.cols {
		limit := col.max
		if limit == 0 {
			limit = 48
		}
		if col.kind == kindText && w[c] > limit {
			w[c] = limit
		}
	}
	// Drop optional columns, then shrink text columns, to fit when the grid does not
	// scroll sideways.
	if g.xoff == 0 && g.width > 0 {
		total := func() int {
			n := 0
			for _, x := range w {
				if x > 0 {
					n += x + 2
				}
			}
			return n - 2
		}
		for c, col := range g.cols {
			if col.optional && total() > g.width {
				w[c] = 0
			}
		}
		// Names first: a column whose header is wider than its values (a model's name over
		// a matrix of rates) gives up its header's width before a text column is cut.
		for total() > g.width { // the widest such header first, a column at a time
			widest, most := -1, 0
			for c, col := range g.cols {
				if slack := w[c] - max(g.data[c], 7); col.kind != kindText && w[c] > 0 && slack > most {
					widest, most = c, slack
				}
			}
			if widest < 0 {
				break
			}
			w[widest]--
		}
		for total() > g.width {
			widest := -1
			for c, col := range g.cols {
				if col.kind == kindText && w[c] > 12 && (widest < 0 || w[c] > w[widest]) {
					widest = c
				}
			}
			if widest < 0 {
				break
			}
			w[widest]--
		}
	}
	return w
}

// view renders the header, the visible rows and the filter line in width × height.
func (g *grid) render() string {
	w := g.widths()
	var b strings.Builder
	cols := []int{0}
	used := w[0]
	for c := max(g.xoff, 1); c < len(g.cols); c++ {
		if w[c] == 0 {
			continue
		}
		if used+2+w[c] > g.width && len(cols) > 1 {
			break
		}
		cols = append(cols, c)
		used += 2 + w[c]
	}
	head := make([]string, len(cols))
	for i, c := range cols {
		name := g.cols[c].name
		if c == g.sortCol {
			if g.desc {
				name += "↓"
			} else {
				name += "↑"
			}
		}
		cell := fit(name, w[c], g.cols[c].kind != kindText && g.cols[c].kind != kindStatus)
		if c == g.focus {
			cell = g.st.header.Render(cell)
		}
		head[i] = cell
	}
	line := strings.Join(head, "  ")
	if g.xoff > 1 {
		line += " ‹"
	}
	for c := cols[len(cols)-1] + 1; c < len(g.cols); c++ {
		if w[c] > 0 { // more columns to the right (dropped optional ones do not count)
			line += " ›"
			break
		}
	}
	b.WriteString(ansi.Truncate(line, g.width, "") + "\n")
	body := g.bodyHeight()
	if len(g.view) == 0 {
		msg := g.empty
		if g.filter != "" || g.failOnly {
			msg = "nothing matches"
		}
		b.WriteString(g.st.faint.Render(msg) + "\n")
		body--
	}
	for i := g.offset; i < g.offset+body && i < len(g.view); i++ {
		r := g.all[g.view[i]]
		cells := make([]string, len(cols))
		for j, c := range cols {
			text := fit(cellAt(r, c), w[c], g.cols[c].kind == kindNum || g.cols[c].kind == kindRate)
			if g.grouped && c == 0 && i > g.offset && cellAt(g.all[g.view[i-1]], c) == cellAt(r, c) {
				text = strings.Repeat(" ", w[c])
			}
			if c == 0 && g.middleFirst {
				text = fitMiddle(cellAt(r, c), w[c])
			}
			if i != g.cursor {
				text = g.cellStyle(r, c).Render(text)
			}
			cells[j] = text
		}
		line := strings.Join(cells, "  ")
		if i == g.cursor {
			line = g.st.cursor.Render(ansi.Truncate(fit(line, g.width, false), g.width, ""))
		}
		b.WriteString(ansi.Truncate(line, g.width, "") + "\n")
	}
	for i := len(g.view) - g.offset; i < body; i++ {
		b.WriteString("\n")
	}
	b.WriteString(g.footer())
	return b.String()
}

func (g *grid) cellStyle(r row, c int) lipgloss.Style {
	switch g.cols[c].kind {
	case kindRate:
		if c < len(r.rates) {
			return g.st.rate(r.rates[c])
		}
	case kindStatus:
		return g.st.word(cellAt(r, c))
	}
	return lipgloss.NewStyle()
}

func (g *grid) footer() string {
	var parts []string
	switch {
	case g.filtering:
		parts = append(parts, "/"+g.filter+"█")
	case g.filter != "":
		parts = append(parts, "filter: "+g.filter)
	}
	if g.failOnly {
		parts = append(parts, "failures only")
	}
	pos := "0/0"
	if len(g.view) > 0 {
		pos = strconv.Itoa(g.cursor+1) + "/" + strconv.Itoa(len(g.view))
	}
	if len(g.view) != len(g.all) {
		pos += " of " + strconv.Itoa(len(g.all))
	}
	parts = append(parts, pos)
	return g.st.faint.Render(ansi.Truncate(strings.Join(parts, " · "), g.width, "…"))
}

// fit pads or truncates s to exactly n cells.
// fitMiddle is fit for names cut in the middle, keeping both ends (bugfix/add-c…-eviction):
// neighbouring stimuli differ at the end as often as at the start.
func fitMiddle(s string, n int) string {
	if w := ansi.StringWidth(s); w > n && n >= 12 && !strings.Contains(s, "\x1b") {
		tail := (n - 1) / 2
		return ansi.Truncate(s, n-1-tail, "") + "…" + ansi.TruncateLeft(s, w-tail, "")
	}
	return fit(s, n, false)
}

func fit(s string, n int, right bool) string {
	if ansi.StringWidth(s) > n {
		return ansi.Truncate(s, n, "…")
	}
	gap := strings.Repeat(" ", n-ansi.StringWidth(s))
	if right {
		return gap + s
	}
	return s + gap
}

// matches reports whether a row passes every filter term: KEY:VALUE against its tags (an
// outcome's), other terms as text anywhere in its cells.
func matches(r row, terms []string, cols []column) bool {
	if len(terms) == 0 {
		return true
	}
	colAt := func(name string) int { // a KEY:VALUE term may name a column: model:gpt-5
		for i, c := range cols {
			if strings.EqualFold(c.name, name) && i < len(r.cells) {
				return i
			}
		}
		return -1
	}
	text := strings.ToLower(strings.Join(r.cells, " "))
	var tags map[string]string
	if o, ok := r.value.(query.OutcomeSummary); ok {
		tags = o.Tags
	}
	for _, t := range terms {
		if k, v, ok := strings.Cut(t, ":"); ok && k != "" {
			if i := colAt(k); i >= 0 {
				if !strings.Contains(strings.ToLower(r.cells[i]), v) {
					return false
				}
				continue
			}
		}
		if k, v, ok := strings.Cut(t, ":"); ok && k != "" && tags != nil {
			if tv, has := tags[k]; has {
				if !strings.Contains(strings.ToLower(tv), v) {
					return false
				}
				continue
			}
		}
		if !strings.Contains(text, t) {
			return false
		}
	}
	return true
}
