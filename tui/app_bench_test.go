package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/ledger/demo"
	"github.com/monthend/monthend/pricing"
)

// benchWorkstation is the whole workstation at 200×50 with a view of n
// invoices (synthetic month-over-month rows), ready for key presses.
func benchWorkstation(b *testing.B, n int) *Model {
	b.Helper()
	book, err := ledger.Open(filepath.Join(b.TempDir(), "book.db"), ledger.Options{NoSync: true, Now: func() time.Time { return today }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { book.Close() })
	m := New(Options{Book: book})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	currencies := []pricing.Currency{pricing.MustCurrency("EUR"), pricing.MustCurrency("USD"), pricing.MustCurrency("GBP")}
	rows := make([]ledger.InvoiceRow, n)
	names := map[string]string{}
	for i := range rows {
		total := decimal.New(int64(100000+i*7919%900000), -2)
		prev := decimal.New(int64(100000+i*104729%900000), -2)
		c := pricing.NewChange(prev, total)
		cust := fmt.Sprintf("c%05d", i)
		names[cust] = fmt.Sprintf("Customer %05d Holdings", i)
		rows[i] = ledger.InvoiceRow{
			Invoice: ledger.Invoice{ID: cust + "-contract:2026-10", CustomerID: cust, ScheduleID: cust + "-contract",
				Period: ledger.InvoicePeriod{Label: "2026-10"}, Status: ledger.InvoiceDraft, Currency: currencies[i%3],
				Figures: ledger.Figures{Total: total}},
			Previous: &ledger.PreviousInvoice{ID: cust + "-contract:2026-09", Total: prev},
			Change:   &c,
		}
		if c.Exceeds(decimal.NewFromInt(20), decimal.Zero) {
			rows[i].Flags = []string{ledger.FlagSignificant}
		}
	}
	vd := viewData{View: ledger.View{Name: "Last month — drafts", Period: "last month"}, Label: "2026-10", Rows: rows,
		Totals: totalsByCurrency(rows, nil)}
	m.loadSeq = 1
	m.Update(bookLoadedMsg{seq: 1, views: []viewData{vd}, customers: names, outbox: map[string]ledger.OutboxStatus{}})
	_ = m.View()
	return m
}

// benchKeys measures a key press to a finished frame of the whole
// workstation: Update, then View.
func benchKeys(b *testing.B, n int, keys ...tea.KeyMsg) {
	m := benchWorkstation(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(keys[i%len(keys)])
		_ = m.View()
	}
}

func BenchmarkWorkstationKeyDown5000(b *testing.B) {
	benchKeys(b, 5000, tea.KeyMsg{Type: tea.KeyDown})
}

func BenchmarkWorkstationPageDown5000(b *testing.B) {
	benchKeys(b, 5000, tea.KeyMsg{Type: tea.KeyPgDown}, tea.KeyMsg{Type: tea.KeyPgDown}, tea.KeyMsg{Type: tea.KeyPgUp}, tea.KeyMsg{Type: tea.KeyPgUp})
}

func BenchmarkWorkstationSort5000(b *testing.B) {
	benchKeys(b, 5000, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("s")})
}

func BenchmarkWorkstationMark5000(b *testing.B) {
	benchKeys(b, 5000, tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
}

// A keystroke in the "/" filter: the filter is re-applied to every row.
func BenchmarkWorkstationFilterKeystroke5000(b *testing.B) {
	benchAfter(b, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/")},
		tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("1")}, tea.KeyMsg{Type: tea.KeyBackspace})
}

func BenchmarkWorkstationDetailStep5000(b *testing.B) {
	benchAfter(b, tea.KeyMsg{Type: tea.KeyEnter}, tea.KeyMsg{Type: tea.KeyRight}, tea.KeyMsg{Type: tea.KeyLeft})
}

// benchAfter presses first (not timed), then times keys in turn.
func benchAfter(b *testing.B, first tea.KeyMsg, keys ...tea.KeyMsg) {
	m := benchWorkstation(b, 5000)
	m.Update(first)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(keys[i%len(keys)])
		_ = m.View()
	}
}

// BenchmarkStartup is start-up to the first full frame on the default demo
// book (200 customers, 13 months, as make run builds it): open the book,
// New, read the views and month-over-month rows, draw. The demo is built
// once (about 10 s) outside the timer.
func BenchmarkStartup(b *testing.B) {
	dir, err := os.MkdirTemp("", "monthend-bench-demo")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "demo.db")
	if err := demo.Build(context.Background(), path, demo.Options{Seed: 1, Now: today}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		book, err := ledger.Open(path, ledger.Options{Now: func() time.Time { return today }})
		if err != nil {
			b.Fatal(err)
		}
		m := New(Options{Book: book})
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
		msg := loadBook(book, m.ctx.Thresholds, m.loadSeq+1)()
		m.loadSeq++
		m.Update(msg)
		if !m.loaded || m.grid.grid.Total() == 0 {
			b.Fatalf("nothing loaded: %v", m.loadErr)
		}
		_ = m.View()
		book.Close()
	}
}
