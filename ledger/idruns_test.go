package ledger

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"
)

// smallIDRuns makes runs of chunks of 3 entries and bloom parts of one
// block, so that a few events span many values, and caps merges at 24
// entries, so that a few dozen events fill runs that merge no more.
func smallIDRuns(t testing.TB) {
	chunk, part, mergeCap := idRunChunk, idRunBloomPart, idRunMergeCap
	idRunChunk, idRunBloomPart, idRunMergeCap = 3, 1, 24
	t.Cleanup(func() { idRunChunk, idRunBloomPart, idRunMergeCap = chunk, part, mergeCap })
}

// idRunsRuleBreach says how sizes (any order) break the merge rule's
// invariant: sorted, each pair of neighbours more than twice apart or
// adding up to more than the cap, and no more runs than idRunsBound.
func idRunsRuleBreach(sizes []uint64) string {
	s := slices.Clone(sizes)
	slices.Sort(s)
	var total uint64
	for i, n := range s {
		total += n
		if i > 0 && s[i] <= idRunMergeRatio*s[i-1] && s[i]+s[i-1] <= idRunMergeCap {
			return fmt.Sprintf("runs of %d and %d entries, cap %d, would have merged: %v", s[i-1], s[i], idRunMergeCap, s)
		}
	}
	if uint64(len(s)) > idRunsBound(total) {
		return fmt.Sprintf("%d runs for %d entries, cap %d, bound %d: %v", len(s), total, idRunMergeCap, idRunsBound(total), s)
	}
	return ""
}

// TestPropIDIndexEqualsTheModel: entries added over many transactions,
// with hashes from a small space (collisions across and within runs),
// are all found again, and no lookup finds more; no transaction merges
// more than the cap, and runs stay few (idRunsRuleBreach).
func TestPropIDIndexEqualsTheModel(t *testing.T) {
	smallIDRuns(t)
	dir := t.TempDir()
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		// From caps that seal runs after a transaction or two to ones
		// these few entries never reach (the rule without a cap).
		idRunMergeCap = rapid.Uint64Range(1, 1200).Draw(rt, "cap")
		db, err := bolt.Open(filepath.Join(dir, fmt.Sprintf("i%d.db", n)), 0o600, &bolt.Options{NoSync: true})
		if err != nil {
			rt.Fatal(err)
		}
		defer db.Close()
		model := map[uint64][]uint64{}
		var seq uint64
		txs := rapid.IntRange(1, 25).Draw(rt, "txs")
		for range txs {
			err := db.Update(func(tx *bolt.Tx) error {
				bk, err := tx.CreateBucketIfNotExists(bucketIDRuns)
				if err != nil {
					return err
				}
				x := newIDIndex(bk)
				for k := rapid.IntRange(0, 40).Draw(rt, "adds"); k > 0; k-- { // in random order: many segments
					h := uint64(rapid.IntRange(0, 20).Draw(rt, "h")) << 59 // spread over the whole range
					seq++
					x.add(h, seq)
					model[h] = append(model[h], seq)
					// Seen within the transaction, before flush.
					got, err := x.lookup(h, nil)
					if err != nil {
						return err
					}
					if !sameSeqs(got, model[h]) {
						rt.Fatalf("before flush, hash %x: %v, want %v", h, got, model[h])
					}
				}
				if len(x.segs) > 1+bitsLen(uint64(len(x.added))) {
					rt.Fatalf("%d segments for %d entries", len(x.segs), len(x.added))
				}
				added := uint64(len(x.added))
				if err := x.flush(); err != nil {
					return err
				}
				runs, err := loadIDRuns(bk)
				if err != nil {
					return err
				}
				var sizes []uint64
				for _, r := range runs {
					sizes = append(sizes, r.n)
				}
				// The newest run holds what this transaction merged.
				if added > 0 && runs[len(runs)-1].n > max(idRunMergeCap, added) {
					rt.Fatalf("one transaction of %d entries wrote a run of %d, cap %d", added, runs[len(runs)-1].n, idRunMergeCap)
				}
				if b := idRunsRuleBreach(sizes); b != "" {
					rt.Fatal(b)
				}
				return nil
			})
			if err != nil {
				rt.Fatal(err)
			}
		}
		err = db.View(func(tx *bolt.Tx) error {
			bk := tx.Bucket(bucketIDRuns)
			x := newIDIndex(bk)
			for h := uint64(0); h <= 21; h++ {
				got, err := x.lookup(h<<59, nil)
				if err != nil {
					return err
				}
				if !sameSeqs(got, model[h<<59]) {
					rt.Errorf("hash %x: %v, want %v", h<<59, got, model[h<<59])
				}
			}
			idOf := map[uint64]uint64{}
			for h, seqs := range model {
				for _, s := range seqs {
					idOf[s] = h
				}
			}
			var breaches []string
			checkIDRuns(bk, idOf, func(f string, a ...any) { breaches = append(breaches, fmt.Sprintf(f, a...)) })
			if len(breaches) > 0 {
				rt.Errorf("check: %v", breaches)
			}
			return nil
		})
		if err != nil {
			rt.Fatal(err)
		}
	})
}

