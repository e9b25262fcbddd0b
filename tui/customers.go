package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
)

// customersPane shows the customers (with how many aliases and schedules
// each has) beside the usage that waits for a customer, by alias, with
// event counts and first/last seen. m on an alias opens a fuzzy picker of
// customers; enter maps the alias, which attributes its waiting events in
// one transaction (ledger.Book.MapAlias) and so makes drafts of the
// periods they fall in stale.
type customersPane struct {
	ctx       *Context
	customers *Grid
	usage     *Grid
	focus     customersFocus
	detail    bool // the cursor customer's aliases and schedules replace the usage list

	loadID  int // the load whose result is wanted; older ones are dropped
	loaded  bool
	loadErr error
	data    customersLoadedMsg // what the last load brought

	picker   *customerPicker          // non-nil while choosing a customer
	pickFor  ledger.UnattributedAlias // the alias the picker maps
	mapping  string                   // alias being mapped: a command is in flight
	gridKeys GridKeys

	width, height int
}

type customersFocus uint8

const (
	focusCustomerList customersFocus = iota
	focusUsageList
)

// customersLoadedMsg carries one consistent-enough read of the book: each
// list is its own read transaction, which is fine for display.
type customersLoadedMsg struct {
	id           int
	customers    []ledger.Customer
	aliases      []ledger.Alias
	schedules    []ledger.ScheduleRecord
	unattributed []ledger.UnattributedAlias
	err          error
}

// aliasMappedMsg is the result of mapping an alias to a customer.
type aliasMappedMsg struct {
	alias, customer string
	events          int
	err             error
}

var customerCols = []Column{
	{Key: "id", Title: "ID", Width: 10, Flex: 1},
	{Key: "name", Title: "Name", Width: 12, Flex: 2},
	{Key: "currency", Title: "Cur", Width: 3, Priority: 2},
	{Key: "aliases", Title: "Aliases", Width: 7, Align: AlignRight, Numeric: true, Priority: 1},
	{Key: "schedules", Title: "Schedules", Width: 9, Align: AlignRight, Numeric: true},
}

var usageCols = []Column{
	{Key: "alias", Title: "Alias", Width: 12, Flex: 1},
	{Key: "events", Title: "Events", Width: 8, Align: AlignRight, Numeric: true},
	{Key: "first", Title: "First seen UTC", Width: 16, Priority: 1},
	{Key: "last", Title: "Last seen UTC", Width: 16},
}

// usageColEvents is the events column of the usage list.
const usageColEvents = 1

// newCustomersPane builds the pane; Init loads it.
func newCustomersPane(ctx *Context) *customersPane {
	gk := ctx.Keys.Grid
	// Nothing here acts on several rows, so marks would only mislead.
	gk.Mark.SetEnabled(false)
	gk.MarkAll.SetEnabled(false)
	gk.Unmark.SetEnabled(false)
	p := &customersPane{ctx: ctx, gridKeys: gk,
		customers: NewGrid(customerCols, ctx.Theme, gk),
		usage:     NewGrid(usageCols, ctx.Theme, gk),
	}
	p.usage.SortBy(usageColEvents, true) // the biggest waiting usage first
	return p
}

// Init loads the customers and the unattributed usage.
func (p *customersPane) Init() tea.Cmd { return p.load() }

func (p *customersPane) load() tea.Cmd {
	p.loadID++
	id, b := p.loadID, p.ctx.Book
	return func() tea.Msg {
		m := customersLoadedMsg{id: id}
		if m.customers, m.err = b.Customers(); m.err != nil {
			return m
		}
		if m.aliases, m.err = b.Aliases(""); m.err != nil {
			return m
		}
		if m.schedules, m.err = b.Schedules(); m.err != nil {
			return m
		}
		m.unattributed, m.err = b.Unattributed()
		return m
	}
}

// Capturing is true while the picker is open: it takes every key.
func (p *customersPane) Capturing() bool { return p.picker != nil }

