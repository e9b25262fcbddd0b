package pricing

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"golang.org/x/text/currency"
)

// Currency is an ISO 4217 currency with its number of minor units
// (JPY 0, USD 2, BHD 3). The zero Currency is invalid.
type Currency struct {
	code  string
	minor int32
}

// ErrUnknownCurrency is returned for a code that is not an ISO 4217 currency.
var ErrUnknownCurrency = errors.New("not an ISO 4217 currency code")

// ErrCurrencyMismatch is returned when amounts in different currencies meet;
// monthend never converts silently.
var ErrCurrencyMismatch = errors.New("currencies differ")

// ParseCurrency looks code up in the ISO 4217 table (CLDR's standard
// rounding, as shipped by golang.org/x/text). Codes are upper case.
func ParseCurrency(code string) (Currency, error) {
	if len(code) != 3 || strings.ToUpper(code) != code {
		return Currency{}, fmt.Errorf("currency %q: %w (use three upper-case letters, e.g. EUR)", code, ErrUnknownCurrency)
	}
	u, err := currency.ParseISO(code)
	if err != nil {
		return Currency{}, fmt.Errorf("currency %q: %w", code, ErrUnknownCurrency)
	}
	scale, _ := currency.Standard.Rounding(u)
	return Currency{code: code, minor: int32(scale)}, nil
}

// MustCurrency is ParseCurrency for literals in tests and examples.
func MustCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Code is the ISO 4217 alphabetic code.
func (c Currency) Code() string { return c.code }

// MinorUnits is the number of decimal places of the currency's minor unit.
func (c Currency) MinorUnits() int32 { return c.minor }

// IsZero reports whether c is the invalid zero Currency.
func (c Currency) IsZero() bool { return c.code == "" }

func (c Currency) String() string { return c.code }

// MarshalText and UnmarshalText let a Currency travel as its code.
func (c Currency) MarshalText() ([]byte, error) { return []byte(c.code), nil }

func (c *Currency) UnmarshalText(b []byte) error {
	parsed, err := ParseCurrency(string(b))
	if err != nil {
		return err
	}
	*c = parsed
	return nil
}

// Rounding says how an unrounded amount becomes an amount in minor units.
type Rounding string

const (
	// HalfAwayFromZero is the default: 0.125 → 0.13, -0.125 → -0.13.
	HalfAwayFromZero Rounding = "half_away_from_zero"
	// HalfEven (banker's rounding): 0.125 → 0.12, 0.135 → 0.14.
	HalfEven Rounding = "half_even"
)

// Round is the one place where monthend rounds money: an unrounded amount
// is rounded to the currency's minor unit by mode ("" means the default,
// HalfAwayFromZero). Line amounts, discounts and taxes are rounded here;
// totals are sums of rounded lines and are never rounded again.
func Round(d decimal.Decimal, c Currency, mode Rounding) decimal.Decimal {
	if d.Exponent() >= -c.minor {
		return d // already a whole number of minor units
	}
	if mode == HalfEven {
		return d.RoundBank(c.minor)
	}
	return d.Round(c.minor)
}

// Money is an amount in a currency. Amounts are exact decimals; a Money that
// comes out of pricing is already rounded to the currency's minor unit.
type Money struct {
	Amount   decimal.Decimal
	Currency Currency
}

// Add returns m + o, or ErrCurrencyMismatch.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("add %s to %s: %w", o.Currency, m.Currency, ErrCurrencyMismatch)
	}
	return Money{Amount: m.Amount.Add(o.Amount), Currency: m.Currency}, nil
}

// String formats as "1,234.50 EUR": grouped, at the currency's minor units.
func (m Money) String() string {
	return FormatAmount(m.Amount, m.Currency.minor) + " " + m.Currency.code
}

// FormatAmount writes d with thousands separators and at least minScale
// decimal places (more if d has more significant ones): 1234.5 with
// minScale 2 → "1,234.50"; 0.0004 → "0.0004".
func FormatAmount(d decimal.Decimal, minScale int32) string {
	var b strings.Builder
	writeAmount(&b, d, minScale)
	return b.String()
}

// writeAmount is FormatAmount writing into b, so that explanations are
// built without a string per number.
func writeAmount(b *strings.Builder, d decimal.Decimal, minScale int32) {
	var digits []byte
	var scale int32
	if d.NumDigits() <= 18 {
		// Fast path: the coefficient fits an int64, so no big.Int text.
		c := d.CoefficientInt64()
		if c < 0 {
			c = -c
		}
		var buf [20]byte
		digits = strconv.AppendUint(buf[:0], uint64(c), 10)
		scale = -d.Exponent()
		for ; scale < 0; scale++ {
			digits = append(digits, '0')
		}
	} else {
		digits = []byte(d.Abs().String())
		if i := strings.IndexByte(string(digits), '.'); i >= 0 {
			scale = int32(len(digits) - i - 1)
			digits = append(digits[:i], digits[i+1:]...)
		}
	}
	// digits × 10^-scale: split into integer and fraction digits.
	var intPart, frac []byte
	if int(scale) >= len(digits) {
		intPart = []byte{'0'}
		frac = append(make([]byte, 0, scale), bytes.Repeat([]byte{'0'}, int(scale)-len(digits))...)
		frac = append(frac, digits...)
	} else {
		intPart, frac = digits[:len(digits)-int(scale)], digits[len(digits)-int(scale):]
	}
	for len(frac) > int(minScale) && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if d.IsNegative() {
		b.WriteByte('-')
	}
	head := len(intPart) % 3
	if head == 0 {
		head = 3
	}
	b.Write(intPart[:head])
	for i := head; i < len(intPart); i += 3 {
		b.WriteByte(',')
		b.Write(intPart[i : i+3])
	}
	if len(frac) > 0 || minScale > 0 {
		b.WriteByte('.')
		b.Write(frac)
		for i := int32(len(frac)); i < minScale; i++ {
			b.WriteByte('0')
		}
	}
}
