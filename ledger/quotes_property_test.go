package ledger

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/monthend/monthend/pricing"
)

// TestPropExecutedScheduleBillsEveryPreviewedInvoice: for random quotes
// written from the catalog — a trial or none, yearly ramps, seats with a
// change, usage tiers and packages with overridden prices, commitment
// discounts, minimums — the schedule ExecuteQuote stores, read back from
// the book, prices every invoice of the term exactly as the quote's
// figures did, line by line, at the same assumed usage.
func TestPropExecutedScheduleBillsEveryPreviewedInvoice(t *testing.T) {
	b, now := quoteBook(t)
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		id := fmt.Sprintf("q%d", n)
		c, usage := genQuote(rt, b)
		q, err := b.SaveQuote(id, c)
		if err != nil {
			rt.Fatal(err)
		}
		if _, err := b.MarkQuoteSent(id, ""); err != nil {
			rt.Fatal(err)
		}
		if _, _, err := b.MarkQuoteSigned(id, 0, Signature{By: "Signer", At: *now}); err != nil {
			rt.Fatal(err)
		}
		r, err := b.ExecuteQuote(id, ExecuteOptions{CustomerID: "cust-" + id})
		if err != nil {
			rt.Fatal(err)
		}
		stored, err := b.Schedule(r.Schedule.ID, 0)
		if err != nil {
			rt.Fatal(err)
		}
		fig, err := q.Figures(usage)
		if err != nil {
			rt.Fatal(err)
		}
		u := pricing.AssumedUsage{Calendar: stored.Schedule.Calendar(), PerPeriod: usage}
		for i, want := range fig.Invoices {
			got, err := pricing.Price(stored.Schedule, i, u)
			if err != nil {
				rt.Fatal(err)
			}
			g, _ := json.Marshal(got.JSON())
			w, _ := json.Marshal(want.JSON())
			if string(g) != string(w) {
				rt.Fatalf("invoice %d (%s) differs:\nbilled %s\nquoted %s", i+1, want.Period.Label(), g, w)
			}
		}
	})
}

// genQuote draws a quote for a prospect from the test catalog.
func genQuote(t *rapid.T, b *Book) (QuoteContent, map[string]decimal.Decimal) {
	cur := rapid.SampledFrom([]string{"EUR", "USD"}).Draw(t, "currency")
	start := pricing.NewDate(2026, 5, 1).AddDays(rapid.IntRange(0, 365).Draw(t, "start"))
	term := rapid.SampledFrom([]int{12, 24, 36}).Draw(t, "term")
	doc := QuoteDoc{
		Prospect:   &Prospect{Name: "P", Currency: pricing.MustCurrency(cur), TimeZone: "Europe/Berlin", TaxRate: decimal.NewFromInt(int64(rapid.IntRange(0, 25).Draw(t, "tax")))},
		Start:      start,
		TermMonths: term,
		Billing:    pricing.Billing{Frequency: rapid.SampledFrom([]pricing.Frequency{pricing.Monthly, pricing.Quarterly}).Draw(t, "freq"), AnchorDay: rapid.IntRange(0, 31).Draw(t, "anchor")},
		Expires:    pricing.NewDate(2026, 4, 30),
		Seats: map[string][]pricing.SeatChange{"analysts": {
			{From: start, Quantity: decimal.NewFromInt(int64(rapid.IntRange(1, 50).Draw(t, "seats")))},
			{From: start.AddDays(rapid.IntRange(1, 300).Draw(t, "seat_change")), Quantity: decimal.NewFromInt(int64(rapid.IntRange(0, 80).Draw(t, "seats2")))},
		}},
	}
	line := func(fields map[string]any) json.RawMessage {
		data, _ := json.Marshal(fields)
		return data
	}
	yearStart := start
	if trial := rapid.IntRange(0, 45).Draw(t, "trial_days"); trial > 0 {
		doc.Phases = append(doc.Phases, QuoteDocPhase{Name: "Trial", Lines: []json.RawMessage{line(map[string]any{"product": "platform", "price": 0})}})
		yearStart = start.AddDays(trial)
	}
	discount := rapid.SampledFrom([]string{"0", "10", "15"}).Draw(t, "commitment")
	for y := 0; y*12 < term; y++ {
		ph := QuoteDocPhase{Name: fmt.Sprintf("Year %d", y+1)}
		if y > 0 || len(doc.Phases) > 0 {
			ph.Start = yearStart.AddMonths(12 * y)
		}
		if !ph.Start.IsZero() && !ph.Start.Before(start.AddMonths(term)) {
			break
		}
		if discount != "0" {
			ph.Discounts = []pricing.Discount{{Percent: decimal.RequireFromString(discount), Label: "commitment"}}
		}
		ramp := decimal.NewFromInt(int64(100 + y*rapid.IntRange(0, 10).Draw(t, "ramp"))).Shift(-2)
		platform := decimal.NewFromInt(2000)
		if cur == "USD" {
			platform = decimal.NewFromInt(2200)
		}
		ph.Lines = []json.RawMessage{
			line(map[string]any{"product": "platform", "price": platform.Mul(ramp).String()}),
			line(map[string]any{"product": "analysts"}),
			line(map[string]any{"product": "invoices", "minimum": fmt.Sprint(rapid.IntRange(0, 300).Draw(t, "line_minimum"))}),
		}
		if rapid.Bool().Draw(t, "tiers") {
			ph.Lines = append(ph.Lines, line(map[string]any{"product": "api", "model": "graduated", "tiers": []map[string]any{
				{"up_to": rapid.IntRange(1, 2000).Draw(t, "bound"), "unit_price": "0.10"}, {"unit_price": "0.0375"},
			}}))
		}
		if rapid.Bool().Draw(t, "phase_minimum") {
			ph.Minimum = &pricing.UsageMinimum{Amount: decimal.NewFromInt(int64(rapid.IntRange(1, 900).Draw(t, "minimum"))), Per: pricing.PerPeriod}
		}
		doc.Phases = append(doc.Phases, ph)
	}
	c, err := doc.Content(QuoteLookup{
		Product: func(id string) (Product, bool) { p, err := b.Product(id); return p, err == nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	usage := map[string]decimal.Decimal{
		"invoices_issued": decimal.NewFromInt(int64(rapid.IntRange(0, 40000).Draw(t, "invoices_issued"))),
		"api_calls":       decimal.NewFromInt(int64(rapid.IntRange(0, 20000).Draw(t, "api_calls"))),
	}
	return c, usage
}
