package ledger

import (
	"bytes"
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
// value when that month's usage last changed. Month 0 marks changes that
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

// markKey is customer|MONTH (4-byte big-endian YYYYMM; 0 for the
// customer-wide mark). The counter itself is under the bare customer id.
func markKey(customer string, month uint32) []byte {
	k := make([]byte, 0, len(customer)+5)
	k = append(k, customer...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint32(k, month)
}

// changeCount is customer's counter; a customer never changed reads 1, so
// a summary's Checked of 0 always means "never checked".
func changeCount(tx *bolt.Tx, customer string) uint64 {
	v := tx.Bucket(bucketChanges).Get([]byte(customer))
	if len(v) != 8 {
		return 1
	}
	return binary.BigEndian.Uint64(v)
}

// markChanged increments customer's counter and sets the marks of months
// (YYYYMM; 0 = every draft of the customer) to it.
func markChanged(tx *bolt.Tx, customer string, months ...uint32) error {
	bk := tx.Bucket(bucketChanges)
	n := binary.BigEndian.AppendUint64(nil, changeCount(tx, customer)+1)
	if err := bk.Put([]byte(customer), n); err != nil {
		return err
	}
	for _, m := range months {
		if err := bk.Put(markKey(customer, m), n); err != nil {
			return err
		}
	}
	return nil
}

// markRollups marks the customers and months of keys, rollup keys
// (customer|metric|DAY) in ascending order.
func markRollups(tx *bolt.Tx, keys []string) error {
	var customer string
	var months []uint32
	flush := func() error {
		if customer == "" {
			return nil
		}
		slices.Sort(months)
		return markChanged(tx, customer, slices.Compact(months)...)
	}
	for _, k := range keys {
		i := strings.IndexByte(k, 0)
		if i < 0 || len(k) < i+5 {
			continue
		}
		if c := k[:i]; c != customer {
			if err := flush(); err != nil {
				return err
			}
			customer, months = c, months[:0]
		}
		months = append(months, binary.BigEndian.Uint32([]byte(k[len(k)-4:]))/100)
	}
	return flush()
}

// unchangedSince: no usage of customer before through (exclusive), and
// nothing customer-wide, changed after the counter read checked.
func unchangedSince(tx *bolt.Tx, customer string, checked uint64, through pricing.Date) bool {
	last := uint32(0) // the last month read
	if !through.IsZero() {
		last = dayNum(through.AddDays(-1)) / 100
	}
	prefix := markKey(customer, 0)[:len(customer)+1]
	c := tx.Bucket(bucketChanges).Cursor()
	for k, v := c.Seek(markKey(customer, 0)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != len(prefix)+4 || binary.BigEndian.Uint32(k[len(prefix):]) > last {
			break
		}
		if len(v) != 8 || binary.BigEndian.Uint64(v) > checked {
			return false
		}
	}
	return true
}
