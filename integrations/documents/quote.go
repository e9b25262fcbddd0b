package documents

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

// Quote is everything a quote document shows: the offer a customer or
// prospect signs. Like Invoice it holds values only; amounts come from the
// pricing core's figures (pricing.QuoteFigures) and are never recomputed.
type Quote struct {
	Seller Seller
	// Customer is who the quote is for; Prospect says they are not a
	// customer yet.
	Customer Customer
	Prospect bool
	ID       string
	Version  int
	// Date is the day this version was saved; it dates the PDF, so the
	// same version always renders to the same bytes.
	Date    pricing.Date
	Expires pricing.Date
	// Start and End bound the contract [Start, End); TermMonths is its
	// length as quoted.
	Start, End       pricing.Date
	TermMonths       int
	Frequency        pricing.Frequency
	Currency         pricing.Currency
	TimeZone         string
	TaxRate          decimal.Decimal // percent, added to every invoice
	PaymentTermsDays int
	Phases           []QuotePhase
	// Discounts are the schedule's invoice-level discounts, as text.
	Discounts []string
	// InvoiceMinimum tops each invoice's net subtotal up (zero: none).
	InvoiceMinimum decimal.Decimal
	Years          []QuoteYear
	// TCV is the total contract value (net, before tax); ListTCV the same
	// without discounts; Discount their difference and EffectiveDiscount
	// that as a percent of ListTCV.
	TCV, ListTCV, Discount, EffectiveDiscount decimal.Decimal
	// Usage names the assumed usage the figures were priced at, e.g.
	// "api_calls 6,000 per period"; empty: fees and seats only.
	Usage []string
	Notes []string
}

// QuotePhase is one phase of the contract with its price.
type QuotePhase struct {
	Name       string
	Start, End pricing.Date // [Start, End)
	// PerPeriod and PerYear are the price of a full billing period and a
	// year of them; Full is false for a phase shorter than one period,
	// whose price is then its Total.
	PerPeriod, PerYear, Total decimal.Decimal
	Full                      bool
	Lines                     []QuoteLine
	Discounts                 []string // the phase's discounts, as text
	Minimum                   string   // its usage minimum, as text
}

// QuoteLine is one priced item of a phase.
type QuoteLine struct {
	Name    string
	Product string // the catalog product it came from, if any
	Price   string // the price or tiers, in words
	Seats   string // the seat count at the phase's start, for per-seat lines
}

// QuoteHeader is what a quote document needs besides the schedule and the
// figures: the parties, the quote's identity and its terms.
type QuoteHeader struct {
	Seller           Seller
	Customer         Customer
	Prospect         bool
	ID               string
	Version          int
	Date             pricing.Date
	Expires          pricing.Date
	TermMonths       int
	PaymentTermsDays int
	Notes            string
	// Products maps "phase/line" to the catalog product id it came from.
	Products map[string]string
	// Usage is the assumed usage per billing period the figures used.
	Usage map[string]decimal.Decimal
}

// FromQuote makes the document of a quote: its schedule (the commercial
// content) and its figures (pricing.QuoteFigures of that schedule). It
// only copies and formats; phases are matched to their figures by
// position, which QuoteFigures keeps.
func FromQuote(s *pricing.Schedule, f pricing.Figures, h QuoteHeader) Quote {
	cur := s.Currency
	q := Quote{
		Seller: h.Seller, Customer: h.Customer, Prospect: h.Prospect,
		ID: h.ID, Version: h.Version, Date: h.Date, Expires: h.Expires,
		Start: s.Start, End: s.End, TermMonths: h.TermMonths, Frequency: s.Billing.Frequency,
		Currency: cur, TimeZone: s.TimeZone, TaxRate: s.TaxRate, PaymentTermsDays: h.PaymentTermsDays,
		InvoiceMinimum: s.InvoiceMinimum,
		TCV:            f.TCV, ListTCV: f.ListTCV, Discount: f.Discount, EffectiveDiscount: f.EffectiveDiscount,
	}
	for _, d := range s.Discounts {
		q.Discounts = append(q.Discounts, DiscountText(d, cur))
	}
	for i, ph := range s.Phases {
		p := QuotePhase{Name: ph.Name, Start: ph.Start}
		if i == 0 {
			p.Start = s.Start
		}
		if i < len(f.Phases) && f.Phases[i].Name == ph.Name {
			fp := f.Phases[i]
			p.Start, p.End = fp.Start, fp.End
			p.PerPeriod, p.PerYear, p.Total, p.Full = fp.PerPeriod, fp.PerYear, fp.Total, fp.Full
		}
		for _, l := range ph.Lines {
			ql := QuoteLine{Name: l.Name, Product: h.Products[ph.Name+"/"+l.Name], Price: PriceText(l, cur)}
			if l.Model == pricing.PerSeat {
				ql.Seats = seatsAt(s.Seats[l.Seats], p.Start)
			}
			p.Lines = append(p.Lines, ql)
			for _, d := range l.Discounts {
				p.Discounts = append(p.Discounts, l.Name+": "+DiscountText(d, cur))
			}
		}
		for _, d := range ph.Discounts {
			p.Discounts = append(p.Discounts, DiscountText(d, cur))
		}
		if m := ph.Minimum; m != nil {
			p.Minimum = fmt.Sprintf("usage minimum %s per %s", pricing.FormatAmount(m.Amount, cur.MinorUnits()), m.Per)
		}
		q.Phases = append(q.Phases, p)
	}
	for _, y := range f.Years {
		q.Years = append(q.Years, QuoteYear{Year: y.Year, Start: y.Start, End: y.End, Amount: y.Amount})
	}
	for _, m := range sortedKeys(h.Usage) {
		q.Usage = append(q.Usage, fmt.Sprintf("%s %s per period", m, quantityText(h.Usage[m])))
	}
	if n := strings.TrimSpace(h.Notes); n != "" {
		q.Notes = strings.Split(n, "\n")
	}
	return q
}

