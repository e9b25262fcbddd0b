package tui

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// quotesPane is the quotes tab: the list (newest version of each quote),
// a read view of one quote (terms, phases with their price per period and
// per year, lines, discounts, ARR per year, TCV, the first three invoices
// at an assumed usage, the versions and what changed between the newest
// two), and the editor (quoteeditor.go). s marks a sent quote signed by
// hand, x executes a signed one into a draft schedule, d declines.
type quotesPane struct {
	ctx      *Context
	grid     *Grid
	gridKeys GridKeys

	loadID  int
	loaded  bool
	loadErr error
	quotes  map[string]ledger.Quote

	// The read view of one quote, when open.
	reading  string   // quote id
	readSeq  int      // drops a stale read
	readLns  []string // rendered lines
	readTop  int
	readErr  error
	readQ    *ledger.Quote
	usage    map[string]decimal.Decimal // the assumed usage per metric per period
	editor   *quoteEditor
	opening  bool // the editor's lookup is being read
	busyWith string

	width, height int
}

type quotesLoadedMsg struct {
	id     int
	quotes []ledger.Quote
	tcv    map[string]decimal.Decimal
	err    error
}

// quoteReadMsg carries what the read view shows of one quote.
type quoteReadMsg struct {
	seq      int
	versions []ledger.Quote
	figures  pricing.Figures
	figErr   error
	diff     []string
	err      error
}

// quoteEditorReadyMsg opens the editor once the catalog and customers
// are read.
type quoteEditorReadyMsg struct {
	look ledger.QuoteLookup
	q    *ledger.Quote
	err  error
}

