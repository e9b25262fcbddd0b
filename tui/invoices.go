package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
)

// invoiceColumns are the grid's columns. Priority: the higher, the earlier
// a column is hidden on a narrow terminal (customer, total and Δ% always
// stay).
var invoiceColumns = []Column{
	{Key: "customer", Title: "Customer", Width: 12, Flex: 3},
	{Key: "number", Title: "Number", Width: 15, Priority: 5},
	{Key: "period", Title: "Period", Width: 7, Priority: 6},
	{Key: "status", Title: "Status", Width: 7, Priority: 2},
	{Key: "total", Title: "Total", Width: 13, Align: AlignRight, Numeric: true},
	{Key: "previous", Title: "Previous", Width: 11, Align: AlignRight, Numeric: true, Priority: 4},
	{Key: "delta", Title: "Δ", Width: 11, Align: AlignRight, Numeric: true, Priority: 3},
	{Key: "delta%", Title: "Δ%", Width: 7, Align: AlignRight, Numeric: true},
	{Key: "flags", Title: "Flags", Width: 10, Flex: 2, Priority: 1},
}

// flagLabels are the flags as the grid shows them (short, so they fit).
var flagLabels = map[string]string{
	ledger.FlagSignificant: "big",
	ledger.FlagNew:         "new",
	ledger.FlagMissing:     "missing",
	ledger.FlagMinimum:     "min",
	ledger.FlagLate:        "late",
	ledger.FlagStale:       "stale",
}

// invoiceRow turns one month-over-month row into grid cells, once, when
// the data arrives (never in View).
func invoiceRow(r *ledger.InvoiceRow, customers map[string]string, outbox map[string]ledger.OutboxStatus) Row {
	name := customers[r.CustomerID]
	if name == "" {
		name = r.CustomerID
	}
	status, statusTone := string(r.Status), ToneNormal
	if r.ID == "" {
		status = "—"
	}
	if r.Status == ledger.InvoiceIssued {
		switch outbox[r.ID] {
		case ledger.OutboxQueued, ledger.OutboxSending:
			status = string(outbox[r.ID]) // on its way to the customer
		case ledger.OutboxFailed:
			status, statusTone = "failed", ToneWarn
		case ledger.OutboxUnknown:
			status, statusTone = "in doubt", ToneWarn
		}
	}
	row := Row{ID: rowID(r), Cells: make([]Cell, len(invoiceColumns))}
	row.Cells[0] = Cell{Text: name}
	row.Cells[1] = Cell{Text: r.Number, Tone: ToneMuted}
	row.Cells[2] = Cell{Text: r.Period.Label, Tone: ToneMuted}
	row.Cells[3] = Cell{Text: status, Tone: statusTone}
	if r.ID != "" {
		row.Cells[4] = NumCell(money(r.Total, r.Currency), r.Total, ToneNormal)
	} else {
		row.Cells[4] = Cell{Text: "—", Tone: ToneMuted}
	}
	if r.Previous != nil {
		row.Cells[5] = NumCell(amount(r.Previous.Total, r.Currency), r.Previous.Total, ToneMuted)
	} else {
		row.Cells[5] = Cell{Text: "—", Tone: ToneMuted}
	}
	if c := r.Change; c != nil {
		tone := changeTone(c.Delta)
		text := amount(c.Delta, r.Currency)
		if c.Delta.IsPositive() {
			text = "+" + text
		}
		row.Cells[6] = NumCell(text, c.Delta, tone)
		if c.Percent != nil {
			pct := c.Percent.StringFixed(1) + "%"
			if c.Percent.IsPositive() {
				pct = "+" + pct
			}
			row.Cells[7] = NumCell(pct, *c.Percent, tone)
		} else {
			row.Cells[7] = Cell{Text: "—", Tone: ToneMuted}
		}
	} else {
		row.Cells[6] = Cell{Text: "—", Tone: ToneMuted}
		row.Cells[7] = Cell{Text: "—", Tone: ToneMuted}
	}
	flags := make([]string, 0, len(r.Flags))
	warn := false
	for _, f := range r.Flags {
		if l, ok := flagLabels[f]; ok {
			flags = append(flags, l)
		} else {
			flags = append(flags, f)
		}
		warn = warn || f == ledger.FlagSignificant || f == ledger.FlagStale || f == ledger.FlagMissing
	}
	row.Cells[8] = Cell{Text: strings.Join(flags, " ")}
	if warn {
		row.Cells[8].Tone = ToneWarn
	}
	if len(r.Stale) > 0 {
		row.Tone = ToneWarn // the "!" marker
	}
	return row
}

func changeTone(d decimal.Decimal) Tone {
	switch d.Sign() {
	case 1:
		return TonePositive
	case -1:
		return ToneNegative
	}
	return ToneMuted
}

// gridPane is the invoice grid of the selected view, with the "/" filter.
type gridPane struct {
	ctx    *Context
	grid   *Grid
	data   *viewData
	byID   map[string]*ledger.InvoiceRow
	input  textinput.Model
	outbox map[string]ledger.OutboxStatus // newest item per invoice
	// filters remembers the "/" filter of each view, by name.
	filters map[string]string
	// filtering is true while the filter input has the keys; before is the
	// filter to restore on esc; filterErr is shown under the input.
	filtering bool
	before    string
	filterErr string
	width     int
	height    int
}

