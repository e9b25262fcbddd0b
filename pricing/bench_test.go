package pricing

import (
	"testing"

	"github.com/shopspring/decimal"
)

// benchSchedule is a realistic 10-line contract: platform fee, two seat
// modules with a seat change, package, graduated, volume, per-unit and
// percentage usage, a discounted support fee and a phase discount.
func benchSchedule() (*Schedule, Usage) {
	s := monthly("2026-01-01",
		PriceLine{Name: "Platform", Model: Flat, Price: d("3100.00")},
		PriceLine{Name: "Analyst seats", Model: PerSeat, Seats: "analysts", Price: d("45.00")},
		PriceLine{Name: "Approver seats", Model: PerSeat, Seats: "approvers", Price: d("15.00")},
		PriceLine{Name: "Invoices issued", Model: Package, Metric: "invoices_issued",
			Package: &PackagePrice{Size: d("1000"), Price: d("25.00"), FreeUnits: d("1000")}},
		PriceLine{Name: "API calls", Model: GraduatedM, Metric: "api_calls", Tiers: tiers3(), Minimum: d("500")},
		PriceLine{Name: "Documents", Model: VolumeM, Metric: "documents", Tiers: tiers3()},
		PriceLine{Name: "Events", Model: PerUnit, Metric: "events", Price: d("0.0004")},
		PriceLine{Name: "Payments", Model: Percentage, Metric: "payment_volume", Percent: d("0.5"), FixedFee: d("0.30"), CountMetric: "payments"},
		PriceLine{Name: "Support", Model: Flat, Price: d("500.00"), Discounts: []Discount{{Percent: d("10")}}},
		PriceLine{Name: "Storage", Model: GraduatedM, Metric: "storage_gb", Tiers: tiers3()},
	)
	s.TaxRate = d("19")
	s.Seats = map[string][]SeatChange{
		"analysts":  {{From: MustDate("2026-01-01"), Quantity: d("10")}, {From: MustDate("2026-02-10"), Quantity: d("15")}},
		"approvers": {{From: MustDate("2026-01-01"), Quantity: d("40")}},
	}
	s.Phases[0].Discounts = []Discount{{Percent: d("15"), Label: "3-year commitment"}}
	u := PeriodTotals{Start: MustDate("2026-02-01"), End: MustDate("2026-03-01"), Totals: map[string]decimal.Decimal{
		"invoices_issued": d("12400"), "api_calls": d("6240"), "documents": d("1800"), "events": d("2500000"),
		"payment_volume": d("240000.00"), "payments": d("1200"), "storage_gb": d("730.5"),
	}}
	return s, u
}

// BenchmarkPriceInvoice prices one invoice of benchSchedule (10 lines,
// tiered usage, seat change, discounts, tax) with explanations.
// Target: ≤ 20 µs per invoice on one core.
func BenchmarkPriceInvoice(b *testing.B) {
	s, u := benchSchedule()
	b.ReportAllocs()
	for b.Loop() {
		inv, err := Price(s, 2, u)
		if err != nil || len(inv.Lines) < 10 {
			b.Fatalf("price: %v, %d lines", err, len(inv.Lines))
		}
	}
}
