package pricing

import (
	"fmt"
	"time"
)

// Date is a calendar day with no time of day and no zone. Billing periods are
// made of Dates so that day counts are exact whatever daylight saving does:
// a period's length in days never depends on 23- or 25-hour days.
type Date struct {
	t time.Time // midnight UTC of the day; the zero Date is the zero time
}

// NewDate returns the Date y-m-d, normalising out-of-range values as time.Date does.
func NewDate(y int, m time.Month, d int) Date {
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// MustDate is ParseDate for literals in tests and examples.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf is the calendar day of instant t in zone loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return NewDate(y, m, d)
}

func (d Date) Year() int          { return d.t.Year() }
func (d Date) Month() time.Month  { return d.t.Month() }
func (d Date) Day() int           { return d.t.Day() }
func (d Date) IsZero() bool       { return d.t.IsZero() }
func (d Date) String() string     { return d.t.Format(time.DateOnly) }
func (d Date) Before(o Date) bool { return d.t.Before(o.t) }
func (d Date) After(o Date) bool  { return d.t.After(o.t) }
func (d Date) Equal(o Date) bool  { return d.t.Equal(o.t) }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// AddMonths returns the same day n months later, clamped to the month's
// last day: 31 January + 1 month is 28 (or 29) February. A term of n months
// from d ends on d.AddMonths(n).
func (d Date) AddMonths(n int) Date {
	return anchorDate(d.Year(), d.Month(), n, d.Day())
}

// DaysUntil counts the days from d to o (negative if o is earlier).
func (d Date) DaysUntil(o Date) int {
	return int(o.t.Sub(d.t).Hours() / 24)
}

// Start is the instant the day begins in loc; a period [a, b) covers the
// instants from a.Start(loc) up to but excluding b.Start(loc).
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// Short formats as "15 Jan" for explanations.
func (d Date) Short() string { return d.t.Format("2 Jan") }

// MarshalText and UnmarshalText let a Date travel as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	parsed, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

func minDate(a, b Date) Date {
	if a.Before(b) {
		return a
	}
	return b
}

func maxDate(a, b Date) Date {
	if a.After(b) {
		return a
	}
	return b
}

// daysIn is the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// anchorDate is day anchorDay of the month that is months after (y, m),
// clamped to the month's last day: anchor 31 in February is the 28th or 29th.
func anchorDate(y int, m time.Month, months, anchorDay int) Date {
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	day := min(anchorDay, daysIn(first.Year(), first.Month()))
	return NewDate(first.Year(), first.Month(), day)
}
