package ledger

import (
	"context"
	"errors"
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

// acmeSchedule bills acme 100.00 a month in advance plus graduated calls in
// arrears; tax comes from the customer (19%).
func acmeSchedule(t *testing.T) *pricing.Schedule {
	t.Helper()
	s, err := pricing.ParseSchedule("acme.yaml", []byte(`
currency: EUR
time_zone: Europe/Berlin
start: 2026-01-01
billing: {frequency: monthly}
phases:
  - name: Year 1
    lines:
      - {name: Platform, model: flat, price: 100.00}
      - name: Calls
        model: graduated
        metric: calls
        tiers:
          - {up_to: 2, unit_price: 1.00}
          - {unit_price: 0.50}
`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func recalc(t *testing.T, b *Book, period string) map[string]RecalcResult {
	t.Helper()
	var calls int
	res, err := b.Recalc(context.Background(), period, func(done, total int) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if len(res) > 0 && calls == 0 {
		t.Error("no progress reported")
	}
	out := map[string]RecalcResult{}
	for _, r := range res {
		out[r.ID] = r
	}
	return out
}

func TestRecalcCreatesUpdatesAndIsIdempotent(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	// Three calls in March (Berlin time): 2 × 1.00 + 1 × 0.50 = 2.50.
	ingest(t, b,
		ev("e1", "acme", "calls", "2026-03-02T10:00:00Z", "1"),
		ev("e2", "acme", "calls", "2026-03-15T10:00:00Z", "1"),
		ev("e3", "acme", "calls", "2026-03-31T21:30:00Z", "1"), // 31 March 23:30 in Berlin
		ev("e4", "acme", "calls", "2026-03-31T22:30:00Z", "1"), // already 1 April in Berlin
	)
	got := recalc(t, b, "2026-04")
	r := got["acme-2026:2026-04"]
	// April fee 100.00 + March calls 2.50 = 102.50, + 19% tax 19.48 = 121.98.
	if r.Outcome != RecalcCreated || !r.After.Equal(decimal.RequireFromString("121.98")) {
		t.Fatalf("first recalc: %+v", r)
	}
	again := recalc(t, b, "2026-04")
	if r := again["acme-2026:2026-04"]; r.Outcome != RecalcUnchanged {
		t.Fatalf("second recalc: %+v, want unchanged", r)
	}
	// A late March call moves the draft, which keeps its previous figures.
	ingest(t, b, ev("e5", "acme", "calls", "2026-03-20T10:00:00Z", "1"))
	r = recalc(t, b, "2026-04")["acme-2026:2026-04"]
	if r.Outcome != RecalcUpdated || !r.Before.Equal(decimal.RequireFromString("121.98")) || !r.After.Equal(decimal.RequireFromString("122.57")) {
		t.Fatalf("after more usage: %+v", r)
	}
	inv, err := b.Invoice("acme-2026:2026-04")
	if err != nil {
		t.Fatal(err)
	}
	if inv.Previous == nil || !inv.Previous.Total.Equal(decimal.RequireFromString("121.98")) || inv.Status != InvoiceDraft {
		t.Errorf("previous figures %+v, status %s", inv.Previous, inv.Status)
	}
	if len(inv.Readings) != 1 || inv.Readings[0].Metric != "calls" || !inv.Readings[0].Value.Equal(decimal.NewFromInt(4)) {
		t.Errorf("readings %+v", inv.Readings)
	}
	list, err := b.InvoicesFor("2026-04")
	if err != nil || len(list) != 1 || list[0].ID != inv.ID {
		t.Errorf("invoices for April: %v %v", list, err)
	}
}

func TestRecalcBillsActiveSchedulesOnly(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleDraft, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	if got := recalc(t, b, "2026-04"); len(got) != 0 {
		t.Fatalf("a draft schedule bills nothing: %+v", got)
	}
	// A new version makes it active; invoices record the version.
	rec, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t))
	if err != nil || rec.Version != 2 {
		t.Fatalf("version %d: %v", rec.Version, err)
	}
	recalc(t, b, "2026-04")
	inv, err := b.Invoice("acme-2026:2026-04")
	if err != nil || inv.ScheduleVersion != 2 {
		t.Fatalf("invoice from version %d: %v", inv.ScheduleVersion, err)
	}
	// Wrong currency, unknown customer and a schedule id that moves
	// customers are refused.
	usd := acmeSchedule(t)
	usd.Currency = pricing.MustCurrency("USD")
	if _, err := b.SaveSchedule("x", "acme", ScheduleActive, "", usd); err == nil {
		t.Error("a USD schedule for a EUR customer: want an error")
	}
	if _, err := b.SaveSchedule("x", "nobody", ScheduleActive, "", acmeSchedule(t)); err == nil {
		t.Error("unknown customer: want an error")
	}
	if _, err := b.SaveSchedule("acme-2026", "globex", ScheduleActive, "", usd); err == nil {
		t.Error("moving a schedule to another customer: want an error")
	}
	// A month with no period start (before the contract) makes nothing.
	if got := recalc(t, b, "2025-06"); len(got) != 0 {
		t.Errorf("before the contract: %+v", got)
	}
}

func TestIssueNumbersGaplesslyRefusesStaleAndFreezes(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	ingest(t, b, ev("e1", "acme", "calls", "2026-03-02T10:00:00Z", "1"))
	recalc(t, b, "2026-03")
	recalc(t, b, "2026-04")
	// Usage moves after April's draft was calculated: it is stale.
	ingest(t, b, ev("e2", "acme", "calls", "2026-03-03T10:00:00Z", "1"))
	res, err := b.Issue([]string{"acme-2026:2026-03", "acme-2026:2026-04"})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Issued || res[0].Number != "INV-2026-000001" {
		t.Errorf("March: %+v", res[0])
	}
	if res[1].Issued || !strings.Contains(res[1].Reason, "usage calls +1 since last calculation") {
		t.Errorf("stale April: %+v", res[1])
	}
	recalc(t, b, "2026-04")
	res, err = b.Issue([]string{"acme-2026:2026-04", "acme-2026:2026-03"})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Issued || res[0].Number != "INV-2026-000002" || res[1].Issued || res[1].Reason != "already issued" {
		t.Errorf("second issue: %+v", res)
	}
	inv, err := b.Invoice("INV-2026-000002")
	if err != nil {
		t.Fatal(err)
	}
	// The book's clock says 2 April 2026 (11:00 in Berlin); acme pays in 14 days.
	if inv.Status != InvoiceIssued || inv.IssueDate.String() != "2026-04-02" || inv.DueDate.String() != "2026-04-16" {
		t.Errorf("issued invoice: status %s issued %s due %s", inv.Status, inv.IssueDate, inv.DueDate)
	}
	// Issued invoices never change, whatever arrives later; the late March
	// usage is flagged late.
	r := ingest(t, b, ev("e3", "acme", "calls", "2026-03-04T10:00:00Z", "5"))
	if !r[0].Late {
		t.Errorf("March usage after April's invoice was issued: %+v, want late", r[0])
	}
	if got := recalc(t, b, "2026-04")["acme-2026:2026-04"]; got.Outcome != RecalcSkipped || !got.After.Equal(inv.Total) {
		t.Errorf("recalc of an issued invoice: %+v", got)
	}
	again, _ := b.Invoice("acme-2026:2026-04")
	if !again.Total.Equal(inv.Total) || again.Number != inv.Number {
		t.Errorf("issued invoice changed: %s → %s", inv.Total, again.Total)
	}
}

// calls makes n call events (a count metric: each event is one call).
func calls(prefix string, n int, at string) []Event {
	var out []Event
	for i := range n {
		out = append(out, ev(fmt.Sprintf("%s-%d", prefix, i), "acme", "calls", at, "1"))
	}
	return out
}

func TestLateUsageIsBilledOnceOnTheNextDraft(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	ingest(t, b, calls("e1", 2, "2026-03-02T10:00:00Z")...)
	recalc(t, b, "2026-04")
	if res, err := b.Issue([]string{"acme-2026:2026-04"}); err != nil || !res[0].Issued {
		t.Fatalf("issue April: %+v %v", res, err)
	}
	april, _ := b.Invoice("acme-2026:2026-04")
	// Five more March calls arrive after April's invoice (which billed
	// March) was issued: calls 3–7 fall in the 0.50 tier.
	ingest(t, b, calls("e2", 5, "2026-03-20T10:00:00Z")...)
	recalc(t, b, "2026-05")
	may, err := b.Invoice("acme-2026:2026-05")
	if err != nil {
		t.Fatal(err)
	}
	var late []string
	for _, l := range may.Lines {
		if strings.HasPrefix(l.Name, "Late usage") {
			late = append(late, l.Name+" "+l.Amount.String()+" | "+l.Explanation)
		}
	}
	// Billed 2 calls × 1.00 = 2.00; now 2 × 1.00 + 5 × 0.50 = 4.50: +2.50.
	want := "Late usage: Calls (INV-2026-000001) 2.5 | late usage for 1 Mar – 31 Mar: +5 (2 → 7): 2 × 1.00 (tier 1, up to 2) + 5 × 0.50 (tier 2) = 4.50; 4.50 − 2.00 already billed = 2.50"
	if len(late) != 1 || late[0] != want {
		t.Fatalf("late lines %q\nwant %q", late, want)
	}
	if again, _ := b.Invoice("acme-2026:2026-04"); !again.Total.Equal(april.Total) {
		t.Errorf("the issued April invoice changed: %s → %s", april.Total, again.Total)
	}
	// Issued with May, the late usage is billed; June does not bill it again.
	if res, err := b.Issue([]string{"acme-2026:2026-05"}); err != nil || !res[0].Issued {
		t.Fatalf("issue May: %+v %v", res, err)
	}
	recalc(t, b, "2026-06")
	june, _ := b.Invoice("acme-2026:2026-06")
	for _, l := range june.Lines {
		if strings.HasPrefix(l.Name, "Late usage") {
			t.Errorf("June bills late usage again: %s", l.Name)
		}
	}
	// More late March usage after that: June's draft goes stale and bills
	// only the new difference.
	ingest(t, b, calls("e3", 2, "2026-03-21T10:00:00Z")...)
	if reasons, err := b.Staleness(june); err != nil || len(reasons) != 1 || !strings.Contains(reasons[0], "late usage") {
		t.Errorf("staleness %v %v", reasons, err)
	}
	recalc(t, b, "2026-06")
	june, _ = b.Invoice("acme-2026:2026-06")
	var amounts []string
	for _, l := range june.Lines {
		if strings.HasPrefix(l.Name, "Late usage") {
			amounts = append(amounts, l.Amount.String())
		}
	}
	if strings.Join(amounts, ",") != "1" {
		t.Errorf("June late lines %v, want one of 1.00 (2 more calls at 0.50)", amounts)
	}
}

func TestLateUsageReportOnlyPolicy(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, LateReport, acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	ingest(t, b, calls("e1", 2, "2026-03-02T10:00:00Z")...)
	recalc(t, b, "2026-04")
	if _, err := b.Issue([]string{"acme-2026:2026-04"}); err != nil {
		t.Fatal(err)
	}
	r := ingest(t, b, calls("e2", 5, "2026-03-20T10:00:00Z")...)
	if !r[0].Late {
		t.Errorf("want the event flagged late: %+v", r[0])
	}
	recalc(t, b, "2026-05")
	may, _ := b.Invoice("acme-2026:2026-05")
	for _, l := range may.Lines {
		if strings.HasPrefix(l.Name, "Late usage") {
			t.Errorf("report-only policy billed %s", l.Name)
		}
	}
}

func TestMonthOverMonthFlags(t *testing.T) {
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
	ingest(t, b, calls("feb", 2, "2026-02-10T10:00:00Z")...)
	ingest(t, b, calls("mar", 60, "2026-03-10T10:00:00Z")...)
	recalc(t, b, "2026-03")
	// Globex's contract ends: a new version with status ended.
	if _, err := b.SaveSchedule("globex-2026", "globex", ScheduleEnded, "", globex); err != nil {
		t.Fatal(err)
	}
	recalc(t, b, "2026-04")
	rows, err := b.MonthOverMonth("2026-04", DefaultThresholds)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("rows: %+v", rows)
	}
	acme, missing := rows[0], rows[1]
	// March: 100.00 + Feb calls 2.00 = 102.00 (+19%: 121.38). April: 100.00
	// + 2 × 1.00 + 58 × 0.50 = 131.00 (+19%: 155.89): +28.4%.
	if acme.ID != "acme-2026:2026-04" || acme.Previous == nil || acme.Previous.ID != "acme-2026:2026-03" ||
		!acme.Change.Delta.Equal(decimal.RequireFromString("34.51")) || !acme.Change.Percent.Equal(decimal.RequireFromString("28.4")) ||
		!slices.Contains(acme.Flags, FlagSignificant) {
		t.Errorf("acme row: %+v change %+v", acme.Flags, acme.Change)
	}
	if len(acme.LineDiff) != 2 || acme.LineDiff[1].Name != "Calls" || !acme.LineDiff[1].Delta.Equal(decimal.RequireFromString("29")) {
		t.Errorf("line changes %+v", acme.LineDiff)
	}
	if missing.ID != "" || missing.Previous == nil || missing.Previous.ID != "globex-2026:2026-03" || !slices.Contains(missing.Flags, FlagMissing) {
		t.Errorf("missing row: %+v", missing)
	}
	march, err := b.MonthOverMonth("2026-03", DefaultThresholds)
	if err != nil || len(march) != 2 || !slices.Contains(march[0].Flags, FlagNew) {
		t.Errorf("March rows %+v %v", march, err)
	}
	// More usage after the draft was priced: the row is stale and says why.
	ingest(t, b, calls("late", 1, "2026-03-11T10:00:00Z")...)
	rows, _ = b.MonthOverMonth("2026-04", DefaultThresholds)
	if !slices.Contains(rows[0].Flags, FlagStale) || len(rows[0].Stale) != 1 {
		t.Errorf("stale: %+v %v", rows[0].Flags, rows[0].Stale)
	}
}

func TestViews(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	views, err := b.Views()
	if err != nil || len(views) != 3 {
		t.Fatalf("a new book has the default views: %+v %v", views, err)
	}
	for _, bad := range []View{
		{Name: "", Period: "2026-03"},
		{Name: "x", Period: "March"},
		{Name: "x", Period: "2026-03", Status: []InvoiceStatus{"open"}},
		{Name: "x", Period: "2026-03", Sort: "colour"},
	} {
		if err := b.SaveView(bad); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleActive, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	globex := acmeSchedule(t)
	globex.Currency = pricing.MustCurrency("USD")
	if _, err := b.SaveSchedule("globex-2026", "globex", ScheduleActive, "", globex); err != nil {
		t.Fatal(err)
	}
	ingest(t, b, calls("mar", 60, "2026-03-10T10:00:00Z")...)
	recalc(t, b, "2026-03")
	recalc(t, b, "2026-04")
	// The book's clock says 2 April 2026: "last month" is March.
	rows, label, err := b.ViewRows(View{Name: "t", Period: "last month", Sort: "-total"}, DefaultThresholds)
	if err != nil || label != "2026-03" || len(rows) != 2 || rows[0].CustomerID != "acme" {
		t.Errorf("last month: %s %d rows %v", label, len(rows), err)
	}
	usd := View{Name: "USD drafts", Period: "this month", Currency: "usd", Status: []InvoiceStatus{InvoiceDraft}}
	if err := b.SaveView(usd); err != nil {
		t.Fatal(err)
	}
	got, err := b.GetView("USD drafts")
	if err != nil {
		t.Fatal(err)
	}
	rows, label, err = b.ViewRows(got, DefaultThresholds)
	if err != nil || label != "2026-04" || len(rows) != 1 || rows[0].CustomerID != "globex" {
		t.Errorf("USD drafts: %s %+v %v", label, rows, err)
	}
	changed, _ := b.GetView("Significant changes")
	changed.Period = "2026-04"
	if rows, _, _ := b.ViewRows(changed, DefaultThresholds); len(rows) != 1 || rows[0].CustomerID != "acme" {
		t.Errorf("significant changes: %+v", rows)
	}
	if err := b.DeleteView("USD drafts"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetView("USD drafts"); err == nil {
		t.Error("deleted view still there")
	}
}

// A read-only open of a book that needs migrating says so and releases the
// file, so a writable open can migrate it (the CLI does exactly that).
func TestReadOnlyOpenOfAnOlderBook(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.db")
	b, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = b.update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketViews); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte{0, 0, 0, 2})
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, ErrOlderSchema) {
		t.Fatalf("read-only open of schema 2: %v", err)
	}
	w, err := Open(path, Options{LockTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("writable open after a failed read-only one: %v", err)
	}
	views, err := w.Views()
	w.Close()
	if err != nil || len(views) != 3 {
		t.Errorf("after migrating to schema 3: %d views, %v", len(views), err)
	}
}
