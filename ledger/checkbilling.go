package ledger

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"
)

// checkBilling verifies the invoices and credit notes:
//   - every invoice's subtotal, tax and total are the exact sums of its lines;
//   - the period index lists exactly the invoices, under their periods;
//   - a draft has no number; every other invoice has one, the number index
//     names it, and each year's INV- numbers run 1…n without gaps, n being
//     the year's sequence;
//   - credit-note numbers likewise run 1…n per year without gaps;
//   - each credit note negates its invoice exactly, line by line (amount and
//     tax), and its totals are the invoice's negated;
//   - every void invoice has exactly one credit note, and every credit note
//     credits a void invoice.
func checkBilling(tx *bolt.Tx, breach func(string, ...any)) {
	invoices := map[string]Invoice{}
	wantPeriods := map[string]bool{}
	invNumbers := map[string][]int{}
	tx.Bucket(bucketInvoices).ForEach(func(k, v []byte) error {
		var inv Invoice
		if err := json.Unmarshal(v, &inv); err != nil {
			breach("invoice %s: %v", k, err)
			return nil
		}
		if inv.ID != string(k) {
			breach("invoice stored under %s has id %s", k, inv.ID)
		}
		invoices[inv.ID] = inv
		wantPeriods[string(periodIndexKey(inv.Period.Label, inv.ID))] = true
		if err := reconciles(inv.Figures); err != nil {
			breach("invoice %s: %v", inv.ID, err)
		}
		switch {
		case inv.Status == InvoiceDraft && inv.Number != "":
			breach("draft %s has number %s", inv.ID, inv.Number)
		case inv.Status != InvoiceDraft:
			year, n, ok := parseNumber("INV-", inv.Number)
			if !ok {
				breach("%s invoice %s has no valid number (%q)", inv.Status, inv.ID, inv.Number)
				break
			}
			invNumbers[year] = append(invNumbers[year], n)
			if got := tx.Bucket(bucketInvoiceNumbers).Get([]byte(inv.Number)); string(got) != inv.ID {
				breach("number index maps %s to %q, want %s", inv.Number, got, inv.ID)
			}
		}
		if inv.Status == InvoiceVoid && inv.CreditNote == "" {
			breach("void invoice %s (%s) has no credit note", inv.ID, inv.Number)
		}
		if inv.Status != InvoiceVoid && inv.CreditNote != "" {
			breach("%s invoice %s names credit note %s", inv.Status, inv.ID, inv.CreditNote)
		}
		return nil
	})
	compareKeys(tx.Bucket(bucketInvoicePeriods), wantPeriods, "invoice period index", breach)
	tx.Bucket(bucketInvoiceNumbers).ForEach(func(k, v []byte) error {
		if inv, ok := invoices[string(v)]; !ok || inv.Number != string(k) {
			breach("number index maps %s to %s, which does not carry that number", k, v)
		}
		return nil
	})
	gapless(tx, "INV-", "invoice_seq/", invNumbers, breach)

	cnNumbers := map[string][]int{}
	credited := map[string]string{} // invoice id → credit note number
	tx.Bucket(bucketCreditNotes).ForEach(func(k, v []byte) error {
		var cn CreditNote
		if err := json.Unmarshal(v, &cn); err != nil {
			breach("credit note %s: %v", k, err)
			return nil
		}
		if cn.Number != string(k) {
			breach("credit note stored under %s has number %s", k, cn.Number)
		}
		year, n, ok := parseNumber("CN-", cn.Number)
		if !ok {
			breach("credit note %q: not a CN-YYYY-NNNNNN number", cn.Number)
		} else {
			cnNumbers[year] = append(cnNumbers[year], n)
		}
		if other, dup := credited[cn.Invoice]; dup {
			breach("invoice %s has two credit notes, %s and %s", cn.Invoice, other, cn.Number)
		}
		credited[cn.Invoice] = cn.Number
		inv, found := invoices[cn.Invoice]
		switch {
		case !found:
			breach("credit note %s credits missing invoice %s", cn.Number, cn.Invoice)
			return nil
		case inv.Status != InvoiceVoid || inv.CreditNote != cn.Number:
			breach("credit note %s credits invoice %s, which is %s with credit note %q", cn.Number, cn.Invoice, inv.Status, inv.CreditNote)
		case inv.Number != cn.InvoiceNumber:
			breach("credit note %s names invoice number %s, the invoice has %s", cn.Number, cn.InvoiceNumber, inv.Number)
		}
		if err := negates(cn.Figures, inv.Figures); err != nil {
			breach("credit note %s does not negate invoice %s: %v", cn.Number, inv.Number, err)
		}
		return nil
	})
	for id, inv := range invoices {
		if inv.Status == InvoiceVoid && credited[id] == "" {
			breach("void invoice %s (%s) is credited by no credit note", id, inv.Number)
		}
	}
	gapless(tx, "CN-", "credit_note_seq/", cnNumbers, breach)
}

