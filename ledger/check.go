package ledger

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
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
//     and bloom filters agree with their entries (checkIDRunsOf);
//   - the rollups and distinct-value counts equal a recount of the raw
//     events, made a partition of customers at a time (check_recount.go);
//   - invoices and credit notes reconcile and are numbered without gaps
//     (checkBilling);
//   - products and quotes are valid, quote versions run 1…n, and an
//     executed quote's schedule and customer exist (checkQuotes).
//   - every invoice has a summary equal to it, and no summary lacks its
//     invoice; a change counter never lies behind a summary's; a draft its
//     summary marks current (changes.go) is current by Staleness, and one
//     whose late-usage check it calls quiet finds it quiet.
//
// Memory: the recount goes through temporary files (in os.TempDir unless
// CheckOptions.TempDir says otherwise, ~15 bytes an event) and is held a
// partition at a time; what stays for the whole check is 8 bytes an event,
// the id hashes (check_ids.go). Pages of the book check has read leave its
// resident set as it goes (releaseMappedEvery; in its main read
// transaction, where nearly all of them are read).
//
// progress, if not nil, is called with the number of events checked.
func (b *Book) Check(ctx context.Context, progress func(events int)) ([]string, error) {
	return b.CheckWith(ctx, CheckOptions{}, progress)
}

// CheckOptions tune Check.
type CheckOptions struct {
	// TempDir is the folder in which check makes its own folder
	// (monthend-check-*) for the recount's temporary files, about
	// recountBytesPerEvent bytes per stored event; "" is os.TempDir(). The
	// folder is removed when check returns; on Unix each file is unlinked
	// as soon as it is created, so a check killed midway leaves only the
	// empty folder. A folder that is missing, unwritable or runs out of
	// space fails check with an error that names it (tempFolderError).
	TempDir string
}

// CheckWith is Check with options.
func (b *Book) CheckWith(ctx context.Context, o CheckOptions, progress func(events int)) ([]string, error) {
	var breaches []string
	breach := func(format string, args ...any) {
		if len(breaches) < 1000 {
			breaches = append(breaches, fmt.Sprintf(format, args...))
		}
	}
	err := b.view(func(tx *bolt.Tx) error {
		defer releaseMappedEvery(tx, 20*time.Millisecond)()
		for err := range tx.Check() {
			breach("bbolt: %v", err)
		}
		if v := readVersion(tx); v != schemaVersion {
			breach("schema version %d, want %d", v, schemaVersion)
		}
		locs := map[string]*time.Location{}
		var custIDs []string // every customer's key, ascending
		if err := tx.Bucket(bucketCustomers).ForEach(func(k, v []byte) error {
			custIDs = append(custIDs, string(k))
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

		// Recount everything from the raw events: what the recount needs
		// of each event goes to temporary files by customer, and is
		// recounted and compared a partition of customers at a time
		// (check_recount.go); the id hashes are held, 8 bytes an event
		// (check_ids.go).
		// The events' sequence counts them without reading them, for the
		// space the temporary files need.
		rc, err := newRecounter(o.TempDir, tx.Bucket(bucketEvents).Sequence(), custIDs, metrics)
		if err != nil {
			return err
		}
		defer rc.close()
		ids := &eventHashes{}
		var n int
		var lastSeq uint64
		err = forEachStoredEvent(tx.Bucket(bucketEvents), func(seq uint64, v []byte) error {
			if rc.err != nil { // the temporary files failed: stop now, not after the scan
				return rc.err
			}
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
			ids.add(seq, binary.BigEndian.Uint64(h[:])) // refused only past an overlap, reported
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
				rc.unattributed(se.Customer, seq)
				return nil
			}
			if loc := locs[se.CustomerID]; loc != nil && !pricing.DateOf(se.Timestamp, loc).Equal(se.Day) {
				breach("event %s: day %s, but its timestamp falls on %s in the customer's zone", id, se.Day, pricing.DateOf(se.Timestamp, loc))
			}
			val, uniq, err := eventValue(m, &se.Event)
			rc.event(se.CustomerID, m, dayNum(se.Day), seq, se.Late, err != nil, val, se.Timestamp.UnixNano(), id, uniq)
			if err != nil {
				breach("event %s: %v", id, err)
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
		checkIDsOnce(tx.Bucket(bucketEvents), ids, breach)
		checkIDRunsOf(tx.Bucket(bucketIDRuns), ids, breach)
		ids = nil
		parts, err := rc.finish()
		if err != nil {
			return err
		}
		for _, p := range parts {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := rc.checkPartition(tx, p[0], p[1], breach); err != nil {
				return err
			}
		}
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

func describeRollup(r *rollup) string {
	max := "-"
	if r.Max != nil {
		max = r.Max.String()
	}
	return fmt.Sprintf("{events %d late %d sum %s max %s latest %s@%s distinct %d}",
		r.Events, r.Late, r.Sum, max, r.Latest, r.LatestID, r.Uniques)
}

// checkMonthRecords compares the month records of one partition of
// customers (those whose keys in says) and the distinct values kept apart
// in [lo, hi) (hi nil: to the end) with the partition's recount: want by
// day (customer|metric|DAY), wantUniq by day and value. It empties both.
func checkMonthRecords(tx *bolt.Tx, in func(monthKey []byte) bool, lo, hi []byte, want map[string]*rollup, wantUniq map[string]uint64, breach func(string, ...any)) {
	external := map[string]bool{} // month keys whose records keep their values apart
	forEachMonthRecordIn(tx.Bucket(bucketRollupMonths), in, lo, hi, func(k, v []byte) {
		customer, metric, month, ok := monthKeyParts(k)
		if !ok {
			breach("usage record key %q is not month|customer|metric", k)
			return
		}
		rec, err := decodeMonthRecord(v)
		if err != nil {
			breach("usage record %s: %v", describeMonthKey(k), err)
			return
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
	})
	for k, w := range want {
		breach("rollup %q missing (recount %s)", k, describeRollup(w))
	}
	c := tx.Bucket(bucketDistinct).Cursor()
	for k, v := c.Seek(lo); k != nil && (hi == nil || string(k) < string(hi)); k, v = c.Next() {
		// customer|metric|DAY|value: ids and codes hold no NUL, values may.
		i := bytes.IndexByte(k, 0)
		j := -1
		if i >= 0 {
			j = bytes.IndexByte(k[i+1:], 0)
		}
		if j < 0 || len(k) < i+1+j+1+4 {
			breach("distinct value key %q is not customer|metric|day|value", k)
			continue
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
	}
	for k, w := range wantUniq {
		breach("distinct value %q missing (recount %d)", k, w)
	}
}

// monthKeyCustomer is what a month key holds from its customer on (its
// customer, then NUL and its metric), nil for a key too short to have one.
func monthKeyCustomer(k []byte) []byte {
	if len(k) < 4 {
		return nil
	}
	return k[4:]
}
