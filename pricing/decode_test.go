package pricing

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// valid is a minimal valid schedule; cases below break one thing each.
const valid = `
currency: EUR
time_zone: Europe/Berlin
start: 2026-01-01
billing: {frequency: monthly}
seats:
  users: [{from: 2026-01-01, quantity: 5}]
phases:
  - name: Year 1
    lines:
      - {name: Platform, model: flat, price: 100}
      - {name: Users, model: per_seat, seats: users, price: 10}
      - name: API calls
        model: graduated
        metric: api_calls
        tiers:
          - {up_to: 1000, unit_price: 0.10}
          - {up_to: 5000, unit_price: 0.08}
          - {unit_price: 0.05}
  - name: Year 2
    start: 2027-01-01
    lines:
      - {name: Platform, model: flat, price: 108}
`

func TestParseValid(t *testing.T) {
	s, err := ParseSchedule("valid.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if s.Currency.Code() != "EUR" || s.Start.String() != "2026-01-01" || len(s.Phases) != 2 || len(s.Phases[0].Lines) != 3 {
		t.Fatalf("parsed %+v", s)
	}
	tier1 := s.Phases[0].Lines[2].Tiers[0]
	if !tier1.UnitPrice.Equal(d("0.10")) || tier1.UnitPrice.Exponent() != -2 || !tier1.UpTo.Equal(d("1000")) {
		t.Errorf("tier 1 = %+v", tier1)
	}
}

