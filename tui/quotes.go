package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
)

// quotesPane is the quotes tab: the list (newest version of each quote),
// a read view of one quote (terms, phases with their price per period and
// per year, lines, discounts, ARR per year, TCV, the first three invoices
// at an assumed usage, the versions and what changed between the newest
// two), and the editor (quoteeditor.go). E sends a quote for e-signature
// and P asks Dropbox Sign about those out for signature (quotesign.go); s
// marks a sent quote signed by hand, x executes a signed one into a draft
// schedule, d declines.
type quotesPane struct {
	ctx      *Context
	grid     *Grid
	gridKeys GridKeys

	loadID  int
	loaded  bool
	loadErr error
	quotes  map[string]ledger.Quote

	// The read view of one quote, when open.
	reading string   // quote id
	readSeq int      // drops a stale read
	readLns []string // rendered lines
	readTop int
	readErr error
	readQ   *ledger.Quote
	usage   map[string]decimal.Decimal // the assumed usage per metric per period
	editor  *quoteEditor
	opening bool // the editor's lookup is being read
	// busyWith names the action in flight (one at a time); signing is the
	// quote being sent for e-signature, which quitting would leave unrecorded.
	busyWith string
	signing  string

	width, height int
}

type quotesLoadedMsg struct {
	id     int
	quotes []ledger.Quote
	tcv    map[string]decimal.Decimal
	err    error
}

// quoteEditorReadyMsg opens the editor once the catalog and customers
// are read.
type quoteEditorReadyMsg struct {
	look ledger.QuoteLookup
	q    *ledger.Quote
	err  error
}

var quoteCols = []Column{
	{Key: "id", Title: "Quote", Width: 14, Flex: 1},
	{Key: "status", Title: "Status", Width: 8},
	{Key: "for", Title: "Customer / prospect", Width: 16, Flex: 2},
	{Key: "tcv", Title: "TCV", Width: 14, Align: AlignRight, Numeric: true},
	{Key: "cur", Title: "Cur", Width: 3, Priority: 2},
	{Key: "expires", Title: "Expires", Width: 10},
	{Key: "version", Title: "Ver", Width: 3, Align: AlignRight, Numeric: true, Priority: 1},
	{Key: "saved", Title: "Saved UTC", Width: 16, Priority: 3},
}

func newQuotesPane(ctx *Context) *quotesPane {
	gk := ctx.Keys.Grid
	// Actions apply to the cursor quote; s, u and n are the pane's own
	// (the list keeps its order: what needs the user first).
	gk.Mark.SetEnabled(false)
	gk.MarkAll.SetEnabled(false)
	gk.Unmark.SetEnabled(false)
	gk.SortNext.SetEnabled(false)
	gk.SortReverse.SetEnabled(false)
	return &quotesPane{ctx: ctx, gridKeys: gk, grid: NewGrid(quoteCols, ctx.Theme, gk), usage: map[string]decimal.Decimal{}}
}

func (p *quotesPane) Init() tea.Cmd { return p.load() }

func (p *quotesPane) load() tea.Cmd {
	p.loadID++
	id, b := p.loadID, p.ctx.Book
	return func() tea.Msg {
		qs, err := b.Quotes()
		tcv := map[string]decimal.Decimal{}
		for _, q := range qs {
			if f, err := q.Figures(nil); err == nil {
				tcv[q.ID] = f.TCV
			}
		}
		return quotesLoadedMsg{id: id, quotes: qs, tcv: tcv, err: err}
	}
}

// Capturing is true while the editor is open: it owns every key.
func (p *quotesPane) Capturing() bool { return p.editor != nil }

