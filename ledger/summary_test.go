package ledger

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// sameRows fails unless the summary rows are the full rows without their
// detail: same ids, order, figures, previous invoices, changes, flags and
// staleness.
func sameRows(t *testing.T, b *Book, label string) []InvoiceRow {
	t.Helper()
	full, err := b.MonthOverMonth(label, DefaultThresholds)
	if err != nil {
		t.Fatal(err)
	}
	brief, err := b.SummaryRows(label, DefaultThresholds)
	if err != nil {
		t.Fatal(err)
	}
	if len(full) != len(brief) {
		t.Fatalf("%s: %d summary rows, %d full rows", label, len(brief), len(full))
	}
	for i := range full {
		f, s := full[i], brief[i]
		if s.Lines != nil || s.Readings != nil || s.Adjustments != nil || s.LineDiff != nil {
			t.Errorf("%s row %d: summary row carries detail", label, i)
		}
		if got, want := describeRow(&s), describeRow(&f); got != want {
			t.Errorf("%s row %d:\nsummary %s\nfull    %s", label, i, got, want)
		}
	}
	return brief
}

func describeRow(r *InvoiceRow) string {
	s := fmt.Sprintf("%s %s %s v%d %s#%d %s %q %s %s %s/%s/%s at %s flags %v stale %q",
		r.ID, r.CustomerID, r.ScheduleID, r.ScheduleVersion, r.Period.Label, r.Period.Index, r.Status, r.Number,
		r.IssueDate, r.DueDate, r.Subtotal, r.Tax, r.Total, r.CalculatedAt.Format(time.RFC3339Nano), r.Flags, r.Stale)
	s += " " + r.Currency.Code() + " " + r.Period.Start.String() + "–" + r.Period.End.String()
	if r.Previous != nil {
		s += fmt.Sprintf(" prev %s %s %s %s", r.Previous.ID, r.Previous.Number, r.Previous.Status, r.Previous.Total)
	}
	if r.Change != nil {
		s += " Δ " + r.Change.Delta.String()
		if r.Change.Percent != nil {
			s += " " + r.Change.Percent.String() + "%"
		}
	}
	return s
}

