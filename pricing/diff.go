package pricing

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// DiffSchedules says in words what changed from schedule a to schedule b:
// terms (currency, dates, billing, tax), seat counts, phases added, removed
// or moved, and, line by line, prices, tiers, discounts and minimums.
// Phases are matched by name, lines by name within their phase. Nothing
// changed: no sentences. Prices read "price 3,100.00 → 3,348.00 (+8%)".
func DiffSchedules(a, b *Schedule) []string {
	d := differ{minor: b.Currency.MinorUnits()}
	d.field("currency", a.Currency.Code(), b.Currency.Code())
	d.field("time zone", a.TimeZone, b.TimeZone)
	d.field("start", a.Start.String(), b.Start.String())
	d.field("end", dateOrOpen(a.End), dateOrOpen(b.End))
	d.field("billing", string(a.Billing.Frequency), string(b.Billing.Frequency))
	d.field("anchor day", anchorText(a.Billing.AnchorDay), anchorText(b.Billing.AnchorDay))
	d.field("rounding", roundingText(a.Rounding), roundingText(b.Rounding))
	d.field("tax rate", percentText(a.TaxRate), percentText(b.TaxRate))
	d.field("invoice minimum", d.amountOrNone(a.InvoiceMinimum), d.amountOrNone(b.InvoiceMinimum))
	for _, name := range unionKeys(a.Seats, b.Seats) {
		d.field(fmt.Sprintf("seats %q", name), seatText(a.Seats[name]), seatText(b.Seats[name]))
	}
	d.discounts("invoice discounts", a.Discounts, b.Discounts)
	for i := range b.Phases {
		pb := &b.Phases[i]
		j := slices.IndexFunc(a.Phases, func(p Phase) bool { return p.Name == pb.Name })
		if j < 0 {
			d.add("phase %q added (from %s, %d lines)", pb.Name, b.phaseStart(i), len(pb.Lines))
			continue
		}
		pa := &a.Phases[j]
		place := fmt.Sprintf("phase %q", pb.Name)
		d.field(place+" start", a.phaseStart(j).String(), b.phaseStart(i).String())
		d.discounts(place+" discounts", pa.Discounts, pb.Discounts)
		d.field(place+" minimum", d.minimumText(pa.Minimum), d.minimumText(pb.Minimum))
		for _, lb := range pb.Lines {
			k := slices.IndexFunc(pa.Lines, func(l PriceLine) bool { return l.Name == lb.Name })
			if k < 0 {
				d.add("%s: line %q added (%s)", place, lb.Name, d.lineSummary(lb))
				continue
			}
			d.line(fmt.Sprintf("%s, line %q", place, lb.Name), pa.Lines[k], lb)
		}
		for _, la := range pa.Lines {
			if !slices.ContainsFunc(pb.Lines, func(l PriceLine) bool { return l.Name == la.Name }) {
				d.add("%s: line %q removed (was %s)", place, la.Name, d.lineSummary(la))
			}
		}
	}
	for _, pa := range a.Phases {
		if !slices.ContainsFunc(b.Phases, func(p Phase) bool { return p.Name == pa.Name }) {
			d.add("phase %q removed (%d lines)", pa.Name, len(pa.Lines))
		}
	}
	return d.out
}

type differ struct {
	minor int32
	out   []string
}

func (d *differ) add(format string, args ...any) { d.out = append(d.out, fmt.Sprintf(format, args...)) }

// field reports a changed value as "what a → b".
func (d *differ) field(what, a, b string) {
	if a != b {
		d.add("%s %s → %s", what, a, b)
	}
}

// price reports a changed price with its relative change.
func (d *differ) price(what string, a, b decimal.Decimal) {
	if a.Equal(b) {
		return
	}
	change := ""
	if !a.IsZero() {
		pct := b.Sub(a).Shift(2).Div(a)
		sign := "+"
		if pct.IsNegative() {
			sign = ""
		}
		// A percentage for reading, not money: two places are plenty.
		change = fmt.Sprintf(" (%s%s%%)", sign, FormatAmount(pct.Round(2), 0))
	}
	d.add("%s %s → %s%s", what, d.amount(a), d.amount(b), change)
}

func (d *differ) amount(x decimal.Decimal) string { return FormatAmount(x, d.minor) }

func (d *differ) amountOrNone(x decimal.Decimal) string {
	if x.IsZero() {
		return "none"
	}
	return d.amount(x)
}

