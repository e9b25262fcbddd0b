package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// detailPane shows one invoice: header, lines with last period's amount and
// Δ, each line's explanation, usage readings and the phases in force. It
// steps through the list it was opened from ("3 of 42"), like
// hledger-ui's transaction screen.
type detailPane struct {
	ctx       *Context
	rows      []*ledger.InvoiceRow
	idx       int
	customers map[string]string
	vp        viewport.Model
	width     int
	height    int
	// full holds invoices read in full, by row id (the list has summaries
	// only); errs the reads that failed.
	full map[string]*ledger.InvoiceRow
	errs map[string]error
}

func newDetailPane(ctx *Context, rows []*ledger.InvoiceRow, idx int, customers map[string]string) *detailPane {
	p := &detailPane{ctx: ctx, rows: rows, idx: idx, customers: customers, vp: viewport.New(0, 0),
		full: map[string]*ledger.InvoiceRow{}, errs: map[string]error{}}
	p.vp.KeyMap = viewport.KeyMap{ // j/k and pages scroll; ←/→ step invoices
		Up:           ctx.Keys.Grid.Up,
		Down:         ctx.Keys.Grid.Down,
		PageUp:       ctx.Keys.Grid.PageUp,
		PageDown:     ctx.Keys.Grid.PageDown,
		HalfPageUp:   ctx.Keys.Grid.HalfUp,
		HalfPageDown: ctx.Keys.Grid.HalfDown,
	}
	return p
}

// current is the invoice shown.
func (p *detailPane) current() (*ledger.InvoiceRow, bool) {
	if p.idx < 0 || p.idx >= len(p.rows) {
		return nil, false
	}
	return p.rows[p.idx], true
}

// Init reads the invoice shown in full.
func (p *detailPane) Init() tea.Cmd { return p.load() }

// load asks for the current invoice in full unless it is already here.
func (p *detailPane) load() tea.Cmd {
	r, ok := p.current()
	if !ok {
		return nil
	}
	if _, done := p.full[rowID(r)]; done {
		return nil
	}
	return loadDetail(p.ctx.Book, *r)
}

// forget drops what was read, after the book changed.
func (p *detailPane) forget() {
	p.full, p.errs = map[string]*ledger.InvoiceRow{}, map[string]error{}
}
func (p *detailPane) Capturing() bool { return false }

func (p *detailPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.vp.Width, p.vp.Height = w, max(h-1, 1)
	p.render()
}

func (p *detailPane) Update(msg tea.Msg) (pane, tea.Cmd) {
	if m, ok := msg.(detailLoadedMsg); ok {
		if m.err != nil {
			p.errs[m.id] = m.err
		} else {
			row := m.row
			p.full[m.id] = &row
		}
		if r, ok := p.current(); ok && rowID(r) == m.id {
			p.render()
		}
		return p, nil
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, nil
	}
	keys := p.ctx.Keys
	switch {
	case key.Matches(k, keys.NextInvoice):
		if p.idx < len(p.rows)-1 {
			p.idx++
			p.render()
			p.vp.GotoTop()
			return p, p.load()
		}
		return p, nil
	case key.Matches(k, keys.PrevInvoice):
		if p.idx > 0 {
			p.idx--
			p.render()
			p.vp.GotoTop()
			return p, p.load()
		}
		return p, nil
	case key.Matches(k, keys.Grid.Top):
		p.vp.GotoTop()
		return p, nil
	case key.Matches(k, keys.Grid.Bottom):
		p.vp.GotoBottom()
		return p, nil
	}
	var cmd tea.Cmd
	p.vp, cmd = p.vp.Update(msg)
	return p, cmd
}

// title is the line above the content: position in the list and scroll.
func (p *detailPane) title() string {
	r, ok := p.current()
	if !ok {
		return "no invoice"
	}
	name := r.ID
	if name == "" {
		name = "missing invoice of " + r.ScheduleID
	}
	if r.Number != "" {
		name = r.Number + "  " + name
	}
	return fmt.Sprintf("%s  (%d of %d)", name, p.idx+1, len(p.rows))
}

