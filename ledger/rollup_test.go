package ledger

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestPropSortSlotsIsKeyOrder: sortSlots orders month records exactly as their
// byte keys, which flush's ordered reads (getSorted) rely on: a slot out of
// order would be read as new and overwrite the stored rollup. Ids that are
// prefixes of each other and bytes above 0x7f are where a rank order and a
// byte order could differ.
func TestPropSortSlotsIsKeyOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		name := rapid.Custom(func(t *rapid.T) string {
			return string(rapid.SliceOfN(rapid.SampledFrom([]byte{1, 'a', 'b', 0x7f, 0x80, 0xff}), 1, 4).Draw(t, "bytes"))
		})
		metrics := map[string]*Metric{}
		var slots []*rollupSlot
		seen := map[string]bool{}
		for range rapid.IntRange(0, 60).Draw(t, "slots") {
			cust := name.Draw(t, "customer")
			code := rapid.SampledFrom([]string{"a", "ab", "b", "\xffz", "calls"}).Draw(t, "metric")
			month := rapid.SampledFrom([]uint32{0, 20260200, 20260300, 20261200, 1<<32 - 100}).Draw(t, "month")
			m := metrics[code]
			if m == nil {
				m = &Metric{Code: code}
				metrics[code] = m
			}
			key := string(monthKey(nil, cust, code, month))
			if seen[key] {
				continue // a writer has one slot per key
			}
			seen[key] = true
			slots = append(slots, &rollupSlot{key: key, customer: cust, month: month, metric: m})
		}
		sortSlots(slots)
		keys := make([]string, len(slots))
		for i, s := range slots {
			keys[i] = s.key
			if s.order != i {
				t.Fatalf("slot %d numbered %d", i, s.order)
			}
		}
		if !slices.IsSorted(keys) {
			t.Fatalf("not in key order: %q", keys)
		}
	})
}

// TestSumOfMixedValues: a sum metric adds values of every exponent and
// size exactly — the writer adds in an int64 while the values fit one
// exponent, and in decimals beyond — across transactions, with a
// correction taking a value back out; the book passes Check.
func TestSumOfMixedValues(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	values := []string{"0.001", "2.5", "9223372036854775807", "9223372036854775807", "1e2", "-0", "0.000000000000000000001", "123456789012345678901234567890.5", "7"}
	var events []Event
	want := decimal.Zero
	for i, v := range values {
		if v == "-0" {
			continue
		}
		events = append(events, ev(fmt.Sprintf("s%d", i), "acme", "gb", "2026-03-05T10:00:00Z", v))
		want = want.Add(decimal.RequireFromString(v))
	}
	ingest(t, b, events[:4]...)
	ingest(t, b, events[4:]...)
	if got := total(t, b, "acme", "gb", "2026-03"); got != want.String() {
		t.Errorf("sum %s, want %s", got, want)
	}
	// s2 (9223372036854775807) corrected to 1.
	ingest(t, b, ev("s2", "acme", "gb", "2026-03-05T10:00:00Z", "1"))
	want = want.Sub(decimal.RequireFromString("9223372036854775806"))
	if got := total(t, b, "acme", "gb", "2026-03"); got != want.String() {
		t.Errorf("after the correction: sum %s, want %s", got, want)
	}
	if br, err := b.Check(context.Background(), nil); err != nil || len(br) > 0 {
		t.Fatalf("check: %v %v", br, err)
	}
}
