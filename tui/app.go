package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/monthend/monthend/ledger"
)

// Options configure the workstation.
type Options struct {
	Book *ledger.Book
	// ReadOnlyWhy, when the book is read-only, says why (shown in the
	// status bar when a writing key is pressed).
	ReadOnlyWhy string
	// Deliver sends the outbox's due items; nil when mail is not set up.
	Deliver func(ctx context.Context) (ledger.DeliverSummary, error)
	// Signatures sends quotes for e-signature (Dropbox Sign) and polls
	// them; nil leaves E and P in the quotes tab saying what to set up.
	Signatures *Signatures
	// Keys and Theme default to DefaultKeyMap and NewTheme.
	Keys  *KeyMap
	Theme *Theme
	// View is the saved view selected at start (default: the first).
	View string
}

// focus is the pane that gets keys. The order is tab's order.
type focus int

const (
	focusViews focus = iota
	focusGrid
	focusCustomers
	focusOutbox
	focusQuotes
	focusCount
)

// Model is the workstation's root: it owns the panes, routes each message
// one way (a dialog first, then the help overlay, then a pane that is
// capturing text, then global keys, then the focused pane) and draws the
// frame: tabs, the panes, a status bar and a help line.
type Model struct {
	ctx   *Context
	focus focus

	views     *viewsPane
	grid      *gridPane
	detail    *detailPane // open over the invoices screen when not nil
	customers pane
	outbox    pane
	quotes    pane

	help     help.Model
	showHelp bool
	dialog   *dialog

	job    *job
	jobSeq int

	loadSeq   int
	loaded    bool
	loadErr   error
	customerN map[string]string
	outboxOf  map[string]ledger.OutboxStatus
	wantView  string

	status     string
	statusTone Tone

	width, height int
}

// New builds the workstation on an open book.
func New(opts Options) *Model {
	ctx := &Context{
		Book:       opts.Book,
		Theme:      opts.Theme,
		Keys:       opts.Keys,
		ReadOnly:   opts.Book.ReadOnly(),
		Thresholds: ledger.DefaultThresholds,
		Deliver:    opts.Deliver,
		Signatures: opts.Signatures,
		Now:        time.Now,
	}
	if ctx.Theme == nil {
		ctx.Theme = NewTheme()
	}
	if ctx.Keys == nil {
		ctx.Keys = DefaultKeyMap()
	}
	ctx.ReadOnlyWhy = opts.ReadOnlyWhy
	if ctx.ReadOnly && ctx.ReadOnlyWhy == "" {
		ctx.ReadOnlyWhy = "opened with --read-only"
	}
	m := &Model{
		ctx:       ctx,
		focus:     focusGrid,
		views:     newViewsPane(ctx),
		grid:      newGridPane(ctx),
		customers: newCustomersPane(ctx),
		outbox:    newOutboxPane(ctx),
		quotes:    newQuotesPane(ctx),
		help:      help.New(),
		customerN: map[string]string{},
		wantView:  opts.View,
		width:     80,
		height:    24,
	}
	if ctx.ReadOnly {
		m.status, m.statusTone = "read-only: "+ctx.ReadOnlyWhy+"; actions that write are disabled", ToneWarn
	}
	return m
}

// Init loads the book and every pane's data.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.reload(), m.customers.Init(), m.outbox.Init(), m.quotes.Init())
}

// reload starts a fresh read of the invoices screen's data.
func (m *Model) reload() tea.Cmd {
	m.loadSeq++
	return loadBook(m.ctx.Book, m.ctx.Thresholds, m.loadSeq)
}

func (m *Model) focused() pane {
	switch m.focus {
	case focusViews:
		return m.views
	case focusCustomers:
		return m.customers
	case focusOutbox:
		return m.outbox
	case focusQuotes:
		return m.quotes
	}
	if m.detail != nil {
		return m.detail
	}
	return m.grid
}

