package ledger

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// writer applies events to the book inside one write transaction. It keeps
// the rollups it touches in memory and writes each once, at flush.
type writer struct {
	b         *Book
	tx        *bolt.Tx
	events    *eventStore
	ids       *idIndex
	seqs      []uint64 // scratch for index lookups
	usage     *bolt.Bucket
	months    *bolt.Bucket // month records (monthrecord.go)
	distinct  *bolt.Bucket // the distinct values of records that keep them apart
	unattrib  *bolt.Bucket
	customers map[string]*custInfo   // by customer id
	aliases   map[string]aliasTarget // by alias
	metrics   map[string]*Metric     // nil = unknown
	// touched holds the month records this transaction changes, by
	// customer, metric and month: pointers and an integer hash faster than
	// building and hashing the byte key for every event.
	touched   map[slotKey]*rollupSlot
	lastKey   slotKey // the slot touched last, before the map
	last      *rollupSlot
	scratch   *batchScratch // the per-event state of the batch being applied (apply.go)
	storedDay dayRollup     // scratch for mergeStored
	dayPool   []dayRollup   // the days of touched records come from here, a chunk at a time
	now       time.Time
	key, val  []byte // scratch for lookups; never handed to Put
	arena     arena  // bbolt keeps Put's key and value until commit: copies live here
	// The keys this transaction adds to the unattributed list and the usage
	// index, put in key order at flush. Put as they came, each inserted
	// into the middle of a node that bbolt splits only at commit: on a
	// fresh book one node took a whole transaction's keys, a memmove of its
	// tail per event (an import of 1M events with 326,000 unattributed:
	// 10 s instead of 4).
	newUnattrib, newUsage map[string]struct{}
}

// keep copies b into the arena, for Put.
func (w *writer) keep(b []byte) []byte { return keepIn(&w.arena, b) }

// arena holds copies that must live until the transaction ends, a chunk at
// a time.
type arena []byte

func keepIn[T string | []byte](a *arena, b T) []byte {
	if len(*a)+len(b) > cap(*a) {
		*a = make([]byte, 0, max(1<<20, len(b)))
	}
	n := len(*a)
	*a = append(*a, b...)
	return (*a)[n:len(*a):len(*a)]
}

// putKeys puts the keys of set, with no value, into b in key order, and
// empties set.
func (w *writer) putKeys(b *bolt.Bucket, set map[string]struct{}) error {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := b.Put(keepIn(&w.arena, k), nil); err != nil {
			return err
		}
	}
	clear(set)
	return nil
}

// dropKey takes key out of b, or out of set if this transaction added it
// there.
func dropKey(b *bolt.Bucket, set map[string]struct{}, key []byte) error {
	if _, ok := set[string(key)]; ok {
		delete(set, string(key))
		return nil
	}
	return b.Delete(key)
}

type custInfo struct {
	loc           *time.Location
	issuedThrough uint32
}

// aliasTarget is what an alias resolves to in this transaction.
type aliasTarget struct {
	id string    // "" = unmapped
	ci *custInfo // nil when unmapped
}

type slotKey struct {
	ci    *custInfo
	m     *Metric
	month uint32
}

// rollupSlot is one month record touched by the transaction. Records of
// max and latest metrics are read when first touched (removing an event
// must know the current max or latest). The others are only added to and
// subtracted from, so their days start at zero and collect the change
// (counts wrap around modulo 2^64, so a decrement before the read is fine);
// flush reads the stored record in key order and adds it. Only the days
// touched are decoded: the stored bytes of the others are copied back as
// they are (raw).
type rollupSlot struct {
	key      string // MONTH|customer|metric, the record's key
	customer string // the customer id, and the month, for sortSlots
	month    uint32
	order    int // the slot's place in key order, once flush has sorted
	metric   *Metric
	loaded   bool           // the stored record has been read: raw and days are the whole record
	external bool           // the record keeps its distinct values apart (known once loaded)
	days     [32]*dayRollup // by day of the month (1–31): the days touched
	// The stored record, and where in it each day not touched is (its
	// bytes for decodeDay or to copy back; end 0 if none): offsets, not
	// 32 slices, keep the slot small (one per customer and metric).
	rec  []byte
	raw  [32]struct{ off, end uint32 }
	rawN int // the distinct values in the days of raw
}

