package ledger

// The binary encodings of the two records written per event (the stored
// event and its day's rollup). Everything else is JSON. They are binary
// because ingestion is the hot path: BenchmarkEncodeEvent compares this with
// encoding/json (see docs/performance.md).
//
// Stored event, value of events/SEQ:
//
//	byte    format version (1)
//	byte    flags: bit 0 late
//	str     event id
//	str     alias as sent          (str = uvarint length, bytes)
//	str     customer id ("" while unattributed)
//	str     metric code
//	varint  timestamp, Unix nanoseconds
//	str     value, decimal text
//	uvarint day in the customer's zone as YYYYMMDD (0 while unattributed)
//	varint  received, Unix nanoseconds
//	uvarint number of properties, then that many (str key, str value), keys sorted
//
// Rollup, value of rollups/CUSTOMER|METRIC|DAY up to schema 10 (since
// schema 11 a day's entry in its month record, monthrecord.go):
//
//	byte    format version (1)
//	uvarint events, uvarint late events, uvarint distinct values
//	str     sum, str max (decimal text, "" if none)
//	varint  latest timestamp, str latest event id, str latest value

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

var errCorrupt = errors.New("corrupt record")

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) < 1 {
		d.err = errCorrupt
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil || uint64(len(d.b)) < n {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) decimal() decimal.Decimal {
	s := d.str()
	if s == "" || s == "0" || d.err != nil {
		return decimal.Decimal{}
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		d.err = errCorrupt
	}
	return v
}

// dayNum is a Date as YYYYMMDD; 0 for the zero Date.
func dayNum(d pricing.Date) uint32 {
	if d.IsZero() {
		return 0
	}
	return uint32(d.Year()*10000 + int(d.Month())*100 + d.Day())
}

func dayOfNum(n uint32) pricing.Date {
	if n == 0 {
		return pricing.Date{}
	}
	return pricing.NewDate(int(n/10000), time.Month(n/100%100), int(n%100))
}

func encodeEvent(buf []byte, e *StoredEvent) []byte {
	buf = append(buf, 1)
	var flags byte
	if e.Late {
		flags |= 1
	}
	buf = append(buf, flags)
	buf = appendStr(buf, e.ID)
	buf = appendStr(buf, e.Customer)
	buf = appendStr(buf, e.CustomerID)
	buf = appendStr(buf, e.Metric)
	buf = binary.AppendVarint(buf, e.Timestamp.UnixNano())
	buf = appendStr(buf, e.Value.String())
	buf = binary.AppendUvarint(buf, uint64(dayNum(e.Day)))
	buf = binary.AppendVarint(buf, e.Received.UnixNano())
	buf = binary.AppendUvarint(buf, uint64(len(e.Properties)))
	if len(e.Properties) > 0 {
		for _, k := range sortedKeys(e.Properties) {
			buf = appendStr(buf, k)
			buf = appendStr(buf, e.Properties[k])
		}
	}
	return buf
}

// eventParts is an event's encoding without what the book decides (the
// customer, day, late flag and time of receipt), made by prepare outside the
// write transaction: head is the id and alias, mid the metric, timestamp and
// value, tail the properties. encodeEventParts(buf, e, head, mid, tail) ==
// encodeEvent(buf, e).
func eventParts(buf []byte, e *Event) (out []byte, head, mid int) {
	buf = appendStr(buf, e.ID)
	buf = appendStr(buf, e.Customer)
	head = len(buf)
	buf = appendStr(buf, e.Metric)
	buf = binary.AppendVarint(buf, e.Timestamp.UnixNano())
	buf = appendDecimalStr(buf, e.Value)
	mid = len(buf)
	buf = binary.AppendUvarint(buf, uint64(len(e.Properties)))
	if len(e.Properties) == 1 {
		for k, v := range e.Properties { // nothing to sort: no slice of keys
			buf = appendStr(buf, k)
			buf = appendStr(buf, v)
		}
	} else if len(e.Properties) > 1 {
		for _, k := range sortedKeys(e.Properties) {
			buf = appendStr(buf, k)
			buf = appendStr(buf, e.Properties[k])
		}
	}
	return buf, head, mid
}

// appendDecimalStr is appendStr(buf, d.String()) without the string:
// String formats through big.Int's Text, which allocates. An int64
// coefficient with an exponent from -18 to 0 (every value the parser makes
// from a short literal) is formatted here as String would
// (TestAppendDecimalStr); anything else goes through String.
func appendDecimalStr(buf []byte, d decimal.Decimal) []byte {
	exp := d.Exponent()
	if exp > 0 || exp < -18 || d.NumDigits() > 18 || !decimal.TrimTrailingZeros {
		return appendStr(buf, d.String())
	}
	var digits, text [48]byte
	coef := d.CoefficientInt64()
	abs := strconv.AppendUint(digits[:0], uint64(max(coef, -coef)), 10)
	s := text[:0]
	if coef < 0 {
		s = append(s, '-')
	}
	frac := int(-exp)
	var lead int // zeros between the point and abs
	if len(abs) > frac {
		s = append(s, abs[:len(abs)-frac]...)
		abs = abs[len(abs)-frac:]
	} else {
		s = append(s, '0')
		lead = frac - len(abs)
	}
	abs = bytes.TrimRight(abs, "0")
	if len(abs) > 0 {
		s = append(s, '.')
		s = append(s, "000000000000000000"[:lead]...)
		s = append(s, abs...)
	}
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// encodeEventParts is encodeEvent from the parts eventParts made of e.Event.
func encodeEventParts(buf []byte, e *StoredEvent, head, mid, tail []byte) []byte {
	var flags byte
	if e.Late {
		flags |= 1
	}
	buf = append(buf, 1, flags)
	buf = append(buf, head...)
	buf = appendStr(buf, e.CustomerID)
	buf = append(buf, mid...)
	buf = binary.AppendUvarint(buf, uint64(dayNum(e.Day)))
	buf = binary.AppendVarint(buf, e.Received.UnixNano())
	return append(buf, tail...)
}

func decodeEvent(seq uint64, b []byte) (StoredEvent, error) {
	d := decoder{b: b}
	var e StoredEvent
	e.seq = seq
	if d.byte() != 1 {
		return e, errCorrupt
	}
	e.Late = d.byte()&1 != 0
	e.ID = d.str()
	e.Customer = d.str()
	e.CustomerID = d.str()
	e.Metric = d.str()
	e.Timestamp = time.Unix(0, d.varint()).UTC()
	e.Value = d.decimal()
	e.Day = dayOfNum(uint32(d.uvarint()))
	e.Received = time.Unix(0, d.varint()).UTC()
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		return e, errCorrupt
	}
	if n > 0 {
		e.Properties = make(map[string]string, n)
		for i := uint64(0); i < n && d.err == nil; i++ {
			k := d.str()
			e.Properties[k] = d.str()
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	return e, d.err
}

// rollup is the usage of one customer, metric and day.
type rollup struct {
	Events, Late, Uniques uint64
	Sum                   decimal.Decimal
	Max                   *decimal.Decimal
	LatestTS              int64
	LatestID              string
	Latest                decimal.Decimal
}

// decodeRollup decodes a rollup of format 1, a value of the rollups bucket
// up to schema 10.
func decodeRollup(b []byte) (rollup, error) {
	d := decoder{b: b}
	if d.byte() != 1 {
		return rollup{}, errCorrupt
	}
	r := decodeRollupFields(&d)
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	return r, d.err
}

func decodeRollupFields(d *decoder) rollup {
	var r rollup
	r.Events = d.uvarint()
	r.Late = d.uvarint()
	r.Uniques = d.uvarint()
	r.Sum = d.decimal()
	if s := d.str(); s != "" && d.err == nil {
		m, err := decimal.NewFromString(s)
		if err != nil {
			d.err = errCorrupt
		}
		r.Max = &m
	}
	r.LatestTS = d.varint()
	r.LatestID = d.str()
	r.Latest = d.decimal()
	return r
}

func (r *rollup) equal(o *rollup) bool {
	if r.Events != o.Events || r.Late != o.Late || r.Uniques != o.Uniques || !r.Sum.Equal(o.Sum) ||
		r.LatestTS != o.LatestTS || r.LatestID != o.LatestID || !r.Latest.Equal(o.Latest) {
		return false
	}
	if (r.Max == nil) != (o.Max == nil) {
		return false
	}
	return r.Max == nil || r.Max.Equal(*o.Max)
}

// Key layouts (see schema.go).

func rollupKey(buf []byte, customer, metric string, day uint32) []byte {
	buf = append(buf, customer...)
	buf = append(buf, 0)
	buf = append(buf, metric...)
	buf = append(buf, 0)
	return binary.BigEndian.AppendUint32(buf, day)
}

func usageKey(buf []byte, customer, metric string, day uint32, seq uint64) []byte {
	buf = rollupKey(buf, customer, metric, day)
	return binary.BigEndian.AppendUint64(buf, seq)
}

func uniqueKey(buf []byte, customer, metric string, day uint32, value string) []byte {
	buf = rollupKey(buf, customer, metric, day)
	return append(buf, value...)
}

func unattribKey(buf []byte, alias string, seq uint64) []byte {
	buf = append(buf, alias...)
	buf = append(buf, 0)
	return binary.BigEndian.AppendUint64(buf, seq)
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// idHash is the idempotency index key of an event id.
func idHash(id string) [8]byte {
	sum := sha256.Sum256([]byte(id))
	return [8]byte(sum[:8])
}

// indexed reports whether a metric's events are kept in the usage index.
func (m *Metric) indexed() bool { return m.Aggregation == AggMax || m.Aggregation == AggLatest }

// sameContent reports whether two events carry the same content, so that a
// repeat is a duplicate rather than a correction. Attribution and receipt
// time are the book's, not the content.
func sameContent(a, b *Event) bool {
	if a.Customer != b.Customer || a.Metric != b.Metric || !a.Timestamp.Equal(b.Timestamp) ||
		!a.Value.Equal(b.Value) || len(a.Properties) != len(b.Properties) {
		return false
	}
	for k, v := range a.Properties {
		if w, ok := b.Properties[k]; !ok || w != v {
			return false
		}
	}
	return true
}
