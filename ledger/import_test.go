package ledger

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

func importString(t *testing.T, b *Book, name, content string) (Summary, []Rejection) {
	t.Helper()
	var rej []Rejection
	sum, err := b.Import(context.Background(), []Source{{Name: name, R: strings.NewReader(content)}},
		ImportOptions{BatchSize: 2, Reject: func(r Rejection) { rej = append(rej, r) }})
	if err != nil {
		t.Fatal(err)
	}
	return sum, rej
}

func TestImportKeepsGoodLinesAroundBadOnes(t *testing.T) {
	for _, tc := range []struct {
		name, file, content string
		want                Summary
		rejectedLines       []int
	}{
		{"jsonl", "usage.jsonl", `{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00Z","value":2.5}
{"id":"2","customer":"acme","metric":"gb","timestamp":"yesterday"}

{"id":"3","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00Z","value":"1.5"}
not json at all
{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00Z","value":2.50}
{"id":"4","customer":"nobody","metric":"gb","timestamp":"2026-03-01T10:00:00Z"}
{"id":"5","customer":"acme","metric":"nope","timestamp":"2026-03-01T10:00:00Z"}
{"id":"6","customer":"acme","metric":"users","timestamp":"2026-03-01T10:00:00Z","properties":{"user":42}}
`, Summary{Accepted: 3, Duplicates: 1, Unattributed: 1, Rejected: 3}, []int{2, 5, 8}},
		{"csv", "usage.csv", `id,customer,metric,timestamp,value,property.user
1,acme,gb,2026-03-01T10:00:00Z,2.5,
2,acme,gb,2026-03-01T10:00:00Z,lots,
3,acme,gb,2026-03-01T10:00:00Z,1.5
4,acme,users,2026-03-01T10:00:00Z,,ann
1,acme,gb,2026-03-01T10:00:00Z,2.50,
"5,acme,gb,2026-03-01T10:00:00Z,,
`, Summary{Accepted: 2, Duplicates: 1, Rejected: 3}, []int{3, 4, 7}},
		{"stdin sniffed as csv", "-", "id,customer,metric,timestamp\n1,acme,calls,2026-03-01T10:00:00Z\n", Summary{Accepted: 1}, nil},
		{"stdin sniffed as jsonl", "-", `{"id":"1","customer":"acme","metric":"calls","timestamp":"2026-03-01T10:00:00Z"}`, Summary{Accepted: 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBook(t)
			setup(t, b)
			sum, rej := importString(t, b, tc.file, tc.content)
			if sum != tc.want {
				t.Errorf("summary %v, want %v", sum, tc.want)
			}
			var lines []int
			for _, r := range rej {
				if r.File != tc.file || r.Reason == "" {
					t.Errorf("rejection %+v lacks file or reason", r)
				}
				lines = append(lines, r.Line)
			}
			if fmt.Sprint(lines) != fmt.Sprint(tc.rejectedLines) {
				t.Errorf("rejected lines %v, want %v (%v)", lines, tc.rejectedLines, rej)
			}
		})
	}
}

// genEvents writes n distinct events over 50 customers and three metrics
// in March 2026 as JSON Lines, repeating about 2% of them, and returns the
// expected March totals per "customer/metric".
func genEvents(seed uint64, n int) ([]byte, map[string]decimal.Decimal) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var buf bytes.Buffer
	want := map[string]decimal.Decimal{}
	users := map[string]map[string]bool{}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var lines []string
	for i := 0; i < n; i++ {
		c := fmt.Sprintf("c%02d", rng.IntN(50))
		at := start.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))).Format(time.RFC3339)
		var line string
		switch i % 3 {
		case 0:
			line = fmt.Sprintf(`{"id":"e%07d","customer":"%s","metric":"calls","timestamp":"%s"}`, i, c, at)
			want[c+"/calls"] = want[c+"/calls"].Add(decimal.NewFromInt(1))
		case 1:
			v := decimal.New(rng.Int64N(100000), -3)
			line = fmt.Sprintf(`{"id":"e%07d","customer":"%s","metric":"gb","timestamp":"%s","value":%s}`, i, c, at, v)
			want[c+"/gb"] = want[c+"/gb"].Add(v)
		case 2:
			u := fmt.Sprintf("u%d", rng.IntN(300))
			line = fmt.Sprintf(`{"id":"e%07d","customer":"%s","metric":"users","timestamp":"%s","properties":{"user":"%s"}}`, i, c, at, u)
			if users[c] == nil {
				users[c] = map[string]bool{}
			}
			users[c][u] = true
		}
		lines = append(lines, line)
		if rng.IntN(50) == 0 {
			lines = append(lines, line)
		}
	}
	for c, set := range users {
		want[c+"/users"] = decimal.NewFromInt(int64(len(set)))
	}
	for _, l := range lines {
		buf.WriteString(l)
		buf.WriteByte('\n')
	}
	return buf.Bytes(), want
}

