package tui

import (
	"fmt"
	"os"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/shopspring/decimal"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii) // goldens without escape codes
	os.Exit(m.Run())
}

var testCols = []Column{
	{Key: "customer", Title: "Customer", Width: 10, Flex: 1},
	{Key: "status", Title: "Status", Width: 6, Priority: 2},
	{Key: "total", Title: "Total", Width: 10, Align: AlignRight, Numeric: true},
	{Key: "delta%", Title: "Δ%", Width: 6, Align: AlignRight, Numeric: true, Priority: 1},
}

func testRow(i int, customer, status, total, pct string) Row {
	r := Row{ID: fmt.Sprintf("inv-%d", i), Cells: []Cell{
		{Text: customer}, {Text: status},
		NumCell(total, decimal.RequireFromString(strings.ReplaceAll(total, ",", "")), ToneNormal),
	}}
	if pct == "" {
		r.Cells = append(r.Cells, Cell{Text: "new"})
	} else {
		r.Cells = append(r.Cells, NumCell(pct, decimal.RequireFromString(pct), ToneNormal))
	}
	return r
}

func sampleGrid() *Grid {
	g := NewGrid(testCols, NewTheme(), DefaultGridKeys())
	g.SetRows([]Row{
		testRow(1, "Acme", "draft", "3,100.00", "5.2"),
		testRow(2, "Globex", "issued", "950.00", "-12.5"),
		testRow(3, "Initech", "draft", "12,400.00", "48.0"),
		testRow(4, "Umbrella", "sent", "0.00", ""),
		testRow(5, "Hooli", "draft", "950.00", "-3.0"),
	})
	g.SetSize(50, 10)
	return g
}

