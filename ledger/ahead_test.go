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

// Pass 1 done ahead on the parsing goroutine, with what the writer learned
// from earlier batches, leaves the book and the results exactly as the
// writer's own pass 1 does — also when the book changed in between (an
// alias mapped, a period issued, a metric added), which makes what was
// learned stale, and whichever groups were done ahead when the writer took
// the batch. Book a ingests each batch the plain way, book b through pass 1
// ahead; both get the same changes.
func TestPropPassOneAheadEqualsTheWritersOwn(t *testing.T) {
	books := propBooks(t)
	aheadRounds, aheadGroups := 0, 0
	rapid.Check(t, func(rt *rapid.T) {
		a, b := books(rt), books(rt)
		learn := make(chan learned, 4)
		ka := newKnownAttribution(learn)
		mapped, added := false, false
		ids := map[string]bool{}
		for round := range rapid.IntRange(1, 6).Draw(rt, "rounds") {
			switch rapid.IntRange(0, 3).Draw(rt, "change") {
			case 1:
				if !mapped {
					to := rapid.SampledFrom([]string{"acme", "globex"}).Draw(rt, "to")
					for _, bk := range []*Book{a, b} {
						if _, err := bk.MapAlias("stray", to); err != nil {
							rt.Fatal(err)
						}
					}
					mapped = true
				}
			case 2:
				c := rapid.SampledFrom([]string{"acme", "globex"}).Draw(rt, "issued customer")
				day := pricing.NewDate(2026, time.March, rapid.IntRange(1, 20).Draw(rt, "issued through"))
				for _, bk := range []*Book{a, b} {
					if err := bk.SetIssuedThrough(c, day); err != nil {
						rt.Fatal(err)
					}
				}
			case 3:
				if !added {
					for _, bk := range []*Book{a, b} {
						if err := bk.AddMetric(Metric{Code: "nope", Aggregation: AggCount}); err != nil {
							rt.Fatal(err)
						}
					}
					added = true
				}
			}
			batch := make([]Event, rapid.IntRange(1, 30).Draw(rt, "size"))
			for i := range batch {
				e := Event{
					ID:        fmt.Sprintf("e%d", rapid.IntRange(0, 60).Draw(rt, "id")),
					Customer:  rapid.SampledFrom([]string{"acme", "globex", "stray"}).Draw(rt, "alias"),
					Metric:    rapid.SampledFrom([]string{"calls", "gb", "bytes", "users", "nope"}).Draw(rt, "metric"),
					Timestamp: time.Date(2026, 3, rapid.IntRange(1, 31).Draw(rt, "day"), rapid.IntRange(0, 23).Draw(rt, "hour"), 0, 0, 0, time.UTC),
					Value:     decimal.New(rapid.Int64Range(0, 5000).Draw(rt, "value"), -int32(rapid.IntRange(0, 3).Draw(rt, "exp"))),
				}
				switch rapid.IntRange(0, 2).Draw(rt, "properties") {
				case 1:
					e.Properties = map[string]string{"user": fmt.Sprintf("u%d", rapid.IntRange(0, 3).Draw(rt, "user"))}
				case 2:
					e.Properties = map[string]string{"bytes": fmt.Sprint(rapid.IntRange(0, 9).Draw(rt, "bytes"))}
				}
				batch[i] = e
			}
			for _, e := range batch {
				ids[e.ID] = true
			}
			want, err := a.Ingest(context.Background(), batch)
			if err != nil {
				rt.Fatal(err)
			}
			p := prepare(batch)
			p.learn = learn
			if aw := p.startAhead(ka); aw != nil {
				aheadRounds++
				for steps := rapid.IntRange(0, len(p.groupEnd)).Draw(rt, "groups ahead"); steps > 0; steps-- {
					more := aw.step()
					if aw.a.done[aw.g-1] {
						aheadGroups++
					}
					if !more {
						break
					}
				}
			}
			res, err := b.ingestPrepared(p)
			if err != nil {
				rt.Fatal(err)
			}
			got := p.byArrival(res)
			for i := range want {
				if got[i] != want[i] {
					rt.Fatalf("round %d, event %d: %+v checked ahead, %+v by the writer", round, i, got[i], want[i])
				}
			}
		}
		from, to, err := Month("2026-03")
		if err != nil {
			rt.Fatal(err)
		}
		for _, c := range []string{"acme", "globex"} {
			ta, err := a.Totals(c, from, to)
			if err != nil {
				rt.Fatal(err)
			}
			tb, err := b.Totals(c, from, to)
			if err != nil {
				rt.Fatal(err)
			}
			if fmt.Sprint(ta) != fmt.Sprint(tb) {
				rt.Fatalf("%s's totals: %v checked ahead, %v by the writer", c, tb, ta)
			}
		}
		// The events as stored, encoded ahead or by the writer: the same but
		// for the time of receipt.
		for id := range ids {
			ea, errA := a.Event(id)
			eb, errB := b.Event(id)
			if (errA == nil) != (errB == nil) {
				rt.Fatalf("event %s: %v checked ahead, %v by the writer", id, errB, errA)
			}
			if errA != nil {
				continue
			}
			if !sameContent(&ea.Event, &eb.Event) || ea.CustomerID != eb.CustomerID || ea.Day != eb.Day || ea.Late != eb.Late {
				rt.Fatalf("event %s stored as %+v checked ahead, %+v by the writer", id, eb, ea)
			}
		}
		if breaches, err := b.Check(context.Background(), nil); err != nil || len(breaches) > 0 {
			rt.Fatalf("check of the book ingested through pass 1 ahead: %v %v", breaches, err)
		}
	})
	// The property says nothing unless batches were checked ahead.
	if aheadRounds == 0 || aheadGroups == 0 {
		t.Fatalf("%d batches and %d groups checked ahead", aheadRounds, aheadGroups)
	}
	t.Logf("%d batches and %d groups checked ahead", aheadRounds, aheadGroups)
}
