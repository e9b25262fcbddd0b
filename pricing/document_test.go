package pricing

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestParseKeepsLiteralScale: YAML numbers keep their literal text, so
// their decimal exponent too: 0.10 is 10 × 10⁻², not 0.1 (and certainly
// not the float 0.1000000000000000055).
func TestParseKeepsLiteralScale(t *testing.T) {
	tests := []struct {
		lit, str string
		exp      int32
	}{
		{"0.10", "0.1", -2},
		{"0.000000000001", "0.000000000001", -12},
		{"100.00", "100", -2},
		{`"0.10"`, "0.1", -2}, // quoted numbers are numbers too
		{"1_000.50", "1000.5", -2},
		{".5", "0.5", -1},
		{"+3", "3", 0},
		{"007", "7", 0},
	}
	for _, tc := range tests {
		t.Run(tc.lit, func(t *testing.T) {
			doc := strings.Replace(valid, "price: 100}", "price: "+tc.lit+"}", 1)
			s, err := ParseSchedule("exact.yaml", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			got := s.Phases[0].Lines[0].Price
			if got.String() != tc.str || got.Exponent() != tc.exp {
				t.Errorf("price %s parsed as %s (exponent %d), want %s (exponent %d)", tc.lit, got, got.Exponent(), tc.str, tc.exp)
			}
		})
	}
}

// TestParseRejectsYAMLOnlyNumbers: number forms that YAML knows and a
// price should never be written in are refused with the line they are on.
func TestParseRejectsYAMLOnlyNumbers(t *testing.T) {
	for _, lit := range []string{"0x10", "0o17", ".inf", "-.inf", ".nan"} {
		t.Run(lit, func(t *testing.T) {
			doc := strings.Replace(valid, "price: 100}", "price: "+lit+"}", 1)
			_, err := ParseSchedule("odd.yaml", []byte(doc))
			if err == nil || !strings.Contains(err.Error(), "odd.yaml: line 11: "+`"`+lit+`" is not a number`) {
				t.Errorf("error %v", err)
			}
		})
	}
}

// TestParseFormat: the file name picks the format; without a known
// extension the first non-space byte decides.
func TestParseFormat(t *testing.T) {
	s, err := ParseSchedule("valid.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	asJSON, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data string
		ok   bool
	}{
		{"s.yaml", valid, true},
		{"s.yml", valid, true},
		{"s.YAML", valid, true},
		{"s.json", string(asJSON), true},
		{"s.JSON", string(asJSON), true},
		{"s.yaml", string(asJSON), true}, // JSON is YAML
		{"s.json", valid, false},
		{"schedule", valid, true},
		{"schedule", "\n\t  " + string(asJSON), true},
		{"schedule.txt", string(asJSON), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSchedule(tc.name, []byte(tc.data))
			if !tc.ok {
				if err == nil {
					t.Fatal("parsed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			again, _ := json.MarshalIndent(got, "", "  ")
			if string(again) != string(asJSON) {
				t.Errorf("parsed differently:\n%s", again)
			}
		})
	}
}

// TestParseYAMLFeatures: dates are bare YAML timestamps, aliases are
// resolved, merge keys are refused.
func TestParseYAMLFeatures(t *testing.T) {
	aliased := strings.Replace(strings.Replace(valid, "price: 100}", "price: &fee 100}", 1), "price: 108}", "price: *fee}", 1)
	s, err := ParseSchedule("alias.yaml", []byte(aliased))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Phases[1].Lines[0].Price; got.String() != "100" {
		t.Errorf("aliased price = %s", got)
	}
	if s.Start != MustDate("2026-01-01") || s.Phases[1].Start != MustDate("2027-01-01") {
		t.Errorf("dates %s, %s", s.Start, s.Phases[1].Start)
	}
	quoted := strings.Replace(valid, "start: 2026-01-01", `start: "2026-01-01"`, 1)
	if _, err := ParseSchedule("quoted.yaml", []byte(quoted)); err != nil {
		t.Errorf("quoted date: %v", err)
	}
	merged := strings.Replace(valid, "billing: {frequency: monthly}", "defaults: &d {frequency: monthly}\nbilling: {<<: *d}", 1)
	if _, err := ParseSchedule("merge.yaml", []byte(merged)); err == nil || !strings.Contains(err.Error(), "merge keys") {
		t.Errorf("merge key: %v", err)
	}
}

// TestParseDecodeErrors: errors of the decoding step name the file and,
// where encoding/json says it, the field.
func TestParseDecodeErrors(t *testing.T) {
	tests := []struct {
		name, file, doc, want string
	}{
		{"yaml syntax has its line", "a.yaml", strings.Replace(valid, "phases:", "phases: [\n  x: y", 1), "a.yaml: not valid YAML: yaml: line 7:"},
		{"bad indentation", "a.yaml", "currency: EUR\n  time_zone: UTC\n", "a.yaml: not valid YAML: yaml: line 2:"},
		{"json syntax has its line", "a.json", "{\n\"currency\": \"EUR\",\n,}", "a.json: line 3: "},
		{"type error names the field", "a.yaml", strings.Replace(valid, "{frequency: monthly}", "{frequency: monthly, anchor_day: 1.5}", 1), "a.yaml: field billing → anchor_day: a number 1.5 cannot be a whole number"},
		{"nested type error", "a.yaml", strings.Replace(valid, "name: Year 2", "name: [Year, 2]", 1), "field phases → name"},
		{"unknown top-level field", "a.yaml", strings.Replace(valid, "phases:", "phase:\nphases:", 1), `a.yaml: unknown field "phase"`},
		{"unknown json field", "a.json", `{"currency":"EUR","colour":"red"}`, `a.json: unknown field "colour"`},
		{"bad date", "a.yaml", strings.Replace(valid, "start: 2027-01-01", "start: 2027-02-30", 1), `date "2027-02-30": want YYYY-MM-DD`},
		{"lower-case currency", "a.yaml", strings.Replace(valid, "currency: EUR", "currency: eur", 1), `currency "eur"`},
		{"not a schedule", "a.yaml", "- 1\n- 2\n", "a.yaml: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSchedule(tc.file, []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}
