package tui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/monthend/monthend/ledger"
)

// outboxPane lists the deliveries of issued invoices: queued, sending,
// sent, failed and in doubt ("unknown": found sending after a stop, so
// maybe delivered). t retries the item under the cursor (a failed one is
// queued again; one in doubt is queued to be resent, after a confirmation,
// since it may have arrived); m settles one in doubt as sent once the user
// has checked that it arrived; D runs a delivery of every due item now
// through Context.Deliver.
//
// Queueing a failed invoice again adds a new item, so the book keeps the
// failed attempt; the pane shows each invoice's newest item only and says
// how many earlier ones it hides.
type outboxPane struct {
	ctx      *Context
	grid     *Grid
	gridKeys GridKeys

	loadID  int
	loaded  bool
	loadErr error
	items   map[string]ledger.OutboxItem // shown items by row ID: the invoice ID
	hidden  int                          // earlier items of invoices queued again
	counts  map[ledger.OutboxStatus]int

	filter     filterBox          // "/": status:unknown, acme, …
	retrying   string             // invoice number being retried or settled
	delivering bool               // a Deliver run is in flight
	cancel     context.CancelFunc // stops the Deliver run between items

	width, height int
}

// outboxLoadedMsg carries the outbox as read by load number id.
type outboxLoadedMsg struct {
	id    int
	items []ledger.OutboxItem
	err   error
}

// outboxRetriedMsg is the result of t on one item.
type outboxRetriedMsg struct {
	number string
	status ledger.OutboxStatus // what the item was: failed or unknown
	queued bool
	reason string // why it was not queued
	err    error
}

// outboxSettledMsg is the result of m on an item in doubt.
type outboxSettledMsg struct {
	number string
	err    error
}

// outboxDeliveredMsg is the result of a Deliver run.
type outboxDeliveredMsg struct {
	summary ledger.DeliverSummary
	err     error
}

var outboxCols = []Column{
	{Key: "status", Title: "Status", Width: 7},
	{Key: "number", Title: "Invoice", Width: 15},
	{Key: "to", Title: "To", Width: 16, Flex: 2},
	{Key: "attempts", Title: "Tries", Width: 5, Align: AlignRight, Numeric: true, Priority: 2},
	{Key: "next", Title: "Next try UTC", Width: 16, Priority: 3},
	{Key: "error", Title: "Last error", Width: 10, Flex: 3, Priority: 1},
}

// newOutboxPane builds the pane; Init loads it.
func newOutboxPane(ctx *Context) *outboxPane {
	gk := ctx.Keys.Grid
	// t and D act on the cursor item and on everything due: no marks.
	gk.Mark.SetEnabled(false)
	gk.MarkAll.SetEnabled(false)
	gk.Unmark.SetEnabled(false)
	return &outboxPane{ctx: ctx, gridKeys: gk, grid: NewGrid(outboxCols, ctx.Theme, gk), filter: newFilterBox("status:unknown  acme  -status:sent")}
}

// Init loads the outbox.
func (p *outboxPane) Init() tea.Cmd { return p.load() }

func (p *outboxPane) load() tea.Cmd {
	p.loadID++
	id, b := p.loadID, p.ctx.Book
	return func() tea.Msg {
		items, err := b.Outbox()
		return outboxLoadedMsg{id: id, items: items, err: err}
	}
}

// Capturing is true while the "/" filter is typed.
func (p *outboxPane) Capturing() bool { return p.filter.open }

func (p *outboxPane) Update(msg tea.Msg) (pane, tea.Cmd) {
	switch msg := msg.(type) {
	case outboxLoadedMsg:
		if msg.id != p.loadID {
			return p, nil
		}
		return p, p.loadedItems(msg)
	case outboxRetriedMsg:
		p.retrying = ""
		return p, p.retried(msg)
	case outboxSettledMsg:
		p.retrying = ""
		return p, p.settled(msg)
	case outboxDeliveredMsg:
		p.delivering = false
		if p.cancel != nil {
			p.cancel()
			p.cancel = nil
		}
		return p, p.delivered(msg)
	case bookChangedMsg:
		return p, p.load()
	case tea.KeyMsg:
		return p, p.key(msg)
	}
	return p, nil
}

