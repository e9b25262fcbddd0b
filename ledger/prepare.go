package ledger

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
)

// prepared is a batch made ready for its write transaction: each event
// validated, its id hashed, its encoding begun and the batch put in the two
// orders the writer visits it in (apply.go). None of this needs the book,
// so it runs outside the transaction (and outside bbolt's writer lock): on
// the request's goroutine for Ingest, on the parsing goroutine for Import.
// An import's events may share Properties maps (see eventParser): the
// writer only reads them.
type prepared struct {
	// events is the batch grouped by alias and metric, in arrival order
	// within each group (the writer then adds up one customer's metric in
	// one place, not all over its memory); event k arrived as arrival[k].
	// Every other per-event slice here is in this order too.
	events  []Event
	arrival []int32
	// order is the events in the order of their ids' hashes, and, among
	// equal hashes, of arrival: the order the writer settles duplicates
	// and corrections in.
	order  []prepItem
	reject map[int32]string // why event k is invalid; nil when all are valid
	// enc holds each event's encoding without what the book decides
	// (eventParts); event k's parts end at parts[k] and start where event
	// k−1's end.
	enc   []byte
	parts [][3]int
	// Each event's alias and metric as an index into aliases and metrics,
	// the batch's distinct ones: the writer looks each up in the book once
	// per batch and then by index, without hashing a string per event.
	aliasOf, metricOf []int32
	aliases, metrics  []string
	// groupEnd[g] is where group g, the events of one alias and metric,
	// ends (it begins where group g−1 ends).
	groupEnd []int32
	// small is each event's Value as smallDec, read here, in arrival
	// order, where the parser allocated them: in the writer's order every
	// value's big.Int was a cache miss.
	small []smallDec
	// For an import: pass 1 done ahead of the writer, if any, and where
	// the writer tells what this batch's aliases and metrics resolved to
	// (ahead.go).
	ahead *ahead
	learn chan<- learned
}

// group returns where group g begins and ends.
func (p *prepared) group(g int) (from, end int32) {
	if g > 0 {
		from = p.groupEnd[g-1]
	}
	return from, p.groupEnd[g]
}

// byArrival returns the batch's results (in its order, as the writer
// makes them) in the order the events came.
func (p *prepared) byArrival(res []Result) []Result {
	out := make([]Result, len(res))
	for k, r := range res {
		out[p.arrival[k]] = r
	}
	return out
}

// expectedSize is about how many bytes the batch's events take stored:
// the prepared parts, and the customer id, day, flags and time of receipt
// the writer adds (~40 bytes).
func (p *prepared) expectedSize() int { return len(p.enc) + 48*len(p.events) }

// encParts returns event k's head, mid and tail (see eventParts).
func (p *prepared) encParts(k int32) (head, mid, tail []byte) {
	start := 0
	if k > 0 {
		start = p.parts[k-1][2]
	}
	e := p.parts[k]
	return p.enc[start:e[0]:e[0]], p.enc[e[0]:e[1]:e[1]], p.enc[e[1]:e[2]:e[2]]
}

type prepItem struct {
	h uint64
	i int32
}

