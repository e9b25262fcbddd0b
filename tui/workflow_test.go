package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
)

// The views pane lists every saved view with what the book says it holds;
// the grid shows the first view's rows in its order.
func TestLoadShowsViewsAndRows(t *testing.T) {
	b := demoBook(t, false)
	m := open(t, b, 120, 30)
	views, _ := b.Views()
	if len(m.views.views) != len(views) {
		t.Fatalf("views pane lists %d views, the book has %d", len(m.views.views), len(views))
	}
	for _, vd := range m.views.views {
		rows, label, err := b.ViewRows(vd.View, ledger.DefaultThresholds)
		if err != nil {
			t.Fatal(err)
		}
		if vd.Label != label || len(vd.Rows) != len(rows) {
			t.Errorf("%s: pane has %s/%d rows, ViewRows %s/%d", vd.View.Name, vd.Label, len(vd.Rows), label, len(rows))
		}
		for i := range rows {
			if rowID(&rows[i]) != rowID(&vd.Rows[i]) {
				t.Errorf("%s: row %d is %s, ViewRows has %s (order)", vd.View.Name, i, rowID(&vd.Rows[i]), rowID(&rows[i]))
				break
			}
		}
	}
	sel, _ := m.views.selected()
	if m.grid.grid.Total() != len(sel.Rows) || len(sel.Rows) == 0 {
		t.Errorf("grid shows %d rows of %q, which has %d", m.grid.grid.Total(), sel.View.Name, len(sel.Rows))
	}
	// Moving in the views pane changes the grid.
	press(t, m, "shift+tab", "j")
	next, _ := m.views.selected()
	if next.View.Name == sel.View.Name || m.grid.data != next {
		t.Errorf("after j in the views pane the grid shows %q", m.grid.data.View.Name)
	}
}

// Issuing asks first and does nothing without an explicit y; with y it
// issues exactly the marked drafts, with gapless numbers.
func TestIssueAsksAndIssuesMarked(t *testing.T) {
	b := demoBook(t, false)
	m := open(t, b, 120, 30)
	press(t, m, "space", "space", "space")
	marked, _ := m.grid.grid.Marked()
	if len(marked) != 3 {
		t.Fatalf("marked %v", marked)
	}
	press(t, m, "i")
	if m.dialog == nil || !strings.HasPrefix(m.dialog.title, "Issue 3 invoices?") {
		t.Fatalf("no confirmation: %+v", m.dialog)
	}
	press(t, m, "enter") // not y: the default is no
	if m.dialog != nil {
		t.Fatal("dialog still open after enter")
	}
	for _, id := range marked {
		if inv, _ := b.Invoice(id); inv.Status != ledger.InvoiceDraft {
			t.Fatalf("%s issued without a y", id)
		}
	}
	press(t, m, "i", "y")
	if m.job != nil {
		t.Fatal("job still running after drive")
	}
	var numbers []string
	for _, id := range marked {
		inv, err := b.Invoice(id)
		if err != nil || inv.Status != ledger.InvoiceIssued {
			t.Fatalf("%s: %s %v", id, inv.Status, err)
		}
		numbers = append(numbers, inv.Number)
	}
	slices.Sort(numbers)
	var n0 int
	fmt.Sscanf(numbers[0], "INV-2026-%06d", &n0)
	for i, n := range numbers {
		if want := fmt.Sprintf("INV-2026-%06d", n0+i); n != want {
			t.Errorf("numbers not consecutive: %v", numbers)
		}
	}
	if m.dialog == nil || len(m.dialog.lines) != 3 || !strings.Contains(m.dialog.lines[0], "issued INV-") {
		t.Errorf("per-invoice results: %+v", m.dialog)
	}
	press(t, m, "esc")
	// The drafts view reloaded without them; their marks went with them.
	for _, id := range marked {
		if _, ok := m.grid.row(id); ok {
			t.Errorf("%s still in the drafts view", id)
		}
	}
	if ids, hidden := m.grid.grid.Marked(); len(ids)+hidden != 0 {
		t.Errorf("marks left behind: %v +%d", ids, hidden)
	}
}

