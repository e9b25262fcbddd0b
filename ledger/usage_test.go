package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monthend/monthend/pricing"
)

func TestIngestOutcomes(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	ingest(t, b, ev("e1", "acme", "calls", "2026-03-05T10:00:00Z", "1"))
	for _, tc := range []struct {
		name   string
		event  Event
		want   Outcome
		reason string
	}{
		{"new event", ev("e2", "acme", "calls", "2026-03-05T11:00:00Z", "1"), Accepted, ""},
		{"same id and content", ev("e1", "acme", "calls", "2026-03-05T10:00:00Z", "1.00"), Duplicate, ""},
		{"same id, new content", ev("e1", "acme", "calls", "2026-03-06T10:00:00Z", "1"), Superseded, ""},
		{"unknown alias", ev("e3", "acme-prod-7", "calls", "2026-03-05T10:00:00Z", "1"), Unattributed, ""},
		{"unknown metric", ev("e4", "acme", "nope", "2026-03-05T10:00:00Z", "1"), Rejected, "unknown metric"},
		{"no id", ev("", "acme", "calls", "2026-03-05T10:00:00Z", "1"), Rejected, "no id"},
		{"missing property", ev("e5", "acme", "users", "2026-03-05T10:00:00Z", "1"), Rejected, `property "user"`},
		{"property not a number", ev("e6", "acme", "bytes", "2026-03-05T10:00:00Z", "1", "bytes", "many"), Rejected, "not a number"},
		{"negative value", ev("e7", "acme", "gb", "2026-03-05T10:00:00Z", "-1"), Rejected, "negative"},
		{"timestamp out of range", ev("e8", "acme", "gb", "3000-03-05T10:00:00Z", "1"), Rejected, "1970"},
		{"absurd value", ev("e9", "acme", "gb", "2026-03-05T10:00:00Z", "1e300"), Rejected, "precision"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ingest(t, b, tc.event)[0]
			if r.Outcome != tc.want || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("got %v %q, want %v mentioning %q", r.Outcome, r.Reason, tc.want, tc.reason)
			}
		})
	}
	if got := total(t, b, "acme", "calls", "2026-03"); got != "2" {
		t.Errorf("calls = %s, want 2 (e1 once, e2)", got)
	}
}

func TestDuplicatesWithinAndAcrossBatchesCountOnce(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	e := ev("e1", "acme", "gb", "2026-03-05T10:00:00Z", "2.5")
	res := ingest(t, b, e, e, ev("e2", "acme", "gb", "2026-03-05T10:00:00Z", "1"))
	if res[0].Outcome != Accepted || res[1].Outcome != Duplicate || res[2].Outcome != Accepted {
		t.Fatalf("outcomes %v %v %v", res[0].Outcome, res[1].Outcome, res[2].Outcome)
	}
	if r := ingest(t, b, e)[0]; r.Outcome != Duplicate {
		t.Errorf("repeat in a later batch: %v", r.Outcome)
	}
	if got := total(t, b, "acme", "gb", "2026-03"); got != "3.5" {
		t.Errorf("gb = %s, want 3.5", got)
	}
}

func TestDuplicateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.db")
	b, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	setup(t, b)
	e := ev("e1", "acme", "gb", "2026-03-05T10:00:00Z", "2")
	ingest(t, b, e)
	b.Close()
	b, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if r := ingest(t, b, e)[0]; r.Outcome != Duplicate {
		t.Errorf("after reopening: %v, want duplicate", r.Outcome)
	}
	if got := total(t, b, "acme", "gb", "2026-03"); got != "2" {
		t.Errorf("gb = %s, want 2", got)
	}
	mustCheck(t, b)
}

