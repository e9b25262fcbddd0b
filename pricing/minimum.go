package pricing

import (
	"strings"

	"github.com/shopspring/decimal"
)

// lineMinimum tops a usage line up to its per-period minimum, prorated for
// a segment shorter than the period. lines are the line's charge and
// discounts so far.
func (p *pricer) lineMinimum(seg segment, l *PriceLine, lines []InvoiceLine) (InvoiceLine, bool) {
	floor := Round(prorate(l.Minimum, seg.days(), seg.period.NominalDays()), p.cur, p.mode)
	return p.trueUp(floor, p.sum(lines), "Minimum for "+l.Name, "usage charges", seg, p.taxRate(l))
}

// phaseMinimum trues up the phase's usage charges: per period, against
// the (prorated) minimum for this segment; per phase, once, on the segment
// that ends the phase, against everything the phase's usage cost.
// used is what the segment's usage lines cost, net of their discounts.
func (p *pricer) phaseMinimum(seg segment, used decimal.Decimal) error {
	ph := &p.s.Phases[seg.phase]
	m := ph.Minimum
	name := "Minimum commitment"
	switch m.Per {
	case PerPeriod:
		floor := Round(prorate(m.Amount, seg.days(), seg.period.NominalDays()), p.cur, p.mode)
		if l, ok := p.trueUp(floor, used, name, "usage charges", seg, p.s.TaxRate); ok {
			p.inv.Lines = append(p.inv.Lines, l)
		}
	case PerPhase:
		end := p.s.phaseEnd(seg.phase)
		if end.IsZero() || !seg.end.Equal(end) {
			return nil // the phase goes on: trued up on its last invoice
		}
		// Earlier periods of the phase: price their usage again, exactly as
		// their invoices did, to know what the phase's usage has cost.
		for k := p.cal.IndexOf(p.s.phaseStart(seg.phase)); k < seg.period.Index; k++ {
			svc, ok := p.cal.Period(k)
			if !ok {
				continue
			}
			for _, s := range p.segments(svc) {
				if s.phase != seg.phase {
					continue
				}
				for li := range ph.Lines {
					l := &ph.Lines[li]
					if !l.Model.usesMetric() {
						continue
					}
					lines, err := p.lineCharges(nil, s, l)
					if err != nil {
						return err
					}
					used = used.Add(p.sum(lines))
				}
			}
		}
		if l, ok := p.trueUp(m.Amount, used, name, "usage charges in "+ph.Name, seg, p.s.TaxRate); ok {
			p.inv.Lines = append(p.inv.Lines, l)
		}
	}
	return nil
}

// invoiceMinimum tops the invoice's net subtotal up to the schedule's
// invoice minimum. An invoice with no lines has nothing to top up.
func (p *pricer) invoiceMinimum() {
	if p.s.InvoiceMinimum.IsZero() || len(p.inv.Lines) == 0 {
		return
	}
	seg := segment{start: p.inv.Period.Start, end: p.inv.Period.End}
	if l, ok := p.trueUp(p.s.InvoiceMinimum, p.sum(p.inv.Lines), "Invoice minimum", "invoice subtotal", seg, p.s.TaxRate); ok {
		l.Kind = InvoiceMinimumLine
		p.inv.Lines = append(p.inv.Lines, l)
	}
}

// trueUp returns the line "minimum − what = gap" when what falls short of floor.
func (p *pricer) trueUp(floor, what decimal.Decimal, name, whatName string, seg segment, rate decimal.Decimal) (InvoiceLine, bool) {
	floor = Round(floor, p.cur, p.mode)
	gap := floor.Sub(what)
	if !gap.IsPositive() {
		return InvoiceLine{}, false
	}
	var b strings.Builder
	b.WriteString("minimum ")
	writeAmount(&b, floor, p.cur.minor)
	b.WriteString(" − ")
	b.WriteString(whatName)
	b.WriteString(" ")
	writeAmount(&b, what, p.cur.minor)
	b.WriteString(" = ")
	writeAmount(&b, gap, p.cur.minor)
	return InvoiceLine{
		Kind: MinimumLine, Name: name, Phase: p.phaseName(seg),
		ServiceStart: seg.start, ServiceEnd: seg.end,
		Amount: gap, TaxRate: rate, Explanation: b.String(),
	}, true
}

func (p *pricer) phaseName(seg segment) string {
	if seg.period.IsZero() {
		return ""
	}
	return p.s.Phases[seg.phase].Name
}