// Update routes msg; see Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case bookLoadedMsg:
		if msg.seq != m.loadSeq {
			return m, nil // a newer load is on its way
		}
		return m, m.applyLoad(msg)
	case viewSelectedMsg:
		return m, m.showView(msg.index)
	case statusMsg:
		m.status, m.statusTone = msg.text, msg.tone
		return m, nil
	case detailLoadedMsg:
		if m.detail != nil {
			m.detail.Update(msg)
		}
		return m, nil
	case bookChangedMsg:
		var cmds []tea.Cmd
		cmds = append(cmds, m.reload())
		var c tea.Cmd
		m.customers, c = m.customers.Update(msg)
		cmds = append(cmds, c)
		m.outbox, c = m.outbox.Update(msg)
		cmds = append(cmds, c)
		m.quotes, c = m.quotes.Update(msg)
		cmds = append(cmds, c)
		return m, tea.Batch(cmds...)
	case openDialogMsg:
		m.dialog = msg.d
		return m, nil
	case jobTickMsg:
		if m.job != nil && msg.id == m.job.id {
			if m.job.reloadDue() {
				return m, tea.Batch(m.job.tick(), m.reload())
			}
			return m, m.job.tick()
		}
		return m, nil
	case jobDoneMsg:
		if m.job == nil || msg.id != m.job.id {
			return m, nil
		}
		title := m.job.title
		m.job = nil
		m.status, m.statusTone = msg.res.summary, msg.res.tone
		if len(msg.res.details) > 0 {
			m.dialog = &dialog{title: title + " — " + msg.res.summary, lines: msg.res.details}
		}
		return m, bookChanged
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	// Anything else (loads of the customers and outbox panes, cursor
	// blinks) goes to every pane that may be waiting for it.
	var cmds []tea.Cmd
	var c tea.Cmd
	m.customers, c = m.customers.Update(msg)
	cmds = append(cmds, c)
	m.outbox, c = m.outbox.Update(msg)
	cmds = append(cmds, c)
	m.quotes, c = m.quotes.Update(msg)
	cmds = append(cmds, c)
	if m.grid.filter.open {
		_, c = m.grid.Update(msg)
		cmds = append(cmds, c)
	}
	if m.dialog != nil && m.dialog.input != nil {
		in, c := m.dialog.input.Update(msg)
		*m.dialog.input = in
		cmds = append(cmds, c)
	}
	return m, tea.Batch(cmds...)
}

// applyLoad shows freshly loaded data, keeping the selected view, the
// cursor, marks and an open detail on the same invoices.
func (m *Model) applyLoad(msg bookLoadedMsg) tea.Cmd {
	m.loaded, m.loadErr = true, msg.err
	if msg.err != nil {
		m.status, m.statusTone = "could not read the book: "+msg.err.Error(), ToneNegative
		return nil
	}
	m.customerN, m.outboxOf = msg.customers, msg.outbox
	m.views.setViews(msg.views)
	if m.wantView != "" {
		if !m.views.selectName(m.wantView) {
			m.status, m.statusTone = fmt.Sprintf("no saved view %q; showing %q", m.wantView, m.views.views[0].View.Name), ToneWarn
		}
		m.wantView = ""
	}
	return m.showView(m.views.cur)
}

// showView puts view i in the grid (and re-points an open detail).
func (m *Model) showView(i int) tea.Cmd {
	if i < 0 || i >= len(m.views.views) {
		return nil
	}
	m.grid.setData(&m.views.views[i], m.customerN, m.outboxOf)
	if m.detail != nil {
		cur, ok := m.detail.current()
		rows := m.grid.shown()
		idx := 0
		if ok {
			for j, r := range rows {
				if rowID(r) == rowID(cur) {
					idx = j
				}
			}
		}
		if len(rows) == 0 {
			m.detail = nil
			return nil
		}
		m.detail.rows, m.detail.idx, m.detail.customers = rows, idx, m.customerN
		m.detail.forget() // the book changed: read the invoice again
		m.detail.render()
		return m.detail.load()
	}
	return nil
}