func newGridPane(ctx *Context) *gridPane {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "acme  status:draft  Δ%>20  -status:sent"
	return &gridPane{ctx: ctx, grid: NewGrid(invoiceColumns, ctx.Theme, ctx.Keys.Grid), input: in, byID: map[string]*ledger.InvoiceRow{}, filters: map[string]string{}}
}

// setData shows a view's rows, keeping marks and the cursor by row id.
// Each view keeps its own "/" filter: switching views brings back the
// filter last typed on that view (none at first).
func (p *gridPane) setData(d *viewData, customers map[string]string, outbox map[string]ledger.OutboxStatus) {
	p.outbox = outbox
	if p.data != nil && p.data.View.Name != d.View.Name {
		p.filters[p.data.View.Name] = p.grid.Filter()
		_ = p.grid.SetFilter(p.filters[d.View.Name])
		p.SetSize(p.width, p.height)
	}
	p.data = d
	p.byID = make(map[string]*ledger.InvoiceRow, len(d.Rows))
	rows := make([]Row, len(d.Rows))
	for i := range d.Rows {
		r := &d.Rows[i]
		rows[i] = invoiceRow(r, customers, outbox)
		p.byID[rows[i].ID] = r
	}
	p.grid.SetRows(rows)
}

// row is the invoice row behind a grid id.
func (p *gridPane) row(id string) (*ledger.InvoiceRow, bool) {
	r, ok := p.byID[id]
	return r, ok
}

// shown is the rows in display order (filtered and sorted): what the
// detail screen steps through.
func (p *gridPane) shown() []*ledger.InvoiceRow {
	out := make([]*ledger.InvoiceRow, 0, p.grid.Len())
	for _, ri := range p.grid.view {
		if r, ok := p.byID[p.grid.rows[ri].ID]; ok {
			out = append(out, r)
		}
	}
	return out
}

func (p *gridPane) Init() tea.Cmd { return nil }

func (p *gridPane) Capturing() bool { return p.filtering }

func (p *gridPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.input.Width = max(w-4, 10)
	p.grid.SetSize(w, h-p.chromeHeight())
}

// chromeHeight is the lines above the grid: the filter line when a filter
// is being typed or is in force.
func (p *gridPane) chromeHeight() int {
	if p.filtering || p.grid.Filter() != "" {
		return 1
	}
	return 0
}

func (p *gridPane) Update(msg tea.Msg) (pane, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, nil
	}
	keys := p.ctx.Keys
	if p.filtering {
		switch {
		case k.Type == tea.KeyEnter:
			if p.filterErr != "" {
				return p, nil // keep typing: the filter does not parse
			}
			p.filtering = false
			p.input.Blur()
			p.SetSize(p.width, p.height)
			return p, nil
		case k.Type == tea.KeyEsc:
			p.filtering = false
			p.input.Blur()
			_ = p.grid.SetFilter(p.before)
			p.filterErr = ""
			p.SetSize(p.width, p.height)
			return p, nil
		}
		var cmd tea.Cmd
		p.input, cmd = p.input.Update(msg)
		if err := p.grid.SetFilter(p.input.Value()); err != nil {
			p.filterErr = err.Error()
		} else {
			p.filterErr = ""
		}
		return p, cmd
	}
	if key.Matches(k, keys.Filter) {
		p.filtering = true
		p.before = p.grid.Filter()
		p.input.SetValue(p.before)
		p.input.CursorEnd()
		p.SetSize(p.width, p.height)
		return p, p.input.Focus()
	}
	if key.Matches(k, keys.Back) && p.grid.Filter() != "" {
		_ = p.grid.SetFilter("")
		p.SetSize(p.width, p.height)
		return p, nil
	}
	return p, p.grid.Update(msg)
}

func (p *gridPane) View() string {
	var b strings.Builder
	switch {
	case p.filtering:
		line := p.input.View()
		if p.filterErr != "" {
			line += "  " + p.ctx.Theme.Tone(ToneWarn).Render(p.filterErr)
		}
		b.WriteString(truncateLine(line, p.width))
		b.WriteByte('\n')
	case p.grid.Filter() != "":
		b.WriteString(p.ctx.Theme.Tone(ToneMuted).Render(truncateLine("filter: "+p.grid.Filter()+"   (/ edit · esc clear)", p.width)))
		b.WriteByte('\n')
	}
	b.WriteString(p.grid.View())
	return b.String()
}

func (p *gridPane) ShortHelp() []key.Binding {
	k := p.ctx.Keys
	if p.filtering {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
	}
	return []key.Binding{k.Grid.Mark, k.Enter, k.Filter, k.Recalc, k.Issue, k.Send, k.Help}
}

func (p *gridPane) FullHelp() [][]key.Binding {
	k := p.ctx.Keys
	return append(k.Grid.FullHelp(),
		[]key.Binding{k.Enter, k.Filter, k.Back, k.SaveView},
		[]key.Binding{k.Recalc, k.RecalcView, k.Issue, k.Send},
	)
}
