package pricing

import (
	"testing"

	"github.com/shopspring/decimal"
)

// d is decimal.RequireFromString, for literals.
func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func dp(s string) *decimal.Decimal { v := d(s); return &v }

// monthly is a one-phase monthly EUR schedule from start with the given lines.
func monthly(start string, lines ...PriceLine) *Schedule {
	return &Schedule{
		Currency: MustCurrency("EUR"), TimeZone: "Europe/Berlin",
		Start: MustDate(start), Billing: Billing{Frequency: Monthly},
		Phases: []Phase{{Name: "Year 1", Lines: lines}},
	}
}

// priceRef prices the invoice for a period reference such as "2026-03".
func priceRef(t *testing.T, s *Schedule, ref string, u Usage) Invoice {
	t.Helper()
	i, err := s.Calendar().ParsePeriodRef(ref)
	if err != nil {
		t.Fatalf("period %s: %v", ref, err)
	}
	inv, err := Price(s, i, u)
	if err != nil {
		t.Fatalf("price %s: %v", ref, err)
	}
	checkInvoice(t, inv)
	return inv
}

// checkInvoice asserts the invariants every invoice keeps: amounts at the
// currency's minor unit, totals that are sums of the lines, to the cent.
func checkInvoice(t *testing.T, inv Invoice) {
	t.Helper()
	sub, tax := decimal.Zero, decimal.Zero
	for _, l := range inv.Lines {
		if !l.Amount.Equal(l.Amount.Round(inv.Currency.MinorUnits())) {
			t.Errorf("line %q amount %s is not in minor units", l.Name, l.Amount)
		}
		if l.Kind == ChargeLine && l.Amount.IsNegative() {
			t.Errorf("charge %q is negative: %s", l.Name, l.Amount)
		}
		sub = sub.Add(l.Amount)
		tax = tax.Add(l.Tax)
	}
	if !sub.Equal(inv.Subtotal) || !tax.Equal(inv.Tax) || !inv.Total.Equal(sub.Add(tax)) {
		t.Errorf("totals do not reconcile: lines %s + %s, invoice %s + %s = %s", sub, tax, inv.Subtotal, inv.Tax, inv.Total)
	}
}

// usageFor is whole-period usage for the service period that the invoice
// for ref bills in arrears.
func usageFor(t *testing.T, s *Schedule, ref string, kv ...string) Usage {
	t.Helper()
	i, err := s.Calendar().ParsePeriodRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	svc, ok := s.Calendar().Period(i - 1)
	if !ok {
		t.Fatalf("invoice %s bills no usage", ref)
	}
	u := PeriodTotals{Start: svc.Start, End: svc.End, Totals: map[string]decimal.Decimal{}}
	for j := 0; j+1 < len(kv); j += 2 {
		u.Totals[kv[j]] = d(kv[j+1])
	}
	return u
}

func tiers3() []Tier {
	return []Tier{
		{UpTo: dp("1000"), UnitPrice: d("0.10")},
		{UpTo: dp("5000"), UnitPrice: d("0.08")},
		{UnitPrice: d("0.05")},
	}
}
