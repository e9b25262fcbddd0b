package cli

import (
	"bytes"
	"strings"
	"testing"
	"text/tabwriter"

	"pgregory.net/rapid"
)

// table must lay out exactly what text/tabwriter (padding 2, no flags)
// lays out, for any cells: ASCII, wider runes, empty cells, one column.
func TestPropTableIsTabwriter(t *testing.T) {
	cell := rapid.StringOfN(rapid.SampledFrom([]rune{'a', 'Z', '7', ' ', ',', '.', 'Δ', '—', '€', 'é'}), 0, 12, -1)
	rapid.Check(t, func(rt *rapid.T) {
		cols := rapid.IntRange(1, 6).Draw(rt, "cols")
		rows := rapid.IntRange(0, 8).Draw(rt, "rows")
		var want bytes.Buffer
		tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
		tbl := newTable(cols, 1, 8)
		for range rows {
			cells := make([]string, cols)
			for i := range cells {
				cells[i] = cell.Draw(rt, "cell")
			}
			tw.Write([]byte(strings.Join(cells, "\t") + "\n"))
			tbl.row(cells...)
		}
		if err := tw.Flush(); err != nil {
			rt.Fatal(err)
		}
		var got bytes.Buffer
		if err := tbl.writeTo(&got); err != nil {
			rt.Fatal(err)
		}
		if got.String() != want.String() {
			rt.Fatalf("table:\n%q\ntabwriter:\n%q", got.String(), want.String())
		}
	})
}
