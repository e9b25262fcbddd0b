package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// RecalcOutcome says what recalculating one invoice did.
type RecalcOutcome string

const (
	RecalcCreated   RecalcOutcome = "created"   // a new draft
	RecalcUpdated   RecalcOutcome = "updated"   // a draft whose inputs moved
	RecalcUnchanged RecalcOutcome = "unchanged" // nothing moved
	RecalcSkipped   RecalcOutcome = "skipped"   // issued: never touched
	RecalcFailed    RecalcOutcome = "failed"
)

// RecalcResult is one invoice's outcome; Before and After are its totals.
type RecalcResult struct {
	ID         string          `json:"id"`
	CustomerID string          `json:"customer_id"`
	Outcome    RecalcOutcome   `json:"outcome"`
	Before     decimal.Decimal `json:"before"`
	After      decimal.Decimal `json:"after"`
	Currency   string          `json:"currency"`
	Reason     string          `json:"reason,omitempty"`
}

// Recalc creates the missing drafts of billing period label ("2026-03") for
// every active schedule and recalculates the drafts whose inputs changed.
// Issued invoices are never touched. Pricing runs in parallel on every
// core; results are written in batches, each invoice atomically. Running it
// twice changes nothing the second time. progress, if not nil, is called
// as invoices finish.
func (b *Book) Recalc(ctx context.Context, label string, progress func(done, total int)) ([]RecalcResult, error) {
	return b.RecalcWith(ctx, label, RecalcOptions{}, progress)
}

// RecalcSchedules is Recalc limited to the named schedules' invoices of
// period label: what the workstation runs on the rows a user marked.
func (b *Book) RecalcSchedules(ctx context.Context, label string, scheduleIDs []string, progress func(done, total int)) ([]RecalcResult, error) {
	return b.RecalcWith(ctx, label, RecalcOptions{Schedules: scheduleIDs}, progress)
}

// RecalcOptions narrow or widen a recalculation.
type RecalcOptions struct {
	// Schedules limits it to these schedules' invoices (nil: all).
	Schedules []string
	// Force prices every draft, even those the change marks call current
	// (after an upgrade of monthend's pricing, say); a draft still changes
	// only when its figures or inputs differ.
	Force bool
}

// RecalcWith is Recalc with options.
func (b *Book) RecalcWith(ctx context.Context, label string, o RecalcOptions, progress func(done, total int)) ([]RecalcResult, error) {
	var only map[string]bool
	if o.Schedules != nil {
		only = make(map[string]bool, len(o.Schedules))
		for _, id := range o.Schedules {
			only[id] = true
		}
	}
	return b.recalc(ctx, label, only, o.Force, progress)
}

