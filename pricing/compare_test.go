package pricing

import (
	"testing"

	"pgregory.net/rapid"
)

func TestNewChange(t *testing.T) {
	for _, tc := range []struct {
		prev, cur, delta, pct string
	}{
		{"100.00", "150.00", "50", "50"},
		{"3100.00", "2945.00", "-155", "-5"},
		{"300.00", "301.00", "1", "0.3"},
		{"3.00", "1.00", "-2", "-66.7"},
		{"0", "120.00", "120", ""},
		{"-50.00", "-25.00", "25", "50"},
	} {
		c := NewChange(d(tc.prev), d(tc.cur))
		if !c.Delta.Equal(d(tc.delta)) {
			t.Errorf("%s → %s: delta %s, want %s", tc.prev, tc.cur, c.Delta, tc.delta)
		}
		switch {
		case tc.pct == "" && c.Percent != nil:
			t.Errorf("%s → %s: percent %s, want none", tc.prev, tc.cur, c.Percent)
		case tc.pct != "" && (c.Percent == nil || !c.Percent.Equal(d(tc.pct))):
			t.Errorf("%s → %s: percent %v, want %s", tc.prev, tc.cur, c.Percent, tc.pct)
		}
	}
	big := NewChange(d("1000"), d("1300"))
	if !big.Exceeds(d("25"), d("0")) || big.Exceeds(d("40"), d("0")) || !big.Exceeds(d("40"), d("300")) || big.Exceeds(d("0"), d("0")) {
		t.Error("Exceeds thresholds")
	}
	fromZero := NewChange(d("0"), d("500"))
	if fromZero.Exceeds(d("10"), d("0")) || !fromZero.Exceeds(d("10"), d("500")) {
		t.Error("a change from zero is significant by amount only")
	}
}

func TestCompareLines(t *testing.T) {
	prev := []InvoiceLine{
		{Kind: ChargeLine, Name: "Platform", Phase: "Year 1", Amount: d("3100.00")},
		{Kind: ChargeLine, Name: "API calls", Amount: d("119.20")},
		{Kind: MinimumLine, Name: "Minimum for API calls", Amount: d("30.80")},
	}
	cur := []InvoiceLine{
		// A phase change mid-period splits the platform fee in two.
		{Kind: ChargeLine, Name: "Platform", Phase: "Year 1", Amount: d("1550.00")},
		{Kind: ChargeLine, Name: "Platform", Phase: "Year 2", Amount: d("1674.00")},
		{Kind: ChargeLine, Name: "API calls", Amount: d("199.20")},
		{Kind: DiscountLine, Name: "Discount 10%", Amount: d("-342.32")},
	}
	got := CompareLines(prev, cur)
	want := []struct {
		name      string
		prev, cur string
		new, gone bool
	}{
		{"Platform", "3100.00", "3224.00", false, false},
		{"API calls", "119.20", "199.20", false, false},
		{"Discount 10%", "0", "-342.32", true, false},
		{"Minimum for API calls", "30.80", "0", false, true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d changes: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || !g.Previous.Equal(d(w.prev)) || !g.Current.Equal(d(w.cur)) || g.New != w.new || g.Gone != w.gone {
			t.Errorf("change %d: %+v, want %+v", i, g, w)
		}
	}
}

// Comparing preserves money: the current and previous sides of the
// comparison add up to the two invoices' subtotals.
func TestPropCompareLinesKeepsTotals(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s, u := genSchedule(rt)
		i := rapid.IntRange(1, 14).Draw(rt, "index")
		prev, err1 := Price(s, i-1, u)
		cur, err2 := Price(s, i, u)
		if err1 != nil || err2 != nil {
			rt.Fatalf("price: %v %v", err1, err2)
		}
		sumPrev, sumCur := d("0"), d("0")
		for _, c := range CompareLines(prev.Lines, cur.Lines) {
			sumPrev, sumCur = sumPrev.Add(c.Previous), sumCur.Add(c.Current)
			if !c.Delta.Equal(c.Current.Sub(c.Previous)) {
				rt.Fatalf("delta of %q", c.Name)
			}
		}
		if !sumPrev.Equal(prev.Subtotal) || !sumCur.Equal(cur.Subtotal) {
			rt.Fatalf("comparison sums %s/%s, subtotals %s/%s", sumPrev, sumCur, prev.Subtotal, cur.Subtotal)
		}
	})
}
