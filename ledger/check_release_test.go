package ledger

import (
	"bytes"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestReleaseMappedKeepsData: values read before and after releaseMapped,
// in the same read transaction, are the same bytes.
func TestReleaseMappedKeepsData(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	ingest(t, b, ev("a", "acme", "calls", "2026-03-05T10:00:00Z", "1"), ev("b", "globex", "gb", "2026-03-06T10:00:00Z", "2.5"))
	err := b.view(func(tx *bolt.Tx) error {
		var before [][]byte
		var held [][]byte // slices into the map, read again after the release
		tx.Bucket(bucketRollupMonths).ForEach(func(k, v []byte) error {
			before = append(before, bytes.Clone(v))
			held = append(held, v)
			return nil
		})
		releaseMapped(tx)
		i := 0
		tx.Bucket(bucketRollupMonths).ForEach(func(k, v []byte) error {
			if !bytes.Equal(v, before[i]) || !bytes.Equal(held[i], before[i]) {
				t.Errorf("record %q changed across the release", k)
			}
			i++
			return nil
		})
		if i != len(before) || i == 0 {
			t.Errorf("%d records after the release, %d before", i, len(before))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
