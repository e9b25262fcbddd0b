package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// viewSelectedMsg says the user moved to another saved view.
type viewSelectedMsg struct{ index int }

// viewsPane lists the saved views with their invoice counts and totals per
// currency; the selected one drives the grid.
type viewsPane struct {
	ctx    *Context
	views  []viewData
	cur    int
	width  int
	height int
}

func newViewsPane(ctx *Context) *viewsPane { return &viewsPane{ctx: ctx} }

// setViews replaces the list, keeping the selection on the view of the
// same name when it is still there.
func (p *viewsPane) setViews(vs []viewData) {
	name := ""
	if v, ok := p.selected(); ok {
		name = v.View.Name
	}
	p.views = vs
	p.cur = 0
	for i := range vs {
		if vs[i].View.Name == name {
			p.cur = i
		}
	}
}

func (p *viewsPane) selected() (*viewData, bool) {
	if p.cur < 0 || p.cur >= len(p.views) {
		return nil, false
	}
	return &p.views[p.cur], true
}

// selectName moves the selection to the view called name.
func (p *viewsPane) selectName(name string) bool {
	for i := range p.views {
		if p.views[i].View.Name == name {
			p.cur = i
			return true
		}
	}
	return false
}

func (p *viewsPane) Init() tea.Cmd   { return nil }
func (p *viewsPane) Capturing() bool { return false }
func (p *viewsPane) SetSize(w, h int) {
	p.width, p.height = w, h
}

func (p *viewsPane) Update(msg tea.Msg) (pane, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok || len(p.views) == 0 {
		return p, nil
	}
	g := p.ctx.Keys.Grid
	old := p.cur
	switch {
	case key.Matches(k, g.Up):
		p.cur--
	case key.Matches(k, g.Down):
		p.cur++
	case key.Matches(k, g.Top):
		p.cur = 0
	case key.Matches(k, g.Bottom):
		p.cur = len(p.views) - 1
	}
	p.cur = max(0, min(p.cur, len(p.views)-1))
	if p.cur != old {
		i := p.cur
		return p, func() tea.Msg { return viewSelectedMsg{index: i} }
	}
	return p, nil
}

// entry renders one view: its name, then the count and a line per
// currency total.
func (p *viewsPane) entry(i int, focused bool) []string {
	v := &p.views[i]
	th := p.ctx.Theme
	w := max(p.width, 4)
	name := truncateLine(v.View.Name, w-2)
	lines := []string{}
	if i == p.cur {
		style := th.Marked
		if focused {
			style = th.Cursor
		}
		lines = append(lines, style.Render("▸ "+name+strings.Repeat(" ", max(w-2-lipgloss.Width(name), 0))))
	} else {
		lines = append(lines, "  "+name)
	}
	muted := th.Tone(ToneMuted)
	if v.Err != nil {
		return append(lines, th.Tone(ToneWarn).Render(truncateLine("  "+v.Err.Error(), w)))
	}
	invoices := 0
	for j := range v.Rows {
		if v.Rows[j].ID != "" {
			invoices++
		}
	}
	lines = append(lines, muted.Render(truncateLine(fmt.Sprintf("  %d invoice%s · %s", invoices, pluralS(invoices), v.Label), w)))
	for _, t := range v.Totals {
		lines = append(lines, muted.Render(fmt.Sprintf("%*s", min(w, 2+len(money(t.Total, t.Currency))), money(t.Total, t.Currency))))
	}
	return lines
}

func (p *viewsPane) View() string {
	return p.render(true)
}

// render draws the list; focused tells whether keys go here (the
// selection is drawn reversed then).
func (p *viewsPane) render(focused bool) string {
	th := p.ctx.Theme
	var all []string
	all = append(all, th.Header.Render("Views"))
	start := 0 // line where the selected entry starts, to keep it on screen
	for i := range p.views {
		if i == p.cur {
			start = len(all)
		}
		all = append(all, p.entry(i, focused)...)
		all = append(all, "")
	}
	if len(p.views) == 0 {
		all = append(all, th.Tone(ToneMuted).Render("  no saved views"))
	}
	h := max(p.height, 1)
	top := 0
	if start+4 > h {
		top = start + 4 - h
	}
	end := min(top+h, len(all))
	return strings.Join(all[top:end], "\n")
}

func (p *viewsPane) ShortHelp() []key.Binding {
	k := p.ctx.Keys
	return []key.Binding{k.Grid.Down, k.Grid.Up, k.NextPane, k.RecalcView, k.RenameView, k.DeleteView, k.Help}
}

func (p *viewsPane) FullHelp() [][]key.Binding {
	k := p.ctx.Keys
	return [][]key.Binding{
		{k.Grid.Up, k.Grid.Down, k.Grid.Top, k.Grid.Bottom},
		{k.NextPane, k.PrevPane},
		{k.RecalcView, k.RenameView, k.DeleteView},
	}
}
