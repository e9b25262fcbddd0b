package ledger

import (
	"cmp"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
)

// TestAppendDecimalStr: appendDecimalStr writes what appendStr of String
// writes, for coefficients of every size (beyond int64 too) and exponents
// on both sides of its fast range.
func TestAppendDecimalStr(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	check := func(d decimal.Decimal) {
		t.Helper()
		if got, want := appendDecimalStr([]byte("x"), d), appendStr([]byte("x"), d.String()); string(got) != string(want) {
			t.Fatalf("%s (coefficient %s, exponent %d): %q, want %q", d, d.Coefficient(), d.Exponent(), got, want)
		}
	}
	check(decimal.Decimal{})
	for _, c := range []int64{0, 1, -1, 5, -5, 10, -10, 100, 120, -1200, math.MaxInt64, math.MinInt64, 999999999999999999, -999999999999999999, 1000000000000000000} {
		for exp := int32(-22); exp <= 3; exp++ {
			check(decimal.New(c, exp))
		}
	}
	for range 100000 {
		c := rng.Int64N(int64(math.Pow10(1 + rng.IntN(18))))
		if rng.IntN(2) == 0 {
			c = -c
		}
		check(decimal.New(c*int64(math.Pow10(rng.IntN(3))), int32(rng.IntN(25)-21)))
	}
	for range 1000 {
		s := strconv.FormatUint(rng.Uint64(), 10) + strconv.FormatUint(rng.Uint64(), 10)
		check(decimal.RequireFromString(s[:rng.IntN(len(s))+1] + "." + s[:rng.IntN(len(s))+1]))
	}
}

// TestHashOrder: hashOrder gives the order of sorting by (hash, index), for
// batches of every size, with ids repeated a few times or many.
func TestHashOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for _, n := range []int{0, 1, 2, 3, 17, 100, 1000, 70000, 250000} {
		for _, distinct := range []int{1, 2, n/50 + 1, n + 1} {
			hashes := make([][8]byte, n)
			ids := make([]string, distinct)
			for i := range ids {
				ids[i] = strconv.FormatUint(rng.Uint64(), 16)
			}
			for i := range hashes {
				hashes[i] = idHash(ids[rng.IntN(distinct)])
			}
			got := make([]prepItem, n)
			hashOrder(got, hashes)
			want := make([]prepItem, n)
			for i := range hashes {
				want[i] = prepItem{binary.BigEndian.Uint64(hashes[i][:]), int32(i)}
			}
			slices.SortFunc(want, func(x, y prepItem) int { return cmp.Or(cmp.Compare(x.h, y.h), cmp.Compare(x.i, y.i)) })
			if !slices.Equal(got, want) {
				t.Fatalf("%d events, %d distinct ids: the orders differ", n, distinct)
			}
		}
	}
}
