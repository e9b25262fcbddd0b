package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// Errors of the invoice lifecycle, for callers that act on them.
var (
	// ErrWrongStatus: the invoice's status does not allow the change (a
	// draft cannot be paid or voided, a void invoice cannot be paid).
	ErrWrongStatus = errors.New("the invoice's status does not allow it")
	// ErrLateUsageBilled: the invoice's late usage was billed on another
	// issued invoice, which must be voided first (else the replacement
	// would bill that usage a second time).
	ErrLateUsageBilled = errors.New("late usage of this invoice is billed on another invoice")
)

// StatusResult is what a lifecycle change (paid, void) did to one invoice.
type StatusResult struct {
	ID         string        `json:"id"` // after the change: a voided invoice's id has moved aside
	Number     string        `json:"number,omitempty"`
	Status     InvoiceStatus `json:"status"`
	Changed    bool          `json:"changed"`
	Date       pricing.Date  `json:"date,omitzero"`         // the paid date, or the credit note's date
	CreditNote string        `json:"credit_note,omitempty"` // void: the credit note's number
	Reason     string        `json:"reason,omitempty"`      // why nothing changed
	// Err is set when the change was refused (not when it was already
	// done): ErrWrongStatus or ErrLateUsageBilled, wrapped.
	Err error `json:"-"`
}

// MarkPaid records that issued or sent invoices were paid on date (zero:
// today in the customer's time zone), each in its own transaction with its
// audit record. An invoice already paid is left as it is, so a bulk run can
// be repeated. Drafts and void invoices are refused (Err), as is a date
// before the issue date.
func (b *Book) MarkPaid(ids []string, date pricing.Date) ([]StatusResult, error) {
	if b.readOnly {
		return nil, ErrReadOnly
	}
	results := make([]StatusResult, 0, len(ids))
	for _, id := range ids {
		var r StatusResult
		err := b.update(func(tx *bolt.Tx) error {
			inv, found, err := getInvoiceByIDOrNumber(tx, id)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("invoice %q %w (monthend invoices list shows them)", id, ErrNotFound)
			}
			r = StatusResult{ID: inv.ID, Number: inv.Number, Status: inv.Status, Date: inv.PaidDate}
			switch inv.Status {
			case InvoiceIssued, InvoiceSent:
			case InvoicePaid:
				r.Reason = "already paid on " + inv.PaidDate.String()
				return nil
			case InvoiceDraft:
				r.Err = fmt.Errorf("invoice %s is a draft (%w): issue it first (monthend issue %s)", inv.ID, ErrWrongStatus, inv.ID)
				r.Reason = r.Err.Error()
				return nil
			default:
				r.Err = fmt.Errorf("invoice %s is void, cancelled by credit note %s (%w): a payment belongs to its replacement (monthend invoices list --period %s)", inv.Number, inv.CreditNote, ErrWrongStatus, inv.Period.Label)
				r.Reason = r.Err.Error()
				return nil
			}
			paid := date
			if paid.IsZero() {
				if paid, err = b.today(tx, inv.CustomerID); err != nil {
					return err
				}
			}
			if paid.Before(inv.IssueDate) {
				r.Err = fmt.Errorf("invoice %s: paid date %s is before its issue date %s (%w): give --date on or after %s", inv.Number, paid, inv.IssueDate, ErrInvalid, inv.IssueDate)
				r.Reason = r.Err.Error()
				return nil
			}
			before := string(inv.Status)
			inv.Status, inv.PaidDate = InvoicePaid, paid
			if err := putInvoice(tx, &inv, freshness{}); err != nil {
				return err
			}
			r.Status, r.Date, r.Changed = InvoicePaid, paid, true
			return b.audit(tx, "invoice.paid", "invoice "+inv.ID, before, "paid "+paid.String())
		})
		if err != nil {
			return results, fmt.Errorf("mark %s paid: %w", id, err)
		}
		results = append(results, r)
	}
	return results, nil
}

