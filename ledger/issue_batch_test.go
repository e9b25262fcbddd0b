package ledger

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// issueTwins is two books fed the same steps: one issues in batches, the
// other one invoice per call.
type issueTwins struct {
	t      *testing.T
	batch  *Book
	single *Book
}

func (w issueTwins) both(fn func(b *Book)) { fn(w.batch); fn(w.single) }

// Property: issuing in batches does what issuing one invoice per call does
// — the same invoices issued, the same numbers, the same refusals — and a
// draft the batch path takes as known current is never stale. Random
// steps: usage for random customers and months, recalculations, and issues
// of random selections (drafts, stale drafts, issued invoices, a customer
// with two schedules), with batches of 2 so every selection spans several.
func TestPropIssueInBatchesIsIssueOneByOne(t *testing.T) {
	defer func(n int) { issueBatch = n }(issueBatch)
	issueBatch = 2
	customers := []string{"acme", "c1", "c2", "c3"}
	schedules := []string{"acme-2026", "acme-extra", "c1-2026", "c2-2026", "c3-2026"}
	months := []string{"2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"}
	for seed := range uint64(5) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 11))
			w := issueTwins{t: t, batch: newBook(t), single: newBook(t)}
			w.both(func(b *Book) {
				setup(t, b)
				for _, c := range customers[1:] {
					if err := b.AddCustomer(Customer{ID: c, Name: c, Currency: pricing.MustCurrency("EUR"), TimeZone: "Europe/Berlin",
						PaymentTermsDays: 30, TaxRate: decimal.NewFromInt(20)}); err != nil {
						t.Fatal(err)
					}
				}
				for _, id := range schedules {
					customer := id[:len(id)-len("-2026")]
					if id == "acme-extra" {
						customer = "acme"
					}
					if _, err := b.SaveSchedule(id, customer, ScheduleActive, "", acmeSchedule(t)); err != nil {
						t.Fatal(err)
					}
				}
			})
			issued, stale := 0, 0
			for step := range 40 {
				switch op := rng.IntN(10); {
				case op < 5:
					c, m := customers[rng.IntN(len(customers))], months[rng.IntN(len(months))]
					e := ev(fmt.Sprintf("e%d", step), c, "calls", fmt.Sprintf("%s-%02dT10:00:00Z", m, 1+rng.IntN(27)), fmt.Sprint(1+rng.IntN(5)))
					w.both(func(b *Book) { ingest(t, b, e) })
				case op < 7:
					m := months[rng.IntN(len(months))]
					w.both(func(b *Book) { recalc(t, b, m) })
				default:
					var ids []string
					for _, m := range months {
						for _, s := range schedules {
							if rng.IntN(4) == 0 {
								ids = append(ids, s+":"+m)
							}
						}
					}
					ids = slices.DeleteFunc(ids, func(id string) bool { // only invoices that exist
						_, err := w.single.Invoice(id)
						return err != nil
					})
					assertKnownCurrentIsFresh(t, w.batch, step)
					got, err := w.batch.Issue(ids)
					if err != nil {
						t.Fatalf("step %d: batched issue: %v", step, err)
					}
					var want []IssueResult
					for _, id := range ids {
						want = append(want, issueReference(t, w.single, id))
					}
					if !slices.Equal(got, want) {
						t.Fatalf("step %d: issuing %v\nin batches: %+v\none by one: %+v", step, ids, got, want)
					}
					for _, r := range got {
						if r.Issued {
							issued++
						} else if strings.Contains(r.Reason, ErrStale.Error()) {
							stale++
						}
					}
				}
			}
			if issued == 0 || stale == 0 {
				t.Fatalf("%d invoices issued, %d refused as stale: the steps test too little", issued, stale)
			}
			for _, m := range months {
				a, err := w.batch.InvoicesFor(m)
				if err != nil {
					t.Fatal(err)
				}
				b, err := w.single.InvoicesFor(m)
				if err != nil {
					t.Fatal(err)
				}
				if len(a) != len(b) {
					t.Fatalf("%s: %d invoices beside %d", m, len(a), len(b))
				}
				for i := range a {
					if a[i].ID != b[i].ID || a[i].Status != b[i].Status || a[i].Number != b[i].Number || !a[i].Total.Equal(b[i].Total) {
						t.Errorf("%s: %s %s %s %s beside %s %s %s %s", m, a[i].ID, a[i].Status, a[i].Number, a[i].Total, b[i].ID, b[i].Status, b[i].Number, b[i].Total)
					}
				}
			}
		})
	}
}

