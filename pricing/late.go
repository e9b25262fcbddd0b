package pricing

import (
	"fmt"
	"strings"
)

// LateUsage prices usage that arrived after the invoice billing service
// period index was issued. For each usage line it prices the period's usage
// as billed (billed) and as it stands now (now) and returns one adjustment
// line per line whose charge changed: the difference of the two charges,
// so a tiered price bills the difference between the tiered totals, not
// the extra units at the first tier's price. Minimums and discounts of the
// period are not re-applied: the adjustment is the usage's own price.
//
// The lines carry Kind ChargeLine, their tax (rounded per line), the service days of the original period
// and an explanation such as "late usage for 1 Mar – 31 Mar: +1,240 (1,000
// → 2,240): 160.00 − 100.00 already billed = 60.00".
func LateUsage(s *Schedule, index int, billed, now Usage) ([]InvoiceLine, error) {
	svc, ok := s.Calendar().Period(index)
	if !ok {
		return nil, fmt.Errorf("late usage: period %d is not in the contract", index)
	}
	p := pricer{s: s, cal: s.Calendar(), cur: s.Currency, mode: s.Rounding}
	var out []InvoiceLine
	for _, seg := range p.segments(svc) {
		ph := &s.Phases[seg.phase]
		for li := range ph.Lines {
			l := &ph.Lines[li]
			if !l.Model.usesMetric() {
				continue
			}
			p.usage = billed
			was, err := p.charge(seg, l)
			if err != nil {
				return nil, fmt.Errorf("late usage, line %q as billed: %w", l.Name, err)
			}
			p.usage = now
			is, err := p.charge(seg, l)
			if err != nil {
				return nil, fmt.Errorf("late usage, line %q now: %w", l.Name, err)
			}
			diff := is.Amount.Sub(was.Amount)
			if diff.IsZero() && is.Quantity.Equal(was.Quantity) {
				continue
			}
			var b strings.Builder
			b.WriteString("late usage for ")
			b.WriteString(seg.start.Short())
			b.WriteString(" – ")
			b.WriteString(seg.end.AddDays(-1).Short())
			b.WriteString(": ")
			delta := is.Quantity.Sub(was.Quantity)
			if delta.IsPositive() {
				b.WriteByte('+')
			}
			writeAmount(&b, delta, 0)
			b.WriteString(" (")
			writeAmount(&b, was.Quantity, 0)
			b.WriteString(" → ")
			writeAmount(&b, is.Quantity, 0)
			b.WriteString("): ")
			b.WriteString(is.Explanation)
			b.WriteString("; ")
			writeAmount(&b, is.Amount, p.cur.minor)
			b.WriteString(" − ")
			writeAmount(&b, was.Amount, p.cur.minor)
			b.WriteString(" already billed = ")
			writeAmount(&b, diff, p.cur.minor)
			adj := is
			adj.Name = "Late usage: " + l.Name
			adj.Quantity = delta
			adj.Amount = diff
			adj.Explanation = b.String()
			if !adj.TaxRate.IsZero() {
				adj.Tax = Round(adj.Amount.Mul(adj.TaxRate).Shift(-2), p.cur, p.mode)
			}
			out = append(out, adj)
		}
	}
	return out, nil
}