// rawDay returns the stored bytes of day d, if d is stored and not touched.
func (s *rollupSlot) rawDay(d uint8) []byte {
	r := s.raw[d]
	if r.end == 0 {
		return nil
	}
	return s.rec[r.off:r.end:r.end]
}

// clearRaw forgets day d's stored bytes (the day is now in days).
func (s *rollupSlot) clearRaw(d uint8) { s.raw[d].end = 0 }

// day returns the slot's entry for day d (1–31), adding it if new; a
// stored day (loaded slots) is decoded.
func (w *writer) day(s *rollupSlot, d uint8) (*dayRollup, error) {
	if dr := s.days[d]; dr != nil {
		return dr, nil
	}
	if len(w.dayPool) == 0 {
		// Days by the chunk: one allocation for many.
		w.dayPool = make([]dayRollup, 1024)
	}
	dr := &w.dayPool[0]
	w.dayPool = w.dayPool[1:]
	dr.day = d
	if raw := s.rawDay(d); raw != nil {
		if err := decodeDay(raw, dr, false, dayAll); err != nil {
			return nil, fmt.Errorf("usage record %s day %d: %w", describeMonthKey([]byte(s.key)), d, err)
		}
		s.rawN -= len(dr.values)
		s.clearRaw(d)
	}
	s.days[d] = dr
	return dr, nil
}

// load reads the stored record v (nil: none) into raw, keeping a copy of
// it in a.
func (s *rollupSlot) load(a *arena, v []byte) error {
	s.loaded = true
	if v == nil {
		return nil
	}
	s.rec = keepIn(a, v) // raw outlives the cursor that found v
	mr, err := readMonth(s.rec)
	for err == nil {
		off := len(s.rec) - len(mr.d.b)
		day, _, values, ok := mr.nextSpan()
		if !ok {
			err = mr.err()
			break
		}
		s.raw[day] = struct{ off, end uint32 }{uint32(off), uint32(len(s.rec) - len(mr.d.b))}
		s.rawN += values
	}
	if err != nil {
		return fmt.Errorf("usage record %s: %w", describeMonthKey([]byte(s.key)), err)
	}
	s.external = mr.external
	return nil
}

func newWriter(b *Book, tx *bolt.Tx) *writer {
	// Events only ever append (sequence keys), so pack their pages full
	// instead of bbolt's default half-full split.
	tx.Bucket(bucketEvents).FillPercent = 0.95
	return &writer{
		b: b, tx: tx,
		events:      newEventStore(tx.Bucket(bucketEvents)),
		ids:         newIDIndex(tx.Bucket(bucketIDRuns)),
		usage:       tx.Bucket(bucketUsage),
		months:      tx.Bucket(bucketRollupMonths),
		distinct:    tx.Bucket(bucketDistinct),
		unattrib:    tx.Bucket(bucketUnattrib),
		customers:   map[string]*custInfo{},
		aliases:     map[string]aliasTarget{},
		metrics:     map[string]*Metric{},
		touched:     map[slotKey]*rollupSlot{},
		now:         b.now(),
		newUnattrib: map[string]struct{}{}, newUsage: map[string]struct{}{},
	}
}

func (w *writer) metric(code string) *Metric {
	m, ok := w.metrics[code]
	if !ok {
		if mm, found := getMetric(w.tx, code); found {
			m = &mm
		}
		w.metrics[code] = m
	}
	return m
}

// resolve returns the customer an alias maps to ("" and nil if none).
func (w *writer) resolve(alias string) (string, *custInfo, error) {
	if t, ok := w.b.aliasCache[alias]; ok {
		return t.id, t.ci, nil
	}
	t, ok := w.aliases[alias]
	if !ok {
		t.id = string(w.tx.Bucket(bucketAliases).Get([]byte(alias)))
		if t.id != "" {
			var err error
			if t.ci, err = w.customer(t.id); err != nil {
				return "", nil, err
			}
			if w.b.aliasCache == nil {
				w.b.aliasCache = map[string]aliasTarget{}
			}
			w.b.aliasCache[alias] = t
		} else {
			w.aliases[alias] = t
		}
	}
	return t.id, t.ci, nil
}

