package documents

import (
	"strings"
	"testing"

	"github.com/monthend/monthend/pricing"
)

// sampleCreditNote cancels sampleInvoice(7): the same lines, negated.
func sampleCreditNote() Invoice {
	cn := sampleInvoice(7)
	cn.Credits = cn.Number
	cn.Number = "CN-2026-000001"
	cn.IssueDate, cn.DueDate = pricing.MustDate("2026-04-20"), pricing.Date{}
	cn.Lines = append([]Line(nil), cn.Lines...)
	for i := range cn.Lines {
		cn.Lines[i].Amount, cn.Lines[i].Tax = cn.Lines[i].Amount.Neg(), cn.Lines[i].Tax.Neg()
	}
	cn.Subtotal, cn.Tax, cn.Total = cn.Subtotal.Neg(), cn.Tax.Neg(), cn.Total.Neg()
	return cn
}

// A credit note is titled as one, names the invoice it cancels, has no due
// date and asks for no payment; in text and in the PDF (read back with
// pdftotext).
func TestCreditNoteDocument(t *testing.T) {
	cn := sampleCreditNote()
	var text strings.Builder
	if err := RenderText(&text, cn); err != nil {
		t.Fatal(err)
	}
	pdf, err := RenderPDF(cn)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		out  func(t *testing.T) string
	}{
		{"text", func(*testing.T) string { return text.String() }},
		{"pdf", func(t *testing.T) string { return pdfText(t, pdf, false) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := tc.out(t)
			for _, want := range []string{"CREDIT NOTE", "CN-2026-000001", "Credits invoice", cn.Credits,
				"This credit note cancels invoice " + cn.Credits + " in full", cn.Money(cn.Total)} {
				if !strings.Contains(out, want) {
					t.Errorf("lacks %q:\n%s", want, out)
				}
			}
			for _, never := range []string{"Due date", "Please pay", "INVOICE "} {
				if strings.Contains(out, never) {
					t.Errorf("a credit note shows %q:\n%s", never, out)
				}
			}
		})
	}
	if !strings.HasPrefix(cn.Money(cn.Total), "-") {
		t.Errorf("credit note total %s should be negative", cn.Money(cn.Total))
	}
	inv := sampleInvoice(7)
	inv.DueDate = pricing.Date{}
	if err := inv.Check(); err == nil {
		t.Error("an invoice without a due date passed Check")
	}
}
