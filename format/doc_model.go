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
	Table *Table
	// Hint sections (paging hints) are for people: left out on a pipe, where stdout is data.
	Hint bool
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
