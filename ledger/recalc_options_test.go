package ledger

import (
	"context"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"
)

// Force prices drafts the change marks call current: a draft whose stored
// figures no longer match what pricing gives (priced by an older monthend,
// say) is corrected only with Force.
func TestRecalcForce(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	ingest(t, b, calls("mar", 60, "2026-03-10T10:00:00Z")...)
	recalc(t, b, "2026-04")
	id := "acme-2026:2026-04"
	good, err := b.Invoice(id)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite the draft's figures as an older pricing might have left them,
	// keeping its summary's freshness: the marks still call it current.
	err = b.update(func(tx *bolt.Tx) error {
		s, _, err := getSummary(tx, id)
		if err != nil {
			return err
		}
		inv := good
		inv.Lines = slices.Clone(inv.Lines)
		inv.Lines[0].Amount = inv.Lines[0].Amount.Add(decimal.NewFromInt(1))
		inv.Subtotal = inv.Subtotal.Add(decimal.NewFromInt(1))
		inv.Total = inv.Total.Add(decimal.NewFromInt(1))
		return putInvoice(tx, &inv, s.freshness)
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := recalc(t, b, "2026-04"); res[id].Outcome != RecalcUnchanged {
		t.Fatalf("without force: %+v", res[id])
	}
	res, err := b.RecalcWith(context.Background(), "2026-04", RecalcOptions{Force: true}, nil)
	if err != nil || len(res) != 1 || res[0].Outcome != RecalcUpdated || !res[0].After.Equal(good.Total) {
		t.Fatalf("with force: %+v %v", res, err)
	}
	again, err := b.RecalcWith(context.Background(), "2026-04", RecalcOptions{Force: true}, nil)
	if err != nil || again[0].Outcome != RecalcUnchanged {
		t.Errorf("force twice changes nothing the second time: %+v %v", again, err)
	}
}

func TestDraftPeriods(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	if got, err := b.DraftPeriods(); err != nil || len(got) != 0 {
		t.Fatalf("empty book: %v %v", got, err)
	}
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	recalc(t, b, "2026-04")
	recalc(t, b, "2026-03")
	if _, err := b.Issue([]string{"acme-2026:2026-03"}); err != nil {
		t.Fatal(err)
	}
	got, err := b.DraftPeriods()
	if err != nil || !slices.Equal(got, []string{"2026-04"}) {
		t.Errorf("draft periods %v %v, want [2026-04] (March is issued)", got, err)
	}
}
