package documents

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// sampleInvoice is a fixed invoice with n lines: the Acme invoice's seven
// lines (fees, seats, usage, a minimum, discounts), then usage lines for
// n > 7. Totals are the sums of the lines, as the billing engine makes them.
func sampleInvoice(n int) Invoice {
	eur := pricing.MustCurrency("EUR")
	apr, may := pricing.MustDate("2026-04-01"), pricing.MustDate("2026-05-01")
	mar := pricing.MustDate("2026-03-01")
	qty := func(s string) decimal.NullDecimal { return decimal.NullDecimal{Decimal: dec(s), Valid: true} }
	base := []Line{
		{Description: "Platform (Year 1)", ServiceStart: apr, ServiceEnd: may, Detail: "monthly fee for 1 Apr – 30 Apr = 3,100.00", Amount: dec("3100.00")},
		{Description: "Analyst seats (Year 1)", ServiceStart: apr, ServiceEnd: may, Quantity: qty("15"), Detail: "15 seats × 45.00 = 675.00", Amount: dec("675.00")},
		{Description: "Discount 10% (2-year commitment) (Year 1)", ServiceStart: apr, ServiceEnd: may, Detail: "10% × 3,775.00 = 377.50", Discount: true, Amount: dec("-377.50")},
		{Description: "Invoices issued (Year 1)", ServiceStart: mar, ServiceEnd: apr, Quantity: qty("12400"), Detail: "12,400 − 1,000 free = 11,400 → 12 blocks of 1,000 × 25.00 = 300.00", Amount: dec("300.00")},
		{Description: "API calls (Year 1)", ServiceStart: mar, ServiceEnd: apr, Quantity: qty("1240"), Detail: "1,000 × 0.10 (tier 1, up to 1,000) + 240 × 0.08 (tier 2, up to 5,000) = 119.20", Amount: dec("119.20")},
		{Description: "Minimum for API calls (Year 1)", ServiceStart: mar, ServiceEnd: apr, Detail: "minimum 150.00 − usage charges 119.20 = 30.80", Amount: dec("30.80")},
		{Description: "Discount 10% (2-year commitment) (Year 1)", ServiceStart: mar, ServiceEnd: apr, Detail: "10% × 450.00 = 45.00", Discount: true, Amount: dec("-45.00")},
	}
	lines := make([]Line, 0, n)
	for i := 0; i < n; i++ {
		var l Line
		if i < len(base) {
			l = base[i]
		} else {
			units := int64(1000 + 37*i)
			l = Line{
				Description:  fmt.Sprintf("Usage line %03d (Year 1)", i+1),
				ServiceStart: mar, ServiceEnd: apr,
				Quantity: decimal.NullDecimal{Decimal: decimal.NewFromInt(units), Valid: true},
				Detail:   fmt.Sprintf("%s × 0.05 = %s", pricing.FormatAmount(decimal.NewFromInt(units), 0), pricing.FormatAmount(decimal.NewFromInt(units).Mul(dec("0.05")), 2)),
				Amount:   decimal.NewFromInt(units).Mul(dec("0.05")),
			}
		}
		l.TaxRate = dec("19")
		l.Tax = pricing.Round(l.Amount.Mul(l.TaxRate).Shift(-2), eur, pricing.HalfAwayFromZero)
		lines = append(lines, l)
	}
	inv := Invoice{
		Seller: Seller{
			LegalName: "Northwind Analytics GmbH",
			Address:   []string{"Hauptstraße 5", "10115 Berlin", "Germany"},
			TaxID:     "DE123456789",
			Email:     "billing@northwind.example",
			Payment:   []string{"Bank: Berliner Sparkasse", "IBAN: DE89 3704 0044 0532 0130 00", "BIC: COBADEFFXXX"},
		},
		Customer: Customer{
			Name:      "Acme",
			LegalName: "Acme Logistics GmbH",
			Address:   []string{"Am Hafen 12", "20457 Hamburg", "Germany"},
			Emails:    []string{"ap@acme.example", "finance@acme.example"},
			TaxID:     "DE987654321",
		},
		Number:    "INV-2026-000123",
		IssueDate: apr,
		DueDate:   pricing.MustDate("2026-05-01"),
		Period:    Period{Start: apr, End: may},
		Currency:  eur,
		Lines:     lines,
		Notes:     []string{"Thank you for your business."},
	}
	inv.Subtotal, inv.Tax = decimal.Zero, decimal.Zero
	for _, l := range lines {
		inv.Subtotal = inv.Subtotal.Add(l.Amount)
		inv.Tax = inv.Tax.Add(l.Tax)
	}
	inv.Total = inv.Subtotal.Add(inv.Tax)
	return inv
}
