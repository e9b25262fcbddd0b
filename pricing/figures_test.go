package pricing

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// twoYearRamp: 1,000.00 a month in year 1 with API calls at 0.01, 1,100.00
// in year 2, 10% off both years for the commitment.
func twoYearRamp() *Schedule {
	ten := []Discount{{Percent: d("10"), Label: "2-year commitment"}}
	return &Schedule{
		Currency: MustCurrency("EUR"), TimeZone: "Europe/Berlin",
		Start: MustDate("2026-01-01"), End: MustDate("2028-01-01"), Billing: Billing{Frequency: Monthly},
		Phases: []Phase{
			{Name: "Year 1", Discounts: ten, Lines: []PriceLine{
				{Name: "Platform", Model: Flat, Price: d("1000.00")},
				{Name: "API calls", Model: PerUnit, Metric: "api_calls", Price: d("0.01")},
			}},
			{Name: "Year 2", Start: MustDate("2027-01-01"), Discounts: ten, Lines: []PriceLine{
				{Name: "Platform", Model: Flat, Price: d("1100.00")},
			}},
		},
	}
}

func TestQuoteFigures(t *testing.T) {
	s := twoYearRamp()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	f, err := QuoteFigures(s, map[string]decimal.Decimal{"api_calls": d("1000")})
	if err != nil {
		t.Fatal(err)
	}
	// Year 1: (1,000 + 10 usage) − 10% = 909 a month; year 2: 990.
	eq := func(what string, got decimal.Decimal, want string) {
		t.Helper()
		if !got.Equal(d(want)) {
			t.Errorf("%s = %s, want %s", what, got, want)
		}
	}
	eq("TCV", f.TCV, "22788")
	eq("list TCV", f.ListTCV, "25320")
	eq("discount", f.Discount, "2532")
	eq("effective discount", f.EffectiveDiscount, "10")
	if len(f.Years) != 2 {
		t.Fatalf("years: %+v", f.Years)
	}
	eq("year 1", f.Years[0].Amount, "10908")
	eq("year 2", f.Years[1].Amount, "11880")
	if len(f.Phases) != 2 || !f.Phases[0].Full || !f.Phases[1].Full {
		t.Fatalf("phases: %+v", f.Phases)
	}
	eq("year 1 per period", f.Phases[0].PerPeriod, "909")
	eq("year 1 per year", f.Phases[0].PerYear, "10908")
	eq("year 2 per period", f.Phases[1].PerPeriod, "990")
	eq("year 2 total", f.Phases[1].Total, "11880")
	// 24 periods and the invoice after them (it bills the last usage).
	if len(f.Invoices) != 25 {
		t.Fatalf("%d invoices, want 25", len(f.Invoices))
	}
	eq("first invoice", f.Invoices[0].Total, "900")
	eq("second invoice", f.Invoices[1].Total, "909")
	eq("January 2027", f.Invoices[12].Total, "999") // 990 + December's usage in year 1
	for _, inv := range f.Invoices {
		checkInvoice(t, inv)
	}
}

