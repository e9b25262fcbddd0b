package ledger

import "github.com/shopspring/decimal"

// Exact sums of decimals without a big.Int per addition: the month-end
// totals and the writer's daily sums both add many values of one metric,
// which mostly share an exponent and fit an int64.

// decimalSum adds decimals exactly: in an int64 while they fit it and share
// an exponent (a metric's daily sums mostly do), else as decimals. Each
// decimal.Add allocated; a month-end total of every customer adds ~150,000.
type decimalSum struct {
	c    int64
	e    int32
	used bool            // c and e hold part of the sum
	rest decimal.Decimal // the part that did not fit
}

func (s *decimalSum) add(x decimal.Decimal) {
	if x.IsZero() {
		return
	}
	if x.NumDigits() <= 18 && s.addSmall(x.CoefficientInt64(), x.Exponent()) {
		return
	}
	s.rest = s.rest.Add(x)
}

// addSmall adds c × 10^e in the int64 if it fits there, and reports
// whether it did.
func (s *decimalSum) addSmall(c int64, e int32) bool {
	if !s.used {
		s.c, s.e, s.used = c, e, true
		return true
	}
	if e == s.e {
		if sum := s.c + c; (c >= 0) == (sum >= s.c) { // no overflow
			s.c = sum
			return true
		}
	}
	return false
}

// smallDec is a decimal as c × 10^e, when its coefficient fits an int64
// (ok): what decimalSum adds without touching the decimal's big.Int.
type smallDec struct {
	c  int64
	e  int32
	ok bool
}

func smallOf(d decimal.Decimal) smallDec {
	if d.NumDigits() > 18 {
		return smallDec{}
	}
	return smallDec{d.CoefficientInt64(), d.Exponent(), true}
}

func (s *decimalSum) total() decimal.Decimal {
	if !s.used {
		return s.rest
	}
	return s.rest.Add(decimal.New(s.c, s.e))
}