func TestSupersedeMovesRollups(t *testing.T) {
	for _, tc := range []struct {
		name, metric string
		first        []Event
		correction   Event
		before       string
		after        string
	}{
		{"sum moves to the new value", "gb",
			[]Event{ev("a", "acme", "gb", "2026-03-05T10:00:00Z", "5"), ev("b", "acme", "gb", "2026-03-05T11:00:00Z", "2")},
			ev("a", "acme", "gb", "2026-03-05T10:00:00Z", "1"), "7", "3"},
		{"sum moves to another month", "gb",
			[]Event{ev("a", "acme", "gb", "2026-03-05T10:00:00Z", "5")},
			ev("a", "acme", "gb", "2026-04-05T10:00:00Z", "5"), "5", "0"},
		{"max recomputed when the max is corrected down", "seats",
			[]Event{ev("a", "acme", "seats", "2026-03-05T10:00:00Z", "50"), ev("b", "acme", "seats", "2026-03-05T11:00:00Z", "20")},
			ev("a", "acme", "seats", "2026-03-05T10:00:00Z", "10"), "50", "20"},
		{"latest recomputed when the latest is moved earlier", "plan",
			[]Event{ev("a", "acme", "plan", "2026-03-05T10:00:00Z", "3"), ev("b", "acme", "plan", "2026-03-05T12:00:00Z", "4")},
			ev("b", "acme", "plan", "2026-03-05T09:00:00Z", "4"), "4", "3"},
		{"unique value replaced", "users",
			[]Event{ev("a", "acme", "users", "2026-03-05T10:00:00Z", "1", "user", "u1"), ev("b", "acme", "users", "2026-03-06T10:00:00Z", "1", "user", "u1")},
			ev("b", "acme", "users", "2026-03-06T10:00:00Z", "1", "user", "u2"), "1", "2"},
		{"attributed event corrected to an unknown alias", "gb",
			[]Event{ev("a", "acme", "gb", "2026-03-05T10:00:00Z", "5")},
			ev("a", "typo", "gb", "2026-03-05T10:00:00Z", "5"), "5", "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBook(t)
			setup(t, b)
			ingest(t, b, tc.first...)
			if got := total(t, b, "acme", tc.metric, "2026-03"); got != tc.before {
				t.Fatalf("before: %s, want %s", got, tc.before)
			}
			if r := ingest(t, b, tc.correction)[0]; r.Outcome != Superseded {
				t.Fatalf("correction: %v", r.Outcome)
			}
			if got := total(t, b, "acme", tc.metric, "2026-03"); got != tc.after {
				t.Errorf("after: %s, want %s", got, tc.after)
			}
			trail, err := b.Audit(0)
			if err != nil {
				t.Fatal(err)
			}
			last := trail[len(trail)-2] // the supersede record precedes the batch record
			if last.Action != "usage.supersede" || last.Before == "" || last.After == "" || last.Before == last.After {
				t.Errorf("audit record %+v does not keep both versions", last)
			}
		})
	}
}

func TestUniqueCountIsExactOverThePeriod(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	ingest(t, b,
		ev("1", "acme", "users", "2026-03-01T10:00:00Z", "1", "user", "ann"),
		ev("2", "acme", "users", "2026-03-01T11:00:00Z", "1", "user", "bob"),
		ev("3", "acme", "users", "2026-03-02T10:00:00Z", "1", "user", "ann"),
		ev("4", "acme", "users", "2026-03-03T10:00:00Z", "1", "user", "cid"),
		ev("5", "acme", "users", "2026-04-01T10:00:00Z", "1", "user", "dan"),
	)
	// Daily distinct counts are 2, 1, 1 (sum 4); the month's union is 3.
	if got := total(t, b, "acme", "users", "2026-03"); got != "3" {
		t.Errorf("unique users in March = %s, want 3", got)
	}
}

func TestDayIsTheCustomersDay(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	// 23:30 UTC on 31 March is 1 April in Berlin but still 31 March in New York.
	ingest(t, b,
		ev("a", "acme", "calls", "2026-03-31T23:30:00Z", "1"),
		ev("g", "globex", "calls", "2026-03-31T23:30:00Z", "1"))
	for _, tc := range []struct{ customer, march, april string }{{"acme", "0", "1"}, {"globex", "1", "0"}} {
		if m, a := total(t, b, tc.customer, "calls", "2026-03"), total(t, b, tc.customer, "calls", "2026-04"); m != tc.march || a != tc.april {
			t.Errorf("%s: March %s April %s, want %s %s", tc.customer, m, a, tc.march, tc.april)
		}
	}
}

func TestMapAliasAttributesRetroactively(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	ingest(t, b,
		ev("1", "acme-eu", "gb", "2026-03-01T10:00:00Z", "2"),
		ev("2", "acme-eu", "gb", "2026-03-02T10:00:00Z", "3"),
		ev("3", "stranger", "gb", "2026-03-02T10:00:00Z", "7"))
	un, err := b.Unattributed()
	if err != nil {
		t.Fatal(err)
	}
	want := []UnattributedAlias{
		{Alias: "acme-eu", Events: 2, FirstSeen: ts("2026-03-01T10:00:00Z"), LastSeen: ts("2026-03-02T10:00:00Z")},
		{Alias: "stranger", Events: 1, FirstSeen: ts("2026-03-02T10:00:00Z"), LastSeen: ts("2026-03-02T10:00:00Z")},
	}
	if !slices.EqualFunc(un, want, func(a, b UnattributedAlias) bool {
		return a.Alias == b.Alias && a.Events == b.Events && a.FirstSeen.Equal(b.FirstSeen) && a.LastSeen.Equal(b.LastSeen)
	}) {
		t.Fatalf("unattributed = %+v, want %+v", un, want)
	}
	n, err := b.MapAlias("acme-eu", "acme")
	if err != nil || n != 2 {
		t.Fatalf("MapAlias = %d, %v", n, err)
	}
	if got := total(t, b, "acme", "gb", "2026-03"); got != "5" {
		t.Errorf("acme gb = %s, want 5", got)
	}
	if _, err := b.MapAlias("acme-eu", "globex"); !errors.Is(err, ErrExists) {
		t.Errorf("mapping a taken alias: %v, want ErrExists", err)
	}
	if r := ingest(t, b, ev("4", "acme-eu", "gb", "2026-03-03T10:00:00Z", "1"))[0]; r.Outcome != Accepted {
		t.Errorf("after mapping: %v", r.Outcome)
	}
	un, _ = b.Unattributed()
	if len(un) != 1 || un[0].Alias != "stranger" {
		t.Errorf("unattributed after mapping = %v", un)
	}
}