func (p *quotesPane) Update(msg tea.Msg) (pane, tea.Cmd) {
	switch msg := msg.(type) {
	case quotesLoadedMsg:
		if msg.id == p.loadID {
			p.loadedQuotes(msg)
		}
		return p, nil
	case quoteReadMsg:
		if msg.seq == p.readSeq && p.reading != "" {
			p.render(msg)
		}
		return p, nil
	case quoteEditorReadyMsg:
		p.opening = false
		if msg.err != nil {
			return p, setStatus("cannot open the editor: "+msg.err.Error(), ToneNegative)
		}
		var cmd tea.Cmd
		p.editor, cmd = newQuoteEditor(p.ctx, msg.look, p.usage, msg.q)
		p.editor.SetSize(p.width, p.height)
		return p, cmd
	case signaturePlannedMsg:
		return p, p.confirmSignature(msg)
	case signaturesPolledMsg:
		return p, p.polled(msg)
	case quoteActedMsg:
		p.busyWith, p.signing = "", ""
		if msg.err != nil && msg.details != nil {
			return p, tea.Batch(setStatus(msg.err.Error(), ToneNegative), bookChanged, openDialog(&dialog{title: msg.details[0], lines: msg.details[1:]}))
		}
		if msg.err != nil {
			return p, tea.Batch(setStatus(msg.err.Error(), ToneNegative), bookChanged)
		}
		return p, tea.Batch(setStatus(msg.text, TonePositive), bookChanged)
	case bookChangedMsg:
		return p, tea.Batch(p.load(), p.reread())
	case quoteSavedMsg, quoteRampMsg, quoteDiscardMsg:
		if p.editor == nil {
			return p, nil
		}
		return p, p.editorUpdate(msg)
	case tea.KeyMsg:
		if p.editor != nil {
			return p, p.editorUpdate(msg)
		}
		return p, p.key(msg)
	}
	if p.editor != nil {
		return p, p.editor.Update(msg) // cursor blinks
	}
	return p, nil
}

func (p *quotesPane) editorUpdate(msg tea.Msg) tea.Cmd {
	cmd := p.editor.Update(msg)
	if p.editor.closed {
		saved := p.editor.orig
		p.editor = nil
		if saved != nil && p.reading != "" {
			p.reading = saved.ID
			return tea.Batch(cmd, p.reread())
		}
	}
	return cmd
}

func (p *quotesPane) loadedQuotes(msg quotesLoadedMsg) {
	p.loaded, p.loadErr = true, msg.err
	if msg.err != nil {
		return
	}
	p.quotes = map[string]ledger.Quote{}
	rows := make([]Row, 0, len(msg.quotes))
	qs := slices.Clone(msg.quotes)
	// What needs the user first (signed: execute; sent: chase), newest first.
	slices.SortStableFunc(qs, func(a, b ledger.Quote) int {
		if r := cmp.Compare(quoteRank(a.Status), quoteRank(b.Status)); r != 0 {
			return r
		}
		return b.SavedAt.Compare(a.SavedAt)
	})
	for _, q := range qs {
		p.quotes[q.ID] = q
		cur := q.Schedule.Currency
		tcv, ok := msg.tcv[q.ID]
		tcvCell := Cell{Text: "—", Tone: ToneMuted}
		if ok {
			tcvCell = NumCell(amount(tcv, cur), tcv, ToneNormal)
		}
		row := Row{ID: q.ID, Cells: []Cell{
			{Text: q.ID},
			{Text: string(q.Status), Tone: quoteTone(q.Status)},
			{Text: q.Party()},
			tcvCell,
			{Text: cur.Code(), Tone: ToneMuted},
			{Text: q.Expires.String()},
			NumCell(fmt.Sprintf("v%d", q.Version), decimal.NewFromInt(int64(q.Version)), ToneMuted),
			{Text: formatStamp(q.SavedAt), Tone: ToneMuted},
		}}
		rows = append(rows, row)
	}
	p.grid.SetRows(rows)
}

func quoteRank(s ledger.QuoteStatus) int {
	return slices.Index([]ledger.QuoteStatus{ledger.QuoteSigned, ledger.QuoteSent, ledger.QuoteDraft, ledger.QuoteExecuted, ledger.QuoteDeclined, ledger.QuoteExpired}, s)
}

