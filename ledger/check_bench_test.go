package ledger

import (
	"context"
	"runtime"
	"testing"
)

// BenchmarkCheck runs Check on the benchmark book of
// $MONTHEND_BENCH_EVENTS events (default 1M; BenchmarkMonthTotals's
// layout, built once and cached under $TMPDIR/monthend-bench), and reports
// the heap the Go runtime took from the system beside the time (a
// high-water mark: it seldom gives memory back, and a run that builds the
// book counts that too). Run with -benchtime=1x: at 20M events a check
// takes minutes. The figures for the whole command, RSS included, are in
// docs/performance.md ("Check's memory").
func BenchmarkCheck(b *testing.B) {
	path, n := benchBook(b, 1_000_000)
	bk, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer bk.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		br, err := bk.Check(context.Background(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(br) > 0 {
			b.Fatalf("%d breaches, the first %s", len(br), br[0])
		}
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MB")
	b.ReportMetric(float64(n), "events")
}
