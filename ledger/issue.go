package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// ErrStale: a draft's inputs changed since it was calculated.
var ErrStale = errors.New("draft is stale")

// IssueResult is what issuing one invoice did.
type IssueResult struct {
	ID     string `json:"id"`
	Number string `json:"number,omitempty"`
	Issued bool   `json:"issued"`
	Reason string `json:"reason,omitempty"` // why it was not issued
}

// Staleness lists what moved since the draft was calculated — a newer
// schedule version, usage that changed — in words; none means current.
func (b *Book) Staleness(inv Invoice) ([]string, error) {
	var reasons []string
	var latest ScheduleRecord
	err := b.view(func(tx *bolt.Tx) error {
		var found bool
		var err error
		latest, found, err = latestSchedule(tx, inv.ScheduleID)
		if err == nil && !found {
			err = fmt.Errorf("schedule %s of invoice %s %w", inv.ScheduleID, inv.ID, ErrNotFound)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if latest.Version != inv.ScheduleVersion {
		reasons = append(reasons, fmt.Sprintf("schedule v%d → v%d", inv.ScheduleVersion, latest.Version))
	}
	u := &bookUsage{book: b, customer: inv.CustomerID}
	if inv.Status == InvoiceDraft && latest.LatePolicy != LateReport {
		// Late usage for earlier, issued periods that this draft does not
		// bill yet (or bills at other figures).
		c, err := b.Customer(inv.CustomerID)
		if err != nil {
			return nil, err
		}
		j := recalcJob{schedule: latest, customer: c}
		late, err := j.lateAdjustments(b, inv.Period.Index, u)
		if err != nil {
			return nil, err
		}
		if !sameAdjustments(late.adjs, inv.Adjustments) {
			reasons = append(reasons, "late usage arrived for an issued period")
		}
	}
	for _, r := range inv.Readings {
		now, err := u.Total(r.Metric, r.From, r.To)
		if err != nil {
			return nil, err
		}
		if d := now.Sub(r.Value); !d.IsZero() {
			sign := ""
			if d.IsPositive() {
				sign = "+"
			}
			reasons = append(reasons, fmt.Sprintf("usage %s %s%s since last calculation (%s – %s)",
				r.Metric, sign, pricing.FormatAmount(d, 0), r.From, r.To.AddDays(-1)))
		}
	}
	return reasons, nil
}

// issueBatch is how many invoices Issue finalizes per write transaction.
// Every commit syncs the file and writes bbolt's whole freelist (~10 ms on
// a 20M-event book), so a commit per invoice made issuing a month's 3,536
// drafts take 80 s. Batching keeps each invoice whole: a batch commits or
// rolls back as one.
var issueBatch = 64 // a variable for tests

// Issue finalizes draft invoices: each gets the next number of the gapless
// sequence INV-YYYY-NNNNNN (the year it is issued), today's date in the
// customer's zone, a due date from the customer's payment terms, and never
// changes again. Usage before the invoice's period is from then on late. A
// stale draft is refused with the reasons. Issuing an issued invoice again
// does nothing, so a bulk issue that stopped half-way can simply be run
// again.
//
// Invoices are issued in batches of up to issueBatch per transaction, each
// batch whole or untouched. If a batch fails, Issue goes through it again
// one invoice at a time, so the invoices before the failing one are issued
// and the error names it — what issuing one by one would have done.
func (b *Book) Issue(ids []string) ([]IssueResult, error) {
	if b.readOnly {
		return nil, ErrReadOnly
	}
	return inBatches(ids, b.issueSome)
}

// inBatches runs some over ids, a batch of up to issueBatch at a time.
// some handles the first n ≤ max of the ids it is given in one transaction
// and returns n; if a batch fails, it is gone through again one id at a
// time, so the ids before the failing one are done and the error is the
// one that id meets — what one transaction per id would have done.
func inBatches[R any](ids []string, some func(ids []string, max int) (int, []R, error)) ([]R, error) {
	results := make([]R, 0, len(ids))
	for len(ids) > 0 {
		n, res, err := some(ids, issueBatch)
		if err != nil && n > 1 {
			for range n {
				_, res, err := some(ids[:1], 1)
				results = append(results, res...)
				if err != nil {
					return results, err
				}
				ids = ids[1:]
			}
			continue
		}
		results = append(results, res...)
		if err != nil {
			return results, err
		}
		ids = ids[n:]
	}
	return results, nil
}

// issueSome issues the first n ≤ max of ids in one transaction and returns
// n. A batch takes one invoice per customer: issuing one moves what is late
// for the customer's other drafts, so the next is checked for staleness
// after this batch commits, as it would be one by one.
func (b *Book) issueSome(ids []string, max int) (int, []IssueResult, error) {
	var results []IssueResult
	var drafts []Invoice // to issue; results[i] is drafts[j]'s when results[i].ID == drafts[j].ID
	customers := map[string]bool{}
	n := 0
	for ; n < len(ids) && n < max; n++ {
		inv, err := b.Invoice(ids[n])
		if err == nil && inv.Status == InvoiceDraft && customers[inv.CustomerID] {
			break
		}
		if err != nil && n > 0 {
			break // issue what is ready; the next batch starts with this error
		}
		if err != nil {
			return n, results, err
		}
		r := IssueResult{ID: inv.ID, Number: inv.Number}
		if inv.Status != InvoiceDraft {
			r.Reason = "already " + string(inv.Status)
			results = append(results, r)
			continue
		}
		stale, err := b.staleBeforeIssue(inv)
		if err != nil && n > 0 {
			break
		}
		if err != nil {
			return n, results, err
		}
		if len(stale) > 0 {
			r.Reason = fmt.Sprintf("%v: %s; run monthend recalc first", ErrStale, strings.Join(stale, "; "))
			results = append(results, r)
			continue
		}
		customers[inv.CustomerID] = true
		drafts = append(drafts, inv)
		results = append(results, r)
	}
	if len(drafts) == 0 {
		return n, results, nil
	}
	issued := map[string]string{} // invoice id → number, once committed
	err := b.update(func(tx *bolt.Tx) error {
		clear(issued)
		for i := range drafts {
			number, err := b.issueInTx(tx, &drafts[i])
			if err != nil {
				return fmt.Errorf("issue %s: %w", drafts[i].ID, err)
			}
			issued[drafts[i].ID] = number
		}
		return nil
	})
	if err != nil {
		return n, nil, err
	}
	for i := range results {
		if number, ok := issued[results[i].ID]; ok {
			results[i].Number, results[i].Issued = number, true
		}
	}
	return n, results, nil
}

// staleBeforeIssue is Staleness, skipped for a draft known current: found
// current and nothing it read changed since (knownCurrent, the rule the
// listing's stale flag uses).
func (b *Book) staleBeforeIssue(inv Invoice) ([]string, error) {
	current := false
	err := b.view(func(tx *bolt.Tx) error {
		s, found, err := getSummary(tx, inv.ID)
		current = err == nil && found && s.CalculatedAt.Equal(inv.CalculatedAt) && knownCurrent(tx, &s)
		return err
	})
	if err != nil || current {
		return nil, err
	}
	return b.Staleness(inv)
}

// issueInTx issues draft inv in tx and returns its number; inv must be as
// stored (same CalculatedAt), or another process changed it meanwhile.
func (b *Book) issueInTx(tx *bolt.Tx, inv *Invoice) (string, error) {
	cur, found, err := getInvoice(tx, inv.ID)
	if err != nil || !found || cur.Status != InvoiceDraft || cur.CalculatedAt != inv.CalculatedAt {
		if err == nil {
			err = fmt.Errorf("invoice %s changed while being issued; run the command again", inv.ID)
		}
		return "", err
	}
	c, err := getCustomer(tx, cur.CustomerID)
	if err != nil {
		return "", err
	}
	loc, err := c.Location()
	if err != nil {
		return "", err
	}
	today := pricing.DateOf(b.now(), loc)
	number, err := nextInvoiceNumber(tx, today.Year())
	if err != nil {
		return "", err
	}
	cur.Status, cur.Number, cur.IssueDate = InvoiceIssued, number, today
	cur.DueDate = today.AddDays(c.PaymentTermsDays)
	if err := putInvoice(tx, &cur, freshness{}); err != nil {
		return "", err
	}
	// What is late for the customer's other drafts changed.
	if err := markChanged(tx, cur.CustomerID, 0); err != nil {
		return "", err
	}
	if err := tx.Bucket(bucketInvoiceNumbers).Put([]byte(number), []byte(cur.ID)); err != nil {
		return "", err
	}
	// Usage up to the day before this invoice's period was billed.
	if through := cur.Period.Start.AddDays(-1); through.After(c.IssuedThrough) {
		c.IssuedThrough = through
		// Inside the transaction, under the writer lock: cleared after it,
		// an ingestion starting in between would flag late by the old day.
		b.forgetCustomers()
		if err := putJSON(tx.Bucket(bucketCustomers), c.ID, c); err != nil {
			return "", err
		}
	}
	return number, b.audit(tx, "invoice.issue", "invoice "+cur.ID, "draft", "issued "+number+" "+cur.Total.StringFixed(cur.Currency.MinorUnits())+" "+cur.Currency.Code())
}

// nextInvoiceNumber takes the next number of year's sequence. It runs in
// the issuing transaction, so a number is used exactly when an invoice is
// issued: the sequence has no gaps.
func nextInvoiceNumber(tx *bolt.Tx, year int) (string, error) {
	meta := tx.Bucket(bucketMeta)
	key := []byte(fmt.Sprintf("invoice_seq/%04d", year))
	var n uint64
	if v := meta.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	if err := meta.Put(key, binary.BigEndian.AppendUint64(nil, n)); err != nil {
		return "", err
	}
	return fmt.Sprintf("INV-%04d-%06d", year, n), nil
}

func sameAdjustments(a, b []Adjustment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Invoice != b[i].Invoice || !sameReadings(a[i].Readings, b[i].Readings) {
			return false
		}
	}
	return true
}
