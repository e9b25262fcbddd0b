package pricing

import (
	"errors"
	"strings"
	"testing"
)

// TestValidateRules has one case per rule of docs/schedule-format.md that
// TestParseErrors does not already cover: each case breaks one thing in the
// valid document of decode_test.go and names the message it must produce.
func TestValidateRules(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(valid, old) {
			panic("test case does not apply: " + old)
		}
		return strings.Replace(valid, old, new, 1)
	}
	const (
		platform = "{name: Platform, model: flat, price: 100}"
		users    = "{name: Users, model: per_seat, seats: users, price: 10}"
		api      = "model: graduated\n        metric: api_calls"
		seats    = "users: [{from: 2026-01-01, quantity: 5}]"
		year2    = "  - name: Year 2"
	)
	line := func(fields string) string { return replace(platform, "{name: Platform, "+fields+"}") }
	tests := []struct {
		name, doc, want string
	}{
		// The schedule.
		{"rounding", replace("phases:", "rounding: up\nphases:"), `rounding "up"`},
		{"negative tax rate", replace("phases:", "tax_rate: -1\nphases:"), "tax_rate -1: a percentage from 0 to below 100"},
		{"negative invoice minimum", replace("phases:", "invoice_minimum: -5\nphases:"), "invoice_minimum -5 is negative"},
		{"no frequency", replace("billing: {frequency: monthly}", "billing: {anchor_day: 1}"), "frequency is missing"},
		{"negative anchor", replace("{frequency: monthly}", "{frequency: monthly, anchor_day: -1}"), "anchor_day -1"},
		{"end equal to start", replace("billing:", "end: 2026-01-01\nbilling:"), "end 2026-01-01 is not after start 2026-01-01"},

		// Phases.
		{"no phases", valid[:strings.Index(valid, "phases:")] + "phases: []\n", "phases are missing"},
		{"phase without name", replace("name: Year 2", "name: ''"), "phase 2: name is missing"},
		{"first phase starts late", replace("  - name: Year 1\n", "  - name: Year 1\n    start: 2026-02-01\n"), `phase "Year 1": the first phase starts with the contract (2026-01-01), not on 2026-02-01`},
		{"first phase start equal to the contract's", replace("  - name: Year 1\n", "  - name: Year 1\n    start: 2026-01-01\n"), ""},
		{"phase on the contract start", replace("start: 2027-01-01", "start: 2026-01-01"), `phase "Year 2": start 2026-01-01 is not after the previous phase's start 2026-01-01`},
		{"phase after the end", replace("billing:", "end: 2026-06-01\nbilling:"), `phase "Year 2": start 2027-01-01 is not before the contract's end 2026-06-01`},
		{"phase without lines", replace("      - {name: Platform, model: flat, price: 108}\n", "      []\n"), `phase "Year 2": no lines`},
		{"phase minimum zero", replace(year2, "    minimum: {amount: 0, per: period}\n"+year2), `phase "Year 1", minimum: amount must be more than zero`},
		{"phase minimum in tenths of a cent", replace(year2, "    minimum: {amount: 10.001, per: phase}\n"+year2), "amount 10.001 has more decimal places than EUR's 2"},

		// Lines.
		{"line without name", replace("{name: Users,", "{name: '',"), `phase "Year 1", line 2: name is missing`},
		{"no model", replace(platform, "{name: Platform, price: 100}"), `line "Platform": model is missing`},
		{"timing", replace(platform, "{name: Platform, model: flat, price: 100, timing: later}"), `timing "later": use advance or arrears`},
		{"flat in arrears", replace(platform, "{name: Platform, model: flat, price: 100, timing: arrears}"), ""},
		{"negative flat price", line("model: flat, price: -1"), `line "Platform": price -1 is negative`},
		{"line tax rate", line("model: flat, price: 1, tax_rate: 100"), `line "Platform": tax_rate 100`},
		{"line tax rate zero", line("model: flat, price: 1, tax_rate: 0"), ""},
		{"minimum on a flat line", line("model: flat, price: 1, minimum: 5"), "minimum does not apply to a flat line"},
		{"tiers on a flat line", line("model: flat, price: 1, tiers: [{unit_price: 1}]"), "tiers does not apply to a flat line"},
		{"package on a per_unit line", line("model: per_unit, metric: m, price: 1, package: {size: 1, price: 1}"), "package does not apply to a per_unit line"},
		{"negative line minimum", line("model: per_unit, metric: m, price: 1, minimum: -1"), "minimum -1 is negative"},

		// per_seat.
		{"per_seat without seats", replace(users, "{name: Users, model: per_seat, price: 10}"), `line "Users": seats is missing`},
		{"per_seat with a metric", replace(users, "{name: Users, model: per_seat, seats: users, price: 10, metric: m}"), "metric does not apply to a per_seat line"},

		// per_unit.
		{"per_unit without metric", line("model: per_unit, price: 0.002"), `line "Platform": metric is missing`},
		{"per_unit in advance", line("model: per_unit, metric: m, price: 0.002, timing: advance"), "only known after the period: it cannot be billed in advance"},
		{"metric code", line("model: per_unit, metric: API Calls, price: 0.002"), `metric "API Calls": use lower-case letters, digits, _ . -`},
		{"metric code with dots and dashes", line("model: per_unit, metric: api.calls-v2_x, price: 0.002"), ""},

		// graduated and volume.
		{"graduated without tiers", line("model: graduated, metric: api_calls"), "tiers are missing"},
		{"volume without metric", replace(api, "model: volume"), `line "API calls": metric is missing`},
		{"zero up_to", replace("up_to: 1000", "up_to: 0"), "tier 1: up_to 0 must be more than zero"},
		{"equal bounds", replace("up_to: 5000", "up_to: 1000"), "tier up_to 1000 follows 1000"},
		{"negative unit price", replace("unit_price: 0.05", "unit_price: -0.05"), "tier 3: unit_price -0.05 is negative"},
		{"negative flat fee", replace("{unit_price: 0.05}", "{unit_price: 0.05, flat_fee: -1}"), "tier 3: flat_fee -1 is negative"},
		{"unit price with 13 places", replace("unit_price: 0.05", "unit_price: 0.0000000000001"), "unit_price 0.0000000000001 has 13 decimal places; at most 12"},
		{"unit price with 12 places", replace("unit_price: 0.05", "unit_price: 0.000000000001"), ""},
		{"single open tier", replace("          - {up_to: 1000, unit_price: 0.10}\n          - {up_to: 5000, unit_price: 0.08}\n", ""), ""},

		// package.
		{"package missing", line("model: package, metric: invoices"), "package is missing"},
		{"package size zero", line("model: package, metric: invoices, package: {size: 0, price: 25}"), "package size must be more than zero"},
		{"package price negative", line("model: package, metric: invoices, package: {size: 1000, price: -25}"), "package price -25 is negative"},
		{"package price with 13 places", line("model: package, metric: invoices, package: {size: 1000, price: 0.0000000000001}"), "package price 0.0000000000001 has 13 decimal places"},
		{"package free units negative", line("model: package, metric: invoices, package: {size: 1000, price: 25, free_units: -1}"), "package free_units -1 is negative"},
		{"package price on the line", line("model: package, metric: invoices, price: 25, package: {size: 1000, price: 25}"), "price does not apply to a package line"},

		// percentage.
		{"percentage over 100", line("model: percentage, metric: volume, percent: 101"), "percent 101: a percentage from 0 to 100"},
		{"percentage negative", line("model: percentage, metric: volume, percent: -1"), "percent -1"},
		{"fixed fee without count metric", line("model: percentage, metric: volume, percent: 1.4, fixed_fee: 0.25"), "fixed_fee needs count_metric"},
		{"count metric without fixed fee", line("model: percentage, metric: volume, percent: 1.4, count_metric: payments"), "count_metric without fixed_fee"},
		{"negative fixed fee", line("model: percentage, metric: volume, percent: 1.4, fixed_fee: -0.25, count_metric: payments"), "fixed_fee -0.25 is negative"},
		{"bad count metric", line("model: percentage, metric: volume, percent: 1.4, fixed_fee: 0.25, count_metric: Payments"), `count_metric "Payments"`},
		{"percentage complete", line("model: percentage, metric: volume, percent: 1.4, fixed_fee: 0.25, count_metric: payments"), ""},
		{"percent on a per_unit line", line("model: per_unit, metric: m, price: 1, percent: 5"), "percent does not apply to a per_unit line"},

		// Discounts, at every level.
		{"discount with neither", replace("phases:", "discounts: [{label: nothing}]\nphases:"), `invoice discounts, discount "nothing": give exactly one of percent or amount`},
		{"discount percent zero", replace("phases:", "discounts: [{percent: 0}]\nphases:"), "give exactly one of percent or amount"},
		{"discount percent negative", replace(year2, "    discounts: [{percent: -10}]\n"+year2), `phase "Year 1", discounts, discount 1: percent -10: more than 0, at most 100`},
		{"discount amount negative", line("model: flat, price: 100, discounts: [{amount: -5}]"), `line "Platform", discounts, discount 1: amount -5 must be more than zero`},
		{"discount periods negative", replace("phases:", "discounts: [{percent: 10, periods: -1}]\nphases:"), "periods -1"},
		{"discount percent 100", replace("phases:", "discounts: [{percent: 100, periods: 3}]\nphases:"), ""},

		// Seats.
		{"seats empty", replace(seats, seats+"\n  admins: []"), `seats "admins": no seat counts`},
		{"seats out of order", replace(seats, "users: [{from: 2026-02-01, quantity: 5}, {from: 2026-01-01, quantity: 6}]"), `seats "users": change from 2026-01-01 follows 2026-02-01`},
		{"seats twice on a day", replace(seats, "users: [{from: 2026-01-01, quantity: 5}, {from: 2026-01-01, quantity: 6}]"), "follows 2026-01-01"},
		{"seats negative", replace(seats, "users: [{from: 2026-01-01, quantity: -5}]"), "quantity -5 on 2026-01-01 is negative"},
		{"seats with 7 places", replace(seats, "users: [{from: 2026-01-01, quantity: 2.5000001}]"), "quantity 2.5000001 has more than 6 decimal places"},
		{"fractional seats", replace(seats, "users: [{from: 2026-01-01, quantity: 2.5}]"), ""},
		{"seats starting late", replace(seats, "users: [{from: 2026-03-01, quantity: 5}]"), ""},
		{"seats without from", replace(seats, "users: [{quantity: 5}]"), "change 1 has no from date"},
		{"seats unused", replace(seats, seats+"\n  analysts: [{from: 2026-01-01, quantity: 1}]"), `seats "analysts": not used by any per_seat line`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSchedule("rules.yaml", []byte(tc.doc))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("want no error, got %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v\nwant it to contain %q", err, tc.want)
			case tc.want != "" && !errors.Is(err, ErrInvalidSchedule):
				t.Errorf("error %v is not ErrInvalidSchedule", err)
			}
		})
	}
}

