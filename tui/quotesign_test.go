package tui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/monthend/monthend/ledger"
)

// fakeSignatures stands in for Dropbox Sign as cmd/monthend injects it,
// and records what the workstation asked.
type fakeSignatures struct {
	prepared []string
	sent     []SignaturePlan
	polls    int

	plan       SignaturePlan // what Prepare answers, with the quote id asked
	prepareErr error
	requestID  string
	sendErr    error
	onSend     func() // runs inside Send, before it answers
	pollLines  []string
	pollErr    error
}

func (f *fakeSignatures) signatures() *Signatures {
	return &Signatures{
		Prepare: func(_ context.Context, id string) (SignaturePlan, error) {
			f.prepared = append(f.prepared, id)
			p := f.plan
			p.QuoteID = id
			return p, f.prepareErr
		},
		Send: func(_ context.Context, plan SignaturePlan) (string, error) {
			f.sent = append(f.sent, plan)
			if f.onSend != nil {
				f.onSend()
			}
			return f.requestID, f.sendErr
		},
		Poll: func(context.Context) ([]string, error) {
			f.polls++
			return f.pollLines, f.pollErr
		},
	}
}

// openQuotesSigning opens the quotes tab on quote id with a fake Dropbox
// Sign injected, as the workstation's caller injects the real one.
func openQuotesSigning(t *testing.T, b *ledger.Book, id string) (*Model, *quotesPane, *fakeSignatures) {
	t.Helper()
	m, p := openQuotes(t, b, id)
	f := newFakeSignatures()
	m.ctx.Signatures = f.signatures()
	return m, p, f
}

func newFakeSignatures() *fakeSignatures {
	return &fakeSignatures{
		plan:      SignaturePlan{Version: 1, SignerName: "Dana Meier", SignerEmail: "dana@contoso.example", TestMode: true},
		requestID: "fa5c8a0b0f492d768749333ad6fcc214c111e967",
	}
}

func TestQuoteSentForESignature(t *testing.T) {
	b := quoteBook(t)
	m, p, f := openQuotesSigning(t, b, "contoso-2026")
	if got := shortHelp(p); !strings.Contains(got, "E e-sign") || strings.Contains(got, "P poll") {
		t.Errorf("help on a draft, nothing out for signature: %s", got)
	}

	// The confirmation names the version, the signer and the mode; any
	// key but y sends nothing.
	press(t, m, "E")
	if m.dialog == nil || m.dialog.title != "Send quote contoso-2026 v1 for e-signature?" {
		t.Fatalf("E opened no confirmation; status %q", m.status)
	}
	body := strings.Join(m.dialog.lines, "\n")
	for _, want := range []string{"Contoso AG (prospect)", "Signer: Dana Meier <dana@contoso.example>", "Test mode", "not legally binding"} {
		if !strings.Contains(body, want) {
			t.Errorf("the confirmation lacks %q:\n%s", want, body)
		}
	}
	press(t, m, "n")
	if len(f.sent) != 0 || bookQuote(t, b, "contoso-2026").Status != ledger.QuoteDraft {
		t.Fatalf("E, n sent %v", f.sent)
	}

	press(t, m, "E", "y")
	if strings.Join(f.prepared, ",") != "contoso-2026,contoso-2026" {
		t.Errorf("prepared %v", f.prepared)
	}
	if len(f.sent) != 1 || f.sent[0] != (SignaturePlan{QuoteID: "contoso-2026", Version: 1, SignerName: "Dana Meier", SignerEmail: "dana@contoso.example", TestMode: true}) {
		t.Fatalf("sent %+v, want the plan confirmed, once", f.sent)
	}
	q := bookQuote(t, b, "contoso-2026")
	if q.Status != ledger.QuoteSent || q.SignatureRequestID != f.requestID {
		t.Fatalf("after E, y: %s with request %q", q.Status, q.SignatureRequestID)
	}
	want := "quote contoso-2026 v1 sent for signature to Dana Meier <dana@contoso.example> (test mode: not legally binding): request " + f.requestID
	if !strings.Contains(m.status, want) || m.statusTone != TonePositive {
		t.Errorf("status %q (tone %v), want %q", m.status, m.statusTone, want)
	}
	if p.busyWith != "" {
		t.Errorf("still busy with %q", p.busyWith)
	}
	// The read view gives the request.
	press(t, m, "enter")
	if !strings.Contains(strings.Join(p.readLns, "\n"), "v1 sent · saved 2026-04-10 09:00 · sent 2026-04-10 09:00 · Dropbox Sign request "+f.requestID) {
		t.Errorf("the read view lacks the request:\n%s", strings.Join(p.readLns, "\n"))
	}
	press(t, m, "esc")

	// A second request is not one key away.
	press(t, m, "E")
	if m.dialog != nil || len(f.sent) != 1 || !strings.Contains(m.status, "already has signature request "+f.requestID) {
		t.Fatalf("E on a quote with a request: dialog %v, sent %d, status %q", m.dialog != nil, len(f.sent), m.status)
	}
	if got := shortHelp(p); strings.Contains(got, "E e-sign") || !strings.Contains(got, "P poll signatures") {
		t.Errorf("help on a quote out for signature: %s", got)
	}
}

func TestQuoteESignFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(f *fakeSignatures) *Signatures
		want   string
		nosent bool // Send must not be called
	}{
		{"not set up", func(*fakeSignatures) *Signatures { return nil }, "see docs/esign.md", true},
		{"settings missing", func(f *fakeSignatures) *Signatures {
			f.prepareErr = errors.New("no dropbox_sign: block in the settings; add one (see docs/esign.md)")
			return f.signatures()
		}, "send for e-signature: no dropbox_sign: block in the settings; add one (see docs/esign.md)", true},
		{"vendor refuses", func(f *fakeSignatures) *Signatures {
			f.sendErr = errors.New("request rejected by dropbox sign")
			return f.signatures()
		}, "send contoso-2026 for e-signature: request rejected by dropbox sign", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := quoteBook(t)
			m, p := openQuotes(t, b, "contoso-2026")
			f := newFakeSignatures()
			m.ctx.Signatures = tc.setup(f)
			press(t, m, "E")
			if m.dialog != nil { // the failure came after the confirmation
				press(t, m, "y")
			}
			if !strings.Contains(m.status, tc.want) {
				t.Errorf("status %q, want %q", m.status, tc.want)
			}
			if tc.nosent && len(f.sent) != 0 {
				t.Errorf("sent %v", f.sent)
			}
			if q := bookQuote(t, b, "contoso-2026"); q.Status != ledger.QuoteDraft || q.SignatureRequestID != "" {
				t.Errorf("the quote changed: %s, request %q", q.Status, q.SignatureRequestID)
			}
			if p.busyWith != "" {
				t.Errorf("still busy with %q", p.busyWith)
			}
		})
	}
	t.Run("poll not set up", func(t *testing.T) {
		m, _ := openQuotes(t, quoteBook(t), "contoso-2026")
		press(t, m, "P")
		if !strings.Contains(m.status, "poll e-signatures: ") || !strings.Contains(m.status, "docs/esign.md") {
			t.Errorf("status %q", m.status)
		}
	})
}

// A request Dropbox Sign has but the book refuses to record is said in
// full — its id and the command that records it — not only in the status
// line, which a narrow terminal cuts.
func TestQuoteESignNotRecorded(t *testing.T) {
	b := quoteBook(t)
	m, _, f := openQuotesSigning(t, b, "contoso-2026")
	f.onSend = func() { // the quote is declined elsewhere meanwhile
		if _, err := b.MarkQuoteSent("contoso-2026", ""); err != nil {
			t.Error(err)
		}
		if _, err := b.DeclineQuote("contoso-2026", "test"); err != nil {
			t.Error(err)
		}
	}
	press(t, m, "E", "y")
	if len(f.sent) != 1 || !strings.Contains(m.status, "sent for signature as request "+f.requestID+" but not recorded") || m.statusTone != ToneNegative {
		t.Fatalf("sent %d, status %q", len(f.sent), m.status)
	}
	if m.dialog == nil || !strings.Contains(strings.Join(m.dialog.lines, "\n"), "monthend quotes send contoso-2026 --signature-request "+f.requestID) {
		t.Fatalf("no dialog with the command that records it: %+v", m.dialog)
	}
	if q := bookQuote(t, b, "contoso-2026"); q.SignatureRequestID != "" {
		t.Errorf("recorded after all: %q", q.SignatureRequestID)
	}
}

func TestQuoteESignReadOnly(t *testing.T) {
	m, p, f := openQuotesSigning(t, readOnlyQuoteBook(t), "contoso-2026")
	for k, want := range map[string]string{
		"E": "send for e-signature: the book is read-only — held by another process (test)",
		"P": "poll e-signatures: the book is read-only — held by another process (test)",
	} {
		press(t, m, k)
		if m.dialog != nil || m.status != want {
			t.Errorf("%s on a read-only book: dialog %v, status %q", k, m.dialog != nil, m.status)
		}
	}
	if len(f.prepared)+len(f.sent)+f.polls != 0 {
		t.Errorf("a read-only book reached Dropbox Sign: %+v", f)
	}
	if got := shortHelp(p); strings.Contains(got, "E ") || strings.Contains(got, "P ") {
		t.Errorf("read-only help offers e-signature: %s", got)
	}
}

