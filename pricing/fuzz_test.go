package pricing

import (
	"testing"

	"github.com/shopspring/decimal"
)

// FuzzTiers feeds the tier evaluators arbitrary bounds, prices and
// quantities. Whatever the input, for valid tiers: no panic, graduated and
// volume charges are never negative, graduated tier units add up to the
// quantity and never exceed a tier's width, and a larger quantity never
// costs less under graduated pricing.
func FuzzTiers(f *testing.F) {
	f.Add("1000", "5000", "0.10", "0.08", "0.05", "0", "1240", "1")
	f.Add("1", "2", "0", "0", "0", "10", "0", "0.5")
	f.Add("0.5", "100.25", "1.123456789012", "0.000000000001", "7", "0.01", "100.25", "1000000")
	f.Fuzz(func(t *testing.T, b1, b2, p1, p2, p3, flat, q, more string) {
		parse := func(s string) (decimal.Decimal, bool) {
			v, err := decimal.NewFromString(s)
			if err != nil || v.IsNegative() || v.Exponent() < -12 || v.GreaterThan(decimal.New(1, 12)) {
				return decimal.Zero, false
			}
			return v, true
		}
		var vals [8]decimal.Decimal
		for i, s := range []string{b1, b2, p1, p2, p3, flat, q, more} {
			v, ok := parse(s)
			if !ok {
				return
			}
			vals[i] = v
		}
		if !vals[0].IsPositive() || !vals[0].LessThan(vals[1]) {
			return // not valid tiers: Validate rejects them before pricing
		}
		tiers := []Tier{
			{UpTo: &vals[0], UnitPrice: vals[2], FlatFee: vals[5]},
			{UpTo: &vals[1], UnitPrice: vals[3]},
			{UnitPrice: vals[4]},
		}
		qty := vals[6]
		g, uses := Graduated(tiers, qty)
		v, _ := Volume(tiers, qty)
		if g.IsNegative() || v.IsNegative() {
			t.Fatalf("negative charge: graduated %s volume %s", g, v)
		}
		units := decimal.Zero
		lower := decimal.Zero
		for _, u := range uses {
			units = units.Add(u.Units)
			tier := tiers[u.Tier-1]
			if u.Tier > 1 {
				lower = *tiers[u.Tier-2].UpTo
			}
			if tier.UpTo != nil && u.Units.GreaterThan(tier.UpTo.Sub(lower)) {
				t.Fatalf("tier %d charges %s units, wider than the tier", u.Tier, u.Units)
			}
		}
		if qty.IsPositive() && !units.Equal(qty) {
			t.Fatalf("tiers cover %s units of %s", units, qty)
		}
		g2, _ := Graduated(tiers, qty.Add(vals[7]))
		if g2.LessThan(g) {
			t.Fatalf("graduated(%s) = %s but graduated(%s + %s) = %s", qty, g, qty, vals[7], g2)
		}
	})
}
