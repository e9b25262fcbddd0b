package ledger

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"
)

// The flush's merging and encoding of month records in two halves at once
// (inHalves), one on a goroutine of its own, writes exactly the records,
// distinct values and results the flush on one goroutine writes. Book a
// flushes in halves whenever a flush has two records, book b never; both get the
// same batches: repeats and corrections among them, over two months, with
// records that keep their distinct values inline and some that grow past
// maxInlineDistinct. Under -race (make test) it also shows that the halves
// share nothing.
func TestPropFlushInHalvesEqualsInOne(t *testing.T) {
	books := propBooks(t)
	defer func(n, inline int) { halvesMin, maxInlineDistinct = n, inline }(halvesMin, maxInlineDistinct)
	maxInlineDistinct = 8
	split := 0 // batches whose flush merged two or more records in halves
	rapid.Check(t, func(rt *rapid.T) {
		a, b := books(rt), books(rt)
		for round := range rapid.IntRange(1, 6).Draw(rt, "rounds") {
			batch := make([]Event, rapid.IntRange(1, 60).Draw(rt, "size"))
			records := map[string]bool{}
			for i := range batch {
				e := Event{
					ID:        fmt.Sprintf("e%d", rapid.IntRange(0, 80).Draw(rt, "id")),
					Customer:  rapid.SampledFrom([]string{"acme", "globex", "stray"}).Draw(rt, "alias"),
					Metric:    rapid.SampledFrom([]string{"calls", "gb", "bytes", "users", "seats", "plan"}).Draw(rt, "metric"),
					Timestamp: time.Date(2026, time.Month(rapid.IntRange(2, 3).Draw(rt, "month")), rapid.IntRange(1, 28).Draw(rt, "day"), 12, 0, 0, 0, time.UTC),
					Value:     decimal.New(rapid.Int64Range(0, 5000).Draw(rt, "value"), -int32(rapid.IntRange(0, 3).Draw(rt, "exp"))),
				}
				switch e.Metric {
				case "users":
					e.Properties = map[string]string{"user": fmt.Sprintf("u%d", rapid.IntRange(0, 2*maxInlineDistinct).Draw(rt, "user"))}
				case "bytes":
					e.Properties = map[string]string{"bytes": fmt.Sprint(rapid.IntRange(0, 9).Draw(rt, "bytes"))}
				}
				if e.Customer != "stray" && e.Metric != "seats" && e.Metric != "plan" {
					records[e.Customer+e.Metric+e.Timestamp.Format("2006-01")] = true
				}
				batch[i] = e
			}
			if len(records) >= 2 {
				split++
			}
			halvesMin = 2
			got, err := a.Ingest(context.Background(), batch)
			if err != nil {
				rt.Fatal(err)
			}
			halvesMin = 1 << 30
			want, err := b.Ingest(context.Background(), batch)
			if err != nil {
				rt.Fatal(err)
			}
			for i := range want {
				if got[i] != want[i] {
					rt.Fatalf("round %d, event %d: %+v flushed in halves, %+v in one", round, i, got[i], want[i])
				}
			}
			for _, bucket := range [][]byte{bucketRollupMonths, bucketDistinct} {
				if diff := bucketDiff(a, b, bucket); diff != "" {
					rt.Fatalf("round %d, bucket %s: %s", round, bucket, diff)
				}
			}
		}
		if breaches, err := a.Check(context.Background(), nil); err != nil || len(breaches) > 0 {
			rt.Fatalf("check of the book flushed in halves: %v %v", breaches, err)
		}
	})
	// The property says nothing unless flushes merged in halves.
	if split == 0 {
		t.Fatal("no batch touched two month records")
	}
	t.Logf("%d batches flushed in halves", split)
}

// bucketDiff describes the first difference between bucket name in the two
// books, "" if they hold the same keys and values.
func bucketDiff(a, b *Book, name []byte) string {
	contents := func(bk *Book) (keys, values [][]byte) {
		bk.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(name).ForEach(func(k, v []byte) error {
				keys, values = append(keys, bytes.Clone(k)), append(values, bytes.Clone(v))
				return nil
			})
		})
		return keys, values
	}
	ka, va := contents(a)
	kb, vb := contents(b)
	for i := range min(len(ka), len(kb)) {
		if !bytes.Equal(ka[i], kb[i]) || !bytes.Equal(va[i], vb[i]) {
			return fmt.Sprintf("%q = %x beside %q = %x", ka[i], va[i], kb[i], vb[i])
		}
	}
	if len(ka) != len(kb) {
		return fmt.Sprintf("%d keys beside %d", len(ka), len(kb))
	}
	return ""
}
