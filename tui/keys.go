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
