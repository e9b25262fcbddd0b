package tui

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// quoteForm is the quote editor's state without the screen: the quote
// file's fields as text (ledger.QuoteDoc spelled out field by field), built
// back into a QuoteDoc and resolved with (*QuoteDoc).Content as the user
// types. Deep fields (a line, seats, discounts, a minimum) are one text
// each, in the quote file's own YAML flow format ({product: api, tiers:
// [...]}), so everything the format can say can be typed, and nothing is
// lost between the form and the file.
type quoteForm struct {
	isNew  bool
	header []*formField
	phases []*phaseForm
	// rounding is kept from the quote as it was (not edited here).
	rounding pricing.Rounding

	// Results of the last resolve.
	content  ledger.QuoteContent
	resolved bool
	general  []string // problems no field owns
	problems int      // every problem, owned or not
	figures  pricing.Figures
	figErr   error
}

// formField is one labelled text input and its inline error.
type formField struct {
	key   string
	label string
	in    textinput.Model
	err   string
	phase int // -1 for the header
	line  int // -1 unless the field is a line
}

// phaseForm is one phase: its own fields, then its lines.
type phaseForm struct {
	name, start, discounts, minimum *formField
	lines                           []*formField
}

// headerFields are the quote's own fields in the order they are shown.
var headerFields = []struct{ key, label string }{
	{"id", "quote id"},
	{"customer", "customer id"},
	{"name", "prospect name"},
	{"legal_name", "legal name"},
	{"billing_emails", "billing emails"},
	{"address", "address"},
	{"currency", "currency"},
	{"time_zone", "time zone"},
	{"prospect_tax", "prospect tax %"},
	{"tax_rate", "tax rate %"},
	{"start", "contract start"},
	{"term_months", "term months"},
	{"billing", "billing"},
	{"anchor_day", "anchor day"},
	{"payment_terms_days", "payment days"},
	{"expires", "expires"},
	{"seats", "seats"},
	{"discounts", "discounts"},
	{"invoice_minimum", "invoice min."},
	{"notes", "notes"},
}

// newPrompt is a text input with a steady cursor, for the quote panes'
// prompts and form fields.
func newPrompt(prompt string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Cursor.SetMode(cursor.CursorStatic)
	return in
}

func newField(key, label, value string, phase, line int) *formField {
	// A steady cursor: a form has many inputs, and a blinking one would
	// redraw the screen twice a second for nothing.
	in := newPrompt("")
	in.SetValue(value)
	in.CursorEnd()
	return &formField{key: key, label: label, in: in, phase: phase, line: line}
}

// newQuoteForm fills a form from a quote file (nil: a new quote with one
// year of the given products at catalog prices).
func newQuoteForm(id string, doc *ledger.QuoteDoc) *quoteForm {
	f := &quoteForm{isNew: doc == nil}
	if doc == nil {
		doc = &ledger.QuoteDoc{}
	}
	f.rounding = doc.Rounding
	val := map[string]string{"id": id, "customer": doc.Customer, "notes": doc.Notes,
		"billing": string(doc.Billing.Frequency)}
	if p := doc.Prospect; p != nil {
		val["name"], val["legal_name"], val["address"] = p.Name, p.LegalName, p.Address
		val["billing_emails"] = strings.Join(p.Emails, ", ")
		val["currency"], val["time_zone"] = p.Currency.Code(), p.TimeZone
		if !p.TaxRate.IsZero() {
			val["prospect_tax"] = p.TaxRate.String()
		}
	}
	if doc.TaxRate != nil {
		val["tax_rate"] = doc.TaxRate.String()
	}
	if !doc.Start.IsZero() {
		val["start"] = doc.Start.String()
	}
	if doc.TermMonths > 0 {
		val["term_months"] = strconv.Itoa(doc.TermMonths)
	}
	if doc.Billing.AnchorDay > 0 {
		val["anchor_day"] = strconv.Itoa(doc.Billing.AnchorDay)
	}
	if doc.PaymentTermsDays != nil {
		val["payment_terms_days"] = strconv.Itoa(*doc.PaymentTermsDays)
	}
	if !doc.Expires.IsZero() {
		val["expires"] = doc.Expires.String()
	}
	if len(doc.Seats) > 0 {
		val["seats"] = flowOf(doc.Seats)
	}
	if len(doc.Discounts) > 0 {
		val["discounts"] = flowOf(doc.Discounts)
	}
	if !doc.InvoiceMinimum.IsZero() {
		val["invoice_minimum"] = doc.InvoiceMinimum.String()
	}
	for _, h := range headerFields {
		f.header = append(f.header, newField(h.key, h.label, val[h.key], -1, -1))
	}
	for _, ph := range doc.Phases {
		pf := f.newPhase(ph.Name, "", "", "")
		if !ph.Start.IsZero() {
			pf.start.in.SetValue(ph.Start.String())
		}
		if len(ph.Discounts) > 0 {
			pf.discounts.in.SetValue(flowOf(ph.Discounts))
		}
		if ph.Minimum != nil {
			pf.minimum.in.SetValue(flowOf(ph.Minimum))
		}
		for _, l := range ph.Lines {
			pf.lines = append(pf.lines, newField("line", "line", flowJSON(l), 0, 0))
		}
		f.phases = append(f.phases, pf)
	}
	f.renumber()
	return f
}

