// The quotes tab's status actions: mark sent, mark signed by hand, execute,
// decline, and the assumed usage the figures are priced at. Each asks in a
// dialog, then runs one ledger call in a tea.Cmd.

package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
)

// quoteActedMsg is the result of s, x or d.
type quoteActedMsg struct {
	text string
	err  error
	// details, when set, are shown in a dialog too: what the user must
	// read in full, which a status line would cut short.
	details []string
}

// idle is the preamble of every writing action: the book is writable and
// no action of this pane is in flight (one at a time, so a second key
// cannot act on a quote the first is changing). If not, cmd says why.
func (p *quotesPane) idle(action string) (tea.Cmd, bool) {
	if cmd, ok := p.ctx.canWrite(action); !ok {
		return cmd, false
	}
	if p.busyWith != "" {
		return setStatus("still "+p.busyWith+"…", ToneWarn), false
	}
	return nil, true
}

// ready is idle for an action on the current quote (the one read, else
// the cursor's): ok is false without one, with a nil cmd.
func (p *quotesPane) ready(action string) (ledger.Quote, tea.Cmd, bool) {
	if cmd, ok := p.idle(action); !ok {
		return ledger.Quote{}, cmd, false
	}
	q, ok := p.current()
	return q, nil, ok
}

// sign records a hand signature on the newest version of a sent quote.
func (p *quotesPane) sign() tea.Cmd {
	q, cmd, ok := p.ready("mark signed")
	if !ok {
		return cmd
	}
	if q.Status != ledger.QuoteSent {
		return setStatus(fmt.Sprintf("quote %s v%d is %s: only a sent quote is signed (m marks a draft sent)", q.ID, q.Version, q.Status), ToneWarn)
	}
	in := newPrompt("signed by: ")
	in.Placeholder = "Dana Meier, CFO"
	b, now := p.ctx.Book, p.ctx.Now
	return tea.Batch(openDialog(&dialog{
		title:       fmt.Sprintf("Mark quote %s v%d signed by hand", q.ID, q.Version),
		lines:       []string{"Records who signed, now. " + q.Party() + " · TCV " + money(p.tcvOf(q), q.Schedule.Currency)},
		input:       &in,
		submitLabel: "mark signed",
		onSubmit: func(by string) tea.Cmd {
			p.busyWith = "marking " + q.ID + " signed"
			return func() tea.Msg {
				sq, _, err := b.MarkQuoteSigned(q.ID, q.Version, ledger.Signature{By: by, At: now(), Via: "hand"})
				if err != nil {
					return quoteActedMsg{err: fmt.Errorf("mark signed: %w", err)}
				}
				return quoteActedMsg{text: fmt.Sprintf("quote %s v%d signed by %s · x executes it into a draft schedule", sq.ID, sq.Version, by)}
			}
		},
	}), in.Focus())
}

// markSent records that a draft went to the customer outside monthend
// (by mail, on paper), so it can be signed by hand; e-signature requests
// record it themselves (E, or monthend quotes send-for-signature).
func (p *quotesPane) markSent() tea.Cmd {
	q, cmd, ok := p.ready("mark sent")
	if !ok {
		return cmd
	}
	if q.Status != ledger.QuoteDraft {
		return setStatus(fmt.Sprintf("quote %s v%d is %s: only a draft is marked sent", q.ID, q.Version, q.Status), ToneWarn)
	}
	b := p.ctx.Book
	return openDialog(&dialog{
		title: fmt.Sprintf("Mark quote %s v%d sent?", q.ID, q.Version),
		lines: []string{"It went to " + q.Party() + " outside monthend. From now on a save makes a new version; s records the signature."},
		onYes: func() tea.Cmd {
			p.busyWith = "marking " + q.ID + " sent"
			return func() tea.Msg {
				sq, err := b.MarkQuoteSent(q.ID, "")
				if err != nil {
					return quoteActedMsg{err: fmt.Errorf("mark sent: %w", err)}
				}
				return quoteActedMsg{text: fmt.Sprintf("quote %s v%d marked sent · s records the signature", sq.ID, sq.Version)}
			}
		},
	})
}

func (p *quotesPane) tcvOf(q ledger.Quote) decimal.Decimal {
	for _, r := range p.grid.rows {
		if r.ID == q.ID && len(r.Cells) > 3 && r.Cells[3].HasNum {
			return decimal.New(r.Cells[3].Num, -NumScale)
		}
	}
	return decimal.Zero
}

