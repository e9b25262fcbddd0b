package tui

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// filterBox is the "/" line over a Grid, shared by the panes that filter:
// while open it takes every key and re-applies the filter on each, so the
// grid narrows as the user types; enter keeps the filter (not while it
// does not parse), esc restores the one before. Closed, it shows the
// filter in force, which esc clears.
type filterBox struct {
	input  textinput.Model
	open   bool
	before string // the filter to restore on esc
	err    string // why the typed filter does not parse
}

func newFilterBox(placeholder string) filterBox {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = placeholder
	return filterBox{input: in}
}

// start opens the box on g's filter.
func (f *filterBox) start(g *Grid) tea.Cmd {
	f.open, f.before = true, g.Filter()
	f.input.SetValue(f.before)
	f.input.CursorEnd()
	return f.input.Focus()
}

// update handles a key while the box is open.
func (f *filterBox) update(k tea.KeyMsg, g *Grid) tea.Cmd {
	switch k.Type {
	case tea.KeyEnter:
		if f.err == "" { // else keep typing: the filter does not parse
			f.open = false
			f.input.Blur()
		}
		return nil
	case tea.KeyEsc:
		f.open, f.err = false, ""
		f.input.Blur()
		_ = g.SetFilter(f.before)
		return nil
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(k)
	if err := g.SetFilter(f.input.Value()); err != nil {
		f.err = err.Error()
	} else {
		f.err = ""
	}
	return cmd
}

// clear drops the filter in force (esc with the box closed); false if
// there was none, so esc can mean something else.
func (f *filterBox) clear(g *Grid) bool {
	if g.Filter() == "" {
		return false
	}
	_ = g.SetFilter("")
	return true
}

// height is the lines the box takes above the grid: one while open or
// while a filter is in force.
func (f *filterBox) height(g *Grid) int {
	if f.open || g.Filter() != "" {
		return 1
	}
	return 0
}

// setWidth fits the input to a pane w wide.
func (f *filterBox) setWidth(w int) { f.input.Width = max(w-4, 10) }

// view is the box's line (without a newline), "" when it takes none.
func (f *filterBox) view(g *Grid, th *Theme, w int) string {
	switch {
	case f.open:
		line := f.input.View()
		if f.err != "" {
			line += "  " + th.Tone(ToneWarn).Render(f.err)
		}
		return truncateLine(line, w)
	case g.Filter() != "":
		return th.Tone(ToneMuted).Render(truncateLine("filter: "+g.Filter()+"   (/ edit · esc clear)", w))
	}
	return ""
}

// help is the keys while the box is open.
func (f *filterBox) help() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
}
