package pricing

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// Usage answers how much of a metric was used over the days [from, to).
// The pricing core asks for each segment of a service period it prices, so
// a period split by a phase change asks twice. Implementations hold data
// only; they must not read a clock or change between calls.
type Usage interface {
	Total(metric string, from, to Date) (decimal.Decimal, error)
}

// ErrUsageRange is returned by a Usage that cannot answer for the range
// asked (for example whole-period totals asked for part of a period).
var ErrUsageRange = errors.New("no usage for that range")

// PeriodTotals is usage known only as totals for one service period
// [Start, End), as typed on the command line. It answers for exactly that
// range; a metric it does not list was not used.
type PeriodTotals struct {
	Start, End Date
	Totals     map[string]decimal.Decimal
}

// Total implements Usage.
func (u PeriodTotals) Total(metric string, from, to Date) (decimal.Decimal, error) {
	if !from.Equal(u.Start) || !to.Equal(u.End) {
		if !from.Before(u.Start) && !to.After(u.End) && u.Totals[metric].IsZero() {
			return decimal.Zero, nil
		}
		return decimal.Zero, fmt.Errorf("usage of %s for %s – %s: only totals for %s – %s are known: %w",
			metric, from, to.AddDays(-1), u.Start, u.End.AddDays(-1), ErrUsageRange)
	}
	return u.Totals[metric], nil
}

// DailyUsage is usage per metric per day; a range's total is the sum of its
// days. It suits additive metrics (counts and sums).
type DailyUsage map[string]map[Date]decimal.Decimal

// Total implements Usage.
func (u DailyUsage) Total(metric string, from, to Date) (decimal.Decimal, error) {
	days := u[metric]
	sum := decimal.Zero
	if len(days) == 0 {
		return sum, nil
	}
	if n := from.DaysUntil(to); n > len(days) {
		// Fewer recorded days than days asked: walk the map instead.
		for d, v := range days {
			if !d.Before(from) && d.Before(to) {
				sum = sum.Add(v)
			}
		}
		return sum, nil
	}
	for d := from; d.Before(to); d = d.AddDays(1) {
		if v, ok := days[d]; ok {
			sum = sum.Add(v)
		}
	}
	return sum, nil
}
