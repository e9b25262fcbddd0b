package email

import (
	"bytes"
	"os"
	"os/exec"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/integrations/documents"
	"github.com/monthend/monthend/pricing"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// testInvoice is a small consistent invoice to two billing contacts.
func testInvoice() documents.Invoice {
	apr, may := pricing.MustDate("2026-04-01"), pricing.MustDate("2026-05-01")
	lines := []documents.Line{
		{Description: "Platform (Year 1)", ServiceStart: apr, ServiceEnd: may, Detail: "monthly fee for 1 Apr – 30 Apr = 3,100.00",
			Amount: dec("3100.00"), TaxRate: dec("19"), Tax: dec("589.00")},
		{Description: "Analyst seats (Year 1)", ServiceStart: apr, ServiceEnd: may, Quantity: decimal.NullDecimal{Decimal: dec("15"), Valid: true},
			Detail: "15 seats × 45.00 = 675.00", Amount: dec("675.00"), TaxRate: dec("19"), Tax: dec("128.25")},
		{Description: "Discount 10%", ServiceStart: apr, ServiceEnd: may, Detail: "10% × 3,775.00 = 377.50", Discount: true,
			Amount: dec("-377.50"), TaxRate: dec("19"), Tax: dec("-71.73")},
	}
	return documents.Invoice{
		Seller: documents.Seller{
			LegalName: "Northwind Analytics GmbH", Address: []string{"Hauptstraße 5", "10115 Berlin"},
			TaxID: "DE123456789", Email: "billing@northwind.example", Payment: []string{"IBAN: DE89 3704 0044 0532 0130 00"},
		},
		Customer: documents.Customer{
			Name: "Acme", LegalName: "Acme Logistics GmbH", Address: []string{"Am Hafen 12", "20457 Hamburg"},
			Emails: []string{"ap@acme.example", "finance@acme.example"},
		},
		Number: "INV-2026-000123", IssueDate: apr, DueDate: may,
		Period:   documents.Period{Start: apr, End: may},
		Currency: pricing.MustCurrency("EUR"),
		Lines:    lines,
		Subtotal: dec("3397.50"), Tax: dec("645.52"), Total: dec("4043.02"),
	}
}

// pdfText runs pdftotext (Debian poppler-utils); skips without it unless
// CI is set.
func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext not found: install Debian package poppler-utils")
		}
		t.Skip("pdftotext not found: apt-get install poppler-utils to run this test")
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v (is the attachment a PDF?)", err)
	}
	return string(out)
}
