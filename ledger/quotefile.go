package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// QuoteDoc is the quote file format (docs/quotes.md): the schedule format's
// commercial content (billing, seats, phases, discounts, minimums) with the
// quote's terms around it, and lines that may start from a catalog product
// ({product: api, tiers: [...]} takes the product's default price line in
// the quote's currency and replaces the fields given).
type QuoteDoc struct {
	Customer         string                          `json:"customer,omitempty"`
	Prospect         *Prospect                       `json:"prospect,omitempty"`
	Start            pricing.Date                    `json:"start"`
	TermMonths       int                             `json:"term_months"`
	Billing          pricing.Billing                 `json:"billing"`
	Rounding         pricing.Rounding                `json:"rounding,omitempty"`
	TaxRate          *decimal.Decimal                `json:"tax_rate,omitempty"`
	Seats            map[string][]pricing.SeatChange `json:"seats,omitempty"`
	Phases           []QuoteDocPhase                 `json:"phases"`
	Discounts        []pricing.Discount              `json:"discounts,omitempty"`
	InvoiceMinimum   decimal.Decimal                 `json:"invoice_minimum,omitzero"`
	PaymentTermsDays *int                            `json:"payment_terms_days,omitempty"`
	Expires          pricing.Date                    `json:"expires"`
	Notes            string                          `json:"notes,omitempty"`
}

// QuoteDocPhase is a phase whose lines are price lines, each optionally
// naming the catalog product it starts from.
type QuoteDocPhase struct {
	Name      string                `json:"name"`
	Start     pricing.Date          `json:"start,omitzero"`
	Lines     []json.RawMessage     `json:"lines"`
	Discounts []pricing.Discount    `json:"discounts,omitempty"`
	Minimum   *pricing.UsageMinimum `json:"minimum,omitempty"`
}

var quoteDocKind = pricing.DocKind{What: "quote", Ref: "docs/quotes.md"}

// QuoteLookup is what parsing a quote needs from the book: the catalog and
// the existing customers. A nil func finds nothing.
type QuoteLookup struct {
	Product  func(id string) (Product, bool)
	Customer func(id string) (Customer, bool)
}

// ParseQuote reads a quote file against the book's catalog and customers.
func (b *Book) ParseQuote(name string, data []byte) (QuoteContent, error) {
	look, err := b.QuoteLookup()
	if err != nil {
		return QuoteContent{}, err
	}
	return ParseQuote(name, data, look)
}

// QuoteLookup reads the catalog and the customers once, for parsing quotes
// or for an editor that resolves and validates a QuoteDoc as the user types
// (QuoteDoc.Content) without touching the book again.
func (b *Book) QuoteLookup() (QuoteLookup, error) {
	products := map[string]Product{}
	customers := map[string]Customer{}
	err := b.view(func(tx *bolt.Tx) error {
		ps, err := allProducts(tx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			products[p.ID] = p
		}
		return tx.Bucket(bucketCustomers).ForEach(func(k, v []byte) error {
			var c Customer
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("customer %s: %w", k, err)
			}
			customers[c.ID] = c
			return nil
		})
	})
	if err != nil {
		return QuoteLookup{}, err
	}
	return QuoteLookup{
		Product:  func(id string) (Product, bool) { p, ok := products[id]; return p, ok },
		Customer: func(id string) (Customer, bool) { c, ok := customers[id]; return c, ok },
	}, nil
}

