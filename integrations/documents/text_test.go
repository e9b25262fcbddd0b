package documents

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRenderTextGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		inv  Invoice
		file string
	}{
		{"acme seven lines", sampleInvoice(7), "invoice7.txt"},
		{"no payment, no notes, no tax id", func() Invoice {
			inv := sampleInvoice(2)
			inv.Seller.Payment, inv.Notes, inv.Customer.TaxID = nil, nil, ""
			return inv
		}(), "invoice2-bare.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderText(&b, tc.inv); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, b.Bytes())
		})
	}
}

// TestRenderTextColumns checks the table's shape on a long invoice: every
// line row and every total ends in the same column, so money is
// right-aligned.
func TestRenderTextColumns(t *testing.T) {
	inv := sampleInvoice(40)
	var b bytes.Buffer
	if err := RenderText(&b, inv); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	rows := strings.Split(out, "\n")
	next := 0 // lines appear in order; descriptions repeat (discounts)
	end := -1
	for _, l := range inv.Lines {
		for next < len(rows) && !strings.HasPrefix(rows[next], l.Description+" ") {
			next++
		}
		if next == len(rows) {
			t.Fatalf("no row for line %q", l.Description)
		}
		row := rows[next]
		if !strings.HasSuffix(row, " "+inv.Money(l.Amount)) {
			t.Errorf("row %q does not end with its amount %s", row, inv.Money(l.Amount))
		}
		if !strings.Contains(row, " "+l.Service()+" ") {
			t.Errorf("row %q lacks its service span %q", row, l.Service())
		}
		if end < 0 {
			end = width(row)
		} else if width(row) != end {
			t.Errorf("row %q ends at column %d, others at %d", row, width(row), end)
		}
		if l.Detail != "" && rows[next+1] != "    "+l.Detail {
			t.Errorf("after row %q: %q, want the detail %q", row, rows[next+1], l.Detail)
		}
		next++
	}
	for _, label := range []string{"Subtotal", "Tax 19% on", "Total EUR"} {
		if row := lineContaining(t, out, label); width(row) != end {
			t.Errorf("%q ends at column %d, lines at %d", row, width(row), end)
		}
	}
	if row := lineContaining(t, out, "Total EUR"); !strings.HasSuffix(row, inv.Money(inv.Total)) {
		t.Errorf("total row %q, want it to end with %s", row, inv.Money(inv.Total))
	}
}

func lineContaining(t *testing.T, text, s string) string {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	t.Fatalf("no line contains %q", s)
	return ""
}

func TestRenderRefusesInconsistentInvoice(t *testing.T) {
	inv := sampleInvoice(3)
	inv.Total = inv.Total.Add(dec("0.01"))
	var b bytes.Buffer
	if err := RenderText(&b, inv); !errors.Is(err, ErrInconsistent) {
		t.Errorf("RenderText: err = %v, want ErrInconsistent", err)
	}
	if _, err := RenderPDF(inv); !errors.Is(err, ErrInconsistent) {
		t.Errorf("RenderPDF: err = %v, want ErrInconsistent", err)
	}
	if b.Len() != 0 {
		t.Errorf("RenderText wrote %d bytes before failing", b.Len())
	}
}
