package pricing

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// genDecimal draws a non-negative decimal with up to scale places below max.
func genDecimal(t *rapid.T, label string, max int64, scale int32) decimal.Decimal {
	v := rapid.Int64Range(0, max*pow10(scale)).Draw(t, label)
	return decimal.New(v, -scale)
}

func pow10(n int32) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// genTiers draws 1–5 valid tiers: ascending bounds, the last one open.
func genTiers(t *rapid.T) []Tier {
	n := rapid.IntRange(1, 5).Draw(t, "tiers")
	tiers := make([]Tier, n)
	bound := decimal.Zero
	for i := range tiers {
		tiers[i].UnitPrice = genDecimal(t, "unit_price", 10, 4)
		if rapid.Bool().Draw(t, "has_flat_fee") {
			tiers[i].FlatFee = genDecimal(t, "flat_fee", 100, 2)
		}
		if i < n-1 {
			bound = bound.Add(genDecimal(t, "width", 10000, 1)).Add(decimal.NewFromInt(1))
			b := bound
			tiers[i].UpTo = &b
		}
	}
	return tiers
}

func TestPropGraduatedNeverDecreases(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tiers := genTiers(t)
		q1 := genDecimal(t, "q1", 100000, 3)
		q2 := q1.Add(genDecimal(t, "more", 100000, 3))
		a1, _ := Graduated(tiers, q1)
		a2, _ := Graduated(tiers, q2)
		if a2.LessThan(a1) {
			t.Fatalf("graduated(%s) = %s > graduated(%s) = %s", q1, a1, q2, a2)
		}
	})
}

func TestPropOneTierGraduatedEqualsVolume(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tier := []Tier{{UnitPrice: genDecimal(t, "price", 10, 6), FlatFee: genDecimal(t, "flat", 100, 2)}}
		q := genDecimal(t, "q", 1000000, 3)
		g, _ := Graduated(tier, q)
		v, _ := Volume(tier, q)
		if !g.Equal(v) {
			t.Fatalf("one tier, q %s: graduated %s ≠ volume %s", q, g, v)
		}
	})
}

func TestPropGraduatedTierAmountsSumToTotal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tiers := genTiers(t)
		q := genDecimal(t, "q", 100000, 3)
		total, uses := Graduated(tiers, q)
		units, sum := decimal.Zero, decimal.Zero
		for _, u := range uses {
			units = units.Add(u.Units)
			sum = sum.Add(u.Amount)
		}
		if !sum.Equal(total) || (q.IsPositive() && !units.Equal(q)) {
			t.Fatalf("q %s: tiers cover %s units for %s, total %s", q, units, sum, total)
		}
	})
}

func TestPropProrationPartitionSums(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cur := MustCurrency(rapid.SampledFrom([]string{"EUR", "JPY", "BHD"}).Draw(t, "currency"))
		price := genDecimal(t, "price", 1000000, cur.MinorUnits())
		nominal := rapid.IntRange(28, 366).Draw(t, "nominal")
		parts := rapid.IntRange(1, 10).Draw(t, "parts")
		left, sum := nominal, decimal.Zero
		for i := 0; i < parts && left > 0; i++ {
			days := left
			if i < parts-1 {
				days = rapid.IntRange(1, left).Draw(t, "days")
			}
			left -= days
			sum = sum.Add(Round(prorate(price, days, nominal), cur, ""))
		}
		tolerance := decimal.New(int64(parts), -cur.MinorUnits())
		if sum.Sub(price).Abs().GreaterThan(tolerance) {
			t.Fatalf("%d parts of %s over %d days sum to %s", parts, price, nominal, sum)
		}
	})
}

