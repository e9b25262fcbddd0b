package ledger

import (
	"encoding/binary"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The change counter (schema 5) is what lets a listing tell a current draft
// from a stale one without pricing it again or re-reading its usage.
//
// Every transaction that changes something a customer's drafts are priced
// from increments the customer's counter: the rollup writer (ingestion,
// corrections, mapping an alias) for every customer whose rollups it
// writes, Issue (a newly issued invoice changes what is late), and the
// customer record's updates. A draft's summary records the counter it was
// last found current at (summary.Checked). While the counter still holds
// that value nothing the draft depends on besides its schedule has moved,
// so the draft is current if its schedule version is the newest. When the
// counter has moved the draft may be stale, and only then is it checked the
// slow way (Staleness).
//
// The counter is conservative: it may move without the draft's figures
// moving (a duplicate-free batch that only touched other metrics), never
// the other way round.

// changeCount is customer's counter; a customer never changed reads 1, so
// a summary's Checked of 0 always means "never checked".
func changeCount(tx *bolt.Tx, customer string) uint64 {
	v := tx.Bucket(bucketChanges).Get([]byte(customer))
	if len(v) != 8 {
		return 1
	}
	return binary.BigEndian.Uint64(v)
}

// bumpChanges increments each customer's counter once.
func bumpChanges(tx *bolt.Tx, customers ...string) error {
	bk := tx.Bucket(bucketChanges)
	for _, c := range customers {
		n := changeCount(tx, c) + 1
		if err := bk.Put([]byte(c), binary.BigEndian.AppendUint64(nil, n)); err != nil {
			return err
		}
	}
	return nil
}

// bumpRollupCustomers increments the counter of every customer in keys,
// rollup keys (customer|metric|DAY) in ascending order.
func bumpRollupCustomers(tx *bolt.Tx, keys []string) error {
	var customers []string
	for _, k := range keys {
		i := strings.IndexByte(k, 0)
		if i < 0 {
			continue
		}
		if c := k[:i]; len(customers) == 0 || customers[len(customers)-1] != c {
			customers = append(customers, c)
		}
	}
	return bumpChanges(tx, customers...)
}
