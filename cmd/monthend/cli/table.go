package cli

import (
	"bufio"
	"io"
	"unicode/utf8"
)

// table lays rows of cells out in columns the way text/tabwriter does with
// padding 2 and no flags — each cell left-aligned and padded to its
// column's widest (in runes) plus two spaces, the last cell of a row
// unpadded — but keeps every cell in one buffer. `invoices list` prints a
// row per invoice, thousands at month-end, and tabwriter's record per cell
// (plus its growing text buffer) was about a tenth of the command's memory,
// which on the project's machine costs page faults more than work
// (docs/performance.md).
type table struct {
	text  []byte  // every cell's text, one after another
	ends  []int32 // where each cell ends in text
	cols  int     // cells per row
	width []int   // widest cell of each column but the last, in runes
}

// newTable is a table of cols cells per row, with room for about rows rows
// of about rowBytes bytes each.
func newTable(cols, rows, rowBytes int) *table {
	return &table{
		text:  make([]byte, 0, rows*rowBytes),
		ends:  make([]int32, 0, rows*cols),
		cols:  cols,
		width: make([]int, cols-1),
	}
}

// row adds one row; it takes exactly cols cells.
func (t *table) row(cells ...string) {
	if len(cells) != t.cols {
		panic("table: a row of the wrong width")
	}
	for i, c := range cells {
		t.text = append(t.text, c...)
		t.ends = append(t.ends, int32(len(t.text)))
		if i < len(t.width) {
			t.width[i] = max(t.width[i], utf8.RuneCountInString(c))
		}
	}
}

// writeTo writes the table to w, buffered.
func (t *table) writeTo(w io.Writer) error {
	out := bufio.NewWriterSize(w, 64<<10)
	var spaces [64]byte
	for i := range spaces {
		spaces[i] = ' '
	}
	start := int32(0)
	for i, end := range t.ends {
		cell := t.text[start:end]
		start = end
		out.Write(cell)
		col := i % t.cols
		if col == t.cols-1 {
			out.WriteByte('\n')
			continue
		}
		for pad := t.width[col] + 2 - utf8.RuneCount(cell); pad > 0; pad -= len(spaces) {
			out.Write(spaces[:min(pad, len(spaces))])
		}
	}
	return out.Flush()
}