// ParseQuote reads a quote file (YAML or JSON) strictly, resolves its lines
// against the catalog, builds its schedule (the end is start + term) and
// validates everything; the error lists every problem with its place.
func ParseQuote(name string, data []byte, look QuoteLookup) (QuoteContent, error) {
	var doc QuoteDoc
	if err := pricing.DecodeDocument(name, data, &doc, quoteDocKind); err != nil {
		return QuoteContent{}, err
	}
	c, err := doc.Content(look)
	if err != nil {
		return QuoteContent{}, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// Content resolves the document into a quote's content: every problem is
// listed, each with its place.
func (doc *QuoteDoc) Content(look QuoteLookup) (QuoteContent, error) {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	c := QuoteContent{TermMonths: doc.TermMonths, Expires: doc.Expires, Notes: doc.Notes}
	s := &pricing.Schedule{Start: doc.Start, Billing: doc.Billing, Rounding: doc.Rounding, Seats: doc.Seats,
		Discounts: doc.Discounts, InvoiceMinimum: doc.InvoiceMinimum}
	terms := 30
	switch {
	case doc.Customer != "" && doc.Prospect != nil:
		add("give customer (an existing customer's id) or prospect (who is not a customer yet), not both")
	case doc.Customer != "":
		cust, ok := Customer{}, false
		if look.Customer != nil {
			cust, ok = look.Customer(doc.Customer)
		}
		if !ok {
			add("customer %q is not in the book (monthend customers list); for someone new, write prospect: {name, currency, time_zone, …}", doc.Customer)
			break
		}
		c.CustomerID = cust.ID
		s.Customer, s.Currency, s.TimeZone, s.TaxRate = cust.Name, cust.Currency, cust.TimeZone, cust.TaxRate
		if cust.LegalName != "" {
			s.Customer = cust.LegalName
		}
		terms = cust.PaymentTermsDays
	case doc.Prospect != nil:
		p := *doc.Prospect
		if err := p.Validate(); err != nil {
			errs = append(errs, err)
		}
		c.Prospect = &p
		s.Customer, s.Currency, s.TimeZone, s.TaxRate = p.Name, p.Currency, p.TimeZone, p.TaxRate
		if p.LegalName != "" {
			s.Customer = p.LegalName
		}
	default:
		add("customer or prospect is missing: who the quote is for")
	}
	if doc.TaxRate != nil {
		s.TaxRate = *doc.TaxRate
	}
	if doc.PaymentTermsDays != nil {
		terms = *doc.PaymentTermsDays
	}
	if terms < 0 || terms > 365 {
		add("payment_terms_days %d: a number of days from 0 to 365", terms)
	}
	c.PaymentTermsDays = terms
	switch {
	case doc.TermMonths <= 0:
		add("term_months is missing: the contract's length in months (12, 24, 36)")
	case doc.TermMonths > 120:
		add("term_months %d: at most 120 (ten years)", doc.TermMonths)
	case !doc.Start.IsZero():
		s.End = addMonths(doc.Start, doc.TermMonths)
	}
	if doc.Expires.IsZero() {
		add("expires is missing: the last day the offer can be signed (YYYY-MM-DD)")
	}
	if len(doc.Phases) == 0 {
		add("phases are missing: at least one phase with lines")
	}
	for i, ph := range doc.Phases {
		place := fmt.Sprintf("phase %d", i+1)
		if ph.Name != "" {
			place = fmt.Sprintf("phase %q", ph.Name)
		}
		out := pricing.Phase{Name: ph.Name, Start: ph.Start, Discounts: ph.Discounts, Minimum: ph.Minimum}
		for j, raw := range ph.Lines {
			l, product, err := resolveLine(raw, s.Currency, look)
			if err != nil {
				add("%s, line %d: %v", place, j+1, err)
				continue
			}
			out.Lines = append(out.Lines, l)
			if product != "" {
				c.Lines = append(c.Lines, LineSource{Phase: ph.Name, Line: l.Name, Product: product})
			}
		}
		s.Phases = append(s.Phases, out)
	}
	if len(errs) == 0 {
		if err := s.Validate(); err != nil {
			var many interface{ Unwrap() []error }
			if errors.As(err, &many) {
				errs = append(errs, many.Unwrap()...)
			} else {
				errs = append(errs, err)
			}
		}
	}
	if !doc.Expires.IsZero() && !doc.Start.IsZero() && doc.Expires.After(doc.Start.AddDays(365)) {
		add("expires %s is more than a year after the start %s; is the date right?", doc.Expires, doc.Start)
	}
	if err := errors.Join(errs...); err != nil {
		return QuoteContent{}, fmt.Errorf("%w: quote%s", ErrInvalid, pricing.ListProblems(err, "docs/quotes.md"))
	}
	c.Schedule = s
	return c, nil
}

// resolveLine decodes one line: a price line, or a catalog product's
// default line in cur with the given fields replacing the product's (a
// different model replaces all of the product's pricing fields).
func resolveLine(raw json.RawMessage, cur pricing.Currency, look QuoteLookup) (pricing.PriceLine, string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return pricing.PriceLine{}, "", errors.New("a line is a section of fields ({name: …, model: …})")
	}
	var productID string
	if p, ok := fields["product"]; ok {
		if err := json.Unmarshal(p, &productID); err != nil || productID == "" {
			return pricing.PriceLine{}, "", errors.New("product must be a product id (monthend products list)")
		}
		delete(fields, "product")
		var prod Product
		found := false
		if look.Product != nil {
			prod, found = look.Product(productID)
		}
		if !found {
			return pricing.PriceLine{}, "", fmt.Errorf("product %q is not in the catalog (monthend products list; import it with monthend products import)", productID)
		}
		if cur.IsZero() {
			return pricing.PriceLine{}, "", fmt.Errorf("product %q: the quote's currency is unknown (fix customer or prospect first)", productID)
		}
		base, ok := prod.PriceLine(cur)
		if !ok {
			if _, hasModel := fields["model"]; !hasModel {
				return pricing.PriceLine{}, "", fmt.Errorf("product %q has no %s price; give the line's model and prices", productID, cur)
			}
			base = pricing.PriceLine{Name: prod.Name}
			for _, code := range sortedKeys(prod.Prices) {
				base.Model, base.Metric = prod.Prices[code].Model, prod.Prices[code].Metric // what it measures, not its prices
				break
			}
		}
		if m, ok := fields["model"]; ok {
			var model pricing.Model
			if json.Unmarshal(m, &model) == nil && model != base.Model {
				kept := pricing.PriceLine{Name: base.Name, TaxRate: base.TaxRate}
				if slices.Contains(usageModels, model) && slices.Contains(usageModels, base.Model) {
					kept.Metric = base.Metric // still the product's usage
				}
				base = kept
			}
		}
		merged := map[string]json.RawMessage{}
		data, err := json.Marshal(base)
		if err != nil {
			return pricing.PriceLine{}, "", err
		}
		if err := json.Unmarshal(data, &merged); err != nil {
			return pricing.PriceLine{}, "", err
		}
		for k, v := range fields {
			merged[k] = v
		}
		fields = merged
	}
	data, err := json.Marshal(fields)
	if err != nil {
		return pricing.PriceLine{}, "", err
	}
	var l pricing.PriceLine
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			msg = fmt.Sprintf("field %s: a %s is not what it takes", typeErr.Field, typeErr.Value)
		}
		return pricing.PriceLine{}, "", fmt.Errorf("%s (see docs/schedule-format.md for a line's fields)", msg)
	}
	return l, productID, nil
}

