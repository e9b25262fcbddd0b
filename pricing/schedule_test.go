package pricing

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestSeatsChangeMidPeriod(t *testing.T) {
	s := monthly("2026-01-01", PriceLine{Name: "Analyst seats", Model: PerSeat, Seats: "analysts", Price: d("45.00")})
	s.Seats = map[string][]SeatChange{"analysts": {
		{From: MustDate("2026-01-01"), Quantity: d("10")},
		{From: MustDate("2026-03-10"), Quantity: d("15")},
	}}
	inv := priceRef(t, s, "2026-03", PeriodTotals{})
	// 10 × 45 × 9/31 + 15 × 45 × 22/31 = 18,900/31 = 609.677…
	wantLines(t, inv, []lineWant{{"Analyst seats", "609.68",
		"10 seats × 45.00 × 9/31 days (until 9 Mar) + 15 seats × 45.00 × 22/31 days (from 10 Mar) = 609.6774… → 609.68"}})
	if !inv.Lines[0].Quantity.Equal(d("15")) {
		t.Errorf("quantity %s, want the 15 seats in force at the end", inv.Lines[0].Quantity)
	}
	inv = priceRef(t, s, "2026-04", PeriodTotals{})
	wantLines(t, inv, []lineWant{{"Analyst seats", "675.00", "15 seats × 45.00 = 675.00"}})
}

func TestPhaseBoundaryInsidePeriod(t *testing.T) {
	s := monthly("2026-01-01")
	s.Phases = []Phase{
		{Name: "Trial", Lines: []PriceLine{{Name: "Platform", Model: Flat, Price: d("0")}}},
		{Name: "Year 1", Start: MustDate("2026-02-15"), Lines: []PriceLine{
			{Name: "Platform", Model: Flat, Price: d("3100.00")},
			{Name: "API calls", Model: PerUnit, Metric: "api_calls", Price: d("0.01")},
		}},
	}
	inv := priceRef(t, s, "2026-02", PeriodTotals{})
	wantLines(t, inv, []lineWant{
		{"Platform", "0", "0.00 × 14/28 days (until 14 Feb) = 0.00"},
		{"Platform", "1550.00", "3,100.00 × 14/28 days (from 15 Feb) = 1,550.00"},
	})
	if inv.Lines[0].Phase != "Trial" || inv.Lines[1].Phase != "Year 1" {
		t.Errorf("phases %q, %q", inv.Lines[0].Phase, inv.Lines[1].Phase)
	}
	// The March invoice bills February's usage in arrears, split by phase:
	// whole-period totals cannot be split, daily usage can.
	if _, err := Price(s, 2, usageFor(t, s, "2026-03", "api_calls", "100")); err == nil {
		t.Error("whole-period usage across a phase change: want an error, got none")
	}
	daily := DailyUsage{"api_calls": {MustDate("2026-02-20"): d("700"), MustDate("2026-02-01"): d("300")}}
	inv = priceRef(t, s, "2026-03", daily)
	wantLines(t, inv, []lineWant{
		{"Platform", "3100.00", ""},
		{"API calls", "7.00", "700 × 0.01 = 7.00"},
	})
}

func TestDiscounts(t *testing.T) {
	line := PriceLine{Name: "Platform", Model: Flat, Price: d("3100.00"),
		Discounts: []Discount{{Percent: d("10"), Label: "launch", Periods: 2}}}
	s := monthly("2026-01-01", line)
	wantLines(t, priceRef(t, s, "2026-02", PeriodTotals{}), []lineWant{
		{"Platform", "3100.00", ""},
		{"Discount 10% (launch) on Platform", "-310.00", "10% × 3,100.00 = 310.00"},
	})
	// Periods: 2 → the third invoice is at full price.
	wantLines(t, priceRef(t, s, "2026-03", PeriodTotals{}), []lineWant{{"Platform", "3100.00", ""}})

	// A phase discount for a 3-year commitment covers all of the phase.
	s = monthly("2026-01-01", PriceLine{Name: "Platform", Model: Flat, Price: d("1000.00")},
		PriceLine{Name: "Seats", Model: Flat, Price: d("333.33")})
	s.Phases[0].Discounts = []Discount{{Percent: d("15"), Label: "3-year commitment"}}
	wantLines(t, priceRef(t, s, "2026-05", PeriodTotals{}), []lineWant{
		{"Platform", "1000.00", ""}, {"Seats", "333.33", ""},
		{"Discount 15% (3-year commitment)", "-200.00", "15% × 1,333.33 = 199.9995 → 200.00"},
	})

	// A fixed invoice discount larger than the invoice stops at zero.
	s = monthly("2026-01-01", PriceLine{Name: "Platform", Model: Flat, Price: d("80.00")})
	s.Discounts = []Discount{{Amount: d("100.00")}}
	inv := priceRef(t, s, "2026-02", PeriodTotals{})
	wantLines(t, inv, []lineWant{{"Platform", "80.00", ""},
		{"Discount on Platform", "-80.00", "100.00 off, capped at the 80.00 it discounts"}})
	if !inv.Total.IsZero() {
		t.Errorf("total %s, want 0", inv.Total)
	}
}