func (p *outboxPane) loadedItems(msg outboxLoadedMsg) tea.Cmd {
	p.loaded, p.loadErr = true, msg.err
	if msg.err != nil {
		return setStatus("outbox: "+msg.err.Error(), ToneNegative)
	}
	// The newest item of each invoice is its delivery; older ones are
	// attempts that failed before it was queued again.
	newest := map[string]uint64{}
	for _, it := range msg.items {
		newest[it.InvoiceID] = max(newest[it.InvoiceID], it.Seq)
	}
	p.items = map[string]ledger.OutboxItem{}
	p.counts = map[ledger.OutboxStatus]int{}
	p.hidden = 0
	now := p.ctx.Now
	rows := make([]Row, 0, len(newest))
	for _, it := range msg.items {
		if newest[it.InvoiceID] != it.Seq {
			p.hidden++
			continue
		}
		// Rows are invoices, so the cursor stays on an invoice whose
		// failed item is replaced by a new one.
		id := it.InvoiceID
		p.items[id] = it
		p.counts[it.Status]++
		next := ""
		if it.Status == ledger.OutboxQueued {
			next = "due"
			if now != nil && it.NextAttempt.After(now()) {
				next = formatStamp(it.NextAttempt)
			}
		}
		row := Row{ID: id, Cells: []Cell{
			{Text: string(it.Status), Tone: outboxTone(it.Status)},
			{Text: it.Number},
			{Text: strings.Join(it.To, ", ")},
			countCell(it.Attempts),
			{Text: next},
			{Text: it.LastError, Tone: ToneMuted},
		}}
		if it.Status == ledger.OutboxFailed || it.Status == ledger.OutboxUnknown {
			row.Tone = ToneWarn // needs the user
		}
		rows = append(rows, row)
	}
	// What needs the user first, then the newest: a month's failures must
	// not hide under a year of sent mail.
	slices.SortStableFunc(rows, func(a, b Row) int {
		ia, ib := p.items[a.ID], p.items[b.ID]
		if r := cmp.Compare(outboxRank(ia.Status), outboxRank(ib.Status)); r != 0 {
			return r
		}
		return cmp.Compare(ib.Seq, ia.Seq)
	})
	p.grid.SetRows(rows)
	return nil
}

// outboxRank orders statuses by how much they need the user.
func outboxRank(s ledger.OutboxStatus) int {
	switch s {
	case ledger.OutboxUnknown:
		return 0
	case ledger.OutboxFailed:
		return 1
	case ledger.OutboxSending:
		return 2
	case ledger.OutboxQueued:
		return 3
	}
	return 4
}

func outboxTone(s ledger.OutboxStatus) Tone {
	switch s {
	case ledger.OutboxSent:
		return ToneMuted
	case ledger.OutboxFailed:
		return ToneNegative
	case ledger.OutboxUnknown:
		return ToneWarn
	}
	return ToneNormal
}

func (p *outboxPane) key(k tea.KeyMsg) tea.Cmd {
	keys := p.ctx.Keys
	switch {
	case p.filter.open:
		cmd := p.filter.update(k, p.grid)
		p.SetSize(p.width, p.height)
		return cmd
	case key.Matches(k, keys.Reload):
		return p.load()
	case p.delivering && key.Matches(k, keys.Back):
		if p.cancel != nil {
			p.cancel()
		}
		return setStatus("stopping delivery after the item being sent…", ToneWarn)
	case key.Matches(k, keys.Filter):
		cmd := p.filter.start(p.grid)
		p.SetSize(p.width, p.height)
		return cmd
	case key.Matches(k, keys.Back) && p.filter.clear(p.grid):
		p.SetSize(p.width, p.height)
		return nil
	case key.Matches(k, keys.Retry):
		return p.retry()
	case key.Matches(k, keys.MarkDelivered):
		return p.markDelivered()
	case key.Matches(k, keys.DeliverNow):
		return p.deliver()
	}
	return p.grid.Update(k)
}