var usageModels = []pricing.Model{pricing.PerUnit, pricing.GraduatedM, pricing.VolumeM, pricing.Package, pricing.Percentage}

// addMonths is d.AddMonths(n): the end of a term of n months.
func addMonths(d pricing.Date, n int) pricing.Date { return d.AddMonths(n) }

// Doc is the quote's content as a quote file: every line spelled out in
// full (with the product it came from), so an exported quote imports again
// unchanged.
func (c QuoteContent) Doc() QuoteDoc {
	s := c.Schedule
	terms := c.PaymentTermsDays
	tax := s.TaxRate
	doc := QuoteDoc{Customer: c.CustomerID, Prospect: c.Prospect, Start: s.Start, TermMonths: c.TermMonths,
		Billing: s.Billing, Rounding: s.Rounding, TaxRate: &tax, Seats: s.Seats, Discounts: s.Discounts,
		InvoiceMinimum: s.InvoiceMinimum, PaymentTermsDays: &terms, Expires: c.Expires, Notes: c.Notes}
	if c.Prospect != nil {
		doc.Customer = ""
	}
	for _, ph := range s.Phases {
		dp := QuoteDocPhase{Name: ph.Name, Start: ph.Start, Discounts: ph.Discounts, Minimum: ph.Minimum}
		for _, l := range ph.Lines {
			data, _ := json.Marshal(l)
			if p := c.productOf(ph.Name, l.Name); p != "" {
				data = productLineJSON(p, l)
			}
			dp.Lines = append(dp.Lines, data)
		}
		doc.Phases = append(doc.Phases, dp)
	}
	return doc
}

// productLineJSON writes a line that started from a product so that it
// imports unchanged: besides its own fields, the ones it leaves at zero are
// written out (price: 0, minimum: 0, tax_rate: null, discounts: []), else
// the product's defaults would fill them again.
func productLineJSON(product string, l pricing.PriceLine) json.RawMessage {
	fields := map[string]json.RawMessage{}
	data, _ := json.Marshal(l)
	json.Unmarshal(data, &fields) // raw values: numbers keep their text
	fields["product"], _ = json.Marshal(product)
	zero := func(k, v string) {
		if _, ok := fields[k]; !ok {
			fields[k] = json.RawMessage(v)
		}
	}
	switch l.Model {
	case pricing.Flat, pricing.PerSeat, pricing.PerUnit:
		zero("price", "0")
	}
	if slices.Contains(usageModels, l.Model) {
		zero("minimum", "0")
	}
	if l.Model == pricing.Percentage {
		zero("percent", "0")
		zero("fixed_fee", "0")
	}
	zero("tax_rate", "null")
	zero("discounts", "[]")
	out, _ := json.Marshal(fields)
	return out
}

func (c QuoteContent) productOf(phase, line string) string {
	for _, s := range c.Lines {
		if s.Phase == phase && s.Line == line {
			return s.Product
		}
	}
	return ""
}