func TestQuoteFiguresShortPhaseAndOpenEnd(t *testing.T) {
	s := twoYearRamp()
	s.Phases = append([]Phase{{Name: "Trial", Lines: []PriceLine{{Name: "Platform", Model: Flat, Price: d("0")}}}}, s.Phases...)
	s.Phases[1].Start = MustDate("2026-01-15")
	f, err := QuoteFigures(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Phases[0].Full || !f.Phases[0].Total.IsZero() {
		t.Errorf("a two-week trial has no full period: %+v", f.Phases[0])
	}
	// Year 1's first full month is February.
	if !f.Phases[1].Full || !f.Phases[1].PerPeriod.Equal(d("900")) {
		t.Errorf("year 1: %+v", f.Phases[1])
	}
	s.End = Date{}
	if _, err := QuoteFigures(s, nil); !errors.Is(err, ErrOpenEnded) {
		t.Errorf("open-ended: %v", err)
	}
}

func TestAssumedUsagePlacesAPeriodOnItsFirstDay(t *testing.T) {
	cal := Calendar{Start: MustDate("2026-01-15"), Frequency: Monthly, AnchorDay: 1}
	u := AssumedUsage{Calendar: cal, PerPeriod: map[string]decimal.Decimal{"x": d("7")}}
	for _, tc := range []struct {
		from, to, want string
	}{
		{"2026-01-15", "2026-02-01", "7"}, // the short first period
		{"2026-02-01", "2026-03-01", "7"},
		{"2026-02-01", "2026-02-15", "7"}, // the first part of a split period has it all
		{"2026-02-15", "2026-03-01", "0"},
		{"2026-01-15", "2026-04-01", "21"},
	} {
		got, _ := u.Total("x", MustDate(tc.from), MustDate(tc.to))
		if !got.Equal(d(tc.want)) {
			t.Errorf("%s – %s: %s, want %s", tc.from, tc.to, got, tc.want)
		}
	}
	if got, _ := u.Total("y", MustDate("2026-02-01"), MustDate("2026-03-01")); !got.IsZero() {
		t.Errorf("an unlisted metric: %s", got)
	}
}

func TestDiffSchedules(t *testing.T) {
	a := twoYearRamp()
	b := twoYearRamp()
	if got := DiffSchedules(a, b); len(got) != 0 {
		t.Errorf("no change, yet: %q", got)
	}
	b.Phases[1].Lines[0].Price = d("1188.00")
	b.Phases[1].Discounts = []Discount{{Percent: d("15"), Label: "3-year commitment"}}
	b.Phases = append(b.Phases, Phase{Name: "Year 3", Start: MustDate("2028-01-01"), Lines: []PriceLine{{Name: "Platform", Model: Flat, Price: d("1250")}}})
	b.End = MustDate("2029-01-01")
	b.Phases[0].Lines = b.Phases[0].Lines[:1]
	got := strings.Join(DiffSchedules(a, b), "\n")
	for _, want := range []string{
		"end 2028-01-01 → 2029-01-01",
		`phase "Year 2", line "Platform" price 1,100.00 → 1,188.00 (+8%)`,
		`phase "Year 2" discounts: added 15% (3-year commitment)`,
		`phase "Year 2" discounts: removed 10% (2-year commitment)`,
		`phase "Year 3" added (from 2028-01-01, 1 lines)`,
		`phase "Year 1": line "API calls" removed (was 0.01 per api_calls)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
}

func TestValidatePriceLine(t *testing.T) {
	eur := MustCurrency("EUR")
	for _, tc := range []struct {
		name string
		line PriceLine
		want string // "" valid
	}{
		{"flat", PriceLine{Name: "Platform", Model: Flat, Price: d("3100")}, ""},
		{"seats named", PriceLine{Name: "Seats", Model: PerSeat, Seats: "users", Price: d("45")}, ""},
		{"no metric", PriceLine{Name: "API", Model: PerUnit, Price: d("0.1")}, "product: metric is missing"},
		{"stray field", PriceLine{Name: "Platform", Model: Flat, Price: d("1"), Metric: "x"}, "metric does not apply"},
		{"minimum in cents", PriceLine{Name: "API", Model: PerUnit, Metric: "x", Price: d("1"), Minimum: d("0.001")}, "more decimal places than EUR"},
		{"no name", PriceLine{Model: Flat}, "name is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePriceLine("product", eur, tc.line)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("valid line refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestPropFiguresReconcile: for any schedule with an end, the figures are
// sums of the invoices' lines, split without loss: contract years add up to
// the TCV, and so do the phases' totals with the invoice-level lines.
func TestPropFiguresReconcile(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s, _ := genSchedule(rt)
		if s.End.IsZero() {
			s.End = s.Start.AddMonths(rapid.IntRange(1, 36).Draw(rt, "term"))
			for len(s.Phases) > 1 && !s.Phases[len(s.Phases)-1].Start.Before(s.End) {
				s.Phases = s.Phases[:len(s.Phases)-1]
			}
		}
		if err := s.Validate(); err != nil {
			rt.Skip(err)
		}
		usage := map[string]decimal.Decimal{"m1": genDecimal(rt, "m1", 5000, 0), "m2": genDecimal(rt, "m2", 5000, 1)}
		f, err := QuoteFigures(s, usage)
		if err != nil {
			rt.Fatal(err)
		}
		years, phases, invoiceLevel := decimal.Zero, decimal.Zero, decimal.Zero
		for _, y := range f.Years {
			years = years.Add(y.Amount)
		}
		for _, p := range f.Phases {
			phases = phases.Add(p.Total)
		}
		for _, inv := range f.Invoices {
			checkInvoice(t, inv)
			for _, l := range inv.Lines {
				if l.Phase == "" {
					invoiceLevel = invoiceLevel.Add(l.Amount)
				}
			}
		}
		if !years.Equal(f.TCV) {
			rt.Fatalf("years add to %s, TCV %s", years, f.TCV)
		}
		if !phases.Add(invoiceLevel).Equal(f.TCV) {
			rt.Fatalf("phases %s + invoice-level %s ≠ TCV %s", phases, invoiceLevel, f.TCV)
		}
		if !f.ListTCV.Sub(f.Discount).Equal(f.TCV) {
			rt.Fatalf("list %s − discount %s ≠ TCV %s", f.ListTCV, f.Discount, f.TCV)
		}
	})
}
