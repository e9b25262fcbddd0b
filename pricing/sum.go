package pricing

import (
	"math"

	"github.com/shopspring/decimal"
)

// minorSum adds amounts that are already rounded to a currency's minor
// unit. It counts in int64 minor units while every amount and the running
// total fit, which saves shopspring/decimal's big.Int allocation per
// addition on the hot path of pricing, and falls back to exact decimal
// addition as soon as anything does not fit.
type minorSum struct {
	minor int32
	units int64           // the total in minor units, while exact
	big   decimal.Decimal // the total, once units overflowed
	wide  bool            // units overflowed: big holds the total
}

var pow10s = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

// add adds d, which must have no more decimal places than the minor unit.
func (s *minorSum) add(d decimal.Decimal) {
	if !s.wide {
		if u, ok := toMinorUnits(d, s.minor); ok {
			if (u > 0 && s.units <= math.MaxInt64-u) || (u <= 0 && s.units >= math.MinInt64-u) {
				s.units += u
				return
			}
		}
		s.wide, s.big = true, decimal.New(s.units, -s.minor)
	}
	s.big = s.big.Add(d)
}

// total is the exact sum.
func (s *minorSum) total() decimal.Decimal {
	if s.wide {
		return s.big
	}
	return decimal.New(s.units, -s.minor)
}

// toMinorUnits is d as an int64 count of minor units, if it is one and fits.
func toMinorUnits(d decimal.Decimal, minor int32) (int64, bool) {
	shift := d.Exponent() + minor
	if shift < 0 || int(shift) >= len(pow10s) || d.NumDigits() > 9 {
		return 0, false // finer than the minor unit, or too large to scale safely
	}
	return d.CoefficientInt64() * pow10s[shift], true
}
