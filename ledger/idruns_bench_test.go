package ledger

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The merge policy's benchmarks at the scale of the 20M-event book. They
// build the index directly (random hashes, as event ids are), not through
// ingestion, and need ~2 GB in TMPDIR and minutes each:
//
//	go test ./ledger -run '^$' -bench 'IDRun|IDIndexLookup|IDIndexIngest' -benchtime=1x -count=3

const idBench20M = 20_000_000

// withMergeCap sets idRunMergeCap for the benchmark; 1<<62 is no cap, the
// rule before it (each run more than twice the next, whatever its size).
func withMergeCap(b *testing.B, c uint64) {
	old := idRunMergeCap
	idRunMergeCap = c
	b.Cleanup(func() { idRunMergeCap = old })
}

const noMergeCap = 1 << 62

// openIDBench opens a bbolt file as Open opens a book (map freelist, 1 GiB
// mapped up front, fsync on commit).
func openIDBench(b *testing.B) *bolt.DB {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "idruns.db"), 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType, InitialMmapSize: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketIDRuns)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// storeIDRuns writes runs of the given sizes with random hashes, without
// fsync, and returns every 1000th entry's hash (held by the index).
func storeIDRuns(b *testing.B, db *bolt.DB, r *rand.Rand, seq *uint64, sizes []uint64) (held []uint64) {
	db.NoSync = true
	defer func() { db.NoSync = false }()
	for _, n := range sizes {
		entries := make([]idEntry, n)
		for i := range entries {
			*seq++
			entries[i] = idEntry{r.Uint64(), *seq}
			if *seq%1000 == 0 {
				held = append(held, entries[i].h)
			}
		}
		err := db.Update(func(tx *bolt.Tx) error {
			bk := tx.Bucket(bucketIDRuns)
			id, err := bk.NextSequence()
			if err != nil {
				return err
			}
			return writeTestRun(bk, id, entries)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Sync(); err != nil {
		b.Fatal(err)
	}
	return held
}

// idRunSizesAfter applies the merge rule to total entries added in
// transactions of tx: the runs' sizes at the end, largest first; the bytes
// of every run written (idRunBytes; each entry's first write included);
// the largest run one transaction wrote; the most runs after any.
func idRunSizesAfter(total, tx uint64) (sizes []uint64, written, most uint64, mostRuns int) {
	for n := uint64(0); n < total; n += tx {
		var acc uint64
		sizes, _, acc = addIDRunSizes(sizes, tx)
		written += idRunBytes(acc)
		most = max(most, acc)
		mostRuns = max(mostRuns, len(sizes))
	}
	return sizes, written, most, mostRuns
}

// idRunBytes is what writing a run of n entries stores: the entries, the
// bloom filter and the fences.
func idRunBytes(n uint64) uint64 {
	return n*idEntrySize + bloomBlocksFor(n)*bloomBlockBytes + 8*((n+uint64(idRunChunk)-1)/uint64(idRunChunk))
}

// BenchmarkIDRunMergePolicy: what the merge rule does over 20M entries
// added in transactions of 500 to 50,000 (the sizes alone, through
// idRunsToMerge: no I/O): the bytes the merges write, the largest merge
// of one transaction, and the runs at the end and at most.
func BenchmarkIDRunMergePolicy(b *testing.B) {
	for _, c := range []struct {
		name string
		cap  uint64
	}{{"nocap", noMergeCap}, {"cap1M", 1 << 20}, {"cap2M", 2 << 20}, {"cap4M", 4 << 20}} {
		for _, tx := range []uint64{500, 5_000, 50_000, 250_000} {
			b.Run(fmt.Sprintf("%s/tx=%d", c.name, tx), func(b *testing.B) {
				withMergeCap(b, c.cap)
				var sizes []uint64
				var written, most uint64
				var mostRuns int
				for b.Loop() {
					sizes, written, most, mostRuns = idRunSizesAfter(idBench20M, tx)
				}
				b.ReportMetric(float64(written)/1e9, "GB-merged")
				b.ReportMetric(float64(written)/float64(idRunBytes(idBench20M)), "write-amp")
				b.ReportMetric(float64(most), "max-merge-entries")
				b.ReportMetric(float64(len(sizes)), "runs-at-20M")
				b.ReportMetric(float64(mostRuns), "max-runs")
			})
		}
	}
}

// BenchmarkIDRunWorstMerge times the write transaction (flush, then the
// commit with fsync; both reported too) that does the largest merge each
// rule allows at 20M entries: without a cap, the new run and runs of
// 5,000 … 10M entries into one of 20M; with the 2M cap, a merge up to the
// cap beside 18M entries in runs that no longer merge.
func BenchmarkIDRunWorstMerge(b *testing.B) {
	const tx = 5_000
	halves := func(top uint64) (s []uint64) { // top, top/2, …, down to tx
		for n := top; n >= tx; n /= 2 {
			s = append(s, n)
		}
		return s
	}
	for _, c := range []struct {
		name          string
		cap           uint64
		sealed, merge []uint64
	}{
		{"nocap/20M", noMergeCap, nil, halves(10_240_000)},
		{"cap2M/20M", 2 << 20, []uint64{2 << 20, 2 << 20, 2 << 20, 2 << 20, 2 << 20, 2 << 20, 2 << 20, 2 << 20, 1_700_000}, halves(1_040_000)},
	} {
		b.Run(c.name, func(b *testing.B) {
			withMergeCap(b, c.cap)
			db := openIDBench(b)
			r := rand.New(rand.NewPCG(5, 6))
			var seq uint64
			storeIDRuns(b, db, r, &seq, c.sealed)
			var merged uint64
			var flushed, committed time.Duration // until the flush, and the commit's end
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				storeIDRuns(b, db, r, &seq, c.merge)
				added := make([]idEntry, tx)
				for j := range added {
					seq++
					added[j] = idEntry{r.Uint64(), seq}
				}
				slices.SortFunc(added, compareIDEntries)
				b.StartTimer()
				start := time.Now()
				err := db.Update(func(tx *bolt.Tx) error {
					x := newIDIndex(tx.Bucket(bucketIDRuns))
					for _, e := range added {
						x.add(e.h, e.seq)
					}
					err := x.flush()
					flushed += time.Since(start)
					return err
				})
				b.StopTimer()
				committed += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				db.View(func(tx *bolt.Tx) error {
					runs, err := loadIDRuns(tx.Bucket(bucketIDRuns))
					if err != nil {
						b.Fatal(err)
					}
					merged = runs[len(runs)-1].n // the newest
					return nil
				})
				b.StartTimer()
			}
			b.ReportMetric(float64(merged), "merged-entries")
			// The flush is the merge's CPU work; the commit writes the pages
			// and waits for fsync, so it moves with the disk's other work.
			b.ReportMetric(float64(flushed.Milliseconds())/float64(b.N), "flush-ms")
			b.ReportMetric(float64((committed-flushed).Milliseconds())/float64(b.N), "commit-ms")
		})
	}
}

// BenchmarkIDIndexLookup: ns per lookup of hashes the index holds (hit)
// and of random ones (miss), in 20M entries kept as runs of the sizes each
// rule leaves after 20M entries in transactions of 5,000, and split into
// k equal runs. Each lookup asks every run's bloom filter.
func BenchmarkIDIndexLookup(b *testing.B) {
	equal := func(k uint64) []uint64 { return slices.Repeat([]uint64{idBench20M / k}, int(k)) }
	policy := func(c uint64) []uint64 {
		old := idRunMergeCap
		defer func() { idRunMergeCap = old }()
		idRunMergeCap = c
		s, _, _, _ := idRunSizesAfter(idBench20M, 5_000)
		return s
	}
	for _, c := range []struct {
		name  string
		sizes []uint64
	}{
		{"nocap", policy(noMergeCap)},
		{"cap2M", policy(2 << 20)},
		{"equal1", equal(1)},
		{"equal8", equal(8)},
		{"equal16", equal(16)},
		{"equal32", equal(32)},
	} {
		b.Run(c.name, func(b *testing.B) {
			db := openIDBench(b)
			r := rand.New(rand.NewPCG(7, 8))
			var seq uint64
			held := storeIDRuns(b, db, r, &seq, c.sizes)
			r.Shuffle(len(held), func(i, j int) { held[i], held[j] = held[j], held[i] })
			for _, kind := range []string{"hit", "miss"} {
				b.Run(kind, func(b *testing.B) {
					db.View(func(tx *bolt.Tx) error {
						x := newIDIndex(tx.Bucket(bucketIDRuns))
						var dst []uint64
						i := 0
						for b.Loop() {
							h := r.Uint64()
							if kind == "hit" {
								h = held[i%len(held)]
								i++
							}
							var err error
							if dst, err = x.lookup(h, dst[:0]); err != nil {
								b.Fatal(err)
							}
							if kind == "hit" && len(dst) == 0 {
								b.Fatal("held hash not found")
							}
						}
						b.ReportMetric(float64(len(x.runs)), "runs")
						return nil
					})
				})
			}
		})
	}
}

// BenchmarkIDIndexIngest adds 20M random entries in write transactions
// of 5,000 or 50,000 (fsync on each commit) and reports the slowest one,
// the bytes written to files (bbolt's pages, /proc/self/io) and the runs
// left.
func BenchmarkIDIndexIngest(b *testing.B) {
	for _, c := range []struct {
		name string
		cap  uint64
	}{{"nocap", noMergeCap}, {"cap2M", 2 << 20}} {
		for _, tx := range []int{5_000, 50_000} {
			b.Run(fmt.Sprintf("%s/tx=%d", c.name, tx), func(b *testing.B) {
				withMergeCap(b, c.cap)
				ingestIDBench(b, tx)
			})
		}
	}
}

// ingestIDBench is BenchmarkIDIndexIngest with transactions of tx.
func ingestIDBench(b *testing.B, tx int) {
	for b.Loop() {
		db := openIDBench(b)
		r := rand.New(rand.NewPCG(9, 10))
		var slowest time.Duration
		var seq uint64
		added := make([]idEntry, tx)
		before := procWchar(b)
		for n := 0; n < idBench20M; n += tx {
			for j := range added {
				seq++
				added[j] = idEntry{r.Uint64(), seq}
			}
			slices.SortFunc(added, compareIDEntries) // a batch adds in hash order
			start := time.Now()
			err := db.Update(func(tx *bolt.Tx) error {
				x := newIDIndex(tx.Bucket(bucketIDRuns))
				for _, e := range added {
					x.add(e.h, e.seq)
				}
				return x.flush()
			})
			if err != nil {
				b.Fatal(err)
			}
			slowest = max(slowest, time.Since(start))
		}
		written := procWchar(b) - before
		var runs int
		db.View(func(tx *bolt.Tx) error {
			rs, err := loadIDRuns(tx.Bucket(bucketIDRuns))
			runs = len(rs)
			return err
		})
		b.ReportMetric(float64(slowest.Milliseconds()), "slowest-tx-ms")
		b.ReportMetric(float64(written)/1e9, "GB-written")
		b.ReportMetric(float64(runs), "runs")
		db.Close()
	}
}

// procWchar is the bytes this process has written to files (Linux).
func procWchar(b *testing.B) uint64 {
	io, err := os.ReadFile("/proc/self/io")
	if err != nil {
		b.Skip("no /proc/self/io:", err)
	}
	for _, l := range strings.Split(string(io), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Skip("no wchar in /proc/self/io")
	return 0
}
