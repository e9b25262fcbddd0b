package ledger

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Alias maps an identifier found on usage events to a customer. Each alias
// belongs to at most one customer across the book.
type Alias struct {
	Alias    string `json:"alias"`
	Customer string `json:"customer"`
}

// MapAlias maps alias to the customer and attributes, in the same
// transaction, every event already received under that alias: their usage
// then shows in the customer's totals. It returns how many events it
// attributed. Mapping an alias again to the same customer does nothing.
func (b *Book) MapAlias(alias, customerID string) (int, error) {
	var n int
	err := b.update(func(tx *bolt.Tx) error {
		var err error
		n, err = b.mapAlias(tx, alias, customerID)
		return err
	})
	return n, err
}

func (b *Book) mapAlias(tx *bolt.Tx, alias, customerID string) (int, error) {
	if err := validKey("alias", alias); err != nil {
		return 0, err
	}
	if _, err := getCustomer(tx, customerID); err != nil {
		return 0, err
	}
	aliases := tx.Bucket(bucketAliases)
	if owner := aliases.Get([]byte(alias)); owner != nil {
		if string(owner) == customerID {
			return 0, nil
		}
		return 0, fmt.Errorf("alias %q %w: it belongs to customer %s (each alias maps to one customer)", alias, ErrExists, owner)
	}
	b.forgetCustomers()
	if err := aliases.Put([]byte(alias), []byte(customerID)); err != nil {
		return 0, err
	}
	// Attribute the waiting events. Collect first: attributing deletes from
	// the bucket we would otherwise be iterating.
	prefix := append([]byte(alias), 0)
	var seqs []uint64
	c := tx.Bucket(bucketUnattrib).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		seqs = append(seqs, binary.BigEndian.Uint64(k[len(prefix):]))
	}
	w := newWriter(b, tx)
	for _, seq := range seqs {
		se, err := w.events.read(seq)
		if err != nil {
			return 0, err
		}
		if err := w.remove(&se); err != nil { // off the unattributed list
			return 0, err
		}
		m := w.metric(se.Metric)
		if m == nil {
			return 0, fmt.Errorf("event #%d: metric %s is gone", seq, se.Metric)
		}
		id, ci, err := w.resolve(se.Customer)
		if err != nil {
			return 0, err
		}
		v, uniq, err := eventValue(m, &se.Event)
		if err != nil {
			return 0, fmt.Errorf("event #%d: %w", seq, err)
		}
		if err := w.attribute(&se, m, aliasTarget{id, ci}, v, uniq); err != nil {
			return 0, err
		}
		if err := w.putEvent(&se); err != nil {
			return 0, err
		}
	}
	if err := w.flush(); err != nil {
		return 0, err
	}
	return len(seqs), b.audit(tx, "alias.map", "alias "+alias, "unattributed",
		fmt.Sprintf("customer %s (%d waiting events attributed)", customerID, len(seqs)))
}

// Aliases lists every alias, optionally only one customer's.
func (b *Book) Aliases(customerID string) ([]Alias, error) {
	var out []Alias
	err := b.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAliases).ForEach(func(k, v []byte) error {
			if customerID == "" || string(v) == customerID {
				out = append(out, Alias{Alias: string(k), Customer: string(v)})
			}
			return nil
		})
	})
	return out, err
}

// UnattributedAlias is an alias with usage waiting for a customer.
// FirstSeen and LastSeen are the earliest and latest event timestamps
// (as sent, in UTC) among its waiting events: how long it has been
// arriving unclaimed, and whether it still arrives.
type UnattributedAlias struct {
	Alias     string    `json:"alias"`
	Events    int       `json:"events"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// Unattributed lists the aliases with events that map to no customer, with
// how many events each holds and when the first and last of them happened.
// It decodes each waiting event (the index holds only alias and sequence
// number), so it costs one event read per unattributed event.
func (b *Book) Unattributed() ([]UnattributedAlias, error) {
	var out []UnattributedAlias
	err := b.view(func(tx *bolt.Tx) error {
		events := tx.Bucket(bucketEvents)
		return tx.Bucket(bucketUnattrib).ForEach(func(k, _ []byte) error {
			i := bytes.IndexByte(k, 0)
			if i < 0 || len(k)-i-1 != 8 {
				return fmt.Errorf("unattributed key %q: %w", k, errCorrupt)
			}
			seq := binary.BigEndian.Uint64(k[i+1:])
			se, err := readEvent(events, seq)
			if err != nil {
				return fmt.Errorf("unattributed event #%d: %w", seq, err)
			}
			alias, at := k[:i], se.Timestamp
			if n := len(out); n > 0 && out[n-1].Alias == string(alias) {
				u := &out[n-1]
				u.Events++
				if at.Before(u.FirstSeen) {
					u.FirstSeen = at
				}
				if at.After(u.LastSeen) {
					u.LastSeen = at
				}
			} else {
				out = append(out, UnattributedAlias{Alias: string(alias), Events: 1, FirstSeen: at, LastSeen: at})
			}
			return nil
		})
	})
	return out, err
}
