package ledger

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

// The benchmark data sets (docs/performance.md, "Ledger and ingestion"):
// 5,000 customers (aliases "cust-NNNN"), three metrics (api_calls count,
// storage_gb sum, active_users unique_count of "user"), events spread over
// March 2026 unless said otherwise.

const benchCustomers = 5000

// benchDir caches generated data sets between runs.
func benchDir(b *testing.B) string {
	dir := filepath.Join(os.TempDir(), "monthend-bench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	return dir
}

// setupBench adds the customers and metrics to a book.
func setupBench(b testing.TB, bk *Book) {
	for i := 0; i < benchCustomers; i++ {
		c := Customer{ID: fmt.Sprintf("cust-%04d", i), Name: "Customer", Currency: pricing.MustCurrency("EUR"), TimeZone: "Europe/Berlin"}
		if err := bk.AddCustomer(c); err != nil {
			b.Fatal(err)
		}
	}
	for _, m := range []Metric{{Code: "api_calls", Aggregation: AggCount}, {Code: "storage_gb", Aggregation: AggSum},
		{Code: "active_users", Aggregation: AggUniqueCount, Property: "user"}} {
		if err := bk.AddMetric(m); err != nil {
			b.Fatal(err)
		}
	}
}

// benchEvent is the i-th generated event: ids are random-looking (as UUIDs
// from many senders are), timestamps spread over `days` days from start.
func benchEvent(rng *rand.Rand, i int, start time.Time, days int) Event {
	e := Event{
		ID:        fmt.Sprintf("%016x-%d", rng.Uint64(), i),
		Customer:  "cust-" + strconv.Itoa(1000000 + rng.IntN(benchCustomers))[3:],
		Timestamp: start.Add(time.Duration(rng.Int64N(int64(days) * int64(24*time.Hour)))),
		Value:     decimal.NewFromInt(1),
	}
	switch i % 3 {
	case 0:
		e.Metric = "api_calls"
	case 1:
		e.Metric = "storage_gb"
		e.Value = decimal.New(rng.Int64N(100000), -3)
	case 2:
		e.Metric = "active_users"
		e.Properties = map[string]string{"user": "u" + strconv.Itoa(rng.IntN(200))}
	}
	return e
}

// writeBenchJSONL writes n events as JSON Lines, repeating 2% of them.
func writeBenchJSONL(w io.Writer, n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 3))
	bw := bufio.NewWriterSize(w, 1<<20)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var recent []Event
	for i := 0; i < n; i++ {
		var e Event
		if len(recent) > 100 && rng.IntN(50) == 0 {
			e = recent[rng.IntN(len(recent))] // a resend: 2% duplicates
		} else {
			e = benchEvent(rng, i, start, 31)
			if len(recent) < 1000 {
				recent = append(recent, e)
			} else {
				recent[rng.IntN(1000)] = e
			}
		}
		j := EventJSON{ID: e.ID, Customer: e.Customer, Metric: e.Metric, Timestamp: e.Timestamp.Format(time.RFC3339)}
		j.Value = json.RawMessage(e.Value.String())
		if e.Properties != nil {
			j.Properties = map[string]json.RawMessage{"user": json.RawMessage(strconv.Quote(e.Properties["user"]))}
		}
		line, _ := json.Marshal(j)
		bw.Write(line)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func benchFile(b *testing.B, n int) string {
	path := filepath.Join(benchDir(b), fmt.Sprintf("events-%d.jsonl", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	if err := writeBenchJSONL(f, n, 1); err != nil {
		b.Fatal(err)
	}
	f.Close()
	os.Rename(path+".tmp", path)
	return path
}

// benchBook is the path of the cached benchmark book of
// $MONTHEND_BENCH_EVENTS events (default n), built first if missing, and
// its number of events.
func benchBook(b *testing.B, n int) (string, int) {
	if s := os.Getenv("MONTHEND_BENCH_EVENTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	path := filepath.Join(benchDir(b), fmt.Sprintf("book-%d.db", n))
	if _, err := os.Stat(path); err != nil {
		buildBenchBook(b, path, n)
	}
	return path, n
}

// BenchmarkMonthTotals reads March totals for all 5,000 customers × 3
// metrics from a book of $MONTHEND_BENCH_EVENTS events (default 20M) over
// 12 months (2025-07 … 2026-06). The book is built once through Ingest and
// cached under $TMPDIR/monthend-bench: the first run takes ~13 minutes and
// 7.3 GB of disk on the project machine; later runs reuse it.
func BenchmarkMonthTotals(b *testing.B) {
	path, _ := benchBook(b, 20_000_000)
	bk, err := Open(path, Options{ReadOnly: true})
	if errors.Is(err, ErrOlderSchema) {
		// A book cached by an older monthend: one writable open migrates
		// it (schema 8 rewrites nothing, so this is quick).
		if bk, err = Open(path, Options{}); err == nil {
			err = bk.Close()
		}
		if err == nil {
			bk, err = Open(path, Options{ReadOnly: true})
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	defer bk.Close()
	from, to, _ := Month("2026-03")
	b.ResetTimer()
	var tots []Total
	for i := 0; i < b.N; i++ {
		tots, err = bk.AllTotals(from, to)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var events uint64
	for _, t := range tots {
		events += t.Events
	}
	b.ReportMetric(float64(len(tots)), "totals")
	b.ReportMetric(float64(events), "events-in-month")
}

func buildBenchBook(b *testing.B, path string, n int) {
	b.Logf("building a book of %d events at %s (once)", n, path)
	tmp := path + ".building"
	os.Remove(tmp)
	bk, err := Open(tmp, Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	setupBench(b, bk)
	rng := rand.New(rand.NewPCG(2, 2))
	start := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]Event, 0, 100000)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		batch = append(batch, benchEvent(rng, i, start, 365))
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := bk.Ingest(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
			if (i+1)%1_000_000 == 0 {
				b.Logf("  %d events, %v", i+1, time.Since(t0).Round(time.Second))
			}
		}
	}
	if err := bk.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEncodeEvent compares the stored event encoding (encoding.go)
// with encoding/json, which is why events are binary.
func BenchmarkEncodeEvent(b *testing.B) {
	se := StoredEvent{Event: benchEvent(rand.New(rand.NewPCG(1, 1)), 2, time.Now(), 1), CustomerID: "cust-0042",
		Day: pricing.MustDate("2026-03-05"), Received: time.Now()}
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for i := 0; i < b.N; i++ {
			buf = encodeEvent(buf[:0], &se)
			if _, err := decodeEvent(1, buf); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(buf)), "bytes")
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for i := 0; i < b.N; i++ {
			buf, err := json.Marshal(&se)
			if err != nil {
				b.Fatal(err)
			}
			var out StoredEvent
			if err := json.Unmarshal(buf, &out); err != nil {
				b.Fatal(err)
			}
			n = len(buf)
		}
		b.ReportMetric(float64(n), "bytes")
	})
}
