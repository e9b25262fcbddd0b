package ledger

// Rollups as one record per customer, metric and month (schema 11).
//
// The rollup_months bucket maps MONTH|customer|metric → a month record, MONTH
// being the month's YYYYMM00 as 4 bytes big-endian (a DAY with day 0). The
// month comes first so that one month's records lie together: month-end
// reads a month of every customer, and ingestion mostly writes the current
// month (customer first spread a month's 15,000 records over every page of
// a year's). A record holds the month's daily rollups, and for unique_count
// metrics each day's distinct values with their reference counts:
//
//	byte    format (2)
//	byte    flags: bit 0 the distinct values are kept in the distinct_values
//	        bucket (customer|metric|DAY|value → uvarint count), not here
//	uvarint number of days, then per day, ascending:
//	  byte    day of the month, 1–31
//	  uvarint events, uvarint late events, uvarint distinct values
//	  dec     sum, dec max
//	  varint  latest timestamp, str latest event id, dec latest value
//	  uvarint number of distinct values kept here, then that many
//	          (str value, uvarint reference count), values ascending
//
// dec is a decimal: byte 0 none (no max, or no latest event); byte 1, then
// varint coefficient and varint exponent, when the coefficient fits 64
// bits; byte 2 then str decimal text otherwise. Text, as format 1 had it,
// cost a parse and a big.Int conversion per day read and written.
//
// A key per day (schema ≤ 10), and one more per distinct value, cost an
// import a bbolt Put for almost every event: the benchmark's 1M events
// touched 465,000 daily rollups and 330,000 distinct values, and a commit
// inserting into a leaf grows it by a copy per key. A month record is one
// Put per customer and metric per transaction.
//
// A record that would hold more than maxInlineDistinct distinct values moves
// them, once and for good, to the distinct_values bucket: every transaction
// that touches a month rewrites its record, and a customer with thousands of
// users a day must not make each of them rewrite megabytes.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"unsafe"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"
)

const (
	monthRecordFormat = 2
	monthExternal     = 1 // flags bit 0
)

// maxInlineDistinct bounds the distinct values a month record keeps itself
// (~8 KiB at typical user ids). A variable so that tests can lower it.
var maxInlineDistinct = 512

// monthRecord is a decoded month record.
type monthRecord struct {
	external bool        // distinct values live in the distinct_values bucket
	days     []dayRollup // ascending by day
}

// dayRollup is one day of a month record.
type dayRollup struct {
	day    uint8 // 1–31
	r      rollup
	values []distinctCount // inline distinct values, ascending
	// The writer's, not stored: a removed event was the max or latest;
	// the changes to distinct values' counts, settled at flush.
	recompute bool
	changes   []distinctChange
	// added collects a sum metric's additions (in an int64 while they
	// fit: Decimal.Add allocated a big.Int per event, ~10% of the
	// writer's time) until foldSum moves them into r.Sum.
	added decimalSum
}

// foldSum moves the additions collected in added into r.Sum.
func (d *dayRollup) foldSum() {
	if d.added.used || !d.added.rest.IsZero() {
		d.r.Sum = d.r.Sum.Add(d.added.total())
	}
	d.added = decimalSum{}
}

// distinctCount is a distinct value and how many of the day's events carry it.
type distinctCount struct {
	v string
	n uint64
}

// monthOf is the YYYYMM00 of a YYYYMMDD day.
func monthOf(day uint32) uint32 { return day - day%100 }

// monthKey is the key of customer's metric's record for month (YYYYMM00):
// the month first, so that a month's records are together (month-end reads
// all customers' records of one month; ingestion mostly writes the current
// month's).
func monthKey(buf []byte, customer, metric string, month uint32) []byte {
	buf = binary.BigEndian.AppendUint32(buf, month)
	buf = append(buf, customer...)
	buf = append(buf, 0)
	return append(buf, metric...)
}

// nextMonth is the YYYYMM00 after month.
func nextMonth(month uint32) uint32 {
	if month/100%100 >= 12 {
		return (month/10000+1)*10000 + 100
	}
	return month + 100
}

// inlineValues counts the distinct values the record keeps itself.
func (m *monthRecord) inlineValues() int {
	n := 0
	for i := range m.days {
		n += len(m.days[i].values)
	}
	return n
}

// inlineValues counts the distinct values kept in days (nil: no day).
func inlineValues(days []*dayRollup) int {
	n := 0
	for _, d := range days {
		if d != nil {
			n += len(d.values)
		}
	}
	return n
}

func encodeMonthRecord(buf []byte, m *monthRecord) []byte {
	buf = appendMonthHeader(buf, m.external, len(m.days))
	for i := range m.days {
		buf = appendDay(buf, &m.days[i])
	}
	return buf
}

