package ledger

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// recountIn makes Check spread its recount over at most ranges customer
// ranges, a partition holding partBytes of them at most (1: a range each),
// until the test ends.
func recountIn(t testing.TB, ranges int, partBytes int64) {
	t.Helper()
	r, p := recountRanges, recountPartBytes
	t.Cleanup(func() { recountRanges, recountPartBytes = r, p })
	recountRanges, recountPartBytes = ranges, partBytes
}

// recountCustomers are ids that are prefixes of one another, so that a
// range's bound is a prefix of, or starts with, its neighbours' ids.
var recountCustomers = []string{"c", "c-1", "c0", "cc", "d"}

// recountBook is a book of recountCustomers with events of every
// aggregation over two months, distinct values kept apart for some, and
// unattributed usage under aliases that sort before, between and after
// the customers.
func recountBook(t *testing.T) *Book {
	t.Helper()
	defer func(n int) { maxInlineDistinct = n }(maxInlineDistinct)
	maxInlineDistinct = 8 // c-1's and cc's months (15 values) keep them apart, the others' (6) their own
	b, err := Open(filepath.Join(t.TempDir(), "book.db"), Options{Actor: "test", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	setup(t, b)
	for _, id := range recountCustomers {
		if err := b.AddCustomer(Customer{ID: id, Name: id, Currency: pricing.MustCurrency("EUR"), TimeZone: "UTC"}); err != nil {
			t.Fatal(err)
		}
	}
	var events []Event
	for i, c := range recountCustomers {
		for day := 1; day <= 3; day++ {
			for _, month := range []string{"2026-02", "2026-03"} {
				at := fmt.Sprintf("%s-%02dT1%d:00:00Z", month, day, i)
				p := fmt.Sprintf("%s-%s-%d", c, month, day)
				events = append(events,
					ev(p+"-calls", c, "calls", at, "1"),
					ev(p+"-gb", c, "gb", at, fmt.Sprintf("%d.5", day)),
					ev(p+"-seats", c, "seats", at, fmt.Sprint(day+i)),
					ev(p+"-plan", c, "plan", at, fmt.Sprint(10+day)))
				for u := range day + 3*(i%2) { // every other customer's months keep their values apart
					events = append(events, ev(fmt.Sprintf("%s-users-%d", p, u), c, "users", at, "1", "user", fmt.Sprintf("u%d", u)))
				}
			}
		}
	}
	for i, alias := range []string{"a-stray", "c-", "cb", "zz"} {
		events = append(events, ev(fmt.Sprintf("stray-%d", i), alias, "calls", "2026-03-04T10:00:00Z", "1"))
	}
	ingest(t, b, events...)
	return b
}

// TestCheckRecountPartitions: the book is sound whatever the ranges and
// partitions: every stored key falls in the partition of its customer.
func TestCheckRecountPartitions(t *testing.T) {
	b := recountBook(t)
	for _, ranges := range []int{1, 2, 3, len(recountCustomers) + len([]string{"acme", "globex"}), 256} {
		for _, part := range []int64{1, 200, 1 << 30} {
			t.Run(fmt.Sprintf("%d ranges, %d bytes", ranges, part), func(t *testing.T) {
				recountIn(t, ranges, part)
				mustCheck(t, b)
			})
		}
	}
}

// TestCheckRecountRanges: the ranges' bounds are customer ids, and every
// key of a customer falls in the customer's range.
func TestCheckRecountRanges(t *testing.T) {
	recountIn(t, 3, 1)
	customers := []string{"a", "b", "b-x", "b0", "bb", "c"}
	rc, err := newRecounter("", 0, customers, map[string]*Metric{"calls": {Code: "calls", Aggregation: AggCount}})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.close()
	if want := []string{"", "b-x", "bb"}; fmt.Sprint(rc.bounds) != fmt.Sprint(want) {
		t.Fatalf("bounds %q, want %q", rc.bounds, want)
	}
	for _, c := range append(customers, "", "0", "b-", "b\xff", "zzz") {
		r := rc.rangeOf(c)
		for _, k := range [][]byte{
			rollupKey(nil, c, "calls", 20260305),
			usageKey(nil, c, "calls", 20260305, 7),
			uniqueKey(nil, c, "users", 20260305, "u\x00v"),
			unattribKey(nil, c, 9),
			[]byte(c),
		} {
			if got := rc.rangeOfKey(k); got != r {
				t.Errorf("key %q: range %d, its customer %q's is %d", k, got, c, r)
			}
			if (r > 0 && string(k) < rc.bounds[r]) || (r+1 < len(rc.bounds) && string(k) >= rc.bounds[r+1]) {
				t.Errorf("key %q is outside its range %d's [%q, …)", k, r, rc.bounds[r])
			}
		}
		if got := rc.rangeOfKey(monthKeyCustomer(monthKey(nil, c, "calls", 20260300))); got != r {
			t.Errorf("month key of %q: range %d, want %d", c, got, r)
		}
	}
}

// TestCheckRecountFindsBreaches: a breach in the first, a middle or the
// last partition of the recount is found, with one range per partition.
func TestCheckRecountFindsBreaches(t *testing.T) {
	monthRec := func(tx *bolt.Tx, customer, metric string) ([]byte, monthRecord) {
		k := monthKey(nil, customer, metric, 20260300)
		rec, err := decodeMonthRecord(tx.Bucket(bucketRollupMonths).Get(k))
		if err != nil {
			t.Fatal(err)
		}
		return k, rec
	}
	firstKey := func(bk *bolt.Bucket, prefix []byte) []byte {
		k, _ := bk.Cursor().Seek(prefix)
		if !bytes.HasPrefix(k, prefix) {
			t.Fatalf("no key under %q", prefix)
		}
		return bytes.Clone(k)
	}
	for _, customer := range []string{"c", "c-1", "cc", "d"} {
		for _, tc := range []struct {
			name, want string
			forge      func(tx *bolt.Tx) error
		}{
			{"day's events", "usage record " + customer + "/calls/2026-03 day 2: stored {events 5", func(tx *bolt.Tx) error {
				k, rec := monthRec(tx, customer, "calls")
				rec.days[1].r.Events = 5
				return tx.Bucket(bucketRollupMonths).Put(k, encodeMonthRecord(nil, &rec))
			}},
			{"latest", "usage record " + customer + "/plan/2026-03 day 3: stored", func(tx *bolt.Tx) error {
				k, rec := monthRec(tx, customer, "plan")
				rec.days[2].r.LatestID = "other"
				return tx.Bucket(bucketRollupMonths).Put(k, encodeMonthRecord(nil, &rec))
			}},
			{"record missing", "missing (recount {events 1", func(tx *bolt.Tx) error {
				return tx.Bucket(bucketRollupMonths).Delete(monthKey(nil, customer, "seats", 20260300))
			}},
			{"usage index lacks", "usage index lacks", func(tx *bolt.Tx) error {
				bk := tx.Bucket(bucketUsage)
				return bk.Delete(firstKey(bk, rollupKey(nil, customer, "seats", 20260302)))
			}},
			{"usage index stray", "usage index holds", func(tx *bolt.Tx) error {
				return tx.Bucket(bucketUsage).Put(usageKey(nil, customer, "seats", 20260302, 1<<40), nil)
			}},
			{"distinct value count", "stored count 3, recount 1", func(tx *bolt.Tx) error {
				k, rec := monthRec(tx, customer, "users")
				if rec.external {
					bk := tx.Bucket(bucketDistinct)
					return bk.Put(uniqueKey(nil, customer, "users", 20260301, "u0"), encodeCount(3))
				}
				rec.days[0].values[0].n = 3
				return tx.Bucket(bucketRollupMonths).Put(k, encodeMonthRecord(nil, &rec))
			}},
			{"distinct value lost", `u1" missing (recount 1)`, func(tx *bolt.Tx) error {
				k, rec := monthRec(tx, customer, "users")
				if rec.external {
					return tx.Bucket(bucketDistinct).Delete(uniqueKey(nil, customer, "users", 20260302, "u1"))
				}
				rec.days[1].values = rec.days[1].values[:1]
				return tx.Bucket(bucketRollupMonths).Put(k, encodeMonthRecord(nil, &rec))
			}},
			{"distinct value stray", "kept apart", func(tx *bolt.Tx) error {
				return tx.Bucket(bucketDistinct).Put(uniqueKey(nil, customer, "calls", 20260302, "x"), encodeCount(1))
			}},
		} {
			t.Run(customer+"/"+tc.name, func(t *testing.T) {
				recountIn(t, 256, 1)
				b := recountBook(t)
				mustCheck(t, b)
				if err := b.update(tc.forge); err != nil {
					t.Fatal(err)
				}
				wantBreach(t, b, tc.want)
			})
		}
	}
}

// TestCheckRecountFindsUnattributedBreaches: the unattributed list is
// compared in the partition of its alias, wherever the alias sorts.
func TestCheckRecountFindsUnattributedBreaches(t *testing.T) {
	for _, alias := range []string{"a-stray", "c-", "cb", "zz"} {
		t.Run(alias, func(t *testing.T) {
			recountIn(t, 256, 1)
			b := recountBook(t)
			err := b.update(func(tx *bolt.Tx) error {
				bk := tx.Bucket(bucketUnattrib)
				prefix := append([]byte(alias), 0)
				k, _ := bk.Cursor().Seek(prefix)
				if !bytes.HasPrefix(k, prefix) {
					t.Fatalf("no unattributed event of %q", alias)
				}
				if err := bk.Delete(bytes.Clone(k)); err != nil {
					return err
				}
				return bk.Put(unattribKey(nil, alias+"-x", 1<<40), nil)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantBreach(t, b, "unattributed list lacks \""+alias+"\\x00")
			wantBreach(t, b, "unattributed list holds \""+alias+"-x|")
		})
	}
}

// TestEventHashes: positions follow the sequence numbers across gaps;
// numbers at or below the last are refused.
func TestEventHashes(t *testing.T) {
	var e eventHashes
	seqs := []uint64{1, 2, 3, 7, 8, 1 << 40}
	for _, s := range seqs {
		if !e.add(s, s*10) {
			t.Fatalf("add %d refused", s)
		}
	}
	if e.add(8, 1) || e.add(1<<40, 1) {
		t.Fatal("a number at or below the last was held")
	}
	for i, s := range seqs {
		if p, ok := e.pos(s); !ok || p != i || e.at(p) != s*10 {
			t.Errorf("pos(%d) = %d, %v; want %d", s, p, ok, i)
		}
	}
	for _, s := range []uint64{0, 4, 6, 9, 1<<40 - 1, 1<<40 + 1} {
		if p, ok := e.pos(s); ok {
			t.Errorf("pos(%d) = %d, want none", s, p)
		}
	}
	var got []uint64
	e.each(func(seq uint64, p int, h uint64) {
		if h != seq*10 || p != len(got) {
			t.Errorf("each: #%d at %d hash %d", seq, p, h)
		}
		got = append(got, seq)
	})
	if fmt.Sprint(got) != fmt.Sprint(seqs) {
		t.Errorf("each: %v, want %v", got, seqs)
	}
	// Past a chunk.
	var big eventHashes
	for s := uint64(5); s < 5+3*hashChunk; s++ {
		big.add(s, s)
	}
	if p, ok := big.pos(5 + 2*hashChunk + 3); !ok || big.at(p) != 5+2*hashChunk+3 {
		t.Errorf("past two chunks: %d %v", p, ok)
	}
}

// TestCheckIDsOnceInPasses: an id stored twice is found when the hashes
// are sorted a few at a time, whichever pass holds its hash.
func TestCheckIDsOnceInPasses(t *testing.T) {
	for _, pass := range []int{1, 2, 5, 1 << 21} {
		t.Run(fmt.Sprint(pass), func(t *testing.T) {
			defer func(n int) { idsOncePass = n }(idsOncePass)
			idsOncePass = pass
			b, err := Open(filepath.Join(t.TempDir(), "book.db"), Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			setup(t, b)
			var events []Event
			for i := range 10 {
				events = append(events, ev(fmt.Sprintf("e%d", i), "acme", "calls", "2026-03-05T10:00:00Z", "1"))
			}
			ingest(t, b, events...)
			mustCheck(t, b)
			err = b.update(func(tx *bolt.Tx) error {
				bk := tx.Bucket(bucketEvents)
				for seq, as := range map[uint64]uint64{3: 11, 8: 12} { // events #3 and #8 again
					first, v, _ := storedValue(bk, seq)
					enc, err := eventIn(first, v, seq)
					if err != nil {
						return err
					}
					if err := bk.Put(seqKey(as), bytes.Clone(enc)); err != nil {
						return err
					}
				}
				return bk.SetSequence(12)
			})
			if err != nil {
				t.Fatal(err)
			}
			br, err := b.Check(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range br {
				if bytes.Contains([]byte(s), []byte("is stored twice")) {
					n++
				}
			}
			if n != 2 {
				t.Errorf("%d ids stored twice in %q, want 2", n, br)
			}
		})
	}
}

// TestForEachMonthRecordIn: the partitions' seeks visit every key of the
// month records' bucket exactly once, in the partition of its customer,
// whatever the months' bytes (0xff ones carry over) and keys too short to
// hold a month.
func TestForEachMonthRecordIn(t *testing.T) {
	keys := [][]byte{{1}, {1, 2, 4}, {1, 2, 3, 0xff}, {0xff, 0xff, 0xff}}
	for _, month := range [][]byte{{0, 0, 0, 0}, {1, 2, 3, 0xff}, {1, 2, 4, 0}, {0xff, 0xff, 0xff, 0xff}} {
		for _, c := range []string{"a", "l\x00x", "m", "m\x00x", "mm\x00x", "z\x00x"} {
			keys = append(keys, append(bytes.Clone(month), c...))
		}
	}
	db, err := bolt.Open(filepath.Join(t.TempDir(), "b.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucket([]byte("months"))
		for _, k := range keys {
			if err == nil {
				err = bk.Put(k, []byte("v"))
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, bounds := range [][]string{{""}, {"", "m"}, {"", "m", "mm"}, {"", "b", "n", "zz"}} {
		rc := &recounter{bounds: bounds}
		seen := map[string]int{}
		err := db.View(func(tx *bolt.Tx) error {
			for p := range bounds {
				var lo, hi []byte
				if p > 0 {
					lo = []byte(bounds[p])
				}
				if p+1 < len(bounds) {
					hi = []byte(bounds[p+1])
				}
				in := func(k []byte) bool { return rc.rangeOfKey(monthKeyCustomer(k)) == p }
				forEachMonthRecordIn(tx.Bucket([]byte("months")), in, lo, hi, func(k, _ []byte) {
					if !in(k) {
						t.Errorf("bounds %q: partition %d visits %q", bounds, p, k)
					}
					seen[string(k)]++
				})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if seen[string(k)] != 1 {
				t.Errorf("bounds %q: key %q visited %d times", bounds, k, seen[string(k)])
			}
		}
	}
}
