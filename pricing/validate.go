package pricing

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// maxPriceScale is the most decimal places a price may carry (per-event
// prices such as 0.000004).
const maxPriceScale = 12

var metricCode = regexp.MustCompile(`^[a-z0-9_.-]+$`)

// Validate checks a schedule for everything pricing relies on and returns
// every problem found, each naming its place in the user's terms:
//
//	phase "Year 2", line "API calls": tier up_to 1000 follows 5000
func (s *Schedule) Validate() error {
	if s == nil {
		return errors.New("no schedule")
	}
	v := &validator{s: s}
	// Numbers of absurd size are refused before anything computes with
	// them: a decimal such as 1e999999999 is cheap to store but would take
	// hours to round.
	v.numbers()
	if len(v.errs) > 0 {
		return errors.Join(v.errs...)
	}
	v.header()
	v.seats()
	v.phases()
	v.discounts("invoice discounts", s.Discounts)
	v.money("invoice_minimum", "", s.InvoiceMinimum, false)
	return errors.Join(v.errs...)
}

type validator struct {
	s    *Schedule
	errs []error
}

func (v *validator) add(place, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if place != "" {
		msg = place + ": " + msg
	}
	v.errs = append(v.errs, errors.New(msg))
}

func (v *validator) header() {
	s := v.s
	if s.Currency.IsZero() {
		v.add("", "currency is missing (an ISO 4217 code such as EUR)")
	}
	if s.TimeZone == "" {
		v.add("", "time_zone is missing (an IANA zone such as Europe/Berlin)")
	} else if _, err := time.LoadLocation(s.TimeZone); err != nil {
		v.add("", "time_zone %q is not an IANA time zone (such as Europe/Berlin or America/New_York)", s.TimeZone)
	}
	if s.Start.IsZero() {
		v.add("", "start is missing (the contract's first day, YYYY-MM-DD)")
	}
	if !s.End.IsZero() && !s.End.After(s.Start) {
		v.add("", "end %s is not after start %s", s.End, s.Start)
	}
	if s.Billing.Frequency.Months() == 0 {
		if s.Billing.Frequency == "" {
			v.add("billing", "frequency is missing (monthly, quarterly or annual)")
		} else {
			v.add("billing", "frequency %q: use monthly, quarterly or annual", s.Billing.Frequency)
		}
	}
	if s.Billing.AnchorDay < 0 || s.Billing.AnchorDay > 31 {
		v.add("billing", "anchor_day %d: use a day of the month, 1 to 31 (or leave it out for the start's day)", s.Billing.AnchorDay)
	}
	switch s.Rounding {
	case "", HalfAwayFromZero, HalfEven:
	default:
		v.add("", "rounding %q: use half_away_from_zero (the default) or half_even", s.Rounding)
	}
	v.taxRate("", s.TaxRate)
}

// Bounds on any number in a schedule: at most 15 digits before the decimal
// point and 24 after it.
const (
	maxIntegerDigits  = 15
	maxFractionDigits = 24
)

// numbers checks that every number in the schedule is of a sane size.
func (v *validator) numbers() {
	s := v.s
	check := v.sizeCheck
	check("tax_rate", s.TaxRate)
	check("invoice_minimum", s.InvoiceMinimum)
	checkDiscounts := func(place string, ds []Discount) {
		for _, d := range ds {
			check(place+", percent", d.Percent)
			check(place+", amount", d.Amount)
		}
	}
	checkDiscounts("discount", s.Discounts)
	for _, name := range slices.Sorted(maps.Keys(s.Seats)) {
		for _, c := range s.Seats[name] {
			check(fmt.Sprintf("seats %q quantity", name), c.Quantity)
		}
	}
	for _, ph := range s.Phases {
		checkDiscounts(fmt.Sprintf("phase %q discount", ph.Name), ph.Discounts)
		if ph.Minimum != nil {
			check(fmt.Sprintf("phase %q minimum", ph.Name), ph.Minimum.Amount)
		}
		for j := range ph.Lines {
			l := &ph.Lines[j]
			v.lineNumbers(fmt.Sprintf("phase %q, line %q", ph.Name, l.Name), l)
		}
	}
}

