package documents

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

// Invoice is everything an invoice document shows. It holds values, not
// references to the book: a renderer needs nothing else.
//
// Amounts are as the billing engine computed them (already rounded to the
// currency's minor unit); renderers format but never recompute them, so the
// document always agrees with the book. Subtotal is the sum of line amounts,
// Tax the sum of line taxes and Total = Subtotal + Tax (Check verifies it).
type Invoice struct {
	Seller   Seller
	Customer Customer
	// Number is the invoice number, e.g. "INV-2026-000123". It names the
	// PDF attachment, so it must not contain path separators.
	Number    string
	IssueDate pricing.Date
	DueDate   pricing.Date
	// Period is the billing period [Start, End); documents show End-1 as
	// the last day.
	Period   Period
	Currency pricing.Currency
	Lines    []Line
	Subtotal decimal.Decimal
	Tax      decimal.Decimal
	Total    decimal.Decimal
	// Notes are free paragraphs printed after the totals (e.g. reverse
	// charge wording).
	Notes []string
	// Credits is the number of the invoice this document cancels. Set, the
	// document is a credit note: titled "Credit note", its amounts are the
	// invoice's negated, it has no due date and asks for no payment.
	Credits string
}

// IsCreditNote says whether the document is a credit note.
func (inv Invoice) IsCreditNote() bool { return inv.Credits != "" }

// Title is what the document is: "Invoice" or "Credit note".
func (inv Invoice) Title() string {
	if inv.IsCreditNote() {
		return "Credit note"
	}
	return "Invoice"
}

// Seller is the issuer of invoices, read from the settings file's `seller:`
// block (see LoadSeller and docs/delivery.md).
type Seller struct {
	LegalName string   `yaml:"legal_name"`
	Address   []string `yaml:"address"`
	TaxID     string   `yaml:"tax_id"`
	Email     string   `yaml:"email"`
	// Payment holds the payment instructions, one line each (bank, IBAN,
	// BIC, reference wording).
	Payment []string `yaml:"payment"`
	// Logo is the path of an optional PNG or JPEG logo shown top left.
	Logo string `yaml:"logo"`
}

// Customer is who the invoice is addressed to.
type Customer struct {
	Name      string   // the display name, e.g. "Acme"
	LegalName string   // the name on the invoice, e.g. "Acme Logistics GmbH"; Name if empty
	Address   []string // address lines
	Emails    []string // billing contacts, the To: of the invoice email
	TaxID     string
}

// DisplayLegalName is the name printed on the invoice.
func (c Customer) DisplayLegalName() string {
	if c.LegalName != "" {
		return c.LegalName
	}
	return c.Name
}

// Period is a billing period [Start, End).
type Period struct {
	Start, End pricing.Date
}

// LastDay is the last day the period covers (End-1).
func (p Period) LastDay() pricing.Date { return p.End.AddDays(-1) }

// String formats the period inclusively: "2026-03-01 – 2026-03-31".
func (p Period) String() string {
	if p.Start.IsZero() {
		return ""
	}
	return p.Start.String() + " – " + p.LastDay().String()
}

// Line is one invoice line.
type Line struct {
	Description string
	// ServiceStart and ServiceEnd bound the days [start, end) the line is
	// for; both zero when the line has no span of service.
	ServiceStart, ServiceEnd pricing.Date
	// Quantity is shown when Valid (usage, seats).
	Quantity decimal.NullDecimal
	// Detail is the short explanation of how Amount was computed, e.g.
	// "15 seats × 45.00 = 675.00".
	Detail   string
	Discount bool // a discount line (negative amount)
	Amount   decimal.Decimal
	TaxRate  decimal.Decimal // percent, e.g. 19
	Tax      decimal.Decimal
}

// Service formats the line's span of service inclusively, "1 Apr – 30 Apr",
// or "" if it has none.
func (l Line) Service() string {
	if l.ServiceStart.IsZero() {
		return ""
	}
	last := l.ServiceEnd.AddDays(-1)
	if last.Equal(l.ServiceStart) {
		return l.ServiceStart.Short()
	}
	return l.ServiceStart.Short() + " – " + last.Short()
}