func (d *differ) line(place string, a, b PriceLine) {
	d.field(place+" model", string(a.Model), string(b.Model))
	d.field(place+" timing", string(a.timing()), string(b.timing()))
	d.price(place+" price", a.Price, b.Price)
	d.field(place+" metric", orNone(a.Metric), orNone(b.Metric))
	d.field(place+" seats", orNone(a.Seats), orNone(b.Seats))
	d.field(place+" tiers", d.tiersText(a.Tiers), d.tiersText(b.Tiers))
	d.field(place+" package", d.packageText(a.Package), d.packageText(b.Package))
	d.field(place+" percent", percentText(a.Percent), percentText(b.Percent))
	d.price(place+" fixed fee", a.FixedFee, b.FixedFee)
	d.field(place+" count metric", orNone(a.CountMetric), orNone(b.CountMetric))
	d.field(place+" tax rate", ratePtrText(a.TaxRate), ratePtrText(b.TaxRate))
	d.field(place+" minimum", d.amountOrNone(a.Minimum), d.amountOrNone(b.Minimum))
	d.discounts(place+" discounts", a.Discounts, b.Discounts)
}

// lineSummary is a line in a few words: "flat 3,100.00", "graduated on api_calls".
func (d *differ) lineSummary(l PriceLine) string {
	switch l.Model {
	case Flat:
		return "flat " + d.amount(l.Price)
	case PerSeat:
		return fmt.Sprintf("%s × seats %s", d.amount(l.Price), l.Seats)
	case PerUnit:
		return fmt.Sprintf("%s per %s", FormatAmount(l.Price, d.minor), l.Metric)
	}
	return fmt.Sprintf("%s on %s", l.Model, l.Metric)
}

func (d *differ) discounts(place string, a, b []Discount) {
	ta, tb := make([]string, len(a)), make([]string, len(b))
	for i, x := range a {
		ta[i] = d.discountText(x)
	}
	for i, x := range b {
		tb[i] = d.discountText(x)
	}
	for _, t := range tb {
		if !slices.Contains(ta, t) {
			d.add("%s: added %s", place, t)
		}
	}
	for _, t := range ta {
		if !slices.Contains(tb, t) {
			d.add("%s: removed %s", place, t)
		}
	}
}

func (d *differ) discountText(x Discount) string {
	var s string
	if !x.Percent.IsZero() {
		s = percentText(x.Percent)
	} else {
		s = d.amount(x.Amount)
	}
	if x.Label != "" {
		s += " (" + x.Label + ")"
	}
	if x.Periods > 0 {
		s += fmt.Sprintf(" for %d periods", x.Periods)
	}
	return s
}

func (d *differ) minimumText(m *UsageMinimum) string {
	if m == nil {
		return "none"
	}
	return d.amount(m.Amount) + " per " + string(m.Per)
}

func (d *differ) tiersText(ts []Tier) string {
	if len(ts) == 0 {
		return "none"
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		bound := "rest"
		if t.UpTo != nil {
			bound = "up to " + FormatAmount(*t.UpTo, 0)
		}
		parts[i] = bound + " at " + FormatAmount(t.UnitPrice, d.minor)
		if !t.FlatFee.IsZero() {
			parts[i] += " + " + d.amount(t.FlatFee) + " flat"
		}
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

func (d *differ) packageText(p *PackagePrice) string {
	if p == nil {
		return "none"
	}
	s := fmt.Sprintf("%s per %s", FormatAmount(p.Price, d.minor), FormatAmount(p.Size, 0))
	if !p.FreeUnits.IsZero() {
		s += fmt.Sprintf(" after %s free", FormatAmount(p.FreeUnits, 0))
	}
	return s
}

func seatText(cs []SeatChange) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s from %s", FormatAmount(c.Quantity, 0), c.From)
	}
	return strings.Join(parts, ", ")
}

func dateOrOpen(d Date) string {
	if d.IsZero() {
		return "open"
	}
	return d.String()
}

func anchorText(day int) string {
	if day == 0 {
		return "the start's day"
	}
	return fmt.Sprint(day)
}

func roundingText(r Rounding) string {
	if r == "" {
		return string(HalfAwayFromZero)
	}
	return string(r)
}

func percentText(p decimal.Decimal) string { return FormatAmount(p, 0) + "%" }

func ratePtrText(p *decimal.Decimal) string {
	if p == nil {
		return "the schedule's"
	}
	return percentText(*p)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func unionKeys[V any](a, b map[string]V) []string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return slices.Sorted(maps.Keys(keys))
}
