package ledger

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// InvoiceStatus is where an invoice is in its life: a draft can be
// recalculated any time; from issued on it never changes (corrections are
// credit notes).
type InvoiceStatus string

const (
	InvoiceDraft  InvoiceStatus = "draft"
	InvoiceIssued InvoiceStatus = "issued"
	InvoiceSent   InvoiceStatus = "sent"
	InvoicePaid   InvoiceStatus = "paid"
	InvoiceVoid   InvoiceStatus = "void"
)

// InvoicePeriod names an invoice's billing period.
type InvoicePeriod struct {
	Label string       `json:"label"` // "2026-03"
	Start pricing.Date `json:"start"`
	End   pricing.Date `json:"end"` // exclusive
	Index int          `json:"index"`
}

// Figures are an invoice's computed lines and totals.
type Figures struct {
	Lines    []pricing.InvoiceLine `json:"lines"`
	Subtotal decimal.Decimal       `json:"subtotal"`
	Tax      decimal.Decimal       `json:"tax"`
	Total    decimal.Decimal       `json:"total"`
}

// Invoice is one billing period of one schedule. Its inputs — the schedule
// version and every usage reading the price used — are stored with it, so
// monthend can tell later whether a draft is stale and which input moved.
type Invoice struct {
	ID              string           `json:"id"` // schedule id ":" period label
	CustomerID      string           `json:"customer_id"`
	ScheduleID      string           `json:"schedule_id"`
	ScheduleVersion int              `json:"schedule_version"`
	Period          InvoicePeriod    `json:"period"`
	Status          InvoiceStatus    `json:"status"`
	Number          string           `json:"number,omitempty"`
	IssueDate       pricing.Date     `json:"issue_date,omitzero"`
	DueDate         pricing.Date     `json:"due_date,omitzero"`
	PaidDate        pricing.Date     `json:"paid_date,omitzero"`    // when the customer paid (status paid, or void after paid)
	CreditNote      string           `json:"credit_note,omitempty"` // the number of the credit note that voided it
	Currency        pricing.Currency `json:"currency"`
	Figures
	Readings []pricing.Reading `json:"readings,omitempty"`
	// Adjustments record the late usage of earlier, issued invoices that
	// this invoice bills (policy "adjust").
	Adjustments  []Adjustment `json:"adjustments,omitempty"`
	Previous     *Figures     `json:"previous,omitempty"` // before the last recalculation that changed it
	CalculatedAt time.Time    `json:"calculated_at"`
}

// invoiceID is the id of the invoice of schedule for period label.
func invoiceID(scheduleID, label string) string { return scheduleID + ":" + label }

// periodIndexKey is label|id, the key of the invoices-by-period index.
func periodIndexKey(label, id string) []byte {
	k := make([]byte, 0, len(label)+1+len(id))
	k = append(k, label...)
	k = append(k, 0)
	return append(k, id...)
}

func getInvoice(tx *bolt.Tx, id string) (Invoice, bool, error) {
	var inv Invoice
	v := tx.Bucket(bucketInvoices).Get([]byte(id))
	if v == nil {
		return inv, false, nil
	}
	err := json.Unmarshal(v, &inv)
	return inv, err == nil, err
}

// putInvoice writes inv and its period index entry, which holds its
// summary, with when a draft was found current (the zero freshness: not
// known; changes.go).
func putInvoice(tx *bolt.Tx, inv *Invoice, f freshness) error {
	v, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketInvoices).Put([]byte(inv.ID), v); err != nil {
		return err
	}
	s := summaryOf(inv, f)
	return putSummary(tx, &s)
}

// Invoice returns the invoice with id (schedule:period) or number.
func (b *Book) Invoice(idOrNumber string) (Invoice, error) {
	var inv Invoice
	err := b.view(func(tx *bolt.Tx) error {
		var found bool
		var err error
		inv, found, err = getInvoiceByIDOrNumber(tx, idOrNumber)
		if err == nil && !found {
			err = fmt.Errorf("invoice %q %w (monthend invoices list shows them)", idOrNumber, ErrNotFound)
		}
		return err
	})
	return inv, err
}

// InvoicesFor returns the invoices of a period label ("2026-03"), by id.
func (b *Book) InvoicesFor(label string) ([]Invoice, error) {
	var out []Invoice
	err := b.view(func(tx *bolt.Tx) error {
		prefix := periodIndexKey(label, "")
		c := tx.Bucket(bucketInvoicePeriods).Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			inv, found, err := getInvoice(tx, string(k[len(prefix):]))
			if err != nil {
				return err
			}
			if found {
				out = append(out, inv)
			}
		}
		return nil
	})
	return out, err
}
