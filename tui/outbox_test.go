package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/monthend/monthend/ledger"
)

// loadedOutboxPane is the pane at 80×24 with its first load applied.
func loadedOutboxPane(t *testing.T, ctx *Context) *outboxPane {
	t.Helper()
	p := newOutboxPane(ctx)
	p.SetSize(80, 24)
	settlePane(t, p, p.Init())
	return p
}

// itemOf is the newest outbox item of an invoice number.
func itemOf(t *testing.T, b *ledger.Book, number string) ledger.OutboxItem {
	t.Helper()
	items, err := b.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	var found ledger.OutboxItem
	for _, it := range items {
		if it.Number == number {
			found = it
		}
	}
	if found.Seq == 0 {
		t.Fatalf("no outbox item for %s in %+v", number, items)
	}
	return found
}

func TestOutboxPaneListsItems(t *testing.T) {
	p := loadedOutboxPane(t, paneContext(outboxPaneBook(t)))
	if got := gridColumn(p.grid, 0); got != "unknown,failed,queued,sent" {
		t.Errorf("statuses %s", got)
	}
	if got := gridColumn(p.grid, 1); got != "INV-2026-000003,INV-2026-000002,INV-2026-000004,INV-2026-000001" {
		t.Errorf("numbers %s", got)
	}
	if got := gridColumn(p.grid, 5); got != "found sending after a stop: may have been sent,550 5.1.1 no such mailbox,," {
		t.Errorf("errors %s", got)
	}
	if got := gridColumn(p.grid, 3); got != "1,1,0,1" {
		t.Errorf("attempts %s", got)
	}
	if got := p.title(); got != "Outbox: 1 queued · 0 sending · 1 sent · 1 failed · 1 unknown" {
		t.Errorf("title %q", got)
	}
}

func TestOutboxPaneRetriesAFailedItem(t *testing.T) {
	b := outboxPaneBook(t)
	p := loadedOutboxPane(t, paneContext(b))
	pressKeys(t, p, "j") // globex: failed
	if got := shortHelp(p); got != "↑/k up · ↓/j down · t retry · ctrl+r reload" {
		t.Errorf("help on a failed item: %s", got)
	}
	status, changed := pressKeys(t, p, "t")
	if len(status) != 1 || status[0] != "INV-2026-000002 queued again: D delivers it now" || !changed {
		t.Errorf("status %q, changed %v", status, changed)
	}
	if it := itemOf(t, b, "INV-2026-000002"); it.Status != ledger.OutboxQueued || it.Attempts != 0 {
		t.Errorf("in the book: %+v", it)
	}
	// The pane reloaded: the invoice's new item replaces the failed one.
	if got := gridColumn(p.grid, 0); got != "unknown,queued,queued,sent" {
		t.Errorf("statuses after retry %s", got)
	}
	if r, _ := p.grid.Cursor(); p.items[r.ID].Number != "INV-2026-000002" {
		t.Errorf("the cursor moved to %s: it stays on the invoice retried", p.items[r.ID].Number)
	}
	if !strings.Contains(p.title(), "(1 earlier attempt hidden)") {
		t.Errorf("title %q", p.title())
	}
}

// pressConfirm sends key k to the pane, which must ask in a dialog (the
// root shows it), then answers the dialog with answer and settles what
// follows. It returns the dialog, the status texts and whether the book
// was said to change.
func pressConfirm(t *testing.T, p pane, keys *KeyMap, k, answer string) (*dialog, []string, bool) {
	t.Helper()
	_, cmd := p.Update(keyPress(k))
	var d *dialog
	for _, msg := range runCmd(t, cmd) {
		if o, ok := msg.(openDialogMsg); ok {
			d = o.d
		} else {
			t.Fatalf("%s: %T before the dialog", k, msg)
		}
	}
	if d == nil {
		t.Fatalf("%s opened no dialog", k)
	}
	answered, _ := d.update(keyPress(answer), keys)
	status, changed := settlePane(t, p, answered)
	return d, status, changed
}

