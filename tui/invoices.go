package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
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
	filter filterBox
	outbox map[string]ledger.OutboxStatus // newest item per invoice
	// filters remembers the "/" filter of each view, by name.
	filters map[string]string
	width   int
	height  int
}

func newGridPane(ctx *Context) *gridPane {
	return &gridPane{ctx: ctx, grid: NewGrid(invoiceColumns, ctx.Theme, ctx.Keys.Grid), filter: newFilterBox("acme  status:draft  Δ%>20  -status:sent"),
		byID: map[string]*ledger.InvoiceRow{}, filters: map[string]string{}}
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

func (p *gridPane) Capturing() bool { return p.filter.open }

func (p *gridPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.filter.setWidth(w)
	p.grid.SetSize(w, h-p.filter.height(p.grid))
}

func (p *gridPane) Update(msg tea.Msg) (pane, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, nil
	}
	keys := p.ctx.Keys
	switch {
	case p.filter.open:
		cmd := p.filter.update(k, p.grid)
		p.SetSize(p.width, p.height)
		return p, cmd
	case key.Matches(k, keys.Filter):
		cmd := p.filter.start(p.grid)
		p.SetSize(p.width, p.height)
		return p, cmd
	case key.Matches(k, keys.Back) && p.filter.clear(p.grid):
		p.SetSize(p.width, p.height)
		return p, nil
	}
	return p, p.grid.Update(msg)
}

func (p *gridPane) View() string {
	if line := p.filter.view(p.grid, p.ctx.Theme, p.width); line != "" {
		return line + "\n" + p.grid.View()
	}
	return p.grid.View()
}

func (p *gridPane) ShortHelp() []key.Binding {
	k := p.ctx.Keys
	if p.filter.open {
		return p.filter.help()
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