// A draft whose usage moved is stale: the issue dialog skips it and says
// why; recalculating it (r) makes it issuable.
func TestStaleDraftIsSkippedUntilRecalculated(t *testing.T) {
	b := demoBook(t, false)
	m := open(t, b, 120, 30)
	r, _ := m.grid.grid.Cursor()
	row, _ := m.grid.row(r.ID)
	// Usage the cursor invoice bills (arrears: its period's readings); the
	// grid holds summaries, the book the whole invoice.
	inv, err := b.Invoice(r.ID)
	if err != nil || len(inv.Readings) == 0 {
		t.Fatalf("the first draft bills no usage (%v); pick another demo seed", err)
	}
	rd := inv.Readings[0]
	at := time.Date(rd.From.Year(), rd.From.Month(), rd.From.Day(), 12, 0, 0, 0, time.UTC)
	res, err := b.Ingest(context.Background(), []ledger.Event{{ID: "late-1", Customer: row.CustomerID, Metric: rd.Metric, Timestamp: at, Value: decimal.NewFromInt(5000)}})
	if err != nil || res[0].Outcome != ledger.Accepted {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	press(t, m, "ctrl+r")
	row, _ = m.grid.row(r.ID)
	if len(row.Stale) == 0 {
		t.Fatalf("draft not stale after new usage: %+v", row.Flags)
	}
	press(t, m, "i")
	if m.dialog != nil {
		t.Fatalf("a lone stale draft must not open a dialog: %+v", m.dialog)
	}
	if !strings.Contains(m.status, "1 stale") {
		t.Errorf("status says why: %q", m.status)
	}
	before := row.Total
	press(t, m, "r")
	row, _ = m.grid.row(r.ID)
	if len(row.Stale) != 0 || row.Total.Equal(before) {
		t.Errorf("after r: stale %v, total %s (was %s)", row.Stale, row.Total, before)
	}
	if !strings.Contains(m.status, "1 updated") {
		t.Errorf("status: %q", m.status)
	}
}

// Sending queues issued invoices only, after a y, and reports each.
func TestSendQueuesIssued(t *testing.T) {
	b := demoBook(t, false)
	m := open(t, b, 120, 30)
	press(t, m, "space", "i", "y", "esc") // issue the first draft
	issued, _ := m.grid.grid.Marked()
	if len(issued) != 0 {
		t.Fatalf("marks after issue: %v", issued)
	}
	if !m.views.selectName("Ready to send") {
		t.Fatal("no Ready to send view")
	}
	m.showView(m.views.cur)
	if m.grid.grid.Total() != 1 {
		t.Fatalf("ready to send: %d rows", m.grid.grid.Total())
	}
	press(t, m, "S")
	if m.dialog == nil || !strings.Contains(strings.Join(m.dialog.lines, "\n"), "no mail settings") {
		t.Fatalf("send dialog: %+v", m.dialog)
	}
	press(t, m, "y")
	items, err := b.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	queued := 0
	for _, it := range items {
		if it.Status == ledger.OutboxQueued {
			queued++
			if !strings.HasSuffix(it.InvoiceID, ":2026-10") {
				t.Errorf("queued %s, not the invoice just issued", it.InvoiceID)
			}
		}
	}
	if queued != 1 {
		t.Errorf("%d items queued, want 1", queued)
	}
	// The grid shows it on its way; sending it again is refused with why.
	press(t, m, "esc")
	if r, ok := m.grid.grid.Cursor(); !ok || r.Cells[3].Text != "queued" {
		t.Errorf("status cell after queueing: %+v", r.Cells)
	}
	press(t, m, "S")
	if m.dialog != nil || !strings.Contains(m.status, "1 already in the outbox") {
		t.Errorf("second send: dialog %v, status %q", m.dialog != nil, m.status)
	}
}

// Esc cancels a running recalculation between batches; what was written
// stays whole (the book's check passes at the end of the test).
func TestCancelRecalc(t *testing.T) {
	b := demoBook(t, false)
	m := open(t, b, 120, 30)
	_, cmd := m.Update(keyMsg("R"))
	if m.job == nil {
		t.Fatal("R started nothing")
	}
	m.Update(keyMsg("esc"))
	drive(t, m, cmd)
	if m.job != nil {
		t.Fatal("job never finished")
	}
	if !strings.Contains(m.status, "recalc 2026-10") {
		t.Errorf("status: %q", m.status)
	}
}

// Read-only: the grid opens, writing keys say why they do nothing.
func TestReadOnlyRefusesWrites(t *testing.T) {
	b := demoBook(t, true)
	m := open(t, b, 120, 30)
	if m.grid.grid.Total() == 0 {
		t.Fatal("read-only book shows no rows")
	}
	for _, k := range []string{"r", "R", "i", "S", "w"} {
		press(t, m, k)
		if m.dialog != nil || m.job != nil || !strings.Contains(m.status, "read-only") {
			t.Errorf("%s: dialog %v job %v status %q", k, m.dialog != nil, m.job != nil, m.status)
		}
	}
}

// Filter, then detail steps through the filtered rows; esc returns.
func TestFilterAndDetail(t *testing.T) {
	b := demoBook(t, false)
	m := open(t, b, 120, 30)
	all := m.grid.grid.Len()
	first, _ := m.grid.grid.Cursor()
	name := strings.ToLower(strings.Fields(first.Cells[0].Text)[0])
	press(t, m, "/")
	typeText(t, m, name)
	press(t, m, "enter")
	if got := m.grid.grid.Len(); got == 0 || got > all {
		t.Fatalf("filter %q: %d of %d", name, got, all)
	}
	press(t, m, "enter")
	if m.detail == nil {
		t.Fatal("enter did not open the detail")
	}
	want := fmt.Sprintf("(1 of %d)", m.grid.grid.Len())
	if !strings.Contains(m.detail.title(), want) {
		t.Errorf("title %q, want %s", m.detail.title(), want)
	}
	if m.grid.grid.Len() > 1 {
		press(t, m, "right")
		if !strings.Contains(m.detail.title(), "(2 of") {
			t.Errorf("→ did not step: %q", m.detail.title())
		}
	}
	if v := m.View(); !strings.Contains(v, "Subtotal") || !strings.Contains(v, "Total ") {
		t.Errorf("detail view lacks totals:\n%s", v)
	}
	press(t, m, "esc")
	if m.detail != nil {
		t.Error("esc did not close the detail")
	}
	press(t, m, "esc")
	if m.grid.grid.Filter() != "" {
		t.Error("esc on the grid did not clear the filter")
	}
}

// Save as view folds the filter and sort into a new saved view.
func TestSaveView(t *testing.T) {
	b := demoBook(t, false)
	m := open(t, b, 120, 30)
	press(t, m, "/")
	typeText(t, m, "total>=100")
	press(t, m, "enter", "s", "s", "s", "s", "s") // sort by total
	press(t, m, "w")
	if m.dialog == nil || m.dialog.input == nil {
		t.Fatal("w did not prompt for a name")
	}
	m.dialog.input.SetValue("Big drafts")
	press(t, m, "enter")
	v, err := b.GetView("Big drafts")
	if err != nil {
		t.Fatal(err)
	}
	if v.MinTotal == nil || !v.MinTotal.Equal(decimal.NewFromInt(100)) || v.Sort != "total" || len(v.Status) != 1 {
		t.Errorf("saved view: %+v", v)
	}
	if sel, _ := m.views.selected(); sel.View.Name != "Big drafts" {
		t.Errorf("selected after save: %q", sel.View.Name)
	}
}

func TestViewFromGrid(t *testing.T) {
	base := ledger.View{Name: "x", Period: "last month"}
	cases := []struct {
		name, filter string
		sort         int
		desc         bool
		check        func(ledger.View) bool
		wantErr      string
	}{
		{"customer text", "acme", -1, false, func(v ledger.View) bool { return v.Customer == "acme" }, ""},
		{"status and flags", "status:draft flags:big", -1, false, func(v ledger.View) bool {
			return len(v.Status) == 1 && v.Status[0] == "draft" && len(v.Flags) == 1 && v.Flags[0] == ledger.FlagSignificant
		}, ""},
		{"change percent", "Δ%>=20", -1, false, func(v ledger.View) bool {
			return v.ChangedPercent != nil && v.ChangedPercent.Equal(decimal.NewFromInt(20))
		}, ""},
		{"sort descending by Δ%", "", 7, true, func(v ledger.View) bool { return v.Sort == "-delta%" }, ""},
		{"negation cannot be saved", "-status:sent", -1, false, nil, "cannot exclude"},
		{"two customer words", "acme globex", -1, false, nil, "one customer text"},
		{"unknown status", "status:open", -1, false, nil, "status"},
		{"strict comparison", "total>5", -1, false, nil, "views save"},
		{"sort by period", "", 2, false, nil, "views sort by"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := viewFromGrid(base, tc.filter, invoiceColumns, tc.sort, tc.desc)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(v) {
				t.Fatalf("%+v %v", v, err)
			}
		})
	}
}

// A live job asks for a reload at most once a second (every tenth tick),
// and only when it committed more since the last one.
func TestLiveJobReloads(t *testing.T) {
	j := &job{live: true}
	due := 0
	for i := 1; i <= 30; i++ {
		if i == 5 || i == 25 {
			j.done.Add(256) // a batch committed
		}
		if j.reloadDue() {
			due++
			if i%10 != 0 {
				t.Errorf("reload on tick %d", i)
			}
		}
	}
	if due != 2 { // ticks 10 and 30; nothing new by tick 20
		t.Errorf("%d reloads, want 2", due)
	}
	quiet := &job{ticks: 9} // the next tick is the tenth, with new work
	quiet.done.Add(1)
	if quiet.reloadDue() {
		t.Error("a job that is not live never reloads")
	}
}