// key handles one key press; see Model for the order.
func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	keys := m.ctx.Keys
	if m.dialog != nil {
		cmd, done := m.dialog.update(k, keys)
		if done {
			m.dialog = nil
		}
		return cmd
	}
	if m.showHelp {
		m.showHelp = false
		return nil
	}
	if k.Type == tea.KeyCtrlC {
		if m.job != nil {
			m.job.cancel()
		}
		return tea.Quit
	}
	if m.job != nil && key.Matches(k, keys.Back) {
		m.job.cancel()
		m.status, m.statusTone = "cancelling "+m.job.title+" after the invoice in hand…", ToneWarn
		return nil
	}
	p := m.focused()
	if p.Capturing() {
		np, cmd := p.Update(k)
		m.setFocused(np)
		return cmd
	}
	switch {
	case key.Matches(k, keys.Quit):
		if m.job != nil {
			j := m.job
			m.dialog = &dialog{
				title: "Quit while " + j.title + " runs?",
				lines: []string{"It stops after the invoice in hand; everything written so far stays whole."},
				onYes: func() tea.Cmd { j.cancel(); return tea.Quit },
			}
			return nil
		}
		if qp, ok := m.quotes.(*quotesPane); ok && qp.quitWarning() != nil {
			m.dialog = &dialog{
				title: "Quit while " + qp.busyWith + "?",
				lines: qp.quitWarning(),
				onYes: func() tea.Cmd { return tea.Quit },
			}
			return nil
		}
		return tea.Quit
	case key.Matches(k, keys.Help):
		m.showHelp = true
		return nil
	case key.Matches(k, keys.Tab1):
		m.setFocus(focusGrid)
		return nil
	case key.Matches(k, keys.Tab2):
		m.setFocus(focusCustomers)
		return nil
	case key.Matches(k, keys.Tab3):
		m.setFocus(focusOutbox)
		return nil
	case key.Matches(k, keys.Tab4):
		m.setFocus(focusQuotes)
		return nil
	case key.Matches(k, keys.NextPane):
		m.setFocus((m.focus + 1) % focusCount)
		return nil
	case key.Matches(k, keys.PrevPane):
		m.setFocus((m.focus + focusCount - 1) % focusCount)
		return nil
	case key.Matches(k, keys.Reload):
		m.status, m.statusTone = "reloading…", ToneMuted
		return bookChanged
	}
	if m.focus == focusViews || m.focus == focusGrid {
		if cmd, ok := m.invoiceKey(k); ok {
			return cmd
		}
	}
	np, cmd := p.Update(k)
	m.setFocused(np)
	return cmd
}

func (m *Model) setFocused(p pane) {
	switch m.focus {
	case focusViews:
		m.views = p.(*viewsPane)
	case focusCustomers:
		m.customers = p
	case focusOutbox:
		m.outbox = p
	case focusQuotes:
		m.quotes = p
	default:
		if d, ok := p.(*detailPane); ok {
			m.detail = d
		} else {
			m.grid = p.(*gridPane)
		}
	}
}

func (m *Model) setFocus(f focus) {
	m.focus = f
	m.layout()
}

// invoiceKey handles the invoice screen's actions; ok is false for keys
// that belong to the focused pane.
func (m *Model) invoiceKey(k tea.KeyMsg) (tea.Cmd, bool) {
	keys := m.ctx.Keys
	switch {
	case m.detail != nil && key.Matches(k, keys.Back):
		m.detail = nil
		return nil, true
	case m.detail == nil && m.focus == focusGrid && key.Matches(k, keys.Enter):
		rows := m.grid.shown()
		if len(rows) == 0 {
			return nil, true
		}
		m.detail = newDetailPane(m.ctx, rows, m.grid.grid.cur, m.customerN)
		m.layout()
		return m.detail.Init(), true
	case m.focus == focusViews && key.Matches(k, keys.Enter):
		m.setFocus(focusGrid)
		return nil, true
	case key.Matches(k, keys.Recalc):
		return m.recalcTargets(), true
	case key.Matches(k, keys.RecalcView):
		return m.recalcView(), true
	case key.Matches(k, keys.Issue):
		return m.confirmIssue(), true
	case key.Matches(k, keys.Send):
		return m.confirmSend(), true
	case m.detail == nil && key.Matches(k, keys.SaveView):
		return m.promptSaveView(), true
	case m.focus == focusViews && key.Matches(k, keys.RenameView):
		return m.promptRenameView(), true
	case m.focus == focusViews && key.Matches(k, keys.DeleteView):
		return m.confirmDeleteView(), true
	}
	return nil, false
}