// Void cancels issued, sent or paid invoices, each in one transaction that
// writes its credit note (the next CN- number, every line negated, today's
// date in the customer's zone), moves the invoice to void and writes the
// audit record. A paid invoice can be voided too: its credit note is what
// the customer is owed.
//
// The voided invoice keeps its number and figures but moves aside: its id
// becomes "schedule:period~NUMBER" (the numbers and outbox indexes follow
// it), so the next recalc of the period creates a fresh draft under the
// schedule's usual id "schedule:period". Ids stay unique; the old id
// names the replacement from then on, the number names the voided invoice.
//
// An invoice whose late usage an issued (not void) invoice billed is
// refused with ErrLateUsageBilled: the replacement bills the period's whole
// usage, so the invoice carrying the adjustment must be voided first.
// Voiding a void invoice does nothing.
func (b *Book) Void(ids []string, reason string) ([]StatusResult, error) {
	if b.readOnly {
		return nil, ErrReadOnly
	}
	if strings.TrimSpace(reason) == "" {
		return nil, fmt.Errorf("%w: a void needs a reason (it is printed on the credit note and kept in the audit trail)", ErrInvalid)
	}
	results := make([]StatusResult, 0, len(ids))
	for _, id := range ids {
		var r StatusResult
		err := b.update(func(tx *bolt.Tx) error {
			inv, found, err := getInvoiceByIDOrNumber(tx, id)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("invoice %q %w (monthend invoices list shows them)", id, ErrNotFound)
			}
			r = StatusResult{ID: inv.ID, Number: inv.Number, Status: inv.Status, CreditNote: inv.CreditNote}
			switch inv.Status {
			case InvoiceIssued, InvoiceSent, InvoicePaid:
			case InvoiceVoid:
				r.Reason = "already void (credit note " + inv.CreditNote + ")"
				return nil
			default:
				r.Err = fmt.Errorf("invoice %s is a draft (%w): a draft has no number and follows its schedule and usage at every recalc; correct those instead", inv.ID, ErrWrongStatus)
				r.Reason = r.Err.Error()
				return nil
			}
			if by, err := lateUsageBilledBy(tx, inv); err != nil || by != "" {
				if err == nil {
					r.Err = fmt.Errorf("invoice %s: %w %s; void %s first (monthend invoices void %s --reason …)", inv.Number, ErrLateUsageBilled, by, by, by)
					r.Reason = r.Err.Error()
				}
				return err
			}
			today, err := b.today(tx, inv.CustomerID)
			if err != nil {
				return err
			}
			number, err := nextCreditNoteNumber(tx, today.Year())
			if err != nil {
				return err
			}
			oldID, before := inv.ID, string(inv.Status)
			if err := moveInvoiceAside(tx, &inv); err != nil {
				return err
			}
			cn := CreditNote{Number: number, Invoice: inv.ID, InvoiceNumber: inv.Number, CustomerID: inv.CustomerID,
				ScheduleID: inv.ScheduleID, Period: inv.Period, IssueDate: today, Currency: inv.Currency,
				Reason: strings.TrimSpace(reason), Figures: negate(inv.Figures), CreatedAt: b.now().UTC()}
			if err := putJSON(tx.Bucket(bucketCreditNotes), cn.Number, cn); err != nil {
				return err
			}
			inv.Status, inv.CreditNote = InvoiceVoid, number
			if err := putInvoice(tx, &inv, freshness{}); err != nil {
				return err
			}
			// The customer's drafts may bill late usage this invoice billed,
			// or may now have to: none is known current any more (changes.go).
			if err := markChanged(tx, inv.CustomerID, 0); err != nil {
				return err
			}
			if err := b.settleOutbox(tx, oldID, &inv); err != nil {
				return err
			}
			r.ID, r.Status, r.Changed, r.Date, r.CreditNote = inv.ID, InvoiceVoid, true, today, number
			return b.audit(tx, "invoice.void", "invoice "+inv.Number, before+" as "+oldID,
				fmt.Sprintf("void as %s, credit note %s %s %s: %s", inv.ID, number,
					cn.Total.StringFixed(inv.Currency.MinorUnits()), inv.Currency.Code(), cn.Reason))
		})
		if err != nil {
			return results, fmt.Errorf("void %s: %w", id, err)
		}
		results = append(results, r)
	}
	return results, nil
}

