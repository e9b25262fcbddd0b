package ledger

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// The change marks (schema 5) let a listing tell a current draft from a
// stale one without pricing it again or re-reading its usage.
//
// Each customer has a counter, and a mark per month of usage: the counter's
// value when that month's usage last changed (one record per customer,
// changeRecord). Month 0 marks changes that
// concern all of the customer's drafts whatever days they read: an invoice
// issued (what is late moves), the customer record updated (its tax rate
// prices drafts), a new schedule version saved. Every transaction that
// changes such an input increments the counter once and sets the marks it
// touched: the rollup writer (ingestion, corrections, mapping an alias) for
// every customer and month whose rollups it writes; Issue, UpdateCustomer,
// SetIssuedThrough and SaveSchedule for month 0.
//
// A draft's summary records the counter read before its pricing read any
// usage (Checked) and the end of the days it read (Through: the pricing's
// own usage, and the earlier periods its late-usage check read). The draft
// is current if no mark of month 0 or of a month before Through is above
// Checked: nothing it read has moved since, and its schedule has no newer
// version. Otherwise it may be stale, and only then is it checked the
// slow way (Staleness). Usage arriving for this month does not make last
// month's drafts suspect.
//
// The marks are conservative: they may move without a draft's figures
// moving (usage of a metric it does not bill), never the other way round.

// changeRecord is a customer's counter and marks, one record per customer
// (so an ingestion transaction touching a thousand customers rewrites a
// thousand small values on few pages): uvarint counter, then (uvarint
// month, uvarint counter) pairs in ascending month order.
type changeRecord struct {
	count uint64 // 1 for a customer never changed
	marks []monthMark
}

type monthMark struct {
	month uint32 // YYYYMM; 0: customer-wide
	at    uint64 // the counter at the month's last change
}

func decodeChanges(v []byte) (changeRecord, error) {
	if len(v) == 0 {
		return changeRecord{count: 1}, nil
	}
	d := decoder{b: v}
	r := changeRecord{count: d.uvarint()}
	for d.err == nil && len(d.b) > 0 {
		r.marks = append(r.marks, monthMark{month: uint32(d.uvarint()), at: d.uvarint()})
	}
	return r, d.err
}

func (r *changeRecord) encode() []byte {
	buf := binary.AppendUvarint(nil, r.count)
	for _, m := range r.marks {
		buf = binary.AppendUvarint(buf, uint64(m.month))
		buf = binary.AppendUvarint(buf, m.at)
	}
	return buf
}

func getChanges(tx *bolt.Tx, customer string) changeRecord {
	r, err := decodeChanges(tx.Bucket(bucketChanges).Get([]byte(customer)))
	if err != nil {
		return changeRecord{} // count 0: every check fails, Check reports it
	}
	return r
}

// changeCount is customer's counter; a customer never changed reads 1, so
// a summary's Checked of 0 always means "never checked".
func changeCount(tx *bolt.Tx, customer string) uint64 { return getChanges(tx, customer).count }

// markChanged increments customer's counter and sets the marks of months
// (YYYYMM; 0 = every draft of the customer) to it.
func markChanged(tx *bolt.Tx, customer string, months ...uint32) error {
	r := getChanges(tx, customer)
	r.mark(months...)
	return tx.Bucket(bucketChanges).Put([]byte(customer), r.encode())
}

// mark increments the counter and sets the marks of months to it.
func (r *changeRecord) mark(months ...uint32) {
	r.count++
	for _, m := range months {
		i, found := slices.BinarySearchFunc(r.marks, m, func(x monthMark, m uint32) int { return cmp.Compare(x.month, m) })
		if found {
			r.marks[i].at = r.count
		} else {
			r.marks = slices.Insert(r.marks, i, monthMark{month: m, at: r.count})
		}
	}
}

// customerMonth is a month (YYYYMM) of a customer's usage.
type customerMonth struct {
	customer string
	month    uint32
}

// markRollups marks the customers and months whose usage changed.
func markRollups(tx *bolt.Tx, touched []customerMonth) error {
	slices.SortFunc(touched, func(a, b customerMonth) int {
		if c := strings.Compare(a.customer, b.customer); c != 0 {
			return c
		}
		return cmp.Compare(a.month, b.month)
	})
	touched = slices.Compact(touched)
	// The customers' records, read in one ordered walk (getSorted) rather
	// than a descent of the tree each: an HTTP round touches thousands.
	var customers []string
	for i, t := range touched {
		if i == 0 || t.customer != touched[i-1].customer {
			customers = append(customers, t.customer)
		}
	}
	recs := make([]changeRecord, len(customers))
	for i := range recs {
		recs[i].count = 1 // a customer never changed
	}
	bk := tx.Bucket(bucketChanges)
	if err := getSorted(bk, customers, func(i int, v []byte) error {
		r, err := decodeChanges(v)
		if err != nil {
			r = changeRecord{} // count 0: every check fails, Check reports it
		}
		recs[i] = r
		return nil
	}); err != nil {
		return err
	}
	c := 0
	for i := 0; i < len(touched); {
		j := i
		var months []uint32
		for ; j < len(touched) && touched[j].customer == touched[i].customer; j++ {
			months = append(months, touched[j].month)
		}
		r := &recs[c]
		r.mark(months...)
		if err := bk.Put([]byte(customers[c]), r.encode()); err != nil {
			return err
		}
		c++
		i = j
	}
	return nil
}

// unchangedSince: no usage of customer before through (exclusive), and
// nothing customer-wide, changed after the counter read checked.
func unchangedSince(tx *bolt.Tx, customer string, checked uint64, through pricing.Date) bool {
	last := uint32(0) // the last month read
	if !through.IsZero() {
		last = dayNum(through.AddDays(-1)) / 100
	}
	// Walk the record's bytes instead of decoding it (decodeChanges): a
	// listing asks this of every draft, and the decoded marks were a tenth
	// of its garbage. A counter of 0, or marks up to the last month read
	// that do not decode, read as changed (monthend check reports both).
	v := tx.Bucket(bucketChanges).Get([]byte(customer))
	if len(v) == 0 {
		return true // never changed: counter 1, no marks
	}
	d := decoder{b: v}
	if d.uvarint() == 0 || d.err != nil {
		return false
	}
	for len(d.b) > 0 {
		month, at := d.uvarint(), d.uvarint()
		if d.err != nil {
			return false
		}
		if month > uint64(last) {
			break
		}
		if at > checked {
			return false
		}
	}
	return true
}
