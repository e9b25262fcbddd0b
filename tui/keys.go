package tui

import "github.com/charmbracelet/bubbles/key"

// GridKeys are the invoice grid's bindings. They implement help.KeyMap so
// the help line and overlay are generated from them.
type GridKeys struct {
	Up, Down, Top, Bottom key.Binding
	PageUp, PageDown      key.Binding
	HalfUp, HalfDown      key.Binding
	Mark, MarkAll, Unmark key.Binding
	SortNext, SortReverse key.Binding
}

// DefaultGridKeys follows the conventions of k9s, lazygit and hledger-ui.
func DefaultGridKeys() GridKeys {
	return GridKeys{
		Up:          key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		Top:         key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:      key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		PageUp:      key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:    key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		HalfUp:      key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "half page up")),
		HalfDown:    key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "half page down")),
		Mark:        key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "mark")),
		MarkAll:     key.NewBinding(key.WithKeys("ctrl+a"), key.WithHelp("ctrl+a", "mark all shown")),
		Unmark:      key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "clear marks")),
		SortNext:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by next column")),
		SortReverse: key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "reverse sort")),
	}
}

// ShortHelp implements help.KeyMap.
func (k GridKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Down, k.Up, k.Mark, k.SortNext}
}

// FullHelp implements help.KeyMap.
func (k GridKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom},
		{k.PageUp, k.PageDown, k.HalfUp, k.HalfDown},
		{k.Mark, k.MarkAll, k.Unmark},
		{k.SortNext, k.SortReverse},
	}
}

// KeyMap holds every binding of the workstation, one group per scope. It
// lives in the shared Context (never in a package variable), so tests can
// build their own.
type KeyMap struct {
	Grid GridKeys

	// Global: work on every screen unless a modal has the keys.
	Quit, Help, NextPane, PrevPane key.Binding
	Tab1, Tab2, Tab3, Tab4         key.Binding
	Back, Enter                    key.Binding

	// Invoices: the views pane and the grid.
	Filter, SaveView, RenameView, DeleteView key.Binding
	Recalc, RecalcView, Issue, Send          key.Binding
	Reload                                   key.Binding

	// Detail: step through the list the detail was opened from.
	NextInvoice, PrevInvoice key.Binding

	// Dialogs.
	Yes, No key.Binding

	// Customers & usage, outbox.
	MapAlias, Retry, DeliverNow key.Binding
	// MarkDelivered settles an outbox item in doubt as sent.
	MarkDelivered key.Binding
	// OtherList moves between the two lists of the customers & usage pane.
	OtherList key.Binding
	// PickUp and PickDown move in a picker whose text input takes the
	// letters (so j/k type, arrows move).
	PickUp, PickDown key.Binding

	// Quotes: the list and the read view.
	EditQuote, NewQuote, MarkSent, SignQuote, ExecuteQuote, DeclineQuote, AssumeUsage key.Binding
	ActivateSchedule                                                                  key.Binding
	// SendForSignature and PollSignatures go through Dropbox Sign.
	SendForSignature, PollSignatures key.Binding
	// ScrollUp and ScrollDown move the quote read view.
	ScrollUp, ScrollDown key.Binding

	// The quote editor, which owns every key while open.
	Editor EditorKeys
}

// EditorKeys are the quote editor's bindings. Letters always type, so every
// action is on a control key.
type EditorKeys struct {
	Save, Close, Next, Prev              key.Binding
	AddLine, AddPhase, Duplicate, Remove key.Binding
	MoveUp, MoveDown, Ramp               key.Binding
}

// DefaultKeyMap follows the conventions of k9s, lazygit, gh-dash and
// hledger-ui (see shared conventions).
func DefaultKeyMap() *KeyMap {
	b := func(help string, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Grid:     DefaultGridKeys(),
		Quit:     b("q", "quit", "q", "ctrl+c"),
		Help:     b("?", "help", "?"),
		NextPane: b("tab", "next pane", "tab"),
		PrevPane: b("shift+tab", "previous pane", "shift+tab"),
		Tab1:     b("1", "invoices", "1"),
		Tab2:     b("2", "customers & usage", "2"),
		Tab3:     b("3", "outbox", "3"),
		Tab4:     b("4", "quotes", "4"),
		Back:     b("esc", "back/cancel", "esc"),
		Enter:    b("enter", "open", "enter"),

		Filter:     b("/", "filter", "/"),
		SaveView:   b("w", "save as view", "w"),
		RenameView: b("e", "rename view", "e"),
		DeleteView: b("x", "delete view", "x"),
		Recalc:     b("r", "recalc marked", "r"),
		RecalcView: b("R", "recalc view", "R"),
		Issue:      b("i", "issue marked", "i"),
		Send:       b("S", "send marked", "S"),
		Reload:     b("ctrl+r", "reload", "ctrl+r"),

		NextInvoice: b("→/l", "next invoice", "right", "l"),
		PrevInvoice: b("←/h", "previous invoice", "left", "h"),

		Yes: b("y", "yes", "y", "Y"),
		No:  b("n/esc", "no", "n", "N", "esc"),

		MapAlias:      b("m", "map alias to customer", "m"),
		Retry:         b("t", "retry", "t"),
		DeliverNow:    b("D", "deliver now", "D"),
		MarkDelivered: b("m", "mark sent (it arrived)", "m"),
		OtherList:     b("←/→", "other list", "left", "right", "h", "l"),
		PickUp:        b("↑", "up", "up", "ctrl+p"),
		PickDown:      b("↓", "down", "down", "ctrl+n"),

		EditQuote:        b("e", "edit", "e"),
		NewQuote:         b("n", "new quote", "n"),
		MarkSent:         b("m", "mark sent", "m"),
		SignQuote:        b("s", "mark signed", "s"),
		ExecuteQuote:     b("x", "execute", "x"),
		DeclineQuote:     b("d", "decline", "d"),
		ActivateSchedule: b("a", "activate its schedule", "a"),
		SendForSignature: b("E", "e-sign", "E"),
		PollSignatures:   b("P", "poll signatures", "P"),
		AssumeUsage:      b("u", "assumed usage", "u"),
		ScrollUp:         b("↑/k", "scroll up", "k", "up"),
		ScrollDown:       b("↓/j", "scroll down", "j", "down"),

		Editor: EditorKeys{
			Save:      b("ctrl+s", "save", "ctrl+s"),
			Close:     b("esc", "close", "esc"),
			Next:      b("tab/↓/enter", "next field", "tab", "down", "enter"),
			Prev:      b("shift+tab/↑", "previous field", "shift+tab", "up"),
			AddLine:   b("ctrl+n", "add line", "ctrl+n"),
			AddPhase:  b("ctrl+p", "add phase", "ctrl+p"),
			Duplicate: b("ctrl+t", "duplicate line/phase", "ctrl+t"),
			Remove:    b("ctrl+x", "remove line/phase", "ctrl+x"),
			MoveUp:    b("alt+↑", "move line/phase up", "alt+up", "ctrl+up"),
			MoveDown:  b("alt+↓", "move line/phase down", "alt+down", "ctrl+down"),
			Ramp:      b("ctrl+y", "phase as next year +N%", "ctrl+y"),
		},
	}
}

// bindings is a help.KeyMap made of a short and a full list, so each pane
// and mode can say what works now and the help is always generated.
type bindings struct {
	short []key.Binding
	full  [][]key.Binding
}

func (b bindings) ShortHelp() []key.Binding  { return b.short }
func (b bindings) FullHelp() [][]key.Binding { return b.full }
