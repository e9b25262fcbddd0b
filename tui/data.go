package tui

import (
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// viewData is one saved view with the rows it selects now, their count and
// totals per currency: what the views pane lists and the grid shows.
type viewData struct {
	View   ledger.View
	Label  string // the period the view resolved to ("2026-10")
	Rows   []ledger.InvoiceRow
	Totals []currencyTotal // per currency, by code
	Err    error           // the view could not be read (bad period, …)
}

// currencyTotal is a sum of invoice totals in one currency.
type currencyTotal struct {
	Currency pricing.Currency
	Total    decimal.Decimal
}

// bookLoadedMsg carries everything the invoices screen shows, read in one
// command. seq drops results of a load that a newer one replaced.
type bookLoadedMsg struct {
	seq       int
	views     []viewData
	customers map[string]string // id → name
	// outbox is the newest outbox item's status per invoice id, so the grid
	// can tell an issued invoice waiting in the outbox from one not queued.
	outbox map[string]ledger.OutboxStatus
	err    error
}

// loadBook reads the saved views and, once per period they name, the
// month-over-month summary rows; then applies each view's filter and sort. It runs
// in a tea.Cmd: on a big book it takes a while, and the screen stays live.
func loadBook(book *ledger.Book, th ledger.Thresholds, seq int) tea.Cmd {
	return func() tea.Msg {
		msg := bookLoadedMsg{seq: seq, customers: map[string]string{}, outbox: map[string]ledger.OutboxStatus{}}
		views, err := book.Views()
		if err != nil {
			msg.err = err
			return msg
		}
		customers, err := book.Customers()
		if err != nil {
			msg.err = err
			return msg
		}
		for _, c := range customers {
			msg.customers[c.ID] = c.Name
		}
		items, err := book.Outbox()
		if err != nil {
			msg.err = err
			return msg
		}
		for _, it := range items { // in queueing order: the newest wins
			msg.outbox[it.InvoiceID] = it.Status
		}
		byPeriod := map[string][]ledger.InvoiceRow{}
		for _, v := range views {
			vd := viewData{View: v}
			vd.Label, vd.Err = book.ViewPeriod(v)
			if vd.Err == nil {
				rows, ok := byPeriod[vd.Label]
				if !ok {
					// Summaries (no lines): a period lists in one short scan;
					// the detail screen reads the whole invoice when opened.
					if rows, err = book.SummaryRows(vd.Label, th); err != nil {
						msg.err = err
						return msg
					}
					byPeriod[vd.Label] = rows
				}
				for i := range rows {
					if v.Match(&rows[i]) {
						vd.Rows = append(vd.Rows, rows[i])
					}
				}
				v.SortRows(vd.Rows)
				vd.Totals = totalsByCurrency(vd.Rows, nil)
			}
			msg.views = append(msg.views, vd)
		}
		return msg
	}
}

// totalsByCurrency sums the totals of rows (only those whose id is in only,
// when only is not nil), per currency, ordered by code. Missing rows (no
// invoice now) add nothing.
func totalsByCurrency(rows []ledger.InvoiceRow, only map[string]bool) []currencyTotal {
	var out []currencyTotal
	for i := range rows {
		r := &rows[i]
		if r.ID == "" || only != nil && !only[r.ID] {
			continue
		}
		j := slices.IndexFunc(out, func(t currencyTotal) bool { return t.Currency == r.Currency })
		if j < 0 {
			out = append(out, currencyTotal{Currency: r.Currency})
			j = len(out) - 1
		}
		out[j].Total = out[j].Total.Add(r.Total)
	}
	slices.SortFunc(out, func(a, b currencyTotal) int { return strings.Compare(a.Currency.Code(), b.Currency.Code()) })
	return out
}

// formatTotals writes totals as "1,234.00 EUR · 560.00 USD".
func formatTotals(ts []currencyTotal) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = money(t.Total, t.Currency)
	}
	return strings.Join(parts, " · ")
}

// money formats an amount at its currency's minor units with thousands
// separators and the code: "12,400.00 EUR".
func money(d decimal.Decimal, c pricing.Currency) string {
	return pricing.FormatAmount(d, c.MinorUnits()) + " " + c.Code()
}

// amount is money without the code, for columns that show it elsewhere.
func amount(d decimal.Decimal, c pricing.Currency) string {
	return pricing.FormatAmount(d, c.MinorUnits())
}

// rowID is the grid id of an invoice row. A "missing" row has no invoice
// of its own, so it borrows the previous invoice's id.
func rowID(r *ledger.InvoiceRow) string {
	if r.ID != "" {
		return r.ID
	}
	if r.Previous != nil {
		return "missing:" + r.Previous.ID
	}
	return "missing:" + r.ScheduleID
}

// detailLoadedMsg carries one invoice in full (lines, readings, per-line
// changes against the previous period) for the detail screen.
type detailLoadedMsg struct {
	id  string // the grid row id it was asked for
	row ledger.InvoiceRow
	err error
}

// loadDetail reads row's invoice and its previous period's in full and
// compares their lines; the row's summary fields (flags, staleness, the
// change of total) are kept as the listing computed them.
func loadDetail(book *ledger.Book, row ledger.InvoiceRow) tea.Cmd {
	return func() tea.Msg {
		msg := detailLoadedMsg{id: rowID(&row), row: row}
		if row.ID == "" { // a missing row: nothing more to read
			return msg
		}
		inv, err := book.Invoice(row.ID)
		if err != nil {
			msg.err = err
			return msg
		}
		msg.row.Invoice = inv
		if row.Previous != nil {
			prev, err := book.Invoice(row.Previous.ID)
			if err != nil {
				msg.err = err
				return msg
			}
			msg.row.LineDiff = pricing.CompareLines(prev.Lines, inv.Lines)
		}
		return msg
	}
}