// appendMonthHeader begins a record of n days; appendDay then adds each,
// in ascending order.
func appendMonthHeader(buf []byte, external bool, n int) []byte {
	var flags byte
	if external {
		flags = monthExternal
	}
	buf = append(buf, monthRecordFormat, flags)
	return binary.AppendUvarint(buf, uint64(n))
}

func appendDay(buf []byte, d *dayRollup) []byte {
	r := &d.r
	buf = append(buf, d.day)
	buf = binary.AppendUvarint(buf, r.Events)
	buf = binary.AppendUvarint(buf, r.Late)
	buf = binary.AppendUvarint(buf, r.Uniques)
	buf = appendDec(buf, &r.Sum)
	buf = appendDec(buf, r.Max)
	buf = binary.AppendVarint(buf, r.LatestTS)
	buf = appendStr(buf, r.LatestID)
	if r.LatestID != "" {
		buf = appendDec(buf, &r.Latest)
	} else {
		buf = appendDec(buf, nil)
	}
	buf = binary.AppendUvarint(buf, uint64(len(d.values)))
	for _, v := range d.values {
		buf = appendStr(buf, v.v)
		buf = binary.AppendUvarint(buf, v.n)
	}
	return buf
}

// decodeMonthRecord decodes v, copying what it keeps (check and the
// migration's tests; the writer and totals read day by day, nextSpan).
func decodeMonthRecord(v []byte) (monthRecord, error) {
	mr, err := readMonth(v)
	if err != nil {
		return monthRecord{}, err
	}
	m := monthRecord{external: mr.external, days: make([]dayRollup, 0, mr.left)}
	for {
		_, span, _, ok := mr.nextSpan()
		if !ok {
			break
		}
		m.days = append(m.days, dayRollup{})
		if err := decodeDay(span, &m.days[len(m.days)-1], false, dayAll); err != nil {
			return m, err
		}
	}
	return m, mr.err()
}

// monthReader walks an encoded month record day by day, without decoding
// the days it is not asked to: a writer that touches a few days of a month
// copies the others' bytes as they are.
type monthReader struct {
	d        decoder
	external bool
	left     int   // days not read yet
	last     uint8 // the last day read
}

// readMonth reads a record's header.
func readMonth(v []byte) (monthReader, error) {
	m := monthReader{d: decoder{b: v}}
	if m.d.byte() != monthRecordFormat {
		return m, errCorrupt
	}
	flags := m.d.byte()
	n := m.d.uvarint()
	if m.d.err != nil || flags&^monthExternal != 0 || n > 31 {
		return m, errCorrupt
	}
	m.external = flags&monthExternal != 0
	m.left = int(n)
	return m, nil
}

// nextSpan returns the next day's number, its bytes (from its day byte on,
// for decodeDay or to copy) and how many distinct values it keeps; ok is
// false after the last day or at a corrupt one (err tells).
func (m *monthReader) nextSpan() (day uint8, span []byte, values int, ok bool) {
	if m.left == 0 || m.d.err != nil {
		return 0, nil, 0, false
	}
	d := &m.d
	start := d.b
	day = d.byte()
	if day < 1 || day > 31 || day <= m.last {
		d.err = errCorrupt
		return 0, nil, 0, false
	}
	d.uvarint()
	d.uvarint()
	d.uvarint()
	d.skipDec()
	d.skipDec()
	d.varint()
	d.skipStr()
	d.skipDec()
	k := d.uvarint()
	if k > uint64(len(d.b)) || k > 0 && m.external {
		d.err = errCorrupt
	}
	for i := uint64(0); i < k && d.err == nil; i++ {
		d.skipStr()
		d.uvarint()
	}
	if d.err != nil {
		return 0, nil, 0, false
	}
	m.left--
	m.last = day
	return day, start[: len(start)-len(d.b) : len(start)-len(d.b)], int(k), true
}

// err is nil if the record read so far is sound and, once every day was
// read, nothing trails it.
func (m *monthReader) err() error {
	if m.d.err == nil && m.left == 0 && len(m.d.b) != 0 {
		return errCorrupt
	}
	return m.d.err
}

// dayParts says what decodeDay decodes beyond a day's counts (events,
// late events, distinct values); it skips the rest.
type dayParts uint8

const (
	daySum dayParts = 1 << iota
	dayMax
	dayLatest
	dayValues
	dayAll = daySum | dayMax | dayLatest | dayValues
)

