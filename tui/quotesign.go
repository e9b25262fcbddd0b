// The quotes tab's e-signature actions: E sends the quote for signature
// through Dropbox Sign, P asks Dropbox Sign about every quote out for
// signature. The vendor calls are injected (Signatures), so this package
// never imports the CLI, and both share one implementation.

package tui

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/monthend/monthend/ledger"
)

// SignaturePlan is what sending a quote for e-signature will do: which
// version, to whom, in test mode or not. The confirmation shows it, and
// Send is given it back, so what goes out is what the user confirmed.
type SignaturePlan struct {
	QuoteID     string
	Version     int
	SignerName  string
	SignerEmail string
	// TestMode: Dropbox Sign's test mode, not legally binding (test_mode
	// in the settings).
	TestMode bool
}

// Signatures sends quotes for e-signature (Dropbox Sign) and asks about
// those out for signature. cmd/monthend builds it from the code of its
// quotes send-for-signature and quotes poll commands. Every function does
// I/O (the settings file, the vendor's API) and runs in a tea.Cmd.
type Signatures struct {
	// Prepare reads the settings and checks that the newest version of
	// quote id may be sent; its error says what to fix (settings:
	// docs/esign.md). It sends nothing.
	Prepare func(ctx context.Context, quoteID string) (SignaturePlan, error)
	// Send renders and sends the planned version and returns the
	// signature request's id; it refuses if the quote changed since
	// Prepare. It does not record the request: the workstation does
	// (Book.MarkQuoteSent), as the CLI does.
	Send func(ctx context.Context, plan SignaturePlan) (requestID string, err error)
	// Poll asks about every quote out for signature, records what changed
	// (signed with the signed PDF, declined) and returns a sentence per
	// quote; none when no quote is out for signature.
	Poll func(ctx context.Context) ([]string, error)
}

// noSignatures is what E and P say when the workstation was started
// without e-signature (Context.Signatures nil).
const noSignatures = "e-signature is not set up: add a dropbox_sign: block to the settings file and an API key (see docs/esign.md)"

// signaturePlannedMsg carries Prepare's answer for the quote under the
// cursor when E was pressed.
type signaturePlannedMsg struct {
	quote ledger.Quote
	plan  SignaturePlan
	err   error
}

// signaturesPolledMsg is the result of P.
type signaturesPolledMsg struct {
	lines []string
	err   error
}

// sendForSignature checks what it can without I/O, then asks Prepare in
// the background; the confirmation opens when it answers.
func (p *quotesPane) sendForSignature() tea.Cmd {
	q, cmd, ok := p.ready("send for e-signature")
	if !ok {
		return cmd
	}
	switch {
	case q.Status != ledger.QuoteDraft && q.Status != ledger.QuoteSent:
		return setStatus(fmt.Sprintf("quote %s v%d is %s: only a draft or sent quote goes out for signature", q.ID, q.Version, q.Status), ToneWarn)
	case q.SignatureRequestID != "":
		// Dropbox Sign has no idempotency key: a second request is a
		// second contract in the signer's inbox, so it is not one key away.
		return setStatus(fmt.Sprintf("quote %s v%d already has signature request %s: P asks Dropbox Sign about it; to send another, check the Dropbox Sign dashboard, then monthend quotes send-for-signature %s --again",
			q.ID, q.Version, q.SignatureRequestID, q.ID), ToneWarn)
	}
	sig := p.ctx.Signatures
	if sig == nil || sig.Prepare == nil || sig.Send == nil {
		return setStatus("send for e-signature: "+noSignatures, ToneWarn)
	}
	p.busyWith = "checking " + q.ID + " for e-signature"
	return func() tea.Msg {
		plan, err := sig.Prepare(context.Background(), q.ID)
		return signaturePlannedMsg{quote: q, plan: plan, err: err}
	}
}

// confirmSignature shows what Prepare planned and sends on y.
func (p *quotesPane) confirmSignature(msg signaturePlannedMsg) tea.Cmd {
	p.busyWith = ""
	if msg.err != nil {
		return setStatus("send for e-signature: "+msg.err.Error(), ToneNegative)
	}
	q, plan := msg.quote, msg.plan
	mode := "Legally binding (test_mode is off in the settings)."
	if plan.TestMode {
		mode = "Test mode: not legally binding (test_mode in the settings)."
	}
	sig, b := p.ctx.Signatures, p.ctx.Book
	return openDialog(&dialog{
		title: fmt.Sprintf("Send quote %s v%d for e-signature?", plan.QuoteID, plan.Version),
		lines: []string{
			q.Party() + " · " + describeTerm(q) + " · TCV " + money(p.tcvOf(q), q.Schedule.Currency),
			fmt.Sprintf("Signer: %s <%s>", plan.SignerName, plan.SignerEmail),
			mode,
			"Dropbox Sign emails the signer the quote's PDF; the quote becomes sent.",
			"P asks Dropbox Sign whether it is signed.",
		},
		onYes: func() tea.Cmd {
			p.busyWith = "sending " + plan.QuoteID + " for e-signature"
			p.signing = plan.QuoteID
			return func() tea.Msg { return sendSignature(b, sig, plan) }
		},
	})
}