func (w *writer) customer(id string) (*custInfo, error) {
	ci, ok := w.customers[id]
	if ok {
		return ci, nil
	}
	if ci, ok := w.b.custCache[id]; ok {
		w.customers[id] = ci
		return ci, nil
	}
	c, err := getCustomer(w.tx, id)
	if err != nil {
		return nil, err
	}
	loc, err := c.Location()
	if err != nil {
		return nil, fmt.Errorf("customer %s: %w", id, err)
	}
	ci = &custInfo{loc: loc, issuedThrough: dayNum(c.IssuedThrough)}
	w.customers[id] = ci
	if w.b.custCache == nil {
		w.b.custCache = map[string]*custInfo{}
	}
	w.b.custCache[id] = ci
	return ci, nil
}

// eventValue is the quantity an event contributes to metric m, and for
// unique_count the distinct value.
func eventValue(m *Metric, e *Event) (decimal.Decimal, string, error) {
	if m.Property == "" {
		return e.Value, "", nil
	}
	p, ok := e.Properties[m.Property]
	if !ok {
		return decimal.Decimal{}, "", fmt.Errorf("metric %s aggregates property %q, which the event lacks", m.Code, m.Property)
	}
	if m.Aggregation == AggUniqueCount {
		return decimal.Decimal{}, p, nil
	}
	if m.Aggregation == AggCount {
		return e.Value, "", nil
	}
	v, err := decimal.NewFromString(p)
	if err != nil {
		return decimal.Decimal{}, "", fmt.Errorf("metric %s: property %q is %q, not a number", m.Code, m.Property, p)
	}
	return v, "", nil
}

// putEvent rewrites a stored event (its sequence number kept).
func (w *writer) putEvent(se *StoredEvent) error {
	w.val = encodeEvent(w.val[:0], se)
	return w.events.replace(se.seq, w.val, w.keep)
}

func describeEvent(e *StoredEvent) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "customer=%s metric=%s timestamp=%s value=%s", e.Customer, e.Metric, e.Timestamp.Format(time.RFC3339Nano), e.Value)
	for _, k := range sortedKeys(e.Properties) {
		fmt.Fprintf(&sb, " %s=%s", k, e.Properties[k])
	}
	if e.CustomerID != "" {
		fmt.Fprintf(&sb, " (customer %s, day %s)", e.CustomerID, e.Day)
	}
	return sb.String()
}

// attribute sets the event's customer, day and late flag from its alias,
// and adds it to the rollups and the usage index, or to the unattributed
// list (place). It does not store the event itself.
// m is the event's metric (w.metric(se.Metric), not nil), t what its alias
// resolves to (w.resolve(se.Customer)), and v and uniq what it contributes
// (eventValue).
func (w *writer) attribute(se *StoredEvent, m *Metric, t aliasTarget, v decimal.Decimal, uniq string) error {
	se.CustomerID = t.id
	if se.CustomerID == "" {
		se.Day, se.Late = pricing.Date{}, false
		return w.place(se, m, nil, 0, v, smallDec{}, uniq)
	}
	se.Day = pricing.DateOf(se.Timestamp, t.ci.loc)
	day := dayNum(se.Day)
	se.Late = t.ci.issuedThrough != 0 && day <= t.ci.issuedThrough
	return w.place(se, m, t.ci, day, v, smallDec{}, uniq)
}

