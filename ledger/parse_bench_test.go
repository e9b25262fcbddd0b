//go:build unix

package ledger

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkParse1M is the parsing side of BenchmarkImport1M alone: the 1M
// line file read, parsed and prepared (parseJSONLStream, which calls
// prepare per batch) with a consumer that drops every batch, so no book is
// written. Run with -benchtime=1x -benchmem, a fresh process per run as an
// import is. Besides wall time it reports the process's CPU time
// (getrusage), which includes the garbage collector's work on the other
// core, the cost the writer shares, and its page faults: each fresh page of
// heap costs one (~13 µs on the project VM).
func BenchmarkParse1M(b *testing.B) {
	const n = 1_000_000
	file := benchFile(b, n)
	b.ReportAllocs()
	var el, cpu time.Duration
	var faults int64
	for i := 0; i < b.N; i++ {
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		cr := &countingReader{r: f}
		out := make(chan parsedBatch, 2)
		errc := make(chan error, 1)
		runtime.GC()
		start, cpu0, faults0 := time.Now(), cpuTime(b), minorFaults(b)
		go func() {
			defer close(out)
			errc <- parseJSONLStream(context.Background(), bufio.NewReaderSize(cr, 1<<20), file, parseBatch, cr, nil, out)
		}()
		events := 0
		for pb := range out {
			if pb.prep != nil {
				events += len(pb.prep.events)
			}
			if len(pb.rejects) > 0 {
				b.Fatalf("rejected %v", pb.rejects[0])
			}
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		el += time.Since(start)
		cpu += cpuTime(b) - cpu0
		faults += minorFaults(b) - faults0
		f.Close()
		if events != n {
			b.Fatalf("%d events, want %d", events, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/el.Seconds(), "events/s")
	b.ReportMetric(float64(el.Nanoseconds())/float64(n*b.N), "ns/event")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/1M-events")
	b.ReportMetric(float64(faults)/float64(b.N), "faults/1M-events")
}

// minorFaults is the number of page faults the process has had so far that
// needed no disk.
func minorFaults(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return int64(ru.Minflt)
}
