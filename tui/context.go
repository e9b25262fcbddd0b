package tui

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/monthend/monthend/ledger"
)

// Context is what every pane is given: the book, the theme, the key map and
// whether writing is allowed. It is built once by New and shared by
// pointer; panes never reach for globals.
type Context struct {
	Book  *ledger.Book
	Theme *Theme
	Keys  *KeyMap
	// ReadOnly is set when the book is open read-only (held by another
	// process such as monthend serve, or --read-only); ReadOnlyWhy says so
	// in words, for the status bar.
	ReadOnly    bool
	ReadOnlyWhy string
	// Thresholds flag significant month-over-month changes.
	Thresholds ledger.Thresholds
	// Deliver sends the outbox's due items (email). Nil when no mail
	// settings are configured: the outbox then only queues.
	Deliver func(ctx context.Context) (ledger.DeliverSummary, error)
	// Signatures sends quotes for e-signature and polls them. Nil when
	// the workstation was started without it: E and P then say what to
	// set up.
	Signatures *Signatures
	Now        func() time.Time
}

// canWrite reports whether a writing action may run, and if not returns
// the status message that says why.
func (c *Context) canWrite(action string) (tea.Cmd, bool) {
	if !c.ReadOnly {
		return nil, true
	}
	return setStatus(action+": the book is read-only — "+c.ReadOnlyWhy, ToneWarn), false
}

// pane is one screen area of the workstation. The root model routes keys to
// the focused pane only, after modals have had their turn.
type pane interface {
	help.KeyMap
	// Init returns the command that loads the pane's data.
	Init() tea.Cmd
	Update(msg tea.Msg) (pane, tea.Cmd)
	View() string
	SetSize(w, h int)
	// Capturing is true while the pane owns every key (a text input or a
	// picker is open, the quote editor), so the root's global keys (q, tab, 1…4) must not fire.
	Capturing() bool
}

// statusMsg sets the status bar's message: the result of the last action.
type statusMsg struct {
	text string
	tone Tone
}

// setStatus is a command that sets the status bar.
func setStatus(text string, tone Tone) tea.Cmd {
	return func() tea.Msg { return statusMsg{text: text, tone: tone} }
}

// bookChangedMsg tells every pane that the book changed (an action
// committed), so each reloads what it shows.
type bookChangedMsg struct{}

func bookChanged() tea.Msg { return bookChangedMsg{} }
