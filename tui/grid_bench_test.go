package tui

import (
	"fmt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/shopspring/decimal"
)

// benchGrid is the invoice grid's shape with n rows at 200×50, drawn in
// true colour (tests draw without colour; a real terminal has it).
func benchGrid(b *testing.B, n int) *Grid {
	lipgloss.SetColorProfile(termenv.TrueColor)
	b.Cleanup(func() { lipgloss.SetColorProfile(termenv.Ascii) })
	cols := []Column{
		{Key: "customer", Title: "Customer", Width: 16, Flex: 1},
		{Key: "number", Title: "Number", Width: 15, Priority: 3},
		{Key: "period", Title: "Period", Width: 7, Priority: 4},
		{Key: "status", Title: "Status", Width: 6, Priority: 2},
		{Key: "total", Title: "Total", Width: 16, Align: AlignRight, Numeric: true},
		{Key: "last", Title: "Last month", Width: 16, Align: AlignRight, Numeric: true, Priority: 1},
		{Key: "delta", Title: "Δ", Width: 12, Align: AlignRight, Numeric: true, Priority: 1},
		{Key: "delta%", Title: "Δ%", Width: 7, Align: AlignRight, Numeric: true},
		{Key: "flags", Title: "Flags", Width: 6, Priority: 5},
	}
	g := NewGrid(cols, NewTheme(), DefaultGridKeys())
	rows := make([]Row, n)
	for i := range rows {
		total := decimal.New(int64(i*7919%1000000), -2)
		last := decimal.New(int64(i*104729%1000000), -2)
		delta := total.Sub(last)
		tone := TonePositive
		if delta.IsNegative() {
			tone = ToneNegative
		}
		rows[i] = Row{ID: fmt.Sprintf("inv-%d", i), Cells: []Cell{
			{Text: fmt.Sprintf("Customer %05d GmbH", i)}, {Text: fmt.Sprintf("INV-2026-%06d", i)},
			{Text: "2026-10"}, {Text: "draft"},
			NumCell(total.StringFixed(2)+" EUR", total, ToneNormal),
			NumCell(last.StringFixed(2)+" EUR", last, ToneMuted),
			NumCell(delta.StringFixed(2), delta, tone),
			NumCell("12.5", decimal.RequireFromString("12.5"), tone),
			{Text: "Δ!", Tone: ToneWarn},
		}}
	}
	g.SetRows(rows)
	g.SetSize(200, 50)
	g.View()
	return g
}

// The target for every key press at 5,000 rows: the key handled and the
// next View() finished in ≤ 16 ms.
func BenchmarkGridKeyDown5000(b *testing.B) {
	g := benchGrid(b, 5000)
	down, up := tea.KeyMsg{Type: tea.KeyDown}, tea.KeyMsg{Type: tea.KeyUp}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%100 < 50 {
			g.Update(down)
		} else {
			g.Update(up)
		}
		_ = g.View()
	}
}

func BenchmarkGridPageDown5000(b *testing.B) {
	g := benchGrid(b, 5000)
	pg, top := tea.KeyMsg{Type: tea.KeyPgDown}, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("g")}
	for i := 0; b.Loop(); i++ {
		if i%50 == 49 {
			g.Update(top)
		} else {
			g.Update(pg)
		}
		_ = g.View()
	}
}

func BenchmarkGridSort5000(b *testing.B) {
	g := benchGrid(b, 5000)
	s := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("s")}
	for b.Loop() {
		g.Update(s)
		_ = g.View()
	}
}

// One keystroke of a filter being typed: the whole filter re-applied.
func BenchmarkGridFilterKeystroke5000(b *testing.B) {
	g := benchGrid(b, 5000)
	filters := []string{"c", "cu", "cus", "cust", "custo", "customer 0", "status:draft", "Δ%>10"}
	for i := 0; b.Loop(); i++ {
		if err := g.SetFilter(filters[i%len(filters)]); err != nil {
			b.Fatal(err)
		}
		_ = g.View()
	}
}

func BenchmarkGridKeyDown50000(b *testing.B) {
	g := benchGrid(b, 50000)
	down := tea.KeyMsg{Type: tea.KeyDown}
	for b.Loop() {
		g.Update(down)
		_ = g.View()
	}
}

// A screen drawn with nothing cached: the first frame, or after a resize.
func BenchmarkGridColdView5000(b *testing.B) {
	g := benchGrid(b, 5000)
	for i := 0; b.Loop(); i++ {
		g.SetSize(200-i%2, 50)
		_ = g.View()
	}
}