func quoteTone(s ledger.QuoteStatus) Tone {
	switch s {
	case ledger.QuoteSigned:
		return TonePositive
	case ledger.QuoteDeclined, ledger.QuoteExpired:
		return ToneMuted
	case ledger.QuoteSent:
		return ToneWarn
	}
	return ToneNormal
}

// current is the quote the actions apply to: the one read, else the
// cursor's.
func (p *quotesPane) current() (ledger.Quote, bool) {
	if p.reading != "" {
		q, ok := p.quotes[p.reading]
		return q, ok
	}
	r, ok := p.grid.Cursor()
	if !ok {
		return ledger.Quote{}, false
	}
	q, ok := p.quotes[r.ID]
	return q, ok
}

func (p *quotesPane) key(k tea.KeyMsg) tea.Cmd {
	keys := p.ctx.Keys
	switch {
	case p.reading != "" && key.Matches(k, keys.Back):
		p.reading, p.readLns, p.readQ = "", nil, nil
		return nil
	case p.reading != "" && key.Matches(k, keys.ScrollDown):
		p.readTop = min(p.readTop+1, max(len(p.readLns)-1, 0))
		return nil
	case p.reading != "" && key.Matches(k, keys.ScrollUp):
		p.readTop = max(p.readTop-1, 0)
		return nil
	case p.reading == "" && key.Matches(k, keys.Enter):
		q, ok := p.current()
		if !ok {
			return nil
		}
		p.reading, p.readTop = q.ID, 0
		return p.reread()
	case key.Matches(k, keys.NewQuote):
		return p.openEditor(nil)
	case key.Matches(k, keys.EditQuote):
		q, ok := p.current()
		if !ok {
			return setStatus("no quote here: n writes a new one", ToneNormal)
		}
		if q.Status == ledger.QuoteSigned || q.Status == ledger.QuoteExecuted {
			return setStatus(fmt.Sprintf("quote %s is %s: it can no longer change; n writes a new quote", q.ID, q.Status), ToneWarn)
		}
		return p.openEditor(&q)
	case key.Matches(k, keys.MarkSent):
		return p.markSent()
	case key.Matches(k, keys.SignQuote):
		return p.sign()
	case key.Matches(k, keys.ExecuteQuote):
		return p.execute()
	case key.Matches(k, keys.DeclineQuote):
		return p.decline()
	case key.Matches(k, keys.ActivateSchedule):
		return p.activate()
	case key.Matches(k, keys.SendForSignature):
		return p.sendForSignature()
	case key.Matches(k, keys.PollSignatures):
		return p.pollSignatures()
	case key.Matches(k, keys.AssumeUsage):
		return p.promptUsage()
	case key.Matches(k, keys.Reload):
		return tea.Batch(p.load(), p.reread())
	}
	if p.reading != "" {
		return nil
	}
	return p.grid.Update(k)
}

// openEditor reads the catalog and customers, then opens the editor. Not
// while an action is in flight: a draft saved over while it is being sent
// for signature would be recorded as sent with content the signer never saw.
func (p *quotesPane) openEditor(q *ledger.Quote) tea.Cmd {
	if cmd, ok := p.idle("edit quote"); !ok {
		return cmd
	}
	if p.opening {
		return nil
	}
	p.opening = true
	b := p.ctx.Book
	return func() tea.Msg {
		look, err := b.QuoteLookup()
		return quoteEditorReadyMsg{look: look, q: q, err: err}
	}
}

func (p *quotesPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.grid.SetSize(w, max(h-quotesChrome, 1))
	if p.editor != nil {
		p.editor.SetSize(w, h)
	}
}

// quotesChrome is the lines around the list: a title above, a rule and
// the cursor quote's line below.
const quotesChrome = 3

