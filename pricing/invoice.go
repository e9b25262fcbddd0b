package pricing

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// LineKind tells what an invoice line is.
type LineKind string

const (
	ChargeLine         LineKind = "charge"          // a price line's charge for a span of service
	DiscountLine       LineKind = "discount"        // a discount, negative
	MinimumLine        LineKind = "minimum"         // a usage minimum's true-up
	InvoiceMinimumLine LineKind = "invoice_minimum" // the invoice minimum's true-up
)

// InvoiceLine is one computed line. Amount and Tax are rounded to the
// currency's minor unit; Explanation states the arithmetic that produced
// Amount, in the words a customer would read.
type InvoiceLine struct {
	Kind   LineKind
	Name   string
	Phase  string
	Model  Model  // empty for discounts and minimums
	Metric string // the usage metric, for usage lines
	Timing Timing
	// ServiceStart and ServiceEnd bound the days [start, end) the line is for.
	ServiceStart, ServiceEnd Date
	// Quantity is the usage (usage models) or the seats in force at the end
	// of the span (per_seat); zero for flat fees, discounts and minimums.
	Quantity    decimal.Decimal
	Amount      decimal.Decimal
	TaxRate     decimal.Decimal // percent
	Tax         decimal.Decimal
	Explanation string
}

// Invoice is what one billing period of a schedule costs. Subtotal and Tax
// are sums of the rounded lines, and Total = Subtotal + Tax, exactly.
type Invoice struct {
	Currency Currency
	// Period is the invoice's billing period; the invoice is dated at its
	// start. Advance lines bill this period; arrears lines bill the one before.
	Period   Period
	Lines    []InvoiceLine
	Subtotal decimal.Decimal
	Tax      decimal.Decimal
	Total    decimal.Decimal
}

// Price computes the invoice for billing period index (see Calendar; use
// Calendar.ParsePeriodRef to turn "2026-03" into an index). The schedule must
// be valid (Validate). Usage is asked for every usage line's span of service.
//
// The invoice dated at the start of period P bills advance lines for P and
// arrears lines — all usage — for the period before P. So the first invoice
// of a contract has no usage, and the one after the last period has only
// usage. A period with neither is an empty invoice.
func Price(s *Schedule, index int, usage Usage) (Invoice, error) {
	p := pricer{s: s, cal: s.Calendar(), usage: usage, cur: s.Currency, mode: s.Rounding}
	inv := Invoice{Currency: s.Currency, Period: p.cal.GridPeriod(index)}
	if index < 0 {
		return inv, fmt.Errorf("period index %d: before the contract start", index)
	}
	n := len(s.Discounts) + 2
	for i := range s.Phases {
		n += 2*len(s.Phases[i].Lines) + len(s.Phases[i].Discounts) + 1
	}
	inv.Lines = make([]InvoiceLine, 0, n)
	p.inv = &inv
	if svc, ok := p.cal.Period(index); ok {
		if err := p.service(svc, Advance); err != nil {
			return inv, err
		}
	}
	if svc, ok := p.cal.Period(index - 1); ok {
		if err := p.service(svc, Arrears); err != nil {
			return inv, err
		}
	}
	p.invoiceDiscounts(index)
	p.invoiceMinimum()
	sub, tax := minorSum{minor: p.cur.minor}, minorSum{minor: p.cur.minor}
	for i := range inv.Lines {
		l := &inv.Lines[i]
		if !l.TaxRate.IsZero() {
			l.Tax = Round(l.Amount.Mul(l.TaxRate).Shift(-2), p.cur, p.mode)
		}
		sub.add(l.Amount)
		tax.add(l.Tax)
	}
	inv.Subtotal, inv.Tax = sub.total(), tax.total()
	inv.Total = inv.Subtotal.Add(inv.Tax)
	return inv, nil
}

// pricer carries one Price call's inputs.
type pricer struct {
	s     *Schedule
	cal   Calendar
	usage Usage
	cur   Currency
	mode  Rounding
	inv   *Invoice
	// phaseIndex caches each phase's first period index (nil until needed).
	phaseIndex []int
}

