package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// customersBook has four customers with schedules, a second alias for
// acme, usage of acme's, and usage waiting under three unknown aliases.
func customersBook(t *testing.T) *ledger.Book {
	t.Helper()
	b := openPaneBook(t)
	addPaneCustomers(t, b)
	if _, err := b.MapAlias("acme-prod", "acme"); err != nil {
		t.Fatal(err)
	}
	ingestPaneUsage(t, b, "acme", time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), 2)
	ingestPaneUsage(t, b, "acme-eu", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), 3)
	ingestPaneUsage(t, b, "initech-legacy", time.Date(2026, 2, 27, 23, 0, 0, 0, time.UTC), 2)
	ingestPaneUsage(t, b, "stranger-7", time.Date(2026, 3, 15, 12, 30, 0, 0, time.UTC), 1)
	return b
}

// loadedCustomersPane is the pane at 80×24 with its first load applied.
func loadedCustomersPane(t *testing.T, ctx *Context) *customersPane {
	t.Helper()
	p := newCustomersPane(ctx)
	p.SetSize(80, 24)
	settlePane(t, p, p.Init())
	return p
}

func gridColumn(g *Grid, col int) string {
	var out []string
	for _, ri := range g.view {
		out = append(out, g.rows[ri].Cells[col].Text)
	}
	return strings.Join(out, ",")
}

func TestCustomersPaneListsCustomersAndUnattributedUsage(t *testing.T) {
	p := loadedCustomersPane(t, paneContext(customersBook(t)))
	if got := gridColumn(p.customers, 0); got != "acme,globex,initech,umbrella" {
		t.Errorf("customers %s", got)
	}
	if got := gridColumn(p.customers, 3); got != "2,1,1,1" {
		t.Errorf("alias counts %s: acme has its id and acme-prod", got)
	}
	if got := gridColumn(p.customers, 4); got != "1,1,1,1" {
		t.Errorf("schedule counts %s", got)
	}
	// The biggest waiting usage first.
	if got := gridColumn(p.usage, 0); got != "acme-eu,initech-legacy,stranger-7" {
		t.Errorf("unattributed aliases %s", got)
	}
	if got := gridColumn(p.usage, 1); got != "3,2,1" {
		t.Errorf("event counts %s", got)
	}
	if got := gridColumn(p.usage, 2) + " / " + gridColumn(p.usage, 3); got !=
		"2026-03-01 10:00,2026-02-27 23:00,2026-03-15 12:30 / 2026-03-01 12:00,2026-02-28 00:00,2026-03-15 12:30" {
		t.Errorf("first / last seen %s", got)
	}
}

func TestCustomersPaneDropsStaleLoads(t *testing.T) {
	p := newCustomersPane(paneContext(customersBook(t)))
	p.SetSize(80, 24)
	first, second := runCmd(t, p.Init()), runCmd(t, p.load())
	p.Update(first[0])
	if p.loaded || p.customers.Total() != 0 {
		t.Fatal("applied a load that a newer one replaced")
	}
	p.Update(second[0])
	if !p.loaded || p.customers.Total() != 4 {
		t.Fatalf("newest load not applied: loaded %v, %d customers", p.loaded, p.customers.Total())
	}
}

