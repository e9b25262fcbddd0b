package ledger

// Check's recount of the rollups, distinct values, usage index and
// unattributed list from the raw events, a range of customers at a time.
//
// Events are stored in arrival order, so a recount of one customer's day
// needs every event; holding the whole book's recount at once cost 7.9 GB
// at 20M events. Instead, the scan of the events writes what the recount
// needs of each event (a few bytes to a few dozen) to one of up to
// recountRanges temporary files, by the range of customer ids it falls in
// (unattributed events by their alias). Afterwards consecutive ranges are
// taken together while their files hold at most recountPartBytes, and each
// such partition is recounted on its own and compared with the stored
// records of its customers: the usage index, the unattributed list and the
// distinct values are keyed customer (or alias) first, so a partition's
// keys lie together; the month records, keyed month first, lie together
// within each month, and a partition seeks from month to month
// (forEachMonthRecordIn). Memory is then one partition's recount, not the
// book's.
//
// A range is bounded below by a customer id (the first by ""), and a key
// falls in the range of the bytes before its first NUL: ids and codes hold
// no NUL, so every key of customer c sorts after c and before the next
// range's bound whenever c does, and a partition's keys of every bucket but
// the month records are one contiguous stretch [lo, hi).

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"
)

// recountRanges bounds the number of customer ranges (and temporary files)
// the recount spreads events over; recountPartBytes is how much of them a
// partition takes at most, unless one range alone holds more. Variables so
// that tests can make many small partitions.
var (
	recountRanges    = 256
	recountPartBytes = int64(8 << 20)
)

// recountBytesPerEvent is about what the temporary files take per event
// (~15 bytes an event on the demo book, docs/performance.md), for messages.
const recountBytesPerEvent = 15

// createTemp creates a temporary file of the recount. A variable so that
// tests can hand the recount a file that fails as a full disk does.
var createTemp = os.Create

// Spilled record kinds.
const (
	spillAttributed   = 1
	spillUnattributed = 2
)

// Spilled record flags.
const (
	spillLate  = 1 // the event is late
	spillNoVal = 2 // the event's value could not be read (a breach already)
)

// recounter spills the events to the customer ranges' files and then
// recounts and compares one partition at a time.
type recounter struct {
	base      string // the folder dir was made in (CheckOptions.TempDir)
	dir       string
	events    uint64   // about how many events the book holds, for messages
	bounds    []string // each range's lower bound; bounds[0] is ""
	files     []*os.File
	bufs      []*bufio.Writer
	sizes     []int64
	custIdx   map[string]int // a customer id → its index in customers, + 1
	customers []string
	metrics   []*Metric // by index
	metricIdx map[string]int
	rec, out  []byte
	err       error
}

