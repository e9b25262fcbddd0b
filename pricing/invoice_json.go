package pricing

import "github.com/shopspring/decimal"

// InvoiceJSON is the stable JSON form of an Invoice (docs/pricing.md,
// "JSON output"): what `monthend price --json` prints and scripts read.
// Amounts are strings with exactly the currency's minor units ("1700.00",
// "1700" for JPY) so no consumer ever parses money as a float; quantities
// and rates are plain decimal strings. Dates are YYYY-MM-DD; every span is
// [start, end), end exclusive. Fields are only ever added, never renamed.
type InvoiceJSON struct {
	Customer string     `json:"customer,omitempty"`
	Currency string     `json:"currency"`
	Period   PeriodJSON `json:"period"`
	Lines    []LineJSON `json:"lines"`
	Subtotal string     `json:"subtotal"`
	Tax      string     `json:"tax"`
	Total    string     `json:"total"`
}

// PeriodJSON is a billing period: its label ("2026-03"), its days
// [start, end) and its index in the schedule's calendar (0 = first).
type PeriodJSON struct {
	Label string `json:"label"`
	Start Date   `json:"start"`
	End   Date   `json:"end"`
	Index int    `json:"index"`
}

// LineJSON is one invoice line.
type LineJSON struct {
	Kind         LineKind `json:"kind"`
	Name         string   `json:"name"`
	Phase        string   `json:"phase,omitempty"`
	Model        Model    `json:"model,omitempty"`
	Metric       string   `json:"metric,omitempty"`
	Timing       Timing   `json:"timing,omitempty"`
	ServiceStart Date     `json:"service_start"`
	ServiceEnd   Date     `json:"service_end"`
	Quantity     string   `json:"quantity,omitempty"`
	Amount       string   `json:"amount"`
	TaxRate      string   `json:"tax_rate"`
	Tax          string   `json:"tax"`
	Explanation  string   `json:"explanation"`
}

// JSON returns the invoice's stable JSON form.
func (inv Invoice) JSON() InvoiceJSON {
	minor := inv.Currency.MinorUnits()
	money := func(d decimal.Decimal) string { return d.StringFixed(minor) }
	out := InvoiceJSON{
		Currency: inv.Currency.Code(),
		Period:   PeriodJSON{Label: inv.Period.Label(), Start: inv.Period.Start, End: inv.Period.End, Index: inv.Period.Index},
		Lines:    make([]LineJSON, len(inv.Lines)),
		Subtotal: money(inv.Subtotal), Tax: money(inv.Tax), Total: money(inv.Total),
	}
	for i, l := range inv.Lines {
		out.Lines[i] = LineJSON{
			Kind: l.Kind, Name: l.Name, Phase: l.Phase, Model: l.Model, Metric: l.Metric, Timing: l.Timing,
			ServiceStart: l.ServiceStart, ServiceEnd: l.ServiceEnd,
			Amount: money(l.Amount), TaxRate: l.TaxRate.String(), Tax: money(l.Tax), Explanation: l.Explanation,
		}
		if l.Kind == ChargeLine && (l.Model == PerSeat || l.Model.usesMetric()) {
			out.Lines[i].Quantity = l.Quantity.String()
		}
	}
	return out
}
