package pricing_test

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

func ExampleGraduated() {
	upTo1000, upTo5000 := decimal.RequireFromString("1000"), decimal.RequireFromString("5000")
	tiers := []pricing.Tier{
		{UpTo: &upTo1000, UnitPrice: decimal.RequireFromString("0.10")},
		{UpTo: &upTo5000, UnitPrice: decimal.RequireFromString("0.08")},
		{UnitPrice: decimal.RequireFromString("0.05")},
	}
	total, uses := pricing.Graduated(tiers, decimal.RequireFromString("1240"))
	for _, u := range uses {
		fmt.Printf("tier %d: %s units, %s\n", u.Tier, u.Units, u.Amount.StringFixed(2))
	}
	fmt.Println("total", total.StringFixed(2))
	// Output:
	// tier 1: 1000 units, 100.00
	// tier 2: 240 units, 19.20
	// total 119.20
}

func ExamplePrice() {
	s := &pricing.Schedule{
		Customer: "Acme", Currency: pricing.MustCurrency("EUR"), TimeZone: "Europe/Berlin",
		Start:   pricing.MustDate("2026-01-15"),
		Billing: pricing.Billing{Frequency: pricing.Monthly, AnchorDay: 1},
		TaxRate: decimal.RequireFromString("19"),
		Phases: []pricing.Phase{{Name: "Year 1", Lines: []pricing.PriceLine{
			{Name: "Platform", Model: pricing.Flat, Price: decimal.RequireFromString("3100.00")},
		}}},
	}
	inv, err := pricing.Price(s, 0, pricing.PeriodTotals{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range inv.Lines {
		fmt.Printf("%s: %s\n", l.Name, l.Explanation)
	}
	fmt.Println("subtotal", inv.Subtotal.StringFixed(2), "tax", inv.Tax.StringFixed(2), "total", inv.Total.StringFixed(2))
	// Output:
	// Platform: 3,100.00 × 17/31 days (starts 15 Jan) = 1,700.00
	// subtotal 1700.00 tax 323.00 total 2023.00
}