func (f *quoteForm) newPhase(name, start, discounts, minimum string) *phaseForm {
	return &phaseForm{
		name:      newField("phase.name", "phase", name, 0, -1),
		start:     newField("phase.start", "  starts", start, 0, -1),
		discounts: newField("phase.discounts", "  discounts", discounts, 0, -1),
		minimum:   newField("phase.minimum", "  minimum", minimum, 0, -1),
	}
}

// renumber sets each field's phase and line after a structural change.
func (f *quoteForm) renumber() {
	for i, ph := range f.phases {
		for _, fl := range []*formField{ph.name, ph.start, ph.discounts, ph.minimum} {
			fl.phase, fl.line = i, -1
		}
		for j, l := range ph.lines {
			l.phase, l.line = i, j
			l.label = fmt.Sprintf("  line %d", j+1)
		}
	}
}

// fields is every field in the order the cursor moves through them.
func (f *quoteForm) fields() []*formField {
	out := make([]*formField, 0, len(f.header)+8*len(f.phases))
	for _, h := range f.header {
		if h.key == "id" && !f.isNew {
			continue // a saved quote keeps its id
		}
		out = append(out, h)
	}
	for _, ph := range f.phases {
		out = append(out, ph.name, ph.start, ph.discounts, ph.minimum)
		out = append(out, ph.lines...)
	}
	return out
}

func (f *quoteForm) field(key string) *formField {
	for _, h := range f.header {
		if h.key == key {
			return h
		}
	}
	return nil
}

func (f *quoteForm) value(key string) string {
	return strings.TrimSpace(f.field(key).in.Value())
}

// id is the quote id typed (or given).
func (f *quoteForm) id() string { return f.value("id") }