// TestValidateZeroSchedule: the zero Schedule is reported, problem by
// problem, without panicking.
func TestValidateZeroSchedule(t *testing.T) {
	err := (&Schedule{}).Validate()
	if err == nil {
		t.Fatal("the zero schedule validated")
	}
	for _, want := range []string{"currency is missing", "time_zone is missing", "start is missing", "frequency is missing", "phases are missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
}

// TestValidateListsEachProblem: Validate returns a joined error whose parts
// are one problem each, so callers can list them.
func TestValidateListsEachProblem(t *testing.T) {
	s := &Schedule{
		Currency: MustCurrency("EUR"), TimeZone: "UTC", Start: MustDate("2026-01-01"),
		Billing: Billing{Frequency: Monthly},
		Phases: []Phase{{Name: "P", Lines: []PriceLine{
			{Name: "A", Model: Flat, Price: d("-1")},
			{Name: "B", Model: PerUnit, Price: d("1")},
			{Name: "C", Model: Package, Metric: "m"},
		}}},
	}
	err := s.Validate()
	many, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("not a joined error: %v", err)
	}
	got := many.Unwrap()
	want := []string{
		`phase "P", line "A": price -1 is negative`,
		`phase "P", line "B": metric is missing: the usage metric this line prices`,
		`phase "P", line "C": package is missing`,
	}
	if len(got) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i].Error(), want[i]) {
			t.Errorf("problem %d = %q, want %q…", i+1, got[i], want[i])
		}
	}
}
