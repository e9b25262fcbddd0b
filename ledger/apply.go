package ledger

import (
	"fmt"
	"slices"
	"sync"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// How the writer applies a prepared batch, in three passes:
//
//  1. In the batch's order (grouped by alias and metric, see prepared):
//     each event is checked against the book (its metric known, its value
//     readable) and attributed: its customer, day and late flag.
//  2. In the order of the ids' hashes: each id is looked up once in the
//     idempotency index (runs are read in key order), and every event is
//     settled as new, a duplicate or a correction. Repeats of an id within
//     the batch sit next to each other in this order, in arrival order, and
//     are settled among themselves: an event corrected later in the same
//     batch is never stored or counted (its correction takes its place), which
//     is what storing it and then superseding it would leave.
//  3. In the batch's order again: the events to store get their sequence
//     numbers, rollups and encodings. One customer's metric is added up in
//     one place, in a row, instead of one random memory access per event
//     (docs/performance.md, "The writer in passes").
//
// Corrections of stored events take the old event out of the rollups in
// pass 2, before pass 3 adds the new one, so that a usage-index or
// unattributed key both share (same sequence number) ends up present.

// Event k's state between the passes.
const (
	evDone    uint8 = iota // settled: rejected, a duplicate, or corrected later in the batch
	evPending              // valid; pass 2 settles it
	evNew                  // to store under a new sequence number
	evOver                 // to store over the stored event seqOf[k]
)

// eventInfo is what pass 1 finds out about an event.
type eventInfo struct {
	v     decimal.Decimal // what it adds to its metric (eventValue)
	small smallDec        // v, when it is the event's value (prepared.small)
	uniq  string          // its distinct value, for unique_count
	date  pricing.Date    // its day in its customer's time zone (zero if unattributed)
	day   uint32          // the same, as dayNum
	late  bool
}

// batchScratch is the per-event state of a batch (~80 bytes an event),
// pooled so that batches reuse it instead of faulting in fresh memory.
type batchScratch struct {
	state []uint8
	info  []eventInfo
	seqOf []uint64
}

var scratchPool sync.Pool

func (s *batchScratch) reset(n int) {
	s.state = slices.Grow(s.state[:0], n)[:n]
	s.info = slices.Grow(s.info[:0], n)[:n]
	s.seqOf = slices.Grow(s.seqOf[:0], n)[:n]
}

// apply writes the batch inside tx and returns one result per event, in
// the batch's order (byArrival puts them in the order they came).
func (p *prepared) apply(b *Book, tx *bolt.Tx) ([]Result, error) {
	w := newWriter(b, tx)
	results, err := p.applyWith(w)
	if err != nil {
		return nil, err
	}
	return results, w.flush()
}

// batchView is a prepared batch being applied by one writer.
type batchView struct {
	p       *prepared
	w       *writer
	results []Result // in the batch's order: event k's is results[k]
	// The batch's metrics and aliases as the book has them, looked up on
	// first use.
	metrics     []*Metric
	metricKnown []bool
	targets     []aliasTarget
	targetKnown []bool
	state       []uint8
	info        []eventInfo
	seqOf       []uint64
	sameIDs     []sameID // pass 2: the distinct ids of the current run of equal hashes
}

// sameID is an id's current content while pass 2 walks the events with
// its hash: the stored event (k < 0), or event k of the batch.
type sameID struct {
	id   string
	k    int32
	prev StoredEvent // when k < 0
	over uint64      // the stored event the id's content replaces, 0 if none
}

// applyWith writes the batch through w, which may carry other batches of the
// same transaction; the caller flushes w once after the last. The results
// are in the batch's order, as apply's.
func (p *prepared) applyWith(w *writer) ([]Result, error) {
	n := len(p.events)
	if w.scratch == nil {
		w.scratch, _ = scratchPool.Get().(*batchScratch)
		if w.scratch == nil {
			w.scratch = &batchScratch{}
		}
	}
	// What was checked ahead serves one application: a retry (usage.go's
	// groupCommit) starts over.
	a := p.ahead
	p.ahead = nil
	v := &batchView{p: p, w: w,
		metrics: make([]*Metric, len(p.metrics)), metricKnown: make([]bool, len(p.metrics)),
		targets: make([]aliasTarget, len(p.aliases)), targetKnown: make([]bool, len(p.aliases))}
	if a != nil {
		w.scratch.seqOf = slices.Grow(w.scratch.seqOf[:0], n)[:n]
		v.results, v.state, v.info, v.seqOf = a.results, a.state, a.info, w.scratch.seqOf
	} else {
		w.scratch.reset(n)
		v.results, v.state, v.info, v.seqOf = make([]Result, n), w.scratch.state, w.scratch.info, w.scratch.seqOf
	}
	if err := v.check(a); err != nil {
		return nil, err
	}
	v.tell()
	if err := v.settle(); err != nil {
		return nil, err
	}
	if err := v.store(); err != nil {
		return nil, err
	}
	var sum Summary
	for _, r := range v.results {
		sum.Add(r)
	}
	return v.results, w.b.audit(w.tx, "usage.ingest", fmt.Sprintf("%d events", n), "", sum.String())
}

// metricAt is the batch's metric mi as the book has it (nil if unknown).
func (v *batchView) metricAt(mi int32) *Metric {
	if !v.metricKnown[mi] {
		v.metrics[mi], v.metricKnown[mi] = v.w.metric(v.p.metrics[mi]), true
	}
	return v.metrics[mi]
}

// targetAt is what the batch's alias ai maps to in the book.
func (v *batchView) targetAt(ai int32) (aliasTarget, error) {
	if !v.targetKnown[ai] {
		id, ci, err := v.w.resolve(v.p.aliases[ai])
		if err != nil {
			return aliasTarget{}, err
		}
		v.targets[ai], v.targetKnown[ai] = aliasTarget{id, ci}, true
	}
	return v.targets[ai], nil
}

// check is pass 1: rejects what the book cannot take, attributes the rest
// and gives each the result it has unless pass 2 finds it a repeat. It
// goes a group (one alias and metric) at a time; a group the parsing
// goroutine checked ahead (ahead.go) is taken as it is when the alias and
// the metric still are what it used, which the writer's own view tells.
func (v *batchView) check(a *ahead) error {
	p := v.p
	for g := range p.groupEnd {
		from, end := p.group(g)
		ai, mi := p.aliasOf[from], p.metricOf[from]
		m := v.metricAt(mi)
		if a != nil && a.done[g] {
			t, err := v.targetAt(ai)
			if err != nil {
				return err
			}
			if t == a.targets[ai] && sameMetric(m, a.metrics[mi]) {
				continue
			}
		}
		if err := p.checkGroup(from, end, m, func() (aliasTarget, error) { return v.targetAt(ai) },
			v.results, v.state, v.info); err != nil {
			return err
		}
	}
	return nil
}

// tell sends the parsing goroutine what this batch's aliases and metrics
// resolved to, for checking the next batches ahead (ahead.go); it never
// waits.
func (v *batchView) tell() {
	p := v.p
	if p.learn == nil {
		return
	}
	l := learned{aliases: p.aliases, targets: slices.Clone(v.targets), known: slices.Clone(v.targetKnown),
		metrics: p.metrics, metricOf: slices.Clone(v.metrics), metricKnown: slices.Clone(v.metricKnown)}
	select {
	case p.learn <- l:
	default:
	}
}

// checkGroup is pass 1 for events from…to, which share their alias and
// metric: m (nil if the book has no such metric) and the alias's target,
// which target resolves when an event first needs it. It writes each
// event's result, state and info.
func (p *prepared) checkGroup(from, to int32, m *Metric, target func() (aliasTarget, error),
	results []Result, state []uint8, info []eventInfo) error {
	var t aliasTarget
	resolved := false
	for k := from; k < to; k++ {
		e := &p.events[k]
		r := &results[k]
		*r = Result{ID: e.ID}
		state[k] = evDone
		if reason, bad := p.reject[k]; bad {
			r.Outcome, r.Reason = Rejected, reason
			continue
		}
		if m == nil {
			r.Outcome, r.Reason = Rejected, fmt.Sprintf("unknown metric %q (add it with monthend metrics add)", e.Metric)
			continue
		}
		val, uniq, err := eventValue(m, e)
		if err != nil {
			r.Outcome, r.Reason = Rejected, err.Error()
			continue
		}
		if !resolved {
			if t, err = target(); err != nil {
				return err
			}
			resolved = true
		}
		in := &info[k]
		*in = eventInfo{v: val, uniq: uniq}
		if m.Property == "" {
			in.small = p.small[k]
		}
		if t.ci == nil {
			r.Outcome = Unattributed
		} else {
			in.date = pricing.DateOf(e.Timestamp, t.ci.loc)
			in.day = dayNum(in.date)
			in.late = t.ci.issuedThrough != 0 && in.day <= t.ci.issuedThrough
			r.Outcome, r.Late = Accepted, in.late
		}
		state[k] = evPending
	}
	return nil
}

func sameMetric(a, b *Metric) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// stored is event k as the book would store it (without its sequence
// number).
func (v *batchView) stored(k int32) StoredEvent {
	se := StoredEvent{Event: v.p.events[k], Received: v.w.now}
	se.Timestamp = se.Timestamp.UTC()
	se.CustomerID = v.targets[v.p.aliasOf[k]].id
	se.Day, se.Late = v.info[k].date, v.info[k].late
	return se
}

// settle is pass 2: every pending event becomes new, a duplicate or a
// correction, in the order of the ids' hashes.
func (v *batchView) settle() error {
	w, p := v.w, v.p
	runHash := uint64(0)
	v.sameIDs = v.sameIDs[:0]
	for j, it := range p.order {
		k := it.i
		if v.state[k] != evPending {
			continue
		}
		if j == 0 || it.h != runHash {
			runHash, v.sameIDs = it.h, v.sameIDs[:0]
		}
		e := &p.events[k]
		var cur *sameID
		for x := range v.sameIDs {
			if v.sameIDs[x].id == e.ID {
				cur = &v.sameIDs[x]
				break
			}
		}
		if cur == nil {
			// The id's first event in the batch: what does the book hold?
			var err error
			if w.seqs, err = w.ids.lookup(it.h, w.seqs[:0]); err != nil {
				return fmt.Errorf("event %s: %w", e.ID, err)
			}
			prev, found, err := findEvent(w.seqs, w.events.read, e.ID)
			if err != nil {
				return err
			}
			if !found {
				v.state[k] = evNew
				v.sameIDs = append(v.sameIDs, sameID{id: e.ID, k: k})
				continue
			}
			v.sameIDs = append(v.sameIDs, sameID{id: e.ID, k: -1, prev: prev})
			cur = &v.sameIDs[len(v.sameIDs)-1]
		}
		r := &v.results[k]
		var before string
		if cur.k < 0 {
			if sameContent(&cur.prev.Event, e) {
				*r = Result{ID: e.ID, Outcome: Duplicate, Late: cur.prev.Late}
				v.state[k] = evDone
				continue
			}
			if err := w.remove(&cur.prev); err != nil {
				return err
			}
			before, cur.over = describeEvent(&cur.prev), cur.prev.seq
		} else {
			prevK := cur.k
			if sameContent(&p.events[prevK], e) {
				*r = Result{ID: e.ID, Outcome: Duplicate, Late: v.info[prevK].late}
				v.state[k] = evDone
				continue
			}
			// Corrected within the batch: the earlier event keeps its
			// result but is never stored; this one takes its place.
			v.state[prevK] = evDone
			prevSE := v.stored(prevK)
			before = describeEvent(&prevSE)
		}
		cur.k = k
		if cur.over == 0 {
			v.state[k] = evNew
		} else {
			v.state[k], v.seqOf[k] = evOver, cur.over
		}
		r.Unattributed = r.Outcome == Unattributed
		r.Outcome = Superseded
		// The trail keeps both versions: the old content before, the new after.
		se := v.stored(k)
		if err := w.b.audit(w.tx, "usage.supersede", "event "+e.ID, before, describeEvent(&se)); err != nil {
			return err
		}
	}
	return nil
}

// store is pass 3: the events to store get their sequence numbers, rollups
// and encodings, in the batch's order; then the new ids go to the index in
// hash order.
func (v *batchView) store() error {
	w, p := v.w, v.p
	w.events.expect(len(p.events), p.expectedSize())
	for k := range p.events {
		st := v.state[k]
		if st != evNew && st != evOver {
			continue
		}
		se := v.stored(int32(k))
		if st == evNew {
			se.seq = w.events.nextSeq()
			v.seqOf[k] = se.seq
		} else {
			se.seq = v.seqOf[k]
		}
		in := &v.info[k]
		t := v.targets[p.aliasOf[k]]
		if err := w.place(&se, v.metrics[p.metricOf[k]], t.ci, in.day, in.v, in.small, in.uniq); err != nil {
			return err
		}
		head, mid, tail := p.encParts(int32(k))
		if st == evNew {
			w.events.appendNew(se.seq, func(buf []byte) []byte { return encodeEventParts(buf, &se, head, mid, tail) })
			continue
		}
		w.val = encodeEventParts(w.val[:0], &se, head, mid, tail)
		if err := w.events.replace(se.seq, w.val, w.keep); err != nil {
			return err
		}
	}
	w.ids.added = slices.Grow(w.ids.added, len(p.events))
	for _, it := range p.order {
		if v.state[it.i] == evNew {
			w.ids.add(it.h, v.seqOf[it.i])
		}
	}
	return nil
}
