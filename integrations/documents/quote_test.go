package documents

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

// sampleQuote is a prospect's three-year ramp: a one-month trial, then two
// priced years with seats, graduated usage, a phase discount and a usage
// minimum, priced by the pricing core at a fixed usage.
func sampleQuote(t testing.TB) Quote {
	t.Helper()
	upTo := dec("1000")
	year1, year2 := pricing.MustDate("2030-02-01"), pricing.MustDate("2031-02-01")
	s := &pricing.Schedule{
		Currency: pricing.MustCurrency("EUR"), TimeZone: "Europe/Zurich",
		Start: pricing.MustDate("2030-01-01"), End: pricing.MustDate("2033-01-01"),
		Billing: pricing.Billing{Frequency: pricing.Monthly}, TaxRate: dec("8.1"),
		Seats: map[string][]pricing.SeatChange{"analysts": {{From: pricing.MustDate("2030-01-01"), Quantity: dec("10")}, {From: year2, Quantity: dec("15")}}},
		Phases: []pricing.Phase{
			{Name: "Trial", Lines: []pricing.PriceLine{{Name: "Platform", Model: pricing.Flat, Price: dec("0")}}},
			{Name: "Year 1", Start: year1,
				Discounts: []pricing.Discount{{Percent: dec("15"), Label: "3-year commitment"}},
				Minimum:   &pricing.UsageMinimum{Amount: dec("400.00"), Per: pricing.PerPeriod},
				Lines: []pricing.PriceLine{
					{Name: "Platform", Model: pricing.Flat, Price: dec("2400.00")},
					{Name: "Analyst seats", Model: pricing.PerSeat, Price: dec("45.00"), Seats: "analysts"},
					{Name: "API calls", Model: pricing.GraduatedM, Metric: "api_calls", Tiers: []pricing.Tier{{UpTo: &upTo, UnitPrice: dec("0.10")}, {UnitPrice: dec("0.08")}}},
				}},
			{Name: "Years 2–3", Start: year2,
				Discounts: []pricing.Discount{{Percent: dec("15"), Label: "3-year commitment"}},
				Lines: []pricing.PriceLine{
					{Name: "Platform", Model: pricing.Flat, Price: dec("2160.00")},
					{Name: "Analyst seats", Model: pricing.PerSeat, Price: dec("48.60"), Seats: "analysts"},
				}},
		},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	usage := map[string]decimal.Decimal{"api_calls": dec("6000")}
	f, err := pricing.QuoteFigures(s, usage)
	if err != nil {
		t.Fatal(err)
	}
	return FromQuote(s, f, QuoteHeader{
		Seller: Seller{LegalName: "Northwind Analytics GmbH", Address: []string{"Hauptstraße 5", "10115 Berlin", "Germany"},
			TaxID: "DE123456789", Email: "billing@northwind.example"},
		Customer: Customer{Name: "Contoso AG", LegalName: "Contoso Aktiengesellschaft", Address: []string{"Bahnhofstrasse 1", "8001 Zürich"},
			Emails: []string{"ap@contoso.example"}},
		Prospect: true, ID: "contoso-2030", Version: 2,
		Date: pricing.MustDate("2029-11-20"), Expires: pricing.MustDate("2029-12-15"),
		TermMonths: 36, PaymentTermsDays: 30,
		Notes:    "Prices exclude VAT.\nThe trial converts automatically.",
		Products: map[string]string{"Year 1/Platform": "platform", "Year 1/Analyst seats": "analysts"},
		Usage:    usage,
	})
}

func TestFromQuoteCopiesTheFigures(t *testing.T) {
	q := sampleQuote(t)
	if len(q.Phases) != 3 || !q.Phases[1].Full {
		t.Fatalf("phases: %+v", q.Phases)
	}
	if q.TCV.IsZero() || !q.ListTCV.Sub(q.TCV).Equal(q.Discount) {
		t.Errorf("TCV %s, list %s, discount %s do not agree", q.TCV, q.ListTCV, q.Discount)
	}
	var years decimal.Decimal
	for _, y := range q.Years {
		years = years.Add(y.Amount)
	}
	if !years.Equal(q.TCV) {
		t.Errorf("the years add up to %s, the TCV is %s", years, q.TCV)
	}
	if got := q.Phases[1].Lines[1]; got.Seats != "10" || got.Product != "analysts" {
		t.Errorf("year 1 seats line: %+v", got)
	}
	if got := q.Phases[2].Lines[1].Seats; got != "15" {
		t.Errorf("years 2–3 seats %q, want the count in force at the phase start, 15", got)
	}
	if q.Phases[1].Minimum == "" || len(q.Phases[1].Discounts) != 1 {
		t.Errorf("year 1 discounts and minimum: %+v", q.Phases[1])
	}
}

func TestRenderQuoteTextGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderQuoteText(&buf, sampleQuote(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "quote.md", buf.Bytes())
}

func TestRenderQuoteRefusesAnIncompleteQuote(t *testing.T) {
	q := sampleQuote(t)
	q.Seller = Seller{}
	if _, err := RenderQuotePDF(q); !errors.Is(err, ErrIncompleteQuote) {
		t.Errorf("pdf: %v, want ErrIncompleteQuote", err)
	}
	if err := RenderQuoteText(&bytes.Buffer{}, q); !errors.Is(err, ErrIncompleteQuote) {
		t.Errorf("text: %v, want ErrIncompleteQuote", err)
	}
}

// TestRenderQuotePDFIsDeterministic renders the quote twice and compares
// bytes, and checks the PDF is dated by the quote, not the clock.
func TestRenderQuotePDFIsDeterministic(t *testing.T) {
	q := sampleQuote(t)
	first, err := RenderQuotePDF(q)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		again, err := RenderQuotePDF(q)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("render %d differs from the first", i+2)
		}
	}
	if !bytes.Contains(first, []byte("/CreationDate (D:20291120000000)")) || !bytes.Contains(first, []byte("/ModDate (D:20291120000000)")) {
		t.Error("creation and modification dates are not the quote's date")
	}
}