// genSchedule draws a valid schedule with every model, seats, phases,
// discounts, minimums and taxes, and daily usage for its first year.
func genSchedule(t *rapid.T) (*Schedule, DailyUsage) {
	cur := MustCurrency(rapid.SampledFrom([]string{"EUR", "USD", "JPY", "KWD"}).Draw(t, "currency"))
	start := NewDate(rapid.IntRange(2024, 2030).Draw(t, "year"), 1, 1).AddDays(rapid.IntRange(0, 365).Draw(t, "day"))
	s := &Schedule{
		Currency: cur, TimeZone: "UTC", Start: start,
		Billing:  Billing{Frequency: rapid.SampledFrom([]Frequency{Monthly, Quarterly, Annual}).Draw(t, "freq"), AnchorDay: rapid.IntRange(0, 31).Draw(t, "anchor")},
		Rounding: rapid.SampledFrom([]Rounding{"", HalfEven}).Draw(t, "rounding"),
		TaxRate:  genDecimal(t, "tax", 25, 1),
		Seats:    map[string][]SeatChange{"users": {{From: start, Quantity: genDecimal(t, "seats", 50, 0)}, {From: start.AddDays(rapid.IntRange(1, 200).Draw(t, "seat_change")), Quantity: genDecimal(t, "seats2", 50, 1)}}},
	}
	if rapid.Bool().Draw(t, "has_end") {
		s.End = start.AddDays(rapid.IntRange(1, 800).Draw(t, "length"))
	}
	genDiscounts := func(label string) []Discount {
		var ds []Discount
		for range rapid.IntRange(0, 2).Draw(t, label) {
			dc := Discount{Periods: rapid.IntRange(0, 3).Draw(t, "periods")}
			if rapid.Bool().Draw(t, "percent") {
				dc.Percent = genDecimal(t, "pct", 99, 1).Add(decimal.New(1, -1))
			} else {
				dc.Amount = genDecimal(t, "amount", 5000, cur.MinorUnits()).Add(decimal.New(1, -cur.MinorUnits()))
			}
			ds = append(ds, dc)
		}
		return ds
	}
	phaseStart := start
	for i := range rapid.IntRange(1, 3).Draw(t, "phases") {
		ph := Phase{Name: "P" + string(rune('1'+i)), Discounts: genDiscounts("phase_discounts")}
		if i > 0 {
			phaseStart = phaseStart.AddDays(rapid.IntRange(1, 200).Draw(t, "phase_len"))
			ph.Start = phaseStart
		}
		models := []Model{Flat, PerSeat, PerUnit, GraduatedM, VolumeM, Package, Percentage}
		for j := range rapid.IntRange(1, 6).Draw(t, "lines") {
			l := PriceLine{Name: "L" + string(rune('a'+j)), Model: rapid.SampledFrom(models).Draw(t, "model"), Discounts: genDiscounts("line_discounts")}
			switch l.Model {
			case Flat:
				l.Price = genDecimal(t, "price", 10000, 2)
				if rapid.Bool().Draw(t, "arrears") {
					l.Timing = Arrears
				}
			case PerSeat:
				l.Price, l.Seats = genDecimal(t, "price", 100, 2), "users"
			case PerUnit:
				l.Price, l.Metric = genDecimal(t, "price", 1, 6), "m1"
			case GraduatedM, VolumeM:
				l.Tiers, l.Metric = genTiers(t), "m2"
			case Package:
				l.Metric = "m1"
				l.Package = &PackagePrice{Size: genDecimal(t, "size", 1000, 0).Add(decimal.NewFromInt(1)), Price: genDecimal(t, "price", 100, 2), FreeUnits: genDecimal(t, "free", 500, 0)}
			case Percentage:
				l.Metric, l.Percent, l.FixedFee, l.CountMetric = "volume", genDecimal(t, "pct", 5, 2), genDecimal(t, "fee", 1, 2), "m1"
			}
			if l.Model.usesMetric() && rapid.Bool().Draw(t, "line_minimum") {
				l.Minimum = genDecimal(t, "minimum", 1000, 2)
			}
			ph.Lines = append(ph.Lines, l)
		}
		if rapid.Bool().Draw(t, "phase_minimum") {
			ph.Minimum = &UsageMinimum{Amount: genDecimal(t, "min", 5000, 2), Per: rapid.SampledFrom([]MinimumScope{PerPeriod, PerPhase}).Draw(t, "per")}
		}
		if s.End.IsZero() || phaseStart.Before(s.End) {
			s.Phases = append(s.Phases, ph)
		}
	}
	s.Discounts = genDiscounts("invoice_discounts")
	if rapid.Bool().Draw(t, "invoice_minimum") {
		s.InvoiceMinimum = genDecimal(t, "invoice_minimum", 2000, 2)
	}
	u := DailyUsage{"m1": {}, "m2": {}, "volume": {}}
	for range rapid.IntRange(0, 40).Draw(t, "events") {
		day := start.AddDays(rapid.IntRange(0, 400).Draw(t, "event_day"))
		metric := rapid.SampledFrom([]string{"m1", "m2", "volume"}).Draw(t, "metric")
		u[metric][day] = u[metric][day].Add(genDecimal(t, "value", 5000, 2))
	}
	return s, u
}

