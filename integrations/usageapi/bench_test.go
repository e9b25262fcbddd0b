package usageapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// BenchmarkHTTPIngest posts 200,000 events in batches of 500 from four
// (default) concurrent local clients to a server over loopback TCP, into a book with
// 5,000 customers, fsync on commit. $MONTHEND_BENCH_CLIENTS sets the number
// of clients. Besides events/s it reports cpu-s/1M-events: the process's CPU
// time (getrusage: clients, handlers and writer) over the timed part, per
// million events, which other work on the machine moves far less than wall
// time. Run with -benchtime=1x.
func BenchmarkHTTPIngest(b *testing.B) {
	const (
		total     = 200_000
		batchSize = 500
	)
	clients := 4
	if n, err := strconv.Atoi(os.Getenv("MONTHEND_BENCH_CLIENTS")); err == nil && n > 0 {
		clients = n
	}
	// Pre-encode the request bodies so the clients cost little.
	bodies := make([][]byte, 0, total/batchSize)
	for r := 0; r < total/batchSize; r++ {
		var buf bytes.Buffer
		buf.WriteString(`{"events":[`)
		for i := 0; i < batchSize; i++ {
			n := r*batchSize + i
			if i > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"id":"%08x-%d","customer":"cust-%04d","metric":"api_calls","timestamp":"2026-03-%02dT%02d:00:00Z","value":1}`,
				uint32(n*2654435761), n, n%5000, 1+n%28, n%24)
		}
		buf.WriteString(`]}`)
		bodies = append(bodies, buf.Bytes())
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "book.db")
		setup, err := ledger.Open(path, ledger.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		for c := 0; c < 5000; c++ {
			if err := setup.AddCustomer(ledger.Customer{ID: fmt.Sprintf("cust-%04d", c), Name: "C", Currency: pricing.MustCurrency("EUR"), TimeZone: "UTC"}); err != nil {
				b.Fatal(err)
			}
		}
		setup.AddMetric(ledger.Metric{Code: "api_calls", Aggregation: ledger.AggCount})
		_, key, _ := setup.CreateAPIKey("bench")
		setup.Close()
		book, err := ledger.Open(path, ledger.Options{})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(New(book, Options{}))
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
		var next atomic.Int64
		var wg sync.WaitGroup
		var failed atomic.Int64
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime(b)
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					r := next.Add(1) - 1
					if r >= int64(len(bodies)) {
						return
					}
					req, _ := http.NewRequest("POST", srv.URL+"/v1/usage/events", bytes.NewReader(bodies[r]))
					req.Header.Set("Authorization", "Bearer "+key)
					resp, err := client.Do(req)
					if err != nil || resp.StatusCode != 200 {
						failed.Add(1)
						if resp != nil {
							resp.Body.Close()
						}
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		el, cpu := time.Since(start), cpuTime(b)-cpu0
		b.StopTimer()
		if failed.Load() > 0 {
			b.Fatalf("%d requests failed", failed.Load())
		}
		b.ReportMetric(total/el.Seconds(), "events/s")
		b.ReportMetric(cpu.Seconds()*1e6/total, "cpu-s/1M-events")
		srv.Close()
		book.Close()
		b.StartTimer()
	}
}

// BenchmarkParseBatch reads one request body of 500 events (the shape of
// BenchmarkHTTPIngest) into ledger events: readNative (ledger.BatchParser,
// reused as the server reuses it), the scanner into EventJSONs that came
// before it (ledger.FastEventBatchJSON, then EventJSON.Event), and the
// encoding/json path (decode into a RawMessage, then one Unmarshal into
// EventJSONs).
func BenchmarkParseBatch(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"events":[`)
	for n := 0; n < 500; n++ {
		if n > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"id":"%08x-%d","customer":"cust-%04d","metric":"api_calls","timestamp":"2026-03-%02dT%02d:00:00Z","value":1}`,
			uint32(n*2654435761), n, n%5000, 1+n%28, n%24)
	}
	buf.WriteString(`]}`)
	body := buf.Bytes()
	b.Run("batch-parser", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if events, errs, fail := readNative(body); errs != nil || fail != nil || len(events) != 500 {
				b.Fatal("batch not read")
			}
		}
	})
	b.Run("scanner", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			js, ok := ledger.FastEventBatchJSON(body)
			if !ok {
				b.Fatal("scanner refused the batch")
			}
			events := make([]ledger.Event, len(js))
			for k := range js {
				var err error
				if events[k], err = js[k].Event(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if events, errs, fail := readNativeJSON(body, true); errs != nil || fail != nil || len(events) != 500 {
				b.Fatal("batch not read")
			}
		}
	})
}

// BenchmarkWriteResponse writes the answer to a batch of 500 accepted
// events: appendResponse into a reused buffer, and json.Encoder as before.
func BenchmarkWriteResponse(b *testing.B) {
	out := Response{Results: make([]ledger.Result, 500), Summary: summaryJSON{Accepted: 500}}
	for n := range out.Results {
		out.Results[n] = ledger.Result{ID: fmt.Sprintf("%08x-%d", uint32(n*2654435761), n), Outcome: ledger.Accepted}
	}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for i := 0; i < b.N; i++ {
			buf = appendResponse(buf[:0], &out)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			json.NewEncoder(io.Discard).Encode(out)
		}
	})
}