func prepare(events []Event) *prepared {
	n := len(events)
	p := &prepared{events: make([]Event, n), arrival: make([]int32, n), order: make([]prepItem, n),
		parts: make([][3]int, n), aliasOf: make([]int32, n), metricOf: make([]int32, n), small: make([]smallDec, n)}
	// The batch's aliases and metrics, numbered as first seen.
	aliasIdx, metricIdx := map[string]int32{}, map[string]int32{}
	intern := func(idx map[string]int32, names *[]string, s string) int32 {
		x, ok := idx[s]
		if !ok {
			x = int32(len(*names))
			idx[s] = x
			*names = append(*names, s)
		}
		return x
	}
	group := make([]int32, n) // event i's (alias, metric) pair, numbered as first seen
	aOf, mOf := make([]int32, n), make([]int32, n)
	small := make([]smallDec, n)
	pairs := map[uint64]int32{}
	last, lastGroup := uint64(1<<63), int32(0) // runs of one pair are common: skip the map
	size := 0
	for i := range events {
		e := &events[i]
		aOf[i], mOf[i] = intern(aliasIdx, &p.aliases, e.Customer), intern(metricIdx, &p.metrics, e.Metric)
		pair := uint64(aOf[i])<<32 | uint64(mOf[i])
		if pair != last {
			g, ok := pairs[pair]
			if !ok {
				g = int32(len(pairs))
				pairs[pair] = g
			}
			last, lastGroup = pair, g
		}
		group[i] = lastGroup
		small[i] = smallOf(e.Value)
		size += len(e.ID) + len(e.Customer) + len(e.Metric) + 32
		for k, v := range e.Properties {
			size += len(k) + len(v) + 4
		}
	}
	// A stable counting sort by pair: event i goes to place pos[i].
	starts := make([]int32, len(pairs)+1)
	for _, g := range group {
		starts[g+1]++
	}
	for g := 1; g < len(starts); g++ {
		starts[g] += starts[g-1]
	}
	pos := group // reused: group[i] is read just before pos[i] is written
	for i, g := range group {
		k := starts[g]
		starts[g]++
		pos[i] = k
		p.arrival[k] = int32(i)
		p.events[k] = events[i]
		p.aliasOf[k], p.metricOf[k] = aOf[i], mOf[i]
		p.small[k] = small[i]
	}
	p.groupEnd = starts[:len(pairs)] // each group's start, advanced past its events
	p.enc = make([]byte, 0, size)
	hashes := make([][8]byte, n) // by arrival, so that hashOrder breaks ties by arrival
	for k := range p.events {
		e := &p.events[k]
		reason := ""
		if err := e.Validate(); err != nil {
			reason = strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
		} else if e.Value.IsNegative() {
			reason = "value is negative"
		}
		if reason != "" {
			if p.reject == nil {
				p.reject = map[int32]string{}
			}
			p.reject[int32(k)] = reason
		}
		var head, mid int
		p.enc, head, mid = eventParts(p.enc, e)
		p.parts[k] = [3]int{head, mid, len(p.enc)}
		hashes[p.arrival[k]] = idHash(e.ID)
	}
	// Visiting events in the order of their idempotency keys turns the index
	// puts into in-order inserts; ties keep repeats of an id in arrival order.
	hashOrder(p.order, hashes)
	for j := range p.order {
		p.order[j].i = pos[p.order[j].i]
	}
	return p
}

// hashOrder fills order with every event's hash and index, sorted by hash
// and, among equal hashes, by index: what sorting by (h, i) gives
// (TestHashOrder). The hashes are SHA-256 prefixes, spread evenly, so one
// counting pass over their top bits, with about one event a bucket, leaves
// only tiny buckets to sort; a pdqsort of a 250,000-event batch took 10% of
// prepare.
func hashOrder(order []prepItem, hashes [][8]byte) {
	width := min(max(bits.Len(uint(len(hashes))), 1), 16)
	shift := 64 - width
	starts := make([]int32, 1<<width+1)
	for i := range hashes {
		starts[binary.BigEndian.Uint64(hashes[i][:])>>shift+1]++
	}
	for b := 1; b < len(starts); b++ {
		starts[b] += starts[b-1]
	}
	// In index order, so each bucket holds equal hashes in index order.
	for i := range hashes {
		h := binary.BigEndian.Uint64(hashes[i][:])
		b := h >> shift
		order[starts[b]] = prepItem{h, int32(i)}
		starts[b]++
	}
	// starts[b] is now where bucket b ends.
	begin := int32(0)
	for _, end := range starts[:len(starts)-1] {
		bucket := order[begin:end]
		begin = end
		if len(bucket) > 24 {
			// Many equal hashes (an id sent again and again) or an unlucky
			// spread: the general sort.
			slices.SortFunc(bucket, func(x, y prepItem) int {
				return cmp.Or(cmp.Compare(x.h, y.h), cmp.Compare(x.i, y.i))
			})
			continue
		}
		// Insertion sort: stable, so equal hashes stay in index order.
		for j := 1; j < len(bucket); j++ {
			for k := j; k > 0 && bucket[k-1].h > bucket[k].h; k-- {
				bucket[k-1], bucket[k] = bucket[k], bucket[k-1]
			}
		}
	}
}
