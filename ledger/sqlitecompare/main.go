// Command sqlitecompare is the monthend half of the side-by-side with
// sqlite3 (run compare.sh, which drives both halves):
//
//	sqlitecompare gen -n 1000000 -dir DIR   writes DIR/events.jsonl and DIR/events.csv (the same events)
//	sqlitecompare monthend -dir DIR        imports events.jsonl into DIR/book.db and times March's totals
//
// The events: 5,000 customers (UTC), three metrics (api_calls count,
// storage_gb sum, active_users distinct "user"), spread over March and
// April 2026.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/ledger/hugeheap"
	"github.com/monthend/monthend/pricing"
)

const customers = 5000

func main() {
	hugeheap.Advise(hugeheap.ImportPeak) // as monthend's main does
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: sqlitecompare gen|monthend [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	n := fs.Int("n", 1_000_000, "events to generate")
	dir := fs.String("dir", ".", "folder for the files")
	fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(*n, *dir)
	case "monthend":
		err = runMonthend(*dir)
	default:
		err = fmt.Errorf("unknown sub-command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqlitecompare:", err)
		os.Exit(1)
	}
}

func gen(n int, dir string) error {
	jf, err := os.Create(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		return err
	}
	defer jf.Close()
	cf, err := os.Create(filepath.Join(dir, "events.csv"))
	if err != nil {
		return err
	}
	defer cf.Close()
	jw, cw := bufio.NewWriterSize(jf, 1<<20), bufio.NewWriterSize(cf, 1<<20)
	fmt.Fprintln(cw, "id,customer,metric,timestamp,value,user")
	rng := rand.New(rand.NewPCG(9, 9))
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%016x", rng.Uint64())
		c := fmt.Sprintf("cust-%04d", rng.IntN(customers))
		ts := start.Add(time.Duration(rng.Int64N(int64(61 * 24 * time.Hour)))).Format(time.RFC3339)
		switch i % 3 {
		case 0:
			fmt.Fprintf(jw, `{"id":"%s","customer":"%s","metric":"api_calls","timestamp":"%s"}`+"\n", id, c, ts)
			fmt.Fprintf(cw, "%s,%s,api_calls,%s,1,\n", id, c, ts)
		case 1:
			v := fmt.Sprintf("%d.%03d", rng.IntN(100), rng.IntN(1000))
			fmt.Fprintf(jw, `{"id":"%s","customer":"%s","metric":"storage_gb","timestamp":"%s","value":%s}`+"\n", id, c, ts, v)
			fmt.Fprintf(cw, "%s,%s,storage_gb,%s,%s,\n", id, c, ts, v)
		case 2:
			u := fmt.Sprintf("u%d", rng.IntN(200))
			fmt.Fprintf(jw, `{"id":"%s","customer":"%s","metric":"active_users","timestamp":"%s","properties":{"user":"%s"}}`+"\n", id, c, ts, u)
			fmt.Fprintf(cw, "%s,%s,active_users,%s,1,%s\n", id, c, ts, u)
		}
	}
	if err := jw.Flush(); err != nil {
		return err
	}
	return cw.Flush()
}

func runMonthend(dir string) error {
	path := filepath.Join(dir, "book.db")
	os.Remove(path)
	b, err := ledger.Open(path, ledger.Options{})
	if err != nil {
		return err
	}
	defer b.Close()
	for i := 0; i < customers; i++ {
		if err := b.AddCustomer(ledger.Customer{ID: fmt.Sprintf("cust-%04d", i), Name: "Customer",
			Currency: pricing.MustCurrency("EUR"), TimeZone: "UTC"}); err != nil {
			return err
		}
	}
	for _, m := range []ledger.Metric{{Code: "api_calls", Aggregation: ledger.AggCount}, {Code: "storage_gb", Aggregation: ledger.AggSum},
		{Code: "active_users", Aggregation: ledger.AggUniqueCount, Property: "user"}} {
		if err := b.AddMetric(m); err != nil {
			return err
		}
	}
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		return err
	}
	defer f.Close()
	t0 := time.Now()
	sum, err := b.Import(context.Background(), []ledger.Source{{Name: f.Name(), R: f}}, ledger.ImportOptions{})
	if err != nil {
		return err
	}
	imp := time.Since(t0)
	from, to, _ := ledger.Month("2026-03")
	var runs []time.Duration
	var tots []ledger.Total
	for i := 0; i < 5; i++ {
		t := time.Now()
		if tots, err = b.AllTotals(from, to); err != nil {
			return err
		}
		runs = append(runs, time.Since(t))
	}
	slices.Sort(runs)
	var events uint64
	for _, t := range tots {
		events += t.Events
	}
	fmt.Printf("monthend import: %.2f s (%s)\n", imp.Seconds(), sum)
	fmt.Printf("monthend month totals: %d rows over %d events, median of 5: %.1f ms\n", len(tots), events, float64(runs[2].Microseconds())/1000)
	fmt.Printf("MONTHEND_QUERY_MS=%.3f\n", float64(runs[2].Microseconds())/1000)
	return nil
}
