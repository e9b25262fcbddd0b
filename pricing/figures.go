package pricing

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// AssumedUsage is a usage forecast for quotes: the same quantity of each
// metric in every billing period of the calendar, all of it on the period's
// first day. A range's total is the sum over the periods whose first day
// falls in it, so a period split by a phase change bills its usage in the
// phase that holds the first day — the same answer the book gives for
// usage recorded on that day. Metrics it does not list were not used.
type AssumedUsage struct {
	Calendar  Calendar
	PerPeriod map[string]decimal.Decimal
}

// Total implements Usage.
func (u AssumedUsage) Total(metric string, from, to Date) (decimal.Decimal, error) {
	q := u.PerPeriod[metric]
	if q.IsZero() || !from.Before(to) {
		return decimal.Zero, nil
	}
	n := int64(0)
	for i := max(u.Calendar.IndexOf(from), 0); ; i++ {
		p, ok := u.Calendar.Period(i)
		if !ok || !p.Start.Before(to) {
			break
		}
		if !p.Start.Before(from) {
			n++
		}
	}
	return q.Mul(decimal.NewFromInt(n)), nil
}

// Figures are a contract's commercial figures, computed by pricing every
// invoice of the contract (at an assumed usage): what a quote shows while it
// is written. All amounts are net (before tax) and exact sums of rounded
// invoice lines, so they reconcile with the invoices to the cent.
type Figures struct {
	Currency Currency
	Phases   []PhaseFigures
	Years    []YearFigures
	// TCV is the total contract value: the net subtotals of every invoice
	// of the contract, discounts applied, usage at the assumed volume.
	TCV decimal.Decimal
	// ListTCV is the same with every discount removed.
	ListTCV decimal.Decimal
	// Discount is ListTCV − TCV: what the discounts are worth.
	Discount decimal.Decimal
	// EffectiveDiscount is Discount as a percent of ListTCV (0 when
	// ListTCV is 0); an exact ratio to 16 decimal places, not money.
	EffectiveDiscount decimal.Decimal
	// Invoices are every invoice of the contract in order: one per billing
	// period and, for arrears usage, one after the last.
	Invoices []Invoice
}

// PhaseFigures are one phase's recurring price.
type PhaseFigures struct {
	Name       string
	Start, End Date // [Start, End)
	// PerPeriod is what a full billing period of the phase costs, net of
	// the phase's discounts, usage at the assumed volume: the first period
	// that lies wholly in the phase. When no period does (a two-week
	// trial), Full is false and PerPeriod is the phase's Total.
	PerPeriod decimal.Decimal
	Full      bool
	// PerYear is PerPeriod × the billing periods in a year (Total when
	// the phase has no full period).
	PerYear decimal.Decimal
	// Total is everything the phase's lines bill over the contract.
	Total decimal.Decimal
}

// YearFigures is one contract year: the months [Start, End) counted from the
// contract start, and the net amount of every invoice line whose service
// starts in it (the annual recurring revenue of that year, usage at the
// assumed volume included). Invoice-level lines of the invoice after the
// end count in the last year, so the years add up to the TCV.
type YearFigures struct {
	Year       int // 1-based
	Start, End Date
	Amount     decimal.Decimal
}

// ErrOpenEnded is returned by QuoteFigures for a schedule without an end:
// a contract value needs a term.
var ErrOpenEnded = errors.New("the contract has no end")

// QuoteFigures prices every invoice of a schedule that ends (a quote's
// schedule: start plus term) with usage at the assumed volume per metric
// per billing period (AssumedUsage), and derives the figures a quote shows.
// The schedule must be valid. Pure: same input, same figures.
func QuoteFigures(s *Schedule, perPeriod map[string]decimal.Decimal) (Figures, error) {
	f := Figures{Currency: s.Currency, TCV: decimal.Zero, ListTCV: decimal.Zero}
	if s.End.IsZero() {
		return f, fmt.Errorf("figures: %w (give the quote a term)", ErrOpenEnded)
	}
	cal := s.Calendar()
	usage := AssumedUsage{Calendar: cal, PerPeriod: perPeriod}
	var err error
	if f.Invoices, err = contractInvoices(s, usage); err != nil {
		return f, err
	}
	list, err := contractInvoices(withoutDiscounts(s), usage)
	if err != nil {
		return f, err
	}
	for _, inv := range f.Invoices {
		f.TCV = f.TCV.Add(inv.Subtotal)
	}
	for _, inv := range list {
		f.ListTCV = f.ListTCV.Add(inv.Subtotal)
	}
	f.Discount = f.ListTCV.Sub(f.TCV)
	f.EffectiveDiscount = decimal.Zero
	if f.ListTCV.IsPositive() {
		f.EffectiveDiscount = f.Discount.Shift(2).Div(f.ListTCV)
	}
	f.Years = contractYears(s, f.Invoices)
	f.Phases = phaseFigures(s, cal, f.Invoices)
	return f, nil
}