// QuoteYear is one contract year's revenue.
type QuoteYear struct {
	Year       int
	Start, End pricing.Date // [Start, End)
	Amount     decimal.Decimal
}

func sortedKeys(m map[string]decimal.Decimal) []string {
	return slices.Sorted(maps.Keys(m))
}

// seatsAt is the seat count in force on day, "" if none.
func seatsAt(changes []pricing.SeatChange, day pricing.Date) string {
	s := ""
	for _, c := range changes {
		if !c.From.After(day) {
			s = quantityText(c.Quantity)
		}
	}
	return s
}

// Money formats an amount at the quote currency's minor units.
func (q Quote) Money(d decimal.Decimal) string {
	return pricing.FormatAmount(d, q.Currency.MinorUnits())
}

// Title is the document's title, e.g. "Quote contoso-2026 v2".
func (q Quote) Title() string { return fmt.Sprintf("Quote %s v%d", q.ID, q.Version) }

// FileName is the PDF's name, e.g. "quote-contoso-2026-v2.pdf".
func (q Quote) FileName() string { return fmt.Sprintf("quote-%s-v%d.pdf", q.ID, q.Version) }

// PartyLabel is "Customer" or "Prospect".
func (q Quote) PartyLabel() string {
	if q.Prospect {
		return "Prospect"
	}
	return "Customer"
}

// Per is the billing period in a word: "month", "quarter", "year".
func (q Quote) Per() string {
	switch q.Frequency {
	case pricing.Monthly:
		return "month"
	case pricing.Quarterly:
		return "quarter"
	case pricing.Annual:
		return "year"
	}
	return "period"
}

// ErrIncompleteQuote reports a quote document missing what every quote
// must show.
var ErrIncompleteQuote = errors.New("quote document is incomplete")

// Check verifies that the document can be rendered: an id, a seller, a
// party, a currency and at least one phase.
func (q Quote) Check() error {
	var missing []string
	if q.ID == "" || q.Version <= 0 {
		missing = append(missing, "id and version")
	}
	if q.Seller.LegalName == "" {
		missing = append(missing, "seller")
	}
	if q.Customer.DisplayLegalName() == "" {
		missing = append(missing, "customer")
	}
	if q.Currency.Code() == "" {
		missing = append(missing, "currency")
	}
	if len(q.Phases) == 0 {
		missing = append(missing, "phases")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: no %s", ErrIncompleteQuote, strings.Join(missing, ", "))
	}
	return nil
}

// PriceText describes a price line in a few words: "3,100.00 per
// period", tiers, a package.
func PriceText(l pricing.PriceLine, cur pricing.Currency) string {
	amt := func(d decimal.Decimal) string { return pricing.FormatAmount(d, cur.MinorUnits()) }
	var s string
	switch l.Model {
	case pricing.Flat:
		s = amt(l.Price) + " per period"
	case pricing.PerSeat:
		s = fmt.Sprintf("%s per seat (%s) per period", amt(l.Price), l.Seats)
	case pricing.PerUnit:
		s = fmt.Sprintf("%s per %s", amt(l.Price), l.Metric)
	case pricing.GraduatedM, pricing.VolumeM:
		var tiers []string
		for _, t := range l.Tiers {
			bound := "above"
			if t.UpTo != nil {
				bound = "≤ " + pricing.FormatAmount(*t.UpTo, 0)
			}
			tier := bound + " at " + amt(t.UnitPrice)
			if !t.FlatFee.IsZero() {
				tier += " + " + amt(t.FlatFee)
			}
			tiers = append(tiers, tier)
		}
		s = fmt.Sprintf("%s %s: %s", l.Model, l.Metric, strings.Join(tiers, "; "))
	case pricing.Package:
		s = fmt.Sprintf("%s per %s %s", amt(l.Package.Price), pricing.FormatAmount(l.Package.Size, 0), l.Metric)
		if !l.Package.FreeUnits.IsZero() {
			s += fmt.Sprintf(" after %s free", pricing.FormatAmount(l.Package.FreeUnits, 0))
		}
	case pricing.Percentage:
		s = fmt.Sprintf("%s%% of %s", pricing.FormatAmount(l.Percent, 0), l.Metric)
		if !l.FixedFee.IsZero() {
			s += fmt.Sprintf(" + %s per %s", amt(l.FixedFee), l.CountMetric)
		}
	}
	if !l.Minimum.IsZero() {
		s += ", minimum " + amt(l.Minimum)
	}
	return s
}

// DiscountText describes a discount: "15% (3-year commitment) for 12
// periods", or an amount.
func DiscountText(d pricing.Discount, cur pricing.Currency) string {
	s := pricing.FormatAmount(d.Percent, 0) + "%"
	if d.Percent.IsZero() {
		s = pricing.FormatAmount(d.Amount, cur.MinorUnits())
	}
	if d.Label != "" {
		s += " (" + d.Label + ")"
	}
	if d.Periods > 0 {
		s += fmt.Sprintf(" for %d periods", d.Periods)
	}
	return s
}
