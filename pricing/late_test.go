package pricing

import "testing"

func TestLateUsageBillsTheDifferenceOfTieredTotals(t *testing.T) {
	s := monthly("2026-01-01",
		PriceLine{Name: "Platform", Model: Flat, Price: d("100.00")},
		PriceLine{Name: "API calls", Model: GraduatedM, Metric: "api_calls", Tiers: tiers3()})
	billed := DailyUsage{"api_calls": {MustDate("2026-03-05"): d("1000")}}
	now := DailyUsage{"api_calls": {MustDate("2026-03-05"): d("1000"), MustDate("2026-03-30"): d("1240")}}
	lines, err := LateUsage(s, 2, billed, now)
	if err != nil {
		t.Fatal(err)
	}
	// As billed: 1,000 × 0.10 = 100.00. Now: 100.00 + 1,240 × 0.08 = 199.20.
	// The late 1,240 calls cost 99.20, not 1,240 × 0.10 = 124.00.
	wantLines(t, Invoice{Lines: lines}, []lineWant{{"Late usage: API calls", "99.20",
		"late usage for 1 Mar – 31 Mar: +1,240 (1,000 → 2,240): 1,000 × 0.10 (tier 1, up to 1,000) + 1,240 × 0.08 (tier 2, up to 5,000) = 199.20; 199.20 − 100.00 already billed = 99.20"}})
	if !lines[0].Quantity.Equal(d("1240")) || lines[0].ServiceStart.String() != "2026-03-01" {
		t.Errorf("quantity %s service %s", lines[0].Quantity, lines[0].ServiceStart)
	}
	// No change, no line.
	if lines, err := LateUsage(s, 2, billed, billed); err != nil || len(lines) != 0 {
		t.Errorf("unchanged usage: %d lines, %v", len(lines), err)
	}
}

func TestRecordingUsageRecordsWhatWasPriced(t *testing.T) {
	s := monthly("2026-01-01",
		PriceLine{Name: "Platform", Model: Flat, Price: d("100.00")},
		PriceLine{Name: "API calls", Model: GraduatedM, Metric: "api_calls", Tiers: tiers3()},
		PriceLine{Name: "Payments", Model: Percentage, Metric: "volume", Percent: d("1"), FixedFee: d("0.25"), CountMetric: "payments"})
	s.Phases[0].Minimum = &UsageMinimum{Amount: d("1000"), Per: PerPeriod}
	u := DailyUsage{"api_calls": {MustDate("2026-02-03"): d("1500")}, "volume": {MustDate("2026-02-04"): d("900")}}
	rec := &RecordingUsage{Usage: u}
	if _, err := Price(s, 2, rec); err != nil {
		t.Fatal(err)
	}
	want := []Reading{
		{"api_calls", MustDate("2026-02-01"), MustDate("2026-03-01"), d("1500")},
		{"volume", MustDate("2026-02-01"), MustDate("2026-03-01"), d("900")},
		{"payments", MustDate("2026-02-01"), MustDate("2026-03-01"), d("0")},
	}
	if len(rec.Readings) != len(want) {
		t.Fatalf("readings %+v", rec.Readings)
	}
	for i, w := range want {
		g := rec.Readings[i]
		if g.Metric != w.Metric || !g.From.Equal(w.From) || !g.To.Equal(w.To) || !g.Value.Equal(w.Value) {
			t.Errorf("reading %d: %+v, want %+v", i, g, w)
		}
	}
}