// TestIDRunMergeRuleAtScale: the merge rule alone (sizes, no I/O) over
// millions of entries in transactions of random sizes, from the empty
// index and from one that the rule before the cap left (runs above the
// cap, merged no more): no transaction merges more than the cap, and the
// sizes keep the invariant that bounds the runs.
func TestIDRunMergeRuleAtScale(t *testing.T) {
	mergeCap := idRunMergeCap
	t.Cleanup(func() { idRunMergeCap = mergeCap })
	r := rand.New(rand.NewPCG(11, 12))
	for _, start := range [][]uint64{nil, {1 << 24, 1 << 22, 1 << 20, 1 << 17, 1 << 15}} {
		for _, c := range []uint64{1 << 10, 1 << 16, 2 << 20} {
			idRunMergeCap = c
			sizes := slices.Clone(start)
			for range 20_000 {
				added := uint64(1 + r.IntN(int(min(c, 50_000))))
				if r.IntN(100) == 0 {
					added = c + uint64(r.IntN(1000)) // a transaction above the cap: stored as it is
				}
				var k int
				var acc uint64
				sizes, k, acc = addIDRunSizes(sizes, added)
				if k > 0 && acc > c {
					t.Fatalf("cap %d: a merge of %d runs and %d new entries wrote %d", c, k, added, acc)
				}
				if b := idRunsRuleBreach(sizes); b != "" {
					t.Fatal(b)
				}
			}
		}
	}
}

// addIDRunSizes applies the merge rule to run sizes (largest first) for a
// transaction of added entries: the sizes after, how many runs it merged
// and the size of the run it wrote.
func addIDRunSizes(sizes []uint64, added uint64) ([]uint64, int, uint64) {
	k, acc := idRunsToMerge(sizes, added)
	sizes = append(sizes[:len(sizes)-k], acc)
	slices.SortFunc(sizes, func(a, b uint64) int { return cmp.Compare(b, a) })
	return sizes, k, acc
}

func bitsLen(n uint64) int {
	l := 0
	for ; n > 0; n >>= 1 {
		l++
	}
	return l
}

