package ledger

import (
	"slices"

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
	current, err := b.InvoicesFor(label)
	if err != nil {
		return nil, err
	}
	var rows []InvoiceRow
	seen := map[string]bool{}
	err = b.view(func(tx *bolt.Tx) error {
		for _, inv := range current {
			seen[inv.ScheduleID] = true
			row := InvoiceRow{Invoice: inv}
			prev, found, err := previousInvoice(tx, inv)
			if err != nil {
				return err
			}
			if found {
				row.Previous = &PreviousInvoice{ID: prev.ID, Number: prev.Number, Status: prev.Status, Total: prev.Total}
				c := pricing.NewChange(prev.Total, inv.Total)
				row.Change = &c
				row.LineDiff = pricing.CompareLines(prev.Lines, inv.Lines)
				if c.Exceeds(th.Percent, th.Amount) {
					row.Flags = append(row.Flags, FlagSignificant)
				}
			} else {
				row.Flags = append(row.Flags, FlagNew)
			}
			if slices.ContainsFunc(inv.Lines, func(l pricing.InvoiceLine) bool {
				return l.Kind == pricing.MinimumLine || l.Kind == pricing.InvoiceMinimumLine
			}) {
				row.Flags = append(row.Flags, FlagMinimum)
			}
			if len(inv.Adjustments) > 0 {
				row.Flags = append(row.Flags, FlagLate)
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Staleness reads usage in its own transactions, outside the view.
	for i := range rows {
		if rows[i].Status != InvoiceDraft {
			continue
		}
		reasons, err := b.Staleness(rows[i].Invoice)
		if err != nil {
			return nil, err
		}
		if len(reasons) > 0 {
			rows[i].Stale = reasons
			rows[i].Flags = append(rows[i].Flags, FlagStale)
		}
	}
	missing, err := b.missingSchedules(label, seen)
	if err != nil {
		return nil, err
	}
	return append(rows, missing...), nil
}

// previousInvoice finds the same schedule's invoice for the period before.
func previousInvoice(tx *bolt.Tx, inv Invoice) (Invoice, bool, error) {
	if inv.Period.Index == 0 {
		return Invoice{}, false, nil
	}
	rec, found, err := latestSchedule(tx, inv.ScheduleID)
	if err != nil || !found {
		return Invoice{}, false, err
	}
	label := rec.Schedule.Calendar().GridPeriod(inv.Period.Index - 1).Label()
	return getInvoice(tx, invoiceID(inv.ScheduleID, label))
}

// missingSchedules are rows for the previous calendar month's invoices
// whose schedule has no invoice in label.
func (b *Book) missingSchedules(label string, seen map[string]bool) ([]InvoiceRow, error) {
	from, _, err := Month(label)
	if err != nil {
		return nil, err
	}
	prevLabel := from.AddDays(-1).String()[:7]
	prev, err := b.InvoicesFor(prevLabel)
	if err != nil {
		return nil, err
	}
	var rows []InvoiceRow
	for _, p := range prev {
		if seen[p.ScheduleID] || p.Status == InvoiceVoid {
			continue
		}
		// Only where the schedule's calendar has a period starting in
		// label: a quarterly schedule is not missing in between.
		rec, err := b.Schedule(p.ScheduleID, 0)
		if err != nil {
			return nil, err
		}
		if _, err := rec.Schedule.Calendar().ParsePeriodRef(label); err != nil {
			continue
		}
		row := InvoiceRow{
			Invoice:  Invoice{CustomerID: p.CustomerID, ScheduleID: p.ScheduleID, Currency: p.Currency, Period: InvoicePeriod{Label: label}},
			Previous: &PreviousInvoice{ID: p.ID, Number: p.Number, Status: p.Status, Total: p.Total},
			Flags:    []string{FlagMissing},
		}
		c := pricing.NewChange(p.Total, decimal.Zero)
		row.Change = &c
		rows = append(rows, row)
	}
	return rows, nil
}