// place adds an attributed event (customer ci, day as dayNum) to the
// rollups and the usage index, or an unattributed one (CustomerID "") to
// the unattributed list.
func (w *writer) place(se *StoredEvent, m *Metric, ci *custInfo, day uint32, v decimal.Decimal, small smallDec, uniq string) error {
	if se.CustomerID == "" {
		w.key = unattribKey(w.key[:0], se.Customer, se.seq)
		w.newUnattrib[string(w.key)] = struct{}{}
		return nil
	}
	if m.indexed() {
		w.key = usageKey(w.key[:0], se.CustomerID, se.Metric, day, se.seq)
		w.newUsage[string(w.key)] = struct{}{}
	}
	return w.apply(se, ci, m, day, +1, v, small, uniq)
}

// remove takes a stored event out of the rollups and indexes (not out of
// the events bucket: its successor overwrites it).
func (w *writer) remove(se *StoredEvent) error {
	if se.CustomerID == "" {
		w.key = unattribKey(w.key[:0], se.Customer, se.seq)
		return dropKey(w.unattrib, w.newUnattrib, w.key)
	}
	day := dayNum(se.Day)
	m := w.metric(se.Metric)
	if m == nil {
		return fmt.Errorf("metric %s is gone", se.Metric)
	}
	ci, err := w.customer(se.CustomerID)
	if err != nil {
		return err
	}
	if m.indexed() {
		w.key = usageKey(w.key[:0], se.CustomerID, se.Metric, day, se.seq)
		if err := dropKey(w.usage, w.newUsage, w.key); err != nil {
			return err
		}
	}
	v, uniq, err := eventValue(m, &se.Event)
	if err != nil {
		return err
	}
	return w.apply(se, ci, m, day, -1, v, smallDec{}, uniq)
}

// slot returns the month record of customer ci (id customer), metric m
// and the month of day.
func (w *writer) slot(customer string, ci *custInfo, m *Metric, day uint32) (*rollupSlot, error) {
	sk := slotKey{ci, m, monthOf(day)}
	if sk == w.lastKey && w.last != nil {
		return w.last, nil // the batch's order puts a customer's metric in a row
	}
	s, ok := w.touched[sk]
	if ok {
		w.lastKey, w.last = sk, s
		return s, nil
	}
	w.key = monthKey(w.key[:0], customer, m.Code, sk.month)
	s = &rollupSlot{key: string(w.key), customer: customer, month: sk.month, metric: m}
	if s.metric.indexed() {
		if err := s.load(&w.arena, w.months.Get(w.key)); err != nil {
			return nil, err
		}
	}
	w.touched[sk] = s
	w.lastKey, w.last = sk, s
	return s, nil
}

// apply adds (sign +1) or removes (sign −1) one event's contribution, v
// and uniq (eventValue); small is v as smallDec, if the caller has it.
func (w *writer) apply(se *StoredEvent, ci *custInfo, m *Metric, day uint32, sign int, v decimal.Decimal, small smallDec, uniq string) error {
	s, err := w.slot(se.CustomerID, ci, m, day)
	if err != nil {
		return err
	}
	d, err := w.day(s, uint8(day%100))
	if err != nil {
		return err
	}
	r := &d.r
	if sign > 0 {
		r.Events++
		if se.Late {
			r.Late++
		}
	} else {
		r.Events--
		if se.Late {
			r.Late--
		}
	}
	switch s.metric.Aggregation {
	case AggSum:
		switch {
		case sign > 0 && small.ok:
			if !d.added.addSmall(small.c, small.e) {
				d.added.add(v)
			}
		case sign > 0:
			d.added.add(v)
		default:
			r.Sum = r.Sum.Sub(v)
		}
	case AggMax:
		switch {
		case sign > 0 && !d.recompute && (r.Max == nil || v.GreaterThan(*r.Max)):
			r.Max = &v
		case sign < 0 && r.Max != nil && v.Equal(*r.Max):
			d.recompute = true
		}
	case AggLatest:
		ts := se.Timestamp.UnixNano()
		switch {
		case sign > 0 && !d.recompute && laterThan(ts, se.ID, r.LatestTS, r.LatestID):
			r.LatestTS, r.LatestID, r.Latest = ts, se.ID, v
		case sign < 0 && se.ID == r.LatestID:
			d.recompute = true
		}
	case AggUniqueCount:
		// Whether the value is new (or gone) for the day is settled at
		// flush, from the stored count and the net change.
		d.changes = append(d.changes, distinctChange{uniq, int64(sign)})
	}
	return nil
}