func TestOutboxPaneResendsAnItemInDoubt(t *testing.T) {
	b := outboxPaneBook(t)
	ctx := paneContext(b)
	p := loadedOutboxPane(t, ctx)
	// initech, in doubt, is first: it needs the user most.
	if got := shortHelp(p); !strings.Contains(got, "m mark sent (it arrived) · t resend (may duplicate)") {
		t.Errorf("help on an item in doubt: %s", got)
	}
	// It may have arrived: t asks, and any key but y leaves it in doubt.
	d, status, changed := pressConfirm(t, p, ctx.Keys, "t", "n")
	if d.title != "Send INV-2026-000003 again?" || !strings.Contains(strings.Join(d.lines, " "), "may get it twice") {
		t.Errorf("dialog %q: %q", d.title, d.lines)
	}
	if len(status) != 1 || !strings.HasPrefix(status[0], "cancelled") || changed {
		t.Errorf("t, n: status %q, changed %v", status, changed)
	}
	if it := itemOf(t, b, "INV-2026-000003"); it.Status != ledger.OutboxUnknown {
		t.Fatalf("t, n changed the item: %+v", it)
	}
	_, status, changed = pressConfirm(t, p, ctx.Keys, "t", "y")
	if len(status) != 1 || !strings.Contains(status[0], "INV-2026-000003 may already have gone out") ||
		!strings.Contains(status[0], "may get it twice") || !changed {
		t.Errorf("status %q, changed %v", status, changed)
	}
	if it := itemOf(t, b, "INV-2026-000003"); it.Status != ledger.OutboxQueued {
		t.Errorf("in the book: %+v", it)
	}
}

func TestOutboxPaneMarksAnItemInDoubtSent(t *testing.T) {
	b := outboxPaneBook(t)
	ctx := paneContext(b)
	p := loadedOutboxPane(t, ctx)
	d, status, changed := pressConfirm(t, p, ctx.Keys, "m", "y")
	if d.title != "Mark INV-2026-000003 sent?" || !strings.Contains(strings.Join(d.lines, " "), "ap@initech.example") {
		t.Errorf("dialog %q: %q", d.title, d.lines)
	}
	if len(status) != 1 || status[0] != "INV-2026-000003 marked sent: it will not be sent again" || !changed {
		t.Errorf("status %q, changed %v", status, changed)
	}
	if it := itemOf(t, b, "INV-2026-000003"); it.Status != ledger.OutboxSent || !it.SentAt.Equal(paneClock) {
		t.Errorf("in the book: %+v", it)
	}
	if inv, err := b.Invoice("initech-2026:2026-03"); err != nil || inv.Status != ledger.InvoiceSent {
		t.Errorf("the invoice: %s, %v", inv.Status, err)
	}
	if got := gridColumn(p.grid, 0); got != "failed,queued,sent,sent" {
		t.Errorf("statuses after m: %s", got)
	}
	// Only an item in doubt is settled by hand.
	for _, tc := range []struct{ name, keys, want string }{
		{"failed", "g", "INV-2026-000002 failed, so it did not arrive: t queues it again"},
		{"queued", "j", "INV-2026-000004 is queued: only an item in doubt is marked sent by hand"},
		{"sent", "G", "INV-2026-000001 is already sent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pressKeys(t, p, tc.keys)
			if strings.Contains(shortHelp(p), "mark sent") {
				t.Errorf("help offers m on a %s item: %s", tc.name, shortHelp(p))
			}
			status, changed := pressKeys(t, p, "m")
			if len(status) != 1 || status[0] != tc.want || changed {
				t.Errorf("status %q, changed %v", status, changed)
			}
		})
	}
}

func TestOutboxPaneRetryExplainsWhatItCannotDo(t *testing.T) {
	b := outboxPaneBook(t)
	p := loadedOutboxPane(t, paneContext(b))
	for _, tc := range []struct{ name, keys, want string }{
		{"sent", "G", "INV-2026-000001 was sent: nothing to retry"},
		{"queued", "k", "INV-2026-000004 is already queued: D delivers what is due now"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.keys != "" {
				pressKeys(t, p, tc.keys)
			}
			if strings.Contains(shortHelp(p), "retry") {
				t.Errorf("help offers t on a %s item: %s", tc.name, shortHelp(p))
			}
			status, changed := pressKeys(t, p, "t")
			if len(status) != 1 || status[0] != tc.want || changed {
				t.Errorf("status %q, changed %v", status, changed)
			}
		})
	}
}

func TestOutboxPaneDeliverWithoutMailSettings(t *testing.T) {
	p := loadedOutboxPane(t, paneContext(outboxPaneBook(t)))
	if strings.Contains(shortHelp(p), "deliver") {
		t.Errorf("help offers D without mail settings: %s", shortHelp(p))
	}
	status, changed := pressKeys(t, p, "D")
	if len(status) != 1 || status[0] != "no mail settings: see docs/delivery.md (monthend send --help)" || changed {
		t.Errorf("status %q, changed %v", status, changed)
	}
}

