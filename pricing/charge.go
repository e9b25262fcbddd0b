package pricing

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// charge prices line l over segment seg, before discounts and minimums.
func (p *pricer) charge(seg segment, l *PriceLine) (InvoiceLine, error) {
	line := InvoiceLine{
		Kind: ChargeLine, Name: l.Name, Phase: p.s.Phases[seg.phase].Name,
		Model: l.Model, Metric: l.Metric, Timing: l.timing(),
		ServiceStart: seg.start, ServiceEnd: seg.end, TaxRate: p.taxRate(l),
	}
	var b strings.Builder
	b.Grow(128)
	var raw decimal.Decimal
	switch l.Model {
	case Flat:
		raw = p.flat(&b, seg, l.Price)
	case PerSeat:
		raw, line.Quantity = p.perSeat(&b, seg, l)
	default:
		qty, err := p.usage.Total(l.Metric, seg.start, seg.end)
		if err != nil {
			return line, err
		}
		line.Quantity = qty
		raw, err = p.usageCharge(&b, l, qty, seg)
		if err != nil {
			return line, err
		}
	}
	line.Amount = Round(raw, p.cur, p.mode)
	p.writeResult(&b, raw, line.Amount)
	line.Explanation = b.String()
	return line, nil
}

// usageCharge prices qty units of a usage line. Tiers, blocks and free
// units apply to the segment's usage as it is: they are not prorated.
func (p *pricer) usageCharge(b *strings.Builder, l *PriceLine, qty decimal.Decimal, seg segment) (decimal.Decimal, error) {
	ps := p.cur.minor
	switch l.Model {
	case PerUnit:
		writeAmount(b, qty, 0)
		b.WriteString(" × ")
		writeAmount(b, l.Price, ps)
		return qty.Mul(l.Price), nil
	case GraduatedM:
		amt, uses := Graduated(l.Tiers, qty)
		if len(uses) == 0 {
			b.WriteString("0 units")
		}
		explainGraduated(b, l.Tiers, uses, ps)
		return amt, nil
	case VolumeM:
		amt, use := Volume(l.Tiers, qty)
		if use.Tier == 0 {
			b.WriteString("0 units")
		} else {
			explainVolume(b, l.Tiers, use, ps)
		}
		return amt, nil
	case Package:
		return packageCharge(b, l.Package, qty, ps), nil
	case Percentage:
		return p.percentage(b, l, qty, seg)
	}
	return decimal.Zero, fmt.Errorf("unknown model %q", l.Model)
}

// packageCharge: Price per started block of Size units after FreeUnits.
// "12,400 − 1,000 free = 11,400 → 12 blocks of 1,000 × 25.00"
func packageCharge(b *strings.Builder, pk *PackagePrice, qty decimal.Decimal, ps int32) decimal.Decimal {
	billable := qty
	writeAmount(b, qty, 0)
	if !pk.FreeUnits.IsZero() {
		billable = decimal.Max(qty.Sub(pk.FreeUnits), decimal.Zero)
		b.WriteString(" − ")
		writeAmount(b, pk.FreeUnits, 0)
		b.WriteString(" free = ")
		writeAmount(b, billable, 0)
	}
	blocks := decimal.Zero
	if billable.IsPositive() {
		blocks = billable.Div(pk.Size).Ceil()
	}
	b.WriteString(" → ")
	writeAmount(b, blocks, 0)
	if blocks.Equal(decimal.NewFromInt(1)) {
		b.WriteString(" block of ")
	} else {
		b.WriteString(" blocks of ")
	}
	writeAmount(b, pk.Size, 0)
	b.WriteString(" × ")
	writeAmount(b, pk.Price, ps)
	return blocks.Mul(pk.Price)
}

// percentage: Percent of the usage value plus FixedFee per counted event.
// "0.5% × 240,000.00 + 1,200 × 0.30"
func (p *pricer) percentage(b *strings.Builder, l *PriceLine, value decimal.Decimal, seg segment) (decimal.Decimal, error) {
	amt := value.Mul(l.Percent).Shift(-2)
	writeAmount(b, l.Percent, 0)
	b.WriteString("% × ")
	writeAmount(b, value, p.cur.minor)
	if l.FixedFee.IsZero() {
		return amt, nil
	}
	n, err := p.usage.Total(l.CountMetric, seg.start, seg.end)
	if err != nil {
		return amt, err
	}
	b.WriteString(" + ")
	writeAmount(b, n, 0)
	b.WriteString(" × ")
	writeAmount(b, l.FixedFee, p.cur.minor)
	return amt.Add(n.Mul(l.FixedFee)), nil
}

