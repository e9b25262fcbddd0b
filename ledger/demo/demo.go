// Package demo builds a realistic book for trying monthend: a B2B software
// company selling billing software, with ramps, seats, usage per 1,000
// invoices issued, commitment discounts, trials, minimums and a few
// currencies; months of usage through the real ingestion path; past months
// issued and sent, last month in draft.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// Options size the demo book.
type Options struct {
	Customers int    // default 200
	Months    int    // months of history, default 13
	Seed      uint64 // same seed, same book
	// EventsPerDay splits each customer's daily usage of a metric into this
	// many events (default 1). Totals, and so every invoice, are the same
	// whatever it is: it only scales the book's event count (20M events at
	// 5,000 customers, 13 months and 5 per day).
	EventsPerDay int
	Now          time.Time // "today"; the last full month is left in draft
	// Progress, if set, is told what is being done.
	Progress func(step string, done, total int)
	// eventsPerCommit overrides the package's eventsPerCommit (tests).
	eventsPerCommit int
}

// Build creates the demo book at path, which must not exist yet.
func Build(ctx context.Context, path string, o Options) error {
	if o.Customers <= 0 {
		o.Customers = 200
	}
	if o.Months <= 0 {
		o.Months = 13
	}
	if o.EventsPerDay <= 0 {
		o.EventsPerDay = 1
	}
	if o.eventsPerCommit <= 0 {
		o.eventsPerCommit = eventsPerCommit
	}
	if o.EventsPerDay > 3600 { // a second apart from 17:59 at the latest: still the same day
		return fmt.Errorf("demo: at most 3600 events per customer, metric and day (asked %d)", o.EventsPerDay)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	progress := o.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	// The current month's first day; history covers the Months before it.
	thisMonth := time.Date(o.Now.Year(), o.Now.Month(), 1, 0, 0, 0, 0, time.UTC)
	first := thisMonth.AddDate(0, -o.Months, 0)

	// A demo is built in one go (a failed build is removed), so commits
	// skip fsync and the freelist (see ledger.Options.NoFreelistSync: it is
	// what keeps invoicing fast on a multi-GB book); Close syncs the file
	// and writes the freelist once. The book stays open for the whole build
	// and the demo moves its clock.
	var clock atomic.Int64 // Unix nanoseconds
	clock.Store(first.UnixNano())
	book, err := ledger.Open(path, ledger.Options{Actor: "demo", NoSync: true, NoFreelistSync: true,
		Now: func() time.Time { return time.Unix(0, clock.Load()).UTC() }})
	if err != nil {
		return err
	}
	if err := build(ctx, book, &clock, rng, o, first, thisMonth, progress); err != nil {
		book.Close()
		return err
	}
	return book.Close()
}

func build(ctx context.Context, book *ledger.Book, clock *atomic.Int64, rng *rand.Rand, o Options, first, thisMonth time.Time, progress func(string, int, int)) error {
	for _, m := range []ledger.Metric{
		{Code: "invoices_issued", DisplayName: "Invoices issued", Unit: "invoice", Aggregation: ledger.AggSum},
		{Code: "api_calls", DisplayName: "API calls", Unit: "call", Aggregation: ledger.AggSum},
	} {
		if err := book.AddMetric(m); err != nil {
			return err
		}
	}
	customers := make([]customer, o.Customers)
	for i := range customers {
		c := newCustomer(rng, i, first)
		customers[i] = c
		if err := book.AddCustomer(c.record); err != nil {
			return err
		}
		if _, err := book.SaveSchedule(c.record.ID+"-contract", c.record.ID, ledger.ScheduleActive, ledger.LateAdjust, c.schedule); err != nil {
			return fmt.Errorf("customer %s: %w", c.record.ID, err)
		}
		progress("customers", i+1, len(customers))
	}
	if err := ingestUsage(ctx, book, rng, customers, first, thisMonth, o.EventsPerDay, o.eventsPerCommit, progress); err != nil {
		return err
	}
	// Invoice month by month, each with the clock at its own month's start,
	// so issue and due dates are historical. The invoice of a month bills
	// that month's fees and the previous month's usage.
	for m := first.AddDate(0, 1, 0); !m.After(thisMonth); m = m.AddDate(0, 1, 0) {
		if err := ctx.Err(); err != nil {
			return err
		}
		label := m.Format("2006-01")
		clock.Store(m.Add(9 * time.Hour).UnixNano())
		if _, err := book.Recalc(ctx, label, nil); err != nil {
			return err
		}
		if m.Before(thisMonth.AddDate(0, -1, 0)) { // all but last month: issued and sent
			if err := issueAndSend(book, label); err != nil {
				return err
			}
		}
		progress("invoices", int(m.Sub(first)/(24*time.Hour)), int(thisMonth.Sub(first)/(24*time.Hour)))
	}
	return nil
}

// issueAndSend issues a month's drafts and delivers them through the
// outbox with a demo sender that sends nothing (no mail leaves a demo).
func issueAndSend(b *ledger.Book, label string) error {
	invs, err := b.InvoicesFor(label)
	if err != nil {
		return err
	}
	var ids []string
	for _, inv := range invs {
		if inv.Status == ledger.InvoiceDraft {
			ids = append(ids, inv.ID)
		}
	}
	if _, err := b.Issue(ids); err != nil {
		return err
	}
	if _, err := b.QueueSend(ids); err != nil {
		return err
	}
	noMail := func(context.Context, ledger.OutboxItem) error { return nil }
	_, err = b.Deliver(context.Background(), noMail, func(error) bool { return false })
	return err
}

type customer struct {
	record   ledger.Customer
	schedule *pricing.Schedule
	volume   float64 // invoices issued per day, before growth and swings
	growth   float64 // monthly growth factor
	swing    float64 // factor on the last month's usage (1: none)
}

var regions = []struct {
	currency, zone, suffix string
	tax                    int64
}{
	{"EUR", "Europe/Berlin", "GmbH", 19}, {"EUR", "Europe/Paris", "SAS", 20}, {"EUR", "Europe/Amsterdam", "B.V.", 21},
	{"USD", "America/New_York", "Inc.", 0}, {"USD", "America/Chicago", "LLC", 0}, {"GBP", "Europe/London", "Ltd", 20},
}

var names = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne",
	"Soylent", "Wonka", "Aperture", "Massive", "Pied Piper", "Dunder", "Gringotts", "Oceanic", "Monarch", "Nakatomi"}