func row(t *testing.T, rows []InvoiceRow, id string) InvoiceRow {
	t.Helper()
	for _, r := range rows {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no row %s in %d rows", id, len(rows))
	return InvoiceRow{}
}

// A draft whose inputs moved must be flagged stale by every listing, and
// the next recalc must price it again — whatever moved it. Each case would
// show the draft as current if its change were not counted (changes.go).
func TestStaleDraftsAreNeverShownCurrent(t *testing.T) {
	const april = "acme-2026:2026-04"
	cases := []struct {
		name   string
		before func(t *testing.T, b *Book) // before April's draft is priced
		move   func(t *testing.T, b *Book) // after: moves April's inputs
		reason string                      // in the staleness reasons
	}{
		{
			name:   "usage arrives for the billed period",
			move:   func(t *testing.T, b *Book) { ingest(t, b, calls("more", 3, "2026-03-20T10:00:00Z")...) },
			reason: "usage calls +3",
		},
		{
			name: "an event is corrected",
			// A correction moving a call into April takes it out of March.
			move:   func(t *testing.T, b *Book) { ingest(t, b, ev("mar-0", "acme", "calls", "2026-04-05T10:00:00Z", "1")) },
			reason: "usage calls -1",
		},
		{
			name: "an alias is mapped and its waiting usage attributed",
			move: func(t *testing.T, b *Book) {
				ingest(t, b, ev("x1", "acme-eu", "calls", "2026-03-09T10:00:00Z", "1"))
				if _, err := b.MapAlias("acme-eu", "acme"); err != nil {
					t.Fatal(err)
				}
			},
			reason: "usage calls +1",
		},
		{
			name: "a new schedule version",
			move: func(t *testing.T, b *Book) {
				s := acmeSchedule(t)
				s.Phases[0].Lines[0].Price = decimal.RequireFromString("120.00")
				if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", s); err != nil {
					t.Fatal(err)
				}
			},
			reason: "schedule v1 → v2",
		},
		{
			name: "late usage for an issued period",
			before: func(t *testing.T, b *Book) {
				recalc(t, b, "2026-03")
				if res, err := b.Issue([]string{"acme-2026:2026-03"}); err != nil || !res[0].Issued {
					t.Fatalf("issue March: %+v %v", res, err)
				}
			},
			move:   func(t *testing.T, b *Book) { ingest(t, b, calls("feb-late", 4, "2026-02-11T10:00:00Z")...) },
			reason: "late usage arrived",
		},
		{
			// No usage moves: issuing March, which bills February's late
			// usage, means April must no longer bill it too.
			name: "an earlier draft billing the same late usage is issued",
			before: func(t *testing.T, b *Book) {
				recalc(t, b, "2026-02")
				if res, err := b.Issue([]string{"acme-2026:2026-02"}); err != nil || !res[0].Issued {
					t.Fatalf("issue February: %+v %v", res, err)
				}
				ingest(t, b, calls("jan-late", 4, "2026-01-11T10:00:00Z")...)
				recalc(t, b, "2026-03")
			},
			move: func(t *testing.T, b *Book) {
				if res, err := b.Issue([]string{"acme-2026:2026-03"}); err != nil || !res[0].Issued {
					t.Fatalf("issue March: %+v %v", res, err)
				}
			},
			reason: "late usage arrived",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBook(t)
			setup(t, b)
			if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
				t.Fatal(err)
			}
			ingest(t, b, calls("mar", 3, "2026-03-10T10:00:00Z")...)
			if tc.before != nil {
				tc.before(t, b)
			}
			recalc(t, b, "2026-04")
			if r := row(t, sameRows(t, b, "2026-04"), april); slices.Contains(r.Flags, FlagStale) {
				t.Fatalf("fresh draft flagged stale: %v", r.Stale)
			}
			if r := recalc(t, b, "2026-04")[april]; r.Outcome != RecalcUnchanged {
				t.Fatalf("recalc of a current draft: %+v", r)
			}
			tc.move(t, b)
			r := row(t, sameRows(t, b, "2026-04"), april)
			if !slices.Contains(r.Flags, FlagStale) || !strings.Contains(strings.Join(r.Stale, "; "), tc.reason) {
				t.Fatalf("after the move: flags %v, stale %q; want stale with %q", r.Flags, r.Stale, tc.reason)
			}
			v := View{Name: "stale", Period: "2026-04", Flags: []string{FlagStale}}
			if rows, _, err := b.ViewSummaryRows(v, DefaultThresholds); err != nil || len(rows) != 1 || rows[0].ID != april {
				t.Fatalf("stale view: %d rows, %v", len(rows), err)
			}
			if r := recalc(t, b, "2026-04")[april]; r.Outcome != RecalcUpdated {
				t.Fatalf("recalc of a stale draft: %+v, want updated", r)
			}
			if r := row(t, sameRows(t, b, "2026-04"), april); slices.Contains(r.Flags, FlagStale) {
				t.Fatalf("recalculated draft still stale: %v", r.Stale)
			}
			if r := recalc(t, b, "2026-04")[april]; r.Outcome != RecalcUnchanged {
				t.Fatalf("second recalc: %+v, want unchanged", r)
			}
		})
	}
}

// The customer's tax rate prices its drafts, though Staleness does not
// report it: recalc must not take a draft for current after it changed.
func TestRecalcRepricesAfterTheCustomerChanged(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	recalc(t, b, "2026-04")
	c, err := b.Customer("acme")
	if err != nil {
		t.Fatal(err)
	}
	c.TaxRate = decimal.NewFromInt(7)
	if err := b.UpdateCustomer(c); err != nil {
		t.Fatal(err)
	}
	r := recalc(t, b, "2026-04")["acme-2026:2026-04"]
	if r.Outcome != RecalcUpdated || !r.After.Equal(decimal.RequireFromString("107")) {
		t.Fatalf("after the tax rate changed: %+v", r)
	}
}