// doc builds the quote file from the fields; a field that does not parse
// gets its inline error and is left out (Content then names what is
// missing).
func (f *quoteForm) doc() ledger.QuoteDoc {
	for _, fl := range f.fields() {
		fl.err = ""
	}
	doc := ledger.QuoteDoc{Rounding: f.rounding, Customer: f.value("customer"), Notes: f.value("notes")}
	fail := func(key, msg string) { f.field(key).err = msg }
	date := func(key string) pricing.Date {
		v := f.value(key)
		if v == "" {
			return pricing.Date{}
		}
		d, err := pricing.ParseDate(v)
		if err != nil {
			fail(key, "a date: YYYY-MM-DD")
		}
		return d
	}
	whole := func(key string) (int, bool) {
		v := f.value(key)
		if v == "" {
			return 0, false
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			fail(key, "a whole number")
			return 0, false
		}
		return n, true
	}
	if f.isNew {
		if id := f.id(); id == "" {
			fail("id", "the quote's id (letters, digits, -), e.g. acme-2026")
		}
	}
	percent := func(key string) *decimal.Decimal {
		v := f.value(key)
		if v == "" {
			return nil
		}
		d, err := decimal.NewFromString(v)
		if err != nil {
			fail(key, "a percent, e.g. 19 or 8.1")
			return nil
		}
		return &d
	}
	tax := percent("tax_rate")
	if name := f.value("name"); name != "" || f.value("currency") != "" {
		p := &ledger.Prospect{Name: name, LegalName: f.value("legal_name"), Address: f.value("address"), TimeZone: f.value("time_zone")}
		for _, e := range strings.Split(f.value("billing_emails"), ",") {
			if e = strings.TrimSpace(e); e != "" {
				p.Emails = append(p.Emails, e)
			}
		}
		if v := f.value("currency"); v != "" {
			c, err := pricing.ParseCurrency(strings.ToUpper(v))
			if err != nil {
				fail("currency", "an ISO 4217 code: EUR, USD, CHF")
			}
			p.Currency = c
		}
		if pt := percent("prospect_tax"); pt != nil {
			p.TaxRate = *pt
		}
		doc.Prospect = p
	}
	doc.TaxRate = tax
	doc.Start = date("start")
	doc.Expires = date("expires")
	if n, ok := whole("term_months"); ok {
		doc.TermMonths = n
	}
	doc.Billing.Frequency = pricing.Frequency(f.value("billing"))
	if n, ok := whole("anchor_day"); ok {
		doc.Billing.AnchorDay = n
	}
	if n, ok := whole("payment_terms_days"); ok {
		doc.PaymentTermsDays = &n
	}
	decodeField(f.field("seats"), &doc.Seats)
	decodeField(f.field("discounts"), &doc.Discounts)
	if v := f.value("invoice_minimum"); v != "" {
		d, err := decimal.NewFromString(v)
		if err != nil {
			fail("invoice_minimum", "an amount, e.g. 500.00")
		}
		doc.InvoiceMinimum = d
	}
	for _, ph := range f.phases {
		dp := ledger.QuoteDocPhase{Name: strings.TrimSpace(ph.name.in.Value())}
		if v := strings.TrimSpace(ph.start.in.Value()); v != "" {
			d, err := pricing.ParseDate(v)
			if err != nil {
				ph.start.err = "a date: YYYY-MM-DD (empty: the contract start)"
			}
			dp.Start = d
		}
		decodeField(ph.discounts, &dp.Discounts)
		decodeField(ph.minimum, &dp.Minimum)
		for _, l := range ph.lines {
			var raw json.RawMessage
			if strings.TrimSpace(l.in.Value()) == "" {
				l.err = "empty: type {product: ID} or a price line, or remove it (ctrl+x)"
				continue
			}
			if decodeField(l, &raw) {
				dp.Lines = append(dp.Lines, raw)
			}
		}
		doc.Phases = append(doc.Phases, dp)
	}
	return doc
}

// decodeField reads a field typed in the quote file's YAML format into v;
// an empty field leaves v alone. It reports whether v was set.
func decodeField(fl *formField, v any) bool {
	text := strings.TrimSpace(fl.in.Value())
	if text == "" {
		return false
	}
	if err := pricing.DecodeDocument("field.yaml", []byte(text), v, pricing.DocKind{What: "field", Ref: "docs/quotes.md"}); err != nil {
		fl.err = strings.TrimPrefix(err.Error(), "field.yaml: ")
		return false
	}
	return true
}

// placeRE finds the field a problem of Content belongs to.
var (
	lineRE  = regexp.MustCompile(`^phase (?:"([^"]*)"|(\d+)), line (?:(\d+)|"([^"]*)")[:,]? ?`)
	phaseRE = regexp.MustCompile(`^phase (?:"([^"]*)"|(\d+))`)
)

// resolve builds the doc, resolves it against the catalog and customers
// and computes the figures at the assumed usage. Errors go next to the
// field they name; the rest are listed under the form.
func (f *quoteForm) resolve(look ledger.QuoteLookup, usage map[string]decimal.Decimal) {
	doc := f.doc()
	f.general, f.resolved, f.figErr = nil, false, nil
	owned := 0
	for _, fl := range f.fields() {
		if fl.err != "" {
			owned++
		}
	}
	c, err := doc.Content(look)
	if err != nil {
		for _, p := range problemsOf(err) {
			if !f.place(p, look) {
				f.general = append(f.general, p)
			}
		}
	}
	f.problems = 0
	for _, fl := range f.fields() {
		if fl.err != "" {
			f.problems++
		}
	}
	f.problems += len(f.general)
	if err != nil || owned > 0 {
		return
	}
	f.content, f.resolved = c, true
	f.figures, f.figErr = c.Figures(usage)
}

