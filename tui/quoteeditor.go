package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// quoteEditor is the keyboard form over a quoteForm: one field per row,
// the cursor's field has the keys, every change resolves the quote again
// (pure: the catalog and customers were read once into look) so problems
// show next to their field and the totals follow as the user types.
// ctrl+s saves a version in a tea.Cmd; esc asks before dropping changes.
type quoteEditor struct {
	ctx   *Context
	form  *quoteForm
	look  ledger.QuoteLookup
	usage map[string]decimal.Decimal
	orig  *ledger.Quote // nil for a new quote

	cur    int // index into form.fields()
	top    int // first form row on screen
	dirty  bool
	saving bool
	closed bool

	width, height int
}

// quoteSavedMsg is the result of ctrl+s.
type quoteSavedMsg struct {
	q   ledger.Quote
	err error
}

// quoteRampMsg carries the percent typed for "duplicate as next year".
type quoteRampMsg struct {
	phase int
	pct   decimal.Decimal
}

// quoteDiscardMsg closes the editor without saving (the user said y).
type quoteDiscardMsg struct{}

// openDialogMsg asks the root to show a dialog: panes do not own the
// modal layer, the root does (it gets keys first and draws over all).
type openDialogMsg struct{ d *dialog }

func openDialog(d *dialog) tea.Cmd { return func() tea.Msg { return openDialogMsg{d: d} } }

func newQuoteEditor(ctx *Context, look ledger.QuoteLookup, usage map[string]decimal.Decimal, q *ledger.Quote) (*quoteEditor, tea.Cmd) {
	e := &quoteEditor{ctx: ctx, look: look, usage: usage, orig: q}
	if q != nil {
		doc := q.Doc()
		for i, ph := range doc.Phases {
			for j, l := range ph.Lines {
				doc.Phases[i].Lines[j] = compactLine(l, look, q.Schedule.Currency)
			}
		}
		e.form = newQuoteForm(q.ID, &doc)
	} else {
		e.form = newQuoteForm("", nil)
		e.form.phases = nil
		e.template()
	}
	e.form.resolve(look, usage)
	return e, e.focus()
}

// template fills a new quote: a prospect billed monthly from the first of
// next month for a year, 30 days to pay, valid for 30 days, one phase with
// the platform (or the catalog's first product).
func (e *quoteEditor) template() {
	today := pricing.DateOf(e.ctx.Now(), time.UTC)
	start := pricing.NewDate(today.Year(), today.Month(), 1).AddMonths(1)
	set := func(k, v string) { e.form.field(k).in.SetValue(v) }
	set("start", start.String())
	set("term_months", "12")
	set("billing", "monthly")
	set("payment_terms_days", "30")
	set("expires", today.AddDays(30).String())
	product := "platform"
	if e.look.Product != nil {
		if _, ok := e.look.Product("platform"); !ok {
			product = ""
		}
	}
	ph := e.form.newPhase("Year 1", "", "", "")
	ph.lines = []*formField{newField("line", "line", "{product: "+product+"}", 0, 0)}
	e.form.phases = []*phaseForm{ph}
	e.form.renumber()
}

func (e *quoteEditor) fieldAt() *formField {
	fs := e.form.fields()
	e.cur = min(max(e.cur, 0), len(fs)-1)
	return fs[e.cur]
}

// focus gives the keys to the cursor's field only.
func (e *quoteEditor) focus() tea.Cmd {
	var cmd tea.Cmd
	for i, fl := range e.form.fields() {
		if i == e.cur {
			cmd = fl.in.Focus()
		} else {
			fl.in.Blur()
		}
	}
	return cmd
}

// moveTo puts the cursor on field fl (after a structural change).
func (e *quoteEditor) moveTo(fl *formField) tea.Cmd {
	for i, f := range e.form.fields() {
		if f == fl {
			e.cur = i
		}
	}
	return e.focus()
}

func (e *quoteEditor) changed() {
	e.dirty = true
	e.form.resolve(e.look, e.usage)
}