// flat charges a fee for the segment, prorated by days when the segment
// is shorter than the full period.
// "3,100.00 × 17/31 days (starts 15 Jan)" or "monthly fee for 1 Mar – 31 Mar".
func (p *pricer) flat(b *strings.Builder, seg segment, price decimal.Decimal) decimal.Decimal {
	if seg.full() {
		b.WriteString(periodAdjective(p.s.Billing.Frequency))
		b.WriteString(" fee for ")
		b.WriteString(seg.start.Short())
		b.WriteString(" – ")
		b.WriteString(seg.end.AddDays(-1).Short())
		return price
	}
	writeAmount(b, price, p.cur.minor)
	p.writeProration(b, seg.days(), seg.period.NominalDays(), seg.start, seg.end, seg)
	return prorate(price, seg.days(), seg.period.NominalDays())
}

// prorate is amount × days / nominalDays, unrounded. Multiplying first
// keeps the single division's rounding error far below a minor unit.
func prorate(amount decimal.Decimal, days, nominalDays int) decimal.Decimal {
	if days == nominalDays {
		return amount
	}
	return amount.Mul(decimal.NewFromInt(int64(days))).Div(decimal.NewFromInt(int64(nominalDays)))
}

// perSeat charges seats × price for each run of days with the same seat
// count inside the segment, each run prorated by its days.
func (p *pricer) perSeat(b *strings.Builder, seg segment, l *PriceLine) (decimal.Decimal, decimal.Decimal) {
	changes := p.s.Seats[l.Seats]
	nominal := seg.period.NominalDays()
	total := decimal.Zero
	qty := seatsOn(changes, seg.start)
	from := seg.start
	wrote := 0
	emit := func(to Date) {
		days := from.DaysUntil(to)
		if days == 0 {
			return
		}
		if qty.IsZero() && (wrote > 0 || to.Before(seg.end)) {
			return // a run with no seats costs nothing and says nothing
		}
		if wrote > 0 {
			b.WriteString(" + ")
		}
		wrote++
		writeAmount(b, qty, 0)
		if qty.Equal(decimal.NewFromInt(1)) {
			b.WriteString(" seat × ")
		} else {
			b.WriteString(" seats × ")
		}
		writeAmount(b, l.Price, p.cur.minor)
		if days != nominal {
			p.writeProration(b, days, nominal, from, to, seg)
		}
		total = total.Add(prorate(qty.Mul(l.Price), days, nominal))
	}
	for _, c := range changes {
		if !c.From.After(seg.start) {
			continue
		}
		if !c.From.Before(seg.end) {
			break
		}
		emit(c.From)
		from, qty = c.From, c.Quantity
	}
	emit(seg.end)
	return total, qty
}

// seatsOn is the seat count in force on day d (zero before the first change).
func seatsOn(changes []SeatChange, d Date) decimal.Decimal {
	q := decimal.Zero
	for _, c := range changes {
		if c.From.After(d) {
			break
		}
		q = c.Quantity
	}
	return q
}

// writeProration writes " × 17/31 days (starts 15 Jan)" for the days
// [from, to) of a nominal period.
func (p *pricer) writeProration(b *strings.Builder, days, nominal int, from, to Date, seg segment) {
	b.WriteString(" × ")
	b.WriteString(strconv.Itoa(days))
	b.WriteByte('/')
	b.WriteString(strconv.Itoa(nominal))
	b.WriteString(" days (")
	startCut := from.After(seg.period.NominalStart)
	endCut := to.Before(seg.period.NominalEnd)
	last := to.AddDays(-1)
	switch {
	case startCut && !endCut && from.Equal(p.s.Start):
		b.WriteString("starts ")
		b.WriteString(from.Short())
	case startCut && !endCut:
		b.WriteString("from ")
		b.WriteString(from.Short())
	case endCut && !startCut && !p.s.End.IsZero() && to.Equal(p.s.End):
		b.WriteString("ends ")
		b.WriteString(last.Short())
	case endCut && !startCut:
		b.WriteString("until ")
		b.WriteString(last.Short())
	default:
		b.WriteString(from.Short())
		b.WriteString(" – ")
		b.WriteString(last.Short())
	}
	b.WriteByte(')')
}

// writeResult ends an explanation with " = 1,700.00", or with the exact
// value (to 4 places) and its rounding when they differ: " = 130.6451… → 130.65".
func (p *pricer) writeResult(b *strings.Builder, raw, rounded decimal.Decimal) {
	b.WriteString(" = ")
	if raw.Equal(rounded) {
		writeAmount(b, rounded, p.cur.minor)
		return
	}
	shown := raw.Truncate(max(p.cur.minor+1, 4))
	writeAmount(b, shown, p.cur.minor)
	if !shown.Equal(raw) {
		b.WriteString("…")
	}
	b.WriteString(" → ")
	writeAmount(b, rounded, p.cur.minor)
}

func periodAdjective(f Frequency) string {
	switch f {
	case Quarterly:
		return "quarterly"
	case Annual:
		return "annual"
	}
	return "monthly"
}
