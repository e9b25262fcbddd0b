package ledger

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// toSchema7 rewrites a book's events the way schema 7 stored them — one
// key per event, its encodeEvent value — and marks the book schema 7.
func toSchema7(t *testing.T, b *Book) {
	t.Helper()
	err := b.update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketEvents)
		type stored struct {
			seq uint64
			enc []byte
		}
		var all []stored
		err := forEachStoredEvent(bk, func(seq uint64, enc []byte) error {
			all = append(all, stored{seq, slices.Clone(enc)})
			return nil
		}, func(k []byte, err error) { t.Errorf("events value %x: %v", k, err) })
		if err != nil {
			return err
		}
		var keys [][]byte
		bk.ForEach(func(k, _ []byte) error { keys = append(keys, slices.Clone(k)); return nil })
		for _, k := range keys {
			if err := bk.Delete(k); err != nil {
				return err
			}
		}
		for _, s := range all {
			if err := bk.Put(seqKey(s.seq), s.enc); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), binary.BigEndian.AppendUint32(nil, 7))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSchema7BookMigratesAndKeepsCounting: a book whose events are stored
// one per key (schema 7) opens as schema 8 without rewriting them, passes
// Check, and its old events still count once: resends are duplicates,
// corrections supersede them (also the max and latest events, whose days
// are rescanned), mapping an alias attributes old unattributed events.
func TestSchema7BookMigratesAndKeepsCounting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.db")
	opts := Options{NoSync: true, Now: func() time.Time { return time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC) }}
	b, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	setup(t, b)
	old := []Event{
		ev("c1", "acme", "calls", "2026-03-05T10:00:00Z", "1"),
		ev("c2", "acme", "calls", "2026-03-05T11:00:00Z", "1"),
		ev("s1", "acme", "seats", "2026-03-05T10:00:00Z", "7"),
		ev("s2", "acme", "seats", "2026-03-05T11:00:00Z", "4"),
		ev("p1", "acme", "plan", "2026-03-05T12:00:00Z", "3"),
		ev("u1", "acme", "users", "2026-03-05T10:00:00Z", "1", "user", "ann"),
		ev("x1", "stray", "calls", "2026-03-06T10:00:00Z", "1"),
	}
	ingest(t, b, old...)
	toSchema7(t, b)
	b = reopen(t, b, path, opts)
	b.view(func(tx *bolt.Tx) error {
		if v := readVersion(tx); v != schemaVersion {
			t.Errorf("schema %d after open, want %d", v, schemaVersion)
		}
		if n := tx.Bucket(bucketEvents).Stats().KeyN; n != len(old) {
			t.Errorf("%d keys in events, want the %d schema-7 keys untouched", n, len(old))
		}
		return nil
	})
	mustCheck(t, b)

	res := ingest(t, b,
		old[0], // a resend
		ev("c2", "acme", "calls", "2026-03-07T11:00:00Z", "1"), // corrected
		ev("s1", "acme", "seats", "2026-03-05T10:00:00Z", "2"), // the max lowered
		ev("p1", "acme", "plan", "2026-03-05T09:00:00Z", "3"),  // no longer the latest…
		ev("p2", "acme", "plan", "2026-03-05T10:00:00Z", "5"),  // …this is
		ev("u1", "acme", "users", "2026-03-05T10:00:00Z", "1", "user", "bob"),
		ev("c3", "acme", "calls", "2026-03-08T10:00:00Z", "1"),
	)
	wantOutcomes(t, res, Duplicate, Superseded, Superseded, Superseded, Accepted, Superseded, Accepted)
	if n, err := b.MapAlias("stray", "acme"); err != nil || n != 1 {
		t.Fatalf("map stray: %d attributed, %v", n, err)
	}
	for metric, q := range map[string]string{"calls": "4", "seats": "4", "plan": "5", "users": "1"} {
		if got := total(t, b, "acme", metric, "2026-03"); got != q {
			t.Errorf("%s = %s, want %s", metric, got, q)
		}
	}
	if e, err := b.Event("c2"); err != nil || !e.Timestamp.Equal(ts("2026-03-07T11:00:00Z")) {
		t.Errorf("event c2: %v at %v, want the correction", err, e.Timestamp)
	}
	if e, err := b.Event("x1"); err != nil || e.CustomerID != "acme" {
		t.Errorf("event x1: %v, customer %q, want acme", err, e.CustomerID)
	}
	mustCheck(t, b)
}