// quoteActedMsg is the result of s, x or d.
type quoteActedMsg struct {
	text string
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
	// Actions apply to the cursor quote; s, u and n are the pane's own.
	gk.Mark.SetEnabled(false)
	gk.MarkAll.SetEnabled(false)
	gk.Unmark.SetEnabled(false)
	gk.SortNext.SetEnabled(false)
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
	case quoteActedMsg:
		p.busyWith = ""
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

// reread loads the read view's quote again (after an action or a reload).
func (p *quotesPane) reread() tea.Cmd {
	if p.reading == "" {
		return nil
	}
	p.readSeq++
	seq, id, b, usage := p.readSeq, p.reading, p.ctx.Book, p.usage
	return func() tea.Msg {
		vs, err := b.QuoteVersions(id)
		if err != nil || len(vs) == 0 {
			return quoteReadMsg{seq: seq, err: cmp.Or(err, errors.New("no versions"))}
		}
		newest := vs[len(vs)-1]
		m := quoteReadMsg{seq: seq, versions: vs}
		m.figures, m.figErr = newest.Figures(usage)
		if len(vs) > 1 {
			m.diff = ledger.DiffQuotes(vs[len(vs)-2], newest)
		}
		return m
	}
}

// openEditor reads the catalog and customers, then opens the editor.
func (p *quotesPane) openEditor(q *ledger.Quote) tea.Cmd {
	if cmd, ok := p.ctx.canWrite("edit quote"); !ok {
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

func (p *quotesPane) busy() (tea.Cmd, bool) {
	if p.busyWith != "" {
		return setStatus("still "+p.busyWith+"…", ToneWarn), true
	}
	return nil, false
}

// sign records a hand signature on the newest version of a sent quote.
func (p *quotesPane) sign() tea.Cmd {
	if cmd, ok := p.ctx.canWrite("mark signed"); !ok {
		return cmd
	}
	if cmd, busy := p.busy(); busy {
		return cmd
	}
	q, ok := p.current()
	if !ok {
		return nil
	}
	if q.Status != ledger.QuoteSent {
		return setStatus(fmt.Sprintf("quote %s v%d is %s: only a sent quote is signed (m marks a draft sent)", q.ID, q.Version, q.Status), ToneWarn)
	}
	in := newPrompt("signed by: ")
	in.Placeholder = "Dana Meier, CFO"
	b, now := p.ctx.Book, p.ctx.Now
	return tea.Batch(openDialog(&dialog{
		title:       fmt.Sprintf("Mark quote %s v%d signed by hand", q.ID, q.Version),
		lines:       []string{"Records who signed, now. " + q.Party() + " · TCV " + money(p.tcvOf(q), q.Schedule.Currency)},
		input:       &in,
		submitLabel: "mark signed",
		onSubmit: func(by string) tea.Cmd {
			p.busyWith = "marking " + q.ID + " signed"
			return func() tea.Msg {
				sq, _, err := b.MarkQuoteSigned(q.ID, q.Version, ledger.Signature{By: by, At: now(), Via: "hand"})
				if err != nil {
					return quoteActedMsg{err: fmt.Errorf("mark signed: %w", err)}
				}
				return quoteActedMsg{text: fmt.Sprintf("quote %s v%d signed by %s · x executes it into a draft schedule", sq.ID, sq.Version, by)}
			}
		},
	}), in.Focus())
}

// markSent records that a draft went to the customer outside monthend
// (by mail, on paper), so it can be signed by hand; e-signature requests
// record it themselves (monthend quotes send-for-signature).
func (p *quotesPane) markSent() tea.Cmd {
	if cmd, ok := p.ctx.canWrite("mark sent"); !ok {
		return cmd
	}
	if cmd, busy := p.busy(); busy {
		return cmd
	}
	q, ok := p.current()
	if !ok {
		return nil
	}
	if q.Status != ledger.QuoteDraft {
		return setStatus(fmt.Sprintf("quote %s v%d is %s: only a draft is marked sent", q.ID, q.Version, q.Status), ToneWarn)
	}
	b := p.ctx.Book
	return openDialog(&dialog{
		title: fmt.Sprintf("Mark quote %s v%d sent?", q.ID, q.Version),
		lines: []string{"It went to " + q.Party() + " outside monthend. From now on a save makes a new version; s records the signature."},
		onYes: func() tea.Cmd {
			p.busyWith = "marking " + q.ID + " sent"
			return func() tea.Msg {
				sq, err := b.MarkQuoteSent(q.ID, "")
				if err != nil {
					return quoteActedMsg{err: fmt.Errorf("mark sent: %w", err)}
				}
				return quoteActedMsg{text: fmt.Sprintf("quote %s v%d marked sent · s records the signature", sq.ID, sq.Version)}
			}
		},
	})
}

func (p *quotesPane) tcvOf(q ledger.Quote) decimal.Decimal {
	for _, r := range p.grid.rows {
		if r.ID == q.ID && len(r.Cells) > 3 && r.Cells[3].HasNum {
			return decimal.New(r.Cells[3].Num, -NumScale)
		}
	}
	return decimal.Zero
}

// execute turns a signed quote into a draft schedule, creating the
// customer of a prospect (whose usage aliases are asked for here).
func (p *quotesPane) execute() tea.Cmd {
	if cmd, ok := p.ctx.canWrite("execute"); !ok {
		return cmd
	}
	if cmd, busy := p.busy(); busy {
		return cmd
	}
	q, ok := p.current()
	if !ok {
		return nil
	}
	switch q.Status {
	case ledger.QuoteExecuted:
		return setStatus(fmt.Sprintf("quote %s was executed: draft schedule %s for customer %s (monthend schedules show %s)", q.ID, q.ScheduleID, q.CustomerID, q.ScheduleID), ToneNormal)
	case ledger.QuoteSigned:
	default:
		return setStatus(fmt.Sprintf("quote %s v%d is %s: only a signed quote is executed (s marks it signed)", q.ID, q.Version, q.Status), ToneWarn)
	}
	b := p.ctx.Book
	run := func(aliases []string) tea.Cmd {
		p.busyWith = "executing " + q.ID
		return func() tea.Msg {
			r, err := b.ExecuteQuote(q.ID, ledger.ExecuteOptions{Aliases: aliases})
			if err != nil {
				return quoteActedMsg{err: fmt.Errorf("execute %s: %w", q.ID, err)}
			}
			text := fmt.Sprintf("executed %s: draft schedule %s for ", q.ID, r.Schedule.ID)
			if r.CustomerCreated {
				text += "new customer "
			}
			text += r.Quote.CustomerID + " — review it (monthend schedules show " + r.Schedule.ID + "), then recalc the period (R in 1 Invoices) to see its drafts"
			return quoteActedMsg{text: text}
		}
	}
	lines := []string{
		fmt.Sprintf("%s · %s · TCV %s", q.Party(), describeTerm(q), money(p.tcvOf(q), q.Schedule.Currency)),
		fmt.Sprintf("Stores the quote's schedule unchanged as draft schedule %s.", q.ID),
	}
	if q.Prospect != nil && q.CustomerID == "" {
		lines = append(lines, fmt.Sprintf("Creates customer %q from the prospect. Its usage aliases (the ids its events carry), comma-separated, may be empty:", q.Prospect.Name))
		in := newPrompt("aliases: ")
		return tea.Batch(openDialog(&dialog{
			title:       fmt.Sprintf("Execute quote %s v%d?", q.ID, q.Version),
			lines:       lines,
			input:       &in,
			allowEmpty:  true,
			submitLabel: "execute",
			onSubmit: func(v string) tea.Cmd {
				var aliases []string
				for _, a := range strings.Split(v, ",") {
					if a = strings.TrimSpace(a); a != "" {
						aliases = append(aliases, a)
					}
				}
				return run(aliases)
			},
		}), in.Focus())
	}
	return openDialog(&dialog{
		title: fmt.Sprintf("Execute quote %s v%d?", q.ID, q.Version),
		lines: lines,
		onYes: func() tea.Cmd { return run(nil) },
	})
}

// decline records that a sent quote was refused.
func (p *quotesPane) decline() tea.Cmd {
	if cmd, ok := p.ctx.canWrite("decline"); !ok {
		return cmd
	}
	if cmd, busy := p.busy(); busy {
		return cmd
	}
	q, ok := p.current()
	if !ok {
		return nil
	}
	if q.Status != ledger.QuoteSent {
		return setStatus(fmt.Sprintf("quote %s v%d is %s: only a sent quote is declined", q.ID, q.Version, q.Status), ToneWarn)
	}
	b := p.ctx.Book
	return openDialog(&dialog{
		title: fmt.Sprintf("Decline quote %s v%d?", q.ID, q.Version),
		lines: []string{q.Party() + " refused it. A new version can still be saved (e) and sent."},
		onYes: func() tea.Cmd {
			p.busyWith = "declining " + q.ID
			return func() tea.Msg {
				dq, err := b.DeclineQuote(q.ID, "declined in the workstation")
				if err != nil {
					return quoteActedMsg{err: fmt.Errorf("decline: %w", err)}
				}
				return quoteActedMsg{text: fmt.Sprintf("quote %s v%d declined", dq.ID, dq.Version)}
			}
		},
	})
}

// promptUsage sets the assumed usage the figures are priced at.
func (p *quotesPane) promptUsage() tea.Cmd {
	in := newPrompt("per period: ")
	in.Placeholder = "api_calls=20000, invoices_issued=5000"
	in.SetValue(formatUsage(p.usage))
	in.CursorEnd()
	return tea.Batch(openDialog(&dialog{
		title:       "Assumed usage per billing period",
		lines:       []string{"METRIC=QUANTITY, comma-separated; empty: no usage. The figures and the invoice preview are priced at it."},
		input:       &in,
		allowEmpty:  true,
		submitLabel: "apply",
		onSubmit: func(v string) tea.Cmd {
			u, err := parseUsage(v)
			if err != nil {
				return setStatus("assumed usage: "+err.Error(), ToneWarn)
			}
			p.usage = u
			return tea.Batch(p.reread(), setStatus("figures at "+cmp.Or(formatUsage(u), "no usage"), ToneNormal))
		},
	}), in.Focus())
}

func parseUsage(s string) (map[string]decimal.Decimal, error) {
	out := map[string]decimal.Decimal{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		d, err := decimal.NewFromString(v)
		if !ok || k == "" || err != nil || d.IsNegative() {
			return nil, fmt.Errorf("%q: write METRIC=QUANTITY, e.g. api_calls=20000", part)
		}
		out[k] = d
	}
	return out, nil
}

func formatUsage(u map[string]decimal.Decimal) string {
	keys := make([]string, 0, len(u))
	for k := range u {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + u[k].String()
	}
	return strings.Join(parts, ", ")
}

func describeTerm(q ledger.Quote) string {
	s := q.Schedule
	return fmt.Sprintf("from %s, %d months, %s", s.Start, q.TermMonths, s.Billing.Frequency)
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

func (p *quotesPane) readView(w, h int) string {
	th := p.ctx.Theme
	if p.readErr != nil {
		return fitLines(th.Tone(ToneNegative).Render("could not read quote "+p.reading+": "+p.readErr.Error()), w, h)
	}
	if p.readLns == nil {
		return fitLines(th.Tone(ToneMuted).Render("reading quote "+p.reading+"…"), w, h)
	}
	top := min(p.readTop, max(len(p.readLns)-h, 0))
	return fitLines(strings.Join(p.readLns[top:], "\n"), w, h)
}

// render turns a read into the read view's lines, once per read.
func (p *quotesPane) render(m quoteReadMsg) {
	th := p.ctx.Theme
	p.readErr = m.err
	if m.err != nil {
		return
	}
	q := m.versions[len(m.versions)-1]
	p.readQ = &q
	s := q.Schedule
	cur := s.Currency
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	head := func(t string) { out = append(out, "", th.Header.Render(t)) }
	out = append(out, th.Header.Render(fmt.Sprintf("Quote %s v%d · %s · %s · %s", q.ID, q.Version, q.Status, q.Party(), cur.Code())))
	add("%s · payment %d days · expires %s · tax %s%%", describeTerm(q), q.PaymentTermsDays, q.Expires, s.TaxRate)
	if q.Prospect != nil {
		add("prospect: %s%s · %s · %s", q.Prospect.Name, orEmpty(" ("+q.Prospect.LegalName+")", q.Prospect.LegalName), strings.Join(q.Prospect.Emails, ", "), q.Prospect.TimeZone)
	}
	if q.SignedBy != "" {
		add("signed by %s %s (%s)", q.SignedBy, formatStamp(q.SignedAt), q.SignedVia)
	}
	if q.ScheduleID != "" {
		add("executed %s: draft schedule %s for customer %s", formatStamp(q.ExecutedAt), q.ScheduleID, q.CustomerID)
	}
	if q.Notes != "" {
		add("notes: %s", q.Notes)
	}
	add("assumed usage per period: %s (u changes it)", cmp.Or(formatUsage(p.usage), "none"))
	if len(s.Discounts) > 0 {
		add("contract discounts: %s", describeDiscounts(s.Discounts, cur))
	}
	if !s.InvoiceMinimum.IsZero() {
		add("invoice minimum: %s", money(s.InvoiceMinimum, cur))
	}
	fig := m.figures
	head("Phases                                   per period        per year")
	for i, ph := range s.Phases {
		label := ph.Name
		if m.figErr == nil && i < len(fig.Phases) {
			pf := fig.Phases[i]
			label = fmt.Sprintf("%s %s–%s", ph.Name, pf.Start, pf.End)
			if pf.Full {
				add("  %s %14s %15s", padTo(label, 38), amount(pf.PerPeriod, cur), amount(pf.PerYear, cur))
			} else {
				add("  %s %14s  (no full period: its total)", padTo(label, 38), amount(pf.Total, cur))
			}
		} else {
			add("  %s", label)
		}
		for _, l := range ph.Lines {
			add("      %s %s", padTo(l.Name, 24), describeLine(l, cur))
		}
		if len(ph.Discounts) > 0 {
			add("      discounts: %s", describeDiscounts(ph.Discounts, cur))
		}
		if ph.Minimum != nil {
			add("      usage minimum: %s per %s", money(ph.Minimum.Amount, cur), ph.Minimum.Per)
		}
	}
	if m.figErr != nil {
		head("Figures")
		add("  %s", th.Tone(ToneWarn).Render(m.figErr.Error()))
	} else {
		head("Figures")
		for _, y := range fig.Years {
			add("  ARR year %d (%s–%s) %15s", y.Year, y.Start, y.End, amount(y.Amount, cur))
		}
		add("  TCV %s · list %s · discounts %s · effective discount %s%%", money(fig.TCV, cur), amount(fig.ListTCV, cur), amount(fig.Discount, cur), fig.EffectiveDiscount.StringFixed(2))
		head("First three invoices at the assumed usage")
		for i, inv := range fig.Invoices {
			if i == 3 {
				break
			}
			add("  %s  subtotal %s", inv.Period.Start, money(inv.Subtotal, cur))
			for _, l := range inv.Lines {
				add("      %s %14s  %s", padTo(l.Name, 28), amount(l.Amount, cur), th.Tone(ToneMuted).Render(l.Explanation))
			}
		}
	}
	head("Versions")
	for _, v := range m.versions {
		line := fmt.Sprintf("  v%d %s · saved %s", v.Version, v.Status, formatStamp(v.SavedAt))
		if !v.SentAt.IsZero() {
			line += " · sent " + formatStamp(v.SentAt)
		}
		out = append(out, line)
	}
	if len(m.versions) > 1 {
		prev := m.versions[len(m.versions)-2]
		head(fmt.Sprintf("Changes v%d → v%d", prev.Version, q.Version))
		if len(m.diff) == 0 {
			add("  none")
		}
		for _, d := range m.diff {
			add("  %s", d)
		}
	}
	p.readLns = out
}

func orEmpty(s, unless string) string {
	if unless == "" {
		return ""
	}
	return s
}

// describeLine says how a price line charges, in one line.
func describeLine(l pricing.PriceLine, cur pricing.Currency) string {
	a := func(d decimal.Decimal) string { return pricing.FormatAmount(d, max(cur.MinorUnits(), -d.Exponent())) }
	var s string
	switch l.Model {
	case pricing.Flat:
		s = "flat " + a(l.Price)
	case pricing.PerSeat:
		s = fmt.Sprintf("%s per seat (%s)", a(l.Price), l.Seats)
	case pricing.PerUnit:
		s = fmt.Sprintf("%s per %s", a(l.Price), l.Metric)
	case pricing.GraduatedM, pricing.VolumeM:
		var ts []string
		for _, t := range l.Tiers {
			bound := "then"
			if t.UpTo != nil {
				bound = "≤" + t.UpTo.String()
			}
			ts = append(ts, bound+" "+a(t.UnitPrice))
		}
		s = fmt.Sprintf("%s %s: %s", l.Model, l.Metric, strings.Join(ts, ", "))
	case pricing.Package:
		if l.Package != nil {
			s = fmt.Sprintf("%s per %s %s", a(l.Package.Price), l.Package.Size, l.Metric)
			if !l.Package.FreeUnits.IsZero() {
				s += fmt.Sprintf(" (%s free)", l.Package.FreeUnits)
			}
		}
	case pricing.Percentage:
		s = fmt.Sprintf("%s%% of %s + %s", l.Percent, l.Metric, a(l.FixedFee))
	default:
		s = string(l.Model)
	}
	if !l.Minimum.IsZero() {
		s += " · minimum " + a(l.Minimum)
	}
	if len(l.Discounts) > 0 {
		s += " · " + describeDiscounts(l.Discounts, cur)
	}
	return s
}

func describeDiscounts(ds []pricing.Discount, cur pricing.Currency) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		v := d.Percent.String() + "%"
		if !d.Amount.IsZero() {
			v = amount(d.Amount, cur)
		}
		if d.Label != "" {
			v += " " + d.Label
		}
		if d.Periods > 0 {
			v += fmt.Sprintf(" (%s)", plural(d.Periods, "period"))
		}
		parts[i] = v
	}
	return strings.Join(parts, "; ")
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
				acts = append(acts, k.EditQuote, k.MarkSent)
			case ledger.QuoteSent:
				acts = append(acts, k.SignQuote, k.EditQuote, k.DeclineQuote)
			case ledger.QuoteSigned:
				acts = append(acts, k.ExecuteQuote)
			case ledger.QuoteDeclined, ledger.QuoteExpired:
				acts = append(acts, k.EditQuote)
			}
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
	return bindings{short: short, full: [][]key.Binding{move, append([]key.Binding{open}, acts...), {g.SortReverse}}}
}
