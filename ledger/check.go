package ledger

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// Check verifies the book's invariants and returns every breach found (nil
// when the book is sound):
//   - bbolt's own page-level consistency check;
//   - customers and metrics are valid; every alias names an existing customer;
//   - every event decodes, blocks of events do not overlap and end at or
//     before the events' sequence; every event is attributed exactly when its alias is mapped, to
//     that alias's customer, on its day in the customer's time zone, and is
//     listed in the usage index or the unattributed list (and nothing else is);
//   - every event is in the idempotency index exactly once, under its id's
//     hash, and nothing else is; its runs are sorted, and their headers
//     and bloom filters agree with their entries (checkIDRuns);
//   - the rollups and distinct-value counts equal a recount of the raw events;
//   - invoices and credit notes reconcile and are numbered without gaps
//     (checkBilling);
//   - products and quotes are valid, quote versions run 1…n, and an
//     executed quote's schedule and customer exist (checkQuotes).
//   - every invoice has a summary equal to it, and no summary lacks its
//     invoice; a change counter never lies behind a summary's; a draft its
//     summary marks current (changes.go) is current by Staleness, and one
//     whose late-usage check it calls quiet finds it quiet.
//
// progress, if not nil, is called with the number of events checked.
func (b *Book) Check(ctx context.Context, progress func(events int)) ([]string, error) {
	var breaches []string
	breach := func(format string, args ...any) {
		if len(breaches) < 1000 {
			breaches = append(breaches, fmt.Sprintf(format, args...))
		}
	}
	err := b.view(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			breach("bbolt: %v", err)
		}
		if v := readVersion(tx); v != schemaVersion {
			breach("schema version %d, want %d", v, schemaVersion)
		}
		locs := map[string]*time.Location{}
		if err := tx.Bucket(bucketCustomers).ForEach(func(k, v []byte) error {
			var c Customer
			if err := json.Unmarshal(v, &c); err != nil {
				breach("customer %s: %v", k, err)
				return nil
			}
			if err := c.Validate(); err != nil || c.ID != string(k) {
				breach("customer %s: invalid record (%v)", k, err)
				return nil
			}
			locs[c.ID], _ = c.Location()
			return nil
		}); err != nil {
			return err
		}
		metrics := map[string]*Metric{}
		ms, err := allMetrics(tx)
		if err != nil {
			return err
		}
		for i := range ms {
			if err := ms[i].Validate(); err != nil {
				breach("metric %s: %v", ms[i].Code, err)
			}
			metrics[ms[i].Code] = &ms[i]
		}
		aliases := map[string]string{}
		tx.Bucket(bucketAliases).ForEach(func(k, v []byte) error {
			if _, ok := locs[string(v)]; !ok {
				breach("alias %s maps to missing customer %s", k, v)
			}
			aliases[string(k)] = string(v)
			return nil
		})

		// Recount everything from the raw events.
		want := map[string]*rollup{}
		wantUniq := map[string]uint64{}
		wantUsage := map[string]bool{}
		wantUnattrib := map[string]bool{}
		idOf := map[uint64]uint64{} // SEQ → its id's hash, for the idempotency index
		var n int
		var key []byte
		var lastSeq uint64
		err = forEachStoredEvent(tx.Bucket(bucketEvents), func(seq uint64, v []byte) error {
			n++
			lastSeq = seq
			if n%100000 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				if progress != nil {
					progress(n)
				}
			}
			se, err := decodeEvent(seq, v)
			if err != nil {
				breach("event #%d: %v", seq, err)
				return nil
			}
			id := se.ID
			h := idHash(id)
			idOf[seq] = binary.BigEndian.Uint64(h[:])
			m := metrics[se.Metric]
			if m == nil {
				breach("event %s: unknown metric %s", id, se.Metric)
				return nil
			}
			mapped := aliases[se.Customer]
			if se.CustomerID != mapped {
				breach("event %s: attributed to %q but alias %q maps to %q", id, se.CustomerID, se.Customer, mapped)
				return nil
			}
			if se.CustomerID == "" {
				wantUnattrib[string(unattribKey(nil, se.Customer, seq))] = true
				return nil
			}
			if loc := locs[se.CustomerID]; loc != nil && !pricing.DateOf(se.Timestamp, loc).Equal(se.Day) {
				breach("event %s: day %s, but its timestamp falls on %s in the customer's zone", id, se.Day, pricing.DateOf(se.Timestamp, loc))
			}
			day := dayNum(se.Day)
			if m.indexed() {
				wantUsage[string(usageKey(nil, se.CustomerID, se.Metric, day, seq))] = true
			}
			key = rollupKey(key[:0], se.CustomerID, se.Metric, day)
			r := want[string(key)]
			if r == nil {
				r = &rollup{}
				want[string(key)] = r
			}
			val, uniq, err := eventValue(m, &se.Event)
			if err != nil {
				breach("event %s: %v", id, err)
				return nil
			}
			r.Events++
			if se.Late {
				r.Late++
			}
			switch m.Aggregation {
			case AggSum:
				r.Sum = r.Sum.Add(val)
			case AggMax:
				if r.Max == nil || val.GreaterThan(*r.Max) {
					vv := val
					r.Max = &vv
				}
			case AggLatest:
				if ts := se.Timestamp.UnixNano(); laterThan(ts, id, r.LatestTS, r.LatestID) {
					r.LatestTS, r.LatestID, r.Latest = ts, id, val
				}
			case AggUniqueCount:
				uk := string(uniqueKey(nil, se.CustomerID, se.Metric, day, uniq))
				if wantUniq[uk] == 0 {
					r.Uniques++
				}
				wantUniq[uk]++
			}
			return nil
		}, func(k []byte, err error) { breach("events value %x: %v", k, err) })
		if err != nil {
			return err
		}
		if s := tx.Bucket(bucketEvents).Sequence(); lastSeq > s {
			breach("event #%d is past the events' sequence %d: a new event would reuse its number", lastSeq, s)
		}
		if progress != nil {
			progress(n)
		}
		checkIDsOnce(tx.Bucket(bucketEvents), idOf, breach)
		checkIDRuns(tx.Bucket(bucketIDRuns), idOf, breach)
		compareKeys(tx.Bucket(bucketUsage), wantUsage, "usage index", breach)
		compareKeys(tx.Bucket(bucketUnattrib), wantUnattrib, "unattributed list", breach)
		checkMonthRecords(tx, want, wantUniq, breach)
		checkBilling(tx, breach)
		checkQuotes(tx, breach)
		return nil
	})
	if err != nil {
		return breaches, err
	}
	return breaches, b.checkSummaries(ctx, breach)
}