func (p *customersPane) Update(msg tea.Msg) (pane, tea.Cmd) {
	switch msg := msg.(type) {
	case customersLoadedMsg:
		if msg.id != p.loadID {
			return p, nil // a newer load is on its way
		}
		return p, p.loadedData(msg)
	case aliasMappedMsg:
		p.mapping = ""
		if msg.err != nil {
			return p, setStatus(fmt.Sprintf("map alias %s to %s: %v", msg.alias, msg.customer, msg.err), ToneNegative)
		}
		text := fmt.Sprintf("mapped alias %s to %s: no events were waiting", msg.alias, msg.customer)
		if msg.events > 0 {
			text = fmt.Sprintf("mapped alias %s to %s: %s attributed; drafts that used them are now stale — recalc",
				msg.alias, msg.customer, plural(msg.events, "event"))
		}
		return p, tea.Batch(setStatus(text, ToneNormal), bookChanged)
	case bookChangedMsg:
		return p, p.load()
	case tea.KeyMsg:
		if p.picker != nil {
			return p, p.pickerKey(msg)
		}
		return p, p.key(msg)
	}
	return p, nil
}

func (p *customersPane) loadedData(msg customersLoadedMsg) tea.Cmd {
	p.loaded, p.loadErr = true, msg.err
	if msg.err != nil {
		return setStatus("customers & usage: "+msg.err.Error(), ToneNegative)
	}
	p.data = msg
	aliases := map[string]int{}
	for _, a := range msg.aliases {
		aliases[a.Customer]++
	}
	schedules := map[string]int{}
	for _, s := range msg.schedules {
		schedules[s.CustomerID]++
	}
	rows := make([]Row, len(msg.customers))
	for i, c := range msg.customers {
		rows[i] = Row{ID: c.ID, Cells: []Cell{
			{Text: c.ID}, {Text: c.Name}, {Text: c.Currency.String()},
			countCell(aliases[c.ID]), countCell(schedules[c.ID]),
		}}
	}
	p.customers.SetRows(rows)
	rows = make([]Row, len(msg.unattributed))
	for i, u := range msg.unattributed {
		rows[i] = Row{ID: u.Alias, Cells: []Cell{
			{Text: u.Alias}, countCell(u.Events),
			{Text: formatStamp(u.FirstSeen)}, {Text: formatStamp(u.LastSeen)},
		}}
	}
	p.usage.SetRows(rows)
	p.layout()
	return nil
}

// countCell is a right-aligned count, muted when zero.
func countCell(n int) Cell {
	tone := ToneNormal
	if n == 0 {
		tone = ToneMuted
	}
	return NumCell(formatCount(n), decimal.NewFromInt(int64(n)), tone)
}

func (p *customersPane) key(k tea.KeyMsg) tea.Cmd {
	keys := p.ctx.Keys
	switch {
	case key.Matches(k, keys.Reload):
		return p.load()
	case key.Matches(k, keys.OtherList):
		p.detail = false
		if p.focus == focusCustomerList {
			p.focus = focusUsageList
		} else {
			p.focus = focusCustomerList
		}
		return nil
	case p.detail && key.Matches(k, keys.Back):
		p.detail = false
		return nil
	case p.focus == focusCustomerList && key.Matches(k, keys.Enter):
		if _, ok := p.customers.Cursor(); ok {
			p.detail = !p.detail
		}
		return nil
	case key.Matches(k, keys.MapAlias):
		return p.openPicker()
	}
	if p.focus == focusCustomerList {
		return p.customers.Update(k)
	}
	return p.usage.Update(k)
}

