package documents

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

// RenderText writes the plain-text invoice: for email bodies and
// terminals. Columns are fixed-width (widths taken from the content, so
// nothing is cut); money is right-aligned; each line's detail follows it,
// indented. The output is UTF-8 and ends with a newline.
func RenderText(w io.Writer, inv Invoice) error {
	if err := inv.Check(); err != nil {
		return err
	}
	b := bufio.NewWriter(w)
	t := textWriter{b: b}
	t.line(strings.ToUpper(inv.Title()) + " " + inv.Number)
	t.blank()
	t.party("From", inv.Seller.LegalName, inv.Seller.Address, inv.Seller.TaxID)
	t.blank()
	t.party("To", inv.Customer.DisplayLegalName(), inv.Customer.Address, inv.Customer.TaxID)
	t.blank()
	facts := [][2]string{
		{"Invoice number", inv.Number},
		{"Issue date", inv.IssueDate.String()},
		{"Due date", inv.DueDate.String()},
		{"Period", inv.Period.String()},
		{"Currency", inv.Currency.Code()},
	}
	if inv.IsCreditNote() {
		facts[0][0], facts[2] = "Credit note no.", [2]string{"Credits invoice", inv.Credits}
	}
	for _, f := range facts {
		if f[1] != "" {
			t.line(pad(f[0], 16) + f[1])
		}
	}
	t.blank()
	t.lines(inv)
	if inv.IsCreditNote() {
		t.blank()
		t.line("This credit note cancels invoice " + inv.Credits + " in full.")
	} else if len(inv.Seller.Payment) > 0 {
		t.blank()
		t.line("Payment")
		for _, p := range inv.Seller.Payment {
			t.line("  " + p)
		}
	}
	if len(inv.Notes) > 0 {
		t.blank()
		for _, n := range inv.Notes {
			t.line(n)
		}
	}
	return b.Flush()
}

// textWriter writes lines to b; bufio.Writer keeps the first error, which
// Flush returns.
type textWriter struct{ b *bufio.Writer }

func (t textWriter) line(s string) {
	t.b.WriteString(strings.TrimRight(s, " "))
	t.b.WriteByte('\n')
}

func (t textWriter) blank() { t.b.WriteByte('\n') }

func (t textWriter) party(label, name string, address []string, taxID string) {
	t.line(label + ":")
	t.line("  " + name)
	for _, a := range address {
		t.line("  " + a)
	}
	if taxID != "" {
		t.line("  Tax ID: " + taxID)
	}
}

// lines writes the table of lines and the totals under it.
func (t textWriter) lines(inv Invoice) {
	const gap = "  "
	amountHead := "Amount " + inv.Currency.Code()
	descW, svcW, qtyW, amtW := width("Description"), width("Service"), width("Qty"), width(amountHead)
	cells := make([][4]string, len(inv.Lines))
	for i := range inv.Lines {
		l := &inv.Lines[i]
		c := [4]string{l.Description, l.Service(), "", inv.Money(l.Amount)}
		if l.Quantity.Valid {
			c[2] = quantityText(l.Quantity.Decimal)
		}
		cells[i] = c
		descW, svcW = max(descW, width(c[0])), max(svcW, width(c[1]))
		qtyW, amtW = max(qtyW, width(c[2])), max(amtW, width(c[3]))
	}
	// The totals' figures share the amount column.
	type total struct{ label, amount string }
	totals := []total{{"Subtotal", inv.Money(inv.Subtotal)}}
	if d := inv.Discounts(); !d.IsZero() {
		totals = append(totals, total{"of which discounts", inv.Money(d)})
	}
	for _, g := range inv.TaxGroups() {
		totals = append(totals, total{"Tax " + g.Rate.String() + "% on " + inv.Money(g.Base), inv.Money(g.Tax)})
	}
	totals = append(totals, total{"Total " + inv.Currency.Code(), inv.Money(inv.Total)})
	for _, tt := range totals {
		amtW = max(amtW, width(tt.amount))
	}
	row := func(c [4]string) string {
		return pad(c[0], descW) + gap + pad(c[1], svcW) + gap + padLeft(c[2], qtyW) + gap + padLeft(c[3], amtW)
	}
	full := descW + svcW + qtyW + amtW + 3*len(gap)
	t.line(row([4]string{"Description", "Service", "Qty", amountHead}))
	t.line(strings.Repeat("-", full))
	for i := range inv.Lines {
		t.line(row(cells[i]))
		if d := inv.Lines[i].Detail; d != "" {
			t.line("    " + d)
		}
	}
	t.line(strings.Repeat("-", full))
	labelW := full - amtW - len(gap)
	for _, tt := range totals {
		t.line(padLeft(tt.label, labelW) + gap + padLeft(tt.amount, amtW))
	}
}

// quantityText formats a quantity with thousands separators and only the
// decimals it has: 12400 → "12,400", 2.5 → "2.5".
func quantityText(q decimal.Decimal) string {
	return pricing.FormatAmount(q, 0)
}

func width(s string) int { return utf8.RuneCountInString(s) }

func pad(s string, w int) string {
	if n := width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

func padLeft(s string, w int) string {
	if n := width(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}