// Summary rows equal the full rows (without lines) across a history:
// issued and draft invoices, new, missing, significant, minimum,
// late and stale rows.
func TestSummaryRowsMatchMonthOverMonth(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	globex := acmeSchedule(t)
	globex.Currency = pricing.MustCurrency("USD")
	if _, err := b.SaveSchedule("globex-2026", "globex", ScheduleActive, "", globex); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"2026-01", "2026-02", "2026-03"} {
		ingest(t, b, calls("u"+m, 3, m+"-10T10:00:00Z")...)
		recalc(t, b, m)
	}
	if _, err := b.Issue([]string{"acme-2026:2026-02", "globex-2026:2026-02"}); err != nil {
		t.Fatal(err)
	}
	ingest(t, b, calls("late", 60, "2026-01-12T10:00:00Z")...) // late for February's invoice
	if _, err := b.SaveSchedule("globex-2026", "globex", ScheduleEnded, "", globex); err != nil {
		t.Fatal(err)
	}
	recalc(t, b, "2026-04")
	ingest(t, b, calls("stale", 1, "2026-03-12T10:00:00Z")...)
	for _, m := range []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05"} {
		t.Run(m, func(t *testing.T) { sameRows(t, b, m) })
	}
	rows := sameRows(t, b, "2026-04")
	var flags []string
	for _, r := range rows {
		flags = append(flags, r.Flags...)
	}
	for _, f := range []string{FlagLate, FlagStale, FlagMissing, FlagSignificant} {
		if !slices.Contains(flags, f) {
			t.Errorf("April's rows lack a %s flag: %v", f, flags)
		}
	}
}

// Check catches a summary that disagrees with its invoice, a missing or
// orphaned summary, and a stale draft marked current.
func TestCheckFindsSummaryDrift(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(tx *bolt.Tx) error
		want   string
	}{
		{"total differs", func(tx *bolt.Tx) error {
			s, _, err := getSummary(tx, "acme-2026:2026-04")
			if err != nil {
				return err
			}
			s.Total = s.Total.Add(decimal.NewFromInt(1))
			return putSummary(tx, &s)
		}, "summary"},
		{"status differs", func(tx *bolt.Tx) error {
			s, _, err := getSummary(tx, "acme-2026:2026-04")
			if err != nil {
				return err
			}
			s.Status = InvoiceIssued
			return putSummary(tx, &s)
		}, "disagrees"},
		{"summary missing", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketInvoicePeriods).Put(periodIndexKey("2026-04", "acme-2026:2026-04"), nil)
		}, "has no summary"},
		{"orphaned summary", func(tx *bolt.Tx) error {
			s, _, err := getSummary(tx, "acme-2026:2026-04")
			if err != nil {
				return err
			}
			s.ID = "ghost:2026-04"
			return putSummary(tx, &s)
		}, "has no invoice"},
		{"stale draft marked current", func(tx *bolt.Tx) error {
			// Usage moved (the counter with it); pretend the draft was
			// checked since.
			s, _, err := getSummary(tx, "acme-2026:2026-04")
			if err != nil {
				return err
			}
			s.Checked = changeCount(tx, "acme")
			return putSummary(tx, &s)
		}, "marked current but is stale"},
		{"counter behind a summary", func(tx *bolt.Tx) error {
			s, _, err := getSummary(tx, "acme-2026:2026-04")
			if err != nil {
				return err
			}
			s.Checked = changeCount(tx, "acme") + 5
			return putSummary(tx, &s)
		}, "counter is"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Open(filepath.Join(t.TempDir(), "book.db"), Options{NoSync: true,
				Now: func() time.Time { return time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC) }})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			setup(t, b)
			if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
				t.Fatal(err)
			}
			ingest(t, b, calls("mar", 3, "2026-03-10T10:00:00Z")...)
			recalc(t, b, "2026-04")
			ingest(t, b, calls("more", 1, "2026-03-11T10:00:00Z")...)
			mustCheck(t, b) // sound so far: the stale draft is not marked current
			if err := b.update(tc.break_); err != nil {
				t.Fatal(err)
			}
			wantBreach(t, b, tc.want)
		})
	}
}

