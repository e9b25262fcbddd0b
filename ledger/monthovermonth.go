package ledger

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// Flags on an invoice row, for the grid and for filters.
const (
	FlagSignificant = "significant" // total changed by at least the threshold
	FlagNew         = "new"         // no invoice for the previous period
	FlagMissing     = "missing"     // billed last period, no invoice now
	FlagMinimum     = "minimum"     // a usage or invoice minimum was applied
	FlagLate        = "late"        // bills late usage of an issued period
	FlagStale       = "stale"       // a draft whose inputs moved
)

// PreviousInvoice is what a row shows of the same schedule's invoice for
// the period before.
type PreviousInvoice struct {
	ID     string          `json:"id"`
	Number string          `json:"number,omitempty"`
	Status InvoiceStatus   `json:"status"`
	Total  decimal.Decimal `json:"total"`
}

// InvoiceRow is an invoice next to the previous period's: the data of one
// row of the month-end grid. A "missing" row has no current invoice (ID
// empty) and only Previous.
type InvoiceRow struct {
	Invoice
	Previous *PreviousInvoice     `json:"previous_invoice,omitempty"`
	Change   *pricing.Change      `json:"change,omitempty"` // on the total
	LineDiff []pricing.LineChange `json:"line_changes,omitempty"`
	Flags    []string             `json:"flags,omitempty"`
	Stale    []string             `json:"stale,omitempty"` // what moved, for stale drafts
}

// Thresholds say when a change is significant: a percentage of the
// previous total, or an amount; zero means not used.
type Thresholds struct {
	Percent decimal.Decimal
	Amount  decimal.Decimal
}

// DefaultThresholds flags changes of 20% or more.
var DefaultThresholds = Thresholds{Percent: decimal.NewFromInt(20)}

// MonthOverMonth returns the invoices of period label with the previous
// period's invoice of the same schedule, the change of total and per line,
// and flags; then a row for every schedule billed the period before but not
// in this one.
func (b *Book) MonthOverMonth(label string, th Thresholds) ([]InvoiceRow, error) {
	return b.monthOverMonth(label, th, true)
}

// SummaryRows is MonthOverMonth without the detail, for lists: each row's
// Invoice carries only what a grid row shows (id, customer, schedule and
// version, period, status, number, dates, currency, subtotal, tax, total,
// calculated at) — no Lines, Readings, Adjustments or Previous figures —
// and LineDiff is empty. Previous, Change, Flags and Stale are the same as
// MonthOverMonth's. It reads the invoices' compact summaries instead of
// decoding whole invoices (at 5,000 invoices with history ~10× faster than
// MonthOverMonth; see docs/performance.md); Invoice(id) gives one
// invoice's detail. The workstation's grid wants this one.
func (b *Book) SummaryRows(label string, th Thresholds) ([]InvoiceRow, error) {
	return b.monthOverMonth(label, th, false)
}

