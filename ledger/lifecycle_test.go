package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// lifecycleBook has acme's March and April invoices issued (INV-2026-000001
// and -000002) and May's in draft.
func lifecycleBook(t *testing.T) *Book {
	t.Helper()
	b := newBook(t)
	fillLifecycle(t, b)
	return b
}

func fillLifecycle(t *testing.T, b *Book) {
	t.Helper()
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	ingest(t, b, calls("mar", 3, "2026-03-02T10:00:00Z")...)
	for _, p := range []string{"2026-03", "2026-04", "2026-05"} {
		recalc(t, b, p)
	}
	if res, err := b.Issue([]string{"acme-2026:2026-03", "acme-2026:2026-04"}); err != nil || !res[0].Issued || !res[1].Issued {
		t.Fatalf("issue: %+v %v", res, err)
	}
}

func TestMarkPaid(t *testing.T) {
	b := lifecycleBook(t)
	for _, tc := range []struct {
		name    string
		id      string
		date    string
		status  InvoiceStatus
		changed bool
		err     error
		reason  string
	}{
		{"issued invoice by number", "INV-2026-000001", "2026-04-10", InvoicePaid, true, nil, ""},
		{"again is a no-op", "acme-2026:2026-03", "2026-04-20", InvoicePaid, false, nil, "already paid on 2026-04-10"},
		{"a draft is refused", "acme-2026:2026-05", "", InvoiceDraft, false, ErrWrongStatus, "issue it first"},
		{"before the issue date", "INV-2026-000002", "2026-03-01", InvoiceIssued, false, ErrInvalid, "before its issue date 2026-04-02"},
		{"today by default", "INV-2026-000002", "", InvoicePaid, true, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var date pricing.Date
			if tc.date != "" {
				date = pricing.MustDate(tc.date)
			}
			res, err := b.MarkPaid([]string{tc.id}, date)
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			if r.Status != tc.status || r.Changed != tc.changed || !errors.Is(r.Err, tc.err) || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("got %+v", r)
			}
		})
	}
	inv, _ := b.Invoice("INV-2026-000002")
	if inv.Status != InvoicePaid || inv.PaidDate.String() != "2026-04-02" {
		t.Errorf("paid today (2 April in Berlin): %s %s", inv.Status, inv.PaidDate)
	}
	if _, err := b.MarkPaid([]string{"nope"}, pricing.Date{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown invoice: %v", err)
	}
}