func sameSeqs(a, b []uint64) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestPropIngestOutcomesEqualTheModel: random batches of new, repeated and
// corrected events over many transactions (so runs are added and merged),
// for several aliases (one unmapped) and metrics (so the writer's grouping
// of a batch reorders it), get the outcomes and flags a map of id → content
// predicts, in arrival order; every event is found by its id with its last
// content; the audit trail holds each correction, old and new content, in
// the order they were sent; and the book passes Check.
func TestPropIngestOutcomesEqualTheModel(t *testing.T) {
	smallIDRuns(t)
	book := propBooks(t)
	rapid.Check(t, func(rt *rapid.T) {
		b := book(rt)
		model := map[string]Event{}
		versions := map[string][]Event{} // each id's contents, as sent
		corrections := 0
		for range rapid.IntRange(1, 15).Draw(rt, "batches") {
			var batch []Event
			want := []Result{}
			for k := rapid.IntRange(1, 10).Draw(rt, "size"); k > 0; k-- {
				e := Event{
					ID:        fmt.Sprintf("e%d", rapid.IntRange(0, 40).Draw(rt, "id")),
					Customer:  rapid.SampledFrom([]string{"acme", "globex", "stray"}).Draw(rt, "alias"),
					Metric:    rapid.SampledFrom([]string{"calls", "gb"}).Draw(rt, "metric"),
					Timestamp: time.Date(2026, 3, 5, rapid.IntRange(0, 2).Draw(rt, "hour"), 0, 0, 0, time.UTC),
					Value:     decimal.NewFromInt(1),
				}
				old, seen := model[e.ID]
				r := Result{ID: e.ID}
				switch {
				case !seen && e.Customer == "stray":
					r.Outcome = Unattributed
				case !seen:
					r.Outcome = Accepted
				case sameContent(&old, &e):
					r.Outcome = Duplicate
				default:
					r.Outcome, r.Unattributed = Superseded, e.Customer == "stray"
					corrections++
				}
				if r.Outcome != Duplicate {
					versions[e.ID] = append(versions[e.ID], e)
				}
				model[e.ID] = e
				batch = append(batch, e)
				want = append(want, r)
			}
			res, err := b.Ingest(context.Background(), batch)
			if err != nil {
				rt.Fatal(err)
			}
			for i, r := range res {
				if r != want[i] {
					rt.Fatalf("event %d: %+v, want %+v", i, r, want[i])
				}
			}
		}
		for id, e := range model {
			se, err := b.Event(id)
			if err != nil {
				rt.Fatalf("event %s: %v", id, err)
			}
			if !sameContent(&se.Event, &e) {
				rt.Errorf("event %s: stored %v, want %v", id, se.Timestamp, e.Timestamp)
			}
		}
		trail, err := b.Audit(0)
		if err != nil {
			rt.Fatal(err)
		}
		seen := map[string]int{} // corrections of each id met so far in the trail
		describe := func(e Event) string {
			return fmt.Sprintf("customer=%s metric=%s timestamp=%s", e.Customer, e.Metric, e.Timestamp.Format(time.RFC3339Nano))
		}
		n := 0
		for _, a := range trail {
			if a.Action != "usage.supersede" {
				continue
			}
			n++
			id := strings.TrimPrefix(a.Subject, "event ")
			i := seen[id]
			seen[id]++
			vs := versions[id]
			if i+1 >= len(vs) || !strings.HasPrefix(a.Before, describe(vs[i])) || !strings.HasPrefix(a.After, describe(vs[i+1])) {
				rt.Fatalf("audit of %s's correction %d: %q → %q; versions %v", id, i+1, a.Before, a.After, vs)
			}
		}
		if n != corrections {
			rt.Errorf("%d corrections in the audit trail, want %d", n, corrections)
		}
		calls := 0
		for _, e := range model {
			if e.Customer == "acme" && e.Metric == "calls" {
				calls++
			}
		}
		if want := fmt.Sprint(calls); total(t, b, "acme", "calls", "2026-03") != want {
			rt.Errorf("calls %s, want %s", total(t, b, "acme", "calls", "2026-03"), want)
		}
		if br, err := b.Check(context.Background(), nil); err != nil || len(br) > 0 {
			rt.Fatalf("check: %v %v", br, err)
		}
	})
}

