package ledger

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"

	"github.com/monthend/monthend/pricing"
)

// TestPropMonthRecordRoundTrip: a month record decodes to what was encoded,
// with and without aliasing the bytes.
func TestPropMonthRecordRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var m monthRecord
		m.external = rapid.Bool().Draw(t, "external")
		day := 0
		for range rapid.IntRange(0, 5).Draw(t, "days") {
			day += rapid.IntRange(1, 6).Draw(t, "step")
			if day > 31 {
				break
			}
			d := dayRollup{day: uint8(day), r: rollup{
				Events:  rapid.Uint64().Draw(t, "events"),
				Late:    rapid.Uint64().Draw(t, "late"),
				Uniques: rapid.Uint64Range(0, 9).Draw(t, "uniques"),
				Sum:     decimal.New(rapid.Int64().Draw(t, "sum"), int32(rapid.IntRange(-9, 3).Draw(t, "exp"))),
			}}
			if rapid.Bool().Draw(t, "max") {
				mx := decimal.New(rapid.Int64().Draw(t, "maxv"), -2)
				d.r.Max = &mx
			}
			if rapid.Bool().Draw(t, "latest") {
				d.r.LatestTS, d.r.LatestID, d.r.Latest = rapid.Int64().Draw(t, "ts"), "e1", decimal.New(7, -1)
			}
			if !m.external {
				v := ""
				for range rapid.IntRange(0, 4).Draw(t, "values") {
					v += rapid.StringN(1, 3, -1).Draw(t, "suffix") // ascending: each extends the last
					d.values = append(d.values, distinctCount{v, rapid.Uint64Range(1, 1<<40).Draw(t, "n")})
				}
			}
			m.days = append(m.days, d)
		}
		enc := encodeMonthRecord(nil, &m)
		for _, alias := range []bool{false, true} {
			decode := decodeMonthRecord
			if alias {
				decode = decodeMonthAliased
			}
			got, err := decode(enc)
			if err != nil {
				t.Fatalf("decode (alias %v): %v", alias, err)
			}
			if len(got.days) != len(m.days) || got.external != m.external {
				t.Fatalf("decoded %+v, want %+v", got, m)
			}
			for i := range m.days {
				g, w := &got.days[i], &m.days[i]
				if g.day != w.day || !g.r.equal(&w.r) || len(g.values) != len(w.values) || len(w.values) > 0 && !reflect.DeepEqual(g.values, w.values) {
					t.Fatalf("day %d: decoded %+v, want %+v", i, *g, *w)
				}
			}
		}
	})
}

// decodeMonthAliased decodes a record day by day as totals do, its
// distinct values over enc's bytes.
func decodeMonthAliased(enc []byte) (monthRecord, error) {
	mr, err := readMonth(enc)
	if err != nil {
		return monthRecord{}, err
	}
	m := monthRecord{external: mr.external}
	for {
		_, span, _, ok := mr.nextSpan()
		if !ok {
			return m, mr.err()
		}
		var d dayRollup
		if err := decodeDay(span, &d, true, dayAll); err != nil {
			return m, err
		}
		m.days = append(m.days, d)
	}
}