func laterThan(ts int64, id string, latestTS int64, latestID string) bool {
	if latestID == "" {
		return true
	}
	return ts > latestTS || ts == latestTS && id > latestID
}

func encodeCount(n uint64) []byte { return binary.AppendUvarint(nil, n) }

func decodeCount(b []byte) (uint64, error) {
	if b == nil {
		return 0, nil
	}
	n, k := binary.Uvarint(b)
	if k != len(b) {
		return 0, errCorrupt
	}
	return n, nil
}

// flush adds the stored month records to the changes collected, settles
// the distinct values, recomputes the days that lost their max or latest
// event and writes everything, in key order.
func (w *writer) flush() error {
	// First: recomputing a max or latest day reads the usage index.
	if err := w.putKeys(w.usage, w.newUsage); err != nil {
		return err
	}
	if err := w.putKeys(w.unattrib, w.newUnattrib); err != nil {
		return err
	}
	slots := make([]*rollupSlot, 0, len(w.touched))
	for _, s := range w.touched {
		slots = append(slots, s)
	}
	sortSlots(slots)
	if err := w.mergeStored(slots); err != nil {
		return err
	}
	if err := w.settleDistinct(slots); err != nil {
		return err
	}
	if err := w.putRecords(slots); err != nil {
		return err
	}
	touched := make([]customerMonth, len(slots))
	for i, s := range slots {
		touched[i] = customerMonth{s.customer, s.month / 100}
	}
	clear(w.touched)
	w.last = nil
	if w.scratch != nil {
		scratchPool.Put(w.scratch)
		w.scratch = nil
	}
	if err := w.events.flush(); err != nil {
		return err
	}
	if err := w.ids.flush(); err != nil {
		return err
	}
	// Drafts priced from these rollups may now be stale (changes.go).
	return markRollups(w.tx, touched)
}

// mergeStored reads the stored record of each slot not loaded yet (slots
// in key order) and adds the slot's changes to it. The reads walk one
// cursor on this goroutine; the decoding and adding is done in two halves
// at once (inHalves): during an import's flush the parsing goroutine
// mostly waits, its queue full (docs/performance.md, "The flush in
// halves"). The halves share nothing: each slot is one half's, and each
// half keeps its copies in its own arena. The stored values stay valid
// until the transaction ends: bbolt remaps its file only when a commit
// grows it.
func (w *writer) mergeStored(slots []*rollupSlot) error {
	var unread []string
	var unreadSlots []*rollupSlot
	for _, s := range slots {
		if !s.loaded {
			unread = append(unread, s.key)
			unreadSlots = append(unreadSlots, s)
		}
	}
	stored := make([][]byte, len(unread)) // nil: not stored yet
	if err := getSorted(w.months, unread, func(i int, v []byte) error {
		stored[i] = v
		return nil
	}); err != nil {
		return err
	}
	return inHalves(len(unreadSlots), func(from, to int, own bool) error {
		m := monthMerger{arena: &w.arena, stored: &w.storedDay}
		if !own {
			m = monthMerger{arena: new(arena), stored: new(dayRollup)}
		}
		return m.mergeAll(unreadSlots[from:to], stored[from:to])
	})
}

// inHalves calls f for items 0…n−1 of some list: for the first and the
// second half at once, the first on a goroutine of its own (own false),
// when n is at least halvesMin; else once for all, on this goroutine.
func inHalves(n int, f func(from, to int, own bool) error) error {
	if n < halvesMin || n < 2 {
		return f(0, n, true)
	}
	half := n / 2
	var theirs error
	done := make(chan struct{})
	go func() {
		defer close(done)
		theirs = f(0, half, false)
	}()
	err := f(half, n, true)
	<-done
	return errors.Join(theirs, err)
}

