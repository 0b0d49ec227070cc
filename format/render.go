package format

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/evals-dev/evals/errs"
)

// Names of the output formats.
const (
	FormatTable    = "table"
	FormatJSON     = "json"
	FormatJSONL    = "jsonl"
	FormatCSV      = "csv"
	FormatMarkdown = "markdown"
)

// Formats lists the valid --format values.
var Formats = []string{FormatTable, FormatJSON, FormatJSONL, FormatCSV, FormatMarkdown}

// JSON encodes v the one way every face uses: compact, no HTML escaping, a final newline.
// The HTTP API and --json on a pipe write these same bytes; a terminal gets them indented.
func JSON(v any) ([]byte, error) {
	b, err := NewEncoder().Encode(v) // the encoder is this call's: its buffer can go out
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Encoder writes values as JSON does, one after another into one reused buffer: for the
// many small values of a stream (an export writes 300k outcomes; a buffer and an encoder
// each was 2 KB of garbage per outcome).
type Encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// NewEncoder returns an Encoder.
func NewEncoder() *Encoder {
	e := &Encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}

// Encode returns JSON(v) without its final newline. The bytes are good until the next call.
func (e *Encoder) Encode(v any) ([]byte, error) {
	e.buf.Reset()
	if a, ok := v.(jsonAppender); ok {
		b, err := a.AppendJSON(e.buf.AvailableBuffer())
		if err != nil {
			return nil, errs.E(errs.Internal, "encoding JSON: %w", err)
		}
		return b, nil
	}
	if err := e.enc.Encode(v); err != nil {
		return nil, errs.E(errs.Internal, "encoding JSON: %w", err)
	}
	return bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")), nil
}

// jsonAppender is a result that writes its own JSON (the same bytes encoding/json would),
// because reflection over it is too slow: query.Compare.
type jsonAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// jsonStreamer is a jsonAppender that can also write its JSON a piece at a time.
type jsonStreamer interface {
	WriteJSON(w io.Writer) error
}

// WriteJSON streams the bytes of JSON(v) to w without holding them all in memory.
func WriteJSON(w io.Writer, v any) error {
	if st, ok := v.(jsonStreamer); ok {
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := st.WriteJSON(bw); err != nil {
			return errs.E(errs.Internal, "encoding JSON: %w", err)
		}
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
		return bw.Flush()
	}
	if _, ok := v.(jsonAppender); ok {
		b, err := JSON(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return errs.E(errs.Internal, "encoding JSON: %w", err)
	}
	return bw.Flush()
}

// Indent returns JSON indented by two spaces, for people.
func Indent(b []byte) []byte {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") != nil {
		return b
	}
	return buf.Bytes()
}

// WriteJSONL writes one compact JSON value per line.
func WriteJSONL(w io.Writer, items []any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			return err
		}
	}
	return nil
}