// Discounts is the sum of the discount lines' amounts (zero or negative).
func (inv Invoice) Discounts() decimal.Decimal {
	sum := decimal.Zero
	for i := range inv.Lines {
		if inv.Lines[i].Discount {
			sum = sum.Add(inv.Lines[i].Amount)
		}
	}
	return sum
}

// TaxGroup is the tax at one rate: the base it applies to and the tax.
type TaxGroup struct {
	Rate, Base, Tax decimal.Decimal
}

// TaxGroups groups the lines by tax rate, ascending; rates without tax
// (0%) are included when lines carry them, so a document can say so.
func (inv Invoice) TaxGroups() []TaxGroup {
	var groups []TaxGroup
	for i := range inv.Lines {
		l := &inv.Lines[i]
		j := sort.Search(len(groups), func(k int) bool { return groups[k].Rate.GreaterThanOrEqual(l.TaxRate) })
		if j == len(groups) || !groups[j].Rate.Equal(l.TaxRate) {
			groups = append(groups, TaxGroup{})
			copy(groups[j+1:], groups[j:])
			groups[j] = TaxGroup{Rate: l.TaxRate, Base: decimal.Zero, Tax: decimal.Zero}
		}
		groups[j].Base = groups[j].Base.Add(l.Amount)
		groups[j].Tax = groups[j].Tax.Add(l.Tax)
	}
	return groups
}

// FileName is the name of the document's PDF: "INV-2026-000123.pdf",
// "CN-2026-000007.pdf".
func (inv Invoice) FileName() string { return inv.Number + ".pdf" }

// Money formats an amount at the invoice currency's minor units with
// thousands separators: "1,234.50".
func (inv Invoice) Money(d decimal.Decimal) string {
	return pricing.FormatAmount(d, inv.Currency.MinorUnits())
}

// ErrInconsistent reports an invoice whose totals disagree with its lines.
var ErrInconsistent = errors.New("invoice totals disagree with its lines")

// Check verifies what every document relies on: a number fit for a file
// name, issue and due dates, a currency, and totals equal to the sums of
// the lines. Renderers call it first, so that a
// document never shows figures that do not add up.
func (inv Invoice) Check() error {
	if inv.Number == "" {
		return errors.New("invoice has no number")
	}
	if strings.ContainsAny(inv.Number, "/\\\x00\r\n") {
		return fmt.Errorf("invoice number %q: must not contain slashes or control characters (it names the PDF file)", inv.Number)
	}
	if inv.IssueDate.IsZero() || (inv.DueDate.IsZero() && !inv.IsCreditNote()) {
		return fmt.Errorf("invoice %s needs an issue date and a due date", inv.Number)
	}
	if inv.Currency.IsZero() {
		return fmt.Errorf("invoice %s has no currency", inv.Number)
	}
	sub, tax := decimal.Zero, decimal.Zero
	for i := range inv.Lines {
		sub = sub.Add(inv.Lines[i].Amount)
		tax = tax.Add(inv.Lines[i].Tax)
	}
	switch {
	case !sub.Equal(inv.Subtotal):
		return fmt.Errorf("invoice %s: subtotal %s, lines sum to %s: %w", inv.Number, inv.Subtotal, sub, ErrInconsistent)
	case !tax.Equal(inv.Tax):
		return fmt.Errorf("invoice %s: tax %s, lines sum to %s: %w", inv.Number, inv.Tax, tax, ErrInconsistent)
	case !inv.Subtotal.Add(inv.Tax).Equal(inv.Total):
		return fmt.Errorf("invoice %s: total %s ≠ subtotal %s + tax %s: %w", inv.Number, inv.Total, inv.Subtotal, inv.Tax, ErrInconsistent)
	}
	return nil
}
