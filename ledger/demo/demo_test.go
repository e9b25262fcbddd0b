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
