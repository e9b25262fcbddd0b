package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/monthend/monthend/integrations/email"
	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/tui"
)

// openWorkstation is the no-sub-command entry: the terminal workstation on
// the book. When another process (monthend serve, say) holds the book, it
// opens read-only beside it and says so, rather than failing.
func (a *app) openWorkstation(viewName string) error {
	path, err := a.bookPath()
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no book at %s: build the demo (monthend --db %s demo), add a customer (monthend customers add --help), or choose a book with --db", path, path)
	}
	if !isTerminal(a.stdout) {
		return usagef("the workstation needs a terminal; for scripts use the sub-commands (monthend --help)")
	}
	why := ""
	book, err := a.openBook(!a.readOnly)
	if errors.Is(err, ledger.ErrBookLocked) {
		// Open beside the other process, and say which one to close.
		why = strings.TrimSuffix(err.Error(), "; close it or use --read-only") + "; close it to make changes"
		book, err = a.openBook(false)
	}
	if err != nil {
		return err
	}
	defer book.Close()
	opts := tui.Options{Book: book, ReadOnlyWhy: why, View: viewName, Signatures: a.signatures(book, "")}
	if !book.ReadOnly() {
		// Mail delivery from the outbox when settings exist; without them
		// the workstation queues and says delivery waits.
		if send, err := newSendFunc(book, ""); err == nil {
			opts.Deliver = func(ctx context.Context) (ledger.DeliverSummary, error) {
				return book.Deliver(ctx, send, email.IsTemporary)
			}
		}
	}
	p := tea.NewProgram(tui.New(opts), tea.WithAltScreen(), tea.WithInput(a.stdin), tea.WithOutput(a.stdout))
	_, err = p.Run()
	return err
}

// signatures gives the workstation the e-signature code of quotes
// send-for-signature and quotes poll, so the two cannot drift apart. The
// settings are read at each use: a dropbox_sign: block added while the
// workstation is open works on the next key press, and a missing one is
// said then, pointing to docs/esign.md.
func (a *app) signatures(book *ledger.Book, settings string) *tui.Signatures {
	base := signatureOptions{doc: quoteDocOptions{settings: settings}}
	return &tui.Signatures{
		Prepare: func(_ context.Context, id string) (tui.SignaturePlan, error) {
			s, err := a.prepareSignature(book, id, base)
			if err != nil {
				return tui.SignaturePlan{}, err
			}
			return planOf(s), nil
		},
		Send: func(ctx context.Context, plan tui.SignaturePlan) (string, error) {
			o := base
			o.signerName, o.signerEmail = plan.SignerName, plan.SignerEmail
			s, err := a.prepareSignature(book, plan.QuoteID, o)
			if err != nil {
				return "", err
			}
			// What goes out must be what the user confirmed: a new version
			// or a settings change in between stops the send.
			if now := planOf(s); now != plan {
				return "", fmt.Errorf("quote %s changed since you confirmed (now v%d to %s <%s>, test mode %v): nothing was sent; press E again",
					plan.QuoteID, now.Version, now.SignerName, now.SignerEmail, now.TestMode)
			}
			sr, err := s.send(ctx)
			if err != nil {
				return "", err
			}
			return sr.ID, nil
		},
		Poll: func(ctx context.Context) ([]string, error) {
			client, err := esignClient(settings)
			if err != nil {
				return nil, err
			}
			todo, err := quotesOutForSignature(book, nil)
			if err != nil || len(todo) == 0 {
				return nil, err
			}
			var lines []string
			failed, err := pollSignatures(ctx, book, client, todo, func(q ledger.Quote, line string, err error) {
				if err != nil {
					line = fmt.Sprintf("quote %s: %v", q.ID, err)
				}
				lines = append(lines, line)
			})
			if err == nil && len(failed) > 0 {
				err = fmt.Errorf("%d quote(s) not updated (%s); poll again later", len(failed), strings.Join(failed, ", "))
			}
			return lines, err
		},
	}
}

func planOf(s signatureSend) tui.SignaturePlan {
	return tui.SignaturePlan{QuoteID: s.quote.ID, Version: s.quote.Version,
		SignerName: s.signer.Name, SignerEmail: s.signer.Email, TestMode: s.testMode}
}