func TestVoidIssuesACreditNoteAndFreesThePeriod(t *testing.T) {
	b := lifecycleBook(t)
	acme, _ := b.Customer("acme")
	acme.Emails = []string{"ap@acme.example"}
	if err := b.UpdateCustomer(acme); err != nil {
		t.Fatal(err)
	}
	if res, err := b.QueueSend([]string{"INV-2026-000002"}); err != nil || !res[0].Queued {
		t.Fatalf("queue: %+v %v", res, err)
	}
	april, _ := b.Invoice("INV-2026-000002")
	if _, err := b.Void([]string{"INV-2026-000002"}, "  "); !errors.Is(err, ErrInvalid) {
		t.Errorf("void without a reason: %v", err)
	}
	res, err := b.Void([]string{"INV-2026-000002"}, "wrong seat count")
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if !r.Changed || r.CreditNote != "CN-2026-000001" || r.ID != "acme-2026:2026-04~INV-2026-000002" || r.Date.String() != "2026-04-02" {
		t.Fatalf("void: %+v", r)
	}
	// The original keeps its figures and number; its id has moved aside.
	voided, err := b.Invoice("INV-2026-000002")
	if err != nil {
		t.Fatal(err)
	}
	if voided.Status != InvoiceVoid || voided.CreditNote != "CN-2026-000001" || !sameFigures(&voided.Figures, &april.Figures) || voided.ID != r.ID {
		t.Errorf("voided invoice: %s %s %s", voided.ID, voided.Status, voided.Total)
	}
	if _, err := b.Invoice("acme-2026:2026-04"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the period's id should be free: %v", err)
	}
	// The credit note negates every line exactly.
	cn, err := b.CreditNote("INV-2026-000002")
	if err != nil {
		t.Fatal(err)
	}
	if cn.Number != "CN-2026-000001" || cn.Invoice != voided.ID || cn.Reason != "wrong seat count" || !cn.Total.Equal(april.Total.Neg()) || len(cn.Lines) != len(april.Lines) {
		t.Fatalf("credit note: %+v", cn)
	}
	for i, l := range cn.Lines {
		if !l.Amount.Equal(april.Lines[i].Amount.Neg()) || !l.Tax.Equal(april.Lines[i].Tax.Neg()) || l.Name != april.Lines[i].Name {
			t.Errorf("line %d: %s %s tax %s, original %s tax %s", i, l.Name, l.Amount, l.Tax, april.Lines[i].Amount, april.Lines[i].Tax)
		}
	}
	// The queued mail of the voided invoice never goes out.
	items, _ := b.Outbox()
	if len(items) != 1 || items[0].Status != OutboxFailed || items[0].InvoiceID != voided.ID {
		t.Errorf("outbox: %+v", items)
	}
	// Again: nothing happens. A draft cannot be voided.
	if res, err := b.Void([]string{"INV-2026-000002", "acme-2026:2026-05"}, "x"); err != nil ||
		res[0].Changed || res[0].Reason != "already void (credit note CN-2026-000001)" || !errors.Is(res[1].Err, ErrWrongStatus) {
		t.Errorf("void again / a draft: %+v %v", res, err)
	}
	if res, _ := b.MarkPaid([]string{"INV-2026-000002"}, pricing.Date{}); !errors.Is(res[0].Err, ErrWrongStatus) {
		t.Errorf("paying a void invoice: %+v", res[0])
	}
	// recalc drafts April afresh; it is issued under the next number.
	if got := recalc(t, b, "2026-04")["acme-2026:2026-04"]; got.Outcome != RecalcCreated || !got.After.Equal(april.Total) {
		t.Errorf("recalc after void: %+v", got)
	}
	if res, err := b.Issue([]string{"acme-2026:2026-04"}); err != nil || res[0].Number != "INV-2026-000003" {
		t.Fatalf("reissue: %+v %v", res, err)
	}
	if res, err := b.QueueSend([]string{"acme-2026:2026-04"}); err != nil || !res[0].Queued {
		t.Errorf("the replacement can be sent: %+v %v", res, err)
	}
	// A paid invoice is voided with a credit note too; numbers continue.
	if _, err := b.MarkPaid([]string{"INV-2026-000001"}, pricing.MustDate("2026-04-02")); err != nil {
		t.Fatal(err)
	}
	res, err = b.Void([]string{"INV-2026-000001"}, "refund")
	if err != nil || res[0].CreditNote != "CN-2026-000002" {
		t.Fatalf("void paid: %+v %v", res, err)
	}
	list, err := b.InvoicesFor("2026-04")
	if err != nil || len(list) != 2 {
		t.Errorf("April lists the void invoice and its replacement: %d %v", len(list), err)
	}
	cns, err := b.CreditNotes()
	if err != nil || len(cns) != 2 || cns[0].Number != "CN-2026-000001" || cns[1].InvoiceNumber != "INV-2026-000001" {
		t.Errorf("credit notes: %+v %v", cns, err)
	}
	audit, _ := b.Audit(1)
	if audit[0].Action != "invoice.void" || audit[0].Subject != "invoice INV-2026-000001" || !strings.Contains(audit[0].After, "CN-2026-000002 -119.00 EUR: refund") {
		t.Errorf("audit: %+v", audit[0])
	}
}

// lateLines sums an invoice's late-usage lines.
func lateLines(inv Invoice) decimal.Decimal {
	sum := decimal.Zero
	for _, l := range inv.Lines {
		if strings.HasPrefix(l.Name, "Late usage") {
			sum = sum.Add(l.Amount)
		}
	}
	return sum
}