// title names what is being edited and what saving does.
func (e *quoteEditor) title() string {
	var t string
	switch {
	case e.orig == nil:
		t = "New quote"
	case e.orig.Status == ledger.QuoteDraft:
		t = fmt.Sprintf("Edit quote %s v%d (draft: saved over)", e.orig.ID, e.orig.Version)
	default:
		t = fmt.Sprintf("Edit quote %s v%d (%s: saving makes v%d)", e.orig.ID, e.orig.Version, e.orig.Status, e.orig.Version+1)
	}
	if e.dirty {
		t += " · unsaved"
	}
	if e.saving {
		t += " · saving…"
	}
	return t
}

func (e *quoteEditor) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case quoteSavedMsg:
		e.saving = false
		if msg.err != nil {
			return setStatus("not saved: "+msg.err.Error(), ToneNegative)
		}
		q := msg.q
		e.orig, e.dirty, e.form.isNew = &q, false, false
		e.cur = min(e.cur, len(e.form.fields())-1)
		return tea.Batch(e.focus(), setStatus(fmt.Sprintf("saved quote %s v%d (draft) · esc back to the list, s there marks it signed once sent", q.ID, q.Version), TonePositive), bookChanged)
	case quoteRampMsg:
		ph, err := e.form.rampPhase(msg.phase, msg.pct)
		if err != nil {
			return setStatus("next year: "+err.Error(), ToneWarn)
		}
		e.changed()
		return tea.Batch(e.moveTo(ph.name), setStatus(fmt.Sprintf("added %q: prices +%s%%, starting %s", ph.name.in.Value(), msg.pct, ph.start.in.Value()), ToneNormal))
	case quoteDiscardMsg:
		e.closed = true
		return setStatus("changes discarded", ToneMuted)
	case tea.KeyMsg:
		return e.key(msg)
	}
	// Cursor blinks go to the focused input.
	fl := e.fieldAt()
	in, cmd := fl.in.Update(msg)
	fl.in = in
	return cmd
}

func (e *quoteEditor) key(k tea.KeyMsg) tea.Cmd {
	ek := e.ctx.Keys.Editor
	fl := e.fieldAt()
	switch {
	case key.Matches(k, ek.Save):
		return e.save()
	case key.Matches(k, ek.Close):
		if !e.dirty {
			e.closed = true
			return nil
		}
		return openDialog(&dialog{
			title: "Discard the unsaved changes?",
			lines: []string{"ctrl+s saves them as a version instead."},
			onYes: func() tea.Cmd { return func() tea.Msg { return quoteDiscardMsg{} } },
		})
	case key.Matches(k, ek.Next):
		e.cur++
		if e.cur >= len(e.form.fields()) {
			e.cur = 0
		}
		return e.focus()
	case key.Matches(k, ek.Prev):
		e.cur--
		if e.cur < 0 {
			e.cur = len(e.form.fields()) - 1
		}
		return e.focus()
	case key.Matches(k, ek.AddLine):
		phase, after := len(e.form.phases)-1, -1
		if fl.phase >= 0 {
			phase, after = fl.phase, fl.line
		}
		if phase >= 0 && after < 0 {
			after = len(e.form.phases[phase].lines) - 1
		}
		l := e.form.addLine(max(phase, 0), after)
		e.changed()
		return e.moveTo(l)
	case key.Matches(k, ek.AddPhase):
		after := len(e.form.phases) - 1
		if fl.phase >= 0 {
			after = fl.phase
		}
		ph := e.form.addPhase(after)
		e.changed()
		return e.moveTo(ph.name)
	case key.Matches(k, ek.Duplicate):
		switch {
		case fl.line >= 0:
			l := e.form.duplicateLine(fl.phase, fl.line)
			e.changed()
			return e.moveTo(l)
		case fl.phase >= 0:
			ph := e.form.duplicatePhase(fl.phase)
			e.changed()
			return e.moveTo(ph.name)
		}
		return setStatus("duplicate works on a line or a phase: move the cursor to one", ToneWarn)
	case key.Matches(k, ek.Remove):
		switch {
		case fl.line >= 0:
			e.form.removeLine(fl.phase, fl.line)
		case fl.phase >= 0:
			e.form.removePhase(fl.phase)
		default:
			return setStatus("a header field is cleared, not removed: empty its text", ToneWarn)
		}
		e.changed()
		return e.focus()
	case key.Matches(k, ek.MoveUp), key.Matches(k, ek.MoveDown):
		by := 1
		if key.Matches(k, ek.MoveUp) {
			by = -1
		}
		moved := false
		switch {
		case fl.line >= 0:
			moved = e.form.moveLine(fl.phase, fl.line, by)
		case fl.phase >= 0:
			moved = e.form.movePhase(fl.phase, by)
		}
		if moved {
			e.changed()
		}
		return e.moveTo(fl)
	case key.Matches(k, ek.Ramp):
		phase := len(e.form.phases) - 1
		if fl.phase >= 0 {
			phase = fl.phase
		}
		if phase < 0 {
			return setStatus("no phase to copy: ctrl+p adds one", ToneWarn)
		}
		if !e.form.resolved {
			return setStatus("next year: "+errNotResolved.Error(), ToneWarn)
		}
		name := e.form.phases[phase].name.in.Value()
		in := newPrompt("raise prices by %: ")
		in.SetValue("8")
		in.CursorEnd()
		return tea.Batch(openDialog(&dialog{
			title:       fmt.Sprintf("Duplicate phase %q as %q", name, nextName(name)),
			lines:       []string{"Starts 12 months later; every price (fees, seats, tiers, packages) raised by the percent."},
			input:       &in,
			submitLabel: "add phase",
			onSubmit: func(v string) tea.Cmd {
				pct, err := decimal.NewFromString(strings.TrimSuffix(strings.TrimSpace(v), "%"))
				if err != nil {
					return setStatus(fmt.Sprintf("next year: %q is not a percent (8, 5.5, -3)", v), ToneWarn)
				}
				return func() tea.Msg { return quoteRampMsg{phase: phase, pct: pct} }
			},
		}), in.Focus())
	}
	before := fl.in.Value()
	in, cmd := fl.in.Update(k)
	fl.in = in
	if fl.in.Value() != before {
		e.changed()
	}
	return cmd
}