func newCustomer(rng *rand.Rand, i int, first time.Time) customer {
	r := regions[rng.IntN(len(regions))]
	name := fmt.Sprintf("%s %s %03d", names[i%len(names)], []string{"Logistics", "Retail", "Health", "Media", "Energy"}[rng.IntN(5)], i)
	id := fmt.Sprintf("c%04d", i)
	c := customer{
		record: ledger.Customer{ID: id, Name: name, LegalName: name + " " + r.suffix,
			Emails:   []string{fmt.Sprintf("ap@%s.example", id)},
			Currency: pricing.MustCurrency(r.currency), TimeZone: r.zone,
			PaymentTermsDays: []int{14, 30, 30, 45}[rng.IntN(4)], TaxRate: decimal.NewFromInt(r.tax)},
		volume: float64(100 + rng.IntN(3000)),
		growth: 1 + rng.Float64()*0.04,
		swing:  1,
	}
	if rng.IntN(20) == 0 { // a handful of customers swing hard last month
		c.swing = []float64{2.6, 0.35}[rng.IntN(2)]
	}
	// Contracts started within the history (or before it), on the 1st or
	// mid-month, for 1, 2 or 3 years; longer commitments earn discounts.
	start := first.AddDate(0, -rng.IntN(12), rng.IntN(2)*14)
	years := 1 + rng.IntN(3)
	fee := decimal.NewFromInt(int64(500 + 100*rng.IntN(45)))
	s := &pricing.Schedule{
		Customer: c.record.LegalName, Currency: c.record.Currency, TimeZone: r.zone,
		Start:   pricing.NewDate(start.Year(), start.Month(), start.Day()),
		Billing: pricing.Billing{Frequency: pricing.Monthly, AnchorDay: 1},
		Seats: map[string][]pricing.SeatChange{"analysts": {
			{From: pricing.NewDate(start.Year(), start.Month(), start.Day()), Quantity: decimal.NewFromInt(int64(3 + rng.IntN(30)))},
			{From: pricing.NewDate(start.Year(), start.Month()+time.Month(3+rng.IntN(6)), 10), Quantity: decimal.NewFromInt(int64(5 + rng.IntN(40)))},
		}},
	}
	s.End = pricing.NewDate(start.Year()+years, start.Month(), start.Day())
	var discount []pricing.Discount
	switch years {
	case 2:
		discount = []pricing.Discount{{Percent: decimal.NewFromInt(10), Label: "2-year commitment"}}
	case 3:
		discount = []pricing.Discount{{Percent: decimal.NewFromInt(15), Label: "3-year commitment"}}
	}
	lines := func(ramp decimal.Decimal) []pricing.PriceLine {
		upTo1, upTo2 := decimal.NewFromInt(10000), decimal.NewFromInt(100000)
		ls := []pricing.PriceLine{
			{Name: "Platform", Model: pricing.Flat, Price: fee.Mul(ramp).Round(2)},
			{Name: "Analyst seats", Model: pricing.PerSeat, Seats: "analysts", Price: decimal.NewFromInt(45).Mul(ramp).Round(2)},
			{Name: "Invoices issued", Model: pricing.Package, Metric: "invoices_issued",
				Package: &pricing.PackagePrice{Size: decimal.NewFromInt(1000), Price: decimal.RequireFromString("25.00").Mul(ramp).Round(2), FreeUnits: decimal.NewFromInt(1000)}},
			{Name: "API calls", Model: pricing.GraduatedM, Metric: "api_calls", Tiers: []pricing.Tier{
				{UpTo: &upTo1, UnitPrice: decimal.RequireFromString("0.010")},
				{UpTo: &upTo2, UnitPrice: decimal.RequireFromString("0.006")},
				{UnitPrice: decimal.RequireFromString("0.003")}}},
		}
		return ls
	}
	var phases []pricing.Phase
	phaseStart := s.Start
	if rng.IntN(5) == 0 { // a one-month free trial
		phases = append(phases, pricing.Phase{Name: "Trial", Lines: []pricing.PriceLine{{Name: "Platform", Model: pricing.Flat}}})
		phaseStart = pricing.NewDate(start.Year(), start.Month()+1, start.Day())
	}
	for y := 0; y < years; y++ {
		ph := pricing.Phase{Name: fmt.Sprintf("Year %d", y+1), Lines: lines(decimal.NewFromInt(1).Add(decimal.RequireFromString("0.08").Mul(decimal.NewFromInt(int64(y))))), Discounts: discount}
		if y > 0 || len(phases) > 0 {
			ph.Start = pricing.NewDate(phaseStart.Year()+y, phaseStart.Month(), phaseStart.Day())
		}
		if rng.IntN(10) < 3 {
			ph.Minimum = &pricing.UsageMinimum{Amount: decimal.NewFromInt(int64(200 + 50*rng.IntN(10))), Per: pricing.PerPeriod}
		}
		phases = append(phases, ph)
	}
	s.Phases = phases
	c.schedule = s
	return c
}