// WriteDoc renders a document as a table for a terminal or a pipe.
func WriteDoc(w io.Writer, d Doc, f Facts) error {
	var b strings.Builder
	for i, s := range d.Sections {
		if s.Hint && !f.TTY || s.DataOnly && f.TTY {
			continue
		}
		if i > 0 {
			b.WriteString("\n")
		}
		if f.TTY {
			writeSectionTTY(&b, s, f)
		} else {
			writeSectionPipe(&b, s)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeSectionPipe(b *strings.Builder, s Section) {
	kvs := s.KV
	if s.KVData != nil {
		kvs = s.KVData
	}
	for _, kv := range kvs {
		b.WriteString(clean(kv[0]) + "\t" + clean(kv[1]) + "\n")
	}
	if s.Table == nil {
		return
	}
	if len(kvs) > 0 {
		b.WriteString("\n")
	}
	// A pipe gets the table as data, like CSV (TSV): raw numbers, units in the names.
	head, rows := dataOf(s.Table)
	names := make([]string, len(head))
	for i, c := range head {
		names[i] = clean(c)
	}
	b.WriteString(strings.Join(names, "\t") + "\n")
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = clean(c)
		}
		b.WriteString(strings.Join(cells, "\t") + "\n")
	}
}

var (
	cleaner = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	// mdEscaper makes text inert in Markdown: HTML special characters become entities,
	// the characters of inline markup, links and tables are backslash-escaped, and a
	// newline inside a cell becomes <br>, so a crafted output can neither break the table
	// nor add markup.
	mdEscaper = strings.NewReplacer(
		"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
		`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "~", `\~`,
		"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
		// Autolinks: a bare URL in a result is shown, not linked (a zero-width space
		// after the scheme's colon, and in www., is enough for GFM renderers).
		"://", ":\u200b//", "www.", "www\u200b.", "WWW.", "WWW\u200b.",
	)
)

// clean keeps one cell on one line of a tab-separated stream, and inert (Sanitize).
func clean(s string) string { return Sanitize(cleaner.Replace(s)) }

var (
	titleStyle  = lipgloss.NewStyle().Bold(true)
	headerStyle = lipgloss.NewStyle().Bold(true).Underline(true)
	keyStyle    = lipgloss.NewStyle().Faint(true)
	goodStyle   = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	warnStyle   = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
	badStyle    = lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
)

func paint(st lipgloss.Style, s string, f Facts) string {
	if !f.Color {
		return s
	}
	return st.Render(s)
}

func writeSectionTTY(b *strings.Builder, s Section, f Facts) {
	if s.Title != "" {
		title := clean(s.Title)
		if f.Width > 0 {
			title = truncate(title, f.Width)
		}
		b.WriteString(paint(titleStyle, title, f) + "\n")
	}
	kw := 0
	for _, kv := range s.KV {
		kw = max(kw, ansi.StringWidth(kv[0]))
	}
	for _, kv := range s.KV {
		line := paint(keyStyle, pad(clean(kv[0]), kw, false), f) + "  " + clean(kv[1])
		b.WriteString(truncate(line, f.Width) + "\n")
	}
	if s.Table == nil {
		return
	}
	if len(s.KV) > 0 {
		b.WriteString("\n")
	}
	t := s.Table
	if len(t.Rows) == 0 && t.Empty != "" {
		b.WriteString(clean(t.Empty) + "\n")
		return
	}
	widths := fitWidths(t, f.Width)
	cells := make([]string, 0, len(t.Columns))
	for i, c := range t.Columns {
		if widths[i] < 0 {
			continue // dropped: the table is too wide for the terminal
		}
		cells = append(cells, paint(headerStyle, pad(truncate(clean(c.Name), widths[i]), widths[i], c.Kind != Text && c.Kind != Status), f))
	}
	b.WriteString(strings.TrimRight(strings.Join(cells, "  "), " ") + "\n")
	for _, r := range t.Rows {
		cells = cells[:0]
		for i, c := range t.Columns {
			if widths[i] < 0 {
				continue
			}
			v := ""
			if i < len(r) {
				v = clean(r[i])
			}
			cells = append(cells, paint(cellStyle(c.Kind, v), pad(truncate(v, widths[i]), widths[i], c.Kind == Number || c.Kind == Rate), f))
		}
		b.WriteString(strings.TrimRight(strings.Join(cells, "  "), " ") + "\n")
	}
}

// cellStyle colours rates by value and statuses by word.
func cellStyle(k Kind, v string) lipgloss.Style {
	switch k {
	case Rate:
		x, err := strconv.ParseFloat(strings.TrimSuffix(strings.Fields(v + " ")[0], "%"), 64)
		if err != nil {
			return lipgloss.NewStyle()
		}
		if strings.Contains(v, "%") {
			x /= 100
		}
		switch {
		case x >= 0.8:
			return goodStyle
		case x >= 0.5:
			return warnStyle
		default:
			return badStyle
		}
	case Status:
		switch {
		case strings.HasPrefix(v, "pass"), v == "ok", v == "improved", strings.HasPrefix(v, "improv"), v == "completed", v == "success":
			return goodStyle
		case strings.HasPrefix(v, "fail"), v == "regressed", strings.HasPrefix(v, "regress"), v == "error":
			return badStyle
		case v == "skipped", v == "pending", v == "flaky", v == "missing", v == "running":
			return warnStyle
		}
	}
	return lipgloss.NewStyle()
}

// fitWidths gives every column its natural width. When the table is wider than the
// terminal it first drops columns (width -1) in dropOrder, then takes the excess from the
// widest text columns, never below 8 and never from an id. Nothing wraps.
func fitWidths(t *Table, width int) []int {
	w := make([]int, len(t.Columns))
	cellW := make([]int, len(t.Columns)) // the widest cell, header aside
	for _, r := range t.Rows {
		for i := range w {
			if i < len(r) {
				cellW[i] = max(cellW[i], ansi.StringWidth(clean(r[i])))
			}
		}
	}
	for i, c := range t.Columns {
		w[i] = max(cellW[i], ansi.StringWidth(c.Name))
	}
	if width <= 0 {
		return w
	}
	total := func() int {
		n, cols := 0, 0
		for _, x := range w {
			if x >= 0 {
				n += x
				cols++
			}
		}
		return n + 2*max(cols-1, 0)
	}
	for total() > width {
		drop, rank := -1, 0
		for i, c := range t.Columns {
			if r, ok := dropOrder[c.Name]; ok && w[i] >= 0 && i > 0 && (drop < 0 || r < rank) {
				drop, rank = i, r
			}
		}
		if drop < 0 {
			break
		}
		w[drop] = -1
	}
	// Then headers wider than their values (a matrix's model names) give way to them.
	for i, c := range t.Columns {
		if total() <= width {
			break
		}
		if w[i] > 0 && c.Kind != Text && cellW[i] < w[i] {
			w[i] = max(cellW[i], min(w[i], 6))
		}
	}
	for total() > width {
		widest, at := 0, -1
		for i, c := range t.Columns {
			if c.Kind == Text && !whole(c) && w[i] > widest && w[i] > 8 {
				widest, at = w[i], i
			}
		}
		if at < 0 {
			break
		}
		w[at]--
	}
	return w
}

func truncate(s string, n int) string {
	if n <= 0 || ansi.StringWidth(s) <= n {
		return s
	}
	return ansi.Truncate(s, n, "…")
}

func pad(s string, n int, right bool) string {
	gap := n - ansi.StringWidth(s)
	if gap <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", gap) + s
	}
	return s + strings.Repeat(" ", gap)
}

// WriteCSV writes the primary table as CSV. Cells that a spreadsheet would run as a
// formula (=, +, -, @, tab, CR) are prefixed with a quote, except plain numbers.
func WriteCSV(w io.Writer, d Doc) error { return writeCSV(w, d, true) }

// WriteCSVForTerminal is WriteCSV for a terminal: every cell goes through Sanitize, as a
// table's do, so text from the data cannot retitle the pane or write the clipboard
// (OSC 0, OSC 52). CSV to a pipe or a file stays exact (WriteCSV).
func WriteCSVForTerminal(w io.Writer, d Doc) error {
	for _, sec := range d.Sections {
		if t := sec.Table; t != nil {
			for _, rows := range [][][]string{t.Rows, dataRows(t)} {
				for _, r := range rows {
					for i := range r {
						r[i] = Sanitize(r[i])
					}
				}
			}
		}
	}
	return writeCSV(w, d, true)
}

func dataRows(t *Table) [][]string {
	if t.Data == nil {
		return nil
	}
	return t.Data.Rows
}

// WriteCSVRows is WriteCSV without the header line: the next page of a table whose
// first page WriteCSV wrote (a streamed export).
func WriteCSVRows(w io.Writer, d Doc) error { return writeCSV(w, d, false) }

func writeCSV(w io.Writer, d Doc, header bool) error {
	if d.Primary >= len(d.Sections) || d.Sections[d.Primary].Table == nil {
		return errs.E(errs.Invalid, "this result has no table to write as CSV")
	}
	t := d.Sections[d.Primary].Table
	// CSV is data: the table's data view when it has one (raw numbers, units in the
	// names); else its cells without the bar columns (those have no name).
	head, rows := dataOf(t)
	cw := csv.NewWriter(w)
	if header {
		h := make([]string, len(head))
		for i, c := range head {
			h[i] = escapeFormula(c)
		}
		if err := cw.Write(h); err != nil {
			return err
		}
	}
	for _, r := range rows {
		row := make([]string, len(r))
		for i, c := range r {
			row[i] = escapeFormula(c)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// dataOf is a table's header and rows as data.
func dataOf(t *Table) ([]string, [][]string) {
	if t.Data != nil {
		return t.Data.Columns, t.Data.Rows
	}
	var keep []int
	var head []string
	for i, c := range t.Columns {
		if c.Name != "" {
			keep = append(keep, i)
			head = append(head, c.Name)
		}
	}
	rows := make([][]string, len(t.Rows))
	for r, row := range t.Rows {
		for _, i := range keep {
			if i < len(row) {
				rows[r] = append(rows[r], row[i])
			}
		}
	}
	return head, rows
}

func escapeFormula(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

// WriteMarkdown writes the document as GitHub-flavoured Markdown.
func WriteMarkdown(w io.Writer, d Doc) error {
	var b strings.Builder
	for i, s := range d.Sections {
		if s.DataOnly {
			continue
		}
		if i > 0 {
			b.WriteString("\n")
		}
		if s.Title != "" {
			fmt.Fprintf(&b, "### %s\n\n", mdEscape(s.Title))
		}
		for _, kv := range s.KV {
			fmt.Fprintf(&b, "- **%s**: %s\n", mdEscape(kv[0]), mdEscape(kv[1]))
		}
		if s.Table == nil {
			continue
		}
		if len(s.KV) > 0 {
			b.WriteString("\n")
		}
		if len(s.Table.Rows) == 0 && s.Table.Empty != "" {
			b.WriteString("_" + mdEscape(s.Table.Empty) + "_\n")
			continue
		}
		names, seps := make([]string, len(s.Table.Columns)), make([]string, len(s.Table.Columns))
		for i, c := range s.Table.Columns {
			names[i] = mdEscape(c.Name)
			seps[i] = "---"
			if c.Kind == Number || c.Kind == Rate {
				seps[i] = "---:"
			}
		}
		b.WriteString("| " + strings.Join(names, " | ") + " |\n|" + strings.Join(seps, "|") + "|\n")
		for _, r := range s.Table.Rows {
			cells := make([]string, len(r))
			for i, c := range r {
				cells[i] = mdEscape(c)
			}
			b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string { return mdEscaper.Replace(Sanitize(s)) }
