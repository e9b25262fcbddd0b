package ledger

import (
	"fmt"
	"strings"
	"unicode"

	bolt "go.etcd.io/bbolt"
)

// ExecuteOptions are what executing a quote needs beyond the quote.
type ExecuteOptions struct {
	// ScheduleID is the new schedule's id; empty: the quote's id.
	ScheduleID string
	// CustomerID is the id a prospect's new customer gets; empty: made
	// from the prospect's name ("Acme Logistics GmbH" → "acme-logistics-gmbh").
	CustomerID string
	// Aliases are mapped to the customer in the same transaction (the
	// identifiers its usage events carry), attributing usage already
	// waiting under them.
	Aliases []string
}

// ExecuteResult is what ExecuteQuote did.
type ExecuteResult struct {
	Quote           Quote          `json:"quote"`
	Schedule        ScheduleRecord `json:"schedule"`
	CustomerCreated bool           `json:"customer_created"`
	// Changed is false when the quote was already executed: nothing was
	// written and Schedule is the one the first execution created.
	Changed bool `json:"changed"`
}

// ExecuteQuote turns the newest version of a signed quote into a draft
// billing schedule, in one transaction: for a prospect the customer is
// created (name, legal name, emails, address, currency, zone, tax rate and
// the quote's payment terms) and the aliases are mapped; the quote's
// schedule is stored unchanged — phases, prices, seats, discounts and
// minimums — as version 1 of a new draft schedule; the quote becomes
// executed and records the schedule's id. Executing an executed quote
// returns what the first execution made and writes nothing.
func (b *Book) ExecuteQuote(id string, opts ExecuteOptions) (ExecuteResult, error) {
	var r ExecuteResult
	err := b.update(func(tx *bolt.Tx) error {
		r = ExecuteResult{}
		q, err := mustLatestQuote(tx, id)
		if err != nil {
			return err
		}
		switch q.Status {
		case QuoteSigned:
		case QuoteExecuted:
			r.Quote = q
			r.Schedule, _, err = latestSchedule(tx, q.ScheduleID)
			return err
		case QuoteSent:
			return fmt.Errorf("quote %s v%d is sent but not signed (%w): record the signature first (monthend quotes mark-signed %s --by NAME)", id, q.Version, ErrQuoteStatus, id)
		default:
			return fmt.Errorf("quote %s v%d is %s (%w): only a signed quote can be executed", id, q.Version, q.Status, ErrQuoteStatus)
		}
		scheduleID := opts.ScheduleID
		if scheduleID == "" {
			scheduleID = q.ID
		}
		if err := validKey("schedule id", scheduleID); err != nil {
			return err
		}
		if _, found, err := latestSchedule(tx, scheduleID); err != nil {
			return err
		} else if found {
			return fmt.Errorf("schedule %s %w: give the new schedule another id (--schedule-id)", scheduleID, ErrExists)
		}
		customerID := q.CustomerID
		if q.Prospect != nil && customerID == "" {
			customerID = opts.CustomerID
			if customerID == "" {
				customerID = slug(q.Prospect.Name)
			}
			c := q.Prospect.customer(customerID)
			c.PaymentTermsDays = q.PaymentTermsDays
			if err := c.Validate(); err != nil {
				return err
			}
			if err := b.addCustomer(tx, c); err != nil {
				return fmt.Errorf("create the customer for prospect %q: %w (choose another with --customer-id)", q.Prospect.Name, err)
			}
			r.CustomerCreated = true
		} else if opts.CustomerID != "" && opts.CustomerID != customerID {
			return fmt.Errorf("%w: quote %s is for customer %s, not %s", ErrInvalid, id, customerID, opts.CustomerID)
		}
		for _, a := range opts.Aliases {
			if _, err := b.mapAlias(tx, a, customerID); err != nil {
				return err
			}
		}
		if r.Schedule, err = b.saveSchedule(tx, scheduleID, customerID, ScheduleDraft, LateAdjust, q.Schedule); err != nil {
			return err
		}
		before := q.summary()
		q.Status, q.ExecutedAt, q.ScheduleID, q.CustomerID = QuoteExecuted, b.now().UTC(), scheduleID, customerID
		if err := putQuote(tx, &q); err != nil {
			return err
		}
		r.Quote, r.Changed = q, true
		return b.audit(tx, "quote.execute", "quote "+id, before,
			fmt.Sprintf("%s: schedule %s v%d (draft) for customer %s", q.summary(), scheduleID, r.Schedule.Version, customerID))
	})
	return r, err
}

// slug makes a customer id from a name: lower-case letters and digits,
// runs of anything else as one "-".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "customer"
	}
	return b.String()
}