// segment is the part of a service period that falls in one phase.
type segment struct {
	phase      int
	start, end Date
	period     Period // the whole service period
}

func (g segment) days() int { return g.start.DaysUntil(g.end) }

// full reports whether the segment covers the whole nominal period, so
// nothing is prorated.
func (g segment) full() bool { return g.days() == g.period.NominalDays() }

// segments splits service period svc at phase boundaries.
func (p *pricer) segments(svc Period) []segment {
	var out []segment
	for i := range p.s.Phases {
		start := maxDate(p.s.phaseStart(i), svc.Start)
		end := svc.End
		if pe := p.s.phaseEnd(i); !pe.IsZero() {
			end = minDate(end, pe)
		}
		if start.Before(end) {
			out = append(out, segment{phase: i, start: start, end: end, period: svc})
		}
	}
	return out
}

// service adds the lines of the given timing for service period svc.
func (p *pricer) service(svc Period, timing Timing) error {
	for _, seg := range p.segments(svc) {
		ph := &p.s.Phases[seg.phase]
		first := len(p.inv.Lines)
		usageCost := decimal.Zero // what the segment's usage lines cost, net
		for li := range ph.Lines {
			l := &ph.Lines[li]
			if l.timing() != timing {
				continue
			}
			from := len(p.inv.Lines)
			var err error
			if p.inv.Lines, err = p.lineCharges(p.inv.Lines, seg, l); err != nil {
				return fmt.Errorf("phase %q, line %q: %w", ph.Name, l.Name, err)
			}
			if l.Model.usesMetric() {
				usageCost = usageCost.Add(p.sum(p.inv.Lines[from:]))
			}
		}
		if ph.Minimum != nil && timing == Arrears {
			if err := p.phaseMinimum(seg, usageCost); err != nil {
				return fmt.Errorf("phase %q minimum: %w", ph.Name, err)
			}
		}
		if len(ph.Discounts) > 0 && len(p.inv.Lines) > first {
			k := p.periodInPhase(seg)
			for _, d := range ph.Discounts {
				if d.Periods == 0 || k < d.Periods {
					p.inv.Lines = p.discountLines(p.inv.Lines, p.inv.Lines[first:], d, ph.Name, seg)
				}
			}
		}
	}
	return nil
}

// periodInPhase is the 0-based number of seg's service period counted from
// the period holding its phase's start.
func (p *pricer) periodInPhase(seg segment) int {
	if p.phaseIndex == nil {
		p.phaseIndex = make([]int, len(p.s.Phases))
		for i := range p.s.Phases {
			p.phaseIndex[i] = p.cal.IndexOf(p.s.phaseStart(i))
		}
	}
	return seg.period.Index - p.phaseIndex[seg.phase]
}

// lineCharges prices one price line over one segment — its charge, its
// discounts and its minimum true-up — and appends them to out.
func (p *pricer) lineCharges(out []InvoiceLine, seg segment, l *PriceLine) ([]InvoiceLine, error) {
	ch, err := p.charge(seg, l)
	if err != nil {
		return out, err
	}
	first := len(out)
	out = append(out, ch)
	if len(l.Discounts) > 0 {
		k := p.periodInPhase(seg)
		for _, d := range l.Discounts {
			if d.Periods == 0 || k < d.Periods {
				out = p.discountLines(out, out[first:], d, p.s.Phases[seg.phase].Name, seg)
			}
		}
	}
	if !l.Minimum.IsZero() {
		if m, ok := p.lineMinimum(seg, l, out[first:]); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// taxRate is the line's tax rate, or the schedule's.
func (p *pricer) taxRate(l *PriceLine) decimal.Decimal {
	if l.TaxRate != nil {
		return *l.TaxRate
	}
	return p.s.TaxRate
}

// sum adds the (rounded) amounts of lines.
func (p *pricer) sum(lines []InvoiceLine) decimal.Decimal {
	t := minorSum{minor: p.cur.minor}
	for i := range lines {
		t.add(lines[i].Amount)
	}
	return t.total()
}