// toSchema8 rewrites a book's idempotency index as schema 8 kept it — the
// ids bucket, HASH → SEQ… — and marks the book schema 8.
func toSchema8(t *testing.T, b *Book) {
	t.Helper()
	err := b.update(func(tx *bolt.Tx) error {
		byHash := map[[8]byte][]byte{}
		err := forEachStoredEvent(tx.Bucket(bucketEvents), func(seq uint64, enc []byte) error {
			se, err := decodeEvent(seq, enc)
			if err != nil {
				return err
			}
			h := idHash(se.ID)
			byHash[h] = binary.BigEndian.AppendUint64(byHash[h], seq)
			return nil
		}, func(k []byte, err error) { t.Errorf("events value %x: %v", k, err) })
		if err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucketIDRuns); err != nil {
			return err
		}
		ids, err := tx.CreateBucket(bucketIDs)
		if err != nil {
			return err
		}
		for h, seqs := range byHash {
			if err := ids.Put(slices.Clone(h[:]), seqs); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), binary.BigEndian.AppendUint32(nil, 8))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSchema8BookMigratesToRuns: a schema-8 book's ids bucket becomes one
// run at Open; the book passes Check, and its old events still count once.
func TestSchema8BookMigratesToRuns(t *testing.T) {
	smallIDRuns(t)
	path := filepath.Join(t.TempDir(), "book.db")
	opts := Options{NoSync: true, Now: func() time.Time { return time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC) }}
	b, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	setup(t, b)
	var old []Event
	for i := range 40 {
		old = append(old, ev(fmt.Sprintf("c%d", i), "acme", "calls", "2026-03-05T10:00:00Z", "1"))
	}
	old = append(old, ev("s1", "acme", "seats", "2026-03-05T10:00:00Z", "7"), ev("x1", "stray", "calls", "2026-03-06T10:00:00Z", "1"))
	for i := 0; i < len(old); i += 7 {
		ingest(t, b, old[i:min(i+7, len(old))]...)
	}
	toSchema8(t, b)
	b = reopen(t, b, path, opts)
	b.view(func(tx *bolt.Tx) error {
		if v := readVersion(tx); v != schemaVersion {
			t.Errorf("schema %d after open, want %d", v, schemaVersion)
		}
		if tx.Bucket(bucketIDs) != nil {
			t.Error("the schema-8 ids bucket is still there")
		}
		runs, err := loadIDRuns(tx.Bucket(bucketIDRuns))
		if err != nil || len(runs) != 1 || runs[0].n != uint64(len(old)) {
			t.Errorf("after migrating: %d runs (%v), want one of %d entries", len(runs), err, len(old))
		}
		return nil
	})
	mustCheck(t, b)

	res := ingest(t, b,
		old[0], // a resend
		ev("c1", "acme", "calls", "2026-03-07T11:00:00Z", "1"), // corrected
		ev("s1", "acme", "seats", "2026-03-05T10:00:00Z", "2"), // the max lowered
		ev("x1", "stray", "calls", "2026-03-06T10:00:00Z", "1"),
		ev("n1", "acme", "calls", "2026-03-08T10:00:00Z", "1"),
	)
	wantOutcomes(t, res, Duplicate, Superseded, Superseded, Duplicate, Accepted)
	if got := total(t, b, "acme", "calls", "2026-03"); got != "41" {
		t.Errorf("calls %s, want 41", got)
	}
	if got := total(t, b, "acme", "seats", "2026-03"); got != "2" {
		t.Errorf("seats %s, want 2", got)
	}
	mustCheck(t, b)
}

