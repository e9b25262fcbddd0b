package ledger

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// The idempotency half of Check: every stored event's id hash, held as 8
// bytes an event in sequence order (a map of SEQ → hash cost ~40 bytes an
// event, and a second map of what the runs hold as much again: 20M events
// were ~2 GB of check's peak), then compared with the runs and searched for
// ids stored twice.

// hashChunk is how many hashes an eventHashes chunk holds (512 KiB), so
// that growing never copies what is held.
const hashChunk = 1 << 16

// idsOncePass bounds the (hash, SEQ) pairs checkIDsOnce sorts at once
// (16 bytes each). A variable so that tests can make several passes.
var idsOncePass = 1 << 21

// eventHashes holds the id hash of every stored event, by ascending
// sequence number. A position is an event's place in that order.
type eventHashes struct {
	chunks [][]uint64 // hashChunk hashes each, the last partly filled
	n      int        // hashes held
	segs   []hashSeg  // runs of consecutive sequence numbers, ascending
	last   uint64     // the last sequence number added
}

// hashSeg is a run of consecutive sequence numbers from seq, held from
// position pos on.
type hashSeg struct {
	seq uint64
	pos int
}

// add holds seq's hash h. Sequence numbers must ascend: add refuses (false)
// one at or below the last, which only overlapping blocks of events give
// (forEachStoredEvent reports them), and keeps the first.
func (e *eventHashes) add(seq, h uint64) bool {
	if e.n > 0 && seq <= e.last {
		return false
	}
	if e.n == 0 || seq != e.last+1 {
		e.segs = append(e.segs, hashSeg{seq, e.n})
	}
	if e.n%hashChunk == 0 {
		e.chunks = append(e.chunks, make([]uint64, hashChunk))
	}
	e.chunks[e.n/hashChunk][e.n%hashChunk] = h
	e.n++
	e.last = seq
	return true
}

// at is the hash at position p.
func (e *eventHashes) at(p int) uint64 { return e.chunks[p/hashChunk][p%hashChunk] }

// segEnd is the position after segment i's last.
func (e *eventHashes) segEnd(i int) int {
	if i+1 < len(e.segs) {
		return e.segs[i+1].pos
	}
	return e.n
}

// pos is seq's position; ok is false if no event of that number is held.
func (e *eventHashes) pos(seq uint64) (p int, ok bool) {
	i := sort.Search(len(e.segs), func(i int) bool { return e.segs[i].seq > seq }) - 1
	if i < 0 {
		return 0, false
	}
	s := e.segs[i]
	if seq-s.seq >= uint64(e.segEnd(i)-s.pos) {
		return 0, false
	}
	return s.pos + int(seq-s.seq), true
}

// each calls fn with every held event's sequence number, position and
// hash, in order.
func (e *eventHashes) each(fn func(seq uint64, p int, h uint64)) {
	for i, s := range e.segs {
		for p := s.pos; p < e.segEnd(i); p++ {
			fn(s.seq+uint64(p-s.pos), p, e.at(p))
		}
	}
}

// hashesOf holds idOf's (SEQ → hash) entries as eventHashes.
func hashesOf(idOf map[uint64]uint64) *eventHashes {
	seqs := make([]uint64, 0, len(idOf))
	for s := range idOf {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	e := &eventHashes{}
	for _, s := range seqs {
		e.add(s, idOf[s])
	}
	return e
}

// checkIDRuns checks the idempotency runs against idOf, every stored
// event's SEQ → its id's hash (the tests' form of checkIDRunsOf).
func checkIDRuns(bk *bolt.Bucket, idOf map[uint64]uint64, breach func(string, ...any)) {
	checkIDRunsOf(bk, hashesOf(idOf), breach)
}

// checkIDRunsOf checks the idempotency runs against ids, every stored
// event's id hash.
func checkIDRunsOf(bk *bolt.Bucket, ids *eventHashes, breach func(string, ...any)) {
	seen := make([]uint64, (ids.n+63)/64) // a bit per position: a run holds it
	var runs []*idRun                     // the runs checked so far
	want := map[string]bool{}             // the keys the headers account for
	c := bk.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 9 || k[8] != 'a' {
			if !want[string(k)] {
				breach("idempotency index key %x belongs to no run", k)
			}
			delete(want, string(k))
			continue
		}
		id := binary.BigEndian.Uint64(k)
		r, err := decodeIDRunHeader(id, v)
		if err != nil {
			breach("idempotency index: %v", err)
			continue
		}
		for i := range r.nchunks {
			want[string(idRunKey(id, 'c', i))] = true
		}
		for i := range len(r.bloom) {
			want[string(idRunKey(id, 'b', uint32(i)))] = true
		}
		checkIDRun(bk, r, ids, seen, runs, breach)
		runs = append(runs, r)
	}
	for k := range want {
		breach("idempotency index lacks %x, which its run's header counts", k)
	}
	ids.each(func(seq uint64, p int, h uint64) {
		if seen[p/64]&(1<<(p%64)) == 0 {
			breach("idempotency index lacks event #%d (hash %016x)", seq, h)
		}
	})
}

