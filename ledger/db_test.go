package ledger

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

// freelistPage reads where the file's current meta page (of the two, the
// one with the higher transaction id) says the freelist is. bbolt's layout:
// a 16-byte page header, then magic, version, page size, flags (4 bytes
// each), the root bucket (16), freelist pgid, high-water pgid, txid (8
// each), in the machine's byte order.
func freelistPage(t *testing.T, path string) uint64 {
	t.Helper()
	data, pageSize := bookFile(t, path)
	var freelist, txid uint64
	for i := range 2 {
		m := data[i*pageSize+16:]
		if id := binary.NativeEndian.Uint64(m[48:]); id >= txid {
			txid, freelist = id, binary.NativeEndian.Uint64(m[32:])
		}
	}
	return freelist
}

// bookFile reads the book's file and the page size its first meta page
// records.
func bookFile(t *testing.T, path string) (data []byte, pageSize int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data, int(binary.NativeEndian.Uint32(data[16+8:]))
}

// noFreelist is bbolt's freelist pgid for "not written: rebuild by scanning".
const noFreelist = ^uint64(0)

func TestNoFreelistSyncWritesTheFreelistOnceAtClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.db")
	b, err := Open(path, Options{Actor: "test", NoSync: true, NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 { // enough commits to free pages
		c := Customer{ID: "c" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Name: "C", Currency: pricing.MustCurrency("EUR"),
			TimeZone: "Europe/Berlin", PaymentTermsDays: 14, TaxRate: decimal.NewFromInt(19)}
		if err := b.AddCustomer(c); err != nil {
			t.Fatal(err)
		}
	}
	if got := freelistPage(t, path); got != noFreelist {
		t.Fatalf("while open the commits wrote a freelist (page %d): NoFreelistSync not in effect", got)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := freelistPage(t, path); got == noFreelist {
		t.Fatal("closed without writing the freelist: the next open would walk the whole file")
	}
	// The book is whole, and a later ordinary open writes freelists again.
	b, err = Open(path, Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	mustCheck(t, b)
	if err := b.AddCustomer(Customer{ID: "late", Name: "Late", Currency: pricing.MustCurrency("EUR"), TimeZone: "Europe/Berlin"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := freelistPage(t, path); got == noFreelist {
		t.Error("an ordinary commit after reopening wrote no freelist")
	}
}
