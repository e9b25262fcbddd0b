package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// plannedQuiet plans a forced recalculation of period and reports, per
// schedule, whether its late-usage check is to be skipped.
func plannedQuiet(t *testing.T, b *Book, period string) map[string]bool {
	t.Helper()
	jobs, err := b.planRecalc(period, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, j := range jobs {
		out[j.schedule.ID] = j.lateKnownQuiet != nil
	}
	return out
}

// acmeBilling gives b's customer acme the active schedule acmeSchedule,
// with March usage of n calls.
func acmeBilling(t *testing.T, b *Book, n int) {
	t.Helper()
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	ingest(t, b, calls("mar", n, "2026-03-02T10:00:00Z")...)
}

// issueOne issues invoice id, which must issue.
func issueOne(t *testing.T, b *Book, id string) {
	t.Helper()
	if res, err := b.Issue([]string{id}); err != nil || !res[0].Issued {
		t.Fatalf("issue %s: %+v %v", id, res, err)
	}
}

// The late-usage check is skipped only while nothing it reads has moved:
// usage of the draft's own month does not wake it, late usage for an
// issued month does, and so does issuing.
func TestLateCheckSkippedWhileNothingEarlierMoves(t *testing.T) {
	b := newBook(t)
	acmeBilling(t, b, 2)
	recalc(t, b, "2026-04")
	issueOne(t, b, "acme-2026:2026-04")
	if plannedQuiet(t, b, "2026-05")["acme-2026"] {
		t.Fatal("May was never priced, yet its late check is to be skipped")
	}
	recalc(t, b, "2026-05")
	if !plannedQuiet(t, b, "2026-05")["acme-2026"] {
		t.Fatal("nothing moved since May was priced, yet its late check is not skipped")
	}
	// April usage (what May bills) moves: May is stale, its late check
	// still need not run.
	ingest(t, b, calls("apr", 3, "2026-04-10T10:00:00Z")...)
	if !plannedQuiet(t, b, "2026-05")["acme-2026"] {
		t.Error("usage of the draft's own period woke the late check")
	}
	if res := recalc(t, b, "2026-05"); res["acme-2026:2026-05"].Outcome != RecalcUpdated {
		t.Errorf("May after April usage: %+v", res["acme-2026:2026-05"])
	}
	// Late March usage: the check must run, and bills it.
	ingest(t, b, calls("late", 5, "2026-03-20T10:00:00Z")...)
	if plannedQuiet(t, b, "2026-05")["acme-2026"] {
		t.Fatal("late usage for issued March arrived, yet May's late check is to be skipped")
	}
	if _, err := b.RecalcWith(context.Background(), "2026-05", RecalcOptions{Force: true}, nil); err != nil {
		t.Fatal(err)
	}
	may, err := b.Invoice("acme-2026:2026-05")
	if err != nil {
		t.Fatal(err)
	}
	if got := lateLines(may); got.String() != "2.5" {
		t.Errorf("May bills late usage %s, want 2.5", got)
	}
	// A check that billed something is not quiet: the next forced run
	// checks again, and finds the same.
	if plannedQuiet(t, b, "2026-05")["acme-2026"] {
		t.Error("a draft billing late usage is marked quiet")
	}
	if res, err := b.RecalcWith(context.Background(), "2026-05", RecalcOptions{Force: true}, nil); err != nil || res[0].Outcome != RecalcUnchanged {
		t.Errorf("forced again: %+v %v", res, err)
	}
	mustCheck(t, b)
}

// Property: whenever the plan skips a draft's late-usage check, running
// the check finds nothing — over random sequences of usage (in the draft's
// month and in issued ones), recalculations, forced or not, and issues.
func TestPropLateCheckSkipIsSound(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			b := newBook(t)
			acmeBilling(t, b, 0)
			months := []string{"2026-03", "2026-04", "2026-05", "2026-06", "2026-07"}
			open := 1 // index of the month whose draft is open (it bills months[open-1])
			skips := 0
			for step := range 40 {
				period := months[open]
				switch op := rng.IntN(6); {
				case op < 3: // usage in a random month up to the one the draft bills
					m := months[rng.IntN(open)]
					ingest(t, b, calls(fmt.Sprintf("s%d", step), 1+rng.IntN(4), m+"-15T10:00:00Z")...)
				case op == 3:
					if _, err := b.RecalcWith(context.Background(), period, RecalcOptions{Force: rng.IntN(2) == 0}, nil); err != nil {
						t.Fatal(err)
					}
				case op == 4 && open < len(months)-1:
					recalc(t, b, period)
					issueOne(t, b, "acme-2026:"+period)
					open++
				default:
					recalc(t, b, period)
				}
				jobs, err := b.planRecalc(months[open], nil, true)
				if err != nil {
					t.Fatal(err)
				}
				for _, j := range jobs {
					if j.lateKnownQuiet == nil {
						continue
					}
					skips++
					if err := j.load(b, months[open], true); err != nil {
						t.Fatal(err)
					}
					cal := j.schedule.Schedule.Calendar()
					index, err := cal.ParsePeriodRef(months[open])
					if err != nil {
						t.Fatal(err)
					}
					got, err := j.lateAdjustments(b, index, &bookUsage{book: b, customer: j.customer.ID})
					if err != nil {
						t.Fatal(err)
					}
					if !got.quiet || len(got.adjs) != 0 {
						t.Fatalf("step %d: %s's late check planned as skipped, but it finds %d adjustments (quiet %v)",
							step, months[open], len(got.adjs), got.quiet)
					}
				}
			}
			if skips == 0 {
				t.Error("no step skipped a late check: the property was never exercised")
			}
			mustCheck(t, b)
		})
	}
}

// Check finds a summary that lets recalc skip a late-usage check that would
// find late usage.
func TestCheckFindsAFalseQuietLateCheck(t *testing.T) {
	// Not newBook: its clean-up checks the book this test breaks.
	b, err := Open(filepath.Join(t.TempDir(), "book.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	acmeBilling(t, b, 2)
	recalc(t, b, "2026-04")
	issueOne(t, b, "acme-2026:2026-04")
	recalc(t, b, "2026-05")
	ingest(t, b, calls("late", 5, "2026-03-20T10:00:00Z")...)
	mustCheck(t, b) // sound so far: the late usage woke the check
	// Pretend May was checked after the late usage arrived, still quiet.
	err = b.update(func(tx *bolt.Tx) error {
		s, _, err := getSummary(tx, "acme-2026:2026-05")
		if err != nil {
			return err
		}
		if !s.LateQuiet {
			return fmt.Errorf("May's summary is not quiet: %+v", s.freshness)
		}
		s.Checked = changeCount(tx, "acme")
		return putSummary(tx, &s)
	})
	if err != nil {
		t.Fatal(err)
	}
	wantBreach(t, b, "skip the late-usage check")
}
