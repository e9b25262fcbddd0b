package documents

import (
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

// Header is what an invoice document needs besides the priced invoice:
// who issues it, to whom, under which number and when.
type Header struct {
	Seller    Seller
	Customer  Customer
	Number    string
	IssueDate pricing.Date
	DueDate   pricing.Date
	Notes     []string
}

// FromPricing makes the document of a priced invoice. Amounts are copied,
// never recomputed. A line's description is its name with the contract
// phase in parentheses; its detail is the pricing explanation; its quantity
// is shown for usage and seat lines.
func FromPricing(inv pricing.Invoice, h Header) Invoice {
	doc := Invoice{
		Seller:    h.Seller,
		Customer:  h.Customer,
		Number:    h.Number,
		IssueDate: h.IssueDate,
		DueDate:   h.DueDate,
		Period:    Period{Start: inv.Period.Start, End: inv.Period.End},
		Currency:  inv.Currency,
		Lines:     make([]Line, len(inv.Lines)),
		Subtotal:  inv.Subtotal,
		Tax:       inv.Tax,
		Total:     inv.Total,
		Notes:     h.Notes,
	}
	for i := range inv.Lines {
		l := &inv.Lines[i]
		desc := l.Name
		if l.Phase != "" {
			desc += " (" + l.Phase + ")"
		}
		doc.Lines[i] = Line{
			Description:  desc,
			ServiceStart: l.ServiceStart,
			ServiceEnd:   l.ServiceEnd,
			Quantity:     quantity(l),
			Detail:       l.Explanation,
			Discount:     l.Kind == pricing.DiscountLine,
			Amount:       l.Amount,
			TaxRate:      l.TaxRate,
			Tax:          l.Tax,
		}
	}
	return doc
}

// quantity is the line's quantity when it means something to the reader:
// usage and seats, not flat fees, discounts or minimums.
func quantity(l *pricing.InvoiceLine) decimal.NullDecimal {
	if l.Kind != pricing.ChargeLine || l.Model == pricing.Flat || l.Model == "" {
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: l.Quantity, Valid: true}
}
