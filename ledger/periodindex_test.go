package ledger

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The 8 → 9 migration rewrites a half-full period index on full pages and
// keeps every entry as it was; new summaries keep the pages full.
func TestPeriodIndexMigrationFillsPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.db")
	b, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	// A schema-8 index as bbolt's default fill left it: 3,000 entries in
	// key order, pages split at one half.
	err = b.update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketInvoicePeriods)
		for i := range 3000 {
			k := periodIndexKey(fmt.Sprintf("2026-%02d", 1+i/1000), fmt.Sprintf("s%05d:x", i))
			if err := bk.Put(k, bytes.Repeat([]byte{byte(i)}, 120)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte{0, 0, 0, 8})
	})
	if err != nil {
		t.Fatal(err)
	}
	fill := func(b *Book) (float64, int) {
		var s bolt.BucketStats
		_ = b.view(func(tx *bolt.Tx) error { s = tx.Bucket(bucketInvoicePeriods).Stats(); return nil })
		return float64(s.LeafInuse) / float64(s.LeafAlloc), s.KeyN
	}
	before, _ := fill(b)
	if before > 0.6 {
		t.Fatalf("the schema-8 index is %.0f%% full; the test wants one as bbolt's default leaves it", 100*before)
	}
	b.Close()
	b, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	after, n := fill(b)
	if after < 0.85 || n != 3000 {
		t.Fatalf("after the migration: %d entries, pages %.0f%% full (were %.0f%%)", n, 100*after, 100*before)
	}
	err = b.view(func(tx *bolt.Tx) error {
		i := 0
		return tx.Bucket(bucketInvoicePeriods).ForEach(func(k, v []byte) error {
			want := periodIndexKey(fmt.Sprintf("2026-%02d", 1+i/1000), fmt.Sprintf("s%05d:x", i))
			if !bytes.Equal(k, want) || !bytes.Equal(v, bytes.Repeat([]byte{byte(i)}, 120)) {
				t.Errorf("entry %d: %q → %d bytes, want %q", i, k, len(v), want)
			}
			i++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	// New periods appended through putSummary stay on full pages.
	err = b.update(func(tx *bolt.Tx) error {
		for i := range 3000 {
			s := invoiceSummary{ID: fmt.Sprintf("t%05d:2026-07", i), Period: InvoicePeriod{Label: "2026-07"}, Status: InvoiceDraft, Currency: "EUR"}
			if err := putSummary(tx, &s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if grown, n := fill(b); grown < 0.85 || n != 6000 {
		t.Errorf("after 3,000 new summaries: %d entries, pages %.0f%% full", n, 100*grown)
	}
}
