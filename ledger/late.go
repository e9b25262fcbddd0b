package ledger

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// Adjustment records late usage billed on an invoice for the period of an
// earlier, issued one: after it, that period's usage counts as billed at
// Readings. The next adjustment for the same period starts from there, so
// late usage is billed once.
type Adjustment struct {
	Invoice  string            `json:"invoice"` // the issued invoice the late usage belongs to
	Readings []pricing.Reading `json:"readings"`
}

// billedInvoice is the part of an invoice late usage needs; decoding only
// it skips building every line of every earlier invoice.
type billedInvoice struct {
	ID              string            `json:"id"`
	ScheduleID      string            `json:"schedule_id"`
	ScheduleVersion int               `json:"schedule_version"`
	Period          InvoicePeriod     `json:"period"`
	Status          InvoiceStatus     `json:"status"`
	Number          string            `json:"number,omitempty"`
	Readings        []pricing.Reading `json:"readings,omitempty"`
	Adjustments     []Adjustment      `json:"adjustments,omitempty"`
}

// readingsUsage answers with recorded readings only: the usage as it was
// billed.
type readingsUsage []pricing.Reading

func (r readingsUsage) Total(metric string, from, to pricing.Date) (decimal.Decimal, error) {
	for _, x := range r {
		if x.Metric == metric && x.From.Equal(from) && x.To.Equal(to) {
			return x.Value, nil
		}
	}
	return decimal.Zero, fmt.Errorf("no billed reading of %s for %s – %s", metric, from, to)
}

// lateResult is what the late-usage check found: the adjustment lines and
// the adjustments they bill; whether it was quiet (found every issued
// invoice's usage as billed) and the end (exclusive) of the days it read
// (see freshness.LateQuiet).
type lateResult struct {
	lines   []pricing.InvoiceLine
	adjs    []Adjustment
	quiet   bool
	through pricing.Date
}

// lateAdjustments prices the late usage of every issued invoice of the
// schedule before period index: one adjustment line per usage line whose
// charge moved, priced as that invoice's schedule version priced it.
func (j *recalcJob) lateAdjustments(b *Book, index int, now *bookUsage) (lateResult, error) {
	if j.customer.IssuedThrough.IsZero() {
		return lateResult{quiet: true}, nil // nothing was ever issued: nothing can be late
	}
	var issued []billedInvoice
	billedAt := map[string]Adjustment{} // invoice id → the latest issued adjustment of it
	adjustedOn := map[string]int{}
	versions := map[int]*pricing.Schedule{}
	err := b.view(func(tx *bolt.Tx) error {
		prefix := []byte(j.schedule.ID + ":")
		c := tx.Bucket(bucketInvoices).Cursor()
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			var inv billedInvoice
			if err := json.Unmarshal(v, &inv); err != nil {
				return fmt.Errorf("invoice %s: %w", k, err)
			}
			if inv.Status == InvoiceDraft || inv.Status == InvoiceVoid {
				continue
			}
			for _, a := range inv.Adjustments {
				if on, seen := adjustedOn[a.Invoice]; !seen || inv.Period.Index > on {
					billedAt[a.Invoice], adjustedOn[a.Invoice] = a, inv.Period.Index
				}
			}
			if inv.Period.Index < index {
				issued = append(issued, inv)
			}
		}
		for _, inv := range issued {
			if _, ok := versions[inv.ScheduleVersion]; ok {
				continue
			}
			v := tx.Bucket(bucketSchedules).Get(scheduleKey(inv.ScheduleID, inv.ScheduleVersion))
			var rec ScheduleRecord
			if v == nil || json.Unmarshal(v, &rec) != nil {
				return fmt.Errorf("schedule %s v%d of invoice %s is missing", inv.ScheduleID, inv.ScheduleVersion, inv.ID)
			}
			versions[inv.ScheduleVersion] = rec.Schedule
		}
		return nil
	})
	if err != nil {
		return lateResult{}, err
	}
	res := lateResult{quiet: true}
	for _, inv := range issued {
		billed := inv.Readings
		if a, ok := billedAt[inv.ID]; ok {
			billed = a.Readings
		}
		moved := false
		for _, r := range billed {
			v, err := now.Total(r.Metric, r.From, r.To)
			if err != nil {
				return lateResult{}, err
			}
			if !v.Equal(r.Value) {
				moved = true
			}
			if r.To.After(res.through) {
				res.through = r.To
			}
		}
		if !moved {
			continue
		}
		res.quiet = false
		s := *versions[inv.ScheduleVersion]
		if s.TaxRate.IsZero() {
			s.TaxRate = j.customer.TaxRate
		}
		rec := &pricing.RecordingUsage{Usage: now}
		late, err := pricing.LateUsage(&s, inv.Period.Index-1, readingsUsage(billed), rec)
		if err != nil {
			return lateResult{}, fmt.Errorf("late usage for %s: %w", inv.ID, err)
		}
		if len(late) == 0 {
			continue
		}
		for i := range late {
			late[i].Name += " (" + inv.Number + ")"
		}
		res.lines = append(res.lines, late...)
		res.adjs = append(res.adjs, Adjustment{Invoice: inv.ID, Readings: rec.Readings})
	}
	return res, nil
}