// targets are the invoice rows an action applies to: the invoice shown in
// detail, else the marked rows the filter shows, else the cursor row; and
// how many marked rows the filter hides.
func (m *Model) targets() ([]*ledger.InvoiceRow, int) {
	if m.detail != nil {
		if r, ok := m.detail.current(); ok {
			return []*ledger.InvoiceRow{r}, 0
		}
		return nil, 0
	}
	_, hidden := m.grid.grid.Marked()
	var out []*ledger.InvoiceRow
	for _, id := range m.grid.grid.Targets() {
		if r, ok := m.grid.row(id); ok {
			out = append(out, r)
		}
	}
	return out, hidden
}

func (m *Model) busy() (tea.Cmd, bool) {
	if m.job != nil {
		return setStatus(m.job.title+" is still running: wait, or esc to cancel it", ToneWarn), true
	}
	return nil, false
}

// mayStart says whether a bulk action may start: the book is writable and
// no other job runs; if not, the command sets the status saying why.
func (m *Model) mayStart(action string) (tea.Cmd, bool) {
	if cmd, ok := m.ctx.canWrite(action); !ok {
		return cmd, false
	}
	if cmd, busy := m.busy(); busy {
		return cmd, false
	}
	return nil, true
}

func (m *Model) start(title string, total int, work func(context.Context, *job) jobResult) tea.Cmd {
	m.jobSeq++
	j, cmd := startJob(m.jobSeq, title, total, work)
	m.job = j
	m.status, m.statusTone = title+"…", ToneMuted
	return cmd
}

// recalcTargets recalculates the drafts among the targets.
func (m *Model) recalcTargets() tea.Cmd {
	if cmd, ok := m.mayStart("recalc"); !ok {
		return cmd
	}
	rows, _ := m.targets()
	var ids []string
	label := ""
	for _, r := range rows {
		if r.ID != "" && r.Status == ledger.InvoiceDraft {
			ids = append(ids, r.ScheduleID)
			label = r.Period.Label
		}
	}
	if len(ids) == 0 {
		return setStatus("nothing to recalculate: only drafts are recalculated (issued invoices never change)", ToneWarn)
	}
	cmd := m.start(fmt.Sprintf("recalc %d invoice%s of %s", len(ids), pluralS(len(ids)), label), len(ids), recalcWork(m.ctx.Book, label, ids))
	m.job.live = true
	return cmd
}

// recalcView recalculates the selected view's period: like `monthend
// recalc --view`, it also creates drafts that are missing.
func (m *Model) recalcView() tea.Cmd {
	if cmd, ok := m.mayStart("recalc"); !ok {
		return cmd
	}
	v, ok := m.views.selected()
	if !ok || v.Label == "" {
		return setStatus("no view selected", ToneWarn)
	}
	cmd := m.start("recalc "+v.Label+" (whole period)", 0, recalcWork(m.ctx.Book, v.Label, nil))
	m.job.live = true
	return cmd
}