// recalc does Recalc's work for every active schedule, or only those in
// only when it is not nil; force ignores what the change marks say.
func (b *Book) recalc(ctx context.Context, label string, only map[string]bool, force bool, progress func(done, total int)) ([]RecalcResult, error) {
	if b.readOnly {
		return nil, ErrReadOnly
	}
	var jobs []recalcJob
	err := b.view(func(tx *bolt.Tx) error {
		// The period's drafts known current (changes.go) need neither
		// pricing nor their schedule decoded: any new version of it, a
		// status change included, would have marked them.
		current := map[string]*invoiceSummary{} // by schedule id
		if err := forPeriod(tx, label, func(s *invoiceSummary) error {
			if !force && s.Status == InvoiceDraft && knownCurrent(tx, s) {
				c := *s
				current[s.ScheduleID] = &c
			}
			return nil
		}); err != nil {
			return err
		}
		schedules, err := latestSchedulesOr(tx, func(id string, version int) *ScheduleRecord {
			if s := current[id]; s != nil && s.ScheduleVersion == version {
				return &ScheduleRecord{ID: id, CustomerID: s.CustomerID, Version: version, Status: ScheduleActive}
			}
			return nil
		})
		if err != nil {
			return err
		}
		customers := map[string]Customer{}
		for _, s := range schedules {
			if s.Status != ScheduleActive || only != nil && !only[s.ID] {
				continue
			}
			c, ok := customers[s.CustomerID]
			if !ok {
				if c, err = getCustomer(tx, s.CustomerID); err != nil {
					return err
				}
				customers[c.ID] = c
			}
			j := recalcJob{schedule: s, customer: c, changes: changeCount(tx, c.ID)}
			if cur := current[s.ID]; cur != nil && cur.ScheduleVersion == s.Version {
				j.current = cur // s is a stub: no Schedule
			} else if err := j.findCurrent(tx, label, force); err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	priced := make([]recalcJob, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				j.price(b, label)
				priced[i] = j
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range jobs {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()

	var results []RecalcResult
	const batch = 256
	for start := 0; start < len(priced); start += batch {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		end := min(start+batch, len(priced))
		var part []RecalcResult
		// A batch with nothing to write (all known current, say) needs no
		// write transaction: no commit, no fsync.
		write := b.update
		if !slices.ContainsFunc(priced[start:end], func(j recalcJob) bool { _, s := j.settled(); return !s }) {
			write = func(fn func(*bolt.Tx) error) error { return fn(nil) }
		}
		err := write(func(tx *bolt.Tx) error {
			part = part[:0]
			for i := start; i < end; i++ {
				r, err := b.storeDraft(tx, &priced[i])
				if err != nil {
					return err
				}
				if r.ID != "" {
					part = append(part, r)
				}
			}
			return nil
		})
		if err != nil {
			return results, err
		}
		results = append(results, part...)
		if progress != nil {
			progress(end, len(priced))
		}
	}
	slices.SortFunc(results, func(a, b RecalcResult) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return results, nil
}

type recalcJob struct {
	schedule ScheduleRecord
	customer Customer
	// changes is the customer's change counter, read before any usage;
	// through, after price, the end of the days its usage was read for.
	changes uint64
	through pricing.Date
	// current is the period's draft, known current without pricing it:
	// nothing it depends on has changed since it was last found current.
	current *invoiceSummary
	// results of price:
	skip    bool // no invoice for this period
	invoice Invoice
	err     error
}

// findCurrent sets j.current if the period's draft was found current,
// nothing it read has changed since and it has the newest schedule
// version: pricing it again would give the same invoice (changes.go).
func (j *recalcJob) findCurrent(tx *bolt.Tx, label string, force bool) error {
	if force {
		return nil
	}
	cal := j.schedule.Schedule.Calendar()
	index, err := cal.ParsePeriodRef(label)
	if err != nil {
		return nil
	}
	s, found, err := getSummary(tx, invoiceID(j.schedule.ID, cal.GridPeriod(index).Label()))
	if err != nil || !found {
		return err
	}
	if s.Status == InvoiceDraft && s.ScheduleVersion == j.schedule.Version && knownCurrent(tx, &s) {
		j.current = &s
	}
	return nil
}

// price computes the job's invoice for period label, outside any write
// transaction.
func (j *recalcJob) price(b *Book, label string) {
	if j.current != nil {
		return
	}
	s := *j.schedule.Schedule
	if s.TaxRate.IsZero() {
		s.TaxRate = j.customer.TaxRate // the customer's rate unless the schedule sets one
	}
	cal := s.Calendar()
	index, err := cal.ParsePeriodRef(label)
	if err != nil {
		j.skip = true // no period of this schedule starts in that month
		return
	}
	_, inContract := cal.Period(index)
	_, billsArrears := cal.Period(index - 1)
	if !inContract && !billsArrears {
		j.skip = true
		return
	}
	usage := &bookUsage{book: b, customer: j.customer.ID}
	rec := &pricing.RecordingUsage{Usage: usage}
	inv, err := pricing.Price(&s, index, rec)
	if err != nil {
		j.err = err
		return
	}
	var adjs []Adjustment
	if j.schedule.LatePolicy != LateReport {
		var late []pricing.InvoiceLine
		if late, adjs, err = j.lateAdjustments(b, index, usage); err != nil {
			j.err = err
			return
		}
		for _, l := range late {
			inv.Lines = append(inv.Lines, l)
			inv.Subtotal = inv.Subtotal.Add(l.Amount)
			inv.Tax = inv.Tax.Add(l.Tax)
		}
		inv.Total = inv.Subtotal.Add(inv.Tax)
	}
	j.through = usage.through
	p := inv.Period
	j.invoice = Invoice{
		ID: invoiceID(j.schedule.ID, p.Label()), CustomerID: j.customer.ID,
		ScheduleID: j.schedule.ID, ScheduleVersion: j.schedule.Version,
		Period: InvoicePeriod{Label: p.Label(), Start: p.Start, End: p.End, Index: p.Index},
		Status: InvoiceDraft, Currency: inv.Currency,
		Figures:  Figures{Lines: inv.Lines, Subtotal: inv.Subtotal, Tax: inv.Tax, Total: inv.Total},
		Readings: rec.Readings, Adjustments: adjs,
	}
}

// settled is the result of a job that writes nothing: no invoice for the
// period, a draft known current, or a pricing error. Otherwise r is the
// start of the result storeDraft completes.
func (j *recalcJob) settled() (r RecalcResult, settled bool) {
	if j.skip {
		return RecalcResult{}, true
	}
	r = RecalcResult{ID: invoiceID(j.schedule.ID, ""), CustomerID: j.customer.ID, Currency: j.customer.Currency.Code()}
	if j.current != nil {
		r.ID, r.Outcome, r.Before, r.After = j.current.ID, RecalcUnchanged, j.current.Total, j.current.Total
		return r, true
	}
	if j.err != nil {
		r.Outcome, r.Reason = RecalcFailed, fmt.Sprintf("schedule %s v%d: %v", j.schedule.ID, j.schedule.Version, j.err)
		return r, true
	}
	return r, false
}

// storeDraft writes a priced job in tx, leaving issued invoices alone.
func (b *Book) storeDraft(tx *bolt.Tx, j *recalcJob) (RecalcResult, error) {
	r, settled := j.settled()
	if settled {
		return r, nil
	}
	inv := j.invoice
	r.ID, r.After = inv.ID, inv.Total
	old, found, err := getInvoice(tx, inv.ID)
	if err != nil {
		return r, err
	}
	if found {
		r.Before = old.Total
		if old.Status != InvoiceDraft {
			r.Outcome, r.After, r.Reason = RecalcSkipped, old.Total, string(old.Status)+" invoices never change"
			return r, nil
		}
		if sameInputs(&old, &inv) && sameFigures(&old.Figures, &inv.Figures) {
			r.Outcome = RecalcUnchanged
			// Current as of j.changes: remember it, so listings and the
			// next recalc need not price it again.
			s, _, err := getSummary(tx, old.ID)
			if err != nil || s.Checked == j.changes && s.Through.Equal(j.through) {
				return r, err
			}
			s = summaryOf(&old, freshness{Checked: j.changes, Through: j.through})
			return r, putSummary(tx, &s)
		}
		prev := old.Figures
		inv.Previous = &prev
		r.Outcome = RecalcUpdated
	} else {
		r.Outcome = RecalcCreated
	}
	inv.CalculatedAt = b.now().UTC()
	if err := putInvoice(tx, &inv, freshness{Checked: j.changes, Through: j.through}); err != nil {
		return r, err
	}
	before := ""
	if found {
		before = old.Total.StringFixed(old.Currency.MinorUnits())
	}
	return r, b.audit(tx, "invoice."+string(r.Outcome), "invoice "+inv.ID, before, inv.Total.StringFixed(inv.Currency.MinorUnits()))
}

func sameInputs(a, b *Invoice) bool {
	return a.ScheduleVersion == b.ScheduleVersion && sameReadings(a.Readings, b.Readings) &&
		sameAdjustments(a.Adjustments, b.Adjustments)
}

func sameReadings(a, b []pricing.Reading) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Metric != y.Metric || !x.From.Equal(y.From) || !x.To.Equal(y.To) || !x.Value.Equal(y.Value) {
			return false
		}
	}
	return true
}

// sameFigures compares two sets of figures exactly, line by line.
func sameFigures(a, b *Figures) bool {
	if len(a.Lines) != len(b.Lines) || !a.Total.Equal(b.Total) {
		return false
	}
	x, _ := json.Marshal(a.Lines)
	y, _ := json.Marshal(b.Lines)
	return string(x) == string(y)
}

// bookUsage answers the pricing core's usage questions from the daily
// rollups, one read of all metrics per distinct span.
type bookUsage struct {
	book     *Book
	customer string
	spans    map[[2]pricing.Date]map[string]decimal.Decimal
	through  pricing.Date // the latest end of a span asked for
}

func (u *bookUsage) Total(metric string, from, to pricing.Date) (decimal.Decimal, error) {
	if to.After(u.through) {
		u.through = to
	}
	key := [2]pricing.Date{from, to}
	if m, ok := u.spans[key]; ok {
		return m[metric], nil
	}
	totals, err := u.book.Totals(u.customer, from, to)
	if err != nil {
		return decimal.Zero, fmt.Errorf("usage of %s: %w", u.customer, err)
	}
	m := make(map[string]decimal.Decimal, len(totals))
	for _, t := range totals {
		m[t.Metric] = t.Quantity
	}
	if u.spans == nil {
		u.spans = map[[2]pricing.Date]map[string]decimal.Decimal{}
	}
	u.spans[key] = m
	return m[metric], nil
}

// DraftPeriods lists the labels of the periods that hold drafts, oldest
// first (`monthend recalc --all`).
func (b *Book) DraftPeriods() ([]string, error) {
	var out []string
	err := b.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketInvoicePeriods).ForEach(func(k, v []byte) error {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return fmt.Errorf("invoice period index key %q: %w", k, errCorrupt)
			}
			label := string(k[:i])
			if n := len(out); n > 0 && out[n-1] == label {
				return nil
			}
			s, err := decodeSummary(string(k[i+1:]), v)
			if err != nil {
				return err
			}
			if s.Status == InvoiceDraft {
				out = append(out, label)
			}
			return nil
		})
	})
	return out, err
}