// openPicker starts mapping the alias under the cursor.
func (p *customersPane) openPicker() tea.Cmd {
	if p.focus != focusUsageList {
		return setStatus("m maps an unattributed alias: move to the usage list first (←/→)", ToneWarn)
	}
	if cmd, ok := p.ctx.canWrite("map alias"); !ok {
		return cmd
	}
	if p.mapping != "" {
		return setStatus("still mapping "+p.mapping+"…", ToneWarn)
	}
	row, ok := p.usage.Cursor()
	if !ok {
		return setStatus("no unattributed usage to map", ToneNormal)
	}
	var alias ledger.UnattributedAlias
	for _, u := range p.data.unattributed {
		if u.Alias == row.ID {
			alias = u
		}
	}
	if len(p.data.customers) == 0 {
		return setStatus("no customers to map "+row.ID+" to: add one first (monthend customers add --help)", ToneWarn)
	}
	title := fmt.Sprintf("Map alias %s to a customer", alias.Alias)
	about := fmt.Sprintf("%s waiting, first seen %s, last seen %s (UTC)",
		plural(alias.Events, "event"), formatStamp(alias.FirstSeen), formatStamp(alias.LastSeen))
	picker, cmd := newCustomerPicker(title, about, p.data.customers, p.ctx.Theme, p.ctx.Keys)
	picker.setSize(p.width, p.height)
	p.picker, p.pickFor = picker, alias
	return cmd
}

func (p *customersPane) pickerKey(k tea.KeyMsg) tea.Cmd {
	outcome, cmd := p.picker.update(k)
	switch outcome {
	case pickerCanceled:
		p.picker = nil
		return nil
	case pickerPicked:
		c, _ := p.picker.selected()
		p.picker = nil
		if cmd, ok := p.ctx.canWrite("map alias"); !ok {
			return cmd
		}
		alias := p.pickFor.Alias
		p.mapping = alias
		b := p.ctx.Book
		return tea.Batch(
			setStatus(fmt.Sprintf("mapping %s to %s…", alias, c.ID), ToneNormal),
			func() tea.Msg {
				n, err := b.MapAlias(alias, c.ID)
				return aliasMappedMsg{alias: alias, customer: c.ID, events: n, err: err}
			})
	}
	return cmd
}

// SetSize lays the two lists out side by side when there is room, else
// one above the other.
func (p *customersPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.layout()
	if p.picker != nil {
		p.picker.setSize(w, h)
	}
}

// layout sizes the lists; stacked, their heights depend on their lengths,
// so it runs again when data arrives.
func (p *customersPane) layout() {
	lw, lh, rw, rh := p.areas()
	// Each area has a title line. (Grid.View panics on a negative height.)
	p.customers.SetSize(lw, max(lh-1, 0))
	p.usage.SetSize(rw, max(rh-1, 0))
}

// sideBySide is the width from which the lists sit side by side.
const sideBySide = 110

// areas are the sizes of the customers area and the usage area. Stacked,
// a list that needs less than half the height gives the rest to the other.
func (p *customersPane) areas() (lw, lh, rw, rh int) {
	w, h := p.width, p.height
	if w >= sideBySide {
		lw = w * 11 / 20
		return lw, h, w - lw - 1, h
	}
	needC := 2 + max(p.customers.Total(), 1) // title, header, rows
	needU := 2 + max(p.usage.Total(), 1)
	switch lh = (h + 1) / 2; {
	case needC < lh:
		lh = needC + 1 // and a blank line before the usage
	case needU < h-lh:
		lh = h - needU
	}
	return w, lh, w, h - lh
}

func (p *customersPane) View() string {
	if p.picker != nil {
		return p.picker.View()
	}
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	if !p.loaded {
		return fitLines(p.ctx.Theme.Tone(ToneMuted).Render("loading customers…"), p.width, p.height)
	}
	if p.loadErr != nil {
		return fitLines(p.ctx.Theme.Tone(ToneNegative).Render("could not load customers: "+p.loadErr.Error()+" (ctrl+r retries)"), p.width, p.height)
	}
	lw, lh, rw, rh := p.areas()
	left := sectionTitle(p.ctx.Theme, fmt.Sprintf("Customers (%d)", p.customers.Total()), lw, p.focus == focusCustomerList) +
		"\n" + p.customers.View()
	left = fitLines(left, lw, lh)
	var right string
	if p.detail {
		right = p.detailView(rw, rh)
	} else {
		right = fitLines(sectionTitle(p.ctx.Theme, p.usageTitle(), rw, p.focus == focusUsageList)+"\n"+p.usage.View(), rw, rh)
	}
	if p.width >= sideBySide {
		sep := strings.TrimSuffix(strings.Repeat("│\n", p.height), "\n")
		return lipgloss.JoinHorizontal(lipgloss.Top, padRight(left, lw), p.ctx.Theme.Tone(ToneMuted).Render(sep), right)
	}
	return fitLines(left+"\n"+right, p.width, p.height) // right is empty when only one line fits
}

