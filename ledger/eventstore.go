package ledger

// Stored events in blocks (schema 8).
//
// The events bucket maps SEQ → a value of one of two formats, told apart by
// its first byte:
//
//	1  one event (encodeEvent), whose sequence number is the key; what
//	   books before schema 8 hold, and what a correction of such an event
//	   still writes;
//	2  a block of consecutive events, the key being the first one's SEQ:
//	     byte    2
//	     the n encodings (encodeEvent) of events SEQ … SEQ+n−1
//	     n × 4-byte big-endian end offsets of the encodings (from the byte
//	     after the 2)
//	     4-byte big-endian n
//	   The offsets trail the encodings so that the writer can append each
//	   event to its block as it comes, without a copy at the end.
//
// A key per event cost the import a bbolt Put per event (a tree descent and
// an insert into a node that grows until commit: 1–2 s of the writer's ~11 s
// per 1M events); a block of up to blockEvents costs one. Ranges never
// overlap: a block holds only sequence numbers its writer drew, and a
// correction rewrites the event where it is (in its block, or under its own
// key) instead of moving it.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

const (
	eventFormat = 1 // one event per value
	blockFormat = 2 // a block of consecutive events
	// blockEvents bounds the events of one block: ~25 KB at the benchmark's
	// ~100 bytes per event. Larger blocks save little (the Put per block is
	// already rare) and make a correction of an old event rewrite more.
	blockEvents = 256
)

// blockLen reads a block's trailer: the number of events, their end
// offsets and their encodings.
func blockLen(v []byte) (n int, offs, data []byte, err error) {
	if len(v) < 5 || v[0] != blockFormat {
		return 0, nil, nil, errCorrupt
	}
	u := binary.BigEndian.Uint32(v[len(v)-4:])
	if u == 0 || uint64(u)*4 > uint64(len(v)-5) {
		return 0, nil, nil, errCorrupt
	}
	n = int(u)
	offs = v[len(v)-4-4*n : len(v)-4]
	data = v[1 : len(v)-4-4*n]
	if binary.BigEndian.Uint32(offs[4*(n-1):]) != uint32(len(data)) {
		return 0, nil, nil, errCorrupt
	}
	return n, offs, data, nil
}

// blockEvent returns the i-th encoding of a block.
func blockEvent(offs, data []byte, i int) ([]byte, error) {
	start := uint32(0)
	if i > 0 {
		start = binary.BigEndian.Uint32(offs[4*(i-1):])
	}
	end := binary.BigEndian.Uint32(offs[4*i:])
	if start > end || end > uint32(len(data)) {
		return nil, errCorrupt
	}
	return data[start:end:end], nil
}

// appendTrailer ends a block whose encodings end at ends (offsets from the
// byte after the format byte).
func appendTrailer(buf []byte, ends []uint32) []byte {
	for _, e := range ends {
		buf = binary.BigEndian.AppendUint32(buf, e)
	}
	return binary.BigEndian.AppendUint32(buf, uint32(len(ends)))
}

// appendBlock appends a block of the given encodings to buf.
func appendBlock(buf []byte, encs [][]byte) []byte {
	start := len(buf)
	buf = append(buf, blockFormat)
	ends := make([]uint32, len(encs))
	for i, e := range encs {
		buf = append(buf, e...)
		ends[i] = uint32(len(buf) - start - 1)
	}
	return appendTrailer(buf, ends)
}

// storedValue finds the value of the events bucket that holds seq: its key
// (the first sequence number it holds) and the value, or found == false.
func storedValue(events *bolt.Bucket, seq uint64) (first uint64, v []byte, found bool) {
	key := binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
	c := events.Cursor()
	k, v := c.Seek(key)
	switch {
	case k == nil:
		k, v = c.Last()
	case !bytes.Equal(k, key):
		k, v = c.Prev()
	}
	if len(k) != 8 || len(v) == 0 {
		return 0, nil, false
	}
	return binary.BigEndian.Uint64(k), v, true
}

// eventIn returns the encoding of event seq within value v stored under
// first, or nil if v does not hold it.
func eventIn(first uint64, v []byte, seq uint64) ([]byte, error) {
	switch v[0] {
	case eventFormat:
		if first == seq {
			return v, nil
		}
		return nil, nil
	case blockFormat:
		n, offs, data, err := blockLen(v)
		if err != nil {
			return nil, err
		}
		if seq-first >= uint64(n) {
			return nil, nil
		}
		return blockEvent(offs, data, int(seq-first))
	}
	return nil, errCorrupt
}