// decodeDay decodes a day's bytes (nextSpan) into dr, reusing dr.values'
// room; only the parts in need. With alias, the values' strings are over
// span's bytes.
func decodeDay(span []byte, dr *dayRollup, alias bool, need dayParts) error {
	d := decoder{b: span}
	values := dr.values[:0]
	*dr = dayRollup{day: d.byte()}
	r := &dr.r
	r.Events, r.Late, r.Uniques = d.uvarint(), d.uvarint(), d.uvarint()
	if need&daySum != 0 {
		r.Sum, _ = d.dec()
	} else {
		d.skipDec()
	}
	if need&dayMax == 0 {
		d.skipDec()
	} else if mx, ok := d.dec(); ok {
		r.Max = &mx
	}
	r.LatestTS = d.varint()
	if need&dayLatest != 0 {
		r.LatestID = d.str()
		r.Latest, _ = d.dec()
	} else {
		d.skipStr()
		d.skipDec()
	}
	if need&dayValues == 0 {
		for k := d.uvarint(); k > 0 && d.err == nil; k-- {
			d.skipStr()
			d.uvarint()
		}
		if d.err == nil && len(d.b) != 0 {
			return errCorrupt
		}
		return d.err
	}
	k := d.uvarint()
	if d.err != nil || k > uint64(len(d.b)) {
		return errCorrupt
	}
	for j := uint64(0); j < k; j++ {
		var s string
		if alias {
			s = d.aliasStr()
		} else {
			s = d.str()
		}
		values = append(values, distinctCount{v: s, n: d.uvarint()})
		if j > 0 && values[j-1].v >= s {
			return errCorrupt
		}
	}
	if len(values) > 0 {
		dr.values = values
	}
	if d.err == nil && len(d.b) != 0 {
		return errCorrupt
	}
	return d.err
}

func (d *decoder) skipStr() {
	n := d.uvarint()
	if d.err != nil || uint64(len(d.b)) < n {
		d.err = errCorrupt
		return
	}
	d.b = d.b[n:]
}

func (d *decoder) skipDec() {
	switch d.byte() {
	case decNone:
	case decSmall:
		d.varint()
		d.varint()
	case decText:
		d.skipStr()
	default:
		d.err = errCorrupt
	}
}

const (
	decNone  = 0
	decSmall = 1
	decText  = 2
)

// appendDec appends a decimal (nil: none) as dec.
func appendDec(buf []byte, x *decimal.Decimal) []byte {
	switch {
	case x == nil:
		return append(buf, decNone)
	case x.NumDigits() <= 18: // the coefficient fits an int64
		buf = append(buf, decSmall)
		buf = binary.AppendVarint(buf, x.CoefficientInt64())
		return binary.AppendVarint(buf, int64(x.Exponent()))
	}
	return appendStr(append(buf, decText), x.String())
}

// dec reads a dec; ok is false for none.
func (d *decoder) dec() (x decimal.Decimal, ok bool) {
	switch d.byte() {
	case decNone:
		return x, false
	case decSmall:
		c, e := d.varint(), d.varint()
		if e < math.MinInt32 || e > math.MaxInt32 {
			d.err = errCorrupt
		}
		if c != 0 {
			x = decimal.New(c, int32(e))
		}
	case decText:
		s := d.str()
		var err error
		if x, err = decimal.NewFromString(s); err != nil && d.err == nil {
			d.err = errCorrupt
		}
	default:
		d.err = errCorrupt
	}
	return x, true
}

// aliasStr is str without the copy.
func (d *decoder) aliasStr() string {
	n := d.uvarint()
	if d.err != nil || uint64(len(d.b)) < n {
		d.err = errCorrupt
		return ""
	}
	s := unsafe.String(unsafe.SliceData(d.b), int(n))
	d.b = d.b[n:]
	return s
}

// mergeDistinct applies changes (value → change of reference count,
// ascending by value) to values and returns the new list and the change in
// the number of distinct values.
func mergeDistinct(values []distinctCount, changes []distinctChange) ([]distinctCount, int64, error) {
	out := make([]distinctCount, 0, len(values)+len(changes))
	var delta int64
	i := 0
	for _, c := range changes {
		for i < len(values) && values[i].v < c.v {
			out = append(out, values[i])
			i++
		}
		var base uint64
		if i < len(values) && values[i].v == c.v {
			base = values[i].n
			i++
		}
		n := base + uint64(c.d)
		switch {
		case int64(n) < 0:
			return nil, 0, errCorrupt // more removed than were counted
		case base == 0 && n != 0:
			delta++
		case base != 0 && n == 0:
			delta--
		}
		if n != 0 {
			out = append(out, distinctCount{c.v, n})
		}
	}
	return append(out, values[i:]...), delta, nil
}

// distinctChange is a change to a distinct value's reference count.
type distinctChange struct {
	v string
	d int64
}

// monthKeyParts splits a month key into its customer, metric and month;
// ok is false if k is not one.
func monthKeyParts(k []byte) (customer, metric string, month uint32, ok bool) {
	if len(k) < 4 {
		return "", "", 0, false
	}
	month = binary.BigEndian.Uint32(k)
	c, m, found := bytes.Cut(k[4:], []byte{0})
	if !found || len(c) == 0 || len(m) == 0 || bytes.IndexByte(m, 0) >= 0 || month%100 != 0 {
		return "", "", 0, false
	}
	return string(c), string(m), month, true
}