// callsBilled is what an invoice bills for calls, late usage included.
func callsBilled(inv Invoice) decimal.Decimal {
	sum := decimal.Zero
	for _, l := range inv.Lines {
		if l.Metric == "calls" || strings.HasPrefix(l.Name, "Late usage") {
			sum = sum.Add(l.Amount)
		}
	}
	return sum
}

// Across a void, March's calls are billed exactly once: by the invoices
// that are not void, whatever order things happen in.
func TestVoidDoesNotDoubleCountLateUsage(t *testing.T) {
	// 3 March calls billed on April's invoice (INV-2026-000002: 2 × 1.00 +
	// 1 × 0.50 = 2.50); 4 more arrive late: 7 calls cost 4.50.
	want := decimal.RequireFromString("4.5")
	billedOnce := func(t *testing.T, b *Book) {
		t.Helper()
		sum := decimal.Zero
		for _, p := range []string{"2026-04", "2026-05"} {
			invs, err := b.InvoicesFor(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, inv := range invs {
				if inv.Status != InvoiceVoid {
					sum = sum.Add(callsBilled(inv))
				}
			}
		}
		if !sum.Equal(want) {
			t.Errorf("March calls billed %s in all, want %s once", sum, want)
		}
	}
	t.Run("late usage on a draft", func(t *testing.T) {
		b := lifecycleBook(t)
		ingest(t, b, calls("late", 4, "2026-03-20T10:00:00Z")...)
		recalc(t, b, "2026-05")
		may, _ := b.Invoice("acme-2026:2026-05")
		if !lateLines(may).Equal(decimal.RequireFromString("2")) {
			t.Fatalf("May bills late usage %s, want 2.00", lateLines(may))
		}
		if _, err := b.Void([]string{"INV-2026-000002"}, "late usage belongs on April"); err != nil {
			t.Fatal(err)
		}
		// May's adjustment has lost its invoice: May is stale until recalc.
		if reasons, _ := b.Staleness(may); len(reasons) == 0 {
			t.Error("May should be stale after April was voided")
		}
		recalc(t, b, "2026-04")
		recalc(t, b, "2026-05")
		may, _ = b.Invoice("acme-2026:2026-05")
		if !lateLines(may).IsZero() {
			t.Errorf("May still bills late usage: %s", lateLines(may))
		}
		billedOnce(t, b)
	})
	t.Run("late usage on an issued invoice", func(t *testing.T) {
		b := lifecycleBook(t)
		ingest(t, b, calls("late", 4, "2026-03-20T10:00:00Z")...)
		recalc(t, b, "2026-05")
		if res, err := b.Issue([]string{"acme-2026:2026-05"}); err != nil || res[0].Number != "INV-2026-000003" {
			t.Fatalf("issue May: %+v %v", res, err)
		}
		res, err := b.Void([]string{"INV-2026-000002"}, "redo April")
		if err != nil || !errors.Is(res[0].Err, ErrLateUsageBilled) || !strings.Contains(res[0].Reason, "void INV-2026-000003 first") {
			t.Fatalf("voiding April while May bills its late usage: %+v %v", res, err)
		}
		if _, err := b.Void([]string{"INV-2026-000003", "INV-2026-000002"}, "redo April and May"); err != nil {
			t.Fatal(err)
		}
		recalc(t, b, "2026-04")
		recalc(t, b, "2026-05")
		if res, err := b.Issue([]string{"acme-2026:2026-04", "acme-2026:2026-05"}); err != nil || !res[0].Issued || !res[1].Issued {
			t.Fatalf("reissue: %+v %v", res, err)
		}
		billedOnce(t, b)
	})
	t.Run("voiding the adjusting invoice alone", func(t *testing.T) {
		b := lifecycleBook(t)
		ingest(t, b, calls("late", 4, "2026-03-20T10:00:00Z")...)
		recalc(t, b, "2026-05")
		if _, err := b.Issue([]string{"acme-2026:2026-05"}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Void([]string{"INV-2026-000003"}, "redo May"); err != nil {
			t.Fatal(err)
		}
		// The credit note took back May's adjustment: the new May bills it.
		recalc(t, b, "2026-05")
		may, _ := b.Invoice("acme-2026:2026-05")
		if !lateLines(may).Equal(decimal.RequireFromString("2")) {
			t.Errorf("new May bills late usage %s, want 2.00", lateLines(may))
		}
		billedOnce(t, b)
	})
}

// Check finds every way a credit note or the numbering can go wrong.
func TestCheckCatchesBrokenCreditNotes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		breaks func(tx *bolt.Tx) error
		want   string
	}{
		{"a line that does not negate", func(tx *bolt.Tx) error {
			return editCreditNote(tx, func(cn *CreditNote) { cn.Lines[0].Amount = cn.Lines[0].Amount.Add(decimal.New(1, -2)) })
		}, "does not negate"},
		{"a gap in the numbers", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put([]byte("credit_note_seq/2026"), seqKey(2))
		}, "CN-2026: 1 numbers used, the sequence says 2"},
		{"a void invoice without credit note", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCreditNotes).Delete([]byte("CN-2026-000001"))
		}, "is credited by no credit note"},
		{"an invoice whose totals do not add up", func(tx *bolt.Tx) error {
			inv, _, err := getInvoice(tx, "acme-2026:2026-03")
			if err != nil {
				return err
			}
			inv.Total = inv.Total.Add(decimal.NewFromInt(1))
			return putInvoice(tx, &inv, freshness{})
		}, "acme-2026:2026-03: total"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A book of its own, without newBook's check at the end: this
			// one is broken on purpose.
			b, err := Open(filepath.Join(t.TempDir(), "book.db"), Options{NoSync: true,
				Now: func() time.Time { return time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC) }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			fillLifecycle(t, b)
			if _, err := b.Void([]string{"INV-2026-000002"}, "test"); err != nil {
				t.Fatal(err)
			}
			if breaches, err := b.Check(context.Background(), nil); err != nil || len(breaches) > 0 {
				t.Fatalf("before breaking it: %q %v", breaches, err)
			}
			if err := b.update(tc.breaks); err != nil {
				t.Fatal(err)
			}
			wantBreach(t, b, tc.want)
		})
	}
}