// ready is the preamble of t and m: the book is writable, there is an
// item under the cursor, and no other retry or settling is in flight (one
// at a time, so two keys cannot race on one item). If not, cmd says why.
func (p *outboxPane) ready(action string) (ledger.OutboxItem, tea.Cmd, bool) {
	if cmd, ok := p.ctx.canWrite(action); !ok {
		return ledger.OutboxItem{}, cmd, false
	}
	row, ok := p.grid.Cursor()
	switch {
	case !ok && p.grid.Total() > 0:
		return ledger.OutboxItem{}, setStatus("no item matches the filter: esc clears it", ToneNormal), false
	case !ok:
		return ledger.OutboxItem{}, setStatus("the outbox is empty: issue invoices, then send them (S in the invoice grid)", ToneNormal), false
	case p.retrying != "":
		return ledger.OutboxItem{}, setStatus("still working on "+p.retrying+"…", ToneWarn), false
	}
	return p.items[row.ID], nil, true
}

// retry acts on the cursor item by its status.
func (p *outboxPane) retry() tea.Cmd {
	it, cmd, ok := p.ready("retry")
	if !ok {
		return cmd
	}
	b := p.ctx.Book
	switch it.Status {
	case ledger.OutboxFailed:
		p.retrying = it.Number
		return func() tea.Msg {
			res, err := b.QueueSend([]string{it.InvoiceID})
			m := outboxRetriedMsg{number: it.Number, status: it.Status, err: err}
			if err == nil && len(res) == 1 {
				m.queued, m.reason = res[0].Queued, res[0].Reason
			}
			return m
		}
	case ledger.OutboxUnknown:
		// It may have arrived: sending again is the user's knowing choice.
		return openDialog(&dialog{
			title: "Send " + it.Number + " again?",
			lines: []string{
				"It was being sent to " + strings.Join(it.To, ", ") + " when monthend stopped, so it may have arrived.",
				"Queued again, the next delivery (D) sends it: the customer may get it twice.",
				"If you checked that it arrived, answer no and press m to mark it sent.",
			},
			onYes: func() tea.Cmd {
				p.retrying = it.Number
				return func() tea.Msg {
					err := b.ResolveUnknown(it.Seq, false)
					return outboxRetriedMsg{number: it.Number, status: it.Status, queued: err == nil, err: err}
				}
			},
		})
	case ledger.OutboxQueued:
		return setStatus(it.Number+" is already queued: D delivers what is due now", ToneNormal)
	case ledger.OutboxSending:
		return setStatus(it.Number+" is being sent right now", ToneNormal)
	}
	return setStatus(it.Number+" was sent: nothing to retry", ToneNormal)
}

// markDelivered settles the cursor item in doubt as sent, once the user
// has checked that it arrived; the invoice becomes sent.
func (p *outboxPane) markDelivered() tea.Cmd {
	it, cmd, ok := p.ready("mark sent")
	if !ok {
		return cmd
	}
	switch it.Status {
	case ledger.OutboxUnknown:
	case ledger.OutboxSent:
		return setStatus(it.Number+" is already sent", ToneNormal)
	case ledger.OutboxFailed:
		return setStatus(it.Number+" failed, so it did not arrive: t queues it again", ToneWarn)
	default:
		return setStatus(fmt.Sprintf("%s is %s: only an item in doubt is marked sent by hand", it.Number, it.Status), ToneNormal)
	}
	b := p.ctx.Book
	return openDialog(&dialog{
		title: "Mark " + it.Number + " sent?",
		lines: []string{
			"Only if you checked that it reached " + strings.Join(it.To, ", ") + " (the customer has it, or the mail server's log shows it accepted).",
			"The invoice becomes sent and this mail is never sent again.",
		},
		onYes: func() tea.Cmd {
			p.retrying = it.Number
			return func() tea.Msg {
				return outboxSettledMsg{number: it.Number, err: b.ResolveUnknown(it.Seq, true)}
			}
		},
	})
}