// sendSignature sends the planned quote and records the request. A
// request made but not recorded is said with its id and the command that
// records it, since sending again would make a second one.
func sendSignature(b *ledger.Book, sig *Signatures, plan SignaturePlan) quoteActedMsg {
	id, err := sig.Send(context.Background(), plan)
	if err != nil {
		return quoteActedMsg{err: fmt.Errorf("send %s for e-signature: %w", plan.QuoteID, err)}
	}
	q, err := b.MarkQuoteSent(plan.QuoteID, id)
	if err != nil {
		return quoteActedMsg{
			err: fmt.Errorf("quote %s was sent for signature as request %s but not recorded: %w; record it with monthend quotes send %s --signature-request %s",
				plan.QuoteID, id, err, plan.QuoteID, id),
			details: []string{
				"Quote " + plan.QuoteID + " was sent for signature but not recorded",
				"Dropbox Sign has signature request " + id + ";",
				"the book refused to record it: " + err.Error(),
				"",
				"Do not press E again: that sends a second request. Once the cause is fixed:",
				"  monthend quotes send " + plan.QuoteID + " --signature-request " + id,
			},
		}
	}
	mode := ""
	if plan.TestMode {
		mode = " (test mode: not legally binding)"
	}
	return quoteActedMsg{text: fmt.Sprintf("quote %s v%d sent for signature to %s <%s>%s: request %s · P asks whether it is signed",
		q.ID, q.Version, plan.SignerName, plan.SignerEmail, mode, id)}
}

// pollSignatures asks Dropbox Sign about every quote out for signature,
// as monthend quotes poll does, in the background.
func (p *quotesPane) pollSignatures() tea.Cmd {
	if cmd, ok := p.idle("poll e-signatures"); !ok {
		return cmd
	}
	sig := p.ctx.Signatures
	if sig == nil || sig.Poll == nil {
		return setStatus("poll e-signatures: "+noSignatures, ToneWarn)
	}
	p.busyWith = "asking Dropbox Sign about the quotes out for signature"
	return tea.Batch(setStatus("asking Dropbox Sign about the quotes out for signature…", ToneNormal), func() tea.Msg {
		lines, err := sig.Poll(context.Background())
		return signaturesPolledMsg{lines: lines, err: err}
	})
}

// polled reports a poll: one quote in the status line, more in a list.
// Even a failed poll may have recorded some quotes, so the book is
// always reloaded.
func (p *quotesPane) polled(msg signaturesPolledMsg) tea.Cmd {
	p.busyWith = ""
	var status tea.Cmd
	switch {
	case msg.err != nil:
		status = setStatus("poll e-signatures: "+msg.err.Error(), ToneNegative)
	case len(msg.lines) == 0:
		return setStatus("no quote is out for signature (E sends one)", ToneNormal)
	case len(msg.lines) == 1:
		return tea.Batch(setStatus(msg.lines[0], TonePositive), bookChanged)
	default:
		status = setStatus(fmt.Sprintf("Dropbox Sign answered for %s", plural(len(msg.lines), "quote")), TonePositive)
	}
	if len(msg.lines) == 0 {
		return tea.Batch(status, bookChanged)
	}
	return tea.Batch(status, bookChanged, openDialog(&dialog{title: "Quotes out for signature", lines: msg.lines}))
}

// quitWarning is what quitting now would cost, one line each: a send for
// e-signature in flight may reach Dropbox Sign and never be recorded, and
// Dropbox Sign has no idempotency key to catch a second send. Nil when
// quitting is harmless (every other action is one book transaction, whole
// or not at all; a poll can simply run again).
func (p *quotesPane) quitWarning() []string {
	if p.signing == "" {
		return nil
	}
	return []string{
		"If Dropbox Sign gets the request after you quit, the book will not record it.",
		"Check the Dropbox Sign dashboard before sending " + p.signing + " again; record",
		"its request with monthend quotes send " + p.signing + " --signature-request ID.",
	}
}