// problemsOf splits a Content error into its problems.
func problemsOf(err error) []string {
	s := err.Error()
	if i := strings.Index(s, "\n  - "); i >= 0 {
		return strings.Split(s[i+len("\n  - "):], "\n  - ")
	}
	if i := strings.Index(s, "quote: "); i >= 0 {
		return []string{s[i+len("quote: "):]}
	}
	return []string{s}
}

// headerOwners maps the start of a problem to the header field it is about.
var headerOwners = []struct{ prefix, key string }{
	{"term_months", "term_months"}, {"expires", "expires"}, {"payment_terms_days", "payment_terms_days"},
	{"customer ", "customer"}, {"customer or prospect", "name"}, {"give customer", "customer"},
	{"prospect: currency", "currency"}, {"prospect: time zone", "time_zone"}, {"prospect: time_zone", "time_zone"},
	{"prospect: billing", "billing_emails"}, {"prospect: email", "billing_emails"}, {"prospect: tax", "prospect_tax"},
	{"prospect: legal", "legal_name"}, {"prospect: address", "address"}, {"prospect", "name"},
	{"tax_rate", "tax_rate"}, {"billing", "billing"},
	{"start", "start"}, {"seats", "seats"}, {"discounts", "discounts"}, {"invoice_minimum", "invoice_minimum"},
}

// place puts a problem next to its field; false if no field owns it.
func (f *quoteForm) place(p string, look ledger.QuoteLookup) bool {
	phaseIdx := func(name, num string) int {
		if num != "" {
			n, _ := strconv.Atoi(num)
			return n - 1
		}
		for i, ph := range f.phases {
			if strings.TrimSpace(ph.name.in.Value()) == name {
				return i
			}
		}
		return -1
	}
	set := func(fl *formField, msg string) bool {
		if fl.err == "" {
			fl.err = msg
		}
		return true
	}
	if m := lineRE.FindStringSubmatch(p); m != nil {
		i := phaseIdx(m[1], m[2])
		j, _ := strconv.Atoi(m[3])
		if m[4] != "" && i >= 0 && i < len(f.phases) {
			j = f.lineNamed(i, m[4], look) + 1
		}
		if i >= 0 && i < len(f.phases) && j >= 1 && j <= len(f.phases[i].lines) {
			return set(f.phases[i].lines[j-1], strings.TrimSpace(p[len(m[0]):]))
		}
	}
	if m := phaseRE.FindStringSubmatch(p); m != nil {
		if i := phaseIdx(m[1], m[2]); i >= 0 && i < len(f.phases) {
			rest := strings.TrimLeft(p[len(m[0]):], ":, ")
			switch {
			case strings.Contains(rest, "start"):
				return set(f.phases[i].start, rest)
			case strings.Contains(rest, "discount"):
				return set(f.phases[i].discounts, rest)
			case strings.Contains(rest, "minimum"):
				return set(f.phases[i].minimum, rest)
			}
			return set(f.phases[i].name, rest)
		}
	}
	for _, o := range headerOwners {
		if strings.HasPrefix(p, o.prefix) {
			return set(f.field(o.key), p)
		}
	}
	return false
}

// lineNamed finds the line of phase i that resolves to name: one that
// names itself, else one whose product has that name (-1: none).
func (f *quoteForm) lineNamed(i int, name string, look ledger.QuoteLookup) int {
	for j, l := range f.phases[i].lines {
		var fields struct {
			Name    string `json:"name"`
			Product string `json:"product"`
		}
		if json.Unmarshal([]byte(mustJSON(l)), &fields) != nil {
			continue
		}
		if fields.Name == "" && fields.Product != "" && look.Product != nil {
			if p, ok := look.Product(fields.Product); ok {
				fields.Name = p.Name
			}
		}
		if fields.Name == name {
			return j
		}
	}
	return -1
}