// confirmIssue asks before issuing: how many, the totals per currency, and
// what is skipped and why.
func (m *Model) confirmIssue() tea.Cmd {
	if cmd, ok := m.mayStart("issue"); !ok {
		return cmd
	}
	rows, hidden := m.targets()
	var ids []string
	var stale, notDraft, missing int
	for _, r := range rows {
		switch {
		case r.ID == "":
			missing++
		case r.Status != ledger.InvoiceDraft:
			notDraft++
		case len(r.Stale) > 0:
			stale++
		default:
			ids = append(ids, r.ID)
		}
	}
	skipped := skipReasons(
		skip{stale, "stale — recalculate first (r)"},
		skip{notDraft, "already issued"},
		skip{missing, "missing (no invoice to issue)"})
	if len(ids) == 0 {
		return setStatus("nothing to issue: "+orNone(skipped), ToneWarn)
	}
	book := m.ctx.Book
	m.dialog = m.bulkDialog("Issue", "issue", ids, skipped, hidden,
		"Each gets the next invoice number and can no longer change.", issueWork(book, ids))
	return nil
}

// bulkDialog is the confirmation of a bulk action on ids: how many, the
// total per currency, what it does, what is skipped and why, and how many
// marked rows the filter hides (they are not included). Only y runs work.
func (m *Model) bulkDialog(verb, job string, ids, skipped []string, hidden int, does string, work func(context.Context, *job) jobResult) *dialog {
	only := map[string]bool{}
	for _, id := range ids {
		only[id] = true
	}
	lines := []string{"Total " + formatTotals(totalsByCurrency(m.grid.data.Rows, only)), does}
	if len(skipped) > 0 {
		lines = append(lines, "Skipped: "+strings.Join(skipped, "; "))
	}
	if hidden > 0 {
		lines = append(lines, fmt.Sprintf("%d marked invoice%s hidden by the filter %s not included.", hidden, pluralS(hidden), isAre(hidden)))
	}
	n := fmt.Sprintf("%d invoice%s", len(ids), pluralS(len(ids)))
	return &dialog{
		title: verb + " " + n + "?",
		lines: lines,
		onYes: func() tea.Cmd { return m.start(job+" "+n, len(ids), work) },
	}
}

// confirmSend asks before queueing issued invoices for delivery.
func (m *Model) confirmSend() tea.Cmd {
	if cmd, ok := m.mayStart("send"); !ok {
		return cmd
	}
	rows, hidden := m.targets()
	var ids []string
	var drafts, sent, queued, other int
	for _, r := range rows {
		switch st := m.outboxOf[r.ID]; {
		case r.Status == ledger.InvoiceIssued && (st == ledger.OutboxQueued || st == ledger.OutboxSending || st == ledger.OutboxUnknown):
			queued++
		case r.ID != "" && r.Status == ledger.InvoiceIssued:
			ids = append(ids, r.ID)
		case r.Status == ledger.InvoiceDraft:
			drafts++
		case r.Status == ledger.InvoiceSent || r.Status == ledger.InvoicePaid:
			sent++
		default:
			other++
		}
	}
	skipped := skipReasons(
		skip{drafts, "draft" + pluralS(drafts) + " — issue first (i)"},
		skip{sent, "already sent"},
		skip{queued, "already in the outbox (3 Outbox)"},
		skip{other, "void or missing"})
	if len(ids) == 0 {
		return setStatus("nothing to send: "+orNone(skipped), ToneWarn)
	}
	delivery := "They are queued in the outbox and emailed now."
	if m.ctx.Deliver == nil {
		delivery = "They are queued in the outbox; no mail settings, so delivery waits (docs/delivery.md)."
	}
	m.dialog = m.bulkDialog("Send", "send", ids, skipped, hidden, delivery, sendWork(m.ctx.Book, ids, m.ctx.Deliver))
	return nil
}