func TestMinimums(t *testing.T) {
	api := PriceLine{Name: "API calls", Model: GraduatedM, Metric: "api_calls", Tiers: tiers3(), Minimum: d("500")}
	s := monthly("2026-01-01", api)
	wantLines(t, priceRef(t, s, "2026-03", usageFor(t, s, "2026-03", "api_calls", "1240")), []lineWant{
		{"API calls", "119.20", ""},
		{"Minimum for API calls", "380.80", "minimum 500.00 − usage charges 119.20 = 380.80"},
	})
	// Above the minimum: no true-up line.
	wantLines(t, priceRef(t, s, "2026-03", usageFor(t, s, "2026-03", "api_calls", "9000")), []lineWant{
		{"API calls", "620.00", ""},
	})

	// A phase minimum over the whole phase is trued up once, on the
	// invoice that bills the phase's last period.
	s = monthly("2026-01-01", PriceLine{Name: "Events", Model: PerUnit, Metric: "events", Price: d("1.00")})
	s.End = MustDate("2026-04-01")
	s.Phases[0].Minimum = &UsageMinimum{Amount: d("1000"), Per: PerPhase}
	u := DailyUsage{"events": {
		MustDate("2026-01-10"): d("200"), MustDate("2026-02-10"): d("300"), MustDate("2026-03-10"): d("100"),
	}}
	wantLines(t, priceRef(t, s, "2026-03", u), []lineWant{{"Events", "300.00", ""}})
	wantLines(t, priceRef(t, s, "2026-04", u), []lineWant{
		{"Events", "100.00", ""},
		{"Minimum commitment", "400.00", "minimum 1,000.00 − usage charges in Year 1 600.00 = 400.00"},
	})

	// Invoice minimum.
	s = monthly("2026-01-01", PriceLine{Name: "Platform", Model: Flat, Price: d("640.00")})
	s.InvoiceMinimum = d("1000")
	wantLines(t, priceRef(t, s, "2026-02", PeriodTotals{}), []lineWant{
		{"Platform", "640.00", ""},
		{"Invoice minimum", "360.00", "minimum 1,000.00 − invoice subtotal 640.00 = 360.00"},
	})
}

func TestTaxIsRoundedPerLine(t *testing.T) {
	s := monthly("2026-01-01",
		PriceLine{Name: "A", Model: Flat, Price: d("0.02")},
		PriceLine{Name: "B", Model: Flat, Price: d("0.02")},
		PriceLine{Name: "C", Model: Flat, Price: d("0.02"), TaxRate: dp("0")})
	s.TaxRate = d("25")
	inv := priceRef(t, s, "2026-02", PeriodTotals{})
	// 25% of 0.02 is 0.005, rounded half away from zero to 0.01 per line.
	if !inv.Tax.Equal(d("0.02")) || !inv.Subtotal.Equal(d("0.06")) || !inv.Total.Equal(d("0.08")) {
		t.Errorf("subtotal %s tax %s total %s; want 0.06, 0.02, 0.08", inv.Subtotal, inv.Tax, inv.Total)
	}
	s.Rounding = HalfEven
	inv = priceRef(t, s, "2026-02", PeriodTotals{})
	if !inv.Tax.IsZero() {
		t.Errorf("half-even tax %s, want 0.00 (0.005 rounds to 0.00 twice)", inv.Tax)
	}
}

func TestCurrencies(t *testing.T) {
	for _, tc := range []struct{ cur, price, want, expl string }{
		{"JPY", "3100", "1700", "3,100 × 17/31 days (starts 15 Jan) = 1,700"},
		{"BHD", "100.125", "54.907", "100.125 × 17/31 days (starts 15 Jan) = 54.9072… → 54.907"},
		{"USD", "100.00", "54.84", "100.00 × 17/31 days (starts 15 Jan) = 54.8387… → 54.84"},
	} {
		t.Run(tc.cur, func(t *testing.T) {
			s := monthly("2026-01-15", PriceLine{Name: "Fee", Model: Flat, Price: d(tc.price)})
			s.Currency = MustCurrency(tc.cur)
			s.Billing.AnchorDay = 1
			wantLines(t, priceRef(t, s, "2026-01", PeriodTotals{}), []lineWant{{"Fee", tc.want, tc.expl}})
		})
	}
	if _, err := ParseCurrency("EURO"); err == nil {
		t.Error("EURO: want an error")
	}
	if _, err := ParseCurrency("QQQ"); err == nil {
		t.Error("QQQ: want an error")
	}
	a := Money{Amount: d("1"), Currency: MustCurrency("EUR")}
	if _, err := a.Add(Money{Amount: d("1"), Currency: MustCurrency("USD")}); err == nil {
		t.Error("EUR + USD: want ErrCurrencyMismatch")
	}
}