// checkSummaries compares every invoice with its summary, and checks each
// draft its summary calls current against Staleness.
func (b *Book) checkSummaries(ctx context.Context, breach func(string, ...any)) error {
	var current []Invoice // drafts the summaries call current
	var quiet []Invoice   // drafts whose late-usage check the summaries let skip
	err := b.view(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketInvoices).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var inv Invoice
			if err := json.Unmarshal(v, &inv); err != nil {
				breach("invoice %s: %v", k, err)
				return nil
			}
			got, found, err := getSummary(tx, string(k))
			switch {
			case err != nil:
				breach("%v", err)
				return nil
			case !found:
				breach("invoice %s has no summary", k)
				return nil
			}
			want := summaryOf(&inv, got.freshness)
			if !sameSummary(&got, &want) {
				breach("invoice %s: summary %+v disagrees with the invoice %+v", k, got, want)
			}
			if inv.Status != InvoiceDraft || got.Checked == 0 {
				return nil
			}
			if n := changeCount(tx, inv.CustomerID); got.Checked > n {
				breach("invoice %s: summary checked at change %d, but customer %s's counter is %d", k, got.Checked, inv.CustomerID, n)
			}
			if knownCurrent(tx, &got) {
				current = append(current, inv)
			}
			if lateKnownQuiet(tx, &got) {
				quiet = append(quiet, inv)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketInvoicePeriods).ForEach(func(k, _ []byte) error {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				breach("invoice period index key %q has no separator", k)
				return nil
			}
			label, id := k[:i], k[i+1:]
			if tx.Bucket(bucketInvoices).Get(id) == nil {
				breach("invoice summary %s (period %s) has no invoice", id, label)
			} else if string(label) != labelOfID(string(id)) {
				breach("invoice %s is indexed under period %s", id, label)
			}
			return nil
		}); err != nil {
			return err
		}
		// Change records decode; no mark is above its customer's counter.
		return tx.Bucket(bucketChanges).ForEach(func(k, v []byte) error {
			r, err := decodeChanges(v)
			if err != nil || r.count == 0 {
				breach("change record of %s: %v", k, err)
				return nil
			}
			for i, m := range r.marks {
				if m.at > r.count {
					breach("change mark %s/%d is %d, above the counter %d", k, m.month, m.at, r.count)
				}
				if i > 0 && m.month <= r.marks[i-1].month {
					breach("change marks of %s out of order", k)
				}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, inv := range current {
		if err := ctx.Err(); err != nil {
			return err
		}
		reasons, err := b.Staleness(inv)
		if err != nil {
			return err
		}
		if len(reasons) > 0 {
			breach("draft %s is marked current but is stale: %s", inv.ID, strings.Join(reasons, "; "))
		}
	}
	for _, inv := range quiet {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := b.checkLateQuiet(inv, breach); err != nil {
			return err
		}
	}
	return nil
}

// checkLateQuiet runs draft inv's late-usage check, which its summary lets
// recalc skip, and reports a breach unless it is quiet.
func (b *Book) checkLateQuiet(inv Invoice, breach func(string, ...any)) error {
	j := recalcJob{}
	err := b.view(func(tx *bolt.Tx) error {
		var err error
		if j.customer, err = getCustomer(tx, inv.CustomerID); err != nil {
			return err
		}
		rec, found, err := latestSchedule(tx, inv.ScheduleID)
		if err == nil && !found {
			err = fmt.Errorf("schedule %s of invoice %s %w", inv.ScheduleID, inv.ID, ErrNotFound)
		}
		j.schedule = rec
		return err
	})
	if err != nil {
		return err
	}
	late, err := j.lateAdjustments(b, inv.Period.Index, &bookUsage{book: b, customer: inv.CustomerID})
	if err != nil {
		return err
	}
	if !late.quiet {
		breach("draft %s: its summary lets recalc skip the late-usage check, but late usage moved (%d adjustments)", inv.ID, len(late.adjs))
	}
	return nil
}

// checkIDRuns checks the idempotency runs against idOf, every stored
// event's SEQ → its id's hash.
func checkIDRuns(bk *bolt.Bucket, idOf map[uint64]uint64, breach func(string, ...any)) {
	seen := make(map[uint64]uint64, len(idOf)) // SEQ → the run that holds it
	want := map[string]bool{}                  // the keys the headers account for
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
		checkIDRun(bk, r, idOf, seen, breach)
	}
	for k := range want {
		breach("idempotency index lacks %x, which its run's header counts", k)
	}
	for seq, h := range idOf {
		if _, ok := seen[seq]; !ok {
			breach("idempotency index lacks event #%d (hash %016x)", seq, h)
		}
	}
}

// checkIDRun checks one run: its entries in order, each an event's and
// no event's twice, its header's count, bounds and fences, and its bloom
// filter equal to one built from the entries.
func checkIDRun(bk *bolt.Bucket, r *idRun, idOf, seen map[uint64]uint64, breach func(string, ...any)) {
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
			switch h, ok := idOf[e.seq]; {
			case !ok:
				breach("idempotency run %d: entry %016x → #%d, which is no stored event", r.id, e.h, e.seq)
			case h != e.h:
				breach("idempotency run %d: event #%d filed under hash %016x, its id hashes to %016x", r.id, e.seq, e.h, h)
			}
			if other, dup := seen[e.seq]; dup {
				breach("idempotency index holds event #%d twice (runs %d and %d)", e.seq, other, r.id)
			}
			seen[e.seq] = r.id
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

func compareKeys(bk *bolt.Bucket, want map[string]bool, what string, breach func(string, ...any)) {
	bk.ForEach(func(k, _ []byte) error {
		if !want[string(k)] {
			breach("%s holds %q, which no event accounts for", what, bytes.ReplaceAll(k, []byte{0}, []byte("|")))
		}
		delete(want, string(k))
		return nil
	})
	for k := range want {
		breach("%s lacks %q", what, k)
	}
}

func describeRollup(r *rollup) string {
	max := "-"
	if r.Max != nil {
		max = r.Max.String()
	}
	return fmt.Sprintf("{events %d late %d sum %s max %s latest %s@%s distinct %d}",
		r.Events, r.Late, r.Sum, max, r.Latest, r.LatestID, r.Uniques)
}

// checkMonthRecords compares the month records and the distinct values kept
// apart with the recount: want by day (customer|metric|DAY), wantUniq by
// day and value. It empties both.
func checkMonthRecords(tx *bolt.Tx, want map[string]*rollup, wantUniq map[string]uint64, breach func(string, ...any)) {
	external := map[string]bool{} // month keys whose records keep their values apart
	tx.Bucket(bucketRollupMonths).ForEach(func(k, v []byte) error {
		customer, metric, month, ok := monthKeyParts(k)
		if !ok {
			breach("usage record key %q is not month|customer|metric", k)
			return nil
		}
		rec, err := decodeMonthRecord(v)
		if err != nil {
			breach("usage record %s: %v", describeMonthKey(k), err)
			return nil
		}
		if rec.external {
			external[string(k)] = true
		}
		if len(rec.days) == 0 {
			breach("usage record %s holds no day", describeMonthKey(k))
		}
		for i := range rec.days {
			d := &rec.days[i]
			dk := string(rollupKey(nil, customer, metric, month+uint32(d.day)))
			switch w := want[dk]; {
			case w == nil:
				breach("usage record %s day %d has no events (%d counted)", describeMonthKey(k), d.day, d.r.Events)
			case !d.r.equal(w):
				breach("usage record %s day %d: stored %s, recount %s", describeMonthKey(k), d.day, describeRollup(&d.r), describeRollup(w))
			}
			delete(want, dk)
			for _, dv := range d.values {
				if w := wantUniq[dk+dv.v]; dv.n != w {
					breach("usage record %s day %d: distinct value %q: stored count %d, recount %d", describeMonthKey(k), d.day, dv.v, dv.n, w)
				}
				delete(wantUniq, dk+dv.v)
			}
		}
		return nil
	})
	for k, w := range want {
		breach("rollup %q missing (recount %s)", k, describeRollup(w))
	}
	tx.Bucket(bucketDistinct).ForEach(func(k, v []byte) error {
		// customer|metric|DAY|value: ids and codes hold no NUL, values may.
		i := bytes.IndexByte(k, 0)
		j := -1
		if i >= 0 {
			j = bytes.IndexByte(k[i+1:], 0)
		}
		if j < 0 || len(k) < i+1+j+1+4 {
			breach("distinct value key %q is not customer|metric|day|value", k)
			return nil
		}
		dayEnd := i + 1 + j + 1 + 4
		day := binary.BigEndian.Uint32(k[dayEnd-4 : dayEnd])
		mk := monthKey(nil, string(k[:i]), string(k[i+1:i+1+j]), monthOf(day))
		if !external[string(mk)] {
			breach("distinct value %q is kept apart, but usage record %s keeps its own (or is missing)", k, describeMonthKey(mk))
		}
		got, err := decodeCount(v)
		if err != nil || got != wantUniq[string(k)] {
			breach("distinct value %q: stored count %d, recount %d", k, got, wantUniq[string(k)])
		}
		delete(wantUniq, string(k))
		return nil
	})
	for k, w := range wantUniq {
		breach("distinct value %q missing (recount %d)", k, w)
	}
}

// checkIDsOnce reports every event id stored twice. Events with the same id
// have the same hash (idOf: SEQ → hash), so only events that share a hash
// are read again and compared, instead of holding every id in memory (20M
// ids were ~2 GB of check's peak).
func checkIDsOnce(events *bolt.Bucket, idOf map[uint64]uint64, breach func(string, ...any)) {
	entries := make([]idEntry, 0, len(idOf))
	for seq, h := range idOf {
		entries = append(entries, idEntry{h, seq})
	}
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