// monthOverMonth builds the rows from the summaries, with whole invoices
// and per-line changes if detail. A draft is stale-checked the slow way
// (Staleness) only when something it was priced from may have changed
// since it was last found current (changes.go).
func (b *Book) monthOverMonth(label string, th Thresholds, detail bool) ([]InvoiceRow, error) {
	var rows []InvoiceRow
	var suspect []int          // rows whose drafts may be stale
	full := map[int]Invoice{}  // whole invoices of suspect rows, when !detail
	seen := map[string]bool{}  // schedules with an invoice in label
	var prevRows []prevInvoice // the previous calendar month's
	var gone []invoiceSummary  // of those, the ones missing in label
	cs := currencies{}
	from, _, err := Month(label)
	if err != nil {
		return nil, err
	}
	prevLabel := from.AddDays(-1).String()[:7]
	err = b.view(func(tx *bolt.Tx) error {
		// The previous calendar month's invoices: most schedules' previous
		// periods, and the rows of those missing now.
		if err := forPeriod(tx, prevLabel, func(s *invoiceSummary) error {
			prevRows = append(prevRows, prevInvoice{
				PreviousInvoice: PreviousInvoice{ID: s.ID, Number: s.Number, Status: s.Status, Total: s.Total},
				scheduleID:      s.ScheduleID, index: s.Period.Index,
			})
			return nil
		}); err != nil {
			return err
		}
		prevOf := make(map[string]*prevInvoice, len(prevRows))
		for i := range prevRows {
			prevOf[prevRows[i].scheduleID] = &prevRows[i]
		}
		// Most schedules bill every month: last month's count is a good
		// first capacity, without a second scan of the period's index.
		rows = make([]InvoiceRow, 0, len(prevRows)+len(prevRows)/8)
		ic := tx.Bucket(bucketInvoices).Cursor()
		if err := forPeriod(tx, label, func(s *invoiceSummary) error {
			seen[s.ScheduleID] = true
			var inv Invoice
			var err error
			if detail {
				var found bool
				if inv, found, err = getInvoice(tx, s.ID); err == nil && !found {
					err = fmt.Errorf("invoice %s has a summary but no record (monthend check)", s.ID)
				}
			} else {
				inv, err = s.invoice(cs)
			}
			if err != nil {
				return err
			}
			row := InvoiceRow{Invoice: inv}
			var prev PreviousInvoice
			found := false
			if p := prevOf[s.ScheduleID]; p != nil && p.index == s.Period.Index-1 {
				prev, found = p.PreviousInvoice, true
			} else {
				var ps invoiceSummary
				if ps, found, err = previousSummary(tx, ic, s); err != nil {
					return err
				}
				prev = PreviousInvoice{ID: ps.ID, Number: ps.Number, Status: ps.Status, Total: ps.Total}
			}
			if found {
				row.Previous = &prev
				c := pricing.NewChange(prev.Total, s.Total)
				row.Change = &c
				if detail {
					p, _, err := getInvoice(tx, prev.ID)
					if err != nil {
						return err
					}
					row.LineDiff = pricing.CompareLines(p.Lines, inv.Lines)
				}
				if c.Exceeds(th.Percent, th.Amount) {
					row.Flags = append(row.Flags, FlagSignificant)
				}
			} else {
				row.Flags = append(row.Flags, FlagNew)
			}
			if s.Minimum {
				row.Flags = append(row.Flags, FlagMinimum)
			}
			if s.Late {
				row.Flags = append(row.Flags, FlagLate)
			}
			if s.Status == InvoiceDraft && !knownCurrent(tx, s) {
				suspect = append(suspect, len(rows))
				if !detail {
					whole, _, err := getInvoice(tx, s.ID)
					if err != nil {
						return err
					}
					full[len(rows)] = whole
				}
			}
			rows = append(rows, row)
			return nil
		}); err != nil {
			return err
		}
		for _, p := range prevRows {
			if !seen[p.scheduleID] && p.Status != InvoiceVoid {
				s, found, err := getSummary(tx, p.ID)
				if err == nil && !found {
					err = fmt.Errorf("invoice %s has no summary (monthend check)", p.ID)
				}
				if err != nil {
					return err
				}
				gone = append(gone, s)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Staleness reads usage in its own transactions, outside the view.
	for _, i := range suspect {
		inv, ok := full[i]
		if !ok {
			inv = rows[i].Invoice
		}
		reasons, err := b.Staleness(inv)
		if err != nil {
			return nil, err
		}
		if len(reasons) > 0 {
			rows[i].Stale = reasons
			rows[i].Flags = append(rows[i].Flags, FlagStale)
		}
	}
	missing, err := b.missingSchedules(label, gone, cs)
	if err != nil {
		return nil, err
	}
	return append(rows, missing...), nil
}

// prevInvoice is what monthOverMonth keeps of each of the previous
// calendar month's invoices: a fifth of a summary, for a period's worth of
// them (the few missing now are read again whole).
type prevInvoice struct {
	PreviousInvoice
	scheduleID string
	index      int // the period's
}

// forPeriod calls fn with the summary of every invoice of period label, by
// id: one scan of the period index. fn must not keep s: it is reused.
func forPeriod(tx *bolt.Tx, label string, fn func(s *invoiceSummary) error) error {
	prefix := periodIndexKey(label, "")
	c := tx.Bucket(bucketInvoicePeriods).Cursor()
	var s invoiceSummary
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		id := string(k[len(prefix):])
		if len(v) == 0 {
			return fmt.Errorf("invoice %s has no summary (monthend check)", id)
		}
		var err error
		if s, err = decodeSummary(id, v); err != nil {
			return fmt.Errorf("invoice summary %s: %w", id, err)
		}
		if err := fn(&s); err != nil {
			return err
		}
	}
	return nil
}

// previousSummary finds the same schedule's invoice for the period before
// s's, for schedules not billed monthly (monthOverMonth looks in the
// previous calendar month first). c is a cursor on the invoices bucket:
// ids are schedule ":" label and labels sort as periods do, so it is the
// schedule's first id before s's, if that one has the period index before.
// (Ids of another schedule whose id extends this one's with ":" can sit in
// between; they are stepped over.)
func previousSummary(tx *bolt.Tx, c *bolt.Cursor, s *invoiceSummary) (invoiceSummary, bool, error) {
	if s.Period.Index == 0 {
		return invoiceSummary{}, false, nil
	}
	prefix := s.ScheduleID + ":"
	var k []byte
	if k, _ = c.Seek([]byte(s.ID)); k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && strings.HasPrefix(string(k), prefix); k, _ = c.Prev() {
		p, found, err := getSummary(tx, string(k))
		if err != nil || !found {
			return p, false, err
		}
		if p.ScheduleID != s.ScheduleID {
			continue
		}
		return p, p.Period.Index == s.Period.Index-1, nil
	}
	return invoiceSummary{}, false, nil
}

// knownCurrent: the draft was found current and nothing it read changed
// since — usage of its days, or anything customer-wide, a new version of
// its schedule included — so it is not stale (changes.go).
func knownCurrent(tx *bolt.Tx, s *invoiceSummary) bool {
	return s.Checked != 0 && unchangedSince(tx, s.CustomerID, s.Checked, s.Through)
}

// missingSchedules are rows for the previous calendar month's invoices
// (prev, without those whose schedule has an invoice in label).
func (b *Book) missingSchedules(label string, prev []invoiceSummary, cs currencies) ([]InvoiceRow, error) {
	var rows []InvoiceRow
	for _, p := range prev {
		// Only where the schedule's calendar has a period starting in
		// label: a quarterly schedule is not missing in between.
		rec, err := b.Schedule(p.ScheduleID, 0)
		if err != nil {
			return nil, err
		}
		if _, err := rec.Schedule.Calendar().ParsePeriodRef(label); err != nil {
			continue
		}
		cur, err := cs.get(p.Currency)
		if err != nil {
			return nil, err
		}
		row := InvoiceRow{
			Invoice:  Invoice{CustomerID: p.CustomerID, ScheduleID: p.ScheduleID, Currency: cur, Period: InvoicePeriod{Label: label}},
			Previous: &PreviousInvoice{ID: p.ID, Number: p.Number, Status: p.Status, Total: p.Total},
			Flags:    []string{FlagMissing},
		}
		c := pricing.NewChange(p.Total, decimal.Zero)
		row.Change = &c
		rows = append(rows, row)
	}
	return rows, nil
}