func (p *detailPane) View() string {
	th := p.ctx.Theme
	return th.Header.Render(truncateLine(p.title(), p.width)) + "\n" + p.vp.View()
}

// render lays the invoice out as text for the viewport, once it has been
// read in full (a missing row has nothing more to read).
func (p *detailPane) render() {
	r, ok := p.current()
	if !ok {
		p.vp.SetContent("")
		return
	}
	id := rowID(r)
	if err := p.errs[id]; err != nil {
		p.vp.SetContent(p.ctx.Theme.Tone(ToneNegative).Render("could not read " + id + ": " + err.Error() + " (ctrl+r reloads)"))
		return
	}
	full, ok := p.full[id]
	if !ok {
		p.vp.SetContent(p.ctx.Theme.Tone(ToneMuted).Render("reading " + id + "…"))
		return
	}
	p.vp.SetContent(renderInvoice(p.ctx.Theme, full, p.customers, p.width))
}

// renderInvoice is the detail text of one row, wrapped to width.
func renderInvoice(th *Theme, r *ledger.InvoiceRow, customers map[string]string, width int) string {
	muted, warn := th.Tone(ToneMuted), th.Tone(ToneWarn)
	width = max(width, 40)
	var b strings.Builder
	line := func(s string) { b.WriteString(truncateLine(s, width)); b.WriteByte('\n') }
	name := customers[r.CustomerID]
	if name == "" {
		name = r.CustomerID
	}
	line(fmt.Sprintf("Customer  %s (%s)", name, r.CustomerID))
	if r.ID == "" {
		line(fmt.Sprintf("Period    %s", r.Period.Label))
		if r.Previous != nil {
			line(fmt.Sprintf("Missing   billed last period (%s, %s %s), no invoice now: is the schedule still active?",
				orDash(r.Previous.Number), amount(r.Previous.Total, r.Currency), r.Currency.Code()))
		}
		return b.String()
	}
	line(fmt.Sprintf("Period    %s  (%s – %s)   schedule %s v%d", r.Period.Label, r.Period.Start, r.Period.End.AddDays(-1), r.ScheduleID, r.ScheduleVersion))
	status := string(r.Status)
	if r.Number != "" {
		status += "  " + r.Number
	}
	if !r.IssueDate.IsZero() {
		status += fmt.Sprintf("  issued %s, due %s", r.IssueDate, r.DueDate)
	}
	line("Status    " + status)
	if phases := phasesOf(r.Lines); phases != "" {
		line("Phase     " + phases)
	}
	if len(r.Flags) > 0 {
		line(warn.Render("Flags     " + strings.Join(r.Flags, ", ")))
	}
	for _, s := range r.Stale {
		line(warn.Render("Stale     " + s + " — press r to recalculate"))
	}
	b.WriteByte('\n')

	// Lines: name, quantity, amount, previous, Δ; explanation beneath.
	amtW := 14
	nameW := max(width-4*amtW-12, 12)
	line(th.Header.Render(fmt.Sprintf("%-*s %*s %*s %*s %*s", nameW, "Line", amtW, "Quantity", amtW, "Amount", amtW, "Previous", amtW, "Δ")))
	// Lines of the same kind and name are compared as one (a period split
	// by a phase change): the comparison shows on the first of them.
	type lineKey struct {
		kind pricing.LineKind
		name string
	}
	diffs := map[lineKey]pricing.LineChange{}
	for _, d := range r.LineDiff {
		diffs[lineKey{d.Kind, d.Name}] = d
	}
	shownDiff := map[lineKey]bool{}
	ditto := false
	row := func(name, qty, amt, prev, delta string) {
		line(fmt.Sprintf("%-*s %*s %*s %*s %*s", nameW, ansi.Truncate(name, nameW, "…"), amtW, qty, amtW, amt, amtW, prev, amtW, delta))
	}
	for _, l := range r.Lines {
		prev, delta := "—", "—"
		k := lineKey{l.Kind, l.Name}
		if d, ok := diffs[k]; ok && !shownDiff[k] {
			shownDiff[k] = true
			if d.New {
				prev = "new"
			} else {
				prev = amount(d.Previous, r.Currency)
				delta = signed(amount(d.Delta, r.Currency), d.Delta.Sign())
			}
		} else if ok {
			prev, delta, ditto = "″", "″", true // compared together with the line above
		}
		qty := ""
		if !l.Quantity.IsZero() {
			qty = pricing.FormatAmount(l.Quantity, 0)
		}
		row(l.Name, qty, amount(l.Amount, r.Currency), prev, delta)
		for _, w := range wrap(l.Explanation, width-4) {
			line(muted.Render("    " + w))
		}
	}
	if ditto {
		line(muted.Render("    ″ compared with last period together with the line of the same name above"))
	}
	for _, d := range r.LineDiff { // lines only last period had
		if d.Gone {
			row(d.Name, "", "gone", amount(d.Previous, r.Currency), signed(amount(d.Delta, r.Currency), d.Delta.Sign()))
		}
	}
	b.WriteByte('\n')
	labelW := nameW + 1 + amtW
	line(fmt.Sprintf("%-*s %*s", labelW, "Subtotal", amtW, amount(r.Subtotal, r.Currency)))
	line(fmt.Sprintf("%-*s %*s", labelW, "Tax", amtW, amount(r.Tax, r.Currency)))
	total := fmt.Sprintf("%-*s %*s", labelW, "Total "+r.Currency.Code(), amtW, amount(r.Total, r.Currency))
	if r.Previous != nil && r.Change != nil {
		total += fmt.Sprintf(" %*s %*s", amtW, amount(r.Previous.Total, r.Currency), amtW, signed(amount(r.Change.Delta, r.Currency), r.Change.Delta.Sign()))
		if r.Change.Percent != nil {
			total += fmt.Sprintf(" %s%%", signed(r.Change.Percent.StringFixed(1), r.Change.Percent.Sign()))
		}
	}
	line(th.Header.Render(total))
	if len(r.Readings) > 0 {
		b.WriteByte('\n')
		line(th.Header.Render("Usage this invoice was priced from"))
		for _, rd := range r.Readings {
			line(fmt.Sprintf("  %-24s %s – %s  %s", rd.Metric, rd.From, rd.To.AddDays(-1), pricing.FormatAmount(rd.Value, 0)))
		}
	}
	if r.Previous != nil {
		b.WriteByte('\n')
		line(muted.Render(fmt.Sprintf("Previous period: %s %s, %s %s", orDash(r.Previous.Number), r.Previous.Status, amount(r.Previous.Total, r.Currency), r.Currency.Code())))
	}
	return strings.TrimRight(b.String(), "\n")
}