// TestEventBlocks: events written in blocks read back, count once, and can
// be corrected where they are — in a stored block, in the block still being
// written, and twice in one transaction.
func TestEventBlocks(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	const n = 2*blockEvents + 17
	var batch []Event
	for i := 0; i < n; i++ {
		batch = append(batch, ev(fmt.Sprintf("e%d", i), "acme", "gb", "2026-03-05T10:00:00Z", "1"))
	}
	// Within the batch: e3 corrected twice (its block is still in memory).
	batch = append(batch, ev("e3", "acme", "gb", "2026-03-05T10:00:00Z", "10"), ev("e3", "acme", "gb", "2026-03-05T10:00:00Z", "20"))
	ingest(t, b, batch...)
	b.view(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketEvents)
		if k := bk.Stats().KeyN; k != 3 {
			t.Errorf("%d values for %d events, want 3 blocks", k, n)
		}
		if c, err := countEvents(bk); c != n || err != nil {
			t.Errorf("%d events stored (%v), want %d", c, err, n)
		}
		return nil
	})
	// Across batches: e300 (second block) and e0 corrected in one batch, and
	// e300 again; e5 resent unchanged.
	res := ingest(t, b,
		ev("e300", "acme", "gb", "2026-03-06T10:00:00Z", "2"),
		ev("e0", "acme", "gb", "2026-03-05T10:00:00Z", "3"),
		ev("e300", "acme", "gb", "2026-03-06T10:00:00Z", "4"),
		ev("e5", "acme", "gb", "2026-03-05T10:00:00Z", "1"),
	)
	for i, want := range []Outcome{Superseded, Superseded, Superseded, Duplicate} {
		if res[i].Outcome != want {
			t.Errorf("event %s: %v, want %v", res[i].ID, res[i].Outcome, want)
		}
	}
	// n events of 1, of which e3 is 20, e300 4 and e0 3.
	if got, want := total(t, b, "acme", "gb", "2026-03"), fmt.Sprint(n-3+20+4+3); got != want {
		t.Errorf("gb = %s, want %s", got, want)
	}
	for id, v := range map[string]string{"e3": "20", "e300": "4", "e0": "3", "e511": "1", "e1": "1"} {
		if e, err := b.Event(id); err != nil || e.Value.String() != v {
			t.Errorf("event %s: value %s (%v), want %s", id, e.Value, err, v)
		}
	}
}

// TestCheckFindsBrokenEventBlocks: Check reports blocks that overlap,
// events numbered past the bucket's sequence (a new event would reuse the
// number) and an event id stored twice.
func TestCheckFindsBrokenEventBlocks(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		breakIt    func(bk *bolt.Bucket) error
	}{
		{"overlap", "overlaps", func(bk *bolt.Bucket) error {
			_, v, _ := storedValue(bk, 1)
			enc, err := eventIn(1, v, 2)
			if err != nil {
				return err
			}
			return bk.Put(seqKey(2), slices.Clone(enc)) // event 2 again, on its own
		}},
		{"sequence behind", "sequence", func(bk *bolt.Bucket) error { return bk.SetSequence(2) }},
		{"an id twice", "is stored twice (#1 and #4)", func(bk *bolt.Bucket) error {
			_, v, _ := storedValue(bk, 1)
			enc, err := eventIn(1, v, 1)
			if err != nil {
				return err
			}
			if err := bk.Put(seqKey(4), slices.Clone(enc)); err != nil { // event #1 again, as #4
				return err
			}
			return bk.SetSequence(4)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Open(filepath.Join(t.TempDir(), "book.db"), Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			setup(t, b)
			ingest(t, b, ev("a", "acme", "calls", "2026-03-05T10:00:00Z", "1"),
				ev("b", "acme", "calls", "2026-03-05T10:00:00Z", "1"), ev("c", "acme", "calls", "2026-03-05T10:00:00Z", "1"))
			mustCheck(t, b)
			if err := b.update(func(tx *bolt.Tx) error { return tc.breakIt(tx.Bucket(bucketEvents)) }); err != nil {
				t.Fatal(err)
			}
			wantBreach(t, b, tc.want)
		})
	}
}