func TestYAMLNumbersStayExact(t *testing.T) {
	for _, lit := range []string{"0.10", "0.000000000001", "123456789012345.123456789012", "1_000.5", "+3", ".5", "1e3"} {
		t.Run(lit, func(t *testing.T) {
			doc := strings.Replace(valid, "price: 100}", "price: "+lit+"}", 1)
			s, err := ParseSchedule("x.yaml", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			got := s.Phases[0].Lines[0].Price
			want := d(normaliseNumber(strings.ReplaceAll(lit, "_", "")))
			if !got.Equal(want) {
				t.Errorf("price %s parsed as %s", lit, got)
			}
		})
	}
}

func TestYAMLAndJSONAgree(t *testing.T) {
	for _, name := range []string{"ramp.yaml", "usage.yaml", "acme.yaml", "ramp3y.yaml"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "schedules", name))
			if err != nil {
				t.Fatal(err)
			}
			fromYAML, err := ParseSchedule(name, data)
			if err != nil {
				t.Fatal(err)
			}
			asJSON, err := json.Marshal(fromYAML)
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, err := ParseSchedule("same.json", asJSON)
			if err != nil {
				t.Fatalf("%v\n%s", err, asJSON)
			}
			again, _ := json.Marshal(fromJSON)
			if string(again) != string(asJSON) {
				t.Errorf("JSON round trip differs:\n%s\n%s", asJSON, again)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(valid, old) {
			panic("test case does not apply: " + old)
		}
		return strings.Replace(valid, old, new, 1)
	}
	tests := []struct {
		name, doc, want string
	}{
		{"empty", "  \n", "empty"},
		{"not yaml", "phases: [", "not valid YAML"},
		{"unknown field", replace("price: 100}", "prise: 100}"), `unknown field "prise"`},
		{"text for a number", replace("price: 100}", "price: lots}"), "lots"},
		{"no currency", replace("currency: EUR\n", ""), "currency is missing"},
		{"bad currency", replace("currency: EUR", "currency: EURO"), "ISO 4217"},
		{"bad zone", replace("Europe/Berlin", "Mars/Olympus"), `time_zone "Mars/Olympus"`},
		{"no start", replace("start: 2026-01-01\n", ""), "start is missing"},
		{"bad date", replace("start: 2026-01-01", "start: 2026-13-01"), "YYYY-MM-DD"},
		{"end before start", replace("billing:", "end: 2025-12-31\nbilling:"), "end 2025-12-31 is not after start"},
		{"bad frequency", replace("monthly", "weekly"), `frequency "weekly"`},
		{"bad anchor", replace("{frequency: monthly}", "{frequency: monthly, anchor_day: 32}"), "anchor_day 32"},
		{"tier bounds out of order", replace("up_to: 5000", "up_to: 500"), `phase "Year 1", line "API calls": tier up_to 500 follows 1000`},
		{"last tier bounded", replace("{unit_price: 0.05}", "{up_to: 9000, unit_price: 0.05}"), "last tier is open-ended"},
		{"open tier in the middle", replace("{up_to: 1000, unit_price: 0.10}", "{unit_price: 0.10}"), "only the last tier is open-ended"},
		{"usage in advance", replace("model: graduated", "model: graduated\n        timing: advance"), "cannot be billed in advance"},
		{"field of another model", replace("{name: Platform, model: flat, price: 100}", "{name: Platform, model: flat, price: 100, metric: x}"), "metric does not apply to a flat line"},
		{"too many decimals", replace("price: 100}", "price: 0.0000000000001}"), "13 decimal places; at most 12"},
		{"unknown seats", replace("seats: users, price", "seats: admins, price"), `seats "admins" is not in the schedule`},
		{"duplicate phase", replace("name: Year 2", "name: Year 1"), "phase names must be unique"},
		{"phase out of order", replace("start: 2027-01-01", "start: 2025-06-01"), "not after the previous phase's start"},
		{"later phase without start", replace("    start: 2027-01-01\n", ""), "every phase after the first starts on its own date"},
		{"duplicate line", replace("{name: Users,", "{name: Platform,"), "used by another line"},
		{"bad model", replace("model: flat, price: 100", "model: tiered, price: 100"), `model "tiered"`},
		{"discount with both", replace("phases:", "discounts: [{percent: 10, amount: 5}]\nphases:"), "exactly one of percent or amount"},
		{"discount over 100%", replace("phases:", "discounts: [{percent: 120}]\nphases:"), "at most 100"},
		{"minimum in cents of JPY", replace("currency: EUR", "currency: JPY\ninvoice_minimum: 0.5"), "more decimal places than JPY's 0"},
		{"tax rate", replace("phases:", "tax_rate: 100\nphases:"), "tax_rate 100"},
		{"duplicate key", replace("currency: EUR", "currency: EUR\ncurrency: USD"), "appears twice"},
		{"two JSON documents", `{"currency":"EUR"} {}`, "more than one document"},
		{"absurdly large number", replace("price: 100}", "price: 1e5000}"), "more than 15 digits before the decimal point"},
		{"absurdly small number", replace("price: 100}", "price: 1e-5000}"), "more than 24 decimal places"},
		{"phase minimum scope", replace("  - name: Year 2", "    minimum: {amount: 10, per: month}\n  - name: Year 2"), `per "month"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := "bad.yaml"
			if strings.HasPrefix(tc.doc, "{") {
				name = "bad.json"
			}
			_, err := ParseSchedule(name, []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to contain %q", err, tc.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), name+": ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	doc := strings.Replace(strings.Replace(valid, "monthly", "weekly", 1), "up_to: 5000", "up_to: 500", 1)
	_, err := ParseSchedule("two.yaml", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "weekly") || !strings.Contains(err.Error(), "follows 1000") {
		t.Fatalf("want both problems, got %v", err)
	}
}

// FuzzParseSchedule: whatever the bytes, ParseSchedule does not panic; what
// it accepts is valid, re-encodes as JSON and parses back to the same
// schedule, and prices its first periods without panicking.
func FuzzParseSchedule(f *testing.F) {
	f.Add([]byte(valid))
	for _, name := range []string{"ramp.yaml", "usage.yaml", "acme.yaml", "ramp3y.yaml"} {
		if data, err := os.ReadFile(filepath.Join("testdata", "schedules", name)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"currency":"JPY","time_zone":"UTC","start":"2026-01-31","billing":{"frequency":"monthly"},"phases":[{"name":"a","lines":[{"name":"x","model":"flat","price":1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSchedule("fuzz.yaml", data)
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted an invalid schedule: %v", err)
		}
		asJSON, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		back, err := ParseSchedule("fuzz.json", asJSON)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", asJSON, err)
		}
		again, _ := json.Marshal(back)
		if string(again) != string(asJSON) {
			t.Fatalf("round trip differs:\n%s\n%s", asJSON, again)
		}
		for i := range 3 {
			if _, err := Price(s, i, PeriodTotals{}); err != nil && !strings.Contains(err.Error(), "usage") {
				t.Fatalf("price period %d: %v", i, err)
			}
		}
	})
}

// TestFormatDocExample: the complete example of docs/schedule-format.md, in
// YAML and in JSON, parses to the same schedule, and the copies in testdata
// are what the page shows.
func TestFormatDocExample(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("..", "docs", "schedule-format.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := func(lang string) string {
		_, rest, ok := strings.Cut(string(page), "```"+lang+"\n")
		body, _, ok2 := strings.Cut(rest, "```")
		if !ok || !ok2 {
			t.Fatalf("no %s block in the page", lang)
		}
		return body
	}
	var parsed []*Schedule
	for _, f := range []struct{ lang, file string }{{"yaml", "ramp3y.yaml"}, {"json", "ramp3y.json"}} {
		data, err := os.ReadFile(filepath.Join("testdata", "schedules", f.file))
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != block(f.lang) {
			t.Errorf("testdata/schedules/%s differs from the page's %s example", f.file, f.lang)
		}
		s, err := ParseSchedule(f.file, data)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, s)
	}
	a, _ := json.Marshal(parsed[0])
	b, _ := json.Marshal(parsed[1])
	if string(a) != string(b) {
		t.Errorf("YAML and JSON examples differ:\n%s\n%s", a, b)
	}
}
