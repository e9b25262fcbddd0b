//go:build unix

package ledger

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkIngestCPU measures the writer's work alone: batches of 250,000
// generated events (the data set of BenchmarkImport1M, parsed and prepared
// beforehand) ingested one after another into one book, without fsync. It
// reports the process's CPU time per million events (getrusage), which
// other work on the machine moves far less than wall time. Run with
// -benchtime=4x: each iteration is the next batch, into a growing book.
func BenchmarkIngestCPU(b *testing.B) {
	const batch = 250_000
	rng := rand.New(rand.NewPCG(1, 3))
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	preps := make([]*prepared, b.N)
	for i := range preps {
		events := make([]Event, batch)
		for j := range events {
			events[j] = benchEvent(rng, i*batch+j, start, 31)
		}
		preps[i] = prepare(events)
	}
	bk, err := Open(filepath.Join(b.TempDir(), "book.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer bk.Close()
	setupBench(b, bk)
	runtime.GC()
	cpu0, faults0 := cpuTime(b), minorFaults(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := bk.ingestPrepared(preps[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N)*1e6/batch, "cpu-s/1M-events")
	b.ReportMetric(float64(minorFaults(b)-faults0)/float64(b.N)*1e6/batch, "faults/1M-events")
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImport1M imports 1,000,000 JSONL events (5,000 customers, three
// metrics, 2% duplicates) into a fresh book, with fsync on commit as in
// production. Run with -benchtime=1x. It reports the import's wall-clock
// rate, and its CPU time and page faults per million events.
func BenchmarkImport1M(b *testing.B) {
	benchImport(b, 1_000_000, setupBench)
}

// BenchmarkImportUnattributed imports the same 1M events into a fresh book
// that has the metrics but no customers: every event waits, unattributed,
// under its alias. Each transaction adds its events' keys to the
// unattributed list, which on a fresh book is one node until the commit
// splits it.
func BenchmarkImportUnattributed(b *testing.B) {
	benchImport(b, 1_000_000, func(b testing.TB, bk *Book) {
		for _, m := range []Metric{{Code: "api_calls", Aggregation: AggCount}, {Code: "storage_gb", Aggregation: AggSum},
			{Code: "active_users", Aggregation: AggUniqueCount, Property: "user"}} {
			if err := bk.AddMetric(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchImport(b *testing.B, n int, setup func(testing.TB, *Book)) {
	file := benchFile(b, n)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		bk, err := Open(filepath.Join(b.TempDir(), "book.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		setup(b, bk)
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.StartTimer()
		start, cpu0, faults0 := time.Now(), cpuTime(b), minorFaults(b)
		bs, _ := strconv.Atoi(os.Getenv("MONTHEND_BENCH_BATCH"))
		sum, err := bk.Import(context.Background(), []Source{{Name: file, R: f}}, ImportOptions{BatchSize: bs})
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		cpu, faults := cpuTime(b)-cpu0, minorFaults(b)-faults0
		b.StopTimer()
		f.Close()
		b.ReportMetric(float64(n)/el.Seconds(), "events/s")
		// CPU (user and system, both goroutines) and page faults: on a
		// shared machine they move far less than wall time.
		b.ReportMetric(cpu.Seconds()*1e6/float64(n), "cpu-s/1M-events")
		b.ReportMetric(float64(faults)*1e6/float64(n), "faults/1M-events")
		b.Logf("%s in %v", sum, el)
		bk.Close()
		b.StartTimer()
	}
}
