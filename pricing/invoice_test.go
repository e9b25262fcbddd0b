package pricing

import (
	"testing"
)

type lineWant struct {
	name, amount, explanation string
}

func wantLines(t *testing.T, inv Invoice, want []lineWant) {
	t.Helper()
	if len(inv.Lines) != len(want) {
		for _, l := range inv.Lines {
			t.Logf("got %s: %s = %s (%s)", l.Kind, l.Name, l.Amount, l.Explanation)
		}
		t.Fatalf("got %d lines, want %d", len(inv.Lines), len(want))
	}
	for i, w := range want {
		l := inv.Lines[i]
		if l.Name != w.name || !l.Amount.Equal(d(w.amount)) || (w.explanation != "" && l.Explanation != w.explanation) {
			t.Errorf("line %d:\n got  %q %s %q\n want %q %s %q", i, l.Name, l.Amount, l.Explanation, w.name, w.amount, w.explanation)
		}
	}
}

func TestModels(t *testing.T) {
	platform := PriceLine{Name: "Platform", Model: Flat, Price: d("3100.00")}
	api := PriceLine{Name: "API calls", Model: GraduatedM, Metric: "api_calls", Tiers: tiers3()}
	apiVol := PriceLine{Name: "API calls", Model: VolumeM, Metric: "api_calls", Tiers: tiers3()}
	invoices := PriceLine{Name: "Invoices issued", Model: Package, Metric: "invoices_issued",
		Package: &PackagePrice{Size: d("1000"), Price: d("25.00")}}
	invoicesFree := invoices
	invoicesFree.Package = &PackagePrice{Size: d("1000"), Price: d("25.00"), FreeUnits: d("1000")}
	perEvent := PriceLine{Name: "Events", Model: PerUnit, Metric: "events", Price: d("0.0004")}
	payments := PriceLine{Name: "Payments", Model: Percentage, Metric: "payment_volume",
		Percent: d("0.5"), FixedFee: d("0.30"), CountMetric: "payments"}

	tests := []struct {
		name  string
		s     *Schedule
		ref   string
		usage []string
		want  []lineWant
	}{
		{"flat full month", monthly("2026-01-01", platform), "2026-03", nil,
			[]lineWant{{"Platform", "3100.00", "monthly fee for 1 Mar – 31 Mar = 3,100.00"}}},
		{"flat first period prorated", func() *Schedule {
			s := monthly("2026-01-15", platform)
			s.Billing.AnchorDay = 1
			return s
		}(), "2026-01", nil,
			[]lineWant{{"Platform", "1700.00", "3,100.00 × 17/31 days (starts 15 Jan) = 1,700.00"}}},
		{"graduated across two tiers", monthly("2026-01-01", api), "2026-03", []string{"api_calls", "1240"},
			[]lineWant{{"API calls", "119.20", "1,000 × 0.10 (tier 1, up to 1,000) + 240 × 0.08 (tier 2, up to 5,000) = 119.20"}}},
		{"graduated exactly on a tier bound", monthly("2026-01-01", api), "2026-03", []string{"api_calls", "1000"},
			[]lineWant{{"API calls", "100.00", "1,000 × 0.10 (tier 1, up to 1,000) = 100.00"}}},
		{"graduated into the open tier", monthly("2026-01-01", api), "2026-03", []string{"api_calls", "6000"},
			[]lineWant{{"API calls", "470.00", ""}}},
		{"graduated decimal quantity", monthly("2026-01-01", api), "2026-03", []string{"api_calls", "1000.5"},
			[]lineWant{{"API calls", "100.04", "1,000 × 0.10 (tier 1, up to 1,000) + 0.5 × 0.08 (tier 2, up to 5,000) = 100.04"}}},
		{"graduated zero usage", monthly("2026-01-01", api), "2026-03", []string{"api_calls", "0"},
			[]lineWant{{"API calls", "0", "0 units = 0.00"}}},
		{"volume", monthly("2026-01-01", apiVol), "2026-03", []string{"api_calls", "1240"},
			[]lineWant{{"API calls", "99.20", "1,240 × 0.08 (tier 2 of 3: over 1,000 up to 5,000, all units) = 99.20"}}},
		{"volume on a tier bound", monthly("2026-01-01", apiVol), "2026-03", []string{"api_calls", "1000"},
			[]lineWant{{"API calls", "100.00", "1,000 × 0.10 (tier 1 of 3: up to 1,000, all units) = 100.00"}}},
		{"package rounds blocks up", monthly("2026-01-01", invoices), "2026-03", []string{"invoices_issued", "12400"},
			[]lineWant{{"Invoices issued", "325.00", "12,400 → 13 blocks of 1,000 × 25.00 = 325.00"}}},
		{"package with free units", monthly("2026-01-01", invoicesFree), "2026-03", []string{"invoices_issued", "12400"},
			[]lineWant{{"Invoices issued", "300.00", "12,400 − 1,000 free = 11,400 → 12 blocks of 1,000 × 25.00 = 300.00"}}},
		{"package free units above usage", monthly("2026-01-01", invoicesFree), "2026-03", []string{"invoices_issued", "800"},
			[]lineWant{{"Invoices issued", "0", "800 − 1,000 free = 0 → 0 blocks of 1,000 × 25.00 = 0.00"}}},
		{"per unit at a tiny price", monthly("2026-01-01", perEvent), "2026-03", []string{"events", "12400"},
			[]lineWant{{"Events", "4.96", "12,400 × 0.0004 = 4.96"}}},
		{"percentage with a fee per event", monthly("2026-01-01", payments), "2026-03",
			[]string{"payment_volume", "240000", "payments", "1200"},
			[]lineWant{{"Payments", "1560.00", "0.5% × 240,000.00 + 1,200 × 0.30 = 1,560.00"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var u Usage = PeriodTotals{}
			if tc.usage != nil {
				u = usageFor(t, tc.s, tc.ref, tc.usage...)
			}
			wantLines(t, priceRef(t, tc.s, tc.ref, u), tc.want)
		})
	}
}