func (p *quotesPane) View() string {
	w, h := p.width, p.height
	if w <= 0 || h <= 0 {
		return ""
	}
	th := p.ctx.Theme
	switch {
	case p.editor != nil:
		return p.editor.View()
	case !p.loaded:
		return fitLines(th.Tone(ToneMuted).Render("loading the quotes…"), w, h)
	case p.loadErr != nil:
		return fitLines(th.Tone(ToneNegative).Render("could not load the quotes: "+p.loadErr.Error()+" (ctrl+r retries)"), w, h)
	case p.reading != "":
		return p.readView(w, h)
	}
	counts := map[ledger.QuoteStatus]int{}
	for _, q := range p.quotes {
		counts[q.Status]++
	}
	var parts []string
	for _, s := range []ledger.QuoteStatus{ledger.QuoteDraft, ledger.QuoteSent, ledger.QuoteSigned, ledger.QuoteExecuted, ledger.QuoteDeclined, ledger.QuoteExpired} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	title := "Quotes"
	if len(parts) > 0 {
		title += ": " + strings.Join(parts, " · ")
	}
	title += " · TCV without usage"
	body := fitLines(p.grid.View(), w, max(h-quotesChrome, 1))
	foot := th.Tone(ToneMuted).Render("no quotes yet: n writes one (or monthend quotes import FILE)")
	if q, ok := p.current(); ok {
		foot = fmt.Sprintf("%s · %s · %s", q.ID, q.Party(), describeTerm(q))
		switch q.Status {
		case ledger.QuoteSigned:
			foot += fmt.Sprintf(" · signed by %s %s · x executes", q.SignedBy, formatStamp(q.SignedAt))
		case ledger.QuoteExecuted:
			foot += " · draft schedule " + q.ScheduleID
		}
	}
	rule := th.Tone(ToneMuted).Render(strings.Repeat("─", w))
	return fitLines(sectionTitle(th, title, w, true)+"\n"+body+"\n"+rule+"\n"+foot, w, h)
}

// outForSignature reports whether a quote awaits an e-signature, so P
// has something to ask about.
func (p *quotesPane) outForSignature() bool {
	for _, q := range p.quotes {
		if q.Status == ledger.QuoteSent && q.SignatureRequestID != "" {
			return true
		}
	}
	return false
}

// ShortHelp implements help.KeyMap: the keys that work now.
func (p *quotesPane) ShortHelp() []key.Binding { return p.help().short }

// FullHelp implements help.KeyMap.
func (p *quotesPane) FullHelp() [][]key.Binding { return p.help().full }

func (p *quotesPane) help() bindings {
	if p.editor != nil {
		return p.editor.help()
	}
	k, g := p.ctx.Keys, p.gridKeys
	var acts []key.Binding
	if !p.ctx.ReadOnly {
		acts = append(acts, k.NewQuote)
		if q, ok := p.current(); ok {
			switch q.Status {
			case ledger.QuoteDraft:
				acts = append(acts, k.EditQuote, k.SendForSignature, k.MarkSent)
			case ledger.QuoteSent:
				if q.SignatureRequestID == "" {
					acts = append(acts, k.SendForSignature)
				}
				acts = append(acts, k.SignQuote, k.EditQuote, k.DeclineQuote)
			case ledger.QuoteSigned:
				acts = append(acts, k.ExecuteQuote)
			case ledger.QuoteExecuted:
				acts = append(acts, k.ActivateSchedule)
			case ledger.QuoteDeclined, ledger.QuoteExpired:
				acts = append(acts, k.EditQuote)
			}
		}
		if p.outForSignature() {
			acts = append(acts, k.PollSignatures)
		}
	}
	acts = append(acts, k.AssumeUsage, k.Reload)
	if p.reading != "" {
		back := k.Back
		back.SetHelp("esc", "back to the list")
		nav := []key.Binding{k.ScrollDown, k.ScrollUp, back}
		return bindings{short: append(slices.Clone(nav), acts...), full: [][]key.Binding{nav, acts}}
	}
	open := k.Enter
	open.SetHelp("enter", "read")
	move := []key.Binding{g.Up, g.Down, g.Top, g.Bottom, g.PageUp, g.PageDown, g.HalfUp, g.HalfDown}
	short := append([]key.Binding{g.Up, g.Down, open}, acts...)
	return bindings{short: short, full: [][]key.Binding{move, append([]key.Binding{open}, acts...)}}
}
