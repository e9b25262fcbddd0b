package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/monthend/monthend/pricing"
)

// TestPropTotalsEqualTheModel: after any sequence of batches (with repeats,
// corrections and unknown aliases) and alias mappings, the book passes
// Check and its totals over a month, or over days across two months, equal
// those computed directly from the last content of every event id whose
// alias is mapped. Month records keep their distinct values themselves or
// apart (maxInlineDistinct is drawn), and may change over.
func TestPropTotalsEqualTheModel(t *testing.T) {
	book := propBooks(t)
	defer func(n int) { maxInlineDistinct = n }(maxInlineDistinct)
	rapid.Check(t, func(rt *rapid.T) {
		maxInlineDistinct = rapid.SampledFrom([]int{0, 1, 3, 512}).Draw(rt, "maxInlineDistinct")
		b := book(rt)
		model := map[string]Event{}
		mapped := map[string]string{"acme": "acme", "globex": "globex"}
		aliases := []string{"acme", "globex", "acme-eu", "stray"}
		metrics := []string{"calls", "gb", "seats", "plan", "users"}
		steps := rapid.IntRange(1, 8).Draw(rt, "steps")
		for s := 0; s < steps; s++ {
			if rapid.IntRange(0, 4).Draw(rt, "op") == 0 {
				if _, taken := mapped["acme-eu"]; !taken {
					if _, err := b.MapAlias("acme-eu", "acme"); err != nil {
						rt.Fatal(err)
					}
					mapped["acme-eu"] = "acme"
				}
				continue
			}
			var batch []Event
			for k := rapid.IntRange(1, 6).Draw(rt, "size"); k > 0; k-- {
				e := Event{
					ID:       fmt.Sprintf("e%d", rapid.IntRange(0, 12).Draw(rt, "id")),
					Customer: rapid.SampledFrom(aliases).Draw(rt, "alias"),
					Metric:   rapid.SampledFrom(metrics).Draw(rt, "metric"),
					// March 30 to April 2 (days 32 and 33 of March).
					Timestamp: time.Date(2026, 3, rapid.IntRange(30, 33).Draw(rt, "day"), rapid.IntRange(0, 23).Draw(rt, "hour"), 0, 0, 0, time.UTC),
					Value:     decimal.New(int64(rapid.IntRange(0, 20).Draw(rt, "v")), -1),
				}
				if e.Metric == "users" {
					e.Properties = map[string]string{"user": rapid.SampledFrom([]string{"ann", "bob", "cid"}).Draw(rt, "user")}
				}
				batch = append(batch, e)
				model[e.ID] = e
			}
			if _, err := b.Ingest(context.Background(), batch); err != nil {
				rt.Fatal(err)
			}
		}
		if br, err := b.Check(context.Background(), nil); err != nil || len(br) > 0 {
			rt.Fatalf("check: %v %v", br, err)
		}
		from, to, _ := Month("2026-03")
		switch rapid.IntRange(0, 2).Draw(rt, "period") {
		case 1:
			from, to, _ = Month("2026-04")
		case 2:
			from, to = pricing.NewDate(2026, 3, 31), pricing.NewDate(2026, 4, 2)
		}
		for _, cust := range []string{"acme", "globex"} {
			want := map[string]decimal.Decimal{}
			users := map[string]bool{}
			var latest *Event
			var maxSeen bool
			c, err := b.Customer(cust)
			if err != nil {
				rt.Fatal(err)
			}
			loc, _ := c.Location()
			for _, e := range model {
				if day := pricing.DateOf(e.Timestamp, loc); mapped[e.Customer] != cust || day.Before(from) || !day.Before(to) {
					continue
				}
				switch e.Metric {
				case "calls":
					want["calls"] = want["calls"].Add(decimal.NewFromInt(1))
				case "gb":
					want["gb"] = want["gb"].Add(e.Value)
				case "seats":
					if !maxSeen || e.Value.GreaterThan(want["seats"]) {
						want["seats"], maxSeen = e.Value, true
					}
				case "plan":
					if latest == nil || e.Timestamp.After(latest.Timestamp) || e.Timestamp.Equal(latest.Timestamp) && e.ID > latest.ID {
						latest = &e
					}
				case "users":
					users[e.Properties["user"]] = true
				}
			}
			if latest != nil {
				want["plan"] = latest.Value
			}
			want["users"] = decimal.NewFromInt(int64(len(users)))
			tots, err := b.Totals(cust, from, to)
			if err != nil {
				rt.Fatal(err)
			}
			for _, x := range tots {
				if x.Metric == "bytes" {
					continue
				}
				if !x.Quantity.Equal(want[x.Metric]) {
					rt.Errorf("%s %s: book %s, model %s", cust, x.Metric, x.Quantity, want[x.Metric])
				}
			}
		}
	})
}
