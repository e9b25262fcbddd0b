package ledger

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// The idempotency index (schema 10) is a set of (HASH, SEQ) entries — HASH
// the first 8 bytes of SHA-256 of an event id, SEQ the event's sequence
// number — kept as sorted runs in the idruns bucket. Each write transaction
// that stores new events adds one run, merged with the smallest stored runs
// while the next smaller is at most twice what is being merged and the
// result stays within idRunMergeCap entries: so no transaction rewrites
// more than the cap (or its own entries), runs that reach it are never
// merged again, and the sizes in order have each pair of neighbours either
// more than twice apart (as all were before the cap) or adding up to more
// than the cap — at most 3·entries/cap + log2(cap/3) + 1 runs
// (idRunsBound). A run is a few large values under its number:
//
//	RUN|'a'        → header: count, entries per chunk, chunk count, bloom
//	                 size, smallest and largest HASH, the first HASH of
//	                 every chunk (the fences)
//	RUN|'b'|PART   → a slice of the run's blocked bloom filter
//	RUN|'c'|CHUNK  → up to idRunChunk entries, 16 bytes each (HASH, SEQ big
//	                 endian), sorted
//
// RUN is 8 bytes big-endian, PART and CHUNK 4. A lookup asks each run's
// bloom filter (one 64-byte block) and searches the fences and one chunk
// only of the runs that may hold the hash. bbolt hands out values in place,
// so a lookup copies nothing. One bbolt key per event in a random-keyed
// bucket (schema ≤ 8) made each commit rewrite a leaf page per few events;
// a run is written sequentially, once per merge.
//
// Entries are never removed: a superseding event keeps its SEQ.

const (
	idEntrySize       = 16
	bloomBlockBytes   = 64 // one cache line per lookup
	bloomBitsPerEntry = 10 // with 7 probes in a block: 0.99% false positives (TestIDRunBloomFalsePositives)
	bloomProbes       = 7
	idRunHeaderFixed  = 1 + 8 + 4 + 4 + 8 + 4 + 8 + 8
	idRunFormat       = 1
)

// Sizes of a new run's values; tests lower them to exercise many chunks
// and parts. A run records its own, so runs of other sizes stay readable.
var (
	idRunChunk     = 8192 // entries per chunk value (128 KiB)
	idRunBloomPart = 4096 // bloom blocks per value (256 KiB)
)

func idRunKey(run uint64, kind byte, part uint32) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 13), run)
	k = append(k, kind)
	if kind != 'a' {
		k = binary.BigEndian.AppendUint32(k, part)
	}
	return k
}

// idRun is one run as a transaction sees it. Chunks and bloom parts are
// fetched when first needed and point into bbolt's memory map.
type idRun struct {
	id         uint64
	n          uint64
	chunkN     uint32
	nchunks    uint32
	nblocks    uint64
	partBlocks uint32
	min, max   uint64
	fences     []byte
	chunks     [][]byte
	bloom      [][]byte
}

var errIDRunCorrupt = errors.New("idempotency run is corrupt")

func decodeIDRunHeader(id uint64, v []byte) (*idRun, error) {
	if len(v) < idRunHeaderFixed || v[0] != idRunFormat {
		return nil, fmt.Errorf("run %d header: %w", id, errIDRunCorrupt)
	}
	r := &idRun{id: id}
	p := v[1:]
	r.n = binary.BigEndian.Uint64(p)
	r.chunkN = binary.BigEndian.Uint32(p[8:])
	r.nchunks = binary.BigEndian.Uint32(p[12:])
	r.nblocks = binary.BigEndian.Uint64(p[16:])
	r.partBlocks = binary.BigEndian.Uint32(p[24:])
	r.min = binary.BigEndian.Uint64(p[28:])
	r.max = binary.BigEndian.Uint64(p[36:])
	r.fences = v[idRunHeaderFixed:]
	// Bounds a forged header cannot pass without the data to match, so
	// Check never sizes a filter from a lie: a builder sizes its filter for
	// at most the run's entries.
	if r.chunkN == 0 || r.chunkN > 1<<20 || r.partBlocks == 0 || r.nblocks == 0 || r.nblocks > bloomBlocksFor(r.n) || uint64(len(r.fences)) != 8*uint64(r.nchunks) ||
		r.n > uint64(r.nchunks)*uint64(r.chunkN) || r.n+uint64(r.chunkN) <= uint64(r.nchunks)*uint64(r.chunkN) {
		return nil, fmt.Errorf("run %d header (%d entries in %d chunks of %d): %w", id, r.n, r.nchunks, r.chunkN, errIDRunCorrupt)
	}
	r.chunks = make([][]byte, r.nchunks)
	r.bloom = make([][]byte, (r.nblocks+uint64(r.partBlocks)-1)/uint64(r.partBlocks))
	return r, nil
}