// phasesOf lists the phases the lines come from, in order.
func phasesOf(lines []pricing.InvoiceLine) string {
	var names []string
	for _, l := range lines {
		if l.Phase != "" && (len(names) == 0 || names[len(names)-1] != l.Phase) {
			names = append(names, l.Phase)
		}
	}
	return strings.Join(names, " → ")
}

func signed(s string, sign int) string {
	if sign > 0 {
		return "+" + s
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// wrap breaks s into lines of at most width cells at spaces.
func wrap(s string, width int) []string {
	if s == "" {
		return nil
	}
	width = max(width, 20)
	var out []string
	for _, para := range strings.Split(s, "\n") {
		w := ansi.Wordwrap(para, width, "")
		out = append(out, strings.Split(w, "\n")...)
	}
	return out
}

func (p *detailPane) ShortHelp() []key.Binding {
	k := p.ctx.Keys
	return []key.Binding{k.Back, k.NextInvoice, k.PrevInvoice, k.Grid.Down, k.Grid.Up, k.Recalc, k.Issue, k.Help}
}

func (p *detailPane) FullHelp() [][]key.Binding {
	k := p.ctx.Keys
	return [][]key.Binding{
		{k.Back, k.NextInvoice, k.PrevInvoice},
		{k.Grid.Up, k.Grid.Down, k.Grid.PageUp, k.Grid.PageDown, k.Grid.Top, k.Grid.Bottom},
		{k.Recalc, k.Issue, k.Send},
	}
}
