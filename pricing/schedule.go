package pricing

import (
	"github.com/shopspring/decimal"
)

// Model names a way of turning a quantity into a charge.
type Model string

const (
	Flat       Model = "flat"       // a fixed recurring fee
	PerSeat    Model = "per_seat"   // price × seats, seats dated and prorated
	PerUnit    Model = "per_unit"   // price × usage
	GraduatedM Model = "graduated"  // tiers, each band at its own price
	VolumeM    Model = "volume"     // tiers, all units at the reached band's price
	Package    Model = "package"    // price per started block of N units
	Percentage Model = "percentage" // percent of a usage value, plus a fee per event
)

// usesMetric reports whether the model prices usage (and so bills in arrears).
func (m Model) usesMetric() bool {
	switch m {
	case PerUnit, GraduatedM, VolumeM, Package, Percentage:
		return true
	}
	return false
}

// Timing says which service period a line's invoice bills: the invoice
// dated at the start of period P bills advance lines for P itself and
// arrears lines for the period before P.
type Timing string

const (
	Advance Timing = "advance"
	Arrears Timing = "arrears"
)

// Schedule is the billing side of a signed contract: a currency, a zone, a
// billing calendar and a sequence of phases (ramps), each with its own price
// lines. It is the document format users write (docs/pricing.md) and the
// one later imports of schedules and quotes use.
type Schedule struct {
	Customer string   `json:"customer,omitempty"`
	Currency Currency `json:"currency"`
	TimeZone string   `json:"time_zone"`
	Start    Date     `json:"start"`
	End      Date     `json:"end,omitzero"`
	Billing  Billing  `json:"billing"`
	Rounding Rounding `json:"rounding,omitempty"`
	// TaxRate is an exclusive tax rate in percent (19 = 19%), used by every
	// line that does not set its own.
	TaxRate decimal.Decimal `json:"tax_rate,omitzero"`
	// Seats holds named seat counts over time; per-seat lines refer to them
	// by name, so a seat count carries across phases.
	Seats  map[string][]SeatChange `json:"seats,omitempty"`
	Phases []Phase                 `json:"phases"`
	// Discounts apply to the whole invoice, after line and phase discounts.
	Discounts []Discount `json:"discounts,omitempty"`
	// InvoiceMinimum tops an invoice's net subtotal up to this amount.
	InvoiceMinimum decimal.Decimal `json:"invoice_minimum,omitzero"`
}

// Billing is the schedule's calendar: frequency and anchor day.
type Billing struct {
	Frequency Frequency `json:"frequency"`
	// AnchorDay is the day of the month periods start on (1–31, clamped to
	// short months); 0 means the contract start's day.
	AnchorDay int `json:"anchor_day,omitempty"`
}

// SeatChange sets a seat count from a day on.
type SeatChange struct {
	From     Date            `json:"from"`
	Quantity decimal.Decimal `json:"quantity"`
}

// Phase is a span of the contract with its own prices: a trial, year 1,
// year 2. The first phase starts with the contract; each later phase starts
// on its Start and ends where the next begins (or with the contract).
type Phase struct {
	Name      string        `json:"name"`
	Start     Date          `json:"start,omitzero"`
	Lines     []PriceLine   `json:"lines"`
	Discounts []Discount    `json:"discounts,omitempty"`
	Minimum   *UsageMinimum `json:"minimum,omitempty"`
}

// PriceLine is one priced item of a phase. Which fields apply depends on
// Model; Validate says which are missing or stray.
type PriceLine struct {
	Name   string `json:"name"`
	Model  Model  `json:"model"`
	Timing Timing `json:"timing,omitempty"` // default: advance for flat and per_seat, arrears for usage

	// Price is the fee (flat), the price per seat (per_seat) or per unit (per_unit).
	Price decimal.Decimal `json:"price,omitzero"`
	// Metric is the usage metric code a usage model prices.
	Metric string `json:"metric,omitempty"`
	// Seats names the schedule's seat count a per_seat line uses.
	Seats string `json:"seats,omitempty"`
	// Tiers of a graduated or volume line.
	Tiers []Tier `json:"tiers,omitempty"`
	// Package of a package line.
	Package *PackagePrice `json:"package,omitempty"`
	// Percent (of the usage value) and FixedFee (per event counted by
	// CountMetric) of a percentage line.
	Percent     decimal.Decimal `json:"percent,omitzero"`
	FixedFee    decimal.Decimal `json:"fixed_fee,omitzero"`
	CountMetric string          `json:"count_metric,omitempty"`

	// TaxRate overrides the schedule's rate for this line (percent).
	TaxRate *decimal.Decimal `json:"tax_rate,omitempty"`
	// Minimum is a per-period usage minimum for this line: a true-up line
	// tops the line's charge up to it.
	Minimum decimal.Decimal `json:"minimum,omitzero"`
	// Discounts on this line only.
	Discounts []Discount `json:"discounts,omitempty"`
}

// PackagePrice charges Price per started block of Size units, after
// FreeUnits units that cost nothing.
type PackagePrice struct {
	Size      decimal.Decimal `json:"size"`
	Price     decimal.Decimal `json:"price"`
	FreeUnits decimal.Decimal `json:"free_units,omitzero"`
}

// Discount is Percent off or a fixed Amount off, for the first Periods
// billing periods of its scope (the contract for invoice discounts, the
// phase for phase and line discounts) or, with Periods 0, for all of it.
// A discount never takes a charge below zero.
type Discount struct {
	Label   string          `json:"label,omitempty"`
	Percent decimal.Decimal `json:"percent,omitzero"`
	Amount  decimal.Decimal `json:"amount,omitzero"`
	Periods int             `json:"periods,omitempty"`
}

// UsageMinimum is a commitment on a phase's usage charges: per billing
// period, or over the whole phase (trued up on the phase's last invoice).
type UsageMinimum struct {
	Amount decimal.Decimal `json:"amount"`
	Per    MinimumScope    `json:"per"`
}

// MinimumScope is the span a usage minimum applies to.
type MinimumScope string

const (
	PerPeriod MinimumScope = "period"
	PerPhase  MinimumScope = "phase"
)

// timing is the line's timing with the default filled in.
func (l *PriceLine) timing() Timing {
	if l.Timing != "" {
		return l.Timing
	}
	if l.Model.usesMetric() {
		return Arrears
	}
	return Advance
}

// Calendar is the schedule's billing calendar.
func (s *Schedule) Calendar() Calendar {
	return Calendar{Start: s.Start, End: s.End, Frequency: s.Billing.Frequency, AnchorDay: s.Billing.AnchorDay}
}

// phaseEnd is the day after phase i's last day (zero if open-ended).
func (s *Schedule) phaseEnd(i int) Date {
	if i+1 < len(s.Phases) {
		return s.Phases[i+1].Start
	}
	return s.End
}

// phaseStart is phase i's first day.
func (s *Schedule) phaseStart(i int) Date {
	if i == 0 || s.Phases[i].Start.IsZero() {
		return s.Start
	}
	return s.Phases[i].Start
}