// execute turns a signed quote into a draft schedule, creating the
// customer of a prospect (whose usage aliases are asked for here).
func (p *quotesPane) execute() tea.Cmd {
	q, cmd, ok := p.ready("execute")
	if !ok {
		return cmd
	}
	switch q.Status {
	case ledger.QuoteExecuted:
		return setStatus(fmt.Sprintf("quote %s was executed: draft schedule %s for customer %s (monthend schedules show %s)", q.ID, q.ScheduleID, q.CustomerID, q.ScheduleID), ToneNormal)
	case ledger.QuoteSigned:
	default:
		return setStatus(fmt.Sprintf("quote %s v%d is %s: only a signed quote is executed (s marks it signed)", q.ID, q.Version, q.Status), ToneWarn)
	}
	b := p.ctx.Book
	run := func(aliases []string) tea.Cmd {
		p.busyWith = "executing " + q.ID
		return func() tea.Msg {
			r, err := b.ExecuteQuote(q.ID, ledger.ExecuteOptions{Aliases: aliases})
			if err != nil {
				return quoteActedMsg{err: fmt.Errorf("execute %s: %w", q.ID, err)}
			}
			text := fmt.Sprintf("executed %s: draft schedule %s for ", q.ID, r.Schedule.ID)
			if r.CustomerCreated {
				text += "new customer "
			}
			text += r.Quote.CustomerID + " — review it (monthend schedules show " + r.Schedule.ID + "), then a activates it and R in 1 Invoices drafts its invoices"
			return quoteActedMsg{text: text}
		}
	}
	lines := []string{
		fmt.Sprintf("%s · %s · TCV %s", q.Party(), describeTerm(q), money(p.tcvOf(q), q.Schedule.Currency)),
		fmt.Sprintf("Stores the quote's schedule unchanged as draft schedule %s.", q.ID),
	}
	if q.Prospect != nil && q.CustomerID == "" {
		lines = append(lines, fmt.Sprintf("Creates customer %q from the prospect. Its usage aliases (the ids its events carry), comma-separated, may be empty:", q.Prospect.Name))
		in := newPrompt("aliases: ")
		return tea.Batch(openDialog(&dialog{
			title:       fmt.Sprintf("Execute quote %s v%d?", q.ID, q.Version),
			lines:       lines,
			input:       &in,
			allowEmpty:  true,
			submitLabel: "execute",
			onSubmit: func(v string) tea.Cmd {
				var aliases []string
				for _, a := range strings.Split(v, ",") {
					if a = strings.TrimSpace(a); a != "" {
						aliases = append(aliases, a)
					}
				}
				return run(aliases)
			},
		}), in.Focus())
	}
	return openDialog(&dialog{
		title: fmt.Sprintf("Execute quote %s v%d?", q.ID, q.Version),
		lines: lines,
		onYes: func() tea.Cmd { return run(nil) },
	})
}

// decline records that a sent quote was refused.
func (p *quotesPane) decline() tea.Cmd {
	q, cmd, ok := p.ready("decline")
	if !ok {
		return cmd
	}
	if q.Status != ledger.QuoteSent {
		return setStatus(fmt.Sprintf("quote %s v%d is %s: only a sent quote is declined", q.ID, q.Version, q.Status), ToneWarn)
	}
	b := p.ctx.Book
	return openDialog(&dialog{
		title: fmt.Sprintf("Decline quote %s v%d?", q.ID, q.Version),
		lines: []string{q.Party() + " refused it. A new version can still be saved (e) and sent."},
		onYes: func() tea.Cmd {
			p.busyWith = "declining " + q.ID
			return func() tea.Msg {
				dq, err := b.DeclineQuote(q.ID, "declined in the workstation")
				if err != nil {
					return quoteActedMsg{err: fmt.Errorf("decline: %w", err)}
				}
				return quoteActedMsg{text: fmt.Sprintf("quote %s v%d declined", dq.ID, dq.Version)}
			}
		},
	})
}

// activate starts billing an executed quote's draft schedule: a new
// schedule version with status active (the quote itself does not change).
func (p *quotesPane) activate() tea.Cmd {
	q, cmd, ok := p.ready("activate schedule")
	if !ok {
		return cmd
	}
	if q.Status != ledger.QuoteExecuted || q.ScheduleID == "" {
		return setStatus(fmt.Sprintf("quote %s v%d is %s: only an executed quote has a schedule to activate (x executes a signed quote)", q.ID, q.Version, q.Status), ToneWarn)
	}
	b, id := p.ctx.Book, q.ScheduleID
	return openDialog(&dialog{
		title: fmt.Sprintf("Start billing schedule %s?", id),
		lines: []string{"Stores its next version as active, prices unchanged; the next recalc of a period (R in 1 Invoices) drafts its invoices."},
		onYes: func() tea.Cmd {
			p.busyWith = "activating " + id
			return func() tea.Msg {
				rec, err := b.SetScheduleStatus(id, ledger.ScheduleActive)
				if err != nil {
					return quoteActedMsg{err: fmt.Errorf("activate %s: %w", id, err)}
				}
				return quoteActedMsg{text: fmt.Sprintf("schedule %s v%d is active · R in 1 Invoices drafts its invoices", rec.ID, rec.Version)}
			}
		},
	})
}

// promptUsage sets the assumed usage the figures are priced at.
func (p *quotesPane) promptUsage() tea.Cmd {
	in := newPrompt("per period: ")
	in.Placeholder = "api_calls=20000, invoices_issued=5000"
	in.SetValue(formatUsage(p.usage))
	in.CursorEnd()
	return tea.Batch(openDialog(&dialog{
		title:       "Assumed usage per billing period",
		lines:       []string{"METRIC=QUANTITY, comma-separated; empty: no usage. The figures and the invoice preview are priced at it."},
		input:       &in,
		allowEmpty:  true,
		submitLabel: "apply",
		onSubmit: func(v string) tea.Cmd {
			u, err := parseUsage(v)
			if err != nil {
				return setStatus("assumed usage: "+err.Error(), ToneWarn)
			}
			p.usage = u
			return tea.Batch(p.reread(), setStatus("figures at "+cmp.Or(formatUsage(u), "no usage"), ToneNormal))
		},
	}), in.Focus())
}

func parseUsage(s string) (map[string]decimal.Decimal, error) {
	out := map[string]decimal.Decimal{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		d, err := decimal.NewFromString(v)
		if !ok || k == "" || err != nil || d.IsNegative() {
			return nil, fmt.Errorf("%q: write METRIC=QUANTITY, e.g. api_calls=20000", part)
		}
		out[k] = d
	}
	return out, nil
}

func formatUsage(u map[string]decimal.Decimal) string {
	keys := make([]string, 0, len(u))
	for k := range u {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + u[k].String()
	}
	return strings.Join(parts, ", ")
}