func editCreditNote(tx *bolt.Tx, edit func(*CreditNote)) error {
	cn, _, err := getCreditNote(tx, "CN-2026-000001")
	if err != nil {
		return err
	}
	edit(&cn)
	v, err := json.Marshal(cn)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketCreditNotes).Put([]byte(cn.Number), v)
}

// A mail in doubt when its invoice is voided stays in doubt, and is never
// resent; resolving it as sent is still possible.
func TestVoidLeavesAMailInDoubtToTheUser(t *testing.T) {
	b, _ := issuedBook(t)
	if res, err := b.QueueSend([]string{"INV-2026-000001"}); err != nil || !res[0].Queued {
		t.Fatalf("queue: %+v %v", res, err)
	}
	crash := func(context.Context, OutboxItem) error { panic("killed") }
	func() {
		defer func() { _ = recover() }()
		_, _ = b.Deliver(context.Background(), crash, isTemporary)
	}()
	if _, err := b.Deliver(context.Background(), crash, isTemporary); err != nil {
		t.Fatal(err) // marks the item found sending as unknown; sends nothing
	}
	if _, err := b.Void([]string{"INV-2026-000001"}, "wrong customer"); err != nil {
		t.Fatal(err)
	}
	items, _ := b.Outbox()
	if len(items) != 1 || items[0].Status != OutboxUnknown || items[0].InvoiceID != "acme-2026:2026-04~INV-2026-000001" {
		t.Fatalf("outbox after void: %+v", items)
	}
	if err := b.ResolveUnknown(items[0].Seq, false); !errors.Is(err, ErrWrongStatus) {
		t.Errorf("resend of a void invoice: %v", err)
	}
	if err := b.ResolveUnknown(items[0].Seq, true); err != nil {
		t.Errorf("resolving it as sent: %v", err)
	}
}
