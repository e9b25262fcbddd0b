package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
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
	jobs, err := b.planRecalc(label, only, force)
	if err != nil {
		return nil, err
	}
	// Pricing goroutines, one per core, take jobs in order and hand each
	// back when priced; this goroutine stores them in job order (so the
	// book's writes, audit included, are the same run after run), in
	// batches of up to storeBatch drafts per transaction, and reports
	// progress as jobs are priced. Cancelling stops handing out jobs; what
	// was stored is whole.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	priced := make([]recalcJob, len(jobs))
	finished := make(chan int, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				if j.fatal = j.load(b, label, force); j.fatal == nil {
					j.price(b, label)
					j.fatal = j.compare(b)
				}
				priced[i] = j
				finished <- i
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
	go func() {
		wg.Wait()
		close(finished)
	}()

	var results []RecalcResult
	var failed error // a fatal job or a failed write: stop storing
	var batch []int  // priced jobs to store in the next transaction
	store := func() {
		if len(batch) == 0 || failed != nil {
			return
		}
		if failed = ctx.Err(); failed != nil {
			return
		}
		var part []RecalcResult
		failed = b.update(func(tx *bolt.Tx) error {
			part = part[:0]
			for _, i := range batch {
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
		if failed == nil {
			results = append(results, part...)
		}
		for _, i := range batch {
			priced[i] = recalcJob{} // done with: let the collector have it
		}
		batch = batch[:0]
	}
	const storeBatch = 256
	ready := make([]bool, len(jobs))
	w, done := 0, 0 // the next job to store; jobs priced
	for i := range finished {
		ready[i] = true
		done++
		for ; w < len(jobs) && ready[w] && failed == nil; w++ {
			j := &priced[w]
			if j.fatal != nil {
				failed = j.fatal
				cancel()
				break
			}
			// A job with nothing to write (known current, unchanged, issued)
			// needs no transaction: no commit, no fsync.
			if r, settled := j.settled(); settled {
				if r.ID != "" {
					results = append(results, r)
				}
				*j = recalcJob{} // done with: let the collector have it
				continue
			}
			if batch = append(batch, w); len(batch) == storeBatch {
				store()
			}
		}
		if failed != nil {
			cancel() // drain: the pricing goroutines finish their jobs
		} else if progress != nil {
			progress(done, len(jobs))
		}
	}
	store()
	var fatal *recalcJob
	for i := range priced {
		if priced[i].fatal != nil {
			fatal = &priced[i]
			break
		}
	}
	switch {
	case fatal != nil:
		return sortResults(results), fatal.fatal
	case failed != nil:
		return sortResults(results), failed
	case w < len(jobs): // cancelled before every job was priced
		return sortResults(results), context.Cause(ctx)
	}
	return sortResults(results), nil
}

// sortResults orders results by invoice id.
func sortResults(results []RecalcResult) []RecalcResult {
	slices.SortFunc(results, func(a, b RecalcResult) int { return strings.Compare(a.ID, b.ID) })
	return results
}

// planRecalc reads what recalc needs for period label, in one read
// transaction: one job per schedule (of only, if not nil) with its newest
// version's number, and what the change marks let it skip. Decoding the
// schedules and reading their customers is left to load, on the pricing
// goroutines: on a book of 5,000 schedules the decoding alone is a large
// part of a recalculation.
func (b *Book) planRecalc(label string, only map[string]bool, force bool) ([]recalcJob, error) {
	var jobs []recalcJob
	err := b.view(func(tx *bolt.Tx) error {
		// The period's drafts known current (changes.go) need neither
		// pricing nor their schedule decoded: any new version of it, a
		// status change included, would have marked them.
		current := map[string]*invoiceSummary{} // by schedule id
		// The drafts whose late-usage check can be skipped, by schedule id.
		lateQuiet := map[string]*invoiceSummary{}
		if err := forPeriod(tx, label, func(s *invoiceSummary) error {
			if s.Status != InvoiceDraft {
				return nil
			}
			c := *s
			if !force && knownCurrent(tx, s) {
				current[s.ScheduleID] = &c
			} else if lateKnownQuiet(tx, s) {
				lateQuiet[s.ScheduleID] = &c
			}
			return nil
		}); err != nil {
			return err
		}
		metrics, err := allMetrics(tx)
		if err != nil {
			return err
		}
		return forLatestSchedules(tx, func(id string, version int, v []byte) error {
			if only != nil && !only[id] {
				return nil
			}
			j := recalcJob{schedule: ScheduleRecord{ID: id, Version: version}, metrics: metrics}
			if s := current[id]; s != nil && s.ScheduleVersion == version {
				j.current = s
			} else {
				j.decode = true
				if q := lateQuiet[id]; q != nil && q.ScheduleVersion == version {
					j.lateKnownQuiet = &q.LateThrough
				}
			}
			jobs = append(jobs, j)
			return nil
		})
	})
	return jobs, err
}

type recalcJob struct {
	// decode: load reads and decodes the schedule's version; until then
	// schedule holds only its id and version.
	decode   bool
	schedule ScheduleRecord
	customer Customer
	metrics  []Metric // the book's, shared by every job: read-only
	// changes is the customer's change counter, read before any usage;
	// through, after price, the end of the days its usage was read for.
	changes uint64
	through pricing.Date
	// current is the period's draft, known current without pricing it:
	// nothing it depends on has changed since it was last found current.
	current *invoiceSummary
	// lateKnownQuiet, if not nil, is the LateThrough of a draft whose
	// late-usage check would find nothing (lateKnownQuiet below): price
	// skips the check.
	lateKnownQuiet *pricing.Date
	// results of price:
	skip        bool // no invoice for this period
	invoice     Invoice
	lateQuiet   bool         // the late-usage check was quiet (freshness.LateQuiet)
	lateThrough pricing.Date // and read days before this
	err         error
	// result, set by compare, settles a job whose stored invoice storing
	// would not change: an issued one, or a draft with the same figures,
	// inputs and freshness.
	result *RecalcResult
	// fatal stops the whole recalculation (a schedule that does not
	// decode, a customer that is gone), as a read error would.
	fatal error
}

// load decodes the job's schedule and reads its customer and change
// counter — before any usage is read — and, unless force, whether the
// period's draft is known current.
func (j *recalcJob) load(b *Book, label string, force bool) error {
	if !j.decode {
		return nil // known current: nothing to price
	}
	return b.view(func(tx *bolt.Tx) error {
		id, version := j.schedule.ID, j.schedule.Version
		var rec ScheduleRecord
		if err := json.Unmarshal(tx.Bucket(bucketSchedules).Get(scheduleKey(id, version)), &rec); err != nil {
			return fmt.Errorf("schedule %s v%d: %w", id, version, err)
		}
		j.decode, j.schedule = false, rec
		if rec.Status != ScheduleActive {
			j.skip = true
			return nil
		}
		var err error
		if j.customer, err = getCustomer(tx, rec.CustomerID); err != nil {
			return err
		}
		j.changes = changeCount(tx, rec.CustomerID)
		return j.findCurrent(tx, label, force)
	})
}

// compare settles a priced job whose stored invoice storing would not
// change, so that a recalculation that changes nothing opens no write
// transaction (each commit writes bbolt's whole freelist, tens of
// milliseconds on a big book). storeDraft decides the rest inside the
// write transaction.
func (j *recalcJob) compare(b *Book) error {
	if _, settled := j.settled(); settled {
		return nil
	}
	return b.view(func(tx *bolt.Tx) error {
		s, found, err := getSummary(tx, j.invoice.ID)
		if err != nil || !found {
			return err
		}
		r := RecalcResult{ID: s.ID, CustomerID: s.CustomerID, Currency: s.Currency, Before: s.Total, After: s.Total}
		switch {
		case s.Status != InvoiceDraft:
			r.Outcome, r.Reason = RecalcSkipped, string(s.Status)+" invoices never change"
		case s.Fingerprint != (fingerprint{}) && s.Fingerprint == fingerprintOf(&j.invoice) && s.freshness == j.freshness():
			r.Outcome = RecalcUnchanged
		default:
			return nil // changed, or only its summary needs the new freshness
		}
		j.result = &r
		return nil
	})
}

// lateKnownQuiet reports whether draft s's late-usage check would be quiet
// again: it was quiet when s was last priced, and since then neither the
// usage it read nor anything customer-wide (an invoice issued, a schedule
// version, the customer record) has changed. What that check
// reads — the customer's issued invoices, their schedule versions and
// their periods' usage — is then as it was, so it would find the same.
// On a book of 20M events the check read a month of rollups per issued
// invoice and was most of a forced recalculation's time.
func lateKnownQuiet(tx *bolt.Tx, s *invoiceSummary) bool {
	return s.LateQuiet && s.Checked != 0 && unchangedSince(tx, s.CustomerID, s.Checked, s.LateThrough)
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
	usage := &bookUsage{book: b, customer: j.customer.ID, metrics: j.metrics}
	rec := &pricing.RecordingUsage{Usage: usage}
	inv, err := pricing.Price(&s, index, rec)
	if err != nil {
		j.err = err
		return
	}
	var adjs []Adjustment
	switch {
	case j.schedule.LatePolicy == LateReport:
	case j.lateKnownQuiet != nil:
		j.lateQuiet, j.lateThrough = true, *j.lateKnownQuiet
	default:
		late, err := j.lateAdjustments(b, index, usage)
		if err != nil {
			j.err = err
			return
		}
		adjs, j.lateQuiet, j.lateThrough = late.adjs, late.quiet, late.through
		for _, l := range late.lines {
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

// freshness is what the job's pricing read, for the draft's summary.
func (j *recalcJob) freshness() freshness {
	f := freshness{Checked: j.changes, Through: j.through, LateQuiet: j.lateQuiet}
	if f.LateQuiet {
		f.LateThrough = j.lateThrough
	}
	return f
}

// settled is the result of a job that writes nothing: no invoice for the
// period, a draft known current, or a pricing error. Otherwise r is the
// start of the result storeDraft completes.
func (j *recalcJob) settled() (r RecalcResult, settled bool) {
	if j.skip {
		return RecalcResult{}, true
	}
	if j.result != nil {
		return *j.result, true
	}
	if j.current != nil {
		c := j.current
		return RecalcResult{ID: c.ID, CustomerID: c.CustomerID, Currency: c.Currency, Outcome: RecalcUnchanged, Before: c.Total, After: c.Total}, true
	}
	r = RecalcResult{ID: invoiceID(j.schedule.ID, ""), CustomerID: j.customer.ID, Currency: j.customer.Currency.Code()}
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
			f := j.freshness()
			if err != nil || s.freshness == f && s.Fingerprint != (fingerprint{}) {
				return r, err
			}
			s = summaryOf(&old, f)
			return r, putSummary(tx, &s)
		}
		prev := old.Figures
		inv.Previous = &prev
		r.Outcome = RecalcUpdated
	} else {
		r.Outcome = RecalcCreated
	}
	inv.CalculatedAt = b.now().UTC()
	if err := putInvoice(tx, &inv, j.freshness()); err != nil {
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
	// metrics, if not nil, are the book's metrics, read once for a whole
	// recalculation instead of once per span (with the customer record,
	// as Book.Totals does).
	metrics []Metric
	spans   map[[2]pricing.Date]map[string]decimal.Decimal
	through pricing.Date // the latest end of a span asked for
}

func (u *bookUsage) Total(metric string, from, to pricing.Date) (decimal.Decimal, error) {
	if to.After(u.through) {
		u.through = to
	}
	key := [2]pricing.Date{from, to}
	if m, ok := u.spans[key]; ok {
		return m[metric], nil
	}
	var totals []Total
	var err error
	if u.metrics != nil {
		err = u.book.view(func(tx *bolt.Tx) error {
			totals, err = totalsTx(tx, nil, u.customer, u.metrics, dayNum(from), dayNum(to))
			return err
		})
	} else {
		totals, err = u.book.Totals(u.customer, from, to)
	}
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
