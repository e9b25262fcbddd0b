package ledger

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// OutboxStatus is where a delivery is.
type OutboxStatus string

const (
	OutboxQueued  OutboxStatus = "queued"  // waiting (or waiting to retry)
	OutboxSending OutboxStatus = "sending" // handed to the mail server right now
	OutboxSent    OutboxStatus = "sent"
	OutboxFailed  OutboxStatus = "failed" // refused for good; the user must act
	// OutboxUnknown: found "sending" after a crash or kill — the mail may
	// or may not have gone out. Never resent without the user saying so.
	OutboxUnknown OutboxStatus = "unknown"
)

// OutboxItem is one invoice to deliver to its customer's billing emails.
type OutboxItem struct {
	Seq         uint64       `json:"seq"`
	InvoiceID   string       `json:"invoice_id"`
	Number      string       `json:"number"`
	To          []string     `json:"to"`
	Status      OutboxStatus `json:"status"`
	Attempts    int          `json:"attempts"`
	LastError   string       `json:"last_error,omitempty"`
	NextAttempt time.Time    `json:"next_attempt,omitzero"`
	QueuedAt    time.Time    `json:"queued_at"`
	SentAt      time.Time    `json:"sent_at,omitzero"`
}

// QueueResult says what queueing one invoice did.
type QueueResult struct {
	InvoiceID string `json:"invoice_id"`
	Queued    bool   `json:"queued"`
	Reason    string `json:"reason,omitempty"`
}

// QueueSend puts issued invoices in the outbox, one item each, addressed
// to the customer's billing emails. An invoice already queued, sending,
// sent or in doubt is not queued again: sending twice takes the user's
// explicit resend.
//
// Up to issueBatch invoices are queued per transaction (a commit per
// invoice cost ~20 ms on a big book), each batch whole or untouched; if a
// batch fails, QueueSend goes through it again one invoice at a time, so
// the invoices before the failing one are queued and the error names it.
func (b *Book) QueueSend(ids []string) ([]QueueResult, error) {
	return inBatches(ids, b.queueSome)
}

// queueSome queues the first n ≤ max of ids in one transaction and returns
// n; on an error nothing is queued.
func (b *Book) queueSome(ids []string, max int) (int, []QueueResult, error) {
	ids = ids[:min(len(ids), max)]
	var results []QueueResult
	err := b.update(func(tx *bolt.Tx) error {
		results = results[:0]
		for _, id := range ids {
			r, err := b.queueInTx(tx, id)
			if err != nil {
				return fmt.Errorf("queue %s: %w", id, err)
			}
			results = append(results, r)
		}
		return nil
	})
	if err != nil {
		return len(ids), nil, err
	}
	return len(ids), results, nil
}

// queueInTx queues invoice id (or number) in tx, or says why not.
func (b *Book) queueInTx(tx *bolt.Tx, id string) (QueueResult, error) {
	r := QueueResult{InvoiceID: id}
	inv, found, err := getInvoiceByIDOrNumber(tx, id)
	if err != nil {
		return r, err
	}
	if !found {
		return r, fmt.Errorf("invoice %q %w", id, ErrNotFound)
	}
	r.InvoiceID = inv.ID
	switch inv.Status {
	case InvoiceIssued:
	case InvoiceDraft:
		r.Reason = "a draft: issue it first"
		return r, nil
	default:
		r.Reason = "already " + string(inv.Status)
		return r, nil
	}
	if v := tx.Bucket(bucketOutboxByInvoice).Get([]byte(inv.ID)); v != nil {
		item, err := getOutboxItem(tx, binary.BigEndian.Uint64(v))
		if err != nil {
			return r, err
		}
		if item.Status != OutboxFailed {
			r.Reason = "already in the outbox (" + string(item.Status) + ")"
			return r, nil
		}
	}
	c, err := getCustomer(tx, inv.CustomerID)
	if err != nil {
		return r, err
	}
	if len(c.Emails) == 0 {
		r.Reason = fmt.Sprintf("customer %s has no billing email (add one: monthend customers --help)", c.ID)
		return r, nil
	}
	bk := tx.Bucket(bucketOutbox)
	seq, err := bk.NextSequence()
	if err != nil {
		return r, err
	}
	item := OutboxItem{Seq: seq, InvoiceID: inv.ID, Number: inv.Number, To: c.Emails,
		Status: OutboxQueued, QueuedAt: b.now().UTC()}
	if err := putOutboxItem(tx, &item); err != nil {
		return r, err
	}
	r.Queued = true
	return r, b.audit(tx, "outbox.queue", "invoice "+inv.ID, "", fmt.Sprintf("item %d to %v", seq, c.Emails))
}

func getInvoiceByIDOrNumber(tx *bolt.Tx, id string) (Invoice, bool, error) {
	if v := tx.Bucket(bucketInvoiceNumbers).Get([]byte(id)); v != nil {
		id = string(v)
	}
	return getInvoice(tx, id)
}

func getOutboxItem(tx *bolt.Tx, seq uint64) (OutboxItem, error) {
	var item OutboxItem
	v := tx.Bucket(bucketOutbox).Get(seqKey(seq))
	if v == nil {
		return item, fmt.Errorf("outbox item %d %w", seq, ErrNotFound)
	}
	return item, json.Unmarshal(v, &item)
}