// save stores a version, refusing while any field has a problem.
func (e *quoteEditor) save() tea.Cmd {
	if e.form.problems > 0 || !e.form.resolved {
		return setStatus(fmt.Sprintf("not saved: %s — fix the fields marked ✗", plural(max(e.form.problems, 1), "problem")), ToneWarn)
	}
	if cmd, ok := e.ctx.canWrite("save quote"); !ok {
		return cmd
	}
	if e.saving {
		return setStatus("still saving…", ToneWarn)
	}
	id := e.form.id()
	if e.orig != nil {
		id = e.orig.ID
	}
	isNew, b, c := e.form.isNew, e.ctx.Book, e.form.content
	e.saving = true
	return func() tea.Msg {
		if isNew {
			if _, err := b.Quote(id, 0); err == nil {
				return quoteSavedMsg{err: fmt.Errorf("a quote %s exists already: choose another id (or open it from the list and press e)", id)}
			}
		}
		q, err := b.SaveQuote(id, c)
		return quoteSavedMsg{q: q, err: err}
	}
}

func (e *quoteEditor) SetSize(w, h int) { e.width, e.height = w, h }

// labelWidth is the width of the field labels' column.
const labelWidth = 16

func (e *quoteEditor) View() string {
	w, h := e.width, e.height
	th := e.ctx.Theme
	out := []string{sectionTitle(th, e.title(), w, true)}
	out = append(out, e.totals(w)...)
	for i, p := range e.form.general {
		if i == 3 {
			out = append(out, th.Tone(ToneWarn).Render(fmt.Sprintf("  … %d more", len(e.form.general)-3)))
			break
		}
		out = append(out, th.Tone(ToneWarn).Render(truncateLine("✗ "+p, w)))
	}
	out = append(out, th.Tone(ToneMuted).Render(strings.Repeat("─", max(w, 1))))
	room := max(h-len(out), 1)
	fs := e.form.fields()
	e.cur = min(max(e.cur, 0), len(fs)-1)
	if e.cur < e.top {
		e.top = e.cur
	}
	if e.cur >= e.top+room {
		e.top = e.cur - room + 1
	}
	e.top = max(min(e.top, len(fs)-room), 0)
	for i := e.top; i < len(fs) && i < e.top+room; i++ {
		out = append(out, e.row(fs[i], i == e.cur, w))
	}
	return fitLines(strings.Join(out, "\n"), w, h)
}

