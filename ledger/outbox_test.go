package ledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

// issuedBook is a book with acme's April invoice issued; acme has a
// billing email, globex none.
func issuedBook(t *testing.T) (*Book, *time.Time) {
	t.Helper()
	now := time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)
	b, err := Open(t.TempDir()+"/book.db", Options{NoSync: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mustCheck(t, b); b.Close() })
	if err := b.AddCustomer(Customer{ID: "acme", Name: "Acme", Emails: []string{"ap@acme.example"},
		Currency: pricing.MustCurrency("EUR"), TimeZone: "Europe/Berlin", PaymentTermsDays: 14, TaxRate: decimal.NewFromInt(19)}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddMetric(Metric{Code: "calls", Aggregation: AggCount}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Recalc(context.Background(), "2026-04", nil); err != nil {
		t.Fatal(err)
	}
	if res, err := b.Issue([]string{"acme-2026:2026-04"}); err != nil || !res[0].Issued {
		t.Fatalf("issue: %+v %v", res, err)
	}
	return b, &now
}

var errTemporary = errors.New("connection refused")

func isTemporary(err error) bool { return errors.Is(err, errTemporary) }

func TestOutboxDeliversOnceAndMarksTheInvoiceSent(t *testing.T) {
	b, _ := issuedBook(t)
	res, err := b.QueueSend([]string{"INV-2026-000001", "acme-2026:2026-04"})
	if err != nil || !res[0].Queued || res[1].Queued || res[1].Reason != "already in the outbox (queued)" {
		t.Fatalf("queue: %+v %v", res, err)
	}
	var sent []OutboxItem
	send := func(_ context.Context, item OutboxItem) error { sent = append(sent, item); return nil }
	sum, err := b.Deliver(context.Background(), send, isTemporary)
	if err != nil || sum.Sent != 1 || len(sent) != 1 || sent[0].To[0] != "ap@acme.example" || sent[0].Number != "INV-2026-000001" {
		t.Fatalf("deliver: %+v %v %+v", sum, err, sent)
	}
	if inv, _ := b.Invoice("INV-2026-000001"); inv.Status != InvoiceSent {
		t.Errorf("invoice status %s, want sent", inv.Status)
	}
	// Nothing is sent twice: a second run finds nothing due, a second
	// queue refuses.
	if sum, _ := b.Deliver(context.Background(), send, isTemporary); sum.Sent != 0 || len(sent) != 1 {
		t.Errorf("second deliver sent again: %+v", sum)
	}
	if res, _ := b.QueueSend([]string{"INV-2026-000001"}); res[0].Queued {
		t.Error("a sent invoice was queued again")
	}
}

func TestOutboxRetriesTemporaryFailuresWithBackoff(t *testing.T) {
	b, now := issuedBook(t)
	b.QueueSend([]string{"INV-2026-000001"})
	down := func(context.Context, OutboxItem) error { return errTemporary }
	if sum, err := b.Deliver(context.Background(), down, isTemporary); err != nil || sum.Retrying != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	items, _ := b.Outbox()
	if items[0].Status != OutboxQueued || items[0].Attempts != 1 || items[0].LastError != errTemporary.Error() ||
		!items[0].NextAttempt.Equal(now.Add(time.Minute)) {
		t.Fatalf("after a temporary failure: %+v", items[0])
	}
	// Not due yet: nothing is tried.
	calls := 0
	ok := func(context.Context, OutboxItem) error { calls++; return nil }
	b.Deliver(context.Background(), ok, isTemporary)
	if calls != 0 {
		t.Fatal("tried before its next attempt")
	}
	// The second failure waits twice as long.
	*now = now.Add(time.Minute)
	b.Deliver(context.Background(), down, isTemporary)
	items, _ = b.Outbox()
	if !items[0].NextAttempt.Equal(now.Add(2 * time.Minute)) {
		t.Errorf("second backoff: next attempt %v", items[0].NextAttempt)
	}
	*now = now.Add(2 * time.Minute)
	if sum, _ := b.Deliver(context.Background(), ok, isTemporary); sum.Sent != 1 || calls != 1 {
		t.Errorf("once the server is back: %+v, %d calls", sum, calls)
	}
}

func TestOutboxPermanentFailureAndItemsInDoubt(t *testing.T) {
	b, _ := issuedBook(t)
	b.QueueSend([]string{"INV-2026-000001"})
	rejected := func(context.Context, OutboxItem) error { return errors.New("550 no such mailbox") }
	if sum, _ := b.Deliver(context.Background(), rejected, isTemporary); sum.Failed != 1 {
		t.Fatalf("%+v", sum)
	}
	// A failed item can be queued again (after fixing the address).
	if res, _ := b.QueueSend([]string{"INV-2026-000001"}); !res[0].Queued {
		t.Fatalf("requeue after failure: %+v", res)
	}
	// A stop between "sending" and "sent": the item is in doubt and is
	// never resent on its own.
	crash := func(context.Context, OutboxItem) error { panic("killed") }
	func() {
		defer func() { recover() }()
		b.Deliver(context.Background(), crash, isTemporary)
	}()
	calls := 0
	ok := func(context.Context, OutboxItem) error { calls++; return nil }
	if sum, _ := b.Deliver(context.Background(), ok, isTemporary); sum.InDoubt != 1 || calls != 0 {
		t.Fatalf("after the stop: %+v, %d sends", sum, calls)
	}
	items, _ := b.Outbox()
	doubt := items[len(items)-1]
	if doubt.Status != OutboxUnknown {
		t.Fatalf("status %s, want unknown", doubt.Status)
	}
	// The user checks the mail went out.
	if err := b.ResolveUnknown(doubt.Seq, true); err != nil {
		t.Fatal(err)
	}
	if inv, _ := b.Invoice("INV-2026-000001"); inv.Status != InvoiceSent || calls != 0 {
		t.Errorf("resolved as sent: invoice %s, %d sends", inv.Status, calls)
	}
}

func TestQueueSendRefusesDraftsAndCustomersWithoutEmail(t *testing.T) {
	b, _ := issuedBook(t)
	if _, err := b.Recalc(context.Background(), "2026-05", nil); err != nil {
		t.Fatal(err)
	}
	res, err := b.QueueSend([]string{"acme-2026:2026-05"})
	if err != nil || res[0].Queued || res[0].Reason != "a draft: issue it first" {
		t.Errorf("draft: %+v %v", res, err)
	}
	c, _ := b.Customer("acme")
	c.Emails = nil
	if err := b.UpdateCustomer(c); err != nil {
		t.Fatal(err)
	}
	res, _ = b.QueueSend([]string{"INV-2026-000001"})
	if res[0].Queued || res[0].Reason == "" {
		t.Errorf("no email: %+v", res)
	}
	if _, err := b.QueueSend([]string{"nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown invoice: %v", err)
	}
}