// TestQuotePDFTextShowsEverything reads the PDF back with pdftotext: the
// parties, the quote id, every phase, the lines, the TCV and the
// signature block.
func TestQuotePDFTextShowsEverything(t *testing.T) {
	q := sampleQuote(t)
	pdf, err := RenderQuotePDF(q)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(pdfText(t, pdf, false)), " ")
	wants := []string{
		"QUOTE", "contoso-2030 v2",
		"Northwind Analytics GmbH", "Hauptstraße 5", "DE123456789",
		"Prospect", "Contoso Aktiengesellschaft", "Bahnhofstrasse 1", "ap@contoso.example",
		"Valid until", "2029-12-15", "Contract start", "2030-01-01", "36 months", "monthly, in EUR", "30 days from invoice",
		"Analyst seats [analysts]", "45.00 per seat (analysts) per period", "graduated api_calls",
		"Discount 15% (3-year commitment)", "Usage minimum 400.00 per period",
		"Total contract value (net)", q.Money(q.TCV) + " EUR", "Effective discount (" + q.EffectiveDiscount.StringFixed(2) + "%)",
		"Prices exclude VAT.", "Acceptance", "For Contoso Aktiengesellschaft", "For Northwind Analytics GmbH", "Signature:",
	}
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("the PDF's text lacks %q", w)
		}
	}
	// Each phase as a table row: read with the layout kept.
	rows := strings.Join(strings.Fields(pdfText(t, pdf, true)), " ")
	for _, p := range q.Phases {
		row := strings.Join([]string{p.Name, p.Start.String(), p.End.AddDays(-1).String(), q.Money(p.PerPeriod), q.Money(p.PerYear)}, " ")
		if !strings.Contains(rows, row) {
			t.Errorf("the PDF lacks the phase row %q", row)
		}
	}
	if t.Failed() {
		t.Logf("pdftotext:\n%s", pdfText(t, pdf, true))
	}
}