// halvesMin is the fewest month records a flush merges, or encodes, in
// two halves at once (inHalves). An import's transaction touches one per
// customer and metric (15,000 in Import1M); the HTTP server's shared
// transactions a few hundred to a few thousand, and there the other core
// is busy serving: at 256, HTTPIngest took ~12% more CPU for no gain. A
// var so that tests can make it small (TestPropFlushInHalvesEqualsInOne).
var halvesMin = 4096

// monthMerger is what adding changes to stored month records needs of its
// own: an arena for the records' copies and a scratch day.
type monthMerger struct {
	arena  *arena
	stored *dayRollup
}

// mergeAll merges each of slots with its stored record, stored[i] (nil if
// none).
func (m monthMerger) mergeAll(slots []*rollupSlot, stored [][]byte) error {
	for i, s := range slots {
		if err := m.merge(s, stored[i]); err != nil {
			return err
		}
	}
	return nil
}

// merge reads v, the stored record of s (nil: none), into s and adds the
// changes s collected to it.
func (m monthMerger) merge(s *rollupSlot, v []byte) error {
	changes := s.days
	if v == nil {
		s.loaded = true // not stored: the changes are the record
		return nil
	}
	s.days = [32]*dayRollup{}
	if err := s.load(m.arena, v); err != nil {
		return err
	}
	// Each changed day becomes the stored day plus the change, in the
	// change's own dayRollup (a second one per day cost ~10% of the
	// writer's allocations).
	for _, c := range changes {
		if c == nil {
			continue
		}
		// The sum: the stored one, what was added (c.added) and what was
		// taken out (c.r.Sum, corrections), added up in one decimalSum —
		// in an int64 while they fit — instead of a Decimal.Add, and its
		// big.Int, for each.
		acc, sub := c.added, c.r.Sum
		c.added, c.r.Sum = decimalSum{}, decimal.Decimal{}
		if raw := s.rawDay(c.day); raw != nil {
			st := m.stored
			*st = dayRollup{}
			if err := decodeDay(raw, st, false, dayAll); err != nil {
				return fmt.Errorf("usage record %s day %d: %w", describeMonthKey([]byte(s.key)), c.day, err)
			}
			s.rawN -= len(st.values)
			s.clearRaw(c.day)
			st.r.Events += c.r.Events
			st.r.Late += c.r.Late
			c.r, c.values = st.r, st.values
		}
		if !sub.IsZero() || !c.r.Sum.IsZero() || acc.used || !acc.rest.IsZero() {
			// The sum of a count or unique_count metric stays 0.
			acc.add(sub)
			acc.add(c.r.Sum)
			c.r.Sum = acc.total()
		}
		s.days[c.day] = c
	}
	return nil
}