// promptSaveView saves the selected view with the grid's filter and sort
// folded in, under a new name.
func (m *Model) promptSaveView() tea.Cmd {
	if cmd, ok := m.ctx.canWrite("save view"); !ok {
		return cmd
	}
	cur, ok := m.views.selected()
	if !ok {
		return setStatus("no view selected", ToneWarn)
	}
	col, desc := m.grid.grid.Sort()
	v, err := viewFromGrid(cur.View, m.grid.grid.Filter(), invoiceColumns, col, desc)
	if err != nil {
		return setStatus("cannot save this filter as a view: "+err.Error(), ToneWarn)
	}
	in := textinput.New()
	in.Prompt = "name: "
	in.SetValue(cur.View.Name + " (copy)")
	in.CursorEnd()
	book := m.ctx.Book
	m.dialog = &dialog{
		title: "Save as a view",
		lines: []string{"Period " + v.Period + "; " + describeView(v)},
		input: &in,
		onSubmit: func(name string) tea.Cmd {
			v.Name = name
			m.wantView = name
			return func() tea.Msg {
				if _, err := book.GetView(name); err == nil {
					return statusMsg{text: fmt.Sprintf("a view called %q exists already; choose another name", name), tone: ToneWarn}
				}
				if err := book.SaveView(v); err != nil {
					return statusMsg{text: "save view: " + err.Error(), tone: ToneNegative}
				}
				return tea.BatchMsg{setStatus(fmt.Sprintf("saved view %q", name), TonePositive), bookChanged}
			}
		},
	}
	return in.Focus()
}

func (m *Model) promptRenameView() tea.Cmd {
	if cmd, ok := m.ctx.canWrite("rename view"); !ok {
		return cmd
	}
	cur, ok := m.views.selected()
	if !ok {
		return nil
	}
	in := textinput.New()
	in.Prompt = "new name: "
	in.SetValue(cur.View.Name)
	in.CursorEnd()
	old, book := cur.View.Name, m.ctx.Book
	m.dialog = &dialog{
		title: fmt.Sprintf("Rename view %q", old),
		input: &in,
		onSubmit: func(name string) tea.Cmd {
			m.wantView = name
			return func() tea.Msg {
				if err := book.RenameView(old, name); err != nil {
					return statusMsg{text: "rename view: " + err.Error(), tone: ToneNegative}
				}
				return tea.BatchMsg{setStatus(fmt.Sprintf("renamed view %q to %q", old, name), TonePositive), bookChanged}
			}
		},
	}
	return in.Focus()
}

func (m *Model) confirmDeleteView() tea.Cmd {
	if cmd, ok := m.ctx.canWrite("delete view"); !ok {
		return cmd
	}
	cur, ok := m.views.selected()
	if !ok {
		return nil
	}
	name, book := cur.View.Name, m.ctx.Book
	m.dialog = &dialog{
		title: fmt.Sprintf("Delete view %q?", name),
		lines: []string{"Only the saved filter goes; no invoice is touched."},
		onYes: func() tea.Cmd {
			return func() tea.Msg {
				if err := book.DeleteView(name); err != nil {
					return statusMsg{text: "delete view: " + err.Error(), tone: ToneNegative}
				}
				return tea.BatchMsg{setStatus(fmt.Sprintf("deleted view %q", name), TonePositive), bookChanged}
			}
		},
	}
	return nil
}

// skip is a count of rows a bulk action leaves out, and why.
type skip struct {
	n    int
	text string
}

// skipReasons words the non-zero skips for a bulk action's dialog.
func skipReasons(skips ...skip) []string {
	var out []string
	for _, s := range skips {
		if s.n > 0 {
			out = append(out, fmt.Sprintf("%d %s", s.n, s.text))
		}
	}
	return out
}