// issueReference issues invoice id the way Issue did before batches: the
// full staleness check, then a transaction of its own.
func issueReference(t *testing.T, b *Book, id string) IssueResult {
	t.Helper()
	inv, err := b.Invoice(id)
	if err != nil {
		t.Fatal(err)
	}
	r := IssueResult{ID: inv.ID, Number: inv.Number}
	if inv.Status != InvoiceDraft {
		r.Reason = "already " + string(inv.Status)
		return r
	}
	reasons, err := b.Staleness(inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(reasons) > 0 {
		r.Reason = fmt.Sprintf("%v: %s; run monthend recalc first", ErrStale, strings.Join(reasons, "; "))
		return r
	}
	err = b.update(func(tx *bolt.Tx) error {
		r.Number, err = b.issueInTx(tx, &inv)
		return err
	})
	if err != nil {
		t.Fatalf("issue %s: %v", id, err)
	}
	b.forgetCustomers()
	r.Issued = true
	return r
}

// assertKnownCurrentIsFresh: every draft of b that Issue would take as
// known current without checking (staleBeforeIssue) has no staleness.
func assertKnownCurrentIsFresh(t *testing.T, b *Book, step int) {
	t.Helper()
	var drafts []Invoice
	err := b.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketInvoices).ForEach(func(k, v []byte) error {
			inv, _, err := getInvoice(tx, string(k))
			if err != nil || inv.Status != InvoiceDraft {
				return err
			}
			s, found, err := getSummary(tx, inv.ID)
			if err == nil && found && s.CalculatedAt.Equal(inv.CalculatedAt) && knownCurrent(tx, &s) {
				drafts = append(drafts, inv)
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range drafts {
		if reasons, err := b.Staleness(inv); err != nil || len(reasons) > 0 {
			t.Fatalf("step %d: %s is taken as known current, but it is stale: %v %v", step, inv.ID, reasons, err)
		}
	}
}

// An id that fails inside a batch: the invoices before it are issued (and
// queued), the error names it, and nothing after it is touched — what one
// invoice per transaction did.
func TestBatchStopsAtTheFailingInvoice(t *testing.T) {
	defer func(n int) { issueBatch = n }(issueBatch)
	issueBatch = 8
	b := newBook(t)
	setup(t, b)
	for _, c := range []string{"c1", "c2", "c3"} {
		if err := b.AddCustomer(Customer{ID: c, Name: c, Emails: []string{c + "@example.com"}, Currency: pricing.MustCurrency("EUR"),
			TimeZone: "Europe/Berlin", PaymentTermsDays: 30}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.SaveSchedule(c+"-2026", c, ScheduleActive, "", acmeSchedule(t)); err != nil {
			t.Fatal(err)
		}
	}
	recalc(t, b, "2026-03")
	ids := []string{"c1-2026:2026-03", "c2-2026:2026-03", "nope:2026-03", "c3-2026:2026-03"}
	res, err := b.Issue(ids)
	if err == nil || !strings.Contains(err.Error(), "nope:2026-03") {
		t.Fatalf("issue with an unknown id: %v, want an error naming it", err)
	}
	if len(res) != 2 || !res[0].Issued || !res[1].Issued || res[0].Number != "INV-2026-000001" || res[1].Number != "INV-2026-000002" {
		t.Fatalf("issued before the unknown id: %+v", res)
	}
	if inv, _ := b.Invoice("c3-2026:2026-03"); inv.Status != InvoiceDraft {
		t.Errorf("the invoice after the unknown id is %s, want untouched", inv.Status)
	}
	q, err := b.QueueSend([]string{"INV-2026-000001", "INV-2026-000002", "INV-2026-000099", "c3-2026:2026-03"})
	if err == nil || !strings.Contains(err.Error(), "INV-2026-000099") {
		t.Fatalf("queue with an unknown number: %v, want an error naming it", err)
	}
	if len(q) != 2 || !q[0].Queued || !q[1].Queued {
		t.Fatalf("queued before the unknown number: %+v", q)
	}
	items, err := b.Outbox()
	if err != nil || len(items) != 2 {
		t.Errorf("outbox after the failed batch: %d items %v, want 2", len(items), err)
	}
}