func TestQuotePollSignatures(t *testing.T) {
	b := quoteBook(t)
	if _, err := b.MarkQuoteSent("contoso-2026", "req-contoso"); err != nil {
		t.Fatal(err)
	}
	m, p, f := openQuotesSigning(t, b, "contoso-2026")
	if !strings.Contains(shortHelp(p), "P poll signatures") {
		t.Errorf("help with a quote out for signature: %s", shortHelp(p))
	}

	// One quote: its sentence in the status line.
	f.pollLines = []string{"quote contoso-2026 v1 awaiting signature (request req-contoso)"}
	press(t, m, "P")
	if f.polls != 1 || m.status != f.pollLines[0] || m.dialog != nil {
		t.Errorf("after P: %d polls, status %q, dialog %v", f.polls, m.status, m.dialog != nil)
	}

	// Several: a list; a failure: the error in the status line, and the
	// list of what did happen.
	f.pollLines = []string{"quote a v1 declined: too dear", "quote b: temporary failure of dropbox sign; retry later"}
	f.pollErr = errors.New("1 quote(s) not updated (b); poll again later")
	press(t, m, "P")
	if f.polls != 2 || m.status != "poll e-signatures: 1 quote(s) not updated (b); poll again later" || m.statusTone != ToneNegative {
		t.Errorf("after a failed P: %d polls, status %q", f.polls, m.status)
	}
	if m.dialog == nil || strings.Join(m.dialog.lines, "\n") != strings.Join(f.pollLines, "\n") {
		t.Fatalf("no list of what the poll did: %+v", m.dialog)
	}
	press(t, m, "esc")

	f.pollLines, f.pollErr = nil, nil
	press(t, m, "P")
	if m.status != "no quote is out for signature (E sends one)" {
		t.Errorf("status %q", m.status)
	}
	if p.busyWith != "" {
		t.Errorf("still busy with %q", p.busyWith)
	}
}

// While a send is in flight, other actions on the quotes wait for it.
func TestQuoteESignIsOneActionAtATime(t *testing.T) {
	b := quoteBook(t)
	m, p, f := openQuotesSigning(t, b, "contoso-2026")
	// The E key's command (Prepare) is not run yet: the pane is busy.
	_, cmd := m.Update(keyMsg("E"))
	if cmd == nil || p.busyWith == "" {
		t.Fatalf("E started nothing (busy %q)", p.busyWith)
	}
	for _, k := range []string{"m", "P", "E", "e"} {
		press(t, m, k)
		if m.dialog != nil || !strings.HasPrefix(m.status, "still checking contoso-2026 for e-signature") {
			t.Errorf("%s while E is in flight: dialog %v, status %q", k, m.dialog != nil, m.status)
		}
	}
	drive(t, m, cmd)
	if m.dialog == nil || len(f.prepared) != 1 {
		t.Fatalf("the confirmation did not open once Prepare answered: %v", f.prepared)
	}
}

// Quitting while a send is in flight asks first: the request may reach
// Dropbox Sign and never be recorded. Once it is recorded, q quits.
func TestQuitWhileSendingForSignatureAsks(t *testing.T) {
	b := quoteBook(t)
	m, _, f := openQuotesSigning(t, b, "contoso-2026")
	press(t, m, "E")
	_, send := m.Update(keyMsg("y")) // the send's command, not run yet
	if send == nil {
		t.Fatal("y sent nothing")
	}
	if _, quit := m.Update(keyMsg("q")); quit != nil || m.dialog == nil || m.dialog.title != "Quit while sending contoso-2026 for e-signature?" {
		t.Fatalf("q while sending: cmd %v, dialog %+v", quit != nil, m.dialog)
	}
	if !strings.Contains(strings.Join(m.dialog.lines, " "), "monthend quotes send contoso-2026 --signature-request ID") {
		t.Errorf("the dialog does not say how to record the request: %q", m.dialog.lines)
	}
	press(t, m, "n")
	drive(t, m, send)
	if q := bookQuote(t, b, "contoso-2026"); q.SignatureRequestID != f.requestID {
		t.Fatalf("not recorded: %q", q.SignatureRequestID)
	}
	_, quit := m.Update(keyMsg("q"))
	if quit == nil {
		t.Fatal("q after the send did not quit")
	}
	if _, ok := quit().(tea.QuitMsg); !ok || m.dialog != nil {
		t.Errorf("q after the send: %T, dialog %v", quit(), m.dialog != nil)
	}
}

// The confirmation as the user sees it. Regenerate with:
// go test ./tui -run TestQuoteESignConfirmScreen -update
func TestQuoteESignConfirmScreen(t *testing.T) {
	m, _, f := openQuotesSigning(t, quoteBook(t), "contoso-2026")
	f.plan.TestMode = false
	press(t, m, "E")
	golden.RequireEqual(t, []byte(m.View()))
}
