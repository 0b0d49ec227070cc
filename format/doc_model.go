package format

// Facts are what the caller knows about the output: format never detects them itself.
type Facts struct {
	TTY   bool
	Width int
	Color bool
}

// Kind tells a renderer how to align and colour a column.
type Kind int

// Column kinds.
const (
	Text   Kind = iota
	Number      // right-aligned
	Rate        // right-aligned, coloured by value (0..1)
	Status      // coloured by status word
)

// Column is one column of a table.
type Column struct {
	Name string
	Kind Kind
}

// dropOrder says which columns a table too wide for the terminal gives up first (lower
// first): bars, then the detail a reader can ask for on its own. Columns not listed are
// kept, and shrink (middle cut) only when every listed one is gone. Ids are never cut:
// they are what people paste.
var dropOrder = map[string]int{
	"": 1, "PASS^3": 2, "PASS@3": 3, "TURNS": 4, "TOOLS": 4, "ERRORS": 5, "SOURCE": 5, "TYPE": 6,
	"MEAN SCORE": 6, "CACHED": 6, "TOKENS": 7, "COST": 7, "MODELS": 7, "FAILURES": 7, "OUTCOMES": 8, "STIMULI": 8,
	"CREATED": 8, "FAILED GRADERS": 8, "SCORE": 9, "VS #1": 9, "MEAN DURATION": 9, "DURATION": 10,
	// compare's summary
	"MDE": 2, "FLAKY": 2, "MATCHED": 3, "IMPROVED": 4, "REGRESSED": 5, "P": 6, "INTERVAL": 7,
}

// whole columns are never truncated.
func whole(c Column) bool { return c.Name == "ID" || c.Name == "OUTCOME" }

// Table is a titled grid of already formatted cells.
type Table struct {
	Columns []Column
	Rows    [][]string
	// Data, when set, is the table as data for CSV: raw numbers (no bars, no thousands
	// separators, no units in cells: the units are in the column names, duration_ms,
	// cost_usd), full ids. Without it CSV writes the rows without their bar columns.
	Data *Data
	// Empty is printed instead of the table when it has no rows.
	Empty string
}

// Section is one part of a document: a title and key-value pairs, a table, or both.
type Section struct {
	Title string
	KV    [][2]string
	// KVData is the head as data for a pipe (snake_case keys, raw values); without it a
	// pipe gets KV.
	KVData [][2]string
	Table  *Table
	// Hint sections (paging hints) are for people: left out on a pipe, where stdout is data.
	Hint bool
	// DataOnly sections are the pipe's form of what people read in other sections (left
	// out on a terminal and in Markdown): a table of rows where a terminal lists sentences.
	DataOnly bool
}

// Doc is a human rendering of one result.
type Doc struct {
	Sections []Section
	// Primary is the index of the section whose table CSV output carries.
	Primary int
}

// Data is a table's data view: snake_case column names carrying units, raw values.
type Data struct {
	Columns []string
	Rows    [][]string
}

// Add appends a data row.
func (d *Data) Add(cells ...string) { d.Rows = append(d.Rows, cells) }
