// Structural edits of a quoteForm: add, duplicate, remove and reorder lines
// and phases, and "duplicate the phase as next year with +N%" (a ramp).

package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

// Structural edits. Each keeps the fields' text; the caller resolves again.

func (f *quoteForm) addLine(phase, after int) *formField {
	if len(f.phases) == 0 {
		f.phases = append(f.phases, f.newPhase("Year 1", "", "", ""))
		phase, after = 0, -1
	}
	ph := f.phases[phase]
	l := newField("line", "line", "{product: }", 0, 0)
	l.in.SetCursor(len("{product: "))
	ph.lines = insertAt(ph.lines, after+1, l)
	f.renumber()
	return l
}

func (f *quoteForm) addPhase(after int) *phaseForm {
	ph := f.newPhase(fmt.Sprintf("Phase %d", len(f.phases)+1), "", "", "")
	ph.lines = []*formField{newField("line", "line", "{product: }", 0, 0)}
	f.phases = insertAt(f.phases, after+1, ph)
	f.renumber()
	return ph
}

func (f *quoteForm) duplicateLine(phase, line int) *formField {
	ph := f.phases[phase]
	l := newField("line", "line", ph.lines[line].in.Value(), 0, 0)
	ph.lines = insertAt(ph.lines, line+1, l)
	f.renumber()
	return l
}

func (f *quoteForm) duplicatePhase(i int) *phaseForm {
	src := f.phases[i]
	ph := f.newPhase(src.name.in.Value()+" (copy)", src.start.in.Value(), src.discounts.in.Value(), src.minimum.in.Value())
	for _, l := range src.lines {
		ph.lines = append(ph.lines, newField("line", "line", l.in.Value(), 0, 0))
	}
	f.phases = insertAt(f.phases, i+1, ph)
	f.renumber()
	return ph
}

func (f *quoteForm) removeLine(phase, line int) {
	ph := f.phases[phase]
	ph.lines = append(ph.lines[:line], ph.lines[line+1:]...)
	f.renumber()
}

func (f *quoteForm) removePhase(i int) {
	f.phases = append(f.phases[:i], f.phases[i+1:]...)
	f.renumber()
}

func (f *quoteForm) moveLine(phase, line, by int) bool {
	ls := f.phases[phase].lines
	to := line + by
	if to < 0 || to >= len(ls) {
		return false
	}
	ls[line], ls[to] = ls[to], ls[line]
	f.renumber()
	return true
}

func (f *quoteForm) movePhase(i, by int) bool {
	to := i + by
	if to < 0 || to >= len(f.phases) {
		return false
	}
	f.phases[i], f.phases[to] = f.phases[to], f.phases[i]
	f.renumber()
	return true
}

func insertAt[T any](s []T, i int, v T) []T {
	s = append(s, v)
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}

// errNotResolved refuses a ramp while the form has problems: the prices
// it raises are the resolved ones.
var errNotResolved = errors.New("fix the problems marked ✗ first: the ramp raises the resolved prices")

// rampPhase inserts after phase i a copy "as next year": named with the
// next number ("Year 1" → "Year 2"), starting 12 months after it (or after
// the contract start), every price raised by pct percent. Prices keep
// their own decimals (at least the currency's): 0.0864 stays exact.
// Lines keep their product and any other field; only the prices are
// written.
func (f *quoteForm) rampPhase(i int, pct decimal.Decimal) (*phaseForm, error) {
	if !f.resolved || f.content.Schedule == nil || i >= len(f.content.Schedule.Phases) {
		return nil, errNotResolved
	}
	s := f.content.Schedule
	src, form := s.Phases[i], f.phases[i]
	start := src.Start
	if start.IsZero() {
		start = s.Start
	}
	factor := decimal.NewFromInt(1).Add(pct.Shift(-2))
	minor := s.Currency.MinorUnits()
	ph := f.newPhase(nextName(src.Name), start.AddMonths(12).String(), form.discounts.in.Value(), form.minimum.in.Value())
	for j, l := range src.Lines {
		var fields map[string]json.RawMessage
		dec := json.NewDecoder(strings.NewReader(mustJSON(f.phases[i].lines[j])))
		dec.UseNumber()
		if err := dec.Decode(&fields); err != nil {
			return nil, errNotResolved
		}
		up := raisePrices(l, factor, minor, s.Rounding)
		put := func(k string, v any) {
			data, _ := json.Marshal(v)
			fields[k] = data
		}
		if !l.Price.IsZero() {
			put("price", up.Price)
		}
		if len(l.Tiers) > 0 {
			put("tiers", up.Tiers)
		}
		if l.Package != nil {
			put("package", up.Package)
		}
		if !l.FixedFee.IsZero() {
			put("fixed_fee", up.FixedFee)
		}
		data, _ := json.Marshal(orderedLine(fields))
		ph.lines = append(ph.lines, newField("line", "line", flowJSON(data), 0, 0))
	}
	f.phases = insertAt(f.phases, i+1, ph)
	f.renumber()
	return ph, nil
}

// mustJSON is a line field's text as JSON (it resolved, so it decodes).
func mustJSON(fl *formField) string {
	var raw json.RawMessage
	if err := pricing.DecodeDocument("line.yaml", []byte(fl.in.Value()), &raw, pricing.DocKind{What: "line"}); err != nil {
		return "{}"
	}
	return string(raw)
}

// raisePrices multiplies a line's prices by factor. Fees (flat, per seat,
// per package, a tier's flat fee, a percentage line's fixed fee) are
// rounded to the currency's minor units, as amounts are; unit prices
// (per unit, a tier's unit price) stay exact — 0.10 + 8% is 0.108 —
// because the pricing core rounds the charge, not the price.
func raisePrices(l pricing.PriceLine, factor decimal.Decimal, minor int32, mode pricing.Rounding) pricing.PriceLine {
	fee := func(d decimal.Decimal) decimal.Decimal {
		places := max(-d.Exponent(), minor)
		v := d.Mul(factor)
		if mode == pricing.Rounding("half_even") {
			return v.RoundBank(places)
		}
		return v.Round(places)
	}
	unit := func(d decimal.Decimal) decimal.Decimal { return d.Mul(factor) }
	out := l
	out.Price = fee(l.Price)
	if l.Model == pricing.PerUnit {
		out.Price = unit(l.Price)
	}
	out.FixedFee = fee(l.FixedFee)
	out.Tiers = nil
	for _, t := range l.Tiers {
		t.UnitPrice, t.FlatFee = unit(t.UnitPrice), fee(t.FlatFee)
		out.Tiers = append(out.Tiers, t)
	}
	if l.Package != nil {
		p := *l.Package
		p.Price = fee(p.Price)
		out.Package = &p
	}
	return out
}

var trailingNumber = regexp.MustCompile(`^(.*?)(\d+)$`)

// nextName is the next year's phase name: "Year 1" → "Year 2".
func nextName(name string) string {
	if m := trailingNumber.FindStringSubmatch(name); m != nil {
		n, _ := strconv.Atoi(m[2])
		return m[1] + strconv.Itoa(n+1)
	}
	return name + " +1 year"
}
