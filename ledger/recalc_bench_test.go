package ledger

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// recalcBook builds a book with n customers, each with an active schedule
// (platform fee, seats, a package and a graduated usage line, a phase
// discount, 19% tax) and a month of usage: about 30 events per customer
// and metric in March 2026.
func recalcBook(b testing.TB, n int) *Book {
	b.Helper()
	book, err := Open(filepath.Join(b.TempDir(), "book.db"), Options{Actor: "bench", NoSync: true,
		Now: func() time.Time { return time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { book.Close() })
	for _, m := range []Metric{{Code: "invoices_issued", Aggregation: AggCount}, {Code: "api_calls", Aggregation: AggCount}} {
		if err := book.AddMetric(m); err != nil {
			b.Fatal(err)
		}
	}
	s, err := pricing.ParseSchedule("bench.yaml", []byte(`
currency: EUR
time_zone: Europe/Berlin
start: 2025-06-01
billing: {frequency: monthly}
seats:
  users: [{from: 2025-06-01, quantity: 12}, {from: 2026-04-10, quantity: 15}]
phases:
  - name: Year 1
    discounts: [{percent: 10, label: 2-year commitment}]
    lines:
      - {name: Platform, model: flat, price: 3100.00}
      - {name: Users, model: per_seat, seats: users, price: 45.00}
      - name: Invoices issued
        model: package
        metric: invoices_issued
        package: {size: 10, price: 25.00, free_units: 5}
      - name: API calls
        model: graduated
        metric: api_calls
        minimum: 10
        tiers:
          - {up_to: 10, unit_price: 0.10}
          - {up_to: 20, unit_price: 0.08}
          - {unit_price: 0.05}
`))
	if err != nil {
		b.Fatal(err)
	}
	var events []Event
	for i := range n {
		id := fmt.Sprintf("c%05d", i)
		if err := book.AddCustomer(Customer{ID: id, Name: id, Currency: pricing.MustCurrency("EUR"),
			TimeZone: "Europe/Berlin", PaymentTermsDays: 30, TaxRate: decimal.NewFromInt(19)}); err != nil {
			b.Fatal(err)
		}
		if _, err := book.SaveSchedule(id+"-plan", id, ScheduleActive, "", s); err != nil {
			b.Fatal(err)
		}
		for k := range 30 + i%7 {
			at := time.Date(2026, 3, 1+k%28, 10, 0, 0, 0, time.UTC)
			events = append(events,
				Event{ID: fmt.Sprintf("%s-i%d", id, k), Customer: id, Metric: "invoices_issued", Timestamp: at, Value: decimal.NewFromInt(1)},
				Event{ID: fmt.Sprintf("%s-a%d", id, k), Customer: id, Metric: "api_calls", Timestamp: at, Value: decimal.NewFromInt(1)})
		}
	}
	for start := 0; start < len(events); start += 20000 {
		if _, err := book.Ingest(context.Background(), events[start:min(start+20000, len(events))]); err != nil {
			b.Fatal(err)
		}
	}
	return book
}

// BenchmarkRecalc5000 recalculates a month of 5,000 invoices: the first
// run creates every draft; later runs find nothing changed. Target for the
// month-end promise: ≤ 1 s for 5,000 invoices.
func BenchmarkRecalc5000(b *testing.B) {
	book := recalcBook(b, 5000)
	b.Run("create", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			// A new period each iteration, so every draft is created.
			label := time.Date(2026, time.Month(4+i%8), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
			b.StopTimer()
			clearPeriod(b, book, label)
			b.StartTimer()
			res, err := book.Recalc(context.Background(), label, nil)
			if err != nil || len(res) != 5000 || res[0].Outcome != RecalcCreated {
				b.Fatalf("recalc %s: %d results, %v", label, len(res), err)
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		if _, err := book.Recalc(context.Background(), "2026-04", nil); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			res, err := book.Recalc(context.Background(), "2026-04", nil)
			if err != nil || len(res) != 5000 || res[0].Outcome != RecalcUnchanged {
				b.Fatalf("%d results, %v", len(res), err)
			}
		}
	})
	b.Run("list-view", func(b *testing.B) {
		v := View{Name: "b", Period: "2026-04", Status: []InvoiceStatus{InvoiceDraft}, Sort: "-delta%"}
		for b.Loop() {
			rows, _, err := book.ViewRows(v, DefaultThresholds)
			if err != nil || len(rows) != 5000 {
				b.Fatalf("%d rows, %v", len(rows), err)
			}
		}
	})
}

// clearPeriod deletes a period's drafts so the next recalc creates them.
func clearPeriod(b *testing.B, book *Book, label string) {
	invs, err := book.InvoicesFor(label)
	if err != nil {
		b.Fatal(err)
	}
	err = book.update(func(tx *bolt.Tx) error {
		for _, inv := range invs {
			if err := tx.Bucket(bucketInvoices).Delete([]byte(inv.ID)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketInvoicePeriods).Delete(periodIndexKey(label, inv.ID)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMonthEnd5000History is the month-end on a book with history:
// the 5,000 schedules of recalcBook billed monthly from June 2025, every
// period up to March 2026 issued, April 2026 in draft (3,536 drafts is what
// `monthend demo --customers 5000` leaves; this is the full 5,000). Each
// draft's staleness and late-usage check has ten issued invoices to consider.
// Targets: the listing ≤ 100 ms, the recalc that finds nothing changed ≤ 1 s.
//
//   - list-summary: ViewSummaryRows, what `monthend invoices list --view`
//     prints (no lines, no per-line changes);
//   - list-full: ViewRows, the same rows with whole invoices and per-line
//     changes (`--json`);
//   - recalc-unchanged: Recalc of April with nothing moved;
//   - list-summary-new-usage: the listing after a day of April's usage
//     arrived for every customer (April's drafts bill March's usage);
//   - list-summary-stale10: the listing after March usage arrived for one
//     customer in ten, whose 500 drafts are then checked the slow way.
func BenchmarkMonthEnd5000History(b *testing.B) {
	book := recalcBook(b, 5000)
	ctx := context.Background()
	for m := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC); m.Before(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)); m = m.AddDate(0, 1, 0) {
		label := m.Format("2006-01")
		if _, err := book.Recalc(ctx, label, nil); err != nil {
			b.Fatal(err)
		}
		issueAll(b, book, label)
	}
	if res, err := book.Recalc(ctx, "2026-04", nil); err != nil || len(res) != 5000 {
		b.Fatalf("recalc April: %d, %v", len(res), err)
	}
	v := View{Name: "b", Period: "2026-04", Status: []InvoiceStatus{InvoiceDraft}, Sort: "customer"}
	list := func(b *testing.B, rowsOf func(View, Thresholds) ([]InvoiceRow, string, error), stale int) {
		for b.Loop() {
			rows, _, err := rowsOf(v, DefaultThresholds)
			if err != nil || len(rows) != 5000 || rows[0].Previous == nil {
				b.Fatalf("%d rows, %v", len(rows), err)
			}
			n := 0
			for _, r := range rows {
				if len(r.Stale) > 0 {
					n++
				}
			}
			if n != stale {
				b.Fatalf("%d stale rows, want %d", n, stale)
			}
		}
	}
	b.Run("list-summary", func(b *testing.B) { list(b, book.ViewSummaryRows, 0) })
	b.Run("list-full", func(b *testing.B) { list(b, book.ViewRows, 0) })
	b.Run("recalc-unchanged", func(b *testing.B) {
		for b.Loop() {
			res, err := book.Recalc(ctx, "2026-04", nil)
			if err != nil || len(res) != 5000 || res[0].Outcome != RecalcUnchanged {
				b.Fatalf("%d results, %v", len(res), err)
			}
		}
	})
	// Forced: every draft priced again; the late-usage checks of ten
	// issued months are skipped while nothing they read has moved.
	b.Run("recalc-force", func(b *testing.B) {
		for b.Loop() {
			res, err := book.RecalcWith(ctx, "2026-04", RecalcOptions{Force: true}, nil)
			if err != nil || len(res) != 5000 || res[0].Outcome != RecalcUnchanged {
				b.Fatalf("%d results, %v", len(res), err)
			}
		}
	})
	// A day of this month's usage for every customer: April's drafts did
	// not read it, so they stay known current.
	var events []Event
	for i := range 5000 {
		events = append(events, Event{ID: fmt.Sprintf("c%05d-apr", i), Customer: fmt.Sprintf("c%05d", i), Metric: "api_calls",
			Timestamp: time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC), Value: decimal.NewFromInt(1)})
	}
	if _, err := book.Ingest(ctx, events); err != nil {
		b.Fatal(err)
	}
	b.Run("list-summary-new-usage", func(b *testing.B) { list(b, book.ViewSummaryRows, 0) })
	events = events[:0]
	for i := 0; i < 5000; i += 10 {
		events = append(events, Event{ID: fmt.Sprintf("c%05d-more", i), Customer: fmt.Sprintf("c%05d", i), Metric: "api_calls",
			Timestamp: time.Date(2026, 3, 30, 10, 0, 0, 0, time.UTC), Value: decimal.NewFromInt(1)})
	}
	if _, err := book.Ingest(ctx, events); err != nil {
		b.Fatal(err)
	}
	b.Run("list-summary-stale10", func(b *testing.B) { list(b, book.ViewSummaryRows, 500) })
}

// issueAll issues every draft of a period in bulk — as Issue would, but
// 256 to a transaction and without the staleness check, which a benchmark
// that just priced them does not need.
func issueAll(b *testing.B, book *Book, label string) {
	b.Helper()
	invs, err := book.InvoicesFor(label)
	if err != nil {
		b.Fatal(err)
	}
	for start := 0; start < len(invs); start += 256 {
		err := book.update(func(tx *bolt.Tx) error {
			for _, inv := range invs[start:min(start+256, len(invs))] {
				if inv.Status != InvoiceDraft {
					continue
				}
				c, err := getCustomer(tx, inv.CustomerID)
				if err != nil {
					return err
				}
				today := inv.Period.End
				number, err := nextInvoiceNumber(tx, today.Year())
				if err != nil {
					return err
				}
				inv.Status, inv.Number, inv.IssueDate, inv.DueDate = InvoiceIssued, number, today, today.AddDays(30)
				if err := putInvoice(tx, &inv, freshness{}); err != nil {
					return err
				}
				if err := tx.Bucket(bucketInvoiceNumbers).Put([]byte(number), []byte(inv.ID)); err != nil {
					return err
				}
				if err := markChanged(tx, c.ID, 0); err != nil {
					return err
				}
				if through := inv.Period.Start.AddDays(-1); through.After(c.IssuedThrough) {
					c.IssuedThrough = through
					if err := putJSON(tx.Bucket(bucketCustomers), c.ID, c); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	book.forgetCustomers()
}

// BenchmarkRecalcBookFile recalculates period $MONTHEND_BENCH_PERIOD
// (default: every period holding drafts) of the book at
// $MONTHEND_BENCH_BOOK — a big demo book, say — without and with Force,
// and lists that period's invoices with month-over-month data. It writes
// only draft summaries; skipped when the variable is unset.
func BenchmarkRecalcBookFile(b *testing.B) {
	path := os.Getenv("MONTHEND_BENCH_BOOK")
	if path == "" {
		b.Skip("MONTHEND_BENCH_BOOK is not set")
	}
	book, err := Open(path, Options{Actor: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer book.Close()
	periods := []string{os.Getenv("MONTHEND_BENCH_PERIOD")}
	if periods[0] == "" {
		if periods, err = book.DraftPeriods(); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	// What `monthend invoices list --view` reads, for the first period.
	b.Run("list-view", func(b *testing.B) {
		v := View{Name: "bench", Period: periods[0], Sort: "customer"}
		for b.Loop() {
			if _, _, err := book.ViewSummaryRows(v, DefaultThresholds); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, force := range []bool{false, true} {
		b.Run(fmt.Sprintf("force=%v", force), func(b *testing.B) {
			for b.Loop() {
				for _, p := range periods {
					if _, err := book.RecalcWith(ctx, p, RecalcOptions{Force: force}, nil); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