// TestCheckReportsForgedIDRuns: each way of breaking the index is reported.
func TestCheckReportsForgedIDRuns(t *testing.T) {
	for _, c := range []struct {
		name  string
		want  string
		forge func(t *testing.T, bk *bolt.Bucket, runs []*idRun) error
	}{
		{"entry lost", "lacks event", func(t *testing.T, bk *bolt.Bucket, runs []*idRun) error {
			r := runs[0]
			c := slices.Clone(bk.Get(idRunKey(r.id, 'c', 0)))
			return bk.Put(idRunKey(r.id, 'c', 0), c[:len(c)-idEntrySize])
		}},
		{"entry twice", "twice", func(t *testing.T, bk *bolt.Bucket, runs []*idRun) error {
			c := bk.Get(idRunKey(runs[0].id, 'c', 0))
			return writeTestRun(bk, 999, []idEntry{{binary.BigEndian.Uint64(c), binary.BigEndian.Uint64(c[8:])}})
		}},
		{"entry of no event", "no stored event", func(t *testing.T, bk *bolt.Bucket, runs []*idRun) error {
			return writeTestRun(bk, 999, []idEntry{{42, 1 << 40}})
		}},
		{"wrong hash", "its id hashes to", func(t *testing.T, bk *bolt.Bucket, runs []*idRun) error {
			c := slices.Clone(bk.Get(idRunKey(runs[0].id, 'c', 0)))
			seq := binary.BigEndian.Uint64(c[8:])
			if err := bk.Put(idRunKey(runs[0].id, 'c', 0), c[idEntrySize:]); err != nil {
				return err
			}
			return writeTestRun(bk, 999, []idEntry{{7, seq}})
		}},
		{"not sorted", "not sorted", func(t *testing.T, bk *bolt.Bucket, runs []*idRun) error {
			r := runs[0]
			c := slices.Clone(bk.Get(idRunKey(r.id, 'c', 0)))
			if len(c) < 2*idEntrySize {
				t.Fatalf("chunk of %d bytes", len(c))
			}
			var tmp [idEntrySize]byte
			copy(tmp[:], c[idEntrySize:])
			copy(c[idEntrySize:], c[:idEntrySize])
			copy(c, tmp[:])
			return bk.Put(idRunKey(r.id, 'c', 0), c)
		}},
		{"bloom cleared", "bloom part", func(t *testing.T, bk *bolt.Bucket, runs []*idRun) error {
			r := runs[0]
			return bk.Put(idRunKey(r.id, 'b', 0), make([]byte, len(bk.Get(idRunKey(r.id, 'b', 0)))))
		}},
		{"stray key", "belongs to no run", func(t *testing.T, bk *bolt.Bucket, runs []*idRun) error {
			return bk.Put(idRunKey(runs[0].id, 'c', 9999), make([]byte, idEntrySize))
		}},
		{"header's filter size", "header", func(t *testing.T, bk *bolt.Bucket, runs []*idRun) error {
			r := runs[0]
			h := slices.Clone(bk.Get(idRunKey(r.id, 'a', 0)))
			binary.BigEndian.PutUint64(h[17:], 1<<40) // blocks: Check must not allocate them
			return bk.Put(idRunKey(r.id, 'a', 0), h)
		}},
		{"header count", "header says", func(t *testing.T, bk *bolt.Bucket, runs []*idRun) error {
			r := runs[0]
			h := slices.Clone(bk.Get(idRunKey(r.id, 'a', 0)))
			binary.BigEndian.PutUint64(h[29:], r.min+1) // the smallest hash
			return bk.Put(idRunKey(r.id, 'a', 0), h)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			smallIDRuns(t)
			b, err := Open(filepath.Join(t.TempDir(), "book.db"), Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			setup(t, b)
			for i := range 10 {
				ingest(t, b, ev(fmt.Sprintf("e%d", i), "acme", "calls", "2026-03-05T10:00:00Z", "1"))
			}
			mustCheck(t, b)
			err = b.update(func(tx *bolt.Tx) error {
				bk := tx.Bucket(bucketIDRuns)
				runs, err := loadIDRuns(bk)
				if err != nil {
					return err
				}
				return c.forge(t, bk, runs)
			})
			if err != nil {
				t.Fatal(err)
			}
			br, err := b.Check(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(br, func(s string) bool { return strings.Contains(s, c.want) }) {
				t.Errorf("check says %q, want a breach with %q", br, c.want)
			}
		})
	}
}

// writeTestRun stores entries (sorted here) as run id.
func writeTestRun(bk *bolt.Bucket, id uint64, entries []idEntry) error {
	slices.SortFunc(entries, compareIDEntries)
	rb := newIDRunBuilder(bk, id, uint64(len(entries)))
	for _, e := range entries {
		if err := rb.add(e); err != nil {
			return err
		}
	}
	return rb.finish()
}

// BenchmarkIDIndexAddUnordered adds entries in random order to one
// transaction's index (a batch adds its entries in hash order; this is the
// worst case of the segments' bookkeeping) and looks each up.
func BenchmarkIDIndexAddUnordered(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		x := newIDIndex(nil)
		x.runs = []*idRun{} // no stored runs: nothing to load
		for i := range 1_000_000 {
			h := r.Uint64()
			x.add(h, uint64(i))
			if got, _ := x.lookup(h, nil); len(got) == 0 {
				b.Fatal("added entry not found")
			}
		}
	}
}

// TestIDRunBloomFalsePositives: a run's filter says "maybe" for few hashes
// it does not hold (0.99% when written), and never "no" for one it holds.
func TestIDRunBloomFalsePositives(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "i.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(3, 4))
	const n = 100_000
	held := map[uint64]bool{}
	entries := make([]idEntry, n)
	for i := range entries {
		entries[i] = idEntry{r.Uint64(), uint64(i)}
		held[entries[i].h] = true
	}
	err = db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucket(bucketIDRuns)
		if err != nil {
			return err
		}
		if err := writeTestRun(bk, 1, entries); err != nil {
			return err
		}
		runs, err := loadIDRuns(bk)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if ok, err := runs[0].mayHold(bk, e.h); !ok || err != nil {
				t.Fatalf("filter says no to a held hash %x (%v)", e.h, err)
			}
		}
		falsePos := 0
		for range n {
			h := r.Uint64()
			if held[h] {
				continue
			}
			if ok, err := runs[0].mayHold(bk, h); err != nil {
				return err
			} else if ok {
				falsePos++
			}
		}
		t.Logf("false positives: %d of %d (%.2f%%)", falsePos, n, 100*float64(falsePos)/n)
		if falsePos > n*25/1000 {
			t.Errorf("false positives: %d of %d, want at most 2.5%%", falsePos, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
