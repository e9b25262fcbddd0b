package ledger

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
	"unsafe"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// Total is one metric's usage over a span of days.
type Total struct {
	Customer    string          `json:"customer"`
	Metric      string          `json:"metric"`
	Aggregation Aggregation     `json:"aggregation"`
	Quantity    decimal.Decimal `json:"quantity"`
	Events      uint64          `json:"events"`
	LateEvents  uint64          `json:"late_events,omitempty"`
}

// Month returns the days [first of month, first of next month) of the
// calendar month "YYYY-MM". Rollup days are civil days in each customer's
// time zone, so the same span is that customer's month.
func Month(ref string) (from, to pricing.Date, err error) {
	t, err := time.Parse("2006-01", ref)
	if err != nil {
		return from, to, fmt.Errorf("period %q: want YYYY-MM, e.g. 2026-03", ref)
	}
	from = pricing.NewDate(t.Year(), t.Month(), 1)
	return from, pricing.NewDate(t.Year(), t.Month()+1, 1), nil
}

// Totals returns the customer's usage per metric over the days [from, to),
// one Total per metric the book knows (zero where there was no usage). It
// reads only the daily rollups, never raw events.
func (b *Book) Totals(customerID string, from, to pricing.Date) ([]Total, error) {
	var out []Total
	err := b.view(func(tx *bolt.Tx) error {
		if _, err := getCustomer(tx, customerID); err != nil {
			return err
		}
		metrics, err := allMetrics(tx)
		if err != nil {
			return err
		}
		out, err = totalsTx(tx, nil, customerID, metrics, dayNum(from), dayNum(to))
		return err
	})
	return out, err
}

// AllTotals returns every customer's totals over [from, to), customer by
// customer, for month-end.
func (b *Book) AllTotals(from, to pricing.Date) ([]Total, error) {
	var out []Total
	err := b.view(func(tx *bolt.Tx) error {
		metrics, err := allMetrics(tx)
		if err != nil {
			return err
		}
		tr := newTotalsReader(tx)
		return tx.Bucket(bucketCustomers).ForEach(func(k, _ []byte) error {
			out, err = tr.read(out, string(k), metrics, dayNum(from), dayNum(to))
			return err
		})
	})
	return out, err
}

func allMetrics(tx *bolt.Tx) ([]Metric, error) {
	var ms []Metric
	err := tx.Bucket(bucketMetrics).ForEach(func(k, _ []byte) error {
		m, ok := getMetric(tx, string(k))
		if !ok {
			return fmt.Errorf("metric %s: %w", k, errCorrupt)
		}
		ms = append(ms, m)
		return nil
	})
	return ms, err
}

func totalsTx(tx *bolt.Tx, out []Total, customer string, metrics []Metric, from, to uint32) ([]Total, error) {
	return newTotalsReader(tx).read(out, customer, metrics, from, to)
}

// totalsReader reads totals from month records; AllTotals keeps one for
// every customer, so its scratch (the distinct-value set above all) is
// made once.
type totalsReader struct {
	tx          *bolt.Tx
	rc          *bolt.Cursor
	key, prefix []byte
	seen        map[string]struct{}
	dr          dayRollup
}

func newTotalsReader(tx *bolt.Tx) *totalsReader {
	return &totalsReader{tx: tx, rc: tx.Bucket(bucketRollupMonths).Cursor(), seen: map[string]struct{}{}}
}

// needs is what totals read of a day, by aggregation.
var needs = map[Aggregation]dayParts{AggSum: daySum, AggMax: dayMax, AggLatest: dayLatest, AggUniqueCount: dayValues}

// read appends customer's totals of metrics over the days [from, to).
func (tr *totalsReader) read(out []Total, customer string, metrics []Metric, from, to uint32) ([]Total, error) {
	for i := range metrics {
		m := &metrics[i]
		t := Total{Customer: customer, Metric: m.Code, Aggregation: m.Aggregation}
		var acc rollup
		var sum decimalSum
		var seenAny bool
		clear(tr.seen)
		need := needs[m.Aggregation]
		// The records of the months that hold the days [from, to).
		for month := monthOf(from); month+1 < to; month = nextMonth(month) {
			tr.key = monthKey(tr.key[:0], customer, m.Code, month)
			k, v := tr.rc.Seek(tr.key)
			if !bytes.Equal(k, tr.key) {
				continue
			}
			mr, err := readMonth(v)
			for err == nil {
				day, span, _, ok := mr.nextSpan()
				if !ok {
					err = mr.err()
					break
				}
				if day := month + uint32(day); day < from || day >= to {
					continue
				}
				// Values alias the read transaction's mapped page, which
				// outlives seen: no copy (copying was a third of a
				// month-end totals run).
				dr := &tr.dr
				if err = decodeDay(span, dr, true, need); err != nil {
					break
				}
				r := &dr.r
				acc.Events += r.Events
				acc.Late += r.Late
				switch m.Aggregation {
				case AggSum:
					sum.add(r.Sum)
				case AggMax:
					if r.Max != nil && (acc.Max == nil || r.Max.GreaterThan(*acc.Max)) {
						acc.Max = r.Max
					}
				case AggLatest:
					if r.LatestID != "" && laterThan(r.LatestTS, r.LatestID, acc.LatestTS, acc.LatestID) {
						acc.LatestTS, acc.LatestID, acc.Latest = r.LatestTS, r.LatestID, r.Latest
					}
				case AggUniqueCount:
					for _, dv := range dr.values {
						tr.seen[dv.v] = struct{}{}
					}
				}
				seenAny = true
			}
			if err != nil {
				return nil, fmt.Errorf("usage record %s: %w", describeMonthKey(k), err)
			}
			if mr.external && m.Aggregation == AggUniqueCount {
				tr.prefix = append(append(append(append(tr.prefix[:0], customer...), 0), m.Code...), 0)
				distinctApart(tr.tx, tr.prefix, max(from, month+1), min(to, month+32), tr.seen)
			}
		}
		t.Events, t.LateEvents = acc.Events, acc.Late
		switch m.Aggregation {
		case AggCount:
			t.Quantity = decimal.NewFromInt(int64(acc.Events))
		case AggSum:
			t.Quantity = sum.total()
		case AggMax:
			if acc.Max != nil {
				t.Quantity = *acc.Max
			}
		case AggLatest:
			t.Quantity = acc.Latest
		case AggUniqueCount:
			if seenAny {
				t.Quantity = decimal.NewFromInt(int64(len(tr.seen)))
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// distinctApart adds to seen the distinct values kept in the
// distinct_values bucket under prefix (customer|metric|, as rollupKey
// begins) for the days
// [from, to): exact, a union, not a sum of daily counts.
func distinctApart(tx *bolt.Tx, prefix []byte, from, to uint32, seen map[string]struct{}) {
	start := binary.BigEndian.AppendUint32(bytes.Clone(prefix), from)
	end := binary.BigEndian.AppendUint32(bytes.Clone(prefix), to)
	c := tx.Bucket(bucketDistinct).Cursor()
	for k, _ := c.Seek(start); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
		// The key bytes live in the read-only mmap for the whole read
		// transaction, which outlives seen: no copy needed.
		v := k[len(prefix)+4:]
		seen[unsafe.String(unsafe.SliceData(v), len(v))] = struct{}{}
	}
}