func TestOutboxPaneDeliversNow(t *testing.T) {
	b := outboxPaneBook(t)
	ctx := paneContext(b)
	var sent []string
	ctx.Deliver = func(c context.Context) (ledger.DeliverSummary, error) {
		return b.Deliver(c, func(_ context.Context, it ledger.OutboxItem) error {
			sent = append(sent, it.Number)
			return nil
		}, func(error) bool { return true })
	}
	p := loadedOutboxPane(t, ctx)
	if !strings.Contains(shortHelp(p), "D deliver now") {
		t.Errorf("help: %s", shortHelp(p))
	}
	_, cmd := p.Update(keyPress("D"))
	// While it runs, the pane says so and esc stops it.
	if !strings.Contains(p.View(), "delivering…") || !strings.Contains(shortHelp(p), "esc stop delivery") {
		t.Errorf("while delivering: help %q\n%s", shortHelp(p), p.View())
	}
	if _, again := p.Update(keyPress("D")); len(runCmd(t, again)) != 1 {
		t.Error("a second D did not say a delivery is running")
	}
	status, changed := settlePane(t, p, cmd)
	if strings.Join(sent, ",") != "INV-2026-000004" {
		t.Errorf("sent %v: only the queued item is due", sent)
	}
	if len(status) != 2 || status[0] != "delivering the due items… (esc stops)" ||
		status[1] != "delivered: 1 sent, 0 to retry, 0 failed, 0 in doubt" || !changed {
		t.Errorf("status %q, changed %v", status, changed)
	}
	if p.delivering || strings.Contains(p.View(), "delivering…") {
		t.Error("still shows the delivery running")
	}
	if got := gridColumn(p.grid, 0); got != "unknown,failed,sent,sent" {
		t.Errorf("after delivery %s", got)
	}
}

func TestOutboxPaneReportsAStoppedOrFailedDelivery(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"stopped", context.Canceled, "delivery stopped: 2 sent, 0 to retry, 0 failed, 0 in doubt"},
		{"failed", errors.New("mail settings: no host"), "delivery: mail settings: no host (2 sent, 0 to retry, 0 failed, 0 in doubt before it)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := paneContext(outboxPaneBook(t))
			ctx.Deliver = func(context.Context) (ledger.DeliverSummary, error) {
				return ledger.DeliverSummary{Sent: 2}, tc.err
			}
			p := loadedOutboxPane(t, ctx)
			status, changed := pressKeys(t, p, "D")
			if len(status) != 2 || status[1] != tc.want || !changed {
				t.Errorf("status %q, changed %v", status, changed)
			}
		})
	}
}

func TestOutboxPaneReadOnly(t *testing.T) {
	b := outboxPaneBook(t)
	ctx := paneContext(b)
	ctx.ReadOnly, ctx.ReadOnlyWhy = true, "opened with --read-only"
	ctx.Deliver = func(context.Context) (ledger.DeliverSummary, error) {
		t.Fatal("delivered on a read-only book")
		return ledger.DeliverSummary{}, nil
	}
	p := loadedOutboxPane(t, ctx)
	pressKeys(t, p, "j")
	if got := shortHelp(p); got != "↑/k up · ↓/j down · ctrl+r reload" {
		t.Errorf("read-only help: %s", got)
	}
	for k, want := range map[string]string{
		"t": "retry: the book is read-only — opened with --read-only",
		"m": "mark sent: the book is read-only — opened with --read-only",
		"D": "deliver: the book is read-only — opened with --read-only",
	} {
		if status, changed := pressKeys(t, p, k); len(status) != 1 || status[0] != want || changed {
			t.Errorf("%s: status %q, changed %v", k, status, changed)
		}
	}
	if it := itemOf(t, b, "INV-2026-000002"); it.Status != ledger.OutboxFailed {
		t.Errorf("read-only retry changed the book: %+v", it)
	}
}

func TestOutboxPaneFilter(t *testing.T) {
	b := outboxPaneBook(t)
	ctx := paneContext(b)
	p := loadedOutboxPane(t, ctx)
	// While the filter is typed, letters type: m and t do not act.
	pressKeys(t, p, "/")
	if !p.Capturing() || shortHelp(p) != "enter apply · esc cancel" {
		t.Fatalf("after /: capturing %v, help %s", p.Capturing(), shortHelp(p))
	}
	if status, changed := pressKeys(t, p, "m", "t"); len(status) != 0 || changed {
		t.Errorf("m, t in the filter acted: %q %v", status, changed)
	}
	pressKeys(t, p, "esc")
	if p.Capturing() || p.grid.Filter() != "" || p.grid.Len() != 4 {
		t.Fatalf("esc did not restore the unfiltered list: %q, %d rows", p.grid.Filter(), p.grid.Len())
	}
	if it := itemOf(t, b, "INV-2026-000003"); it.Status != ledger.OutboxUnknown {
		t.Fatalf("typing in the filter changed the book: %+v", it)
	}

	// The filter narrows as it is typed; enter keeps it; actions apply to
	// what it shows.
	pressKeys(t, p, "/")
	pressKeys(t, p, strings.Split("status:failed", "")...)
	pressKeys(t, p, "enter")
	if p.Capturing() || gridColumn(p.grid, 1) != "INV-2026-000002" {
		t.Fatalf("status:failed shows %s", gridColumn(p.grid, 1))
	}
	if !strings.Contains(p.View(), "filter: status:failed") {
		t.Errorf("the filter in force is not shown:\n%s", p.View())
	}
	status, changed := pressKeys(t, p, "t")
	if len(status) != 1 || status[0] != "INV-2026-000002 queued again: D delivers it now" || !changed {
		t.Errorf("t on the filtered row: %q %v", status, changed)
	}
	// Its new item is queued: the filter now matches nothing, and says so.
	if p.grid.Len() != 0 || !strings.Contains(p.View(), "no item matches the filter: esc clears it") {
		t.Errorf("after the retry: %d rows\n%s", p.grid.Len(), p.View())
	}
	for _, k := range []string{"t", "m"} {
		if status, _ := pressKeys(t, p, k); len(status) != 1 || status[0] != "no item matches the filter: esc clears it" {
			t.Errorf("%s with nothing shown: %q", k, status)
		}
	}
	pressKeys(t, p, "esc")
	if p.grid.Filter() != "" || p.grid.Len() != 4 {
		t.Errorf("esc did not clear the filter: %q, %d rows", p.grid.Filter(), p.grid.Len())
	}
}