func orNone(parts []string) string {
	if len(parts) == 0 {
		return "no invoice selected"
	}
	return strings.Join(parts, "; ")
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// pluralS is "s" unless n is 1.
func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Layout: one line of tabs, the body, a status line and a help line.
const chromeLines = 3

// viewsWidth is the views pane's width for a terminal w columns wide.
func viewsWidth(w int) int {
	switch {
	case w >= 160:
		return 34
	case w >= 100:
		return 28
	}
	return 22
}

func (m *Model) layout() {
	bodyH := max(m.height-chromeLines, 1)
	vw := viewsWidth(m.width)
	m.views.SetSize(vw, bodyH)
	m.grid.SetSize(max(m.width-vw-1, 10), bodyH)
	if m.detail != nil {
		m.detail.SetSize(m.width, bodyH)
	}
	m.customers.SetSize(m.width, bodyH)
	m.outbox.SetSize(m.width, bodyH)
	m.quotes.SetSize(m.width, bodyH)
	m.help.Width = m.width
}

// View draws the frame.
func (m *Model) View() string {
	th := m.ctx.Theme
	bodyH := max(m.height-chromeLines, 1)
	var body string
	switch {
	case !m.loaded:
		body = th.Tone(ToneMuted).Render("  reading the book…")
	case m.focus == focusCustomers:
		body = m.customers.View()
	case m.focus == focusOutbox:
		body = m.outbox.View()
	case m.focus == focusQuotes:
		body = m.quotes.View()
	case m.detail != nil:
		body = m.detail.View()
	default:
		body = m.invoicesBody(bodyH)
	}
	body = exactLines(body, bodyH)
	if m.showHelp {
		body = overlay(m.helpBox(), body, m.width, bodyH)
	} else if m.dialog != nil {
		body = overlay(m.dialog.view(th, m.width, bodyH), body, m.width, bodyH)
	}
	return strings.Join([]string{m.tabs(), body, m.statusLine(), m.helpLine()}, "\n")
}

// invoicesBody puts the views pane and the grid side by side. It is built
// line by line rather than with lipgloss layout styles, which measure every
// cell of every line on each frame (3–4 ms at 200×50; this is the hot path
// of every key press). Only the short views-pane lines are measured; grid
// lines come out of the grid at its exact width.
func (m *Model) invoicesBody(bodyH int) string {
	th := m.ctx.Theme
	vw := viewsWidth(m.width)
	left := strings.Split(m.views.render(m.focus == focusViews), "\n")
	right := strings.Split(m.grid.View(), "\n")
	sep := th.Tone(ToneMuted).Render("│")
	var b strings.Builder
	b.Grow((m.width + 16) * bodyH)
	for i := range bodyH {
		l := ""
		if i < len(left) {
			l = left[i]
		}
		lw := ansi.StringWidth(l)
		if lw > vw {
			l, lw = ansi.Truncate(l, vw, "…"), vw
		}
		b.WriteString(l)
		b.WriteString(strings.Repeat(" ", vw-lw))
		b.WriteString(sep)
		if i < len(right) {
			b.WriteString(right[i])
		}
		if i < bodyH-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// exactLines cuts or pads s to exactly h lines, without measuring widths.
func exactLines(s string, h int) string {
	n := strings.Count(s, "\n") + 1
	switch {
	case n > h:
		i := 0
		for range h {
			i += strings.IndexByte(s[i:], '\n') + 1
		}
		return s[:i-1]
	case n < h:
		return s + strings.Repeat("\n", h-n)
	}
	return s
}

// tabs is the top line: the screens, the book and read-only state.
func (m *Model) tabs() string {
	th := m.ctx.Theme
	tab := func(n, name string, on bool) string {
		if on {
			return th.TabOn.Render(n + " " + name)
		}
		return th.TabOff.Render(n + " " + name)
	}
	inv := m.focus == focusViews || m.focus == focusGrid
	left := th.Header.Render("monthend") + " " + tab("1", "Invoices", inv) + tab("2", "Customers & usage", m.focus == focusCustomers) + tab("3", "Outbox", m.focus == focusOutbox) + tab("4", "Quotes", m.focus == focusQuotes)
	right := filepath.Base(m.ctx.Book.Path())
	if m.ctx.ReadOnly {
		right += " " + th.Tone(ToneWarn).Render("[read-only]")
	}
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right) - 1
	if gap < 1 {
		return truncateLine(left, m.width)
	}
	return left + strings.Repeat(" ", gap) + right + " "
}

// statusLine shows a running job's progress, else the view, the selection
// and the last action's result.
func (m *Model) statusLine() string {
	th := m.ctx.Theme
	if m.job != nil {
		return progressLine(th, m.job, m.width)
	}
	var parts []string
	if v, ok := m.views.selected(); ok && (m.focus == focusGrid || m.focus == focusViews) {
		parts = append(parts, v.Label+" · "+v.View.Name)
		shown, total := m.grid.grid.Len(), m.grid.grid.Total()
		if shown != total {
			parts = append(parts, fmt.Sprintf("%d of %d shown", shown, total))
		} else {
			parts = append(parts, fmt.Sprintf("%d rows", total))
		}
		if ids, hidden := m.grid.grid.Marked(); len(ids)+hidden > 0 {
			only := map[string]bool{}
			for _, id := range ids {
				only[id] = true
			}
			sel := fmt.Sprintf("%d marked", len(ids)+hidden)
			if t := formatTotals(totalsByCurrency(m.grid.data.Rows, only)); t != "" {
				sel += " (" + t + ")"
			}
			parts = append(parts, sel)
		}
	}
	left := strings.Join(parts, " · ")
	msg := m.status
	if msg != "" {
		msg = th.Tone(m.statusTone).Render(msg)
		if left != "" {
			left += "  "
		}
	}
	return truncateLine(th.Bar.Render(left)+msg, m.width)
}

func (m *Model) keyMap() help.KeyMap {
	k := m.ctx.Keys
	switch {
	case m.dialog != nil && m.dialog.onYes != nil:
		return bindings{short: []key.Binding{k.Yes, k.No}}
	case m.dialog != nil:
		return bindings{short: []key.Binding{k.Back}}
	}
	p := m.focused()
	global := []key.Binding{k.NextPane, k.Tab1, k.Tab2, k.Tab3, k.Tab4, k.Reload, k.Help, k.Quit}
	return bindings{short: p.ShortHelp(), full: append(p.FullHelp(), global)}
}

func (m *Model) helpLine() string {
	if m.job != nil {
		return truncateLine(m.help.ShortHelpView([]key.Binding{m.ctx.Keys.Back}), m.width)
	}
	return truncateLine(m.help.ShortHelpView(m.keyMap().ShortHelp()), m.width)
}

// helpBox is the "?" overlay, generated from the focused pane's key map:
// each group of bindings is a column; columns wrap to fit the terminal.
func (m *Model) helpBox() string {
	th := m.ctx.Theme
	var cols []string
	for _, group := range m.keyMap().FullHelp() {
		keyW := 0
		for _, b := range group {
			if b.Enabled() {
				keyW = max(keyW, lipgloss.Width(b.Help().Key))
			}
		}
		var lines []string
		for _, b := range group {
			if b.Enabled() {
				h := b.Help()
				lines = append(lines, th.Header.Render(h.Key)+strings.Repeat(" ", keyW-lipgloss.Width(h.Key)+1)+h.Desc)
			}
		}
		if len(lines) > 0 {
			cols = append(cols, strings.Join(lines, "\n"))
		}
	}
	room := max(m.width-8, 20)
	var rows []string
	var row []string
	rowW := 0
	for _, c := range cols {
		cw := lipgloss.Width(c) + 3
		if rowW+cw > room && len(row) > 0 {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowW = nil, 0
		}
		row = append(row, lipgloss.NewStyle().PaddingRight(3).Render(c))
		rowW += cw
	}
	if len(row) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	body := th.Header.Render("Keys") + "\n\n" + strings.Join(rows, "\n\n") + "\n\n" +
		th.Tone(ToneMuted).Render(truncateLine("filter: acme  status:draft  Δ%>20  total>=1000  -status:sent · any key closes", room))
	return th.Dialog.Render(body)
}

// truncateLine cuts s (which may hold escape codes) to w cells.
func truncateLine(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}