func TestLateEventsAreFlagged(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	// Ingest first, so that what ingestion caches about acme must be
	// forgotten when the issued-through day moves.
	ingest(t, b, ev("warm", "acme", "calls", "2026-04-02T12:00:00Z", "1"))
	if err := b.SetIssuedThrough("acme", pricing.MustDate("2026-03-31")); err != nil {
		t.Fatal(err)
	}
	res := ingest(t, b,
		ev("late", "acme", "calls", "2026-03-31T12:00:00Z", "1"),
		ev("ontime", "acme", "calls", "2026-04-01T12:00:00Z", "1"),
		ev("waiting", "acme-eu", "calls", "2026-03-10T12:00:00Z", "1"))
	if !res[0].Late || res[1].Late || res[2].Late {
		t.Errorf("late flags %v %v %v, want true false false", res[0].Late, res[1].Late, res[2].Late)
	}
	if _, err := b.MapAlias("acme-eu", "acme"); err != nil {
		t.Fatal(err)
	}
	e, err := b.Event("waiting")
	if err != nil || !e.Late {
		t.Errorf("event attributed after issue: late=%v, %v", e.Late, err)
	}
	from, to, _ := Month("2026-03")
	tots, _ := b.Totals("acme", from, to)
	for _, x := range tots {
		if x.Metric == "calls" && (x.Events != 2 || x.LateEvents != 2) {
			t.Errorf("March calls: %d events, %d late; want 2, 2", x.Events, x.LateEvents)
		}
	}
}

func TestLockedBookFailsFastAndReadOnlyOpensBeside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.db")
	w, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	setup(t, w)
	ingest(t, w, ev("1", "acme", "gb", "2026-03-01T10:00:00Z", "2"))
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("book mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}

	_, err = Open(path, Options{LockTimeout: 100e6})
	if !errors.Is(err, ErrBookLocked) || !strings.Contains(err.Error(), "--read-only") || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second writer: %v; want ErrBookLocked saying what to do", err)
	}
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only beside the writer: %v", err)
	}
	defer r.Close()
	if got := total(t, r, "acme", "gb", "2026-03"); got != "2" {
		t.Errorf("read-only sees gb = %s, want 2", got)
	}
	if _, err := r.Ingest(context.Background(), []Event{ev("2", "acme", "gb", "2026-03-01T10:00:00Z", "2")}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("write on a read-only book: %v", err)
	}
	mustCheck(t, r)
}

func TestBackupWhileInUse(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	ingest(t, b, ev("1", "acme", "gb", "2026-03-01T10:00:00Z", "2"))
	dst := filepath.Join(t.TempDir(), "copy.db")
	if _, err := b.Backup(dst); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustCheck(t, c)
	if got := total(t, c, "acme", "gb", "2026-03"); got != "2" {
		t.Errorf("backup gb = %s, want 2", got)
	}
}

func TestAPIKeys(t *testing.T) {
	b := newBook(t)
	k, text, err := b.CreateAPIKey("billing-pipeline")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(k.Hash, text) || k.Hash == "" {
		t.Fatal("the key must be stored hashed")
	}
	for _, tc := range []struct {
		name string
		text string
		ok   bool
	}{
		{"the key", text, true},
		{"wrong secret", flipLast(text), false},
		{"garbage", "hello", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.VerifyAPIKey(tc.text)
			if (err == nil) != tc.ok {
				t.Errorf("verify: %v, want ok=%v", err, tc.ok)
			}
		})
	}
	if err := b.RevokeAPIKey(k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.VerifyAPIKey(text); !errors.Is(err, ErrBadAPIKey) {
		t.Errorf("revoked key verified: %v", err)
	}
}