// One retry or settling at a time: a second key waits for the first.
func TestOutboxPaneSettlesOneItemAtATime(t *testing.T) {
	b := outboxPaneBook(t)
	ctx := paneContext(b)
	p := loadedOutboxPane(t, ctx)
	_, cmd := p.Update(keyPress("m"))
	msgs := runCmd(t, cmd)
	if len(msgs) != 1 {
		t.Fatalf("m: %v", msgs)
	}
	d, ok := msgs[0].(openDialogMsg)
	if !ok {
		t.Fatalf("m: %T, want a dialog", msgs[0])
	}
	settle, _ := d.d.update(keyPress("y"), ctx.Keys) // not run yet
	for _, k := range []string{"t", "m"} {
		if status, changed := pressKeys(t, p, k); len(status) != 1 || status[0] != "still working on INV-2026-000003…" || changed {
			t.Errorf("%s while m runs: %q %v", k, status, changed)
		}
	}
	if status, _ := settlePane(t, p, settle); len(status) != 1 || status[0] != "INV-2026-000003 marked sent: it will not be sent again" {
		t.Errorf("the settling: %q", status)
	}
	if it := itemOf(t, b, "INV-2026-000003"); it.Status != ledger.OutboxSent {
		t.Errorf("in the book: %+v", it)
	}
}

func TestOutboxPaneDropsStaleLoads(t *testing.T) {
	p := newOutboxPane(paneContext(outboxPaneBook(t)))
	p.SetSize(80, 24)
	first, second := runCmd(t, p.Init()), runCmd(t, p.load())
	p.Update(first[0])
	if p.loaded {
		t.Fatal("applied a load that a newer one replaced")
	}
	p.Update(second[0])
	if !p.loaded || p.grid.Total() != 4 {
		t.Fatalf("newest load not applied: %d rows", p.grid.Total())
	}
}

func TestOutboxPaneGolden(t *testing.T) {
	p := loadedOutboxPane(t, paneContext(outboxPaneBook(t)))
	pressKeys(t, p, "j")
	checkPaneView(t, p, 80, 24)
	golden.RequireEqual(t, []byte(p.View()))
}

// Both panes draw exactly the area they are given, however small, in every
// mode (a resize can come at any time).
func TestPanesFitAnySize(t *testing.T) {
	cust := loadedCustomersPane(t, paneContext(customersBook(t)))
	out := loadedOutboxPane(t, paneContext(outboxPaneBook(t)))
	modes := []struct {
		name  string
		p     pane
		keys  []string
		reset []string
	}{
		{"customers", cust, nil, nil},
		{"customer detail", cust, []string{"enter"}, []string{"esc"}},
		{"usage", cust, []string{"right"}, []string{"left"}},
		{"picker", cust, []string{"right", "m", "a"}, []string{"esc", "left"}},
		{"outbox", out, nil, nil},
		{"outbox filter", out, []string{"/", "s", "e", "n", "t"}, []string{"enter"}},
		{"outbox filtered", out, nil, []string{"esc"}},
		{"outbox filter matches none", out, []string{"/", "z", "z", "enter"}, []string{"esc"}},
	}
	for _, m := range modes {
		pressKeys(t, m.p, m.keys...)
		for _, size := range [][2]int{{1, 1}, {10, 3}, {40, 6}, {80, 24}, {120, 30}, {250, 60}} {
			t.Run(fmt.Sprintf("%s/%dx%d", m.name, size[0], size[1]), func(t *testing.T) {
				m.p.SetSize(size[0], size[1])
				checkPaneView(t, m.p, size[0], size[1])
			})
		}
		pressKeys(t, m.p, m.reset...)
	}
}