// checkIDRun checks one run: its entries in order, each an event's and
// no event's twice (seen marks the positions of the events earlier runs,
// before, hold), its header's count, bounds and fences, and its bloom
// filter equal to one built from the entries.
func checkIDRun(bk *bolt.Bucket, r *idRun, ids *eventHashes, seen []uint64, before []*idRun, breach func(string, ...any)) {
	// Every chunk first: their lengths prove the header's count before
	// the filter is sized from it.
	for ci := range r.nchunks {
		if _, err := r.chunk(bk, ci); err != nil {
			breach("idempotency index: %v", err)
			return
		}
	}
	bloom := make([]byte, r.nblocks*bloomBlockBytes)
	var n uint64
	var last idEntry
	for ci := range r.nchunks {
		ch := r.chunks[ci]
		if len(ch) > 0 && binary.BigEndian.Uint64(ch) != binary.BigEndian.Uint64(r.fences[8*ci:]) {
			breach("idempotency run %d: chunk %d starts at %016x, its fence says %016x", r.id, ci, binary.BigEndian.Uint64(ch), binary.BigEndian.Uint64(r.fences[8*ci:]))
		}
		for ; len(ch) >= idEntrySize; ch = ch[idEntrySize:] {
			e := idEntry{binary.BigEndian.Uint64(ch), binary.BigEndian.Uint64(ch[8:])}
			if n == 0 && e.h != r.min {
				breach("idempotency run %d: smallest hash %016x, header says %016x", r.id, e.h, r.min)
			}
			if n > 0 && compareIDEntries(e, last) <= 0 {
				breach("idempotency run %d: entry %016x/#%d after %016x/#%d: not sorted", r.id, e.h, e.seq, last.h, last.seq)
			}
			n++
			last = e
			blk := bloomBlock(e.h, r.nblocks) * bloomBlockBytes
			bloomSet(bloom[blk:blk+bloomBlockBytes], e.h)
			p, ok := ids.pos(e.seq)
			if !ok {
				breach("idempotency run %d: entry %016x → #%d, which is no stored event", r.id, e.h, e.seq)
				continue
			}
			if h := ids.at(p); h != e.h {
				breach("idempotency run %d: event #%d filed under hash %016x, its id hashes to %016x", r.id, e.seq, e.h, h)
			}
			if seen[p/64]&(1<<(p%64)) != 0 {
				breach("idempotency index holds event #%d twice (runs %d and %d)", e.seq, runHolding(bk, before, r, e.seq), r.id)
			}
			seen[p/64] |= 1 << (p % 64)
		}
	}
	if n != r.n {
		breach("idempotency run %d: %d entries, header says %d", r.id, n, r.n)
	}
	if n > 0 && last.h != r.max {
		breach("idempotency run %d: largest hash %016x, header says %016x", r.id, last.h, r.max)
	}
	if r.nblocks < bloomBlocksFor(r.n)/2 {
		breach("idempotency run %d: bloom filter of %d blocks for %d entries", r.id, r.nblocks, r.n)
	}
	for p := range r.bloom {
		part := bk.Get(idRunKey(r.id, 'b', uint32(p)))
		from := uint64(p) * uint64(r.partBlocks) * bloomBlockBytes
		to := min(from+uint64(r.partBlocks)*bloomBlockBytes, uint64(len(bloom)))
		if !bytes.Equal(part, bloom[from:to]) {
			breach("idempotency run %d: bloom part %d differs from its entries' filter", r.id, p)
		}
	}
}

// runHolding names the run that first held event seq: one of before, else
// r itself (which holds it twice). Only a breach asks, so it reads the
// entries again rather than keeping a run per event.
func runHolding(bk *bolt.Bucket, before []*idRun, r *idRun, seq uint64) uint64 {
	for _, o := range before {
		for ci := range o.nchunks {
			ch, err := o.chunk(bk, ci)
			if err != nil {
				break
			}
			for ; len(ch) >= idEntrySize; ch = ch[idEntrySize:] {
				if binary.BigEndian.Uint64(ch[8:]) == seq {
					return o.id
				}
			}
		}
	}
	return r.id
}

// checkIDsOnce reports every event id stored twice. Events with the same id
// have the same hash, so only events that share a hash are read again and
// compared, instead of holding every id in memory (20M ids were ~2 GB of
// check's peak). The hashes are sorted a range at a time, idsOncePass
// pairs or so each: hashes are uniform.
func checkIDsOnce(events *bolt.Bucket, ids *eventHashes, breach func(string, ...any)) {
	passes := uint64(max(1, (ids.n+idsOncePass-1)/idsOncePass))
	width := ^uint64(0)/passes + 1 // the last pass ends at 2⁶⁴-1 (or wraps to 0)
	entries := make([]idEntry, 0, min(ids.n, idsOncePass+idsOncePass/4))
	for pass := range passes {
		lo := pass * width
		hi := lo + width - 1 // inclusive
		if pass == passes-1 {
			hi = ^uint64(0)
		}
		entries = entries[:0]
		ids.each(func(seq uint64, _ int, h uint64) {
			if h >= lo && h <= hi {
				entries = append(entries, idEntry{h, seq})
			}
		})
		slices.SortFunc(entries, compareIDEntries)
		for i := 0; i < len(entries); {
			j := i + 1
			for j < len(entries) && entries[j].h == entries[i].h {
				j++
			}
			if j-i > 1 {
				first := map[string]uint64{}
				for _, e := range entries[i:j] {
					se, err := readEvent(events, e.seq)
					if err != nil {
						breach("%v", err)
						continue
					}
					if other, dup := first[se.ID]; dup {
						breach("event id %s is stored twice (#%d and #%d)", se.ID, other, e.seq)
					} else {
						first[se.ID] = e.seq
					}
				}
			}
			i = j
		}
	}
}
