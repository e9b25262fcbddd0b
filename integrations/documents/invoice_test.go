package documents

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Invoice)
		want   string // substring of the error; "" for no error
	}{
		{"consistent", func(*Invoice) {}, ""},
		{"no number", func(i *Invoice) { i.Number = "" }, "no number"},
		{"slash in number", func(i *Invoice) { i.Number = "INV/2026/1" }, "must not contain slashes"},
		{"no issue date", func(i *Invoice) { i.IssueDate = pricing.Date{} }, "issue date"},
		{"no due date", func(i *Invoice) { i.DueDate = pricing.Date{} }, "due date"},
		{"no currency", func(i *Invoice) { i.Currency = pricing.Currency{} }, "no currency"},
		{"subtotal off", func(i *Invoice) { i.Subtotal = i.Subtotal.Add(dec("1")) }, "subtotal"},
		{"tax off", func(i *Invoice) { i.Tax = i.Tax.Sub(dec("0.01")) }, "tax"},
		{"total off", func(i *Invoice) { i.Total = i.Total.Add(dec("0.01")) }, "total"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := sampleInvoice(7)
			tc.change(&inv)
			err := inv.Check()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Check: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestTaxGroupsAndDiscounts(t *testing.T) {
	inv := Invoice{Lines: []Line{
		{Amount: dec("100"), TaxRate: dec("19"), Tax: dec("19")},
		{Amount: dec("50"), TaxRate: dec("7"), Tax: dec("3.50")},
		{Amount: dec("-10"), TaxRate: dec("19"), Tax: dec("-1.90"), Discount: true},
		{Amount: dec("20"), TaxRate: dec("0"), Tax: dec("0")},
		{Amount: dec("-5"), TaxRate: dec("7"), Tax: dec("-0.35"), Discount: true},
	}}
	got := inv.TaxGroups()
	want := []TaxGroup{
		{Rate: dec("0"), Base: dec("20"), Tax: dec("0")},
		{Rate: dec("7"), Base: dec("45"), Tax: dec("3.15")},
		{Rate: dec("19"), Base: dec("90"), Tax: dec("17.10")},
	}
	if len(got) != len(want) {
		t.Fatalf("TaxGroups = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Rate.Equal(want[i].Rate) || !got[i].Base.Equal(want[i].Base) || !got[i].Tax.Equal(want[i].Tax) {
			t.Errorf("group %d = %v, want %v", i, got[i], want[i])
		}
	}
	if d := inv.Discounts(); !d.Equal(dec("-15")) {
		t.Errorf("Discounts = %s, want -15", d)
	}
}

func TestServiceAndPeriodAreInclusive(t *testing.T) {
	l := Line{ServiceStart: pricing.MustDate("2026-03-01"), ServiceEnd: pricing.MustDate("2026-04-01")}
	if got := l.Service(); got != "1 Mar – 31 Mar" {
		t.Errorf("Service = %q", got)
	}
	one := Line{ServiceStart: pricing.MustDate("2026-03-05"), ServiceEnd: pricing.MustDate("2026-03-06")}
	if got := one.Service(); got != "5 Mar" {
		t.Errorf("one-day Service = %q", got)
	}
	if got := (Line{}).Service(); got != "" {
		t.Errorf("no service = %q", got)
	}
	p := Period{Start: pricing.MustDate("2026-02-01"), End: pricing.MustDate("2026-03-01")}
	if got := p.String(); got != "2026-02-01 – 2026-02-28" {
		t.Errorf("Period = %q", got)
	}
}

func TestFromPricing(t *testing.T) {
	eur := pricing.MustCurrency("EUR")
	apr, may := pricing.MustDate("2026-04-01"), pricing.MustDate("2026-05-01")
	pi := pricing.Invoice{
		Currency: eur,
		Period:   pricing.Period{Start: apr, End: may, NominalStart: apr, NominalEnd: may},
		Lines: []pricing.InvoiceLine{
			{Kind: pricing.ChargeLine, Name: "Platform", Phase: "Year 1", Model: pricing.Flat, ServiceStart: apr, ServiceEnd: may,
				Quantity: decimal.Zero, Amount: dec("100.00"), TaxRate: dec("19"), Tax: dec("19.00"), Explanation: "monthly fee = 100.00"},
			{Kind: pricing.ChargeLine, Name: "Seats", Model: pricing.PerSeat, ServiceStart: apr, ServiceEnd: may,
				Quantity: dec("3"), Amount: dec("30.00"), TaxRate: dec("19"), Tax: dec("5.70"), Explanation: "3 seats × 10.00 = 30.00"},
			{Kind: pricing.DiscountLine, Name: "Discount 10%", Phase: "Year 1", ServiceStart: apr, ServiceEnd: may,
				Amount: dec("-13.00"), TaxRate: dec("19"), Tax: dec("-2.47"), Explanation: "10% × 130.00 = 13.00"},
		},
		Subtotal: dec("117.00"), Tax: dec("22.23"), Total: dec("139.23"),
	}
	h := Header{Number: "INV-2026-000001", IssueDate: apr, DueDate: may, Customer: Customer{Name: "Acme"}, Seller: Seller{LegalName: "Northwind"}}
	doc := FromPricing(pi, h)
	if err := doc.Check(); err != nil {
		t.Fatal(err)
	}
	if doc.Number != h.Number || doc.Currency != eur || !doc.Total.Equal(pi.Total) || doc.Period.LastDay().String() != "2026-04-30" {
		t.Errorf("header fields not carried: %+v", doc)
	}
	want := []struct {
		desc     string
		qty      string // "" when not shown
		discount bool
	}{
		{"Platform (Year 1)", "", false},
		{"Seats", "3", false},
		{"Discount 10% (Year 1)", "", true},
	}
	for i, w := range want {
		l := doc.Lines[i]
		qty := ""
		if l.Quantity.Valid {
			qty = l.Quantity.Decimal.String()
		}
		if l.Description != w.desc || qty != w.qty || l.Discount != w.discount || l.Detail != pi.Lines[i].Explanation || !l.Amount.Equal(pi.Lines[i].Amount) || !l.Tax.Equal(pi.Lines[i].Tax) {
			t.Errorf("line %d = %+v, want description %q, quantity %q, discount %v", i, l, w.desc, w.qty, w.discount)
		}
	}
}

func TestParseSeller(t *testing.T) {
	for _, tc := range []struct {
		name, doc, err string
	}{
		{"full", "seller:\n  legal_name: Northwind GmbH\n  address: [Hauptstraße 5, 10115 Berlin]\n  tax_id: DE1\n  payment: [\"IBAN: DE89\"]\nsmtp:\n  host: mail.example\n", ""},
		{"missing block", "smtp:\n  host: x\n", "no seller: block"},
		{"typo", "seller:\n  legal_name: N\n  adress: [x]\n", "adress"},
		{"no address", "seller:\n  legal_name: N\n", "address is missing"},
		{"no name", "seller:\n  address: [x]\n", "legal_name is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSeller([]byte(tc.doc))
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if s.LegalName != "Northwind GmbH" || len(s.Address) != 2 || s.Address[0] != "Hauptstraße 5" || s.Payment[0] != "IBAN: DE89" {
					t.Errorf("parsed %+v", s)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("err = %v, want it to mention %q", err, tc.err)
			}
		})
	}
}

func TestLoadSellerResolvesLogo(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/monthend.yaml"
	writeFile(t, path, "seller:\n  legal_name: N\n  address: [x]\n  logo: logo.png\n")
	s, err := LoadSeller(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Logo != dir+"/logo.png" {
		t.Errorf("Logo = %q, want it next to the settings file", s.Logo)
	}
	if _, err := LoadSeller(dir + "/missing.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
