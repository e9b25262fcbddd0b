package documents_test

import (
	"os"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/integrations/documents"
	"github.com/monthend/monthend/pricing"
)

func ExampleRenderText() {
	d := decimal.RequireFromString
	inv := documents.Invoice{
		Seller:    documents.Seller{LegalName: "Northwind Analytics GmbH", Address: []string{"Hauptstraße 5, 10115 Berlin"}},
		Customer:  documents.Customer{Name: "Acme", Address: []string{"Am Hafen 12, 20457 Hamburg"}},
		Number:    "INV-2026-000007",
		IssueDate: pricing.MustDate("2026-04-01"),
		DueDate:   pricing.MustDate("2026-04-15"),
		Period:    documents.Period{Start: pricing.MustDate("2026-04-01"), End: pricing.MustDate("2026-05-01")},
		Currency:  pricing.MustCurrency("EUR"),
		Lines: []documents.Line{{
			Description: "Platform", ServiceStart: pricing.MustDate("2026-04-01"), ServiceEnd: pricing.MustDate("2026-05-01"),
			Detail: "monthly fee = 1,200.00", Amount: d("1200.00"), TaxRate: d("19"), Tax: d("228.00"),
		}},
		Subtotal: d("1200.00"), Tax: d("228.00"), Total: d("1428.00"),
	}
	if err := documents.RenderText(os.Stdout, inv); err != nil {
		panic(err)
	}
	// Output:
	// INVOICE INV-2026-000007
	//
	// From:
	//   Northwind Analytics GmbH
	//   Hauptstraße 5, 10115 Berlin
	//
	// To:
	//   Acme
	//   Am Hafen 12, 20457 Hamburg
	//
	// Invoice number  INV-2026-000007
	// Issue date      2026-04-01
	// Due date        2026-04-15
	// Period          2026-04-01 – 2026-04-30
	// Currency        EUR
	//
	// Description  Service         Qty  Amount EUR
	// --------------------------------------------
	// Platform     1 Apr – 30 Apr         1,200.00
	//     monthly fee = 1,200.00
	// --------------------------------------------
	//                         Subtotal    1,200.00
	//              Tax 19% on 1,200.00      228.00
	//                        Total EUR    1,428.00
}
