package documents

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// RenderQuoteText writes the quote as Markdown: readable as plain text in
// a terminal or an email, and as a formatted page wherever Markdown is
// rendered. It shows what the PDF shows, in the same order. The output is
// UTF-8 and ends with a newline.
func RenderQuoteText(w io.Writer, q Quote) error {
	if err := q.Check(); err != nil {
		return err
	}
	b := bufio.NewWriter(w)
	t := textWriter{b: b}
	t.line("# " + q.Title())
	t.blank()
	t.line("**From:** " + partyText(q.Seller.LegalName, "", q.Seller.Address, q.Seller.TaxID, q.Seller.Email))
	t.blank()
	t.line("**" + q.PartyLabel() + ":** " + partyText(q.Customer.DisplayLegalName(), q.Customer.Name, q.Customer.Address, q.Customer.TaxID, strings.Join(q.Customer.Emails, ", ")))
	t.blank()
	t.table([]string{"Term", ""}, "ll", quoteFacts(q))
	t.blank()

	t.line("## Phases")
	t.blank()
	phases := make([][]string, 0, len(q.Phases))
	for _, p := range q.Phases {
		phases = append(phases, phaseCells(q, p))
	}
	t.table([]string{"Phase", "From", "To", "Per " + q.Per(), "Per year", "Phase total"}, "lllrrr", phases)
	t.blank()

	t.line("## Lines")
	for _, p := range q.Phases {
		t.blank()
		t.line("### " + p.Name)
		t.blank()
		rows := make([][]string, 0, len(p.Lines))
		for _, l := range p.Lines {
			rows = append(rows, []string{lineName(l), l.Price, l.Seats})
		}
		t.table([]string{"Item", "Price", "Seats"}, "llr", rows)
		if len(p.Discounts) > 0 || p.Minimum != "" {
			t.blank()
		}
		for _, d := range p.Discounts {
			t.line("- Discount " + d)
		}
		if p.Minimum != "" {
			t.line("- " + capitalise(p.Minimum))
		}
	}
	if len(q.Discounts) > 0 || !q.InvoiceMinimum.IsZero() {
		t.blank()
		for _, d := range q.Discounts {
			t.line("- Discount " + d + " on every invoice")
		}
		if !q.InvoiceMinimum.IsZero() {
			t.line("- Invoice minimum " + q.Money(q.InvoiceMinimum) + " " + q.Currency.Code())
		}
	}
	t.blank()

	t.line("## Totals")
	t.blank()
	years := make([][]string, 0, len(q.Years))
	for _, y := range q.Years {
		years = append(years, []string{fmt.Sprintf("Year %d", y.Year), y.Start.String(), y.End.AddDays(-1).String(), q.Money(y.Amount)})
	}
	t.table([]string{"Contract year", "From", "To", "Revenue " + q.Currency.Code()}, "lllr", years)
	t.blank()
	for _, s := range totalsText(q) {
		t.line("- " + s)
	}
	if len(q.Notes) > 0 {
		t.blank()
		t.line("## Notes")
		t.blank()
		for _, n := range q.Notes {
			t.line(n)
		}
	}
	t.blank()
	t.line("## Acceptance")
	t.blank()
	t.line(acceptanceText(q))
	for _, party := range []string{q.Customer.DisplayLegalName(), q.Seller.LegalName} {
		t.blank()
		t.line("For " + party + ":")
		t.blank()
		for _, f := range signatureFields {
			t.line(pad(f+":", 11) + strings.Repeat("_", 40))
		}
	}
	return b.Flush()
}

// signatureFields are the lines of a signature block.
var signatureFields = []string{"Name", "Title", "Date", "Signature"}

// quoteFacts are the quote's identity and terms, as label/value pairs.
func quoteFacts(q Quote) [][]string {
	facts := [][]string{
		{"Quote", fmt.Sprintf("%s, version %d", q.ID, q.Version)},
		{"Date", q.Date.String()},
		{"Valid until", q.Expires.String()},
		{"Contract start", q.Start.String()},
		{"Term", fmt.Sprintf("%d months, %s – %s", q.TermMonths, q.Start, q.End.AddDays(-1))},
		{"Billing", fmt.Sprintf("%s, in %s", q.Frequency, q.Currency.Code())},
		{"Payment terms", fmt.Sprintf("%d days from invoice", q.PaymentTermsDays)},
	}
	if len(q.Usage) > 0 {
		facts = append(facts, []string{"Priced at usage", strings.Join(q.Usage, "; ")})
	}
	return facts
}

func phaseCells(q Quote, p QuotePhase) []string {
	per, year := q.Money(p.PerPeriod), q.Money(p.PerYear)
	if !p.Full {
		per, year = "(short)", "—"
	}
	return []string{p.Name, p.Start.String(), p.End.AddDays(-1).String(), per, year, q.Money(p.Total)}
}

func lineName(l QuoteLine) string {
	if l.Product != "" && l.Product != l.Name {
		return l.Name + " [" + l.Product + "]"
	}
	return l.Name
}

// totalsText are the totals' sentences: ARR per year, TCV, list value,
// effective discount and tax.
func totalsText(q Quote) []string {
	cur := " " + q.Currency.Code()
	out := []string{
		"Total contract value: " + q.Money(q.TCV) + cur + " (net, before tax)",
		"List value: " + q.Money(q.ListTCV) + cur,
		"Effective discount: " + q.Money(q.Discount) + cur + " (" + q.EffectiveDiscount.StringFixed(2) + "%)",
	}
	if !q.TaxRate.IsZero() {
		out = append(out, "Tax at "+q.TaxRate.String()+"% is added to every invoice.")
	}
	return out
}

func acceptanceText(q Quote) string {
	return fmt.Sprintf("By signing, %s accepts this quote (%s, version %d) on the terms above. It is valid until %s.",
		q.Customer.DisplayLegalName(), q.ID, q.Version, q.Expires)
}

// partyText is a party on one line: name (display name), address, tax id, email.
func partyText(legal, display string, address []string, taxID, email string) string {
	parts := []string{legal}
	if display != "" && display != legal {
		parts[0] += " (" + display + ")"
	}
	parts = append(parts, address...)
	if taxID != "" {
		parts = append(parts, "Tax ID "+taxID)
	}
	if email != "" {
		parts = append(parts, email)
	}
	return strings.Join(parts, ", ")
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// table writes a Markdown table with padded columns; align has one letter
// per column, l or r.
func (t textWriter) table(head []string, align string, rows [][]string) {
	w := make([]int, len(head))
	for i, h := range head {
		w[i] = max(3, width(h))
	}
	for _, r := range rows {
		for i, c := range r {
			w[i] = max(w[i], width(c))
		}
	}
	cells := func(r []string) string {
		parts := make([]string, len(r))
		for i, c := range r {
			if align[i] == 'r' {
				parts[i] = padLeft(c, w[i])
			} else {
				parts[i] = pad(c, w[i])
			}
		}
		return "| " + strings.Join(parts, " | ") + " |"
	}
	t.line(cells(head))
	rule := make([]string, len(head))
	for i := range head {
		rule[i] = strings.Repeat("-", w[i])
		if align[i] == 'r' {
			rule[i] = strings.Repeat("-", w[i]-1) + ":"
		}
	}
	t.line("| " + strings.Join(rule, " | ") + " |")
	for _, r := range rows {
		t.line(cells(r))
	}
}