// describeMonthKey prints a month key for messages: customer/metric/YYYY-MM.
func describeMonthKey(k []byte) string {
	customer, metric, month, ok := monthKeyParts(k)
	if !ok {
		return strings.ToValidUTF8(fmt.Sprintf("%q", k), "?")
	}
	return customer + "/" + metric + "/" + dayOfNum(month + 1).String()[:7]
}

type keyValue struct{ k, v []byte }

// foldRollupsIntoMonths is the migration from schema 10: the rollups
// bucket's daily rollups and the uniques bucket's distinct values become
// month records. Both old buckets are in the same key order (a distinct
// value's key is its day's rollup key and the value), so one pass over
// each, in step, writes the records in key order, holding one month at a
// time. Distinct values without a rollup, which check reports, are kept
// apart so that it still can.
func foldRollupsIntoMonths(tx *bolt.Tx) error {
	months, err := tx.CreateBucketIfNotExists(bucketRollupMonths)
	if err != nil {
		return err
	}
	distinct, err := tx.CreateBucketIfNotExists(bucketDistinct)
	if err != nil {
		return err
	}
	// Written in key order, once: full pages.
	months.FillPercent, distinct.FillPercent = 0.9, 0.9
	rollups, uniques := tx.Bucket(bucketRollups), tx.Bucket(bucketUniques)
	if rollups == nil || uniques == nil {
		return nil
	}
	uc := uniques.Cursor()
	uk, uv := uc.First()
	keepApart := func(limit []byte) error { // the values before limit that no rollup claimed
		for ; uk != nil && (limit == nil || bytes.Compare(uk, limit) < 0); uk, uv = uc.Next() {
			if err := distinct.Put(bytes.Clone(uk), bytes.Clone(uv)); err != nil {
				return err
			}
		}
		return nil
	}
	var prefix []byte // customer|metric| of the record being built
	var month uint32
	var rec monthRecord
	// The old buckets lead with the customer, the records' keys with the
	// month: the records are gathered and written in their key order (~0.5
	// KB each, one per customer, metric and month), on full pages.
	var records []keyValue
	emit := func() error {
		if len(rec.days) == 0 {
			return nil
		}
		if rec.inlineValues() > maxInlineDistinct {
			for i := range rec.days {
				d := &rec.days[i]
				for _, v := range d.values {
					k := binary.BigEndian.AppendUint32(bytes.Clone(prefix), month+uint32(d.day))
					if err := distinct.Put(append(k, v.v...), encodeCount(v.n)); err != nil {
						return err
					}
				}
				d.values = nil
			}
			rec.external = true
		}
		customer, metric, _ := bytes.Cut(prefix[:len(prefix)-1], []byte{0})
		records = append(records, keyValue{monthKey(nil, string(customer), string(metric), month), encodeMonthRecord(nil, &rec)})
		rec = monthRecord{}
		return nil
	}
	err = rollups.ForEach(func(k, v []byte) error {
		p, day := k[:max(len(k)-4, 0)], uint32(0)
		if len(k) >= 4 {
			day = binary.BigEndian.Uint32(k[len(k)-4:])
		}
		r, err := decodeRollup(v)
		if err != nil || len(k) < 6 || day%100 == 0 || day%100 > 31 {
			return fmt.Errorf("rollup %q: cannot be moved into a month record: %v", k, err)
		}
		if !bytes.Equal(p, prefix) || monthOf(day) != month {
			if err := emit(); err != nil {
				return err
			}
			prefix, month = bytes.Clone(p), monthOf(day)
		}
		if err := keepApart(k); err != nil {
			return err
		}
		d := dayRollup{day: uint8(day % 100), r: r}
		for ; uk != nil && bytes.HasPrefix(uk, k); uk, uv = uc.Next() {
			n, err := decodeCount(uv)
			if err != nil {
				return fmt.Errorf("distinct value %q: %w", uk, err)
			}
			d.values = append(d.values, distinctCount{string(uk[len(k):]), n})
		}
		rec.days = append(rec.days, d)
		return nil
	})
	if err == nil {
		err = emit()
	}
	if err == nil {
		err = keepApart(nil)
	}
	if err != nil {
		return err
	}
	slices.SortFunc(records, func(a, b keyValue) int { return bytes.Compare(a.k, b.k) })
	for _, r := range records {
		if err := months.Put(r.k, r.v); err != nil {
			return err
		}
	}
	if err := tx.DeleteBucket(bucketRollups); err != nil {
		return err
	}
	return tx.DeleteBucket(bucketUniques)
}