// newRecounter makes a recounter whose files go in a new folder in base
// ("": os.TempDir()), for the customer ids (ascending) and metrics the book
// holds; events may name others (breaches), which are counted all the same.
// events, about how many the book holds, goes in messages.
func newRecounter(base string, events uint64, customers []string, metrics map[string]*Metric) (*recounter, error) {
	if base == "" {
		base = os.TempDir()
	}
	dir, err := os.MkdirTemp(base, "monthend-check-")
	if err != nil {
		return nil, tempFolderError(base, events, "making a folder for the recount", err)
	}
	rc := &recounter{base: base, dir: dir, events: events, customers: customers, custIdx: make(map[string]int, len(customers)), metricIdx: map[string]int{}}
	for i, c := range customers {
		rc.custIdx[c] = i + 1
	}
	codes := make([]string, 0, len(metrics))
	for code := range metrics {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for i, code := range codes {
		rc.metrics = append(rc.metrics, metrics[code])
		rc.metricIdx[code] = i
	}
	n := max(1, min(recountRanges, len(customers)))
	rc.bounds = make([]string, n)
	for i := 1; i < n; i++ {
		rc.bounds[i] = customers[i*len(customers)/n]
	}
	rc.files = make([]*os.File, n)
	rc.bufs = make([]*bufio.Writer, n)
	rc.sizes = make([]int64, n)
	return rc, nil
}

// tempFolderError is err, met doing what in the temporary folder base,
// with what check needs there and what to do about it.
func tempFolderError(base string, events uint64, what string, err error) error {
	need := fmt.Sprintf("about %d bytes per event", recountBytesPerEvent)
	if events > 0 {
		need = fmt.Sprintf("about %s (%d bytes for each of the book's %d events)", aboutBytes(events*recountBytesPerEvent), recountBytesPerEvent, events)
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("check ran out of temporary space in %s, %s: %w; it needs %s there while it runs: free space in %s, or point monthend check --tmp at a folder with room",
			base, what, err, need, base)
	}
	return fmt.Errorf("check cannot use the temporary folder %s, %s: %w; it needs a writable folder with room for %s: make %s a writable folder, or point monthend check --tmp at another",
		base, what, err, need, base)
}

// aboutBytes is n bytes, rounded up, for a message.
func aboutBytes(n uint64) string {
	switch {
	case n >= 10e9:
		return fmt.Sprintf("%d GB", (n+1e9-1)/1e9)
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%d MB", (n+1e6-1)/1e6)
	}
	return fmt.Sprintf("%d KB", (n+1e3-1)/1e3)
}

// fail records the first failure of the temporary files.
func (rc *recounter) fail(what string, err error) {
	if rc.err == nil {
		rc.err = tempFolderError(rc.base, rc.events, what, err)
	}
}

// close removes the temporary files.
func (rc *recounter) close() {
	for _, f := range rc.files {
		if f != nil {
			f.Close()
		}
	}
	os.RemoveAll(rc.dir)
}

// rangeOf is the range of the key or id s: the last whose bound is at or
// below s.
func (rc *recounter) rangeOf(s string) int {
	return sort.Search(len(rc.bounds), func(i int) bool { return rc.bounds[i] > s }) - 1
}

// rangeOfKey is the range of a key whose customer (or alias) comes first,
// up to a NUL.
func (rc *recounter) rangeOfKey(k []byte) int {
	if i := bytes.IndexByte(k, 0); i >= 0 {
		k = k[:i]
	}
	return rc.rangeOf(string(k))
}

// spill writes the record in rc.rec to range r's file.
func (rc *recounter) spill(r int) {
	if rc.err != nil {
		return
	}
	if rc.bufs[r] == nil {
		name := filepath.Join(rc.dir, fmt.Sprintf("range-%d", r))
		f, err := createTemp(name)
		if err != nil {
			rc.fail("creating a file of the recount", err)
			return
		}
		// Unlinked while open where the system allows it, so that a check
		// killed midway leaves no data behind (close removes the rest).
		_ = os.Remove(name)
		rc.files[r] = f
		rc.bufs[r] = bufio.NewWriterSize(f, 32<<10)
	}
	rc.out = binary.AppendUvarint(rc.out[:0], uint64(len(rc.rec)))
	rc.out = append(rc.out, rc.rec...)
	n, err := rc.bufs[r].Write(rc.out)
	rc.sizes[r] += int64(n)
	if err != nil {
		rc.fail("writing the recount's files", err)
	}
}

// unattributed records an event waiting under alias.
func (rc *recounter) unattributed(alias string, seq uint64) {
	rc.rec = append(rc.rec[:0], spillUnattributed)
	rc.rec = appendStr(rc.rec, alias)
	rc.rec = binary.AppendUvarint(rc.rec, seq)
	rc.spill(rc.rangeOf(alias))
}

// event records an attributed event of metric m (a known one) on day:
// val, ts, id and uniq as its metric aggregates them; noVal if its value
// could not be read.
func (rc *recounter) event(customer string, m *Metric, day uint32, seq uint64, late, noVal bool, val decimal.Decimal, ts int64, id, uniq string) {
	b := append(rc.rec[:0], spillAttributed)
	if i := rc.custIdx[customer]; i > 0 {
		b = binary.AppendUvarint(b, uint64(i))
	} else {
		b = appendStr(binary.AppendUvarint(b, 0), customer)
	}
	b = binary.AppendUvarint(b, uint64(rc.metricIdx[m.Code]))
	b = binary.AppendUvarint(b, uint64(day))
	var flags byte
	if late {
		flags |= spillLate
	}
	if noVal {
		flags |= spillNoVal
	}
	b = append(b, flags)
	if m.indexed() {
		b = binary.AppendUvarint(b, seq)
	}
	if !noVal {
		switch m.Aggregation {
		case AggSum, AggMax:
			b = appendDec(b, &val)
		case AggLatest:
			b = binary.AppendVarint(b, ts)
			b = appendStr(b, id)
			b = appendDec(b, &val)
		case AggUniqueCount:
			b = appendStr(b, uniq)
		}
	}
	rc.rec = b
	rc.spill(rc.rangeOf(customer))
}

// finish flushes the files and returns the partitions: ranges [from, to).
func (rc *recounter) finish() ([][2]int, error) {
	for _, w := range rc.bufs {
		if w != nil && rc.err == nil {
			if err := w.Flush(); err != nil {
				rc.fail("writing the recount's files", err)
			}
		}
	}
	if rc.err != nil {
		return nil, rc.err
	}
	rc.bufs = nil // the recount reads; the files stay open
	var parts [][2]int
	from, size := 0, int64(0)
	for r, s := range rc.sizes {
		if r > from && size+s > recountPartBytes {
			parts = append(parts, [2]int{from, r})
			from, size = r, 0
		}
		size += s
	}
	return append(parts, [2]int{from, len(rc.sizes)}), nil
}

// partRecount is one partition's recount.
type partRecount struct {
	want     map[string]*rollup // by customer|metric|DAY
	wantUniq map[string]uint64  // by customer|metric|DAY|value
	usage    map[string]bool    // the usage index's keys
	unattrib map[string]bool    // the unattributed list's keys
}

// recount reads ranges [from, to)'s files into a recount.
func (rc *recounter) recount(from, to int) (*partRecount, error) {
	p := &partRecount{want: map[string]*rollup{}, wantUniq: map[string]uint64{}, usage: map[string]bool{}, unattrib: map[string]bool{}}
	var key, uk, buf []byte
	for r := from; r < to; r++ {
		f := rc.files[r]
		if f == nil {
			continue
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		br := bufio.NewReaderSize(f, 64<<10)
		for {
			n, err := binary.ReadUvarint(br)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			if uint64(cap(buf)) < n {
				buf = make([]byte, n)
			}
			buf = buf[:n]
			if _, err := io.ReadFull(br, buf); err != nil {
				return nil, err
			}
			d := decoder{b: buf}
			if d.byte() == spillUnattributed {
				alias := d.aliasStr()
				p.unattrib[string(unattribKey(nil, alias, d.uvarint()))] = true
				continue
			}
			var customer string
			if i := d.uvarint(); i > 0 && i <= uint64(len(rc.customers)) {
				customer = rc.customers[i-1]
			} else {
				customer = d.str()
			}
			m := rc.metrics[d.uvarint()]
			day := uint32(d.uvarint())
			flags := d.byte()
			if m.indexed() {
				p.usage[string(usageKey(nil, customer, m.Code, day, d.uvarint()))] = true
			}
			key = rollupKey(key[:0], customer, m.Code, day)
			r := p.want[string(key)]
			if r == nil {
				r = &rollup{}
				p.want[string(key)] = r
			}
			if flags&spillNoVal != 0 {
				continue
			}
			r.Events++
			if flags&spillLate != 0 {
				r.Late++
			}
			switch m.Aggregation {
			case AggSum:
				val, _ := d.dec()
				r.Sum = r.Sum.Add(val)
			case AggMax:
				if val, _ := d.dec(); r.Max == nil || val.GreaterThan(*r.Max) {
					r.Max = &val
				}
			case AggLatest:
				ts := d.varint()
				id := d.aliasStr()
				val, _ := d.dec()
				if laterThan(ts, id, r.LatestTS, r.LatestID) {
					r.LatestTS, r.LatestID, r.Latest = ts, strings.Clone(id), val
				}
			case AggUniqueCount:
				uk = uniqueKey(uk[:0], customer, m.Code, day, d.aliasStr())
				if p.wantUniq[string(uk)] == 0 {
					r.Uniques++
				}
				p.wantUniq[string(uk)]++
			}
			if d.err != nil || len(d.b) != 0 {
				return nil, fmt.Errorf("check: the recount's temporary file %s is corrupt", f.Name())
			}
		}
	}
	return p, nil
}

// checkPartition recounts ranges [from, to) and compares the recount with
// the stored records of their customers and aliases.
func (rc *recounter) checkPartition(tx *bolt.Tx, from, to int, breach func(string, ...any)) error {
	p, err := rc.recount(from, to)
	if err != nil {
		return err
	}
	var lo, hi []byte // the partition's keys: [lo, hi), hi nil for no end
	if from > 0 {
		lo = []byte(rc.bounds[from])
	}
	if to < len(rc.bounds) {
		hi = []byte(rc.bounds[to])
	}
	compareKeyRange(tx.Bucket(bucketUsage), lo, hi, p.usage, "usage index", breach)
	compareKeyRange(tx.Bucket(bucketUnattrib), lo, hi, p.unattrib, "unattributed list", breach)
	in := func(k []byte) bool { // a month record's key
		r := rc.rangeOfKey(monthKeyCustomer(k))
		return r >= from && r < to
	}
	checkMonthRecords(tx, in, lo, hi, p.want, p.wantUniq, breach)
	return nil
}

// compareKeyRange compares bk's keys in [lo, hi) (hi nil: to the end) with
// want, and empties want.
func compareKeyRange(bk *bolt.Bucket, lo, hi []byte, want map[string]bool, what string, breach func(string, ...any)) {
	c := bk.Cursor()
	for k, _ := c.Seek(lo); k != nil && (hi == nil || string(k) < string(hi)); k, _ = c.Next() {
		if !want[string(k)] {
			breach("%s holds %q, which no event accounts for", what, bytes.ReplaceAll(k, []byte{0}, []byte("|")))
		}
		delete(want, string(k))
	}
	for k := range want {
		breach("%s lacks %q", what, k)
	}
}

// compareKeys compares all of bk's keys with want, and empties want.
func compareKeys(bk *bolt.Bucket, want map[string]bool, what string, breach func(string, ...any)) {
	compareKeyRange(bk, nil, nil, want, what, breach)
}

// forEachMonthRecordIn calls fn with each month record whose key in says
// is the partition's, its customers' keys being [lo, hi) after the month
// (hi nil: no end). Within a month the partition's records lie together,
// so it seeks from month to month instead of reading every record's key:
// a key of an earlier customer seeks to the month's lo, one at or past hi
// to the next month. Keys too short to hold a month are the first
// partition's (monthKeyCustomer), and are visited one by one.
func forEachMonthRecordIn(bk *bolt.Bucket, in func(k []byte) bool, lo, hi []byte, fn func(k, v []byte)) {
	c := bk.Cursor()
	var target []byte
	for k, v := c.First(); k != nil; {
		switch {
		case in(k):
			fn(k, v)
			k, v = c.Next()
		case len(k) >= 4 && string(k[4:]) < string(lo):
			target = append(append(target[:0], k[:4]...), lo...)
			k, v = c.Seek(target)
		case len(k) >= 4 && hi != nil && string(k[4:]) >= string(hi):
			// The least key past every key that begins with k[:4].
			target = append(target[:0], k[:4]...)
			for len(target) > 0 && target[len(target)-1] == 0xff {
				target = target[:len(target)-1]
			}
			if len(target) == 0 {
				return
			}
			target[len(target)-1]++
			k, v = c.Seek(target)
		default:
			k, v = c.Next()
		}
	}
}