// settleDistinct applies the changes to distinct values' reference counts,
// to the records that keep their values and to the distinct_values bucket
// for the others, and counts the values that appear or go.
func (w *writer) settleDistinct(slots []*rollupSlot) error {
	type apart struct {
		key string // in the distinct_values bucket
		day *dayRollup
		distinctChange
	}
	var aparts []apart // changes to values kept in the distinct_values bucket
	var moved []*rollupSlot
	for _, s := range slots {
		changed := false
		for _, d := range s.days {
			if d == nil || len(d.changes) == 0 {
				continue
			}
			dc := netChanges(d.changes)
			d.changes = nil
			if !s.external {
				values, delta, err := mergeDistinct(d.values, dc)
				if err != nil {
					return fmt.Errorf("usage record %s: distinct values of day %d: %w", describeMonthKey([]byte(s.key)), d.day, err)
				}
				d.values = values
				d.r.Uniques += uint64(delta)
				changed = true
				continue
			}
			for _, c := range dc {
				aparts = append(aparts, apart{string(uniqueKey(nil, s.customer, s.metric.Code, s.month+uint32(d.day), c.v)), d, c})
			}
		}
		if changed && s.rawN+inlineValues(s.days[:]) > maxInlineDistinct {
			moved = append(moved, s)
		}
	}
	// The values of external records, read in key order, then written.
	// Their keys lead with the customer, the records' with the month, so
	// slot order is not key order.
	slices.SortFunc(aparts, func(a, b apart) int { return strings.Compare(a.key, b.key) })
	keys := make([]string, len(aparts))
	for i, c := range aparts {
		keys[i] = c.key
	}
	bases := make([]uint64, len(keys))
	err := getSorted(w.distinct, keys, func(i int, v []byte) error {
		n, err := decodeCount(v)
		if err != nil {
			return fmt.Errorf("distinct value %q: %w", keys[i], err)
		}
		bases[i] = n
		return nil
	})
	if err != nil {
		return err
	}
	for i, c := range aparts {
		base := bases[i]
		n := base + uint64(c.d)
		switch {
		case int64(n) < 0:
			return fmt.Errorf("distinct value %q: %w: more removed than were counted", keys[i], errCorrupt)
		case base == 0 && n != 0:
			c.day.r.Uniques++
		case base != 0 && n == 0:
			c.day.r.Uniques--
		}
		if n == 0 {
			if base != 0 {
				err = w.distinct.Delete([]byte(keys[i]))
			}
		} else if n != base {
			err = w.distinct.Put(w.keep([]byte(keys[i])), w.keep(encodeCount(n)))
		}
		if err != nil {
			return err
		}
	}
	// Records grown past maxInlineDistinct hand their values over.
	for _, s := range moved {
		for day, raw := range s.raw {
			if raw.end != 0 {
				if _, err := w.day(s, uint8(day)); err != nil {
					return err
				}
			}
		}
		for _, d := range s.days {
			if d == nil {
				continue
			}
			for _, v := range d.values {
				w.key = uniqueKey(w.key[:0], s.customer, s.metric.Code, s.month+uint32(d.day), v.v)
				if err := w.distinct.Put(w.keep(w.key), w.keep(encodeCount(v.n))); err != nil {
					return err
				}
			}
			d.values = nil
		}
		s.external = true
	}
	return nil
}