func TestCustomersPaneMapsAnAliasThroughThePicker(t *testing.T) {
	b := customersBook(t)
	p := loadedCustomersPane(t, paneContext(b))
	if status, _ := pressKeys(t, p, "m"); len(status) != 1 || !strings.Contains(status[0], "move to the usage list") {
		t.Errorf("m on the customers list: %q", status)
	}
	pressKeys(t, p, "right", "m")
	if !p.Capturing() || p.picker == nil {
		t.Fatal("m on an alias did not open the picker")
	}
	if got := shortHelp(p); got != "↑ up · ↓ down · enter map to this customer · esc cancel" {
		t.Errorf("picker help: %s", got)
	}
	// j and k are letters of the query while the picker is open.
	pressKeys(t, p, "a", "c", "m")
	if got := p.picker.input.Value(); got != "acm" {
		t.Fatalf("query %q", got)
	}
	if len(p.picker.matches) != 1 {
		t.Errorf("acm matches %d customers, want acme only", len(p.picker.matches))
	}
	if c, ok := p.picker.selected(); !ok || c.ID != "acme" {
		t.Fatalf("acm selects %q", c.ID)
	}
	status, changed := pressKeys(t, p, "enter")
	want := "mapped alias acme-eu to acme: 3 events attributed; drafts that used them are now stale — recalc"
	if len(status) == 0 || status[len(status)-1] != want || !changed {
		t.Errorf("status %q (book changed: %v), want %q", status, changed, want)
	}
	if p.Capturing() {
		t.Error("the picker stayed open")
	}
	// The book: the alias is acme's and its events count for acme.
	un, err := b.Unattributed()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range un {
		if u.Alias == "acme-eu" {
			t.Errorf("acme-eu is still unattributed: %+v", u)
		}
	}
	totals, err := b.Totals("acme", pricing.MustDate("2026-03-01"), pricing.MustDate("2026-04-01"))
	if err != nil {
		t.Fatal(err)
	}
	if len(totals) != 1 || totals[0].Events != 5 {
		t.Errorf("acme's March totals %+v: want 5 calls (2 own, 3 mapped)", totals)
	}
	// The pane reloaded on bookChangedMsg.
	if got := gridColumn(p.usage, 0); got != "initech-legacy,stranger-7" {
		t.Errorf("after mapping the usage list is %s", got)
	}
	if got := gridColumn(p.customers, 3); got != "3,1,1,1" {
		t.Errorf("after mapping the alias counts are %s", got)
	}
}

func TestCustomersPanePickerFiltersAndCancels(t *testing.T) {
	b := customersBook(t)
	p := loadedCustomersPane(t, paneContext(b))
	pressKeys(t, p, "right", "j", "m") // initech-legacy
	if p.pickFor.Alias != "initech-legacy" {
		t.Fatalf("picking for %q", p.pickFor.Alias)
	}
	names := func() string {
		var out []string
		for _, i := range p.picker.matches {
			out = append(out, p.picker.all[i].ID)
		}
		return strings.Join(out, ",")
	}
	if got := names(); got != "acme,globex,initech,umbrella" {
		t.Errorf("no query lists every customer: %s", got)
	}
	pressKeys(t, p, "h", "e", "a", "l", "t", "h")
	if got := names(); got != "umbrella" {
		t.Errorf("'health' matches %s (the name counts, not only the id)", got)
	}
	pressKeys(t, p, "x", "y", "z")
	if got := names(); got != "" || !strings.Contains(p.View(), `no customer matches "healthxyz"`) {
		t.Errorf("no match: %s\n%s", got, p.View())
	}
	if status, _ := pressKeys(t, p, "enter"); len(status) != 0 || !p.Capturing() {
		t.Errorf("enter with no match: status %q, capturing %v", status, p.Capturing())
	}
	status, changed := pressKeys(t, p, "esc")
	if p.Capturing() || changed || len(status) != 0 {
		t.Errorf("esc: capturing %v, changed %v, status %q", p.Capturing(), changed, status)
	}
	if un, _ := b.Unattributed(); len(un) != 3 {
		t.Errorf("cancel mapped something: %+v", un)
	}
}

func TestCustomersPaneReportsAMappingThatFails(t *testing.T) {
	b := customersBook(t)
	p := loadedCustomersPane(t, paneContext(b))
	pressKeys(t, p, "right", "m", "a", "c", "m", "e")
	// Someone maps the alias elsewhere while the picker is open.
	if _, err := b.MapAlias("acme-eu", "globex"); err != nil {
		t.Fatal(err)
	}
	status, changed := pressKeys(t, p, "enter")
	if len(status) == 0 || changed || !strings.Contains(status[len(status)-1], "map alias acme-eu to acme:") ||
		!strings.Contains(status[len(status)-1], "belongs to customer globex") {
		t.Errorf("status %q, changed %v", status, changed)
	}
	if p.mapping != "" {
		t.Error("still shows the mapping as running")
	}
}

