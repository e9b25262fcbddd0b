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
	opts := tui.Options{Book: book, ReadOnlyWhy: why, View: viewName}
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