// row draws one field: its label, its text and, next to it, its problem.
func (e *quoteEditor) row(fl *formField, on bool, w int) string {
	th := e.ctx.Theme
	label := fl.label
	if fl.key == "phase.name" {
		label = fmt.Sprintf("phase %d", fl.phase+1)
	}
	mark := "  "
	if on {
		mark = "▸ "
	}
	lab := padTo(truncateLine(label, labelWidth-1), labelWidth)
	if fl.key == "phase.name" {
		lab = th.Header.Render(lab)
	}
	inW := max(w-labelWidth-3, 10)
	errText := ""
	if fl.err != "" {
		inW = max(min(inW, max(ansi.StringWidth(fl.in.Value())+2, inW/2)), 10)
		errText = th.Tone(ToneWarn).Render(" ✗ " + fl.err)
	}
	fl.in.Width = inW
	text := fl.in.View()
	if !on {
		v := fl.in.Value()
		if ansi.StringWidth(v) > inW {
			v = truncateLine(v, inW)
		}
		text = padTo(v, inW)
	}
	return mark + lab + text + errText
}

// totals are the figures at the assumed usage, recomputed on every change.
func (e *quoteEditor) totals(w int) []string {
	th := e.ctx.Theme
	f := e.form
	switch {
	case f.problems > 0 || !f.resolved:
		return []string{th.Tone(ToneWarn).Render(fmt.Sprintf("%s: totals appear when it resolves; ctrl+s is refused until then", plural(max(f.problems, 1), "problem"))), ""}
	case f.figErr != nil:
		return []string{th.Tone(ToneWarn).Render("figures: " + f.figErr.Error()), ""}
	}
	fig := f.figures
	cur := fig.Currency
	line1 := fmt.Sprintf("TCV %s · list %s · effective discount %s%%", money(fig.TCV, cur), amount(fig.ListTCV, cur), fig.EffectiveDiscount.StringFixed(1))
	var years []string
	for _, y := range fig.Years {
		years = append(years, fmt.Sprintf("Y%d %s", y.Year, amount(y.Amount, cur)))
	}
	if len(years) > 0 {
		line1 += " · ARR " + strings.Join(years, "  ")
	}
	var phases []string
	for _, p := range fig.Phases {
		if p.Full {
			phases = append(phases, fmt.Sprintf("%s %s/period %s/yr", p.Name, amount(p.PerPeriod, cur), amount(p.PerYear, cur)))
		} else {
			phases = append(phases, fmt.Sprintf("%s %s total", p.Name, amount(p.Total, cur)))
		}
	}
	return []string{truncateLine(line1, w), th.Tone(ToneMuted).Render(truncateLine(strings.Join(phases, " · "), w))}
}

// help says what works now; deep fields are typed in the file's format.
func (e *quoteEditor) help() bindings {
	ek := e.ctx.Keys.Editor
	// Not a key: the help line says how deep fields are typed. Its key
	// (f24) does nothing in the editor.
	fmtNote := key.NewBinding(key.WithKeys("f24"), key.WithHelp("{…}", "lines, tiers, seats, discounts: quote-file YAML"))
	short := []key.Binding{ek.Save, ek.Close, fmtNote, ek.Ramp, ek.Next, ek.AddLine, ek.Duplicate, ek.Remove}
	full := [][]key.Binding{
		{ek.Save, ek.Close, ek.Next, ek.Prev},
		{ek.AddLine, ek.AddPhase, ek.Duplicate, ek.Remove, ek.MoveUp, ek.MoveDown, ek.Ramp},
		{fmtNote},
	}
	return bindings{short: short, full: full}
}

// padTo cuts or pads s (plain or styled) to exactly w cells.
func padTo(s string, w int) string {
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}
