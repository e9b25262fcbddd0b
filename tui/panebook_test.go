package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// A small real book for the pane tests, built through the same calls as
// real use, on a fixed clock so goldens are stable.

var paneClock = time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)

// openPaneBook opens an empty book in t.TempDir() and checks its
// invariants when the test ends.
func openPaneBook(t *testing.T) *ledger.Book {
	t.Helper()
	b, err := ledger.Open(filepath.Join(t.TempDir(), "book.db"), ledger.Options{Actor: "test", NoSync: true,
		Now: func() time.Time { return paneClock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		checkBook(t, b)
		b.Close()
	})
	return b
}

type paneCustomer struct {
	id, name, currency, zone, email string
}

var paneCustomers = []paneCustomer{
	{"acme", "Acme Corp", "EUR", "Europe/Berlin", "ap@acme.example"},
	{"globex", "Globex", "USD", "America/New_York", "billing@globex.example"},
	{"initech", "Initech", "EUR", "Europe/Berlin", "ap@initech.example"},
	{"umbrella", "Umbrella Health", "USD", "America/New_York", "ap@umbrella.example"},
}

// addPaneCustomers adds the customers, a count metric and an active
// monthly schedule for each.
func addPaneCustomers(t *testing.T, b *ledger.Book) {
	t.Helper()
	for _, c := range paneCustomers {
		if err := b.AddCustomer(ledger.Customer{ID: c.id, Name: c.name, Emails: []string{c.email},
			Currency: pricing.MustCurrency(c.currency), TimeZone: c.zone, PaymentTermsDays: 14,
			TaxRate: decimal.RequireFromString("0")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.AddMetric(ledger.Metric{Code: "calls", Aggregation: ledger.AggCount}); err != nil {
		t.Fatal(err)
	}
	for _, c := range paneCustomers {
		s, err := pricing.ParseSchedule(c.id+".yaml", fmt.Appendf(nil, `
currency: %s
time_zone: %s
start: 2026-01-01
billing: {frequency: monthly}
phases:
  - name: Year 1
    lines:
      - {name: Platform, model: flat, price: 100.00}
      - {name: Calls, model: per_unit, metric: calls, price: 0.01}
`, c.currency, c.zone))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.SaveSchedule(c.id+"-2026", c.id, ledger.ScheduleActive, "", s); err != nil {
			t.Fatal(err)
		}
	}
}

// ingestPaneUsage ingests n calls under alias, one an hour from at.
func ingestPaneUsage(t *testing.T, b *ledger.Book, alias string, at time.Time, n int) {
	t.Helper()
	events := make([]ledger.Event, n)
	for i := range events {
		events[i] = ledger.Event{ID: fmt.Sprintf("%s-%d", alias, i), Customer: alias, Metric: "calls",
			Timestamp: at.Add(time.Duration(i) * time.Hour), Value: decimal.RequireFromString("1")}
	}
	if _, err := b.Ingest(context.Background(), events); err != nil {
		t.Fatal(err)
	}
}

var errMailboxGone = errors.New("550 5.1.1 no such mailbox")

// outboxPaneBook is a book whose March invoices are issued and in the
// outbox in every state: acme sent, globex failed (a permanent refusal),
// initech unknown (the process stopped while sending) and umbrella queued.
func outboxPaneBook(t *testing.T) *ledger.Book {
	t.Helper()
	b := openPaneBook(t)
	addPaneCustomers(t, b)
	if _, err := b.Recalc(context.Background(), "2026-03", nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	permanent := func(error) bool { return false }
	step := func(id string, send ledger.SendFunc) {
		t.Helper()
		inv := id + "-2026:2026-03"
		if res, err := b.Issue([]string{inv}); err != nil || !res[0].Issued {
			t.Fatalf("issue %s: %+v %v", inv, res, err)
		}
		if res, err := b.QueueSend([]string{inv}); err != nil || !res[0].Queued {
			t.Fatalf("queue %s: %+v %v", inv, res, err)
		}
		if send == nil {
			return
		}
		func() {
			defer func() { recover() }() // a stop while sending
			if _, err := b.Deliver(ctx, send, permanent); err != nil {
				t.Fatal(err)
			}
		}()
	}
	step("acme", func(context.Context, ledger.OutboxItem) error { return nil })
	step("globex", func(context.Context, ledger.OutboxItem) error { return errMailboxGone })
	step("initech", func(context.Context, ledger.OutboxItem) error { panic("killed") })
	// The next run finds initech's item sending and puts it in doubt.
	if sum, err := b.Deliver(ctx, func(context.Context, ledger.OutboxItem) error {
		t.Fatal("nothing is due")
		return nil
	}, permanent); err != nil || sum.InDoubt != 1 {
		t.Fatalf("deliver after the stop: %+v %v", sum, err)
	}
	step("umbrella", nil)
	return b
}

func paneContext(b *ledger.Book) *Context {
	return &Context{Book: b, Theme: NewTheme(), Keys: DefaultKeyMap(), Now: func() time.Time { return paneClock }}
}

// run executes a command as the Bubble Tea runtime would and returns the
// messages it produced, with batches unwrapped (tea.BatchMsg is []tea.Cmd).
func runCmd(t *testing.T, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range batch {
			out = append(out, runCmd(t, c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// settlePane feeds cmd's messages to the pane, and the messages those produce,
// until nothing is left; it returns the status texts and whether the book
// was said to change. Messages for the root (status, book changed) are
// also given to the pane, as the root broadcasts bookChangedMsg.
func settlePane(t *testing.T, p pane, cmd tea.Cmd) (status []string, changed bool) {
	t.Helper()
	queue := runCmd(t, cmd)
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		switch msg := msg.(type) {
		case statusMsg:
			status = append(status, msg.text)
			continue
		case bookChangedMsg:
			changed = true
		}
		_, next := p.Update(msg)
		queue = append(queue, runCmd(t, next)...)
	}
	return status, changed
}

// keyPress turns key names into key messages: "enter", "esc", "up", "down",
// "left", "right", "space", else the runes typed.
func keyPress(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// pressKeys sends each key to the pane and settles what it returns.
func pressKeys(t *testing.T, p pane, ks ...string) (status []string, changed bool) {
	t.Helper()
	for _, k := range ks {
		_, cmd := p.Update(keyPress(k))
		s, c := settlePane(t, p, cmd)
		status, changed = append(status, s...), changed || c
	}
	return status, changed
}

// shortHelp is a pane's short help as "key desc" pairs, to assert on.
func shortHelp(p pane) string {
	var out []string
	for _, b := range p.ShortHelp() {
		out = append(out, b.Help().Key+" "+b.Help().Desc)
	}
	return strings.Join(out, " · ")
}
