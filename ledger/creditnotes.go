package ledger

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// CreditNote cancels one issued invoice in full. It has its own gapless
// number sequence (CN-YYYY-NNNNNN, the year it is issued), separate from
// invoices; its lines are the invoice's lines with amount and tax negated,
// so its totals are exactly the negated totals of the invoice. It is written
// in the transaction that voids the invoice and never changes afterwards.
type CreditNote struct {
	Number        string           `json:"number"`
	Invoice       string           `json:"invoice"`        // the voided invoice's id (after it moved aside)
	InvoiceNumber string           `json:"invoice_number"` // the number it credits
	CustomerID    string           `json:"customer_id"`
	ScheduleID    string           `json:"schedule_id"`
	Period        InvoicePeriod    `json:"period"`
	IssueDate     pricing.Date     `json:"issue_date"`
	Currency      pricing.Currency `json:"currency"`
	Reason        string           `json:"reason"`
	Figures
	CreatedAt time.Time `json:"created_at"`
}

// negate returns the figures that cancel f exactly: every line with its
// amount and tax negated, and the totals negated. No rounding happens: the
// original amounts are already in minor units.
func negate(f Figures) Figures {
	out := Figures{Lines: make([]pricing.InvoiceLine, len(f.Lines)),
		Subtotal: f.Subtotal.Neg(), Tax: f.Tax.Neg(), Total: f.Total.Neg()}
	for i, l := range f.Lines {
		l.Amount, l.Tax = l.Amount.Neg(), l.Tax.Neg()
		out.Lines[i] = l
	}
	return out
}

// nextCreditNoteNumber takes the next number of year's credit-note
// sequence, in the voiding transaction: a number is used exactly when a
// credit note is written, so the sequence has no gaps.
func nextCreditNoteNumber(tx *bolt.Tx, year int) (string, error) {
	meta := tx.Bucket(bucketMeta)
	key := []byte(fmt.Sprintf("credit_note_seq/%04d", year))
	var n uint64
	if v := meta.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	if err := meta.Put(key, binary.BigEndian.AppendUint64(nil, n)); err != nil {
		return "", err
	}
	return fmt.Sprintf("CN-%04d-%06d", year, n), nil
}

func getCreditNote(tx *bolt.Tx, number string) (CreditNote, bool, error) {
	var cn CreditNote
	v := tx.Bucket(bucketCreditNotes).Get([]byte(number))
	if v == nil {
		return cn, false, nil
	}
	err := json.Unmarshal(v, &cn)
	return cn, err == nil, err
}

// CreditNote returns a credit note by its number, or the credit note of an
// invoice given by id or number.
func (b *Book) CreditNote(ref string) (CreditNote, error) {
	var cn CreditNote
	err := b.view(func(tx *bolt.Tx) error {
		found := false
		var err error
		if cn, found, err = getCreditNote(tx, ref); err != nil || found {
			return err
		}
		inv, found, err := getInvoiceByIDOrNumber(tx, ref)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("credit note %q %w (monthend credit-notes list shows them)", ref, ErrNotFound)
		}
		if inv.CreditNote == "" {
			return fmt.Errorf("invoice %s (%s) has no credit note: it is %s, not void: %w", inv.ID, inv.Number, inv.Status, ErrNotFound)
		}
		if cn, found, err = getCreditNote(tx, inv.CreditNote); err == nil && !found {
			err = fmt.Errorf("credit note %s of invoice %s %w: run monthend check", inv.CreditNote, inv.ID, ErrNotFound)
		}
		return err
	})
	return cn, err
}

// CreditNotes returns every credit note in number order.
func (b *Book) CreditNotes() ([]CreditNote, error) {
	var out []CreditNote
	err := b.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCreditNotes).ForEach(func(k, v []byte) error {
			var cn CreditNote
			if err := json.Unmarshal(v, &cn); err != nil {
				return fmt.Errorf("credit note %s: %w", k, err)
			}
			out = append(out, cn)
			return nil
		})
	})
	return out, err
}
