package pricing

import (
	"github.com/shopspring/decimal"
)

// Change compares one figure with its value a period earlier.
type Change struct {
	Previous decimal.Decimal
	Current  decimal.Decimal
	Delta    decimal.Decimal // Current − Previous
	// Percent is Delta as a percentage of Previous, rounded half away from
	// zero to one decimal place; nil when Previous is zero (a change from
	// nothing has no percentage).
	Percent *decimal.Decimal
}

// NewChange compares current with previous.
func NewChange(previous, current decimal.Decimal) Change {
	c := Change{Previous: previous, Current: current, Delta: current.Sub(previous)}
	if !previous.IsZero() {
		p := c.Delta.Mul(decimal.NewFromInt(100)).DivRound(previous.Abs(), 1)
		c.Percent = &p
	}
	return c
}

// Exceeds reports whether the change is significant: its percentage is at
// least pct (in either direction) or its delta is at least amount. A zero
// threshold is not used; a change from zero is significant by amount only.
func (c Change) Exceeds(pct, amount decimal.Decimal) bool {
	if !pct.IsZero() && c.Percent != nil && c.Percent.Abs().GreaterThanOrEqual(pct) {
		return true
	}
	return !amount.IsZero() && c.Delta.Abs().GreaterThanOrEqual(amount)
}

// LineChange is one line of an invoice next to the same line of the
// previous period's invoice. Lines match by kind and name (not phase, so
// "Platform" in year 2 compares with "Platform" in year 1); lines of the
// same kind and name within one invoice — a period split by a phase change
// — are added up.
type LineChange struct {
	Kind LineKind
	Name string
	Change
	New  bool // no such line last period
	Gone bool // only last period had it
}

// CompareLines matches the lines of an invoice with the previous period's.
// The result follows the current invoice's order, then lines that are gone.
func CompareLines(previous, current []InvoiceLine) []LineChange {
	type key struct {
		kind LineKind
		name string
	}
	type acc struct {
		prev, cur     decimal.Decimal
		inPrev, inCur bool
	}
	var order []key
	sums := map[key]*acc{}
	get := func(l InvoiceLine) *acc {
		k := key{l.Kind, l.Name}
		a, ok := sums[k]
		if !ok {
			a = &acc{}
			sums[k] = a
			order = append(order, k)
		}
		return a
	}
	for _, l := range current {
		a := get(l)
		a.cur, a.inCur = a.cur.Add(l.Amount), true
	}
	for _, l := range previous {
		a := get(l)
		a.prev, a.inPrev = a.prev.Add(l.Amount), true
	}
	out := make([]LineChange, 0, len(order))
	for _, k := range order {
		a := sums[k]
		out = append(out, LineChange{Kind: k.kind, Name: k.name, Change: NewChange(a.prev, a.cur), New: !a.inPrev, Gone: !a.inCur})
	}
	return out
}