// contractInvoices prices every invoice of an ending contract.
func contractInvoices(s *Schedule, usage Usage) ([]Invoice, error) {
	cal := s.Calendar()
	var out []Invoice
	for i := 0; ; i++ {
		_, service := cal.Period(i)
		_, arrears := cal.Period(i - 1)
		if !service && !arrears {
			return out, nil
		}
		inv, err := Price(s, i, usage)
		if err != nil {
			return nil, fmt.Errorf("figures: invoice %d (%s): %w", i+1, inv.Period.Label(), err)
		}
		out = append(out, inv)
	}
}

// withoutDiscounts is a copy of s with no discount at any level.
func withoutDiscounts(s *Schedule) *Schedule {
	c := *s
	c.Discounts = nil
	c.Phases = make([]Phase, len(s.Phases))
	for i, ph := range s.Phases {
		ph.Discounts = nil
		ph.Lines = append([]PriceLine(nil), ph.Lines...)
		for j := range ph.Lines {
			ph.Lines[j].Discounts = nil
		}
		c.Phases[i] = ph
	}
	return &c
}

// contractYears adds every line to the contract year its service starts in.
func contractYears(s *Schedule, invoices []Invoice) []YearFigures {
	var years []YearFigures
	for k := 0; ; k++ {
		start := anchorDate(s.Start.Year(), s.Start.Month(), 12*k, s.Start.Day())
		if !start.Before(s.End) {
			break
		}
		end := minDate(anchorDate(s.Start.Year(), s.Start.Month(), 12*(k+1), s.Start.Day()), s.End)
		years = append(years, YearFigures{Year: k + 1, Start: start, End: end, Amount: decimal.Zero})
	}
	for _, inv := range invoices {
		for _, l := range inv.Lines {
			// The invoice after the last period bills usage in arrears; its
			// invoice-level lines (a minimum, a discount) are dated after the
			// end and belong to the last year.
			i := len(years) - 1
			for i > 0 && l.ServiceStart.Before(years[i].Start) {
				i--
			}
			years[i].Amount = years[i].Amount.Add(l.Amount)
		}
	}
	return years
}

// phaseFigures finds each phase's first full billing period and sums its
// lines (advance on that period's invoice, arrears on the next).
func phaseFigures(s *Schedule, cal Calendar, invoices []Invoice) []PhaseFigures {
	perYear := decimal.NewFromInt(int64(12 / s.Billing.Frequency.Months()))
	out := make([]PhaseFigures, len(s.Phases))
	for i, ph := range s.Phases {
		pf := PhaseFigures{Name: ph.Name, Start: s.phaseStart(i), End: s.phaseEnd(i), Total: decimal.Zero, PerPeriod: decimal.Zero}
		var full Period
		for k := max(cal.IndexOf(pf.Start), 0); ; k++ {
			p, ok := cal.Period(k)
			if !ok || !p.Start.Before(pf.End) {
				break
			}
			if !p.Partial() && !p.Start.Before(pf.Start) && !p.End.After(pf.End) {
				full, pf.Full = p, true
				break
			}
		}
		for _, inv := range invoices {
			for _, l := range inv.Lines {
				if l.Phase != ph.Name {
					continue
				}
				pf.Total = pf.Total.Add(l.Amount)
				if pf.Full && l.ServiceStart.Equal(full.Start) && l.ServiceEnd.Equal(full.End) {
					pf.PerPeriod = pf.PerPeriod.Add(l.Amount)
				}
			}
		}
		pf.PerYear = pf.PerPeriod.Mul(perYear)
		if !pf.Full {
			pf.PerPeriod, pf.PerYear = pf.Total, pf.Total
		}
		out[i] = pf
	}
	return out
}