func setupGenerated(t testing.TB, b *Book) {
	t.Helper()
	for i := 0; i < 50; i++ {
		c := Customer{ID: fmt.Sprintf("c%02d", i), Name: "Customer", Currency: pricing.MustCurrency("EUR"), TimeZone: "UTC"}
		if err := b.AddCustomer(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []Metric{{Code: "calls", Aggregation: AggCount}, {Code: "gb", Aggregation: AggSum}, {Code: "users", Aggregation: AggUniqueCount, Property: "user"}} {
		if err := b.AddMetric(m); err != nil {
			t.Fatal(err)
		}
	}
}

// The child process of TestImportKilledMidway: import the file into the book.
func init() {
	if os.Getenv("MONTHEND_TEST_IMPORT_CHILD") != "1" {
		return
	}
	b, err := Open(os.Getenv("MONTHEND_TEST_BOOK"), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	f, err := os.Open(os.Getenv("MONTHEND_TEST_FILE"))
	if err != nil {
		os.Exit(3)
	}
	if _, err := b.Import(context.Background(), []Source{{Name: f.Name(), R: f}}, ImportOptions{BatchSize: 5000}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	b.Close()
	os.Exit(0)
}

func TestImportKilledMidway(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	bookPath, file := filepath.Join(dir, "book.db"), filepath.Join(dir, "usage.jsonl")
	data, want := genEvents(7, 150000)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := Open(bookPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	setupGenerated(t, b)
	b.Close()

	rng := rand.New(rand.NewPCG(42, 42))
	for round := 0; round < 4; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "MONTHEND_TEST_IMPORT_CHILD=1", "MONTHEND_TEST_BOOK="+bookPath, "MONTHEND_TEST_FILE="+file)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rng.IntN(700)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		t.Logf("round %d: child ended: %v %s", round, err, stderr.String())

		b, err := Open(bookPath, Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		mustCheck(t, b) // includes rollups == recount of raw events
		b.Close()
	}

	b, err = Open(bookPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var before int
	b.view(func(tx *bolt.Tx) (err error) { before, err = countEvents(tx.Bucket(bucketEvents)); return err })
	f, _ := os.Open(file)
	defer f.Close()
	sum, err := b.Import(context.Background(), []Source{{Name: file, R: f}}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustCheck(t, b)
	var after int
	b.view(func(tx *bolt.Tx) (err error) { after, err = countEvents(tx.Bucket(bucketEvents)); return err })
	t.Logf("after the kills %d of 150000 events were stored; the rerun: %v", before, sum)
	lines := bytes.Count(data, []byte("\n"))
	if after != 150000 || sum.Accepted != 150000-before || sum.Duplicates != lines-sum.Accepted || sum.Rejected != 0 || sum.Superseded != 0 {
		t.Errorf("rerun after %d stored: summary %v, %d stored; want every missing event accepted once and 150000 stored", before, sum, after)
	}
	for key, q := range want {
		c, m, _ := strings.Cut(key, "/")
		if got := total(t, b, c, m, "2026-03"); got != q.String() {
			t.Errorf("%s: %s, want %s", key, got, q)
		}
	}
}

// A transaction takes several of the parser's batches (ImportOptions.BatchSize
// above the parser's batch size): duplicates and corrections across the
// batches, and bad lines in several of them, come out as they would one
// event at a time; the rejections arrive in line order, progress once per
// transaction, and the totals are the model's.
func TestImportTransactionsSpanParsedBatches(t *testing.T) {
	b := newBook(t)
	setupGenerated(t, b)
	const n = 50000
	var buf bytes.Buffer
	want := map[string]decimal.Decimal{}
	line := func(i int, v decimal.Decimal) string {
		return fmt.Sprintf(`{"id":"e%d","customer":"c%02d","metric":"gb","timestamp":"2026-03-%02dT12:00:00Z","value":%s}`, i, i%50, 1+i%28, v)
	}
	value := func(i int) decimal.Decimal { return decimal.New(int64(i%7), -1) }
	bad := map[int]bool{100: true, 20000: true, 45000: true}
	var rejectedLines []int
	lineNo := 0
	write := func(s string) {
		lineNo++
		buf.WriteString(s + "\n")
	}
	for i := 0; i < n; i++ {
		if bad[i] {
			write("not json at all")
			rejectedLines = append(rejectedLines, lineNo)
		}
		if i == 7 || i == 20001 || i == 30001 { // rejected by the writer, between the parser's
			write(fmt.Sprintf(`{"id":"nope%d","customer":"c01","metric":"nope","timestamp":"2026-03-01T12:00:00Z"}`, i))
			rejectedLines = append(rejectedLines, lineNo)
		}
		write(line(i, value(i)))
		c := fmt.Sprintf("c%02d", i%50)
		want[c] = want[c].Add(value(i))
	}
	for _, i := range []int{5, 17000} { // duplicates, from other batches
		write(line(i, value(i)))
	}
	for _, i := range []int{10, 16390, 30000} { // corrections
		nv := value(i).Add(decimal.NewFromInt(1))
		write(line(i, nv))
		c := fmt.Sprintf("c%02d", i%50)
		want[c] = want[c].Add(decimal.NewFromInt(1))
	}
	write(`{"id":"late-bad","customer":"c01","metric":"nope","timestamp":"2026-03-01T12:00:00Z"}`)
	rejectedLines = append(rejectedLines, lineNo)

	var rej []Rejection
	var progress []ImportProgress
	sum, err := b.Import(context.Background(), []Source{{Name: "big.jsonl", R: &buf}}, ImportOptions{
		BatchSize: 20000,
		Reject:    func(r Rejection) { rej = append(rej, r) },
		Progress:  func(p ImportProgress) { progress = append(progress, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if w := (Summary{Accepted: n, Duplicates: 2, Superseded: 3, Rejected: 7}); sum != w {
		t.Errorf("summary %v, want %v", sum, w)
	}
	var lines []int
	for _, r := range rej {
		lines = append(lines, r.Line)
	}
	if fmt.Sprint(lines) != fmt.Sprint(rejectedLines) {
		t.Errorf("rejected lines %v, want %v", lines, rejectedLines)
	}
	// Batches of 16,384 then 20,000 events; a transaction commits once it
	// holds 20,000: 36,384, then 20,000 a time.
	if len(progress) < 2 || len(progress) > 4 {
		t.Errorf("%d progress reports for %d events in transactions of 20,000 or more", len(progress), n)
	}
	for i, p := range progress {
		if i > 0 && (p.Lines <= progress[i-1].Lines || p.Summary.Accepted < progress[i-1].Summary.Accepted) {
			t.Errorf("progress went back: %+v after %+v", p, progress[i-1])
		}
	}
	if last := progress[len(progress)-1]; last.Summary != sum || last.Lines != lineNo {
		t.Errorf("last progress %+v, want the summary %v at line %d", last, sum, lineNo)
	}
	for c, v := range want {
		if got := total(t, b, c, "gb", "2026-03"); got != v.String() {
			t.Errorf("%s gb %s, want %s", c, got, v)
		}
	}
}
