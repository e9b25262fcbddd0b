package pricing

import (
	"fmt"
	"time"
)

// Frequency is how often a schedule bills.
type Frequency string

const (
	Monthly   Frequency = "monthly"
	Quarterly Frequency = "quarterly"
	Annual    Frequency = "annual"
)

// Months is the length of one billing period in months, or 0 if f is unknown.
func (f Frequency) Months() int {
	switch f {
	case Monthly:
		return 1
	case Quarterly:
		return 3
	case Annual:
		return 12
	}
	return 0
}

// Period is a billing interval [Start, End) of calendar days in the
// schedule's time zone. A first or last period cut short by the contract's
// start or end keeps its full-length Nominal span so that fees can be
// prorated against it.
type Period struct {
	Start, End               Date
	NominalStart, NominalEnd Date
	Index                    int // 0 for the period that holds the contract start
}

// Days is the number of days the period covers.
func (p Period) Days() int { return p.Start.DaysUntil(p.End) }

// NominalDays is the number of days of the full-length period.
func (p Period) NominalDays() int { return p.NominalStart.DaysUntil(p.NominalEnd) }

// Partial reports whether the period is shorter than its nominal span.
func (p Period) Partial() bool { return p.Days() != p.NominalDays() }

// Contains reports whether day d is in [Start, End).
func (p Period) Contains(d Date) bool { return !d.Before(p.Start) && d.Before(p.End) }

// Label is the period's start month, "2026-03": how users name periods.
func (p Period) Label() string { return p.Start.t.Format("2006-01") }

func (p Period) String() string { return p.Start.String() + " – " + p.End.AddDays(-1).String() }

// IsZero reports whether p is the zero Period (no period).
func (p Period) IsZero() bool { return p.Start.IsZero() }

// Calendar lays billing periods on a grid of anchor dates: every
// Frequency.Months() months on AnchorDay (clamped to the month's last day, so
// a contract anchored on the 31st bills on the 30th in April and the 28th or
// 29th in February). The contract's Start and optional End cut the first and
// last periods short.
type Calendar struct {
	Start     Date
	End       Date // zero: open-ended
	Frequency Frequency
	AnchorDay int // 1–31; 0 means Start's day
}

func (c Calendar) anchorDay() int {
	if c.AnchorDay == 0 {
		return c.Start.Day()
	}
	return c.AnchorDay
}

// grid returns the k-th anchor date, with k = 0 the last anchor on or
// before Start. Anchors are computed from one base month each time so that
// clamping in a short month never drifts the later anchors.
func (c Calendar) grid(k int) Date {
	step := c.Frequency.Months()
	y, m := c.Start.Year(), c.Start.Month()
	back := 0
	if anchorDate(y, m, 0, c.anchorDay()).After(c.Start) {
		back = -step
	}
	return anchorDate(y, m, back+k*step, c.anchorDay())
}

// Period returns billing period i (0-based). ok is false when i is before
// the first period or starts on or after the contract's End.
func (c Calendar) Period(i int) (p Period, ok bool) {
	if i < 0 || c.Frequency.Months() == 0 {
		return Period{}, false
	}
	p = Period{NominalStart: c.grid(i), NominalEnd: c.grid(i + 1), Index: i}
	p.Start = maxDate(p.NominalStart, c.Start)
	p.End = p.NominalEnd
	if !c.End.IsZero() {
		if !p.Start.Before(c.End) {
			return Period{}, false
		}
		p.End = minDate(p.End, c.End)
	}
	return p, true
}

// GridPeriod is period i of the anchor grid ignoring the contract's End: the
// invoice period after the last service period (which bills the last
// period's usage in arrears) is such a period.
func (c Calendar) GridPeriod(i int) Period {
	p := Period{NominalStart: c.grid(i), NominalEnd: c.grid(i + 1), Index: i}
	p.Start = maxDate(p.NominalStart, c.Start)
	p.End = p.NominalEnd
	return p
}

// IndexOf returns the index of the grid period holding day d (which may be
// past the contract's End), or -1 if d is before the contract starts.
func (c Calendar) IndexOf(d Date) int {
	if d.Before(c.Start) || c.Frequency.Months() == 0 {
		return -1
	}
	// Estimate from the month distance, then step to the exact period.
	g0 := c.grid(0)
	months := (d.Year()-g0.Year())*12 + int(d.Month()-g0.Month())
	k := max(months/c.Frequency.Months(), 0)
	for k > 0 && c.grid(k).After(d) {
		k--
	}
	for !c.grid(k + 1).After(d) {
		k++
	}
	return k
}

// ParsePeriodRef reads a user's name for a billing period: "2026-03" (the
// period that starts in that month) or "2026-03-15" (the period holding
// that day), and returns the grid index.
func (c Calendar) ParsePeriodRef(ref string) (int, error) {
	if d, err := ParseDate(ref); err == nil {
		i := c.IndexOf(d)
		if i < 0 {
			return 0, fmt.Errorf("period %s: the contract starts on %s", ref, c.Start)
		}
		return i, nil
	}
	month, err := time.Parse("2006-01", ref)
	if err != nil {
		return 0, fmt.Errorf("period %q: want YYYY-MM (the period that starts in that month) or YYYY-MM-DD (the period holding that day)", ref)
	}
	first := NewDate(month.Year(), month.Month(), 1)
	last := NewDate(month.Year(), month.Month()+1, 0)
	k := c.IndexOf(maxDate(first, c.Start))
	if k < 0 {
		k = 0
	}
	for ; ; k++ {
		p := c.GridPeriod(k)
		if p.Start.After(last) {
			break
		}
		if !p.Start.Before(first) {
			return k, nil
		}
	}
	if k := c.IndexOf(last); k >= 0 {
		p := c.GridPeriod(k)
		return 0, fmt.Errorf("no %s billing period starts in %s; the period holding it is %s (ask for %s)",
			c.Frequency, ref, p, p.Start)
	}
	return 0, fmt.Errorf("no billing period starts in %s: the contract starts on %s", ref, c.Start)
}