// readEvent reads event seq from the events bucket (outside a writer).
func readEvent(events *bolt.Bucket, seq uint64) (StoredEvent, error) {
	first, v, found := storedValue(events, seq)
	var enc []byte
	var err error
	if found {
		enc, err = eventIn(first, v, seq)
	}
	if err == nil && enc == nil {
		err = fmt.Errorf("%w: no such event", errCorrupt)
	}
	if err == nil {
		var se StoredEvent
		if se, err = decodeEvent(seq, enc); err == nil {
			return se, nil
		}
	}
	return StoredEvent{seq: seq}, fmt.Errorf("event #%d: %w", seq, err)
}

// forEachStoredEvent calls fn with each stored event's sequence number and
// encoding, in order. A value that cannot be read is reported through bad
// and skipped.
func forEachStoredEvent(events *bolt.Bucket, fn func(seq uint64, enc []byte) error, bad func(key []byte, err error)) error {
	next := uint64(0) // the least sequence number the next value may hold
	return events.ForEach(func(k, v []byte) error {
		if len(k) != 8 || len(v) == 0 {
			bad(k, errCorrupt)
			return nil
		}
		first := binary.BigEndian.Uint64(k)
		if first < next {
			bad(k, fmt.Errorf("overlaps the block before it (which ends at #%d)", next-1))
		}
		switch v[0] {
		case eventFormat:
			next = first + 1
			return fn(first, v)
		case blockFormat:
			n, offs, data, err := blockLen(v)
			if err != nil {
				bad(k, err)
				return nil
			}
			next = first + uint64(n)
			for i := 0; i < n; i++ {
				enc, err := blockEvent(offs, data, i)
				if err != nil {
					bad(k, err)
					return nil
				}
				if err := fn(first+uint64(i), enc); err != nil {
					return err
				}
			}
			return nil
		}
		bad(k, errCorrupt)
		return nil
	})
}

// countEvents returns the number of stored events.
func countEvents(events *bolt.Bucket) (int, error) {
	n := 0
	err := forEachStoredEvent(events, func(uint64, []byte) error { n++; return nil },
		func(k []byte, err error) {})
	return n, err
}

// eventStore is the writer's view of the events bucket within one write
// transaction: new events collect in memory, in blocks, and go to the
// bucket at flush; a correction of a stored event edits its block in memory
// too. Reads see the transaction's own writes.
type eventStore struct {
	bk   *bolt.Bucket
	next uint64 // the next sequence number to hand out; 0 until first read
	// The transaction's new events: event first+i is in blocks[i/blockEvents].
	first  uint64
	count  int
	blocks []pendingBlock
	avg    int // expected bytes per event, for a new block's capacity
	// Stored blocks changed in this transaction, by their first sequence
	// number: each event's encoding (copied out of the mapping).
	edits map[uint64][][]byte
}

// pendingBlock is a block being filled: the format byte and the encodings
// so far; ends[i] is where encoding i ends (from buf[1]).
type pendingBlock struct {
	buf  []byte
	ends []uint32
}

func (b *pendingBlock) event(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.buf[1+start : 1+b.ends[i] : 1+b.ends[i]]
}

func newEventStore(bk *bolt.Bucket) *eventStore {
	return &eventStore{bk: bk, avg: 128, edits: map[uint64][][]byte{}}
}

// nextSeq draws the next sequence number.
func (s *eventStore) nextSeq() uint64 {
	if s.next == 0 {
		s.next = s.bk.Sequence() + 1
	}
	seq := s.next
	s.next++
	return seq
}

// expect says that n more new events of about size bytes in all follow, so
// that each block is allocated once at about its final size instead of
// growing by copies.
func (s *eventStore) expect(n, size int) {
	if n > 0 {
		s.avg = size/n + 1
	}
}

// appendNew adds the encoding that enc appends to its argument as event
// seq, which must be the last one drawn with nextSeq.
func (s *eventStore) appendNew(seq uint64, enc func([]byte) []byte) {
	if s.count == 0 {
		s.first = seq
	}
	if s.count%blockEvents == 0 {
		buf := make([]byte, 1, 1+s.avg*blockEvents*9/8+4*blockEvents+4)
		buf[0] = blockFormat
		s.blocks = append(s.blocks, pendingBlock{buf: buf, ends: make([]uint32, 0, blockEvents)})
	}
	b := &s.blocks[len(s.blocks)-1]
	b.buf = enc(b.buf)
	b.ends = append(b.ends, uint32(len(b.buf)-1))
	s.count++
}