// sizeCheck reports a number of absurd size at place.
func (v *validator) sizeCheck(place string, d decimal.Decimal) {
	if d.Exponent() < -maxFractionDigits {
		v.add(place, "a number with more than %d decimal places", maxFractionDigits)
	} else if int64(d.NumDigits())+int64(d.Exponent()) > maxIntegerDigits {
		v.add(place, "a number with more than %d digits before the decimal point", maxIntegerDigits)
	}
}

// lineNumbers checks the size of every number of one price line.
func (v *validator) lineNumbers(place string, l *PriceLine) {
	for _, n := range []decimal.Decimal{l.Price, l.Percent, l.FixedFee, l.Minimum} {
		v.sizeCheck(place, n)
	}
	if l.TaxRate != nil {
		v.sizeCheck(place+", tax_rate", *l.TaxRate)
	}
	if l.Package != nil {
		for _, n := range []decimal.Decimal{l.Package.Size, l.Package.Price, l.Package.FreeUnits} {
			v.sizeCheck(place+", package", n)
		}
	}
	for _, t := range l.Tiers {
		v.sizeCheck(place+", tier unit_price", t.UnitPrice)
		v.sizeCheck(place+", tier flat_fee", t.FlatFee)
		if t.UpTo != nil {
			v.sizeCheck(place+", tier up_to", *t.UpTo)
		}
	}
	for _, d := range l.Discounts {
		v.sizeCheck(place+", discount, percent", d.Percent)
		v.sizeCheck(place+", discount, amount", d.Amount)
	}
}

// ValidatePriceLine checks one price line on its own, by the rules it meets
// inside a phase of a schedule billed in cur: a product catalog's default
// prices are price lines waiting for a schedule. A per_seat line's seat
// count name is taken as declared (the schedule that uses the line
// declares it). Every problem is returned, each starting with place.
func ValidatePriceLine(place string, cur Currency, l PriceLine) error {
	s := &Schedule{Currency: cur}
	if l.Model == PerSeat && l.Seats != "" {
		s.Seats = map[string][]SeatChange{l.Seats: nil}
	}
	v := &validator{s: s}
	v.lineNumbers(place, &l)
	if len(v.errs) > 0 {
		return errors.Join(v.errs...)
	}
	if l.Name == "" {
		v.add(place, "name is missing")
	}
	v.line(place, &l)
	return errors.Join(v.errs...)
}

func (v *validator) taxRate(place string, r decimal.Decimal) {
	if r.IsNegative() || r.GreaterThanOrEqual(decimal.NewFromInt(100)) {
		v.add(place, "tax_rate %s: a percentage from 0 to below 100 (19 means 19%%)", r)
	}
}

// money checks an amount: not negative, within the currency's minor units
// (or, for a price, at most 12 decimal places).
func (v *validator) money(field, place string, d decimal.Decimal, isPrice bool) {
	if d.IsNegative() {
		v.add(place, "%s %s is negative", field, d)
		return
	}
	scale := -d.Exponent()
	if isPrice {
		if scale > maxPriceScale && !d.Equal(d.Truncate(maxPriceScale)) {
			v.add(place, "%s %s has %d decimal places; at most %d", field, d, scale, maxPriceScale)
		}
		return
	}
	if !v.s.Currency.IsZero() && !d.Equal(d.Truncate(v.s.Currency.MinorUnits())) {
		v.add(place, "%s %s has more decimal places than %s's %d", field, d, v.s.Currency, v.s.Currency.MinorUnits())
	}
}