// A schema 4 book gets a summary of every invoice at Open; its drafts are
// not known current until the next recalc, which marks them.
func TestMigrationToSchema5BuildsSummaries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.db")
	now := func() time.Time { return time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC) }
	b, err := Open(path, Options{NoSync: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	ingest(t, b, calls("mar", 3, "2026-03-10T10:00:00Z")...)
	recalc(t, b, "2026-03")
	if _, err := b.Issue([]string{"acme-2026:2026-03"}); err != nil {
		t.Fatal(err)
	}
	recalc(t, b, "2026-04")
	err = b.update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketChanges); err != nil {
			return err
		}
		// Schema 4's period index holds no values.
		bk := tx.Bucket(bucketInvoicePeriods)
		var keys [][]byte
		bk.ForEach(func(k, _ []byte) error {
			keys = append(keys, append([]byte(nil), k...))
			return nil
		})
		for _, k := range keys {
			if err := bk.Put(k, nil); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte{0, 0, 0, 4})
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, err = Open(path, Options{NoSync: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustCheck(t, b)
	sameRows(t, b, "2026-04")
	unknown := func() bool {
		var s invoiceSummary
		if err := b.view(func(tx *bolt.Tx) (err error) {
			s, _, err = getSummary(tx, "acme-2026:2026-04")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return s.Checked == 0
	}
	if !unknown() {
		t.Error("a migrated draft is marked current before any recalc")
	}
	if r := recalc(t, b, "2026-04")["acme-2026:2026-04"]; r.Outcome != RecalcUnchanged {
		t.Errorf("recalc after migrating: %+v", r)
	}
	if unknown() {
		t.Error("recalc did not mark the current draft")
	}
	mustCheck(t, b)
}

// Usage for days a draft did not read (this month's, for last month's
// draft billed in arrears) leaves it known current: listing and recalc
// need not check it the slow way.
func TestUsageForOtherMonthsLeavesDraftsCurrent(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	ingest(t, b, calls("mar", 3, "2026-03-10T10:00:00Z")...)
	recalc(t, b, "2026-04") // April's fee and March's calls
	known := func() bool {
		var ok bool
		err := b.view(func(tx *bolt.Tx) error {
			s, _, err := getSummary(tx, "acme-2026:2026-04")
			ok = knownCurrent(tx, &s)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !known() {
		t.Fatal("a freshly priced draft is not known current")
	}
	ingest(t, b, calls("apr", 5, "2026-04-01T10:00:00Z")...) // April's usage: May's invoice bills it
	if !known() {
		t.Error("usage of a month the draft did not read made it suspect")
	}
	if r := row(t, sameRows(t, b, "2026-04"), "acme-2026:2026-04"); slices.Contains(r.Flags, FlagStale) {
		t.Errorf("stale: %v", r.Stale)
	}
	ingest(t, b, calls("mar2", 1, "2026-03-31T10:00:00Z")...)
	if known() {
		t.Error("usage of a month the draft read left it known current")
	}
}

// A quarterly schedule's previous period is three months back, not in the
// previous calendar month: summary rows still find it.
func TestSummaryRowsFindTheQuarterBefore(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	s := acmeSchedule(t)
	s.Billing.Frequency = pricing.Quarterly
	if _, err := b.SaveSchedule("acme-q", "acme", ScheduleActive, "", s); err != nil {
		t.Fatal(err)
	}
	ingest(t, b, calls("jan", 3, "2026-01-10T10:00:00Z")...)
	recalc(t, b, "2026-01")
	recalc(t, b, "2026-04")
	r := row(t, sameRows(t, b, "2026-04"), "acme-q:2026-04")
	if r.Previous == nil || r.Previous.ID != "acme-q:2026-01" || slices.Contains(r.Flags, FlagNew) {
		t.Errorf("April's quarter: previous %+v, flags %v", r.Previous, r.Flags)
	}
}