// netChanges sorts a day's changes by value and sums those of each value,
// leaving out the values whose changes cancel.
func netChanges(changes []distinctChange) []distinctChange {
	slices.SortFunc(changes, func(a, b distinctChange) int { return strings.Compare(a.v, b.v) })
	out := changes[:0]
	for _, c := range changes {
		if n := len(out); n > 0 && out[n-1].v == c.v {
			out[n-1].d += c.d
			if out[n-1].d == 0 {
				out = out[:n-1]
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

// putRecords recomputes the days that lost their max or latest event and
// writes each slot's record: the days touched, re-encoded, without those
// left with no events, and the stored bytes of the others. A record left
// with no days is deleted. Recomputing reads the usage index, and bbolt
// takes one goroutine, so both stay here; the encoding is done in two
// halves at once (inHalves), each into an arena of its own.
func (w *writer) putRecords(slots []*rollupSlot) error {
	for _, s := range slots {
		for _, d := range s.days {
			if d != nil && d.recompute {
				if err := w.recompute(s, d); err != nil {
					return err
				}
			}
		}
	}
	records := make([][]byte, len(slots)) // nil: no days left
	// Encoding cannot fail: inHalves returns nil.
	_ = inHalves(len(slots), func(from, to int, own bool) error {
		a, scratch := &w.arena, &w.val
		if !own {
			a, scratch = new(arena), new([]byte)
		}
		for i := from; i < to; i++ {
			records[i] = encodeRecord(slots[i], a, scratch)
		}
		return nil
	})
	for i, s := range slots {
		var err error
		if records[i] == nil {
			err = w.months.Delete([]byte(s.key))
		} else {
			err = w.months.Put(w.keep([]byte(s.key)), records[i])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// encodeRecord encodes s's record into a, by way of scratch; nil if no day
// has events.
func encodeRecord(s *rollupSlot, a *arena, scratch *[]byte) []byte {
	n := 0
	for day, d := range s.days {
		switch {
		case d != nil:
			d.foldSum()
			if d.r.Events != 0 {
				n++
			}
		case s.raw[day].end != 0:
			n++
		}
	}
	if n == 0 {
		return nil
	}
	b := appendMonthHeader((*scratch)[:0], s.external, n)
	for day, d := range s.days {
		switch {
		case d != nil && d.r.Events != 0:
			b = appendDay(b, d)
		case d == nil && s.raw[day].end != 0:
			b = append(b, s.rawDay(uint8(day))...)
		}
	}
	*scratch = b
	return keepIn(a, b)
}

// sortSlots puts slots in the order of their keys and numbers them
// (rollupSlot.order). A key orders as its month, then its customer id, then
// its metric code (ids and codes hold no NUL byte, the separator:
// validKey), so the slots sort by small integers: comparing the keys as strings took
// ~0.6 s of the writer's time per 1M imported events (with a key per day).
func sortSlots(slots []*rollupSlot) {
	custRank, metricRank := map[string]uint64{}, map[string]uint64{}
	for _, s := range slots {
		custRank[s.customer] = 0
		metricRank[s.metric.Code] = 0
	}
	if len(custRank) >= 1<<24 || len(metricRank) >= 1<<8 {
		slices.SortFunc(slots, func(a, b *rollupSlot) int { return strings.Compare(a.key, b.key) })
	} else {
		for _, ranks := range []map[string]uint64{custRank, metricRank} {
			names := make([]string, 0, len(ranks))
			for n := range ranks {
				names = append(names, n)
			}
			slices.Sort(names)
			for i, n := range names {
				ranks[n] = uint64(i)
			}
		}
		type ranked struct {
			k uint64
			s *rollupSlot
		}
		rs := make([]ranked, len(slots))
		for i, s := range slots {
			rs[i] = ranked{uint64(s.month)<<32 | custRank[s.customer]<<8 | metricRank[s.metric.Code], s}
		}
		slices.SortFunc(rs, func(a, b ranked) int { return cmp.Compare(a.k, b.k) })
		for i := range rs {
			slots[i] = rs[i].s
		}
	}
	for i, s := range slots {
		s.order = i
	}
}

// getSorted calls fn with the stored value of each of keys (ascending) that
// is in bucket b. One cursor walks the keys in order, stepping forward to a
// near key instead of descending the tree again. It only reads: a cursor
// does not survive writes to its bucket.
func getSorted(b *bolt.Bucket, keys []string, fn func(i int, v []byte) error) error {
	if len(keys) == 0 {
		return nil
	}
	c := b.Cursor()
	var k, v []byte
	var seek []byte
	positioned := false
	for i, key := range keys {
		if positioned {
			for step := 0; step < 16 && k != nil && string(k) < key; step++ {
				k, v = c.Next()
			}
		}
		if !positioned || k != nil && string(k) < key {
			seek = append(seek[:0], key...)
			k, v = c.Seek(seek)
			positioned = true
		}
		if k == nil {
			return nil // past the last stored key: the rest are new
		}
		if string(k) == key && v != nil {
			if err := fn(i, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// recompute rebuilds a max or latest day from the day's events.
func (w *writer) recompute(s *rollupSlot, d *dayRollup) error {
	r := &d.r
	r.Max, r.LatestTS, r.LatestID, r.Latest = nil, 0, "", decimal.Decimal{}
	key := rollupKey(nil, s.customer, s.metric.Code, s.month+uint32(d.day))
	c := w.usage.Cursor()
	for k, _ := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, _ = c.Next() {
		se, err := w.events.read(binary.BigEndian.Uint64(k[len(key):]))
		if err != nil {
			return err
		}
		id := se.ID
		v, _, err := eventValue(s.metric, &se.Event)
		if err != nil {
			return err
		}
		if r.Max == nil || v.GreaterThan(*r.Max) {
			vv := v
			r.Max = &vv
		}
		if ts := se.Timestamp.UnixNano(); laterThan(ts, id, r.LatestTS, r.LatestID) {
			r.LatestTS, r.LatestID, r.Latest = ts, id, v
		}
	}
	switch s.metric.Aggregation {
	case AggMax:
		r.LatestTS, r.LatestID, r.Latest = 0, "", decimal.Decimal{}
	case AggLatest:
		r.Max = nil
	}
	d.recompute = false
	return nil
}
