package ledger

import (
	"slices"
	"testing"

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
