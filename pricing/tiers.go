package pricing

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Tier is one band of a tiered price. UpTo is the band's inclusive upper
// bound in units; nil marks the last, open band. A band's FlatFee is charged
// once when at least one unit falls in it.
type Tier struct {
	UpTo      *decimal.Decimal `json:"up_to,omitempty"`
	UnitPrice decimal.Decimal  `json:"unit_price"`
	FlatFee   decimal.Decimal  `json:"flat_fee,omitzero"`
}

// TierUse is what one tier contributed to a tiered charge.
type TierUse struct {
	Tier   int             // 1-based tier number
	Units  decimal.Decimal // units charged at this tier's unit price
	Amount decimal.Decimal // Units × UnitPrice + FlatFee, unrounded
}

// Graduated prices qty in bands: the units up to tier 1's bound at tier 1's
// price, the next units at tier 2's price, and so on. Tiers must be valid
// (ascending bounds, last one open); zero or negative quantity costs nothing.
func Graduated(tiers []Tier, qty decimal.Decimal) (decimal.Decimal, []TierUse) {
	total := decimal.Zero
	if !qty.IsPositive() {
		return total, nil
	}
	uses := make([]TierUse, 0, len(tiers))
	lower := decimal.Zero
	for i, t := range tiers {
		upper := qty
		if t.UpTo != nil && t.UpTo.LessThan(qty) {
			upper = *t.UpTo
		}
		units := upper.Sub(lower)
		if units.IsPositive() {
			amt := units.Mul(t.UnitPrice).Add(t.FlatFee)
			uses = append(uses, TierUse{Tier: i + 1, Units: units, Amount: amt})
			total = total.Add(amt)
		}
		if t.UpTo == nil || !t.UpTo.LessThan(qty) {
			break
		}
		lower = *t.UpTo
	}
	return total, uses
}

// Volume prices every unit at the price of the single tier that qty falls
// in (plus that tier's flat fee). Zero or negative quantity costs nothing.
func Volume(tiers []Tier, qty decimal.Decimal) (decimal.Decimal, TierUse) {
	if !qty.IsPositive() {
		return decimal.Zero, TierUse{}
	}
	i := len(tiers) - 1
	for j, t := range tiers {
		if t.UpTo == nil || !t.UpTo.LessThan(qty) {
			i = j
			break
		}
	}
	t := tiers[i]
	amt := qty.Mul(t.UnitPrice).Add(t.FlatFee)
	return amt, TierUse{Tier: i + 1, Units: qty, Amount: amt}
}

// explainGraduated writes "1,000 × 0.10 (tier 1, up to 1,000) + 240 × 0.08 (tier 2)".
func explainGraduated(b *strings.Builder, tiers []Tier, uses []TierUse, priceScale int32) {
	for k, u := range uses {
		if k > 0 {
			b.WriteString(" + ")
		}
		t := tiers[u.Tier-1]
		writeTierUse(b, u, t, priceScale)
		if t.UpTo != nil {
			b.WriteString(", up to ")
			writeAmount(b, *t.UpTo, 0)
		}
		b.WriteByte(')')
		if !t.FlatFee.IsZero() {
			b.WriteString(" + ")
			writeAmount(b, t.FlatFee, priceScale)
			b.WriteString(" flat (tier ")
			b.WriteString(strconv.Itoa(u.Tier))
			b.WriteByte(')')
		}
	}
}

// explainVolume writes "1,240 × 0.08 (tier 2 of 3: over 1,000 up to 5,000, all units)".
func explainVolume(b *strings.Builder, tiers []Tier, u TierUse, priceScale int32) {
	t := tiers[u.Tier-1]
	writeTierUse(b, u, t, priceScale)
	b.WriteString(" of ")
	b.WriteString(strconv.Itoa(len(tiers)))
	b.WriteString(": ")
	if u.Tier > 1 {
		b.WriteString("over ")
		writeAmount(b, *tiers[u.Tier-2].UpTo, 0)
		if t.UpTo != nil {
			b.WriteString(" ")
		}
	}
	if t.UpTo != nil {
		b.WriteString("up to ")
		writeAmount(b, *t.UpTo, 0)
	}
	b.WriteString(", all units)")
	if !t.FlatFee.IsZero() {
		b.WriteString(" + ")
		writeAmount(b, t.FlatFee, priceScale)
		b.WriteString(" flat")
	}
}

// writeTierUse writes the start both tier explanations share:
// "1,000 × 0.10 (tier 1".
func writeTierUse(b *strings.Builder, u TierUse, t Tier, priceScale int32) {
	writeAmount(b, u.Units, 0)
	b.WriteString(" × ")
	writeAmount(b, t.UnitPrice, priceScale)
	b.WriteString(" (tier ")
	b.WriteString(strconv.Itoa(u.Tier))
}