func TestCustomersPaneReadOnlyRefusesToMap(t *testing.T) {
	ctx := paneContext(customersBook(t))
	ctx.ReadOnly, ctx.ReadOnlyWhy = true, "monthend serve (pid 4242) holds it"
	p := loadedCustomersPane(t, ctx)
	pressKeys(t, p, "right")
	if strings.Contains(shortHelp(p), "map alias") {
		t.Errorf("read-only help offers m: %s", shortHelp(p))
	}
	status, changed := pressKeys(t, p, "m")
	if p.Capturing() || changed || len(status) != 1 ||
		status[0] != "map alias: the book is read-only — monthend serve (pid 4242) holds it" {
		t.Errorf("m when read-only: capturing %v, status %q", p.Capturing(), status)
	}
}

func TestCustomersPaneHelpFollowsTheMode(t *testing.T) {
	p := loadedCustomersPane(t, paneContext(customersBook(t)))
	for _, tc := range []struct {
		name, keys, want string
	}{
		{"customers", "", "↑/k up · ↓/j down · enter aliases & schedules · ←/→ other list · ctrl+r reload"},
		{"details", "enter", "↑/k up · ↓/j down · esc close details · ←/→ other list · ctrl+r reload"},
		{"usage", "right", "↑/k up · ↓/j down · m map alias to customer · ←/→ other list · ctrl+r reload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.keys != "" {
				pressKeys(t, p, tc.keys)
			}
			if got := shortHelp(p); got != tc.want {
				t.Errorf("help %q, want %q", got, tc.want)
			}
		})
	}
	// Marks do nothing here and are not offered.
	for _, group := range p.FullHelp() {
		for _, b := range group {
			if b.Help().Key == "space" {
				t.Error("full help offers marks")
			}
		}
	}
}

func TestCustomersPaneDetailShowsAliasesAndSchedules(t *testing.T) {
	p := loadedCustomersPane(t, paneContext(customersBook(t)))
	pressKeys(t, p, "enter")
	view := p.View()
	for _, want := range []string{"acme — Acme Corp", "EUR · Europe/Berlin · net 14 days · ap@acme.example",
		"Aliases (2): acme, acme-prod", "Schedules (1):", "acme-2026  v1  active"} {
		if !strings.Contains(view, want) {
			t.Errorf("detail lacks %q:\n%s", want, view)
		}
	}
	pressKeys(t, p, "j") // the detail follows the cursor
	if view := p.View(); !strings.Contains(view, "globex — Globex") {
		t.Errorf("detail after j:\n%s", view)
	}
	pressKeys(t, p, "esc")
	if view := p.View(); !strings.Contains(view, "Unattributed usage") {
		t.Errorf("esc did not close the detail:\n%s", view)
	}
}

func TestCustomersPaneGolden(t *testing.T) {
	p := loadedCustomersPane(t, paneContext(customersBook(t)))
	pressKeys(t, p, "right")
	checkPaneView(t, p, 80, 24)
	golden.RequireEqual(t, []byte(p.View()))
}

func TestCustomersPanePickerGolden(t *testing.T) {
	p := loadedCustomersPane(t, paneContext(customersBook(t)))
	pressKeys(t, p, "right", "m", "e")
	checkPaneView(t, p, 80, 24)
	golden.RequireEqual(t, []byte(p.View()))
}

func TestCustomersPaneSideBySideWhenWide(t *testing.T) {
	p := loadedCustomersPane(t, paneContext(customersBook(t)))
	p.SetSize(140, 12)
	checkPaneView(t, p, 140, 12)
	first := strings.Split(p.View(), "\n")[0]
	if !strings.Contains(first, "Customers (4)") || !strings.Contains(first, "Unattributed usage") {
		t.Errorf("at 140 columns the first line is %q", first)
	}
}

// checkPaneView asserts that a pane draws exactly h lines of at most w cells.
func checkPaneView(t *testing.T, p pane, w, h int) {
	t.Helper()
	lines := strings.Split(p.View(), "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells wide: %q", i, n, l)
		}
	}
}

func TestFormatCountAndPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 events", 1: "1 event", 999: "999 events", 1240: "1,240 events",
		1234567: "1,234,567 events", -1240: "-1,240 events"} {
		if got := plural(n, "event"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}