func TestPropInvoicesReconcile(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s, u := genSchedule(rt)
		index := rapid.IntRange(0, 14).Draw(rt, "index")
		inv, err := Price(s, index, u)
		if err != nil {
			rt.Fatalf("price: %v", err)
		}
		sub, tax := decimal.Zero, decimal.Zero
		charges := decimal.Zero
		for _, l := range inv.Lines {
			if !l.Amount.Equal(Round(l.Amount, s.Currency, "")) {
				rt.Fatalf("line %q amount %s not in minor units", l.Name, l.Amount)
			}
			if l.Kind != DiscountLine && l.Amount.IsNegative() {
				rt.Fatalf("%s line %q is negative: %s", l.Kind, l.Name, l.Amount)
			}
			if l.Kind == DiscountLine && l.Amount.IsPositive() {
				rt.Fatalf("discount %q is positive: %s", l.Name, l.Amount)
			}
			if l.Explanation == "" {
				rt.Fatalf("line %q has no explanation", l.Name)
			}
			sub, tax = sub.Add(l.Amount), tax.Add(l.Tax)
			// Running net never drops below zero: a discount only takes
			// what precedes it.
			charges = charges.Add(l.Amount)
			if charges.IsNegative() {
				rt.Fatalf("discounts take the invoice below zero at %q: %s", l.Name, charges)
			}
		}
		if !sub.Equal(inv.Subtotal) || !tax.Equal(inv.Tax) || !inv.Total.Equal(sub.Add(tax)) {
			rt.Fatalf("totals do not reconcile: %s + %s vs %s + %s = %s", sub, tax, inv.Subtotal, inv.Tax, inv.Total)
		}
	})
}

func TestPropMinorSumIsExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cur := MustCurrency(rapid.SampledFrom([]string{"EUR", "JPY", "BHD"}).Draw(t, "currency"))
		s := minorSum{minor: cur.MinorUnits()}
		want := decimal.Zero
		for range rapid.IntRange(0, 50).Draw(t, "n") {
			// Mix small amounts with ones far beyond int64 minor units.
			v := decimal.New(rapid.Int64().Draw(t, "units"), -cur.MinorUnits())
			if rapid.Bool().Draw(t, "huge") {
				v = v.Mul(decimal.New(1, int32(rapid.IntRange(0, 30).Draw(t, "exp"))))
			}
			s.add(v)
			want = want.Add(v)
		}
		if !s.total().Equal(want) {
			t.Fatalf("minorSum %s, exact %s", s.total(), want)
		}
	})
}

func TestPropFormatAmountRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := decimal.New(rapid.Int64().Draw(t, "coef"), int32(rapid.IntRange(-14, 6).Draw(t, "exp")))
		if rapid.Bool().Draw(t, "huge") {
			v = v.Mul(decimal.New(1, 20))
		}
		scale := int32(rapid.IntRange(0, 3).Draw(t, "scale"))
		s := FormatAmount(v, scale)
		back, err := decimal.NewFromString(strings.ReplaceAll(s, ",", ""))
		if err != nil || !back.Equal(v) {
			t.Fatalf("FormatAmount(%s, %d) = %q reads back as %s (%v)", v, scale, s, back, err)
		}
		if i := strings.IndexByte(s, '.'); scale > 0 && (i < 0 || int32(len(s)-i-1) < scale) {
			t.Fatalf("FormatAmount(%s, %d) = %q has fewer than %d places", v, scale, s, scale)
		}
	})
}