func (r *idRun) chunk(bk *bolt.Bucket, i uint32) ([]byte, error) {
	if c := r.chunks[i]; c != nil {
		return c, nil
	}
	c := bk.Get(idRunKey(r.id, 'c', i))
	want := int(r.chunkN)
	if i == r.nchunks-1 {
		want = int(r.n - uint64(i)*uint64(r.chunkN))
	}
	if len(c) != want*idEntrySize {
		return nil, fmt.Errorf("run %d chunk %d: %d bytes, want %d: %w", r.id, i, len(c), want*idEntrySize, errIDRunCorrupt)
	}
	r.chunks[i] = c
	return c, nil
}

// bloomBlock is the block of a hash: its high bits scaled to nblocks, so
// a sorted run fills its filter front to back.
func bloomBlock(h, nblocks uint64) uint64 {
	hi, _ := bits.Mul64(h, nblocks)
	return hi
}

// bloomBits are a hash's probes inside its block, 9 bits each from a
// multiplicative mix (the block takes the hash's high bits).
func bloomBits(h uint64) uint64 { return h * 0x9E3779B97F4A7C15 }

func bloomSet(block []byte, h uint64) {
	g := bloomBits(h)
	for range bloomProbes {
		bit := g & 511
		block[bit>>3] |= 1 << (bit & 7)
		g >>= 9
	}
}

func bloomHas(block []byte, h uint64) bool {
	g := bloomBits(h)
	for range bloomProbes {
		bit := g & 511
		if block[bit>>3]&(1<<(bit&7)) == 0 {
			return false
		}
		g >>= 9
	}
	return true
}

func bloomBlocksFor(n uint64) uint64 {
	return max(1, (n*bloomBitsPerEntry+bloomBlockBytes*8-1)/(bloomBlockBytes*8))
}

// mayHold asks the run's bloom filter about h.
func (r *idRun) mayHold(bk *bolt.Bucket, h uint64) (bool, error) {
	if h < r.min || h > r.max {
		return false, nil
	}
	blk := bloomBlock(h, r.nblocks)
	pi := blk / uint64(r.partBlocks)
	part := r.bloom[pi]
	if part == nil {
		part = bk.Get(idRunKey(r.id, 'b', uint32(pi)))
		want := uint64(r.partBlocks)
		if last := uint64(len(r.bloom) - 1); pi == last {
			want = r.nblocks - last*uint64(r.partBlocks)
		}
		if uint64(len(part)) != want*bloomBlockBytes {
			return false, fmt.Errorf("run %d bloom part %d: %d bytes, want %d: %w", r.id, pi, len(part), want*bloomBlockBytes, errIDRunCorrupt)
		}
		r.bloom[pi] = part
	}
	off := (blk - pi*uint64(r.partBlocks)) * bloomBlockBytes
	return bloomHas(part[off:off+bloomBlockBytes], h), nil
}

// find appends to dst the SEQs of the run's entries with hash h.
func (r *idRun) find(bk *bolt.Bucket, h uint64, dst []uint64) ([]uint64, error) {
	if ok, err := r.mayHold(bk, h); !ok || err != nil {
		return dst, err
	}
	// The first chunk that starts at or after h; entries equal to h may
	// also end the chunk before it.
	ci := sort.Search(int(r.nchunks), func(i int) bool { return binary.BigEndian.Uint64(r.fences[8*i:]) >= h })
	if ci > 0 {
		ci--
	}
	for ; ci < int(r.nchunks); ci++ {
		c, err := r.chunk(bk, uint32(ci))
		if err != nil {
			return dst, err
		}
		n := len(c) / idEntrySize
		j := sort.Search(n, func(i int) bool { return binary.BigEndian.Uint64(c[i*idEntrySize:]) >= h })
		for ; j < n; j++ {
			e := c[j*idEntrySize:]
			if binary.BigEndian.Uint64(e) != h {
				return dst, nil
			}
			dst = append(dst, binary.BigEndian.Uint64(e[8:]))
		}
		// The chunk ended at or before h: the next one matters only if it
		// starts with h.
		if ci+1 < int(r.nchunks) && binary.BigEndian.Uint64(r.fences[8*(ci+1):]) != h {
			return dst, nil
		}
	}
	return dst, nil
}