func TestCalendar(t *testing.T) {
	tests := []struct {
		name   string
		cal    Calendar
		starts []string // the first period starts, in order
	}{
		{"anchor 31 clamps to short months, leap year", Calendar{Start: MustDate("2028-01-31"), Frequency: Monthly},
			[]string{"2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31"}},
		{"anchor 31 in a common year", Calendar{Start: MustDate("2026-01-31"), Frequency: Monthly},
			[]string{"2026-01-31", "2026-02-28", "2026-03-31"}},
		{"quarterly from mid-month anchored on the 1st", Calendar{Start: MustDate("2026-02-10"), Frequency: Quarterly, AnchorDay: 1},
			[]string{"2026-02-10", "2026-05-01", "2026-08-01"}},
		{"annual on 29 February", Calendar{Start: MustDate("2028-02-29"), Frequency: Annual},
			[]string{"2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i, want := range tc.starts {
				p, ok := tc.cal.Period(i)
				if !ok || p.Start.String() != want {
					t.Errorf("period %d starts %s (ok %v), want %s", i, p.Start, ok, want)
				}
				if i+1 < len(tc.starts) && p.End.String() != tc.starts[i+1] {
					t.Errorf("period %d ends %s, want %s", i, p.End, tc.starts[i+1])
				}
				if got := tc.cal.IndexOf(p.End.AddDays(-1)); got != i {
					t.Errorf("IndexOf(last day of period %d) = %d", i, got)
				}
			}
		})
	}
	c := Calendar{Start: MustDate("2026-01-15"), End: MustDate("2026-03-20"), Frequency: Monthly, AnchorDay: 1}
	last, ok := c.Period(2)
	if !ok || last.Days() != 19 || last.NominalDays() != 31 {
		t.Errorf("last period %v days %d/%d, want 19/31", last, last.Days(), last.NominalDays())
	}
	if _, ok := c.Period(3); ok {
		t.Error("a period after the end")
	}
	if _, err := (Calendar{Start: MustDate("2026-01-01"), Frequency: Quarterly}).ParsePeriodRef("2026-02"); err == nil {
		t.Error("quarterly: no period starts in February, want an error")
	}
}

func TestDaylightSavingDoesNotChangeDays(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	c := Calendar{Start: MustDate("2026-01-01"), Frequency: Monthly}
	march, _ := c.Period(2) // clocks go forward on 29 March 2026
	if march.Days() != 31 {
		t.Fatalf("March has %d days", march.Days())
	}
	if h := march.End.Start(berlin).Sub(march.Start.Start(berlin)).Hours(); h != 31*24-1 {
		t.Fatalf("March in Berlin lasts %v hours, want 743", h)
	}
	// 30 March 00:30 in Berlin is 29 March 22:30 UTC: it is a March 30 event.
	ev := time.Date(2026, 3, 29, 22, 30, 0, 0, time.UTC)
	if got := DateOf(ev, berlin); got.String() != "2026-03-30" {
		t.Errorf("DateOf = %s", got)
	}
	s := monthly("2026-03-15", PriceLine{Name: "Fee", Model: Flat, Price: d("3100.00")})
	s.Billing.AnchorDay = 1
	wantLines(t, priceRef(t, s, "2026-03", PeriodTotals{}), []lineWant{{"Fee", "1700.00", "3,100.00 × 17/31 days (starts 15 Mar) = 1,700.00"}})
}

func TestArrearsInvoiceAfterTheEnd(t *testing.T) {
	s := monthly("2026-01-01",
		PriceLine{Name: "Platform", Model: Flat, Price: d("100.00")},
		PriceLine{Name: "Events", Model: PerUnit, Metric: "events", Price: d("1")})
	s.End = MustDate("2026-03-01")
	first := priceRef(t, s, "2026-01", PeriodTotals{})
	wantLines(t, first, []lineWant{{"Platform", "100.00", ""}})
	final := priceRef(t, s, "2026-03", usageFor(t, s, "2026-03", "events", "7"))
	wantLines(t, final, []lineWant{{"Events", "7.00", ""}})
	if got := final.Lines[0].ServiceStart.String(); got != "2026-02-01" {
		t.Errorf("final usage is for %s, want February", got)
	}
}

func TestFormatAmount(t *testing.T) {
	for _, tc := range []struct {
		in    string
		scale int32
		want  string
	}{
		{"1234.5", 2, "1,234.50"}, {"-1234567.891", 2, "-1,234,567.891"}, {"0.0004", 2, "0.0004"},
		{"999", 0, "999"}, {"-100", 2, "-100.00"}, {"1700.000000", 2, "1,700.00"}, {"123456", 0, "123,456"},
	} {
		if got := FormatAmount(decimal.RequireFromString(tc.in), tc.scale); got != tc.want {
			t.Errorf("FormatAmount(%s, %d) = %q, want %q", tc.in, tc.scale, got, tc.want)
		}
	}
}
