package demo

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/monthend/monthend/ledger"
)

func TestBuildMakesACoherentBook(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	steps := map[string]bool{}
	err := Build(context.Background(), path, Options{Customers: 30, Months: 4, Seed: 3, Now: now,
		Progress: func(step string, done, total int) { steps[step] = true }})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"customers", "usage", "invoices"} {
		if !steps[s] {
			t.Errorf("no progress for %s", s)
		}
	}
	b, err := ledger.Open(path, ledger.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	breaches, err := b.Check(context.Background(), nil)
	if err != nil || len(breaches) > 0 {
		t.Fatalf("check: %v %v", breaches, err)
	}
	// Last month in draft, the months before issued and sent.
	last, err := b.InvoicesFor("2026-10")
	if err != nil || len(last) == 0 {
		t.Fatalf("October: %d invoices, %v", len(last), err)
	}
	for _, inv := range last {
		if inv.Status != ledger.InvoiceDraft {
			t.Errorf("%s is %s, want draft", inv.ID, inv.Status)
		}
	}
	sept, _ := b.InvoicesFor("2026-09")
	if len(sept) == 0 {
		t.Fatal("no September invoices")
	}
	for _, inv := range sept {
		if inv.Status != ledger.InvoiceSent || inv.Number == "" || inv.IssueDate.String() != "2026-09-01" {
			t.Errorf("%s: %s %q issued %s, want sent on 2026-09-01", inv.ID, inv.Status, inv.Number, inv.IssueDate)
		}
	}
	if un, err := b.Unattributed(); err != nil || len(un) == 0 {
		t.Errorf("unattributed aliases: %v %v", un, err)
	}
	// The same seed builds the same book.
	again := filepath.Join(t.TempDir(), "again.db")
	if err := Build(context.Background(), again, Options{Customers: 30, Months: 4, Seed: 3, Now: now}); err != nil {
		t.Fatal(err)
	}
	b2, err := ledger.Open(again, ledger.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	last2, _ := b2.InvoicesFor("2026-10")
	if len(last2) != len(last) || !slices.EqualFunc(last, last2, func(x, y ledger.Invoice) bool { return x.ID == y.ID && x.Total.Equal(y.Total) }) {
		t.Error("the same seed built a different book")
	}
}

// More events per day scale the book, never its figures: every invoice of
// a book built with 3 events per customer, metric and day equals the one
// built with 1.
func TestEventsPerDayKeepTheFigures(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	build := func(perDay int) *ledger.Book {
		path := filepath.Join(t.TempDir(), "demo.db")
		if err := Build(context.Background(), path, Options{Customers: 6, Months: 3, Seed: 5, Now: now, EventsPerDay: perDay}); err != nil {
			t.Fatal(err)
		}
		b, err := ledger.Open(path, ledger.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	one, three := build(1), build(3)
	for _, label := range []string{"2026-09", "2026-10"} {
		a, _ := one.InvoicesFor(label)
		b, _ := three.InvoicesFor(label)
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("%s: %d and %d invoices", label, len(a), len(b))
		}
		for i := range a {
			if a[i].ID != b[i].ID || !a[i].Total.Equal(b[i].Total) {
				t.Errorf("%s: %s %s vs %s %s", label, a[i].ID, a[i].Total, b[i].ID, b[i].Total)
			}
		}
	}
	e1, _ := one.Event("c0000-inv-20260901")
	if e1.ID == "" {
		t.Fatal("one event per day keeps its id")
	}
	if _, err := three.Event("c0000-inv-20260901-2"); err != nil {
		t.Errorf("the third of three events: %v", err)
	}
	if err := Build(context.Background(), filepath.Join(t.TempDir(), "x.db"), Options{Customers: 1, Months: 1, EventsPerDay: 3601}); err == nil {
		t.Error("3601 events a day spill into the next day: want an error")
	}
}

// How many events go in one transaction changes how fast the demo builds,
// never the book: flushing every day's usage gives the invoices of one
// transaction for all of it.
func TestTransactionSizeKeepsTheBook(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	build := func(perCommit int) *ledger.Book {
		path := filepath.Join(t.TempDir(), "demo.db")
		if err := Build(context.Background(), path, Options{Customers: 6, Months: 3, Seed: 9, Now: now, EventsPerDay: 2, eventsPerCommit: perCommit}); err != nil {
			t.Fatal(err)
		}
		b, err := ledger.Open(path, ledger.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		if breaches, err := b.Check(context.Background(), nil); err != nil || len(breaches) > 0 {
			t.Fatalf("check (%d per commit): %v %v", perCommit, breaches, err)
		}
		return b
	}
	daily, whole := build(1), build(1_000_000) // a transaction a day; one for all
	for _, label := range []string{"2026-09", "2026-10", "2026-11"} {
		a, _ := daily.InvoicesFor(label)
		b, _ := whole.InvoicesFor(label)
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("%s: %d and %d invoices", label, len(a), len(b))
		}
		for i := range a {
			if a[i].ID != b[i].ID || a[i].Status != b[i].Status || a[i].Number != b[i].Number || !a[i].Total.Equal(b[i].Total) {
				t.Errorf("%s: %s %s %s %s vs %s %s %s %s", label, a[i].ID, a[i].Status, a[i].Number, a[i].Total, b[i].ID, b[i].Status, b[i].Number, b[i].Total)
			}
		}
	}
	for _, id := range []string{"c0005-api-20260915-1", "c0000-inv-20260801-0"} {
		a, errA := daily.Event(id)
		b, errB := whole.Event(id)
		if errA != nil || errB != nil || a.CustomerID != b.CustomerID || a.Day != b.Day || !a.Value.Equal(b.Value) {
			t.Errorf("event %s: %+v %v vs %+v %v", id, a, errA, b, errB)
		}
	}
}