// reconciles says whether the totals are the exact sums of the lines.
func reconciles(f Figures) error {
	sub, tax := decimal.Zero, decimal.Zero
	for _, l := range f.Lines {
		sub, tax = sub.Add(l.Amount), tax.Add(l.Tax)
	}
	switch {
	case !sub.Equal(f.Subtotal):
		return fmt.Errorf("subtotal %s, its lines sum to %s", f.Subtotal, sub)
	case !tax.Equal(f.Tax):
		return fmt.Errorf("tax %s, its lines sum to %s", f.Tax, tax)
	case !sub.Add(tax).Equal(f.Total):
		return fmt.Errorf("total %s ≠ subtotal %s + tax %s", f.Total, sub, tax)
	}
	return nil
}

// negates says whether credit is exactly the negation of original.
func negates(credit, original Figures) error {
	if len(credit.Lines) != len(original.Lines) {
		return fmt.Errorf("%d lines, the invoice has %d", len(credit.Lines), len(original.Lines))
	}
	for i, c := range credit.Lines {
		o := original.Lines[i]
		if c.Name != o.Name || c.Kind != o.Kind || !c.TaxRate.Equal(o.TaxRate) ||
			!c.Amount.Equal(o.Amount.Neg()) || !c.Tax.Equal(o.Tax.Neg()) {
			return fmt.Errorf("line %d %q: %s tax %s, the invoice has %q %s tax %s", i+1, c.Name, c.Amount, c.Tax, o.Name, o.Amount, o.Tax)
		}
	}
	if !credit.Subtotal.Equal(original.Subtotal.Neg()) || !credit.Tax.Equal(original.Tax.Neg()) || !credit.Total.Equal(original.Total.Neg()) {
		return fmt.Errorf("totals %s/%s/%s, the invoice has %s/%s/%s", credit.Subtotal, credit.Tax, credit.Total,
			original.Subtotal, original.Tax, original.Total)
	}
	return reconciles(credit)
}

// parseNumber splits "INV-2026-000123" into "2026" and 123.
func parseNumber(prefix, number string) (string, int, bool) {
	rest, ok := strings.CutPrefix(number, prefix)
	if !ok {
		return "", 0, false
	}
	year, seq, ok := strings.Cut(rest, "-")
	if !ok || len(year) != 4 || len(seq) != 6 {
		return "", 0, false
	}
	n, err := strconv.Atoi(seq)
	if _, yerr := strconv.Atoi(year); err != nil || yerr != nil || n < 1 {
		return "", 0, false
	}
	return year, n, true
}

// gapless checks that each year's numbers are exactly 1…n, n being the
// year's sequence in the meta bucket (seqKey + year).
func gapless(tx *bolt.Tx, prefix, seqKey string, numbers map[string][]int, breach func(string, ...any)) {
	meta := tx.Bucket(bucketMeta)
	years := map[string]bool{}
	for y := range numbers {
		years[y] = true
	}
	c := meta.Cursor()
	for k, _ := c.Seek([]byte(seqKey)); k != nil && strings.HasPrefix(string(k), seqKey); k, _ = c.Next() {
		years[strings.TrimPrefix(string(k), seqKey)] = true
	}
	for y := range years {
		var seq uint64
		if v := meta.Get([]byte(seqKey + y)); len(v) == 8 {
			seq = binary.BigEndian.Uint64(v)
		}
		ns := numbers[y]
		sort.Ints(ns)
		for i, n := range ns {
			if n != i+1 {
				breach("%s%s numbers have a gap or a duplicate: %d where %d belongs", prefix, y, n, i+1)
				break
			}
		}
		if uint64(len(ns)) != seq {
			breach("%s%s: %d numbers used, the sequence says %d", prefix, y, len(ns), seq)
		}
	}
}