// padRight pads every line of s to w cells, so a column joined beside it
// lines up.
func padRight(s string, w int) string {
	return lipgloss.NewStyle().Width(w).Render(s)
}

func (p *customersPane) usageTitle() string {
	events := 0
	for _, u := range p.data.unattributed {
		events += u.Events
	}
	title := "Unattributed usage: none — every alias belongs to a customer"
	if n := len(p.data.unattributed); n > 0 {
		title = fmt.Sprintf("Unattributed usage: %s events under %d aliases", formatCount(events), n)
		if n == 1 {
			title = fmt.Sprintf("Unattributed usage: %s events under 1 alias", formatCount(events))
		}
	}
	if p.mapping != "" {
		title += " · mapping " + p.mapping + "…"
	}
	return title
}

// detailView shows the cursor customer's record, aliases and schedules.
func (p *customersPane) detailView(w, h int) string {
	row, ok := p.customers.Cursor()
	if !ok {
		return fitLines("", w, h)
	}
	var c ledger.Customer
	for _, x := range p.data.customers {
		if x.ID == row.ID {
			c = x
		}
	}
	muted := p.ctx.Theme.Tone(ToneMuted)
	var b strings.Builder
	b.WriteString(sectionTitle(p.ctx.Theme, fmt.Sprintf("%s — %s", c.ID, c.Name), w, true))
	facts := []string{c.Currency.String(), c.TimeZone, fmt.Sprintf("net %d days", c.PaymentTermsDays)}
	if len(c.Emails) > 0 {
		facts = append(facts, strings.Join(c.Emails, ", "))
	} else {
		facts = append(facts, "no billing email")
	}
	b.WriteString("\n" + strings.Join(facts, " · "))
	var aliases []string
	for _, a := range p.data.aliases {
		if a.Customer == c.ID {
			aliases = append(aliases, a.Alias)
		}
	}
	b.WriteString(fmt.Sprintf("\nAliases (%d): %s", len(aliases), strings.Join(aliases, ", ")))
	var n int
	for _, s := range p.data.schedules {
		if s.CustomerID == c.ID {
			n++
		}
	}
	b.WriteString(fmt.Sprintf("\nSchedules (%d):", n))
	if n == 0 {
		b.WriteString(muted.Render(" none: this customer is not billed"))
	}
	for _, s := range p.data.schedules {
		if s.CustomerID == c.ID {
			b.WriteString(fmt.Sprintf("\n  %s  v%d  %s", s.ID, s.Version, s.Status))
		}
	}
	return fitLines(b.String(), w, h)
}

// ShortHelp implements help.KeyMap: the keys that work in this mode.
func (p *customersPane) ShortHelp() []key.Binding { return p.help().short }

// FullHelp implements help.KeyMap.
func (p *customersPane) FullHelp() [][]key.Binding { return p.help().full }

func (p *customersPane) help() bindings {
	if p.picker != nil {
		return p.picker.help()
	}
	k, g := p.ctx.Keys, p.gridKeys
	move := []key.Binding{g.Up, g.Down, g.Top, g.Bottom, g.PageUp, g.PageDown, g.HalfUp, g.HalfDown}
	sort := []key.Binding{g.SortNext, g.SortReverse}
	var acts []key.Binding
	switch {
	case p.focus == focusCustomerList && p.detail:
		back := k.Back
		back.SetHelp("esc", "close details")
		acts = []key.Binding{back}
	case p.focus == focusCustomerList:
		open := k.Enter
		open.SetHelp("enter", "aliases & schedules")
		acts = []key.Binding{open}
	case !p.ctx.ReadOnly:
		acts = []key.Binding{k.MapAlias}
	}
	acts = append(acts, k.OtherList, k.Reload)
	short := append([]key.Binding{g.Up, g.Down}, acts...)
	return bindings{short: short, full: [][]key.Binding{move, acts, sort}}
}
