package tui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// quoteDay is the clock of the quote tests: before the test quotes expire.
var quoteDay = time.Date(2026, 4, 10, 9, 0, 0, 0, time.UTC)

// quoteBook is a fresh book holding ledger/testdata's catalog and its two
// prospect quotes (contoso-2026: a trial and a two-year ramp; initech), as
// drafts. Its invariants are checked when the test ends.
func quoteBook(t *testing.T) *ledger.Book {
	t.Helper()
	b := openQuoteBook(t, filepath.Join(t.TempDir(), "quotes.db"), false)
	fillQuoteBook(t, b)
	return b
}

func fillQuoteBook(t *testing.T, b *ledger.Book) {
	t.Helper()
	data, err := os.ReadFile("../ledger/testdata/catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	products, err := ledger.ParseCatalog("catalog.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ImportProducts(products); err != nil {
		t.Fatal(err)
	}
	for id, file := range map[string]string{"contoso-2026": "contoso.yaml", "initech": "initech.yaml"} {
		data, err := os.ReadFile(filepath.Join("../ledger/testdata/quotes", file))
		if err != nil {
			t.Fatal(err)
		}
		c, err := b.ParseQuote(file, data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.SaveQuote(id, c); err != nil {
			t.Fatal(err)
		}
	}
}

func openQuoteBook(t *testing.T, path string, readOnly bool) *ledger.Book {
	t.Helper()
	b, err := ledger.Open(path, ledger.Options{ReadOnly: readOnly, Actor: "test", NoSync: true, Now: func() time.Time { return quoteDay }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !readOnly {
			checkBook(t, b)
		}
		b.Close()
	})
	return b
}

// openQuotes opens the workstation on the quotes tab with the cursor on
// quote id.
func openQuotes(t *testing.T, b *ledger.Book, id string) (*Model, *quotesPane) {
	t.Helper()
	m := New(Options{Book: b, ReadOnlyWhy: "held by another process (test)"})
	m.ctx.Now = func() time.Time { return quoteDay }
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	drive(t, m, m.Init())
	press(t, m, "4")
	p := m.quotes.(*quotesPane)
	if !p.loaded || p.loadErr != nil {
		t.Fatalf("quotes not loaded: %v", p.loadErr)
	}
	for range p.grid.Len() {
		if r, _ := p.grid.Cursor(); r.ID == id {
			return m, p
		}
		press(t, m, "j")
	}
	if id != "" {
		t.Fatalf("quote %s is not in the list", id)
	}
	return m, p
}

func bookQuote(t *testing.T, b *ledger.Book, id string) ledger.Quote {
	t.Helper()
	q, err := b.Quote(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestQuotesListSignExecuteDecline(t *testing.T) {
	b := quoteBook(t)
	m, p := openQuotes(t, b, "contoso-2026")
	if got := p.grid.Total(); got != 2 {
		t.Fatalf("%d quotes listed, want 2", got)
	}
	view := m.View()
	for _, want := range []string{"4 Quotes", "contoso-2026", "Contoso AG (prospect)", "draft", "2026-04-30"} {
		if !strings.Contains(view, want) {
			t.Errorf("the list lacks %q:\n%s", want, view)
		}
	}

	// A draft cannot be signed: the status bar says what to do.
	press(t, m, "s")
	if !strings.Contains(m.status, "m marks a draft sent") || m.dialog != nil {
		t.Fatalf("s on a draft: status %q, dialog %v", m.status, m.dialog != nil)
	}
	press(t, m, "m")
	if m.dialog == nil {
		t.Fatal("m opened no confirmation")
	}
	press(t, m, "y")
	if q := bookQuote(t, b, "contoso-2026"); q.Status != ledger.QuoteSent {
		t.Fatalf("after m, y: %s, want sent", q.Status)
	}
	// x on a sent quote is refused before any dialog.
	press(t, m, "x")
	if m.dialog != nil || !strings.Contains(m.status, "only a signed quote") {
		t.Fatalf("x on a sent quote: status %q", m.status)
	}
	press(t, m, "s")
	typeText(t, m, "Dana Meier, CFO")
	press(t, m, "enter")
	q := bookQuote(t, b, "contoso-2026")
	if q.Status != ledger.QuoteSigned || q.SignedBy != "Dana Meier, CFO" || q.SignedVia != "hand" || !q.SignedAt.Equal(quoteDay) {
		t.Fatalf("after s: %s by %q via %q at %s", q.Status, q.SignedBy, q.SignedVia, q.SignedAt)
	}

	// x: one key, then the aliases (the prompt is the confirmation).
	press(t, m, "x")
	if m.dialog == nil || !strings.Contains(m.dialog.title, "Execute quote contoso-2026 v1?") {
		t.Fatalf("x opened no execute dialog")
	}
	typeText(t, m, "contoso-prod, contoso-eu")
	press(t, m, "enter")
	q = bookQuote(t, b, "contoso-2026")
	if q.Status != ledger.QuoteExecuted || q.ScheduleID != "contoso-2026" || q.CustomerID != "contoso-ag" {
		t.Fatalf("after x: %s, schedule %q, customer %q", q.Status, q.ScheduleID, q.CustomerID)
	}
	if !strings.Contains(m.status, "draft schedule contoso-2026 for new customer contoso-ag") {
		t.Errorf("status after x: %q", m.status)
	}
	aliases, err := b.Aliases("contoso-ag")
	if err != nil {
		t.Fatal(err)
	}
	mapped := 0
	for _, a := range aliases {
		if a.Alias == "contoso-prod" || a.Alias == "contoso-eu" {
			mapped++
		}
	}
	if mapped != 2 {
		t.Errorf("%d of the two aliases mapped to contoso-ag: %+v", mapped, aliases)
	}
	// The list reloaded (bookChangedMsg) and shows the quote executed.
	if r, _ := p.grid.Cursor(); r.ID != "contoso-2026" || r.Cells[1].Text != "executed" {
		t.Errorf("cursor row after x: %s %q", r.ID, r.Cells[1].Text)
	}

	// a starts billing the executed quote's draft schedule, after a y.
	press(t, m, "a", "n")
	if rec, _ := b.Schedule("contoso-2026", 0); rec.Status != ledger.ScheduleDraft {
		t.Fatalf("a, n changed the schedule to %s", rec.Status)
	}
	press(t, m, "a", "y")
	if rec, _ := b.Schedule("contoso-2026", 0); rec.Status != ledger.ScheduleActive || rec.Version != 2 {
		t.Fatalf("after a, y: v%d %s, want v2 active", rec.Version, rec.Status)
	}
	if !strings.Contains(m.status, "schedule contoso-2026 v2 is active") {
		t.Errorf("status after a: %q", m.status)
	}

	// d declines a sent quote after an explicit y; any other key cancels.
	m, _ = openQuotes(t, b, "initech")
	press(t, m, "a")
	if m.dialog != nil || !strings.Contains(m.status, "only an executed quote") {
		t.Fatalf("a on a draft quote: status %q", m.status)
	}
	press(t, m, "d")
	if m.dialog != nil || !strings.Contains(m.status, "only a sent quote is declined") {
		t.Fatalf("d on a draft: status %q", m.status)
	}
	press(t, m, "m", "y", "d", "n")
	if q := bookQuote(t, b, "initech"); q.Status != ledger.QuoteSent {
		t.Fatalf("d, n changed initech to %s", q.Status)
	}
	press(t, m, "d", "y")
	if q := bookQuote(t, b, "initech"); q.Status != ledger.QuoteDeclined {
		t.Fatalf("after d, y: %s, want declined", q.Status)
	}
}

// readOnlyQuoteBook is quoteBook's content, opened read-only.
func readOnlyQuoteBook(t *testing.T) *ledger.Book {
	t.Helper()
	path := filepath.Join(t.TempDir(), "q.db")
	b, err := ledger.Open(path, ledger.Options{Actor: "test", NoSync: true, Now: func() time.Time { return quoteDay }})
	if err != nil {
		t.Fatal(err)
	}
	fillQuoteBook(t, b)
	b.Close()
	return openQuoteBook(t, path, true)
}

func TestQuotesReadOnly(t *testing.T) {
	m, _ := openQuotes(t, readOnlyQuoteBook(t), "contoso-2026")
	for _, k := range []string{"m", "s", "x", "d", "e", "n"} {
		press(t, m, k)
		if m.dialog != nil || !strings.Contains(m.status, "read-only") {
			t.Fatalf("%s on a read-only book: dialog %v, status %q", k, m.dialog != nil, m.status)
		}
	}
}

func TestQuoteReadView(t *testing.T) {
	b := quoteBook(t)
	if _, err := b.MarkQuoteSent("contoso-2026", ""); err != nil {
		t.Fatal(err)
	}
	doc := bookQuote(t, b, "contoso-2026").Doc()
	doc.PaymentTermsDays = ptr(14)
	c, err := doc.Content(mustLookup(t, b))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.SaveQuote("contoso-2026", c); err != nil {
		t.Fatal(err)
	}
	m, p := openQuotes(t, b, "contoso-2026")
	press(t, m, "u")
	typeText(t, m, "api_calls=2000")
	press(t, m, "enter", "enter")
	text := strings.Join(p.readLns, "\n")
	for _, want := range []string{
		"Quote contoso-2026 v2 · draft", "Year 1 2026-06-01–2027-06-01", "ARR year 1", "TCV ", "effective discount",
		"First three invoices", "api_calls=2000", "v1 sent", "v2 draft", "Changes v1 → v2", "payment terms 30 days → 14 days",
		"15% 3-year commitment", "graduated api_calls: ≤1000 0.10",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the read view lacks %q:\n%s", want, text)
		}
	}
	// The figures are the pricing core's at the usage typed.
	f, err := bookQuote(t, b, "contoso-2026").Figures(map[string]decimal.Decimal{"api_calls": decimal.RequireFromString("2000")})
	if err != nil {
		t.Fatal(err)
	}
	if want := "TCV " + money(f.TCV, f.Currency); !strings.Contains(text, want) {
		t.Errorf("the read view lacks %q", want)
	}
	press(t, m, "esc")
	if p.reading != "" {
		t.Error("esc left the read view open")
	}
}

func ptr[T any](v T) *T { return &v }

func mustLookup(t *testing.T, b *ledger.Book) ledger.QuoteLookup {
	t.Helper()
	l, err := b.QuoteLookup()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// editQuote opens the editor on quote id.
func editQuote(t *testing.T, b *ledger.Book, id string) (*Model, *quotesPane) {
	t.Helper()
	m, p := openQuotes(t, b, id)
	press(t, m, "e")
	if p.editor == nil {
		t.Fatalf("e opened no editor: %q", m.status)
	}
	return m, p
}

// toField moves the editor's cursor with tab to the field key (of phase,
// for a phase's fields).
func toField(t *testing.T, m *Model, e *quoteEditor, key string, phase int) *formField {
	t.Helper()
	for range len(e.form.fields()) + 1 {
		if fl := e.fieldAt(); fl.key == key && (fl.phase == phase || phase < 0) {
			return fl
		}
		press(t, m, "tab")
	}
	t.Fatalf("no field %s (phase %d)", key, phase)
	return nil
}

func TestQuoteEditorBadValueShowsInlineErrorAndRefusesSave(t *testing.T) {
	b := quoteBook(t)
	before := bookQuote(t, b, "contoso-2026")
	m, p := editQuote(t, b, "contoso-2026")
	e := p.editor
	if !m.quotes.Capturing() {
		t.Fatal("the editor does not capture keys")
	}
	fl := toField(t, m, e, "term_months", -1)
	typeText(t, m, "x") // 36x
	if fl.err != "a whole number" {
		t.Fatalf("term 36x: inline error %q", fl.err)
	}
	if !strings.Contains(m.View(), "36x") || !strings.Contains(m.View(), "✗ a whole number") {
		t.Errorf("the error is not next to the field:\n%s", m.View())
	}
	press(t, m, "ctrl+s")
	if !strings.Contains(m.status, "not saved") {
		t.Errorf("ctrl+s with a problem: status %q", m.status)
	}
	// A line naming a product the catalog lacks: the error sits on the line.
	press(t, m, "backspace")
	line := toField(t, m, e, "line", 1)
	press(t, m, "ctrl+u") // textinput: delete to the start
	typeText(t, m, "{product: apl}")
	if !strings.Contains(line.err, `product "apl" is not in the catalog`) {
		t.Fatalf("unknown product: inline error %q", line.err)
	}
	press(t, m, "ctrl+s")
	// Problems of the prospect go next to its fields too.
	tz := toField(t, m, e, "time_zone", -1)
	typeText(t, m, "X")
	if !strings.Contains(tz.err, "Europe/ZurichX") {
		t.Errorf("bad time zone: inline error %q, general %q", tz.err, e.form.general)
	}
	press(t, m, "backspace")
	line = toField(t, m, e, "line", 1)
	if after := bookQuote(t, b, "contoso-2026"); !after.SavedAt.Equal(before.SavedAt) || after.Version != 1 {
		t.Fatal("ctrl+s saved a quote with problems")
	}
	// q types into the field rather than quitting: the editor has the keys.
	typeText(t, m, "q")
	if p.editor == nil || !strings.HasSuffix(line.in.Value(), "q") {
		t.Fatal("q left the editor")
	}
}

func TestQuoteEditorNextYearRamp(t *testing.T) {
	b := quoteBook(t)
	m, p := editQuote(t, b, "contoso-2026")
	e := p.editor
	// Drop the quote's own year 2, then make it again from year 1 +8%.
	toField(t, m, e, "phase.name", 2)
	press(t, m, "ctrl+x")
	if len(e.form.phases) != 2 {
		t.Fatalf("%d phases after ctrl+x, want 2", len(e.form.phases))
	}
	toField(t, m, e, "phase.name", 1)
	press(t, m, "ctrl+y")
	if m.dialog == nil || m.dialog.input == nil || m.dialog.input.Value() != "8" {
		t.Fatal("ctrl+y asked for no percent (default 8)")
	}
	press(t, m, "enter")
	if e.form.problems > 0 {
		t.Fatalf("the ramp does not resolve: %v %v", e.form.general, e.form.fields())
	}
	s := e.form.content.Schedule
	if len(s.Phases) != 3 {
		t.Fatalf("%d phases, want 3", len(s.Phases))
	}
	y2 := s.Phases[2]
	if y2.Name != "Year 2" || y2.Start != pricing.MustDate("2027-06-01") {
		t.Fatalf("new phase %q from %s", y2.Name, y2.Start)
	}
	if len(y2.Discounts) != 1 || !y2.Discounts[0].Percent.Equal(decimal.RequireFromString("15")) || y2.Minimum == nil {
		t.Errorf("the phase's discounts and minimum were not carried: %+v %+v", y2.Discounts, y2.Minimum)
	}
	got := map[string]string{}
	for _, l := range y2.Lines {
		switch {
		case l.Package != nil:
			got[l.Name] = l.Package.Price.String()
		case len(l.Tiers) > 0:
			var ts []string
			for _, tr := range l.Tiers {
				ts = append(ts, tr.UnitPrice.String())
			}
			got[l.Name] = strings.Join(ts, " ")
		default:
			got[l.Name] = l.Price.String()
		}
	}
	want := map[string]string{"Platform": "2160", "Analyst seats": "48.6", "Invoices issued": "27", "API calls": "0.108 0.0864 0.054"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	// Lines keep their product: the new line reads like the old one.
	if v := e.form.phases[2].lines[0].in.Value(); v != "{product: platform, price: 2160}" {
		t.Errorf("ramped platform line: %q", v)
	}
	press(t, m, "ctrl+s")
	q := bookQuote(t, b, "contoso-2026")
	if q.Version != 1 || len(q.Schedule.Phases) != 3 || !q.Schedule.Phases[2].Lines[0].Price.Equal(decimal.RequireFromString("2160")) {
		t.Fatalf("saved draft: v%d, %d phases", q.Version, len(q.Schedule.Phases))
	}
	if e.dirty || !strings.Contains(m.status, "saved quote contoso-2026 v1") {
		t.Errorf("after ctrl+s: dirty %v, status %q", e.dirty, m.status)
	}
}

func TestQuoteEditorSaveOfSentQuoteMakesVersion2(t *testing.T) {
	b := quoteBook(t)
	if _, err := b.MarkQuoteSent("contoso-2026", ""); err != nil {
		t.Fatal(err)
	}
	m, p := editQuote(t, b, "contoso-2026")
	if !strings.Contains(p.editor.title(), "saving makes v2") {
		t.Errorf("title %q", p.editor.title())
	}
	toField(t, m, p.editor, "payment_terms_days", -1)
	press(t, m, "backspace", "backspace")
	typeText(t, m, "14")
	press(t, m, "ctrl+s")
	vs, err := b.QuoteVersions("contoso-2026")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Status != ledger.QuoteSent || vs[1].Status != ledger.QuoteDraft || vs[1].PaymentTermsDays != 14 {
		t.Fatalf("versions after saving a sent quote: %d", len(vs))
	}
	if d := ledger.DiffQuotes(vs[0], vs[1]); len(d) != 1 || !strings.Contains(d[0], "payment terms 30 days → 14 days") {
		t.Errorf("diff v1 → v2: %q (the editor changed more than the field typed)", d)
	}
}

func TestQuoteEditorEscAsksBeforeDiscarding(t *testing.T) {
	b := quoteBook(t)
	m, p := editQuote(t, b, "contoso-2026")
	press(t, m, "esc")
	if p.editor != nil || m.dialog != nil {
		t.Fatal("esc without changes should close at once")
	}
	press(t, m, "e")
	toField(t, m, p.editor, "notes", -1)
	typeText(t, m, "!")
	press(t, m, "esc")
	if m.dialog == nil || !strings.Contains(m.dialog.title, "Discard") {
		t.Fatal("esc with changes did not ask")
	}
	press(t, m, "n") // no: keep editing
	if p.editor == nil || !p.editor.dirty {
		t.Fatal("answering no closed the editor")
	}
	press(t, m, "esc", "y")
	if p.editor != nil {
		t.Fatal("y did not discard")
	}
	if q := bookQuote(t, b, "contoso-2026"); strings.HasSuffix(q.Notes, "!") {
		t.Fatal("discarded changes were saved")
	}
}

func TestQuoteEditorNewQuote(t *testing.T) {
	b := quoteBook(t)
	m, p := openQuotes(t, b, "")
	press(t, m, "n")
	e := p.editor
	if e == nil {
		t.Fatal("n opened no editor")
	}
	press(t, m, "ctrl+s")
	if !strings.Contains(m.status, "not saved") {
		t.Fatalf("an empty new quote saved: %q", m.status)
	}
	for _, f := range []struct{ key, text string }{
		{"id", "acme-2026"}, {"name", "Acme Ltd"}, {"currency", "EUR"}, {"time_zone", "Europe/Berlin"}, {"discounts", "[{percent: 10}]"},
	} {
		toField(t, m, e, f.key, -1)
		typeText(t, m, f.text)
	}
	if e.form.problems > 0 {
		t.Fatalf("problems: %v", e.form.general)
	}
	press(t, m, "ctrl+s")
	q := bookQuote(t, b, "acme-2026")
	if q.Prospect == nil || q.Prospect.Name != "Acme Ltd" || q.TermMonths != 12 || q.Schedule.Start != pricing.MustDate("2026-05-01") {
		t.Fatalf("saved new quote: %+v", q.QuoteContent)
	}
	// The id is fixed once saved: the next save goes to the same quote.
	if p.editor.form.isNew {
		t.Error("still new after saving")
	}
}

// Golden screens of the quotes tab (View at 100×30, colours off).
// Regenerate with: go test ./tui -run TestQuoteScreens -update
func TestQuoteScreens(t *testing.T) {
	cases := []struct {
		name string
		keys []string
	}{
		{"quotes_list_100x30", nil},
		{"quote_read_100x30", []string{"enter"}},
		{"quote_editor_100x30", []string{"e"}},
		{"quote_editor_error_100x30", []string{"e", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := quoteBook(t)
			m, _ := openQuotes(t, b, "contoso-2026")
			press(t, m, tc.keys...)
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

func TestQuoteEditorLinesAndPhases(t *testing.T) {
	b := quoteBook(t)
	m, p := editQuote(t, b, "contoso-2026")
	e := p.editor
	texts := func(phase int) []string {
		var out []string
		for _, l := range e.form.phases[phase].lines {
			out = append(out, l.in.Value())
		}
		return out
	}
	// Year 1: platform, analysts, invoices, api.
	toField(t, m, e, "line", 1)
	press(t, m, "alt+down") // platform below analysts
	if got := texts(1); got[0] != "{product: analysts}" || got[1] != "{product: platform}" {
		t.Fatalf("after alt+down: %q", got)
	}
	press(t, m, "ctrl+t") // a second platform line: the name is taken
	if got := texts(1); len(got) != 5 || got[2] != "{product: platform}" {
		t.Fatalf("after ctrl+t: %q", got)
	}
	if e.form.problems == 0 {
		t.Fatal("two lines named Platform in one phase resolved")
	}
	named := 0
	for _, l := range e.form.phases[1].lines {
		if l.err != "" {
			named++
		}
	}
	if named == 0 {
		t.Errorf("the duplicate name's problem is not next to a line: general %q", e.form.general)
	}
	press(t, m, "ctrl+x")
	if e.form.problems != 0 || len(texts(1)) != 4 {
		t.Fatalf("after ctrl+x: %d problems, lines %q", e.form.problems, texts(1))
	}
	// The cursor is on the line that took the removed one's place
	// (invoices); ctrl+n adds after it, the cursor inside the braces.
	press(t, m, "ctrl+n")
	typeText(t, m, "onboarding")
	if got := texts(1); len(got) != 5 || got[3] != "{product: onboarding}" || e.form.problems != 0 {
		t.Fatalf("after ctrl+n: %q (%d problems)", got, e.form.problems)
	}
	press(t, m, "ctrl+p")
	if len(e.form.phases) != 4 || e.fieldAt() != e.form.phases[2].name {
		t.Fatalf("ctrl+p: %d phases, cursor on %s", len(e.form.phases), e.fieldAt().key)
	}
	press(t, m, "alt+up")
	if e.form.phases[1].name.in.Value() != "Phase 4" {
		t.Errorf("alt+up on a phase did not move it: %q", e.form.phases[1].name.in.Value())
	}
}

// The editor never crashes and never saves a quote with problems, whatever
// is typed wherever, and whatever lines and phases are added, copied,
// moved or removed: every step either resolves (totals shown) or refuses
// ctrl+s with the problems marked.
func TestQuoteEditorNeverCrashesProperty(t *testing.T) {
	b := quoteBook(t)
	look := mustLookup(t, b)
	q := bookQuote(t, b, "contoso-2026")
	ctx := &Context{Book: b, Theme: NewTheme(), Keys: DefaultKeyMap(), Now: func() time.Time { return quoteDay }}
	special := []string{"tab", "shift+tab", "backspace", "ctrl+n", "ctrl+p", "ctrl+t", "ctrl+x", "alt+up", "alt+down", "ctrl+u", "enter", "up", "down"}
	rapid.Check(t, func(rt *rapid.T) {
		e, _ := newQuoteEditor(ctx, look, nil, &q)
		e.SetSize(rapid.IntRange(20, 160).Draw(rt, "w"), rapid.IntRange(5, 50).Draw(rt, "h"))
		for i := range rapid.IntRange(1, 40).Draw(rt, "steps") {
			var k tea.KeyMsg
			if rapid.Bool().Draw(rt, "special") {
				k = keyMsg(rapid.SampledFrom(special).Draw(rt, "key"))
			} else {
				text := rapid.StringOf(rapid.RuneFrom([]rune("{}[]:, -.0123456789abcdefprotu%\""))).Draw(rt, "text")
				if text == "" {
					continue
				}
				k = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(text)}
			}
			e.Update(k)
			_ = e.View()
			f := e.form
			if f.problems == 0 && !f.resolved {
				rt.Fatalf("step %d: no problem shown, yet not resolved", i)
			}
			if f.problems > 0 {
				msg := e.save()()
				if s, ok := msg.(statusMsg); !ok || !strings.Contains(s.text, "not saved") {
					rt.Fatalf("step %d: ctrl+s with %d problems gave %#v", i, f.problems, msg)
				}
			}
		}
	})
}

// Opening a quote in the editor loses nothing: the form, shown with
// catalog lines shortened, resolves to the very schedule and terms stored.
func TestQuoteEditorRoundTrip(t *testing.T) {
	b := quoteBook(t)
	for _, id := range []string{"contoso-2026", "initech"} {
		t.Run(id, func(t *testing.T) {
			_, p := editQuote(t, b, id)
			f := p.editor.form
			if f.problems > 0 || !f.resolved {
				t.Fatalf("the stored quote does not resolve in the editor: %q", f.general)
			}
			q := bookQuote(t, b, id)
			want, _ := json.Marshal(q.QuoteContent)
			got, _ := json.Marshal(f.content)
			if string(got) != string(want) {
				t.Errorf("the form changed the quote:\n got %s\nwant %s", got, want)
			}
			for _, ph := range f.phases {
				for _, l := range ph.lines {
					if strings.Contains(l.in.Value(), "tax_rate: null") || strings.Contains(l.in.Value(), "discounts: []") {
						t.Errorf("line not shortened: %s", l.in.Value())
					}
				}
			}
		})
	}
}