func flipLast(s string) string {
	if strings.HasSuffix(s, "0") {
		return s[:len(s)-1] + "1"
	}
	return s[:len(s)-1] + "0"
}

// TestIngestSharedCountsOnceAcrossConcurrentCallers: callers sharing
// transactions (group commit) still count every id once.
func TestIngestSharedCountsOnceAcrossConcurrentCallers(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sum Summary
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var batch []Event
			for i := 0; i < 50; i++ {
				batch = append(batch, ev(fmt.Sprintf("common-%d", i), "acme", "calls", "2026-03-05T10:00:00Z", "1"),
					ev(fmt.Sprintf("own-%d-%d", g, i), "acme", "calls", "2026-03-05T10:00:00Z", "1"))
			}
			res, err := b.IngestShared(context.Background(), batch)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			for _, r := range res {
				sum.Add(r)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if sum.Accepted != 50+8*50 || sum.Duplicates != 7*50 {
		t.Errorf("summary %v, want 450 accepted and 350 duplicates", sum)
	}
	if got := total(t, b, "acme", "calls", "2026-03"); got != "450" {
		t.Errorf("calls = %s, want 450", got)
	}
}

// First and last seen are the events' own timestamps, whatever order they
// arrived in, and follow a correction that moves an event's time.
func TestUnattributedFirstAndLastSeen(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	ingest(t, b,
		ev("mid", "acme-eu", "gb", "2026-03-10T10:00:00Z", "1"),
		ev("late", "acme-eu", "gb", "2026-03-20T10:00:00Z", "1"),
		ev("early", "acme-eu", "gb", "2026-02-27T23:00:00Z", "1"))
	check := func(step, first, last string) {
		t.Helper()
		un, err := b.Unattributed()
		if err != nil {
			t.Fatal(err)
		}
		if len(un) != 1 || un[0].Events != 3 || !un[0].FirstSeen.Equal(ts(first)) || !un[0].LastSeen.Equal(ts(last)) {
			t.Errorf("%s: %+v, want 3 events from %s to %s", step, un, first, last)
		}
	}
	check("arrived out of order", "2026-02-27T23:00:00Z", "2026-03-20T10:00:00Z")
	ingest(t, b, ev("late", "acme-eu", "gb", "2026-03-25T08:00:00Z", "1")) // a correction
	check("after a correction", "2026-02-27T23:00:00Z", "2026-03-25T08:00:00Z")
}

// The writer encodes events from the parts prepare made; the result must be
// byte for byte what encodeEvent makes, which Check and every reader decode.
func TestEncodeEventParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 300; i++ {
		e := benchEvent(rng, i, start, 31)
		if i%7 == 0 {
			e.Properties = map[string]string{"b": "2", "a": "x", "c": strconv.Itoa(i)}
		}
		se := StoredEvent{Event: e, CustomerID: "cust-" + strconv.Itoa(i), Day: pricing.DateOf(e.Timestamp, time.UTC),
			Late: i%5 == 0, Received: start.Add(time.Duration(i) * time.Second), seq: uint64(i + 1)}
		enc, head, mid := eventParts(nil, &e)
		got := encodeEventParts(nil, &se, enc[:head], enc[head:mid], enc[mid:])
		if want := encodeEvent(nil, &se); !bytes.Equal(got, want) {
			t.Fatalf("event %d: parts give %x, encodeEvent %x", i, got, want)
		}
	}
}

// Batches that share a transaction share one writer: rollups, distinct
// values, max and latest touched by several batches of a round, and
// corrections of an id another batch of the round stored, still equal a
// recount (Check, when the test ends).
func TestIngestSharedRoundsKeepRollupsExact(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 5; round++ {
				var batch []Event
				for i := 0; i < 40; i++ {
					alias := []string{"acme", "globex"}[(g+i)%2]
					at := fmt.Sprintf("2026-03-%02dT%02d:00:00Z", 1+i%3, (g+round)%24)
					v := strconv.Itoa(1 + (g*7+i+round)%13)
					id := fmt.Sprintf("shared-%d", i) // the same ids from every caller: corrections
					switch i % 4 {
					case 0:
						batch = append(batch, ev(id, alias, "seats", at, v))
					case 1:
						batch = append(batch, ev(id, alias, "plan", at, v))
					case 2:
						batch = append(batch, ev(id, alias, "users", at, "1", "user", "u"+v))
					case 3:
						batch = append(batch, ev(fmt.Sprintf("own-%d-%d-%d", g, round, i), alias, "gb", at, v))
					}
				}
				if _, err := b.IngestShared(context.Background(), batch); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := total(t, b, "acme", "gb", "2026-03"); got == "0" {
		t.Errorf("gb = %s", got)
	}
}
