package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestBooksOfEitherPageSizeAgree: a book made with 4 KiB pages, as every
// book was before 16 KiB became the default, keeps them when a newer
// monthend opens it, and it and a new book of 16 KiB pages, given the same
// events (repeats and corrections among them, enough for many page
// splits), hold the same totals and both pass check.
func TestBooksOfEitherPageSizeAgree(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Actor: "test", NoSync: true, Now: func() time.Time { return time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC) }}
	oldPath, newPath := filepath.Join(dir, "old.db"), filepath.Join(dir, "new.db")

	defaultSize := newBookPageSize
	newBookPageSize = 4096
	old, err := Open(oldPath, opts)
	newBookPageSize = defaultSize
	if err != nil {
		t.Fatal(err)
	}
	setup(t, old)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopened by this monthend, whose new books have 16 KiB pages.
	if old, err = Open(oldPath, opts); err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	fresh, err := Open(newPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	setup(t, fresh)

	rng := rand.New(rand.NewPCG(7, 7))
	var sent []Event
	for batch := range 8 {
		events := make([]Event, 0, 5000)
		for i := range cap(events) {
			var e Event
			switch {
			case len(sent) > 0 && i%50 == 0: // a repeat
				e = sent[rng.IntN(len(sent))]
			case len(sent) > 0 && i%50 == 1: // a correction
				e = sent[rng.IntN(len(sent))]
				e.Value = e.Value.Add(decimal.NewFromInt(1))
			default:
				e = Event{ID: fmt.Sprintf("e-%d-%d", batch, i), Customer: []string{"acme", "globex"}[rng.IntN(2)],
					Timestamp: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(31 * 24 * time.Hour)))),
					Value:     decimal.NewFromInt(1)}
				switch i % 3 {
				case 0:
					e.Metric = "calls"
				case 1:
					e.Metric, e.Value = "gb", decimal.New(rng.Int64N(100000), -3)
				case 2:
					e.Metric, e.Properties = "users", map[string]string{"user": fmt.Sprintf("u%d", rng.IntN(500))}
				}
			}
			events = append(events, e)
		}
		sent = append(sent, events...)
		oldRes, newRes := ingest(t, old, events...), ingest(t, fresh, events...)
		if !reflect.DeepEqual(oldRes, newRes) {
			t.Fatalf("batch %d: the books' results differ", batch)
		}
	}

	if got := pageSizeOf(t, oldPath); got != 4096 {
		t.Errorf("the old book's pages are %d bytes, want its own 4096", got)
	}
	if got := pageSizeOf(t, newPath); got != newBookPageSize {
		t.Errorf("the new book's pages are %d bytes, want %d", got, newBookPageSize)
	}
	from, to, _ := Month("2026-03")
	oldTotals, err := old.AllTotals(from, to)
	if err != nil {
		t.Fatal(err)
	}
	newTotals, err := fresh.AllTotals(from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(oldTotals) == 0 || !reflect.DeepEqual(oldTotals, newTotals) {
		t.Errorf("totals differ:\n4 KiB  %+v\n16 KiB %+v", oldTotals, newTotals)
	}
	mustCheck(t, old)
	mustCheck(t, fresh)
}

// BenchmarkSmallWrite is the cost of a small change, one transaction with
// fsync, as the workstation makes them (here a customer renamed), in a book
// of 5,000 customers and 100,000 events made with pages of either size:
// larger pages mean more bytes written for each page a change touches.
func pageSizeOf(t *testing.T, path string) int {
	t.Helper()
	_, size := bookFile(t, path)
	return size
}

func BenchmarkSmallWrite(b *testing.B) {
	for _, size := range []int{4096, 16384} {
		b.Run(fmt.Sprintf("page=%d", size), func(b *testing.B) {
			defaultSize := newBookPageSize
			newBookPageSize = size
			bk, err := Open(filepath.Join(b.TempDir(), "book.db"), Options{})
			newBookPageSize = defaultSize
			if err != nil {
				b.Fatal(err)
			}
			defer bk.Close()
			setupBench(b, bk)
			rng := rand.New(rand.NewPCG(1, 3))
			start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			events := make([]Event, 100_000)
			for i := range events {
				events[i] = benchEvent(rng, i, start, 31)
			}
			if _, err := bk.Ingest(context.Background(), events); err != nil {
				b.Fatal(err)
			}
			c, err := bk.Customer("cust-2500")
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c.Name = fmt.Sprintf("Customer %d", i)
				if err := bk.UpdateCustomer(c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
