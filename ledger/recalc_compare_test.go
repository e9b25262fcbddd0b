package ledger

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// pricedJob plans, loads, prices and compares the one job of period, as a
// recalculation's pricing goroutine does.
func pricedJob(t *testing.T, b *Book, period string, force bool) recalcJob {
	t.Helper()
	jobs, err := b.planRecalc(period, nil, force)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("plan: %d jobs, %v", len(jobs), err)
	}
	j := jobs[0]
	if err := j.load(b, period, force); err != nil {
		t.Fatal(err)
	}
	j.price(b, period)
	if err := j.compare(b); err != nil {
		t.Fatal(err)
	}
	return j
}

// A forced recalculation that changes nothing settles every draft from its
// summary's fingerprint, without a write transaction; a draft whose usage
// moved is left to the write.
func TestRecalcCompareSettlesByFingerprint(t *testing.T) {
	b := newBook(t)
	acmeBilling(t, b, 7)
	recalc(t, b, "2026-04")
	stored, err := b.Invoice("acme-2026:2026-04")
	if err != nil {
		t.Fatal(err)
	}
	j := pricedJob(t, b, "2026-04", true)
	if got, want := fingerprintOf(&j.invoice), fingerprintOf(&stored); got != want {
		t.Fatalf("fingerprint of the priced draft %x, of the stored one %x", got, want)
	}
	if j.result == nil || j.result.Outcome != RecalcUnchanged || !j.result.After.Equal(stored.Total) {
		t.Fatalf("unchanged draft not settled by its fingerprint: %+v", j.result)
	}
	// More March usage: the figures move, compare leaves it to the write.
	ingest(t, b, calls("more", 2, "2026-03-11T10:00:00Z")...)
	if j := pricedJob(t, b, "2026-04", true); j.result != nil {
		t.Fatalf("a moved draft was settled: %+v", j.result)
	}
	res := recalc(t, b, "2026-04")
	if r := res["acme-2026:2026-04"]; r.Outcome != RecalcUpdated || !r.Before.Equal(stored.Total) || r.After.Equal(stored.Total) {
		t.Fatalf("after more usage: %+v", r)
	}
	// Issued: settled as skipped, untouched.
	issueOne(t, b, "acme-2026:2026-04")
	if j := pricedJob(t, b, "2026-04", true); j.result == nil || j.result.Outcome != RecalcSkipped {
		t.Fatalf("issued invoice: %+v", j.result)
	}
	out, err := b.RecalcWith(context.Background(), "2026-04", RecalcOptions{Force: true}, nil)
	if err != nil || len(out) != 1 || out[0].Outcome != RecalcSkipped {
		t.Fatalf("forced recalc of an issued period: %+v %v", out, err)
	}
}

// A summary without a fingerprint (written before it existed) sends recalc
// the full way, which then stores one.
func TestRecalcAddsMissingFingerprint(t *testing.T) {
	b := newBook(t)
	acmeBilling(t, b, 3)
	recalc(t, b, "2026-04")
	id := "acme-2026:2026-04"
	err := b.update(func(tx *bolt.Tx) error {
		s, _, err := getSummary(tx, id)
		if err != nil {
			return err
		}
		s.Fingerprint = fingerprint{}
		return putSummary(tx, &s)
	})
	if err != nil {
		t.Fatal(err)
	}
	if j := pricedJob(t, b, "2026-04", true); j.result != nil {
		t.Fatalf("settled without a fingerprint: %+v", j.result)
	}
	if out, err := b.RecalcWith(context.Background(), "2026-04", RecalcOptions{Force: true}, nil); err != nil || out[0].Outcome != RecalcUnchanged {
		t.Fatalf("forced: %+v %v", out, err)
	}
	if j := pricedJob(t, b, "2026-04", true); j.result == nil {
		t.Fatal("the full comparison did not store a fingerprint")
	}
}

// Summaries round-trip through their encoding, with and without the
// optional late-check and fingerprint fields.
func TestSummaryEncodingRoundTrip(t *testing.T) {
	base := invoiceSummary{ID: "s:2026-04", CustomerID: "c", ScheduleID: "s", ScheduleVersion: 3,
		Period: InvoicePeriod{Label: "2026-04", Start: pricing.NewDate(2026, 4, 1), End: pricing.NewDate(2026, 5, 1), Index: 4},
		Status: InvoiceDraft, Currency: "EUR", Subtotal: decimal.RequireFromString("10.5"),
		Tax: decimal.RequireFromString("2"), Total: decimal.RequireFromString("12.5")}
	quiet, fp, both := base, base, base
	quiet.freshness = freshness{Checked: 9, Through: pricing.NewDate(2026, 4, 1), LateQuiet: true, LateThrough: pricing.NewDate(2026, 3, 1)}
	fp.Fingerprint = fingerprint{1, 2, 3, 15: 9}
	both.freshness, both.Fingerprint = quiet.freshness, fp.Fingerprint
	for _, s := range []invoiceSummary{base, quiet, fp, both} {
		got, err := decodeSummary(s.ID, encodeSummary(nil, &s))
		if err != nil {
			t.Fatal(err)
		}
		if !sameSummary(&got, &s) || got.freshness != s.freshness {
			t.Errorf("round trip\n got %+v\nwant %+v", got, s)
		}
		enc := encodeSummary(nil, &s)
		if _, err := decodeSummary(s.ID, enc[:len(enc)-1]); err == nil {
			t.Errorf("a truncated summary decodes: %+v", s)
		}
	}
}

// Progress counts jobs as they are priced, up to the total; cancelling
// part-way leaves every stored draft whole, and running again finishes the
// rest.
func TestRecalcProgressCancelAndResume(t *testing.T) {
	b := recalcBook(t, 600)
	ctx, cancel := context.WithCancel(context.Background())
	last := 0
	res, err := b.Recalc(ctx, "2026-04", func(done, total int) {
		if done < last || total != 600 {
			t.Errorf("progress %d of %d after %d", done, total, last)
		}
		last = done
		if done == 300 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled recalc: %d results, %v", len(res), err)
	}
	stored, err := b.InvoicesFor("2026-04")
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(res) || len(stored) >= 600 {
		t.Fatalf("%d drafts stored, %d results reported: want the same, fewer than 600", len(stored), len(res))
	}
	mustCheck(t, b)
	last = 0
	again, err := b.Recalc(context.Background(), "2026-04", func(done, total int) { last = done })
	if err != nil || len(again) != 600 || last != 600 {
		t.Fatalf("resumed: %d results, progress %d, %v", len(again), last, err)
	}
	created := 0
	for _, r := range again {
		if r.Outcome == RecalcCreated {
			created++
		} else if r.Outcome != RecalcUnchanged {
			t.Errorf("resumed: %+v", r)
		}
	}
	if created != 600-len(stored) {
		t.Errorf("resumed: %d created, want %d", created, 600-len(stored))
	}
}