// voidedID is the id a voided invoice moves to.
func voidedID(id, number string) string { return id + "~" + number }

// moveInvoiceAside frees the invoice's id for a replacement draft: the
// record, its period index entry and its number index entry move to
// voidedID. The caller writes the record (putInvoice) afterwards.
func moveInvoiceAside(tx *bolt.Tx, inv *Invoice) error {
	newID := voidedID(inv.ID, inv.Number)
	if tx.Bucket(bucketInvoices).Get([]byte(newID)) != nil {
		return fmt.Errorf("invoice id %s is taken: run monthend check", newID)
	}
	if err := tx.Bucket(bucketInvoices).Delete([]byte(inv.ID)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketInvoicePeriods).Delete(periodIndexKey(inv.Period.Label, inv.ID)); err != nil {
		return err
	}
	inv.ID = newID
	return tx.Bucket(bucketInvoiceNumbers).Put([]byte(inv.Number), []byte(newID))
}

// settleOutbox points the voided invoice's outbox items (found by its old
// id and its number) at its new id; an item still waiting to go out is
// stopped, so a void invoice is never mailed. An item in doubt stays in
// doubt: only the user knows whether it went out (ResolveUnknown refuses to
// resend it).
func (b *Book) settleOutbox(tx *bolt.Tx, oldID string, inv *Invoice) error {
	idx := tx.Bucket(bucketOutboxByInvoice)
	if idx.Get([]byte(oldID)) == nil {
		return nil // never queued
	}
	if err := idx.Delete([]byte(oldID)); err != nil {
		return err
	}
	var items []OutboxItem
	err := tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		var item OutboxItem
		if err := json.Unmarshal(v, &item); err != nil {
			return fmt.Errorf("outbox item %x: %w", k, err)
		}
		if item.InvoiceID == oldID && item.Number == inv.Number {
			items = append(items, item)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// In sequence order, so the index ends on the latest item, as QueueSend
	// left it.
	for _, item := range items {
		item.InvoiceID = inv.ID
		if item.Status == OutboxQueued {
			item.Status = OutboxFailed
			item.LastError = "not sent: the invoice was voided by credit note " + inv.CreditNote
		}
		if err := putOutboxItem(tx, &item); err != nil {
			return err
		}
	}
	return nil
}

// lateUsageBilledBy names the issued, not void invoice of the same schedule
// whose adjustments bill late usage of inv, or "" if none does.
func lateUsageBilledBy(tx *bolt.Tx, inv Invoice) (string, error) {
	prefix := []byte(inv.ScheduleID + ":")
	c := tx.Bucket(bucketInvoices).Cursor()
	for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
		var other billedInvoice
		if err := json.Unmarshal(v, &other); err != nil {
			return "", fmt.Errorf("invoice %s: %w", k, err)
		}
		if other.Status == InvoiceDraft || other.Status == InvoiceVoid {
			continue
		}
		for _, a := range other.Adjustments {
			if a.Invoice == inv.ID {
				return other.Number, nil
			}
		}
	}
	return "", nil
}

// today is the book's clock as a date in the customer's time zone.
func (b *Book) today(tx *bolt.Tx, customerID string) (pricing.Date, error) {
	c, err := getCustomer(tx, customerID)
	if err != nil {
		return pricing.Date{}, err
	}
	loc, err := c.Location()
	if err != nil {
		return pricing.Date{}, err
	}
	return pricing.DateOf(b.now(), loc), nil
}