// FuzzDecodeMonthRecord: any bytes decode to an error or to a record that
// encodes back to the same bytes; nothing panics.
func FuzzDecodeMonthRecord(f *testing.F) {
	mx := decimal.New(5, 0)
	f.Add(encodeMonthRecord(nil, &monthRecord{days: []dayRollup{{day: 3, r: rollup{Events: 2, Uniques: 1, Sum: decimal.New(15, -1), Max: &mx},
		values: []distinctCount{{"ann", 2}}}}}))
	f.Add(encodeMonthRecord(nil, &monthRecord{external: true, days: []dayRollup{{day: 1, r: rollup{Events: 1}}, {day: 31, r: rollup{Events: 4}}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMonthAliased(b)
		if err != nil {
			return
		}
		if m.inlineValues() > 0 && m.external {
			t.Fatal("an external record kept values")
		}
		// Decimal text has more than one spelling ("1.0", "1"), so only
		// a second round must be stable.
		enc := encodeMonthRecord(nil, &m)
		m2, err := decodeMonthRecord(enc)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if enc2 := encodeMonthRecord(nil, &m2); !bytes.Equal(enc, enc2) {
			t.Fatalf("encode is not stable: %x then %x", enc, enc2)
		}
	})
}

// toSchema10 rewrites a book's month records as schema 10 kept them — a
// rollup per day (format 1) and a key per distinct value — and marks the
// book schema 10.
func toSchema10(t *testing.T, b *Book) {
	t.Helper()
	err := b.update(func(tx *bolt.Tx) error {
		rollups, err := tx.CreateBucket(bucketRollups)
		if err != nil {
			return err
		}
		uniques, err := tx.CreateBucket(bucketUniques)
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketRollupMonths).ForEach(func(k, v []byte) error {
			rec, err := decodeMonthRecord(v)
			if err != nil {
				return err
			}
			customer, metric, month, ok := monthKeyParts(k)
			if !ok {
				return fmt.Errorf("key %q", k)
			}
			for _, d := range rec.days {
				dk := rollupKey(nil, customer, metric, month+uint32(d.day))
				if err := rollups.Put(dk, encodeRollup(nil, &d.r)); err != nil {
					return err
				}
				for _, dv := range d.values {
					if err := uniques.Put(append(bytes.Clone(dk), dv.v...), encodeCount(dv.n)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketDistinct).ForEach(func(k, v []byte) error { return uniques.Put(k, v) })
		if err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucketRollupMonths); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucketDistinct); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), binary.BigEndian.AppendUint32(nil, 10))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSchema10BookMigratesToMonthRecords: a schema-10 book's daily rollups
// and distinct values become month records, keeping every total; values
// past maxInlineDistinct are kept apart; check finds the book sound, and
// ingestion goes on from there.
func TestSchema10BookMigratesToMonthRecords(t *testing.T) {
	defer func(n int) { maxInlineDistinct = n }(maxInlineDistinct)
	maxInlineDistinct = 1000 // all inline while the schema-10 book is built
	path := filepath.Join(t.TempDir(), "book.db")
	b, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	setup(t, b)
	var events []Event
	for i := range 400 {
		e := Event{ID: fmt.Sprintf("e%d", i), Customer: []string{"acme", "globex"}[i%2],
			Timestamp: time.Date(2026, 2, 20+i%20, i%24, 0, 0, 0, time.UTC), Value: decimal.New(int64(i), -1)}
		switch i % 4 {
		case 0:
			e.Metric = "calls"
		case 1:
			e.Metric = "gb"
		case 2:
			e.Metric = "seats"
		case 3:
			e.Metric, e.Properties = "users", map[string]string{"user": fmt.Sprintf("u%d", i%37)}
		}
		events = append(events, e)
	}
	if _, err := b.Ingest(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	totals := func(b *Book) []Total {
		var all []Total
		for _, span := range [][2]pricing.Date{
			{pricing.NewDate(2026, 2, 1), pricing.NewDate(2026, 3, 1)},
			{pricing.NewDate(2026, 3, 1), pricing.NewDate(2026, 4, 1)},
			{pricing.NewDate(2026, 2, 25), pricing.NewDate(2026, 3, 5)},
		} {
			tots, err := b.AllTotals(span[0], span[1])
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, tots...)
		}
		return all
	}
	want := totals(b)
	toSchema10(t, b)
	b.Close()

	maxInlineDistinct = 10 // acme's and globex's users move apart, as months of many users would
	b, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.view(func(tx *bolt.Tx) error {
		if v := readVersion(tx); v != schemaVersion {
			t.Errorf("schema %d after open, want %d", v, schemaVersion)
		}
		if tx.Bucket(bucketRollups) != nil || tx.Bucket(bucketUniques) != nil {
			t.Error("the schema-10 buckets are still there")
		}
		external, inline := 0, 0
		tx.Bucket(bucketRollupMonths).ForEach(func(k, v []byte) error {
			rec, err := decodeMonthRecord(v)
			if err != nil {
				t.Errorf("record %q: %v", k, err)
			}
			if rec.external {
				external++
			}
			inline += rec.inlineValues()
			return nil
		})
		if external == 0 || tx.Bucket(bucketDistinct).Stats().KeyN == 0 {
			t.Errorf("%d records keep their values apart, %d values apart: want some", external, tx.Bucket(bucketDistinct).Stats().KeyN)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := totals(b); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("totals after the migration:\n%v\nwant\n%v", got, want)
	}
	if br, err := b.Check(context.Background(), nil); err != nil || len(br) > 0 {
		t.Fatalf("check after the migration: %v %v", br, err)
	}
	// A correction moves a user's event to another day of a record that
	// keeps its values apart.
	moved := events[3]
	moved.Timestamp = moved.Timestamp.Add(48 * time.Hour)
	res, err := b.Ingest(context.Background(), []Event{moved})
	if err != nil || res[0].Outcome != Superseded {
		t.Fatalf("correction: %+v %v", res, err)
	}
	if br, err := b.Check(context.Background(), nil); err != nil || len(br) > 0 {
		t.Fatalf("check after a correction: %v %v", br, err)
	}
}

// TestMonthKeys: month keys read back, months roll over the year, and keys
// that are not month keys are told apart.
func TestMonthKeys(t *testing.T) {
	for _, tc := range []struct{ month, next uint32 }{
		{20260300, 20260400}, {20261100, 20261200}, {20261200, 20270100}, {19991200, 20000100},
	} {
		if got := nextMonth(tc.month); got != tc.next {
			t.Errorf("nextMonth(%d) = %d, want %d", tc.month, got, tc.next)
		}
		k := monthKey(nil, "cust-1", "api_calls", tc.month)
		c, m, month, ok := monthKeyParts(k)
		if !ok || c != "cust-1" || m != "api_calls" || month != tc.month {
			t.Errorf("monthKeyParts(%q) = %q %q %d %v", k, c, m, month, ok)
		}
		if got := describeMonthKey(k); got != "cust-1/api_calls/"+dayOfNum(tc.month + 1).String()[:7] {
			t.Errorf("describeMonthKey(%q) = %q", k, got)
		}
	}
	for _, k := range [][]byte{
		nil, []byte("abc"),
		monthKey(nil, "c", "m", 20260301),            // a day, not a month
		append(monthKey(nil, "c", "m", 20260300), 0), // a NUL in the metric
		binary.BigEndian.AppendUint32(nil, 20260300), // no customer or metric
	} {
		if _, _, _, ok := monthKeyParts(k); ok {
			t.Errorf("monthKeyParts(%q) took it for a month key", k)
		}
	}
}

// TestPropDecimalSumIsExact: decimalSum, which adds in an int64 while it
// can, equals adding the decimals one by one, across exponents and at the
// edges of int64.
func TestPropDecimalSumIsExact(t *testing.T) {
	// Eleven of the largest coefficients the int64 path takes (18 digits)
	// overflow it.
	var s decimalSum
	for range 11 {
		s.add(decimal.New(999_999_999_999_999_999, -2))
	}
	if want := decimal.New(999_999_999_999_999_999, -2).Mul(decimal.NewFromInt(11)); !s.total().Equal(want) {
		t.Fatalf("decimalSum %s, want %s", s.total(), want)
	}
	rapid.Check(t, func(t *rapid.T) {
		var s decimalSum
		want := decimal.Zero
		for range rapid.IntRange(0, 12).Draw(t, "n") {
			c := rapid.OneOf(rapid.Int64Range(-1000, 1000), rapid.Int64(),
				rapid.SampledFrom([]int64{math.MaxInt64, math.MinInt64, 999_999_999_999_999_999, -999_999_999_999_999_999})).Draw(t, "c")
			x := decimal.New(c, int32(rapid.IntRange(-1, 0).Draw(t, "e")))
			if rapid.Bool().Draw(t, "big") {
				x = x.Mul(decimal.New(1, 20)) // past 18 digits
			}
			s.add(x)
			want = want.Add(x)
		}
		if got := s.total(); !got.Equal(want) {
			t.Fatalf("decimalSum %s, want %s", got, want)
		}
	})
}

// encodeRollup writes a rollup of format 1, as schema 10 stored them (only
// tests write that format now; the migration reads it with decodeRollup).
func encodeRollup(buf []byte, r *rollup) []byte {
	return appendRollupFields(append(buf, 1), r)
}

// appendRollupFields appends a format-1 rollup's fields after its format
// byte.
func appendRollupFields(buf []byte, r *rollup) []byte {
	buf = binary.AppendUvarint(buf, r.Events)
	buf = binary.AppendUvarint(buf, r.Late)
	buf = binary.AppendUvarint(buf, r.Uniques)
	buf = appendStr(buf, r.Sum.String())
	if r.Max != nil {
		buf = appendStr(buf, r.Max.String())
	} else {
		buf = appendStr(buf, "")
	}
	buf = binary.AppendVarint(buf, r.LatestTS)
	buf = appendStr(buf, r.LatestID)
	if r.LatestID != "" {
		buf = appendStr(buf, r.Latest.String())
	} else {
		buf = appendStr(buf, "")
	}
	return buf
}