// loadIDRuns reads the headers of every run in bk.
func loadIDRuns(bk *bolt.Bucket) ([]*idRun, error) {
	var runs []*idRun
	c := bk.Cursor()
	for k, v := c.First(); k != nil; {
		if len(k) != 9 || k[8] != 'a' {
			return nil, fmt.Errorf("idempotency index key %x where a run header belongs: %w", k, errIDRunCorrupt)
		}
		id := binary.BigEndian.Uint64(k)
		r, err := decodeIDRunHeader(id, v)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
		if id == ^uint64(0) {
			break
		}
		k, v = c.Seek(binary.BigEndian.AppendUint64(nil, id+1))
	}
	return runs, nil
}

type idEntry struct{ h, seq uint64 }

func compareIDEntries(a, b idEntry) int {
	if c := cmp.Compare(a.h, b.h); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// idIndex is the idempotency index inside one transaction: the stored runs
// and the entries this transaction adds, which become a run at flush.
type idIndex struct {
	bk   *bolt.Bucket
	runs []*idRun // nil until loaded
	// added holds this transaction's entries as ascending segments, each
	// starting at an index in segs: a batch visits its events in hash
	// order, so each batch adds one segment, searched by bisection (a
	// hash map of the entries cost ~5% of the import's writer time).
	added []idEntry
	segs  []int
}

func newIDIndex(bk *bolt.Bucket) *idIndex { return &idIndex{bk: bk} }

func (x *idIndex) load() error {
	if x.runs != nil {
		return nil
	}
	runs, err := loadIDRuns(x.bk)
	if err != nil {
		return err
	}
	x.runs = append(make([]*idRun, 0, len(runs)), runs...)
	return nil
}

// lookup appends to dst the SEQs of every entry with hash h.
func (x *idIndex) lookup(h uint64, dst []uint64) ([]uint64, error) {
	if err := x.load(); err != nil {
		return dst, err
	}
	for _, r := range x.runs {
		var err error
		if dst, err = r.find(x.bk, h, dst); err != nil {
			return dst, err
		}
	}
	for i, start := range x.segs {
		end := len(x.added)
		if i+1 < len(x.segs) {
			end = x.segs[i+1]
		}
		seg := x.added[start:end]
		j, _ := slices.BinarySearchFunc(seg, h, func(e idEntry, h uint64) int { return cmp.Compare(e.h, h) })
		for ; j < len(seg) && seg[j].h == h; j++ {
			dst = append(dst, seg[j].seq)
		}
	}
	return dst, nil
}

// add records a new event's entry; flush stores it.
func (x *idIndex) add(h, seq uint64) {
	if n := len(x.added); n == 0 || h < x.added[n-1].h {
		// A new segment. First the last segments are sorted into one while
		// the one before the last is at most twice its size, as the runs
		// are merged: each segment is then more than twice the next, so
		// there are at most log2 of the entries many, and entries added in
		// any order cost O(log) sorts each, not a sort of all per segment.
		for k := len(x.segs); k >= 2 && x.segs[k-1]-x.segs[k-2] <= 2*(n-x.segs[k-1]); k-- {
			slices.SortFunc(x.added[x.segs[k-2]:], compareIDEntries)
			x.segs = x.segs[:k-1]
		}
		x.segs = append(x.segs, n)
	}
	x.added = append(x.added, idEntry{h, seq})
}

// idRunMergeRatio: a new run is merged with the smallest stored runs while
// the next smaller one is at most this many times what is being merged, so
// each run stays more than this many times the size of the next.
const idRunMergeRatio = 2

// idRunMergeCap is the most entries a merge writes. Without it the largest
// run was rewritten whenever the smaller ones added up to half of it: at
// 20M events one transaction took ~9 s (median, under load; ~13 s seen in
// ingestion). A merge of 2M entries (36 MB with its filter) takes ~0.5 s,
// and 20M entries leave 10–17 runs instead of 3–11: ~100 ns per run for a
// lookup that misses, as each new event's does (docs/performance.md, "A
// cap on merges"). A var so that tests can make it small. Books merged
// under another cap, or none, stay valid: it only decides what the next
// merge takes.
var idRunMergeCap uint64 = 2 << 20

// idRunsToMerge says how many of the smallest runs (sizes in descending
// order) a new run of added entries is merged with, and the merged size.
func idRunsToMerge(sizes []uint64, added uint64) (int, uint64) {
	acc, i := added, len(sizes)
	for i > 0 && sizes[i-1] <= idRunMergeRatio*acc && acc+sizes[i-1] <= idRunMergeCap {
		acc += sizes[i-1]
		i--
	}
	return len(sizes) - i, acc
}

// idRunsBound is the most runs that n entries leave under the merge rule:
// runs under cap/3 have each neighbour pair more than twice apart (two of
// them add up to less than the cap), so there are at most Len64(cap/3)
// of them, and at most 3n/cap others.
func idRunsBound(n uint64) uint64 {
	return 3*n/idRunMergeCap + uint64(bits.Len64(idRunMergeCap/3))
}

// flush stores the transaction's entries as a run, merged with as many of
// the smallest stored runs as the merge rule asks for.
func (x *idIndex) flush() error {
	if len(x.added) == 0 {
		return nil
	}
	if err := x.load(); err != nil {
		return err
	}
	slices.SortFunc(x.added, compareIDEntries)
	runs := slices.Clone(x.runs)
	slices.SortFunc(runs, func(a, b *idRun) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	sizes := make([]uint64, len(runs))
	for i, r := range runs {
		sizes[i] = r.n
	}
	k, acc := idRunsToMerge(sizes, uint64(len(x.added)))
	merge := runs[len(runs)-k:]
	srcs := make([]*idSource, 0, len(merge)+1)
	srcs = append(srcs, &idSource{mem: x.added})
	for _, r := range merge {
		srcs = append(srcs, &idSource{run: r, bk: x.bk})
	}
	id, err := x.bk.NextSequence()
	if err != nil {
		return fmt.Errorf("idempotency index: %w", err)
	}
	rb := newIDRunBuilder(x.bk, id, acc)
	if err := mergeIDSources(srcs, rb.add); err != nil {
		return err
	}
	if err := rb.finish(); err != nil {
		return err
	}
	for _, r := range merge {
		if err := deleteIDRun(x.bk, r); err != nil {
			return err
		}
	}
	x.runs, x.added, x.segs = nil, x.added[:0], x.segs[:0]
	return nil
}

func deleteIDRun(bk *bolt.Bucket, r *idRun) error {
	for i := range r.nchunks {
		if err := bk.Delete(idRunKey(r.id, 'c', i)); err != nil {
			return err
		}
	}
	for i := range len(r.bloom) {
		if err := bk.Delete(idRunKey(r.id, 'b', uint32(i))); err != nil {
			return err
		}
	}
	return bk.Delete(idRunKey(r.id, 'a', 0))
}

// idSource iterates a stored run or sorted entries in memory.
type idSource struct {
	mem   []idEntry
	run   *idRun
	bk    *bolt.Bucket
	ci    uint32
	chunk []byte
	cur   idEntry
}

// next moves to the source's next entry; false at the end.
func (s *idSource) next() (bool, error) {
	if s.run == nil {
		if len(s.mem) == 0 {
			return false, nil
		}
		s.cur, s.mem = s.mem[0], s.mem[1:]
		return true, nil
	}
	for len(s.chunk) == 0 {
		if s.ci >= s.run.nchunks {
			return false, nil
		}
		c, err := s.run.chunk(s.bk, s.ci)
		if err != nil {
			return false, err
		}
		s.chunk, s.ci = c, s.ci+1
	}
	s.cur = idEntry{binary.BigEndian.Uint64(s.chunk), binary.BigEndian.Uint64(s.chunk[8:])}
	s.chunk = s.chunk[idEntrySize:]
	return true, nil
}

// mergeIDSources hands emit the entries of every source in order.
func mergeIDSources(srcs []*idSource, emit func(idEntry) error) error {
	live := srcs[:0]
	for _, s := range srcs {
		ok, err := s.next()
		if err != nil {
			return err
		}
		if ok {
			live = append(live, s)
		}
	}
	for len(live) > 0 {
		m := 0
		for j := 1; j < len(live); j++ {
			if compareIDEntries(live[j].cur, live[m].cur) < 0 {
				m = j
			}
		}
		if err := emit(live[m].cur); err != nil {
			return err
		}
		ok, err := live[m].next()
		if err != nil {
			return err
		}
		if !ok {
			live = slices.Delete(live, m, m+1)
		}
	}
	return nil
}

// idRunBuilder writes a run from entries given in order.
type idRunBuilder struct {
	bk       *bolt.Bucket
	id       uint64
	chunkN   int
	chunk    []byte
	nchunks  uint32
	fences   []byte
	bloom    []byte
	nblocks  uint64
	n        uint64
	min, max uint64
	last     idEntry
}

// newIDRunBuilder starts run id sized for about n entries (the bloom
// filter's size; more entries only fill it more).
func newIDRunBuilder(bk *bolt.Bucket, id, n uint64) *idRunBuilder {
	nb := bloomBlocksFor(n)
	return &idRunBuilder{bk: bk, id: id, chunkN: idRunChunk, nblocks: nb, bloom: make([]byte, nb*bloomBlockBytes)}
}

func (rb *idRunBuilder) add(e idEntry) error {
	if rb.n > 0 && compareIDEntries(e, rb.last) < 0 {
		return fmt.Errorf("idempotency run %d: entry %016x/%d after %016x/%d: %w", rb.id, e.h, e.seq, rb.last.h, rb.last.seq, errIDRunCorrupt)
	}
	if rb.chunk == nil {
		rb.chunk = make([]byte, 0, rb.chunkN*idEntrySize)
		rb.fences = binary.BigEndian.AppendUint64(rb.fences, e.h)
	}
	rb.chunk = binary.BigEndian.AppendUint64(rb.chunk, e.h)
	rb.chunk = binary.BigEndian.AppendUint64(rb.chunk, e.seq)
	if rb.n == 0 {
		rb.min = e.h
	}
	rb.max, rb.last = e.h, e
	rb.n++
	blk := bloomBlock(e.h, rb.nblocks) * bloomBlockBytes
	bloomSet(rb.bloom[blk:blk+bloomBlockBytes], e.h)
	if len(rb.chunk) == cap(rb.chunk) {
		return rb.putChunk()
	}
	return nil
}

func (rb *idRunBuilder) putChunk() error {
	// bbolt keeps the value until commit: each chunk has its own buffer.
	if err := rb.bk.Put(idRunKey(rb.id, 'c', rb.nchunks), rb.chunk); err != nil {
		return fmt.Errorf("idempotency run %d chunk %d: %w", rb.id, rb.nchunks, err)
	}
	rb.nchunks++
	rb.chunk = nil
	return nil
}

func (rb *idRunBuilder) finish() error {
	if rb.chunk != nil {
		if err := rb.putChunk(); err != nil {
			return err
		}
	}
	part := uint64(idRunBloomPart)
	for p := uint64(0); p*part < rb.nblocks; p++ {
		end := min((p+1)*part, rb.nblocks)
		if err := rb.bk.Put(idRunKey(rb.id, 'b', uint32(p)), rb.bloom[p*part*bloomBlockBytes:end*bloomBlockBytes]); err != nil {
			return fmt.Errorf("idempotency run %d bloom part %d: %w", rb.id, p, err)
		}
	}
	h := make([]byte, idRunHeaderFixed, idRunHeaderFixed+len(rb.fences))
	h[0] = idRunFormat
	binary.BigEndian.PutUint64(h[1:], rb.n)
	binary.BigEndian.PutUint32(h[9:], uint32(rb.chunkN))
	binary.BigEndian.PutUint32(h[13:], rb.nchunks)
	binary.BigEndian.PutUint64(h[17:], rb.nblocks)
	binary.BigEndian.PutUint32(h[25:], uint32(idRunBloomPart))
	binary.BigEndian.PutUint64(h[29:], rb.min)
	binary.BigEndian.PutUint64(h[37:], rb.max)
	h = append(h, rb.fences...)
	if err := rb.bk.Put(idRunKey(rb.id, 'a', 0), h); err != nil {
		return fmt.Errorf("idempotency run %d header: %w", rb.id, err)
	}
	return nil
}

// migrateIDsToRuns turns the schema-8 index (HASH → SEQ…, one key per hash,
// in hash order) into one run by a single ordered scan, and drops it.
func migrateIDsToRuns(tx *bolt.Tx) error {
	bk, err := tx.CreateBucketIfNotExists(bucketIDRuns)
	if err != nil {
		return err
	}
	old := tx.Bucket(bucketIDs)
	if old == nil {
		return nil
	}
	if n := old.Stats().KeyN; n > 0 {
		id, err := bk.NextSequence()
		if err != nil {
			return err
		}
		rb := newIDRunBuilder(bk, id, uint64(n))
		var seqs []uint64
		err = old.ForEach(func(k, v []byte) error {
			if len(k) != 8 || len(v) == 0 || len(v)%8 != 0 {
				return fmt.Errorf("idempotency entry %x → %x: %w", k, v, errCorrupt)
			}
			h := binary.BigEndian.Uint64(k)
			seqs = seqs[:0]
			for ; len(v) > 0; v = v[8:] {
				seqs = append(seqs, binary.BigEndian.Uint64(v))
			}
			slices.Sort(seqs)
			for _, s := range seqs {
				if err := rb.add(idEntry{h, s}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := rb.finish(); err != nil {
			return err
		}
	}
	return tx.DeleteBucket(bucketIDs)
}