func keys(g *Grid, ks ...string) {
	for _, k := range ks {
		var msg tea.KeyMsg
		switch k {
		case "space":
			msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "pgdown":
			msg = tea.KeyMsg{Type: tea.KeyPgDown}
		case "ctrl+a":
			msg = tea.KeyMsg{Type: tea.KeyCtrlA}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		g.Update(msg)
	}
}

func ids(g *Grid) string {
	var out []string
	for _, ri := range g.view {
		out = append(out, g.rows[ri].Cells[0].Text)
	}
	return strings.Join(out, ",")
}

func TestGridView(t *testing.T) {
	g := sampleGrid()
	keys(g, "j", "space") // mark Globex; the cursor moves on to Initech
	want := strings.Join([]string{
		"   Customer              Status      Total     Δ%",
		"   Acme                  draft    3,100.00    5.2",
		"●  Globex                issued     950.00  -12.5",
		"   Initech               draft   12,400.00   48.0",
		"   Umbrella              sent         0.00    new",
		"   Hooli                 draft      950.00   -3.0",
	}, "\n")
	if got := g.View(); got != want {
		t.Errorf("view:\n%s\nwant:\n%s", got, want)
	}
	if r, _ := g.Cursor(); r.ID != "inv-3" {
		t.Errorf("cursor on %s", r.ID)
	}
}

func TestGridHidesLeastImportantColumnsWhenNarrow(t *testing.T) {
	g := sampleGrid()
	g.SetSize(34, 10)
	header := strings.Split(g.View(), "\n")[0]
	if strings.Contains(header, "Status") || !strings.Contains(header, "Δ%") || !strings.Contains(header, "Total") {
		t.Errorf("at 34 columns the header is %q: want Status hidden first", header)
	}
	for _, line := range strings.Split(g.View(), "\n") {
		if w := lipgloss.Width(line); w > 34 {
			t.Errorf("line %q is %d wide", line, w)
		}
	}
}

func TestGridSort(t *testing.T) {
	g := sampleGrid()
	g.SortBy(2, false)
	if got := ids(g); got != "Umbrella,Globex,Hooli,Acme,Initech" {
		t.Errorf("by total: %s (ties keep their order)", got)
	}
	g.SortBy(2, true)
	if got := ids(g); got != "Initech,Acme,Globex,Hooli,Umbrella" {
		t.Errorf("by total, descending: %s", got)
	}
	g.SortBy(3, false) // "new" has no number: first
	if got := ids(g); got != "Umbrella,Globex,Hooli,Acme,Initech" {
		t.Errorf("by Δ%%: %s", got)
	}
	g.SortBy(0, false)
	if got := ids(g); got != "Acme,Globex,Hooli,Initech,Umbrella" {
		t.Errorf("by customer: %s", got)
	}
	// s cycles: none → customer → status …; - reverses.
	g.SortBy(-1, false)
	keys(g, "s")
	if c, desc := g.Sort(); c != 0 || desc {
		t.Errorf("s from no sort: column %d desc %v", c, desc)
	}
	keys(g, "-")
	if got := ids(g); got != "Umbrella,Initech,Hooli,Globex,Acme" {
		t.Errorf("reversed: %s", got)
	}
	if header := strings.Split(g.View(), "\n")[0]; !strings.Contains(header, "Customer↓") {
		t.Errorf("header %q does not show the sort", header)
	}
}

func TestGridFilter(t *testing.T) {
	for _, tc := range []struct{ filter, want string }{
		{"", "Acme,Globex,Initech,Umbrella,Hooli"},
		{"ACME", "Acme"},
		{"status:draft", "Acme,Initech,Hooli"},
		{"-status:draft", "Globex,Umbrella"},
		{"Δ%>20", "Initech"},
		{"delta%<=-3", "Globex,Hooli"},
		{"total>=950 status:draft", "Acme,Initech,Hooli"},
		{"total=950", "Globex,Hooli"},
		{"nobody", ""},
	} {
		g := sampleGrid()
		if err := g.SetFilter(tc.filter); err != nil {
			t.Errorf("%q: %v", tc.filter, err)
			continue
		}
		if got := ids(g); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.filter, got, tc.want)
		}
	}
	g := sampleGrid()
	for _, bad := range []string{"colour:red", "status>3", "total>lots"} {
		if err := g.SetFilter(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	if err := g.SetFilter("nobody"); err != nil || !strings.Contains(g.View(), "no row matches the filter nobody") {
		t.Errorf("empty result view: %q", g.View())
	}
}

func TestGridMarksFollowRowsThroughFilterAndReload(t *testing.T) {
	g := sampleGrid()
	keys(g, "space", "j", "space") // Acme, Initech (space moved to Globex, j to Initech)
	if got, _ := g.Marked(); strings.Join(got, ",") != "inv-1,inv-3" {
		t.Fatalf("marked %v", got)
	}
	if err := g.SetFilter("status:draft -acme"); err != nil {
		t.Fatal(err)
	}
	shown, hidden := g.Marked()
	if strings.Join(shown, ",") != "inv-3" || hidden != 1 {
		t.Errorf("with filter: shown %v hidden %d", shown, hidden)
	}
	if got := g.Targets(); strings.Join(got, ",") != "inv-3" {
		t.Errorf("targets %v: an action applies to the marked rows shown", got)
	}
	// Reloading keeps marks and the cursor by ID.
	g.SetFilter("")
	keys(g, "G")
	rows := append([]Row(nil), g.rows...)
	rows[0], rows[4] = rows[4], rows[0]
	g.SetRows(rows)
	if r, _ := g.Cursor(); r.ID != "inv-5" {
		t.Errorf("cursor on %s after reload, want inv-5", r.ID)
	}
	if got, _ := g.Marked(); len(got) != 2 {
		t.Errorf("marks after reload: %v", got)
	}
	keys(g, "u")
	if got := g.Targets(); len(got) != 1 || got[0] != "inv-5" {
		t.Errorf("without marks the target is the cursor row: %v", got)
	}
	keys(g, "ctrl+a")
	if got, _ := g.Marked(); len(got) != 5 {
		t.Errorf("ctrl+a marked %d", len(got))
	}
}

func TestGridScrollsWithTheCursor(t *testing.T) {
	g := NewGrid(testCols, NewTheme(), DefaultGridKeys())
	var rows []Row
	for i := range 100 {
		rows = append(rows, testRow(i, fmt.Sprintf("c%03d", i), "draft", "1.00", "0"))
	}
	g.SetRows(rows)
	g.SetSize(50, 11) // a header and 10 rows
	keys(g, "pgdown", "pgdown", "j")
	if r, _ := g.Cursor(); r.ID != "inv-21" {
		t.Errorf("cursor %s", r.ID)
	}
	lines := strings.Split(g.View(), "\n")
	if len(lines) != 11 || !strings.Contains(lines[10], "c021") || !strings.Contains(lines[1], "c012") {
		t.Errorf("window: first %q last %q (%d lines)", lines[1], lines[len(lines)-1], len(lines))
	}
	keys(g, "G")
	if lines := strings.Split(g.View(), "\n"); !strings.Contains(lines[10], "c099") {
		t.Errorf("bottom: %q", lines[10])
	}
	keys(g, "g")
	if r, _ := g.Cursor(); r.ID != "inv-0" {
		t.Errorf("top: %s", r.ID)
	}
}