// pending returns the block and index of new event seq, if it is one.
func (s *eventStore) pending(seq uint64) (*pendingBlock, int, bool) {
	if s.count == 0 || seq < s.first || seq-s.first >= uint64(s.count) {
		return nil, 0, false
	}
	i := int(seq - s.first)
	return &s.blocks[i/blockEvents], i % blockEvents, true
}

// get returns event seq's encoding.
func (s *eventStore) get(seq uint64) ([]byte, error) {
	if b, i, ok := s.pending(seq); ok {
		return b.event(i), nil
	}
	first, v, found := storedValue(s.bk, seq)
	if !found {
		return nil, fmt.Errorf("event #%d: %w: no such event", seq, errCorrupt)
	}
	if ed, ok := s.edits[first]; ok {
		if seq-first < uint64(len(ed)) {
			return ed[seq-first], nil
		}
	}
	enc, err := eventIn(first, v, seq)
	if err == nil && enc == nil {
		err = fmt.Errorf("%w: no such event", errCorrupt)
	}
	if err != nil {
		return nil, fmt.Errorf("event #%d: %w", seq, err)
	}
	return enc, nil
}

// read decodes event seq.
func (s *eventStore) read(seq uint64) (StoredEvent, error) {
	enc, err := s.get(seq)
	if err != nil {
		return StoredEvent{seq: seq}, err
	}
	se, err := decodeEvent(seq, enc)
	if err != nil {
		return se, fmt.Errorf("event #%d: %w", seq, err)
	}
	return se, nil
}

// replace stores enc as the new content of existing event seq. keep copies
// what must live until commit.
func (s *eventStore) replace(seq uint64, enc []byte, keep func([]byte) []byte) error {
	if b, i, ok := s.pending(seq); ok {
		// Rare (one id twice in a transaction, with new content): rebuild
		// the block around the new encoding.
		encs := make([][]byte, len(b.ends))
		for j := range encs {
			encs[j] = b.event(j)
		}
		encs[i] = enc
		nb := pendingBlock{buf: []byte{blockFormat}, ends: make([]uint32, len(encs), blockEvents)}
		for j, e := range encs {
			nb.buf = append(nb.buf, e...)
			nb.ends[j] = uint32(len(nb.buf) - 1)
		}
		*b = nb
		return nil
	}
	first, v, found := storedValue(s.bk, seq)
	if !found {
		return fmt.Errorf("event #%d: %w: no such event", seq, errCorrupt)
	}
	if v[0] == eventFormat {
		if first != seq {
			return fmt.Errorf("event #%d: %w: no such event", seq, errCorrupt)
		}
		return s.bk.Put(keep(binary.BigEndian.AppendUint64(nil, seq)), keep(enc))
	}
	ed, ok := s.edits[first]
	if !ok {
		n, offs, data, err := blockLen(v)
		if err != nil {
			return fmt.Errorf("event block #%d: %w", first, err)
		}
		ed = make([][]byte, n)
		for i := range ed {
			e, err := blockEvent(offs, data, i)
			if err != nil {
				return fmt.Errorf("event block #%d: %w", first, err)
			}
			ed[i] = slices.Clone(e) // the mapping may move before flush
		}
		s.edits[first] = ed
	}
	if seq-first >= uint64(len(ed)) {
		return fmt.Errorf("event #%d: %w: no such event", seq, errCorrupt)
	}
	ed[seq-first] = slices.Clone(enc)
	return nil
}

// flush writes the edited blocks, the new blocks and the bucket's sequence.
// The blocks' memory is bbolt's until commit: nothing here reuses it.
func (s *eventStore) flush() error {
	key := func(seq uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq) }
	firsts := make([]uint64, 0, len(s.edits))
	for f := range s.edits {
		firsts = append(firsts, f)
	}
	slices.Sort(firsts)
	for _, f := range firsts {
		if err := s.bk.Put(key(f), appendBlock(nil, s.edits[f])); err != nil {
			return err
		}
	}
	clear(s.edits)
	for i := range s.blocks {
		b := &s.blocks[i]
		if err := s.bk.Put(key(s.first+uint64(i*blockEvents)), appendTrailer(b.buf, b.ends)); err != nil {
			return err
		}
	}
	s.blocks, s.count = nil, 0
	if s.next != 0 && s.next-1 > s.bk.Sequence() {
		return s.bk.SetSequence(s.next - 1)
	}
	return nil
}