func (v *validator) seats() {
	used := map[string]bool{}
	for _, ph := range v.s.Phases {
		for _, l := range ph.Lines {
			if l.Model == PerSeat {
				used[l.Seats] = true
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(v.s.Seats)) {
		changes := v.s.Seats[name]
		place := fmt.Sprintf("seats %q", name)
		if len(changes) == 0 {
			v.add(place, "no seat counts; give at least one {from, quantity}")
		}
		for i, c := range changes {
			if c.From.IsZero() {
				v.add(place, "change %d has no from date", i+1)
			}
			if i > 0 && !c.From.After(changes[i-1].From) {
				v.add(place, "change from %s follows %s; list changes in date order, one per day", c.From, changes[i-1].From)
			}
			if c.Quantity.IsNegative() {
				v.add(place, "quantity %s on %s is negative", c.Quantity, c.From)
			}
			if !c.Quantity.Equal(c.Quantity.Truncate(6)) {
				v.add(place, "quantity %s has more than 6 decimal places", c.Quantity)
			}
		}
		if !used[name] {
			v.add(place, "not used by any per_seat line")
		}
	}
}

func (v *validator) phases() {
	s := v.s
	if len(s.Phases) == 0 {
		v.add("", "phases are missing: a schedule needs at least one phase with price lines")
		return
	}
	names := map[string]bool{}
	for i := range s.Phases {
		ph := &s.Phases[i]
		place := fmt.Sprintf("phase %d", i+1)
		if ph.Name == "" {
			v.add(place, "name is missing")
		} else {
			place = fmt.Sprintf("phase %q", ph.Name)
			if names[ph.Name] {
				v.add(place, "the name is used by another phase; phase names must be unique")
			}
			names[ph.Name] = true
		}
		switch {
		case i == 0 && !ph.Start.IsZero() && !ph.Start.Equal(s.Start):
			v.add(place, "the first phase starts with the contract (%s), not on %s; leave its start out", s.Start, ph.Start)
		case i > 0 && ph.Start.IsZero():
			v.add(place, "start is missing: every phase after the first starts on its own date")
		case i > 0 && !ph.Start.After(s.phaseStart(i-1)):
			v.add(place, "start %s is not after the previous phase's start %s", ph.Start, s.phaseStart(i-1))
		case i > 0 && !s.End.IsZero() && !ph.Start.Before(s.End):
			v.add(place, "start %s is not before the contract's end %s", ph.Start, s.End)
		}
		if len(ph.Lines) == 0 {
			v.add(place, "no lines: a phase needs at least one price line (a trial can be a flat line with price 0)")
		}
		lineNames := map[string]bool{}
		for j := range ph.Lines {
			l := &ph.Lines[j]
			lp := fmt.Sprintf("%s, line %d", place, j+1)
			if l.Name == "" {
				v.add(lp, "name is missing")
			} else {
				lp = fmt.Sprintf("%s, line %q", place, l.Name)
				if lineNames[l.Name] {
					v.add(lp, "the name is used by another line of the phase")
				}
				lineNames[l.Name] = true
			}
			v.line(lp, l)
		}
		v.discounts(place+", discounts", ph.Discounts)
		if m := ph.Minimum; m != nil {
			if !m.Amount.IsPositive() {
				v.add(place+", minimum", "amount must be more than zero")
			}
			v.money("amount", place+", minimum", m.Amount, false)
			if m.Per != PerPeriod && m.Per != PerPhase {
				v.add(place+", minimum", "per %q: use period or phase", m.Per)
			}
		}
	}
}

// modelFields says which optional fields each model takes.
var modelFields = map[Model][]string{
	Flat:       {"price"},
	PerSeat:    {"price", "seats"},
	PerUnit:    {"price", "metric", "minimum"},
	GraduatedM: {"metric", "tiers", "minimum"},
	VolumeM:    {"metric", "tiers", "minimum"},
	Package:    {"metric", "package", "minimum"},
	Percentage: {"metric", "percent", "fixed_fee", "count_metric", "minimum"},
}

func (v *validator) line(place string, l *PriceLine) {
	allowed, ok := modelFields[l.Model]
	if !ok {
		if l.Model == "" {
			v.add(place, "model is missing (flat, per_seat, per_unit, graduated, volume, package or percentage)")
		} else {
			v.add(place, "model %q: use flat, per_seat, per_unit, graduated, volume, package or percentage", l.Model)
		}
		return
	}
	present := map[string]bool{
		"price": !l.Price.IsZero(), "seats": l.Seats != "", "metric": l.Metric != "",
		"tiers": len(l.Tiers) > 0, "package": l.Package != nil, "percent": !l.Percent.IsZero(),
		"fixed_fee": !l.FixedFee.IsZero(), "count_metric": l.CountMetric != "", "minimum": !l.Minimum.IsZero(),
	}
	for _, f := range []string{"price", "seats", "metric", "tiers", "package", "percent", "fixed_fee", "count_metric", "minimum"} {
		if present[f] && !slices.Contains(allowed, f) {
			v.add(place, "%s does not apply to a %s line (it takes %s)", f, l.Model, strings.Join(allowed, ", "))
		}
	}
	switch l.Timing {
	case "", Advance, Arrears:
	default:
		v.add(place, "timing %q: use advance or arrears", l.Timing)
	}
	if l.Model.usesMetric() {
		if l.Timing == Advance {
			v.add(place, "a %s line bills usage, which is only known after the period: it cannot be billed in advance", l.Model)
		}
		if l.Metric == "" {
			v.add(place, "metric is missing: the usage metric this line prices")
		} else if !metricCode.MatchString(l.Metric) {
			v.add(place, "metric %q: use lower-case letters, digits, _ . -", l.Metric)
		}
	}
	v.money("price", place, l.Price, true)
	v.money("minimum", place, l.Minimum, false)
	switch l.Model {
	case PerSeat:
		if l.Seats == "" {
			v.add(place, "seats is missing: the name of a seat count in the schedule's seats section")
		} else if _, ok := v.s.Seats[l.Seats]; !ok {
			v.add(place, "seats %q is not in the schedule's seats section", l.Seats)
		}
	case GraduatedM, VolumeM:
		v.tiers(place, l.Tiers)
	case Package:
		if l.Package == nil {
			v.add(place, "package is missing: {size: 1000, price: 25.00}")
			break
		}
		if !l.Package.Size.IsPositive() {
			v.add(place, "package size must be more than zero")
		}
		v.money("package price", place, l.Package.Price, true)
		if l.Package.FreeUnits.IsNegative() {
			v.add(place, "package free_units %s is negative", l.Package.FreeUnits)
		}
	case Percentage:
		if l.Percent.IsNegative() || l.Percent.GreaterThan(decimal.NewFromInt(100)) {
			v.add(place, "percent %s: a percentage from 0 to 100 (0.5 means 0.5%%)", l.Percent)
		}
		v.money("fixed_fee", place, l.FixedFee, true)
		if !l.FixedFee.IsZero() && l.CountMetric == "" {
			v.add(place, "fixed_fee needs count_metric: the metric that counts the events the fee is charged on")
		}
		if l.FixedFee.IsZero() && l.CountMetric != "" {
			v.add(place, "count_metric without fixed_fee has no effect; remove it or set fixed_fee")
		}
		if l.CountMetric != "" && !metricCode.MatchString(l.CountMetric) {
			v.add(place, "count_metric %q: use lower-case letters, digits, _ . -", l.CountMetric)
		}
	}
	if l.TaxRate != nil {
		v.taxRate(place, *l.TaxRate)
	}
	v.discounts(place+", discounts", l.Discounts)
}

func (v *validator) tiers(place string, tiers []Tier) {
	if len(tiers) == 0 {
		v.add(place, "tiers are missing: at least one, the last without up_to")
		return
	}
	for i, t := range tiers {
		tp := fmt.Sprintf("%s, tier %d", place, i+1)
		last := i == len(tiers)-1
		switch {
		case last && t.UpTo != nil:
			v.add(tp, "the last tier is open-ended: remove its up_to %s (or add a tier after it)", t.UpTo)
		case !last && t.UpTo == nil:
			v.add(tp, "up_to is missing: only the last tier is open-ended")
		case !last && !t.UpTo.IsPositive():
			v.add(tp, "up_to %s must be more than zero", t.UpTo)
		case !last && i > 0 && tiers[i-1].UpTo != nil && !t.UpTo.GreaterThan(*tiers[i-1].UpTo):
			v.add(place, "tier up_to %s follows %s; bounds must increase", t.UpTo, tiers[i-1].UpTo)
		}
		v.money("unit_price", tp, t.UnitPrice, true)
		v.money("flat_fee", tp, t.FlatFee, true)
	}
}

func (v *validator) discounts(place string, ds []Discount) {
	for i, d := range ds {
		dp := fmt.Sprintf("%s, discount %d", place, i+1)
		if d.Label != "" {
			dp = fmt.Sprintf("%s, discount %q", place, d.Label)
		}
		switch {
		case d.Percent.IsZero() == d.Amount.IsZero():
			v.add(dp, "give exactly one of percent or amount")
		case !d.Percent.IsZero() && (!d.Percent.IsPositive() || d.Percent.GreaterThan(decimal.NewFromInt(100))):
			v.add(dp, "percent %s: more than 0, at most 100", d.Percent)
		case !d.Amount.IsZero():
			if !d.Amount.IsPositive() {
				v.add(dp, "amount %s must be more than zero", d.Amount)
			}
			v.money("amount", dp, d.Amount, false)
		}
		if d.Periods < 0 {
			v.add(dp, "periods %d: a number of billing periods, or 0 (or nothing) for all", d.Periods)
		}
	}
}
