package pricing

import (
	"strings"

	"github.com/shopspring/decimal"
)

// discountLines applies discount d to the lines it covers and appends the
// discount lines to out, one per tax rate among them (usually one), so that tax
// stays right per line. A percent discount takes its percent of each
// group's net amount; a fixed amount is shared across groups in proportion
// to their net amounts. No discount takes a group below zero.
func (p *pricer) discountLines(out, covered []InvoiceLine, d Discount, phase string, seg segment) []InvoiceLine {
	type group struct {
		rate decimal.Decimal
		sum  minorSum
		net  decimal.Decimal
	}
	groups := make([]group, 0, 2)
	for i := range covered {
		l := &covered[i]
		g := 0
		for g < len(groups) && !groups[g].rate.Equal(l.TaxRate) {
			g++
		}
		if g == len(groups) {
			groups = append(groups, group{rate: l.TaxRate, sum: minorSum{minor: p.cur.minor}})
		}
		groups[g].sum.add(l.Amount)
	}
	for g := range groups {
		groups[g].net = groups[g].sum.total()
	}
	name := discountName(d, covered)
	total := decimal.Zero // the covered net, needed to share a fixed amount
	if len(groups) > 1 {
		for _, g := range groups {
			total = total.Add(g.net)
		}
	}
	fixed := Round(d.Amount, p.cur, p.mode)
	left := fixed // what a fixed discount has still to allocate
	for gi, g := range groups {
		if !g.net.IsPositive() {
			continue
		}
		var b strings.Builder
		var off decimal.Decimal
		if !d.Percent.IsZero() {
			raw := g.net.Mul(d.Percent).Shift(-2)
			off = Round(raw, p.cur, p.mode)
			writeAmount(&b, d.Percent, 0)
			b.WriteString("% × ")
			writeAmount(&b, g.net, p.cur.minor)
			p.writeResult(&b, raw, off)
		} else {
			off = left
			if gi < len(groups)-1 && total.IsPositive() {
				off = Round(fixed.Mul(g.net).Div(total), p.cur, p.mode)
			}
			left = left.Sub(off)
			writeAmount(&b, fixed, p.cur.minor)
			b.WriteString(" off")
			if len(groups) > 1 {
				b.WriteString(", share at ")
				writeAmount(&b, g.rate, 0)
				b.WriteString("% tax = ")
				writeAmount(&b, off, p.cur.minor)
			}
		}
		if off.GreaterThan(g.net) {
			b.WriteString(", capped at the ")
			writeAmount(&b, g.net, p.cur.minor)
			b.WriteString(" it discounts")
			off = g.net
		}
		out = append(out, InvoiceLine{
			Kind: DiscountLine, Name: name, Phase: phase,
			ServiceStart: seg.start, ServiceEnd: seg.end,
			Amount: off.Neg(), TaxRate: g.rate, Explanation: b.String(),
		})
	}
	return out
}

// discountName is "Discount 10% (3-year commitment) on Platform fee", or
// without "on …" when it covers several lines (the line's Phase says which).
func discountName(d Discount, covered []InvoiceLine) string {
	var b strings.Builder
	b.WriteString("Discount")
	if !d.Percent.IsZero() {
		b.WriteString(" ")
		writeAmount(&b, d.Percent, 0)
		b.WriteString("%")
	}
	if d.Label != "" {
		b.WriteString(" (")
		b.WriteString(d.Label)
		b.WriteString(")")
	}
	if len(covered) == 1 {
		b.WriteString(" on ")
		b.WriteString(covered[0].Name)
	}
	return b.String()
}

// invoiceDiscounts applies the schedule's discounts to the whole invoice;
// a discount with Periods applies to the first Periods invoices.
func (p *pricer) invoiceDiscounts(index int) {
	if len(p.inv.Lines) == 0 {
		return
	}
	for _, d := range p.s.Discounts {
		if d.Periods != 0 && index >= d.Periods {
			continue
		}
		seg := segment{start: p.inv.Period.Start, end: p.inv.Period.End}
		p.inv.Lines = p.discountLines(p.inv.Lines, p.inv.Lines, d, "", seg)
	}
}