func (p *outboxPane) settled(m outboxSettledMsg) tea.Cmd {
	if m.err != nil {
		return tea.Batch(setStatus("mark "+m.number+" sent: "+m.err.Error(), ToneNegative), bookChanged)
	}
	return tea.Batch(setStatus(m.number+" marked sent: it will not be sent again", TonePositive), bookChanged)
}

func (p *outboxPane) retried(m outboxRetriedMsg) tea.Cmd {
	switch {
	case m.err != nil:
		return tea.Batch(setStatus("retry "+m.number+": "+m.err.Error(), ToneNegative), bookChanged)
	case !m.queued:
		return setStatus("retry "+m.number+": not queued: "+m.reason, ToneWarn)
	case m.status == ledger.OutboxUnknown:
		return tea.Batch(setStatus(m.number+" may already have gone out; it is queued to be sent again (D sends now), so the customer may get it twice", ToneWarn), bookChanged)
	}
	return tea.Batch(setStatus(m.number+" queued again: D delivers it now", ToneNormal), bookChanged)
}

// deliver runs Context.Deliver in the background.
func (p *outboxPane) deliver() tea.Cmd {
	if cmd, ok := p.ctx.canWrite("deliver"); !ok {
		return cmd
	}
	if p.ctx.Deliver == nil {
		return setStatus("no mail settings: see docs/delivery.md (monthend send --help)", ToneWarn)
	}
	if p.delivering {
		return setStatus("a delivery is already running (esc stops it)", ToneWarn)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.delivering, p.cancel = true, cancel
	deliver := p.ctx.Deliver
	return tea.Batch(setStatus("delivering the due items… (esc stops)", ToneNormal), func() tea.Msg {
		sum, err := deliver(ctx)
		return outboxDeliveredMsg{summary: sum, err: err}
	})
}

func (p *outboxPane) delivered(m outboxDeliveredMsg) tea.Cmd {
	s := m.summary
	text := fmt.Sprintf("delivered: %d sent, %d to retry, %d failed, %d in doubt", s.Sent, s.Retrying, s.Failed, s.InDoubt)
	tone := ToneNormal
	switch {
	case errors.Is(m.err, context.Canceled):
		text, tone = "delivery stopped: "+text[len("delivered: "):], ToneWarn
	case m.err != nil:
		text, tone = "delivery: "+m.err.Error()+" ("+text[len("delivered: "):]+" before it)", ToneNegative
	case s.Failed > 0 || s.InDoubt > 0:
		text, tone = text+": t retries the one under the cursor", ToneWarn
	case s == ledger.DeliverSummary{}:
		text = "nothing was due"
	}
	// Even a failed run may have changed items: reload everywhere.
	return tea.Batch(setStatus(text, tone), bookChanged)
}

func (p *outboxPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.filter.setWidth(w)
	p.grid.SetSize(w, max(h-outboxChrome-p.filter.height(p.grid), 1))
}

func (p *outboxPane) View() string {
	w, h := p.width, p.height
	if w <= 0 || h <= 0 {
		return ""
	}
	th := p.ctx.Theme
	if !p.loaded {
		return fitLines(th.Tone(ToneMuted).Render("loading the outbox…"), w, h)
	}
	if p.loadErr != nil {
		return fitLines(th.Tone(ToneNegative).Render("could not load the outbox: "+p.loadErr.Error()+" (ctrl+r retries)"), w, h)
	}
	body := fitLines(p.grid.View(), w, max(h-outboxChrome-p.filter.height(p.grid), 1))
	if line := p.filter.view(p.grid, th, w); line != "" {
		body = line + "\n" + body
	}
	return fitLines(sectionTitle(th, p.title(), w, true)+"\n"+body+"\n"+p.footer(w), w, h)
}

func (p *outboxPane) title() string {
	parts := []string{}
	for _, s := range []ledger.OutboxStatus{ledger.OutboxQueued, ledger.OutboxSending, ledger.OutboxSent, ledger.OutboxFailed, ledger.OutboxUnknown} {
		parts = append(parts, fmt.Sprintf("%d %s", p.counts[s], s))
	}
	t := "Outbox: " + strings.Join(parts, " · ")
	if p.hidden > 0 {
		t += fmt.Sprintf(" (%s hidden)", plural(p.hidden, "earlier attempt"))
	}
	if p.delivering {
		t += " · delivering…"
	}
	return t
}

// outboxChrome is the lines around the grid: a title above; a rule and
// the cursor item (two lines) below.
const outboxChrome = 4

// footer is a rule and the cursor item in full: its recipients and its
// last error, which the grid cuts short.
func (p *outboxPane) footer(w int) string {
	th := p.ctx.Theme
	rule := th.Tone(ToneMuted).Render(strings.Repeat("─", w))
	row, ok := p.grid.Cursor()
	switch {
	case !ok && p.grid.Total() > 0:
		return rule + "\n" + th.Tone(ToneMuted).Render("no item matches the filter: esc clears it")
	case !ok:
		return rule + "\n" + th.Tone(ToneMuted).Render("nothing queued: issue invoices, then send them (S in the invoice grid)")
	}
	it := p.items[row.ID]
	line := fmt.Sprintf("%s → %s · %s", it.Number, strings.Join(it.To, ", "), it.Status)
	switch {
	case it.Status == ledger.OutboxSent:
		line += " " + formatStamp(it.SentAt)
	case it.Status == ledger.OutboxQueued && it.LastError != "":
		line += " to retry after " + plural(it.Attempts, "attempt") // a temporary failure
	case it.LastError != "":
		line += " after " + plural(it.Attempts, "attempt")
	}
	if it.LastError != "" {
		line += "\n" + th.Tone(ToneMuted).Render(it.LastError)
	}
	return rule + "\n" + line
}

// ShortHelp implements help.KeyMap: the keys that work now.
func (p *outboxPane) ShortHelp() []key.Binding { return p.help().short }

// FullHelp implements help.KeyMap.
func (p *outboxPane) FullHelp() [][]key.Binding { return p.help().full }

func (p *outboxPane) help() bindings {
	k, g := p.ctx.Keys, p.gridKeys
	if p.filter.open {
		return bindings{short: p.filter.help(), full: [][]key.Binding{p.filter.help()}}
	}
	move := []key.Binding{g.Up, g.Down, g.Top, g.Bottom, g.PageUp, g.PageDown, g.HalfUp, g.HalfDown}
	var acts []key.Binding
	if !p.ctx.ReadOnly {
		if row, ok := p.grid.Cursor(); ok {
			switch p.items[row.ID].Status {
			case ledger.OutboxFailed:
				acts = append(acts, k.Retry)
			case ledger.OutboxUnknown:
				resend := k.Retry
				resend.SetHelp("t", "resend (may duplicate)")
				acts = append(acts, k.MarkDelivered, resend)
			}
		}
		if p.delivering {
			stop := k.Back
			stop.SetHelp("esc", "stop delivery")
			acts = append(acts, stop)
		} else if p.ctx.Deliver != nil {
			acts = append(acts, k.DeliverNow)
		}
	}
	acts = append(acts, k.Reload)
	short := append([]key.Binding{g.Up, g.Down}, acts...)
	return bindings{short: short, full: [][]key.Binding{move, acts, {k.Filter, g.SortNext, g.SortReverse}}}
}