// ingestUsage sends a day's usage per customer and metric, through the
// real ingestion path, plus some events under aliases nobody mapped yet.
func ingestUsage(ctx context.Context, book *ledger.Book, rng *rand.Rand, customers []customer, first, thisMonth time.Time, perDay, perCommit int, progress func(string, int, int)) error {
	days := int(thisMonth.Sub(first).Hours() / 24)
	var batch []ledger.Event
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := book.Ingest(ctx, batch)
		batch = batch[:0]
		return err
	}
	// Last month's invoices bill the month before's usage (arrears): the
	// swings go there, so they show in "Last month — drafts".
	swingFrom, swingTo := thisMonth.AddDate(0, -2, 0), thisMonth.AddDate(0, -1, 0)
	for d := 0; d < days; d++ {
		day := first.AddDate(0, 0, d)
		month := int(day.Sub(first).Hours() / 24 / 30)
		for i := range customers {
			c := &customers[i]
			f := c.volume * pow(c.growth, month) * (0.7 + 0.6*rng.Float64())
			if !day.Before(swingFrom) && day.Before(swingTo) {
				f *= c.swing
			}
			at := day.Add(time.Duration(8+rng.IntN(10)) * time.Hour)
			batch = appendSplit(batch, perDay, c.record.ID, "inv", "invoices_issued", day, at, int64(f))
			batch = appendSplit(batch, perDay, c.record.ID, "api", "api_calls", day, at, int64(f*12))
		}
		if d%7 == 0 { // a legacy system still sends under old aliases
			for k := range 3 {
				batch = append(batch, ledger.Event{ID: fmt.Sprintf("legacy-%d-%s", k, day.Format("20060102")),
					Customer: fmt.Sprintf("erp-legacy-%d", k), Metric: "invoices_issued",
					Timestamp: day.Add(12 * time.Hour), Value: decimal.NewFromInt(int64(50 + rng.IntN(500)))})
			}
		}
		if len(batch) >= perCommit {
			if err := flush(); err != nil {
				return err
			}
		}
		progress("usage", d+1, days)
	}
	return flush()
}

// eventsPerCommit is how many events the demo stores per transaction (it
// flushes at the end of the first day that reaches it). A transaction
// rewrites every B-tree page it touches, and a day of usage touches pages
// all over the rollup, usage and idempotency indexes, so bigger
// transactions rewrite each page once for more events: 3M events at 5,000
// customers wrote 2.6× fewer bytes, and took 8–41% less CPU, at 400,000 per
// transaction than at 100,000 (docs/performance.md, "Demo at scale").
const eventsPerCommit = 400_000

func pow(x float64, n int) float64 {
	r := 1.0
	for range n {
		r *= x
	}
	return r
}

// appendSplit appends a customer's usage of one metric on one day as n
// events (a second apart, so all on the same day) whose values add up to total exactly; with n = 1
// the single event keeps the id it always had.
func appendSplit(batch []ledger.Event, n int, customer, tag, metric string, day, at time.Time, total int64) []ledger.Event {
	id := fmt.Sprintf("%s-%s-%s", customer, tag, day.Format("20060102"))
	if n == 1 {
		return append(batch, ledger.Event{ID: id, Customer: customer, Metric: metric, Timestamp: at, Value: decimal.NewFromInt(total)})
	}
	part := total / int64(n)
	for k := range n {
		v := part
		if k == n-1 {
			v = total - part*int64(n-1)
		}
		batch = append(batch, ledger.Event{ID: fmt.Sprintf("%s-%d", id, k), Customer: customer, Metric: metric,
			Timestamp: at.Add(time.Duration(k) * time.Second), Value: decimal.NewFromInt(v)})
	}
	return batch
}
