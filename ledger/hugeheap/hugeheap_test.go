package hugeheap

import "testing"

func TestAligned(t *testing.T) {
	const h = 2 << 20
	for _, c := range []struct {
		base     uintptr
		n        int
		from, to int
	}{
		{base: 4 * h, n: 3 * h, from: 0, to: 3 * h},                  // aligned both ends
		{base: 4*h + 4096, n: 3 * h, from: h - 4096, to: 3*h - 4096}, // the first and last part-pages left out
		{base: 4*h + 4096, n: h, from: 0, to: 0},                     // no whole huge page inside
		{base: 4 * h, n: h - 1, from: 0, to: 0},                      // shorter than a huge page
		{base: 4*h - 8192, n: h + 8192, from: 8192, to: h + 8192},    // ends on a boundary
	} {
		from, to := aligned(c.base, c.n)
		if from != c.from || to != c.to {
			t.Errorf("aligned(%#x, %d) = %d, %d; want %d, %d", c.base, c.n, from, to, c.from, c.to)
		}
	}
}