func putOutboxItem(tx *bolt.Tx, item *OutboxItem) error {
	v, err := json.Marshal(item)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketOutbox).Put(seqKey(item.Seq), v); err != nil {
		return err
	}
	return tx.Bucket(bucketOutboxByInvoice).Put([]byte(item.InvoiceID), seqKey(item.Seq))
}

// Outbox lists every item, oldest first.
func (b *Book) Outbox() ([]OutboxItem, error) {
	var out []OutboxItem
	err := b.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(_, v []byte) error {
			var item OutboxItem
			if err := json.Unmarshal(v, &item); err != nil {
				return err
			}
			out = append(out, item)
			return nil
		})
	})
	return out, err
}

// SendFunc delivers one item; Deliver calls it outside any transaction.
type SendFunc func(ctx context.Context, item OutboxItem) error

// DeliverSummary counts what a Deliver run did.
type DeliverSummary struct {
	Sent, Retrying, Failed, InDoubt int
}

// backoff is the wait before attempt n+1: 1, 2, 4 … minutes, at most an hour.
func backoff(attempts int) time.Duration {
	d := time.Minute << min(attempts-1, 6)
	return min(d, time.Hour)
}

// Deliver sends every queued item that is due. An item is marked sending
// (committed) before send is called and sent (committed, with the invoice
// moving to sent) after it returns, so a crash in between leaves it
// "sending"; Deliver first turns such items into "unknown", which are
// never resent without the user (ResolveUnknown). Temporary failures are
// retried with exponential backoff; permanent ones stop at failed.
// temporary tells a failure worth retrying later (a server down, a 4xx)
// from a permanent one (email.IsTemporary fits).
func (b *Book) Deliver(ctx context.Context, send SendFunc, temporary func(error) bool) (DeliverSummary, error) {
	var sum DeliverSummary
	if b.readOnly {
		return sum, ErrReadOnly
	}
	var due []uint64
	err := b.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var item OutboxItem
			if err := json.Unmarshal(v, &item); err != nil {
				return err
			}
			switch {
			case item.Status == OutboxSending:
				item.Status, item.LastError = OutboxUnknown, "found sending after a stop: may have been sent"
				sum.InDoubt++
				if err := putOutboxItem(tx, &item); err != nil {
					return err
				}
				return b.audit(tx, "outbox.unknown", "invoice "+item.InvoiceID, "sending", "unknown")
			case item.Status == OutboxQueued && !item.NextAttempt.After(b.now()):
				due = append(due, item.Seq)
			}
			return nil
		})
	})
	if err != nil {
		return sum, err
	}
	for _, seq := range due {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		var item OutboxItem
		err := b.update(func(tx *bolt.Tx) error {
			var err error
			if item, err = getOutboxItem(tx, seq); err != nil {
				return err
			}
			item.Status = OutboxSending
			item.Attempts++
			return putOutboxItem(tx, &item)
		})
		if err != nil {
			return sum, err
		}
		sendErr := send(ctx, item)
		err = b.update(func(tx *bolt.Tx) error {
			switch {
			case sendErr == nil:
				item.Status, item.SentAt, item.LastError = OutboxSent, b.now().UTC(), ""
				sum.Sent++
				inv, found, err := getInvoice(tx, item.InvoiceID)
				if err != nil {
					return err
				}
				if found && inv.Status == InvoiceIssued {
					inv.Status = InvoiceSent
					if err := putInvoice(tx, &inv, freshness{}); err != nil {
						return err
					}
				}
			case temporary(sendErr):
				item.Status, item.LastError = OutboxQueued, sendErr.Error()
				item.NextAttempt = b.now().Add(backoff(item.Attempts)).UTC()
				sum.Retrying++
			default:
				item.Status, item.LastError = OutboxFailed, sendErr.Error()
				sum.Failed++
			}
			if err := putOutboxItem(tx, &item); err != nil {
				return err
			}
			return b.audit(tx, "outbox."+string(item.Status), "invoice "+item.InvoiceID, "sending", string(item.Status)+" "+item.LastError)
		})
		if err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// ResolveUnknown settles an item in doubt: sent (the user checked it went
// out) marks it and its invoice sent; otherwise it is queued to be resent.
func (b *Book) ResolveUnknown(seq uint64, sent bool) error {
	return b.update(func(tx *bolt.Tx) error {
		item, err := getOutboxItem(tx, seq)
		if err != nil {
			return err
		}
		if item.Status != OutboxUnknown {
			return fmt.Errorf("%w: outbox item %d is %s, not in doubt", ErrInvalid, seq, item.Status)
		}
		if sent {
			item.Status, item.SentAt = OutboxSent, b.now().UTC()
			inv, found, err := getInvoice(tx, item.InvoiceID)
			if err != nil {
				return err
			}
			if found && inv.Status == InvoiceIssued {
				inv.Status = InvoiceSent
				if err := putInvoice(tx, &inv, freshness{}); err != nil {
					return err
				}
			}
		} else {
			if inv, found, err := getInvoice(tx, item.InvoiceID); err != nil {
				return err
			} else if found && inv.Status == InvoiceVoid {
				return fmt.Errorf("outbox item %d: invoice %s was voided by credit note %s (%w): a void invoice is never resent; resolve the item as sent if it went out",
					seq, inv.Number, inv.CreditNote, ErrWrongStatus)
			}
			item.Status, item.NextAttempt = OutboxQueued, time.Time{}
		}
		if err := putOutboxItem(tx, &item); err != nil {
			return err
		}
		return b.audit(tx, "outbox.resolve", "invoice "+item.InvoiceID, "unknown", string(item.Status))
	})
}
